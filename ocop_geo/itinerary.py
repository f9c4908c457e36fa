"""The itinerary: what the planner produces and the map, export and site modules read.

The JSON contract is ``ocop_geo.itinerary/1``: times are local ``"HH:MM"`` strings, durations
in seconds (legs) or minutes (visits), distances in metres, coordinates ``[lon, lat]``.
Each day may carry the officer's :class:`Verdict` (``good`` / ``thin`` / ``empty``, see
:mod:`ocop_geo.verdict`) and each left-out producer a Vietnamese reason (``reason_vi``); each stop
its ``address``, ``phone``, ``zalo`` and ``website`` from the registry (:data:`CONTACT_FIELDS`).
All are optional, so files written before them still read.
Build the dataclasses in code, write them with :func:`write_itinerary` and read them back with
:func:`read_itinerary`, which validates the schema tag and every field and names the file and
the path of every bad field it finds (not just the first).

Example
-------
>>> it = read_itinerary("maps/cu-chi-food-day/itinerary.json")  # doctest: +SKIP
>>> [s.name for s in it.days[0].stops]  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry import LineString, Point

from ._errors import InputFileError, Problems, ValidationError
from .fileio import csv_cell, write_text_atomic
from .matrix import Leg
from .opening_hours import WEEKDAYS
from .registry import Product

__all__ = [
    "CONTACT_FIELDS",
    "NOT_CHOSEN_CODES",
    "SCHEMA",
    "STOP_KINDS",
    "Day",
    "Itinerary",
    "Leg",
    "NotChosen",
    "Product",
    "VERDICT_STATUSES",
    "Stop",
    "Totals",
    "Verdict",
    "VerdictReason",
    "itinerary_rows",
    "read_itinerary",
    "write_itinerary",
    "with_contacts",
    "write_itinerary_csv",
]

#: Schema tag written in every itinerary file.
SCHEMA = "ocop_geo.itinerary/1"

#: Allowed values of ``Stop.kind``.
STOP_KINDS: frozenset[str] = frozenset({"start", "producer", "poi", "lunch", "end"})

#: Allowed values of ``NotChosen.code`` and what each means.
NOT_CHOSEN_CODES: dict[str, str] = {
    "closed": "closed on every planned day (or the opening hours leave no time for the visit)",
    "no_time": "open, but does not fit in the day with the chosen stops",
    "below_min_stars": "fewer stars than the route's minimum (or a rating the registry does not know)",
    "candidate": "no certified OCOP product yet: its products are candidates, not certified",
    "theme": "no product in the route's themes",
    "district": "outside the route's districts",
    "outside_coverage": "location not reachable on the road network",
    "centroid": "placed only at a ward / commune / district centre (no address): it cannot be routed",
    "excluded": "excluded by the route spec",
    "max_stops": "the day already has the maximum number of stops",
    "unplaced": "the registry has no location for this producer",
}

#: Stop fields a visitor needs to find and call a place, copied from the registry (optional in the contract).
CONTACT_FIELDS: tuple[str, ...] = ("address", "phone", "zalo", "website")

_STOP_COLUMNS = ("day", "date", "seq", "kind", "site_id", "name", "arrival", "start", "end", "wait_min", "visit_min",
                 "stars", "products", "district", "ward", "unit_2025", "precision", "opening_hours",
                 *CONTACT_FIELDS, "geometry")
_LEG_COLUMNS = ("day", "to_seq", "from_name", "to_name", "travel_min", "distance_km", "off_network", "note",
                "geometry")
_HHMM = re.compile(r"^([01]\d|2[0-4]):[0-5]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _leg_from_dict(d: dict[str, Any], *, where: str = "leg_in") -> Leg:
    """A :class:`~ocop_geo.matrix.Leg` from its JSON dict; raise ValidationError listing every bad field."""
    p = _JsonFields(where)
    travel = p.number(d, "travel_s")
    dist = p.number(d, "distance_m")
    off = p.boolean(d, "off_network", default=False)
    note = p.text(d, "note", default="")
    coords = p.coordinates(d, "coordinates")
    p.raise_if_any()
    return Leg(travel, dist, coords, off, note)


def _product_from_dict(d: dict[str, Any], *, where: str = "product") -> Product:
    """A :class:`~ocop_geo.registry.Product` from its JSON dict; raise ValidationError listing every bad field."""
    p = _JsonFields(where)
    name = p.text(d, "name")
    stars = p.integer(d, "stars", optional=True)
    group = p.text(d, "group", default="")
    group_en = p.text(d, "group_en", default="")
    p.raise_if_any()
    return Product(name, stars, group, group_en)


@dataclass(frozen=True)
class Stop:
    """One stop of a day, in visiting order (``seq`` 0 is the start).

    Times are local ``"HH:MM"``; ``arrival`` is None at the start. Producer stops carry the
    registry's district, ward, stars, score, groups, products and opening hours; other kinds
    leave them empty, but a venue of the registry used as a stop (kind ``"poi"``, ``site_id`` its
    ``venue_id``) may carry its district, ward, 2025 unit and opening hours. ``unit_2025`` is the
    post-7/2025 phường / xã / đặc khu of the place (empty when not known: older files, old frames);
    a place in the former Bình Dương or Bà Rịa–Vũng Tàu may have it and no old district.
    ``address``, ``phone`` (normalised, e.g. ``"0903 123 456"``; several joined by ``", "``), ``zalo`` (a
    number or a ``https://zalo.me/…`` link) and ``website`` come from the registry's producer or venue
    (empty when it gives none); any kind may carry them. ``hours_assumed`` says the registry gave no opening
    hours, so ``opening_hours`` is the planner's assumption (None: not known, a file written before it).
    """

    seq: int
    kind: str
    site_id: str | None
    name: str
    lat: float
    lon: float
    precision: str
    arrival: str | None
    wait_min: float
    start: str
    end: str
    visit_min: float
    leg_in: Leg | None = None
    district: str = ""
    ward: str = ""
    stars: int | None = None
    score: float = 0.0
    groups: tuple[str, ...] = ()
    products: tuple[Product, ...] = ()
    opening_hours: str = ""
    unit_2025: str = ""
    producer_ids: tuple[str, ...] = ()
    address: str = ""
    phone: str = ""
    zalo: str = ""
    website: str = ""
    hours_assumed: bool | None = None

    @property
    def producers(self) -> tuple[str, ...]:
        """Every producer this stop visits: several when producers share one location, else its ``site_id``."""
        if self.producer_ids:
            return self.producer_ids
        return (self.site_id,) if self.kind == "producer" and self.site_id else ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; producer-only fields are written for producer stops only.

        ``unit_2025`` is optional in the contract: written when known. Other kinds write their
        district, ward, 2025 unit and opening hours when they have them (a venue stop). Every kind writes
        the contact fields (:data:`CONTACT_FIELDS`) it has.
        """
        d: dict[str, Any] = {
            "seq": self.seq,
            "kind": self.kind,
            "site_id": self.site_id,
            "name": self.name,
            "lat": round(float(self.lat), 6),
            "lon": round(float(self.lon), 6),
            "precision": self.precision,
        }
        if self.kind == "producer":
            d.update(
                district=self.district,
                ward=self.ward,
                stars=self.stars,
                score=round(float(self.score), 3),
                groups=list(self.groups),
                products=[p.to_dict() for p in self.products],
                opening_hours=self.opening_hours,
            )
            if self.unit_2025:
                d["unit_2025"] = self.unit_2025
            if len(self.producer_ids) > 1:  # one stop visiting producers at one location (optional)
                d["producer_ids"] = list(self.producer_ids)
        else:
            d.update({k: v for k, v in (("district", self.district), ("ward", self.ward),
                                        ("unit_2025", self.unit_2025), ("opening_hours", self.opening_hours))
                      if v})  # fmt: skip
        d.update({k: getattr(self, k) for k in CONTACT_FIELDS if getattr(self, k)})
        if self.hours_assumed is not None:
            d["hours_assumed"] = self.hours_assumed
        d.update(
            arrival=self.arrival,
            wait_min=round(float(self.wait_min), 1),
            start=self.start,
            end=self.end,
            visit_min=round(float(self.visit_min), 1),
            leg_in=None if self.leg_in is None else self.leg_in.to_dict(),
        )
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str = "stop") -> Stop:
        """Build from a dict; raise ValidationError listing every bad field."""
        p = _JsonFields(where)
        seq = p.integer(d, "seq")
        kind = p.choice(d, "kind", STOP_KINDS)
        site_id = p.text(d, "site_id", optional=True)
        name = p.text(d, "name")
        lat = p.number(d, "lat", lo=-90, hi=90)
        lon = p.number(d, "lon", lo=-180, hi=180)
        precision = p.text(d, "precision", default="exact")
        arrival = p.hhmm(d, "arrival", optional=True)
        wait = p.number(d, "wait_min", default=0.0, lo=0)
        start = p.hhmm(d, "start")
        end = p.hhmm(d, "end")
        visit = p.number(d, "visit_min", default=0.0, lo=0)
        leg = p.nested(d, "leg_in", _leg_from_dict)
        products = p.nested_list(d, "products", _product_from_dict)
        groups = p.text_list(d, "groups")
        stars = p.integer(d, "stars", optional=True)
        score = p.number(d, "score", default=0.0)
        district = p.text(d, "district", default="")
        ward = p.text(d, "ward", default="")
        hours = p.text(d, "opening_hours", default="")
        unit_2025 = p.text(d, "unit_2025", default="")
        producer_ids = p.text_list(d, "producer_ids")
        contact = [p.text(d, k, default="") for k in CONTACT_FIELDS]
        present = isinstance(d, dict) and d.get("hours_assumed") is not None
        hours_assumed = p.boolean(d, "hours_assumed", default=False) if present else None
        p.raise_if_any()
        return cls(
            seq, kind, site_id, name, lat, lon, precision, arrival, wait, start, end, visit,
            leg, district, ward, stars, score, groups, products, hours, unit_2025, producer_ids, *contact,
            hours_assumed,
        )  # fmt: skip


