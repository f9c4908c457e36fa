"""Accessibility and touch use of the published pages in a real browser (Playwright + Debian's chromium, file://).

axe-core (vendored in tests/vendor, run by tests/_axe.py) finds no serious or critical violation on the index, a
route page and a producer page, on a 390 x 844 phone and a 1366 x 768 laptop. Beyond axe: stops at one place stay
readable (every label visible, no pin hiding another), labels are unique per route and match the itinerary table,
the page scrolls over the map (one-finger swipe, mouse wheel) while two fingers / Ctrl + wheel move the map, touch
targets are at least 44 px, labels on day colours reach 4.5 : 1, and the keyboard reaches the itinerary before the map.
The site is published from hand-built TEST FIXTURES over the real bundled producers (tests/_publish_fixtures.py):
the 3-day route starts, lunches and ends at Chợ Bến Thành (seven stops on one spot), a 6-day copy uses all six day
colours. Basemap tiles are aborted (no network).
"""

from __future__ import annotations

import copy
from pathlib import Path

import _chromium
import pytest
from _axe import axe_violations, format_violations
from _publish_fixtures import (
    MAP_SETTLED_JS,
    itinerary,
    itinerary_dict,
    producers_gdf,
    products_df,
    venues_gdf,
)

from ocop_geo import site
from ocop_geo.itinerary import Itinerary
from ocop_geo.mapping import contrast_ratio
from ocop_geo.planner import DAY_COLORS

pytestmark = pytest.mark.browser

TILES = "https://tile.openstreetmap.org/"
PHONE = (390, 844)
LAPTOP = (1366, 768)
ROUTE = "routes/test-fixture-outskirts.html"
SIX_DAYS = "routes/six-days.html"
#: The page's stop markers are drawn and no zoom, pan, cluster animation or declutter pass is pending.
READY_JS = "() => window.ocop && window.ocop.stopMarkers >= 0 && !window.ocop.declutterPending && (" + MAP_SETTLED_JS + ")()"

_chromium.require_chromium()


def six_day_itinerary() -> Itinerary:
    """The 3-day fixture followed by a copy of itself as days 4-6: every day colour is used (TEST FIXTURE)."""
    d = itinerary_dict(venue_stop=True)
    extra = []
    for k, day in enumerate(d["days"]):
        x = copy.deepcopy(day)
        x.update(day=day["day"] + 3, color=DAY_COLORS[3 + k], date=f"2026-12-{8 + k:02d}")
        extra.append(x)
    d["days"] += extra
    d["route_id"] = "six-days"
    d["totals"] = {key: sum(x["totals"][key] for x in d["days"])
                   for key in ("travel_s", "distance_m", "visit_min", "score", "n_stops")}  # fmt: skip
    d["totals"]["n_days"] = len(d["days"])
    return Itinerary.from_dict(d)


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("a11y-site")
    site.publish_site([itinerary(venue_stop=True), six_day_itinerary()], out, producers=producers_gdf(),
                      products=products_df(), venues=venues_gdf(), lang="vi")  # fmt: skip
    return out


def open_page(browser, path: Path, size: tuple[int, int], *, touch: bool = False):
    """A new context and page of ``path`` at ``size`` (a touch phone when ``touch``), tiles aborted, map at rest."""
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, has_touch=touch, is_mobile=touch)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route(f"{TILES}**", lambda route: route.abort())
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    if page.locator(".folium-map").count():
        page.wait_for_function(READY_JS)
    page.ocop_errors = errors  # checked by the tests
    return ctx, page


def settle(page) -> None:
    page.wait_for_timeout(60)  # lets the declutter timer start after the last map event
    page.wait_for_function(READY_JS)


def open_popup(page) -> str:
    """The text of the one open popup (a closed one fades out for 200 ms first)."""
    page.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 1")
    return page.inner_text(".leaflet-popup-content")


def rects_overlap(a: dict, b: dict, slack: float = 0.5) -> bool:
    return (a["x"] + slack < b["x"] + b["width"] and b["x"] + slack < a["x"] + a["width"]
            and a["y"] + slack < b["y"] + b["height"] and b["y"] + slack < a["y"] + a["height"])  # fmt: skip


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
@pytest.mark.parametrize("path", ["index.html", ROUTE, "producers/hcm-p004.html"])
def test_axe_finds_no_serious_or_critical_violation(browser, site_dir, path, size):
    ctx, page = open_page(browser, site_dir / path, size)
    bad = axe_violations(page)
    assert not bad, f"{path} at {size}:\n" + format_violations(bad)
    assert page.ocop_errors == []
    ctx.close()


