"""The route planner: from a route spec and the registry to an itinerary.

Steps of :func:`plan_route`:

1. site attributes from the registry (:mod:`ocop_geo.candidates`); the spec's ``venue =`` places
   and stops resolved against the registry's venues (:func:`ocop_geo.spec.resolve_venues`) and its
   ``venue_stops`` kinds added as optional stops (a fair only on its dates);
2. candidate filtering, recording every exclusion with a reason code (:func:`select_candidates`);
3. every place snapped once (:func:`ocop_geo.snapping.snap_points`), then one road search between
   start, end, lunch place and candidates that keeps its paths (:func:`ocop_geo.matrix.road_search`);
   candidates outside the road data (outside the graph's extent, outside the area its OSM extract
   covers — the bundled extract covers Ho Chi Minh City before 7/2025, not the former Bình Dương
   or Bà Rịa–Vũng Tàu — or too far from any road) or unreachable by road become
   ``outside_coverage``, each with the reason in plain words; a must-visit there is an error;
4. a TOPTW :class:`~ocop_geo.toptw.Problem`: one route per day, opening hours turned into
   windows for the *start* of a visit (``close - visit minutes``), lunch as a break or as a
   vertex at the lunch POI, must-visits mandatory (checked first so an impossible one is an
   error naming the site and why);
5. :func:`ocop_geo.toptw.solve`, then the itinerary with each leg's road geometry rebuilt from
   that same search (:meth:`ocop_geo.matrix.RoadSearch.leg`) and every left-out candidate with
   its reason.

:func:`plan_on_matrices` is the pure core (matrices in, itinerary out); it is what the tests
drive with small synthetic matrices.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from . import matrix, settings, snapping, toptw
from ._errors import InputFileError, NetworkError, PlanningError
from .candidates import Site, build_sites
from .itinerary import Day, Itinerary, NotChosen, Stop, Totals
from .matrix import Leg
from .network import load_network
from .opening_hours import format_hhmm, parse_hhmm
from .registry import Registry
from .spec import DaySpec, HeldDates, Place, RouteSpec, resolve_venues, venue_stop
from .textnorm import admin_key
from .verdict import DayPool, day_names, judge_day

__all__ = [
    "DAY_COLORS",
    "Candidates",
    "LegFn",
    "matrix_places",
    "plan_on_matrices",
    "plan_route",
    "select_candidates",
]

log = logging.getLogger(__name__)

#: What the planner says of a place the bundled OSM extract does not reach.
BUNDLED_COVERAGE: str = (
    "outside the road data: the bundled OSM extract covers Ho Chi Minh City before 7/2025 "
    "(not the former Bình Dương or Bà Rịa–Vũng Tàu)"
)
_BUNDLED_COVERAGE_VI = ("ngoài dữ liệu đường: bản trích OSM kèm theo chỉ phủ TP.HCM trước 7/2025 "
                        "(không gồm Bình Dương và Bà Rịa–Vũng Tàu cũ)")
#: Location precisions that are an administrative centre, not the producer's own place.
_CENTROIDS: dict[str, tuple[str, str]] = {
    "ward": ("ward / commune centre", "tâm phường/xã"), "commune": ("commune centre", "tâm xã"),
    "district": ("district centre", "tâm quận/huyện"),
}  # fmt: skip
#: Margin (degrees, ~300 m) around the area an extract covers: border points and simplified boundaries.
_AREA_MARGIN_DEG = 0.003

#: Colours of days 1, 2, 3, ... (ColorBrewer RdYlBu/Set1-like, readable on OSM tiles).
DAY_COLORS: tuple[str, ...] = ("#d7191c", "#2c7bb6", "#1a9641", "#7b3294", "#fdae61", "#e66101")

_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")

#: A function returning the leg between two places, given as row / column numbers of the
#: matrices handed to :func:`plan_on_matrices`: ``(i, j) -> Leg``.
LegFn = Callable[[int, int], Leg]


@dataclass
class Candidates:
    """Sites left after filtering, and the ones filtered out with their reason."""

    sites: list[Site]
    not_chosen: list[NotChosen] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _day_label(d: DaySpec) -> str:
    return f"{d.weekday} {d.date.isoformat()}" if d.date else d.weekday


def select_candidates(spec: RouteSpec, sites: Sequence[Site]) -> Candidates:
    """Filter ``sites`` by the spec; every site ends up a candidate or a :class:`NotChosen`.

    The spec's POI stops are added as candidates (kind ``"poi"``). Must-visit producers pass
    the stars, theme and district filters (a warning says so); an unknown or unplaced
    must-visit raises :class:`PlanningError`.
    """
    by_id = {s.site_id: s for s in sites}
    stop_ids = {p.stop_id for p in spec.poi_stops}
    unknown = [pid for pid in spec.must_visit if pid not in by_id and pid not in stop_ids]
    if unknown:
        raise PlanningError(
            f"{spec.source}: must_visit {', '.join(unknown)} not in the registry; "
            "check the producer ids (ocop-geo validate lists the registry) or remove them; "
            'a venue is visited as [[poi_stops]] venue = "..."'
        )
    must = set(spec.must_visit)
    themes = set(spec.themes)
    districts = {admin_key(d, level="district") for d in spec.districts}
    out = Candidates([])
    for pid in spec.exclude:
        if pid not in by_id:
            out.warnings.append(f"exclude lists {pid}, which is not in the registry (ignored)")
    for s in sites:
        reason: tuple[str, str, str] | None = None  # code, English, Vietnamese
        if not s.placed:
            reason = ("unplaced", "the registry has no location for this producer; add its address",
                      "danh sách không có vị trí của cơ sở này; bổ sung địa chỉ")  # fmt: skip
        elif s.site_id in spec.exclude:
            reason = ("excluded", "listed in the spec's exclude", "có trong danh sách loại trừ (exclude) của tuyến")
        elif s.n_products == 0:
            reason = ("candidate", "not yet OCOP-certified: its products are candidates for certification",
                      "chưa được công nhận OCOP: sản phẩm mới là ứng viên đánh giá")  # fmt: skip
        elif s.stars is None and spec.min_stars:
            reason = ("below_min_stars",
                      f"the registry does not know its star rating; the route asks for at least {spec.min_stars}",
                      f"danh sách chưa ghi số sao; tuyến yêu cầu từ {spec.min_stars} sao")  # fmt: skip
        elif spec.min_stars and s.stars is not None and s.stars < spec.min_stars:
            reason = ("below_min_stars", f"{s.stars} stars, the route asks for at least {spec.min_stars}",
                      f"{s.stars} sao, tuyến yêu cầu từ {spec.min_stars} sao")  # fmt: skip
        elif themes and not themes & set(s.groups):
            groups = ", ".join(s.groups)
            reason = ("theme", f"products in {groups or 'no group'}, not in the route's themes",
                      f"sản phẩm thuộc nhóm {groups or '(chưa rõ)'}, không thuộc chủ đề của tuyến")  # fmt: skip
        elif districts and admin_key(s.district, level="district") not in districts:
            reason = ("district", f"in {s.district or 'an unknown district'}, not a route district",
                      f"ở {s.district or 'quận/huyện chưa rõ'}, không thuộc các quận/huyện của tuyến")  # fmt: skip
        if reason and s.site_id in must:
            if reason[0] == "unplaced":
                raise PlanningError(
                    f"must-visit {s.site_id} ({s.name}) has no location in the registry; "
                    "add its lat/lon or remove it from must_visit"
                )
            out.warnings.append(f"{s.site_id} is a must-visit although {reason[1]}")
            reason = None
        if reason:
            out.not_chosen.append(NotChosen(s.site_id, s.name, *reason))
        else:
            out.sites.append(s)
    out.sites.extend(_poi_sites(spec))
    log.info("%d candidate sites, %d filtered out", len(out.sites), len(out.not_chosen))
    return out


def _poi_sites(spec: RouteSpec) -> list[Site]:
    """The spec's POI stops as sites (``kind="poi"``), scored by the spec."""
    return [
        Site(
            site_id=p.stop_id,
            name=p.place.name,
            lat=p.place.lat,
            lon=p.place.lon,
            precision=p.precision,
            district=p.district,
            ward=p.ward,
            stars=None,
            n_products=0,
            groups=(),
            products=(),
            score=p.score,
            visit_min=p.minutes,
            hours=p.hours,
            hours_assumed=p.hours_assumed,
            kind="poi",
            unit_2025=p.unit_2025,
        )  # fmt: skip
        for p in spec.poi_stops
    ]