@dataclass(frozen=True)
class Totals:
    """Sums over a day or the whole itinerary; ``n_stops`` counts producer and POI visits only."""

    travel_s: float = 0.0
    distance_m: float = 0.0
    visit_min: float = 0.0
    score: float = 0.0
    n_stops: int = 0
    n_days: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``n_days`` only on the itinerary's totals)."""
        d: dict[str, Any] = {
            "travel_s": round(float(self.travel_s), 1),
            "distance_m": round(float(self.distance_m), 1),
            "visit_min": round(float(self.visit_min), 1),
            "score": round(float(self.score), 3),
            "n_stops": int(self.n_stops),
        }
        if self.n_days is not None:
            d["n_days"] = int(self.n_days)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str = "totals") -> Totals:
        """Build from a dict; raise ValidationError listing every bad field."""
        p = _JsonFields(where)
        vals = (
            p.number(d, "travel_s", lo=0),
            p.number(d, "distance_m", lo=0),
            p.number(d, "visit_min", lo=0),
            p.number(d, "score"),
            p.integer(d, "n_stops"),
            p.integer(d, "n_days", optional=True),
        )
        p.raise_if_any()
        return cls(*vals)

    @classmethod
    def of_stops(cls, stops: tuple[Stop, ...] | list[Stop]) -> Totals:
        """Sum the legs, visits and scores of one day's stops."""
        legs = [s.leg_in for s in stops if s.leg_in is not None]
        visits = [s for s in stops if s.kind in {"producer", "poi"}]
        return cls(
            travel_s=sum(leg.travel_s for leg in legs),
            distance_m=sum(leg.distance_m for leg in legs),
            visit_min=sum(s.visit_min for s in visits),
            score=sum(s.score for s in visits),
            n_stops=len(visits),
        )


