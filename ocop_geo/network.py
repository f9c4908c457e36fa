"""Road networks per travel mode: build, cache and load osmnx-compatible graphs.

The default path is offline: the bundled OSM extract (``settings.osm_extract``) is read with
pyosmium into arrays (:mod:`ocop_geo.osm_reader`), filtered and timed per mode (:mod:`ocop_geo.modes`),
merged with the supplementary road layer (:mod:`ocop_geo.supplement`), consolidated to
intersections on arrays, cached on disk (:mod:`ocop_geo.graph_cache`) and only then turned into
a ``networkx.MultiDiGraph`` with osmnx's attributes.

Simplification differs from osmnx in one documented way: an edge ends wherever two OSM ways
meet, even when only two ways meet end to end, so every edge belongs to exactly one OSM way
and keeps that way's scalar attributes (osmnx would merge them into list-valued attributes).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from . import graph_cache, modes, settings
from ._errors import InputFileError, NetworkError
from .i18n import gettext as _
from .osm_reader import RawWays, read_ways
from .supplement import merge_supplement, read_supplement

log = logging.getLogger(__name__)

#: Districts counted as rural for speeds (the five "huyện" of HCMC in 2019).
RURAL_DISTRICTS: frozenset[str] = frozenset(
    {"Cu Chi", "Hoc Mon", "Binh Chanh", "Nha Be", "Can Gio"}
)

#: Edge columns kept in the arrays, the cache and the graph (besides u, v, key, geometry).
EDGE_COLUMNS: tuple[str, ...] = (
    "osmid", "highway", "name", "ref", "oneway", "reversed", "length", "speed_kph",
    "travel_time", "ferry", "source",
)  # fmt: skip

EARTH_RADIUS_M = 6_371_008.8


@dataclass
class GraphArrays:
    """A built network as columns: ``nodes`` (osmid, x, y) and ``edges`` (u, v, key, geometry, …)."""

    nodes: pd.DataFrame
    edges: gpd.GeoDataFrame
    mode: str
    source: str

    def to_networkx(self) -> nx.MultiDiGraph:
        """Create the osmnx-compatible ``MultiDiGraph`` (crs EPSG:4326).

        The adjacency dictionaries are filled directly (with the garbage collector paused),
        which is several times faster than ``add_edges_from`` for 100,000+ edges.
        """
        G = nx.MultiDiGraph(crs="EPSG:4326", mode=self.mode, source=self.source, simplified=True)
        nodes, e = self.nodes, self.edges
        cols = [c for c in EDGE_COLUMNS if c in e.columns] + ["geometry"]
        with gc_paused():
            node_attr: dict[int, dict[str, float]] = {}
            succ: dict[int, dict] = {}
            pred: dict[int, dict] = {}
            for n, x, y in zip(
                nodes["osmid"].tolist(), nodes["x"].tolist(), nodes["y"].tolist(), strict=True
            ):
                node_attr[n] = {"x": x, "y": y}
                succ[n] = {}
                pred[n] = {}
            values = [e[c].tolist() for c in cols[:-1]] + [np.asarray(e.geometry.array).tolist()]
            for u, v, k, *row in zip(
                e["u"].tolist(), e["v"].tolist(), e["key"].tolist(), *values, strict=True
            ):
                keyed = succ[u].get(v)
                if keyed is None:
                    keyed = succ[u][v] = pred[v][u] = {}
                keyed[k] = dict(zip(cols, row, strict=True))
            G._node.update(node_attr)
            G._succ.update(succ)
            G._pred.update(pred)
        return G


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many small objects are created.

    Creating the hundreds of thousands of edge dictionaries of a city graph would otherwise
    trigger a collection every few hundred allocations, each scanning what was made so far.
    On exit the collector is enabled again if it was before, and the young objects (those made
    meanwhile among them) are handed to its oldest generation (``gc.freeze()`` at once undone by ``gc.unfreeze()``,
    only when nothing else is frozen), so young collections do not scan them all again
    (about a quarter of a cached city load). Nothing stays frozen: a dropped graph (a
    reference cycle once its ``G.edges`` view has been used) is freed by the next full
    collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:  # never unfreeze what someone else froze
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def haversine_m(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Great-circle distance (m) between arrays of lon/lat points."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def urban_area(path: str | Path | None = None) -> shapely.Geometry:
    """Union of the urban districts of HCMC (2019 boundaries) used to pick urban speeds."""
    path = Path(path) if path is not None else settings.admin_dir / "hcmc_districts_2019.geojson"
    return _urban_area(str(path.resolve()), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _urban_area(path: str, mtime_ns: int) -> shapely.Geometry:  # mtime: part of the memo key
    districts = gpd.read_file(path)
    urban = districts[~districts["district_name_ascii"].isin(RURAL_DISTRICTS)]
    geom = shapely.union_all(urban.geometry.to_crs(4326).values)
    shapely.prepare(geom)
    return geom


_NOT_RULES = frozenset({"name", "name:en", "ref"})


def _rule_key(tags: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The tags that mode rules and speeds read (names and refs left out), as a hashable key."""
    return tuple(sorted((k, v) for k, v in tags.items() if k not in _NOT_RULES))


