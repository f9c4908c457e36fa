"""Page pieces shared by the printable export and the route site: templates, the route's page view, QR codes.

Public pages speak to a visitor only: the itinerary's warnings and left-out producers (meant for the
department) stay in the context for the officer's outputs but no public template renders them; each stop
carries what is needed on the road (:func:`visit_context`: hours in words and as weekly windows for the
open-now badge, contact links, directions hand-off links, an approximate location said plainly).

Render layer, between :mod:`ocop_geo.mapping` and :mod:`ocop_geo.export`: ``export`` (the A4 page / PDF) and
``site`` (the published pages) both build on it, so neither has to import the other upward. Templates are
Jinja2 with autoescape on and live in ``ocop_geo/templates``.

Example
-------
>>> from ocop_geo.itinerary import read_itinerary  # doctest: +SKIP
>>> ctx = route_context(read_itinerary("it.json"), links={})  # doctest: +SKIP
>>> render_template("print.html", lang="en", route=ctx, sketch="", qr=None, page_url="")  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import jinja2
import qrcode
import qrcode.image.svg
from markupsafe import Markup

from . import settings
from ._errors import ValidationError
from .candidates import DEFAULT_OPENING_HOURS
from .i18n import both, ngettext
from .itinerary import Itinerary, Stop
from .mapping import day_label, place_label, stop_labels, text_or_empty
from .opening_hours import parse_opening_hours
from .registry_schema import VENUE_KINDS
from .textnorm import slugify
from .visitor import (
    contact_links,
    directions_links,
    hours_in_words,
    producer_type_label,
    product_label,
    split_languages,
    week_windows,
)

__all__ = ["APPROX_PLACE", "PRECISION_LABELS", "PRECISION_LABELS_VI", "TEMPLATES_DIR", "VENUE_KIND_LABELS",
           "place_labels", "producer_type_label", "product_label", "qr_svg", "registry_visit", "render_template",
           "route_context", "stop_visit", "visit_context"]

#: Folder of the Jinja2 page templates.
TEMPLATES_DIR: Path = Path(__file__).resolve().parent / "templates"

#: What an approximate location precision means, as pages say it (``exact`` and ``""`` need no label).
PRECISION_LABELS: dict[str, str] = {"ward": "ward centre", "commune": "commune centre",
                                    "district": "district centre", "street": "street", "none": "unknown"}  # fmt: skip
#: The same in Vietnamese (pages show both; the map script has the same words).
PRECISION_LABELS_VI: dict[str, str] = {"ward": "tâm phường/xã", "commune": "tâm xã", "district": "tâm quận/huyện",
                                       "street": "theo đường", "none": "không rõ"}  # fmt: skip

#: What an approximate location is centred on, as the visitor is told it ("Vị trí gần đúng (…) — hỏi đường …").
APPROX_PLACE: dict[str, dict[str, str]] = {
    "ward": both("ward or commune centre"),
    "commune": both("commune centre"),
    "district": both("district centre"),
    "street": both("street only"),
    "none": both("address unknown"),
}
#: Precisions that place a stop where it is (no "ask the way" note).
_PLACED = frozenset({"", "exact", "poi"})

_KIND = {
    "start": both("Start"),
    "producer": both("OCOP producer"),
    "poi": both("Sight"),
    "lunch": both("Lunch break"),
    "end": both("End"),
}
#: What each venue kind (``Registry.venues.kind``) is called on pages, vi / en (the map script has the same words).
VENUE_KIND_LABELS: dict[str, dict[str, str]] = {
    code: {"vi": k.short_vi, "en": k.short_en} for code, k in VENUE_KINDS.items()
}
_MODE = {
    "motorbike": both("Motorbike"),
    "car": both("Car"),
    "coach": both("Coach"),
    "walk": both("Walking"),
    "bicycle": both("Bicycle"),
}


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(producer_type_label=producer_type_label, product_label=product_label, T=_both_spans,
                       Tn=_both_spans_n)  # fmt: skip
    return env


_SPANS = Markup('<span lang="vi">{}</span><span lang="en">{}</span>')


def _both_spans(message: str, **values: object) -> Markup:
    """A catalogue message in both languages as the pages carry them (``T("Itinerary")`` in templates)."""
    text = both(message, **values)
    return _SPANS.format(text["vi"], text["en"])


def _both_spans_n(singular: str, plural: str, n: int, **values: object) -> Markup:
    """:func:`_both_spans` for a message with a count (``Tn("{n} day", "{n} days", n)``)."""
    return _SPANS.format(*(ngettext(singular, plural, n, lang, **values) for lang in ("vi", "en")))


def render_template(name: str, **context: Any) -> str:
    """Render one template of ``ocop_geo/templates`` (autoescaped).

    Parameters
    ----------
    name
        Template file name, e.g. ``"route.html"``.
    **context
        Template variables; ``attribution`` (the OSM notice) and ``root`` (``""``) are filled in when missing.

    Returns
    -------
    str
        The page's HTML.
    """
    context.setdefault("attribution", settings.osm_attribution)
    context.setdefault("root", "")
    return _env().get_template(name).render(**context)


def _duration(seconds: float) -> dict[str, str]:
    minutes = int(round(seconds / 60.0))
    h, m = divmod(minutes, 60)
    return {"vi": f"{h} giờ {m:02d} phút" if h else f"{m} phút", "en": f"{h} h {m:02d} min" if h else f"{m} min"}


def place_labels(ward: str, district: str, unit_2025: str = "") -> dict[str, str]:
    """:func:`ocop_geo.mapping.place_label` in both languages: ``both("… · 2025: …")``.

    Parameters
    ----------
    ward, district, unit_2025
        The old ward and district and the post-7/2025 unit (any may be empty).

    Returns
    -------
    dict
        One text per language, empty strings when nothing is known.
    """
    return {lang: place_label(ward, district, unit_2025, lang=lang) for lang in ("vi", "en")}


def _venue_kinds(venues: gpd.GeoDataFrame | None) -> dict[str, str]:
    """``venue_id -> kind`` of the registry's venues (empty without a frame)."""
    if venues is None or "venue_id" not in venues or "kind" not in venues:
        return {}
    return {text_or_empty(v): text_or_empty(k) for v, k in zip(venues["venue_id"], venues["kind"], strict=True)}


