"""Exports of an itinerary for tour operators: GPX 1.1, KML / KMZ, GeoJSON, CSV and a printable A4 / A5 page / PDF.

Every format carries each stop's number (:func:`ocop_geo.print_map.stop_label`: ``3``, or ``1-3`` = day 1 stop 3
on a longer route), address, phone, Zalo and website. GPX has a ``<rte>`` per day (the stops in order, for
turn-by-turn apps) and a ``<trk>`` per day whose legs off the road data (a straight line) are segments of their
own. KML has a folder per day, the day's line in its colour and numbered stop icons that travel with it (PNG files
in ``files/``: inside the KMZ, beside the KML), so Google Earth needs no internet. The print page is Vietnamese
by default, sized for A4 or A5, with the numbered map of :mod:`ocop_geo.print_map`, waits and ferry crossings in
words and no internal ids.

The builders (``*_text`` / :func:`geojson_dict` / :func:`print_html` / :func:`kmz_bytes`) are pure: an itinerary
in, text out (the print page draws the offline basemap around the route, :func:`default_background`).
:func:`write_export` does the I/O (atomic) and :func:`html_to_pdf` drives Debian's Chromium headless
``--print-to-pdf``. The CSV is the itinerary's own (:func:`ocop_geo.itinerary.write_itinerary_csv`), so ``plan``
and ``export --format csv`` write the same file.

Example
-------
>>> from ocop_geo.itinerary import read_itinerary  # doctest: +SKIP
>>> write_export(read_itinerary("it.json"), "route.gpx", fmt="gpx")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import gpxpy.gpx
import simplekml
from markupsafe import Markup
from PIL import Image, ImageDraw, ImageFont

from ._errors import InputFileError, OcopGeoError
from .basemap import print_background
from .candidates import DEFAULT_OPENING_HOURS
from .fileio import atomic_path, write_bytes_atomic, write_text_atomic
from .i18n import both
from .i18n import gettext as _
from .itinerary import Day, Itinerary, Stop, write_itinerary_csv
from .mapping import day_label, place_label
from .matrix import Leg
from .opening_hours import parse_opening_hours
from .pages import qr_svg, render_template, route_context
from .print_map import MapLine, ferry_crossings, label_text_color, route_map_svg, stop_label
from .registry_schema import phone_uri
from .visitor import hours_in_words, product_label, split_languages

__all__ = [
    "FORMATS",
    "PAPERS",
    "chromium_path",
    "default_background",
    "geojson_dict",
    "gpx_text",
    "html_to_pdf",
    "kml_text",
    "kmz_bytes",
    "print_html",
    "write_export",
]

log = logging.getLogger(__name__)

#: Export formats, each with its file suffix.
FORMATS: dict[str, str] = {"gpx": ".gpx", "kml": ".kml", "kmz": ".kmz", "geojson": ".geojson", "csv": ".csv",
                           "pdf": ".pdf"}  # fmt: skip

#: Paper sizes of the print page: width and height (mm), page margin (mm), map height (mm) and base font (pt).
PAPERS: dict[str, tuple[float, float, float, float, float]] = {
    "a4": (210.0, 297.0, 12.0, 118.0, 10.0),
    "a5": (148.0, 210.0, 9.0, 88.0, 8.5),
}

#: Characters XML 1.0 forbids (C0 controls but tab / newline / CR, U+FFFE, U+FFFF): one in a name made the
#: GPX invalid and the KML writer crash.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

#: Folder of the stop icons, inside the KMZ and beside a KML.
ICON_DIR = "files"

_WORDS: dict[str, dict[str, str]] = {
    "start": both("Start"),
    "end": both("End"),
    "producer": both("OCOP producer"),
    "poi": both("Sight"),
    "lunch": both("Lunch break"),
    "address": both("Address"),
    "phone": both("Phone"),
    "zalo": both("Zalo"),
    "website": both("Website"),
    "hours": both("Opening hours"),
    "products": both("OCOP products"),
    "stars": both("OCOP stars"),
    "arrive": both("arrive"),
    "visit": both("visit"),
    "min": both("min"),
    "area": both("Area"),
}


def _xml_text(text: str | None) -> str | None:
    """``text`` with the characters XML cannot carry replaced by spaces."""
    return _XML_INVALID.sub(" ", text) if text else text


def _w(key: str, lang: str) -> str:
    return _WORDS[key].get(lang) or _WORDS[key]["en"]


def _multi(itinerary: Itinerary) -> bool:
    return len(itinerary.days) > 1


def _display_name(stop: Stop, lang: str) -> str:
    """The stop's name in ``lang``: a planner-made bilingual name gives its half ("Ăn trưa: mang theo đồ ăn")."""
    both = split_languages(stop.name) if stop.kind == "lunch" else None
    return both[lang] if both else stop.name