def filter_ways(raw: RawWays, mode: str) -> tuple[RawWays, np.ndarray, np.ndarray]:
    """Keep the ways ``mode`` may use; also return their forward / backward permissions."""
    memo: dict[tuple[tuple[str, str], ...], tuple[bool, bool]] = {}
    access = []
    for tags in raw.tags:  # ways differ mostly by name: decide once per set of relevant tags
        key = _rule_key(tags)
        if key not in memo:
            memo[key] = modes.way_access(tags, mode)
        access.append(memo[key])
    fwd = np.fromiter((a[0] for a in access), dtype=bool, count=len(access))
    bwd = np.fromiter((a[1] for a in access), dtype=bool, count=len(access))
    keep = np.flatnonzero(fwd | bwd)
    return subset_ways(raw, keep), fwd[keep], bwd[keep]


def subset_ways(raw: RawWays, keep: np.ndarray) -> RawWays:
    """The ways of ``raw`` at positions ``keep`` (a new :class:`RawWays`)."""
    starts, ends = raw.offsets[keep], raw.offsets[keep + 1]
    counts = ends - starts
    offsets = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    idx = np.repeat(starts - offsets[:-1], counts) + np.arange(offsets[-1])
    return RawWays(
        way_ids=raw.way_ids[keep],
        offsets=offsets,
        node_ids=raw.node_ids[idx],
        lon=raw.lon[idx],
        lat=raw.lat[idx],
        tags=[raw.tags[i] for i in keep],
    )


