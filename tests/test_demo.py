"""The README's main command end to end: ``ocop-geo demo`` builds the site from the bundled data, and a
registry with bad rows still gives a site from its good rows with the bad ones listed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _publish_fixtures import MAP_SETTLED_JS

from ocop_geo import pipeline, settings
from ocop_geo.cli_demo import print_summary
from ocop_geo.itinerary import read_itinerary
from ocop_geo.pipeline import PipelineReport, run_pipeline
from ocop_geo.registry import load_bundled_registry, load_registry


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocop_geo", *args], capture_output=True, text=True,
                          timeout=900, env={"COLUMNS": "160", "PATH": "/usr/bin:/bin", "OCOP_GEO_LANG": "en"})


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
    report_page = out / "report.html"  # the officer's report, beside the public site
    assert report_page.exists() and "Officer&#39;s report" in report_page.read_text(encoding="utf-8")
    out = out / "site"
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


def test_pipeline_uses_a_loaded_registry_as_it_is(tmp_path, monkeypatch):
    """A caller that has the registry (a notebook, a server) passes it: nothing is read or geocoded again."""
    registry = load_bundled_registry(geocode=False)

    def loaded_again(*args, **kwargs):
        raise AssertionError("the registry was loaded again")

    monkeypatch.setattr(pipeline, "load_registry", loaded_again)
    monkeypatch.setattr(pipeline, "load_bundled_registry", loaded_again)
    report = run_pipeline(registry=registry, routes=[], out_dir=tmp_path)
    assert report.registry is registry and report.index_page == tmp_path / "site" / "index.html"
    assert report.officer_report == tmp_path / "report.html"
    assert len(list((tmp_path / "site" / "producers").glob("*.html"))) == len(registry.producers) + 1
    with pytest.raises(ValueError, match="either registry or registry_paths"):
        run_pipeline(registry=registry, registry_paths=[settings.registry_products], routes=[], out_dir=tmp_path)


@pytest.mark.slow
@pytest.mark.browser
def test_demo_route_page_in_a_real_browser(tmp_path, hcmc_graph_for):
    """The real Củ Chi route from the demo, opened from disk in Debian's chromium without tiles.

    Its screenshot is kept in tests/artifacts/; with OCOP_GEO_UPDATE_DOCS=1 it also becomes the README's
    docs/route_page.png.
    """
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    hcmc_graph_for("motorbike")
    out = tmp_path / "site"
    result = run("demo", "--route", str(settings.data_dir / "routes" / "cu_chi_food_day.toml"), "--out", str(out),
                 "--base-url", "https://example.org/ocop/")
    assert result.returncode in (0, 1), result.stderr  # 1: the bundled registry leaves producers unplaced
    page_path = out / "site" / "routes" / "cu-chi-food-day.html"
    itinerary = read_itinerary(out / "itineraries" / "cu-chi-food-day.json")
    n_visits = sum(1 for d in itinerary.days for s in d.stops if s.kind in ("producer", "poi"))
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "tile" not in (
            m.location or {}).get("url", "") else None)
        page.route("https://*.openstreetmap.org/**", lambda route: route.abort())
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        page.wait_for_function("window.ocop && window.ocop.stopMarkers > 0")
        page.wait_for_function(MAP_SETTLED_JS)  # no zoom animation running: a stable picture
        assert "OpenStreetMap" in page.inner_text("body")
        rows = page.locator("table tbody tr").count()
        assert rows >= n_visits + 2  # start, visits, (lunch), end
        artifacts = Path(__file__).parent / "artifacts"
        artifacts.mkdir(exist_ok=True)
        shot = artifacts / "demo_route_cu_chi.png"
        page.screenshot(path=str(shot), clip={"x": 0, "y": 0, "width": 1100, "height": 860})
        browser.close()
    assert not errors, errors
    if os.environ.get("OCOP_GEO_UPDATE_DOCS") == "1":
        shutil.copy(shot, Path(__file__).resolve().parent.parent / "docs" / "route_page.png")
