"""Benchmark of the TOPTW engine on the tourist trip design instances t101-t120, against a PyVRP model.

Run from the repository root (about 15 minutes at the default 10 s per solve and two PyVRP seeds)::

    .venv/bin/python -m benchmarks.bench_ttdp
    .venv/bin/python -m benchmarks.bench_ttdp --time-limit 2 --instances t101 t102 --pyvrp-seeds 0

Each instance has M tours (days), tour d on weekday (SD + d) mod 7, and one opening window per site
and weekday (``0 0`` = closed); distances are rounded down to two decimals
(``benchmarks/toptw/ttdp/format_description_TTDP.txt``). No best known scores exist, so both
solvers run on the same instance, in the same process, with the same time limit:

* ocop_geo: ``toptw.solve`` on :func:`ocop_geo.toptw_instances.to_problem` (route d gets the
  windows of its weekday; a site closed that weekday has none on that route).
* PyVRP 0.14 (:func:`solve_pyvrp_ttdp`): days on one absolute time axis, day d offset by
  d x 1440 minutes; one vehicle type per day with that day's shift window; one optional copy of
  each site per day it is open, carrying that day's window, the copies of a site in a mutually
  exclusive client group (at most one visited); prize = score x 100 x 100 (times in hundredths),
  time-warp penalty cap 1e7 as in ``bench_toptw``. Better of ``--pyvrp-seeds`` kept.

Every route of both solvers is re-checked by the engine's ``evaluate`` and in exact arithmetic by
``ocop_geo.toptw_instances.check_routes``; a solution either rejects scores 0. Results:
``benchmarks/results/ttdp.json`` and ``ttdp.md`` (rewritten after each instance).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from pyvrp import Model, PenaltyParams, SolveParams
from pyvrp.stop import MaxRuntime

from benchmarks.bench_toptw import (
    PRIZE_SCALE,
    PYVRP_MAX_PENALTY,
    RESULTS,
    _engine_blobs,
    _git_commit,
    _machine,
    best_of_seeds,
    engine_line,
    machine_line,
    result_cell,
    rewrite_report,
    write_results,
)
from ocop_geo import toptw
from ocop_geo.toptw_instances import (
    TOPTWInstance,
    instance_names,
    read_instance,
    resolve_instance,
    to_problem,
)

log = logging.getLogger("bench_ttdp")

#: Minutes from one day's time axis to the next in the PyVRP model.
DAY = 1440


def solve_ocop(inst: TOPTWInstance, time_limit: float, seed: int) -> list[list[int]]:
    """ocop_geo.toptw.solve with the file's tours."""
    return toptw.solve(to_problem(inst), time_limit=time_limit, seed=seed).routes


def pyvrp_model(inst: TOPTWInstance) -> tuple[Model, list[tuple[int, int]]]:
    """The PyVRP model of a TTDP instance and, per PyVRP client, its (site, day).

    Times in hundredths of a minute (exact: distances are rounded down to two decimals, all other
    data are integers).
    """
    unit = 10**inst.decimals
    days = inst.tours or 1
    dist = np.rint(inst.distances() * unit).astype(np.int64)
    model = Model()
    locs = [model.add_location(float(inst.x[i]), float(inst.y[i])) for i in range(inst.n)]
    depot = model.add_depot(locs[0], tw_early=0, tw_late=days * DAY * unit)
    for d in range(days):
        o, c = inst.windows[0, inst.weekday_column(d)]
        model.add_vehicle_type(num_available=1, start_depot=depot, end_depot=depot,
                               tw_early=int(round((o + d * DAY) * unit)),
                               tw_late=int(round((c + d * DAY) * unit)), name=f"day{d}")
    copies: list[tuple[int, int]] = []
    for v in range(1, inst.n):
        open_days = [d for d in range(days)
                     if inst.windows[v, inst.weekday_column(d), 0]
                     <= inst.windows[v, inst.weekday_column(d), 1]]  # closed that weekday: no copy
        if not open_days:
            continue
        group = model.add_client_group(required=False, name=f"site{v}")
        for d in open_days:
            o, c = inst.windows[v, inst.weekday_column(d)]
            model.add_client(locs[v], service_duration=int(round(inst.service[v] * unit)),
                             tw_early=int(round((o + d * DAY) * unit)),
                             tw_late=int(round((c + d * DAY) * unit)),
                             prize=int(round(inst.score[v])) * PRIZE_SCALE * unit,
                             required=False, group=group, name=f"site{v}_day{d}")
            copies.append((v, d))
    for i in range(inst.n):
        for j in range(inst.n):
            if i != j:
                model.add_edge(locs[i], locs[j], distance=int(dist[i, j]),
                               duration=int(dist[i, j]))
    return model, copies