def build_arrays(
    raw: RawWays,
    mode: str,
    *,
    fwd: np.ndarray,
    bwd: np.ndarray,
    urban: shapely.Geometry | None,
    source: str = "",
) -> GraphArrays:
    """Consolidate ways to intersections and compute edge attributes (pure, on arrays).

    Parameters
    ----------
    raw
        The ways ``mode`` may use (after :func:`filter_ways` and the supplement merge).
    mode
        One of :data:`ocop_geo.modes.MODES`.
    fwd, bwd
        Per way: may the mode travel along / against the node order.
    urban
        Polygon inside which urban speeds apply (``None``: urban everywhere).
    """
    n_pos = len(raw.node_ids)
    way_start = np.zeros(n_pos, dtype=bool)
    way_start[raw.offsets[:-1]] = True
    way_end = np.zeros(n_pos, dtype=bool)
    way_end[raw.offsets[1:] - 1] = True
    # a node shared by two ways (or twice by one) is an intersection; way ends always split
    uniq, inverse, counts = np.unique(raw.node_ids, return_inverse=True, return_counts=True)
    split = way_start | way_end | (counts[inverse] > 1)
    split_pos = np.flatnonzero(split)
    starts = split_pos[:-1][~way_end[split_pos[:-1]]]
    ends = split_pos[np.searchsorted(split_pos, starts) + 1]
    way_of_edge = np.searchsorted(raw.offsets, starts, side="right") - 1

    seg = haversine_m(raw.lon[:-1], raw.lat[:-1], raw.lon[1:], raw.lat[1:])
    seg[way_end[:-1]] = 0.0
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    length = cum[ends] - cum[starts]

    npts = ends - starts + 1
    first = np.concatenate([[0], np.cumsum(npts)[:-1]])
    idx = np.repeat(starts - first, npts) + np.arange(npts.sum())
    coords = np.column_stack([raw.lon[idx], raw.lat[idx]])
    geometry = shapely.linestrings(coords, indices=np.repeat(np.arange(len(starts)), npts))

    u = raw.node_ids[starts]
    v = raw.node_ids[ends]
    ok = ~((u == v) & (length < 0.5))
    starts, ends, way_of_edge, length, geometry, u, v = (
        a[ok] for a in (starts, ends, way_of_edge, length, geometry, u, v)
    )

    # urban / rural by the point in the middle of each edge's chord
    mid_x = (raw.lon[starts] + raw.lon[ends]) / 2
    mid_y = (raw.lat[starts] + raw.lat[ends]) / 2
    is_urban = (
        shapely.contains_xy(urban, mid_x, mid_y) if urban is not None else np.ones(len(u), bool)
    )
    memo: dict[tuple[tuple[str, str], ...], tuple[float, float]] = {}
    pairs = []
    for t in raw.tags:
        key = _rule_key(t)
        if key not in memo:
            memo[key] = (
                modes.speed_kmh(t, mode, urban=False),
                modes.speed_kmh(t, mode, urban=True),
            )
        pairs.append(memo[key])
    speed_table = np.array(pairs, dtype=float).reshape(-1, 2)
    speed = speed_table[way_of_edge, is_urban.astype(int)]
    travel_time = length / (speed / 3.6)
    tags = raw.tags
    ferry = np.array([modes.is_ferry(tags[w]) for w in way_of_edge], dtype=bool)
    for i in np.flatnonzero(ferry):
        travel_time[i] = modes.ferry_seconds(tags[way_of_edge[i]], float(length[i]))
        speed[i] = length[i] / travel_time[i] * 3.6

    src = np.array([tags[w].get("_source", "osm") for w in way_of_edge], dtype=object)
    highway = np.array(
        [tags[w].get("highway", "ferry" if modes.is_ferry(tags[w]) else "") for w in way_of_edge],
        dtype=object,
    )
    name = np.array([tags[w].get("name", "") for w in way_of_edge], dtype=object)
    ref = np.array([tags[w].get("ref", "") for w in way_of_edge], dtype=object)
    osmid = raw.way_ids[way_of_edge]
    f, b = fwd[way_of_edge], bwd[way_of_edge]
    oneway = f != b

    parts = []
    for mask, rev in ((f, False), (b, True)):
        part = pd.DataFrame(
            {
                "u": (v if rev else u)[mask],
                "v": (u if rev else v)[mask],
                "osmid": osmid[mask],
                "highway": highway[mask],
                "name": name[mask],
                "ref": ref[mask],
                "oneway": oneway[mask],
                "reversed": np.full(int(mask.sum()), rev),
                "length": np.round(length[mask], 3),
                "speed_kph": np.round(speed[mask], 2),
                "travel_time": np.round(travel_time[mask], 2),
                "ferry": ferry[mask],
                "source": src[mask],
            }
        )
        part["geometry"] = shapely.reverse(geometry[mask]) if rev else geometry[mask]
        parts.append(part)
    edges = pd.concat(parts, ignore_index=True)
    edges.insert(2, "key", edges.groupby(["u", "v"]).cumcount().astype(np.int64))

    node_ids = np.unique(np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]))
    pos = np.searchsorted(uniq, node_ids)
    first_pos = np.zeros(len(uniq), dtype=np.int64)
    first_pos[inverse[::-1]] = np.arange(n_pos)[::-1]
    nodes = pd.DataFrame(
        {"osmid": node_ids, "x": raw.lon[first_pos[pos]], "y": raw.lat[first_pos[pos]]}
    )
    arrays = GraphArrays(
        nodes=nodes,
        edges=gpd.GeoDataFrame(edges, geometry="geometry", crs=4326),
        mode=mode,
        source=source,
    )
    return largest_component(arrays)


