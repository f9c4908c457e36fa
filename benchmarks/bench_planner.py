"""Benchmark of the route planner: interactive speed of a one-day plan over all bundled producers.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_planner            # 5 warm runs, solver limit 0.5 s
    .venv/bin/python -m benchmarks.bench_planner --runs 3 --time-limit 1.0

1. Real data: the bundled registry (every producer, no theme / district / star filter), the full-city
   motorbike graph of the bundled 2018 extract (cached in ``.cache/``), one Saturday from Chợ Bến Thành
   07:00–19:00 with a lunch break. Time of ``plan_route`` end to end (sites, snapping, matrices,
   solver, road geometry of every leg), split by stage by wrapping the snapping, road-search,
   leg-drawing and engine calls.
   Target: <= 2 s. The first run in a process pays numba compilation; it is reported apart.
2. The score at this solver limit against a 5 s solve of the same plan (is the short limit enough?),
   and a WHAT-IF row: the same plan with ``snapping.edge_arrays`` trusting its cache (bench-only
   patch) to show what the O(edges) staleness check costs per leg.
3. SYNTHETIC scale (labelled so): 100 and 300 made-up producers on synthetic straight-line matrices,
   1 and 3 days, through ``plan_on_matrices`` (no road network), to show how the solver side scales.

Results: ``benchmarks/results/planner.json`` and ``benchmarks/results/planner.md``. The machine is
shared with other jobs, so timings are noisy; medians of several runs are reported.

Before / after a change, measured back to back: run this script alternately in a worktree of the
old code and in this one (copy each ``planner.json`` aside), then pool them::

    .venv/bin/python -m benchmarks.bench_planner --before old1.json old2.json --after new1.json new2.json

which writes ``planner.md`` / ``planner.json`` with the per-stage medians of both (the other
sections from the last ``--after`` file).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ocop_geo import matrix, snapping, toptw
from ocop_geo.candidates import build_sites
from ocop_geo.fileio import write_text_atomic
from ocop_geo.network import load_network
from ocop_geo.planner import matrix_places, plan_on_matrices, plan_route, select_candidates
from ocop_geo.registry import load_bundled_registry
from ocop_geo.spec import RouteSpec, load_pois, parse_spec

RESULTS = Path(__file__).resolve().parent / "results"

SPEC = {
    "id": "bench-all-producers",
    "title_vi": "Tất cả cơ sở OCOP, một ngày",
    "title_en": "All OCOP producers, one day",
    "mode": "motorbike",
    "days": ["2026-12-05"],
    "day_window": ["07:00", "19:00"],
    "start": {"poi": "Chợ Bến Thành"},
    "lunch": {"window": ["11:00", "13:00"], "minutes": 60},
    "seed": 1,
}


@contextlib.contextmanager
def stage_timer() -> Iterator[dict[str, float]]:
    """Wrap the network and engine entry points the planner calls; sum their time per stage."""
    spent: dict[str, float] = defaultdict(float)
    patched = [
        (matrix, "road_search", "matrices"),
        (matrix.RoadSearch, "leg", "leg geometry"),
        (snapping, "snap_points", "snapping"),
        (toptw, "solve", "solver"),
    ]
    originals = []
    depth = {"n": 0}
    for module, name, stage in patched:
        original = getattr(module, name)
        originals.append((module, name, original))

        def wrapped(*args: Any, __f=original, __stage=stage, **kwargs: Any) -> Any:
            depth["n"] += 1
            t0 = time.perf_counter()
            try:
                return __f(*args, **kwargs)
            finally:
                depth["n"] -= 1
                if depth["n"] == 0:  # count nested calls once
                    spent[__stage] += time.perf_counter() - t0

        setattr(module, name, wrapped)
    try:
        yield spent
    finally:
        for module, name, original in originals:
            setattr(module, name, original)


@contextlib.contextmanager
def constant_time_edge_cache() -> Iterator[None]:
    """WHAT-IF, bench only: ``snapping.edge_arrays`` trusting its per-graph cache without the
    O(edges) staleness stamp it recomputes on every call (the graph is not modified here)."""
    original = snapping.edge_arrays
    seen: dict[tuple[int, tuple[str, ...]], Any] = {}

    def cached(G: Any, *, extra: tuple[str, ...] = ()) -> Any:
        key = (id(G), tuple(extra))
        if key not in seen:
            seen[key] = original(G, extra=extra)
        return seen[key]

    snapping.edge_arrays = cached
    matrix.edge_arrays = cached
    try:
        yield
    finally:
        snapping.edge_arrays = original
        matrix.edge_arrays = original


def real_plan(runs: int, time_limit: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    registry = load_bundled_registry()
    t_registry = time.perf_counter() - t0
    t0 = time.perf_counter()
    G = load_network(mode="motorbike")
    t_graph = time.perf_counter() - t0
    spec = parse_spec({**SPEC, "time_limit": time_limit}, source="bench", pois=load_pois())
    rows = []
    for i in range(runs + 1):
        with stage_timer() as spent:
            t0 = time.perf_counter()
            it = plan_route(spec, registry, graph=G)
            total = time.perf_counter() - t0
        rows.append({"run": i, "total_s": total, **{k: round(v, 4) for k, v in spent.items()},
                     "score": it.totals.score, "n_stops": it.totals.n_stops})  # fmt: skip
    long = plan_route(spec, registry, graph=G, time_limit=5.0)
    what_if = []
    with constant_time_edge_cache():
        for _ in range(runs):
            t0 = time.perf_counter()
            plan_route(spec, registry, graph=G)
            what_if.append(time.perf_counter() - t0)
    warm = rows[1:]
    stages = sorted({k for r in warm for k in r} - {"run", "total_s", "score", "n_stops"})
    return {
        "producers": len(registry.producers),
        "not_chosen_by_code": pd.Series([n.code for n in it.not_chosen]).value_counts().to_dict(),
        "registry_load_s": round(t_registry, 3),
        "graph_load_s": round(t_graph, 3),
        "solver_time_limit_s": time_limit,
        "first_run_s": round(rows[0]["total_s"], 3),
        "warm_median_s": round(statistics.median(r["total_s"] for r in warm), 3),
        "warm_min_s": round(min(r["total_s"] for r in warm), 3),
        "warm_max_s": round(max(r["total_s"] for r in warm), 3),
        "warm_stage_median_s": {
            s: round(statistics.median(r.get(s, 0.0) for r in warm), 3) for s in stages
        },
        "what_if_constant_time_edge_cache_median_s": round(statistics.median(what_if), 3),
        "score": it.totals.score,
        "n_stops": it.totals.n_stops,
        "score_with_5s_solver": long.totals.score,
        "runs": rows,
    }


def synthetic_registry(n: int, rng: np.random.Generator) -> SimpleNamespace:
    """SYNTHETIC producers scattered over the rural districts' bounding box (not real data)."""
    lat = rng.uniform(10.65, 11.05, n)
    lon = rng.uniform(106.45, 106.80, n)
    hours = rng.choice(
        ["Mo-Sa 08:00-17:00", "Mo-Fr 07:30-11:30,13:30-17:00", "24/7", "Tu-Su 09:00-18:00"], n
    )
    producers = pd.DataFrame({
        "producer_id": [f"SYN-{i:04d}" for i in range(n)], "name": [f"Synthetic {i}" for i in range(n)],
        "district": "", "ward": "", "lat": lat, "lon": lon, "location_precision": "exact",
        "opening_hours": hours, "visit_minutes": rng.choice([30, 45, 60], n),
    })  # fmt: skip
    products = pd.DataFrame({
        "name": [f"Product {i}" for i in range(n)], "ocop_group": "Thực phẩm", "ocop_group_en": "Food",
        "stars": rng.choice([3, 4, 5], n, p=[0.5, 0.4, 0.1]), "status": "certified",
        "producer_id": producers["producer_id"], "n_products": rng.integers(1, 4, n),
    })  # fmt: skip
    return SimpleNamespace(producers=producers, products=products)


