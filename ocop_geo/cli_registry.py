"""``ocop-geo validate``: check registry files and print what is accepted, what is rejected and why."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from .cli_common import HELP_LANG, console, state
from .fileio import atomic_path, csv_safe, refuse_overwriting_inputs, write_text_atomic
from .i18n import gettext as _
from .registry import Registry, bundled_registry_paths, load_registry
from .registry_schema import VENUE_KINDS


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the app."""
    app.command(
        "validate",
        help=_(
            "Validate OCOP registry files (CSV, Excel, GeoJSON, GeoPackage; Vietnamese or English headers) and "
            "print products by group, stars and district, plus every rejected row with the fix.\n\n"
            "Example: ocop-geo validate data/registry/producers.csv data/registry/products.csv "
            "data/registry/venues.csv\n\n"
            "Venue tables (showrooms, display points, fairs, agritourism sites; told by a 'kind' / 'Loại điểm' "
            "column) are summarised by kind. Without FILE the bundled registry is checked. Exit code 1 when rows were rejected; producers "
            "that could not be placed are listed (they are accepted).", HELP_LANG
        ),
    )(validate)


def validate(
    files: list[Path] = typer.Argument(None, help=_("Registry files; default: the bundled registry.", HELP_LANG)),
    rejected_csv: Path = typer.Option(None, "--rejected-csv", help=_("Write the rejected rows to this CSV.", HELP_LANG)),
    json_out: Path = typer.Option(None, "--json", help=_("Write the summary and every problem as JSON.", HELP_LANG)),
    geocode: bool = typer.Option(True, "--geocode/--no-geocode", help=_("Place producers without coordinates.", HELP_LANG)),
) -> int:
    paths = list(files) if files else bundled_registry_paths()
    refuse_overwriting_inputs({"--rejected-csv": rejected_csv, "--json": json_out}, paths)
    registry = load_registry(*paths, geocode=geocode)
    print_report(registry, lang=state.lang)
    if rejected_csv:
        with atomic_path(rejected_csv) as tmp:
            csv_safe(registry.rejected).to_csv(tmp, index=False, encoding="utf-8")
        console.print(_("rejected rows written to {path}", state.lang, path=escape(str(rejected_csv))),
                      highlight=False)
    if json_out:
        payload = {"summary": registry.summary(), "notices": registry.notices,
                   "problems": [p.__dict__ for p in registry.problems]}
        write_text_atomic(json_out, json.dumps(payload, ensure_ascii=False, indent=2))
    return 1 if len(registry.rejected) else 0


#: How many rows of one kind of problem, and how many unplaced producers, a report lists by number.
ROWS_LISTED, UNPLACED_LISTED = 8, 20
_SPECIFICS = re.compile(r"(?:row|line|rows|lines)\s+[\d, …]+|'[^']*'|\"[^\"]*\"|\d+")


def _notice_groups(notices: list[str]) -> list[tuple[str, int]]:
    """``(first notice of a kind, how many more)``: notices differing only in rows, numbers and quoted values are
    one kind."""
    groups: dict[str, list[str]] = {}
    for notice in notices:
        groups.setdefault(_SPECIFICS.sub("#", notice), []).append(notice)
    return [(found[0], len(found) - 1) for found in groups.values()]


def _print_venues(registry: Registry, summary: dict, lang: str) -> None:
    """Venues by kind (with each fair's dates) and by location precision; the venues not placed."""
    if not summary["venues"]:
        return
    table = Table(_("Venues by kind", lang), "n", _("dates", lang))
    venues = registry.venues
    for code, count in summary["venues_by_kind"].items():
        kind = VENUE_KINDS[code]
        label = kind.vi if lang == "vi" else kind.en
        dated = venues[(venues["kind"] == code) & venues["start_date"].notna()]
        spans = ", ".join(sorted({_span(a, b) for a, b in zip(dated["start_date"], dated["end_date"], strict=True)}))
        table.add_row(f"{escape(label)} ({code})", str(count), escape(spans))
    console.print(table)
    table = Table(_("Venues by location precision", lang), "n")
    for name, count in summary["venues_by_precision"].items():
        table.add_row(name, str(count))
    console.print(table)
    unplaced = venues[venues.geometry.isna()]
    if len(unplaced):
        console.print("[yellow]" + _("{n} venues have no location yet", lang, n=len(unplaced)) + ":[/]", highlight=False)
        for _i, row in unplaced.iterrows():
            note = str(row.get("geocode_note") or "") or _("not geocoded yet (run without --no-geocode)", lang)
            console.print(f"  {row['venue_id']}  {row['name']} — {note}", highlight=False, markup=False)


