"""The published static site: an index of routes, one page per route and per producer, vi / en.

Every page works from disk (``file://``) or any static host: Leaflet and its plugins are copied
into ``SITE/static`` and nothing else is fetched but the basemap tiles. Templates are Jinja2
with autoescape on (:mod:`ocop_geo.pages`); every file name is a slug (:func:`ocop_geo.textnorm.slugify`)
so ids from the registry or a spec can never leave the output folder; every file is written atomically.
The top of the render layer: it builds on :mod:`ocop_geo.export` and :mod:`ocop_geo.mapping`.

Layout::

    SITE/index.html                  route cards (duration, stops, distance, mode, sketch map)
    SITE/routes/<route>.html         map, itinerary, downloads, QR code of the page URL
    SITE/routes/<route>.{gpx,kml,geojson,csv[,pdf]}, <route>.print.html (A4, printable)
    SITE/producers/index.html        all producers, clustered and filterable by group
    SITE/producers/<producer>.html   products and stars, routes passing by
    SITE/producers/markers.js        the producers' map markers, compact (mapping.producer_markers)
    SITE/producers/data/<producer>.js  one producer's popup details, loaded when its popup opens
    SITE/near/<place>.html           "OCOP near here" pages and A5 leaflets (``near=``, :mod:`ocop_geo.site_near`)
    SITE/static/                     vendored Leaflet, plugins, ocop.css / site.js / ocop-map.js / basemap.js
    SITE/static/basemap/             the offline basemap's tiles (ocop_geo.basemap), shared by every page
    SITE/sw.js, manifest.webmanifest, icons/   service worker and web app manifest (ocop_geo.webapp)
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
from markupsafe import Markup

from ._errors import ValidationError
from .basemap import write_basemap
from .export import FORMATS, html_to_pdf, print_html, write_export
from .fileio import write_text_atomic
from .i18n import gettext as _
from .itinerary import Itinerary
from .mapping import (
    MapParts,
    ProducerPageMaps,
    add_site_producers,
    base_map,
    copy_static,
    producer_markers,
    producers_index_map,
    render_parts,
    route_map,
    route_svg,
)
from .mapping import text_or_empty as _s
from .near_file import NearVenue
from .pages import (
    PRECISION_LABELS,
    PRECISION_LABELS_VI,
    place_labels,
    qr_svg,
    registry_visit,
    render_template,
    route_context,
    stop_visit,
)
from .registry import Registry, products_by_producer
from .site_near import publish_near
from .staging import staged_folder
from .textnorm import slugify
from .verdict import empty_reason
from .webapp import write_webapp

__all__ = ["SiteReport", "publish_site"]

log = logging.getLogger(__name__)


@dataclass
class SiteReport:
    """What :func:`publish_site` wrote: the folder, the pages and the download files, and the routes it did
    not publish (``route_id -> reason``: a day with no OCOP producer)."""

    out_dir: Path
    pages: list[Path] = field(default_factory=list)
    downloads: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    not_published: dict[str, str] = field(default_factory=dict)
    #: Route pages without a QR code (no public base URL given).
    no_qr: list[str] = field(default_factory=list)
    #: Files of the previous publication that this one no longer has (routes, producers gone), relative paths.
    removed: list[str] = field(default_factory=list)
    #: Files the department put in the site folder itself, carried over untouched.
    kept: list[str] = field(default_factory=list)


#: Above this many producers the producers' index links one list page per district instead of listing them all
#: (a phone's first load stays small at the merged city's 416 producers and beyond).
LIST_ON_INDEX_MAX = 300

#: The site's own folders: only ocop_geo writes there.
SITE_FOLDERS: tuple[str, ...] = ("routes", "producers", "near", "static", "icons")


def _unique_slugs(keys: Sequence[str]) -> list[str]:
    """One safe, distinct file-name slug per key, in order (``index`` is reserved)."""
    out: list[str] = []
    for key in keys:
        base = slugify(key)
        slug, n = base, 2
        while slug in out or slug == "index":
            slug, n = f"{base}-{n}", n + 1
        out.append(slug)
    return out


def _producer_records(itineraries: Sequence[Itinerary], route_slugs: Sequence[str],
                      producers: gpd.GeoDataFrame | None,
                      products: pd.DataFrame | None) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Producer page data keyed by producer_id: from the registry, else from the itineraries' stops.

    A producer page lists every product of the registry, candidates included and marked as such.
    """
    recs: dict[str, dict[str, Any]] = {}
    if producers is not None:
        listed = products_by_producer(products, include="all")
        for row in producers.itertuples(index=False):
            pid = str(row.producer_id)
            recs[pid] = {"id": pid, "name": str(row.name), "type": _s(getattr(row, "producer_type", "")),
                         "area": _s(getattr(row, "district", "")) or _s(getattr(row, "unit_2025", "")),
                         "where": place_labels(_s(getattr(row, "ward", "")), _s(getattr(row, "district", "")),
                                               _s(getattr(row, "unit_2025", ""))),
                         "precision": _s(getattr(row, "location_precision", "")), "routes": [],
                         "visit": registry_visit(row._asdict()),
                         "products": [{"name": p.name, "group": p.group, "group_en": p.group_en, "stars": p.stars,
                                       "candidate": p.status == "candidate"} for p in listed.get(pid, [])]}  # fmt: skip
    for it, slug in zip(itineraries, route_slugs, strict=True):
        for day, s in it.stops():
            for pid in s.producers:  # a stop at one location may visit several producers
                rec = recs.get(pid)
                if rec is None:
                    rec = recs[pid] = {
                        "id": pid, "name": s.name, "type": "",
                        "where": place_labels(s.ward, s.district, s.unit_2025), "precision": s.precision,
                        "area": s.district or s.unit_2025,
                        "visit": stop_visit(s, mode=""),
                        "products": [{"name": p.name, "group": p.group, "group_en": p.group_en, "stars": p.stars,
                                      "candidate": False}
                                     for p in s.products], "routes": []}  # fmt: skip
                rec["routes"].append({"slug": slug, "day": day.day, "title": dict(it.title)})
    for rec in recs.values():
        rec["approx"] = rec["precision"] not in ("", "exact")
        rec["precision_label"] = {"vi": PRECISION_LABELS_VI.get(rec["precision"], rec["precision"]),
                                  "en": PRECISION_LABELS.get(rec["precision"], rec["precision"])}
        rec["precision"] = PRECISION_LABELS.get(rec["precision"], rec["precision"])
    return recs