def solve_pyvrp_ttdp(inst: TOPTWInstance, time_limit: float, seed: int) -> list[list[int]]:
    """PyVRP on :func:`pyvrp_model`; route d = the sites visited by day d's vehicle, in order."""
    model, copies = pyvrp_model(inst)
    days = inst.tours or 1
    params = SolveParams(penalty=PenaltyParams(max_penalty=PYVRP_MAX_PENALTY))
    res = model.solve(stop=MaxRuntime(time_limit), seed=seed, display=False, params=params)
    routes: list[list[int]] = [[] for _ in range(days)]
    if not res.is_feasible():
        log.warning("%s: PyVRP found no feasible solution", inst.name)
        return routes
    for route in res.best.routes():
        day = int(route.vehicle_type())
        for act in route:
            if act.is_client():
                site, copy_day = copies[int(act.idx)]
                if copy_day != day:  # cannot happen: the windows of different days are disjoint
                    raise RuntimeError(f"{inst.name}: day {copy_day} copy of {site} on day {day}")
                routes[day].append(site)
    return routes


SOLVERS = {"ocop_geo": solve_ocop, "pyvrp": solve_pyvrp_ttdp}


def run_one(solver: str, inst: TOPTWInstance, time_limit: float, seeds: list[int]
            ) -> dict[str, Any]:
    """Best of ``seeds`` for one solver on one instance, checked (see ``checked_row``)."""
    return best_of_seeds(solver, inst, inst.tours or 1, seeds,
                         lambda seed: SOLVERS[solver](inst, time_limit, seed))


def summarise(doc: dict[str, Any]) -> dict[str, Any]:
    """Total score, instances won / tied / lost and exact-check feasibility per solver."""
    totals: dict[str, int] = {}
    feasible: dict[str, int] = {}
    for r in doc["runs"]:
        totals[r["solver"]] = totals.get(r["solver"], 0) + int(r["score"])
        feasible[r["solver"]] = feasible.get(r["solver"], 0) + int(bool(r["checked_feasible"]))
    by_inst: dict[str, dict[str, int]] = {}
    for r in doc["runs"]:
        by_inst.setdefault(r["instance"], {})[r["solver"]] = int(r["score"])
    wtl = [0, 0, 0]
    for row in by_inst.values():
        if "ocop_geo" in row and "pyvrp" in row:
            d = row["ocop_geo"] - row["pyvrp"]
            wtl[0 if d > 0 else (1 if d == 0 else 2)] += 1
    return {"total_score": totals, "feasible": feasible, "instances": len(by_inst),
            "ocop_vs_pyvrp_win_tie_loss": wtl}