def largest_component(arrays: GraphArrays) -> GraphArrays:
    """Keep the largest weakly connected component (as osmnx does with ``retain_all=False``).

    Largest means with the most OSM nodes; supplement roads count only when joined to it.
    """
    nodes, edges = arrays.nodes, arrays.edges
    ids = nodes["osmid"].to_numpy()
    ui = np.searchsorted(ids, edges["u"].to_numpy())
    vi = np.searchsorted(ids, edges["v"].to_numpy())
    n = len(ids)
    adj = coo_matrix((np.ones(len(ui)), (ui, vi)), shape=(n, n)).tocsr()
    _, labels = connected_components(adj, directed=True, connection="weak")
    # the component with the most OSM nodes (supplement nodes have negative ids), so that
    # supplement roads alone never outnumber a small extract
    biggest = np.bincount(labels, weights=(ids > 0).astype(float)).argmax()
    keep = labels == biggest
    if keep.all():
        return arrays
    log.info("dropped %s nodes outside the largest connected component", f"{(~keep).sum():,}")
    edge_keep = keep[ui]
    return GraphArrays(
        nodes=nodes[keep].reset_index(drop=True),
        edges=edges[edge_keep].reset_index(drop=True),
        mode=arrays.mode,
        source=arrays.source,
    )


def build_network_arrays(
    source: str | Path,
    *,
    mode: str = "motorbike",
    supplement: str | Path | None = None,
    urban: shapely.Geometry | None = None,
) -> GraphArrays:
    """Read an OSM file and build the ``mode`` network as :class:`GraphArrays` (no cache)."""
    modes.check_mode(mode)
    t0 = time.perf_counter()
    raw = read_ways(source)
    kept, fwd, bwd = filter_ways(raw, mode)
    if kept.n_ways == 0:
        raise NetworkError(_("{source}: no way of this extract is usable by mode {mode!r}", source=source, mode=mode))
    if supplement is not None:
        lines = read_supplement(supplement)
        kept, fwd, bwd = merge_supplement(kept, fwd, bwd, lines, mode=mode)
    arrays = build_arrays(
        kept,
        mode,
        fwd=fwd,
        bwd=bwd,
        urban=urban if urban is not None else urban_area(),
        source=str(source),
    )
    log.info(
        "built %s graph with %s nodes and %s edges from %s in %.1f s",
        mode,
        f"{len(arrays.nodes):,}",
        f"{len(arrays.edges):,}",
        source,
        time.perf_counter() - t0,
    )
    return arrays


def _resolve_supplement(supplement: str | Path | None | bool) -> Path | None:
    if supplement is True:
        return settings.roads_supplement
    if supplement is False or supplement is None:
        return None
    return Path(supplement)