def _stop_name(day: Day, stop: Stop, *, multi: bool, lang: str) -> str:
    """``"1-3 · HTX Phước An"`` (the map's number), ``"Xuất phát · Chợ Bến Thành"`` for the start / end."""
    label = stop_label(day, stop) or _w(stop.kind, lang)
    return _xml_text(f"{label} · {_display_name(stop, lang)}") or ""


def _approx(stop: Stop, lang: str) -> str:
    """What an approximate location means for a visitor ("" for an exact one)."""
    if stop.precision in ("", "exact", "poi"):
        return ""
    return ("Vị trí gần đúng (theo khu vực): gọi trước khi đến" if lang == "vi"
            else "Approximate location (area only): call before you go")  # fmt: skip


def _hours_words(text: str, lang: str) -> str:
    """Opening hours in words ("Thứ Hai – Thứ Bảy: 8:00–17:00; Chủ nhật: đóng cửa"); the text itself if unreadable."""
    if not text:
        return ""
    try:
        return "; ".join(hours_in_words(parse_opening_hours(text))[lang])
    except (ValueError, KeyError):
        return text


def _leg_words(leg: Leg | None, lang: str, ferries: Sequence[MapLine]) -> str:
    """A leg in words: "22,4 km · 39 phút", with a ferry crossing or a leg off the road data said plainly."""
    if leg is None or (leg.travel_s <= 0 and leg.distance_m <= 0):
        return ""
    km = f"{leg.distance_m / 1000:.1f}"
    km = km.replace(".", ",") if lang == "vi" else km
    text = f"{km} km · {round(leg.travel_s / 60)} {_w('min', lang)}"
    crossing = ferry_crossings(leg.coordinates, ferries) if ferries else []
    for name in crossing:  # a ferry of the road network: its time includes the wait for the boat
        if lang == "vi":
            text += f" · qua {name or 'phà'} (đã tính thời gian chờ phà)"
        else:
            text += f" · crosses by ferry{f' ({name})' if name else ''}, waiting included"
    if not crossing and re.search(r"\b(ferry|phà)\b", leg.note, re.IGNORECASE):
        text += " · qua phà" if lang == "vi" else " · crosses by ferry"
    if leg.off_network:
        text += (" · đoạn không có đường trong dữ liệu bản đồ: quãng đường và thời gian ước tính theo đường thẳng"
                 if lang == "vi" else
                 " · no road in the map data here: distance and time estimated along a straight line")  # fmt: skip
    return text


def _wait_words(stop: Stop, lang: str) -> str:
    """``"chờ 109 phút (mở cửa 10:04)"`` before a visit that starts after the arrival; "" without a wait."""
    minutes = round(stop.wait_min)
    if minutes < 1 or not stop.arrival:
        return ""
    if lang == "vi":
        return f"đến {stop.arrival}, chờ {minutes} phút đến {stop.start}"
    return f"arrive {stop.arrival}, wait {minutes} min until {stop.start}"