def _held(spec: RouteSpec) -> dict[str, HeldDates]:
    """Stops held on given dates only (fairs), by stop id."""
    return {p.stop_id: p.held for p in spec.poi_stops if p.held is not None}


def _straight(a: Place, b: Place, mode: str) -> Leg:
    return Leg.straight_line(
        (a.lon, a.lat), (b.lon, b.lat), mode=mode, note="straight line: no road path in the network"
    )


def _site_place(s: Site) -> Place:
    return Place(s.kind, s.name, s.lat, s.lon, s.site_id)


@dataclass
class _Layout:
    """Vertex numbering of the problem: start, end, one lunch vertex per day, then candidates."""

    places: list[Place]
    start: int
    end: int
    lunch: list[int]  # per day, -1 when lunch is a break (or none)
    first_site: int


def matrix_places(spec: RouteSpec, sites: Sequence[Site]) -> list[Place]:
    """The places, in order, that the matrices given to :func:`plan_on_matrices` cover: start,
    end, the lunch place once per day (when the spec names one), then ``sites``."""
    return _layout(spec, sites).places


def _layout(spec: RouteSpec, sites: Sequence[Site]) -> _Layout:
    places = [spec.start, spec.end]
    lunch = [-1] * len(spec.days)
    if spec.lunch and spec.lunch.place:
        for r in range(len(spec.days)):
            lunch[r] = len(places)
            places.append(spec.lunch.place)
    first = len(places)
    places.extend(_site_place(s) for s in sites)
    return _Layout(places, 0, 1, lunch, first)


def _site_windows(
    s: Site, day: DaySpec, holidays: frozenset[dt.date], held: HeldDates | None = None
) -> list[tuple[float, float]]:
    """Windows (s after midnight) for the start of a visit: each opening window minus the visit;
    none on a day a dated venue (a fair) is not held."""
    if held is not None and not held.covers(day.date):
        return []
    out = []
    for o, c in s.hours.windows(day.date or day.weekday, holidays=holidays):
        latest = c - s.visit_min
        if latest >= o:
            out.append((o * 60.0, latest * 60.0))
    return out


def _closed_reason(s: Site, spec: RouteSpec, days: Sequence[DaySpec] | None = None) -> tuple[str, str]:
    """Why ``s`` cannot be visited on ``days`` (default: every day of the route), in English and Vietnamese."""
    en, vi = [], []
    held = _held(spec).get(s.site_id)
    for d in spec.days if days is None else days:
        wins = s.hours.windows(d.date or d.weekday, holidays=spec.holidays)
        on_vi = day_names(d.weekday, d.date.isoformat() if d.date else None)[0]
        if held is not None and not held.covers(d.date):
            en.append(f"{held.describe()}, not on {_day_label(d)}" if d.date else
                      f"{held.describe()}; the route gives weekdays ({d.weekday}), not dates")  # fmt: skip
            vi.append(f"chỉ diễn ra {held.describe()}, không vào {on_vi}" if d.date else
                      f"chỉ diễn ra {held.describe()}; tuyến chỉ cho thứ ({on_vi}), không cho ngày")  # fmt: skip
        elif not wins:
            en.append(f"closed on {_day_label(d)}")
            vi.append(f"đóng cửa {on_vi}")
        else:
            spans = ", ".join(f"{format_hhmm(o)}-{format_hhmm(c)}" for o, c in wins)
            en.append(f"open {spans} on {_day_label(d)}, too short for a {s.visit_min}-min visit")
            vi.append(f"mở cửa {spans} {on_vi}, không đủ cho {s.visit_min} phút tham quan")
    hours = f"; hours {s.hours.text}" + (" (hours assumed)" if s.hours_assumed else "")
    hours_vi = f"; giờ mở cửa {s.hours.text}" + (" (giả định)" if s.hours_assumed else "")
    return "; ".join(en) + hours, "; ".join(vi) + hours_vi


