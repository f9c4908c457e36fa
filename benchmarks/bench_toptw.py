"""Benchmark of the TOPTW engine on the Solomon and Cordeau instances, side by side with PyVRP and VROOM.

Run from the repository root (takes about an hour at the default 10 s per run)::

    .venv/bin/python -m benchmarks.bench_toptw                     # full run, 10 s per run
    .venv/bin/python -m benchmarks.bench_toptw --time-limit 2 --instances c101 r101 --routes 1 2
    .venv/bin/python -m benchmarks.bench_toptw --merge   # re-run ocop_geo only, keep the peers' rows
    .venv/bin/python -m benchmarks.bench_toptw --family cordeau --no-compile-check   # pr01-pr10, m = 1, 2, 4

1. Gap to the best known score of every instance (Solomon: ``benchmarks/toptw/best_known_m1.csv``,
   m = 1; Cordeau pr01-pr10: ``benchmarks/toptw/cordeau/best_known_m1-4.csv``, m = 1..4).
2. Same instances, m = 1..4 (Cordeau: 1, 2, 4), same time limit: ocop_geo.toptw, PyVRP 0.14
   (prize-collecting: optional clients with prize = score x 100 x 10^decimals so that prizes dominate
   distance, time-warp penalty cap 1e7; ``--pyvrp-seeds``, the better seed reported, Cordeau default
   two seeds) and VROOM 1.15 (job priority = score, timeout = the time limit). Times are scaled by
   10^decimals of the family (Solomon 10, Cordeau 100) to the integers both peers need: exact,
   because the distances are rounded down to that many decimals and all other data are integers.
3. Numba compile time: first solve in a fresh process with an empty cache, then with the cache.

``--small`` instead runs planner-sized SYNTHETIC problems (20-70 random sites, 1-3 days, lunch,
split opening hours) at 0.5 s and 1 s against a 10 s run: ``benchmarks/results/toptw_small.*``.

Every route of every solver is re-checked with ``ocop_geo.toptw.evaluate`` and, in exact arithmetic,
with ``ocop_geo.toptw_instances.check_routes`` (the feasibility column; a route it rejects scores 0);
the test suite re-checks ``benchmarks/results/toptw.json`` again with a checker written from the
instance file alone. Results: ``benchmarks/results/toptw.json`` / ``toptw.md`` (Solomon) and
``toptw_cordeau.json`` / ``.md`` (rewritten after each instance, atomically, so an interrupted run
keeps what it measured).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ocop_geo import toptw
from ocop_geo.fileio import write_text_atomic
from ocop_geo.toptw_instances import (
    TOPTWInstance,
    best_known,
    check_routes,
    instance_names,
    read_instance,
    resolve_instance,
    to_problem,
)

log = logging.getLogger("bench_toptw")

RESULTS = Path(__file__).resolve().parent / "results"
#: PyVRP prize per score point, in distance units of 1 / 100: large enough that prizes dominate the
#: distance cost, small enough for PyVRP's time-warp penalty (raised to 1e7) to keep routes feasible.
#: Times are in units of 10^-decimals, so the prize is PRIZE_SCALE x 10^decimals (Solomon: 1000).
PRIZE_SCALE = 100
PYVRP_MAX_PENALTY = 1e7
ENGINE_FILES = ("ocop_geo/toptw.py", "ocop_geo/_toptw_kernels.py")


def _ints(inst: TOPTWInstance) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Distances, service, opening and closing times in units of 10^-decimals, as exact integers."""
    unit = 10**inst.decimals
    dist = np.rint(inst.distances() * unit).astype(np.int64)
    service = np.rint(inst.service * unit).astype(np.int64)
    opens = np.rint(inst.open * unit).astype(np.int64)
    closes = np.rint(inst.close * unit).astype(np.int64)
    return dist, service, opens, closes, int(closes[0])