def _contact_lines(stop: Stop, lang: str) -> list[str]:
    """The stop's address, phone, Zalo and website as ``"Điện thoại: 0903 123 456"`` lines."""
    return [f"{_w(k, lang)}: {v}" for k in ("address", "phone", "zalo", "website") if (v := getattr(stop, k))]


def _stop_description(stop: Stop, lang: str = "vi") -> str:
    """Plain-text description of a stop: kind, place, address and contact, times, stars, products, hours."""
    parts = [_w(stop.kind, lang)]
    where = place_label(stop.ward, stop.district, stop.unit_2025, lang=lang)
    if where:
        parts.append(f"{_w('area', lang)}: {where}")
    parts.extend(_contact_lines(stop, lang))
    if stop.arrival:
        parts.append(f"{_w('arrive', lang)} {stop.arrival}")
    wait = _wait_words(stop, lang)
    if wait:
        parts.append(wait)
    if stop.visit_min:
        parts.append(f"{_w('visit', lang)} {stop.start}–{stop.end} ({stop.visit_min:.0f} {_w('min', lang)})")
    if stop.stars:
        parts.append(f"{stop.stars} {_w('stars', lang)}")
    if stop.products:
        parts.append(f"{_w('products', lang)}: " + ", ".join(product_label(p.name) for p in stop.products))
    if stop.opening_hours:
        parts.append(f"{_w('hours', lang)}: {_hours_words(stop.opening_hours, lang)}")
    approx = _approx(stop, lang)
    if approx:
        parts.append(approx)
    leg = _leg_words(stop.leg_in, lang, ())
    if leg and stop.leg_in is not None and stop.leg_in.off_network:
        parts.append(leg)
    return _xml_text("; ".join(parts)) or ""


def _contact_link(stop: Stop) -> tuple[str, str] | None:
    """The one link a GPX waypoint carries: the website, else the Zalo link, else the phone (``tel:``)."""
    if stop.website:
        return stop.website, stop.website
    if stop.zalo:
        href = stop.zalo if stop.zalo.startswith("https://") else "https://zalo.me/" + re.sub(r"\D", "", stop.zalo)
        return href, f"Zalo {stop.zalo}"
    if stop.phone:
        first = stop.phone.split(",")[0].strip()
        return phone_uri(first), first
    return None


def _day_path(day: Day) -> list[tuple[float, float]]:
    """The day's path as ``(lon, lat)`` pairs, consecutive duplicates dropped."""
    return [p for piece, _ in _day_pieces(day) for p in piece]


def _day_pieces(day: Day) -> list[tuple[list[tuple[float, float]], bool]]:
    """The day's path cut where a leg leaves the road data: ``(points, off_network)`` pieces in order,
    consecutive road legs joined, each off-network leg a piece of its own."""
    pieces: list[tuple[list[tuple[float, float]], bool]] = []
    for stop in day.stops:
        leg = stop.leg_in
        if leg is None:
            if not pieces:
                pieces.append(([(stop.lon, stop.lat)], False))
            continue
        coords = [(x, y) for x, y in leg.coordinates]
        if leg.off_network or pieces[-1][1]:
            pieces.append(([], leg.off_network))
        path = pieces[-1][0]
        for xy in coords:
            if not path or path[-1] != xy:
                path.append(xy)
    return [(pts, off) for pts, off in pieces if len(pts) >= 2 or (len(pieces) == 1 and pts)]


# --- GPX -----------------------------------------------------------------------------------------


