"""Tests of the benchmark reader's families (distance rounding, TTDP weekdays), its exact checker
and ``ocop-geo bench ttdp`` / ``bench toptw`` on the Cordeau instances."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from ocop_geo import toptw
from ocop_geo._errors import InputFileError
from ocop_geo.cli import app
from ocop_geo.toptw_instances import (
    best_known,
    check_routes,
    instance_names,
    read_instance,
    resolve_instance,
    to_problem,
)

# Depot at (0, 0); site 1 at (1, 1): sqrt(2) = 1.41421... -> 1.4 (one decimal), 1.41 (two).
# Site 1 closes at 1.4: reachable in time only under the one-decimal convention.
TOPTW_TEXT = "1 1 2 1\n0 0\n0 0 0 0 0 0 0 0 100\n1 1 1 5 10 0 0 0 1.4\n2 3 4 5 7 0 0 0 100\n"


def _ttdp_text(start_day: int, tours: int) -> str:
    """Two sites: site 1 closed on weekday 6 (``0 0``) and open 0-1439 on the others; site 2 always."""
    w1 = " ".join("0 0" if d == 6 else "0 1439" for d in range(7))
    w2 = " ".join("0 1439" for _ in range(7))
    return (f"20 {tours} {start_day} 2 9 250 10 10 10 10 10 10 10 10 10 10\n"
            "0 0 0 0 0 510 1210\n"
            f"1 3 4 10 5 1 {w1} 0\n"
            f"2 6 8 10 3 1 {w2} 0\n")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_rounding_comes_from_the_family(tmp_path):
    solomon = read_instance(_write(tmp_path, "c901.txt", TOPTW_TEXT))
    cordeau = read_instance(_write(tmp_path, "pr91.txt", TOPTW_TEXT))
    ttdp = read_instance(_write(tmp_path, "t901.txt", _ttdp_text(0, 1)))
    assert (solomon.family, solomon.decimals) == ("solomon", 1)
    assert (cordeau.family, cordeau.decimals) == ("cordeau", 2)
    assert (ttdp.family, ttdp.decimals) == ("ttdp", 2)
    assert solomon.distances()[0, 1] == 1.4
    assert cordeau.distances()[0, 1] == 1.41
    # a name that tells no family needs one; the same file under family= gets that rounding
    other = _write(tmp_path, "mine.txt", TOPTW_TEXT)
    with pytest.raises(InputFileError, match="family"):
        read_instance(other)
    assert read_instance(other, family="cordeau").distances()[0, 1] == 1.41


def test_bundled_families_and_exact_distances():
    assert len(instance_names("solomon")) == 29
    assert instance_names("cordeau") == [f"pr{i:02d}" for i in range(1, 11)]
    assert instance_names("ttdp") == [f"t{i}" for i in range(101, 121)]
    c101 = read_instance(resolve_instance("c101"))
    pr01 = read_instance(resolve_instance("pr01"))
    assert np.all(np.rint(c101.distances() * 10) == c101.distances() * 10)
    hundredths = pr01.distances() * 100
    assert np.allclose(hundredths, np.rint(hundredths))
    assert np.any(np.rint(hundredths) % 10 != 0)  # really two decimals, not one
    # |p0 p1| = sqrt(19.288^2 + 44.137^2) = 48.1674... (vertices 0 and 1 of pr01.txt)
    assert pr01.distances()[0, 1] == 48.16 and c101.distances()[0, 1] == 18.6  # sqrt(346) = 18.60...
    bk = best_known("cordeau")
    assert bk[("pr01", 1)] == 308 and {m for (_n, m) in bk} == {1, 2, 3, 4}


def test_ttdp_site_closed_on_a_weekday_has_no_window_that_day(tmp_path):
    # start on weekday 5: tour 0 = weekday 5 (open), tour 1 = weekday 6 (closed), tour 2 = weekday 0
    inst = read_instance(_write(tmp_path, "t902.txt", _ttdp_text(5, 3)))
    assert inst.tours == 3 and inst.start_day == 5
    p = to_problem(inst)
    assert p.m == 3 and p.route_window.tolist() == [[510, 1210]] * 3
    assert p.windows[0, 1, 0].tolist() == [0, 1439]
    assert p.windows[1, 1, 0, 0] > p.windows[1, 1, 0, 1]  # no window on the closed day
    assert p.windows[2, 1, 0].tolist() == [0, 1439]
    assert p.windows[1, 2, 0].tolist() == [0, 1439]
    assert toptw.evaluate(p, [[], [1], []])[0] is False
    assert toptw.evaluate(p, [[1], [2], []]) == (True, 8.0, "")
    assert check_routes(inst, [[], [1], []]).feasible is False
    assert "closed" in check_routes(inst, [[], [1], []]).reason
    assert check_routes(inst, [[1], [2], []]) == check_routes(inst, [[2], [], [1]])
    # the bundled instances: every closed weekday of every site is a route without its window
    for name in ("t101", "t103", "t106"):
        inst = read_instance(resolve_instance(name))
        p = to_problem(inst)
        assert p.m == inst.tours
        for r in range(p.m):
            closed_in_file = [v for v in range(1, inst.n)
                              if inst.exact.windows[v][(inst.start_day + r) % 7] is None]
            no_window = [v for v in range(1, inst.n) if p.windows[r, v, 0, 0] > p.windows[r, v, 0, 1]]
            assert closed_in_file == no_window
        assert any(inst.exact.windows[v][d] is None for v in range(1, inst.n) for d in range(7))


def test_checker_rejects_an_arrival_too_early_under_the_pr_convention(tmp_path):
    solomon = read_instance(_write(tmp_path, "c902.txt", TOPTW_TEXT))
    cordeau = read_instance(_write(tmp_path, "pr92.txt", TOPTW_TEXT))
    assert check_routes(solomon, [[1, 2]]) == check_routes(solomon, [[1, 2]])
    ok = check_routes(solomon, [[1, 2]])
    assert ok.feasible and ok.score == 17
    late = check_routes(cordeau, [[1, 2]])
    assert not late.feasible and "vertex 1" in late.reason and "1.41" in late.reason
    # the engine agrees once it is given the family's distances
    assert toptw.evaluate(to_problem(cordeau), [[1, 2]])[0] is False
    assert toptw.evaluate(to_problem(solomon), [[1, 2]])[0] is True
    # the other failures: a repeated vertex, the depot as a stop, a late return
    assert not check_routes(solomon, [[2], [2]]).feasible
    assert not check_routes(solomon, [[0, 2]]).feasible
    # route [2]: 5 to (3, 4), 5 of visit, 5 back = 15; the depot closes at 14.99
    tight = read_instance(_write(tmp_path, "pr93.txt", TOPTW_TEXT.replace("0 0 100\n1", "0 0 14.99\n1")))
    late_return = check_routes(tight, [[2]])
    assert not late_return.feasible and "back at 15" in late_return.reason
    assert check_routes(read_instance(_write(tmp_path, "pr94.txt", TOPTW_TEXT)), [[2]]).score == 7


def test_checker_agrees_with_the_engine_on_a_solved_pr_instance():
    inst = read_instance(resolve_instance("pr01"))
    problem = to_problem(inst, routes=2)
    sol = toptw.solve(problem, time_limit=600, seed=0, max_iterations=30)
    check = check_routes(inst, sol.routes)
    assert check.feasible, check.reason
    assert check.score == sol.score > 0


def test_cli_bench_ttdp_runs_and_checks(tmp_path):
    out = tmp_path / "ttdp.json"
    res = CliRunner().invoke(app, ["bench", "ttdp", "t101", "t103", "--time-limit", "0.5",
                                   "--max-iterations", "20", "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "exact check" in res.output
    doc = json.loads(out.read_text())
    assert doc["distance_decimals"] == {"ttdp": 2}
    rows = {r["instance"]: r for r in doc["results"]}
    assert rows["t101"]["routes_m"] == 1 and rows["t103"]["routes_m"] == 2
    assert rows["t103"]["start_day"] == 6
    for row in doc["results"]:
        inst = read_instance(resolve_instance(row["instance"]))
        check = check_routes(inst, row["routes"])
        assert check.feasible and row["checked_feasible"], check.reason
        assert float(check.score) == row["score"] == row["checked_score"] > 0


def test_cli_bench_toptw_on_pr_reports_the_best_known_for_m(tmp_path):
    out = tmp_path / "pr.json"
    res = CliRunner().invoke(app, ["bench", "toptw", "pr01", "--routes", "2", "--time-limit", "600",
                                   "--max-iterations", "10", "--json", str(out)])
    assert res.exit_code == 0, res.output
    row = json.loads(out.read_text())["results"][0]
    assert (row["family"], row["distance_decimals"], row["best_known"]) == ("cordeau", 2, 502)
    assert row["gap_pct"] == pytest.approx(100 * (502 - row["score"]) / 502, abs=1e-3)
    bad = CliRunner().invoke(app, ["bench", "ttdp", "t999"])
    assert isinstance(bad.exception, InputFileError) and "t101" in str(bad.exception)


@pytest.mark.parametrize("results", ["toptw_cordeau.json", "ttdp.json"])
def test_committed_results_pass_the_exact_check(results):
    """Every route in the committed Cordeau / TTDP tables (ours and the peers') re-checked."""
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / results
    if not path.exists():
        pytest.skip(f"benchmarks/results/{results} not generated yet")
    doc = json.loads(path.read_text())
    assert doc["runs"] and doc["distance_decimals"] == 2
    for row in doc["runs"]:
        inst = read_instance(resolve_instance(row["instance"]))
        assert inst.decimals == 2
        check = check_routes(inst, row["routes"]) if row["routes"] else None
        if not row["feasible"]:
            assert row["score"] == 0
            continue
        assert check is not None and check.feasible, (row["solver"], row["instance"], check)
        assert check.score == row["score"], (row["solver"], row["instance"], row["routes_m"])
        assert len(row["routes"]) == row["routes_m"]
