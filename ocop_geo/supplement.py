"""Merge a supplementary road layer (LineStrings) into the OSM ways before the graph is built.

The bundled layer (``settings.roads_supplement``) holds bus-route traces through the two areas
where the 2018 OSM extract has almost no roads (north Củ Chi, south Cần Giờ). Merging works on
the raw way arrays of :mod:`ocop_geo.osm_reader`, in metres (UTM):

1. Lines are clipped to the extract's roads' bounding box (the whole ``settings.hcmc_bbox``
   for a city-wide extract, see :func:`clip_box`), densified to :data:`SPACING_M` and taken
   longest first.
2. A vertex within :data:`COVER_M` of an OSM way usable by the mode (or of an OSM ferry within
   :data:`FERRY_COVER_M`, or of supplement road already added) is *covered*: OSM is preferred
   where both run together and overlapping traces are added once.
3. Each run of uncovered vertices longer than :data:`MIN_PIECE_M` becomes a two-way
   supplement way. Its ends are connected to the nearest OSM way within :data:`CONNECT_M` (a
   node is inserted into the OSM way where needed, or an existing node within
   :data:`NODE_SNAP_M` reused) or to an earlier supplement vertex, whichever is nearer.

Supplement ways get negative way and node ids, ``highway`` from a ``highway`` property when
present (else :data:`DEFAULT_HIGHWAY`), ``name`` from a ``name`` property, and the edge
attribute ``source="supplement"``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import Transformer
from scipy.spatial import cKDTree

from . import modes, settings
from ._errors import InputFileError
from .osm_reader import RawWays

log = logging.getLogger(__name__)

#: Densify supplement lines to one vertex every this many metres.
SPACING_M: float = 15.0
#: A supplement vertex this close to a usable OSM way is covered by OSM (m).
COVER_M: float = 30.0
#: A supplement vertex this close to an OSM ferry route is covered by the ferry (m).
FERRY_COVER_M: float = 300.0
#: Ends of a supplement piece connect to roads within this distance (m).
CONNECT_M: float = 80.0
#: Reuse an existing OSM node instead of inserting one when it is this close (m).
NODE_SNAP_M: float = 10.0
#: Uncovered runs shorter than this are GPS noise beside an OSM road and are dropped (m).
MIN_PIECE_M: float = 60.0
#: Supplement lines are kept this far (degrees) around the extract's roads.
CLIP_MARGIN_DEG: float = 0.02
#: Share of ``settings.hcmc_bbox`` an extract's roads must span to count as city-wide.
CITY_SHARE: float = 0.25
#: Road class given to supplement lines without a ``highway`` property.
DEFAULT_HIGHWAY: str = "secondary"


def read_supplement(path: str | Path) -> gpd.GeoDataFrame:
    """Read supplementary LineStrings (GeoJSON, GeoPackage, …) in EPSG:4326.

    Raises
    ------
    InputFileError
        The file is missing, unreadable or has no LineString.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: supplementary road layer not found")
    try:
        gdf = gpd.read_file(path)
    except (OSError, DataSourceError, DataLayerError) as exc:
        raise InputFileError(
            f"{path}: cannot read the supplementary road layer ({exc}); "
            "save it as GeoJSON or GeoPackage with LineString geometries"
        ) from exc
    if gdf.crs is None:
        log.warning("%s has no CRS; assuming EPSG:4326 (lon/lat)", path)
        gdf = gdf.set_crs(4326)
    gdf = gdf.to_crs(4326).explode(index_parts=False, ignore_index=True)
    bad = ~gdf.geom_type.isin(["LineString"]) | gdf.geometry.is_empty
    if bad.any():
        rows = [int(i) + 1 for i in np.flatnonzero(bad.to_numpy())[:10]]
        log.warning(
            "%s: %d feature(s) are not LineStrings (features %s …); ignored them",
            path,
            int(bad.sum()),
            rows,
        )
        gdf = gdf[~bad].reset_index(drop=True)
    if gdf.empty:
        raise InputFileError(f"{path}: no LineString in the supplementary road layer")
    return gdf