def gpx_text(itinerary: Itinerary, *, lang: str = "vi") -> str:
    """GPX 1.1: a waypoint per stop, a route (``<rte>``) per day and a track (``<trk>``) per day.

    Waypoint and route point names carry the map's number (``"1-3 · HTX Phước An"``); descriptions the
    address, phone, Zalo, website, times and products (in ``lang``); a waypoint's ``<link>`` is its website,
    Zalo or ``tel:`` phone. Track segments break where a leg leaves the road data (a straight line): that
    leg is a segment of its own, so apps do not take it for a road.
    """
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "ocop_geo"
    gpx.name = _xml_text(itinerary.title.get(lang) or itinerary.title.get("vi") or itinerary.route_id)
    gpx.description = _xml_text(itinerary.title.get("en" if lang == "vi" else "vi")) or None
    gpx.copyright_author = "OpenStreetMap contributors"
    gpx.copyright_license = "https://opendatacommons.org/licenses/odbl/"
    multi = _multi(itinerary)
    symbols = {"start": "Flag, Green", "end": "Flag, Red", "lunch": "Restaurant"}
    for day in itinerary.days:
        day_name = day_label(day)[lang]
        route = gpxpy.gpx.GPXRoute(name=day_name, number=day.day)
        for stop in day.stops:
            name, desc = _stop_name(day, stop, multi=multi, lang=lang), _stop_description(stop, lang)
            wpt = gpxpy.gpx.GPXWaypoint(latitude=stop.lat, longitude=stop.lon, name=name, description=desc,
                                        type=stop.kind, symbol=symbols.get(stop.kind, "Waypoint"))  # fmt: skip
            link = _contact_link(stop)
            if link is not None:
                wpt.link, wpt.link_text = link[0], _xml_text(link[1])
            gpx.waypoints.append(wpt)
            route.points.append(gpxpy.gpx.GPXRoutePoint(latitude=stop.lat, longitude=stop.lon, name=name,
                                                         description=desc, type=stop.kind,
                                                         symbol=symbols.get(stop.kind, "Waypoint")))  # fmt: skip
        gpx.routes.append(route)
        track = gpxpy.gpx.GPXTrack(name=day_name)
        track.number = day.day
        for points, off in _day_pieces(day):
            segment = gpxpy.gpx.GPXTrackSegment()
            segment.points.extend(gpxpy.gpx.GPXTrackPoint(latitude=y, longitude=x) for x, y in points)
            track.segments.append(segment)
            if off:
                track.description = ("có đoạn không có đường trong dữ liệu bản đồ (đoạn riêng, theo đường thẳng)"
                                     if lang == "vi" else
                                     "has legs off the road data (separate segments, straight lines)")  # fmt: skip
        gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


# --- KML / KMZ -----------------------------------------------------------------------------------


def _kml_color(hex_rgb: str, alpha: str = "ff") -> str:
    """``#rrggbb`` to KML's ``aabbggrr``."""
    h = hex_rgb.lstrip("#")
    return f"{alpha}{h[4:6]}{h[2:4]}{h[0:2]}".lower()


def _icon_name(label: str, color: str) -> str:
    """File name of a stop icon inside :data:`ICON_DIR` (one per number and colour)."""
    safe = label.replace("☀", "lunch").replace("▶", "start").replace("■", "end") or "end"
    return f"ocop-stop-{safe}-{color.lstrip('#').lower()}.png"


@functools.lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf", "LiberationSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