#: Values of ``Verdict.status``, best first (see :mod:`ocop_geo.verdict` for the rules).
VERDICT_STATUSES: tuple[str, ...] = ("good", "thin", "empty")


@dataclass(frozen=True)
class VerdictReason:
    """Why a day is not ``good`` and what to change, in both languages; ``code`` names the rule."""

    code: str
    vi: str
    en: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"code": self.code, "vi": self.vi, "en": self.en}

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str = "reason") -> VerdictReason:
        """Build from a dict; raise ValidationError listing every bad field."""
        p = _JsonFields(where)
        vals = (p.text(d, "code"), p.text(d, "vi", default=""), p.text(d, "en", default=""))
        p.raise_if_any()
        return cls(*vals)


@dataclass(frozen=True)
class Verdict:
    """The officer's verdict on one planned day (optional in the contract: older files have none).

    ``status`` is one of :data:`VERDICT_STATUSES`; ``reasons`` say why a day is not ``good`` and
    what to change; ``summary`` is the one-line verdict (vi / en). ``products`` counts the
    certified OCOP products of the producers visited, ``stars`` the best rating of each producer stop in visiting
    order (None: not known); minutes are travel, waiting (total and the longest wait), and the day
    window left after the return (``unused_min``). ``lunch_detour_min`` is the extra travel the
    lunch stop adds to the route (None: no lunch, or not known); ``available`` is how many
    producers match the route (themes, districts, stars), are reachable, open long enough that day
    and are not visited on another day of the route (None: not known, e.g. recomputed from a file).
    """

    status: str
    producers: int
    products: int
    stars: tuple[int | None, ...]
    distance_km: float
    travel_min: float
    wait_min: float
    longest_wait_min: float
    unused_min: float
    lunch_detour_min: float | None = None
    available: int | None = None
    reasons: tuple[VerdictReason, ...] = ()
    summary: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "status": self.status,
            "producers": self.producers,
            "products": self.products,
            "stars": list(self.stars),
            "distance_km": round(float(self.distance_km), 2),
            "travel_min": round(float(self.travel_min), 1),
            "wait_min": round(float(self.wait_min), 1),
            "longest_wait_min": round(float(self.longest_wait_min), 1),
            "unused_min": round(float(self.unused_min), 1),
            "lunch_detour_min": None if self.lunch_detour_min is None else round(float(self.lunch_detour_min), 1),
            "available": self.available,
            "reasons": [r.to_dict() for r in self.reasons],
            "summary": dict(self.summary or {"vi": "", "en": ""}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str = "verdict") -> Verdict:
        """Build from a dict; raise ValidationError listing every bad field."""
        p = _JsonFields(where)
        status = p.choice(d, "status", frozenset(VERDICT_STATUSES))
        producers = p.integer(d, "producers")
        products = p.integer(d, "products")
        stars = p.optional_int_list(d, "stars")
        km = p.number(d, "distance_km", lo=0)
        travel = p.number(d, "travel_min", lo=0)
        wait = p.number(d, "wait_min", lo=0)
        longest = p.number(d, "longest_wait_min", default=0.0, lo=0)
        unused = p.number(d, "unused_min", default=0.0)
        has_detour = isinstance(d, dict) and d.get("lunch_detour_min") is not None
        detour = p.number(d, "lunch_detour_min") if has_detour else None
        available = p.integer(d, "available", optional=True)
        reasons = p.nested_list(d, "reasons", VerdictReason.from_dict)
        summary = p.lang_pair(d, "summary", required=False)
        p.raise_if_any()
        return cls(status, producers, products, stars, km, travel, wait, longest, unused, detour, available,
                   reasons, summary)  # fmt: skip


