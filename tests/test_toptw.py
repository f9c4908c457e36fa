"""Tests of the TOPTW engine, the instance readers (Solomon; Cordeau pr and TTDP in test_toptw_instances) and ``ocop-geo bench toptw``.

The feasibility and score checker below is written from the instance file format alone
(benchmarks/toptw/TOPTW_format.txt), in exact integer tenths; it shares no code with the solver.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from ocop_geo import toptw
from ocop_geo._errors import InputFileError, PlanningError, ValidationError
from ocop_geo.cli import app
from ocop_geo.toptw_instances import read_instance, resolve_instance, to_problem

REPO = Path(__file__).resolve().parent.parent
INSTANCES = REPO / "benchmarks" / "toptw" / "instances"
C101_OPT = [57, 63, 62, 74, 93, 97, 12, 2, 21, 75]


# ----------------------------------------------------------------- independent checker


def load_plain(path: Path) -> dict[str, list[int]]:
    """Read an instance: coordinates, duration, profit, window; everything x10 as integers."""
    rows = [ln.split() for ln in path.read_text().splitlines()[2:] if ln.strip()]
    out: dict[str, list[int]] = {k: [] for k in ("x", "y", "d", "s", "o", "c")}
    for parts in rows:
        out["x"].append(round(float(parts[1])))
        out["y"].append(round(float(parts[2])))
        out["d"].append(round(float(parts[3]) * 10))
        out["s"].append(round(float(parts[4])))
        out["o"].append(round(float(parts[-2]) * 10))  # O and C are the last two values
        out["c"].append(round(float(parts[-1]) * 10))
    return out


def tenths(inst: dict[str, list[int]], i: int, j: int) -> int:
    """Euclidean distance rounded down to one decimal, in tenths: floor(10 * sqrt(.)) exactly."""
    dx, dy = inst["x"][i] - inst["x"][j], inst["y"][i] - inst["y"][j]
    return math.isqrt(100 * (dx * dx + dy * dy))


def check_routes(inst: dict[str, list[int]], routes: list[list[int]]) -> tuple[bool, int, str]:
    """Feasibility and score of routes (vertex ids, depot 0 excluded) for the given instance."""
    seen: set[int] = set()
    score = 0
    budget = inst["c"][0]
    for r, route in enumerate(routes):
        t, prev = inst["o"][0], 0
        for v in route:
            if v <= 0 or v >= len(inst["x"]) or v in seen:
                return False, 0, f"route {r}: vertex {v} invalid or repeated"
            seen.add(v)
            t = max(t + tenths(inst, prev, v), inst["o"][v])
            if t > inst["c"][v]:
                return False, 0, f"route {r}: service at {v} starts at {t / 10} > {inst['c'][v] / 10}"
            t += inst["d"][v]
            prev = v
            score += inst["s"][v]
        t += tenths(inst, prev, 0)
        if t > budget:
            return False, 0, f"route {r}: back at {t / 10} > budget {budget / 10}"
    return True, score, ""


def test_checker_on_the_published_c101_optimum():
    inst = load_plain(INSTANCES / "c101.txt")
    assert check_routes(inst, [C101_OPT]) == (True, 320, "")
    # the same stops in another order break a time window: the checker can fail
    ok, _, why = check_routes(inst, [list(reversed(C101_OPT))])
    assert not ok and "starts at" in why


# ----------------------------------------------------------------- reader and evaluate


def test_reader_and_problem_conversion():
    inst = read_instance(resolve_instance("c101"))
    assert inst.n == 101 and inst.budget == 1236
    plain = load_plain(INSTANCES / "c101.txt")
    d = inst.distances()
    for i, j in [(0, 1), (5, 17), (57, 63), (99, 100)]:
        assert round(d[i, j] * 10) == tenths(plain, i, j)
    p = to_problem(inst, routes=3)
    assert p.windows.shape == (3, 101, 1, 2) and p.route_window.tolist() == [[0, 1236]] * 3
    assert toptw.evaluate(p, [C101_OPT, [], []]) == (True, 320.0, "")
    ok, _score, reason = toptw.evaluate(p, [list(reversed(C101_OPT)), [], []])
    assert not ok and "window" in reason


def test_reader_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("4 10 2 1\n0 200\n0 40 50 0 0 0 0 0 1236\n1 45 68 90 x 1 1 1 912 967\n")
    with pytest.raises(InputFileError, match=r"bad.txt, line 4"):
        read_instance(bad)
    with pytest.raises(InputFileError, match="c101, c102"):
        resolve_instance("c999")


# ----------------------------------------------------------------- solver on the benchmark


@pytest.fixture(scope="module")
def c101() -> toptw.Problem:
    return to_problem(read_instance(INSTANCES / "c101.txt"), routes=1)


def test_c101_reaches_the_optimum(c101):
    sol = toptw.solve(c101, time_limit=600, seed=0, max_iterations=150)
    ok, score, why = check_routes(load_plain(INSTANCES / "c101.txt"), sol.routes)
    assert ok, why
    assert score == sol.score == 320


def test_same_seed_same_solution(c101):
    a = toptw.solve(c101, time_limit=600, seed=7, max_iterations=40)
    b = toptw.solve(c101, time_limit=600, seed=7, max_iterations=40)
    assert a.routes == b.routes and a.score == b.score and a.iterations == b.iterations == 40


def test_time_limit_is_anytime(c101):
    """Whatever the limit, a feasible solution comes back; once the limit has passed the search
    stops after the chunk in hand (wall-clock behaviour is measured in benchmarks/, not here)."""
    instance = load_plain(INSTANCES / "c101.txt")
    spent = toptw.solve(c101, time_limit=0.0, seed=1)
    assert spent.iterations == 1 and check_routes(instance, spent.routes)[0]
    sol = toptw.solve(c101, time_limit=0.3, seed=1)
    assert check_routes(instance, sol.routes)[0]
    assert sol.score >= 280


def test_unvisited_reasons(c101):
    sol = toptw.solve(c101, time_limit=600, seed=0, max_iterations=20)
    visited = {v for r in sol.routes for v in r}
    assert set(sol.unvisited_reason) == set(range(1, 101)) - visited
    assert set(sol.unvisited_reason.values()) <= set(toptw.REASONS)
    # close vertex 5 on the only route, and make vertex 6 unreachable within the budget
    p = to_problem(read_instance(INSTANCES / "c101.txt"), routes=1)
    p.windows[0, 5] = (np.inf, -np.inf)
    p.service[6] = 5000
    sol = toptw.solve(p, time_limit=600, seed=0, max_iterations=20)
    assert sol.unvisited_reason[5] == "closed"
    assert sol.unvisited_reason[6] == "too_far"
    assert "no_time" in sol.unvisited_reason.values()


def test_cli_bench_json_checked_independently(tmp_path):
    out = tmp_path / "bench.json"
    res = CliRunner().invoke(app, ["bench", "toptw", "c101", str(INSTANCES / "rc101.txt"),
                                   "--routes", "1", "--routes", "2", "--time-limit", "600",
                                   "--max-iterations", "15", "--json", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert [(r["instance"], r["routes_m"]) for r in doc["results"]] == [
        ("c101", 1), ("c101", 2), ("rc101", 1), ("rc101", 2)]
    for row in doc["results"]:
        ok, score, why = check_routes(load_plain(INSTANCES / f"{row['instance']}.txt"), row["routes"])
        assert ok, f"{row['instance']} m={row['routes_m']}: {why}"
        assert score == row["score"] and len(row["routes"]) == row["routes_m"]
        assert all(0 not in r for r in row["routes"])


def test_committed_benchmark_results_are_feasible():
    """Every route in benchmarks/results/toptw.json (ours and the peers') re-checked from the file."""
    path = REPO / "benchmarks" / "results" / "toptw.json"
    if not path.exists():
        pytest.skip("benchmarks/results/toptw.json not generated yet (python -m benchmarks.bench_toptw)")
    doc = json.loads(path.read_text())
    assert doc["runs"]
    for row in doc["runs"]:
        if not row["feasible"]:
            assert row["score"] == 0
            continue
        ok, score, why = check_routes(load_plain(INSTANCES / f"{row['instance']}.txt"), row["routes"])
        assert ok, f"{row['solver']} {row['instance']} m={row['routes_m']}: {why}"
        assert score == row["score"], (row["solver"], row["instance"], row["routes_m"])


# ----------------------------------------------------------------- brute force on tiny instances


def tiny_instance(rng: np.random.Generator, n: int, budget: int) -> dict[str, list[int]]:
    """A random instance in the benchmark's own terms (integer tenths), depot at 0."""
    inst: dict[str, list[int]] = {
        "x": rng.integers(0, 30, n + 1).tolist(), "y": rng.integers(0, 30, n + 1).tolist(),
        "d": [0] + (rng.integers(1, 10, n) * 10).tolist(), "s": [0] + rng.integers(1, 10, n).tolist(),
    }
    opens = rng.integers(0, budget * 7 // 10, n + 1)
    widths = rng.integers(50, 600, n + 1)
    inst["o"] = [0] + opens[1:].tolist()
    inst["c"] = [budget] + (opens[1:] + widths[1:]).tolist()
    return inst


def plain_to_problem(inst: dict[str, list[int]], m: int) -> toptw.Problem:
    n = len(inst["x"])
    travel = np.array([[tenths(inst, i, j) for j in range(n)] for i in range(n)], dtype=float)
    win = np.full((m, n, 1, 2), (np.inf, -np.inf))
    win[:, 1:, 0, 0] = inst["o"][1:]
    win[:, 1:, 0, 1] = inst["c"][1:]
    return toptw.Problem(
        travel=travel, score=np.array(inst["s"], dtype=float), service=np.array(inst["d"], dtype=float),
        windows=win, route_start=np.zeros(m, int), route_end=np.zeros(m, int),
        route_window=np.tile([0.0, inst["c"][0]], (m, 1)), mandatory=np.zeros(n, bool),
        max_stops=np.full(m, -1), breaks=np.full((m, 3), np.nan))


def brute_force(inst: dict[str, list[int]], m: int) -> int:
    """Best score over every ordered selection (m = 1) or pair of disjoint routes (m = 2)."""
    n = len(inst["x"]) - 1
    feasible: list[tuple[frozenset[int], int]] = []
    best_by_set: dict[frozenset[int], int] = {}
    for k in range(n + 1):
        for seq in itertools.permutations(range(1, n + 1), k):
            ok, score, _ = check_routes(inst, [list(seq)])
            if ok:
                best_by_set[frozenset(seq)] = score
    feasible = list(best_by_set.items())
    if m == 1:
        return max(s for _, s in feasible)
    return max(s1 + s2 for (a, s1), (b, s2) in itertools.combinations_with_replacement(feasible, 2)
               if not a & b)


@pytest.mark.parametrize("case", range(10))
def test_brute_force_optimum_on_tiny_instances(case):
    rng = np.random.default_rng(100 + case)
    m = 1 + case % 2
    inst = tiny_instance(rng, 6, 1000 if m == 1 else 450)
    sol = toptw.solve(plain_to_problem(inst, m), time_limit=600, seed=case, max_iterations=60)
    ok, score, why = check_routes(inst, sol.routes)
    assert ok, why
    assert score == sol.score == brute_force(inst, m)


# ----------------------------------------------------------------- the planner's features


def small_problem(m: int = 1) -> toptw.Problem:
    """Five sites on a line, 10 minutes apart, open 8:00-17:00 (minutes since midnight)."""
    xs = np.array([0, 1, 2, 3, 4, 5])
    travel = np.abs(xs[:, None] - xs[None, :]) * 10.0
    n = len(xs)
    win = np.full((m, n, 2, 2), (np.inf, -np.inf))
    win[:, 1:, 0] = (480.0, 1020.0)
    return toptw.Problem(
        travel=travel, score=np.array([0, 4, 3, 5, 1, 2], dtype=float),
        service=np.array([0, 60, 60, 60, 60, 60], dtype=float), windows=win,
        route_start=np.zeros(m, int), route_end=np.zeros(m, int),
        route_window=np.tile([480.0, 1050.0], (m, 1)), mandatory=np.zeros(n, bool),
        max_stops=np.full(m, -1), breaks=np.full((m, 3), np.nan))


def test_lunch_break_and_split_windows():
    p = small_problem()
    p.breaks[0] = (690.0, 750.0, 60.0)  # lunch starts 11:30-12:30, lasts an hour
    p.windows[0, 3] = [(480.0, 600.0), (810.0, 960.0)]  # site 3: mornings, afternoons after 13:30
    sol = toptw.solve(p, time_limit=600, max_iterations=30)
    assert sorted(v for r in sol.routes for v in r) == [1, 2, 3, 4, 5]
    s = sol.schedule(p, 0)
    assert s.feasible and 690 <= s.break_start <= 750 and s.break_end == s.break_start + 60
    # no visit overlaps the lunch, every visit starts in one of its windows
    for v, st, en in zip(s.stops, s.start, s.end, strict=True):
        assert en <= s.break_start + 1e-9 or st >= s.break_end - 1e-9
        assert any(lo <= st <= hi for lo, hi in p.windows[0, v] if lo <= hi)
    assert np.all(s.wait >= -1e-9) and s.return_time <= 1050
    # time adds up: arrival + wait (+ lunch if taken there) = start; start + visit = end
    lunch = np.zeros(len(s.stops))
    if s.break_at_next and s.break_before < len(s.stops):
        lunch[s.break_before] = 60.0
    np.testing.assert_allclose(s.arrival + s.wait + lunch, s.start)
    np.testing.assert_allclose(s.end - s.start, p.service[s.stops])
    # lunch must end before the latest return; a break window before departure cannot be met
    p.route_window[0] = (480.0, 700.0)
    ok, _, why = toptw.evaluate(p, [[1]])
    assert not ok and "latest return" in why
    p.breaks[0] = (400.0, 450.0, 30.0)
    ok, _, why = toptw.evaluate(p, [[1]])
    assert not ok and "break of route 0" in why
    with pytest.raises(PlanningError, match="infeasible even without stops: the break of route 0"):
        toptw.solve(p, max_iterations=1)


def test_lunch_before_a_long_ride():
    p = small_problem()
    p.breaks[0] = (690.0, 750.0, 60.0)
    p.windows[0, 1] = [(655.0, 655.0), (np.inf, -np.inf)]  # visit 10:55-11:55, then 40 min ride
    s = toptw.schedule(p, 0, [1, 5])
    # lunch cannot start after the ride (12:35 > 12:30): it is taken at site 1, then the ride
    assert s.feasible and not s.break_at_next and s.break_before == 1
    assert (s.break_start, s.break_end) == (715.0, 775.0)
    assert s.arrival[1] == 815.0 and s.start[1] == 815.0 and s.wait[1] == 0.0
    # lunch while waiting for a site to open: free, the visit does not move
    p.windows[0, 2] = [(800.0, 900.0), (np.inf, -np.inf)]
    s = toptw.schedule(p, 0, [2])
    assert s.break_at_next and (s.break_start, s.start[0]) == (690.0, 800.0)
    assert s.arrival[0] == 500.0 and s.wait[0] == 800.0 - 500.0 - 60.0


def test_mandatory_visits_and_errors():
    p = small_problem(m=2)
    p.score[4] = 0.0
    p.mandatory[4] = True
    sol = toptw.solve(p, time_limit=600, max_iterations=10)
    assert 4 in {v for r in sol.routes for v in r}
    p.windows[:, 4] = (np.inf, -np.inf)  # closed on both days
    with pytest.raises(PlanningError, match=r"vertex 4: closed"):
        toptw.solve(p, time_limit=600, max_iterations=10)


def test_stops_early_when_everything_fits():
    p = small_problem(m=2)
    sol = toptw.solve(p, time_limit=30.0, seed=3)  # returns at once: every vertex visited
    assert sol.score == p.score.sum() and sol.unvisited_reason == {}
    assert sol.iterations == toptw.solve(p, time_limit=30.0, seed=3).iterations


def test_max_stops_and_closed_day():
    p = small_problem(m=2)
    p.max_stops[:] = (2, 1)
    p.windows[1, 3] = (np.inf, -np.inf)  # site 3 closed on day 2
    sol = toptw.solve(p, time_limit=600, max_iterations=20)
    assert len(sol.routes[0]) <= 2 and len(sol.routes[1]) <= 1
    assert 3 not in sol.routes[1]
    assert toptw.evaluate(p, sol.routes)[0]
    ok, _, why = toptw.evaluate(p, [[1, 2, 5], []])
    assert not ok and "max_stops" in why


def test_validation_lists_every_problem():
    p = small_problem()
    p.score = np.zeros(3)
    p.breaks = np.zeros((1, 2))
    with pytest.raises(ValidationError) as exc:
        toptw.solve(p, max_iterations=1)
    assert len(exc.value.problems) == 2
    assert "score: expected shape (6,)" in str(exc.value) and "breaks" in str(exc.value)


# ----------------------------------------------------------------- a good day: caps and the objective


def test_day_caps_on_travel_and_distance_are_hard():
    p = small_problem()
    p.distance = p.travel * 100.0  # 1 km per 10 minutes
    p.max_distance = np.array([6000.0])  # out and back: site 3 at most
    sol = toptw.solve(p, time_limit=600, max_iterations=30)
    assert max(sol.routes[0]) == 3 and toptw.evaluate(p, sol.routes)[0]
    ok, _, why = toptw.evaluate(p, [[1, 2, 3, 4]])
    assert not ok and "distance cap" in why
    p.max_distance, p.max_travel = None, np.array([40.0])  # 40 minutes of riding: site 2 at most
    sol = toptw.solve(p, time_limit=600, max_iterations=30)
    assert sorted(sol.routes[0]) == [1, 2]
    assert toptw.schedule(p, 0, [1, 2, 3]).feasible is False


def test_equal_score_prefers_less_travel():
    p = small_problem()
    p.score[:] = (0, 5, 0, 0, 5, 0)  # two sites of equal value, room for one
    p.max_stops[0] = 1
    p.windows[0, 1] = [(660.0, 1020.0), (np.inf, -np.inf)]  # the near one opens at 11:00
    sol = toptw.solve(p, time_limit=600, max_iterations=40)
    # site 1 is 10 min away (20 min of riding, leave at 10:50), site 4 is 40 (80 min)
    assert sol.routes == [[1]] and sol.cost == pytest.approx(20.0)
    s = sol.schedule(p, 0)
    assert s.depart == 650.0 and s.wait[0] == 0.0


def test_long_wait_avoided_by_another_order():
    # sites 1 (10 min east) and 2 (10 min west): the same 40 min of riding in either order
    travel = np.array([[0, 10, 10], [10, 0, 20], [10, 20, 0]], dtype=float)
    win = np.full((1, 3, 1, 2), (np.inf, -np.inf))
    win[0, 1, 0] = (480.0, 1020.0)
    win[0, 2, 0] = (660.0, 1020.0)  # site 2 opens at 11:00
    p = toptw.Problem(
        travel=travel, score=np.array([0, 3, 3.0]), service=np.array([0, 60, 60.0]), windows=win,
        route_start=np.zeros(1, int), route_end=np.zeros(1, int), route_window=np.array([[480.0, 1050.0]]),
        mandatory=np.zeros(3, bool), max_stops=np.full(1, -1), breaks=np.full((1, 3), np.nan),
        long_wait=20.0, minimise_cost=True,
    )  # fmt: skip
    sol = toptw.solve(p, time_limit=600, max_iterations=20)
    assert sol.routes == [[2, 1]]  # 1 first would wait 100 min at 2
    s = sol.schedule(p, 0)
    assert float(s.wait.max()) == 0.0 and sol.cost == pytest.approx(40.0)


def test_constant_time_insertion_check_matches_propagation():
    """The cached latest arrivals (second half of ``c_start``) give the same insertion verdict as
    propagating the delay through the route, with split windows that differ per route."""
    from ocop_geo import _toptw_kernels as kern

    rng = np.random.default_rng(7)
    n, m = 40, 2
    xy = rng.uniform(0, 100, (n, 2))
    travel = np.floor(np.hypot(*(xy[:, None] - xy[None, :]).transpose(2, 0, 1)) * 100) / 100
    win = np.full((m, n, 2, 2), (np.inf, -np.inf))
    for r in range(m):
        o = rng.uniform(0, 300, n)
        win[r, :, 0] = np.column_stack([o, o + rng.uniform(20, 120, n)])
        win[r, :, 1] = np.column_stack([o + 200, o + 200 + rng.uniform(20, 200, n)])
    p = toptw.validate_problem(toptw.Problem(
        travel=travel, score=rng.integers(1, 20, n).astype(float),
        service=rng.uniform(5, 20, n), windows=win, route_start=np.zeros(m, int),
        route_end=np.zeros(m, int), route_window=np.tile([0.0, 400.0], (m, 1)),
        mandatory=np.zeros(n, bool), max_stops=np.full(m, -1), breaks=np.full((m, 3), np.nan)))
    routes = [rt[::2] for rt in toptw.solve(p, time_limit=5, seed=1, max_iterations=20).routes]
    k = toptw._kernel_arrays(p)
    args = (k["travel"], k["service"], k["win"], k["nwin"], k["rstart"], k["rend"], k["rwin"],
            k["brk"], k["has_brk"], k["maxst"], k["dist"], k["rcap"])
    seq = np.zeros((m, n + 1), np.int64)
    lens = np.array([len(rt) for rt in routes], np.int64)
    for r, rt in enumerate(routes):
        seq[r, : len(rt)] = rt
    taken = np.zeros((m, n + 2), bool)
    end = np.zeros(m)
    slow = np.zeros((m, n + 1))  # no room for the latest arrivals: propagation
    fast = np.zeros((m, 2 * (n + 1)))
    for r in range(m):
        kern._refresh(r, seq, lens, slow, taken, end, *args)
        kern._refresh(r, seq, lens, fast, taken, end, *args)
    visited = {v for rt in routes for v in rt}
    verdicts = [0, 0]
    for r in range(m):
        for v in range(1, n):
            if v in visited:
                continue
            for pos in range(lens[r] + 1):
                a = kern._try_insert(r, pos, v, seq, lens, slow, taken, end, *args)
                b = kern._try_insert(r, pos, v, seq, lens, fast, taken, end, *args)
                assert a[0] == b[0], (r, pos, v)
                verdicts[int(a[0])] += 1
    assert min(verdicts) > 0  # both verdicts occur
