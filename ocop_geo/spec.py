"""Route specs: the department's "routes as code", TOML files under ``data/routes/``.

A spec says who travels how, from where, on which days, what to see and what to leave out;
the planner (:func:`ocop_geo.planner.plan_route`) turns it into an itinerary. Example::

    id = "cu-chi-food-day"
    title_vi = "Một ngày ẩm thực Củ Chi"
    title_en = "A food day in Cu Chi"
    mode = "motorbike"                     # motorbike | car | coach | bicycle | walk
    days = ["2026-12-05"]                  # dates (YYYY-MM-DD) or weekdays (Mo..Su)
    day_window = ["08:00", "17:30"]        # leave the start / be back at the end
    themes = ["Thực phẩm", "Beverages"]    # OCOP groups, Vietnamese or English
    districts = ["Củ Chi", "Hóc Môn"]
    min_stars = 3
    must_visit = ["HCM-P004"]
    exclude = []
    max_stops_per_day = 5
    max_km_per_day = 100                   # optional day caps (default: the mode's, modes.DAY_CAPS:
    max_travel_minutes_per_day = 210       # bicycle 35 km / 180 min, walk 8 km / 120 min, ...)
    default_visit_minutes = 45
    seed = 1
    time_limit = 2.0

    [start]
    poi = "Chợ Bến Thành"                  # or osm = "way/39514795", producer = "HCM-P004",
                                           # venue = "HCM-V01" (a registry venue: id or name),
                                           # or lat = 10.77, lon = 106.69, name = "..."
    [lunch]
    window = ["11:00", "13:00"]            # earliest and latest start of lunch
    minutes = 60
    detour_minutes = 15                    # how far off the route the planner may go for lunch
    producers = ["HCM-P19"]                # optional: producers that serve food (lunch places too)
    # poi = "Chợ Hóc Môn"                  # optional: pin the lunch place (or venue = "...")

    [[poi_stops]]                          # places to visit that are not producers
    name = "Địa đạo Bến Dược"               # poi / osm / lat+lon as for [start]
    lat = 11.143
    lon = 106.461
    minutes = 90
    opening_hours = "Mo-Su 07:00-17:00"
    must_visit = true                      # default true; optional ones score `score`

    [[poi_stops]]                          # a registry venue as a stop: a showroom, a fair, a farm
    venue = "HCM-V02"                      # its id, or its name as the registry writes it
    minutes = 45                           # opening_hours default: the venue's own

    [venue_stops]                          # optional: "OCOP showrooms on the way"
    kinds = ["showroom", "display_point"]  # venue kinds (Vietnamese or English), see VENUE_KINDS
    score = 4.0                            # points for visiting one (default 4; a 4-star producer: 6)
    minutes = 30                           # visit length (default 30)

    [score]                                # optional, see ocop_geo.candidates.ScoreWeights
    star_3 = 3.0
    star_4 = 6.0
    star_5 = 10.0
    per_product = 1.0

``end`` defaults to ``start``. ``days`` items may also be tables:
``{ date = "2026-12-06", window = ["07:30", "18:00"] }``; a table may give the day its own ``start``
and / or ``end`` (place tables as for ``[start]``), so a multi-day tour can change hotel each night::

    days = [
      { date = "2026-12-10", end = { poi = "Rex Hotel" } },
      { date = "2026-12-11", start = { poi = "Rex Hotel" }, end = { lat = 10.97, lon = 106.49, name = "..." } },
    ]

A day without its own ``start`` / ``end`` uses the spec's ``[start]`` / ``[end]``.

**Lunch.** Without a place, the planner chooses where lunch is eaten: a real food place near the
route at lunch time — an OSM restaurant, market, food court, café or fast-food POI of the bundled
POI layer, a registry venue of kind ``market`` or ``restaurant``, or a producer listed in
``[lunch] producers`` (one that serves food) — reached with at most ``detour_minutes`` (default
15) of extra travel between the two stops around it; never a producer that is not listed (a
factory is no lunch place) and never the start unless the route is there. ``poi`` / ``venue`` /
``lat``+``lon`` pin the place instead (every day). See :mod:`ocop_geo.planner` for how it is chosen.

**Day caps.** ``max_km_per_day`` and ``max_travel_minutes_per_day`` bound each day's distance and
travel time (hard constraints of the planner); unset, the mode's defaults
(:data:`ocop_geo.modes.DAY_CAPS`) apply: bicycle 35 km / 180 min, walk 8 km / 120 min, motorbike
160 km / 300 min (the classic Củ Chi day from the centre is ~140 km), car and coach 250 km / 360 min.

**Venues** (the registry's showrooms, display points, points of sale, fairs and markets, agritourism
sites, hotels and restaurants; :attr:`ocop_geo.registry.Registry.venues`) are named by ``venue =``
in ``start``, ``end``, ``lunch`` and ``[[poi_stops]]``: an exact ``venue_id`` or the venue's name
(compared without case or diacritics). They are resolved against the registry when the route is
planned (:func:`resolve_venues`); an unknown or ambiguous venue is a validation problem naming the
field, with close names. A venue stop keeps the venue's opening hours (unless the stop gives
``opening_hours``) and its dates: a fair (or a market with dates) is only offered on the days from
its ``start_date`` to its ``end_date``; on another day, or when the spec gives weekdays instead of
dates, it is closed, and the not-chosen reason (or a must-visit error) says when it runs ("the fair
runs 6–10/11/2024"). A venue with only a ``start_date`` (a showroom's opening) is offered from then.
``venue_stops`` (a list of kinds, or a table with ``kinds``, ``score`` and ``minutes``) adds every
placed venue of those kinds in the route's ``districts`` (the whole city when none are given) as an
optional stop scored ``score``; the others of those kinds are listed as not chosen with the reason,
as producers are. A venue already named as a stop, start, end or lunch place is not added twice.

:func:`load_spec` reads a file and resolves POI names in the bundled POI layer;
:func:`parse_spec` is the pure part. Validation collects every problem and raises one
:class:`~ocop_geo._errors.ValidationError` naming the file, the field and what to do.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from rapidfuzz import fuzz, process

from . import settings
from ._errors import InputFileError, Problems, ValidationError
from .candidates import ScoreWeights
from .i18n import gettext as _
from .modes import DAY_CAPS, MODES
from .namesearch import NameEntry, NameIndex
from .opening_hours import WEEKDAYS, OpeningHours, parse_hhmm, parse_opening_hours, weekday_code
from .pois import read_pois
from .registry_schema import VENUE_KINDS, parse_group, parse_venue_kind
from .textnorm import admin_key, fold, slugify

__all__ = [
    "DaySpec",
    "HeldDates",
    "Lunch",
    "Place",
    "PoiIndex",
    "PoiStop",
    "RouteSpec",
    "known_districts",
    "load_pois",
    "load_spec",
    "parse_spec",
    "VenueIndex",
    "VenueStops",
    "read_place",
    "resolve_venues",
    "venue_stop",
]

log = logging.getLogger(__name__)

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_OSM_REF = re.compile(r"^(node|way|relation)/(\d+)$")
_KNOWN_KEYS = frozenset(
    {
        "id", "title_vi", "title_en", "description_vi", "description_en", "mode", "start", "end",
        "days", "day_window", "holidays", "lunch", "themes", "districts", "min_stars",
        "must_visit", "exclude", "max_stops_per_day", "default_visit_minutes", "score", "seed",
        "time_limit", "poi_stops", "venue_stops", "max_km_per_day", "max_travel_minutes_per_day",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Place:
    """A start, end or lunch place.

    ``kind`` is ``{"poi", "producer", "venue", "point"}``. A producer or venue place is resolved
    against the registry by the planner (``lat``/``lon`` are NaN until then); ``ref`` holds the
    POI's ``"node/123"`` id, the producer id, or the venue id (its id or name until resolved);
    ``category`` the POI's category or the venue's kind.
    """

    kind: str
    name: str
    lat: float
    lon: float
    ref: str = ""
    category: str = ""


@dataclass(frozen=True)
class DaySpec:
    """One planned day: a date (or None for a weekday-only spec), its weekday and window (min), and
    its own start / end place when the spec gives one (None: the route's ``start`` / ``end``)."""

    date: dt.date | None
    weekday: str
    window: tuple[int, int]
    start: Place | None = None
    end: Place | None = None


@dataclass(frozen=True)
class Lunch:
    """A lunch break: earliest and latest start (minutes after midnight), duration, optional pinned
    place; without one the planner chooses a food place within ``detour_minutes`` of the route,
    ``producers`` (ids) being producers that serve food and may be chosen too."""

    earliest: int
    latest: int
    minutes: int
    place: Place | None = None
    detour_minutes: int = 15
    producers: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeldDates:
    """The days a dated venue is held (a fair, a market's session): ``first`` to ``last``, both
    included; ``last`` None for a venue open since ``first`` (a showroom's opening day)."""

    first: dt.date
    last: dt.date | None
    kind: str = "fair"

    def covers(self, day: dt.date | None) -> bool:
        """Whether the venue is held on ``day``. A weekday without a date: True for a venue open
        since a date, False for one held on given days only (which days is not known)."""
        if day is None:
            return self.last is None
        return self.first <= day and (self.last is None or day <= self.last)

    def describe(self) -> str:
        """``"the fair runs 6–10/11/2024"``, ``"the market is held on 9/2/2026"``,
        ``"the venue is open from 23/5/2025"``."""
        a, b = self.first, self.last
        what = {"fair": "fair", "market": "market"}.get(self.kind, "venue")
        if b is None:
            return f"the {what} is open from {a.day}/{a.month}/{a.year}"
        if a == b:
            return f"the {what} is held on {a.day}/{a.month}/{a.year}"
        if (a.year, a.month) == (b.year, b.month):
            span = f"{a.day}–{b.day}/{a.month}/{a.year}"
        elif a.year == b.year:
            span = f"{a.day}/{a.month}–{b.day}/{b.month}/{a.year}"
        else:
            span = f"{a.day}/{a.month}/{a.year}–{b.day}/{b.month}/{b.year}"
        return f"the {what} runs {span}"


@dataclass(frozen=True)
class PoiStop:
    """A non-producer place to visit (an attraction, a showroom): kind ``"poi"`` in itineraries.

    A registry venue as a stop has ``venue`` (its id once resolved; the stop id is then the
    venue id), its district, ward and 2025 unit, and ``held`` when it is held on given dates only.
    ``hours_given`` says the spec wrote ``opening_hours`` (else a venue's own hours are used;
    ``hours_assumed`` when the registry has none either).
    """

    stop_id: str
    place: Place
    minutes: int
    hours: OpeningHours
    must_visit: bool = True
    score: float = 0.0
    precision: str = "exact"
    venue: str = ""
    held: HeldDates | None = None
    district: str = ""
    ward: str = ""
    unit_2025: str = ""
    hours_given: bool = True
    hours_assumed: bool = False


@dataclass(frozen=True)
class VenueStops:
    """``venue_stops``: venue kinds to offer as optional stops, their score and visit minutes."""

    kinds: tuple[str, ...]
    score: float = 4.0
    minutes: int = 30


@dataclass(frozen=True)
class RouteSpec:
    """A validated route spec; build it with :func:`load_spec` or :func:`parse_spec`."""

    id: str
    title: dict[str, str]
    description: dict[str, str]
    mode: str
    start: Place
    end: Place
    days: tuple[DaySpec, ...]
    lunch: Lunch | None = None
    themes: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    min_stars: int = 0
    must_visit: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_stops_per_day: int | None = None
    default_visit_minutes: int = 45
    score: ScoreWeights = field(default_factory=ScoreWeights)
    seed: int = 0
    time_limit: float = 2.0
    holidays: frozenset[dt.date] = frozenset()
    poi_stops: tuple[PoiStop, ...] = ()
    source: str = ""
    venue_stops: VenueStops | None = None
    max_km_per_day: float | None = None
    max_travel_minutes_per_day: float | None = None

    @property
    def day_caps(self) -> tuple[float, float]:
        """(km, minutes of travel) a day may not exceed: the spec's values, else the mode's
        defaults (:data:`ocop_geo.modes.DAY_CAPS`)."""
        km, minutes = DAY_CAPS.get(self.mode, (math.inf, math.inf))
        if self.max_km_per_day is not None:
            km = self.max_km_per_day
        if self.max_travel_minutes_per_day is not None:
            minutes = self.max_travel_minutes_per_day
        return km, minutes

    def day_start(self, r: int) -> Place:
        """Where day ``r`` (0-based) starts: its own start, else the route's."""
        return self.days[r].start or self.start

    def day_end(self, r: int) -> Place:
        """Where day ``r`` (0-based) ends: its own end, else the route's."""
        return self.days[r].end or self.end

    @classmethod
    def build(cls, *, pois: PoiIndex | None = None, **fields: object) -> RouteSpec:
        """A spec from keyword arguments named like the fields of a spec file, validated as one.

        Values are what the TOML file would hold, with Python's types welcome: dates may be
        ``datetime.date``, lists may be tuples, a place may be a POI name, a producer id table or
        ``{"lat": .., "lon": .., "name": ..}``.

        Parameters
        ----------
        pois
            POI index for place names (default: the bundled POI layer).
        **fields
            ``id``, ``title_vi``, ``title_en``, ``mode`` (``{"motorbike", "car", "coach",
            "bicycle", "walk"}``), ``start``, ``end``, ``days``, ``day_window``, ``lunch``,
            ``themes``, ``districts``, ``min_stars``, ``must_visit``, ``exclude``, … (see the
            module docstring for all of them).

        Raises
        ------
        ValidationError
            Every problem at once, each naming the field and what to do.

        Examples
        --------
        >>> spec = RouteSpec.build(id="cu-chi-day", title_vi="Một ngày Củ Chi",
        ...                        start="Chợ Bến Thành", days=[dt.date(2026, 12, 5)],
        ...                        districts=["Củ Chi"], lunch={"window": ("11:00", "13:00")})
        >>> spec.days[0].weekday, spec.start.name
        ('Sa', 'Chợ Bến Thành')
        """
        data = _plain(fields)
        return parse_spec(data, source="RouteSpec.build", pois=pois or load_pois(),
                          districts=known_districts())  # fmt: skip

    @property
    def must_visit_ids(self) -> frozenset[str]:
        """Producer ids and POI stop ids that must be visited."""
        return frozenset(self.must_visit) | {p.stop_id for p in self.poi_stops if p.must_visit}


class PoiIndex:
    """Name lookup over a POI layer (:func:`~ocop_geo.pois.read_pois`), by :func:`fold` key."""

    def __init__(self, pois: gpd.GeoDataFrame) -> None:
        self.by_key: dict[str, list[Place]] = {}
        self.by_ref: dict[str, Place] = {}
        entries = []
        for row in pois.itertuples(index=False):
            place = Place("poi", row.name, float(row.geometry.y), float(row.geometry.x), row.ref,
                          row.category)  # fmt: skip
            if row.ref:
                self.by_ref[row.ref] = place
            for label in {row.name, row.name_en} - {""}:
                self.by_key.setdefault(fold(label), []).append(place)
            entries.append(NameEntry(row.ref or row.name, row.name, "poi", (row.name_en,) if row.name_en else (),
                                     {"place": place}))  # fmt: skip
        #: Fuzzy, accent-insensitive search over the names ("Rex" finds "Rex Hotel").
        self.names = NameIndex(entries)

    def find(self, query: str) -> list[Place]:
        """Every POI whose name (or English name) folds to the same key as ``query``."""
        return list(self.by_key.get(fold(query), []))

    def suggest(self, query: str, *, limit: int = 3) -> list[str]:
        """Close POI names, for a "did you mean" hint (:class:`~ocop_geo.namesearch.NameIndex`: "Rex" and
        "Khách sạn Rex" suggest "Rex Hotel")."""
        hits = self.names.search(query, limit=limit * 3, min_score=60)
        return list(dict.fromkeys(h.entry.label for h in hits))[:limit]


def load_pois(path: str | os.PathLike | None = None) -> PoiIndex:
    """Read a POI layer (default ``settings.pois_file``) into a :class:`PoiIndex`."""
    index = PoiIndex(read_pois(path))
    log.debug("indexed %d named POIs", len(index.by_ref))
    return index


def _unknown_keys(c: Problems, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            prefix = f"{where}.{key}" if where else key
            c.add(prefix, _("is not a known field here; use {fields}", fields=", ".join(sorted(allowed))))


def _text(c: Problems, data: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    v = data.get(key)
    if v is None:
        if required:
            c.add(key, _("is missing; add it as a quoted text"))
        return ""
    if not isinstance(v, str):
        c.add(key, _("{value!r} is not text; put it in quotes", value=v))
        return ""
    if required and not v.strip():
        c.add(key, _("is empty; write it in the quotes"))
    return v.strip()


def _int(c: Problems, data: Mapping[str, Any], key: str, default: Any, lo: int, hi: int) -> Any:
    v = data.get(key, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        c.add(key, _("{value!r} is not a whole number from {lo} to {hi}", value=v, lo=lo, hi=hi))
        return default
    return v


def _hhmm_pair(c: Problems, v: Any, fieldname: str) -> tuple[int, int] | None:
    if not (isinstance(v, list) and len(v) == 2 and all(isinstance(t, str) for t in v)):
        c.add(fieldname, _('{value!r} is not a pair of times; write ["08:00", "17:30"]', value=v))
        return None
    try:
        a, b = parse_hhmm(v[0]), parse_hhmm(v[1])
    except ValueError as exc:
        c.add(fieldname, _("{error}; write times as HH:MM", error=exc))
        return None
    if b <= a:
        c.add(fieldname, _("ends ({end}) before it starts ({start}); swap or correct the times", end=v[1], start=v[0]))
        return None
    return a, b


def _str_list(c: Problems, data: Mapping[str, Any], key: str) -> list[str]:
    v = data.get(key, [])
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(t, str) for t in v):
        c.add(key, _('{value!r} is not a list of texts; write ["...", "..."]', value=v))
        return []
    return [t.strip() for t in v if t.strip()]


def read_place(c: Problems, v: Any, fieldname: str, pois: PoiIndex | None) -> Place | None:
    """A place table: exactly one of ``poi``, ``osm``, ``producer``, ``venue`` or ``lat``+``lon`` (a string is a POI
    name); problems go to ``c`` under ``fieldname``. The one place reader of route specs and near-here files."""
    if isinstance(v, str):
        v = {"poi": v}
    if not isinstance(v, Mapping):
        c.add(fieldname, _('is not a table; write { poi = "Chợ Bến Thành" } or { lat = .., lon = .. }'))
        return None
    _unknown_keys(c, v, {"poi", "osm", "producer", "venue", "lat", "lon", "name"}, fieldname)
    given = [k for k in ("poi", "osm", "producer", "venue") if k in v] + (
        ["lat/lon"] if "lat" in v or "lon" in v else []
    )
    if len(given) != 1:
        c.add(fieldname, _("give exactly one of poi, osm, producer, venue or lat+lon (found {found})", found=given)
              if given else _("give exactly one of poi, osm, producer, venue or lat+lon (found none)"))
        return None
    name = v.get("name", "")
    if not isinstance(name, str):
        c.add(f"{fieldname}.name", _("{value!r} is not text", value=name))
        name = ""
    kind = given[0]
    if kind == "lat/lon":
        lat, lon = v.get("lat"), v.get("lon")
        ok = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (lat, lon))
        x0, y0, x1, y1 = settings.hcmc_2025_bbox  # the merged city; the planner says what the roads cover
        if not ok or not (y0 <= lat <= y1 and x0 <= lon <= x1):
            c.add(f"{fieldname}.lat/lon", _(
                "({lat!r}, {lon!r}) is not a point in Ho Chi Minh City (lat {south}–{north}, lon {west}–{east}); "
                "check the order: lat is ~10.8, lon ~106.7", lat=lat, lon=lon, south=y0, north=y1, west=x0, east=x1))
            return None
        if not name:
            c.add(f"{fieldname}.name", _("is missing; a lat/lon place needs a name to show"))
        return Place("point", name, float(lat), float(lon))
    value = v[kind]
    if not isinstance(value, str) or not value.strip():
        c.add(f"{fieldname}.{kind}", _("{value!r} is not a non-empty text", value=value))
        return None
    value = value.strip()
    if kind in ("producer", "venue"):
        return Place(kind, name or value, float("nan"), float("nan"), value)
    if pois is None:
        return Place("poi", name or value, float("nan"), float("nan"), value)
    if kind == "osm":
        if not _OSM_REF.match(value) or value not in pois.by_ref:
            c.add(f"{fieldname}.osm", _("{value!r} is not a POI id in {file}", value=value,
                                        file=settings.pois_file.name))
            return None
        hit = pois.by_ref[value]
        return Place("poi", name or hit.name, hit.lat, hit.lon, hit.ref, hit.category)
    hits = pois.find(value)
    if not hits:
        hint = pois.suggest(value)
        file = settings.pois_file.name
        c.add(f"{fieldname}.poi", _(
            "no POI named {value!r} in {file}; did you mean {names}? (or give lat, lon and name)", value=value,
            file=file, names=", ".join(repr(h) for h in hint)) if hint else _(
            "no POI named {value!r} in {file} (or give lat, lon and name)", value=value, file=file))
        return None
    if len({h.ref for h in hits}) > 1:
        refs = ", ".join(f"{h.ref} ({h.category})" for h in hits[:5])
        c.add(f"{fieldname}.poi", _('{value!r} names {n} POIs: {refs}; use osm = "..."', value=value, n=len(hits),
                                    refs=refs))
        return None
    hit = hits[0]
    return Place("poi", name or hit.name, hit.lat, hit.lon, hit.ref, hit.category)


def _days(
    c: Problems, data: Mapping[str, Any], default_window: tuple[int, int], pois: PoiIndex | None = None
) -> list[DaySpec]:
    raw = data.get("days")
    if raw is None:
        c.add("days", _('is missing; add days = ["2026-12-05"] (dates) or ["Sa"] (weekdays)'))
        return []
    if not isinstance(raw, list) or not raw:
        c.add("days", _("{value!r} is not a non-empty list of dates or weekdays", value=raw))
        return []
    out: list[DaySpec] = []
    for i, item in enumerate(raw):
        where = f"days[{i}]"
        window = default_window
        places: dict[str, Place | None] = {"start": None, "end": None}
        if isinstance(item, Mapping):
            _unknown_keys(c, item, {"date", "weekday", "window", "start", "end"}, where)
            if "window" in item:
                window = _hhmm_pair(c, item["window"], f"{where}.window") or default_window
            for key in places:
                if key in item:
                    places[key] = read_place(c, item[key], f"{where}.{key}", pois)
            item = item.get("date", item.get("weekday"))
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            out.append(DaySpec(item, weekday_code(item), window, places["start"], places["end"]))
        elif isinstance(item, str) and item in WEEKDAYS:
            out.append(DaySpec(None, item, window, places["start"], places["end"]))
        elif isinstance(item, str):
            try:
                day = dt.date.fromisoformat(item)
            except ValueError:
                c.add(where, _("{value!r} is neither a YYYY-MM-DD date nor a weekday ({weekdays})", value=item,
                               weekdays=", ".join(WEEKDAYS)))
                continue
            out.append(DaySpec(day, weekday_code(day), window, places["start"], places["end"]))
        else:
            c.add(where, _("{value!r} is neither a date nor a weekday code", value=item))
    dates = [d.date for d in out if d.date is not None]
    if len(set(dates)) != len(dates):
        c.add("days", _("lists the same date twice; each day is planned once"))
    if dates and len(dates) != len(out):
        c.add("days", _("mixes dates and weekdays; use one or the other"))
    return out


def _lunch(c: Problems, v: Any, pois: PoiIndex | None) -> Lunch | None:
    if v is None:
        return None
    if not isinstance(v, Mapping):
        c.add("lunch", _('is not a table; write [lunch] window = ["11:00", "13:00"], minutes = 60'))
        return None
    _unknown_keys(c, v, {"window", "minutes", "poi", "osm", "venue", "lat", "lon", "name", "detour_minutes",
                         "producers"}, "lunch")  # fmt: skip
    window = _hhmm_pair(c, v.get("window"), "lunch.window")
    minutes = v.get("minutes", 60)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 10 <= minutes <= 240:
        c.add("lunch.minutes", _("{value!r} is not a whole number of minutes from {lo} to {hi}", value=minutes,
                                 lo=10, hi=240))
        minutes = 60
    place = None
    if any(k in v for k in ("poi", "osm", "venue", "lat", "lon")):
        sub = {k: v[k] for k in ("poi", "osm", "venue", "lat", "lon", "name") if k in v}
        place = read_place(c, sub, "lunch", pois)
    detour = _int(c, v, "detour_minutes", 15, 0, 120)
    producers = _str_list(c, v, "producers")
    if window is None:
        return None
    return Lunch(window[0], window[1], minutes, place, detour, tuple(producers))


def _poi_stops(c: Problems, v: Any, pois: PoiIndex | None) -> list[PoiStop]:
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(t, Mapping) for t in v):
        c.add("poi_stops", _("is not a list of tables; write [[poi_stops]] blocks"))
        return []
    out: list[PoiStop] = []
    for i, t in enumerate(v):
        where = f"poi_stops[{i}]"
        allowed = {"poi", "osm", "venue", "lat", "lon", "name", "minutes", "opening_hours", "must_visit",
                   "score", "precision"}  # fmt: skip
        _unknown_keys(c, t, allowed, where)
        place = read_place(
            c, {k: t[k] for k in ("poi", "osm", "venue", "lat", "lon", "name") if k in t}, where, pois
        )
        minutes = t.get("minutes", 60)
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 480:
            c.add(f"{where}.minutes", _("{value!r} is not a whole number of minutes from {lo} to {hi}",
                                        value=minutes, lo=5, hi=480))
            minutes = 60
        hours_text = t.get("opening_hours", "24/7")
        try:
            hours = parse_opening_hours(hours_text)
        except ValidationError as exc:
            c.add(f"{where}.opening_hours", str(exc))
            continue
        must = t.get("must_visit", True)
        score = t.get("score", 0.0 if must else 5.0)
        if not isinstance(must, bool):
            c.add(f"{where}.must_visit", _("{value!r} is not true or false", value=must))
        if isinstance(score, bool) or not isinstance(score, int | float) or score < 0:
            c.add(f"{where}.score", _("{value!r} is not a number >= 0", value=score))
            score = 0.0
        precision = t.get("precision", "exact")
        if precision not in {"exact", "street", "commune", "district"}:
            c.add(f"{where}.precision", _("{value!r} is not exact, street, commune or district", value=precision))
        if place is None:
            continue
        venue = place.ref if place.kind == "venue" else ""
        stop_id = f"venue:{venue}" if venue else "poi-" + slugify(place.name or place.ref)
        if any(p.stop_id == stop_id for p in out):
            c.add(where, _("{name!r} is listed twice", name=place.name))
            continue
        out.append(PoiStop(stop_id, place, minutes, hours, bool(must), float(score), precision,
                           venue=venue, hours_given="opening_hours" in t))  # fmt: skip
    return out


def _venue_stops(c: Problems, v: Any) -> VenueStops | None:
    """``venue_stops = ["showroom", ...]`` or ``[venue_stops] kinds = [...], score = 4, minutes = 30``."""
    if v is None:
        return None
    table = {"kinds": v} if isinstance(v, list | str) else v
    if not isinstance(table, Mapping):
        c.add("venue_stops", _('is neither a list of venue kinds nor a table; write ["showroom", "display_point"]'))
        return None
    _unknown_keys(c, table, {"kinds", "score", "minutes"}, "venue_stops")
    kinds = []
    for i, text in enumerate(_str_list(c, table, "kinds")):
        kind = parse_venue_kind(text)
        if kind is None:
            c.add(f"venue_stops.kinds[{i}]", _("{value!r} is not a venue kind; use {kinds} (or Vietnamese: điểm "
                                               "trưng bày, …)", value=text, kinds=", ".join(VENUE_KINDS)))
        elif kind not in kinds:
            kinds.append(kind)
    if not kinds and "kinds" in table:
        c.add("venue_stops.kinds", _('names no venue kind; e.g. ["showroom", "display_point"]'))
    score = table.get("score", 4.0)
    if isinstance(score, bool) or not isinstance(score, int | float) or score < 0:
        c.add("venue_stops.score", _("{value!r} is not a number >= 0", value=score))
        score = 4.0
    minutes = _int(c, {"venue_stops.minutes": table.get("minutes", 30)}, "venue_stops.minutes", 30, 5, 480)
    return VenueStops(tuple(kinds), float(score), minutes) if kinds else None


def _score(c: Problems, v: Any) -> ScoreWeights:
    if v is None:
        return ScoreWeights()
    if not isinstance(v, Mapping):
        c.add("score", _("is not a table; write [score] star_4 = 6.0 ..."))
        return ScoreWeights()
    allowed = {"star_3", "star_4", "star_5", "per_product", "must_visit_bonus"}
    kwargs: dict[str, float] = {}
    for key, val in v.items():
        if key not in allowed:
            c.add(f"score.{key}", _("is not a score weight; use {keys}", keys=", ".join(sorted(allowed))))
        elif isinstance(val, bool) or not isinstance(val, int | float) or val < 0:
            c.add(f"score.{key}", _("{value!r} is not a number >= 0", value=val))
        else:
            kwargs[key] = float(val)
    return ScoreWeights(**kwargs)


def known_districts() -> frozenset[str]:
    """District keys (:func:`~ocop_geo.textnorm.admin_key`) of HCMC: the 2019 districts and the 2021–2025 ones."""
    keys: set[str] = set()
    path = settings.admin_dir / "hcmc_districts_2019.geojson"
    try:
        for feat in json.loads(path.read_text(encoding="utf-8"))["features"]:
            keys.add(admin_key(feat["properties"]["district_name_ascii"], level="district"))
        with open(
            settings.admin_dir / "hcmc_wards_2025_01.csv", encoding="utf-8", newline=""
        ) as fh:
            keys.update(admin_key(row["district"], level="district") for row in csv.DictReader(fh))
    except (OSError, KeyError, ValueError) as exc:
        raise InputFileError(_("{path}: cannot read the district lists ({error})", path=settings.admin_dir,
                               error=exc)) from None
    return frozenset(keys)


def parse_spec(
    data: Mapping[str, Any],
    *,
    source: str = "<spec>",
    pois: PoiIndex | None = None,
    districts: frozenset[str] | None = None,
) -> RouteSpec:
    """Validate a spec's TOML data and build a :class:`RouteSpec`.

    Parameters
    ----------
    data
        The parsed TOML table.
    source
        File name used in messages.
    pois
        POI index used to resolve ``poi =`` / ``osm =`` places; None leaves them unresolved.
    districts
        Known district keys (:func:`known_districts`) to check ``districts`` against; None skips.

    Raises
    ------
    ValidationError
        With every problem (``problems`` lists them), each naming the file and field.
    """
    c = Problems(source, sep=": ")
    _unknown_keys(c, data, set(_KNOWN_KEYS), "")
    route_id = _text(c, data, "id", required=True)
    if route_id and not _ID.match(route_id):
        c.add("id", _("{value!r} must be lower-case letters, digits and dashes (e.g. 'cu-chi-food')",
                      value=route_id))
    title = {"vi": _text(c, data, "title_vi", required=True), "en": _text(c, data, "title_en")}
    title["en"] = title["en"] or title["vi"]
    description = {"vi": _text(c, data, "description_vi"), "en": _text(c, data, "description_en")}
    mode = _text(c, data, "mode") or "motorbike"
    if mode not in MODES:
        c.add("mode", _("{value!r} is not a travel mode; choose one of {modes}", value=mode, modes=", ".join(MODES)))
    start = read_place(c, data["start"], "start", pois) if "start" in data else None
    if "start" not in data:
        c.add("start", _('is missing; add [start] poi = "Chợ Bến Thành" (or lat, lon, name)'))
    end = read_place(c, data["end"], "end", pois) if "end" in data else start
    window = (8 * 60, 17 * 60 + 30)
    if "day_window" in data:
        window = _hhmm_pair(c, data["day_window"], "day_window") or window
    days = _days(c, data, window, pois)
    holidays: set[dt.date] = set()
    for i, h in enumerate(data.get("holidays", []) or []):
        try:
            holidays.add(h if isinstance(h, dt.date) else dt.date.fromisoformat(str(h)))
        except ValueError:
            c.add(f"holidays[{i}]", _("{value!r} is not a YYYY-MM-DD date", value=h))
    lunch = _lunch(c, data.get("lunch"), pois)
    for d in days:
        if lunch and not (
            d.window[0] <= lunch.earliest and lunch.latest + lunch.minutes <= d.window[1]
        ):
            c.add("lunch.window", _("does not fit inside the day window; move it or widen day_window"))
            break
    themes = []
    for i, t in enumerate(_str_list(c, data, "themes")):
        group = parse_group(t)
        if group is None:
            c.add(f"themes[{i}]", _("{value!r} is not an OCOP group; use e.g. 'Thực phẩm' or 'Food'", value=t))
        else:
            themes.append(group.vi)
    district_names = _str_list(c, data, "districts")
    for i, name in enumerate(district_names):
        if districts is not None and admin_key(name, level="district") not in districts:
            c.add(f"districts[{i}]", _("{value!r} is not a Ho Chi Minh City district; use e.g. 'Củ Chi', 'Quận 3'",
                                       value=name))
    min_stars = _int(c, data, "min_stars", 0, 0, 5)
    max_stops = _int(c, data, "max_stops_per_day", None, 1, 50)
    visit = _int(c, data, "default_visit_minutes", 45, 5, 480)
    seed = _int(c, data, "seed", 0, 0, 2**31 - 1)
    time_limit = data.get("time_limit", 2.0)
    if (
        isinstance(time_limit, bool)
        or not isinstance(time_limit, int | float)
        or not 0 < time_limit <= 600
    ):
        c.add("time_limit", _("{value!r} is not a number of seconds in (0, 600]", value=time_limit))
        time_limit = 2.0
    caps: list[float | None] = []
    for key in ("max_km_per_day", "max_travel_minutes_per_day"):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or not value > 0):
            c.add(key, _("{value!r} is not a positive number", value=value))
            value = None
        caps.append(None if value is None else float(value))
    must = _str_list(c, data, "must_visit")
    exclude = _str_list(c, data, "exclude")
    for both in sorted(set(must) & set(exclude)):
        c.add("must_visit", _("{value!r} is also in exclude; remove it from one of them", value=both))
    score = _score(c, data.get("score"))
    poi_stops = _poi_stops(c, data.get("poi_stops"), pois)
    venue_stops = _venue_stops(c, data.get("venue_stops"))
    c.raise_if_any(_("{source}: {n} problem(s) in the route spec", source=source, n=len(c.problems)))
    assert start is not None and end is not None
    return RouteSpec(
        id=route_id, title=title, description=description, mode=mode, start=start, end=end,
        days=tuple(days), lunch=lunch, themes=tuple(themes), districts=tuple(district_names),
        min_stars=min_stars, must_visit=tuple(must), exclude=tuple(exclude),
        max_stops_per_day=max_stops, default_visit_minutes=visit, score=score, seed=seed,
        time_limit=float(time_limit), holidays=frozenset(holidays), poi_stops=tuple(poi_stops),
        source=source, venue_stops=venue_stops, max_km_per_day=caps[0], max_travel_minutes_per_day=caps[1],
    )  # fmt: skip


