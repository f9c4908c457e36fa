"""The "OCOP near here" pages: for each chosen hotel, restaurant or showroom, the OCOP producers and venues within
N minutes by road, as a page and as an A5 leaflet for the reception desk.

Layout (beside the route site of :mod:`ocop_geo.site`, which links these pages from its index)::

    SITE/near/<slug>.html         the list, fastest first, with a map and "directions" links per place
    SITE/near/<slug>.print.html   the A5 leaflet (Vietnamese by default, English one tap away), QR code of the page
    SITE/near/<slug>.pdf          the leaflet printed by Chromium (``pdf=True``)

The times come from :mod:`ocop_geo.nearby` (one road search per mode over every place and target); this module
only turns them into pages. Templates ``near.html`` and ``near_print.html`` are autoescaped; every file name is a
slug of the place's name; every file is written atomically.
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
from shapely.geometry import Point

from ._errors import ValidationError
from .export import html_to_pdf
from .fileio import write_text_atomic
from .i18n import both
from .i18n import gettext as _
from .mapping import base_map, copy_static, producer_map, render_parts
from .modes import mode_name
from .near_file import NearVenue
from .nearby import APPROXIMATE_PRECISIONS, NearbyPlace, near_targets, outside_extent, places_within
from .network import load_network
from .pages import VENUE_KIND_LABELS, place_labels, qr_svg, registry_visit, render_template
from .registry import Registry, products_by_producer
from .textnorm import slugify
from .visitor import product_label

__all__ = ["LEAFLET_MAX", "NearReport", "publish_near"]

log = logging.getLogger(__name__)

#: Places the A5 leaflet lists at most (the nearest); the page lists them all.
LEAFLET_MAX: int = 7

_PRODUCER = {"vi": "Cơ sở sản xuất OCOP", "en": "OCOP producer"}
#: How each mode reads after a time: "12 phút đi xe máy" / "12 min by motorbike".
_BY = {"motorbike": ("đi xe máy", "by motorbike"), "car": ("đi ô tô", "by car"), "coach": ("đi xe khách", "by coach"),
       "bicycle": ("đi xe đạp", "by bicycle"), "walk": ("đi bộ", "on foot")}  # fmt: skip


@dataclass
class NearReport:
    """What :func:`publish_near` wrote: pages, PDFs, warnings for the department, the places it could not publish
    (``name -> reason``) and one index entry per page (``slug``, ``name``, ``kind_label``, ``count``, ``reach``)."""

    out_dir: Path
    pages: list[Path] = field(default_factory=list)
    downloads: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    not_published: dict[str, str] = field(default_factory=dict)
    entries: list[dict[str, Any]] = field(default_factory=list)


def _kind_label(kind: str) -> dict[str, str]:
    if kind == "producer":
        return dict(_PRODUCER)
    return dict(VENUE_KIND_LABELS.get(kind, both("Place")))


def _km(metres: float) -> dict[str, str]:
    km = f"{metres / 1000:.1f}"
    return {"vi": f"{km.replace('.', ',')} km", "en": f"{km} km"}


def _time(p: NearbyPlace, mode: str) -> dict[str, Any]:
    """One mode's time to a place, in words; "about" when the place or the route is approximate."""
    by_vi, by_en = _BY.get(mode, (mode, f"by {mode}"))
    if p.metres < 100:
        vi, en = "ngay tại đây", "right here"
    else:
        about = ("≈ ", "about ") if p.time_approximate else ("", "")
        vi, en = f"{about[0]}{p.minutes} phút {by_vi}", f"{about[1]}{p.minutes} min {by_en}"
    return {"mode": mode, "minutes": p.minutes, "approx": p.time_approximate, "text": {"vi": vi, "en": en},
            "km": _km(p.metres)}  # fmt: skip


def _reach(place: NearVenue) -> dict[str, str]:
    """``"trong vòng 30 phút đi xe máy hoặc ô tô"`` / ``"within 30 min by motorbike or car"``."""
    vi = " hoặc ".join(_BY.get(m, (m, m))[0] for m in place.modes).replace(" hoặc đi ", " hoặc ")
    en = " or ".join(_BY.get(m, (m, m))[1] for m in place.modes).replace(" or by ", " or ")
    return {"vi": f"trong vòng {place.minutes} phút {vi}", "en": f"within {place.minutes} min {en}"}