def publish_site(
    itineraries: Sequence[Itinerary],
    out_dir: str | os.PathLike,
    *,
    registry: Registry | None = None,
    producers: gpd.GeoDataFrame | None = None,
    products: pd.DataFrame | None = None,
    venues: gpd.GeoDataFrame | None = None,
    base_url: str | None = None,
    lang: str = "vi",
    pdf: bool = False,
    title: Mapping[str, str] | None = None,
    near: Sequence[NearVenue] = (),
    graphs: Mapping[str, nx.MultiDiGraph] | None = None,
) -> SiteReport:
    """Write the static site for ``itineraries`` into ``out_dir`` and return what was written.

    Parameters
    ----------
    itineraries
        Planned routes; each gets ``routes/<slug of route_id>.html`` and its downloads. A route with a day
        that visits no OCOP producer (verdict ``empty``, or no producer stop in an older file) is not
        published and the index does not link it: it is listed in ``SiteReport.not_published`` with why.
    out_dir
        The site folder. It is built beside the old one and swapped in only when complete (a failed or killed run
        leaves the previous site as it was); pages of routes and producers no longer published are removed
        (``SiteReport.removed``); files the department added to the folder itself are kept; a second run into the
        same folder waits for the first (:mod:`ocop_geo.staging`).
    registry
        The loaded registry the routes were planned over (its ``producers``, ``products`` and ``venues``):
        every producer gets a page and the route maps show them all; every map (route pages, the producers'
        map, each producer's small map) shows the venues. Without it (and without ``producers``), only
        producers on a route get a page.
    producers, products, venues
        The same as frames (GeoDataFrames of producers and venues in EPSG:4326, a DataFrame of products), for
        callers without a :class:`~ocop_geo.registry.Registry`; not together with ``registry``.
    base_url
        Public URL of the site, for the QR codes (``https://example.org/ocop``); without it the
        route pages say how to add one.
    lang
        {"vi", "en"}: the language pages open in (both are in every page).
    pdf
        Also print each route to PDF with Chromium (slow: a few seconds per route).
    title
        ``{"vi": ..., "en": ...}`` title of the index page.
    near
        Places that get an "OCOP near here" page and A5 leaflet (:func:`ocop_geo.site_near.publish_near`),
        linked from the index; a place not published (outside the road data) is named in ``warnings``.
    graphs
        Road graphs by mode for the near-here lists; a mode not given is loaded (cached).

    Returns
    -------
    SiteReport
        The folder, the pages and downloads written, and warnings (e.g. no QR code without ``base_url``).

    Raises
    ------
    ValidationError
        A bad ``lang`` or ``base_url``.
    ValueError
        ``registry`` given together with ``producers``, ``products`` or ``venues``.
    """
    if registry is not None:
        if producers is not None or products is not None or venues is not None:
            raise ValueError("give either registry or producers / products / venues, not both")
        producers, products = registry.producers, registry.products
        venues = getattr(registry, "venues", None)  # registries built before the venue table have none
    if lang not in ("vi", "en"):
        raise ValidationError(f"lang must be 'vi' or 'en', not {lang!r}", [f"lang: {lang!r}"])
    if base_url and (not re.match(r"^https?://[^\s\"'<>]+$", base_url) or len(base_url) > 1000):
        raise ValidationError(
            f"base URL {base_url[:200]!r} is not an http(s) address of at most 1000 characters (a QR code "
            "holds no more); pass e.g. --base-url https://example.org/ocop",
            [f"base_url: {base_url[:200]!r}"],
        )
    final = Path(out_dir)
    report = SiteReport(out_dir=final)
    for it in itineraries:
        if it.status == "empty":
            report.not_published[it.route_id] = empty_reason(it, lang="vi" if lang == "vi" else "en")
    itineraries = [it for it in itineraries if it.status != "empty"]
    with staged_folder(final, own_dirs=SITE_FOLDERS) as staging:  # all or nothing, one run at a time
        _write_site(staging.path, report, itineraries, producers=producers, products=products, venues=venues,
                    base_url=base_url, lang=lang, pdf=pdf, title=title, near=near, graphs=graphs)
    report.pages = [final / p.relative_to(staging.path) for p in report.pages]
    report.downloads = [final / p.relative_to(staging.path) for p in report.downloads]
    report.removed, report.kept = staging.removed, staging.kept
    if staging.removed:
        log.info("removed %d files of routes / producers no longer published from %s", len(staging.removed), final)
    return report