def _build_problem(
    spec: RouteSpec, sites: Sequence[Site], lay: _Layout, travel: np.ndarray
) -> toptw.Problem:
    n, m = len(lay.places), len(spec.days)
    held = _held(spec)
    site_windows = [[_site_windows(s, d, spec.holidays, held.get(s.site_id)) for d in spec.days] for s in sites]
    k = max([1] + [len(w) for per_site in site_windows for w in per_site])
    windows = np.empty((m, n, k, 2))
    windows[..., 0], windows[..., 1] = np.inf, -np.inf
    score = np.zeros(n)
    service = np.zeros(n)
    mandatory = np.zeros(n, dtype=bool)
    must = spec.must_visit_ids
    for i, s in enumerate(sites):
        v = lay.first_site + i
        score[v] = s.score + (spec.score.must_visit_bonus if s.site_id in must else 0.0)
        service[v] = s.visit_min * 60.0
        mandatory[v] = s.site_id in must
        for r in range(m):
            for j, w in enumerate(site_windows[i][r]):
                windows[r, v, j] = w
    breaks = np.full((m, 3), np.nan)
    max_stops = np.full(m, -1 if spec.max_stops_per_day is None else spec.max_stops_per_day)
    for r, d in enumerate(spec.days):
        windows[r, lay.start, 0] = d.window
        windows[r, lay.end, 0] = d.window
        if spec.lunch is None:
            continue
        lo, hi, minutes = spec.lunch.earliest * 60.0, spec.lunch.latest * 60.0, spec.lunch.minutes
        if lay.lunch[r] >= 0:
            v = lay.lunch[r]
            windows[r, v, 0] = (lo, hi)
            service[v] = minutes * 60.0
            mandatory[v] = True
            if max_stops[r] >= 0:
                max_stops[r] += 1
        else:
            breaks[r] = (lo, hi, minutes * 60.0)
    route_window = np.array([[d.window[0] * 60.0, d.window[1] * 60.0] for d in spec.days])
    return toptw.Problem(
        travel=travel, score=score, service=service, windows=windows,
        route_start=np.full(m, lay.start), route_end=np.full(m, lay.end),
        route_window=route_window, mandatory=mandatory, max_stops=max_stops, breaks=breaks,
    )  # fmt: skip


def _alone(
    spec: RouteSpec, s: Site, lay: _Layout, problem: toptw.Problem, v: int, r: int
) -> tuple[str, str] | None:
    """None when ``s`` (vertex ``v``) can be reached from the start, visited and left for the end within
    day ``r``'s window as the only stop; else which constraint blocks it, with the times (en, vi)."""
    d = spec.days[r]
    wins = problem.windows[r, v]
    wins = wins[np.isfinite(wins[:, 0])]
    if not len(wins):
        return _closed_reason(s, spec, [d])
    on_vi = day_names(d.weekday, d.date.isoformat() if d.date else None)[0]
    leave, window_end = format_hhmm(d.window[0]), format_hhmm(d.window[1])
    arrive = d.window[0] * 60.0 + problem.travel[lay.start, v]
    ok_start = [max(arrive, a) for a, b in wins if max(arrive, a) <= b]
    if not ok_start:
        last, at = format_hhmm(float(wins[:, 1].max()) / 60), format_hhmm(arrive / 60)
        return (f"too far for the day window: leaving {spec.start.name} at {leave} on {_day_label(d)}, it is "
                f"reached at {at}, after the last start of a {s.visit_min}-min visit ({last}; {s.hours.text})",
                f"quá xa so với khung giờ: rời {spec.start.name} lúc {leave} {on_vi}, đến nơi lúc {at}, sau giờ "
                f"muộn nhất để bắt đầu {s.visit_min} phút tham quan ({last}; {s.hours.text})")  # fmt: skip
    back = format_hhmm(min(t + problem.service[v] + problem.travel[v, lay.end] for t in ok_start) / 60)
    if parse_hhmm(back) > d.window[1]:
        return (f"too far for the day window: back at the end only at {back} on {_day_label(d)} "
                f"({spec.end.name}), after the day window ends at {window_end}",
                f"quá xa so với khung giờ: về đến điểm kết thúc ({spec.end.name}) lúc {back} {on_vi}, sau khi "
                f"khung giờ kết thúc ({window_end})")  # fmt: skip
    return None


def _check_must_visits(
    spec: RouteSpec, sites: Sequence[Site], lay: _Layout, problem: toptw.Problem
) -> None:
    """Raise PlanningError naming every must-visit that cannot be visited on any day, and which constraint
    blocks it on each day: closed that weekday (with its hours), too far for the day window (with the
    times), or no room with the lunch break."""
    problems = []
    for i, s in enumerate(sites):
        if s.site_id not in spec.must_visit_ids:
            continue
        v = lay.first_site + i
        why = []
        for r, d in enumerate(spec.days):
            alone = _alone(spec, s, lay, problem, v, r)
            blocked = None if alone is None else alone[0]
            if blocked is None and spec.lunch is not None:
                lunch = lay.lunch[r]
                orders = ([v, lunch], [lunch, v]) if lunch >= 0 else ([v],)
                if not any(toptw.schedule(problem, r, list(o)).feasible for o in orders):
                    where = f" at {lay.places[lunch].name}" if lunch >= 0 else ""
                    blocked = (f"fits alone on {_day_label(d)}, but not with lunch{where} "
                               f"({format_hhmm(spec.lunch.earliest)}–{format_hhmm(spec.lunch.latest)}, "
                               f"{spec.lunch.minutes} min) in the day window "
                               f"{format_hhmm(d.window[0])}–{format_hhmm(d.window[1])}")  # fmt: skip
            if blocked is None:
                break
            why.append(blocked)
        else:
            problems.append(f"{s.site_id} ({s.name}): " + "; ".join(why))
    if problems:
        raise PlanningError(
            "cannot schedule must-visit " + " | ".join(problems)
            + ". Widen day_window, add a day, or remove it from must_visit."
        )  # fmt: skip