def synthetic_scale(time_limit: float) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    out = []
    for n in (100, 300):
        reg = synthetic_registry(n, rng)
        for n_days in (1, 3):
            days = ["2026-12-03", "2026-12-04", "2026-12-05"][:n_days]
            spec = parse_spec(
                {**SPEC, "days": days, "start": {"lat": 10.7725, "lon": 106.6979, "name": "start"}},
                source="synthetic",
            )
            sites, _ = build_sites(reg.producers, reg.products)
            cands = select_candidates(spec, sites)
            t, d = _synthetic_matrices(spec, cands)
            t0 = time.perf_counter()
            it = plan_on_matrices(spec, cands, t, d, time_limit=time_limit)
            out.append({"synthetic_producers": n, "days": n_days,
                        "seconds": round(time.perf_counter() - t0, 3),
                        "score": it.totals.score, "n_stops": it.totals.n_stops})  # fmt: skip
    return out


def _synthetic_matrices(spec: RouteSpec, cands: Any) -> tuple[np.ndarray, np.ndarray]:
    places = matrix_places(spec, cands.sites)
    lon = np.array([p.lon for p in places])
    lat = np.array([p.lat for p in places])
    dist = (
        np.hypot((lon[:, None] - lon[None]) * 109_300.0, (lat[:, None] - lat[None]) * 110_600.0)
        * 1.3
    )
    return dist / (30 / 3.6), dist


