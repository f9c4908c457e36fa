"""The near-here file: the places that get an "OCOP near here" page, from CSV or TOML (``publish --near FILE``).

Each place is named as route specs name theirs (:mod:`ocop_geo.spec`): exactly one of ``venue`` (a registry venue:
its id or its name), ``poi`` (a name in the bundled OSM POI layer), ``osm`` (``"node/123"`` in that layer) or
``lat`` + ``lon`` with a ``name``. Optional: ``name`` (shown instead of the venue's or POI's), ``kind`` (hotel,
restaurant, showroom, … in Vietnamese or English; default the venue's kind or the POI's category), ``minutes``
(5–120, default 30), ``modes`` (motorbike, car, coach, bicycle, walk; default motorbike) and ``address``.

CSV (UTF-8, header row; empty cells take the defaults; ``modes`` separated by spaces, commas or ``+``)::

    venue,poi,osm,lat,lon,name,kind,minutes,modes
    HCM-V01,,,,,,,,
    ,Rex Hotel,,,,,hotel,20,motorbike car
    ,,,10.7769,106.7009,Khách sạn Hoa Mai,hotel,30,motorbike

TOML (top-level ``minutes`` / ``modes`` are the defaults of every place)::

    minutes = 30
    modes = ["motorbike", "car"]

    [[place]]
    venue = "HCM-V01"

    [[place]]
    poi = "Rex Hotel"
    kind = "hotel"
    minutes = 20

Every problem of the file is collected and raised at once, naming the file, the row (CSV line, or ``place[i]``) and
the field. The places come back as :class:`NearVenue`; :func:`registry_near_venues` makes the same from the
registry's placed venues (what ``ocop-geo demo`` publishes).
"""

from __future__ import annotations

import logging
import math
import os
import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from ._errors import InputFileError, Problems
from .i18n import gettext as _
from .modes import MODES
from .nearby import DEFAULT_MINUTES
from .registry_schema import (
    DATED_VENUE_KINDS,
    VENUE_KINDS,
    header_key,
    parse_float,
    parse_venue_kind,
)
from .spec import PoiIndex, VenueIndex, read_place
from .tableio import read_table

__all__ = ["NEAR_FIELDS", "NearVenue", "read_near_file", "registry_near_venues"]

log = logging.getLogger(__name__)

#: The fields of a near-file row, in the CSV's documented order.
NEAR_FIELDS: tuple[str, ...] = ("venue", "poi", "osm", "lat", "lon", "name", "kind", "minutes", "modes", "address")
_PLACE_KEYS = ("venue", "poi", "osm", "lat", "lon", "name")
_MINUTES = (5, 120)
#: POI categories (``key=value`` of the POI layer) and the venue kind they stand for.
_POI_KINDS = {"tourism=hotel": "hotel", "tourism=guest_house": "hotel", "tourism=hostel": "hotel",
              "tourism=motel": "hotel", "tourism=apartment": "hotel", "amenity=restaurant": "restaurant",
              "amenity=cafe": "restaurant", "amenity=fast_food": "restaurant", "amenity=marketplace": "market",
              "shop=gift": "point_of_sale"}  # fmt: skip


@dataclass(frozen=True)
class NearVenue:
    """A place the department wants an "OCOP near here" page for.

    ``kind`` is a venue kind code (``registry_schema.VENUE_KINDS``) or ``""``; ``venue_id`` is set for a registry
    venue (it is left out of its own list); ``precision`` is the location's (``"exact"`` for a POI or a point).
    ``minutes`` and ``modes`` say what the page lists: the places within that many minutes by each mode, the first
    mode first. ``source`` names where it was given (``"near.csv: line 3"``), for messages.
    """

    name: str
    lat: float
    lon: float
    kind: str = ""
    venue_id: str = ""
    precision: str = "exact"
    minutes: int = DEFAULT_MINUTES
    modes: tuple[str, ...] = ("motorbike",)
    address: str = ""
    ward: str = ""
    district: str = ""
    unit_2025: str = ""
    opening_hours: str = ""
    contact: str = ""
    source: str = field(default="", compare=False)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _venue(row: Mapping[str, object], name: str = "", **given: object) -> NearVenue:
    """A :class:`NearVenue` from one row of ``Registry.venues`` (placed); ``given`` fields replace the row's."""
    fields: dict[str, object] = {
        "name": name or _cell(row.get("name")), "lat": float(row["lat"]), "lon": float(row["lon"]),  # type: ignore[arg-type]
        "kind": _cell(row.get("kind")), "venue_id": _cell(row.get("venue_id")),
        "precision": _cell(row.get("location_precision")) or "exact",
        **{k: _cell(row.get(k)) for k in ("address", "ward", "district", "unit_2025", "opening_hours", "contact")},
    }  # fmt: skip
    fields.update({k: v for k, v in given.items() if v not in ("", None)})
    return NearVenue(**fields)  # type: ignore[arg-type]