def _write_site(out: Path, report: SiteReport, itineraries: Sequence[Itinerary], *,
                producers: gpd.GeoDataFrame | None, products: pd.DataFrame | None, venues: gpd.GeoDataFrame | None,
                base_url: str | None, lang: str, pdf: bool, title: Mapping[str, str] | None,
                near: Sequence[NearVenue], graphs: Mapping[str, nx.MultiDiGraph] | None) -> None:  # fmt: skip
    """Write every file of the site into the (empty, staging) folder ``out``, recording them in ``report``."""
    copy_static(out / "static")
    write_basemap(out / "static" / "basemap")  # the offline basemap: one copy shared by every page
    site_title = dict(title or {"vi": "Tuyến tham quan cơ sở OCOP", "en": "OCOP producer routes"})
    route_slugs = _unique_slugs([it.route_id for it in itineraries])
    recs = _producer_records(itineraries, route_slugs, producers, products)
    producer_slugs = _unique_slugs([rec["id"] for rec in recs.values()])
    for rec, slug in zip(recs.values(), producer_slugs, strict=True):
        rec["slug"] = slug
    links = {rec["id"]: f"../producers/{rec['slug']}.html" for rec in recs.values()}

    cards = [_publish_route(it, slug, out, report, links=links, producers=producers, products=products,
                            venues=venues, base_url=base_url, lang=lang, pdf=pdf)
             for it, slug in zip(itineraries, route_slugs, strict=True)]  # fmt: skip
    _publish_producers(recs, out, report, producers=producers, products=products, venues=venues, lang=lang)
    near_entries = _publish_near(near, out, report, graphs=graphs, links=links, producers=producers,
                                 products=products, venues=venues, base_url=base_url, lang=lang, pdf=pdf)  # fmt: skip

    index = render_template("index.html", routes=cards, site_title=site_title, n_producers=len(recs),
                            near=near_entries, lang=lang, root="")  # fmt: skip
    report.pages.append(write_text_atomic(out / "index.html", index))
    write_webapp(out, title=site_title, lang=lang)  # last: the service worker's version hashes every file
    log.info("published %d routes and %d producer pages", len(itineraries), len(recs))