def _segments(
    xy: np.ndarray, offsets: np.ndarray, ways: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """LineString per consecutive position pair of the selected ways; and each one's first position."""
    starts = (
        np.concatenate([np.arange(offsets[w], offsets[w + 1] - 1) for w in ways])
        if len(ways)
        else np.zeros(0, dtype=np.int64)
    )
    coords = np.stack([xy[starts], xy[starts + 1]], axis=1)
    return shapely.linestrings(coords), starts


def clip_box(raw: RawWays) -> tuple[float, float, float, float]:
    """The box supplement lines are clipped to: the ways' bounding box plus :data:`CLIP_MARGIN_DEG`.

    A city-wide extract (its roads span at least :data:`CITY_SHARE` of ``settings.hcmc_bbox``)
    gets the whole ``hcmc_bbox``, so the supplement can fill the gaps at the city's edges where
    the extract has no roads; a district extract stays local.
    """
    m = CLIP_MARGIN_DEG
    box = (raw.lon.min() - m, raw.lat.min() - m, raw.lon.max() + m, raw.lat.max() + m)
    west, south, east, north = settings.hcmc_bbox
    overlap_w = max(0.0, min(box[2], east) - max(box[0], west))
    overlap_h = max(0.0, min(box[3], north) - max(box[1], south))
    if overlap_w * overlap_h >= CITY_SHARE * (east - west) * (north - south):
        box = (min(box[0], west), min(box[1], south), max(box[2], east), max(box[3], north))
    return box


def merge_supplement(
    raw: RawWays,
    fwd: np.ndarray,
    bwd: np.ndarray,
    lines: gpd.GeoDataFrame,
    *,
    mode: str,
) -> tuple[RawWays, np.ndarray, np.ndarray]:
    """Add the uncovered parts of ``lines`` to the ways ``raw`` usable by ``mode`` (see module doc).

    Coverage is judged against the mode's own ways, so a coach network gains supplement roads
    beside residential streets it may not use. Returns the new ways with their forward /
    backward permissions (supplement roads are two-way).
    """
    lon_min, lat_min, lon_max, lat_max = clip_box(raw)
    lines = lines.set_geometry(lines.geometry.clip_by_rect(lon_min, lat_min, lon_max, lat_max))
    lines = lines.explode(index_parts=False, ignore_index=True)
    lines = lines[(lines.geom_type == "LineString") & ~lines.geometry.is_empty]
    if lines.empty:
        return raw, fwd, bwd
    crs_m = lines.estimate_utm_crs()
    to_m = Transformer.from_crs(4326, crs_m, always_xy=True)
    to_ll = Transformer.from_crs(crs_m, 4326, always_xy=True)
    xy = np.column_stack(to_m.transform(raw.lon, raw.lat))

    ferry_way = np.array([modes.is_ferry(t) for t in raw.tags], dtype=bool)
    road_segs, road_start = _segments(xy, raw.offsets, np.flatnonzero(~ferry_way))
    ferry_segs, _ = _segments(xy, raw.offsets, np.flatnonzero(ferry_way))
    road_tree = shapely.STRtree(road_segs)
    ferry_tree = shapely.STRtree(ferry_segs)

    lines_m = lines.geometry.to_crs(crs_m)
    order = np.argsort(-lines_m.length.to_numpy())
    dense = shapely.segmentize(lines_m.values[order], SPACING_M)
    props = [_line_tags(lines.iloc[i]) for i in order]

    sup_xy: list[np.ndarray] = []  # accepted supplement vertices (metres) and their node ids
    sup_ids: list[np.ndarray] = []
    sup_tree: cKDTree | None = None
    all_sup_xy = np.zeros((0, 2))
    all_sup_ids = np.zeros(0, dtype=np.int64)
    next_node = -1
    pieces: list[tuple[np.ndarray, np.ndarray, dict[str, str]]] = []  # node ids, xy, tags
    inserts: list[tuple[int, float, int, float, float]] = []  # pos, t, node id, x, y
    for line, tags in zip(dense, props, strict=True):
        pts_xy = shapely.get_coordinates(line)
        pts = shapely.points(pts_xy)
        covered = np.zeros(len(pts), dtype=bool)
        covered[road_tree.query(pts, predicate="dwithin", distance=COVER_M)[0]] = True
        if len(ferry_segs):
            covered[ferry_tree.query(pts, predicate="dwithin", distance=FERRY_COVER_M)[0]] = True
        if sup_tree is not None:
            dist, _ = sup_tree.query(pts_xy, distance_upper_bound=COVER_M)
            covered |= np.isfinite(dist)
        added = False
        for a, b in _runs(~covered):
            i0, i1 = max(a - 1, 0), min(b + 1, len(pts) - 1)
            seg_xy = pts_xy[i0 : i1 + 1]
            if np.hypot(*np.diff(seg_xy, axis=0).T).sum() < MIN_PIECE_M:
                continue
            ids = np.arange(next_node, next_node - len(seg_xy), -1, dtype=np.int64)
            next_node -= len(seg_xy)
            for end in (0, len(seg_xy) - 1):
                hit = _connect(seg_xy[end], xy, road_tree, road_start, raw, sup_tree, all_sup_ids)
                if hit is None:
                    continue
                node_id, where, pos, t = hit
                if pos >= 0:
                    inserts.append((pos, t, int(ids[end]), *where))
                    seg_xy[end] = where
                else:
                    ids[end] = node_id
                    seg_xy[end] = where
            pieces.append((ids, seg_xy.copy(), tags))
            sup_xy.append(seg_xy)
            sup_ids.append(ids)
            added = True
        if added:
            all_sup_xy = np.concatenate(sup_xy)
            all_sup_ids = np.concatenate(sup_ids)
            sup_tree = cKDTree(all_sup_xy)
    if not pieces:
        log.info("supplement: every line is covered by %s roads of OSM; nothing added", mode)
        return raw, fwd, bwd
    merged = _with_inserts(raw, inserts, to_ll)
    out = _append_pieces(merged, pieces, to_ll)
    n_new = len(pieces)
    km = sum(np.hypot(*np.diff(p[1], axis=0).T).sum() for p in pieces) / 1000
    log.info(
        "supplement: added %d pieces (%.1f km) and %d junctions with OSM ways to the %s ways",
        n_new,
        km,
        len(inserts),
        mode,
    )
    ones = np.ones(n_new, dtype=bool)
    return out, np.concatenate([fwd, ones]), np.concatenate([bwd, ones])


def _line_tags(row: object) -> dict[str, str]:
    """OSM-like tags of one supplement line (``highway`` and ``name`` properties if present)."""
    tags = {"highway": DEFAULT_HIGHWAY, "_source": "supplement"}
    for key in ("highway", "name"):
        value = getattr(row, "get", lambda _k: None)(key)
        if isinstance(value, str) and value.strip():
            tags[key] = value.strip()
    return tags


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) positions of each run of True in ``mask``."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    change = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(change[::2], change[1::2], strict=True)]


