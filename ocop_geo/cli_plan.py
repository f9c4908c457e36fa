"""``ocop-geo plan``: plan a route spec over the registry and write the itinerary (JSON + CSV)."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .cli_common import console, state
from .itinerary import Itinerary, write_itinerary, write_itinerary_csv
from .planner import plan_route
from .registry import load_bundled_registry, load_registry
from .spec import load_spec
from .verdict import report_lines

log = logging.getLogger(__name__)

_HELP = (
    "Plan a route spec (TOML) over the OCOP registry on the offline road network and write "
    "OUTDIR/<route id>.json (the itinerary for maps, exports and the site) and "
    "OUTDIR/<route id>.csv (one row per stop).\n\n"
    "Example: ocop-geo plan data/routes/cu_chi_food_day.toml -o maps/cu-chi\n\n"
    "Every producer (and venue) left out is listed with its reason, e.g. 'outside the road "
    "data' for the former Bình Dương and Bà Rịa–Vũng Tàu, which the bundled OSM extract does "
    "not cover. Each day gets a verdict for the officer (good / thin / empty, with the reason and what "
    "to change), in the JSON and at the top of this report. Exit code 1 when a day visits no OCOP "
    "producer (empty) or the registry had rejected rows; 2 for a bad spec or file (an "
    "unknown venue included); 3 when the route cannot be planned (e.g. an impossible "
    "must-visit, named in the message)."
)


def register(app: typer.Typer) -> None:
    """Add ``plan`` to the app."""
    app.command("plan", help=_HELP)(plan)


def plan(
    spec_file: Path = typer.Argument(
        ..., help="Route spec TOML, e.g. data/routes/can_gio_day.toml."
    ),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder for the itinerary JSON and CSV."),
    registry: list[Path] = typer.Option(
        None, "--registry", help="Producer / product / venue files (default: the bundled registry)."
    ),
    time_limit: float = typer.Option(None, "--time-limit", help="Solver seconds (default: spec)."),
    seed: int = typer.Option(None, "--seed", help="Solver seed (default: the spec's seed)."),
) -> int:
    spec = load_spec(spec_file)
    reg = load_registry(*registry) if registry else load_bundled_registry()
    with console.status(f"planning {spec.id} ({spec.mode}, {len(spec.days)} day(s))"):
        it = plan_route(spec, reg, time_limit=time_limit, seed=seed)
    json_path = write_itinerary(it, out_dir / f"{spec.id}.json")
    csv_path = write_itinerary_csv(it, out_dir / f"{spec.id}.csv")
    print_verdicts([it], console, lang=state.lang)
    _print(it, console, lang=state.lang)
    console.print(f"wrote {escape(str(json_path))} and {escape(str(csv_path))}", highlight=False)
    n_rejected = len(reg.rejected)
    if n_rejected:
        console.print(
            f"[yellow]{n_rejected} registry row(s) were rejected[/]: see 'ocop-geo validate'",
            highlight=False,
        )
    return 1 if n_rejected or it.status == "empty" else 0


def print_verdicts(itineraries: list[Itinerary], console: Console, *, lang: str) -> None:
    """Empty and thin days first, each with its reason; one line when every day is good."""
    lines = [line for it in itineraries for line in report_lines(it, lang=lang)]
    lines.sort(key=lambda x: x[0] != "empty")
    for status, text in lines:
        colour = "bold red" if status == "empty" else "yellow"
        console.print(f"[{colour}]{escape(text)}[/]", highlight=False)
    if not lines and itineraries:
        console.print("[green]" + ("mọi ngày đều tốt" if lang == "vi" else "every day is good") + "[/]", highlight=False)


_LABELS = {
    "en": ("#", "kind", "name", "arrive", "wait", "start", "end", "ride min", "km", "day",
           "Not chosen", "site", "code", "reason", "stops", "score", "h riding",
           "* = straight-line leg", "warning"),
    "vi": ("#", "loại", "tên", "đến", "chờ", "bắt đầu", "kết thúc", "phút đi", "km", "ngày",
           "Không chọn", "mã", "lý do (mã)", "lý do", "điểm dừng", "điểm", "giờ di chuyển",
           "* = đoạn nối thẳng", "lưu ý"),
}  # fmt: skip


def _print(it: Itinerary, console: Console, *, lang: str) -> None:
    """The itinerary as rich tables: one per day, then the producers left out."""
    L = _LABELS.get(lang, _LABELS["en"])
    title = escape(it.title.get(lang) or it.title.get("vi", ""))
    for day in it.days:
        table = Table(title=f"{title} — {L[9]} {day.day} {day.weekday} {day.date or ''}".strip())
        for i, col in enumerate(L[:9]):
            table.add_column(col, justify="right" if i in {0, 4, 7, 8} else "left")
        for s in day.stops:
            leg = s.leg_in
            table.add_row(
                str(s.seq), s.kind, escape(s.name) + (" *" if leg is not None and leg.off_network else ""),
                s.arrival or "", f"{s.wait_min:.0f}" if s.wait_min else "", s.start, s.end,
                "" if leg is None else f"{leg.travel_s / 60:.0f}",
                "" if leg is None else f"{leg.distance_m / 1000:.1f}",
            )  # fmt: skip
        t = day.totals
        table.caption = (
            f"{t.n_stops} {L[14]}, {L[15]} {t.score:g}, {t.travel_s / 3600:.1f} {L[16]}, "
            f"{t.distance_m / 1000:.0f} km ({L[17]})"
        )
        console.print(table)
        if day.verdict is not None and day.verdict.summary:
            console.print(escape(day.verdict.summary.get(lang) or day.verdict.summary["en"]), highlight=False)
            for reason in day.verdict.reasons[1:]:
                console.print("  + " + escape(reason.vi if lang == "vi" else reason.en), highlight=False)
    if it.not_chosen:
        left = Table(title=L[10])
        for col in (L[11], L[2], L[12], L[13]):
            left.add_column(col)
        for n in it.not_chosen:
            reason = n.reason_vi if lang == "vi" and n.reason_vi else n.reason
            left.add_row(escape(n.site_id), escape(n.name), n.code, escape(reason))
        console.print(left)
    for w in it.warnings:
        console.print(f"[yellow]{L[18]}:[/] {escape(w)}", highlight=False)