def _entries(place: NearVenue, lists: Mapping[str, list[NearbyPlace]], targets: pd.DataFrame,
             products: Mapping[str, list], links: Mapping[str, str]) -> list[dict[str, Any]]:  # fmt: skip
    """One row per listed place, ordered by the first mode's time (places reached only by another mode last)."""
    by_id: dict[str, dict[str, NearbyPlace]] = {}
    for mode in place.modes:
        for p in lists.get(mode, []):
            by_id.setdefault(p.site_id, {})[mode] = p
    first = place.modes[0]
    order = sorted(by_id, key=lambda i: (first not in by_id[i], min(p.seconds for p in by_id[i].values())))
    rows = {str(r["site_id"]): r for r in targets.to_dict("records")}
    out = []
    for n, sid in enumerate(order, 1):
        times = by_id[sid]
        p = times.get(first) or next(iter(times.values()))
        row = rows[sid]
        prods = products.get(sid, []) if p.kind == "producer" else []
        stars = [x.stars for x in prods if x.stars]
        out.append({
            "n": n, "name": p.name, "url": links.get(sid), "kind": p.kind, "kind_label": _kind_label(p.kind),
            "stars": max(stars) if stars else None, "products": [product_label(x.name) for x in prods],
            "where": place_labels(row["ward"], row["district"], row["unit_2025"]), "approx": p.approximate,
            "times": [_time(times[m], m) for m in place.modes if m in times],
            # hours in words, today's hours, contact and hand-off links, as on route and producer pages
            "visit": registry_visit({**row, "location_precision": row["precision"]},
                                    mode=first if first in times else next(iter(times))),
        })  # fmt: skip
    return out