def solve_pyvrp(inst: TOPTWInstance, m: int, time_limit: float, seed: int) -> list[list[int]]:
    """PyVRP prize-collecting VRPTW: optional clients, prize proportional to the score."""
    from pyvrp import Model, PenaltyParams, SolveParams
    from pyvrp.stop import MaxRuntime

    dist, service, opens, closes, budget = _ints(inst)
    model = Model()
    locs = [model.add_location(float(inst.x[i]), float(inst.y[i])) for i in range(inst.n)]
    depot = model.add_depot(locs[0], tw_early=0, tw_late=budget)
    model.add_vehicle_type(num_available=m, start_depot=depot, end_depot=depot, tw_early=0,
                           tw_late=budget)
    for i in range(1, inst.n):
        model.add_client(locs[i], service_duration=int(service[i]), tw_early=int(opens[i]),
                         tw_late=int(closes[i]),
                         prize=int(round(inst.score[i])) * PRIZE_SCALE * 10**inst.decimals,
                         required=False)
    for i in range(inst.n):
        for j in range(inst.n):
            if i != j:
                model.add_edge(locs[i], locs[j], distance=int(dist[i, j]), duration=int(dist[i, j]))
    params = SolveParams(penalty=PenaltyParams(max_penalty=PYVRP_MAX_PENALTY))
    res = model.solve(stop=MaxRuntime(time_limit), seed=seed, display=False, params=params)
    if not res.is_feasible():
        log.warning("%s m=%d: PyVRP found no feasible solution", inst.name, m)
        return [[] for _ in range(m)]
    # PyVRP numbers clients from 0 (without the depot): vertex id = client index + 1
    routes = [[int(a.idx) + 1 for a in route if a.is_client()] for route in res.best.routes()]
    return routes + [[] for _ in range(m - len(routes))]


def solve_vroom(inst: TOPTWInstance, m: int, time_limit: float, seed: int) -> list[list[int]]:
    """VROOM with job priorities = scores (VROOM maximises total priority first)."""
    import vroom

    del seed  # VROOM is deterministic
    dist, service, opens, closes, budget = _ints(inst)
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=dist)
    for k in range(m):
        problem.add_vehicle(vroom.Vehicle(k + 1, start=0, end=0, profile="car",
                                          time_window=vroom.TimeWindow(0, budget)))
    for i in range(1, inst.n):
        problem.add_job(vroom.Job(i, location=i, default_service=int(service[i]),
                                  time_windows=[vroom.TimeWindow(int(opens[i]), int(closes[i]))],
                                  priority=int(round(inst.score[i]))))
    sol = problem.solve(exploration_level=5, nb_threads=1, timeout=timedelta(seconds=time_limit))
    frame = sol.routes
    routes: list[list[int]] = []
    for k in range(m):
        rows = frame[(frame["vehicle_id"] == k + 1) & (frame["type"] == "job")]
        routes.append([int(v) for v in rows["id"]])
    return routes


def solve_ocop(inst: TOPTWInstance, m: int, time_limit: float, seed: int) -> list[list[int]]:
    """ocop_geo.toptw.solve."""
    return toptw.solve(to_problem(inst, routes=m), time_limit=time_limit, seed=seed).routes


SOLVERS = {"ocop_geo": solve_ocop, "pyvrp": solve_pyvrp, "vroom": solve_vroom}


def checked_row(solver: str, inst: TOPTWInstance, m: int, routes: list[list[int]],
                seconds: float) -> dict[str, Any]:
    """A result row: the engine's check and the exact check; a route either rejects scores 0."""
    feasible, _score, reason = toptw.evaluate(to_problem(inst, routes=m), routes)
    check = check_routes(inst, routes)
    ok = feasible and check.feasible
    row: dict[str, Any] = {"solver": solver, "instance": inst.name, "routes_m": m,
                           "score": int(check.score) if ok else 0, "seconds": round(seconds, 3),
                           "feasible": ok, "engine_feasible": feasible,
                           "checked_feasible": check.feasible, "routes": routes}
    if not ok:
        row["reason"] = check.reason or reason
        log.error("%s %s m=%d infeasible: %s", solver, inst.name, m, row["reason"])
    return row


def best_of_seeds(solver: str, inst: TOPTWInstance, m: int, seeds: list[int],
                  solve: Callable[[int], list[list[int]]]) -> dict[str, Any]:
    """``solve(seed)`` once per seed, each checked; the better row kept, every seed's score recorded.

    A solver that raises scores 0 for that seed (a peer failing must not stop the benchmark).
    """
    best: dict[str, Any] | None = None
    per_seed: dict[str, int] = {}
    for seed in seeds:
        t0 = time.perf_counter()
        try:
            routes = solve(seed)
        except Exception as exc:
            log.exception("%s failed on %s m=%d", solver, inst.name, m)
            row = {"solver": solver, "instance": inst.name, "routes_m": m, "score": 0,
                   "seconds": round(time.perf_counter() - t0, 3), "feasible": False,
                   "checked_feasible": False, "reason": f"{type(exc).__name__}: {exc}",
                   "routes": []}
        else:
            row = checked_row(solver, inst, m, routes, time.perf_counter() - t0)
        row["seed"] = seed
        per_seed[str(seed)] = row["score"]
        if best is None or row["score"] > best["score"]:
            best = row
    assert best is not None
    if len(seeds) > 1:
        best["seed_scores"] = per_seed
    return best


