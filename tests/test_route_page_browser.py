"""The route and producer pages on the road, in a real browser (Playwright driving Debian's chromium) on a phone.

What a visitor uses between two stops: today's hours and the open-now badge computed in the page from the visitor's
clock (frozen here, in a browser set to another time zone: the page must use Ho Chi Minh City time), the share
button's copy-link fallback, hand-off links big enough to tap, no internal id and no word of the other language on
screen, hostile registry names shown as text. Pages come from file:// with tile requests aborted (no network). The
site is the demo-like TEST FIXTURE of ``_visitor_fixtures`` over the real bundled producers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import _chromium
import pytest
from _publish_fixtures import HOSTILE
from _visitor_fixtures import (
    INTERNAL_ID,
    demo_like_itinerary,
    english_words,
    publish_demo_like,
    vietnamese_words,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PHONE = {"width": 390, "height": 844}
ROUTE = "routes/test-fixture-outskirts.html"
#: The stop whose hours the registry gives: Mo-Fr 08:00-11:30,13:30-17:00; Sa 08:00-12:00; Su off.
GIVEN = 'tr.stop-row:has(.stop-name:text-is("Công ty TNHH Đạt Butter"))'
UTC = dt.UTC
_H = 3600 * 1000  # one hour in ms, for page.clock

_chromium.require_chromium()

#: The page's visible text, proper names (translate="no"), the language button and SVG titles left out, and the
#: map (its labels are the map's own: tests/test_site_browser.py).
VISIBLE_TEXT_JS = """() => { const out = [];
    const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (w.nextNode()) { const n = w.currentNode, p = n.parentElement;
        if (!p || p.closest('[translate="no"], #lang-switch, script, style, svg, .map-box')) { continue; }
        if (p.checkVisibility()) { out.push(n.textContent); } }
    return out.join(' ').replace(/\\s+/g, ' '); }"""


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    publish_demo_like(out, hostile=True)
    return out


@pytest.fixture
def phone(browser):
    """A phone-sized page in a browser set to New York time, recording errors and dialogs; tiles aborted."""
    ctx = browser.new_context(viewport=PHONE, timezone_id="America/New_York", locale="vi-VN")
    page = ctx.new_page()
    page.errors, page.dialogs = [], []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" and "tile" not in m.location.get(
        "url", "") else None)  # fmt: skip
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    yield page
    ctx.close()


def _vn(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of December 2026 given in Ho Chi Minh City time (UTC+7), as an aware UTC datetime."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=UTC) - dt.timedelta(hours=7)


def _hours(page) -> tuple[str, str, str]:
    row = page.locator(GIVEN)
    badge = row.locator(".oh-badge")
    return row.locator(".oh-today").inner_text(), badge.inner_text(), badge.get_attribute("class")


def test_open_now_badge_follows_the_visitors_clock_in_ho_chi_minh_city_time(phone, site_dir):
    page = phone
    page.clock.install(time=_vn(7, 10))  # Monday 10:00 in HCMC (Sunday 22:00 in New York)
    page.goto((site_dir / ROUTE).as_uri())
    assert _hours(page) == ("Hôm nay (Thứ Hai): 8:00–11:30, 13:30–17:00", "Đang mở cửa · đóng lúc 11:30",
                            "oh-badge is-open")  # fmt: skip
    page.clock.fast_forward(_H * 2)  # Monday 12:00: the lunch break; the page refreshes every minute
    assert _hours(page)[1:] == ("Đang đóng cửa · mở lúc 13:30", "oh-badge is-closed")
    page.clock.fast_forward(_H * 125)  # Saturday 17:00: closed since noon, opens again on Monday
    assert _hours(page) == ("Hôm nay (Thứ Bảy): 8:00–12:00", "Đang đóng cửa · mở lúc 8:00 Thứ Hai",
                            "oh-badge is-closed")  # fmt: skip
    page.clock.fast_forward(_H * 24)  # Sunday 17:00: closed all day, opens tomorrow
    assert _hours(page)[:2] == ("Hôm nay (Chủ nhật): đóng cửa", "Đang đóng cửa · mở lúc 8:00 ngày mai")
    page.click("#lang-switch")
    assert _hours(page)[:2] == ("Today (Sunday): closed", "Closed now · opens at 8:00 tomorrow")
    assert "Monday – Friday: 8:00–11:30, 13:30–17:00" in page.locator(GIVEN).locator(".oh-week").inner_text()
    # a stop whose hours the registry does not give shows no badge, only the call-first line
    assumed = page.locator('tr.stop-row:has(.stop-name:text-is("HTX Phước An"))')
    assert assumed.locator(".oh-badge").count() == 0
    assert assumed.locator(".oh-unknown").inner_text() == "Opening hours not confirmed — call before you go"
    assert page.errors == [] and page.dialogs == []


def test_page_opened_weeks_later_shows_that_days_hours(phone, site_dir):
    page = phone
    page.clock.install(time=_vn(30, 9, 15) + dt.timedelta(days=7))  # Wednesday 6 January 2027, 9:15
    page.goto((site_dir / "producers" / "hcm-p004.html").as_uri())
    box = page.locator(".oh")
    assert box.locator(".oh-today").inner_text() == "Hôm nay (Thứ Tư): 8:00–11:30, 13:30–17:00"
    assert box.locator(".oh-badge").inner_text() == "Đang mở cửa · đóng lúc 11:30"
    assert page.errors == []


def test_share_falls_back_to_copying_the_link(phone, site_dir):
    page = phone
    page.add_init_script("""
        Object.defineProperty(Navigator.prototype, 'share', {value: undefined, configurable: true});
        Object.defineProperty(Navigator.prototype, 'clipboard', {configurable: true,
            get() { return {writeText: (t) => { window.__copied = t; return Promise.resolve(); }}; }});""")
    page.goto((site_dir / ROUTE).as_uri() + "?lang=vi")
    assert page.locator(".share-ok").is_hidden()
    page.click(".share-btn")
    page.wait_for_selector(".share-ok:visible")
    assert page.locator(".share-status").inner_text().strip() == "Đã sao chép liên kết"
    assert page.evaluate("window.__copied") == (site_dir / ROUTE).as_uri()  # the page, without ?lang=
    assert page.locator("figure.qr, svg[role=img]").count() == 0  # no base URL: no QR code
    page.click("#lang-switch")
    assert page.locator(".share-status").inner_text().strip() == "Link copied"


def test_share_uses_the_web_share_api_when_the_phone_has_one(phone, site_dir):
    page = phone
    page.add_init_script("""Object.defineProperty(Navigator.prototype, 'share', {configurable: true,
        value: (d) => { window.__shared = d; return Promise.resolve(); }});""")
    page.goto((site_dir / ROUTE).as_uri())
    page.click(".share-btn")
    page.wait_for_function("window.__shared !== undefined")
    shared = page.evaluate("window.__shared")
    assert shared == {"title": demo_like_itinerary().title["vi"], "url": (site_dir / ROUTE).as_uri()}
    assert page.locator(".share-ok").is_hidden()


def test_hand_off_links_and_every_control_are_big_enough_to_tap(phone, site_dir):
    page = phone
    page.goto((site_dir / ROUTE).as_uri())
    stop = demo_like_itinerary().days[0].stops[1]
    links = page.locator(GIVEN).locator(".dir-link")
    assert [links.nth(i).get_attribute("data-app") for i in range(3)] == ["Google Maps", "Apple Maps", "OsmAnd"]
    where = f"{stop.lat:.6f}".rstrip("0") + "," + f"{stop.lon:.6f}".rstrip("0")
    assert links.nth(0).get_attribute("href") == (
        f"https://www.google.com/maps/dir/?api=1&destination={where}&travelmode=two-wheeler")
    assert links.nth(1).get_attribute("href") == f"https://maps.apple.com/?daddr={where}&dirflg=d"
    assert links.nth(2).get_attribute("href") == f"geo:{where}?q={where}(C%C3%B4ng%20ty%20TNHH%20%C4%90%E1%BA%A1t%20Butter)"
    targets = page.locator(".dir-link, .onroad .tap, .share-btn, .downloads a")
    assert targets.count() > 3 * 9
    small = [box for box in (targets.nth(i).bounding_box() for i in range(targets.count()))
             if box["width"] < 44 or box["height"] < 44]  # fmt: skip
    assert small == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "route_page_on_the_road_phone.png"), full_page=True)


@pytest.mark.parametrize("path", ["index.html", ROUTE, "producers/index.html", "producers/hcm-p004.html",
                                  "producers/hcm-p001.html"])  # fmt: skip
def test_no_internal_id_and_no_word_of_the_other_language_on_screen(phone, site_dir, path):
    page = phone
    page.goto((site_dir / path).as_uri() + "?lang=vi")
    vi = page.evaluate(VISIBLE_TEXT_JS)
    assert "Chỉ đường" in vi or path.endswith("index.html")
    assert english_words(vi) == [], vi
    page.click("#lang-switch")
    en = page.evaluate(VISIBLE_TEXT_JS)
    assert vietnamese_words(en) == [], en
    assert not INTERNAL_ID.search(vi + en)
    assert "OpenStreetMap contributors" in page.inner_text("footer")
    assert page.errors == []


def test_hostile_names_stay_inert_in_links_and_contact(phone, site_dir):
    page = phone
    page.goto((site_dir / "routes" / "hostile.html").as_uri())
    row = page.locator("tr.stop-row").nth(1)
    assert row.locator(".stop-name").inner_text() == HOSTILE
    geo = row.locator('.dir-link[data-app="OsmAnd"]').get_attribute("href")
    assert geo.endswith("(%3Cimg%20src%3Dx%20onerror%3Dalert%5B1%5D%3E)")
    assert "Địa chỉ: " + HOSTILE in row.locator(".contact").inner_text()
    producer = page.context.new_page()
    producer.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    producer.goto((site_dir / "producers" / "hcm-p001.html").as_uri())
    assert producer.locator("h1").inner_text() == HOSTILE
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert producer.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert page.dialogs == [] and page.errors == []
