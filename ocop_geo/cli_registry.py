"""``ocop-geo validate``: check registry files and print what is accepted, what is rejected and why."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from .cli_common import console, state
from .fileio import atomic_path, csv_safe, write_text_atomic
from .registry import Registry, bundled_registry_paths, load_registry
from .registry_schema import VENUE_KINDS

_TEXT = {
    "en": {
        "title": "OCOP registry", "accepted": "accepted", "rejected": "Rejected rows",
        "group": "OCOP group", "stars": "stars",
        "district": "district", "products": "certified products", "placed": "Producers by location precision",
        "candidates": "candidate products (not yet certified)", "ok": "Every row was accepted.",
        "read": "rows read", "producers": "producers", "product_rows": "product rows", "and": "and",
        "n_rejected": "rejected", "note": "note", "row": "row", "unplaced": "producers have no location yet",
        "not_geocoded": "not geocoded yet (run without --no-geocode)",
        "no_place": "no address, ward or district to place it from: add one to the registry",
        "venues": "venues", "venue_kind": "Venues by kind", "venue_placed": "Venues by location precision",
        "venue_unplaced": "venues have no location yet", "dates": "dates",
    },
    "vi": {
        "title": "Danh sách OCOP", "accepted": "được nhận", "rejected": "Các dòng bị loại",
        "group": "Nhóm OCOP", "stars": "số sao",
        "district": "quận/huyện", "products": "sản phẩm đã công nhận", "placed": "Chủ thể theo độ chính xác vị trí",
        "candidates": "sản phẩm ứng viên (chưa công nhận)", "ok": "Tất cả các dòng đều hợp lệ.",
        "read": "dòng đã đọc", "producers": "chủ thể", "product_rows": "dòng sản phẩm", "and": "và",
        "n_rejected": "bị loại", "note": "lưu ý", "row": "dòng", "unplaced": "chủ thể chưa có vị trí",
        "not_geocoded": "chưa định vị (chạy lại không có --no-geocode)",
        "no_place": "không có địa chỉ, xã/phường hay quận/huyện để định vị: hãy bổ sung vào danh sách",
        "venues": "điểm giới thiệu / bán", "venue_kind": "Điểm theo loại", "venue_placed": "Điểm theo độ chính xác vị trí",
        "venue_unplaced": "điểm chưa có vị trí", "dates": "ngày",
    },
}


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the app."""
    app.command(
        "validate",
        help=(
            "Validate OCOP registry files (CSV, Excel, GeoJSON, GeoPackage; Vietnamese or English headers) and "
            "print products by group, stars and district, plus every rejected row with the fix.\n\n"
            "Example: ocop-geo validate data/registry/producers.csv data/registry/products.csv "
            "data/registry/venues.csv\n\n"
            "Venue tables (showrooms, display points, fairs, agritourism sites; told by a 'kind' / 'Loại điểm' "
            "column) are summarised by kind. Without FILE the bundled registry is checked. Exit code 1 when rows were rejected; producers "
            "that could not be placed are listed (they are accepted)."
        ),
    )(validate)


def validate(
    files: list[Path] = typer.Argument(None, help="Registry files; default: the bundled registry."),
    rejected_csv: Path = typer.Option(None, "--rejected-csv", help="Write the rejected rows to this CSV."),
    json_out: Path = typer.Option(None, "--json", help="Write the summary and every problem as JSON."),
    geocode: bool = typer.Option(True, "--geocode/--no-geocode", help="Place producers without coordinates."),
) -> int:
    paths = list(files) if files else bundled_registry_paths()
    registry = load_registry(*paths, geocode=geocode)
    print_report(registry, lang=state.lang)
    if rejected_csv:
        with atomic_path(rejected_csv) as tmp:
            csv_safe(registry.rejected).to_csv(tmp, index=False, encoding="utf-8")
        console.print(f"rejected rows written to {escape(str(rejected_csv))}", highlight=False)
    if json_out:
        payload = {"summary": registry.summary(), "notices": registry.notices,
                   "problems": [p.__dict__ for p in registry.problems]}
        write_text_atomic(json_out, json.dumps(payload, ensure_ascii=False, indent=2))
    return 1 if len(registry.rejected) else 0