def _publish_near(near: Sequence[NearVenue], out: Path, report: SiteReport, *,
                  graphs: Mapping[str, nx.MultiDiGraph] | None, links: Mapping[str, str],
                  producers: gpd.GeoDataFrame | None, products: pd.DataFrame | None, venues: gpd.GeoDataFrame | None,
                  base_url: str | None, lang: str, pdf: bool) -> list[dict[str, Any]]:  # fmt: skip
    """Write the near-here pages into ``report``; return their index entries (none without places or producers)."""
    if not near or producers is None:
        return []
    got = publish_near(near, out, producers=producers, products=products, venues=venues, graphs=graphs, links=links,
                       base_url=base_url, lang=lang, pdf=pdf, assets=False)  # fmt: skip
    report.pages.extend(got.pages)
    report.downloads.extend(got.downloads)
    report.warnings.extend(got.warnings)
    report.warnings.extend(_("near-here page not published: {name}: {why}", name=name, why=why)
                           for name, why in got.not_published.items())
    return got.entries


def _publish_route(it: Itinerary, slug: str, out: Path, report: SiteReport, *, links: Mapping[str, str],
                   producers: gpd.GeoDataFrame | None, products: pd.DataFrame | None,
                   venues: gpd.GeoDataFrame | None, base_url: str | None, lang: str, pdf: bool) -> dict[str, Any]:
    """Write one route's page, its downloads and its A4 page; return the index card's context.

    The route's page context is built once and serves the route page, the A4 page and its PDF (printed
    from the A4 page just written) and the index card.
    """
    ctx = route_context(it, links=links, slug=slug, venues=venues, producers=producers)
    m = route_map(it, assets_base="../static", links=links, venues=venues)
    if producers is not None:  # from the site's shared markers.js: the page does not grow with the registry
        on_route = {pid for _day, st in it.stops() for pid in st.producers}
        add_site_producers(m, hide=[links[pid].rsplit("/", 1)[-1].removesuffix(".html") for pid in on_route
                                    if pid in links])  # fmt: skip
    page_url = f"{base_url.rstrip('/')}/routes/{slug}.html" if base_url else ""
    printable = write_text_atomic(out / "routes" / f"{slug}.print.html",
                                  print_html(it, lang=lang, page_url=page_url or None, context=ctx))  # fmt: skip
    downloads = []
    for fmt, suffix in FORMATS.items():
        path = out / "routes" / f"{slug}{suffix}"
        if fmt == "pdf":
            if not pdf:
                continue
            html_to_pdf(printable, path)
        else:
            write_export(it, path, fmt=fmt, lang=lang, page_url=page_url)
        report.downloads.append(path)
        downloads.append({"href": path.name, "label": fmt.upper()})
    report.pages.append(printable)
    downloads.append({"href": printable.name, "label": "A4"})
    if not base_url:
        report.no_qr.append(slug)
        report.warnings.append(_("{slug}: no public base URL given (publish --base-url), so no QR code", slug=slug))
    html_text = render_template(
        "route.html", route=ctx, map=_parts(render_parts(m)), downloads=downloads,
        qr=Markup(qr_svg(page_url)) if page_url else None, page_url=page_url, lang=lang, root="../",
    )  # fmt: skip
    report.pages.append(write_text_atomic(out / "routes" / f"{slug}.html", html_text))
    ctx["sketch"] = Markup(route_svg(it))
    return ctx


