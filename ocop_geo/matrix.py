"""Many-to-many travel times and distances, and single routes, on arrays.

The graph is turned once into a CSR adjacency (edges sorted by tail node; parallel edges kept)
and searched by a compiled (numba) Dijkstra that starts from a site's *snapped position* on
its edge, stops as soon as every target is settled, and carries three sums along each shortest
path: the optimised weight, the travel time and the length. Sources run in parallel threads.

Every entry includes both access legs (site → road, road → site, see
:mod:`ocop_geo.snapping`). Sites outside coverage are joined by explicit straight-line legs,
and a straight line between two sites replaces the road route when one of them is outside
coverage and the line is shorter.

:func:`road_search` runs the search on sites snapped beforehand and can keep each source's
predecessor row, so the road geometry of any pair (a :class:`Leg`) is rebuilt from the same
search that timed it: no second snap, no second Dijkstra. :func:`route_between` is that for
one pair.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numba
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point
from shapely.ops import substring

from . import modes
from ._errors import NetworkError
from .network import haversine_m
from .snapping import MAX_SNAP_DISTANCE_M, EdgeArrays, edge_arrays, snap_points

log = logging.getLogger(__name__)


# The priority queue is an indexed 4-ary heap: ``heap`` holds nodes, ``hkey`` their keys side by
# side (the four children of a slot share a cache line), ``pos`` each node's slot.


@numba.njit(cache=True, nogil=True, inline="always")
def _sift_up(heap, hkey, pos, i, node, k):  # fmt: skip
    while i > 0:
        parent = (i - 1) >> 2
        if hkey[parent] <= k:
            break
        pn = heap[parent]
        heap[i] = pn
        hkey[i] = hkey[parent]
        pos[pn] = i
        i = parent
    heap[i] = node
    hkey[i] = k
    pos[node] = i


@numba.njit(cache=True, nogil=True, inline="always")
def _pop(heap, hkey, pos, size):  # fmt: skip
    """Remove the root; move the last slot down from the top. Returns the new size."""
    size -= 1
    if size == 0:
        return size
    node = heap[size]
    k = hkey[size]
    i = 0
    while True:
        first = 4 * i + 1
        if first >= size:
            break
        best = first
        last = min(first + 4, size)
        for c in range(first + 1, last):
            if hkey[c] < hkey[best]:
                best = c
        if hkey[best] >= k:
            break
        heap[i] = heap[best]
        hkey[i] = hkey[best]
        pos[heap[i]] = i
        i = best
    heap[i] = node
    hkey[i] = k
    pos[node] = i
    return size


@numba.njit(cache=True, nogil=True, inline="always")
def _push_or_decrease(heap, hkey, pos, node, k, size):  # fmt: skip
    """Insert ``node`` with key ``k`` or move it up after its key decreased; return the size."""
    if pos[node] == -1:
        _sift_up(heap, hkey, pos, size, node, k)
        return size + 1
    _sift_up(heap, hkey, pos, pos[node], node, k)
    return size


@numba.njit(cache=True, nogil=True)
def _dijkstra(indptr, indices, tail, w, wt, wl, seed_node, seed_c, seed_t, seed_l,
              is_target, n_targets, dist_c, dist_t, dist_l, pred, primary):  # fmt: skip
    """Multi-seed Dijkstra on CSR arrays (weights in CSR order, ``tail`` = row of each entry).

    An indexed 4-ary heap with decrease-key. Fills ``dist_c`` (the minimised weight),
    ``pred`` (CSR entry of the edge into each node, -1 at seeds) and, for settled nodes,
    ``dist_t`` / ``dist_l`` (time and length along the same path, accumulated when a node is
    settled so relaxations stay light). Stops once ``n_targets`` flagged nodes are settled.
    """
    n = len(indptr) - 1
    pos = np.full(n, -1, dtype=np.int32)  # -1: not reached, -2: settled, else heap position
    heap = np.empty(n, dtype=np.int32)
    hkey = np.empty(n, dtype=np.float64)
    size = 0
    for s in range(len(seed_node)):
        node = seed_node[s]
        if seed_c[s] < dist_c[node]:
            dist_c[node] = seed_c[s]
            dist_t[node] = seed_t[s]
            dist_l[node] = seed_l[s]
            pred[node] = -1
            size = _push_or_decrease(heap, hkey, pos, node, seed_c[s], size)
    remaining = n_targets
    while size > 0:
        node = heap[0]
        size = _pop(heap, hkey, pos, size)
        pos[node] = -2
        j = pred[node]
        if j >= 0:
            # the minimised weight already is the time (primary 1) or the length (primary 2)
            dist_t[node] = dist_c[node] if primary == 1 else dist_t[tail[j]] + wt[j]
            dist_l[node] = dist_c[node] if primary == 2 else dist_l[tail[j]] + wl[j]
        if is_target[node]:
            remaining -= 1
            if remaining == 0:
                break
        c = dist_c[node]
        for j in range(indptr[node], indptr[node + 1]):
            nxt = indices[j]
            nc = c + w[j]
            if nc < dist_c[nxt]:
                dist_c[nxt] = nc
                pred[nxt] = j
                size = _push_or_decrease(heap, hkey, pos, nxt, nc, size)


@numba.njit(cache=True, parallel=True)
def _many_to_many(indptr, indices, tail, w, wt, wl, src_ptr, src_node, src_c, src_t, src_l,
                  tgt_ptr, tgt_node, tgt_c, tgt_t, tgt_l, is_target, n_targets, primary,
                  keep_paths):  # fmt: skip
    """One Dijkstra per source; the best (cost, time, length) per target and the entry used.

    ``entry[p, q]`` is the position in the target arrays of the node where the best path from
    source ``p`` reaches target ``q`` (-1 if unreachable). With ``keep_paths`` the predecessor
    row of every source is returned too (``n_sources x n_nodes`` int32), else an empty array.
    """
    n = len(indptr) - 1
    n_src = len(src_ptr) - 1
    n_tgt = len(tgt_ptr) - 1
    out_c = np.full((n_src, n_tgt), np.inf)
    out_t = np.full((n_src, n_tgt), np.inf)
    out_l = np.full((n_src, n_tgt), np.inf)
    entry = np.full((n_src, n_tgt), -1, dtype=np.int64)
    preds = np.empty((n_src if keep_paths else 0, n), dtype=np.int32)
    for p in numba.prange(n_src):
        dist_c = np.full(n, np.inf)
        dist_t = np.full(n, np.inf)
        dist_l = np.full(n, np.inf)
        pred = np.full(n, -1, dtype=np.int32)
        a, b = src_ptr[p], src_ptr[p + 1]
        _dijkstra(indptr, indices, tail, w, wt, wl, src_node[a:b], src_c[a:b], src_t[a:b],
                  src_l[a:b], is_target, n_targets, dist_c, dist_t, dist_l, pred, primary)  # fmt: skip
        for q in range(n_tgt):
            for j in range(tgt_ptr[q], tgt_ptr[q + 1]):
                node = tgt_node[j]
                c = dist_c[node] + tgt_c[j]
                if c < out_c[p, q]:
                    out_c[p, q] = c
                    out_t[p, q] = dist_t[node] + tgt_t[j]
                    out_l[p, q] = dist_l[node] + tgt_l[j]
                    entry[p, q] = j
        if keep_paths:
            preds[p, :] = pred
    return out_c, out_t, out_l, entry, preds


@numba.njit(cache=True, nogil=True)
def _walk_back(pred, tail, node):  # fmt: skip
    """CSR entries of the searched path into ``node``, first to last, and the seed node it left."""
    count = 0
    v = node
    while pred[v] >= 0:
        count += 1
        v = tail[pred[v]]
    out = np.empty(count, dtype=np.int64)
    v = node
    for k in range(count - 1, -1, -1):
        j = pred[v]
        out[k] = j
        v = tail[j]
    return out, v


@dataclass
class _Csr:
    indptr: np.ndarray
    indices: np.ndarray
    eidx: np.ndarray  # edge index of each CSR entry
    tail: np.ndarray  # node index (row) of each CSR entry
    travel_time: np.ndarray  # in CSR order
    length: np.ndarray


#: The CSR of the most recent edge arrays, held weakly: it goes when the graph's arrays go.
_CSR: dict[int, tuple[weakref.ref[EdgeArrays], _Csr]] = {}


def _csr(arrays: EdgeArrays) -> _Csr:
    hit = _CSR.get(id(arrays))
    if hit is not None and hit[0]() is arrays:
        return hit[1]
    order = np.argsort(arrays.u, kind="stable")
    indptr = np.zeros(arrays.n_nodes + 1, dtype=np.int32)
    np.cumsum(np.bincount(arrays.u, minlength=arrays.n_nodes), out=indptr[1:])
    csr = _Csr(
        indptr=indptr, indices=arrays.v[order].astype(np.int32), eidx=order.astype(np.int64),
        tail=arrays.u[order].astype(np.int32),
        travel_time=arrays.travel_time[order], length=arrays.length[order],
    )  # fmt: skip
    _CSR.clear()  # one graph's CSR at a time
    _CSR[id(arrays)] = (weakref.ref(arrays), csr)
    weakref.finalize(arrays, _CSR.pop, id(arrays), None)  # freed with the graph's edge arrays
    return csr


def _primary(weight: str) -> int:
    """1 when the searched weight is the travel time, 2 when it is the length, else 0."""
    return {"travel_time": 1, "length": 2}.get(weight, 0)


@dataclass
class _Ends:
    """Seeds (leaving a site) or entries (reaching a site) as ragged arrays per site."""

    ptr: np.ndarray
    node: np.ndarray
    c: np.ndarray
    t: np.ndarray
    length: np.ndarray


def _ends(arrays: EdgeArrays, snap: pd.DataFrame, w: np.ndarray, *, leaving: bool) -> _Ends:
    """Network nodes where a route leaves (or reaches) each snapped site, with partial-edge costs.

    A site at fraction f of edge u→v leaves towards v at (1−f) of the edge and, on a two-way
    road, towards u at f of the reverse edge; it is reached from u at f of the edge and from v
    at (1−f) of the reverse edge. A site exactly at a node also leaves / is reached there at 0.
    """
    e = snap["edge"].to_numpy()
    f = snap["fraction"].to_numpy()
    site = np.arange(len(e))
    twin = arrays.twin[e]
    has = twin >= 0
    tw = np.where(has, twin, e)
    u, v = arrays.u[e], arrays.v[e]
    if leaving:
        kinds = [(v, 1 - f, e, np.ones(len(e), bool)), (u, f, tw, has)]
    else:
        kinds = [(u, f, e, np.ones(len(e), bool)), (v, 1 - f, tw, has)]
    kinds += [(u, np.zeros(len(e)), e, f <= 1e-9), (v, np.zeros(len(e)), e, f >= 1 - 1e-9)]
    sites = np.concatenate([site[m] for *_, m in kinds])
    node = np.concatenate([n[m] for n, _, _, m in kinds])
    share = np.concatenate([sh[m] for _, sh, _, m in kinds])
    road = np.concatenate([r[m] for _, _, r, m in kinds])
    order = np.argsort(sites, kind="stable")
    sites, node, share, road = sites[order], node[order], share[order], road[order]
    ptr = np.zeros(len(e) + 1, dtype=np.int64)
    np.cumsum(np.bincount(sites, minlength=len(e)), out=ptr[1:])
    return _Ends(
        ptr=ptr,
        node=node.astype(np.int64),
        c=share * w[road],
        t=share * arrays.travel_time[road],
        length=share * arrays.length[road],
    )


#: How the best connection of a pair was found (``RoadSearch.how``).
ROAD, SAME_ROAD, STRAIGHT = 0, 1, 2


@dataclass(frozen=True)
class Leg:
    """A leg between two places: travel time (s), distance (m), geometry as ``(lon, lat)`` pairs.

    The one leg record of the package: the road search returns it (:meth:`RoadSearch.leg`,
    :func:`route_between`) and the itinerary stores it as the leg into a stop (JSON:
    :meth:`to_dict`). ``off_network`` marks a leg with a straight-line part (a site outside
    coverage, or no road path); ``note`` says why.
    """

    travel_s: float
    distance_m: float
    coordinates: tuple[tuple[float, float], ...]
    off_network: bool = False
    note: str = ""

    @property
    def geometry(self) -> LineString:
        """The leg as a shapely LineString in EPSG:4326."""
        return LineString(self.coordinates)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (the itinerary contract)."""
        return {
            "travel_s": round(float(self.travel_s), 1),
            "distance_m": round(float(self.distance_m), 1),
            "off_network": bool(self.off_network),
            "note": self.note,
            "coordinates": [[round(x, 6), round(y, 6)] for x, y in self.coordinates],
        }

    @classmethod
    def straight_line(
        cls, a: tuple[float, float], b: tuple[float, float], *, mode: str, note: str
    ) -> Leg:
        """A straight leg from ``a`` to ``b`` (lon, lat), timed like every out-of-coverage leg:
        great-circle distance through :func:`ocop_geo.modes.straight_leg` (detour, mode speed)."""
        crow = float(haversine_m(a[0], a[1], b[0], b[1]))
        length, seconds = modes.straight_leg(crow, mode)
        return cls(seconds, length, (a, b), True, note)


