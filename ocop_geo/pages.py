"""Page pieces shared by the printable export and the route site: templates, the route's page view, QR codes.

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
from .itinerary import Itinerary
from .mapping import day_label, place_label, text_or_empty
from .registry_schema import VENUE_KINDS
from .textnorm import slugify

__all__ = ["PRECISION_LABELS", "PRECISION_LABELS_VI", "TEMPLATES_DIR", "VENUE_KIND_LABELS", "place_labels", "qr_svg", "render_template",
           "route_context"]

#: Folder of the Jinja2 page templates.
TEMPLATES_DIR: Path = Path(__file__).resolve().parent / "templates"

#: What an approximate location precision means, as pages say it (``exact`` and ``""`` need no label).
PRECISION_LABELS: dict[str, str] = {"ward": "ward centre", "commune": "commune centre",
                                    "district": "district centre", "street": "street", "none": "unknown"}  # fmt: skip
#: The same in Vietnamese (pages show both; the map script has the same words).
PRECISION_LABELS_VI: dict[str, str] = {"ward": "tâm phường/xã", "commune": "tâm xã", "district": "tâm quận/huyện",
                                       "street": "theo đường", "none": "không rõ"}  # fmt: skip

_KIND = {
    "start": {"vi": "Xuất phát", "en": "Start"},
    "producer": {"vi": "Cơ sở OCOP", "en": "OCOP producer"},
    "poi": {"vi": "Điểm tham quan", "en": "Sight"},
    "lunch": {"vi": "Nghỉ trưa", "en": "Lunch break"},
    "end": {"vi": "Kết thúc", "en": "End"},
}
#: What each venue kind (``Registry.venues.kind``) is called on pages, vi / en (the map script has the same words).
VENUE_KIND_LABELS: dict[str, dict[str, str]] = {
    code: {"vi": k.short_vi, "en": k.short_en} for code, k in VENUE_KINDS.items()
}
_MODE = {
    "motorbike": {"vi": "Xe máy", "en": "Motorbike"},
    "car": {"vi": "Ô tô", "en": "Car"},
    "coach": {"vi": "Xe khách", "en": "Coach"},
    "walk": {"vi": "Đi bộ", "en": "Walking"},
    "bicycle": {"vi": "Xe đạp", "en": "Bicycle"},
}


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


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
    """:func:`ocop_geo.mapping.place_label` in both languages: ``{"vi": "… · Đơn vị 2025: …", "en": "… · 2025: …"}``.

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


def route_context(itinerary: Itinerary, *, links: Mapping[str, str], slug: str | None = None,
                  venues: gpd.GeoDataFrame | None = None) -> dict[str, Any]:  # fmt: skip
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

    Returns
    -------
    dict
        Titles, totals, one entry per day with its stop rows, warnings and producers left out. Texts are still
        raw: the templates escape them.
    """
    venue_kind = _venue_kinds(venues)
    days = []
    for day in itinerary.days:
        rows = []
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
                "seq": s.seq, "kind": s.kind, "kind_label": kind_label, "venue_kind": vk or "",
                "where": place_labels(s.ward, s.district, s.unit_2025),
                "name": s.name, "url": links.get(s.site_id or ""), "time": time,
                "visit_min": int(round(s.visit_min)), "stars": s.stars,
                "products": ", ".join(p.name for p in s.products), "hours": s.opening_hours,
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
