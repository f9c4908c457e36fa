"""``ocop-geo bench toptw`` / ``bench ttdp``: the route optimizer on the standard benchmark instances."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from . import toptw
from ._errors import InputFileError
from .cli_common import HELP_LANG, console
from .fileio import write_text_atomic
from .i18n import gettext as _
from .toptw_instances import (
    best_known,
    check_routes,
    instance_names,
    read_instance,
    resolve_instance,
    to_problem,
)

log = logging.getLogger(__name__)

bench_app = typer.Typer(
    name="bench",
    help=_("Benchmarks of the route optimizer on standard instances.\n\n"
           "Example: ocop-geo bench toptw c101 r101 --routes 1 --time-limit 10 --json out.json\n\n"
           "Example: ocop-geo bench ttdp t101 --time-limit 10", HELP_LANG),
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``bench`` group (``bench toptw``, ``bench ttdp``) to the app."""
    app.add_typer(bench_app, name="bench")


def run_toptw(
    instances: list[str],
    *,
    routes: list[int] | None,
    time_limit: float,
    seed: int = 0,
    max_iterations: int | None = None,
    family: str | None = None,
) -> dict[str, Any]:
    """Solve every instance for every number of routes; the JSON document of ``bench toptw / ttdp``.

    Parameters
    ----------
    instances : files or bundled names (``c101``, ``pr01``, ``t101``).
    routes : numbers of routes to run each instance with; None = the file's tours (TTDP) or 1.
    time_limit, seed, max_iterations : passed to :func:`ocop_geo.toptw.solve`.
    family : the instance family of files whose name does not tell it (see
        :mod:`ocop_geo.toptw_instances`).

    Returns
    -------
    dict
        ``results``: one row per instance and m with ``instance``, ``family``,
        ``distance_decimals`` (the family's rounding), ``routes_m``, ``score``, ``seconds``,
        ``routes`` (visited vertex ids in order per route, without the depot 0), ``feasible`` (the
        engine's own check) and ``checked_feasible`` / ``checked_score`` (the exact re-check of
        :func:`~ocop_geo.toptw_instances.check_routes`), plus ``best_known`` and ``gap_pct``
        where a best known score exists for that m.
    """
    results: list[dict[str, Any]] = []
    conventions: dict[str, int] = {}
    for name in instances:
        inst = read_instance(resolve_instance(name), family=family)
        conventions[inst.family] = inst.decimals
        best = best_known(inst.family)
        for m in routes or [inst.tours or 1]:
            problem = to_problem(inst, routes=m)
            t0 = time.perf_counter()
            sol = toptw.solve(problem, time_limit=time_limit, seed=seed,
                              max_iterations=max_iterations)
            seconds = time.perf_counter() - t0
            feasible, score, reason = toptw.evaluate(problem, sol.routes)
            check = check_routes(inst, sol.routes)
            row: dict[str, Any] = {
                "instance": inst.name,
                "family": inst.family,
                "distance_decimals": inst.decimals,
                "routes_m": m,
                "score": int(score) if float(score).is_integer() else score,
                "seconds": round(seconds, 3),
                "iterations": sol.iterations,
                "feasible": feasible,
                "checked_feasible": check.feasible,
                "checked_score": float(check.score),
                "routes": sol.routes,
            }
            if inst.tours is not None:
                row["start_day"] = inst.start_day
            if not feasible:  # never expected: the solver only keeps feasible routes
                row["reason"] = reason
                log.error("%s m=%d: solver returned infeasible routes: %s", inst.name, m, reason)
            if not check.feasible:
                row["checked_reason"] = check.reason
                log.error("%s m=%d: the exact check rejects the routes: %s", inst.name, m,
                          check.reason)
            if (inst.name, m) in best:
                bk = best[(inst.name, m)]
                row["best_known"] = bk
                row["gap_pct"] = round(100.0 * (bk - score) / bk, 3)
            results.append(row)
            log.info("%s m=%d: score %.0f in %.2f s", inst.name, m, score, seconds)
    return {
        "solver": "ocop_geo.toptw",
        "time_limit_s": time_limit,
        "seed": seed,
        "max_iterations": max_iterations,
        "distance_decimals": conventions,
        "results": results,
    }


def dumps_results(doc: dict[str, Any]) -> str:
    """JSON text of a results document, one line per result so it stays readable and diffable."""
    head = {k: v for k, v in doc.items() if k != "results"}
    rows = ",\n  ".join(json.dumps(r, ensure_ascii=False) for r in doc["results"])
    text = json.dumps(head, ensure_ascii=False)[:-1]
    return f'{text}, "results": [\n  {rows}\n]}}\n'