def _solve(
    spec: RouteSpec, sites: Sequence[Site], lay: _Layout, problem: toptw.Problem,
    *, time_limit: float, seed: int, max_iterations: int | None = None,
) -> toptw.Solution:  # fmt: skip
    def name(match: re.Match[str]) -> str:
        v = int(match.group(1))
        if v >= lay.first_site:
            s = sites[v - lay.first_site]
            return f"{s.site_id} ({s.name})"
        return "the lunch stop" if v in lay.lunch else f"vertex {v}"

    try:
        return toptw.solve(problem, time_limit=time_limit, seed=seed, max_iterations=max_iterations)
    except PlanningError as exc:
        raise PlanningError(re.sub(r"vertex (\d+)", name, str(exc))) from None


def _unvisited(
    spec: RouteSpec, sites: Sequence[Site], lay: _Layout, sol: toptw.Solution, problem: toptw.Problem
) -> list[NotChosen]:
    """Every candidate the solver left out, with the reason in plain words (English and Vietnamese):
    closed (which day, the hours), too far for the day window (with the times), the stop cap, or a day
    already full with producers of more OCOP products / stars; never a solver score."""
    out = []
    full = spec.max_stops_per_day is not None and all(
        len([v for v in rt if v >= lay.first_site]) >= spec.max_stops_per_day for rt in sol.routes
    )
    for i, s in enumerate(sites):
        v = lay.first_site + i
        code = sol.unvisited_reason.get(v)
        if code is None:
            continue
        if code == "closed":
            nc = NotChosen(s.site_id, s.name, "closed", *_closed_reason(s, spec))
        elif code == "too_far":
            why = [w for r in range(len(spec.days)) if (w := _alone(spec, s, lay, problem, v, r))]
            nc = NotChosen(
                s.site_id, s.name, "no_time",
                "; ".join(w[0] for w in why) or "open, but cannot be reached, visited and left within the day window",
                "; ".join(w[1] for w in why) or "mở cửa nhưng không thể đến, tham quan và quay về trong khung giờ",
            )  # fmt: skip
        elif code == "no_score":
            nc = NotChosen(
                s.site_id, s.name, "candidate" if s.kind == "producer" else "no_time",
                "no certified OCOP product: nothing to show on an OCOP route" if s.kind == "producer"
                else "the route spec gives this stop no value (score = 0)",
                "chưa có sản phẩm OCOP được công nhận" if s.kind == "producer"
                else "tuyến không cho điểm này giá trị nào",
            )  # fmt: skip
        elif full:
            n = spec.max_stops_per_day
            nc = NotChosen(
                s.site_id, s.name, "max_stops",
                f"open, but every day already has {n} stops (max_stops_per_day) with more OCOP products / stars",
                f"mở cửa, nhưng mỗi ngày đã đủ {n} điểm dừng (max_stops_per_day) có nhiều sản phẩm / sao OCOP hơn",
            )  # fmt: skip
        else:
            nc = NotChosen(
                s.site_id, s.name, "no_time",
                "open, but the day is full with producers of more OCOP products / stars "
                "(widen day_window or add a day to include it)",
                "mở cửa, nhưng ngày đã kín với các cơ sở có nhiều sản phẩm / sao OCOP hơn "
                "(mở rộng khung giờ hoặc thêm ngày để đưa vào)",
            )  # fmt: skip
        out.append(nc)
    return out


def _stop(
    seq: int, kind: str, place: Place, *, arrival: float | None, start: float, end: float,
    leg: Leg | None, site: Site | None = None, wait_s: float = 0.0,
) -> Stop:  # fmt: skip
    extra: dict[str, Any] = {}
    if site is not None:
        extra = dict(
            district=site.district, ward=site.ward, stars=site.stars, score=site.score,
            groups=site.groups, products=site.products, opening_hours=site.hours.text,
            unit_2025=site.unit_2025,
        )  # fmt: skip
    precision = site.precision if site is not None else "exact"
    site_id = site.site_id if site is not None else (place.ref or None)
    return Stop(
        seq, kind, site_id, place.name, place.lat, place.lon, precision,
        None if arrival is None else format_hhmm(arrival / 60.0), max(0.0, wait_s) / 60.0,
        format_hhmm(start / 60.0), format_hhmm(end / 60.0), (end - start) / 60.0, leg, **extra,
    )  # fmt: skip