def _span(start: object, end: object) -> str:
    """``2024-11-06 – 2024-11-10``; one date when held one day; ``2025-05-23 –`` when open since then."""
    if end is None or end != end:
        return f"{start} –"
    return str(start) if end == start else f"{start} – {end}"


def print_report(registry: Registry, *, lang: str = "vi") -> None:
    """Print the validation report of ``registry`` to the console."""
    summary = registry.summary()
    for first, more in _notice_groups(registry.notices):
        console.print("[yellow]" + _("note", lang) + f":[/] {escape(first)}"
                      + (" " + _("(and {n} more like it: see --json)", lang, n=more) if more else ""), highlight=False)
    console.print(
        "[bold]" + _("OCOP registry", lang) + "[/]: "
        + _("{rows} rows read — {producers} producers and {product_rows} product rows accepted, {rejected} rejected. "
            "{certified} certified products, {candidates} candidate products (not yet certified), {venues} venues.",
            lang, rows=summary["input_rows"], producers=summary["producers"], product_rows=summary["product_rows"],
            rejected=summary["rejected_rows"], certified=summary["certified_products"],
            candidates=summary["candidate_products"], venues=summary["venues"]),
        highlight=False,
    )
    products = _("certified products", lang)
    for key, label in (("by_group", _("OCOP group", lang)), ("by_stars", _("stars", lang)),
                       ("by_district", _("district", lang))):  # fmt: skip
        table = Table(label, products, title=None)
        for name, count in summary[key].items():
            table.add_row(escape(str(name)), str(count))
        console.print(table)
    table = Table(_("Producers by location precision", lang), "n")
    for name, count in summary["producers_by_precision"].items():
        table.add_row(name, str(count))
    console.print(table)
    _print_venues(registry, summary, lang)
    unplaced = registry.unplaced
    if len(unplaced):
        console.print("[yellow]" + _("{n} producers have no location yet", lang, n=len(unplaced)) + ":[/]",
                      highlight=False)
        for _i, row in unplaced.head(UNPLACED_LISTED).iterrows():
            has_place = any(str(row.get(c) or "") for c in ("address", "ward", "district"))
            note = str(row.get("geocode_note") or "") or (
                _("not geocoded yet (run without --no-geocode)", lang) if has_place
                else _("no address, ward or district to place it from: add one to the registry", lang))
            console.print(f"  {row['producer_id']}  {row['name']} — {note}", highlight=False, markup=False)
        if len(unplaced) > UNPLACED_LISTED:
            console.print("  " + _("… and {n} more (see --json)", lang, n=len(unplaced) - UNPLACED_LISTED),
                          highlight=False)
    if len(registry.rejected) == 0:
        console.print("[green]" + _("Every row was accepted.", lang) + "[/]")
        return
    console.print("[bold red]" + _("Rejected rows", lang) + f": {len(registry.rejected)}[/]")
    groups: dict[tuple[str, str, str], list] = {}
    for p in registry.problems:  # one line per kind of problem: a 10,000-row file still fits on a screen
        groups.setdefault((Path(p.file).name, p.column, p.problem), []).append(p)
    for (file, column, problem), found in groups.items():
        p = found[0]
        if len(found) == 1:
            value = f" = {p.value[:60]!r}" if p.value else ""
            where = _("row", lang) + f" {p.row}, [cyan]{escape(column)}[/]{escape(value)}"
        else:
            rows = ", ".join(str(x.row) for x in found[:ROWS_LISTED]) + (" …" if len(found) > ROWS_LISTED else "")
            where = _("{n} rows ({rows}), column", lang, n=len(found), rows=rows) + f" [cyan]{escape(column)}[/]"
        console.print(f"  [bold]{escape(file)}[/] {where}: {escape(problem)}.\n      → {escape(p.fix)}.",
                      highlight=False)
    if len(groups) < len(registry.problems):
        console.print("  " + _("Every rejected row, with its value: --rejected-csv FILE or --json FILE.", lang),
                      highlight=False)