def markdown(doc: dict[str, Any]) -> str:
    """Markdown report of a results document."""
    s = doc["summary"]
    n = s["instances"]
    lines = [
        "# TTDP benchmark (t101-t120: multi-day, an opening window per weekday)", "",
        machine_line(doc) + f" Seeds: ocop_geo {doc['seed']}, PyVRP "
        f"{', '.join(map(str, doc['pyvrp_seeds']))} (the better kept). Distances rounded down to "
        "2 decimals (TTDP convention); every route re-checked in exact arithmetic "
        "(`check_routes`); a rejected solution scores 0.", "",
        engine_line(doc), "",
        "PyVRP model: one optional copy of each site per open day, in a mutually exclusive group, "
        "each with that day's window on one time axis (day d offset by d x 1440 min), one vehicle "
        "type per day with its shift window (`benchmarks/bench_ttdp.py`).", "",
        "| solver | total score | exact check feasible |", "|---|---:|---:|",
    ]
    for k, tot in s["total_score"].items():
        lines.append(f"| {k} | {tot} | {s['feasible'][k]} / {n} |")
    tot = s["total_score"]
    if "ocop_geo" in tot and "pyvrp" in tot:
        met = tot["ocop_geo"] > tot["pyvrp"]
        lines += ["", f"Goal (issue 12): ocop_geo's total score above PyVRP's: "
                  f"{'met' if met else '**not met**'} ({tot['ocop_geo']} vs {tot['pyvrp']})."]
    lines += [f"\nNote: {note}" for note in doc.get("notes", [])]
    w, t, lo = s["ocop_vs_pyvrp_win_tie_loss"]
    lines += ["", f"ocop_geo scores more / the same / less than PyVRP on {w} / {t} / {lo} instances.",
              "", "| instance | tours | start weekday | ocop_geo | pyvrp [seeds] |",
              "|---|---:|---:|---:|---:|"]
    by_inst: dict[str, dict[str, Any]] = {}
    for r in doc["runs"]:
        by_inst.setdefault(r["instance"], {})[r["solver"]] = r
    for name, rows in by_inst.items():
        cells = [result_cell(rows.get(k)) for k in SOLVERS]
        meta = doc["instances"][name]
        lines.append(f"| {name} | {meta['tours']} | {meta['start_day']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line of the benchmark (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    ap.add_argument("--instances", nargs="*", default=None, help="names, default: all 20")
    ap.add_argument("--solvers", nargs="*", default=list(SOLVERS), choices=list(SOLVERS))
    ap.add_argument("--seed", type=int, default=0, help="ocop_geo's seed")
    ap.add_argument("--pyvrp-seeds", nargs="*", type=int, default=[0, 1])
    ap.add_argument("--engine-commit", default=None,
                    help="commit of the engine measured, when run from an exported snapshot")
    ap.add_argument("--out", type=Path, default=RESULTS / "ttdp.json")
    ap.add_argument("--report", action="store_true",
                    help="only rewrite the summary and the markdown from an existing --out JSON")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.report:
        rewrite_report(args.out, summarise, markdown)
        return 0
    names = args.instances or instance_names("ttdp")
    doc: dict[str, Any] = {"benchmark": "ttdp", "family": "ttdp", "distance_decimals": 2,
                           "date": time.strftime("%Y-%m-%d %H:%M %Z"),
                           "time_limit_s": args.time_limit, "seed": args.seed,
                           "pyvrp_seeds": args.pyvrp_seeds, "machine": _machine(),
                           "engine_commit": args.engine_commit or _git_commit(),
                           "engine_blobs": _engine_blobs(), "instances": {}, "runs": []}
    for name in names:
        inst = read_instance(resolve_instance(name), family="ttdp")
        doc["instances"][name] = {"tours": inst.tours, "start_day": inst.start_day,
                                  "sites": inst.n - 1}
        for solver in args.solvers:
            seeds = args.pyvrp_seeds if solver == "pyvrp" else [args.seed]
            row = run_one(solver, inst, args.time_limit, seeds)
            doc["runs"].append(row)
            log.info("%-8s %-5s score %4s %6.2f s%s", solver, name, row["score"], row["seconds"],
                     "" if row["feasible"] else " INFEASIBLE")
        doc["machine"]["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
        doc["summary"] = summarise(doc)
        write_results(args.out, doc, markdown)
    log.info("summary: %s", json.dumps(doc.get("summary")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
