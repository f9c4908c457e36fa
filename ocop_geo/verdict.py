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

_WEEKDAY = {
    "Mo": ("Thứ Hai", "Monday"), "Tu": ("Thứ Ba", "Tuesday"), "We": ("Thứ Tư", "Wednesday"),
    "Th": ("Thứ Năm", "Thursday"), "Fr": ("Thứ Sáu", "Friday"), "Sa": ("Thứ Bảy", "Saturday"),
    "Su": ("Chủ nhật", "Sunday"),
}  # fmt: skip


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


def day_names(weekday: str, date: str | None) -> tuple[str, str]:
    """``("Thứ Bảy 05/12/2026", "Saturday 2026-12-05")``; the weekday alone when there is no date."""
    vi, en = _WEEKDAY.get(weekday, (weekday, weekday))
    if not date:
        return vi, en
    y, m, d = date.split("-")
    return f"{vi} {d}/{m}/{y}", f"{en} {date}"


def _what(spec: RouteSpec, n: int) -> tuple[str, str]:
    """``("cơ sở ở Củ Chi / Hóc Môn thuộc nhóm Thực phẩm", "producers in Củ Chi / Hóc Môn matching Thực phẩm")``."""
    vi, en = ["cơ sở"], ["producer" if n == 1 else "producers"]
    if spec.districts:
        where = " / ".join(spec.districts)
        vi.append(f"ở {where}")
        en.append(f"in {where}")
    if spec.themes:
        themes = ", ".join(spec.themes)
        vi.append(f"thuộc nhóm {themes}")
        en.append(f"matching {themes}")
    if spec.min_stars:
        vi.append(f"đạt từ {spec.min_stars} sao")
        en.append(f"with {spec.min_stars}+ stars")
    return " ".join(vi), " ".join(en)


def _hm(minutes: float) -> tuple[str, str]:
    m = int(round(minutes))
    h, m = divmod(m, 60)
    return (f"{h} giờ {m:02d} phút", f"{h} h {m:02d} min") if h else (f"{m} phút", f"{m} min")