@dataclass
class RoadSearch:
    """The result of one many-to-many search between snapped sites (see :func:`road_search`).

    ``seconds`` and ``metres`` are the matrices (row = origin, column = destination, access
    legs included, diagonal 0, ``inf`` when unreachable); ``how`` says per pair whether the best
    connection runs over the roads (:data:`ROAD`), directly along the road both sites are on
    (:data:`SAME_ROAD`) or as a straight line because a site is outside coverage
    (:data:`STRAIGHT`). With ``keep_paths`` the search also kept what rebuilds every path, so
    :meth:`leg` draws any pair's road geometry without searching again.
    """

    index: pd.Index
    seconds: np.ndarray
    metres: np.ndarray
    how: np.ndarray
    snap: pd.DataFrame
    arrays: EdgeArrays
    csr: _Csr
    targets: _Ends
    entry: np.ndarray  # per pair: position in ``targets`` of the node where the path ends
    pred: np.ndarray | None  # per source: CSR entry into each node (int32), None without paths

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(seconds, metres)`` as DataFrames labelled by the sites' index."""
        return (
            pd.DataFrame(self.seconds, index=self.index, columns=self.index),
            pd.DataFrame(self.metres, index=self.index, columns=self.index),
        )

    def leg(self, i: int, j: int) -> Leg:
        """The leg from site ``i`` to site ``j`` (positions): the same time, distance and path as
        the matrices, with its geometry from the site through the roads to the other site.

        Raises
        ------
        NetworkError
            No route connects the two sites.
        ValueError
            The search was run without ``keep_paths`` and the pair's best route uses the roads.
        """
        lon, lat = self.snap["lon"].to_numpy(), self.snap["lat"].to_numpy()
        a, b = (float(lon[i]), float(lat[i])), (float(lon[j]), float(lat[j]))
        travel_s, distance_m = float(self.seconds[i, j]), float(self.metres[i, j])
        if not np.isfinite(travel_s):
            raise NetworkError(
                f"no route from {self.index[i]!r} to {self.index[j]!r} on this "
                f"{self.arrays.mode} network"
            )
        if i == j:
            return Leg(0.0, 0.0, (a, b))
        on = self.snap["on_network"].to_numpy()
        far = self.snap["distance_m"].to_numpy()
        off = [f"{who} is {far[k]:,.0f} m" for who, k in (("the origin", i), ("the destination", j))
               if not on[k]]  # fmt: skip
        note = ""
        if off:
            note = (
                f"straight-line leg (×{modes.DETOUR_FACTOR} detour): {' and '.join(off)} "
                "from the nearest road"
            )
        how = int(self.how[i, j])
        if how == STRAIGHT:
            return Leg(travel_s, distance_m, (a, b), True, note)
        road = self._along_one_road(i, j) if how == SAME_ROAD else self._road_path(i, j)
        return Leg(travel_s, distance_m, _dedupe([a, *road, b]), bool(off), note)

    def _along_one_road(self, i: int, j: int) -> list[tuple[float, float]]:
        e = int(self.snap["edge"].iloc[i])
        fi, fj = float(self.snap["fraction"].iloc[i]), float(self.snap["fraction"].iloc[j])
        if fj >= fi:
            return _piece(self.arrays.geometry[e], fi, fj)
        return _piece(self.arrays.geometry[self.arrays.twin[e]], 1 - fi, 1 - fj)

    def _road_path(self, i: int, j: int) -> list[tuple[float, float]]:
        if self.pred is None:
            raise ValueError("this search kept no paths; run road_search(..., keep_paths=True)")
        arrays, csr = self.arrays, self.csr
        entry_node = int(self.targets.node[self.entry[i, j]])
        entries, start_node = _walk_back(self.pred[i], csr.tail, entry_node)
        ei, ej = int(self.snap["edge"].iloc[i]), int(self.snap["edge"].iloc[j])
        fi, fj = float(self.snap["fraction"].iloc[i]), float(self.snap["fraction"].iloc[j])
        # leaving i: along its edge towards v, along the reverse edge towards u, or from u itself
        if start_node == arrays.v[ei]:
            first = _piece(arrays.geometry[ei], fi, 1.0)
        elif arrays.twin[ei] >= 0:
            first = _piece(arrays.geometry[arrays.twin[ei]], 1 - fi, 1.0)
        else:
            first = _piece(arrays.geometry[ei], 0.0, 0.0)
        # reaching j: from u along its edge, from v along the reverse edge, or at v itself
        if entry_node == arrays.u[ej]:
            last = _piece(arrays.geometry[ej], 0.0, fj)
        elif arrays.twin[ej] >= 0:
            last = _piece(arrays.geometry[arrays.twin[ej]], 0.0, 1 - fj)
        else:
            last = _piece(arrays.geometry[ej], 1.0, 1.0)
        middle = shapely.get_coordinates(arrays.geometry[csr.eidx[entries]])
        return [*first, *map(tuple, middle.tolist()), *last]