@dataclass(frozen=True)
class Day:
    """One day of the itinerary: its date (None for a weekday-only spec), window and stops."""

    day: int
    date: str | None
    weekday: str
    window: tuple[str, str]
    color: str
    stops: tuple[Stop, ...]
    totals: Totals
    verdict: Verdict | None = None

    @property
    def n_producers(self) -> int:
        """OCOP producers visited this day."""
        return sum(1 for s in self.stops if s.kind == "producer")

    @property
    def status(self) -> str | None:
        """The verdict's status; without a verdict (older files) ``"empty"`` when no producer is
        visited, else None (not judged)."""
        if self.verdict is not None:
            return self.verdict.status
        return "empty" if self.n_producers == 0 else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``verdict`` is written when the day has one."""
        d: dict[str, Any] = {
            "day": self.day,
            "date": self.date,
            "weekday": self.weekday,
            "window": list(self.window),
            "color": self.color,
            "stops": [s.to_dict() for s in self.stops],
            "totals": self.totals.to_dict(),
        }
        if self.verdict is not None:
            d["verdict"] = self.verdict.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str = "day") -> Day:
        """Build from a dict; raise ValidationError listing every bad field."""
        p = _JsonFields(where)
        day = p.integer(d, "day")
        date = p.text(d, "date", optional=True)
        if date is not None and not _DATE.match(date):
            p.add("date", f"{date!r} is not a YYYY-MM-DD date")
        weekday = p.choice(d, "weekday", frozenset(WEEKDAYS))
        window = p.window(d, "window")
        color = p.text(d, "color", default="#3388ff")
        if color and not _COLOR.match(color):
            p.add("color", f"{color!r} is not a #rrggbb colour")
        stops = p.nested_list(d, "stops", Stop.from_dict)
        totals = p.nested(d, "totals", Totals.from_dict, required=True)
        verdict = p.nested(d, "verdict", Verdict.from_dict)
        p.raise_if_any()
        return cls(day, date, weekday, window, color, stops, totals, verdict)


@dataclass(frozen=True)
class NotChosen:
    """A candidate the planner left out, with a code from :data:`NOT_CHOSEN_CODES` and a reason in
    plain words, English (``reason``) and Vietnamese (``reason_vi``; optional in the contract:
    older files have none, and pages then show the English text)."""

    site_id: str
    name: str
    code: str
    reason: str
    reason_vi: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``reason_vi`` written when known)."""
        d = {
            "site_id": self.site_id,
            "name": self.name,
            "code": self.code,
            "reason": self.reason,
        }
        if self.reason_vi:
            d["reason_vi"] = self.reason_vi
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str = "not_chosen") -> NotChosen:
        """Build from a dict; raise ValidationError listing every bad field."""
        p = _JsonFields(where)
        vals = (
            p.text(d, "site_id"),
            p.text(d, "name"),
            p.choice(d, "code", frozenset(NOT_CHOSEN_CODES)),
            p.text(d, "reason", default=""),
            p.text(d, "reason_vi", default=""),
        )
        p.raise_if_any()
        return cls(*vals)


