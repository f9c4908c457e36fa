"""Which OCOP producers and venues lie within N minutes of a place by road, and by which mode.

The computation behind the "OCOP near here" pages (:mod:`ocop_geo.site_near`), apart from pages and files:

* :func:`near_targets` — the places a list may name: placed producers and placed venues (not fairs, which run on
  given days only), one row each with what the pages show about them;
* :func:`places_within` — one many-to-many road search (:func:`ocop_geo.matrix.road_search`) per graph over every
  origin and target, every place snapped once; each origin's row goes through :func:`select_within`;
* :func:`select_within` — pure on the matrices: one row of travel times in, the targets within the limit out,
  fastest first.

A target placed only at a ward or district centre (:data:`APPROXIMATE_PRECISIONS`) is listed with
``approximate=True``; a time with a straight-line part (a place farther than
:data:`~ocop_geo.snapping.MAX_SNAP_DISTANCE_M` from the roads of the data) has ``estimated=True``. Both make the time
approximate (:attr:`NearbyPlace.time_approximate`). Unplaced producers and venues are never targets.

Example
-------
>>> G = load_network(mode="motorbike")  # doctest: +SKIP
>>> targets = near_targets(registry.producers, registry.venues)  # doctest: +SKIP
>>> origins = gpd.GeoDataFrame({"site_id": ["HCM-V01"]}, geometry=[Point(106.596, 10.889)], crs=4326)  # doctest: +SKIP
>>> [p.name for p in places_within(G, origins, targets, minutes=[30])[0].places]  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from ._errors import NetworkError
from .matrix import STRAIGHT, road_search
from .registry_schema import DATED_VENUE_KINDS
from .snapping import OUTSIDE_MARGIN_DEG, edge_arrays, snap_points

__all__ = [
    "APPROXIMATE_PRECISIONS",
    "DEFAULT_MINUTES",
    "TARGET_COLUMNS",
    "NearbyList",
    "NearbyPlace",
    "near_targets",
    "outside_extent",
    "places_within",
    "select_within",
]

log = logging.getLogger(__name__)

#: Minutes of travel a near-here list covers when the near file does not say.
DEFAULT_MINUTES: int = 30

#: Location precisions that are an administrative centre, not the place itself (``registry_schema.PRECISIONS``;
#: ``commune`` as older frames write it).
APPROXIMATE_PRECISIONS: frozenset[str] = frozenset({"ward", "commune", "district"})

#: Columns of :func:`near_targets`, besides ``geometry``.
TARGET_COLUMNS: tuple[str, ...] = ("site_id", "kind", "name", "precision", "address", "ward", "district",
                                   "unit_2025", "opening_hours", "phone", "zalo", "website", "contact")  # fmt: skip


@dataclass(frozen=True)
class NearbyPlace:
    """A producer or venue within reach of an origin: how long it takes by road, and how sure that is.

    ``kind`` is ``"producer"`` or the venue's kind (``registry_schema.VENUE_KINDS``); ``seconds`` and ``metres``
    are the fastest route from the origin to the place (access legs included). ``approximate``: the place is known
    only at a ward / district centre; ``estimated``: part of the route is a straight line (a place far from the
    roads of the data).
    """

    site_id: str
    kind: str
    name: str
    lat: float
    lon: float
    precision: str
    seconds: float
    metres: float
    approximate: bool = False
    estimated: bool = False

    @property
    def minutes(self) -> int:
        """Travel time in whole minutes (at least 1)."""
        return max(1, int(round(self.seconds / 60.0)))

    @property
    def time_approximate(self) -> bool:
        """Whether the time should be read as "about": the place or the route is approximate."""
        return self.approximate or self.estimated


@dataclass(frozen=True)
class NearbyList:
    """What one origin reaches: the places within its limit, fastest first, and where the origin meets the roads.

    ``on_network`` is False when the origin lies farther than :data:`~ocop_geo.snapping.MAX_SNAP_DISTANCE_M` from
    every road of the data (``road_distance_m`` says how far): every time from it is then a straight-line guess.
    """

    places: tuple[NearbyPlace, ...]
    on_network: bool = True
    road_distance_m: float = 0.0


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), "").astype(str).str.strip()


def _placed(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    geom = frame.geometry
    keep = geom.notna() & ~geom.is_empty
    keep &= np.isfinite(geom.x.where(keep, np.nan)) & np.isfinite(geom.y.where(keep, np.nan))
    return frame[keep]


def near_targets(producers: gpd.GeoDataFrame, venues: gpd.GeoDataFrame | None = None, *,
                 exclude_kinds: Collection[str] = DATED_VENUE_KINDS) -> gpd.GeoDataFrame:  # fmt: skip
    """The places a near-here list may name, one row each: placed producers, then placed venues.

    Parameters
    ----------
    producers
        The registry's producers (``producer_id``, ``name``, ``location_precision``, ``geometry``; ``address``,
        ``ward``, ``district``, ``unit_2025``, ``opening_hours``, ``phone``, ``zalo``, ``website``, ``contact``
        where known), EPSG:4326.
    venues
        The registry's venues (``venue_id``, ``kind``, ``name``, … as producers), or None.
    exclude_kinds
        Venue kinds left out: by default fairs, which run on given days only.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`TARGET_COLUMNS` and ``geometry`` (points, EPSG:4326), index ``0..n-1``; rows without a location are
        left out.
    """
    frames = []
    for frame, id_col, kind in ((producers, "producer_id", "producer"), (venues, "venue_id", None)):
        if frame is None or len(frame) == 0:
            continue
        placed = _placed(frame)
        kinds = pd.Series(kind, index=placed.index, dtype=object) if kind else _text(placed, "kind")
        if kind is None:
            placed, kinds = placed[~kinds.isin(set(exclude_kinds))], kinds[~kinds.isin(set(exclude_kinds))]
        cols = {"site_id": _text(placed, id_col), "kind": kinds, "name": _text(placed, "name"),
                "precision": _text(placed, "location_precision")}  # fmt: skip
        cols.update({c: _text(placed, c) for c in TARGET_COLUMNS if c not in cols})
        frames.append(gpd.GeoDataFrame(cols, geometry=placed.geometry.to_numpy(), crs=4326))
    if not frames:
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in TARGET_COLUMNS}, geometry=[], crs=4326)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=4326)


def outside_extent(G: nx.MultiDiGraph, lon: np.ndarray | Sequence[float],
                   lat: np.ndarray | Sequence[float]) -> np.ndarray:  # fmt: skip
    """Which points lie outside the extent of ``G``'s roads (the margin :func:`~ocop_geo.snapping.snap_points`
    allows included): no road time can be computed for them.

    Parameters
    ----------
    G
        A graph from :func:`ocop_geo.network.load_network`.
    lon, lat
        The points (EPSG:4326).

    Returns
    -------
    numpy.ndarray
        One bool per point.
    """
    arrays = edge_arrays(G)
    x, y, m = np.asarray(lon, float), np.asarray(lat, float), OUTSIDE_MARGIN_DEG
    return ((x < arrays.x.min() - m) | (x > arrays.x.max() + m)
            | (y < arrays.y.min() - m) | (y > arrays.y.max() + m))  # fmt: skip


def select_within(seconds: np.ndarray, metres: np.ndarray, estimated: np.ndarray, targets: pd.DataFrame, *,
                  minutes: float, exclude: Collection[str] = ()) -> list[NearbyPlace]:  # fmt: skip
    """The targets within ``minutes`` of one origin, fastest first (then by name): pure on one matrix row.

    Parameters
    ----------
    seconds, metres
        Travel time (s) and distance (m) from the origin to each target, aligned with ``targets`` (``inf`` when
        unreachable).
    estimated
        Per target: the time has a straight-line part.
    targets
        :func:`near_targets` rows (``site_id``, ``kind``, ``name``, ``precision``, ``geometry``).
    minutes
        The limit, inclusive.
    exclude
        ``site_id`` values never listed (the origin itself, when it is a venue).

    Returns
    -------
    list of NearbyPlace
    """
    seconds, metres, estimated = np.asarray(seconds, float), np.asarray(metres, float), np.asarray(estimated, bool)
    if not len(seconds) == len(metres) == len(estimated) == len(targets):
        raise ValueError(f"{len(seconds)} times, {len(metres)} distances, {len(estimated)} flags for "
                         f"{len(targets)} targets: give one of each per target")  # fmt: skip
    ids = targets["site_id"].astype(str).to_numpy()
    keep = np.isfinite(seconds) & (seconds <= minutes * 60.0 + 1e-6) & ~np.isin(ids, list(exclude))
    names = targets["name"].astype(str).to_numpy()
    order = sorted(np.flatnonzero(keep), key=lambda k: (seconds[k], names[k]))
    geom = targets.geometry.to_numpy()
    out = []
    for k in order:
        precision = str(targets["precision"].iloc[k])
        out.append(NearbyPlace(
            site_id=ids[k], kind=str(targets["kind"].iloc[k]), name=names[k], lat=float(geom[k].y),
            lon=float(geom[k].x), precision=precision, seconds=float(seconds[k]), metres=float(metres[k]),
            approximate=precision in APPROXIMATE_PRECISIONS, estimated=bool(estimated[k]),
        ))  # fmt: skip
    return out


def places_within(G: nx.MultiDiGraph, origins: gpd.GeoDataFrame | gpd.GeoSeries, targets: gpd.GeoDataFrame, *,
                  minutes: Sequence[float]) -> list[NearbyList]:  # fmt: skip
    """For each origin, the targets it reaches on ``G`` within its minutes, fastest first.

    Every origin and target is snapped once and one many-to-many road search covers them all; targets outside the
    extent of ``G``'s roads are not searched (logged; :func:`outside_extent` names them).

    Parameters
    ----------
    G
        The road graph of one mode (:func:`ocop_geo.network.load_network`).
    origins
        The places the lists are for (points, EPSG:4326); a ``site_id`` column, when given, keeps each origin out
        of its own list.
    targets
        :func:`near_targets`.
    minutes
        The limit of each origin (aligned with ``origins``).

    Returns
    -------
    list of NearbyList
        One per origin, in the order of ``origins``.

    Raises
    ------
    NetworkError
        An origin lies outside the extent of ``G``'s roads (check with :func:`outside_extent` first).
    """
    if len(minutes) != len(origins):
        raise ValueError(f"{len(minutes)} limits for {len(origins)} origins: give one per origin")
    if len(origins) == 0:
        return []
    o_geom = gpd.GeoSeries(origins.geometry if isinstance(origins, gpd.GeoDataFrame) else origins).to_crs(4326)
    o_ids = (_text(origins, "site_id").tolist() if isinstance(origins, gpd.GeoDataFrame)
             else [""] * len(origins))  # fmt: skip
    outside = outside_extent(G, o_geom.x.to_numpy(), o_geom.y.to_numpy())
    if outside.any():
        raise NetworkError(f"{int(outside.sum())} origin(s) lie outside the {G.graph.get('mode', '')} road data; "
                           "leave them out (outside_extent) or use a network that covers them")  # fmt: skip
    t_in = ~outside_extent(G, targets.geometry.x.to_numpy(), targets.geometry.y.to_numpy())
    searched = targets[t_in]
    if (~t_in).any():
        log.info("%d target(s) outside the road data are not searched", int((~t_in).sum()))
    n = len(o_geom)
    points = gpd.GeoSeries(list(o_geom.to_numpy()) + list(searched.geometry.to_numpy()), crs=4326)
    snap = snap_points(G, points)
    search = road_search(G, snap)
    on = snap["on_network"].to_numpy()
    estimated = (search.how[:n, n:] == STRAIGHT) | ~on[:n, None] | ~on[None, n:]
    log.info("near-here search on the %s network: %d origin(s) x %d target(s)", G.graph.get("mode", "?"), n,
             len(searched))  # fmt: skip
    far = snap["distance_m"].to_numpy()
    return [NearbyList(tuple(select_within(search.seconds[i, n:], search.metres[i, n:], estimated[i], searched,
                                           minutes=float(minutes[i]), exclude={o_ids[i]} - {""})),
                       on_network=bool(on[i]), road_distance_m=float(far[i]))
            for i in range(n)]  # fmt: skip