def _day_stops(
    spec: RouteSpec, sites: Sequence[Site], lay: _Layout, problem: toptw.Problem,
    sol: toptw.Solution, r: int, travel: np.ndarray, dist: np.ndarray, leg_fn: LegFn,
    given: np.ndarray,
) -> list[Stop]:  # fmt: skip
    """The stops of day ``r``; ``given[v]`` is vertex ``v``'s row in the matrices ``leg_fn`` knows."""
    sch = sol.schedule(problem, r)
    if not sch.feasible:
        raise PlanningError(f"internal: day {r + 1} schedule infeasible ({sch.reason})")
    stops = [
        _stop(0, "start", spec.start, arrival=None, start=sch.depart, end=sch.depart, leg=None)
    ]
    prev = lay.start

    def leg(a: int, b: int) -> Leg:
        pa, pb = lay.places[a], lay.places[b]
        if (pa.lon, pa.lat) == (pb.lon, pb.lat):  # same place (e.g. two producers at one centroid)
            return Leg(0.0, 0.0, ((pa.lon, pa.lat), (pb.lon, pb.lat)))
        road = leg_fn(int(given[a]), int(given[b]))
        return replace(road, travel_s=float(travel[a, b]), distance_m=float(dist[a, b]))

    if not any(v >= lay.first_site for v in sch.stops):  # nothing to visit: no lunch stop either
        back = sch.depart + float(travel[lay.start, lay.end])
        end = _stop(1, "end", spec.end, arrival=back, start=back, end=back, leg=leg(0, 1))
        return [*stops, end]

    def add_break(at: int, moved: bool, arrival: float) -> None:
        place = lay.places[at]
        label = Place("point", f"Ăn trưa / Lunch ({place.name})", place.lat, place.lon)
        stops.append(
            _stop(len(stops), "lunch", label, arrival=arrival, start=sch.break_start,
                  end=sch.break_end, leg=leg(prev, at) if moved else None,
                  wait_s=sch.break_start - arrival)
        )  # fmt: skip

    t_free = sch.depart  # when the traveller is free to leave ``prev``
    for q, v in enumerate(sch.stops + [lay.end]):
        is_end = q == len(sch.stops)
        arrival = t_free + float(travel[prev, v]) if is_end else float(sch.arrival[q])
        moved_leg: Leg | None = leg(prev, v)
        if sch.break_before == q:
            if sch.break_start >= t_free + float(travel[prev, v]) - 1e-6:
                # ride first, lunch where the next stop is, then the visit
                add_break(v, True, t_free + float(travel[prev, v]))
                moved_leg, arrival = None, sch.break_end
            else:
                add_break(prev, False, sch.break_start)  # lunch before leaving the previous stop
                arrival = max(arrival, sch.break_end + float(travel[prev, v]))
        if is_end:
            stops.append(_stop(len(stops), "end", spec.end, arrival=arrival, start=arrival,
                               end=arrival, leg=moved_leg))  # fmt: skip
            break
        st, en = float(sch.start[q]), float(sch.end[q])
        if v >= lay.first_site:
            s = sites[v - lay.first_site]
            stops.append(_stop(len(stops), s.kind, _site_place(s), arrival=arrival, start=st,
                               end=en, leg=moved_leg, site=s, wait_s=st - arrival))  # fmt: skip
        else:  # the lunch POI vertex
            stops.append(_stop(len(stops), "lunch", lay.places[v], arrival=arrival, start=st,
                               end=en, leg=moved_leg, wait_s=st - arrival))  # fmt: skip
        prev, t_free = v, en
    return stops


def plan_on_matrices(
    spec: RouteSpec,
    candidates: Candidates,
    travel: np.ndarray,
    distance: np.ndarray,
    *,
    leg_fn: LegFn | None = None,
    time_limit: float | None = None,
    seed: int | None = None,
    unreachable: Mapping[str, str] | None = None,
    max_iterations: int | None = None,
) -> Itinerary:
    """Plan on given matrices over ``[start, end, lunch per day..., candidates...]`` (s and m).

    The matrices' rows and columns are :func:`matrix_places` of all ``candidates.sites``.
    ``leg_fn(i, j)`` draws the leg between rows ``i`` and ``j`` (default: straight lines marked
    off-network); the leg's time and distance are the matrices'. ``unreachable`` maps candidate
    ids to the reason they are ``outside_coverage`` (they are left out of the problem).
    ``max_iterations`` caps the solver's iterations: with it the plan is bit-identical for a
    seed; with only the time limit it is the best found in the time (anytime).
    """
    if leg_fn is None:
        given_places = matrix_places(spec, candidates.sites)
        leg_fn = lambda i, j: _straight(given_places[i], given_places[j], spec.mode)  # noqa: E731
    gone = dict(unreachable or {})
    keep = [i for i, s in enumerate(candidates.sites) if s.site_id not in gone]
    sites = [candidates.sites[i] for i in keep]
    lay = _layout(spec, sites)
    n_fixed = lay.first_site
    idx = np.r_[np.arange(n_fixed), n_fixed + np.asarray(keep, dtype=int)].astype(int)
    travel = np.array(np.asarray(travel, dtype=float)[np.ix_(idx, idx)])
    distance = np.array(np.asarray(distance, dtype=float)[np.ix_(idx, idx)])
    xy = np.array([(p.lon, p.lat) for p in lay.places])
    same = (xy[:, None, :] == xy[None, :, :]).all(axis=2)  # e.g. producers at one centroid
    travel[same], distance[same] = 0.0, 0.0
    not_chosen = list(candidates.not_chosen)
    for s in candidates.sites:
        if s.site_id in gone:
            if s.site_id in spec.must_visit_ids:
                raise PlanningError(
                    f"must-visit {s.site_id} ({s.name}) cannot be reached on the {spec.mode} "
                    f"road network ({gone[s.site_id]}); correct its location or remove it from must_visit"
                )
            not_chosen.append(_outside(s, gone[s.site_id], "không có đường nối với điểm xuất phát hoặc kết thúc"))
    problem = _build_problem(spec, sites, lay, travel)
    _check_must_visits(spec, sites, lay, problem)
    sol = _solve(
        spec, sites, lay, problem,
        time_limit=spec.time_limit if time_limit is None else time_limit,
        seed=spec.seed if seed is None else seed, max_iterations=max_iterations,
    )  # fmt: skip
    not_chosen.extend(_unvisited(spec, sites, lay, sol, problem))
    days = []
    warnings = list(candidates.warnings)
    for r, d in enumerate(spec.days):
        stops = _day_stops(spec, sites, lay, problem, sol, r, travel, distance, leg_fn, idx)
        color = DAY_COLORS[r % len(DAY_COLORS)]
        window = (format_hhmm(d.window[0]), format_hhmm(d.window[1]))
        days.append(
            Day(r + 1, d.date.isoformat() if d.date else None, d.weekday, window, color,
                tuple(stops), Totals.of_stops(stops))
        )  # fmt: skip
    warnings.extend(_stop_warnings(days, sites))
    days = _judged(spec, sites, lay, problem, sol, days, travel, not_chosen)
    for day in days:
        if day.verdict is not None and day.verdict.status == "empty":
            warnings.append(f"day {day.day}: no OCOP producer to visit — {day.verdict.reasons[0].en}")
    if any(d.date is None for d in spec.days):
        warnings.append("days are given as weekdays: public holidays are not considered")
    totals = Totals(
        travel_s=sum(d.totals.travel_s for d in days),
        distance_m=sum(d.totals.distance_m for d in days),
        visit_min=sum(d.totals.visit_min for d in days),
        score=sum(d.totals.score for d in days),
        n_stops=sum(d.totals.n_stops for d in days),
        n_days=len(days),
    )
    order = {code: i for i, code in enumerate(("closed", "no_time", "max_stops"))}
    not_chosen.sort(key=lambda nc: (order.get(nc.code, 9), nc.code, nc.site_id))
    return Itinerary(
        route_id=spec.id, title=dict(spec.title), description=dict(spec.description),
        mode=spec.mode, generated_at=dt.datetime.now(_TZ).isoformat(timespec="seconds"),
        spec_file=spec.source, days=tuple(days), totals=totals, not_chosen=tuple(not_chosen),
        warnings=tuple(dict.fromkeys(warnings)), attribution=settings.osm_attribution,
    )  # fmt: skip