def test_axe_catches_a_nameless_button(browser, site_dir):
    """The check can fail: a button without a name is a critical violation."""
    ctx, page = open_page(browser, site_dir / "index.html", PHONE)
    page.evaluate("document.querySelector('main').appendChild(document.createElement('button'))")
    assert "button-name" in {v["id"] for v in axe_violations(page)}
    ctx.close()


STOP_BOXES_JS = """() => [...document.querySelectorAll('.ocop-stop')].map(b => {
    const r = b.getBoundingClientRect(), pin = b.querySelector('.ocop-pin').getBoundingClientRect();
    const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return {key: b.dataset.key, label: b.dataset.label, x: r.x, y: r.y, width: r.width, height: r.height,
            pin: {x: pin.x, y: pin.y, width: pin.width, height: pin.height},
            onTop: !!top && b.contains(top), text: b.querySelector('.ocop-num').textContent}; })"""


#: The keys (day:seq) of the stops on one marker with the stop ``key``.
GROUP_OF_JS = """(key) => [...document.querySelector(`.ocop-stop[data-key="${key}"]`).closest('.ocop-stopgroup')
    .querySelectorAll('.ocop-stop')].map(b => b.dataset.key)"""
#: Start and end of each day of the fixture, all at Chợ Bến Thành.
BEN_THANH = {"1:0", "1:3", "2:0", "2:5", "3:0", "3:4"}


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_stops_at_one_place_all_visible_with_labels_of_the_table(browser, site_dir, size):
    ctx, page = open_page(browser, site_dir / ROUTE, size)
    page.locator(".map-box").scroll_into_view_if_needed()
    settle(page)
    it = itinerary(venue_stop=True)
    n = sum(len(d.stops) for d in it.days)
    stops = page.evaluate(STOP_BOXES_JS)
    assert len(stops) == n and page.evaluate("window.ocop.stopMarkers") == n
    # the three days start and end at Chợ Bến Thành: six stops on one spot share one marker that lists them all
    assert page.evaluate("window.ocop.stopGroups") < n
    assert set(page.evaluate(GROUP_OF_JS, "1:0")) >= BEN_THANH
    for s in stops:
        assert s["text"] == s["label"] and s["onTop"], s  # its label shown, nothing on top of it
    for i, a in enumerate(stops):
        for b in stops[i + 1:]:
            assert not rects_overlap(a, b), (a["key"], b["key"])
    # the labels are the itinerary table's "#" column, row by row
    table = page.locator("tr.stop-row td.stop-label").all_inner_texts()
    assert table == page.evaluate("window.ocop.stopLabels")
    assert table[:5] == ["▶1", "1-1", "1-2", "■1", "▶2"]
    # zoomed in on Bến Thành: still one marker of exactly those six, one popup per stop
    page.evaluate("window.ocop.map.setView([10.7725, 106.698], 17, {animate: false})")
    settle(page)
    assert set(page.evaluate(GROUP_OF_JS, "1:0")) == BEN_THANH
    page.locator('.ocop-stop[data-key="2:0"]').click()
    assert "Xuất phát" in open_popup(page) and page.inner_text(".leaflet-popup-content .ocop-chip") == "▶2"
    page.locator('.ocop-stop[data-key="3:4"]').click()  # the first popup does not cover the other stops
    assert "Kết thúc" in open_popup(page) and page.inner_text(".leaflet-popup-content .ocop-chip") == "■3"
    assert page.ocop_errors == []
    ctx.close()


def test_six_day_labels_are_unique_and_explained_by_the_legend(browser, site_dir):
    ctx, page = open_page(browser, site_dir / SIX_DAYS, LAPTOP)
    labels = page.evaluate("window.ocop.stopLabels")
    assert len(labels) == len(set(labels)) == sum(len(d.stops) for d in six_day_itinerary().days)
    assert {lab.split("-")[0] for lab in labels if "-" in lab} == {"1", "2", "3", "4", "5", "6"}
    legend = page.inner_text(".ocop-legend")
    assert "1-3: ngày 1, điểm dừng thứ 3" in legend and "Xuất phát (số = ngày)" in legend
    assert all(f"Ngày {k}" in legend for k in range(1, 7))
    ctx.close()