def road_search(
    G: nx.MultiDiGraph,
    snap: pd.DataFrame,
    *,
    weight: str = "travel_time",
    keep_paths: bool = False,
) -> RoadSearch:
    """Travel times, distances and (optionally) paths between already snapped sites, in one search.

    Parameters
    ----------
    G
        A graph from :func:`ocop_geo.network.load_network`.
    snap
        :func:`ocop_geo.snapping.snap_points` of the sites on ``G``; its index labels the sites.
    weight
        Edge attribute the routes minimise: ``{"travel_time", "length"}`` or another numeric
        edge attribute.
    keep_paths
        Keep the predecessor row of every source (``n_sites x n_nodes`` int32: about 64 MB for
        80 sites on the city graph) so :meth:`RoadSearch.leg` can draw any pair's road geometry.

    Returns
    -------
    RoadSearch
    """
    if len(snap.index) != len(set(snap.index)):
        raise NetworkError("points have duplicate index labels; give every site a unique label")
    arrays = edge_arrays(G, extra=() if weight in {"length", "travel_time"} else (weight,))
    w = arrays.weights(weight)
    csr = _csr(arrays)
    src = _ends(arrays, snap, w, leaving=True)
    tgt = _ends(arrays, snap, w, leaving=False)
    is_target = np.zeros(arrays.n_nodes, dtype=np.bool_)
    is_target[tgt.node] = True
    _, t, ln, entry, pred = _many_to_many(
        csr.indptr, csr.indices, csr.tail, w[csr.eidx], csr.travel_time, csr.length,
        src.ptr, src.node, src.c, src.t, src.length,
        tgt.ptr, tgt.node, tgt.c, tgt.t, tgt.length, is_target, int(is_target.sum()),
        _primary(weight), keep_paths,
    )  # fmt: skip
    acc_s = snap["access_s"].to_numpy()
    acc_m = snap["access_m"].to_numpy()
    t = t + acc_s[:, None] + acc_s[None, :]
    ln = ln + acc_m[:, None] + acc_m[None, :]
    how = np.full(t.shape, ROAD, dtype=np.int8)
    _same_edge(arrays, snap, w, t, ln, how)
    _straight_pairs(arrays.mode, snap, t, ln, how, by_length=weight == "length")
    np.fill_diagonal(t, 0.0)
    np.fill_diagonal(ln, 0.0)
    return RoadSearch(
        index=snap.index, seconds=t, metres=ln, how=how, snap=snap, arrays=arrays, csr=csr,
        targets=tgt, entry=entry, pred=pred if keep_paths else None,
    )  # fmt: skip


