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
4. a TOPTW :class:`~ocop_geo.toptw.Problem`: one route per day from the day's start to its end
   (``days`` items may give their own: a tour changing hotel each night), opening hours turned
   into windows for the *start* of a visit (``close - visit minutes``), producers at one location
   merged into one stop visiting them all (:func:`ocop_geo.candidates.merge_colocated`), the day
   caps (``RouteSpec.day_caps``: km and minutes of travel, per mode by default) as hard route
   resources, lunch as a vertex at a pinned place or as a break that keeps room for the lunch
   detour, must-visits mandatory (checked first so an impossible one is an error naming the site
   and why);
5. :func:`ocop_geo.toptw.solve`. **Objective, lexicographic**: the value of the OCOP visits first
   (the score: stars and certified products), then, among plans of that value, the least travel
   time + waiting, where each wait over :data:`LONG_WAIT_MIN` (20 min) counts three times — so a
   long wait is avoided whenever another order or set of equal value exists, and a wait that
   remains is shown as a warning on the day. A day leaves as late as its first visit allows;
6. lunch without a pinned place: the food place (OSM restaurant / market / food court / café /
   fast food, a registry market or restaurant venue, or a producer ``[lunch] producers`` lists as
   serving food — never another producer, so never a factory) with the least detour + waiting
   within ``detour_minutes`` (default 15) of the planned route at lunch time, preferably between
   two visits (:func:`_choose_lunch`, a post-step on the solved route, exact on the matrices);
   when none fits, a packed lunch and a warning naming the nearest;
7. the itinerary with each leg's road geometry rebuilt from that same search
   (:meth:`ocop_geo.matrix.RoadSearch.leg`) and every left-out candidate with its reason.

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
from .candidates import Site, build_sites, merge_colocated
from .i18n import gettext as _
from .i18n import language
from .itinerary import Day, Itinerary, NotChosen, Stop, Totals, with_contacts
from .matrix import Leg
from .modes import mode_name
from .network import load_network
from .opening_hours import format_hhmm, parse_hhmm
from .pois import read_pois
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

#: A wait longer than this (minutes) before a visit is avoided when another order exists (it costs
#: extra in the solver's secondary objective) and, when none does, shown as a warning on the day.
LONG_WAIT_MIN: float = 20.0

#: OSM POI categories where lunch can be eaten (the bundled POI layer's ``category``).
FOOD_CATEGORIES: frozenset[str] = frozenset({
    "amenity=restaurant", "amenity=marketplace", "amenity=food_court", "amenity=cafe", "amenity=fast_food",
})  # fmt: skip
#: Registry venue kinds where lunch can be eaten.
FOOD_VENUE_KINDS: frozenset[str] = frozenset({"market", "restaurant"})
#: Food places kept per pair of anchors (start, end, candidates) before the road search: the ones of
#: least straight-line detour between the two, if within the budget's reach (km per minute of budget,
#: divided by the road detour factor).
_FOOD_PER_ANCHOR = 2
_FOOD_KM_PER_MIN = {"motorbike": 0.5, "car": 0.5, "coach": 0.45, "bicycle": 0.22, "walk": 0.075}
DETOUR_FACTOR = 1.3
#: Extra cost (s) of taking lunch before the first visit or after the last one (on the way out or home).
_OUTER_LUNCH_S = 1800.0
#: Cafés and fast food serve drinks and snacks more than a meal: one is chosen for lunch only when no restaurant,
#: market or food court fits within this much more detour (s).
_SNACK_LUNCH_S = 1200.0
_SNACK_CATEGORIES: frozenset[str] = frozenset({"amenity=cafe", "amenity=fast_food"})

#: A function returning the leg between two places, given as row / column numbers of the
#: matrices handed to :func:`plan_on_matrices`: ``(i, j) -> Leg``.
LegFn = Callable[[int, int], Leg]


@dataclass
class Candidates:
    """Sites left after filtering, and the ones filtered out with their reason."""

    sites: list[Site]
    not_chosen: list[NotChosen] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Food places the planner may choose for lunch (``_lunch_places``); empty with a pinned lunch.
    lunch_places: list[Place] = field(default_factory=list)


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
        raise PlanningError(_(
            "{source}: must_visit {ids} not in the registry; check the producer ids (ocop-geo validate lists the "
            'registry) or remove them; a venue is visited as [[poi_stops]] venue = "..."', source=spec.source,
            ids=", ".join(unknown)))
    must = set(spec.must_visit)
    themes = set(spec.themes)
    districts = {admin_key(d, level="district") for d in spec.districts}
    out = Candidates([])
    for pid in spec.exclude:
        if pid not in by_id:
            out.warnings.append(_("exclude lists {id}, which is not in the registry (ignored)", id=pid))
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
                raise PlanningError(_(
                    "must-visit {id} ({name}) has no location in the registry; add its lat/lon or remove it from "
                    "must_visit", id=s.site_id, name=s.name))
            out.warnings.append(_("{id} is a must-visit although {reason}", id=s.site_id,
                                  reason=reason[2] if language() == "vi" else reason[1]))
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
    """Vertex numbering of the problem: start, end, the days' own starts / ends, one lunch vertex per
    day (a pinned lunch place), the food places lunch may be taken at, then candidates."""

    places: list[Place]
    start: int
    end: int
    lunch: list[int]  # per day, -1 when lunch is a break (or none)
    first_site: int
    starts: list[int] = field(default_factory=list)  # per day
    ends: list[int] = field(default_factory=list)  # per day
    food: list[int] = field(default_factory=list)  # vertices of the food places