def markdown(res: dict[str, Any]) -> str:
    r = res["real"]
    lines = [
        "# Planner benchmark",
        "",
        f"Machine: {res['machine']}; shared with other jobs, timings are noisy (medians of "
        f"{len(r['runs']) - 1} warm runs).",
        "",
        "## One-day plan over all bundled producers (real data, full-city motorbike graph)",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| producers in the bundled registry | {r['producers']} |",
        f"| solver time limit | {r['solver_time_limit_s']} s |",
        f"| **plan_route, warm median** | **{r['warm_median_s']} s** (min {r['warm_min_s']}, "
        f"max {r['warm_max_s']}; target <= 2 s) |",
        f"| first run in the process (numba compile) | {r['first_run_s']} s |",
        f"| graph load from cache / registry load | {r['graph_load_s']} s / {r['registry_load_s']} s |",
    ]
    for stage, sec in r["warm_stage_median_s"].items():
        lines.append(f"| stage: {stage} (median) | {sec} s |")
    lines += [
        f"| what-if: same plan with a constant-time check in `snapping.edge_arrays` "
        f"(bench-only patch) | {r['what_if_constant_time_edge_cache_median_s']} s |",
        f"| score, stops | {r['score']:g}, {r['n_stops']} |",
        f"| score with a 5 s solver limit | {r['score_with_5s_solver']:g} |",
        f"| left out, by code | {', '.join(f'{k}: {v}' for k, v in r['not_chosen_by_code'].items())} |",
        "",
        "## SYNTHETIC scale (made-up producers, straight-line matrices, no road network)",
        "",
        "| synthetic producers | days | seconds | score | stops |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in res["synthetic"]:
        lines.append(
            f"| {s['synthetic_producers']} | {s['days']} | {s['seconds']} | {s['score']:g} | {s['n_stops']} |"
        )
    return "\n".join(lines) + "\n"


STAGES = ("snapping", "matrices", "leg geometry", "solver")


def pooled(files: list[Path]) -> dict[str, Any]:
    """Medians over the warm runs of several ``planner.json`` files (run 0 of each is cold)."""
    warm = [r for f in files for r in json.loads(f.read_text(encoding="utf-8"))["real"]["runs"][1:]]
    med = {s: statistics.median(r.get(s, 0.0) for r in warm) for s in STAGES}
    med["total"] = statistics.median(r["total_s"] for r in warm)
    med["outside the solver"] = statistics.median(r["total_s"] - r.get("solver", 0.0) for r in warm)
    med["runs"] = len(warm)
    med["scores"] = sorted({r["score"] for r in warm})
    return med


def compare_markdown(before: dict[str, Any], after: dict[str, Any], note: str) -> str:
    lines = [
        "## Before / after: the planner keeps the paths of its own search",
        "",
        note,
        "",
        f"Medians of {before['runs']} (before) and {after['runs']} (after) warm runs, measured back "
        "to back, alternating the two trees in separate processes on the same machine.",
        "",
        "| stage (median s) | before | after | change |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key in (*STAGES, "outside the solver", "total"):
        b, a = before[key], after[key]
        change = f"{(a - b) / b * 100:+.0f} %" if b else "—"
        lines.append(f"| {key} | {b:.3f} | {a:.3f} | {change} |")
    lines.append(f"| scores of the plans | {before['scores']} | {after['scores']} | |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="warm runs (after one cold run)")
    ap.add_argument("--time-limit", type=float, default=0.5, help="solver limit per plan (s)")
    ap.add_argument("--before", type=Path, nargs="+", help="planner.json files of the old code")
    ap.add_argument("--after", type=Path, nargs="+", help="planner.json files of this code")
    ap.add_argument("--note", default="", help="what changed, date and machine (compare mode)")
    args = ap.parse_args()
    RESULTS.mkdir(exist_ok=True)
    if args.before and args.after:
        res = json.loads(args.after[-1].read_text(encoding="utf-8"))
        before, after = pooled(args.before), pooled(args.after)
        res["before_after"] = {"note": args.note, "before": before, "after": after}
        md = markdown(res) + "\n" + compare_markdown(before, after, args.note)
        write_text_atomic(
            RESULTS / "planner.json", json.dumps(res, indent=1, ensure_ascii=False) + "\n"
        )
        write_text_atomic(RESULTS / "planner.md", md)
        print(md)  # a benchmark script, not library code
        return
    res = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "real": real_plan(args.runs, args.time_limit),
        "synthetic": synthetic_scale(args.time_limit),
    }
    write_text_atomic(
        RESULTS / "planner.json",
        json.dumps(res, indent=1, ensure_ascii=False, default=float) + "\n",
    )
    md = markdown(res)
    write_text_atomic(RESULTS / "planner.md", md)
    print(md)  # a benchmark script, not library code


if __name__ == "__main__":
    main()