# --- venues of the registry ----------------------------------------------------------------------


def _cell(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) or value is pd.NA else str(value)


def _venue_place(row: Mapping[str, object], name: str = "") -> Place:
    return Place("venue", name or _cell(row["name"]), float(row["lat"]), float(row["lon"]),  # type: ignore[arg-type]
                 _cell(row["venue_id"]), _cell(row["kind"]))  # fmt: skip


def _held(row: Mapping[str, object]) -> HeldDates | None:
    first, last = row.get("start_date"), row.get("end_date")
    if not isinstance(first, dt.date):
        return None
    return HeldDates(first, last if isinstance(last, dt.date) else None, _cell(row.get("kind")))


def venue_stop(
    row: Mapping[str, object],
    *,
    minutes: int,
    score: float,
    must_visit: bool,
    hours: OpeningHours | None = None,
    name: str = "",
) -> PoiStop:
    """A registry venue as a stop, with its place, opening hours and dates.

    Parameters
    ----------
    row
        One row of :attr:`ocop_geo.registry.Registry.venues` (``venue_id``, ``kind``, ``name``,
        ``lat``, ``lon``, ``location_precision``, ``opening_hours``, ``start_date``,
        ``end_date``, ``district``, ``ward``, ``unit_2025``), placed.
    minutes, score, must_visit
        Visit length, points when visited, and whether it must be visited.
    hours
        Opening hours given by the spec; None uses the venue's own (all day, assumed, when the
        registry has none).
    name
        The name to show; default the venue's.

    Returns
    -------
    PoiStop
        ``stop_id`` and ``venue`` are the venue id; ``held`` is set for a venue with dates.
    """
    assumed, given = False, hours is not None
    if hours is None:
        text = _cell(row.get("opening_hours")).strip()
        try:
            hours = parse_opening_hours(text or "24/7")
        except ValidationError:  # the registry checked it; a frame built another way may not have
            hours = parse_opening_hours("24/7")
            text = ""
        assumed = not text
    vid = _cell(row["venue_id"])
    return PoiStop(
        vid, _venue_place(row, name), minutes, hours, must_visit, score,
        _cell(row.get("location_precision")) or "exact", venue=vid, held=_held(row),
        district=_cell(row.get("district")), ward=_cell(row.get("ward")),
        unit_2025=_cell(row.get("unit_2025")), hours_given=given,
        hours_assumed=assumed,
    )  # fmt: skip


