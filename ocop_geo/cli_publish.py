"""``ocop-geo export`` and ``ocop-geo publish``: files for tour operators and the static route site."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.markup import escape

from ._errors import InputFileError, OcopGeoError, ValidationError
from .cli_common import HELP_LANG, console, err_console, state
from .export import FORMATS, PAPERS, write_export
from .i18n import N_
from .i18n import gettext as _
from .itinerary import Itinerary, read_itinerary
from .near_file import read_near_file
from .officer import write_officer_report
from .planner import plan_route
from .registry import Registry, load_bundled_registry, load_registry
from .site import publish_site
from .spec import PoiIndex, load_pois, load_spec
from .verdict import report_lines

log = logging.getLogger(__name__)

_FORMAT_HELP = N_("One of gpx, kml, kmz, geojson, csv, pdf (kml writes its stop icons to files/ beside it, kmz holds "
                "them; pdf needs Debian's chromium).")
_PAPER_HELP = N_("Paper of the PDF: a4, a5, or both (two files, <name>-a4.pdf and <name>-a5.pdf).")


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``publish`` to the app."""
    app.command(
        "export",
        help=_(
            "Export a planned itinerary (JSON written by 'ocop-geo plan') as GPX 1.1, KML / KMZ, GeoJSON, "
            "CSV or a printable A4 / A5 PDF, in the language of --lang (Vietnamese by default).\n\n"
            "Example: ocop-geo export maps/cu-chi/cu-chi-food-day.json --format gpx -o cu-chi.gpx\n\n"
            "Example: ocop-geo export maps/cu-chi/cu-chi-food-day.json --format pdf --paper both", HELP_LANG
        ),
    )(export_cmd)
    app.command(
        "publish",
        help=_(
            "Publish route specs (.toml, planned now) or itineraries (.json) as a static site that "
            "works from disk: index, one page per route and per producer, in Vietnamese and English.\n\n"
            "Example: ocop-geo publish data/routes/cu_chi_food_day.toml maps/cu-chi/cu-chi-food-day.json -o site "
            "--base-url https://example.org/ocop\n\n"
            "Thin and empty days are listed first, with the reason. A route with a day that visits no OCOP "
            "producer (empty) is not published and the index does not link it.\n\n"
            "--near FILE adds an \"OCOP near here\" page and A5 leaflet (SITE/near/) for each place of a CSV or "
            "TOML file: the OCOP producers and shops within N minutes by road, linked from the index. CSV columns: "
            "venue (a registry venue id or name) or poi (a name in the bundled OSM POI layer) or osm (node/123) or "
            "lat + lon + name; optional name, kind (hotel, restaurant, showroom, ...), minutes (5-120, default "
            "30), modes (motorbike car coach bicycle walk; default motorbike), address. TOML: \\[\\[place]] tables "
            "with the same keys, top-level minutes / modes as defaults. A bad row stops with the file, row and "
            "field named.\n\n"
            "Example: ocop-geo publish --near hotels.csv -o site   (near-here pages only)\n\n"
            "Exit code 1 when some inputs could not be published (the others are): a route could not be "
            "planned or read, or has an empty day; or registry rows were rejected (see 'ocop-geo validate').", HELP_LANG
        ),
    )(publish_cmd)


def export_cmd(
    itinerary: Path = typer.Argument(..., help=_("Itinerary JSON (schema ocop_geo.itinerary/1).", HELP_LANG)),
    fmt: str = typer.Option(..., "--format", "-f", help=_(_FORMAT_HELP, HELP_LANG)),
    output: Path = typer.Option(None, "--output", "-o", help=_("Output file; default: beside the input.", HELP_LANG)),
    paper: str = typer.Option("a4", "--paper", help=_(_PAPER_HELP, HELP_LANG)),
) -> int:
    fmt, paper = fmt.lower().strip(), paper.lower().strip()
    if fmt not in FORMATS:
        raise InputFileError(_("--format {value!r} is not a format.", value=fmt) + " " + _(_FORMAT_HELP))
    if paper not in (*PAPERS, "both"):
        raise InputFileError(_("--paper {value!r} is not a paper size.", value=paper) + " " + _(_PAPER_HELP))
    it = read_itinerary(itinerary)
    out = output or itinerary.with_suffix(FORMATS[fmt])
    if out.resolve() == itinerary.resolve():
        raise InputFileError(_("{path}: the output would overwrite the input itinerary; pass another -o", path=out))
    papers = list(PAPERS) if paper == "both" and fmt == "pdf" else [paper if paper in PAPERS else "a4"]
    for size in papers:
        path = out.with_name(f"{out.stem}-{size}{out.suffix}") if len(papers) > 1 else out
        write_export(it, path, fmt=fmt, lang=state.lang, paper=size)
        console.print(_("{format} written to {path}", format=fmt.upper(), path=escape(str(path))), highlight=False)
    return 0