def matrix_places(
    spec: RouteSpec, sites: Sequence[Site], lunch_places: Sequence[Place] = ()
) -> list[Place]:
    """The places, in order, that the matrices given to :func:`plan_on_matrices` cover: start,
    end, the days' own start / end places (each new place once, in day order), the lunch place once
    per day (when the spec names one), the food places ``lunch_places``, then ``sites``."""
    return _layout(spec, sites, lunch_places).places


def _layout(spec: RouteSpec, sites: Sequence[Site], lunch_places: Sequence[Place] = ()) -> _Layout:
    places = [spec.start, spec.end]

    def vertex(p: Place | None, default: int) -> int:
        if p is None:
            return default
        if p in places:
            return places.index(p)
        places.append(p)
        return len(places) - 1

    starts = [vertex(d.start, 0) for d in spec.days]
    ends = [vertex(d.end, 1) for d in spec.days]
    lunch = [-1] * len(spec.days)
    if spec.lunch and spec.lunch.place:
        for r in range(len(spec.days)):
            lunch[r] = len(places)
            places.append(spec.lunch.place)
    food = list(range(len(places), len(places) + len(lunch_places)))
    places.extend(lunch_places)
    first = len(places)
    places.extend(_site_place(s) for s in sites)
    return _Layout(places, 0, 1, lunch, first, starts, ends, food)


def _site_windows(
    s: Site, day: DaySpec, holidays: frozenset[dt.date], held: HeldDates | None = None
) -> list[tuple[float, float]]:
    """Windows (s after midnight) for the start of a visit: each opening window minus the visit;
    none on a day a dated venue (a fair) is not held."""
    if held is not None and not held.covers(day.date):
        return []
    out = []
    spans = s.hours.windows(day.date or day.weekday, holidays=holidays)
    for other in s.members[1:]:  # several producers at one stop: open when all of them are
        theirs = other.hours.windows(day.date or day.weekday, holidays=holidays)
        spans = [(max(o, o2), min(c, c2)) for o, c in spans for o2, c2 in theirs if max(o, o2) < min(c, c2)]
    for o, c in spans:
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
    if held is not None and all(d.date is None or not held.covers(d.date) for d in (days or spec.days)):
        return "; ".join(en), "; ".join(vi)  # closed by its dates alone: its hours are beside the point
    hours = f"; hours {s.hours.text}" + (" (hours assumed)" if s.hours_assumed else "")
    hours_vi = f"; giờ mở cửa {s.hours.text}" + (" (giả định)" if s.hours_assumed else "")
    return "; ".join(en) + hours, "; ".join(vi) + hours_vi


def _is_must(s: Site, must: frozenset[str]) -> bool:
    return any(i in must for i in s.member_ids)