class VenueIndex:
    """Venue lookup by exact id, else by folded name; suggestions for a name it does not know."""

    def __init__(self, venues: gpd.GeoDataFrame) -> None:
        self.rows: dict[str, dict[str, object]] = {}
        self.by_name: dict[str, list[str]] = {}
        for rec in venues.drop(columns="geometry", errors="ignore").to_dict("records"):
            vid = _cell(rec.get("venue_id"))
            self.rows[vid] = rec
            self.by_name.setdefault(fold(_cell(rec.get("name"))), []).append(vid)

    def find(self, c: Problems, ref: str, fieldname: str) -> dict[str, object] | None:
        if ref in self.rows:
            row = self.rows[ref]
        else:
            ids = self.by_name.get(fold(ref), [])
            if len(ids) > 1:
                c.add(fieldname, _("{ref!r} names {n} venues ({ids}); write the venue id", ref=ref, n=len(ids),
                                   ids=", ".join(ids)))
                return None
            if not ids:
                c.add(fieldname, self._unknown(ref))
                return None
            row = self.rows[ids[0]]
        lat, lon = row.get("lat"), row.get("lon")
        if not all(isinstance(x, int | float) and x == x for x in (lat, lon)):
            c.add(fieldname, _("venue {id} ({name}) has no location in the registry; add its lat/lon or address "
                               "(ocop-geo validate lists it), or name another place", id=_cell(row["venue_id"]),
                               name=_cell(row["name"])))
            return None
        return row

    def _unknown(self, ref: str) -> str:
        """What to say of a venue ``ref`` the registry does not know, with the closest names."""
        if not self.rows:
            return _("no venue {ref!r} in the registry; the registry has no venue table: pass one (e.g. "
                     "data/registry/venues.csv)", ref=ref)
        labels = {fold(vid): vid for vid in self.rows}
        labels.update({key: ids[0] for key, ids in self.by_name.items()})
        hits = process.extract(fold(ref), list(labels), scorer=fuzz.WRatio, limit=6)
        close = list(dict.fromkeys(labels[key] for key, score, _pos in hits if score >= 70))[:3]
        names = [f"{vid} ({_cell(self.rows[vid]['name'])})" for vid in close]
        if names:
            return _("no venue {ref!r} in the registry; did you mean {names}?", ref=ref, names=", ".join(names))
        return _("no venue {ref!r} in the registry; 'ocop-geo validate' lists the venues", ref=ref)


