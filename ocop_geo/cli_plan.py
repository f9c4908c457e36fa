"""``ocop-geo plan``: plan a route spec over the registry and write the itinerary (JSON + CSV)."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .cli_common import HELP_LANG, console, state
from .i18n import N_
from .i18n import gettext as _
from .itinerary import Itinerary, write_itinerary, write_itinerary_csv
from .planner import plan_route
from .registry import load_bundled_registry, load_registry
from .spec import load_spec
from .verdict import day_names, report_lines

log = logging.getLogger(__name__)

_HELP = N_(
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
    app.command("plan", help=_(_HELP, HELP_LANG))(plan)


def plan(
    spec_file: Path = typer.Argument(
        ..., help=_("Route spec TOML, e.g. data/routes/can_gio_day.toml.", HELP_LANG)
    ),
    out_dir: Path = typer.Option(..., "--out", "-o", help=_("Folder for the itinerary JSON and CSV.", HELP_LANG)),
    registry: list[Path] = typer.Option(
        None, "--registry", help=_("Producer / product / venue files (default: the bundled registry).", HELP_LANG)
    ),
    time_limit: float = typer.Option(None, "--time-limit", help=_("Solver seconds (default: spec).", HELP_LANG)),
    seed: int = typer.Option(None, "--seed", help=_("Solver seed (default: the spec's seed).", HELP_LANG)),
) -> int:
    spec = load_spec(spec_file)
    reg = load_registry(*registry) if registry else load_bundled_registry()
    with console.status(_("planning {id} ({mode}, {n} day(s))", id=spec.id, mode=spec.mode, n=len(spec.days))):
        it = plan_route(spec, reg, time_limit=time_limit, seed=seed)
    json_path = write_itinerary(it, out_dir / f"{spec.id}.json")
    csv_path = write_itinerary_csv(it, out_dir / f"{spec.id}.csv")
    print_verdicts([it], console, lang=state.lang)
    _print(it, console, lang=state.lang)
    console.print(_("wrote {json} and {csv}", json=escape(str(json_path)), csv=escape(str(csv_path))), highlight=False)
    n_rejected = len(reg.rejected)
    if n_rejected:
        console.print("[yellow]" + _("{n} registry row(s) were rejected", n=n_rejected) + "[/]: "
                      + _("see 'ocop-geo validate'"), highlight=False)
    return 1 if n_rejected or it.status == "empty" else 0


def print_verdicts(itineraries: list[Itinerary], console: Console, *, lang: str) -> None:
    """Empty and thin days first, each with its reason; one line when every day is good."""
    lines = [line for it in itineraries for line in report_lines(it, lang=lang)]
    lines.sort(key=lambda x: x[0] != "empty")
    for status, text in lines:
        colour = "bold red" if status == "empty" else "yellow"
        console.print(f"[{colour}]{escape(text)}[/]", highlight=False)
    if not lines and itineraries:
        console.print("[green]" + _("every day is good", lang) + "[/]", highlight=False)


_KINDS = {"start": N_("start"), "producer": N_("producer"), "poi": N_("sight"), "lunch": N_("lunch"), "end": N_("end")}


def _print(it: Itinerary, console: Console, *, lang: str) -> None:
    """The itinerary as rich tables: one per day, then the producers left out."""
    title = escape(it.title.get(lang) or it.title.get("vi", ""))
    columns = (_("#", lang), _("kind", lang), _("name", lang), _("arrive", lang), _("wait", lang), _("start", lang),
               _("end", lang), _("ride min", lang), "km")  # fmt: skip
    for day in it.days:
        when = day_names(day.weekday, day.date)[0 if lang == "vi" else 1]
        table = Table(title=f"{title} — " + _("day {day} ({when})", lang, day=day.day, when=when))
        for i, col in enumerate(columns):
            table.add_column(col, justify="right" if i in {0, 4, 7, 8} else "left")
        for s in day.stops:
            leg = s.leg_in
            table.add_row(
                str(s.seq), _(_KINDS.get(s.kind, s.kind), lang),
                escape(s.name) + (" *" if leg is not None and leg.off_network else ""),
                s.arrival or "", f"{s.wait_min:.0f}" if s.wait_min else "", s.start, s.end,
                "" if leg is None else f"{leg.travel_s / 60:.0f}",
                "" if leg is None else f"{leg.distance_m / 1000:.1f}",
            )  # fmt: skip
        t = day.totals
        table.caption = _("{n} stops, score {score:g}, {hours:.1f} h on the road, {km:.0f} km (* = straight-line leg)",
                          lang, n=t.n_stops, score=t.score, hours=t.travel_s / 3600, km=t.distance_m / 1000)
        console.print(table)
        if day.verdict is not None and day.verdict.summary:
            console.print(escape(day.verdict.summary.get(lang) or day.verdict.summary["en"]), highlight=False)
            for reason in day.verdict.reasons[1:]:
                console.print("  + " + escape(reason.vi if lang == "vi" else reason.en), highlight=False)
    if it.not_chosen:
        left = Table(title=_("Not chosen", lang))
        for col in (_("site", lang), _("name", lang), _("code", lang), _("reason", lang)):
            left.add_column(col)
        for n in it.not_chosen:
            reason = n.reason_vi if lang == "vi" and n.reason_vi else n.reason
            left.add_row(escape(n.site_id), escape(n.name), n.code, escape(reason))
        console.print(left)
    for w in it.warnings:
        console.print("[yellow]" + _("warning", lang) + f":[/] {escape(w)}", highlight=False)