def _connect(
    p: np.ndarray,
    xy: np.ndarray,
    tree: shapely.STRtree,
    seg_start: np.ndarray,
    raw: RawWays,
    sup_tree: cKDTree | None,
    sup_ids: np.ndarray,
) -> tuple[int, tuple[float, float], int, float] | None:
    """Where a piece's end joins the network: (node id, point, insert position, t) or None.

    ``insert position`` is ≥ 0 when a new node must be inserted into an OSM way after that
    position at fraction ``t`` of the segment; −1 when an existing node (``node id``) is reused.
    """
    best: tuple[float, tuple[int, tuple[float, float], int, float]] | None = None
    idx, dist = tree.query_nearest(shapely.points(p), max_distance=CONNECT_M, return_distance=True)
    if len(idx):
        k = int(idx[0])
        pos = int(seg_start[k])
        a, b = xy[pos], xy[pos + 1]
        ab = b - a
        denom = float(ab @ ab)
        t = float(np.clip((p - a) @ ab / denom, 0, 1)) if denom > 0 else 0.0
        proj = a + t * ab
        seg_len = np.sqrt(denom)
        if t * seg_len <= NODE_SNAP_M:
            best = (float(dist[0]), (int(raw.node_ids[pos]), (a[0], a[1]), -1, 0.0))
        elif (1 - t) * seg_len <= NODE_SNAP_M:
            best = (float(dist[0]), (int(raw.node_ids[pos + 1]), (b[0], b[1]), -1, 0.0))
        else:
            best = (float(dist[0]), (0, (proj[0], proj[1]), pos, t))
    if sup_tree is not None:
        d, j = sup_tree.query(p, distance_upper_bound=CONNECT_M)
        if np.isfinite(d) and (best is None or d < best[0]):
            q = sup_tree.data[j]
            best = (float(d), (int(sup_ids[j]), (q[0], q[1]), -1, 0.0))
    return None if best is None else best[1]


def _with_inserts(
    raw: RawWays, inserts: list[tuple[int, float, int, float, float]], to_ll: Transformer
) -> RawWays:
    """``raw`` with new nodes inserted into OSM ways (junctions with supplement pieces)."""
    if not inserts:
        return raw
    arr = np.array(inserts, dtype=float)
    pos, t = arr[:, 0].astype(np.int64), arr[:, 1]
    lon, lat = to_ll.transform(arr[:, 3], arr[:, 4])
    keys = np.concatenate(
        [np.arange(len(raw.node_ids), dtype=float), pos + np.clip(t, 1e-6, 1 - 1e-6)]
    )
    order = np.argsort(keys, kind="stable")
    node_ids = np.concatenate([raw.node_ids, arr[:, 2].astype(np.int64)])[order]
    lons = np.concatenate([raw.lon, lon])[order]
    lats = np.concatenate([raw.lat, lat])[order]
    way_of_insert = np.searchsorted(raw.offsets, pos, side="right") - 1
    extra = np.bincount(way_of_insert, minlength=raw.n_ways)
    counts = np.diff(raw.offsets) + extra
    offsets = np.zeros(raw.n_ways + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return RawWays(
        way_ids=raw.way_ids, offsets=offsets, node_ids=node_ids, lon=lons, lat=lats, tags=raw.tags
    )


def _append_pieces(
    raw: RawWays, pieces: list[tuple[np.ndarray, np.ndarray, dict[str, str]]], to_ll: Transformer
) -> RawWays:
    ids = np.concatenate([p[0] for p in pieces])
    xy = np.concatenate([p[1] for p in pieces])
    lon, lat = to_ll.transform(xy[:, 0], xy[:, 1])
    counts = np.array([len(p[0]) for p in pieces])
    offsets = np.concatenate([raw.offsets, raw.offsets[-1] + np.cumsum(counts)])
    return RawWays(
        way_ids=np.concatenate([raw.way_ids, -np.arange(1, len(pieces) + 1, dtype=np.int64)]),
        offsets=offsets,
        node_ids=np.concatenate([raw.node_ids, ids]),
        lon=np.concatenate([raw.lon, lon]),
        lat=np.concatenate([raw.lat, lat]),
        tags=[*raw.tags, *(p[2] for p in pieces)],
    )
