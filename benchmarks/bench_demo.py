"""Benchmark of the README's main command: ``ocop-geo demo`` wall time cold and warm, and its peak memory.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_demo [--runs 3]

Cold = empty graph / gazetteer cache (``OCOP_GEO_CACHE``) and empty numba cache (``NUMBA_CACHE_DIR``), as on a
fresh clone after installation; warm = the same caches reused. Each run is a separate process; peak memory is
the child's maximum resident set size. Results go to benchmarks/results/demo.json and demo.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def run_demo(env: dict[str, str], out: Path) -> tuple[float, float, int]:
    """One demo run in a fresh process: (seconds, peak RSS in MB, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ocop_geo", "demo", "--out", str(out)], env=env,
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 1):
        raise SystemExit(f"demo failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return seconds, max(peak, before) / 1024, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="cold and warm runs each (default 3)")
    args = ap.parse_args()
    cold, warm, peaks = [], [], []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "OCOP_GEO_CACHE": f"{tmp}/cache", "NUMBA_CACHE_DIR": f"{tmp}/numba",
                   "COLUMNS": "120"}
            seconds, peak, rc = run_demo(env, Path(tmp) / "site")
            cold.append(seconds)
            peaks.append(peak)
            seconds, peak, rc = run_demo(env, Path(tmp) / "site")
            warm.append(seconds)
            peaks.append(peak)
            print(f"run {i + 1}: cold {cold[-1]:.1f} s, warm {warm[-1]:.1f} s, exit {rc}", flush=True)
    load = os.getloadavg()
    result = {
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}",
        "load_average_end": [round(x, 2) for x in load],
        "runs": args.runs,
        "cold_s": [round(x, 2) for x in cold], "warm_s": [round(x, 2) for x in warm],
        "cold_median_s": round(statistics.median(cold), 2), "warm_median_s": round(statistics.median(warm), 2),
        "peak_rss_mb": round(max(peaks)),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "demo.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = (
        "# Demo benchmark (`ocop-geo demo` on the bundled data)\n\n"
        f"{result['machine']}; load average at the end {result['load_average_end']}. "
        f"{args.runs} cold + {args.runs} warm runs, each in its own process.\n\n"
        "| case | median s | runs (s) | goal |\n|---|---:|---|---|\n"
        f"| cold (empty graph, gazetteer and numba caches) | {result['cold_median_s']} | {result['cold_s']} | < 90 s |\n"
        f"| warm (caches reused) | {result['warm_median_s']} | {result['warm_s']} | < 15 s |\n\n"
        f"Peak memory (max RSS of a demo process): {result['peak_rss_mb']} MB.\n"
    )
    (RESULTS / "demo.md").write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
