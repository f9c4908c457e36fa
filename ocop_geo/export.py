"""Exports of an itinerary for tour operators: GPX 1.1, KML, GeoJSON, CSV and a printable A4 page / PDF.

The builders (``*_text`` / :func:`geojson_dict` / :func:`print_html`) are pure: an itinerary in,
text out. :func:`write_export` does the I/O (atomic) and :func:`html_to_pdf` drives Debian's
Chromium headless ``--print-to-pdf``. The CSV is the itinerary's own
(:func:`ocop_geo.itinerary.write_itinerary_csv`), so ``plan`` and ``export --format csv`` write the
same file.

Example
-------
>>> from ocop_geo.itinerary import read_itinerary  # doctest: +SKIP
>>> write_export(read_itinerary("it.json"), "route.gpx", fmt="gpx")  # doctest: +SKIP
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gpxpy.gpx
import simplekml
from markupsafe import Markup

from ._errors import InputFileError, OcopGeoError
from .fileio import atomic_path, write_text_atomic
from .itinerary import Day, Itinerary, Stop, write_itinerary_csv
from .mapping import place_label, route_svg
from .pages import qr_svg, render_template, route_context

__all__ = [
    "FORMATS",
    "chromium_path",
    "geojson_dict",
    "gpx_text",
    "html_to_pdf",
    "kml_text",
    "print_html",
    "write_export",
]

log = logging.getLogger(__name__)

#: Export formats, each with its file suffix.
FORMATS: dict[str, str] = {"gpx": ".gpx", "kml": ".kml", "geojson": ".geojson", "csv": ".csv", "pdf": ".pdf"}

#: Characters XML 1.0 forbids (C0 controls but tab / newline / CR, U+FFFE, U+FFFF): one in a name made the
#: GPX invalid and the KML writer crash.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str | None) -> str | None:
    """``text`` with the characters XML cannot carry replaced by spaces."""
    return _XML_INVALID.sub(" ", text) if text else text


def _stop_label(day: Day, stop: Stop) -> str:
    return _xml_text(f"D{day.day}-{stop.seq} {stop.name}") or ""


def _stop_description(stop: Stop) -> str:
    """Plain-text description of a stop (place with its 2025 unit, times, stars, products, hours, precision)."""
    parts = [f"{stop.kind}"]
    where = place_label(stop.ward, stop.district, stop.unit_2025)
    if where:
        parts.append(where)
    if stop.arrival:
        parts.append(f"arrive {stop.arrival}")
    if stop.visit_min:
        parts.append(f"visit {stop.start}-{stop.end} ({stop.visit_min:.0f} min)")
    if stop.stars:
        parts.append(f"{stop.stars} stars")
    if stop.products:
        parts.append("products: " + ", ".join(p.name for p in stop.products))
    if stop.opening_hours:
        parts.append(f"opening hours: {stop.opening_hours}")
    if stop.precision not in ("", "exact"):
        parts.append(f"location approximate ({stop.precision})")
    if stop.leg_in is not None and stop.leg_in.off_network:
        parts.append(f"off-network leg: {stop.leg_in.note}".rstrip(": "))
    return _xml_text("; ".join(parts)) or ""


def _day_path(day: Day) -> list[tuple[float, float]]:
    """The day's path as ``(lon, lat)`` pairs, consecutive duplicates dropped."""
    path: list[tuple[float, float]] = []
    for stop in day.stops:
        coords = stop.leg_in.coordinates if stop.leg_in is not None else ((stop.lon, stop.lat),)
        for x, y in coords:
            if not path or path[-1] != (x, y):
                path.append((x, y))
    return path


def gpx_text(itinerary: Itinerary) -> str:
    """GPX 1.1: a waypoint per stop (name ``D<day>-<seq> name``) and one track per day."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "ocop_geo"
    gpx.name = _xml_text(itinerary.title.get("vi") or itinerary.route_id)
    gpx.description = _xml_text(itinerary.title.get("en")) or None
    gpx.copyright_author = "OpenStreetMap contributors"
    gpx.copyright_license = "https://opendatacommons.org/licenses/odbl/"
    for day in itinerary.days:
        for stop in day.stops:
            gpx.waypoints.append(
                gpxpy.gpx.GPXWaypoint(
                    latitude=stop.lat, longitude=stop.lon, name=_stop_label(day, stop),
                    description=_stop_description(stop), type=stop.kind,
                    symbol={"start": "Flag, Green", "end": "Flag, Red", "lunch": "Restaurant"}.get(
                        stop.kind, "Waypoint"),
                )
            )  # fmt: skip
        track = gpxpy.gpx.GPXTrack(name=f"Day {day.day} {day.date or day.weekday}")
        segment = gpxpy.gpx.GPXTrackSegment()
        segment.points.extend(
            gpxpy.gpx.GPXTrackPoint(latitude=y, longitude=x) for x, y in _day_path(day)
        )
        track.segments.append(segment)
        gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def _kml_color(hex_rgb: str, alpha: str = "ff") -> str:
    """``#rrggbb`` to KML's ``aabbggrr``."""
    h = hex_rgb.lstrip("#")
    return f"{alpha}{h[4:6]}{h[2:4]}{h[0:2]}".lower()