def _build_problem(
    spec: RouteSpec, sites: Sequence[Site], lay: _Layout, travel: np.ndarray, distance: np.ndarray | None = None
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
        score[v] = s.score + (spec.score.must_visit_bonus if _is_must(s, must) else 0.0)
        service[v] = s.visit_min * 60.0
        mandatory[v] = _is_must(s, must)
        for r in range(m):
            for j, w in enumerate(site_windows[i][r]):
                windows[r, v, j] = w
    breaks = np.full((m, 3), np.nan)
    max_stops = np.full(m, -1 if spec.max_stops_per_day is None else spec.max_stops_per_day)
    reserve = _lunch_reserve(spec, lay)
    for r in range(m):
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
        else:  # the food place is chosen after the solve: the break holds its detour (_choose_lunch)
            breaks[r] = (lo, max(lo, hi - reserve), minutes * 60.0 + reserve)
    route_window = np.array([[d.window[0] * 60.0, d.window[1] * 60.0] for d in spec.days])
    km, minutes_cap = spec.day_caps
    return toptw.Problem(
        travel=travel, score=score, service=service, windows=windows,
        route_start=np.array(lay.starts or [lay.start] * m), route_end=np.array(lay.ends or [lay.end] * m),
        route_window=route_window, mandatory=mandatory, max_stops=max_stops, breaks=breaks,
        distance=distance, max_travel=np.full(m, max(0.0, minutes_cap * 60.0 - reserve)),
        max_distance=np.full(m, km * 1000.0), long_wait=LONG_WAIT_MIN * 60.0, minimise_cost=True,
    )  # fmt: skip


def _lunch_reserve(spec: RouteSpec, lay: _Layout) -> float:
    """Seconds of the lunch detour budget the solver keeps free when the planner chooses the lunch
    place (0 with a pinned place, no lunch, or no food place to choose from)."""
    if spec.lunch is None or spec.lunch.place is not None or not lay.food:
        return 0.0
    return spec.lunch.detour_minutes * 60.0


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
    first, last = int(problem.route_start[r]), int(problem.route_end[r])  # the day's own start and end
    arrive = d.window[0] * 60.0 + problem.travel[first, v]
    ok_start = [max(arrive, a) for a, b in wins if max(arrive, a) <= b]
    if not ok_start:
        latest, at, name = format_hhmm(float(wins[:, 1].max()) / 60), format_hhmm(arrive / 60), lay.places[first].name
        return (f"too far for the day window: leaving {name} at {leave} on {_day_label(d)}, it is "
                f"reached at {at}, after the last start of a {s.visit_min}-min visit ({latest}; {s.hours.text})",
                f"quá xa so với khung giờ: rời {name} lúc {leave} {on_vi}, đến nơi lúc {at}, sau giờ "
                f"muộn nhất để bắt đầu {s.visit_min} phút tham quan ({latest}; {s.hours.text})")  # fmt: skip
    back = format_hhmm(min(t + problem.service[v] + problem.travel[v, last] for t in ok_start) / 60)
    if parse_hhmm(back) > d.window[1]:
        return (f"too far for the day window: back at the end only at {back} on {_day_label(d)} "
                f"({lay.places[last].name}), after the day window ends at {window_end}",
                f"quá xa so với khung giờ: về đến điểm kết thúc ({lay.places[last].name}) lúc {back} {on_vi}, sau khi "
                f"khung giờ kết thúc ({window_end})")  # fmt: skip
    return None


def _check_must_visits(
    spec: RouteSpec, sites: Sequence[Site], lay: _Layout, problem: toptw.Problem
) -> None:
    """Raise PlanningError naming every must-visit that cannot be visited on any day, and which constraint
    blocks it on each day: closed that weekday (with its hours), too far for the day window (with the
    times), or no room with the lunch break."""
    problems = []
    vi = language() == "vi"
    for i, s in enumerate(sites):
        if s.site_id not in spec.must_visit_ids:
            continue
        v = lay.first_site + i
        why = []
        for r, d in enumerate(spec.days):
            alone = _alone(spec, s, lay, problem, v, r)
            blocked = None if alone is None else alone[1 if vi else 0]
            if blocked is None and spec.lunch is not None:
                lunch = lay.lunch[r]
                orders = ([v, lunch], [lunch, v]) if lunch >= 0 else ([v],)
                if not any(toptw.schedule(problem, r, list(o)).feasible for o in orders):
                    times = {"day": day_names(d.weekday, d.date.isoformat() if d.date else None)[0] if vi
                             else _day_label(d), "earliest": format_hhmm(spec.lunch.earliest),
                             "latest": format_hhmm(spec.lunch.latest), "minutes": spec.lunch.minutes,
                             "start": format_hhmm(d.window[0]), "end": format_hhmm(d.window[1])}  # fmt: skip
                    blocked = (_("fits alone on {day}, but not with lunch at {place} ({earliest}–{latest}, {minutes} "
                                 "min) in the day window {start}–{end}", place=lay.places[lunch].name, **times)
                               if lunch >= 0 else
                               _("fits alone on {day}, but not with lunch ({earliest}–{latest}, {minutes} min) in "
                                 "the day window {start}–{end}", **times))  # fmt: skip
            if blocked is None:
                break
            why.append(blocked)
        else:
            problems.append(f"{s.site_id} ({s.name}): " + "; ".join(why))
    if problems:
        raise PlanningError(_("cannot schedule must-visit {places}. Widen day_window, add a day, or remove it from "
                              "must_visit.", places=" | ".join(problems)))


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
            unit_2025=site.unit_2025, producer_ids=site.member_ids if len(site.member_ids) > 1 else (),
            hours_assumed=site.hours_assumed,
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
    route: list[int], r: int, travel: np.ndarray, dist: np.ndarray, leg_fn: LegFn,
    given: np.ndarray,
) -> list[Stop]:  # fmt: skip
    """The stops of day ``r`` visiting ``route`` (vertices, a chosen lunch place included);
    ``given[v]`` is vertex ``v``'s row in the matrices ``leg_fn`` knows."""
    sch = toptw.schedule(problem, r, route)
    if not sch.feasible:
        raise PlanningError(f"internal: day {r + 1} schedule infeasible ({sch.reason})")
    first, last = lay.starts[r], lay.ends[r]
    stops = [
        _stop(0, "start", spec.day_start(r), arrival=None, start=sch.depart, end=sch.depart, leg=None)
    ]
    prev = first

    def leg(a: int, b: int) -> Leg:
        pa, pb = lay.places[a], lay.places[b]
        if (pa.lon, pa.lat) == (pb.lon, pb.lat):  # same place (e.g. two producers at one centroid)
            return Leg(0.0, 0.0, ((pa.lon, pa.lat), (pb.lon, pb.lat)))
        road = leg_fn(int(given[a]), int(given[b]))
        return replace(road, travel_s=float(travel[a, b]), distance_m=float(dist[a, b]))

    if not any(v >= lay.first_site for v in sch.stops):  # nothing to visit: no lunch stop either
        back = sch.depart + float(travel[first, last])
        end = _stop(1, "end", spec.day_end(r), arrival=back, start=back, end=back, leg=leg(first, last))
        return [*stops, end]

    def add_break(at: int, moved: bool, arrival: float) -> None:
        # lunch as a break: no food place within the detour budget fits (the day's warning says so),
        # so it is not said to be "at" a producer or the start
        place = lay.places[at]
        label = Place("point", "Ăn trưa / Lunch: mang theo đồ ăn / bring a packed lunch", place.lat, place.lon)
        stops.append(
            _stop(len(stops), "lunch", label, arrival=arrival, start=sch.break_start,
                  end=sch.break_end, leg=leg(prev, at) if moved else None,
                  wait_s=sch.break_start - arrival)
        )  # fmt: skip

    t_free = sch.depart  # when the traveller is free to leave ``prev``
    for q, v in enumerate(sch.stops + [last]):
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
            stops.append(_stop(len(stops), "end", spec.day_end(r), arrival=arrival, start=arrival,
                               end=arrival, leg=moved_leg))  # fmt: skip
            break
        st, en = float(sch.start[q]), float(sch.end[q])
        if v >= lay.first_site:
            s = sites[v - lay.first_site]
            stops.append(_stop(len(stops), s.kind, _site_place(s), arrival=arrival, start=st,
                               end=en, leg=moved_leg, site=s, wait_s=st - arrival))  # fmt: skip
        else:  # the lunch place: pinned by the spec, or the food place chosen (_choose_lunch)
            stops.append(_stop(len(stops), "lunch", lay.places[v], arrival=arrival, start=st,
                               end=en, leg=moved_leg, wait_s=st - arrival))  # fmt: skip
        prev, t_free = v, en
    return stops