def result_cell(r: dict[str, Any] | None) -> str:
    """A table cell: score (or 'infeasible'), each seed's score in brackets, seconds."""
    if r is None:
        return ""
    seeds = "[" + "/".join(map(str, r["seed_scores"].values())) + "] " if "seed_scores" in r else ""
    return (f"{r['score']}" if r["feasible"] else "infeasible") + f" {seeds}({r['seconds']:.1f} s)"


def _run(solver: str, inst: TOPTWInstance, m: int, time_limit: float, seeds: list[int]
         ) -> dict[str, Any]:
    """Run ``solver`` once per seed (see :func:`best_of_seeds`)."""
    return best_of_seeds(solver, inst, m, seeds,
                         lambda seed: SOLVERS[solver](inst, m, time_limit, seed))


def compile_times() -> dict[str, float]:
    """Seconds of the first solve in a fresh process: empty numba cache, then warm cache."""
    code = (
        "import time; t=time.perf_counter();"
        "from ocop_geo import toptw; from ocop_geo.toptw_instances import *;"
        "p=to_problem(read_instance(resolve_instance('c101')));"
        "t1=time.perf_counter(); toptw.solve(p, time_limit=0, max_iterations=1);"
        "print(time.perf_counter()-t1)"
    )
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for key in ("cold_compile_s", "cached_load_s"):
            res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                 text=True, check=True)
            out[key] = round(float(res.stdout.strip().splitlines()[-1]), 2)
    return out