def load_network(
    source: str | Path | None = None,
    *,
    mode: str = "motorbike",
    supplement: str | Path | None | bool = True,
    cache: bool = True,
    rebuild: bool = False,
) -> nx.MultiDiGraph:
    """Load the road network of ``mode`` as an osmnx-compatible ``MultiDiGraph``.

    Parameters
    ----------
    source
        ``.osm.pbf``, ``.osm``, ``.osm.bz2`` or a saved osmnx ``.graphml``; ``None`` = the bundled
        HCMC extract (``settings.osm_extract``).
    mode
        ``{"motorbike", "car", "coach", "bicycle", "walk"}``.
    supplement
        ``True`` = the bundled supplementary road layer, a path = your own LineStrings
        (GeoJSON / GeoPackage), ``False`` / ``None`` = OSM only.
    cache
        Read and write the on-disk cache in ``settings.cache_dir`` (keyed by content hashes).
    rebuild
        Build even when the cache has the graph, and replace the cached copy.

    Returns
    -------
    networkx.MultiDiGraph
        ``graph["crs"] == "EPSG:4326"``; nodes have ``x``/``y``; edges have ``length`` (m),
        ``travel_time`` (s), ``speed_kph``, ``geometry``, ``highway``, ``name``, ``oneway``,
        ``ferry`` and ``source`` (``"osm"`` or ``"supplement"``).
    """
    modes.check_mode(mode)
    path = Path(source) if source is not None else settings.osm_extract
    if path.suffix.lower() == ".graphml":
        return _load_graphml(path, mode=mode)
    supplement_path = _resolve_supplement(supplement)
    if supplement_path is not None and not supplement_path.is_file():
        raise InputFileError(_("{path}: supplementary road layer not found; pass supplement=False to build from OSM "
                               "only", path=supplement_path))
    if not path.is_file():
        raise InputFileError(_("{path}: no such OSM file; pass the path of a .osm.pbf or .osm extract", path=path))
    key = None
    if cache:
        key = graph_cache.cache_key(
            path,
            mode=mode,
            supplement=supplement_path,
            settings_text=modes.settings_fingerprint(mode),
        )
        with gc_paused():  # one pause for reading the columns and filling the graph
            hit = None if rebuild else graph_cache.read(key)
            if hit is not None:
                nodes, edges = hit
                arrays = GraphArrays(nodes=nodes, edges=edges, mode=mode, source=str(path))
                G = arrays.to_networkx()
        if hit is not None:
            log.info("loaded cached %s graph (%s edges)", mode, f"{len(edges):,}")
            return _tag(G, supplement_path)
    with gc_paused():
        arrays = build_network_arrays(path, mode=mode, supplement=supplement_path)
    if cache and key is not None:
        try:
            graph_cache.write(key, arrays.nodes, arrays.edges)
        except OSError as exc:  # a read-only or full cache folder: the network is built, just not kept
            log.warning("cannot write the network cache (%s: %s); going on without it — set OCOP_GEO_CACHE to a "
                        "writable folder to keep built networks", exc.filename or settings.cache_dir,
                        exc.strerror or exc)  # fmt: skip
    return _tag(arrays.to_networkx(), supplement_path)


def _tag(G: nx.MultiDiGraph, supplement: Path | None) -> nx.MultiDiGraph:
    G.graph["supplement"] = str(supplement) if supplement is not None else ""
    return G


def _load_graphml(path: Path, *, mode: str) -> nx.MultiDiGraph:
    import osmnx as ox

    if not path.is_file():
        raise InputFileError(_("{path}: no such GraphML file", path=path))
    try:
        G = ox.load_graphml(path)
    except (OSError, ParseError, ValueError, nx.NetworkXError) as exc:
        raise InputFileError(_("{path}: cannot read this GraphML file ({error}); save it again", path=path,
                               error=exc)) from exc
    G.graph.setdefault("mode", mode)
    if G.number_of_edges() and "travel_time" not in next(iter(G.edges(data=True)))[2]:
        G = ox.add_edge_travel_times(ox.add_edge_speeds(G))
    return G


def graph_summary(G: nx.MultiDiGraph) -> dict[str, object]:
    """Nodes, edges, km of road per class, components and bounding box of a graph."""
    rows = [
        (
            str(d.get("highway", "")),
            d.get("length", 0.0),
            d.get("source", "osm"),
            bool(d.get("reversed", False)),
            bool(d.get("oneway", False)),
        )
        for _, _, d in G.edges(data=True)
    ]
    df = pd.DataFrame(rows, columns=["highway", "length", "source", "reversed", "oneway"])
    once = df[~df["reversed"] | df["oneway"]]  # count a two-way road once
    km = (once.groupby("highway")["length"].sum() / 1000).round(1).sort_values(ascending=False)
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    return {
        "mode": G.graph.get("mode", ""),
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "km_by_class": km.to_dict(),
        "ferry_edges": int(sum(1 for _, _, f in G.edges(data="ferry") if f)),
        "km_supplement": round(
            float(once.loc[once["source"] == "supplement", "length"].sum()) / 1000, 1
        ),
        "strong_components": nx.number_strongly_connected_components(G),
        "weak_components": nx.number_weakly_connected_components(G),
        "bbox": (min(xs), min(ys), max(xs), max(ys)) if xs else None,
    }