def _print_venues(registry: Registry, summary: dict, t: dict[str, str], lang: str) -> None:
    """Venues by kind (with each fair's dates) and by location precision; the venues not placed."""
    if not summary["venues"]:
        return
    table = Table(t["venue_kind"], "n", t["dates"])
    venues = registry.venues
    for code, count in summary["venues_by_kind"].items():
        kind = VENUE_KINDS[code]
        label = kind.vi if lang == "vi" else kind.en
        dated = venues[(venues["kind"] == code) & venues["start_date"].notna()]
        spans = ", ".join(sorted({_span(a, b) for a, b in zip(dated["start_date"], dated["end_date"], strict=True)}))
        table.add_row(f"{escape(label)} ({code})", str(count), escape(spans))
    console.print(table)
    table = Table(t["venue_placed"], "n")
    for name, count in summary["venues_by_precision"].items():
        table.add_row(name, str(count))
    console.print(table)
    unplaced = venues[venues.geometry.isna()]
    if len(unplaced):
        console.print(f"[yellow]{len(unplaced)} {t['venue_unplaced']}:[/]", highlight=False)
        for _, row in unplaced.iterrows():
            note = str(row.get("geocode_note") or "") or t["not_geocoded"]
            console.print(f"  {row['venue_id']}  {row['name']} — {note}", highlight=False, markup=False)


def _span(start: object, end: object) -> str:
    """``2024-11-06 – 2024-11-10``; one date when held one day; ``2025-05-23 –`` when open since then."""
    if end is None or end != end:
        return f"{start} –"
    return str(start) if end == start else f"{start} – {end}"


def print_report(registry: Registry, *, lang: str = "en") -> None:
    """Print the validation report of ``registry`` to the console."""
    t = _TEXT[lang]
    summary = registry.summary()
    for notice in registry.notices:
        console.print(f"[yellow]{t['note']}:[/] {escape(notice)}", highlight=False)
    console.print(
        f"[bold]{t['title']}[/]: {summary['input_rows']} {t['read']} — {summary['producers']} {t['producers']} "
        f"{t['and']} {summary['product_rows']} {t['product_rows']} {t['accepted']}, {summary['rejected_rows']} "
        f"{t['n_rejected']}. "
        f"{summary['certified_products']} {t['products']}, {summary['candidate_products']} {t['candidates']}, "
        f"{summary['venues']} {t['venues']}.",
        highlight=False,
    )
    for key, label in (("by_group", t["group"]), ("by_stars", t["stars"]), ("by_district", t["district"])):
        table = Table(label, t["products"], title=None)
        for name, count in summary[key].items():
            table.add_row(escape(str(name)), str(count))
        console.print(table)
    table = Table(t["placed"], "n")
    for name, count in summary["producers_by_precision"].items():
        table.add_row(name, str(count))
    console.print(table)
    _print_venues(registry, summary, t, lang)
    unplaced = registry.unplaced
    if len(unplaced):
        console.print(f"[yellow]{len(unplaced)} {t['unplaced']}:[/]", highlight=False)
        for _, row in unplaced.iterrows():
            has_place = any(str(row.get(c) or "") for c in ("address", "ward", "district"))
            note = str(row.get("geocode_note") or "") or (t["not_geocoded"] if has_place else t["no_place"])
            console.print(f"  {row['producer_id']}  {row['name']} — {note}", highlight=False, markup=False)
    if len(registry.rejected) == 0:
        console.print(f"[green]{t['ok']}[/]")
        return
    console.print(f"[bold red]{t['rejected']}: {len(registry.rejected)}[/]")
    for p in registry.problems:
        value = f" = {p.value[:60]!r}" if p.value else ""
        console.print(
            f"  [bold]{escape(Path(p.file).name)}[/] {t['row']} {p.row}, [cyan]{escape(p.column)}[/]"
            f"{escape(value)}: {escape(p.problem)}.\n      → {escape(p.fix)}.",
            highlight=False,
        )