def _report(doc: dict[str, Any], title: str, json_out: Path | None) -> int:
    """Print the results table, write the JSON; exit code 0, or 3 if a route is infeasible."""
    table = Table(title=title)
    for col in ("instance", "m", "score", "best known", "gap %", "seconds", "feasible",
                "exact check"):
        table.add_column(col, justify="left" if col == "instance" else "right")
    for row in doc["results"]:
        table.add_row(row["instance"], str(row["routes_m"]), f"{row['score']:.0f}",
                      f"{row['best_known']:.0f}" if "best_known" in row else "",
                      f"{row['gap_pct']:.2f}" if "gap_pct" in row else "",
                      f"{row['seconds']:.2f}", "yes" if row["feasible"] else "[red]NO[/]",
                      "yes" if row["checked_feasible"] else "[red]NO[/]")
    console.print(table)
    conv = ", ".join(f"{k}: {v}" for k, v in doc["distance_decimals"].items())
    console.print(f"distances rounded down to decimals per family ({conv})")
    if json_out is not None:
        write_text_atomic(json_out, dumps_results(doc))
        console.print(f"wrote {json_out}")
    ok = all(r["feasible"] and r["checked_feasible"] for r in doc["results"])
    return 0 if ok else 3


def _check_limits(time_limit: float, routes: list[int] | None) -> None:
    bad = [m for m in routes or [] if m < 1]
    if bad:
        raise InputFileError(f"--routes: {bad} invalid; give a number of routes >= 1")
    if time_limit <= 0:
        raise InputFileError("--time-limit: give a positive number of seconds")


_SEED = typer.Option(0, "--seed", help=_("Random seed (same seed, same search).", HELP_LANG))
_MAX_IT = typer.Option(None, "--max-iterations",
                       help=_("Stop after this many iterations (bit-identical runs).", HELP_LANG))
_JSON = typer.Option(None, "--json", help=_("Write the results to this JSON file.", HELP_LANG))
_LIMIT = typer.Option(10.0, "--time-limit", "-t", help=_("Seconds per instance and m.", HELP_LANG))


@bench_app.command(
    "toptw",
    help=_(
        "Solve TOPTW instances (files, or bundled names: Solomon c101 ... rc108, Cordeau pr01 ... "
        "pr10) with ROUTES routes each and report score, time, gap to the best known score "
        "(Solomon: one route; Cordeau: m = 1..4) and an exact re-check of every route. Distances "
        "are rounded as the family does (Solomon one decimal, Cordeau two).\n\n"
        "Example: ocop-geo bench toptw c101 r101 rc101 --routes 1 --time-limit 10 --json out.json\n\n"
        "Example: ocop-geo bench toptw pr01 pr02 --routes 1 --routes 2 --routes 4", HELP_LANG
    ),
)
def toptw_command(
    instances: list[str] = typer.Argument(
        ..., help=_("Instance files or bundled names (c101 ... rc108, pr01 ... pr10).", HELP_LANG)),
    routes: list[int] = typer.Option([1], "--routes", "-m", help=_("Number of routes; repeat for several.", HELP_LANG)),
    time_limit: float = _LIMIT,
    seed: int = _SEED,
    max_iterations: int = _MAX_IT,
    family: str = typer.Option(
        None, "--family",
        help=_("solomon or cordeau, for a file whose name does not tell (decides the rounding).", HELP_LANG)),
    json_out: Path = _JSON,
) -> int:
    _check_limits(time_limit, routes)
    doc = run_toptw(list(instances), routes=list(routes), time_limit=time_limit, seed=seed,
                    max_iterations=max_iterations, family=family)
    return _report(doc, f"TOPTW, {time_limit:g} s per run, seed {seed}", json_out)


@bench_app.command(
    "ttdp",
    help=_(
        "Solve tourist trip design instances (multi-day, a different opening window per weekday; "
        "files or bundled names t101 ... t120, default all) with the file's number of tours, "
        "each tour on its weekday, and report score, time and an exact re-check of every route "
        "(distances rounded down to two decimals).\n\n"
        "Example: ocop-geo bench ttdp t101 t102 --time-limit 10 --json ttdp.json", HELP_LANG
    ),
)
def ttdp_command(
    instances: list[str] = typer.Argument(None, help=_("Instance files or names (t101 ... t120).", HELP_LANG)),
    time_limit: float = _LIMIT,
    seed: int = _SEED,
    max_iterations: int = _MAX_IT,
    json_out: Path = _JSON,
) -> int:
    _check_limits(time_limit, None)
    names = list(instances) if instances else instance_names("ttdp")
    doc = run_toptw(names, routes=None, time_limit=time_limit, seed=seed,
                    max_iterations=max_iterations, family="ttdp")
    return _report(doc, f"TTDP, {time_limit:g} s per run, seed {seed}", json_out)