def resolve_venues(spec: RouteSpec, venues: gpd.GeoDataFrame) -> RouteSpec:
    """Resolve the spec's ``venue = "..."`` places and stops against the registry's venues.

    Parameters
    ----------
    spec
        A parsed spec.
    venues
        :attr:`ocop_geo.registry.Registry.venues`.

    Returns
    -------
    RouteSpec
        The spec with every venue place located and every venue stop carrying the venue's
        place, hours and dates (``stop_id`` = the venue id).

    Raises
    ------
    ValidationError
        Every venue that is unknown (with close names), ambiguous or has no location, naming
        the spec's field.
    """
    day_places = [p for d in spec.days for p in (d.start, d.end)]
    wanted = [p for p in (spec.start, spec.end, spec.lunch.place if spec.lunch else None, *day_places)
              if p is not None]  # fmt: skip
    if not any(p.kind == "venue" for p in wanted) and not any(s.venue for s in spec.poi_stops):
        return spec
    c = Problems(spec.source, sep=": ")
    index = VenueIndex(venues)

    def place(p: Place | None, fieldname: str) -> Place | None:
        if p is None or p.kind != "venue":
            return p
        row = index.find(c, p.ref, f"{fieldname}.venue")
        return p if row is None else _venue_place(row, "" if p.name == p.ref else p.name)

    start = place(spec.start, "start")
    end = start if spec.end is spec.start else place(spec.end, "end")
    lunch = spec.lunch
    if lunch is not None and lunch.place is not None:
        lunch = replace(lunch, place=place(lunch.place, "lunch"))
    stops: list[PoiStop] = []
    seen: dict[str, int] = {}
    for i, stop in enumerate(spec.poi_stops):
        if not stop.venue:
            stops.append(stop)
            continue
        row = index.find(c, stop.venue, f"poi_stops[{i}].venue")
        if row is None:
            continue
        vid = _cell(row["venue_id"])
        if vid in seen:
            c.add(f"poi_stops[{i}].venue", _("{ref!r} is venue {id}, already poi_stops[{index}]", ref=stop.venue,
                                             id=vid, index=seen[vid]))
            continue
        seen[vid] = i
        name = "" if stop.place.name == stop.venue else stop.place.name
        stops.append(venue_stop(row, minutes=stop.minutes, score=stop.score, must_visit=stop.must_visit,
                                hours=stop.hours if stop.hours_given else None, name=name))  # fmt: skip
    days = tuple(replace(d, start=place(d.start, f"days[{r}].start"), end=place(d.end, f"days[{r}].end"))
                 for r, d in enumerate(spec.days))  # fmt: skip
    c.raise_if_any(_("{source}: {n} problem(s) with the route's venues", source=spec.source, n=len(c.problems)))
    assert start is not None and end is not None
    return replace(spec, start=start, end=end, lunch=lunch, poi_stops=tuple(stops), days=days)


def _plain(value: object) -> object:
    """Python values as TOML would give them: dates as ISO text, tuples as lists (recursively)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def load_spec(path: str | os.PathLike, *, pois: PoiIndex | None = None) -> RouteSpec:
    """Read and validate a route spec TOML file; resolve POI names in the bundled POI layer.

    Raises
    ------
    InputFileError
        The file is missing or not valid TOML (with line and column).
    ValidationError
        The spec has problems; every one is listed, naming the file and field.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(_("{path}: file not found; bundled specs are in data/routes/", path=path)) from None
    except OSError as exc:
        raise InputFileError(_("{path}: cannot be read ({error}); pass a route spec .toml file", path=path,
                               error=exc.strerror)) from None
    except UnicodeDecodeError:
        raise InputFileError(_("{path}: not UTF-8 text; save the spec as UTF-8", path=path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(_("{path}: not valid TOML: {error}; fix the syntax at that line", path=path,
                               error=exc)) from None
    spec = parse_spec(
        data, source=_display_path(path), pois=pois or load_pois(), districts=known_districts()
    )
    log.info("loaded route spec %s: %d day(s), mode %s", spec.id, len(spec.days), spec.mode)
    return spec


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(settings.repo_root))
    except ValueError:
        return str(path)