def _git_commit() -> str | None:
    """Commit of the working tree (``+dirty`` if the engine files differ from it)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", *ENGINE_FILES],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def _engine_blobs() -> dict[str, str]:
    """Git blob ids of the engine files as measured (compare with ``git ls-tree`` of a commit)."""
    out: dict[str, str] = {}
    for path in ENGINE_FILES:
        try:
            out[path] = subprocess.run(["git", "hash-object", path], capture_output=True,
                                       text=True, check=True).stdout.strip()[:12]
        except (OSError, subprocess.CalledProcessError):
            pass
    return out


def _machine() -> dict[str, Any]:
    info: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                            "platform": platform.platform()}
    try:
        info["loadavg_1m"] = round(os.getloadavg()[0], 2)
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    for pkg in ("numba", "pyvrp", "pyvroom"):
        try:
            info[pkg] = version(pkg)
        except PackageNotFoundError:
            info[pkg] = None
    return info


def _best(doc: dict[str, Any]) -> dict[tuple[str, int], float]:
    return best_known(doc.get("family", "solomon"))


def summarise(doc: dict[str, Any]) -> dict[str, Any]:
    """Gaps per m and solver where best known scores exist, total score per solver and m.

    The gap is ``(best known - score) / best known``; where a solver beats the best known score
    (r104 and r108 only have a best *feasible* score), it counts as 0 in the mean gap and is
    listed under ``beats_best_known``; ``mean_gap_signed_pct`` keeps the negative gaps.
    ``m1_gap`` is ``gaps["1"]``.
    """
    best = _best(doc)
    gaps: dict[str, dict[str, dict[str, Any]]] = {}
    ms = sorted({r["routes_m"] for r in doc["runs"]})
    for m in ms:
        for solver in SOLVERS:
            rows = [r for r in doc["runs"] if r["solver"] == solver and r["routes_m"] == m
                    and (r["instance"], m) in best]
            if not rows:
                continue
            g = [100.0 * (best[(r["instance"], m)] - r["score"]) / best[(r["instance"], m)]
                 for r in rows]
            gaps.setdefault(str(m), {})[solver] = {
                "instances": len(g),
                "mean_gap_pct": round(float(np.mean(np.maximum(g, 0.0))), 3),
                "mean_gap_signed_pct": round(float(np.mean(g)), 3),
                "max_gap_pct": round(float(np.max(g)), 3),
                "best_known_reached": int(sum(x <= 1e-9 for x in g)),
                "beats_best_known": {r["instance"]: r["score"]
                                     for r, x in zip(rows, g, strict=True) if x < -1e-9},
                "feasible": int(sum(bool(r.get("checked_feasible", r["feasible"])) for r in rows)),
            }
    totals: dict[str, dict[str, int]] = {}
    for r in doc["runs"]:
        totals.setdefault(str(r["routes_m"]), {}).setdefault(r["solver"], 0)
        totals[str(r["routes_m"])][r["solver"]] += int(r["score"])
    # per m: on how many instances ocop_geo scores more / the same / less than each peer
    scores: dict[tuple[str, int], dict[str, int]] = {}
    for r in doc["runs"]:
        scores.setdefault((r["instance"], r["routes_m"]), {})[r["solver"]] = int(r["score"])
    versus: dict[str, dict[str, list[int]]] = {}
    for (_name, m), row in scores.items():
        if "ocop_geo" not in row:
            continue
        for peer in ("pyvrp", "vroom"):
            if peer in row:
                wtl = versus.setdefault(str(m), {}).setdefault(peer, [0, 0, 0])
                d = row["ocop_geo"] - row[peer]
                wtl[0 if d > 0 else (1 if d == 0 else 2)] += 1
    return {"gaps": gaps, "m1_gap": gaps.get("1", {}), "total_score": totals,
            "ocop_vs_peer_win_tie_loss": versus}


def engine_line(doc: dict[str, Any]) -> str:
    """Which engine a table measured: commit, note and file blobs."""
    note = f" ({doc['engine_note']})" if doc.get("engine_note") else ""
    blobs = ", ".join(f"{k} {v}" for k, v in doc.get("engine_blobs", {}).items())
    return (f"Engine at commit {doc.get('engine_commit')}{note}."
            + (f" Engine file blobs: {blobs}." if blobs else ""))


def machine_line(doc: dict[str, Any]) -> str:
    """Date, machine and load of a run."""
    mach = doc["machine"]
    return (f"{doc.get('date', '')} {doc['time_limit_s']:g} s per run, {mach['cpus']} CPUs "
            f"({mach['platform']}), load average {mach.get('loadavg_1m')} at start, "
            f"{mach.get('loadavg_1m_end')} at the end. The machine is shared with other work while "
            "this runs, so times and scores under a time limit are noisy.")


#: Issue 12's goals on pr01-pr10 at 10 s per solve: ocop_geo's mean gap at most this per m, and
#: below the better PyVRP seed's and VROOM's.
CORDEAU_GOALS = {"1": 1.0, "2": 1.5, "4": 2.5}


def _goal_lines(gaps: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """Markdown lines: each Cordeau goal, met or not."""
    out = ["", "| m | goal: mean gap <= | ocop_geo | below PyVRP | below VROOM |",
           "|---|---:|---:|---|---|"]
    for m, limit in CORDEAU_GOALS.items():
        per = gaps.get(m, {})
        ours = per.get("ocop_geo", {}).get("mean_gap_pct")
        if ours is None:
            continue
        verdict = {k: ("yes" if ours < per[k]["mean_gap_pct"] else "**no**") if k in per else ""
                   for k in ("pyvrp", "vroom")}
        out.append(f"| {m} | {limit} % | {ours} % {'met' if ours <= limit else '**not met**'} | "
                   f"{verdict['pyvrp']} | {verdict['vroom']} |")
    return out


def markdown(doc: dict[str, Any]) -> str:
    """Short markdown report of a results document."""
    s = doc["summary"]
    family = doc.get("family", "solomon")
    best = _best(doc)
    title = {"solomon": "Solomon instances", "cordeau": "Cordeau pr01-pr10"}[family]
    dec = doc.get("distance_decimals", 1)
    lines = [
        f"# TOPTW benchmark ({title})",
        "",
        machine_line(doc) + f" Seeds: ocop_geo {doc['seed']}, PyVRP "
        f"{', '.join(map(str, doc.get('pyvrp_seeds', [doc['seed']])))} (the better kept). Distances "
        f"rounded down to {dec} decimal{'s' if dec > 1 else ''} ({family} convention); every route "
        "re-checked in exact arithmetic (`check_routes`): 'feasible' counts the routes it accepts, "
        "a rejected solution scores 0.",
        "",
        engine_line(doc),
        "",
    ]
    if s.get("gaps"):
        lines += ["| m | solver | mean gap % | max gap % | best known reached | exact check feasible |",
                  "|---|---|---:|---:|---:|---:|"]
        for m, per in sorted(s["gaps"].items()):
            for k, g in per.items():
                lines.append(f"| {m} | {k} | {g['mean_gap_pct']} | {g['max_gap_pct']} | "
                             f"{g['best_known_reached']} / {g['instances']} | "
                             f"{g.get('feasible', '')} / {g['instances']} |")
        beats = {f"{k} m={m}": g["beats_best_known"] for m, per in s["gaps"].items()
                 for k, g in per.items() if g["beats_best_known"]}
        if beats:
            lines += ["", "Above the best known score (counted as gap 0): "
                      + "; ".join(f"{k}: {v}" for k, v in beats.items())]
        if family == "solomon":
            lines += ["", "Vansteenwegen et al. 2009 ILS, m = 1: 1.8 %."]
        lines += _goal_lines(s["gaps"]) if family == "cordeau" else []
        lines.append("")
    if "compile" in doc:
        c = doc["compile"]
        lines += [f"Numba: first solve with an empty cache {c['cold_compile_s']} s, "
                  f"with the cache {c['cached_load_s']} s.", ""]
    solvers = [k for k in SOLVERS if any(r["solver"] == k for r in doc["runs"])]
    lines += ["Total score per m:", "", "| m | " + " | ".join(solvers) + " |",
              "|---|" + "---:|" * len(solvers)]
    for m, tot in sorted(s["total_score"].items()):
        lines.append(f"| {m} | " + " | ".join(str(tot.get(k, "")) for k in solvers) + " |")
    vs = s.get("ocop_vs_peer_win_tie_loss", {})
    if vs:
        lines += ["", "Instances where ocop_geo scores more / the same / less than each peer:", "",
                  "| m | vs pyvrp | vs vroom |", "|---|---|---|"]
        for m, d in sorted(vs.items()):
            lines.append(f"| {m} | " + " | ".join("/".join(map(str, d.get(k, []))) for k in
                                                    ("pyvrp", "vroom")) + " |")
    lines += [f"\nNote: {note}" for note in doc.get("notes", [])]
    lines += ["", "Per instance: score (seconds); 'infeasible' = rejected by the exact check or the "
              "engine's evaluate; PyVRP's seeds in brackets.",
              "", "| instance | m | best known | " + " | ".join(solvers) + " |",
              "|---|---|---:|" + "---:|" * len(solvers)]
    by_key: dict[tuple[str, int], dict[str, Any]] = {}
    for r in doc["runs"]:
        by_key.setdefault((r["instance"], r["routes_m"]), {})[r["solver"]] = r
    for (name, m), rows in by_key.items():
        cells = [result_cell(rows.get(k)) for k in solvers]
        bk = f"{best[(name, m)]:g}" if (name, m) in best else ""
        lines.append(f"| {name} | {m} | {bk} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def synthetic_day_problem(n_sites: int, days: int, seed: int) -> toptw.Problem:
    """SYNTHETIC planner-sized problem (random sites, not real producers), in seconds.

    Sites uniform in a 30 x 30 km box around the start, motorbike at 25 km/h with a 1.3 detour
    factor, visits of 30-60 min, scores 1-5, a third of the sites closed at lunch
    (08:00-11:30 and 13:30-17:00), the rest open 07:30-17:00, one site in ten closed on the
    second day; days 08:00-17:30 with a 60 min lunch starting 11:30-12:30.
    """
    rng = np.random.default_rng(seed)
    n = n_sites + 1
    xy = rng.uniform(-15_000, 15_000, (n, 2))
    xy[0] = 0.0
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * 1.3
    travel = dist / (25_000 / 3600)
    hh = 3600.0
    win = np.full((days, n, 2, 2), (np.inf, -np.inf))
    split = rng.random(n) < 1 / 3
    for d in range(days):
        win[d, 1:, 0] = (7.5 * hh, 17 * hh)
        win[d, split, 0] = (8 * hh, 11.5 * hh)
        win[d, split, 1] = (13.5 * hh, 17 * hh)
        if d == 1:
            win[d, rng.random(n) < 0.1] = (np.inf, -np.inf)
    win[:, 0] = (np.inf, -np.inf)
    score = rng.integers(1, 6, n).astype(float)
    score[0] = 0
    service = rng.integers(30, 61, n) * 60.0
    service[0] = 0
    return toptw.Problem(
        travel=travel, score=score, service=service, windows=win,
        route_start=np.zeros(days, int), route_end=np.zeros(days, int),
        route_window=np.tile([8 * hh, 17.5 * hh], (days, 1)), mandatory=np.zeros(n, bool),
        max_stops=np.full(days, -1), breaks=np.tile([11.5 * hh, 12.5 * hh, hh], (days, 1)),
    )


def small_problems(out: Path, seed: int) -> dict[str, Any]:
    """Planner-sized problems: score at 0.5 s and 1 s relative to a 10 s run of the same seed."""
    rows = []
    for n_sites in (20, 40, 70):
        for days in (1, 2, 3):
            problem = synthetic_day_problem(n_sites, days, seed=n_sites * 10 + days)
            ref = toptw.solve(problem, time_limit=10.0, seed=seed)
            row: dict[str, Any] = {"sites": n_sites, "days": days, "score_10s": ref.score}
            for tl in (0.5, 1.0):
                t0 = time.perf_counter()
                sol = toptw.solve(problem, time_limit=tl, seed=seed)
                row[f"score_{tl:g}s"] = sol.score
                row[f"seconds_{tl:g}s"] = round(time.perf_counter() - t0, 3)
                assert toptw.evaluate(problem, sol.routes)[0]
            rows.append(row)
            log.info("small: %s", row)
    doc = {"benchmark": "toptw_small", "data": "SYNTHETIC (random sites, see synthetic_day_problem)",
           "machine": _machine(), "runs": rows}
    write_text_atomic(out, json.dumps(doc, indent=1) + "\n")
    lines = ["# TOPTW engine on planner-sized SYNTHETIC problems", "",
             "Random sites (not real producers), lunch break, split opening hours; score reached with "
             "a 0.5 s and a 1 s time limit, against 10 s. Shared, loaded machine: times are noisy.", "",
             "| sites | days | 10 s | 1 s | 0.5 s | wall 0.5 s run |", "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['sites']} | {r['days']} | {r['score_10s']:g} | {r['score_1s']:g} | "
                     f"{r['score_0.5s']:g} | {r['seconds_0.5s']:.2f} s |")
    write_text_atomic(out.with_suffix(".md"), "\n".join(lines) + "\n")
    return doc


def _put_row(runs: list[dict[str, Any]], row: dict[str, Any]) -> None:
    """Replace the row of the same solver, instance and m in place (keeps the order), else append."""
    for i, r in enumerate(runs):
        if (r["solver"], r["instance"], r["routes_m"]) == (row["solver"], row["instance"],
                                                             row["routes_m"]):
            runs[i] = row
            return
    runs.append(row)


def _merge_base(args: argparse.Namespace, doc: dict[str, Any]) -> dict[str, Any]:
    """Existing results (``--out``) as the base of a ``--merge`` run of ``args.solvers`` only."""
    old = json.loads(args.out.read_text(encoding="utf-8"))
    if old["time_limit_s"] != args.time_limit or old["seed"] != args.seed:
        raise SystemExit(f"--merge: {args.out} was measured at {old['time_limit_s']} s, seed "
                         f"{old['seed']}; rerun with the same --time-limit and --seed")
    rerun = ", ".join(args.solvers)
    kept = sorted({r["solver"] for r in old["runs"]} - set(args.solvers))
    doc["runs"] = old["runs"]
    doc["machine_kept_rows"] = old["machine"]
    doc["engine_note"] = (f"{rerun} re-run alone; rows of {', '.join(kept) or 'no other solver'} "
                          f"kept from the earlier run (machine_kept_rows), they do not depend on "
                          "this engine")
    if "compile" in old and args.no_compile_check:
        doc["compile"] = old["compile"]
    return doc


def write_results(out: Path, doc: dict[str, Any], markdown_of: Callable[[dict[str, Any]], str]
                  ) -> None:
    """Write the results JSON and its markdown next to it (``.md``), atomically."""
    write_text_atomic(out, json.dumps(doc, indent=1) + "\n")
    write_text_atomic(out.with_suffix(".md"), markdown_of(doc))


def rewrite_report(out: Path, summarise_of: Callable[[dict[str, Any]], dict[str, Any]],
                   markdown_of: Callable[[dict[str, Any]], str]) -> None:
    """Recompute the summary and the markdown of an existing results JSON (``--report``)."""
    doc = json.loads(out.read_text(encoding="utf-8"))
    doc["summary"] = summarise_of(doc)
    write_results(out, doc, markdown_of)


def main(argv: list[str] | None = None) -> int:
    """Command line of the benchmark (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per solver run")
    ap.add_argument("--instances", nargs="*", default=None, help="names, default: all 29")
    ap.add_argument("--routes", nargs="*", type=int, default=None,
                    help="numbers of routes (default 1 2 3 4; cordeau: 1 2 4)")
    ap.add_argument("--solvers", nargs="*", default=None, choices=list(SOLVERS),
                    help="default: all, or only ocop_geo with --merge")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--family", choices=["solomon", "cordeau"], default="solomon",
                    help="instance family (decides the distance rounding and the best known "
                         "scores); cordeau defaults: m = 1 2 4, two PyVRP seeds, "
                         "results/toptw_cordeau.json")
    ap.add_argument("--pyvrp-seeds", nargs="*", type=int, default=None,
                    help="PyVRP seeds, the better result kept (default: --seed; cordeau: 0 1)")
    ap.add_argument("--engine-commit", default=None,
                    help="commit of the engine measured, when run from an exported snapshot "
                         "outside the git tree")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--no-compile-check", action="store_true")
    ap.add_argument("--report", action="store_true",
                    help="only rewrite the summary and the markdown from an existing --out JSON")
    ap.add_argument("--merge", action="store_true",
                    help="run only --solvers (default here: ocop_geo) and replace their rows in the "
                         "existing --out JSON, keeping the other solvers' rows (the peers do not "
                         "depend on this engine)")
    ap.add_argument("--small", action="store_true",
                    help="only the planner-sized synthetic problems (results/toptw_small.json)")
    args = ap.parse_args(argv)
    cordeau = args.family == "cordeau"
    if args.out is None:
        args.out = RESULTS / ("toptw_cordeau.json" if cordeau else "toptw.json")
    if args.routes is None:
        args.routes = [1, 2, 4] if cordeau else [1, 2, 3, 4]
    if args.pyvrp_seeds is None:
        args.pyvrp_seeds = [0, 1] if cordeau else [args.seed]
    if args.solvers is None:
        args.solvers = ["ocop_geo"] if args.merge else list(SOLVERS)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.small:
        small_problems(RESULTS / "toptw_small.json", args.seed)
        return 0
    if args.report:
        rewrite_report(args.out, summarise, markdown)
        return 0
    names = args.instances or instance_names(args.family)
    doc: dict[str, Any] = {"benchmark": "toptw", "family": args.family,
                           "distance_decimals": 2 if cordeau else 1,
                           "date": time.strftime("%Y-%m-%d %H:%M %Z"),
                           "time_limit_s": args.time_limit, "seed": args.seed,
                           "pyvrp_seeds": args.pyvrp_seeds, "machine": _machine(),
                           "engine_commit": args.engine_commit or _git_commit(),
                           "engine_blobs": _engine_blobs(), "runs": []}
    if args.merge:
        doc = _merge_base(args, doc)
    if not args.no_compile_check:
        doc["compile"] = compile_times()
        log.info("numba compile times: %s", doc["compile"])
    # m = first for every instance first, so its gap figure is complete if the run is cut short
    order = [(name, m) for m in args.routes[:1] for name in names]
    order += [(name, m) for name in names for m in args.routes[1:]]
    for name, m in order:
        inst = read_instance(resolve_instance(name), family=args.family)
        assert inst.decimals == doc["distance_decimals"]
        for solver in args.solvers:
            seeds = args.pyvrp_seeds if solver == "pyvrp" else [args.seed]
            row = _run(solver, inst, m, args.time_limit, seeds)
            _put_row(doc["runs"], row)
            log.info("%-8s %-6s m=%d score %4s %6.2f s%s", solver, name, m, row["score"],
                     row["seconds"], "" if row["feasible"] else " INFEASIBLE")
        doc["machine"]["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
        doc["summary"] = summarise(doc)
        write_results(args.out, doc, markdown)
    log.info("summary: %s", json.dumps(doc["summary"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