def _publish_producers(recs: Mapping[str, dict[str, Any]], out: Path, report: SiteReport, *,
                       producers: gpd.GeoDataFrame | None, products: pd.DataFrame | None,
                       venues: gpd.GeoDataFrame | None, lang: str) -> None:
    """Write one page per producer and the producers' index (clustered map and list); every map shows the venues."""
    common = {"lang": lang, "root": "../"}
    # one folium render for every producer page's map, each page filled with its producer's data
    small = ProducerPageMaps(producers, products=products, venues=venues) if producers is not None else None
    for pid, rec in recs.items():
        one = small.parts(pid) if small is not None else None
        html_text = render_template("producer.html", p=rec, map=_parts(one) if one else None, **common)
        report.pages.append(write_text_atomic(out / "producers" / f"{rec['slug']}.html", html_text))
    plist = sorted(recs.values(), key=lambda r: r["name"])
    if producers is not None:  # the markers in one compact script, each popup's details in its own (on demand)
        markers, details = producer_markers(producers, products=products,
                                            slugs={rec["id"]: rec["slug"] for rec in recs.values()})  # fmt: skip
        write_text_atomic(out / "producers" / "markers.js", markers)  # page data: neither pages nor downloads
        for slug, text in details.items():
            write_text_atomic(out / "producers" / "data" / f"{slug}.js", text)
        m = producers_index_map(venues=venues)
    else:
        m = base_map(assets_base="../static")
    areas = None
    if len(plist) > LIST_ON_INDEX_MAX:  # a long list goes to one page per district / 2025 unit, linked from the index
        by_area: dict[str, list[dict[str, Any]]] = {}
        for rec in plist:
            by_area.setdefault(rec.get("area") or "", []).append(rec)
        taken = [rec["slug"] for rec in plist]  # distinct from every producer page's name
        slugs = _unique_slugs([*taken, *(f"area-{a or 'other'}" for a in sorted(by_area))])[len(taken):]
        areas = [{"name": a, "slug": slug, "n": len(by_area[a])} for a, slug in zip(sorted(by_area), slugs, strict=True)]
        for area in areas:
            html_text = render_template("producers_area.html", area=area, producers=by_area[area["name"]], **common)
            report.pages.append(write_text_atomic(out / "producers" / f"{area['slug']}.html", html_text))
    html_text = render_template("producers.html", producers=plist if areas is None else [], areas=areas,
                                map=_parts(render_parts(m)), **common)  # fmt: skip
    report.pages.append(write_text_atomic(out / "producers" / "index.html", html_text))


def _parts(parts: MapParts) -> dict[str, Markup]:
    """Map pieces rendered by folium and ocop_geo (already escaped) marked safe for Jinja."""
    return {"head": Markup(parts.head), "body": Markup(parts.body), "script": Markup(parts.script)}
