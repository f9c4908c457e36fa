"""What the route studio does, without the web: the registry it shows, the plans it makes and edits, what it
saves and publishes. :mod:`ocop_geo.studio` puts this behind a JSON API; tests and notebooks can drive it directly.

* The registry (with the department's overlay, :mod:`ocop_geo.overlay`) is read once and again after each
  correction; the registry view (:meth:`Studio.registry_view`) lists producers and venues with their products,
  hours, location precision, problems and the corrections made so far.
* Planning runs on one worker thread, never on the web server's: :meth:`Studio.submit_plan` returns a future; a
  new request of the same browser tab supersedes the one before it (a request still waiting never starts, one
  already running has its result dropped and its caller told :class:`Superseded`), so the page stays responsive
  and shows only the latest plan.
* A plan keeps the road search over every place it might use — its stops and every placed producer and venue of
  the registry — so the officer's edits (add, remove, reorder, move to another day) are re-timed at once on that
  matrix (:func:`ocop_geo.studio_retime.retime`), without planning again.
* Publishing writes the same site as ``ocop-geo publish`` (:func:`ocop_geo.site.publish_site`) from the plan as
  edited.

Files: only the registry's folder (its overlay), the routes folder and the studio's output folder are written; none
of their paths comes from a request.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import Point

from . import matrix, settings, snapping
from ._errors import OcopGeoError, ValidationError
from .candidates import Site, build_sites
from .i18n import both
from .itinerary import Itinerary, NotChosen, Stop
from .modes import MODES
from .namesearch import NameEntry, NameIndex
from .network import load_network
from .officer import officer_context
from .overlay import EDITABLE, add_edit, overlay_path, read_overlay
from .planner import plan_route
from .registry import Registry, bundled_registry_paths, load_registry, products_by_producer
from .registry_schema import OCOP_GROUPS, VENUE_KINDS
from .site import publish_site
from .spec import (
    PoiIndex,
    RouteSpec,
    known_districts,
    load_pois,
    parse_spec,
    resolve_venues,
    venue_stop,
)
from .studio_retime import VISIT_KINDS, RetimeWarning, TravelMatrix, retime
from .studio_toml import list_routes, read_route, save_route
from .textnorm import slugify

__all__ = ["PlanSession", "Studio", "StudioConfig", "Superseded"]

log = logging.getLogger(__name__)

#: Plans kept in memory for editing (the oldest is dropped first).
KEPT_PLANS = 24


class Superseded(OcopGeoError):
    """A plan request replaced by a newer one from the same tab before it finished."""


@dataclass
class StudioConfig:
    """The folders the studio reads and writes: the registry files (its overlay goes beside the first), the route
    specs, and the output (``site/`` published there)."""

    registry_paths: list[Path] = field(default_factory=bundled_registry_paths)
    routes_dir: Path = field(default_factory=lambda: settings.data_dir / "routes")
    out_dir: Path = field(default_factory=lambda: settings.maps_dir / "studio")

    @property
    def site_dir(self) -> Path:
        """Where :meth:`Studio.publish` writes the site."""
        return self.out_dir / "site"


@dataclass
class PlanSession:
    """One plan being edited: its spec, the itinerary as planned and as edited, the matrix its edits are timed on,
    and every stop it may use by its uid (producer / venue / POI-stop id, ``lunch-<day>``)."""

    plan_id: str
    spec: RouteSpec
    planned: Itinerary
    itinerary: Itinerary
    matrix: TravelMatrix
    pool: dict[str, Stop]
    edit_warnings: list[RetimeWarning] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: Seconds spent planning (``plan``) and on the road search the edits are timed on (``matrix``).
    timings: dict[str, float] = field(default_factory=dict)


def stop_uid(day: int, stop: Stop) -> str:
    """The handle of a visit in the studio: its site id, or ``lunch-<day>`` for lunch."""
    if stop.kind == "lunch":
        return f"lunch-{day}"
    return stop.site_id or f"{stop.kind}-{day}-{stop.seq}"


def _text(value: object) -> str:
    """A frame cell as text (``""`` for None, NaN, NA)."""
    if value is None or (not isinstance(value, list | tuple | dict) and bool(pd.isna(value))):
        return ""
    return str(value)


class Studio:
    """The studio's state: registry, POIs, graphs, plans, the planning thread."""

    def __init__(self, config: StudioConfig | None = None, *, graphs: Mapping[str, nx.MultiDiGraph] | None = None) -> None:
        self.config = config or StudioConfig()
        self._lock = threading.RLock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocop-studio-plan")
        self._jobs: dict[str, dict[str, Any]] = {}
        self._registry: Registry | None = None
        self._sites: dict[str, Site] = {}
        self._pois: PoiIndex | None = None
        self._names: NameIndex | None = None
        self._graphs: dict[str, nx.MultiDiGraph] = dict(graphs or {})
        self._districts: frozenset[str] | None = None
        self.plans: OrderedDict[str, PlanSession] = OrderedDict()

    # --- data ------------------------------------------------------------------------------------

    def warm(self) -> None:
        """Read the registry, the POIs and the motorbike graph now, so the first plan does not wait for them."""
        try:
            self.names()
            self.graph("motorbike")
        except OcopGeoError as exc:  # shown again, with its fix, when the page asks for it
            log.warning("studio: %s", exc)

    @property
    def registry(self) -> Registry:
        """The registry with the overlay applied (read on first use)."""
        with self._lock:
            if self._registry is None:
                self._registry = load_registry(*self.config.registry_paths)
                sites, _ = build_sites(self._registry.producers, self._registry.products)
                self._sites = {s.site_id: s for s in sites}
                self._names = None
            return self._registry

    @property
    def pois(self) -> PoiIndex:
        """The bundled POI layer's name index."""
        with self._lock:
            if self._pois is None:
                self._pois = load_pois()
            return self._pois

    @property
    def districts(self) -> frozenset[str]:
        """Known district keys for spec checks."""
        if self._districts is None:
            self._districts = known_districts()
        return self._districts

    def graph(self, mode: str) -> nx.MultiDiGraph:
        """The road graph of ``mode`` (loaded once, from the cache)."""
        with self._lock:
            if mode not in self._graphs:
                self._graphs[mode] = load_network(mode=mode)
            return self._graphs[mode]

    def names(self) -> NameIndex:
        """One search over POIs, venues and producers."""
        reg = self.registry
        with self._lock:
            if self._names is None:
                entries = [NameEntry(pid, name, "producer", (), {"district": district})
                           for pid, name, district in zip(reg.producers["producer_id"], reg.producers["name"],
                                                          reg.producers["district"], strict=True)]  # fmt: skip
                entries += [NameEntry(vid, name, "venue", (), {"kind": kind})
                            for vid, name, kind in zip(reg.venues["venue_id"], reg.venues["name"], reg.venues["kind"],
                                                       strict=True)]  # fmt: skip
                entries += [NameEntry(e.ref, e.label, "poi", e.aliases, {"category": e.info["place"].category})
                            for e in self.pois.names.entries]  # fmt: skip
                self._names = NameIndex(entries)
            return self._names

    def search(self, query: str, *, kinds: Sequence[str] | None = None, limit: int = 12) -> list[dict[str, Any]]:
        """Producers, venues and POIs whose name is close to ``query`` (accents optional)."""
        out = []
        for hit in self.names().search(query[:200], kinds=kinds, limit=limit):
            e = hit.entry
            detail = e.info.get("district") or e.info.get("kind") or e.info.get("category") or ""
            out.append({"ref": e.ref, "label": e.label, "kind": e.kind, "detail": _text(detail),
                        "score": hit.score})  # fmt: skip
        return out

    def vocabulary(self) -> dict[str, Any]:
        """What the route form offers: modes, OCOP groups, districts, venue kinds, weekdays."""
        reg = self.registry
        districts = sorted({_text(d) for d in reg.producers["district"]} - {""})
        return {
            "modes": list(MODES),
            "groups": [{"vi": g.vi, "en": g.en} for g in OCOP_GROUPS],
            "districts": districts,
            "venue_kinds": [{"code": k.code, "vi": k.vi, "en": k.en} for k in VENUE_KINDS.values()],
            "weekdays": ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"],
            "editable": {k: list(v) for k, v in EDITABLE.items()},
        }

    # --- registry view and corrections -------------------------------------------------------------------

    def overlay_file(self) -> Path:
        """The overlay file of the studio's registry."""
        return overlay_path(self.config.registry_paths)

    def registry_view(self) -> dict[str, Any]:
        """Producers and venues as the registry view shows them, and the overlay's version (its number of
        edits)."""
        reg = self.registry
        edits = read_overlay(self.overlay_file())
        history: dict[str, list[dict[str, Any]]] = {}
        for e in edits:
            history.setdefault(e.id, []).append({"field": e.field, "value": e.value, "who": e.who, "when": e.when,
                                                 "why": e.why})  # fmt: skip
        products = products_by_producer(reg.products, include="all") if len(reg.products) else {}
        rows = []
        for rec in reg.producers.drop(columns="geometry").to_dict("records"):
            pid = _text(rec["producer_id"])
            prods = products.get(pid, ())
            site = self._sites.get(pid)
            stars = site.stars if site is not None else None
            rows.append(self._row("producer", pid, rec, history.get(pid, []), {
                "type": _text(rec.get("producer_type")),
                "products": [p.to_dict() for p in prods],
                "groups": list(site.groups) if site else [],
                "stars": stars,
                "status": "certified" if site is not None and site.n_products else "candidate",
                "visit_minutes": None if _text(rec.get("visit_minutes")) == "" else int(rec["visit_minutes"]),
            }))  # fmt: skip
        for rec in reg.venues.drop(columns="geometry").to_dict("records"):
            vid = _text(rec["venue_id"])
            rows.append(self._row("venue", vid, rec, history.get(vid, []), {
                "type": _text(rec.get("kind")), "products": [], "groups": [], "stars": None, "status": "venue",
                "visit_minutes": None, "dates": [_text(rec.get("start_date")), _text(rec.get("end_date"))],
            }))  # fmt: skip
        return {"rows": rows, "version": len(edits), "overlay": self.overlay_file().name,
                "attribution": settings.osm_attribution}

    def _row(self, kind: str, rid: str, rec: Mapping[str, Any], history: list[dict[str, Any]],
             extra: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        lat, lon = rec.get("lat"), rec.get("lon")
        placed = isinstance(lat, float) and isinstance(lon, float) and math.isfinite(lat) and math.isfinite(lon)
        precision = _text(rec.get("location_precision")) or "none"
        hours = _text(rec.get("opening_hours"))
        problems = []
        if not placed or precision == "none":
            problems.append(both("not placed: no address the geocoder could find; drag a pin to set its location"))
        elif precision in {"ward", "district", "commune"}:
            problems.append(both("placed only at the {where} centre: ask for the address or drag the pin to the "
                                 "right place", where=_text(rec.get("ward")) if precision != "district"
                                 else _text(rec.get("district"))))  # fmt: skip
        if not hours:
            problems.append(both("opening hours unknown: the planner assumes them; add the real hours"))
        if kind == "producer" and extra["status"] == "candidate":
            problems.append(both("no certified OCOP product yet: not planned on routes"))
        note = _text(rec.get("geocode_note"))
        return {"kind": kind, "id": rid, "name": _text(rec.get("name")), "address": _text(rec.get("address")),
                "ward": _text(rec.get("ward")), "district": _text(rec.get("district")),
                "unit_2025": _text(rec.get("unit_2025")), "lat": lat if placed else None,
                "lon": lon if placed else None, "precision": precision, "hours": hours,
                "notes": _text(rec.get("notes")), "geocode_note": note, "problems": problems,
                "phone": _text(rec.get("phone")), "website": _text(rec.get("website")), "history": history,
                **extra}  # fmt: skip

    def edit_registry(self, *, kind: str, rid: str, field_name: str, value: object, who: str, why: str,
                      version: int | None) -> dict[str, Any]:  # fmt: skip
        """Save one correction to the overlay and read the registry again.

        Raises
        ------
        ValidationError
            Unknown producer / venue, bad value, no who / why, or the overlay changed since ``version``.
        """
        reg = self.registry
        frame, column = (reg.producers, "producer_id") if kind == "producer" else (reg.venues, "venue_id")
        if kind not in EDITABLE or rid not in set(frame[column].astype(str)):
            raise ValidationError(f"no {kind} {rid!r} in the registry", [f"id: no {kind} {rid!r} in the registry"])
        with self._lock:
            edit, count = add_edit(self.overlay_file(), kind=kind, id=rid, field=field_name, value=value, who=who,
                                   why=why, expected=version)  # fmt: skip
            self._registry = None
        self.registry  # noqa: B018 - read again with the new edit
        return {"version": count, "edit": edit.__dict__}

    # --- specs ---------------------------------------------------------------------------------------

    def routes(self) -> list[dict[str, str]]:
        """The route files of the routes folder."""
        return list_routes(self.config.routes_dir)

    def open_route(self, name: str) -> dict[str, Any]:
        """One route file: its data and version."""
        return dict(read_route(self.config.routes_dir, name))

    def save_route(self, name: str, data: Mapping[str, Any], version: str | None) -> dict[str, Any]:
        """Check and save a route file (see :func:`ocop_geo.studio_toml.save_route`)."""
        self._check_venues(data)
        saved, _ = save_route(self.config.routes_dir, name, data, version=version, pois=self.pois)
        return dict(saved)

    def parse(self, data: Mapping[str, Any]) -> RouteSpec:
        """The spec of the form's data, checked as a file would be (every problem listed)."""
        return parse_spec(dict(data), source="studio", pois=self.pois, districts=self.districts)

    def _check_venues(self, data: Mapping[str, Any]) -> None:
        spec = self.parse(data)
        resolve_venues(spec, self.registry.venues)

    # --- planning ------------------------------------------------------------------------------------

    def submit_plan(self, data: Mapping[str, Any], *, client: str = "") -> Future[PlanSession]:
        """Check the spec now (raising ValidationError at once) and plan it on the worker thread.

        A request from the same ``client`` (a browser tab) still waiting or running is superseded: it never starts,
        or its result is dropped (its future raises :class:`Superseded`).
        """
        spec = self.parse(data)
        resolve_venues(spec, self.registry.venues)
        job: dict[str, Any] = {"cancelled": False}
        with self._lock:
            old = self._jobs.get(client)
            if old is not None:
                old["cancelled"] = True
                old["future"].cancel()
            future = self._executor.submit(self._plan_job, job, spec)
            job["future"] = future
            self._jobs[client] = job
        return future

    def _plan_job(self, job: dict[str, Any], spec: RouteSpec) -> PlanSession:
        if job["cancelled"]:
            raise Superseded("a newer plan request replaced this one")
        session = self.plan(spec)
        if job["cancelled"]:
            raise Superseded("a newer plan request replaced this one")
        return session

    def plan(self, spec: RouteSpec) -> PlanSession:
        """Plan ``spec`` (in the calling thread) and keep the session for editing."""
        reg = self.registry
        G = self.graph(spec.mode)
        t0 = time.perf_counter()
        it = plan_route(spec, reg, graph=G)
        t1 = time.perf_counter()
        spec = resolve_venues(spec, reg.venues)
        tm = self._matrix(it, spec, G)
        pool = {stop_uid(day.day, st): st for day in it.days for st in day.stops if st.kind in VISIT_KINDS}
        session = PlanSession(secrets.token_hex(8), spec, it, it, tm, pool,
                              timings={"plan": t1 - t0, "matrix": time.perf_counter() - t1})  # fmt: skip
        with self._lock:
            self.plans[session.plan_id] = session
            while len(self.plans) > KEPT_PLANS:
                self.plans.popitem(last=False)
        return session

    def _matrix(self, it: Itinerary, spec: RouteSpec, G: nx.MultiDiGraph) -> TravelMatrix:
        """One road search over the plan's places and every placed producer and venue (for edits)."""
        places: dict[tuple[float, float], None] = {}
        for day in it.days:
            for st in day.stops:
                places[(round(st.lon, 6), round(st.lat, 6))] = None
        for s in self._sites.values():
            if s.placed:
                places[(round(s.lon, 6), round(s.lat, 6))] = None
        venues = self.registry.venues
        for lon, lat in zip(venues["lon"], venues["lat"], strict=True):
            if isinstance(lat, float) and math.isfinite(lat) and math.isfinite(lon):
                places[(round(lon, 6), round(lat, 6))] = None
        arrays = snapping.edge_arrays(G)  # places outside the road data are left out: legs to them are straight
        x0, x1, y0, y1 = arrays.x.min(), arrays.x.max(), arrays.y.min(), arrays.y.max()
        xy = [(x, y) for x, y in places if x0 <= x <= x1 and y0 <= y <= y1]
        snap = snapping.snap_points(G, gpd.GeoSeries([Point(x, y) for x, y in xy], crs="EPSG:4326"))
        search = matrix.road_search(G, snap, keep_paths=True)

        def leg_fn(i: int, j: int) -> matrix.Leg:
            try:
                return search.leg(i, j)
            except OcopGeoError:
                return matrix.Leg.straight_line(xy[i], xy[j], mode=spec.mode, note="straight line: no road path")

        return TravelMatrix(xy, np.asarray(search.seconds, dtype=float), np.asarray(search.metres, dtype=float),
                            mode=spec.mode, leg_fn=leg_fn)  # fmt: skip

    def session(self, plan_id: str) -> PlanSession:
        """A kept plan.

        Raises
        ------
        ValidationError
            No such plan (the studio was restarted, or it is too old): plan again.
        """
        with self._lock:
            found = self.plans.get(str(plan_id))
        if found is None:
            raise ValidationError("this plan is no longer kept; press Plan again", ["plan: plan again"])
        return found

    def _new_stop(self, session: PlanSession, uid: str) -> Stop:
        """A stop for producer or venue ``uid`` not in the plan (added by hand)."""
        site = self._sites.get(uid)
        spec = session.spec
        if site is not None and site.placed:
            return Stop(0, "producer", site.site_id, site.name, site.lat, site.lon, site.precision, None, 0.0,
                        "00:00", "00:00", float(site.visit_min or spec.default_visit_minutes), None, site.district,
                        site.ward, site.stars, site.score, site.groups, site.products, site.hours.text,
                        site.unit_2025, (), hours_assumed=site.hours_assumed)  # fmt: skip
        venues = self.registry.venues
        rows = venues[venues["venue_id"].astype(str) == uid]
        if len(rows) and math.isfinite(float(rows["lat"].iloc[0])):
            row = rows.drop(columns="geometry").iloc[0].to_dict()
            ps = venue_stop(row, minutes=30, score=0.0, must_visit=False)
            return Stop(0, "poi", ps.stop_id, ps.place.name, ps.place.lat, ps.place.lon, ps.precision, None, 0.0,
                        "00:00", "00:00", float(ps.minutes), None, ps.district, ps.ward, opening_hours=ps.hours.text,
                        unit_2025=ps.unit_2025, hours_assumed=ps.hours_assumed)  # fmt: skip
        raise ValidationError(f"{uid!r} is not a placed producer or venue of the registry",
                              [f"stop: {uid!r} cannot be added: not placed in the registry"])  # fmt: skip

    def retime(self, plan_id: str, days: Sequence[Sequence[str]]) -> PlanSession:
        """Re-time the plan with each day's visits in the order given (uids); new uids are added from the
        registry, uids left out are removed (listed as not chosen: removed by hand)."""
        session = self.session(plan_id)
        if len(days) != len(session.planned.days):
            raise ValidationError(f"the route has {len(session.planned.days)} day(s), the order gives {len(days)}",
                                  ["days: one list per day"])  # fmt: skip
        seen: set[str] = set()
        orders = []
        for order in days:
            stops = []
            for uid in order:
                uid = str(uid)
                if uid in seen:
                    raise ValidationError(f"{uid} is listed twice", [f"stop: {uid} is listed twice"])
                seen.add(uid)
                if uid not in session.pool:
                    session.pool[uid] = self._new_stop(session, uid)
                stops.append(session.pool[uid])
            orders.append(stops)
        it, warnings = retime(session.planned, orders, session.matrix, session.spec)
        removed = [uid for uid, st in session.pool.items() if uid not in seen and st.kind != "lunch"]
        gone = {n.site_id for n in it.not_chosen}
        extra = tuple(NotChosen(uid, session.pool[uid].name, "excluded", "removed by hand in the route studio",
                                "đã bỏ ra trong xưởng thiết kế tuyến") for uid in removed if uid not in gone)  # fmt: skip
        kept = tuple(n for n in it.not_chosen if n.site_id not in seen)
        session.itinerary = replace(it, not_chosen=extra + kept,
                                    generated_at=settings.now(dt.timezone(dt.timedelta(hours=7)))
                                    .isoformat(timespec="seconds"))  # fmt: skip
        session.edit_warnings = warnings
        session.removed = removed
        return session

    def publish(self, plan_id: str, *, base_url: str | None = None) -> dict[str, Any]:
        """Publish the plan as edited to the studio's site folder (the same code as ``ocop-geo publish``)."""
        session = self.session(plan_id)
        report = publish_site([session.itinerary], self.config.site_dir, registry=self.registry,
                              base_url=base_url or None, lang="vi")  # fmt: skip
        page = f"routes/{slugify(session.itinerary.route_id)}.html"
        published = (self.config.site_dir / page).is_file() and session.itinerary.route_id not in report.not_published
        return {"published": published, "page": page if published else "",
                "not_published": report.not_published.get(session.itinerary.route_id, ""),
                "warnings": list(report.warnings), "folder": str(self.config.site_dir)}  # fmt: skip

    def officer(self, plan_id: str) -> dict[str, Any]:
        """The officer's view of the plan (verdicts, warnings, producers left out), as the report shows it."""
        session = self.session(plan_id)
        return officer_context([session.itinerary], registry=self.registry, lang="vi")

    def close(self) -> None:
        """Stop the planning thread (running work finishes first)."""
        self._executor.shutdown(wait=False, cancel_futures=True)


def session_json(session: PlanSession) -> dict[str, Any]:
    """A plan as the page reads it: the itinerary JSON with each visit's ``uid``, the edit warnings, the plan id."""
    it = session.itinerary.to_dict()
    for day in it["days"]:  # type: ignore[union-attr]
        for st in day["stops"]:
            if st["kind"] in VISIT_KINDS:
                st["uid"] = f"lunch-{day['day']}" if st["kind"] == "lunch" else st["site_id"]
    return {"plan_id": session.plan_id, "itinerary": it, "edit_warnings": [w.to_dict() for w in session.edit_warnings],
            "spec_id": session.spec.id, "timings": {k: round(v, 3) for k, v in session.timings.items()}}  # fmt: skip