def _load_inputs(paths: list[Path], registry: Registry) -> tuple[list[Itinerary], list[OcopGeoError]]:
    """Read each itinerary / plan each spec over ``registry``; collect failures instead of stopping at the first.

    The POI layer the specs name their stops in is read once, at the first spec.
    """
    itineraries: list[Itinerary] = []
    problems: list[OcopGeoError] = []
    pois: PoiIndex | None = None
    for path in paths:
        try:
            if path.suffix.lower() == ".toml":
                pois = pois if pois is not None else load_pois()
                itineraries.append(plan_route(load_spec(path, pois=pois), registry))
            elif path.suffix.lower() == ".json":
                itineraries.append(read_itinerary(path))
            else:
                raise InputFileError(_("{path}: expected a route spec (.toml) or an itinerary (.json)", path=path))
        except OcopGeoError as exc:
            problems.append(exc)
        except OSError as exc:  # a folder or an unreadable file: this input is skipped, the others go on
            problems.append(InputFileError(f"{path}: {exc.strerror or exc}. " + _("Check the path.")))
    return itineraries, problems


def publish_cmd(
    inputs: list[Path] = typer.Argument(None, help=_("Route specs (.toml) and/or itineraries (.json); may be "
                                                     "left out with --near.", HELP_LANG)),
    output: Path = typer.Option(..., "--output", "-o", help=_("Site folder (created or updated).", HELP_LANG)),
    registry_files: list[Path] = typer.Option(
        None, "--registry", help=_("Registry files: producers, products, venues (repeat); default: the bundled registry.", HELP_LANG)
    ),
    base_url: str = typer.Option(None, "--base-url", help=_("Public URL of the site, for QR codes.", HELP_LANG)),
    pdf: bool = typer.Option(False, "--pdf/--no-pdf", help=_("Also print each route and leaflet to PDF (chromium).", HELP_LANG)),
    near: Path = typer.Option(None, "--near", help=_("CSV or TOML file of places (venues, POIs, lat/lon) that get an "
                                                     "\"OCOP near here\" page and A5 leaflet; see above.", HELP_LANG)),
    report_path: Path = typer.Option(
        None, "--report", help=_("The officer's report (warnings, producers left out, rows not placed): an HTML file "
                                 "outside the site; default: <output>-report.html beside the site folder.", HELP_LANG)),
) -> int:
    report_path = report_path or output.parent / f"{output.name}-report.html"
    if report_path.resolve().is_relative_to(output.resolve()):
        raise InputFileError(_("--report {path}: the officer's report is for the department, not the public: write "
                               "it outside the site folder", path=report_path))
    registry = load_registry(*registry_files) if registry_files else load_bundled_registry()
    if len(registry.rejected):
        err_console.print(_("note: {n} registry rows rejected; see 'ocop-geo validate'", n=len(registry.rejected)),
                          highlight=False)
    near_places = read_near_file(near, pois=load_pois(), venues=registry.venues) if near else []
    if not inputs and not near_places:
        raise InputFileError(_("nothing to publish: give route specs / itineraries, or --near FILE"))
    itineraries, problems = _load_inputs(list(inputs or []), registry)
    for status, text in sorted((x for it in itineraries for x in report_lines(it, lang=state.lang)),
                               key=lambda x: x[0] != "empty"):  # fmt: skip
        console.print(f"[{'bold red' if status == 'empty' else 'yellow'}]{escape(text)}[/]", highlight=False)
    for problem in problems:
        err_console.print("[bold red]" + _("Not published") + f":[/] {escape(str(problem))}", highlight=False)
    if not itineraries and not near_places:
        if all(isinstance(p, InputFileError | ValidationError) for p in problems):
            raise InputFileError(_("nothing to publish: no input could be used (see above)"))
        raise OcopGeoError(_("nothing to publish: every input failed (see above)"))
    report = publish_site(itineraries, output, registry=registry, base_url=base_url, lang=state.lang, pdf=pdf,
                          near=near_places)
    for route_id, why in report.not_published.items():
        err_console.print("[bold red]" + _("Not published") + f":[/] {escape(route_id)}: {escape(why)}", highlight=False)
    for warning in report.warnings:
        err_console.print(_("note") + f": {warning}", highlight=False, markup=False)
    if report.removed:
        shown = ", ".join(report.removed[:6]) + (" …" if len(report.removed) > 6 else "")
        console.print(_("removed {n} files of routes and producers no longer published: {files}",
                        n=len(report.removed), files=shown), highlight=False, markup=False)
    officer = write_officer_report(
        itineraries, report_path, registry=registry,
        not_published=report.not_published, site_warnings=report.warnings, lang=state.lang)
    console.print(_("officer's report: {path}", path=officer), highlight=False, markup=False)
    n_published = len(itineraries) - len(report.not_published)
    console.print(_("published {routes} route(s), {pages} pages and {downloads} downloads to {folder} — open {index}",
                    routes=n_published, pages=len(report.pages), downloads=len(report.downloads),
                    folder=report.out_dir, index=report.out_dir / "index.html"), highlight=False, markup=False)
    return 1 if problems or report.not_published or len(registry.rejected) else 0