def matrices(
    G: nx.MultiDiGraph,
    points: gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    weight: str = "travel_time",
    max_distance_m: float = MAX_SNAP_DISTANCE_M,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Travel times (s) and distances (m) between every pair of points, in one search.

    Parameters
    ----------
    G
        A graph from :func:`ocop_geo.network.load_network`.
    points
        Sites in EPSG:4326; their index labels the rows and columns.
    weight
        Edge attribute the routes minimise: ``{"travel_time", "length"}`` or another numeric
        edge attribute.
    max_distance_m
        Sites farther than this from every road are outside coverage (straight-line legs).

    Returns
    -------
    tuple of pandas.DataFrame
        ``(seconds, metres)`` of the same routes; row = origin, column = destination, both
        include the access legs; the diagonal is 0. Unreachable pairs are ``inf``.

    See Also
    --------
    road_search : the same search on sites snapped beforehand, optionally keeping the paths.
    """
    if len(points.index) != len(set(points.index)):
        raise NetworkError("points have duplicate index labels; give every site a unique label")
    snap = snap_points(G, points, max_distance_m=max_distance_m)
    return road_search(G, snap, weight=weight).frames()


def _same_edge(
    arrays: EdgeArrays, snap: pd.DataFrame, w: np.ndarray, t: np.ndarray, ln: np.ndarray,
    how: np.ndarray,
) -> None:  # fmt: skip
    """Sites on the same road: the direct run along the edge may beat leaving and returning."""
    e = snap["edge"].to_numpy()
    f = snap["fraction"].to_numpy()
    acc_s = snap["access_s"].to_numpy()
    acc_m = snap["access_m"].to_numpy()
    values, counts = np.unique(e, return_counts=True)
    for edge in values[counts > 1]:
        members = np.flatnonzero(e == edge)
        twin = arrays.twin[edge]
        for i in members:
            for j in members:
                if i == j:
                    continue
                if f[j] >= f[i]:
                    share, road = f[j] - f[i], edge
                elif twin >= 0:
                    share, road = f[i] - f[j], twin
                else:
                    continue
                ti = share * arrays.travel_time[road] + acc_s[i] + acc_s[j]
                li = share * arrays.length[road] + acc_m[i] + acc_m[j]
                better = (li < ln[i, j]) if w is arrays.length else (ti < t[i, j])
                if better:
                    t[i, j], ln[i, j], how[i, j] = ti, li, SAME_ROAD


def _straight_pairs(
    mode: str, snap: pd.DataFrame, t: np.ndarray, ln: np.ndarray, how: np.ndarray,
    *, by_length: bool,
) -> None:  # fmt: skip
    """Pairs with a site outside coverage may use the explicit straight-line leg between them."""
    off = ~snap["on_network"].to_numpy()
    if not off.any():
        return
    lon, lat = snap["lon"].to_numpy(), snap["lat"].to_numpy()
    rows = np.flatnonzero(off)
    d = haversine_m(lon[rows][:, None], lat[rows][:, None], lon[None, :], lat[None, :])
    m_len, m_s = modes.straight_leg(1.0, mode)
    sl, st = d * m_len, d * m_s
    for target, dt, dl in ((np.s_[rows, :], st, sl), (np.s_[:, rows], st.T, sl.T)):
        cur_t, cur_l = t[target], ln[target]
        use = (dl < cur_l) if by_length else (dt < cur_t)
        t[target] = np.where(use, dt, cur_t)
        ln[target] = np.where(use, dl, cur_l)
        how[target] = np.where(use, STRAIGHT, how[target])


def travel_time_matrix(
    G: nx.MultiDiGraph,
    points: gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    weight: str = "travel_time",
    max_distance_m: float = MAX_SNAP_DISTANCE_M,
) -> pd.DataFrame:
    """Travel time (s) between every pair of points (see :func:`matrices`)."""
    return matrices(G, points, weight=weight, max_distance_m=max_distance_m)[0]


def distance_matrix(
    G: nx.MultiDiGraph,
    points: gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    weight: str = "travel_time",
    max_distance_m: float = MAX_SNAP_DISTANCE_M,
) -> pd.DataFrame:
    """Road distance (m) of the routes minimising ``weight`` (the fastest, by default)."""
    return matrices(G, points, weight=weight, max_distance_m=max_distance_m)[1]


def route_between(
    G: nx.MultiDiGraph,
    a: Point,
    b: Point,
    *,
    weight: str = "travel_time",
    max_distance_m: float = MAX_SNAP_DISTANCE_M,
) -> Leg:
    """The best route from ``a`` to ``b`` (lon/lat Points) with its road geometry for maps.

    One :func:`road_search` between the two points keeping its paths; the leg is
    :meth:`RoadSearch.leg`. ``off_network`` is True when either end is outside coverage and its
    leg is a straight line (the ``note`` says which); the geometry then contains that segment.

    Raises
    ------
    NetworkError
        No route connects the two points.
    """
    pts = gpd.GeoSeries([a, b], index=["a", "b"], crs=4326)
    snap = snap_points(G, pts, max_distance_m=max_distance_m)
    return road_search(G, snap, weight=weight, keep_paths=True).leg(0, 1)


def _piece(line: LineString, f0: float, f1: float) -> list[tuple[float, float]]:
    part = substring(line, f0, f1, normalized=True)
    if part.geom_type == "Point":
        return [(part.x, part.y)]
    return list(part.coords)


def _dedupe(coords: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    out = [coords[0]]
    for c in coords[1:]:
        if c != out[-1]:
            out.append(c)
    if len(out) == 1:
        out.append(out[0])
    return tuple((float(x), float(y)) for x, y in out)
