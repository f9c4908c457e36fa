"""Snapping sites to the road network: nearest edge, access legs, out-of-coverage legs.

A site is snapped to the nearest point of the nearest *edge* (not node) among the edges of the
graph's largest strongly connected component (so every snapped site can reach every other),
ferries excluded. The access leg is the straight segment from the site to that road point,
covered at the mode's access speed (:data:`ocop_geo.modes.ACCESS_SPEED_KMH`; a coach group
walks it). A site farther than ``max_distance_m`` from every road is *outside coverage*: it is
still attached to the nearest road by an explicit straight-line leg (haversine × detour factor
at the mode's straight-line speed) and flagged ``on_network=False`` so every output can say so.

Metric work happens in the UTM zone that :meth:`geopandas.GeoSeries.estimate_utm_crs` picks
(UTM 48N for HCMC); inputs and outputs stay in EPSG:4326.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from . import modes, settings
from ._errors import NetworkError
from .i18n import gettext as _
from .network import gc_paused, haversine_m

log = logging.getLogger(__name__)

#: Default distance (m) beyond which a site counts as outside the network's coverage.
MAX_SNAP_DISTANCE_M: float = 1000.0


@dataclass
class EdgeArrays:
    """A graph's edges as arrays, built once per graph (see :func:`edge_arrays`)."""

    node_ids: np.ndarray  # sorted osmids; node index = position
    x: np.ndarray
    y: np.ndarray
    u: np.ndarray  # node indices
    v: np.ndarray
    key: np.ndarray
    length: np.ndarray
    travel_time: np.ndarray
    geometry: np.ndarray  # LineStrings, EPSG:4326
    geometry_m: np.ndarray  # the same in metres (UTM)
    twin: np.ndarray  # index of the reverse edge of a two-way road, -1 if none
    snappable: np.ndarray  # bool: in the largest strongly connected component, not a ferry
    tree: shapely.STRtree  # over geometry_m[tree_edges]
    tree_edges: np.ndarray
    to_m: Transformer
    mode: str
    source: str
    extra: dict[str, np.ndarray]

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    def weights(self, weight: str) -> np.ndarray:
        """Edge weights of attribute ``weight`` as float array."""
        if weight == "length":
            return self.length
        if weight == "travel_time":
            return self.travel_time
        if weight not in self.extra:
            raise NetworkError(f"edges have no numeric attribute {weight!r}")
        return self.extra[weight]


_CACHE: weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple[tuple[int, int], EdgeArrays]] = (
    weakref.WeakKeyDictionary()
)


def edge_arrays(G: nx.MultiDiGraph, *, extra: tuple[str, ...] = ()) -> EdgeArrays:
    """The :class:`EdgeArrays` of ``G``, computed once and reused while ``G`` is unchanged.

    A change in the nodes or in which node pairs are linked is noticed; after editing edge
    attributes in place (e.g. ``travel_time``) call :func:`clear_cache`.
    """
    stamp = (len(G), sum(map(len, G._adj.values())))  # nodes, linked node pairs: cheap
    hit = _CACHE.get(G)
    if hit is not None and hit[0] == stamp and all(k in hit[1].extra for k in extra):
        return hit[1]
    with gc_paused():
        arrays = _build_edge_arrays(G, extra=extra)
    _CACHE[G] = (stamp, arrays)
    return arrays


def clear_cache() -> None:
    """Forget the edge arrays of every graph (after editing edge attributes in place)."""
    _CACHE.clear()