def test_day_colours_reach_4_5_to_1_with_their_label_colour(browser, site_dir):
    """Measured on the drawn pins (computed styles) of the 6-day route, which uses every day colour."""
    ctx, page = open_page(browser, site_dir / SIX_DAYS, PHONE)
    pairs = page.evaluate("""() => [...document.querySelectorAll('.ocop-pin')].map(p => {
        const s = getComputedStyle(p); return [s.color, s.backgroundColor]; })""")
    assert len({bg for _, bg in pairs}) == len(DAY_COLORS)

    def hexa(rgb: str) -> str:
        r, g, b = (int(x) for x in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
        return f"#{r:02x}{g:02x}{b:02x}"

    ratios = {bg: contrast_ratio(hexa(fg), hexa(bg)) for fg, bg in pairs}
    assert min(ratios.values()) >= 4.5, ratios
    ctx.close()


def swipe(cdp, x: float, y: float, dy: float, *, fingers: int = 1, steps: int = 8) -> None:
    """A touch swipe of ``dy`` px upwards at (x, y) through the browser's input pipeline."""
    def points(k: int) -> list[dict]:
        return [{"x": x + 40 * f, "y": y - dy * k / steps, "id": f} for f in range(fingers)]

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points(0)})
    for k in range(1, steps + 1):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": points(k)})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


#: Resolves once the page has stopped scrolling (a swipe's fling is over): scrollY unchanged for 10 frames.
SCROLL_REST_JS = """() => new Promise(done => { let last = -1, same = 0;
    const tick = () => { same = window.scrollY === last ? same + 1 : 0; last = window.scrollY;
                         if (same >= 10) { done(last); } else { requestAnimationFrame(tick); } };
    tick(); })"""


def scroll_top(page) -> None:
    """Back at the top of the page, at rest."""
    page.evaluate(SCROLL_REST_JS)
    page.evaluate("window.scrollTo(0, 0)")
    assert page.evaluate(SCROLL_REST_JS) == 0


CENTER_JS = "(() => { const c = window.ocop.map.getCenter(); return [c.lat, c.lng]; })()"


def test_one_finger_swipe_over_the_map_scrolls_the_page_two_fingers_pan_it(browser, site_dir):
    ctx, page = open_page(browser, site_dir / ROUTE, PHONE, touch=True)
    cdp = ctx.new_cdp_session(page)
    box = page.locator(".map-box").bounding_box()
    assert box["height"] > 400  # the map fills most of the phone's screen: a swipe easily lands on it
    x, y = box["x"] + 90, box["y"] + box["height"] - 120
    before = page.evaluate(CENTER_JS)
    swipe(cdp, x, y, 200)
    page.wait_for_function("window.scrollY > 100")
    assert page.evaluate(CENTER_JS) == before  # the map did not move
    # two fingers move the map, not the page
    scroll_top(page)
    swipe(cdp, x, y, 120, fingers=2)
    settle(page)
    assert page.evaluate(CENTER_JS) != before
    assert page.evaluate(SCROLL_REST_JS) == 0
    # ... and the next one-finger swipe scrolls the page again
    swipe(cdp, x, y, 200)
    page.wait_for_function("window.scrollY > 100")
    # the check can fail: without gesture handling the same swipe pans the map and the page stays put
    scroll_top(page)
    page.evaluate("window.ocop.map.gestureHandling.disable()")
    before = page.evaluate(CENTER_JS)
    swipe(cdp, x, y, 200)
    settle(page)
    assert page.evaluate(SCROLL_REST_JS) == 0 and page.evaluate(CENTER_JS) != before
    assert page.ocop_errors == []
    ctx.close()