def _choose_lunch(
    spec: RouteSpec, lay: _Layout, problem: toptw.Problem, route: list[int], r: int
) -> tuple[toptw.Problem, list[int], str | None]:
    """The food place where day ``r`` takes lunch, inserted into ``route``.

    The solver kept a break of ``minutes + detour_minutes`` with its latest start moved earlier by
    the budget (:func:`_build_problem`), so that a place reached with at most that detour fits where
    the break was. Lunch between two visits is preferred (lunch before the first visit or after the
    last one counts :data:`_OUTER_LUNCH_S` more). Every gap of the route (start → first stop, ..., last stop → end) and every food
    place whose detour (``travel[a, f] + travel[f, b] - travel[a, b]``) is within the budget is a
    candidate; each is scheduled exactly (lunch starting inside the lunch window, the day's caps
    without the reservation), and the feasible one with the least detour + waiting (waits over
    :data:`LONG_WAIT_MIN` counted three times, as in the solver) wins. Returns the problem with that
    day's lunch as a visit, the route with the place, and a warning when no place fits (the break then
    stays a break: a packed lunch; ``None`` otherwise).
    """
    lunch = spec.lunch
    assert lunch is not None
    if not any(v >= lay.first_site for v in route):
        return problem, route, None
    lo, hi, minutes = lunch.earliest * 60.0, lunch.latest * 60.0, lunch.minutes * 60.0
    budget = lunch.detour_minutes * 60.0
    food = np.asarray(lay.food, dtype=int)
    km, minutes_cap = spec.day_caps
    p2 = replace(problem, breaks=problem.breaks.copy(), windows=problem.windows.copy(),
                 service=problem.service.copy(), max_travel=np.full(problem.m, minutes_cap * 60.0))  # fmt: skip
    p2.breaks[r] = np.nan
    if len(food):
        p2.windows[r, food, 1:] = (np.inf, -np.inf)
        p2.windows[r, food, 0] = (lo, hi)
        p2.service[food] = minutes
    seq = [lay.starts[r], *route, lay.ends[r]]
    options = []
    for g in range(len(seq) - 1):
        a, b = seq[g], seq[g + 1]
        detour = problem.travel[a, food] + problem.travel[food, b] - problem.travel[a, b]
        options.extend((float(detour[j]), g, int(food[j])) for j in np.flatnonzero(detour <= budget + 1e-6))
    options.sort()
    best: tuple[float, list[int]] | None = None
    for detour, g, f in options[:120]:
        order = [*route[:g], f, *route[g:]]
        sch = toptw.schedule(p2, r, order)
        if not sch.feasible:
            continue
        waits = np.nan_to_num(sch.wait)
        cost = detour + float(waits.sum()) + 2.0 * float(np.clip(waits - LONG_WAIT_MIN * 60.0, 0, None).sum())
        cost += sch.depart - float(p2.route_window[r, 0])  # leaving late to eat first is idle time too
        # lunch between two visits is preferred: before the first or after the last visit costs 30 min more
        key = cost + (_OUTER_LUNCH_S if g in (0, len(seq) - 2) else 0.0)
        key += _SNACK_LUNCH_S if lay.places[f].category in _SNACK_CATEGORIES else 0.0  # a meal, not a frozen yogurt
        if best is None or key < best[0] - 1e-6:
            best = (key, order)
    if best is not None:
        return p2, best[1], None
    p3 = replace(problem, breaks=problem.breaks.copy())
    p3.breaks[r] = (lo, hi, minutes)  # no place fits: a plain break, without the reserved detour
    if not toptw.schedule(p3, r, route).feasible:
        p3 = problem
    nearest = ""
    if len(food):
        stops = [v for v in route if v >= lay.first_site]
        detours = [(float(problem.travel[v, f] + problem.travel[f, v]) / 60.0, lay.places[f].name)
                   for v in stops for f in food if np.isfinite(problem.travel[v, f] + problem.travel[f, v])]  # fmt: skip
        if detours:
            mins, name = min(detours)
            nearest = f"; the nearest is {name}, {mins:.0f} min there and back from a stop"
    return p3, route, (
        f"day {r + 1}: no restaurant, market or food place within {lunch.detour_minutes} min of the route "
        f"fits lunch at {format_hhmm(lunch.earliest)}–{format_hhmm(lunch.latest)}{nearest}: bring a packed "
        "lunch, pin a lunch place ([lunch] poi / venue) or list a producer that serves food ([lunch] producers)"
    )


