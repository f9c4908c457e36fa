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
    default_visit_minutes = 45
    seed = 1
    time_limit = 2.0

    [start]
    poi = "Chợ Bến Thành"                  # or osm = "way/39514795", producer = "HCM-P004",
                                           # or lat = 10.77, lon = 106.69, name = "..."
    [lunch]
    window = ["11:00", "13:00"]            # earliest and latest start of lunch
    minutes = 60
    poi = "Chợ Hóc Môn"                    # optional: where lunch is taken

    [[poi_stops]]                          # places to visit that are not producers
    name = "Địa đạo Bến Dược"               # poi / osm / lat+lon as for [start]
    lat = 11.143
    lon = 106.461
    minutes = 90
    opening_hours = "Mo-Su 07:00-17:00"
    must_visit = true                      # default true; optional ones score `score`

    [score]                                # optional, see ocop_geo.candidates.ScoreWeights
    star_3 = 3.0
    star_4 = 6.0
    star_5 = 10.0
    per_product = 1.0

``end`` defaults to ``start``. ``days`` items may also be tables:
``{ date = "2026-12-06", window = ["07:30", "18:00"] }``.

:func:`load_spec` reads a file and resolves POI names in the bundled POI layer;
:func:`parse_spec` is the pure part. Validation collects every problem and raises one
:class:`~ocop_geo._errors.ValidationError` naming the file, the field and what to do.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
from rapidfuzz import fuzz, process

from . import settings
from ._errors import InputFileError, Problems, ValidationError
from .candidates import ScoreWeights
from .modes import MODES
from .opening_hours import WEEKDAYS, OpeningHours, parse_hhmm, parse_opening_hours, weekday_code
from .pois import read_pois
from .registry_schema import parse_group
from .textnorm import admin_key, fold, slugify

__all__ = [
    "DaySpec",
    "Lunch",
    "Place",
    "PoiIndex",
    "PoiStop",
    "RouteSpec",
    "known_districts",
    "load_pois",
    "load_spec",
    "parse_spec",
]