def registry_near_venues(venues: gpd.GeoDataFrame, *, minutes: int = DEFAULT_MINUTES,
                         modes: Sequence[str] = ("motorbike",),
                         exclude_kinds: Collection[str] = DATED_VENUE_KINDS) -> list[NearVenue]:  # fmt: skip
    """Every placed venue of the registry as a near-here place (what ``ocop-geo demo`` publishes).

    Parameters
    ----------
    venues
        :attr:`ocop_geo.registry.Registry.venues` (EPSG:4326).
    minutes, modes
        What each page lists: the places within ``minutes`` by each of ``modes``.
    exclude_kinds
        Venue kinds left out: by default fairs (they run on given days only; a page for a past fair helps no one).

    Returns
    -------
    list of NearVenue
        In the registry's order; unplaced venues are left out.
    """
    for mode in modes:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: choose from {', '.join(MODES)}")
    out = []
    for rec in venues.drop(columns="geometry", errors="ignore").to_dict("records"):
        lat, lon = parse_float(_cell(rec.get("lat"))), parse_float(_cell(rec.get("lon")))
        if lat is None or lon is None or _cell(rec.get("kind")) in set(exclude_kinds):
            continue
        out.append(_venue({**rec, "lat": lat, "lon": lon}, minutes=int(minutes), modes=tuple(modes),
                          source=_("registry venue {id}", id=_cell(rec.get("venue_id")))))  # fmt: skip
    return out


def _modes(c: Problems, value: object, key: str) -> tuple[str, ...] | None:
    items = re.split(r"[\s,;+/]+", value.strip()) if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(m, str) for m in items):
        c.add(key, _('{value!r} is not a list of modes; write "motorbike car" or ["motorbike", "car"]', value=value))
        return None
    wanted = [m.strip().lower() for m in items if m.strip()]
    bad = [m for m in wanted if m not in MODES]
    if bad or not wanted:
        modes = ", ".join(MODES)
        c.add(key, _("{values}: modes are {modes}", values=", ".join(map(repr, bad)), modes=modes) if bad
              else _("none given: modes are {modes}", modes=modes))
        return None
    return tuple(dict.fromkeys(wanted))


def _minutes(c: Problems, value: object, key: str) -> int | None:
    if isinstance(value, str):
        number = parse_float(value)
        value = int(number) if number is not None and number == int(number) else value
    lo, hi = _MINUTES
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        c.add(key, _("{value!r} is not a whole number of minutes from {lo} to {hi}", value=value, lo=lo, hi=hi))
        return None
    return value


def _resolve(c: Problems, raw: Mapping[str, object], where: str, *, defaults: Mapping[str, object],
             pois: PoiIndex, venues: VenueIndex) -> NearVenue | None:  # fmt: skip
    """One row or table of the file as a :class:`NearVenue`; problems go to ``c`` under ``where``."""
    n0 = len(c.problems)
    for key in raw:
        if key not in NEAR_FIELDS:
            c.add(f"{where}{key}", _("is not a known field; use {fields}", fields=", ".join(NEAR_FIELDS)))
            return None
    table = {k: raw[k] for k in _PLACE_KEYS if k in raw and raw[k] not in ("", None)}
    for key in ("lat", "lon"):
        if isinstance(table.get(key), str):
            number = parse_float(str(table[key]))
            if number is None:
                c.add(f"{where}{key}", _("{value!r} is not a number; write e.g. 10.7769", value=table[key]))
                return None
            table[key] = number
    name = _cell(table.get("name"))
    kind_text = _cell(raw.get("kind"))
    kind = parse_venue_kind(kind_text) if kind_text else ""
    if kind is None:
        c.add(f"{where}kind", _("{value!r} is not a venue kind; use one of {kinds}", value=kind_text,
                                kinds=", ".join(VENUE_KINDS)))
    minutes = _minutes(c, raw["minutes"] if "minutes" in raw else defaults.get("minutes", DEFAULT_MINUTES),
                       f"{where}minutes")
    modes = _modes(c, raw["modes"] if "modes" in raw else defaults.get("modes", ("motorbike",)), f"{where}modes")
    address = raw.get("address", "")
    if not isinstance(address, str):
        c.add(f"{where}address", _("{value!r} is not text; put it in quotes", value=address))
    if "venue" in table:
        extra = sorted(set(table) - {"venue", "name"})
        if extra:
            c.add(f"{where}venue", _("give exactly one of venue, poi, osm or lat+lon (found venue and {others})",
                                     others=", ".join(extra)))
            return None
        row = venues.find(c, _cell(table["venue"]), f"{where}venue")
        if row is None or len(c.problems) > n0:
            return None
        return _venue(row, name, kind=kind, minutes=minutes, modes=modes, address=address,
                      source=where.rstrip(": ").rstrip("."))
    base = where.rstrip(": ").rstrip(".")
    sub = Problems("")
    place = read_place(sub, table, base, pois)  # the spec's own place reader: the same names, the same messages
    c.extend([c.path(p.replace(f"{base}.", where, 1)) for p in sub.problems])  # "line 3: poi: …" / "place[0].poi: …"
    if place is None or len(c.problems) > n0:
        return None
    return NearVenue(name=place.name, lat=place.lat, lon=place.lon, kind=kind or _POI_KINDS.get(place.category, ""),
                     minutes=minutes, modes=modes, address=_cell(address), source=base)  # type: ignore[arg-type]  # fmt: skip