def _cell(row: Mapping[str, Any], key: str) -> str:
    return text_or_empty(row.get(key)).strip()


def _registry_rows(*frames: gpd.GeoDataFrame | None) -> dict[str, dict[str, Any]]:
    """``id -> row`` of the registry's producers and venues (the visitor fields only: contact and hours)."""
    keys = ("address", "phone", "zalo", "website", "contact", "opening_hours")
    out: dict[str, dict[str, Any]] = {}
    for frame in frames:
        if frame is None:
            continue
        id_col = "producer_id" if "producer_id" in frame and "venue_id" not in frame else "venue_id"
        cols = [k for k in keys if k in frame]
        for rid, *vals in zip(frame[id_col], *(frame[c] for c in cols), strict=True):
            out[text_or_empty(rid)] = dict(zip(cols, vals, strict=True))
    return out


def visit_context(*, name: str, lat: float | None, lon: float | None, precision: str = "", hours: str = "",
                  hours_given: bool = False, mode: str = "", address: str = "", phone: str = "", zalo: str = "",
                  website: str = "", contact: str = "", show_hours: bool = True) -> dict[str, Any]:  # fmt: skip
    """What a visitor needs of one place on the road, ready for the ``on_the_road`` macro of ``_macros.html``.

    Parameters
    ----------
    name
        The place's name (the hand-off links show it).
    lat, lon
        Its location; None or NaN gives no directions.
    precision
        Location precision (``PRECISIONS``): anything but exact / poi is said plainly as approximate.
    hours
        OSM opening hours as the registry (or the route spec) gives them.
    hours_given
        Whether the registry gives those hours: False says "not confirmed — call before you go" instead of
        showing hours the planner only assumed.
    mode
        {"motorbike", "car", "coach", "walk", "bicycle", ""}: the travel mode the navigation apps open with.
    address, phone, zalo, website, contact
        The registry's contact fields (:func:`ocop_geo.visitor.contact_links`).
    show_hours
        False for a start, end or lunch place: no hours line, not even "not confirmed".

    Returns
    -------
    dict
        ``name``, ``approx`` (``{"vi", "en"}`` or None), ``hours`` (None, ``{"known": False}`` or ``{"known": True,
        "week": [...], "words": {"vi": [...], "en": [...]}}``), ``contact`` and ``directions``.
    """
    hours_ctx: dict[str, Any] | None = None
    if show_hours or (hours and hours_given):
        hours_ctx = {"known": False}
        if hours and hours_given:
            try:
                oh = parse_opening_hours(hours)
            except ValidationError:
                oh = None
            if oh is not None:
                hours_ctx = {"known": True, "week": week_windows(oh), "words": hours_in_words(oh)}
    placed = lat is not None and lon is not None and lat == lat and lon == lon
    return {
        "name": name,
        "approx": None if precision in _PLACED else APPROX_PLACE.get(precision, APPROX_PLACE["none"]),
        "hours": hours_ctx,
        "contact": contact_links(address=address, phone=phone, zalo=zalo, website=website, contact=contact),
        "directions": directions_links(float(lat), float(lon), name, mode=mode) if placed else [],
    }