log = logging.getLogger(__name__)

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_OSM_REF = re.compile(r"^(node|way|relation)/(\d+)$")
_KNOWN_KEYS = frozenset(
    {
        "id", "title_vi", "title_en", "description_vi", "description_en", "mode", "start", "end",
        "days", "day_window", "holidays", "lunch", "themes", "districts", "min_stars",
        "must_visit", "exclude", "max_stops_per_day", "default_visit_minutes", "score", "seed",
        "time_limit", "poi_stops",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Place:
    """A start, end or lunch place.

    ``kind`` is ``{"poi", "producer", "point"}``. A producer place is resolved against the
    registry by the planner (``lat``/``lon`` are NaN until then); ``ref`` holds the POI's
    ``"node/123"`` id or the producer id.
    """

    kind: str
    name: str
    lat: float
    lon: float
    ref: str = ""
    category: str = ""


@dataclass(frozen=True)
class DaySpec:
    """One planned day: a date (or None for a weekday-only spec), its weekday and window (min)."""

    date: dt.date | None
    weekday: str
    window: tuple[int, int]


@dataclass(frozen=True)
class Lunch:
    """A lunch break: earliest and latest start (minutes after midnight), duration, optional place."""

    earliest: int
    latest: int
    minutes: int
    place: Place | None = None


@dataclass(frozen=True)
class PoiStop:
    """A non-producer place to visit (an attraction, a showroom): kind ``"poi"`` in itineraries."""

    stop_id: str
    place: Place
    minutes: int
    hours: OpeningHours
    must_visit: bool = True
    score: float = 0.0
    precision: str = "exact"


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
        for row in pois.itertuples(index=False):
            place = Place("poi", row.name, float(row.geometry.y), float(row.geometry.x), row.ref,
                          row.category)  # fmt: skip
            if row.ref:
                self.by_ref[row.ref] = place
            for label in {row.name, row.name_en} - {""}:
                self.by_key.setdefault(fold(label), []).append(place)

    def find(self, query: str) -> list[Place]:
        """Every POI whose name (or English name) folds to the same key as ``query``."""
        return list(self.by_key.get(fold(query), []))

    def suggest(self, query: str, *, limit: int = 3) -> list[str]:
        """Close POI names, for a "did you mean" hint."""
        hits = process.extract(fold(query), list(self.by_key), scorer=fuzz.ratio, limit=limit)
        return [self.by_key[key][0].name for key, score, _ in hits if score >= 70]


def load_pois(path: str | os.PathLike | None = None) -> PoiIndex:
    """Read a POI layer (default ``settings.pois_file``) into a :class:`PoiIndex`."""
    index = PoiIndex(read_pois(path))
    log.debug("indexed %d named POIs", len(index.by_ref))
    return index


def _unknown_keys(c: Problems, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            prefix = f"{where}.{key}" if where else key
            c.add(prefix, f"is not a known field here; use {', '.join(sorted(allowed))}")


def _text(c: Problems, data: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    v = data.get(key)
    if v is None:
        if required:
            c.add(key, "is missing; add it as a quoted text")
        return ""
    if not isinstance(v, str):
        c.add(key, f"{v!r} is not text; put it in quotes")
        return ""
    return v.strip()


def _int(c: Problems, data: Mapping[str, Any], key: str, default: Any, lo: int, hi: int) -> Any:
    v = data.get(key, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        c.add(key, f"{v!r} is not a whole number from {lo} to {hi}")
        return default
    return v


def _hhmm_pair(c: Problems, v: Any, fieldname: str) -> tuple[int, int] | None:
    if not (isinstance(v, list) and len(v) == 2 and all(isinstance(t, str) for t in v)):
        c.add(fieldname, f'{v!r} is not a pair of times; write ["08:00", "17:30"]')
        return None
    try:
        a, b = parse_hhmm(v[0]), parse_hhmm(v[1])
    except ValueError as exc:
        c.add(fieldname, f"{exc}; write times as HH:MM")
        return None
    if b <= a:
        c.add(fieldname, f"ends ({v[1]}) before it starts ({v[0]}); swap or correct the times")
        return None
    return a, b


def _str_list(c: Problems, data: Mapping[str, Any], key: str) -> list[str]:
    v = data.get(key, [])
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(t, str) for t in v):
        c.add(key, f'{v!r} is not a list of texts; write ["...", "..."]')
        return []
    return [t.strip() for t in v if t.strip()]


def _place(c: Problems, v: Any, fieldname: str, pois: PoiIndex | None) -> Place | None:
    """A place table: exactly one of ``poi``, ``osm``, ``producer`` or ``lat``+``lon``."""
    if isinstance(v, str):
        v = {"poi": v}
    if not isinstance(v, Mapping):
        c.add(
            fieldname, 'is not a table; write { poi = "Chợ Bến Thành" } or { lat = .., lon = .. }'
        )
        return None
    _unknown_keys(c, v, {"poi", "osm", "producer", "lat", "lon", "name"}, fieldname)
    given = [k for k in ("poi", "osm", "producer") if k in v] + (
        ["lat/lon"] if "lat" in v or "lon" in v else []
    )
    if len(given) != 1:
        c.add(
            fieldname,
            f"give exactly one of poi, osm, producer or lat+lon (found {given or 'none'})",
        )
        return None
    name = v.get("name", "")
    if not isinstance(name, str):
        c.add(f"{fieldname}.name", f"{name!r} is not text")
        name = ""
    kind = given[0]
    if kind == "lat/lon":
        lat, lon = v.get("lat"), v.get("lon")
        ok = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (lat, lon))
        x0, y0, x1, y1 = settings.hcmc_bbox
        if not ok or not (y0 <= lat <= y1 and x0 <= lon <= x1):
            c.add(
                f"{fieldname}.lat/lon",
                f"({lat!r}, {lon!r}) is not a point in Ho Chi Minh City "
                f"(lat {y0}–{y1}, lon {x0}–{x1}); check the order: lat is ~10.8, lon ~106.7",
            )
            return None
        if not name:
            c.add(f"{fieldname}.name", "is missing; a lat/lon place needs a name to show")
        return Place("point", name, float(lat), float(lon))
    value = v[kind]
    if not isinstance(value, str) or not value.strip():
        c.add(f"{fieldname}.{kind}", f"{value!r} is not a non-empty text")
        return None
    value = value.strip()
    if kind == "producer":
        return Place("producer", name or value, float("nan"), float("nan"), value)
    if pois is None:
        return Place("poi", name or value, float("nan"), float("nan"), value)
    if kind == "osm":
        if not _OSM_REF.match(value) or value not in pois.by_ref:
            c.add(f"{fieldname}.osm", f"{value!r} is not a POI id in {settings.pois_file.name}")
            return None
        hit = pois.by_ref[value]
        return Place("poi", name or hit.name, hit.lat, hit.lon, hit.ref, hit.category)
    hits = pois.find(value)
    if not hits:
        hint = pois.suggest(value)
        c.add(
            f"{fieldname}.poi",
            f"no POI named {value!r} in {settings.pois_file.name}"
            + (f"; did you mean {', '.join(repr(h) for h in hint)}?" if hint else "")
            + " (or give lat, lon and name)",
        )
        return None
    if len({h.ref for h in hits}) > 1:
        refs = ", ".join(f"{h.ref} ({h.category})" for h in hits[:5])
        c.add(f"{fieldname}.poi", f'{value!r} names {len(hits)} POIs: {refs}; use osm = "..."')
        return None
    hit = hits[0]
    return Place("poi", name or hit.name, hit.lat, hit.lon, hit.ref, hit.category)


def _days(c: Problems, data: Mapping[str, Any], default_window: tuple[int, int]) -> list[DaySpec]:
    raw = data.get("days")
    if raw is None:
        c.add("days", 'is missing; add days = ["2026-12-05"] (dates) or ["Sa"] (weekdays)')
        return []
    if not isinstance(raw, list) or not raw:
        c.add("days", f"{raw!r} is not a non-empty list of dates or weekdays")
        return []
    out: list[DaySpec] = []
    for i, item in enumerate(raw):
        where = f"days[{i}]"
        window = default_window
        if isinstance(item, Mapping):
            _unknown_keys(c, item, {"date", "weekday", "window"}, where)
            if "window" in item:
                window = _hhmm_pair(c, item["window"], f"{where}.window") or default_window
            item = item.get("date", item.get("weekday"))
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            out.append(DaySpec(item, weekday_code(item), window))
        elif isinstance(item, str) and item in WEEKDAYS:
            out.append(DaySpec(None, item, window))
        elif isinstance(item, str):
            try:
                day = dt.date.fromisoformat(item)
            except ValueError:
                c.add(
                    where,
                    f"{item!r} is neither a YYYY-MM-DD date nor a weekday ({', '.join(WEEKDAYS)})",
                )
                continue
            out.append(DaySpec(day, weekday_code(day), window))
        else:
            c.add(where, f"{item!r} is neither a date nor a weekday code")
    dates = [d.date for d in out if d.date is not None]
    if len(set(dates)) != len(dates):
        c.add("days", "lists the same date twice; each day is planned once")
    if dates and len(dates) != len(out):
        c.add("days", "mixes dates and weekdays; use one or the other")
    return out


def _lunch(c: Problems, v: Any, pois: PoiIndex | None) -> Lunch | None:
    if v is None:
        return None
    if not isinstance(v, Mapping):
        c.add("lunch", 'is not a table; write [lunch] window = ["11:00", "13:00"], minutes = 60')
        return None
    _unknown_keys(c, v, {"window", "minutes", "poi", "osm", "lat", "lon", "name"}, "lunch")
    window = _hhmm_pair(c, v.get("window"), "lunch.window")
    minutes = v.get("minutes", 60)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 10 <= minutes <= 240:
        c.add("lunch.minutes", f"{minutes!r} is not a whole number of minutes from 10 to 240")
        minutes = 60
    place = None
    if any(k in v for k in ("poi", "osm", "lat", "lon")):
        sub = {k: v[k] for k in ("poi", "osm", "lat", "lon", "name") if k in v}
        place = _place(c, sub, "lunch", pois)
    if window is None:
        return None
    return Lunch(window[0], window[1], minutes, place)


def _poi_stops(c: Problems, v: Any, pois: PoiIndex | None) -> list[PoiStop]:
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(t, Mapping) for t in v):
        c.add("poi_stops", "is not a list of tables; write [[poi_stops]] blocks")
        return []
    out: list[PoiStop] = []
    for i, t in enumerate(v):
        where = f"poi_stops[{i}]"
        allowed = {"poi", "osm", "lat", "lon", "name", "minutes", "opening_hours", "must_visit",
                   "score", "precision"}  # fmt: skip
        _unknown_keys(c, t, allowed, where)
        place = _place(
            c, {k: t[k] for k in ("poi", "osm", "lat", "lon", "name") if k in t}, where, pois
        )
        minutes = t.get("minutes", 60)
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 480:
            c.add(f"{where}.minutes", f"{minutes!r} is not a whole number of minutes from 5 to 480")
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
            c.add(f"{where}.must_visit", f"{must!r} is not true or false")
        if isinstance(score, bool) or not isinstance(score, int | float) or score < 0:
            c.add(f"{where}.score", f"{score!r} is not a number >= 0")
            score = 0.0
        precision = t.get("precision", "exact")
        if precision not in {"exact", "street", "commune", "district"}:
            c.add(f"{where}.precision", f"{precision!r} is not exact, street, commune or district")
        if place is None:
            continue
        stop_id = "poi-" + slugify(place.name or place.ref)
        if any(p.stop_id == stop_id for p in out):
            c.add(where, f"{place.name!r} is listed twice")
            continue
        out.append(PoiStop(stop_id, place, minutes, hours, bool(must), float(score), precision))
    return out


def _score(c: Problems, v: Any) -> ScoreWeights:
    if v is None:
        return ScoreWeights()
    if not isinstance(v, Mapping):
        c.add("score", "is not a table; write [score] star_4 = 6.0 ...")
        return ScoreWeights()
    allowed = {"star_3", "star_4", "star_5", "per_product", "must_visit_bonus"}
    kwargs: dict[str, float] = {}
    for key, val in v.items():
        if key not in allowed:
            c.add(f"score.{key}", f"is not a score weight; use {', '.join(sorted(allowed))}")
        elif isinstance(val, bool) or not isinstance(val, int | float) or val < 0:
            c.add(f"score.{key}", f"{val!r} is not a number >= 0")
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
        raise InputFileError(
            f"{settings.admin_dir}: cannot read the district lists ({exc})"
        ) from None
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
        c.add(
            "id", f"{route_id!r} must be lower-case letters, digits and dashes (e.g. 'cu-chi-food')"
        )
    title = {"vi": _text(c, data, "title_vi", required=True), "en": _text(c, data, "title_en")}
    title["en"] = title["en"] or title["vi"]
    description = {"vi": _text(c, data, "description_vi"), "en": _text(c, data, "description_en")}
    mode = _text(c, data, "mode") or "motorbike"
    if mode not in MODES:
        c.add("mode", f"{mode!r} is not a travel mode; choose one of {', '.join(MODES)}")
    start = _place(c, data["start"], "start", pois) if "start" in data else None
    if "start" not in data:
        c.add("start", 'is missing; add [start] poi = "Chợ Bến Thành" (or lat, lon, name)')
    end = _place(c, data["end"], "end", pois) if "end" in data else start
    window = (8 * 60, 17 * 60 + 30)
    if "day_window" in data:
        window = _hhmm_pair(c, data["day_window"], "day_window") or window
    days = _days(c, data, window)
    holidays: set[dt.date] = set()
    for i, h in enumerate(data.get("holidays", []) or []):
        try:
            holidays.add(h if isinstance(h, dt.date) else dt.date.fromisoformat(str(h)))
        except ValueError:
            c.add(f"holidays[{i}]", f"{h!r} is not a YYYY-MM-DD date")
    lunch = _lunch(c, data.get("lunch"), pois)
    for d in days:
        if lunch and not (
            d.window[0] <= lunch.earliest and lunch.latest + lunch.minutes <= d.window[1]
        ):
            c.add("lunch.window", "does not fit inside the day window; move it or widen day_window")
            break
    themes = []
    for i, t in enumerate(_str_list(c, data, "themes")):
        group = parse_group(t)
        if group is None:
            c.add(f"themes[{i}]", f"{t!r} is not an OCOP group; use e.g. 'Thực phẩm' or 'Food'")
        else:
            themes.append(group.vi)
    district_names = _str_list(c, data, "districts")
    for i, name in enumerate(district_names):
        if districts is not None and admin_key(name, level="district") not in districts:
            c.add(
                f"districts[{i}]",
                f"{name!r} is not a Ho Chi Minh City district; use e.g. 'Củ Chi', 'Quận 3'",
            )
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
        c.add("time_limit", f"{time_limit!r} is not a number of seconds in (0, 600]")
        time_limit = 2.0
    must = _str_list(c, data, "must_visit")
    exclude = _str_list(c, data, "exclude")
    for both in sorted(set(must) & set(exclude)):
        c.add("must_visit", f"{both!r} is also in exclude; remove it from one of them")
    score = _score(c, data.get("score"))
    poi_stops = _poi_stops(c, data.get("poi_stops"), pois)
    c.raise_if_any(f"{source}: {len(c.problems)} problem(s) in the route spec")
    assert start is not None and end is not None
    return RouteSpec(
        id=route_id, title=title, description=description, mode=mode, start=start, end=end,
        days=tuple(days), lunch=lunch, themes=tuple(themes), districts=tuple(district_names),
        min_stars=min_stars, must_visit=tuple(must), exclude=tuple(exclude),
        max_stops_per_day=max_stops, default_visit_minutes=visit, score=score, seed=seed,
        time_limit=float(time_limit), holidays=frozenset(holidays), poi_stops=tuple(poi_stops),
        source=source,
    )  # fmt: skip


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
        raise InputFileError(f"{path}: file not found; bundled specs are in data/routes/") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror}); pass a route spec .toml file") from None
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not UTF-8 text; save the spec as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(
            f"{path}: not valid TOML: {exc}; fix the syntax at that line"
        ) from None
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
