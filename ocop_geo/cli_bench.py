"""``ocop-geo bench toptw``: run the route optimizer on the standard TOPTW benchmark instances."""

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
from .cli_common import console
from .fileio import write_text_atomic
from .toptw_instances import best_known_m1, read_instance, resolve_instance, to_problem

log = logging.getLogger(__name__)

bench_app = typer.Typer(
    name="bench",
    help="Benchmarks of the route optimizer on standard instances.\n\n"
    "Example: ocop-geo bench toptw c101 r101 --routes 1 --time-limit 10 --json out.json",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``bench`` group (``bench toptw``) to the app."""
    app.add_typer(bench_app, name="bench")


def run_toptw(
    instances: list[str],
    *,
    routes: list[int],
    time_limit: float,
    seed: int = 0,
    max_iterations: int | None = None,
) -> dict[str, Any]:
    """Solve every instance for every number of routes; the JSON document of ``bench toptw``.

    Each result lists ``instance``, ``routes_m``, ``score``, ``seconds`` and ``routes`` (visited
    vertex ids in order per route, without the depot 0), plus the best known score and the gap for
    one route.
    """
    best = best_known_m1()
    results: list[dict[str, Any]] = []
    for name in instances:
        inst = read_instance(resolve_instance(name))
        for m in routes:
            problem = to_problem(inst, routes=m)
            t0 = time.perf_counter()
            sol = toptw.solve(problem, time_limit=time_limit, seed=seed,
                              max_iterations=max_iterations)
            seconds = time.perf_counter() - t0
            feasible, score, reason = toptw.evaluate(problem, sol.routes)
            row: dict[str, Any] = {
                "instance": inst.name,
                "routes_m": m,
                "score": int(score) if float(score).is_integer() else score,
                "seconds": round(seconds, 3),
                "iterations": sol.iterations,
                "feasible": feasible,
                "routes": sol.routes,
            }
            if not feasible:  # never expected: the solver only keeps feasible routes
                row["reason"] = reason
                log.error("%s m=%d: solver returned infeasible routes: %s", inst.name, m, reason)
            if m == 1 and inst.name in best:
                row["best_known"] = best[inst.name]
                row["gap_pct"] = round(100.0 * (best[inst.name] - score) / best[inst.name], 3)
            results.append(row)
            log.info("%s m=%d: score %.0f in %.2f s", inst.name, m, score, seconds)
    return {
        "solver": "ocop_geo.toptw",
        "time_limit_s": time_limit,
        "seed": seed,
        "max_iterations": max_iterations,
        "results": results,
    }


def dumps_results(doc: dict[str, Any]) -> str:
    """JSON text of a results document, one line per result so it stays readable and diffable."""
    head = {k: v for k, v in doc.items() if k != "results"}
    rows = ",\n  ".join(json.dumps(r, ensure_ascii=False) for r in doc["results"])
    text = json.dumps(head, ensure_ascii=False)[:-1]
    return f'{text}, "results": [\n  {rows}\n]}}\n'


@bench_app.command(
    "toptw",
    help=(
        "Solve Solomon TOPTW instances (files, or bundled names such as c101) with ROUTES routes each "
        "and report score, time and gap to the best known score (one route).\n\n"
        "Example: ocop-geo bench toptw c101 r101 rc101 --routes 1 --time-limit 10 --json out.json\n\n"
        "Example: ocop-geo bench toptw benchmarks/toptw/instances/c1*.txt --routes 1 --routes 2"
    ),
)
def toptw_command(
    instances: list[str] = typer.Argument(..., help="Instance files or bundled names (c101 ... rc108)."),
    routes: list[int] = typer.Option([1], "--routes", "-m", help="Number of routes; repeat for several."),
    time_limit: float = typer.Option(10.0, "--time-limit", "-t", help="Seconds per instance and m."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same search)."),
    max_iterations: int = typer.Option(
        None, "--max-iterations", help="Stop after this many iterations (bit-identical runs)."
    ),
    json_out: Path = typer.Option(None, "--json", help="Write the results to this JSON file."),
) -> int:
    bad = [m for m in routes if m < 1]
    if bad:
        raise InputFileError(f"--routes: {bad} invalid; give a number of routes >= 1")
    if time_limit <= 0:
        raise InputFileError("--time-limit: give a positive number of seconds")
    doc = run_toptw(list(instances), routes=list(routes), time_limit=time_limit, seed=seed,
                    max_iterations=max_iterations)
    table = Table(title=f"TOPTW, {time_limit:g} s per run, seed {seed}")
    for col in ("instance", "m", "score", "best known", "gap %", "seconds", "feasible"):
        table.add_column(col, justify="left" if col == "instance" else "right")
    for row in doc["results"]:
        table.add_row(row["instance"], str(row["routes_m"]), f"{row['score']:.0f}",
                      f"{row['best_known']:.0f}" if "best_known" in row else "",
                      f"{row['gap_pct']:.2f}" if "gap_pct" in row else "",
                      f"{row['seconds']:.2f}", "yes" if row["feasible"] else "[red]NO[/]")
    console.print(table)
    if json_out is not None:
        write_text_atomic(json_out, dumps_results(doc))
        console.print(f"wrote {json_out}")
    return 0 if all(r["feasible"] for r in doc["results"]) else 3