def _build_edge_arrays(G: nx.MultiDiGraph, *, extra: tuple[str, ...]) -> EdgeArrays:
    crs = G.graph.get("crs", "EPSG:4326")
    if CRS.from_user_input(crs).to_epsg() != 4326:
        raise NetworkError(
            f"the graph is in {crs}; ocop_geo expects EPSG:4326 (unprojected) graphs"
        )
    node_ids = np.array(sorted(G.nodes), dtype=np.int64)
    x = np.array([G.nodes[n]["x"] for n in node_ids.tolist()], dtype=float)
    y = np.array([G.nodes[n]["y"] for n in node_ids.tolist()], dtype=float)
    rows = [
        (u, v, k, d)
        for u, nbrs in G._adj.items()
        for v, keyed in nbrs.items()
        for k, d in keyed.items()
    ]
    if not rows:
        raise NetworkError("the graph has no edges; build it from an extract with roads")
    u = np.searchsorted(node_ids, np.fromiter((r[0] for r in rows), np.int64, len(rows)))
    v = np.searchsorted(node_ids, np.fromiter((r[1] for r in rows), np.int64, len(rows)))
    key = np.fromiter((r[2] for r in rows), np.int64, len(rows))
    length = np.array([float(r[3].get("length", 0.0)) for r in rows])
    travel_time = np.array([float(r[3].get("travel_time", np.nan)) for r in rows])
    if np.isnan(travel_time).any():
        raise NetworkError(
            "some edges lack travel_time; build the graph with ocop_geo.load_network"
        )
    geometry = np.array([r[3].get("geometry") for r in rows], dtype=object)
    missing = np.array([g is None for g in geometry])
    if missing.any():
        geometry[missing] = shapely.linestrings(
            np.stack([x[u[missing]], y[u[missing]], x[v[missing]], y[v[missing]]], axis=1).reshape(
                -1, 2, 2
            )
        )
    ferry = np.array([bool(r[3].get("ferry", False)) for r in rows])
    extra_cols = {k: np.array([float(r[3].get(k, np.nan)) for r in rows]) for k in extra}

    twin = _twins(u, v, length, np.array([str(r[3].get("osmid", "")) for r in rows]))
    n = len(node_ids)
    adj = csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, labels = connected_components(adj, directed=True, connection="strong")
    main = labels == np.bincount(labels).argmax()
    snappable = main[u] & main[v] & ~ferry

    centre = gpd.GeoSeries(gpd.points_from_xy([x.mean()], [y.mean()]), crs=4326)
    crs_m = centre.estimate_utm_crs()
    to_m = Transformer.from_crs(4326, crs_m, always_xy=True)
    geometry_m = shapely.transform(
        geometry, lambda c: np.column_stack(to_m.transform(c[:, 0], c[:, 1]))
    )
    # one tree entry per road: the lower-numbered edge of each two-way pair
    one = snappable & ((twin < 0) | (np.arange(len(u)) < np.where(twin < 0, 0, twin)))
    tree_edges = np.flatnonzero(one)
    tree = shapely.STRtree(geometry_m[tree_edges])
    return EdgeArrays(
        node_ids=node_ids,
        x=x,
        y=y,
        u=u,
        v=v,
        key=key,
        length=length,
        travel_time=travel_time,
        geometry=geometry,
        geometry_m=geometry_m,
        twin=twin,
        snappable=snappable,
        tree=tree,
        tree_edges=tree_edges,
        to_m=to_m,
        mode=str(G.graph.get("mode", "motorbike")),
        source=str(G.graph.get("source", "")),
        extra=extra_cols,
    )


def _twins(u: np.ndarray, v: np.ndarray, length: np.ndarray, osmid: np.ndarray) -> np.ndarray:
    """Index of the opposite-direction edge of the same road (same way, same length), else -1."""
    df = pd.DataFrame(
        {"u": u, "v": v, "len": np.round(length, 1), "osmid": osmid, "i": np.arange(len(u))}
    )
    df = df[df["u"] != df["v"]]
    back = df.rename(columns={"u": "v", "v": "u", "i": "j"})
    pairs = df.merge(back, on=["u", "v", "len", "osmid"]).drop_duplicates("i")
    twin = np.full(len(u), -1, dtype=np.int64)
    twin[pairs["i"].to_numpy()] = pairs["j"].to_numpy()
    return twin