def _rows(path: Path) -> tuple[list[tuple[str, dict[str, object]]], dict[str, object]]:
    """``(where, fields)`` of each place in the file, and the file's defaults (TOML only)."""
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputFileError(_("{path}: file not found. Check the path.", path=path)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputFileError(_("{path}: cannot be read as UTF-8 text ({error}); save it as UTF-8", path=path,
                                   error=exc)) from None
        except tomllib.TOMLDecodeError as exc:
            raise InputFileError(_("{path}: not valid TOML: {error}; fix the syntax at that line", path=path,
                                   error=exc)) from None
        unknown = sorted(set(data) - {"place", "minutes", "modes"})
        places = data.get("place", [])
        if unknown or not isinstance(places, list) or not all(isinstance(p, dict) for p in places):
            raise InputFileError(
                _("{path}: expected top-level minutes / modes and [[place]] tables, not {keys}", path=path,
                  keys=", ".join(unknown)) if unknown
                else _("{path}: expected top-level minutes / modes and [[place]] tables", path=path))
        defaults = {k: data[k] for k in ("minutes", "modes") if k in data}
        return [(f"place[{i}].", dict(p)) for i, p in enumerate(places)], defaults
    if path.suffix.lower() not in (".csv", ".tsv", ".txt", ".xlsx"):
        raise InputFileError(_("{path}: a near-here file is .csv or .toml (or .xlsx), not {suffix!r}", path=path,
                               suffix=path.suffix))
    table = read_table(path, known_headers=set(NEAR_FIELDS))
    for notice in table.notices:
        log.warning("%s", notice)
    headers = {col: header_key(col).replace(" ", "_") for col in table.frame.columns}
    unknown = [col for col, key in headers.items() if key not in NEAR_FIELDS]
    if unknown:
        raise InputFileError(_("{path}: column(s) {columns} are not near-here fields; the header row names some of "
                               "{fields}", path=path, columns=", ".join(map(repr, unknown)),
                               fields=", ".join(NEAR_FIELDS)))
    rows = []
    for number, (_index, rec) in zip(table.row_numbers, table.frame.iterrows(), strict=True):
        rows.append((_("line {n}", n=number) + ": ", {headers[k]: v for k, v in rec.items() if _cell(v)}))
    return rows, {}


def read_near_file(path: str | os.PathLike, *, pois: PoiIndex, venues: gpd.GeoDataFrame) -> list[NearVenue]:
    """Read a near-here file (CSV or TOML, see the module) and resolve every place.

    Parameters
    ----------
    path
        The file.
    pois
        The POI layer the ``poi`` and ``osm`` names are looked up in (:func:`ocop_geo.spec.load_pois`).
    venues
        :attr:`ocop_geo.registry.Registry.venues`, where ``venue`` names are looked up.

    Returns
    -------
    list of NearVenue
        In the file's order.

    Raises
    ------
    InputFileError
        The file is missing, unreadable, not CSV / TOML, or has no place.
    ValidationError
        Every bad row, each naming the file, the row and the field.
    """
    path = Path(path)
    rows, defaults = _rows(path)
    if not rows:
        raise InputFileError(_("{path}: no place listed; add a row per venue (see ocop-geo publish --help)",
                               path=path))
    c = Problems(str(path), sep=": ")
    if defaults:  # checked once here; a bad default is not repeated at every place
        defaults["minutes"] = _minutes(c, defaults.get("minutes", DEFAULT_MINUTES), "minutes") or DEFAULT_MINUTES
        defaults["modes"] = _modes(c, defaults.get("modes", ("motorbike",)), "modes") or ("motorbike",)
    index = VenueIndex(venues)
    out: list[NearVenue] = []
    seen: dict[tuple[str, float, float], str] = {}
    for where, raw in rows:
        if not raw:
            continue
        got = _resolve(c, raw, where, defaults=defaults, pois=pois, venues=index)
        if got is None:
            continue
        key = (got.venue_id or got.name, round(got.lat, 5), round(got.lon, 5))
        if key in seen:
            c.add(where.rstrip(": ").rstrip("."), _("{name!r} is already listed at {where}; list each place once",
                                                    name=got.name, where=seen[key]))
            continue
        seen[key] = where.rstrip(": ").rstrip(".")
        out.append(got)
    c.raise_if_any(_("{path}: {n} problem(s) in the near-here file", path=path, n=len(c.problems)))
    log.info("read %d near-here place(s) from %s", len(out), path)
    return out