def _long_waits(day: Day) -> list[str]:
    """A warning for every visit of ``day`` that starts more than :data:`LONG_WAIT_MIN` after the
    traveller arrives (the solver found no order of the day without it)."""
    return [
        _("day {day}: {wait:.0f} min wait at {name} (arrive {arrival}, visit from {start}); no other order of the "
          "day's stops avoids it", day=day.day, wait=st.wait_min, name=st.name, arrival=st.arrival, start=st.start)
        for st in day.stops if st.kind != "lunch" and st.wait_min > LONG_WAIT_MIN + 1e-6
    ]  # fmt: skip


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
    food_places = candidates.lunch_places if spec.lunch is not None and spec.lunch.place is None else []
    if leg_fn is None:
        given_places = matrix_places(spec, candidates.sites, candidates.lunch_places)
        leg_fn = lambda i, j: _straight(given_places[i], given_places[j], spec.mode)  # noqa: E731
    gone = dict(unreachable or {})
    keep = [i for i, s in enumerate(candidates.sites) if s.site_id not in gone]
    row_of = {candidates.sites[i].site_id: i for i in keep}
    # several producers at one location: one stop visiting all of them (candidates.merge_colocated)
    sites = merge_colocated([candidates.sites[i] for i in keep], first=spec.must_visit_ids)
    keep = [row_of[s.site_id] for s in sites]
    lay = _layout(spec, sites, food_places)
    n_fixed = lay.first_site
    given_fixed = len(matrix_places(spec, [], candidates.lunch_places))
    idx = np.r_[np.arange(n_fixed), given_fixed + np.asarray(keep, dtype=int)].astype(int)
    travel = np.array(np.asarray(travel, dtype=float)[np.ix_(idx, idx)])
    distance = np.array(np.asarray(distance, dtype=float)[np.ix_(idx, idx)])
    xy = np.array([(p.lon, p.lat) for p in lay.places])
    same = (xy[:, None, :] == xy[None, :, :]).all(axis=2)  # e.g. producers at one centroid
    travel[same], distance[same] = 0.0, 0.0
    not_chosen = list(candidates.not_chosen)
    for s in candidates.sites:
        if s.site_id in gone:
            nc = _outside(s, gone[s.site_id], "không có đường nối với điểm xuất phát hoặc kết thúc")
            if s.site_id in spec.must_visit_ids:
                raise PlanningError(_(
                    "must-visit {id} ({name}) cannot be reached on the {mode} road network: {reason}; correct its "
                    "location or remove it from must_visit", id=s.site_id, name=s.name, mode=mode_name(spec.mode),
                    reason=nc.reason_vi if language() == "vi" and nc.reason_vi else nc.reason))
            not_chosen.append(nc)
    problem = _build_problem(spec, sites, lay, travel, distance)
    _check_must_visits(spec, sites, lay, problem)
    sol = _solve(
        spec, sites, lay, problem,
        time_limit=spec.time_limit if time_limit is None else time_limit,
        seed=spec.seed if seed is None else seed, max_iterations=max_iterations,
    )  # fmt: skip
    by_id = {s.site_id: s for s in sites}
    for nc in _unvisited(spec, sites, lay, sol, problem):
        members = by_id[nc.site_id].members if nc.site_id in by_id else ()
        if not members:
            not_chosen.append(nc)
        for m in members:  # every producer of a shared location, each under its own name
            not_chosen.append(replace(nc, site_id=m.site_id, name=m.name))
    days = []
    warnings = list(candidates.warnings)
    for r, d in enumerate(spec.days):
        day_problem, route = problem, sol.routes[r]
        if spec.lunch is not None and spec.lunch.place is None and lay.food:
            day_problem, route, why = _choose_lunch(spec, lay, problem, route, r)
            warnings.extend([why] if why else [])
        stops = _day_stops(spec, sites, lay, day_problem, route, r, travel, distance, leg_fn, idx)
        color = DAY_COLORS[r % len(DAY_COLORS)]
        window = (format_hhmm(d.window[0]), format_hhmm(d.window[1]))
        days.append(
            Day(r + 1, d.date.isoformat() if d.date else None, d.weekday, window, color,
                tuple(stops), Totals.of_stops(stops))
        )  # fmt: skip
    warnings.extend(_stop_warnings(days, sites))
    warnings.extend(w for day in days for w in _long_waits(day))
    days = _judged(spec, sites, lay, problem, sol, days, travel, not_chosen)
    for day in days:
        if day.verdict is not None and day.verdict.status == "empty":
            reason = day.verdict.reasons[0]
            warnings.append(_("day {day}: no OCOP producer to visit — {reason}", day=day.day,
                              reason=reason.vi if language() == "vi" else reason.en))
    if any(d.date is None for d in spec.days):
        warnings.append(_("days are given as weekdays: public holidays are not considered"))
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
        mode=spec.mode, generated_at=settings.now(_TZ).isoformat(timespec="seconds"),
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

        def count(vs: Sequence[int]) -> int:  # producers, not stops: one stop may visit several
            return sum(len(sites[v - lay.first_site].members) or 1 for v in vs)

        elsewhere = count([v for v in fit if route_of.get(v, r) != r])
        pool = DayPool(count([v for v, _ in producers]), count(open_), count(fit), elsewhere, unreachable)
        visited = [m for st in day.stops if st.kind == "producer" and st.site_id in by_id
                   for m in (by_id[st.site_id].members or (by_id[st.site_id],))]  # several producers at one stop
        out.append(replace(day, verdict=judge_day(day, spec, pool, products=sum(m.n_products for m in visited),
                                                  lunch_detour_min=_lunch_detour(day, xy, travel),
                                                  producers=len(visited))))  # fmt: skip
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
                out.append(_("{id} is located only at {precision} level ({where}); ask the producer for the exact "
                             "address before the tour", id=site.site_id, precision=site.precision, where=where))
            if st.leg_in is not None and st.leg_in.off_network:
                straight.append(st.name)
        if straight:
            out.append(_("day {day}: {n} leg(s) drawn as straight lines with estimated times (no road path): to "
                         "{names}", day=day.day, n=len(straight), names=", ".join(straight)))
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
    cands.lunch_places = _lunch_places(spec, cands.sites, sites, venues)
    cands.not_chosen.extend(venue_out)
    cands.warnings[:0] = [*site_warnings, *venue_warnings, *_venue_place_warnings(spec, venues)]
    rejected = getattr(registry, "rejected", None)
    if rejected is not None and len(rejected):
        cands.warnings.insert(0, _("{n} registry row(s) were rejected and are not planned; see 'ocop-geo validate'",
                                   n=len(rejected)))
    G = graph if graph is not None else load_network(mode=spec.mode)
    graph_mode = G.graph.get("mode")
    if graph_mode is not None and graph_mode != spec.mode:
        raise PlanningError(_(
            "{source}: the spec travels by {mode} but the graph given is a {graph_mode} network; pass "
            "load_network(mode={mode!r}) or leave graph=None", source=spec.source, mode=spec.mode,
            graph_mode=graph_mode))
    cands, snap = _snap_candidates(spec, cands, G)
    search = matrix.road_search(G, snap, keep_paths=True)
    travel, distance = search.seconds, search.metres
    places = matrix_places(spec, cands.sites, cands.lunch_places)
    n0 = len(places) - len(cands.sites)
    lay = _layout(spec, [], cands.lunch_places)
    pairs = set(zip(lay.starts, lay.ends, strict=True))
    unreachable = {
        s.site_id: f"no {spec.mode} road path between it and the start or end"
        for i, s in enumerate(cands.sites)
        if not any(np.isfinite(travel[a, n0 + i]) and np.isfinite(travel[n0 + i, b]) for a, b in pairs)
    }

    def leg_fn(i: int, j: int) -> Leg:
        try:
            return search.leg(i, j)
        except NetworkError as exc:
            a, b = places[i], places[j]
            log.warning("no road leg from %s to %s (%s): straight line drawn", a.name, b.name, exc)
            return _straight(a, b, spec.mode)

    it = plan_on_matrices(
        spec, cands, travel, distance, leg_fn=leg_fn, time_limit=time_limit, seed=seed,
        unreachable=unreachable, max_iterations=max_iterations,
    )  # fmt: skip
    contacts = registry.contacts() if isinstance(registry, Registry) else {}
    return with_contacts(it, contacts)  # address, phone, Zalo, website of each registry place


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

    def in_language(why: str) -> str:
        """An :func:`outside` reason in the language of this run's messages (its Vietnamese twin for ``vi``)."""
        if language() != "vi":
            return why
        if why == BUNDLED_COVERAGE:
            return _BUNDLED_COVERAGE_VI
        return (f"ngoài dữ liệu đường: mạng đường {spec.mode} chỉ phủ kinh độ {x0:.3f}–{x1:.3f}, "
                f"vĩ độ {y0:.3f}–{y1:.3f}")  # fmt: skip

    lunch_place = spec.lunch.place if spec.lunch else None
    day_places = [(f"days[{r}].{k}", p) for r, d in enumerate(spec.days) for k, p in (("start", d.start), ("end", d.end))]
    for fieldname, p in (("start", spec.start), ("end", spec.end), ("lunch", lunch_place), *day_places):
        if p is not None and area is not None and (why := outside(p.lon, p.lat)) == BUNDLED_COVERAGE:
            raise PlanningError(_(
                "{source}: {field} {name!r} at ({lat:.5f}, {lon:.5f}) lies {reason}. Choose a {field} inside it, or "
                "plan on a road network built from an OSM extract that covers it (load_network(source=...))",
                source=spec.source, field=fieldname, name=p.name, lat=p.lat, lon=p.lon, reason=in_language(why)))
    inside, out = [], Candidates([], list(cands.not_chosen), list(cands.warnings))
    for s in cands.sites:
        why = outside(s.lon, s.lat)
        if why is None:
            inside.append(s)
            continue
        where = f" ({s.unit_2025})" if s.unit_2025 else ""
        if s.site_id in spec.must_visit_ids:
            raise PlanningError(_(
                "must-visit {id} ({name}){where} at ({lat:.5f}, {lon:.5f}) lies {reason}. Remove it from must_visit, "
                "or plan on a road network built from an OSM extract that covers it (load_network(source=...))",
                id=s.site_id, name=s.name, where=where, lat=s.lat, lon=s.lon, reason=in_language(why)))
        vi = _BUNDLED_COVERAGE_VI if why == BUNDLED_COVERAGE else "ngoài vùng dữ liệu đường của phương tiện này"
        out.not_chosen.append(NotChosen(s.site_id, s.name, "outside_coverage", why + where, vi + where))
    food = [p for p in cands.lunch_places if outside(p.lon, p.lat) is None]
    places = matrix_places(spec, inside, food)
    n_fixed = len(places) - len(inside)
    n_base = n_fixed - len(food)
    points = gpd.GeoSeries([Point(p.lon, p.lat) for p in places], crs="EPSG:4326")
    snap = snapping.snap_points(G, points)
    keep = list(range(n_base))
    for j, p in enumerate(food):  # a food place far from the roads is no lunch place
        if bool(snap["on_network"].iloc[n_base + j]):
            keep.append(n_base + j)
            out.lunch_places.append(p)
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
            out.warnings.append(_("{id} is far from any {mode} road: straight-line access", id=s.site_id,
                                  mode=mode_name(spec.mode)))
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
            raise PlanningError(
                _("{source}: {field}.producer {ref!r} is not in the registry", source=spec.source, field=fieldname,
                  ref=p.ref) if s is None
                else _("{source}: {field}.producer {ref!r} has no location in the registry", source=spec.source,
                       field=fieldname, ref=p.ref))
        return Place("producer", s.name, s.lat, s.lon, s.site_id)

    lunch = spec.lunch
    if lunch is not None and lunch.place is not None:
        lunch = replace(lunch, place=fix(lunch.place, "lunch"))
    days = tuple(replace(d, start=fix(d.start, f"days[{r}].start"), end=fix(d.end, f"days[{r}].end"))
                 for r, d in enumerate(spec.days))  # fmt: skip
    return replace(spec, start=fix(spec.start, "start"), end=fix(spec.end, "end"), lunch=lunch, days=days)


