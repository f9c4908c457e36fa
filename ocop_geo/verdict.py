"""The officer's verdict on a planned day: ``good``, ``thin`` or ``empty``, with the reason in plain words.

A day is judged from its stops and from what the registry offers that day (a :class:`DayPool`, counted by
the planner over the route's candidates). The rules, with their thresholds as module constants:

``empty``
    No OCOP producer is visited (a POI or lunch alone does not make a day).
``thin``
    Any of: fewer than :data:`GOOD_PRODUCERS` producers (the reason says whether the registry offers no
    more that day — "only 1 producer in Củ Chi / Hóc Môn matches Thực phẩm, Đồ uống and opens on
    Saturday" — or whether more are open but do not fit); a wait over :data:`MAX_WAIT_MIN` minutes at a
    stop; a lunch stop that adds more than :data:`MAX_LUNCH_DETOUR_MIN` minutes of travel to the route,
    or a packed lunch because no food place lies near the route at lunch time; more than
    :data:`MAX_UNUSED_SHARE` of the day window left after the return.
``good``
    None of the above: at least 3 producers, no wait over 30 minutes, lunch within 15 minutes' detour
    of the route, most of the day used.

Each reason carries a code (``no_producer``, ``few_producers``, ``few_fit``, ``max_stops``,
``long_wait``, ``lunch_detour``, ``no_lunch_place``, ``day_unused``), a Vietnamese and an English text, and
what to change.
The verdict is for the officer (CLI reports, the itinerary JSON), not for the visitor's page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .i18n import LANGUAGES, N_, both, gettext, ngettext
from .itinerary import Day, Itinerary, Verdict, VerdictReason
from .opening_hours import parse_hhmm
from .spec import RouteSpec

__all__ = [
    "GOOD_PRODUCERS",
    "MAX_LUNCH_DETOUR_MIN",
    "MAX_UNUSED_SHARE",
    "MAX_WAIT_MIN",
    "DayPool",
    "day_names",
    "empty_reason",
    "judge_day",
    "report_lines",
]

#: A good day visits at least this many OCOP producers.
GOOD_PRODUCERS: int = 3
#: A wait longer than this (minutes) at any stop makes the day thin.
MAX_WAIT_MIN: float = 30.0
#: A lunch stop adding more travel than this (minutes) to the route makes the day thin.
MAX_LUNCH_DETOUR_MIN: float = 15.0
#: More than this share of the day window left after the return makes the day thin.
MAX_UNUSED_SHARE: float = 0.4  # back before ~13:00 of a 07:00–18:00 day: a half day, not a day out

_WEEKDAY = {"Mo": "Monday", "Tu": "Tuesday", "We": "Wednesday", "Th": "Thursday", "Fr": "Friday", "Sa": "Saturday",
            "Su": "Sunday"}
# The weekday names as the extractor sees them (the catalogue translates them).
_WEEKDAY_MESSAGES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
                     N_("Sunday"))

Text = dict[str, str]  # one text per language: {"vi": ..., "en": ...}


@dataclass(frozen=True)
class DayPool:
    """What the registry offers one day of a route, counted over the route's candidates.

    Attributes
    ----------
    matching
        Producers that match the route (themes, districts, minimum stars, not excluded), are placed
        and reachable on the road data.
    open
        Of those, open long enough for a visit that day.
    fit
        Of those open, the ones that can be reached from the start, visited and left for the end
        within the day window (each alone).
    elsewhere
        Of those that fit, the ones visited on another day of the route.
    unreachable
        Producers that match the route but are outside the road data or placed only at a centre.
    """

    matching: int
    open: int
    fit: int
    elsewhere: int = 0
    unreachable: int = 0

    @property
    def available(self) -> int:
        """Producers this day could visit: matching, reachable, open, fitting, not taken by another day."""
        return self.fit - self.elsewhere



def _reason(code: str, message: str, **values: object) -> VerdictReason:
    """A reason in every language from one catalogue message (values may be per-language texts)."""
    text = both(message, **values)
    return VerdictReason(code, text["vi"], text["en"])


def day_names(weekday: str, date: str | None) -> tuple[str, str]:
    """``("Thứ Bảy 05/12/2026", "Saturday 2026-12-05")``; the weekday alone when there is no date."""
    name = _WEEKDAY.get(weekday)
    vi, en = (gettext(name, "vi"), name) if name else (weekday, weekday)
    if not date:
        return vi, en
    y, m, d = date.split("-")
    return f"{vi} {d}/{m}/{y}", f"{en} {date}"


def _what(spec: RouteSpec, n: int) -> Text:
    """``"producers in Củ Chi / Hóc Môn matching Thực phẩm"`` in every language."""
    parts = [{lang: ngettext("producer", "producers", n, lang) for lang in LANGUAGES}]
    if spec.districts:
        parts.append(both("in {where}", where=" / ".join(spec.districts)))
    if spec.themes:
        parts.append(both("matching {themes}", themes=", ".join(spec.themes)))
    if spec.min_stars:
        parts.append(both("with {n}+ stars", n=spec.min_stars))
    return {lang: " ".join(p[lang] for p in parts) for lang in LANGUAGES}


def _hm(minutes: float) -> Text:
    """``{"vi": "1 giờ 05 phút", "en": "1 h 05 min"}``."""
    h, m = divmod(int(round(minutes)), 60)
    return both("{h} h {m:02d} min", h=h, m=m) if h else both("{m} min", m=m)


def _joined(parts: Sequence[Text]) -> Text:
    """`` (a; b)`` of per-language parts, or empty texts when there are none."""
    return {lang: f" ({'; '.join(p[lang] for p in parts)})" if parts else "" for lang in LANGUAGES}


def _few(spec: RouteSpec, day: Day, pool: DayPool, visited: int) -> VerdictReason:
    """Why fewer than :data:`GOOD_PRODUCERS` producers (or none): the registry, the window, the stop cap."""
    vi, en = day_names(day.weekday, day.date)
    on = {"vi": vi, "en": en}
    win = f"{day.window[0]}–{day.window[1]}"
    code = "no_producer" if visited == 0 else "few_producers"
    more: list[Text] = []
    if pool.matching > pool.open:
        closed = pool.matching - pool.open
        more.append({lang: ngettext("{n} more match but is closed or open too briefly on {on}",
                                    "{n} more match but are closed or open too briefly on {on}", closed, lang,
                                    on=on[lang]) for lang in LANGUAGES})  # fmt: skip
    if pool.unreachable:
        more.append(both("{n} more match but are outside the road data or placed only at a centre",
                         n=pool.unreachable))
    if pool.elsewhere:
        more.append(both("{n} are visited on another day of the route", n=pool.elsewhere))
    if pool.open > pool.fit:
        more.append(both("{n} open but too far to go and come back within the day window {win}",
                         n=pool.open - pool.fit, win=win))
    tail = _joined(more)
    if pool.matching == 0:
        return _reason(code, "no {what} in the registry can be reached by road{tail} — add districts or themes, or "
                       "lower min_stars", what=_what(spec, 0), tail=tail)  # fmt: skip
    if pool.available < GOOD_PRODUCERS:
        n = pool.available
        what = _what(spec, n)
        if n == 0:
            return _reason(code, "no {what} open on {on} and fit the day window {win}{tail} — add districts or "
                           "themes, or choose another day", what=what, on=on, win=win, tail=tail)  # fmt: skip
        if n == 1:
            return _reason(code, "only {n} {what} opens on {on} and fits the day window {win}{tail} — add districts "
                           "or themes, or choose another day", n=n, what=what, on=on, win=win, tail=tail)  # fmt: skip
        return _reason(code, "only {n} {what} open on {on} and fit the day window {win}{tail} — add districts or "
                       "themes, or choose another day", n=n, what=what, on=on, win=win, tail=tail)  # fmt: skip
    what = _what(spec, pool.available)
    cap = spec.max_stops_per_day
    if cap is not None and cap < GOOD_PRODUCERS and visited >= cap:
        return _reason("max_stops", "{n} {what} open on {on}, but the route allows only {cap} stop(s) a day — raise "
                       "max_stops_per_day", n=pool.available, what=what, on=on, cap=cap)  # fmt: skip
    return _reason("few_fit", "{n} {what} open on {on}, but only {visited} fit in the day window {win} with the "
                   "travel and the fixed stops (must-visits, lunch) — widen day_window, narrow the districts or drop "
                   "another stop", n=pool.available, what=what, on=on, visited=visited, win=win)  # fmt: skip


def judge_day(
    day: Day,
    spec: RouteSpec,
    pool: DayPool,
    *,
    products: int,
    lunch_detour_min: float | None = None,
    producers: int | None = None,
) -> Verdict:
    """Judge one planned day by the rules of this module.

    Parameters
    ----------
    day
        The planned day (its stops, window and totals).
    spec
        The route spec (themes, districts, minimum stars and the stop cap name the reasons).
    pool
        What the registry offers that day (see :class:`DayPool`).
    products
        Certified OCOP products of the producers visited that day.
    lunch_detour_min
        Travel minutes the lunch stop adds to the route (None: no lunch stop, or not known).
    producers
        OCOP producers visited, when a stop may visit several producers at one place; default: the
        producer stops.

    Returns
    -------
    Verdict
        Status, the day's figures, the reasons (vi / en, with what to change) and a one-line summary.
    """
    stops = [s for s in day.stops if s.kind == "producer"]
    visited = len(stops) if producers is None else producers
    window = parse_hhmm(day.window[0]), parse_hhmm(day.window[1])
    back = day.stops[-1].arrival or day.stops[-1].end if day.stops else day.window[1]
    unused = max(0.0, window[1] - parse_hhmm(back))
    waits = [(s.wait_min, s) for s in day.stops if s.wait_min > 0]
    longest = max((w for w, _ in waits), default=0.0)
    reasons: list[VerdictReason] = []
    if visited < GOOD_PRODUCERS:
        reasons.append(_few(spec, day, pool, visited))
    for wait, s in waits:
        if wait > MAX_WAIT_MIN:
            if s.kind == "lunch":
                reasons.append(_reason("long_wait", "{wait:.0f}-min wait for lunch (arrives {arrival}, starts {start}) "
                                       "— move the lunch window", wait=wait, arrival=s.arrival, start=s.start))
            else:
                reasons.append(_reason("long_wait", "{wait:.0f}-min wait at {name} (arrives {arrival}, starts {start}) "
                                       "— start later or choose another day", wait=wait, name=s.name,
                                       arrival=s.arrival, start=s.start))  # fmt: skip
    if lunch_detour_min is not None and lunch_detour_min > MAX_LUNCH_DETOUR_MIN:
        lunch = next((s.name for s in day.stops if s.kind == "lunch"), "")
        reasons.append(_reason("lunch_detour", "lunch ({name}) adds {min:.0f} min of travel to the route — choose a "
                               "lunch place on the way", name=lunch, min=lunch_detour_min))  # fmt: skip
    if visited and _packed_lunch(day, spec):
        reasons.append(_reason("no_lunch_place", "no restaurant, market or food place near the route at lunch time — "
                               "bring a packed lunch, pin a lunch place ([lunch] poi / venue) or list a producer that "
                               "serves food ([lunch] producers)"))  # fmt: skip
    span = window[1] - window[0]
    if visited and span > 0 and unused > MAX_UNUSED_SHARE * span:
        reasons.append(_reason("day_unused", "back at {back}, {unused} of the {start}–{end} day left unused — add "
                               "districts or themes, or shorten day_window", back=back, unused=_hm(unused),
                               start=day.window[0], end=day.window[1]))  # fmt: skip
    status = "empty" if visited == 0 else ("thin" if reasons else "good")
    stars = tuple(s.stars for s in stops)
    travel = day.totals.travel_s / 60.0
    total_wait = sum(w for w, _ in waits)
    summary = _summary(status, visited, products, stars, day.totals.distance_m / 1000.0, travel, total_wait,
                       unused, reasons)  # fmt: skip
    detour = None if lunch_detour_min is None else round(lunch_detour_min, 1)
    return Verdict(  # rounded as the JSON writes them, so a verdict read back equals the one planned
        status=status, producers=visited, products=products, stars=stars,
        distance_km=round(day.totals.distance_m / 1000.0, 2), travel_min=round(travel, 1),
        wait_min=round(total_wait, 1), longest_wait_min=round(longest, 1), unused_min=round(unused, 1),
        lunch_detour_min=detour,
        available=pool.available, reasons=tuple(reasons), summary=summary,
    )  # fmt: skip


def _packed_lunch(day: Day, spec: RouteSpec) -> bool:
    """Whether the day's lunch is a packed lunch: the planner found no food place near the route (a chosen or
    pinned lunch place has its POI / venue id; a packed lunch has none and the spec pins no place)."""
    pinned = spec.lunch is not None and spec.lunch.place is not None
    return not pinned and any(s.kind == "lunch" and not s.site_id for s in day.stops)


_STATUS = {"good": N_("good"), "thin": N_("thin"), "empty": N_("empty")}


def _summary(status: str, producers: int, products: int, stars: Sequence[int | None], km: float,
             travel: float, wait: float, unused: float, reasons: Sequence[VerdictReason]) -> dict[str, str]:  # fmt: skip
    known = sorted((s for s in stars if s), reverse=True)
    stars_txt = f" ({', '.join(f'{s}★' for s in known)})" if known else ""
    t, u = _hm(travel), _hm(unused)
    out = {}
    for lang in LANGUAGES:
        text = gettext("{status}: {producers}, {products}{stars}, {km:.0f} km, {travel} on the road, {wait:.0f} min "
                       "waiting, {unused} unused", lang, status=gettext(_STATUS[status], lang),
                       producers=ngettext("{n} OCOP producer", "{n} OCOP producers", producers, lang),
                       products=ngettext("{n} product", "{n} products", products, lang), stars=stars_txt, km=km,
                       travel=t[lang], wait=wait, unused=u[lang])  # fmt: skip
        if reasons:
            text += " — " + (reasons[0].vi if lang == "vi" else reasons[0].en)
        out[lang] = text
    return out


def empty_reason(it: Itinerary, lang: str = "en") -> str:
    """Why a route is not published: its empty days and their reason (``""`` when no day is empty)."""
    parts = []
    for day in it.days:
        if day.status != "empty":
            continue
        when = day_names(day.weekday, day.date)[0 if lang == "vi" else 1]
        reason = day.verdict.reasons[0] if day.verdict is not None and day.verdict.reasons else None
        text = gettext("day {day} ({when}) visits no OCOP producer", lang, day=day.day, when=when)
        parts.append(text + (f": {reason.vi if lang == 'vi' else reason.en}" if reason else ""))
    return "; ".join(parts)


def report_lines(it: Itinerary, lang: str = "en") -> list[tuple[str, str]]:
    """``(status, text)`` for every day that is not good, empty days first: what the CLI reports list at
    their top. A day without a verdict (an older file) is listed only when it visits no producer."""
    out = []
    for day in it.days:
        status = day.status
        if status not in ("thin", "empty"):
            continue
        names = day_names(day.weekday, day.date)
        if day.verdict is not None and day.verdict.summary:
            text = day.verdict.summary.get(lang) or day.verdict.summary.get("en", "")
        else:
            text = gettext("empty: no OCOP producer is visited", lang)
        when = gettext("day {day} ({when})", lang, day=day.day, when=names[0 if lang == "vi" else 1])
        out.append((status, f"{it.route_id} {when}: {text}"))
    return sorted(out, key=lambda x: x[0] != "empty")