def registry_visit(row: Mapping[str, Any], *, mode: str = "") -> dict[str, Any]:
    """:func:`visit_context` of one registry row (a producer or a venue), e.g. for its own page.

    Parameters
    ----------
    row
        The row as a mapping: ``name``, ``lat`` / ``lon`` (or a point ``geometry``), ``location_precision``,
        ``opening_hours`` and any of ``address``, ``phone``, ``zalo``, ``website``, ``contact``.
    mode
        The travel mode the navigation apps open with (``""``: the app chooses).

    Returns
    -------
    dict
        As :func:`visit_context`; the hours count as given when the row has them.
    """
    geom = row.get("geometry")
    lat, lon = row.get("lat"), row.get("lon")
    if geom is not None and not getattr(geom, "is_empty", True):
        lat, lon = geom.y, geom.x
    hours = _cell(row, "opening_hours")
    return visit_context(name=_cell(row, "name"), lat=lat, lon=lon, precision=_cell(row, "location_precision"),
                         hours=hours, hours_given=bool(hours), mode=mode,
                         **{k: _cell(row, k) for k in ("address", "phone", "zalo", "website", "contact")})  # fmt: skip


def _hours_given(stop: Stop, rows: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the registry gives the stop's hours (not the planner's assumption).

    The stop's own flag when it has one; else the registry rows of all its producers (or its venue) when the
    registry frame has an hours column; else the hours differ from the planner's default.
    """
    flag = getattr(stop, "hours_assumed", None)
    if isinstance(flag, bool):
        return not flag and bool(stop.opening_hours)
    ids = stop.producers or ((stop.site_id,) if stop.site_id else ())
    known = [rows[i] for i in ids if i in rows and "opening_hours" in rows[i]]
    if ids and len(known) == len(ids):
        return bool(stop.opening_hours) and all(text_or_empty(r["opening_hours"]).strip() for r in known)
    return bool(stop.opening_hours) and stop.opening_hours not in (DEFAULT_OPENING_HOURS, "24/7")


def stop_visit(stop: Stop, rows: Mapping[str, Mapping[str, Any]] | None = None, *,
               mode: str = "") -> dict[str, Any] | None:  # fmt: skip
    """:func:`visit_context` of an itinerary stop; None for a packed lunch (no place to go to).

    Parameters
    ----------
    stop
        The stop: its contact fields when the itinerary carries them (``address``, ``phone``, ``zalo``,
        ``website``), else those of its producers / venue in ``rows``.
    rows
        ``id -> registry row`` of producers and venues (contact fields and ``opening_hours``).
    mode
        The route's travel mode, for the navigation apps.

    Returns
    -------
    dict or None
        As :func:`visit_context`; hours only for producers and sights.
    """
    rows = rows or {}
    if stop.kind == "lunch" and not stop.site_id:
        return None  # a packed lunch: no place to go to
    ids = stop.producers or ((stop.site_id,) if stop.site_id else ())
    fields = {}
    for key in ("address", "phone", "zalo", "website", "contact"):
        own = text_or_empty(getattr(stop, key, "")).strip()
        fields[key] = own or next((v for i in ids if (v := _cell(rows.get(i, {}), key))), "")
    return visit_context(name=stop.name, lat=stop.lat, lon=stop.lon, precision=stop.precision,
                         hours=stop.opening_hours, hours_given=_hours_given(stop, rows), mode=mode,
                         show_hours=stop.kind in ("producer", "poi"), **fields)  # fmt: skip


def route_context(itinerary: Itinerary, *, links: Mapping[str, str], slug: str | None = None,
                  venues: gpd.GeoDataFrame | None = None,
                  producers: gpd.GeoDataFrame | None = None) -> dict[str, Any]:  # fmt: skip
    """Template-ready view of an itinerary, shared by the route page, its card and the A4 page.

    Parameters
    ----------
    itinerary
        The planned route.
    links
        ``site_id -> URL`` of producer pages (each stop row gets its ``url`` or None).
    slug
        File-name slug of the route page; default: the slug of ``route_id``.
    venues
        The registry's venues: a stop that is one of them (its ``site_id`` a ``venue_id``) is labelled with
        the venue's kind ("OCOP display point", "OCOP fair", …) instead of "Sight"; a start, end or lunch
        place that is one gets the venue's kind after its role ("Start · OCOP display point").
    producers
        The registry's producers: a stop's address, phone, Zalo and website when the itinerary does not carry
        them, and whether the registry gives its opening hours (else the page says to call first).

    Returns
    -------
    dict
        Titles, totals, one entry per day with its stop rows (each with its ``visit``: see
        :func:`visit_context`), and, for the officer's outputs only, the warnings and producers left out.
        Texts are still raw: the templates escape them.
    """
    venue_kind = _venue_kinds(venues)
    registry_rows = _registry_rows(producers, venues)
    days = []
    for day in itinerary.days:
        rows = []
        labels = stop_labels(day)
        for s in day.stops:
            kind_label = _KIND.get(s.kind, {"vi": s.kind, "en": s.kind})
            vk = venue_kind.get(s.site_id or "") if s.kind != "producer" else None
            if vk:  # a venue as a stop is named by its kind; as start, end or lunch place, after that role
                label = VENUE_KIND_LABELS.get(vk, {"vi": vk, "en": vk})
                kind_label = label if s.kind == "poi" else {k: f"{kind_label[k]} · {label[k]}" for k in ("vi", "en")}
            leg = s.leg_in
            time = s.start if s.kind == "start" else (s.arrival or s.start)
            if s.visit_min:
                time = f"{s.start}–{s.end}"
            rows.append({
                "seq": s.seq, "label": labels[s.seq], "kind": s.kind, "kind_label": kind_label, "venue_kind": vk or "",
                "where": place_labels(s.ward, s.district, s.unit_2025),
                "name": s.name, "url": links.get(s.site_id or ""), "time": time,
                "name_pair": None if s.site_id else split_languages(s.name),
                "visit_min": int(round(s.visit_min)), "stars": s.stars,
                "products": ", ".join(product_label(p.name) for p in s.products), "hours": s.opening_hours,
                "visit": stop_visit(s, registry_rows, mode=itinerary.mode),
                "approx": s.precision not in ("", "exact"),
                "precision": PRECISION_LABELS.get(s.precision, s.precision),
                "precision_label": {"vi": PRECISION_LABELS_VI.get(s.precision, s.precision),
                                    "en": PRECISION_LABELS.get(s.precision, s.precision)},
                "leg": None if leg is None else {
                    "km": f"{leg.distance_m / 1000:.1f}", "min": int(round(leg.travel_s / 60)),
                    "off_network": leg.off_network, "note": leg.note},
            })  # fmt: skip
        days.append({"day": day.day, "label": day_label(day), "color": day.color,
                     "window": f"{day.window[0]}–{day.window[1]}", "rows": rows,
                     "distance_km": f"{day.totals.distance_m / 1000:.1f}"})  # fmt: skip
    tot = itinerary.totals
    hours = [f"{d.stops[0].start}–{d.stops[-1].arrival or d.stops[-1].end}" for d in itinerary.days if d.stops]
    return {
        "hours": ", ".join(hours),
        "id": itinerary.route_id, "slug": slug or slugify(itinerary.route_id),
        "title": {"vi": itinerary.title.get("vi") or itinerary.title.get("en") or itinerary.route_id,
                  "en": itinerary.title.get("en") or itinerary.title.get("vi") or itinerary.route_id},
        "description": {"vi": itinerary.description.get("vi", ""), "en": itinerary.description.get("en", "")},
        "mode_label": _MODE.get(itinerary.mode, {"vi": itinerary.mode, "en": itinerary.mode}),
        "n_days": len(itinerary.days), "n_stops": tot.n_stops,
        "distance_km": f"{tot.distance_m / 1000:.0f}", "travel": _duration(tot.travel_s),
        "days": days, "warnings": list(itinerary.warnings),
        "not_chosen": [{**n.to_dict(), "reason_vi": n.reason_vi} for n in itinerary.not_chosen],
        "attribution": itinerary.attribution,
    }  # fmt: skip


def qr_svg(url: str) -> str:
    """An inline SVG QR code of ``url``.

    Parameters
    ----------
    url
        The address to encode (a published route page).

    Returns
    -------
    str
        An ``<svg role="img">`` element with a ``<title>`` for screen readers (the URL, escaped).
    """
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = img.to_string(encoding="unicode")
    svg = re.sub(r"^<\?xml[^>]*\?>\s*", "", svg)
    title = Markup("<title>QR: {}</title>").format(url)
    return svg.replace(">", ' role="img">' + str(title), 1)