def _lunch_places(spec: RouteSpec, cands: Sequence[Site], sites: Sequence[Site],
                  venues: gpd.GeoDataFrame) -> list[Place]:  # fmt: skip
    """Food places the planner may choose for lunch (none when the spec pins the place or has no lunch).

    The pool: the bundled POI layer's :data:`FOOD_CATEGORIES` (restaurants, markets, food courts,
    cafés, fast food; OSM rarely gives their hours: assumed open at lunch), the registry's venues of
    :data:`FOOD_VENUE_KINDS` held on every planned day, and the producers ``[lunch] producers`` lists as
    serving food. Kept: the :data:`_FOOD_PER_ANCHOR` nearest to each anchor (every start / end place and
    every candidate) within the straight-line reach of the detour budget, and every listed producer.
    """
    lunch = spec.lunch
    if lunch is None or lunch.place is not None:
        return []
    by_id = {s.site_id: s for s in sites}
    pool: list[Place] = []
    for pid in lunch.producers:
        s = by_id.get(pid)
        if s is None or not s.placed:
            raise PlanningError(
                _("{source}: lunch.producers lists {id!r}, which is not in the registry", source=spec.source, id=pid)
                if s is None else
                _("{source}: lunch.producers lists {id!r}, which has no location in the registry",
                  source=spec.source, id=pid))
        pool.append(Place("producer", s.name, s.lat, s.lon, s.site_id, "serves food"))
    listed = len(pool)
    pois = _food_pois(str(settings.pois_file))
    pool.extend(pois)
    for row in venues.drop(columns="geometry", errors="ignore").to_dict("records"):
        lat, lon, kind = row.get("lat"), row.get("lon"), _text(row.get("kind"))
        if kind not in FOOD_VENUE_KINDS or not all(isinstance(x, float | int) and math.isfinite(x) for x in (lat, lon)):
            continue
        first, last = row.get("start_date"), row.get("end_date")
        if isinstance(first, dt.date):
            held = HeldDates(first, last if isinstance(last, dt.date) else None, kind)
            if not all(held.covers(d.date) for d in spec.days):
                continue
        pool.append(Place("venue", _text(row.get("name")), float(lat), float(lon), _text(row.get("venue_id")), kind))
    if len(pool) == listed:
        return pool
    anchors = [spec.start, spec.end, *(p for d in spec.days for p in (d.start, d.end) if p is not None)]
    xy_a = np.array([(p.lat, p.lon) for p in anchors] + [(s.lat, s.lon) for s in cands if s.placed])
    xy_f = np.array([(p.lat, p.lon) for p in pool[listed:]])
    a_f = _km(xy_a, xy_f)  # (anchors, food)
    a_a = _km(xy_a, xy_a)
    reach = lunch.detour_minutes * _FOOD_KM_PER_MIN.get(spec.mode, 0.3) / DETOUR_FACTOR
    keep: set[int] = set()
    for i in range(len(xy_a)):  # per pair of anchors, the food places of least straight-line detour
        extra = a_f[i][None, :] + a_f - a_a[i][:, None]  # (anchors j, food): i -> f -> j minus i -> j
        best = np.argsort(extra, axis=1)[:, :_FOOD_PER_ANCHOR]
        ok = np.take_along_axis(extra, best, axis=1) <= reach
        keep.update(int(f) for f in best[ok])
    return pool[:listed] + [pool[listed + j] for j in sorted(keep)]


