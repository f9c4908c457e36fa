"""Offline in a real browser: the basemap that ships with the site, and the service worker over http.

A small site is published (hand-built TEST FIXTURE itinerary over the real bundled producers,
tests/_publish_fixtures.py) and served by ``http.server`` on a free local port. Chromium (Playwright, Debian's
build) opens a route page at 390 x 844, the service worker installs and keeps what the page loaded; then the
browser goes offline and reloads: the map (basemap tiles drawn, a known name labelled), the route line, the stop
markers and the itinerary table must all be there. From ``file://`` (no service worker) with every https request
aborted, the basemap must draw too. No network is used: the online tiles are aborted.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import _chromium
import pytest
from _publish_fixtures import itinerary, producers_gdf, products_df, venues_gdf

from ocop_geo import site

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ROUTE = "routes/test-fixture-outskirts.html"
#: A name the basemap labels in the middle of the route's first view (a 2018 district on the way to Củ Chi).
KNOWN_LABEL = "Quận Gò Vấp"
READY_JS = "window.ocop && window.ocop.stopMarkers > 0 && window.ocopBasemap && ocopBasemap.stats.tilesDrawn > 0"
#: Every basemap tile asked for has arrived (or failed) and the names are placed.
SETTLED_JS = ("ocopBasemap.stats.loaded + ocopBasemap.stats.missing === ocopBasemap.stats.requested"
              " && !ocopBasemap.stats.labelsPending")
LABELLED_JS = "window.ocopBasemap && ocopBasemap.stats.labels.length > 0"
#: Distinct colours in the drawn basemap tiles (more than the land colour alone: water, roads, boundaries).
COLOURS_JS = """() => { const seen = new Set();
    document.querySelectorAll('.ocop-basemap canvas.leaflet-tile-loaded').forEach(c => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4 * 97) { seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]); } });
    return seen.size; }"""

_chromium.require_chromium()


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("offline-site")
    site.publish_site([itinerary(n_days=1)], out, producers=producers_gdf(), products=products_df(),
                      venues=venues_gdf(), lang="vi")  # fmt: skip
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no request log in the test output
        pass


@pytest.fixture(scope="module")
def server(site_dir: Path) -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site_dir)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _context(browser, *, local: str):
    """A phone-sized context where every request that leaves ``local`` (the online tiles) fails."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    ctx.route(re.compile(r"^https?://"), lambda route: route.continue_() if route.request.url.startswith(local)
              else route.abort("internetdisconnected"))  # fmt: skip
    return ctx


def _local_errors(page, local: str) -> list[str]:
    errors: list[str] = []

    def record(msg) -> None:
        url = (msg.location or {}).get("url", "")
        if msg.type == "error" and (not url or url.startswith(local)) and "tile.openstreetmap.org" not in msg.text:
            errors.append(f"{msg.text} ({url})")

    page.on("console", record)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


def test_route_page_reloads_offline_with_basemap_route_stops_and_itinerary(browser, server):
    it = itinerary(n_days=1)
    n_stops = sum(len(d.stops) for d in it.days)
    ctx = _context(browser, local=server)
    page = ctx.new_page()
    errors = _local_errors(page, server)
    page.goto(server + ROUTE)
    page.wait_for_function(READY_JS)
    page.wait_for_function("window.ocopOffline.state === 'kept'", timeout=30_000)
    page.wait_for_function(SETTLED_JS)
    online_keys = page.evaluate("ocopBasemap.stats.keys")
    assert online_keys and all(re.fullmatch(r"\d+/\d+/\d+", k) for k in online_keys)
    assert page.evaluate("!!navigator.serviceWorker.controller")

    ctx.set_offline(True)
    page.reload()
    page.wait_for_function(READY_JS)
    page.wait_for_function(LABELLED_JS)
    page.wait_for_function(SETTLED_JS)
    stats = page.evaluate("ocopBasemap.stats")
    assert stats["missing"] == 0 and stats["loaded"] == stats["requested"] > 0  # every tile from the worker's cache
    assert set(stats["keys"]) <= set(online_keys)  # tiles viewed online, now from the cache
    assert KNOWN_LABEL in stats["labels"]
    assert page.evaluate(COLOURS_JS) > 3  # water, roads, boundaries drawn, not an empty grey box
    assert page.evaluate("window.ocop.stopMarkers") == n_stops
    assert page.locator("path.ocop-leg, path.ocop-leg-offnet").count() >= 1  # the route line
    assert page.locator("tr.stop-row").count() == n_stops
    assert page.locator("tr.stop-row .stop-name").all_inner_texts() == [s.name for _, s in it.stops()]
    page.wait_for_selector(".ocop-offline:not([hidden])")
    assert "ngoại tuyến" in page.inner_text(".ocop-offline")
    assert "OpenStreetMap" in page.inner_text(".leaflet-control-attribution")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(".map-box").screenshot(path=str(ARTIFACTS / "offline_route_map_390.png"))
    assert errors == []
    # a page this visitor never opened is not in the cache: the worker says so in both languages (status 503)
    response = page.goto(server + "producers/index.html")
    assert response is not None and response.status == 503
    assert "Chưa lưu trang này" in page.content() and "This page is not saved" in page.content()
    ctx.close()


def test_site_is_installable_over_http(browser, server):
    ctx = _context(browser, local=server)
    page = ctx.new_page()
    page.goto(server + "index.html")
    page.wait_for_function("window.ocopOffline.state === 'kept'", timeout=30_000)
    manifest = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert manifest["name"] == "Tuyến tham quan cơ sở OCOP" and manifest["display"] == "standalone"
    cdp = ctx.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    ctx.close()


def test_basemap_draws_from_file_with_online_tiles_blocked_and_can_be_chosen(browser, site_dir):
    ctx = _context(browser, local="file://")
    page = ctx.new_page()
    errors = _local_errors(page, "file://")
    page.goto((site_dir / ROUTE).as_uri())
    page.wait_for_function(READY_JS)
    page.wait_for_function(LABELLED_JS)
    page.wait_for_function(SETTLED_JS)
    assert page.evaluate("window.ocopOffline.state") == "off"  # no service worker from disk
    assert KNOWN_LABEL in page.evaluate("ocopBasemap.stats.labels")
    assert page.evaluate(COLOURS_JS) > 3
    page.wait_for_selector(".ocop-offline:not([hidden])")
    # the layers control offers the offline map; choosing it drops the online tiles, the basemap stays
    radios = page.locator(".leaflet-control-layers-base label")
    assert radios.count() == 2
    page.hover(".leaflet-control-layers")
    assert "Bản đồ ngoại tuyến" in page.locator(".leaflet-control-layers-base").inner_text()
    page.locator(".leaflet-control-layers-base label", has_text="Bản đồ ngoại tuyến").click()
    assert page.evaluate("window.ocop.map.hasLayer(ocopBasemap.onlineLayer)") is False
    assert page.evaluate("window.ocop.map.hasLayer(ocopBasemap.grid)") is True
    page.click("#lang-switch")
    page.hover(".leaflet-control-layers")
    assert "Offline map" in page.locator(".leaflet-control-layers-base").inner_text()
    page.evaluate("window.ocop.map.setZoom(14, {animate: false})")
    page.wait_for_function("ocopBasemap.stats.labels.length > 10")
    assert errors == []
    page.locator(".map-box").screenshot(path=str(ARTIFACTS / "offline_basemap_z14_390.png"))
    ctx.close()