def _judged(
    spec: RouteSpec, sites: Sequence[Site], lay: _Layout, problem: toptw.Problem, sol: toptw.Solution,
    days: Sequence[Day], travel: np.ndarray, not_chosen: Sequence[NotChosen],
) -> list[Day]:  # fmt: skip
    """The days with their verdict (:mod:`ocop_geo.verdict`), counted from the candidates: how many producers
    match the route, are open that day, fit the day window alone, and are not visited on another day."""
    producers = [(lay.first_site + i, s) for i, s in enumerate(sites) if s.kind == "producer"]
    poi_ids = {p.stop_id for p in spec.poi_stops}
    unreachable = sum(1 for n in not_chosen if n.code in {"outside_coverage", "centroid"} and n.site_id not in poi_ids)
    route_of = {v: r for r, rt in enumerate(sol.routes) for v in rt}
    xy = [(p.lon, p.lat) for p in lay.places]
    by_id = {s.site_id: s for s in sites}
    out = []
    for r, day in enumerate(days):
        open_ = [v for v, _ in producers if np.isfinite(problem.windows[r, v, :, 0]).any()]
        fit = [v for v in open_ if _alone(spec, sites[v - lay.first_site], lay, problem, v, r) is None]
        elsewhere = sum(1 for v in fit if route_of.get(v, r) != r)
        pool = DayPool(len(producers), len(open_), len(fit), elsewhere, unreachable)
        products = sum(by_id[s.site_id].n_products for s in day.stops if s.kind == "producer" and s.site_id in by_id)
        out.append(replace(day, verdict=judge_day(day, spec, pool, products=products,
                                                  lunch_detour_min=_lunch_detour(day, xy, travel))))  # fmt: skip
    return out


def _lunch_detour(day: Day, xy: Sequence[tuple[float, float]], travel: np.ndarray) -> float | None:
    """Minutes of travel the day's lunch stop adds between the stops before and after it (0 when lunch is
    taken where a stop of the route is); None without a lunch stop or when a place is not in the matrix."""
    i = next((k for k, s in enumerate(day.stops) if s.kind == "lunch"), None)
    if i is None or i == 0 or i == len(day.stops) - 1:
        return None
    where = [(s.lon, s.lat) for s in day.stops[i - 1:i + 2]]
    try:
        a, lunch, b = (xy.index(p) for p in where)
    except ValueError:
        return None
    return max(0.0, float(travel[a, lunch] + travel[lunch, b] - travel[a, b]) / 60.0)


def _stop_warnings(days: Sequence[Day], sites: Sequence[Site]) -> list[str]:
    by_id = {s.site_id: s for s in sites}
    out = []
    for day in days:
        straight = []
        for st in day.stops:
            site = by_id.get(st.site_id or "") if st.kind in {"producer", "poi"} else None
            if site and site.precision not in {"exact", "street"}:
                where = site.ward or site.district
                out.append(f"{site.site_id} is located only at {site.precision} level ({where}); "
                           "ask the producer for the exact address before the tour")  # fmt: skip
            if st.leg_in is not None and st.leg_in.off_network:
                straight.append(st.name)
        if straight:
            out.append(
                f"day {day.day}: {len(straight)} leg(s) drawn as straight lines with estimated "
                f"times (no road path): to {', '.join(straight)}"
            )
    return out


