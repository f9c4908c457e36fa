"""``ocop-geo network build|info`` as a user runs it: real extracts, real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OSM = Path(__file__).parent / "fixtures" / "osm"


def run(*args: str, cache: Path | None = None) -> subprocess.CompletedProcess:
    env = {"COLUMNS": "120", "PATH": "/usr/bin:/bin", "OCOP_GEO_LANG": "en"}
    if cache is not None:
        env["OCOP_GEO_CACHE"] = str(cache)
    elif "OCOP_GEO_CACHE" in os.environ:
        env["OCOP_GEO_CACHE"] = os.environ["OCOP_GEO_CACHE"]
    return subprocess.run(
        [sys.executable, "-m", "ocop_geo", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_build_small_extract_prints_summary(tmp_path: Path) -> None:
    src = OSM / "hcmc_d3_2026.osm"
    result = run("network", "build", "--source", str(src), "--no-supplement", "-m", "motorbike", "-m", "walk",
                 cache=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    for text in (
        "motorbike",
        "walk",
        "nodes",
        "edges",
        "km of road per class",
        "residential",
        "coverage",
    ):
        assert text in result.stdout
    assert len(list((tmp_path / "graphs").glob("*/manifest.json"))) == 2
    info = run("network", "info", "--source", str(src), "--no-supplement", cache=tmp_path)
    assert info.returncode == 0 and "strongly connected components" in info.stdout


def test_info_full_city_graph(hcmc_graph) -> None:  # hcmc_graph: the cache entry exists
    result = run("network", "info")
    assert result.returncode == 0, result.stderr
    assert (
        "ferry" in result.stdout
        and "supplement" in result.stdout
        and "wards (2019)" in result.stdout
    )


def test_bad_extract_exits_2_and_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"\x00garbage" * 100)
    result = run("network", "build", "--source", str(bad), cache=tmp_path)
    assert result.returncode == 2
    assert "broken.osm.pbf" in result.stderr and "Traceback" not in result.stderr


def test_unknown_mode_is_a_usage_error(tmp_path: Path) -> None:
    result = run("network", "build", "--mode", "horse", cache=tmp_path)
    assert result.returncode == 2
    assert "horse" in result.stderr + result.stdout
