"""The published pages in a real browser: Playwright driving Debian's chromium, pages from file://.

No network: basemap tile requests are aborted, as on a phone without signal, and the pages must
still show the route, stops and itinerary (and say the basemap needs a connection). Itineraries
are hand-built TEST FIXTURES over the real bundled producers (tests/_publish_fixtures.py).
Screenshots go to tests/artifacts/ (the README's picture comes from tests/test_demo.py).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from _chromium import require_chromium
from _publish_fixtures import (
    HOSTILE,
    HOSTILE_JS,
    HOSTILE_VENUE,
    MAP_SETTLED_JS,
    itinerary,
    producers_gdf,
    products_df,
    venues_gdf,
)

from ocop_geo import site

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
TILES = "https://tile.openstreetmap.org/"

require_chromium()


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    hostile = replace(itinerary(hostile=True, n_days=1), route_id="hostile")
    site.publish_site([itinerary(venue_stop=True), hostile], out, producers=producers_gdf(hostile=True),
                      products=products_df(), venues=venues_gdf(hostile=True), base_url="https://example.org/ocop",
                      lang="vi")  # fmt: skip
    return out


class Page:
    """A page opened from disk, with its console errors and dialogs recorded."""

    def __init__(self, browser, path: Path, *, width: int = 412, height: int = 860) -> None:
        self.ctx = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.tile_requests = 0
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("dialog", self._dialog)
        self.page.route(f"{TILES}**", self._abort_tile)
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def _abort_tile(self, route) -> None:
        self.tile_requests += 1
        route.abort()

    def _console(self, msg) -> None:
        if msg.type == "error" and not (msg.location or {}).get("url", "").startswith(TILES):
            self.errors.append(msg.text)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def close(self) -> None:
        self.ctx.close()


def test_route_page_markers_layers_rows_language_and_screenshot(browser, site_dir):
    it = itinerary(venue_stop=True)
    pg = Page(browser, site_dir / "routes" / "test-fixture-outskirts.html")
    page = pg.page
    page.wait_for_function("window.ocop && window.ocop.stopMarkers > 0")
    n_stops = sum(len(d.stops) for d in it.days)
    assert page.evaluate("window.ocop.stopMarkers") == n_stops
    assert page.locator(".ocop-stop").count() == n_stops
    assert page.evaluate("window.ocop.dayLayers") == 3
    assert page.locator(".leaflet-control-layers-overlays input").count() == 3 + 1  # the days and the venues
    assert page.locator("path.ocop-leg-offnet").count() == 1
    assert page.locator("path.ocop-leg").count() == sum(1 for _, s in it.stops() if s.leg_in) - 1
    names = page.locator("tr.stop-row .stop-name").all_inner_texts()
    assert names == [s.name for _, s in it.stops()]
    # offline: tiles were requested and failed, the note says so, attribution still shown
    assert pg.tile_requests > 0
    page.wait_for_selector(".ocop-offline:not([hidden])")
    assert "OpenStreetMap contributors" in page.inner_text(".leaflet-control-attribution")
    assert "©" in page.inner_text(".leaflet-control-attribution")
    # a producer popup shows products, stars and the planned arrival
    page.locator('.ocop-stop[data-key="1:1"]').click()
    popup = page.inner_text(".leaflet-popup-content")
    stop = it.days[0].stops[1]
    assert stop.name in popup and stop.products[0].name in popup and stop.arrival in popup
    assert "★★★★" in popup
    page.evaluate("window.ocop.map.closePopup()")
    # language switch: Vietnamese first, then English everywhere (page text and map legend)
    assert page.locator("h1").inner_text() == it.title["vi"]
    page.click("#lang-switch")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("h1").inner_text() == it.title["en"]
    assert "Legend" in page.inner_text(".ocop-legend")
    page.hover(".leaflet-control-layers")
    assert page.locator(".leaflet-control-layers-overlays label:visible").first.inner_text().strip() == "Day 1 · Sa 2026-12-05"
    assert page.locator("th:visible").first.inner_text() == "#"
    assert "Time" in page.locator("table.itinerary").first.inner_text()
    assert pg.errors == [] and pg.dialogs == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "route_page_mobile_en.png"), full_page=True)
    pg.close()
    # a fresh, untouched page, kept as an artifact (the README's picture is a real planned route: test_demo)
    shot = Page(browser, site_dir / "routes" / "test-fixture-outskirts.html", width=1100, height=820)
    shot.page.wait_for_function("window.ocop && window.ocop.stopMarkers > 0")
    shot.page.wait_for_selector(".ocop-offline:not([hidden])")
    shot.page.wait_for_function(MAP_SETTLED_JS)  # no zoom / cluster animation running: a stable picture
    shot.page.screenshot(path=str(ARTIFACTS / "route_page.png"))
    assert shot.errors == [] and shot.dialogs == []
    shot.close()


def test_hostile_registry_names_render_as_text_and_run_nothing(browser, site_dir):
    pg = Page(browser, site_dir / "routes" / "hostile.html")
    page = pg.page
    page.wait_for_function("window.ocop && window.ocop.stopMarkers > 0")
    page.locator('.ocop-stop[data-key="1:1"]').click()
    assert page.inner_text(".leaflet-popup-content h3") == HOSTILE
    assert HOSTILE in page.inner_text(".leaflet-popup-content ul")
    assert page.locator("tr.stop-row .stop-name").nth(1).inner_text() == HOSTILE
    assert page.locator("tr.stop-row .stop-name").last.inner_text() == HOSTILE_JS
    tips = page.evaluate("""() => { const out = [];
        window.ocop.map.eachLayer(l => { if (l instanceof L.Polyline && l.getTooltip()) {
            const d = document.createElement('div'); d.innerHTML = l.getTooltip().getContent();
            out.push(d.textContent); } });
        return out; }""")
    assert any(HOSTILE_JS in t for t in tips), tips
    assert page.locator("h1").inner_text() == "Cơ sở OCOP ngoại thành (dữ liệu kiểm thử)"
    page.click("#lang-switch")
    assert page.locator("h1").inner_text() == HOSTILE
    assert page.title().endswith(HOSTILE)
    # the producer layer carries the hostile registry name too
    page.evaluate("window.ocop.map.closePopup()")
    page.wait_for_selector(".leaflet-popup-content", state="detached")
    found = page.evaluate("""(name) => { const c = window.ocop.producerCluster;
        const m = c.getLayers().find(x => x.options.title === name);
        if (!m) { return false; }
        c.zoomToShowLayer(m, () => m.openPopup()); return true; }""", HOSTILE)
    assert found
    page.wait_for_selector(".leaflet-popup-content h3")
    page.wait_for_function(MAP_SETTLED_JS)
    assert page.inner_text(".leaflet-popup-content h3") == HOSTILE
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert pg.dialogs == [] and pg.errors == []
    page.screenshot(path=str(ARTIFACTS / "route_page_hostile.png"))
    pg.close()


def test_producer_map_clusters_and_filters_by_group(browser, site_dir):
    gdf = producers_gdf()
    located = int(gdf["lat"].notna().sum())
    pg = Page(browser, site_dir / "producers" / "index.html", width=1000, height=800)
    page = pg.page
    page.wait_for_function("window.ocop && window.ocop.producers > 0")
    assert page.evaluate("window.ocop.producers") == located
    assert page.evaluate("window.ocop.producerCluster.getLayers().length") == located
    prods = products_df()
    herbal = set(prods.loc[prods["ocop_group"] == "Thảo dược", "producer_id"])
    expected = int(gdf[gdf["lat"].notna()]["producer_id"].isin(herbal).sum())
    page.select_option(".ocop-filter select", "Thảo dược")
    assert page.evaluate("window.ocop.producerCluster.getLayers().length") == expected > 0
    page.click("#lang-switch")  # the filter follows the language, the selection stays
    assert "Herbal products" in page.locator(".ocop-filter select").inner_text()
    assert page.evaluate("window.ocop.producerCluster.getLayers().length") == expected
    page.select_option(".ocop-filter select", "-")
    assert page.evaluate("window.ocop.producerCluster.getLayers().length") == 0
    assert page.locator(".producer-list li").count() == len(gdf)
    # the markers came from markers.js; a popup's products come from data/<slug>.js when it opens
    assert "ocopDrawProducers" in page.content() and '"producers":[' not in page.content()
    page.select_option(".ocop-filter select", "*")
    first = prods[prods["producer_id"] == "HCM-P002"]["name"].iloc[0]
    page.evaluate("""(name) => { const c = window.ocop.producerCluster;
        const m = c.getLayers().find(x => x.options.title === name);
        c.zoomToShowLayer(m, () => m.openPopup()); }""", gdf.set_index("producer_id").loc["HCM-P002", "name"])
    page.wait_for_selector(f'.leaflet-popup-content li:has-text("{first}")')
    assert page.locator(".leaflet-popup-content h3 a").get_attribute("href") == "hcm-p002.html"
    assert pg.errors == [] and pg.dialogs == []
    page.screenshot(path=str(ARTIFACTS / "producers_page.png"))
    pg.close()


def test_index_and_producer_pages_load_clean_in_both_languages(browser, site_dir):
    pg = Page(browser, site_dir / "index.html")
    page = pg.page
    assert page.locator(".route-card").count() == 2
    assert page.locator(".route-card svg polyline").count() == 3 + 1
    page.click("#lang-switch")
    assert "OCOP producer routes" in page.locator("h1").inner_text()
    assert "3 days" in page.locator(".route-card .meta").first.inner_text()
    page.locator(".route-card a").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # keyboard reaches the route page
    assert page.url.endswith("routes/test-fixture-outskirts.html")
    assert pg.errors == [] and pg.dialogs == []
    pg.close()
    pp = Page(browser, site_dir / "producers" / "hcm-p004.html")
    pp.page.wait_for_function("window.ocop && window.ocop.producers === 1")
    assert "Công ty TNHH Đạt Butter" in pp.page.locator("h1").inner_text()
    assert pp.page.locator("a[href='../routes/test-fixture-outskirts.html']").count() == 1
    assert pp.errors == [] and pp.dialogs == []
    pp.close()


def test_venues_on_a_phone_markers_popup_legend_and_hostile_names(browser, site_dir):
    """390 px phone viewport: venue markers drawn, a fair's popup opened by a tap, the legend names the venues."""
    pg = Page(browser, site_dir / "routes" / "test-fixture-outskirts.html", width=390, height=844)
    page = pg.page
    page.wait_for_function("window.ocop && window.ocop.venues > 0 && window.ocop.stopMarkers > 0")
    assert page.evaluate("window.ocop.venues") == 3  # the fourth venue is a stop of the route, drawn once as the stop
    assert page.locator(".ocop-venue .ocop-vpin").count() == 3
    assert page.locator(".ocop-venue .ocop-v-fair").count() == 2 and page.locator(".ocop-venue .ocop-v-farm").count() == 1
    # the fair in Quận 10 is inside the route's view: tap it
    fair = page.evaluate("""() => { let out = null; window.ocop.map.eachLayer(l => {
        if (l.options && l.options.title === "Tuần lễ sản phẩm OCOP 2024") { out = l; } });
        return !!out; }""")
    assert fair
    page.evaluate("""() => window.ocop.map.eachLayer(l => {
        if (l.options && l.options.title === "Tuần lễ sản phẩm OCOP 2024") { window.ocop.map.setView(l.getLatLng(), 14, {animate: false}); } })""")
    page.wait_for_function(MAP_SETTLED_JS)
    page.locator(".ocop-venue[title='Tuần lễ sản phẩm OCOP 2024']").click()
    popup = page.inner_text(".leaflet-popup-content")
    assert "Tuần lễ sản phẩm OCOP 2024" in popup and "Hội chợ OCOP" in popup
    assert "6–10/11/2024" in popup and "Công viên văn hóa Lê Thị Riêng" in popup
    assert "Quận 10 · Đơn vị 2025: Phường Hoà Hưng" in popup
    link = page.locator(".leaflet-popup-content .ocop-source a")
    assert link.inner_text() == "goandgotravel.com" and link.get_attribute("href").startswith("https://goandgotravel.com/")
    box = page.locator(".leaflet-popup").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # the popup fits the phone's width
    page.evaluate("window.ocop.map.closePopup()")
    # the venue stop: its number, its venue badge, the venue's details in its popup
    page.evaluate("window.ocop.map.setView([10.8889, 106.5963], 13, {animate: false})")  # the Hóc Môn stop
    page.wait_for_function(MAP_SETTLED_JS)
    page.locator('.ocop-stop[data-key="1:2"]').click()
    popup = page.inner_text(".leaflet-popup-content")
    assert "Điểm trưng bày OCOP" in popup and "số 1 Lý Nam Đế" in popup and "Đơn vị 2025: Xã Hóc Môn" in popup
    page.evaluate("window.ocop.map.closePopup()")
    # the legend (closed on a phone) opens and lists the venue kinds
    page.locator(".ocop-legend summary").click()
    legend = page.inner_text(".ocop-legend")
    assert "Điểm bán, hội chợ, lưu trú" in legend and "Hội chợ, phiên chợ" in legend and "Du lịch nông nghiệp" in legend
    page.click("#lang-switch")
    assert "OCOP shops, fairs, stays" in page.inner_text(".ocop-legend")
    assert "OpenStreetMap contributors" in page.inner_text(".leaflet-control-attribution")
    assert pg.errors == [] and pg.dialogs == []
    page.screenshot(path=str(ARTIFACTS / "route_page_venues_phone.png"), full_page=True)
    pg.close()
    # the hostile venue name (HTML and template injection) on the other route's map: shown as text, runs nothing
    hp = Page(browser, site_dir / "routes" / "hostile.html", width=390, height=844)
    hp.page.wait_for_function("window.ocop && window.ocop.venues === 4")
    hp.page.evaluate("""(name) => window.ocop.map.eachLayer(l => {
        if (l.options && l.options.title === name) { window.ocop.map.setView(l.getLatLng(), 14, {animate: false});
                                                     l.openPopup(); } })""", HOSTILE_VENUE)
    hp.page.wait_for_selector(".leaflet-popup-content h3")
    assert hp.page.inner_text(".leaflet-popup-content h3") == HOSTILE_VENUE
    assert hp.page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert "49" not in hp.page.inner_text(".leaflet-popup-content h3")
    assert hp.errors == [] and hp.dialogs == []
    hp.close()
