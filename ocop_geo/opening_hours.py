"""OSM ``opening_hours`` for the common forms, turned into daily time windows.

Supported (see https://wiki.openstreetmap.org/wiki/Key:opening_hours):

* ``"24/7"``;
* weekday selectors: single days, ranges (``Mo-Sa``, wrapping ``Fr-Mo``) and lists (``Mo,We,Fr``);
* one or more time spans per rule: ``"Mo-Fr 08:00-11:30,13:30-17:00"``, ``24:00`` as a close;
* rules separated by ``;`` where a later rule replaces earlier ones for the days it names
  (``"Mo-Sa 08:00-17:00; Sa 08:00-12:00"``), ``off`` / ``closed`` (``"Su off"``);
* a rule with no day selector applies every day (``"08:00-17:00"``);
* ``PH`` (public holidays): ``"PH off"`` or ``"PH 08:00-12:00"`` is kept and applied only to the
  dates passed as ``holidays``; without a holiday list it is noted and ignored.

Anything else (month or week selectors, sunrise, comments, ``+`` open ends) raises a
:class:`~ocop_geo._errors.ValidationError` quoting the text and the part it cannot read.
Times are minutes after midnight throughout.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from ._errors import ValidationError

__all__ = [
    "WEEKDAYS",
    "OpeningHours",
    "format_hhmm",
    "parse_hhmm",
    "parse_opening_hours",
    "weekday_code",
]

#: OSM weekday codes, Monday first (the index matches ``date.weekday()``).
WEEKDAYS: tuple[str, ...] = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")

_EXAMPLES = "'Mo-Sa 07:30-17:00', 'Mo-Fr 08:00-11:30,13:30-17:00; Sa 08:00-12:00', 'Su off', '24/7'"
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")
_SPAN = re.compile(r"^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")
_DAY_TOKEN = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")

Window = tuple[int, int]


def parse_hhmm(text: str, *, allow_24: bool = True) -> int:
    """``"07:30"`` -> 450 minutes after midnight; ``"24:00"`` -> 1440 when ``allow_24``.

    Raises ValueError (naming the text) for anything else.
    """
    m = _HHMM.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a HH:MM time (e.g. '07:30')")
    h, mi = int(m.group(1)), int(m.group(2))
    if mi > 59 or h > 24 or (h == 24 and (mi or not allow_24)):
        raise ValueError(f"{text!r} is not a time of day between 00:00 and 24:00")
    return h * 60 + mi


def format_hhmm(minutes: float) -> str:
    """450 -> ``"07:30"`` (rounded to the minute; 1440 and later keep counting: ``"24:10"``)."""
    total = int(round(minutes))
    return f"{total // 60:02d}:{total % 60:02d}"


def weekday_code(day: dt.date | str) -> str:
    """The OSM weekday code of a date, or a code checked and returned as is."""
    if isinstance(day, dt.date):
        return WEEKDAYS[day.weekday()]
    if day not in WEEKDAYS:
        raise ValueError(f"{day!r} is not a weekday code; use one of {', '.join(WEEKDAYS)}")
    return day


@dataclass(frozen=True)
class OpeningHours:
    """Parsed opening hours: time windows per weekday, public-holiday windows and notes.

    Use :meth:`windows` for a date or weekday and :meth:`is_open` to test a day.
    """

    text: str
    week: tuple[tuple[Window, ...], ...]
    holiday: tuple[Window, ...] | None = None
    notes: tuple[str, ...] = field(default=())

    def windows(
        self, day: dt.date | str, *, holidays: Collection[dt.date] = ()
    ) -> tuple[Window, ...]:
        """Opening windows ``(open_min, close_min)`` on ``day`` (a date or a weekday code).

        A date listed in ``holidays`` uses the ``PH`` rule when the text has one.
        """
        if isinstance(day, dt.date) and self.holiday is not None and day in holidays:
            return self.holiday
        return self.week[WEEKDAYS.index(weekday_code(day))]

    def is_open(self, day: dt.date | str, *, holidays: Collection[dt.date] = ()) -> bool:
        """Whether there is any opening window on ``day``."""
        return bool(self.windows(day, holidays=holidays))


def _fail(text: str, part: str, why: str) -> ValidationError:
    msg = (
        f"opening_hours {text!r}: cannot read {part!r} ({why}); "
        f"use the common OSM forms such as {_EXAMPLES}"
    )
    return ValidationError(msg, [msg])


def _parse_days(text: str, selector: str) -> tuple[set[int], bool]:
    """Weekday indexes named by a selector like ``"Mo-Fr,Su"``; the flag says PH was named."""
    days: set[int] = set()
    ph = False
    for token in selector.split(","):
        token = token.strip()
        if token == "PH":
            ph = True
            continue
        m = _DAY_TOKEN.match(token)
        if not m:
            raise _fail(text, token, "not a weekday like Mo, a range like Mo-Sa, or PH")
        a = WEEKDAYS.index(m.group(1))
        b = WEEKDAYS.index(m.group(2)) if m.group(2) else a
        i = a
        while True:  # ranges may wrap over Sunday: Fr-Mo
            days.add(i)
            if i == b:
                break
            i = (i + 1) % 7
    return days, ph


def _parse_spans(text: str, spec: str, notes: list[str]) -> tuple[Window, ...]:
    """Time spans ``"08:00-11:30,13:30-17:00"``, sorted and merged; ``off`` gives none."""
    spec = spec.strip()
    if spec in {"off", "closed"}:
        return ()
    spans: list[Window] = []
    for part in spec.split(","):
        part = part.strip()
        m = _SPAN.match(part)
        if not m:
            raise _fail(text, part, "not a time span like 08:00-17:00")
        try:
            a, b = parse_hhmm(m.group(1), allow_24=False), parse_hhmm(m.group(2))
        except ValueError as exc:
            raise _fail(text, part, str(exc)) from None
        if b <= a:
            notes.append(f"{part} runs past midnight; only the hours until 24:00 are used")
            b = 24 * 60
        spans.append((a, b))
    spans.sort()
    merged: list[Window] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)


def parse_opening_hours(text: str) -> OpeningHours:
    """Parse an OSM ``opening_hours`` value (the common forms listed in the module docstring).

    Each distinct text is parsed once per process (the result is immutable): the registry's
    validation and the planner's candidates share the parse.

    Parameters
    ----------
    text
        For example ``"Mo-Fr 08:00-11:30,13:30-17:00; Sa 08:00-12:00; Su off"``.

    Returns
    -------
    OpeningHours

    Raises
    ------
    ValidationError
        Quoting the text and the part that cannot be read, with examples of what works.

    >>> oh = parse_opening_hours("Mo-Sa 07:30-17:00; Su off")
    >>> oh.windows("Sa"), oh.windows("Su")
    (((450, 1020),), ())
    """
    if not isinstance(text, str) or not text.strip():
        raise _fail(str(text), str(text), "empty; leave the field out to use the default hours")
    return _parse(text)


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> OpeningHours:
    week: list[tuple[Window, ...]] = [()] * 7
    holiday: tuple[Window, ...] | None = None
    notes: list[str] = []
    for raw_rule in text.split(";"):
        rule = " ".join(raw_rule.split())
        if not rule:
            continue
        if rule == "24/7":
            week = [((0, 24 * 60),)] * 7
            continue
        head, _, rest = rule.partition(" ")
        if _SPAN.match(head.split(",")[0]) or head in {"off", "closed"}:
            days, ph, spans_text = set(range(7)), False, rule  # no day selector: every day
        else:
            days, ph = _parse_days(text, head)
            spans_text = rest
            if not spans_text:
                raise _fail(text, rule, "a day selector needs times or 'off' after it")
        spans = _parse_spans(text, spans_text.replace(", ", ","), notes)
        for d in days:
            week[d] = spans
        if ph:
            holiday = spans
    if holiday is not None:
        notes.append("PH (public holidays) applies only to the dates given as holidays")
    return OpeningHours(text, tuple(week), holiday, tuple(notes))
