"""Route maps and the producer map with folium, served from vendored Leaflet assets.

This is the only module that imports folium, and :func:`to_latlon` is the only place where
shapely's ``(x=lon, y=lat)`` order becomes folium's ``(lat, lon)``. The bottom of the render layer:
:mod:`ocop_geo.pages`, :mod:`ocop_geo.export` and :mod:`ocop_geo.site` build on it, it imports none of them.

Pages stay light and work from disk: folium's CDN scripts are replaced by the files vendored in
``ocop_geo/static`` (see its README), stops and producers are emitted once as JSON inside
``<script type="application/json">`` and drawn by one small script (``static/ocop/ocop-map.js``),
which builds every label and popup with ``textContent`` so registry text can never run as code.
The registry's venues (OCOP showrooms, display points and points of sale, fairs and markets, agritourism
sites, hotels and restaurants) are drawn the same way, with their own square icons and legend rows.

Example
-------
>>> from ocop_geo.itinerary import read_itinerary  # doctest: +SKIP
>>> m = route_map(read_itinerary("maps/cu-chi/itinerary.json"))  # doctest: +SKIP
>>> save_map(m, "maps/cu-chi/map.html", title="Củ Chi")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import math
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely
from folium.elements import JSCSSMixin
from folium.template import Template

from . import settings
from .basemap import write_basemap
from .fileio import write_text_atomic
from .i18n import gettext
from .itinerary import Day, Itinerary, Stop
from .registry import products_by_producer
from .textnorm import fold

__all__ = [
    "GROUP_ICONS",
    "STATIC_DIR",
    "STOP_GLYPHS",
    "VENUE_ICONS",
    "MapParts",
    "ProducerPageMaps",
    "base_map",
    "contrast_ratio",
    "copy_static",
    "date_range_text",
    "day_label",
    "ink_color",
    "json_for_script",
    "map_html",
    "place_label",
    "producer_map",
    "producer_markers",
    "producers_index_map",
    "render_parts",
    "route_map",
    "route_svg",
    "save_map",
    "stable_ids",
    "stop_label",
    "stop_labels",
    "add_site_producers",
    "text_or_empty",
    "to_latlon",
]

log = logging.getLogger(__name__)

#: Vendored Leaflet, plugins and ocop_geo's own page assets.
STATIC_DIR: Path = Path(__file__).resolve().parent / "static"

_LEAFLET_JS = [("leaflet", "leaflet/leaflet.js")]
_LEAFLET_CSS = [("leaflet_css", "leaflet/leaflet.css"), ("ocop_css", "ocop/ocop.css")]
_OCOP_JS = [
    ("ocop_messages", "ocop/messages.js"),
    ("fullscreen", "fullscreen/Control.FullScreen.umd.js"),
    ("locate", "locate/L.Control.Locate.min.js"),
    ("gesture_handling", "gesture-handling/leaflet-gesture-handling.min.js"),
    ("basemap", "ocop/basemap.js"),
    ("ocop_map", "ocop/ocop-map.js"),
]
_OCOP_CSS = [
    ("fullscreen_css", "fullscreen/Control.FullScreen.css"),
    ("locate_css", "locate/L.Control.Locate.min.css"),
    ("gesture_handling_css", "gesture-handling/leaflet-gesture-handling.min.css"),
]
_CLUSTER_JS = [("markercluster", "markercluster/leaflet.markercluster.js")]
_CLUSTER_CSS = [
    ("markercluster_css", "markercluster/MarkerCluster.css"),
    ("markercluster_default_css", "markercluster/MarkerCluster.Default.css"),
]

#: Icon key per folded OCOP group name (Vietnamese or English); ocop-map.js draws each key.
GROUP_ICONS: dict[str, str] = {
    "thuc pham": "food",
    "food": "food",
    "do uong": "drink",
    "drinks": "drink",
    "beverage": "drink",
    "thao duoc": "herb",
    "herbal products": "herb",
    "herbs": "herb",
    "vai va may mac": "textile",
    "textiles": "textile",
    "luu niem noi that trang tri": "craft",
    "handicrafts": "craft",
    "dich vu du lich cong dong": "tourism",
    "tourism": "tourism",
}

#: Icon key per venue kind (``Registry.venues.kind``); ocop-map.js draws each key as a square pin, unlike the round
#: producer pins. Showrooms, display points and points of sale share the "OCOP shop" icon; fairs and markets
#: the calendar. A kind not listed here gets the generic ``"venue"`` icon.
VENUE_ICONS: dict[str, str] = {
    "showroom": "shop",
    "display_point": "shop",
    "point_of_sale": "shop",
    "fair": "fair",
    "market": "fair",
    "agritourism": "farm",
    "hotel": "hotel",
    "restaurant": "restaurant",
}

#: Venue kinds whose start and end dates are the days they run (other kinds: a start date is the opening day).
_EVENT_KINDS = frozenset({"fair", "market"})

_URL = re.compile(r"https?://[^\s;,<>\"']+")

#: Tolerance of the drawn road paths (degrees, ≈1 m): fewer points, the same line on screen.
_SIMPLIFY_DEG = 1e-5

_JINJA_OPEN = re.compile(r"\{(?=[{%#])")  # a "{" that starts a Jinja tag
_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>\s*', re.S)
_WEEKDAY_VI = {"Mo": "T2", "Tu": "T3", "We": "T4", "Th": "T5", "Fr": "T6", "Sa": "T7", "Su": "CN"}

#: The symbol of a stop that is not a visit, on its map pin and in the itinerary's ``#`` column.
STOP_GLYPHS: dict[str, str] = {"start": "\u25b6", "lunch": "\u2600", "end": "\u25a0"}
#: Padding (px) of a route map's initial view: stops stay clear of the controls (44 px buttons on both sides,
#: the scale, legend and attribution at the bottom).
_FIT_TOP_LEFT, _FIT_BOTTOM_RIGHT = (76, 40), (76, 76)
#: Text colours tried on a day colour, light first (WCAG AA: 4.5 : 1 for normal text).
_INKS = ("#ffffff", "#000000")


def to_latlon(coords: Iterable[Sequence[float]] | shapely.Geometry, *, ndigits: int = 6) -> list[list[float]]:
    """Convert shapely-order ``(lon, lat)`` pairs, or a shapely geometry, to folium ``[lat, lon]``.

    The one conversion helper of the project; rounds to ``ndigits`` decimals (6 ≈ 0.1 m).

    >>> to_latlon([(106.7, 10.77), (106.61, 10.97)])
    [[10.77, 106.7], [10.97, 106.61]]
    """
    if hasattr(coords, "coords"):
        coords = coords.coords
    return [[round(float(c[1]), ndigits), round(float(c[0]), ndigits)] for c in coords]


def json_for_script(data: Any) -> str:
    """JSON text safe inside ``<script type="application/json">`` and inside folium's templates.

    ``<``, ``>``, ``&`` are escaped (no ``</script>`` breakout), and so is the ``{`` of ``{{``, ``{%``
    and ``{#``: folium renders each element's output again as a Jinja template, so a registry name
    like ``{{ lipsum.__globals__.os.popen(...) }}`` would otherwise run on the publishing machine.
    Outside strings JSON never has those pairs, so only text inside strings changes.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _JINJA_OPEN.sub(r"\\u007b", text)


def _html_text(text: str) -> str:
    """HTML-escape text that folium places inside a JS template literal (tooltips, layer names).

    Besides ``< > & " '``, escapes the backtick, ``$`` and backslash, which could otherwise
    end the literal or start a ``${...}`` expression, and ``{``, which folium's second Jinja
    pass would read as the start of ``{{ ... }}`` (see :func:`json_for_script`).
    """
    return (html.escape(text).replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")
            .replace("{", "&#123;"))


def place_label(ward: str, district: str, unit_2025: str = "", *, lang: str = "en") -> str:
    """Where a place is, old units first and the post-7/2025 unit beside them.

    Parameters
    ----------
    ward, district
        The pre-2025 ward / commune and district (either may be empty).
    unit_2025
        The post-7/2025 phường / xã / đặc khu (empty when not known).
    lang
        {"vi", "en"}: ``"Đơn vị 2025: …"`` or ``"2025: …"``.

    Returns
    -------
    str
        ``"Xã Hòa Phú, Củ Chi · 2025: Xã Củ Chi"``; the 2025 unit alone when no old unit is known (a place in the
        former Bình Dương or Bà Rịa–Vũng Tàu) or when it only repeats the old ward's name.

    >>> place_label("Xã Hòa Phú", "Củ Chi", "Xã Củ Chi")
    'Xã Hòa Phú, Củ Chi · 2025: Xã Củ Chi'
    >>> place_label("", "", "Phường Thủ Dầu Một", lang="vi")
    'Phường Thủ Dầu Một'
    """
    old = ", ".join(x for x in (ward, district) if x)
    if not unit_2025:
        return old
    if not district and (not ward or fold(ward) == fold(unit_2025)):
        return unit_2025
    return f"{old} · {'Đơn vị 2025' if lang == 'vi' else '2025'}: {unit_2025}"


def group_icon(group: str) -> str:
    """Icon key of an OCOP group name, ``"other"`` when unknown."""
    return GROUP_ICONS.get(fold(group), "other")


def _links(base: str, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    base = base.rstrip("/")
    return [(name, f"{base}/{path}" if base else path) for name, path in pairs]


class _Assets(JSCSSMixin):
    """Loads the vendored scripts and stylesheets of one bundle (no CDN)."""

    _template = Template("")

    def __init__(self, js: list[tuple[str, str]], css: list[tuple[str, str]]) -> None:
        super().__init__()
        self._name = "OcopAssets"
        self.default_js = js
        self.default_css = css


class _DataScript(JSCSSMixin):
    """Emits ``data`` once as JSON and calls one function of ocop-map.js on it."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <script type="application/json" id="{{ this.get_name() }}">{{ this.payload }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        {{ this.function }}({{ this._parent.get_name() }},
            JSON.parse(document.getElementById({{ this.get_name()|tojson }}).textContent),
            { {%- for key, layer in this.layers.items() %}{{ key|tojson }}: {{ layer.get_name() }},{% endfor -%} });
        {% endmacro %}
        """
    )

    def __init__(self, function: str, data: Any, *, layers: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self._name = "OcopData"
        self.function = function
        self.payload = json_for_script(data)
        self.layers = dict(layers or {})


@dataclass(frozen=True)
class MapParts:
    """A rendered map cut into the three pieces a page template places: head, body, script."""

    head: str
    body: str
    script: str


def base_map(*, assets_base: str = "static", tiles: bool = True, location: Sequence[float] | None = None,
             zoom_start: int = 11) -> folium.Map:  # fmt: skip
    """An empty folium map that loads Leaflet from ``assets_base`` (relative URL), not a CDN.

    The OpenStreetMap tile layer carries "© OpenStreetMap contributors"; when tiles cannot be
    loaded (no connection) the page shows a note and everything else still works.
    """
    center = list(location) if location is not None else [10.78, 106.70]
    m = folium.Map(location=center, zoom_start=zoom_start, tiles=None)  # ocop-map.js adds a metric scale
    m.default_js = _links(assets_base, _LEAFLET_JS)
    m.default_css = _links(assets_base, _LEAFLET_CSS)
    if tiles:
        folium.TileLayer(
            "OpenStreetMap",
            attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
            "contributors",
            name="OpenStreetMap",
            control=False,
        ).add_to(m)
    _add_ocop_layer_support(m, assets_base)
    return m


def _add_ocop_layer_support(m: folium.Map, assets_base: str) -> str:
    """Load ocop-map.js and its controls on ``m`` once (also on a map made elsewhere, e.g. by
    ``GeoDataFrame.explore``); return the assets base the map uses."""
    base = getattr(m, "_ocop_assets_base", None)
    if base is None:
        base = assets_base
        m.add_child(_Assets(_links(base, _OCOP_JS), _links(base, _OCOP_CSS)))
        # the offline basemap (static/basemap, see ocop_geo.basemap) under the online tiles; same attribution
        m.add_child(_DataScript("ocopBasemap.attach", {"attribution": '&copy; <a href="https://www.openstreetmap.org/'
                                                                      'copyright">OpenStreetMap</a> contributors'}))
        m.add_child(_DataScript("ocopMapControls", {"attribution": settings.osm_attribution}))
        m._ocop_assets_base = base  # type: ignore[attr-defined]
    return base


def stop_labels(day: Day) -> dict[int, str]:
    """``seq -> label`` of a day's stops, on the map, in the itinerary table and on the printed page.

    Visits are numbered in order within the day, ``"1-3"`` = day 1, third visit (unique in a route); start,
    lunch and end are their symbol and the day (``"▶1"``, ``"☀1"``, ``"■1"``), so the numbers run on without a gap.
    """
    out: dict[int, str] = {}
    n = 0
    for stop in day.stops:
        glyph = STOP_GLYPHS.get(stop.kind)
        if glyph:
            out[stop.seq] = f"{glyph}{day.day}"
        else:
            n += 1
            out[stop.seq] = f"{day.day}-{n}"
    return out


def stop_label(day: Day, stop: Stop) -> str:
    """The label of one stop of ``day`` (see :func:`stop_labels`).

    >>> from ocop_geo.itinerary import Stop, Totals, Day
    >>> stops = (Stop(0, "start", None, "Bến Thành", 10.77, 106.7, "exact", None, 0, "07:00", "07:00", 0),
    ...          Stop(1, "producer", "HCM-P004", "Đạt Butter", 10.9, 106.5, "commune", "08:10", 0, "08:10", "08:55", 45),
    ...          Stop(2, "lunch", None, "Quán", 10.9, 106.5, "exact", "12:00", 0, "12:00", "13:00", 60),
    ...          Stop(3, "poi", "osm-1", "Địa đạo", 11.1, 106.4, "exact", "13:30", 0, "13:30", "15:00", 90))
    >>> day = Day(2, None, "Sa", ("07:00", "18:00"), "#d7191c", stops, Totals.of_stops(stops))
    >>> [stop_label(day, s) for s in stops]
    ['▶2', '2-1', '☀2', '2-2']
    """
    return stop_labels(day)[stop.seq]


def _luminance(color: str) -> float:
    r, g, b = (int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21).

    >>> round(contrast_ratio("#ffffff", "#1a9641"), 2)
    3.83
    """
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink_color(color: str) -> str:
    """The text colour for labels on ``color`` (a day's colour): white, or black when white reads worse.

    >>> ink_color("#7b3294"), ink_color("#fdae61")
    ('#ffffff', '#000000')
    """
    return max(_INKS, key=lambda ink: (contrast_ratio(ink, color), ink == _INKS[0]))


def day_label(day: Day) -> dict[str, str]:
    """``{"vi": "Ngày 1 · T7 05/12/2026", "en": "Day 1 · Sa 2026-12-05"}`` for an itinerary day."""
    when_en = " ".join(x for x in (day.weekday, day.date or "") if x)
    vi_date = ""
    if day.date:
        y, mo, d = day.date.split("-")
        vi_date = f"{d}/{mo}/{y}"
    when_vi = " ".join(x for x in (_WEEKDAY_VI.get(day.weekday, day.weekday), vi_date) if x)
    return {"vi": f"Ngày {day.day} · {when_vi}", "en": f"Day {day.day} · {when_en}"}


def _stop_record(stop: Stop, label: str, links: Mapping[str, str],
                 venues: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    groups = list(stop.groups) or [p.group for p in stop.products if p.group]
    groups_en = [p.group_en for p in stop.products if p.group_en]
    rec: dict[str, Any] = {
        "seq": stop.seq, "label": label, "kind": stop.kind, "name": stop.name,
        "lat": stop.lat, "lon": stop.lon, "ids": list(stop.producers),
        "precision": stop.precision, "arrival": stop.arrival, "start": stop.start, "end": stop.end,
        "wait": stop.wait_min, "visit": stop.visit_min,
    }  # fmt: skip
    if stop.kind == "producer":
        rec.update(
            stars=stop.stars, district=stop.district, ward=stop.ward, hours=stop.opening_hours,
            groups=groups, groups_en=list(dict.fromkeys(groups_en)),
            icon=group_icon(groups[0]) if groups else "other",
            products=[[p.name, p.stars, p.group] for p in stop.products],
        )  # fmt: skip
    else:
        rec.update({k: v for k, v in (("district", stop.district), ("ward", stop.ward),
                                      ("hours", stop.opening_hours)) if v})  # fmt: skip
    if stop.unit_2025:
        rec["unit"] = stop.unit_2025
    if stop.site_id and stop.site_id in links:
        rec["url"] = links[stop.site_id]
    venue = venues.get(stop.site_id or "") if venues else None
    if venue is not None:  # a registry venue used as a stop: its kind, address, hours or dates, contact, source
        rec["venue"] = {k: v for k, v in venue.items() if k not in ("id", "lat", "lon", "name")}
    return rec


def route_map(itinerary: Itinerary, *, m: folium.Map | None = None, assets_base: str = "static",
              links: Mapping[str, str] | None = None, fit: bool = True,
              venues: gpd.GeoDataFrame | None = None) -> folium.Map:  # fmt: skip
    """Draw an itinerary: one layer and colour per day, numbered stops, road paths, a legend.

    Parameters
    ----------
    itinerary
        The planned route (``ocop_geo.itinerary.Itinerary``).
    m
        An existing map to draw on (layers compose); a new :func:`base_map` otherwise.
    assets_base
        Relative URL of the vendored static folder as seen from the page.
    links
        ``site_id -> URL`` of producer pages, shown as a link in each popup.
    fit
        Fit the map to the route (not to the venues).
    venues
        The registry's venues (``Registry.venues``: EPSG:4326, ``venue_id``, ``kind``, ``name``, ``address``,
        ``ward``, ``district``, ``unit_2025``, ``opening_hours``, ``start_date``, ``end_date``, ``contact``,
        ``source``, ``geometry``), drawn as their own layer with an icon per kind and a legend entry; a venue
        that is a stop of the route is drawn once, as the stop, with the venue's details in its popup.

    Returns
    -------
    folium.Map
        Off-network legs are dashed and labelled; start, end and lunch have their own symbols.
    """
    if m is None:
        m = base_map(assets_base=assets_base)
    _add_ocop_layer_support(m, assets_base)
    links = dict(links or {})
    venue_recs = _venue_records(venues) if venues is not None else []
    by_venue = {r["id"]: r for r in venue_recs}
    layers: dict[str, folium.FeatureGroup] = {}
    days_payload = []
    lats: list[float] = []
    lons: list[float] = []
    for day in itinerary.days:
        label = day_label(day)
        # Leaflet's layer control shows names as HTML: both languages, escaped; CSS shows one
        name = "".join(f'<span lang="{k}">{_html_text(label[k])}</span>' for k in ("vi", "en"))
        group = folium.FeatureGroup(name=name, show=True)
        group.add_to(m)
        layers[str(day.day)] = group
        for stop in day.stops:
            lats.append(stop.lat)
            lons.append(stop.lon)
            leg = stop.leg_in
            if leg is None or len(leg.coordinates) < 2:
                continue
            minutes = round(leg.travel_s / 60.0)
            km = leg.distance_m / 1000.0
            lab = stop_label(day, stop)
            tips = {"vi": f"{label['vi']}: → {lab} {stop.name} — {km:.1f} km, {minutes} phút",
                    "en": f"{label['en']}: → {lab} {stop.name} — {km:.1f} km, {minutes} min"}
            if leg.off_network:
                tips["vi"] += " — đoạn ngoài mạng đường (đường thẳng)"
                tips["en"] += f" — off the road network (straight line). {leg.note}".rstrip()
            tip = "".join(f'<span lang="{k}">{_html_text(v)}</span>' for k, v in tips.items())
            path = shapely.LineString(leg.coordinates).simplify(_SIMPLIFY_DEG, preserve_topology=False)
            folium.PolyLine(
                to_latlon(path),
                color=day.color,
                weight=4 if leg.off_network else 5,
                opacity=0.85,
                dash_array="8 8" if leg.off_network else None,
                tooltip=tip,
                class_name="ocop-leg-offnet" if leg.off_network else "ocop-leg",
            ).add_to(group)
            lats.extend(c[1] for c in leg.coordinates)
            lons.extend(c[0] for c in leg.coordinates)
        days_payload.append(
            {"day": day.day, "label": label, "color": day.color, "ink": ink_color(day.color),
             "stops": [_stop_record(s, stop_labels(day)[s.seq], links, by_venue) for s in day.stops]}
        )  # fmt: skip
    title = {k: itinerary.title.get(k, "") for k in ("vi", "en")}
    m.add_child(_DataScript("ocopDrawRoute", {"title": title, "days": days_payload}, layers=layers))
    if venues is not None:
        on_route = {s.site_id for _, s in itinerary.stops() if s.site_id}
        _add_venue_layer(m, [r for r in venue_recs if r["id"] not in on_route], skipped=len(venues) - len(venue_recs),
                         icons=[r["icon"] for r in venue_recs if r["id"] in on_route])  # the stops' badges
    folium.LayerControl(collapsed=True).add_to(m)
    if fit and lats:  # the stops clear of the map's control columns and bottom rows
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding_top_left=_FIT_TOP_LEFT,
                     padding_bottom_right=_FIT_BOTTOM_RIGHT, max_zoom=15)
    n = sum(len(d.stops) for d in itinerary.days)
    log.info("route map %s: %d days, %d stops", itinerary.route_id, len(itinerary.days), n)
    return m


def _placed_rows(frame: gpd.GeoDataFrame) -> Iterator[tuple[Any, float, float]]:
    """``(row, lat, lon)`` of each row of ``frame`` with a finite point (EPSG:4326); the unplaced are skipped."""
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    for row in frame.itertuples(index=False):
        geom = getattr(row, "geometry", None)
        if geom is None or geom.is_empty:
            continue
        (lat, lon), = to_latlon([(geom.x, geom.y)])
        if math.isfinite(lat) and math.isfinite(lon):
            yield row, lat, lon


def _producer_records(producers: gpd.GeoDataFrame, products: pd.DataFrame | None,
                      links: Mapping[str, str]) -> list[dict[str, Any]]:  # fmt: skip
    """The map's record of each placed producer, with its certified products only (a candidate is not an
    OCOP product yet: it is not drawn, filtered on or counted in the stars)."""
    by_producer = products_by_producer(products, include="certified")
    records = []
    for row, lat, lon in _placed_rows(producers):
        pid = str(row.producer_id)
        prods = by_producer.get(pid, [])
        english = {p.group: p.group_en or p.group for p in prods if p.group}
        groups = list(english)
        groups_en = [english[g] for g in groups]  # aligned with groups, for the filter labels
        stars = [p.stars for p in prods if p.stars is not None]
        rec = {
            "id": pid, "name": str(row.name), "lat": round(lat, 6), "lon": round(lon, 6),
            "precision": str(getattr(row, "location_precision", "") or ""),
            "district": text_or_empty(getattr(row, "district", "")), "ward": text_or_empty(getattr(row, "ward", "")),
            "type": text_or_empty(getattr(row, "producer_type", "")),
            "groups": groups, "groups_en": groups_en, "stars": max(stars) if stars else None,
            "icon": group_icon(groups[0]) if groups else "other",
            "products": [[p.name, p.stars, p.group] for p in prods],
        }  # fmt: skip
        if pid in links:
            rec["url"] = links[pid]
        records.append(rec)
    return records


def text_or_empty(v: Any) -> str:
    """``str(v)``, empty for None / NaN / NA."""
    try:
        return "" if v is None or v != v else str(v)
    except TypeError:  # pandas.NA
        return ""


def producer_map(producers: gpd.GeoDataFrame, *, products: pd.DataFrame | None = None,
                 m: folium.Map | None = None, assets_base: str = "static", links: Mapping[str, str] | None = None,
                 fit: bool | None = None, venues: gpd.GeoDataFrame | None = None) -> folium.Map:  # fmt: skip
    """All producers, clustered, with a filter by OCOP group.

    Parameters
    ----------
    producers
        GeoDataFrame of the registry's producers (EPSG:4326; ``producer_id``, ``name``,
        ``location_precision``, ``district``, ``ward``, ``geometry``). Rows without a location
        are skipped (and counted in the log).
    products
        The registry's products (``producer_id``, ``name``, ``stars``, ``ocop_group``,
        ``ocop_group_en``, ``status``), for popups and the group filter: certified products only
        (candidates are listed on the producer pages, not on maps).
    m
        An existing map (e.g. a :func:`route_map`) to add the producer layer to.
    assets_base
        Relative URL of the vendored static folder as seen from the page.
    links
        ``producer_id -> URL`` of producer pages.
    fit
        Fit the map to the producers; by default only when a new map is made.
    venues
        The registry's venues (see :func:`route_map`), drawn as their own layer (not clustered, not
        filtered by group) with an icon per kind and a legend entry.

    Returns
    -------
    folium.Map
        ``m`` (or the new map) with the producer layer (and the venue layer).
    """
    if producers.crs is not None and producers.crs.to_epsg() != 4326:
        producers = producers.to_crs(4326)
    new = m is None
    if m is None:
        m = base_map(assets_base=assets_base)
    records = _producer_records(producers, products, dict(links or {}))
    payload: dict[str, Any] = {"producers": records}
    if (fit if fit is not None else new) and records:
        payload["fit"] = True  # ocop-map.js fits the map to the producers (padding 20 px, zoom ≤ 15)
    _add_producer_layer(m, assets_base, payload, venues=venues)
    log.info("producer map: %d producers drawn, %d without a location skipped", len(records),
             len(producers) - len(records))  # fmt: skip
    return m


def _add_producer_layer(m: folium.Map, assets_base: str, payload: Any, *,
                        venues: gpd.GeoDataFrame | None) -> _DataScript:  # fmt: skip
    """The clustered producer layer (``ocopDrawProducers`` on ``payload``) and the venue layer on ``m``."""
    base = _add_ocop_layer_support(m, assets_base)
    m.add_child(_Assets(_links(base, _CLUSTER_JS), _links(base, _CLUSTER_CSS)))
    data = _DataScript("ocopDrawProducers", payload)
    m.add_child(data)
    if venues is not None:
        venue_recs = _venue_records(venues)
        _add_venue_layer(m, venue_recs, skipped=len(venues) - len(venue_recs))
    return data


def producer_markers(producers: gpd.GeoDataFrame, *, products: pd.DataFrame | None = None,
                     slugs: Mapping[str, str]) -> tuple[str, dict[str, str]]:  # fmt: skip
    """The producers' map data as files: the compact ``markers.js`` and one small detail script per producer.

    ``markers.js`` calls ``ocopProducerMarkers({...})`` (ocop-map.js) with what a marker, the group filter and the
    legend need: ``groups`` (``[vietnamese, english, icon]``), ``precision`` (location precisions) and one array
    per placed producer ``[slug, name, lon, lat, [group indexes], stars or 0, precision index]`` (5 decimals ≈ 1 m);
    a script, not JSON, because pages opened from disk (``file://``) cannot ``fetch()``. The popup's details
    (certified products, type, ward, district) are in ``data/<slug>.js`` (``ocopProducerDetail(slug, {...})``),
    loaded when the popup opens. Text is escaped as in :func:`json_for_script`.

    Parameters
    ----------
    producers, products
        As in :func:`producer_map` (certified products only).
    slugs
        ``producer_id -> slug`` of the producer pages (``<slug>.html``); a producer without a slug is left out.

    Returns
    -------
    tuple
        The text of ``markers.js`` and ``slug -> text`` of each detail script.
    """
    groups: dict[str, int] = {}
    group_rows: list[list[str]] = []
    precisions: dict[str, int] = {}
    rows: list[list[Any]] = []
    details: dict[str, str] = {}
    for rec in _producer_records(producers, products, {}):
        slug = slugs.get(rec["id"])
        if slug is None:
            continue
        idx = []
        for g, g_en in zip(rec["groups"], rec["groups_en"], strict=True):
            if g not in groups:
                groups[g] = len(group_rows)
                group_rows.append([g, g_en, group_icon(g)])
            idx.append(groups[g])
        prec = precisions.setdefault(rec["precision"], len(precisions))
        rows.append([slug, rec["name"], round(rec["lon"], 5), round(rec["lat"], 5), idx, rec["stars"] or 0, prec])
        detail = {k: rec[k] for k in ("id", "type", "district", "ward", "products") if rec[k]}
        details[slug] = f"ocopProducerDetail({json_for_script(slug)},{json_for_script(detail)});\n"
    payload = {"groups": group_rows, "precision": list(precisions), "producers": rows}
    return (f"/* Generated by ocop_geo.mapping.producer_markers: the producers' map markers. */\n"
            f"ocopProducerMarkers({json_for_script(payload)});\n", details)  # fmt: skip


def producers_index_map(*, venues: gpd.GeoDataFrame | None = None, assets_base: str = "../static",
                        markers: str = "markers.js", details: str = "data/", pages: str = "") -> folium.Map:  # fmt: skip
    """The producers' map page: the clustered layer loads its markers from ``markers`` and each popup's details from
    ``details`` (:func:`producer_markers`), links to ``pages + <slug>.html``; the venues are embedded."""
    m = base_map(assets_base=assets_base)
    _add_producer_layer(m, assets_base, {"markers": markers, "details": details, "pages": pages, "fit": True},
                        venues=venues)  # fmt: skip
    return m


def add_site_producers(m: folium.Map, *, hide: Iterable[str] = (), producers_dir: str = "../producers/",
                       assets_base: str = "../static") -> folium.Map:  # fmt: skip
    """Add the site's producers to a route map from the site's shared ``markers.js`` (:func:`producer_markers`)
    instead of embedding them in the page: the page stays small however many producers the registry has.

    Parameters
    ----------
    m
        A route map (:func:`route_map`).
    hide
        Slugs of the producers drawn as stops of the route (not drawn twice).
    producers_dir
        Relative URL of the site's ``producers/`` folder as seen from the page.
    assets_base
        Relative URL of the vendored static folder.

    Returns
    -------
    folium.Map
        ``m``.
    """
    _add_producer_layer(m, assets_base, {"markers": f"{producers_dir}markers.js", "details": f"{producers_dir}data/",
                                         "pages": producers_dir, "fit": False, "hide": sorted(set(hide))},
                        venues=None)  # fmt: skip
    return m


#: Stands for one producer's JSON in the rendered producer-page map (:class:`ProducerPageMaps`).
_SLOT = "__OCOP_PRODUCER_DATA__"


class ProducerPageMaps:
    """The small map of every producer page, rendered by folium once per site and filled with each producer's data.

    Every producer page shows the same map (the venues, the controls, one producer layer) around different data:
    the map is rendered once with a placeholder where the producer's JSON goes (sequential ids, see
    :func:`stable_ids`), and :meth:`parts` puts each producer's record there; ocop-map.js fits the map to it.

    Parameters
    ----------
    producers, products, venues
        As in :func:`producer_map` (certified products only on the map).
    assets_base
        Relative URL of the vendored static folder as seen from the producer pages.
    """

    def __init__(self, producers: gpd.GeoDataFrame, *, products: pd.DataFrame | None = None,
                 venues: gpd.GeoDataFrame | None = None, assets_base: str = "../static") -> None:  # fmt: skip
        self._records: dict[str, list[dict[str, Any]]] = {}
        for rec in _producer_records(producers, products, {}):
            self._records.setdefault(rec["id"], []).append(rec)
        m = base_map(assets_base=assets_base, zoom_start=13)
        data = _add_producer_layer(m, assets_base, {}, venues=venues)
        data.payload = _SLOT
        parts = render_parts(m)
        if parts.body.count(_SLOT) != 1 or _SLOT in parts.head + parts.script:
            raise RuntimeError("the producer-page map template lost its data slot")  # a folium change
        self._head, self._script = parts.head, parts.script
        self._before, self._after = parts.body.split(_SLOT)

    def parts(self, producer_id: str) -> MapParts | None:
        """The map of one producer's page, or None when the producer has no location."""
        recs = self._records.get(str(producer_id))
        if not recs:
            return None
        body = self._before + json_for_script({"producers": recs, "fit": True}) + self._after
        return MapParts(head=self._head, body=body, script=self._script)


def _iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def date_range_text(start: str, end: str) -> dict[str, str]:
    """The dates of a fair or market as people write them: ``{"vi": "6–10/11/2024", "en": "6–10 Nov 2024"}``.

    ISO dates (``YYYY-MM-DD``) are shortened where months or years repeat; text that is not an ISO date is
    kept as written. Empty when neither is given.

    >>> date_range_text("2024-11-06", "2024-11-10")["vi"]
    '6–10/11/2024'
    >>> date_range_text("2024-10-28", "2024-11-03")["en"]
    '28 Oct – 3 Nov 2024'
    """
    a, b = _iso_date(start) if start else None, _iso_date(end) if end else None
    if (start and a is None) or (end and b is None):  # not ISO dates: as written
        text = "–".join(x for x in (start, end) if x)
        return {"vi": text, "en": text}
    if a is None and b is None:
        return {"vi": "", "en": ""}
    if a is None or b is None or a == b:
        d = a or b
        assert d is not None
        one_vi, one_en = f"{d.day}/{d.month}/{d.year}", f"{d.day} {d:%b} {d.year}"
        if a is None:
            return {"vi": f"đến {one_vi}", "en": f"until {one_en}"}
        if b is None and start != end:
            return {"vi": f"từ {one_vi}", "en": f"from {one_en}"}
        return {"vi": one_vi, "en": one_en}
    if (a.year, a.month) == (b.year, b.month):
        return {"vi": f"{a.day}–{b.day}/{a.month}/{a.year}", "en": f"{a.day}–{b.day} {a:%b} {a.year}"}
    if a.year == b.year:
        return {"vi": f"{a.day}/{a.month}–{b.day}/{b.month}/{a.year}",
                "en": f"{a.day} {a:%b} – {b.day} {b:%b} {a.year}"}  # fmt: skip
    return {"vi": f"{a.day}/{a.month}/{a.year}–{b.day}/{b.month}/{b.year}",
            "en": f"{a.day} {a:%b} {a.year} – {b.day} {b:%b} {b.year}"}  # fmt: skip


def _venue_records(venues: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """The map's record of each placed venue (unplaced ones are skipped); empty fields are left out."""
    records = []
    for row, lat, lon in _placed_rows(venues):
        kind = text_or_empty(getattr(row, "kind", ""))
        source = text_or_empty(getattr(row, "source", ""))
        start = text_or_empty(getattr(row, "start_date", "")).strip()
        end = text_or_empty(getattr(row, "end_date", "")).strip()
        opened = None
        if kind not in _EVENT_KINDS and start and not end:  # a showroom's or farm's start date is its opening
            opened, start = date_range_text(start, start), ""
        dates = date_range_text(start, end)
        rec: dict[str, Any] = {
            "id": text_or_empty(getattr(row, "venue_id", "")), "kind": kind, "icon": VENUE_ICONS.get(kind, "venue"),
            "name": text_or_empty(getattr(row, "name", "")), "lat": lat, "lon": lon,
            "address": text_or_empty(getattr(row, "address", "")),
            "ward": text_or_empty(getattr(row, "ward", "")), "district": text_or_empty(getattr(row, "district", "")),
            "unit": text_or_empty(getattr(row, "unit_2025", "")),
            "hours": text_or_empty(getattr(row, "opening_hours", "")), "dates": dates if dates["vi"] else None,
            "opened": opened,
            "contact": text_or_empty(getattr(row, "contact", "")),
            "links": list(dict.fromkeys(u.rstrip(".)") for u in _URL.findall(source))),
            "source": "" if _URL.search(source) else source,
            "precision": text_or_empty(getattr(row, "location_precision", "")),
        }  # fmt: skip
        records.append({k: v for k, v in rec.items() if v not in ("", None, [])})
    return records


def _add_venue_layer(m: folium.Map, records: list[dict[str, Any]], *, skipped: int,
                     icons: Sequence[str] = ()) -> None:  # fmt: skip
    """The venues as one JSON array on ``m``, in their own layer (listed in a layer control when the map has one);
    ``icons``: venue icons the legend explains besides those of ``records`` (venues drawn as route stops)."""
    name = "".join(f'<span lang="{k}">{v}</span>' for k, v in
                   (("vi", "Điểm bán, hội chợ, lưu trú OCOP"), ("en", "OCOP shops, fairs, stays")))  # fmt: skip
    group = folium.FeatureGroup(name=name, show=True)
    group.add_to(m)
    payload: dict[str, Any] = {"venues": records}
    if icons:
        payload["icons"] = sorted(set(icons))
    m.add_child(_DataScript("ocopDrawVenues", payload, layers={"venues": group}))
    log.info("venue layer: %d venues drawn, %d without a location skipped", len(records), skipped)


def _elements(root: Any) -> Iterator[Any]:
    """``root`` and every element under it, depth first in the order they were added (a figure's header, body and
    script sections included)."""
    stack = [root]
    while stack:
        el = stack.pop()
        yield el
        kids = list(getattr(el, "_children", {}).values())
        for section in ("script", "html", "header"):  # a Figure's sections, pushed so that header comes first
            sub = getattr(el, section, None)
            if sub is not None and hasattr(sub, "_children") and sub is not el:
                kids.insert(0, sub)
        stack.extend(reversed(kids))


def stable_ids(m: folium.Map) -> folium.Map:
    """Give every element of ``m``'s figure a sequential id (``map_0003`` instead of a random 32-digit one), so that
    rendering the same map twice gives the same text; return ``m``.

    Ids are unique within one figure, which is all a page needs (a page holds one figure). Called by
    :func:`render_parts` before every render; elements folium adds while rendering name no element.
    """
    for n, el in enumerate(_elements(m.get_root())):
        el._id = f"{n:04d}"
    return m


def render_parts(m: folium.Map) -> MapParts:
    """Render ``m`` and return its head, body and script, without folium's no-zoom viewport tag.

    Pages add their own ``<meta name="viewport" content="width=device-width, initial-scale=1">``
    so visitors can pinch-zoom. Element ids are sequential (:func:`stable_ids`): the same map renders the same text.
    """
    fig = stable_ids(m).get_root()
    fig.render()
    head = _VIEWPORT.sub("", fig.header.render())
    return MapParts(head=head, body=fig.html.render(), script=fig.script.render())


_PAGE = """<!DOCTYPE html>
<html lang="{lang}" data-lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head}
</head>
<body class="ocop-map-only">
<h1 class="visually-hidden">{title}</h1>
{body}
<script>
{script}
</script>
</body>
</html>
"""


def map_html(m: folium.Map, *, title: str, lang: str = "vi") -> str:
    """A standalone HTML page of ``m`` (zoomable viewport, title escaped)."""
    parts = render_parts(m)
    return _PAGE.format(lang=html.escape(lang), title=html.escape(title), head=parts.head,
                        body=parts.body, script=parts.script)  # fmt: skip


_SCRIPT_MESSAGE = re.compile(r'\bN_\("((?:[^"\\]|\\.)*)"\)')


def script_messages() -> str:
    """``static/ocop/messages.js``: the Vietnamese of every message the page scripts mark with ``N_("…")``, from the
    catalogue, and ``window.ocopMsg(english, lang)`` to look one up (English is the message itself).

    ``scripts/update_messages.py`` writes it into the package; ``tests/test_i18n.py`` checks it is up to date."""
    found = sorted({json.loads(f'"{m}"') for path in sorted((STATIC_DIR / "ocop").glob("*.js"))
                    for m in _SCRIPT_MESSAGE.findall(path.read_text(encoding="utf-8"))})  # fmt: skip
    vi = {m: gettext(m, "vi") for m in found}
    return ("/* Generated by ocop_geo.mapping.script_messages from the message catalogue (ocop_geo/locale). */\n"
            "window.OCOP_VI = " + json_for_script(vi) + ";\n"
            "window.ocopMsg = function (en, lang) { return lang === \"vi\" ? (window.OCOP_VI[en] || en) : en; };\n")


def copy_static(dest: str | os.PathLike) -> Path:
    """Copy the vendored static folder to ``dest`` (replacing an older copy); return ``dest``."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(STATIC_DIR, tmp, ignore=shutil.ignore_patterns("README.md", "*.map"))
    if dest.exists():
        shutil.rmtree(dest)
    os.replace(tmp, dest)
    return dest


def save_map(m: folium.Map, path: str | os.PathLike, *, title: str, lang: str = "vi") -> Path:
    """Write ``m`` as a standalone page with its ``static/`` folder (and the offline basemap) beside it (atomic).

    The map must have been made with the default ``assets_base="static"``.
    """
    path = Path(path)
    copy_static(path.parent / "static")
    write_basemap(path.parent / "static" / "basemap")
    return write_text_atomic(path, map_html(m, title=title, lang=lang))


def route_svg(itinerary: Itinerary, *, width: int = 320, height: int = 200, pad: int = 10) -> str:
    """A small static SVG sketch of the route (no tiles, works offline and in print).

    Equirectangular with a cos(latitude) x-scale; one polyline per day in its colour and a
    dot per stop. Returns an ``<svg>`` element with a ``<title>`` for screen readers.
    """
    pts = [(s.lon, s.lat) for d in itinerary.days for s in d.stops]
    pts += [tuple(c) for d in itinerary.days for s in d.stops if s.leg_in for c in s.leg_in.coordinates]
    title = html.escape(itinerary.title.get("en") or itinerary.route_id)
    if not pts:
        return f'<svg role="img" viewBox="0 0 {width} {height}"><title>{title}</title></svg>'
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    kx = math.cos(math.radians(sum(ys) / len(ys)))
    span_x = max((max(xs) - min(xs)) * kx, 1e-6)
    span_y = max(max(ys) - min(ys), 1e-6)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    ox = (width - span_x * scale) / 2
    oy = (height - span_y * scale) / 2

    x0, y0 = min(xs), min(ys)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return ox + (lon - x0) * kx * scale, height - oy - (lat - y0) * scale

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="route-svg" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}"><title>{title}</title>'
           f'<rect width="100%" height="100%" fill="#f4f1ea"/>']  # fmt: skip
    for day in itinerary.days:
        color = html.escape(day.color)
        line: list[tuple[float, float]] = []
        for s in day.stops:
            coords = s.leg_in.coordinates if s.leg_in else ((s.lon, s.lat),)
            for lon, lat in coords:
                px, py = xy(lon, lat)
                if not line or abs(px - line[-1][0]) + abs(py - line[-1][1]) >= 1.0:  # < 1 px: invisible
                    line.append((px, py))
        if len(line) > 1:
            points = " ".join(f"{px:.1f},{py:.1f}" for px, py in line)
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="3" '
                       f'stroke-linejoin="round" points="{points}"/>')  # fmt: skip
        for s in day.stops:
            px, py = xy(s.lon, s.lat)
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="#fff" stroke="{color}" stroke-width="2"/>')
    out.append("</svg>")
    return "".join(out)
