"""Run every benchmark script in turn (``make bench``); each writes its figures to benchmarks/results/.

The TOPTW benchmark alone takes about 40 minutes at 10 s per instance; pass ``--quick`` for shorter settings.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS: list[tuple[str, list[str], list[str]]] = [
    # module, normal arguments, --quick arguments
    ("benchmarks.bench_geocode", [], []),
    ("benchmarks.bench_network", [], []),
    ("benchmarks.bench_memory", [], []),
    ("benchmarks.bench_planner", [], []),
    ("benchmarks.bench_pages", [], ["--runs", "3"]),
    ("benchmarks.bench_demo", [], ["--runs", "1"]),
    ("benchmarks.bench_toptw", [], ["--time-limit", "2"]),
]


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    failed = []
    for module, normal, fast in BENCHMARKS:
        print(f"== {module}", flush=True)
        if subprocess.run([sys.executable, "-m", module, *(fast if quick else normal)]).returncode:
            failed.append(module)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