def plan_route(
    spec: RouteSpec,
    registry: Registry,
    *,
    graph: nx.MultiDiGraph | None = None,
    time_limit: float | None = None,
    seed: int | None = None,
    max_iterations: int | None = None,
) -> Itinerary:
    """Plan the route described by ``spec`` over the producers of ``registry``.

    Parameters
    ----------
    spec
        A validated :class:`~ocop_geo.spec.RouteSpec`.
    registry
        A :class:`~ocop_geo.registry.Registry` (``producers`` and ``products`` frames).
    graph
        Road network of ``spec.mode``; default: ``network.load_network(mode=spec.mode)`` (cached).
    time_limit, seed
        Override the spec's solver time limit (s) and seed.
    max_iterations
        Stop the solver after this many iterations (bit-identical result for a seed).

    Returns
    -------
    Itinerary

    Raises
    ------
    PlanningError
        A must-visit is unknown, unplaced, unreachable or cannot fit; the message names it and why.
    """
    sites, site_warnings = build_sites(
        registry.producers, registry.products,
        weights=spec.score, default_visit_minutes=spec.default_visit_minutes,
    )  # fmt: skip
    spec = _resolve_producer_places(spec, sites)
    venues = getattr(registry, "venues", None)
    if venues is None:
        venues = gpd.GeoDataFrame({"venue_id": [], "kind": [], "name": []}, geometry=[], crs="EPSG:4326")
    spec = resolve_venues(spec, venues)
    spec, venue_out, venue_warnings = _add_venue_stops(spec, venues)
    cands = select_candidates(spec, sites)
    cands.not_chosen.extend(venue_out)
    cands.warnings[:0] = [*site_warnings, *venue_warnings, *_venue_place_warnings(spec, venues)]
    rejected = getattr(registry, "rejected", None)
    if rejected is not None and len(rejected):
        cands.warnings.insert(0, f"{len(rejected)} registry row(s) were rejected and are not "
                              "planned; see 'ocop-geo validate'")  # fmt: skip
    G = graph if graph is not None else load_network(mode=spec.mode)
    graph_mode = G.graph.get("mode")
    if graph_mode is not None and graph_mode != spec.mode:
        raise PlanningError(
            f"{spec.source}: the spec travels by {spec.mode} but the graph given is a {graph_mode} "
            f"network; pass load_network(mode={spec.mode!r}) or leave graph=None"
        )
    cands, snap = _snap_candidates(spec, cands, G)
    search = matrix.road_search(G, snap, keep_paths=True)
    travel, distance = search.seconds, search.metres
    places = matrix_places(spec, cands.sites)
    n0 = len(places) - len(cands.sites)
    unreachable = {
        s.site_id: f"no {spec.mode} road path between it and the start or end"
        for i, s in enumerate(cands.sites)
        if not (np.isfinite(travel[0, n0 + i]) and np.isfinite(travel[n0 + i, 1]))
    }

    def leg_fn(i: int, j: int) -> Leg:
        try:
            return search.leg(i, j)
        except NetworkError as exc:
            a, b = places[i], places[j]
            log.warning("no road leg from %s to %s (%s): straight line drawn", a.name, b.name, exc)
            return _straight(a, b, spec.mode)

    return plan_on_matrices(
        spec, cands, travel, distance, leg_fn=leg_fn, time_limit=time_limit, seed=seed,
        unreachable=unreachable, max_iterations=max_iterations,
    )  # fmt: skip


def _snap_candidates(
    spec: RouteSpec, cands: Candidates, G: nx.MultiDiGraph
) -> tuple[Candidates, pd.DataFrame]:
    """Snap every place of the plan once; move candidates the network does not cover to not-chosen.

    A candidate outside the graph's extent, or farther than
    :data:`~ocop_geo.snapping.MAX_SNAP_DISTANCE_M` from any road, is ``outside_coverage``; a
    must-visit far from a road is kept (planned with a straight-line access leg, warned), one
    outside the extent is an error. Returns the kept candidates and the snap frame of
    :func:`matrix_places` over them (index = row number), ready for the road search.
    """
    arrays = snapping.edge_arrays(G)
    x0, x1, y0, y1 = arrays.x.min(), arrays.x.max(), arrays.y.min(), arrays.y.max()
    area = _road_data_area(G)

    def outside(lon: float, lat: float) -> str | None:
        if area is not None and not shapely.contains_xy(area, lon, lat):
            return BUNDLED_COVERAGE
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return (f"outside the road data: the {spec.mode} road network covers lon {x0:.3f}–{x1:.3f}, "
                    f"lat {y0:.3f}–{y1:.3f}")  # fmt: skip
        return None

    lunch_place = spec.lunch.place if spec.lunch else None
    for fieldname, p in (("start", spec.start), ("end", spec.end), ("lunch", lunch_place)):
        if p is not None and area is not None and (why := outside(p.lon, p.lat)) == BUNDLED_COVERAGE:
            raise PlanningError(
                f"{spec.source}: {fieldname} {p.name!r} at ({p.lat:.5f}, {p.lon:.5f}) lies {why}. Choose a "
                f"{fieldname} inside it, or plan on a road network built from an OSM extract that covers "
                "it (load_network(source=...))"
            )
    inside, out = [], Candidates([], list(cands.not_chosen), list(cands.warnings))
    for s in cands.sites:
        why = outside(s.lon, s.lat)
        if why is None:
            inside.append(s)
            continue
        where = f" ({s.unit_2025})" if s.unit_2025 else ""
        if s.site_id in spec.must_visit_ids:
            raise PlanningError(
                f"must-visit {s.site_id} ({s.name}){where} at ({s.lat:.5f}, {s.lon:.5f}) lies {why}. "
                "Remove it from must_visit, or plan on a road network built from an OSM extract that "
                "covers it (load_network(source=...))"
            )
        vi = _BUNDLED_COVERAGE_VI if why == BUNDLED_COVERAGE else "ngoài vùng dữ liệu đường của phương tiện này"
        out.not_chosen.append(NotChosen(s.site_id, s.name, "outside_coverage", why + where, vi + where))
    places = matrix_places(spec, inside)
    n_fixed = len(places) - len(inside)
    points = gpd.GeoSeries([Point(p.lon, p.lat) for p in places], crs="EPSG:4326")
    snap = snapping.snap_points(G, points)
    keep = list(range(n_fixed))
    far_m = snap["distance_m"].to_numpy()
    for i, s in enumerate(inside):
        far = not bool(snap["on_network"].iloc[n_fixed + i])
        if far and s.site_id not in spec.must_visit_ids:
            m = f"{far_m[n_fixed + i]:,.0f}"
            out.not_chosen.append(_outside(
                s, f"outside the road data: {m} m from the nearest {spec.mode} road "
                f"(more than {snapping.MAX_SNAP_DISTANCE_M:,.0f} m)",
                f"ngoài dữ liệu đường: cách đường {spec.mode} gần nhất {m} m",
            ))  # fmt: skip
            continue
        if far:
            out.warnings.append(
                f"{s.site_id} is far from any {spec.mode} road: straight-line access"
            )
        out.sites.append(s)
        keep.append(n_fixed + i)
    return out, snap.iloc[keep].reset_index(drop=True)


