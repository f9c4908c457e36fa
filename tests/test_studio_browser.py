"""The route studio end to end in Debian's chromium: start it on a free port, make a route from scratch, plan it,
drag a stop, lock one, re-optimise, save to TOML, reopen it, publish, open the published page. No network."""

from __future__ import annotations

import shutil
import socket
import threading
import time

import pytest
import uvicorn
from _chromium import require_chromium

from ocop_geo import settings
from ocop_geo.studio import create_app
from ocop_geo.studio_session import Studio, StudioConfig

require_chromium()
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def studio_url(tmp_path_factory: pytest.TempPathFactory, hcmc_graph_for):
    root = tmp_path_factory.mktemp("studio_e2e")
    (root / "registry").mkdir()
    for name in ("producers.csv", "products.csv", "venues.csv"):
        shutil.copy(settings.data_dir / "registry" / name, root / "registry" / name)
    shutil.copytree(settings.data_dir / "routes", root / "routes")
    session = Studio(StudioConfig(registry_paths=sorted((root / "registry").glob("*.csv")), routes_dir=root / "routes",
                                  out_dir=root / "out"), graphs={"motorbike": hcmc_graph_for("motorbike")})
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(session, lang="vi"), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/", root
    server.should_exit = True
    thread.join(10)
    session.close()


def _page(browser, width=1366, height=768):
    page = browser.new_page(viewport={"width": width, "height": height}, bypass_csp=True)
    page.route("https://**", lambda route: route.abort())  # no tiles, no network
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def _pick(page, box, text):
    box.fill(text)
    page.locator(".hits li").first.wait_for()
    box.press("Enter")


def _wait_status(page, text):
    page.wait_for_function("t => document.getElementById('status').textContent === t", arg=text, timeout=90_000)


def test_a_route_from_scratch_to_a_published_page(browser, studio_url):
    url, root = studio_url
    page, errors = _page(browser)
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    assert page.locator("h1").inner_text() == "Xưởng thiết kế tuyến OCOP"
    assert "© OpenStreetMap contributors" in page.locator(".foot").inner_text()
    # a new route, from scratch
    page.click("#new-route")
    page.fill("#f-file", "hoc_mon_thu")
    page.locator("#f-file").dispatch_event("change")
    page.fill("#f-id", "hoc-mon-thu")
    page.locator("#f-id").dispatch_event("change")
    page.fill("#f-title_vi", "Thử một ngày Hóc Môn – Củ Chi")
    page.locator("#f-title_vi").dispatch_event("change")
    page.click("#add-day")
    page.fill("#f-days", "2026-12-05")
    page.locator("#f-days").dispatch_event("change")
    _pick(page, page.locator('[data-field="districts"] input'), "cu chi")
    _pick(page, page.locator('[data-field="districts"] input'), "hoc mon")
    page.locator("#themes input[value='Thực phẩm']").check()
    page.select_option("#f-min_stars", "3")
    # plan
    page.click("#plan")
    page.wait_for_selector("#days-plan .stop.visit", timeout=90_000)
    assert page.locator(".verdict .badge").count() == 1
    assert page.locator("#left-out li").count() > 0
    visits = page.locator("#days-plan .stop.visit")
    first_uid = visits.nth(0).get_attribute("data-uid")
    # drag the first visit below the third
    visits.nth(0).drag_to(visits.nth(2))
    _wait_status(page, "Đã tính lại giờ")
    order = [visits.nth(i).get_attribute("data-uid") for i in range(visits.count())]
    assert order.index(first_uid) == 1
    # lock one producer, re-optimise around it
    locked = page.locator("#days-plan .stop.visit:has(button.lock)").nth(0)
    locked_uid = locked.get_attribute("data-uid")
    locked.locator("button.lock").click()
    assert page.locator(f'.stop[data-uid="{locked_uid}"] button.lock').get_attribute("aria-pressed") == "true"
    page.click("#reoptimise")
    _wait_status(page, "Đã lập lộ trình")
    assert locked_uid in page.locator('[data-field="must_visit"] .chips').inner_text()
    assert page.locator(f'#days-plan .stop[data-uid="{locked_uid}"]').count() == 1
    # save to TOML, reopen
    page.click("#save")
    _wait_status(page, "Đã lưu vào data/routes/hoc_mon_thu.toml")
    text = (root / "routes" / "hoc_mon_thu.toml").read_text(encoding="utf-8")
    assert 'id = "hoc-mon-thu"' in text and locked_uid in text and "Củ Chi" in text
    page.select_option("#route-file", "cu_chi_food_day")
    page.wait_for_function("document.getElementById('f-id').value === 'cu-chi-food-day'")
    page.select_option("#route-file", "hoc_mon_thu")
    page.wait_for_function("document.getElementById('f-id').value === 'hoc-mon-thu'")
    assert page.locator("#f-title_vi").input_value() == "Thử một ngày Hóc Môn – Củ Chi"
    # publish, preview, open the published page
    page.click("#plan")
    _wait_status(page, "Đã lập lộ trình")
    page.click("#publish")
    page.wait_for_selector("dialog#preview[open]", timeout=120_000)
    frame = page.frame_locator("#preview-frame")
    frame.locator("h1").first.wait_for(timeout=30_000)
    href = page.locator("#preview-open").get_attribute("href")
    public, public_errors = _page(browser, 390, 844)
    public.goto(url.rstrip("/") + href)
    assert "Thử một ngày Hóc Môn – Củ Chi" in public.title()
    assert "OpenStreetMap" in public.content()
    assert (root / "out" / "site" / "routes" / "hoc-mon-thu.html").is_file()
    assert errors == [] and public_errors == []


def test_a_bad_spec_is_shown_in_the_form(browser, studio_url):
    url, _ = studio_url
    page, errors = _page(browser)
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.click("#new-route")
    page.click("#plan")
    box = page.locator("#form-errors")
    box.wait_for(state="visible", timeout=30_000)
    text = box.inner_text()
    assert text.startswith("3 vấn đề cần sửa") and "id: is empty" in text and "days: [] is not" in text
    assert page.locator("#f-id").get_attribute("aria-invalid") == "true"
    assert errors == []