def _km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle-like (equirectangular) km between (lat, lon) rows of ``a`` and of ``b``."""
    lat0 = np.radians(a[:, None, 0])
    dy = np.radians(b[None, :, 0]) - lat0
    dx = (np.radians(b[None, :, 1]) - np.radians(a[:, None, 1])) * np.cos(lat0)
    return 6371.0 * np.hypot(dx, dy)


@functools.lru_cache(maxsize=2)
def _food_pois(path: str) -> tuple[Place, ...]:
    """The food POIs (:data:`FOOD_CATEGORIES`) of a POI layer, as places."""
    frame = read_pois(path)
    frame = frame[frame["category"].isin(FOOD_CATEGORIES)]
    return tuple(Place("poi", row.name, float(row.geometry.y), float(row.geometry.x), row.ref, row.category)
                 for row in frame.itertuples(index=False))  # fmt: skip


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
        raise InputFileError(_("{path}: cannot be read ({error}); restore it from the repository", path=path,
                               error=exc)) from None
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
            warnings.append(_("{id} is a must-visit although {reason}", id=vid, reason=reason[1]))
            reason = None
        if reason is not None:
            out.append(NotChosen(vid, name, *reason))
        else:
            stops.append(venue_stop(row, minutes=vs.minutes, score=vs.score, must_visit=vid in spec.must_visit))
    assumed = [p.stop_id for p in (*spec.poi_stops, *stops) if p.hours_assumed]
    if assumed:
        warnings.append(_("the registry gives no opening hours for venue(s) {ids}: planned as open all day; confirm "
                          "before the tour", ids=", ".join(assumed)))
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