def _points_lonlat(points: gpd.GeoSeries | gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if not isinstance(geoms, gpd.GeoSeries):
        raise TypeError("points must be a GeoSeries or GeoDataFrame of Points in EPSG:4326")
    if geoms.crs is not None and geoms.crs.to_epsg() != 4326:
        geoms = geoms.to_crs(4326)
    if geoms.isna().any() or geoms.is_empty.any():
        bad = list(geoms.index[geoms.isna() | geoms.is_empty][:5])
        raise NetworkError(_("points {ids} have no location; geocode them or drop them first", ids=bad))
    if not (geoms.geom_type == "Point").all():
        geoms = geoms.representative_point()
    return shapely.get_x(geoms.values), shapely.get_y(geoms.values)


#: Points farther than this (degrees, ~5.5 km) outside the graph's bounding box are refused.
OUTSIDE_MARGIN_DEG: float = 0.05


def _check_inside(arrays: EdgeArrays, lon: np.ndarray, lat: np.ndarray, index: pd.Index) -> None:
    m = OUTSIDE_MARGIN_DEG
    outside = (
        (lon < arrays.x.min() - m) | (lon > arrays.x.max() + m)
        | (lat < arrays.y.min() - m) | (lat > arrays.y.max() + m)
    )  # fmt: skip
    if outside.any():
        bad = [f"{index[i]!r} ({lat[i]:.5f}, {lon[i]:.5f})" for i in np.flatnonzero(outside)[:10]]
        extent = {"n": int(outside.sum()), "west": arrays.x.min(), "east": arrays.x.max(), "south": arrays.y.min(),
                  "north": arrays.y.max(), "points": ", ".join(bad)}
        raise NetworkError(
            _("{n} point(s) lie outside the road network's extract ({file}) (lon {west:.3f}–{east:.3f}, lat "
              "{south:.3f}–{north:.3f}): {points}. Check their coordinates (lat/lon swapped?) or build the network "
              "from an extract that covers them.", file=Path(arrays.source).name, **extent) if arrays.source
            else _("{n} point(s) lie outside the road network's extract (lon {west:.3f}–{east:.3f}, lat "
                   "{south:.3f}–{north:.3f}): {points}. Check their coordinates (lat/lon swapped?) or build the "
                   "network from an extract that covers them.", **extent))


def snap_points(
    G: nx.MultiDiGraph,
    points: gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    max_distance_m: float = MAX_SNAP_DISTANCE_M,
) -> pd.DataFrame:
    """Snap points to the nearest edge of ``G``.

    Parameters
    ----------
    G
        A graph from :func:`ocop_geo.network.load_network`.
    points
        Sites in EPSG:4326 (other CRSs are reprojected).
    max_distance_m
        A site farther than this from every road is outside coverage (``on_network=False``).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``points``: ``on_network``, ``snap_lon``, ``snap_lat``, ``access_m``,
        ``access_s``, ``edge`` (edge position), ``u``, ``v``, ``key`` (osmids), ``fraction``
        (0 at ``u``, 1 at ``v``), ``distance_m`` (straight distance site–road).
    """
    arrays = edge_arrays(G)
    lon, lat = _points_lonlat(points)
    _check_inside(arrays, lon, lat, points.index)
    mx, my = arrays.to_m.transform(lon, lat)
    pts_m = shapely.points(mx, my)
    _, hit = arrays.tree.query_nearest(pts_m, return_distance=False, all_matches=False)
    if len(hit) != len(lon):
        raise NetworkError("could not snap every point; the graph has no usable edge")
    edge = arrays.tree_edges[hit]
    lines = arrays.geometry_m[edge]
    along = shapely.line_locate_point(lines, pts_m)
    total = shapely.length(lines)
    fraction = np.where(total > 0, along / np.where(total > 0, total, 1), 0.0)
    snapped_m = shapely.line_interpolate_point(lines, along)
    # the snapped point back in lon/lat: interpolate on the geographic line at the same fraction
    snapped = shapely.line_interpolate_point(arrays.geometry[edge], fraction, normalized=True)
    snap_lon, snap_lat = shapely.get_x(snapped), shapely.get_y(snapped)
    dist_m = shapely.distance(pts_m, snapped_m)
    on = dist_m <= max_distance_m
    mode = arrays.mode
    access_speed = modes.ACCESS_SPEED_KMH.get(mode, 4.5) / 3.6
    straight = haversine_m(lon, lat, snap_lon, snap_lat)
    off_len, off_s = modes.straight_leg(1.0, mode)
    access_m = np.where(on, straight, straight * off_len)
    access_s = np.where(on, straight / access_speed, straight * off_s)
    n_off = int((~on).sum())
    if n_off:
        log.warning(
            "%d of %d points are more than %.0f m from any road: planned with straight-line legs",
            n_off,
            len(on),
            max_distance_m,
        )
    index = points.index
    return pd.DataFrame(
        {
            "on_network": on,
            "snap_lon": snap_lon,
            "snap_lat": snap_lat,
            "access_m": access_m,
            "access_s": access_s,
            "distance_m": dist_m,
            "edge": edge,
            "u": arrays.node_ids[arrays.u[edge]],
            "v": arrays.node_ids[arrays.v[edge]],
            "key": arrays.key[edge],
            "fraction": np.clip(fraction, 0.0, 1.0),
            "lon": lon,
            "lat": lat,
        },
        index=index,
    )


def coverage(
    G: nx.MultiDiGraph,
    *,
    wards: str | Path | None = None,
    max_distance_m: float = MAX_SNAP_DISTANCE_M,
) -> dict[str, object]:
    """How many wards (2019 polygons) have a usable road within ``max_distance_m`` of their centre.

    Wards outside the graph's extent count as not covered.
    """
    path = Path(wards) if wards is not None else settings.admin_dir / "hcmc_wards_2019.geojson"
    gdf = gpd.read_file(path).to_crs(4326)
    centres = gdf.geometry.representative_point()
    arrays = edge_arrays(G)
    m = OUTSIDE_MARGIN_DEG
    x, y = centres.x.to_numpy(), centres.y.to_numpy()
    inside = (
        (x >= arrays.x.min() - m) & (x <= arrays.x.max() + m)
        & (y >= arrays.y.min() - m) & (y <= arrays.y.max() + m)
    )  # fmt: skip
    covered = np.zeros(len(gdf), dtype=bool)
    if inside.any():
        snap = snap_points(G, centres[inside], max_distance_m=max_distance_m)
        covered[np.flatnonzero(inside)] = snap["on_network"].to_numpy()
    names = gdf.get("ward_name_vi_2025", gdf.get("ward_name_ascii"))
    label = (
        [
            f"{w} ({d})"
            for w, d in zip(gdf["ward_name_ascii"], gdf["district_name_ascii"], strict=True)
        ]
        if "ward_name_ascii" in gdf
        else [str(n) for n in names]
    )
    return {
        "wards": len(gdf),
        "wards_covered": int(covered.sum()),
        "max_distance_m": max_distance_m,
        "not_covered": [label[i] for i in np.flatnonzero(~covered)],
    }
