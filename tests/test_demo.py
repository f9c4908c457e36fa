"""The README's main command end to end: ``ocop-geo demo`` builds the site from the bundled data, and a
registry with bad rows still gives a site from its good rows with the bad ones listed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ocop_geo import settings


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocop_geo", *args], capture_output=True, text=True,
                          timeout=900, env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"})


@pytest.mark.slow
def test_demo_builds_the_site_and_lists_bad_rows(tmp_path, hcmc_graph_for):
    for mode in ("motorbike", "coach"):  # networks come from the cache built once per test run
        hcmc_graph_for(mode)
    extra = tmp_path / "extra_rows.csv"
    extra.write_text("Tên sản phẩm,Phân nhóm,Số sao,Chủ thể,Quận/Huyện\n"
                     "Bánh tráng,Thực phẩm,9,Cơ sở Bánh Tráng Thử,Củ Chi\n", encoding="utf-8")
    out = tmp_path / "site"
    result = run("demo", "--registry", str(settings.registry_producers), "--registry",
                 str(settings.registry_products), "--registry", str(extra), "--out", str(out))
    assert result.returncode == 1, result.stdout + result.stderr  # a row was rejected
    assert "extra_rows.csv row 2" in result.stdout and "stars" in result.stdout
    routes = sorted(p.name for p in (settings.data_dir / "routes").glob("*.toml"))
    pages = sorted(p.name for p in (out / "routes").glob("*.html") if not p.name.endswith(".print.html"))
    assert len(pages) == len(routes) >= 3
    assert (out / "index.html").exists() and "Site:" in result.stdout
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors" in index or "OpenStreetMap" in index
    for suffix in (".gpx", ".kml", ".geojson", ".csv"):
        assert len(list((out / "routes").glob(f"*{suffix}"))) == len(routes)


def test_unplaced_producers_are_listed_but_do_not_fail_the_run(tmp_path, capsys):
    """The bundled sources name no place for some producers: 'make demo' must still exit 0, and names that
    look like Rich markup are printed as written."""
    from ocop_geo.cli_demo import print_summary
    from ocop_geo.pipeline import PipelineReport
    from ocop_geo.registry import load_bundled_registry, load_registry

    bundled = load_bundled_registry()
    assert len(bundled.unplaced) > 0 and len(bundled.rejected) == 0
    assert PipelineReport(registry=bundled).ok
    odd = tmp_path / "odd.csv"
    odd.write_text("Tên sản phẩm,Phân nhóm,Số sao,Chủ thể,Quận/Huyện\nTrà [/],Đồ uống,9,Cơ sở [bold]Lá[/],\n"
                   "Mắm,Thực phẩm,4,Cơ sở [/] Cần Giờ,\n", encoding="utf-8")
    report = PipelineReport(registry=load_registry(odd))
    assert not report.ok  # a rejected row fails the run
    print_summary(report)
    out = capsys.readouterr().out
    assert "Cơ sở [/] Cần Giờ" in out and "odd.csv row 2" in out
