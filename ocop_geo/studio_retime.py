"""Re-timing a hand-edited itinerary: the stops in the order the officer chose, timed on a travel-time matrix.

When the route studio's user drags a stop, moves it to another day, adds or removes one, the itinerary is not
planned again: the same stops are timed in the new order, from the day's start through each visit to its end,
with the travel times of the road search the plan used (:class:`TravelMatrix`). No solver runs, so it takes
milliseconds, and the officer sees at once what the order costs, as warnings in both languages
(:class:`RetimeWarning`):

* ``closed`` the stop is reached after it closes (or is closed that day), ``short`` it is open, but not long
  enough for the visit after the arrival;
* ``long_wait`` a wait over :data:`ocop_geo.planner.LONG_WAIT_MIN` (20) minutes before a visit or lunch;
* ``lunch_late`` lunch starts after the spec's lunch window;
* ``window`` the day ends after its window; ``km`` / ``travel`` the day exceeds a day cap
  (:attr:`ocop_geo.spec.RouteSpec.day_caps`); ``stops`` more visits than ``max_stops_per_day``;
* ``no_road`` no road path between two stops (the leg is a straight line, timed as one).

Times follow the planner's rules: a visit starts as soon as the place is open and the traveller is there, the
day leaves its start as late as the first visit allows, lunch starts no earlier than the lunch window.
:func:`retime` is a pure function of the itinerary, the new orders, the spec and the matrix.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from ._errors import ValidationError
from .i18n import N_, both
from .itinerary import Day, Itinerary, Stop, Totals
from .matrix import Leg
from .opening_hours import OpeningHours, format_hhmm, parse_hhmm, parse_opening_hours
from .planner import LONG_WAIT_MIN
from .spec import RouteSpec
from .verdict import DayPool, judge_day

__all__ = ["RetimeWarning", "TravelMatrix", "place_key", "retime", "retime_day"]

#: The kinds of stop a day visits between its start and end (what the studio lets the officer move).
VISIT_KINDS: frozenset[str] = frozenset({"producer", "poi", "lunch"})


def place_key(lon: float, lat: float) -> tuple[float, float]:
    """The key of a place in a :class:`TravelMatrix`: its coordinates to 6 decimals (~0.1 m)."""
    return round(float(lon), 6), round(float(lat), 6)


@dataclass
class TravelMatrix:
    """Travel seconds and metres between places, with an optional road geometry for each leg.

    ``places`` are ``(lon, lat)`` pairs; ``travel_s[i, j]`` / ``distance_m[i, j]`` the road leg from ``i`` to ``j``
    (inf: no road path). ``leg(i, j)`` draws it (default: a straight line, marked off-network when it has no road
    time).
    """

    places: Sequence[tuple[float, float]]
    travel_s: np.ndarray
    distance_m: np.ndarray
    mode: str = "motorbike"
    leg_fn: Callable[[int, int], Leg] | None = None
    _index: dict[tuple[float, float], int] = field(default_factory=dict, repr=False)
    _legs: dict[tuple[int, int], Leg] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index, self._legs = {}, {}
        for i, (lon, lat) in enumerate(self.places):
            self._index.setdefault(place_key(lon, lat), i)

    def index(self, lon: float, lat: float) -> int | None:
        """The row of the place at ``(lon, lat)``, or None when the matrix does not hold it."""
        return self._index.get(place_key(lon, lat))

    def leg(self, a: tuple[float, float], b: tuple[float, float]) -> Leg:
        """The leg from ``a`` to ``b`` (lon, lat): the road's time, distance and line when the matrix has them,
        else a straight line timed for the mode (off-network)."""
        i, j = self.index(*a), self.index(*b)
        if a == b or (i is not None and i == j):
            return Leg(0.0, 0.0, (a, b))
        if i is None or j is None or not math.isfinite(float(self.travel_s[i, j])):
            return Leg.straight_line(a, b, mode=self.mode, note="straight line: no road path in the network")
        if self.leg_fn is not None:
            if (i, j) not in self._legs:  # drawing a road path takes a few ms: once per pair
                road = self.leg_fn(i, j)
                self._legs[i, j] = replace(road, travel_s=float(self.travel_s[i, j]),
                                           distance_m=float(self.distance_m[i, j]))  # fmt: skip
            return self._legs[i, j]
        return Leg(float(self.travel_s[i, j]), float(self.distance_m[i, j]), (a, b))


@dataclass(frozen=True)
class RetimeWarning:
    """What a hand-made order costs: ``code`` (see the module docstring), the day, the stop's ``seq`` (None: the
    whole day) and the text in both languages."""

    code: str
    day: int
    seq: int | None
    text: dict[str, str]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {"code": self.code, "day": self.day, "seq": self.seq, "text": dict(self.text)}


@lru_cache(maxsize=512)
def _hours(text: str) -> OpeningHours | None:
    try:
        return parse_opening_hours(text) if text.strip() else None
    except ValidationError:
        return None


def _visit_start(arrive: float, visit: float, hours: OpeningHours | None, day: dt.date | str,
                 holidays: frozenset[dt.date]) -> tuple[float, str | None, str]:  # fmt: skip
    """(start minute, problem code or None, the hours of the day as text) of a visit reached at ``arrive``."""
    if hours is None:
        return arrive, None, ""
    wins = hours.windows(day, holidays=holidays)
    text = ", ".join(f"{format_hhmm(o)}–{format_hhmm(c)}" for o, c in wins)
    for o, c in wins:
        start = max(arrive, o)
        if start + visit <= c + 1e-6:
            return start, None, text
    if any(arrive < c for _, c in wins):
        return max(arrive, next(o for o, c in wins if arrive < c)), "short", text
    return arrive, "closed", text


def retime_day(day: Day, visits: Sequence[Stop], matrix: TravelMatrix, spec: RouteSpec, *,
               holidays: frozenset[dt.date] = frozenset()) -> tuple[Day, list[RetimeWarning]]:  # fmt: skip
    """Time ``visits`` (producer, POI and lunch stops, in the order to visit them) between ``day``'s start and end.

    Parameters
    ----------
    day
        The day as planned (its first stop is the start, its last the end; its window and date are kept).
    visits
        The stops to make, in order (taken from any day of the itinerary: their names, products and hours come
        along; their times are recomputed).
    matrix
        Travel times between the places.
    spec
        The route's spec: lunch window, day caps, stop cap.
    holidays
        Dates that use the opening hours' ``PH`` rule.

    Returns
    -------
    Day, list of RetimeWarning
        The day with new times, legs and totals (and its verdict judged again), and every warning.
    """
    start_stop, end_stop = day.stops[0], day.stops[-1]
    when: dt.date | str = dt.date.fromisoformat(day.date) if day.date else day.weekday
    w0, w1 = parse_hhmm(day.window[0]), parse_hhmm(day.window[1])
    warnings: list[RetimeWarning] = []
    n = day.day

    def warn(code: str, seq: int | None, message: str, **values: object) -> None:
        warnings.append(RetimeWarning(code, n, seq, both(message, **values)))

    def schedule(depart: float) -> list[tuple[Stop, Leg, float, float, float, str | None, str]]:
        rows = []
        prev, t = (start_stop.lon, start_stop.lat), depart
        for st in visits:
            here = (st.lon, st.lat)
            leg = matrix.leg(prev, here)
            arrive = t + leg.travel_s / 60.0
            if st.kind == "lunch":
                lo = spec.lunch.earliest if spec.lunch else arrive
                start, problem, text = max(arrive, lo), None, ""
                minutes = st.visit_min or (spec.lunch.minutes if spec.lunch else 60)
            else:
                minutes = st.visit_min
                start, problem, text = _visit_start(arrive, minutes, _hours(st.opening_hours), when, holidays)
            rows.append((st, leg, arrive, start, start + minutes, problem, text))
            prev, t = here, start + minutes
        return rows

    rows = schedule(float(w0))
    if rows and rows[0][5] is None and rows[0][3] > rows[0][2] + 1e-6:  # leave later instead of waiting
        rows = schedule(w0 + rows[0][3] - rows[0][2])
    depart = rows[0][2] - rows[0][1].travel_s / 60.0 if rows else float(w0)
    stops = [replace(start_stop, seq=0, arrival=None, wait_min=0.0, start=format_hhmm(depart),
                     end=format_hhmm(depart), leg_in=None)]  # fmt: skip
    for st, leg, arrive, start, end, problem, text in rows:
        seq = len(stops)
        stops.append(replace(st, seq=seq, arrival=format_hhmm(arrive), wait_min=max(0.0, start - arrive),
                             start=format_hhmm(start), end=format_hhmm(end), leg_in=leg,
                             visit_min=end - start))  # fmt: skip
        name = st.name
        if leg.off_network and leg.travel_s > 0:
            warn("no_road", seq, N_("{name}: no road path from the previous stop; the leg is a straight line, "
                 "its time estimated"), name=name)
        if problem == "closed" and text:
            warn("closed", seq, N_("{name}: arrives {arrival}, after it closes (open {hours})"), name=name,
                 arrival=format_hhmm(arrive), hours=text)
        elif problem == "closed":
            warn("closed", seq, N_("{name}: closed on this day"), name=name)
        elif problem == "short":
            warn("short", seq, N_("{name}: arrives {arrival}, too late for a {minutes:.0f}-min visit (open {hours})"),
                 name=name, arrival=format_hhmm(arrive), minutes=end - start, hours=text)
        if start - arrive > LONG_WAIT_MIN + 1e-6:
            warn("long_wait", seq, N_("{name}: {wait:.0f} min wait (arrives {arrival}, starts {start})"), name=name,
                 wait=start - arrive, arrival=format_hhmm(arrive), start=format_hhmm(start))
        if st.kind == "lunch" and spec.lunch is not None and start > spec.lunch.latest + 1e-6:
            warn("lunch_late", seq, N_("lunch starts at {start}, after the lunch window ({earliest}–{latest})"),
                 start=format_hhmm(start), earliest=format_hhmm(spec.lunch.earliest),
                 latest=format_hhmm(spec.lunch.latest))
    prev = (stops[-1].lon, stops[-1].lat)
    leg = matrix.leg(prev, (end_stop.lon, end_stop.lat))
    t = (parse_hhmm(stops[-1].end) if len(stops) > 1 else depart) + leg.travel_s / 60.0
    stops.append(replace(end_stop, seq=len(stops), arrival=format_hhmm(t), wait_min=0.0, start=format_hhmm(t),
                         end=format_hhmm(t), leg_in=leg))  # fmt: skip
    if t > w1 + 1e-6:
        warn("window", None, N_("back at {back}, after the day window ends ({end})"), back=format_hhmm(t),
             end=day.window[1])
    totals = Totals.of_stops(stops)
    km, minutes = spec.day_caps
    if totals.distance_m / 1000.0 > km + 1e-6:
        warn("km", None, N_("{km:.1f} km, over the day cap of {cap:.0f} km"), km=totals.distance_m / 1000, cap=km)
    if totals.travel_s / 60.0 > minutes + 1e-6:
        warn("travel", None, N_("{minutes:.0f} min on the road, over the day cap of {cap:.0f} min"),
             minutes=totals.travel_s / 60, cap=minutes)
    n_visits = sum(1 for s in stops if s.kind in {"producer", "poi"})
    if spec.max_stops_per_day is not None and n_visits > spec.max_stops_per_day:
        warn("stops", None, N_("{n} visits, more than the {cap} stops a day the route allows"), n=n_visits,
             cap=spec.max_stops_per_day)
    new = replace(day, stops=tuple(stops), totals=totals)
    available = day.verdict.available if day.verdict is not None and day.verdict.available is not None else 0
    available = max(available, new.n_producers)
    pool = DayPool(available, available, available)
    products = sum(max(1, len(s.products)) for s in stops if s.kind == "producer")
    return replace(new, verdict=judge_day(new, spec, pool, products=products)), warnings


def retime(itinerary: Itinerary, orders: Sequence[Sequence[Stop]], matrix: TravelMatrix, spec: RouteSpec
           ) -> tuple[Itinerary, list[RetimeWarning]]:  # fmt: skip
    """The itinerary with each day's visits in the given order, timed again (:func:`retime_day`).

    Parameters
    ----------
    itinerary
        The itinerary as planned (or as last edited).
    orders
        For each day, its visits in order (stops may come from another day: moved).
    matrix, spec
        As in :func:`retime_day`.

    Returns
    -------
    Itinerary, list of RetimeWarning
        Totals summed again; ``warnings`` of the itinerary keep the planner's that still apply.

    Raises
    ------
    ValueError
        ``orders`` does not give one list per day.
    """
    if len(orders) != len(itinerary.days):
        raise ValueError(f"{len(orders)} day orders for an itinerary of {len(itinerary.days)} days")
    days, warnings = [], []
    for day, visits in zip(itinerary.days, orders, strict=True):
        new, found = retime_day(day, visits, matrix, spec, holidays=spec.holidays)
        days.append(new)
        warnings.extend(found)
    totals = replace(itinerary.totals, travel_s=sum(d.totals.travel_s for d in days),
                     distance_m=sum(d.totals.distance_m for d in days),
                     visit_min=sum(d.totals.visit_min for d in days), score=sum(d.totals.score for d in days),
                     n_stops=sum(d.totals.n_stops for d in days))  # fmt: skip
    return replace(itinerary, days=tuple(days), totals=totals), warnings