def kml_text(itinerary: Itinerary) -> str:
    """KML: a folder per day with a placemark per stop and the day's line in its colour.

    Descriptions are HTML-escaped before simplekml XML-escapes them, because Google Earth
    renders balloon descriptions as HTML.
    """
    kml = simplekml.Kml(name=_xml_text(itinerary.title.get("vi") or itinerary.route_id))
    kml.document.description = html.escape(
        _xml_text(f"{itinerary.title.get('en', '')} — {itinerary.attribution}") or ""
    )
    for day in itinerary.days:
        folder = kml.newfolder(name=f"Day {day.day} {day.date or day.weekday}")
        line = folder.newlinestring(name=f"Day {day.day} route", coords=_day_path(day))
        line.style.linestyle.color = _kml_color(day.color)
        line.style.linestyle.width = 4
        for stop in day.stops:
            pm = folder.newpoint(name=_stop_label(day, stop), coords=[(stop.lon, stop.lat)])
            pm.description = html.escape(_stop_description(stop))
            pm.style.iconstyle.color = _kml_color(day.color)
    return kml.kml()


def geojson_dict(itinerary: Itinerary) -> dict[str, Any]:
    """GeoJSON FeatureCollection (RFC 7946, lon/lat): a Point per stop and a LineString per leg."""
    features: list[dict[str, Any]] = []
    for day in itinerary.days:
        for stop in day.stops:
            props = {k: v for k, v in stop.to_dict().items() if k not in ("lat", "lon", "leg_in")}
            if stop.kind == "producer":  # beside the old ward / district, "" when not known
                props.setdefault("unit_2025", stop.unit_2025)
            props.update(day=day.day, date=day.date, color=day.color, feature="stop")
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


def print_html(itinerary: Itinerary, *, lang: str = "vi", page_url: str | None = None,
               context: Mapping[str, Any] | None = None) -> str:  # fmt: skip
    """A self-contained A4 page of the itinerary (sketch map, one table per day), for print / PDF.

    Parameters
    ----------
    itinerary
        The planned route.
    lang
        {"vi", "en"}: language of the page.
    page_url
        URL of the published route page: the page then carries its QR code for leaflets.
    context
        The route's :func:`ocop_geo.pages.route_context`, when the caller has built it already (the site
        does); built here otherwise.

    Returns
    -------
    str
        The page's HTML.
    """
    ctx = context if context is not None else route_context(itinerary, links={})
    sketch = Markup(route_svg(itinerary, width=680, height=360))  # built with escaped text
    qr = Markup(qr_svg(page_url)) if page_url else None
    return render_template("print.html", lang=lang, route=ctx, sketch=sketch, qr=qr, page_url=page_url or "")


def chromium_path() -> str:
    """Path of the Chromium binary (``OCOP_GEO_CHROMIUM`` or ``chromium`` on PATH)."""
    found = os.environ.get("OCOP_GEO_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise OcopGeoError(
            "Chromium is needed to print PDFs but was not found; install it "
            "(apt-get install chromium) or set OCOP_GEO_CHROMIUM to its path"
        )
    return found


def html_to_pdf(html_path: str | os.PathLike, pdf_path: str | os.PathLike, *, timeout: float = 90.0) -> Path:
    """Print a local HTML file to PDF with Chromium headless (A4 from the page's CSS); atomic."""
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
            raise OcopGeoError(f"Chromium did not finish printing {html_path} in {timeout:.0f} s") from None
        if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            raise OcopGeoError(f"Chromium could not print {html_path} to PDF: {' | '.join(tail)}")
    log.info("printed %s to %s", html_path.name, pdf_path)
    return pdf_path


def write_export(itinerary: Itinerary, path: str | os.PathLike, *, fmt: str, lang: str = "vi",
                 page_url: str | None = None) -> Path:  # fmt: skip
    """Write one export of ``itinerary`` to ``path`` atomically.

    Parameters
    ----------
    itinerary
        The planned route.
    path
        Output file (its folder is created).
    fmt
        {"gpx", "kml", "geojson", "csv", "pdf"}: GPX 1.1, KML, GeoJSON (RFC 7946), the itinerary CSV (UTF-8
        with a BOM, formula-safe cells) or an A4 PDF printed by Chromium.
    lang
        {"vi", "en"}: language of the printed page (PDF only).
    page_url
        URL of the published route page, printed as a QR code (PDF only).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputFileError
        ``fmt`` is not one of :data:`FORMATS`.
    OcopGeoError
        Chromium is missing or cannot print (PDF only).
    """
    if fmt not in FORMATS:
        raise InputFileError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    path = Path(path)
    if fmt == "gpx":
        write_text_atomic(path, gpx_text(itinerary))
    elif fmt == "kml":
        write_text_atomic(path, kml_text(itinerary))
    elif fmt == "geojson":
        write_text_atomic(path, json.dumps(geojson_dict(itinerary), ensure_ascii=False, indent=1) + "\n")
    elif fmt == "csv":
        write_itinerary_csv(itinerary, path)
    else:
        with tempfile.TemporaryDirectory(prefix="ocop-print-") as tmpdir:
            page = Path(tmpdir) / "print.html"
            page.write_text(print_html(itinerary, lang=lang, page_url=page_url), encoding="utf-8")
            html_to_pdf(page, path)
    log.info("wrote %s export of %s to %s", fmt, itinerary.route_id, path)
    return path