def test_wheel_over_the_map_scrolls_the_page_ctrl_wheel_zooms_fullscreen_takes_every_gesture(browser, site_dir):
    ctx, page = open_page(browser, site_dir / ROUTE, LAPTOP)
    box = page.locator(".map-box").bounding_box()
    zoom = page.evaluate("window.ocop.map.getZoom()")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 60)
    page.mouse.wheel(0, 200)
    page.wait_for_function("window.scrollY >= 150")
    settle(page)
    assert page.evaluate("window.ocop.map.getZoom()") == zoom
    # the hint is in the page's language, and follows the switch
    hint = page.locator(".folium-map").get_attribute("data-gesture-handling-scroll-content")
    assert hint == "Giữ phím Ctrl và cuộn để phóng to, thu nhỏ bản đồ"
    page.click("#lang-switch")
    assert page.locator(".folium-map").get_attribute("data-gesture-handling-touch-content") == "Use two fingers to move the map"
    # Ctrl + wheel zooms the map
    box = page.locator(".map-box").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    y0 = page.evaluate("window.scrollY")
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_function(f"window.ocop.map.getZoom() > {zoom}")
    assert page.evaluate("window.scrollY") == y0
    # full screen: the map takes the wheel and one-finger drags again
    page.evaluate("window.ocop.map.toggleFullscreen()")
    page.wait_for_function("!window.ocop.map.gestureHandling.enabled()")
    assert page.evaluate("window.ocop.map.scrollWheelZoom.enabled() && window.ocop.map.dragging.enabled()")
    page.evaluate("window.ocop.map.toggleFullscreen()")
    page.wait_for_function("window.ocop.map.gestureHandling.enabled()")
    assert page.ocop_errors == []
    ctx.close()


TARGETS_JS = """(sel) => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null || e.getClientRects().length)
    .map(e => { const r = e.getBoundingClientRect(); return [e.className.baseVal ?? e.className, e.title || '', r.width, r.height]; })"""


@pytest.mark.parametrize("path", [ROUTE, "producers/index.html"])
def test_touch_targets_are_at_least_44_px(browser, site_dir, path):
    ctx, page = open_page(browser, site_dir / path, PHONE, touch=True)
    selectors = ["#lang-switch", ".leaflet-control-zoom a", ".leaflet-control-zoom-fullscreen",
                 ".leaflet-control-locate a", ".leaflet-control-layers-toggle", ".ocop-legend summary",
                 ".ocop-filter-toggle", ".ocop-producer", ".ocop-venue", ".marker-cluster"]  # fmt: skip
    if path == ROUTE:
        selectors.append(".ocop-stop")
    page.locator(".ocop-filter-toggle").click()  # the phone's folded filter opens into a 44 px select
    selectors.append(".ocop-filter select")
    seen = set()
    for sel in selectors:
        found = page.evaluate(TARGETS_JS, sel)
        assert found or (path != ROUTE and sel == ".leaflet-control-layers-toggle"), sel  # the route's days
        for cls, title, w, h in found:
            assert w >= 44 and h >= 44, (sel, cls, title, w, h)
        seen.add(sel)
    # the visible pins may be smaller than their target
    assert page.evaluate("document.querySelector('.ocop-ppin').getBoundingClientRect().width") < 44
    assert len(seen) == len(selectors)
    ctx.close()


CONTROLS_JS = """() => [...document.querySelectorAll('.leaflet-control-container .leaflet-control')]
    .filter(c => c.getClientRects().length && c.getBoundingClientRect().width)
    .map(c => { const r = c.getBoundingClientRect(); return {cls: c.className, x: r.x, y: r.y, width: r.width, height: r.height}; })"""