def _few(spec: RouteSpec, day: Day, pool: DayPool, visited: int) -> VerdictReason:
    """Why fewer than :data:`GOOD_PRODUCERS` producers (or none): the registry, the window, the stop cap."""
    on_vi, on_en = day_names(day.weekday, day.date)
    what_vi, what_en = _what(spec, pool.matching)
    win = f"{day.window[0]}–{day.window[1]}"
    code = "no_producer" if visited == 0 else "few_producers"
    more_vi, more_en = [], []
    if pool.matching > pool.open:
        closed = pool.matching - pool.open
        more_vi.append(f"{closed} cơ sở phù hợp đóng cửa hoặc mở quá ngắn {on_vi}")
        more_en.append(f"{closed} more match but {'is' if closed == 1 else 'are'} closed or open too briefly on {on_en}")
    if pool.unreachable:
        more_vi.append(f"{pool.unreachable} cơ sở phù hợp khác nằm ngoài dữ liệu đường hoặc chỉ có vị trí tâm xã/huyện")
        more_en.append(f"{pool.unreachable} more match but are outside the road data or placed only at a centre")
    if pool.elsewhere:
        more_vi.append(f"{pool.elsewhere} cơ sở đã được thăm vào ngày khác của tuyến")
        more_en.append(f"{pool.elsewhere} are visited on another day of the route")
    if pool.open > pool.fit:
        more_vi.append(f"{pool.open - pool.fit} cơ sở mở cửa nhưng quá xa để đi và về trong khung giờ {win}")
        more_en.append(f"{pool.open - pool.fit} open but too far to go and come back within the day window {win}")
    tail_vi = f" ({'; '.join(more_vi)})" if more_vi else ""
    tail_en = f" ({'; '.join(more_en)})" if more_en else ""
    if pool.matching == 0:
        return VerdictReason(code, f"không có {what_vi} nào trong danh sách đến được bằng đường bộ{tail_vi} — "
                                   "thêm quận/huyện hoặc nhóm sản phẩm, hoặc giảm số sao tối thiểu",
                             f"no {_what(spec, 0)[1]} in the registry can be reached by road{tail_en} — add "
                             "districts or themes, or lower min_stars")  # fmt: skip
    if pool.available < GOOD_PRODUCERS:
        n = pool.available
        lead_en = "no" if n == 0 else f"only {n}"
        verb_en = "opens" if n == 1 else "open"
        lead_vi = "không có" if n == 0 else f"chỉ có {n}"
        return VerdictReason(
            code,
            f"{lead_vi} {what_vi} mở cửa {on_vi} và vừa khung giờ {win}{tail_vi} — thêm quận/huyện, nhóm sản "
            "phẩm hoặc chọn ngày khác",
            f"{lead_en} {_what(spec, n)[1]} {verb_en} on {on_en} and fit{'s' if n == 1 else ''} the day "
            f"window {win}{tail_en} — add districts or themes, or choose another day",
        )  # fmt: skip
    cap = spec.max_stops_per_day
    if cap is not None and cap < GOOD_PRODUCERS and visited >= cap:
        return VerdictReason(
            "max_stops",
            f"{pool.available} {what_vi} mở cửa {on_vi}, nhưng tuyến chỉ cho phép {cap} điểm dừng mỗi ngày — "
            "tăng max_stops_per_day",
            f"{pool.available} {what_en} open on {on_en}, but the route allows only {cap} stop(s) a day — raise "
            "max_stops_per_day",
        )  # fmt: skip
    return VerdictReason(
        "few_fit",
        f"{pool.available} {what_vi} mở cửa {on_vi}, nhưng chỉ {visited} cơ sở vừa trong khung giờ {win} cùng "
        "thời gian di chuyển và các điểm cố định (điểm bắt buộc, ăn trưa) — mở rộng khung giờ, thu hẹp "
        "quận/huyện hoặc bớt điểm tham quan khác",
        f"{pool.available} {what_en} open on {on_en}, but only {visited} fit in the day window {win} with the "
        "travel and the fixed stops (must-visits, lunch) — widen day_window, narrow the districts or drop "
        "another stop",
    )  # fmt: skip


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
            at_vi = "chờ ăn trưa" if s.kind == "lunch" else f"chờ tại {s.name}"
            at_en = "wait for lunch" if s.kind == "lunch" else f"wait at {s.name}"
            fix_vi = "đổi khung giờ ăn trưa" if s.kind == "lunch" else "xuất phát muộn hơn hoặc đổi ngày"
            fix_en = "move the lunch window" if s.kind == "lunch" else "start later or choose another day"
            reasons.append(VerdictReason(
                "long_wait",
                f"{at_vi} {wait:.0f} phút (đến {s.arrival}, bắt đầu {s.start}) — {fix_vi}",
                f"{wait:.0f}-min {at_en} (arrives {s.arrival}, starts {s.start}) — {fix_en}",
            ))  # fmt: skip
    if lunch_detour_min is not None and lunch_detour_min > MAX_LUNCH_DETOUR_MIN:
        lunch = next((s.name for s in day.stops if s.kind == "lunch"), "")
        reasons.append(VerdictReason(
            "lunch_detour",
            f"ăn trưa ({lunch}) làm tuyến đi thêm {lunch_detour_min:.0f} phút — chọn nơi ăn trưa trên đường đi",
            f"lunch ({lunch}) adds {lunch_detour_min:.0f} min of travel to the route — choose a lunch place "
            "on the way",
        ))  # fmt: skip
    if visited and _packed_lunch(day, spec):
        reasons.append(VerdictReason(
            "no_lunch_place",
            "không có quán ăn, chợ hay điểm ăn uống nào gần tuyến vào giờ trưa — mang theo đồ ăn, chọn nơi ăn trưa "
            "([lunch] poi / venue) hoặc ghi cơ sở có phục vụ ăn ([lunch] producers)",
            "no restaurant, market or food place near the route at lunch time — bring a packed lunch, pin a lunch "
            "place ([lunch] poi / venue) or list a producer that serves food ([lunch] producers)",
        ))  # fmt: skip
    span = window[1] - window[0]
    if visited and span > 0 and unused > MAX_UNUSED_SHARE * span:
        u_vi, u_en = _hm(unused)
        reasons.append(VerdictReason(
            "day_unused",
            f"về lúc {back}, còn trống {u_vi} của khung giờ {day.window[0]}–{day.window[1]} — thêm quận/huyện "
            "hoặc nhóm sản phẩm, hoặc rút ngắn khung giờ",
            f"back at {back}, {u_en} of the {day.window[0]}–{day.window[1]} day left unused — add districts or "
            "themes, or shorten day_window",
        ))  # fmt: skip
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