def _outside(s: Site, en: str, vi: str) -> NotChosen:
    """A site inside the road data's area that no road reaches: ``centroid`` when it is placed only at an
    administrative centre (then the centre, not the road data, is the cause: its address is what is
    missing), else ``outside_coverage`` with the given reason."""
    centre = _CENTROIDS.get(s.precision)
    if centre is None:
        return NotChosen(s.site_id, s.name, "outside_coverage", en, vi)
    where = s.ward if s.precision != "district" else s.district
    where = f" ({where})" if where else ""
    return NotChosen(
        s.site_id, s.name, "centroid",
        f"placed only at the {centre[0]}{where} (no address): it cannot be routed; add its address",
        f"chỉ được định vị ở {centre[1]}{where} (không có địa chỉ): không thể tìm đường; bổ sung địa chỉ",
    )  # fmt: skip


def _resolve_producer_places(spec: RouteSpec, sites: Sequence[Site]) -> RouteSpec:
    """Fill in the coordinates of ``producer = "..."`` start / end / lunch places."""
    by_id = {s.site_id: s for s in sites}

    def fix(p: Place | None, fieldname: str) -> Place | None:
        if p is None or p.kind != "producer":
            return p
        s = by_id.get(p.ref)
        if s is None or not s.placed:
            what = "is not in the registry" if s is None else "has no location in the registry"
            raise PlanningError(f"{spec.source}: {fieldname}.producer {p.ref!r} {what}")
        return Place("producer", s.name, s.lat, s.lon, s.site_id)

    lunch = spec.lunch
    if lunch is not None and lunch.place is not None:
        lunch = replace(lunch, place=fix(lunch.place, "lunch"))
    return replace(spec, start=fix(spec.start, "start"), end=fix(spec.end, "end"), lunch=lunch)


def _road_data_area(G: nx.MultiDiGraph) -> shapely.Geometry | None:
    """The area the graph's OSM extract covers (prepared, with a small margin), when known: the
    bundled extract covers Ho Chi Minh City before 7/2025 (the 2019 district polygons)."""
    source = G.graph.get("source")
    if not source or Path(str(source)).resolve() != Path(settings.osm_extract).resolve():
        return None
    path = settings.admin_dir / "hcmc_districts_2019.geojson"
    if not path.is_file():
        log.warning("%s not found: the bundled extract's area is not checked", path)
        return None
    return _area_of(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _area_of(path: str, mtime_ns: int) -> shapely.Geometry:
    try:
        polygons = gpd.read_file(path).to_crs(4326).geometry.to_numpy()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc}); restore it from the repository") from None
    area = shapely.buffer(shapely.union_all(polygons), _AREA_MARGIN_DEG)
    shapely.prepare(area)
    return area


def _add_venue_stops(spec: RouteSpec, venues: gpd.GeoDataFrame) -> tuple[RouteSpec, list[NotChosen], list[str]]:
    """The spec's ``venue_stops`` kinds as optional stops: every placed venue of those kinds in the
    route's districts; the others of those kinds are not chosen, with the reason. A must-visit venue
    passes the district filter (a warning says so). Venues the spec names already are skipped."""
    vs = spec.venue_stops
    if vs is None or not len(venues):
        return spec, [], []
    fixed = [spec.start, spec.end, spec.lunch.place if spec.lunch else None]
    taken = {p.ref for p in fixed if p is not None and p.kind == "venue"} | {p.venue for p in spec.poi_stops}
    districts = {admin_key(d, level="district") for d in spec.districts}
    stops, out, warnings = [], [], []
    for row in venues.drop(columns="geometry", errors="ignore").to_dict("records"):
        vid, name, kind = (_text(row.get(k)) for k in ("venue_id", "name", "kind"))
        if kind not in vs.kinds or vid in taken:
            continue
        district = _text(row.get("district"))
        reason: tuple[str, str] | None = None
        if vid in spec.exclude:
            reason = ("excluded", "listed in the spec's exclude")
        elif not all(isinstance(x, int | float) and math.isfinite(x) for x in (row.get("lat"), row.get("lon"))):
            reason = ("unplaced", "the registry has no location for this venue; add its lat/lon or address")
        elif districts and admin_key(district, level="district") not in districts:
            where = district or _text(row.get("unit_2025")) or "an unknown district"
            reason = ("district", f"in {where}, not a route district")
        if reason is not None and reason[0] == "district" and vid in spec.must_visit:
            warnings.append(f"{vid} is a must-visit although {reason[1]}")
            reason = None
        if reason is not None:
            out.append(NotChosen(vid, name, *reason))
        else:
            stops.append(venue_stop(row, minutes=vs.minutes, score=vs.score, must_visit=vid in spec.must_visit))
    assumed = [p.stop_id for p in (*spec.poi_stops, *stops) if p.hours_assumed]
    if assumed:
        warnings.append(f"the registry gives no opening hours for venue(s) {', '.join(assumed)}: planned as open "
                        "all day; confirm before the tour")  # fmt: skip
    return replace(spec, poi_stops=(*spec.poi_stops, *stops)), out, warnings


def _venue_place_warnings(spec: RouteSpec, venues: gpd.GeoDataFrame) -> list[str]:
    """A start, end or lunch venue held on dates (a fair) that do not cover a planned day."""
    lunch_place = spec.lunch.place if spec.lunch else None
    named = {p.ref: (f, p) for f, p in (("lunch", lunch_place), ("end", spec.end), ("start", spec.start))
             if p is not None and p.kind == "venue"}  # fmt: skip
    if not named:
        return []
    out = []
    for row in venues[venues["venue_id"].isin(list(named))].to_dict("records"):
        first, last = row.get("start_date"), row.get("end_date")
        if not isinstance(first, dt.date):
            continue
        held = HeldDates(first, last if isinstance(last, dt.date) else None, _text(row.get("kind")))
        missed = [_day_label(d) for d in spec.days if not held.covers(d.date)]
        if missed:
            fieldname, p = named[_text(row["venue_id"])]
            out.append(f"{fieldname} {p.ref} ({p.name}): {held.describe()}, not on {', '.join(missed)}")
    return out


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) or value is pd.NA else str(value)