@dataclass(frozen=True)
class Itinerary:
    """A planned route: days of ordered stops, totals, left-out candidates and warnings."""

    route_id: str
    title: dict[str, str]
    description: dict[str, str]
    mode: str
    generated_at: str
    spec_file: str
    days: tuple[Day, ...]
    totals: Totals
    not_chosen: tuple[NotChosen, ...] = ()
    warnings: tuple[str, ...] = ()
    attribution: str = "© OpenStreetMap contributors"
    schema: str = SCHEMA

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict in the ``ocop_geo.itinerary/1`` shape."""
        return {
            "schema": self.schema,
            "route_id": self.route_id,
            "title": dict(self.title),
            "description": dict(self.description),
            "mode": self.mode,
            "generated_at": self.generated_at,
            "spec_file": self.spec_file,
            "days": [d.to_dict() for d in self.days],
            "totals": self.totals.to_dict(),
            "not_chosen": [n.to_dict() for n in self.not_chosen],
            "warnings": list(self.warnings),
            "attribution": self.attribution,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Itinerary:
        """Build from a dict; raise ValidationError listing every bad field (with its path)."""
        p = _JsonFields("")
        if not isinstance(d, dict):
            raise ValidationError("itinerary must be a JSON object", ["(root): not an object"])
        schema = d.get("schema")
        if schema != SCHEMA:
            p.add("schema", f"is {schema!r}, expected {SCHEMA!r} (write it with ocop-geo plan)")
        route_id = p.text(d, "route_id")
        title = p.lang_pair(d, "title")
        description = p.lang_pair(d, "description", required=False)
        mode = p.text(d, "mode")
        generated_at = p.text(d, "generated_at", default="")
        spec_file = p.text(d, "spec_file", default="")
        days = p.nested_list(d, "days", Day.from_dict)
        if "days" in d and not days and not p.problems:
            p.add("days", "is empty; an itinerary has at least one day")
        totals = p.nested(d, "totals", Totals.from_dict, required=True)
        not_chosen = p.nested_list(d, "not_chosen", NotChosen.from_dict)
        warnings = p.text_list(d, "warnings")
        attribution = p.text(d, "attribution", default="© OpenStreetMap contributors")
        p.raise_if_any()
        return cls(
            route_id, title, description, mode, generated_at, spec_file, days, totals,
            not_chosen, warnings, attribution, SCHEMA,
        )  # fmt: skip

    @property
    def status(self) -> str | None:
        """The worst day status (``"empty"`` if any day visits no producer, then ``"thin"``, ``"good"``);
        None when no day is judged (an older file whose days all visit producers)."""
        found = {d.status for d in self.days}
        return next((st for st in reversed(VERDICT_STATUSES) if st in found), None)

    @property
    def n_producers(self) -> int:
        """OCOP producer visits over all days."""
        return sum(d.n_producers for d in self.days)

    def stops(self) -> list[tuple[Day, Stop]]:
        """Every stop of every day, as ``(day, stop)`` pairs in order."""
        return [(day, s) for day in self.days for s in day.stops]

    def to_geodataframes(self) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """The stops (points) and the legs between them (road lines), EPSG:4326.

        Ready for ``.explore()``, QGIS or a GeoPackage (``stops.to_file("r.gpkg", layer="stops")``).

        Returns
        -------
        (stops, legs) : tuple of geopandas.GeoDataFrame
            ``stops``: one row per stop with ``day``, ``date``, ``seq``, ``kind``, ``site_id``,
            ``name``, ``arrival``, ``start``, ``end``, ``wait_min``, ``visit_min``, ``stars``,
            ``products`` (names, ``"; "``-joined), ``district``, ``ward``, ``unit_2025`` (the
            post-7/2025 unit, ``""`` when not known), ``precision``,
            ``opening_hours``, ``address``, ``phone``, ``zalo``, ``website``. ``legs``: one row per leg into a stop with ``day``, ``to_seq``,
            ``from_name``, ``to_name``, ``travel_min``, ``distance_km``, ``off_network``, ``note``.
        """
        stop_rows, leg_rows = [], []
        for day in self.days:
            prev = None
            for st in day.stops:
                stop_rows.append({
                    "day": day.day, "date": day.date, "seq": st.seq, "kind": st.kind,
                    "site_id": st.site_id, "name": st.name, "arrival": st.arrival, "start": st.start,
                    "end": st.end, "wait_min": st.wait_min, "visit_min": st.visit_min, "stars": st.stars,
                    "products": "; ".join(p.name for p in st.products), "district": st.district,
                    "ward": st.ward, "unit_2025": st.unit_2025, "precision": st.precision,
                    "opening_hours": st.opening_hours, **{k: getattr(st, k) for k in CONTACT_FIELDS},
                    "geometry": Point(st.lon, st.lat),
                })  # fmt: skip
                if st.leg_in is not None and prev is not None:
                    leg = st.leg_in
                    leg_rows.append({
                        "day": day.day, "to_seq": st.seq, "from_name": prev.name, "to_name": st.name,
                        "travel_min": leg.travel_s / 60.0, "distance_km": leg.distance_m / 1000.0,
                        "off_network": leg.off_network, "note": leg.note,
                        "geometry": LineString(leg.coordinates) if len(leg.coordinates) >= 2 else None,
                    })  # fmt: skip
                prev = st
        stops = gpd.GeoDataFrame(stop_rows, columns=_STOP_COLUMNS, geometry="geometry", crs="EPSG:4326")
        legs = gpd.GeoDataFrame(leg_rows, columns=_LEG_COLUMNS, geometry="geometry", crs="EPSG:4326")
        stops["stars"] = stops["stars"].astype("Int64")
        return stops, legs


class _JsonFields(Problems):
    """Reads typed fields of one JSON object, collecting every problem (see :class:`Problems`)."""

    def _get(self, d: dict[str, Any], key: str, required: bool) -> tuple[bool, Any]:
        if not isinstance(d, dict):
            self.problems.append(f"{self.where or '(root)'}: is not an object")
            return False, None
        if key not in d:
            if required:
                self.add(key, "is missing")
            return False, None
        return True, d[key]

    def number(
        self, d: dict[str, Any], key: str, *, default: float | None = None,
        lo: float | None = None, hi: float | None = None,
    ) -> float:  # fmt: skip
        present, v = self._get(d, key, default is None)
        if not present:
            return float(default or 0.0)
        if isinstance(v, bool) or not isinstance(v, int | float) or v != v:
            self.add(key, f"{v!r} is not a number")
            return 0.0
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self.add(key, f"{v!r} is outside [{lo}, {hi}]")
        return float(v)

    def integer(self, d: dict[str, Any], key: str, *, optional: bool = False) -> Any:
        present, v = self._get(d, key, not optional)
        if not present or (optional and v is None):
            return None if optional else 0
        if isinstance(v, bool) or not isinstance(v, int):
            self.add(key, f"{v!r} is not a whole number")
            return 0
        return v

    def boolean(self, d: dict[str, Any], key: str, *, default: bool) -> bool:
        present, v = self._get(d, key, False)
        if not present:
            return default
        if not isinstance(v, bool):
            self.add(key, f"{v!r} is not true or false")
            return default
        return v

    def text(
        self, d: dict[str, Any], key: str, *, default: str | None = None, optional: bool = False
    ) -> Any:
        present, v = self._get(d, key, default is None and not optional)
        if not present or (v is None and (optional or default is not None)):
            return None if optional else (default or "")
        if not isinstance(v, str):
            self.add(key, f"{v!r} is not text")
            return default or ""
        return v

    def choice(self, d: dict[str, Any], key: str, choices: frozenset[str]) -> str:
        v = self.text(d, key)
        if v and v not in choices:
            self.add(key, f"{v!r} is not one of {sorted(choices)}")
        return v

    def hhmm(self, d: dict[str, Any], key: str, *, optional: bool = False) -> Any:
        v = self.text(d, key, optional=optional)
        if v is not None and not _HHMM.match(v):
            self.add(key, f"{v!r} is not a HH:MM time")
        return v

    def window(self, d: dict[str, Any], key: str) -> tuple[str, str]:
        present, v = self._get(d, key, True)
        if not present:
            return ("", "")
        if not (
            isinstance(v, list)
            and len(v) == 2
            and all(isinstance(t, str) and _HHMM.match(t) for t in v)
        ):
            self.add(key, f"{v!r} is not a pair of HH:MM times")
            return ("", "")
        return (v[0], v[1])

    def text_list(self, d: dict[str, Any], key: str) -> tuple[str, ...]:
        present, v = self._get(d, key, False)
        if not present or v is None:
            return ()
        if not isinstance(v, list) or not all(isinstance(t, str) for t in v):
            self.add(key, f"{v!r} is not a list of texts")
            return ()
        return tuple(v)

    def optional_int_list(self, d: dict[str, Any], key: str) -> tuple[int | None, ...]:
        present, v = self._get(d, key, False)
        if not present or v is None:
            return ()
        if not isinstance(v, list) or not all(x is None or (isinstance(x, int) and not isinstance(x, bool))
                                               for x in v):  # fmt: skip
            self.add(key, f"{v!r} is not a list of whole numbers (or null)")
            return ()
        return tuple(v)

    def lang_pair(self, d: dict[str, Any], key: str, *, required: bool = True) -> dict[str, str]:
        present, v = self._get(d, key, required)
        if not present:
            return {"vi": "", "en": ""}
        if not isinstance(v, dict) or not all(isinstance(v.get(k, ""), str) for k in ("vi", "en")):
            self.add(key, f"{v!r} is not an object with 'vi' and 'en' texts")
            return {"vi": "", "en": ""}
        return {"vi": v.get("vi", ""), "en": v.get("en", "")}

    def coordinates(self, d: dict[str, Any], key: str) -> tuple[tuple[float, float], ...]:
        present, v = self._get(d, key, True)
        if not present:
            return ()
        ok = isinstance(v, list) and len(v) >= 2 and all(
            isinstance(c, list) and len(c) == 2
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in c)
            for c in v
        )  # fmt: skip
        if not ok:
            self.add(key, "is not a list of at least two [lon, lat] number pairs")
            return ()
        return tuple((float(x), float(y)) for x, y in v)

    def nested(self, d: dict[str, Any], key: str, build: Any, *, required: bool = False) -> Any:
        present, v = self._get(d, key, required)
        if not present or v is None:
            return None
        try:
            return build(v, where=self.path(key))
        except ValidationError as exc:
            self.extend(exc.problems)
            return None

    def nested_list(self, d: dict[str, Any], key: str, build: Any) -> tuple[Any, ...]:
        present, v = self._get(d, key, key in {"days", "stops"})
        if not present or v is None:
            return ()
        if not isinstance(v, list):
            self.add(key, "is not a list")
            return ()
        out = []
        for i, item in enumerate(v):
            try:
                out.append(build(item, where=f"{self.path(key)}[{i}]"))
            except ValidationError as exc:
                self.extend(exc.problems)
        return tuple(out)


def _check_sequence(it: Itinerary) -> list[str]:
    """Cross-field checks: day numbers, stop order, start/end stops."""
    problems: list[str] = []
    for i, day in enumerate(it.days):
        if day.day != i + 1:
            problems.append(f"days[{i}].day: is {day.day}, expected {i + 1}")
        for j, stop in enumerate(day.stops):
            if stop.seq != j:
                problems.append(f"days[{i}].stops[{j}].seq: is {stop.seq}, expected {j}")
        if day.stops and day.stops[0].kind != "start":
            problems.append(f"days[{i}].stops[0].kind: is {day.stops[0].kind!r}, expected 'start'")
        if len(day.stops) > 1 and day.stops[-1].kind != "end":
            problems.append(f"days[{i}].stops[-1].kind: is {day.stops[-1].kind!r}, expected 'end'")
    return problems


def write_itinerary(it: Itinerary, path: str | os.PathLike) -> Path:
    """Write ``it`` as UTF-8 JSON (diacritics kept, not escaped) atomically; return the path."""
    text = json.dumps(it.to_dict(), ensure_ascii=False, indent=1)
    return write_text_atomic(path, text + "\n")


def read_itinerary(path: str | os.PathLike) -> Itinerary:
    """Read and validate an itinerary JSON file.

    Raises
    ------
    InputFileError
        Naming the file and every bad field, when the file is missing, not JSON, not the
        ``ocop_geo.itinerary/1`` schema, or has a missing or wrong field.
    """
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(
            f"{path}: file not found; write it with 'ocop-geo plan SPEC.toml -o DIR'"
        ) from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror}); pass an itinerary JSON file") from None
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); "
            "regenerate it with 'ocop-geo plan'"
        ) from None
    try:
        it = Itinerary.from_dict(data)
    except ValidationError as exc:
        raise InputFileError(
            f"{path}: not a valid {SCHEMA} itinerary: " + "; ".join(exc.problems)
            + ". Fix these fields or regenerate it with 'ocop-geo plan'."
        ) from None  # fmt: skip
    problems = _check_sequence(it)
    if problems:
        raise InputFileError(f"{path}: inconsistent itinerary: " + "; ".join(problems))
    return it


#: Columns of the CSV written beside the JSON, one row per stop.
CSV_COLUMNS: tuple[str, ...] = (
    "day", "date", "weekday", "seq", "kind", "site_id", "name", *CONTACT_FIELDS, "lat", "lon", "precision",
    "district", "ward", "unit_2025", "stars", "score", "arrival", "wait_min", "start", "end", "visit_min",
    "leg_travel_min", "leg_distance_km", "leg_off_network", "leg_note", "opening_hours", "products",
)  # fmt: skip


def itinerary_rows(it: Itinerary) -> list[dict[str, Any]]:
    """One flat dict per stop (the CSV rows), in day and visiting order.

    Numbers are taken as the JSON stores them (legs to 0.1 s and 0.1 m first), so the rows of a planned
    itinerary and of its JSON read back are identical. A stop reached without travel (the start, lunch or
    the end at the place of the stop before) has a leg of 0 minutes and 0 km, never a blank.
    """
    rows = []
    for day, s in it.stops():
        leg = s.leg_in
        travel_s = 0.0 if leg is None else round(float(leg.travel_s), 1)
        distance_m = 0.0 if leg is None else round(float(leg.distance_m), 1)
        rows.append(
            {
                "day": day.day,
                "date": day.date or "",
                "weekday": day.weekday,
                "seq": s.seq,
                "kind": s.kind,
                "site_id": s.site_id or "",
                "name": s.name,
                **{k: getattr(s, k) for k in CONTACT_FIELDS},
                "lat": round(float(s.lat), 6),
                "lon": round(float(s.lon), 6),
                "precision": s.precision,
                "district": s.district,
                "ward": s.ward,
                "unit_2025": s.unit_2025,
                "stars": "" if s.stars is None else s.stars,
                "score": round(float(s.score), 3) if s.kind == "producer" else "",
                "arrival": s.arrival or "",
                "wait_min": round(float(s.wait_min), 1),
                "start": s.start,
                "end": s.end,
                "visit_min": round(float(s.visit_min), 1),
                "leg_travel_min": round(travel_s / 60.0, 1),
                "leg_distance_km": round(distance_m / 1000.0, 2),
                "leg_off_network": "false" if leg is None else str(leg.off_network).lower(),
                "leg_note": "" if leg is None else leg.note,
                "opening_hours": s.opening_hours,
                "products": "; ".join(p.name for p in s.products),
            }
        )
    return rows


def with_contacts(it: Itinerary, contacts: Mapping[str, Mapping[str, str]]) -> Itinerary:
    """``it`` with each stop's address and contact (:data:`CONTACT_FIELDS`) filled from ``contacts``.

    Parameters
    ----------
    it
        A planned itinerary.
    contacts
        ``producer_id`` / ``venue_id`` -> ``{"address": …, "phone": …, "zalo": …, "website": …}`` (e.g.
        :meth:`ocop_geo.registry.Registry.contacts`). A stop of several producers at one place takes the
        first of them that has each field; a stop that is no registry place (an OSM start, a packed lunch)
        keeps what it has.

    Returns
    -------
    Itinerary
        A new itinerary; fields the registry leaves empty stay as they were.
    """
    days = []
    for day in it.days:
        stops = []
        for s in day.stops:
            ids = [i for i in (s.site_id, *s.producer_ids) if i and i in contacts]
            found = {k: next((v for i in ids if (v := str(contacts[i].get(k) or "").strip())), "")
                     for k in CONTACT_FIELDS}  # fmt: skip
            stops.append(replace(s, **{k: v for k, v in found.items() if v}))
        days.append(replace(day, stops=tuple(stops)))
    return replace(it, days=tuple(days))


def write_itinerary_csv(it: Itinerary, path: str | os.PathLike) -> Path:
    """Write one row per stop as UTF-8 CSV with a BOM (opens correctly in Excel); atomic."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in itinerary_rows(it))
    return write_text_atomic(path, "\ufeff" + buf.getvalue())
