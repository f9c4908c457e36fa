"""The whole journey in one call: registry -> geocoding -> networks -> plans -> maps, exports and the site.

``run_pipeline`` is what ``ocop-geo demo`` runs. It keeps going past bad registry rows and broken route specs,
collecting every problem in the returned :class:`PipelineReport`, so a department's list with some bad rows still
produces the site from its good rows. The layer above render: it calls the data, plan and render modules and is
called only by the command line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import settings
from ._errors import OcopGeoError
from .i18n import gettext as _
from .itinerary import Itinerary, write_itinerary, write_itinerary_csv
from .near_file import registry_near_venues
from .network import load_network
from .officer import write_officer_report
from .planner import plan_route
from .registry import Registry, load_bundled_registry, load_registry
from .site import publish_site
from .spec import load_pois, load_spec

log = logging.getLogger(__name__)

#: Steps reported to the progress callback, in order.
STEPS = ("registry", "networks", "plans", "site")


@dataclass
class RouteResult:
    """One planned route (or why it could not be planned)."""

    spec_file: Path
    route_id: str
    itinerary: Itinerary | None = None
    error: str = ""
    seconds: float = 0.0


@dataclass
class PipelineReport:
    """What the pipeline did: the registry, the routes, the site and every warning on the way."""

    registry: Registry
    routes: list[RouteResult] = field(default_factory=list)
    index_page: Path | None = None
    #: The officer's report (not part of the public site).
    officer_report: Path | None = None
    out_dir: Path | None = None
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: Routes planned but not published (``route_id -> reason``): a day visits no OCOP producer.
    not_published: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every route was planned with an OCOP producer on every day (none empty, all published)
        and every registry row accepted.

        Producers accepted without a location (the bundled sources name no place for some) are listed
        in the report but do not make the run fail: ``make demo`` on the bundled data must succeed.
        """
        return (all(r.itinerary is not None for r in self.routes) and not self.not_published
                and len(self.registry.rejected) == 0)  # fmt: skip


Progress = Callable[[str, str], None]


def run_pipeline(
    *,
    registry: Registry | None = None,
    registry_paths: Sequence[str | Path] = (),
    routes: Sequence[str | Path] | None = None,
    out_dir: str | Path | None = None,
    pdf: bool = False,
    base_url: str | None = None,
    progress: Progress | None = None,
) -> PipelineReport:
    """Run the pipeline on the bundled data (or ``registry`` / ``registry_paths``) and publish the site into ``out_dir``.

    Parameters
    ----------
    registry
        A registry already loaded (and geocoded): used as it is, nothing is read again.
    registry_paths
        Registry files to load when no ``registry`` is given; empty = the bundled registry.
    routes
        Route spec files (TOML); None = every ``*.toml`` in ``data/routes/``.
    out_dir
        Where the results go; None = ``maps/``: the public site in ``site/``, the planned itineraries (JSON and
        CSV) in ``itineraries/`` and the officer's report (:mod:`ocop_geo.officer`) in ``report.html``, outside
        the site.
    pdf
        Also print each route to PDF with Debian's chromium.
    base_url
        Where the site will be published (``https://…/``): route pages then carry a QR code of their URL.
    progress
        Called as ``progress(step, message)`` when a step starts or advances.

    Returns
    -------
    PipelineReport
        The registry (loaded and geocoded once), every route's itinerary or error, the site's index page and
        the warnings.
    """
    if registry is not None and registry_paths:
        raise ValueError("give either registry or registry_paths, not both")
    say = progress or (lambda step, message: log.info("%s: %s", step, message))
    out = Path(out_dir) if out_dir is not None else settings.maps_dir
    spec_files = [Path(p) for p in routes] if routes is not None else sorted(
        (settings.data_dir / "routes").glob("*.toml"))
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    say("registry", "reading and geocoding the registry")
    if registry is None:
        registry = load_registry(*registry_paths) if registry_paths else load_bundled_registry()
    report = PipelineReport(registry=registry, out_dir=out)
    report.warnings.extend(registry.notices)
    timings["registry"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    pois = load_pois()
    specs = []
    for path in spec_files:
        try:
            specs.append((path, load_spec(path, pois=pois)))
        except OcopGeoError as exc:
            report.routes.append(RouteResult(path, path.stem, error=str(exc)))
    graphs = {}
    for mode in sorted({spec.mode for _path, spec in specs}):
        say("networks", f"{mode} network")
        graphs[mode] = load_network(mode=mode)
    timings["networks"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    itinerary_dir = out / "itineraries"
    for path, spec in specs:
        say("plans", spec.id)
        started = time.perf_counter()
        try:
            itinerary = plan_route(spec, registry, graph=graphs[spec.mode])
        except OcopGeoError as exc:
            report.routes.append(RouteResult(path, spec.id, error=str(exc)))
            continue
        write_itinerary(itinerary, itinerary_dir / f"{spec.id}.json")
        write_itinerary_csv(itinerary, itinerary_dir / f"{spec.id}.csv")  # formula-safe cells
        report.routes.append(RouteResult(path, spec.id, itinerary, seconds=time.perf_counter() - started))
    timings["plans"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    say("site", f"publishing {sum(r.itinerary is not None and r.itinerary.status != 'empty' for r in report.routes)} "
        "routes")
    planned = [r.itinerary for r in report.routes if r.itinerary is not None]
    near = registry_near_venues(registry.venues, modes=("motorbike", "car"))  # "OCOP near here" of placed venues
    site = publish_site(planned, out / "site", registry=registry, pdf=pdf, base_url=base_url, near=near,
                        graphs=graphs)
    report.not_published = dict(site.not_published)
    per_page = {w for w in site.warnings if any(w.startswith(f"{slug}: ") for slug in site.no_qr)}
    report.warnings.extend(w for w in site.warnings if w not in per_page)
    if site.no_qr:
        report.warnings.append(_("{n} route pages have no QR code: give --base-url, the address where the site will "
                                 "be published", n=len(site.no_qr)))
    if site.removed:
        report.warnings.append(_("removed {n} files of routes and producers no longer published: {files}",
                                 n=len(site.removed), files=", ".join(site.removed[:6])
                                 + (" …" if len(site.removed) > 6 else "")))
    report.index_page = out / "site" / "index.html"
    report.officer_report = write_officer_report(planned, out / "report.html", registry=registry,
                                                 not_published=site.not_published, site_warnings=site.warnings)
    timings["site"] = time.perf_counter() - t0
    report.timings = timings
    return report