def test_nothing_covers_popups_legend_or_scale_on_a_phone(browser, site_dir):
    ctx, page = open_page(browser, site_dir / ROUTE, PHONE, touch=True)
    page.locator(".map-box").scroll_into_view_if_needed()
    map_box = page.locator(".folium-map").bounding_box()
    controls = page.evaluate(CONTROLS_JS)
    names = " ".join(c["cls"] for c in controls)
    assert "ocop-legend" in names and "leaflet-control-scale" in names and "leaflet-control-attribution" in names
    for i, a in enumerate(controls):  # legend, scale bar, notes and buttons side by side, all inside the map
        assert map_box["x"] <= a["x"] and a["x"] + a["width"] <= map_box["x"] + map_box["width"] + 0.5, a
        assert map_box["y"] <= a["y"] and a["y"] + a["height"] <= map_box["y"] + map_box["height"] + 0.5, a
        for b in controls[i + 1:]:
            assert not rects_overlap(a, b), (a["cls"], b["cls"])
    # the offline notice is one short line
    assert page.locator(".ocop-offline").bounding_box()["height"] < 30
    # every stop's popup opens clear of every control (zoom, filter, layers, legend, scale, attribution)
    keys = page.evaluate("[...document.querySelectorAll('.ocop-stop')].map(b => b.dataset.key)")
    view = page.evaluate("(() => { const m = window.ocop.map; return [m.getCenter(), m.getZoom()]; })()")
    for key in keys[:8]:
        page.evaluate("([c, z]) => { window.ocop.map.closePopup(); window.ocop.map.setView(c, z, {animate: false}); }", view)
        settle(page)  # back at the first view (the last popup panned the map)
        page.locator(f'.ocop-stop[data-key="{key}"]').click()
        open_popup(page)
        settle(page)
        popup = page.locator(".leaflet-popup").bounding_box()
        title = page.locator(".leaflet-popup-content h3").bounding_box()
        for c in page.evaluate(CONTROLS_JS):
            assert not rects_overlap(popup, c), (key, c["cls"])
        top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('.leaflet-popup') !== null",
                            [title["x"] + 4, title["y"] + title["height"] / 2])
        assert top, key  # the title is not under anything
    # the opened legend scrolls inside the room it has: it covers no other control
    page.evaluate("window.ocop.map.closePopup()")
    page.locator(".ocop-legend summary").click()
    controls = page.evaluate(CONTROLS_JS)
    legend = next(c for c in controls if "ocop-legend" in c["cls"])
    assert legend["height"] > 100
    for c in controls:
        if c is not legend:
            assert not rects_overlap(legend, c), c["cls"]
    ctx.close()


def test_keyboard_reaches_skip_link_then_itinerary_then_the_named_map(browser, site_dir):
    ctx, page = open_page(browser, site_dir / ROUTE, LAPTOP)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('section[aria-labelledby=\"h-plan\"]')")
    # no positive tabindex anywhere: the tab order is the page's order, the itinerary before the map
    assert page.evaluate("document.querySelectorAll('[tabindex]:not([tabindex=\"0\"]):not([tabindex=\"-1\"])').length") == 0
    order = page.evaluate("""() => { const plan = document.querySelector('section[aria-labelledby="h-plan"]');
        const map = document.querySelector('.folium-map');
        return plan.compareDocumentPosition(map) & Node.DOCUMENT_POSITION_FOLLOWING; }""")
    assert order
    # the map container is a region named in words (the route's title), not by its icons' text
    assert page.locator(".folium-map").get_attribute("role") == "region"
    name = page.locator(".folium-map").get_attribute("aria-label")
    assert name.startswith("Bản đồ tuyến: Cơ sở OCOP ngoại thành") and "▶" not in name
    page.locator(".folium-map").focus()
    page.keyboard.press("Tab")  # from the map into its stops: named buttons
    focused = page.evaluate("document.activeElement.className + '|' + document.activeElement.textContent")
    assert focused.startswith("ocop-stop") and "·" in focused
    # route lines are hidden from the accessibility tree; the day layers are named by their days
    assert page.evaluate("window.ocop.map.getPane('overlayPane').getAttribute('aria-hidden')") == "true"
    page.hover(".leaflet-control-layers")
    labels = page.locator(".leaflet-control-layers-overlays label:visible").all_inner_texts()
    assert [x.strip() for x in labels[:3]] == ["Ngày 1 · T7 05/12/2026", "Ngày 2 · CN 06/12/2026", "Ngày 3 · T2 07/12/2026"]
    assert page.locator(".leaflet-control-zoom-in").get_attribute("aria-label") == "Phóng to"
    ctx.close()


def test_screenshots_phone_and_laptop(browser, site_dir):
    """Kept as artifacts to look at (tests/artifacts/); the route map at rest, a stop's popup open on the phone."""
    art = Path(__file__).resolve().parent / "artifacts"
    art.mkdir(parents=True, exist_ok=True)
    for size, name in ((PHONE, "a11y_route_phone.png"), (LAPTOP, "a11y_route_laptop.png")):
        ctx, page = open_page(browser, site_dir / ROUTE, size, touch=size == PHONE)
        page.locator(".map-box").scroll_into_view_if_needed()
        if size == PHONE:
            page.locator('.ocop-stop[data-key="3:3"]').click()
        settle(page)
        page.screenshot(path=str(art / name))
        ctx.close()
