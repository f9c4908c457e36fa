"""``ocop-geo demo``: the whole pipeline on the bundled data (or the department's registry), with a summary."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .cli_common import HELP_LANG, console
from .i18n import gettext as _
from .pipeline import STEPS, PipelineReport, run_pipeline
from .verdict import report_lines


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the app."""
    app.command(
        "demo",
        help=_(
            "Run the whole pipeline: registry -> geocoding -> road networks (cached) -> the route specs in "
            "data/routes/ -> maps, exports and the route site, with an \"OCOP near here\" page and A5 leaflet "
            "for each placed venue of the registry (not fairs; 30 min by motorbike or car).\n\n"
            "Example: ocop-geo demo            (bundled data: site in maps/site/, officer's report maps/report.html)\n\n"
            "Example: ocop-geo demo --registry ds_ocop_2025.xlsx --out site_2025\n\n"
            "Thin and empty days are listed at the top of the summary with the reason and what to change; a "
            "route with a day that visits no OCOP producer (empty) is not published.\n\n"
            "Exit code 1 when registry rows were rejected, a route could not be planned or has an empty day; "
            "the site is still built from the rest. Producers without a location are listed.", HELP_LANG
        ),
    )(demo)


def demo(
    registry: list[Path] = typer.Option(None, "--registry", "-r", help=_("Registry file(s); default: bundled.", HELP_LANG)),
    routes: list[Path] = typer.Option(None, "--route", help=_("Route spec TOML file(s); default: data/routes/*.toml.", HELP_LANG)),
    out: Path = typer.Option(None, "--out", "-o", help=_("Output folder; default: maps/.", HELP_LANG)),
    pdf: bool = typer.Option(False, "--pdf/--no-pdf", help=_("Also print each route to PDF (needs chromium).", HELP_LANG)),
    base_url: str = typer.Option(None, "--base-url", help=_("Public URL of the site, for the QR codes on route "
                                                            "pages, e.g. https://example.org/ocop/", HELP_LANG)),
) -> int:
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.fields[step]}[/] {task.description}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        tasks = {step: bar.add_task("waiting", step=step, total=None) for step in STEPS}
        current: list[str] = []

        def progress(step: str, message: str) -> None:
            if current and current[-1] != step:
                bar.update(tasks[current[-1]], total=1, completed=1)
            current.append(step)
            bar.update(tasks[step], description=message)

        report = run_pipeline(registry_paths=registry or (), routes=routes or None, out_dir=out, pdf=pdf,
                              base_url=base_url, progress=progress)
        for step in STEPS:
            bar.update(tasks[step], total=1, completed=1)
    print_summary(report)
    return 0 if report.ok else 1


def print_summary(report: PipelineReport) -> None:
    """Print the empty and thin days first, then routes, producers placed by precision, warnings and the
    index page."""
    days = [x for r in report.routes if r.itinerary is not None for x in report_lines(r.itinerary)]
    for status, text in sorted(days, key=lambda x: x[0] != "empty"):
        console.print(f"[{'bold red' if status == 'empty' else 'yellow'}]{escape(text)}[/]", highlight=False)
    for route_id, why in report.not_published.items():
        console.print("[bold red]" + _("not published") + f"[/] {escape(route_id)}: {escape(why)}", highlight=False)
    table = Table(title=_("Routes"), caption=_("h: hours of travel and visits; out: producers left out (see the "
                                               "officer's report)"))
    for i, column in enumerate((_("route"), _("mode"), _("days"), _("stops"), "km", "h", _("verdict"), _("out"))):
        table.add_column(column, justify="right" if i > 1 else "left", no_wrap=True, overflow="fold")
    for result in report.routes:
        it = result.itinerary
        if it is None:
            table.add_row(escape(result.route_id), "[red]" + _("not planned") + "[/]", "", "", "", "", "", "")
            continue
        hours = (it.totals.travel_s + it.totals.visit_min * 60) / 3600
        table.add_row(escape(it.route_id), escape(it.mode), str(len(it.days)), str(it.totals.n_stops),
                      f"{it.totals.distance_m / 1000:.1f}", f"{hours:.1f}", _(it.status) if it.status else "",
                      str(len(it.not_chosen)))
    console.print(table)
    registry = report.registry
    summary = registry.summary()
    placed = Table(title=_("Producers placed by precision"))
    placed.add_column(_("precision"))
    placed.add_column(_("producers"), justify="right")
    for name, count in summary["producers_by_precision"].items():
        placed.add_row(name, str(count))
    console.print(placed)
    kinds = ", ".join(f"{n} {kind}" for kind, n in summary["venues_by_kind"].items())
    kinds_text = f" ({kinds})" if kinds else ""
    console.print(_("Registry: {rows} rows, {producers} producers, {certified} certified + {candidates} candidate "
                    "products, {venues} venues{kinds}; {rejected} rows rejected.", rows=summary["input_rows"],
                    producers=summary["producers"], certified=summary["certified_products"],
                    candidates=summary["candidate_products"], venues=summary["venues"],
                    kinds=kinds_text, rejected=summary["rejected_rows"]), highlight=False)
    for _i, row in registry.rejected.iterrows():
        console.print("  [red]" + _("rejected") + f"[/] {escape(Path(row['file']).name)} " + _("row") + f" {row['row']}: "
                      f"{escape(row['problems'])}", highlight=False)
    venues = registry.venues
    for id_column, rows in (("producer_id", registry.unplaced), ("venue_id", venues[venues.geometry.isna()])):
        for _i, row in rows.iterrows():
            console.print("  [yellow]" + _("not placed") + f"[/] {escape(str(row[id_column]))} {escape(str(row['name']))}: "
                          f"{escape(str(row.get('geocode_note', '')))}", highlight=False)
    by_warning: dict[str, list[str]] = {}  # the same warning on several routes is printed once
    for result in report.routes:
        if result.error:
            console.print("  [red]" + _("route") + f" {escape(result.route_id)}[/]: {escape(result.error)}",
                          highlight=False)
        elif result.itinerary is not None:
            for warning in result.itinerary.warnings:
                by_warning.setdefault(warning, []).append(result.route_id)
    for warning, route_ids in by_warning.items():
        console.print(f"  [yellow]{escape(', '.join(route_ids))}[/]: {escape(warning)}", highlight=False)
    for warning in report.warnings:
        console.print("  [yellow]" + _("warning") + f"[/]: {escape(warning)}", highlight=False)
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())
    console.print(_("Steps") + f": {timings}", highlight=False)
    if report.officer_report is not None:
        console.print("[bold]" + _("Officer's report") + f":[/] {escape(str(report.officer_report.resolve()))}",
                      highlight=False)
    if report.index_page is not None:
        console.print("[bold green]" + _("Site") + f":[/] {escape(str(report.index_page.resolve()))}", highlight=False)