def _origin_frame(place: NearVenue, venues: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The place as a venue row for the map (the registry's row when it is a registry venue)."""
    if venues is not None and place.venue_id and "venue_id" in venues:
        row = venues[venues["venue_id"].astype(str) == place.venue_id]
        if len(row):
            return row.assign(name=place.name)
    rec = {"venue_id": "", "kind": place.kind or "venue", "name": place.name, "address": place.address,
           "ward": place.ward, "district": place.district, "unit_2025": place.unit_2025,
           "opening_hours": place.opening_hours, "contact": place.contact,
           "location_precision": place.precision}  # fmt: skip
    return gpd.GeoDataFrame([rec], geometry=[Point(place.lon, place.lat)], crs=4326)


def _near_map(place: NearVenue, entries: Sequence[dict[str, Any]], lists: Mapping[str, list[NearbyPlace]], *,
              producers: gpd.GeoDataFrame, products: pd.DataFrame | None, venues: gpd.GeoDataFrame | None,
              links: Mapping[str, str]) -> dict[str, Markup]:  # fmt: skip
    """The page's map: the place (its venue pin) and the listed producers and venues, fitted to them all."""
    listed = {p.site_id for ps in lists.values() for p in ps}
    m = base_map(assets_base="../static", location=[place.lat, place.lon], zoom_start=13)
    pids = producers["producer_id"].astype(str)
    shown = [_origin_frame(place, venues)]
    if venues is not None and len(venues):
        shown.append(venues[venues["venue_id"].astype(str).isin(listed - {place.venue_id})])
    vframe = gpd.GeoDataFrame(pd.concat(shown, ignore_index=True), geometry="geometry", crs=4326)
    producer_map(producers[pids.isin(listed)], products=products, m=m, links=links, fit=False, venues=vframe)
    lats = [place.lat, *(p.lat for ps in lists.values() for p in ps)]
    lons = [place.lon, *(p.lon for ps in lists.values() for p in ps)]
    if len(lats) > 1:
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(24, 24), max_zoom=15)
    parts = render_parts(m)
    return {"head": Markup(parts.head), "body": Markup(parts.body), "script": Markup(parts.script)}


def _check(lang: str, base_url: str | None) -> None:
    if lang not in ("vi", "en"):
        raise ValidationError(f"lang must be 'vi' or 'en', not {lang!r}", [f"lang: {lang!r}"])
    if base_url and not re.match(r"^https?://[^\s\"'<>]{1,990}$", base_url):
        raise ValidationError(f"base URL {base_url[:200]!r} is not an http(s) address (at most 1000 characters); "
                              "pass e.g. --base-url https://example.org/ocop", [f"base_url: {base_url[:200]!r}"])  # fmt: skip


def _searches(places: Sequence[NearVenue], targets: gpd.GeoDataFrame, graphs: Mapping[str, nx.MultiDiGraph],
              report: NearReport) -> list[dict[str, list[NearbyPlace]]]:  # fmt: skip
    """Each place's lists per mode: one road search per mode over every place that asks for it."""
    lists: list[dict[str, list[NearbyPlace]]] = [{} for _ in places]
    far_targets: set[str] = set()
    for mode in dict.fromkeys(m for p in places for m in p.modes):
        G = graphs[mode]
        idx = [i for i, p in enumerate(places) if mode in p.modes]
        lon, lat = [places[i].lon for i in idx], [places[i].lat for i in idx]
        inside = [i for i, out in zip(idx, outside_extent(G, lon, lat), strict=True) if not out]
        for i in sorted(set(idx) - set(inside)):
            report.not_published.setdefault(places[i].name, _(
                "{place}: outside the {mode} road data (the bundled extract covers Ho Chi Minh City before 7/2025)",
                place=places[i].source, mode=mode_name(mode)))
        if len(targets):
            far = outside_extent(G, targets.geometry.x.to_numpy(), targets.geometry.y.to_numpy())
            far_targets.update(targets["site_id"][far].astype(str))
        origins = gpd.GeoDataFrame({"site_id": [places[i].venue_id for i in inside]},
                                   geometry=[Point(places[i].lon, places[i].lat) for i in inside], crs=4326)  # fmt: skip
        found = places_within(G, origins, targets, minutes=[places[i].minutes for i in inside]) if inside else []
        for i, got in zip(inside, found, strict=True):
            if got.on_network:
                lists[i][mode] = list(got.places)
            else:  # every time would be a straight-line guess: no page rather than a wrong one
                report.not_published.setdefault(places[i].name, _(
                    "{place}: {m:,.0f} m from the nearest {mode} road of the data; give its exact location (lat / lon) "
                    "or choose a place on a road", place=places[i].source, m=got.road_distance_m, mode=mode_name(mode)))
    if far_targets:
        report.warnings.append(_("near-here: {n} placed producer(s) / venue(s) lie outside the road data and are in "
                                 "no list: {ids}", n=len(far_targets), ids=", ".join(sorted(far_targets))))
    return lists


def publish_near(
    places: Sequence[NearVenue],
    out_dir: str | os.PathLike,
    *,
    registry: Registry | None = None,
    producers: gpd.GeoDataFrame | None = None,
    products: pd.DataFrame | None = None,
    venues: gpd.GeoDataFrame | None = None,
    graphs: Mapping[str, nx.MultiDiGraph] | None = None,
    links: Mapping[str, str] | None = None,
    base_url: str | None = None,
    lang: str = "vi",
    pdf: bool = False,
    assets: bool = True,
) -> NearReport:
    """Write an "OCOP near here" page and A5 leaflet for each place into ``out_dir/near/``.

    Parameters
    ----------
    places
        The places (:func:`ocop_geo.near_file.read_near_file` or :func:`~ocop_geo.near_file.registry_near_venues`).
        A place outside the road data is not published (``NearReport.not_published`` says why).
    out_dir
        The site folder.
    registry
        The loaded registry: its placed producers and venues (not fairs) are what the lists name.
    producers, products, venues
        The same as frames, for callers without a :class:`~ocop_geo.registry.Registry`; not together with it.
    graphs
        Road graphs by mode (``{"motorbike": G}``); a mode not given is loaded with
        :func:`ocop_geo.network.load_network` (cached).
    links
        ``producer_id -> URL`` of producer pages, relative to ``out_dir/near/`` (``../producers/x.html``).
    base_url
        Public URL of the site: each leaflet then carries a QR code of its page.
    lang
        {"vi", "en"}: the language pages and leaflets open in (both are in every page and leaflet).
    pdf
        Also print each leaflet to PDF with Chromium (A5; a few seconds each).
    assets
        Copy the vendored ``static/`` folder into ``out_dir`` (:func:`ocop_geo.site.publish_site` has done it).

    Returns
    -------
    NearReport

    Raises
    ------
    ValidationError
        A bad ``lang`` or ``base_url``.
    ValueError
        ``registry`` given with ``producers`` / ``products`` / ``venues``, or neither given.
    """
    if registry is not None:
        if producers is not None or products is not None or venues is not None:
            raise ValueError("give either registry or producers / products / venues, not both")
        producers, products, venues = registry.producers, registry.products, registry.venues
    if producers is None:
        raise ValueError("give the registry (or its producers frame): the lists name its producers")
    _check(lang, base_url)
    out = Path(out_dir)
    report = NearReport(out_dir=out)
    if not places:
        return report
    if assets:
        copy_static(out / "static")
    graphs = dict(graphs or {})
    for mode in dict.fromkeys(m for p in places for m in p.modes):
        if mode not in graphs:
            graphs[mode] = load_network(mode=mode)
    targets = near_targets(producers, venues)
    lists = _searches(places, targets, graphs, report)
    listed = products_by_producer(products, include="certified")
    slugs: set[str] = {"index"}
    for place, by_mode in zip(places, lists, strict=True):
        if not by_mode:
            continue
        slug = base = slugify(place.name)
        n = 2
        while slug in slugs:
            slug, n = f"{base}-{n}", n + 1
        slugs.add(slug)
        entries = _entries(place, by_mode, targets, listed, dict(links or {}))
        _write_place(place, slug, entries, by_mode, out, report, producers=producers, products=products,
                     venues=venues, links=dict(links or {}), base_url=base_url, lang=lang, pdf=pdf)  # fmt: skip
    if not base_url and report.entries:
        report.warnings.append(_("{n} near-here leaflet(s) have no QR code: give --base-url", n=len(report.entries)))
    log.info("published %d near-here page(s) to %s", len(report.entries), out / "near")
    return report


def _write_place(place: NearVenue, slug: str, entries: list[dict[str, Any]], lists: Mapping[str, list[NearbyPlace]],
                 out: Path, report: NearReport, *, producers: gpd.GeoDataFrame, products: pd.DataFrame | None,
                 venues: gpd.GeoDataFrame | None, links: Mapping[str, str], base_url: str | None, lang: str,
                 pdf: bool) -> None:  # fmt: skip
    """Write one place's page, leaflet and PDF, and add its index entry to ``report``."""
    page_url = f"{base_url.rstrip('/')}/near/{slug}.html" if base_url else ""
    origin = {"name": place.name, "kind_label": _kind_label(place.kind) if place.kind else None,
              "address": place.address, "where": place_labels(place.ward, place.district, place.unit_2025),
              "approx": place.precision in APPROXIMATE_PRECISIONS,
              "reach": _reach(place), "minutes": place.minutes}  # fmt: skip
    estimated = any(t["approx"] for e in entries for t in e["times"])
    common = {"place": origin, "entries": entries, "estimated": estimated, "lang": lang, "root": "../",
              "qr": Markup(qr_svg(page_url)) if page_url else None, "page_url": page_url}  # fmt: skip
    printable = write_text_atomic(out / "near" / f"{slug}.print.html",
                                  render_template("near_print.html", leaflet=entries[:LEAFLET_MAX],
                                                  more=max(0, len(entries) - LEAFLET_MAX), **common))  # fmt: skip
    report.pages.append(printable)
    downloads = [{"href": printable.name, "label": both("A5 leaflet (print)")}]
    if pdf:
        path = html_to_pdf(printable, out / "near" / f"{slug}.pdf")
        report.downloads.append(path)
        downloads.append({"href": path.name, "label": both("A5 leaflet (PDF)")})
    m = _near_map(place, entries, lists, producers=producers, products=products, venues=venues, links=links)
    page = render_template("near.html", map=m, downloads=downloads, **common)
    report.pages.append(write_text_atomic(out / "near" / f"{slug}.html", page))
    report.entries.append({"slug": slug, "name": place.name, "kind_label": origin["kind_label"],
                           "count": len(entries), "reach": origin["reach"]})  # fmt: skip