@functools.lru_cache(maxsize=256)
def _icon_png(label: str, color: str) -> bytes:
    """A 64 px stop icon: the number on the day's colour (a pill for ``1-3``), or a dark square for start / end."""
    w = 64 if len(label) <= 2 else 24 + 14 * len(label)
    img = Image.new("RGBA", (w, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if not label:
        draw.rectangle((12, 12, 52, 52), fill="#1d1d1b", outline="#ffffff", width=5)
    else:
        draw.rounded_rectangle((2, 2, w - 3, 61), radius=30, fill=color, outline="#ffffff", width=5)
        font = _font(30 if len(label) <= 2 else 26)
        draw.text((w / 2, 32), label, fill=label_text_color(color), font=font, anchor="mm")
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _kml_icons(itinerary: Itinerary) -> dict[str, bytes]:
    """``file name -> PNG`` of every stop icon the itinerary's KML refers to."""
    return {_icon_name(lab, d.color): _icon_png(lab, d.color)
            for d in itinerary.days for s in d.stops for lab in [stop_label(d, s)]}  # fmt: skip


def kml_text(itinerary: Itinerary, *, lang: str = "vi") -> str:
    """KML 2.2: a folder per day with the day's line in its colour and a numbered placemark per stop.

    Icons are the PNG files of :func:`kmz_bytes` under ``files/`` (relative links: inside the KMZ, or beside
    the KML as :func:`write_export` writes them); nothing is loaded from the internet. Each placemark has the
    address, phone, Zalo and website as ``ExtendedData`` and in its description. Legs off the road data are a
    separate, thinner line. Descriptions are HTML-escaped before simplekml XML-escapes them, because Google
    Earth renders balloon descriptions as HTML.
    """
    simplekml.Kml.resetidcounter()  # ids count from 0 in every file: the same route gives the same text
    kml = simplekml.Kml(name=_xml_text(itinerary.title.get(lang) or itinerary.title.get("vi") or itinerary.route_id))
    kml.document.description = html.escape(
        _xml_text(f"{itinerary.title.get('en' if lang == 'vi' else 'vi', '')} — {itinerary.attribution}") or ""
    )
    multi = _multi(itinerary)
    for day in itinerary.days:
        folder = kml.newfolder(name=_xml_text(day_label(day)[lang]))
        for points, off in _day_pieces(day):
            if len(points) < 2:
                continue
            line = folder.newlinestring(
                name=("Đoạn ngoài dữ liệu đường" if lang == "vi" else "Leg off the road data") if off
                else (f"Ngày {day.day}" if lang == "vi" else f"Day {day.day}"), coords=points)  # fmt: skip
            line.style.linestyle.color = _kml_color(day.color, "99" if off else "ff")
            line.style.linestyle.width = 2 if off else 4
        for stop in day.stops:
            label = stop_label(day, stop)
            pm = folder.newpoint(name=_stop_name(day, stop, multi=multi, lang=lang), coords=[(stop.lon, stop.lat)])
            pm.description = html.escape(_stop_description(stop, lang))
            pm.style.iconstyle.icon.href = f"{ICON_DIR}/{_icon_name(label, day.color)}"
            pm.style.iconstyle.scale = 1.0 if label else 0.8
            for key in ("address", "phone", "zalo", "website"):
                value = _xml_text(getattr(stop, key))
                if value:
                    pm.extendeddata.newdata(name=key, value=value, displayname=_w(key, lang))
    return kml.kml()


def kmz_bytes(itinerary: Itinerary, *, lang: str = "vi") -> bytes:
    """A KMZ: ``doc.kml`` (:func:`kml_text`) and its stop icons in ``files/``, one file Google Earth opens offline."""
    buf = io.BytesIO()
    stamp = _zip_time(itinerary.generated_at)  # not the clock: the same route gives the same bytes

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(entry("doc.kml"), kml_text(itinerary, lang=lang))  # the first entry: the document
        for name, png in sorted(_kml_icons(itinerary).items()):
            z.writestr(entry(f"{ICON_DIR}/{name}"), png)
    return buf.getvalue()


def _zip_time(generated_at: str) -> tuple[int, int, int, int, int, int]:
    """The KMZ entries' date: when the route was planned (``generated_at``, local time as written), 1980-01-01 when
    it is not an ISO date (zip dates start in 1980)."""
    try:
        when = dt.datetime.fromisoformat(generated_at.strip())
    except ValueError:
        return (1980, 1, 1, 0, 0, 0)
    if when.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (when.year, when.month, when.day, when.hour, when.minute, when.second - when.second % 2)


# --- GeoJSON -------------------------------------------------------------------------------------


def geojson_dict(itinerary: Itinerary) -> dict[str, Any]:
    """GeoJSON FeatureCollection (RFC 7946, lon/lat): a Point per stop and a LineString per leg.

    Stop properties are the itinerary JSON's (contact fields always present, ``""`` when unknown) plus
    ``label`` (the map's number), ``day``, ``date`` and ``color``.
    """
    features: list[dict[str, Any]] = []
    for day in itinerary.days:
        for stop in day.stops:
            props = {k: v for k, v in stop.to_dict().items() if k not in ("lat", "lon", "leg_in")}
            if stop.kind == "producer":  # beside the old ward / district, "" when not known
                props.setdefault("unit_2025", stop.unit_2025)
            for key in ("address", "phone", "zalo", "website"):
                props.setdefault(key, "")
            props.update(day=day.day, date=day.date, color=day.color, feature="stop",
                         label=stop_label(day, stop))  # fmt: skip
            features.append({"type": "Feature", "properties": props,
                             "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]}})  # fmt: skip
            leg = stop.leg_in
            if leg is not None:
                features.append({
                    "type": "Feature",
                    "properties": {"feature": "leg", "day": day.day, "to_seq": stop.seq,
                                   "to_name": stop.name, "travel_s": leg.travel_s,
                                   "distance_m": leg.distance_m, "off_network": leg.off_network,
                                   "note": leg.note, "color": day.color},
                    "geometry": {"type": "LineString", "coordinates": [list(c) for c in leg.coordinates]},
                })  # fmt: skip
    return {
        "type": "FeatureCollection",
        "route_id": itinerary.route_id,
        "title": dict(itinerary.title),
        "mode": itinerary.mode,
        "attribution": itinerary.attribution,
        "features": features,
    }


# --- print page / PDF ----------------------------------------------------------------------------


def default_background(itinerary: Itinerary) -> tuple[MapLine, ...]:
    """The print map's background: the offline basemap's water, boundaries, main roads and ferries
    (:func:`ocop_geo.basemap.print_background`) around the route. Its ferries also name the crossings."""
    points = [(s.lon, s.lat) for _, s in itinerary.stops()]
    points += [c for _, s in itinerary.stops() if s.leg_in is not None for c in s.leg_in.coordinates]
    if not points:
        return ()
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    pad_x, pad_y = max(0.02, 0.15 * (max(xs) - min(xs))), max(0.02, 0.15 * (max(ys) - min(ys)))
    bbox = (min(xs) - pad_x, min(ys) - pad_y, max(xs) + pad_x, max(ys) + pad_y)
    return tuple(MapLine(kind, coords, name) for kind, coords, name in print_background(bbox))


def _hours_unconfirmed(stop: Stop) -> bool:
    """Whether a producer's or sight's hours are the planner's assumption, not the registry's: the stop's
    ``hours_assumed``, or for a file written before it, hours equal to the planner's defaults."""
    if stop.kind not in ("producer", "poi") or not stop.opening_hours:
        return False
    if stop.hours_assumed is not None:
        return stop.hours_assumed
    return stop.opening_hours in (DEFAULT_OPENING_HOURS, "24/7")


def _print_rows(itinerary: Itinerary, ctx: Mapping[str, Any], lang: str,
                background: Sequence[MapLine]) -> tuple[list[dict[str, Any]], list[str], bool]:  # fmt: skip
    """The print page's days (rows per stop, in words, with no ids), its notes for the visitor and whether
    the route crosses a ferry of the background."""
    ferries = [b for b in background if b[0] == "ferry"]
    days, notes = [], []
    crossed = False
    for day, cday in zip(itinerary.days, ctx["days"], strict=True):
        rows = []
        for stop, crow in zip(day.stops, cday["rows"], strict=True):
            label = stop_label(day, stop)
            if stop.kind == "start":
                time = stop.start
            elif stop.visit_min:
                time = f"{stop.start}–{stop.end}"
            else:
                time = stop.arrival or stop.start
            leg = _leg_words(stop.leg_in, lang, ferries)
            crossed = crossed or bool(stop.leg_in is not None and ferry_crossings(stop.leg_in.coordinates, ferries))
            if leg and stop.leg_in is not None and (stop.leg_in.off_network or "phà" in leg or "ferry" in leg):
                notes.append(f"{day_label(day)[lang]}: {_w('arrive', lang)} {_display_name(stop, lang)} — {leg}")
            wait = _wait_words(stop, lang)
            if stop.wait_min >= 30:
                notes.append(f"{day_label(day)[lang]}: {_display_name(stop, lang)} — {wait}")
            rows.append({
                "label": label, "color": day.color, "text_color": label_text_color(day.color),
                "time": time, "name": _display_name(stop, lang),
                "kind_label": (crow.get("kind_label") or {}).get(lang) or _w(stop.kind, lang),
                "where": place_label(stop.ward, stop.district, stop.unit_2025, lang=lang),
                "address": stop.address, "phone": stop.phone, "zalo": stop.zalo, "website": stop.website,
                "stars": stop.stars, "products": ", ".join(product_label(p.name) for p in stop.products),
                "hours": _hours_words(stop.opening_hours, lang),
                "hours_unconfirmed": _hours_unconfirmed(stop), "wait": wait, "approx": _approx(stop, lang),
                "leg": leg, "leg_off": bool(stop.leg_in is not None and stop.leg_in.off_network),
            })  # fmt: skip
        km = f"{day.totals.distance_m / 1000:.0f}"
        days.append({"label": day_label(day)[lang], "color": day.color, "window": f"{day.window[0]}–{day.window[1]}",
                     "distance_km": km, "travel_min": round(day.totals.travel_s / 60), "rows": rows})  # fmt: skip
    return days, notes, crossed


def print_html(itinerary: Itinerary, *, lang: str = "vi", page_url: str | None = None,
               context: Mapping[str, Any] | None = None, paper: str = "a4",
               background: Sequence[MapLine] | None = None) -> str:  # fmt: skip
    """A self-contained printable page of the itinerary (numbered map, one table per day), for print / PDF.

    Parameters
    ----------
    itinerary
        The planned route.
    lang
        {"vi", "en"}: language of the page (Vietnamese by default).
    page_url
        URL of the published route page: the page then carries its QR code for leaflets.
    context
        The route's :func:`ocop_geo.pages.route_context`, when the caller has built it already (the site
        does; its venue kinds label the stops); built here otherwise.
    paper
        {"a4", "a5"}: the page size (``@page``) and the size the map is drawn at.
    background
        Lines under the map (:class:`ocop_geo.print_map.MapLine`); its ferries name the crossings. None: the
        offline basemap's around the route (:func:`default_background`); ``()`` for none.

    Returns
    -------
    str
        The page's HTML: times that do not wrap, every stop's number as on the map, address and phone, waits
        and ferry crossings in words, no internal ids.
    """
    if paper not in PAPERS:
        raise InputFileError(_("unknown paper {paper!r}; choose one of {choices}", paper=paper, choices=", ".join(PAPERS)))
    width, height, margin, map_height, font_pt = PAPERS[paper]
    lines = default_background(itinerary) if background is None else tuple(background)
    ctx = context if context is not None else route_context(itinerary, links={})
    days, notes, ferry = _print_rows(itinerary, ctx, lang, lines)
    sketch = Markup(route_map_svg(itinerary, width_mm=width - 2 * margin, height_mm=map_height,
                                  background=lines, lang=lang, attribution=itinerary.attribution))  # fmt: skip
    qr = Markup(qr_svg(page_url)) if page_url else None
    return render_template("print.html", lang=lang, route=ctx, days=days, notes=notes, sketch=sketch, qr=qr,
                           page_url=page_url or "", paper=paper, page_width=width, page_height=height,
                           margin=margin, font_pt=font_pt, multi_day=_multi(itinerary), ferry=ferry)  # fmt: skip


def chromium_path() -> str:
    """Path of the Chromium binary (``OCOP_GEO_CHROMIUM`` or ``chromium`` on PATH)."""
    found = os.environ.get("OCOP_GEO_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise OcopGeoError(_("Chromium is needed to print PDFs but was not found; install it (apt-get install "
                             "chromium) or set OCOP_GEO_CHROMIUM to its path"))
    return found


def html_to_pdf(html_path: str | os.PathLike, pdf_path: str | os.PathLike, *, timeout: float = 90.0) -> Path:
    """Print a local HTML file to PDF with Chromium headless (paper size from the page's ``@page``); atomic."""
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path)
    exe = chromium_path()
    with atomic_path(pdf_path) as tmp, tempfile.TemporaryDirectory(prefix="ocop-chromium-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={tmp}", html_path.as_uri()]  # fmt: skip
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise OcopGeoError(_("Chromium did not finish printing {path} in {s:.0f} s", path=html_path, s=timeout)) from None
        if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            raise OcopGeoError(_("Chromium could not print {path} to PDF: {details}", path=html_path,
                                 details=" | ".join(tail)))
    log.info("printed %s to %s", html_path.name, pdf_path)
    return pdf_path


def write_export(itinerary: Itinerary, path: str | os.PathLike, *, fmt: str, lang: str = "vi",
                 page_url: str | None = None, paper: str = "a4") -> Path:  # fmt: skip
    """Write one export of ``itinerary`` to ``path`` atomically.

    Parameters
    ----------
    itinerary
        The planned route.
    path
        Output file (its folder is created).
    fmt
        {"gpx", "kml", "kmz", "geojson", "csv", "pdf"}: GPX 1.1, KML (its stop icons written to ``files/``
        beside it), KMZ (the KML and its icons in one file), GeoJSON (RFC 7946), the itinerary CSV (UTF-8 with
        a BOM, formula-safe cells) or a PDF printed by Chromium.
    lang
        {"vi", "en"}: language of names, descriptions and the printed page (Vietnamese by default).
    page_url
        URL of the published route page, printed as a QR code (PDF only).
    paper
        {"a4", "a5"}: paper size of the PDF.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputFileError
        ``fmt`` is not one of :data:`FORMATS` or ``paper`` not one of :data:`PAPERS`.
    OcopGeoError
        Chromium is missing or cannot print (PDF only).
    """
    if fmt not in FORMATS:
        raise InputFileError(_("unknown export format {format!r}; choose one of {choices}", format=fmt,
                               choices=", ".join(FORMATS)))
    if paper not in PAPERS:
        raise InputFileError(_("unknown paper {paper!r}; choose one of {choices}", paper=paper, choices=", ".join(PAPERS)))
    path = Path(path)
    if fmt == "gpx":
        write_text_atomic(path, gpx_text(itinerary, lang=lang))
    elif fmt == "kml":
        for name, png in _kml_icons(itinerary).items():
            write_bytes_atomic(path.parent / ICON_DIR / name, png)
        write_text_atomic(path, kml_text(itinerary, lang=lang))
    elif fmt == "kmz":
        write_bytes_atomic(path, kmz_bytes(itinerary, lang=lang))
    elif fmt == "geojson":
        write_text_atomic(path, json.dumps(geojson_dict(itinerary), ensure_ascii=False, indent=1) + "\n")
    elif fmt == "csv":
        write_itinerary_csv(itinerary, path)
    else:
        with tempfile.TemporaryDirectory(prefix="ocop-print-") as tmpdir:
            page = Path(tmpdir) / "print.html"
            page.write_text(print_html(itinerary, lang=lang, page_url=page_url, paper=paper), encoding="utf-8")
            html_to_pdf(page, path)
    log.info("wrote %s export of %s to %s", fmt, itinerary.route_id, path)
    return path