_STATUS = {"good": ("tốt", "good"), "thin": ("mỏng", "thin"), "empty": ("trống", "empty")}


def _summary(status: str, producers: int, products: int, stars: Sequence[int | None], km: float,
             travel: float, wait: float, unused: float, reasons: Sequence[VerdictReason]) -> dict[str, str]:  # fmt: skip
    known = sorted((s for s in stars if s), reverse=True)
    stars_txt = f" ({', '.join(f'{s}★' for s in known)})" if known else ""
    t_vi, t_en = _hm(travel)
    u_vi, u_en = _hm(unused)
    vi = (f"{_STATUS[status][0]}: {producers} cơ sở OCOP, {products} sản phẩm{stars_txt}, {km:.0f} km, "
          f"di chuyển {t_vi}, chờ {wait:.0f} phút, còn trống {u_vi}")  # fmt: skip
    en = (f"{_STATUS[status][1]}: {producers} OCOP producer{'' if producers == 1 else 's'}, {products} "
          f"product{'' if products == 1 else 's'}{stars_txt}, {km:.0f} km, {t_en} on the road, {wait:.0f} min "
          f"waiting, {u_en} unused")  # fmt: skip
    if reasons:
        vi += " — " + reasons[0].vi
        en += " — " + reasons[0].en
    return {"vi": vi, "en": en}



def empty_reason(it: Itinerary, lang: str = "en") -> str:
    """Why a route is not published: its empty days and their reason (``""`` when no day is empty)."""
    parts = []
    for day in it.days:
        if day.status != "empty":
            continue
        vi, en = day_names(day.weekday, day.date)
        reason = day.verdict.reasons[0] if day.verdict is not None and day.verdict.reasons else None
        if lang == "vi":
            parts.append(f"ngày {day.day} ({vi}) không thăm cơ sở OCOP nào" + (f": {reason.vi}" if reason else ""))
        else:
            parts.append(f"day {day.day} ({en}) visits no OCOP producer" + (f": {reason.en}" if reason else ""))
    return "; ".join(parts)


def report_lines(it: Itinerary, lang: str = "en") -> list[tuple[str, str]]:
    """``(status, text)`` for every day that is not good, empty days first: what the CLI reports list at
    their top. A day without a verdict (an older file) is listed only when it visits no producer."""
    out = []
    for day in it.days:
        status = day.status
        if status not in ("thin", "empty"):
            continue
        vi, en = day_names(day.weekday, day.date)
        if day.verdict is not None and day.verdict.summary:
            text = day.verdict.summary.get(lang) or day.verdict.summary.get("en", "")
        else:
            text = "trống: không thăm cơ sở OCOP nào" if lang == "vi" else "empty: no OCOP producer is visited"
        when = f"ngày {day.day} ({vi})" if lang == "vi" else f"day {day.day} ({en})"
        out.append((status, f"{it.route_id} {when}: {text}"))
    return sorted(out, key=lambda x: x[0] != "empty")
