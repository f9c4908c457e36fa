"""'OCOP near here' pages in a real browser (Playwright driving Debian's chromium, pages from file://): the phone
page (list, map, hand-off links, language switch, hostile names inert, no sideways scrolling) and the A5 leaflet
(one A5 page, printed by Playwright and by the project's own ``export.html_to_pdf``).

No network: tile requests are aborted. Producers are the real bundled ones (tests/_publish_fixtures.py) on the
full-city graph (cached per run). Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _axe import axe_violations, format_violations
from _chromium import require_chromium
from _publish_fixtures import (
    HOSTILE,
    HOSTILE_VENUE,
    MAP_SETTLED_JS,
    producers_gdf,
    products_df,
    venues_gdf,
)

from ocop_geo import site
from ocop_geo.export import html_to_pdf
from ocop_geo.near_file import NearVenue
from ocop_geo.site_near import LEAFLET_MAX

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TILES = "https://tile.openstreetmap.org/"
#: A5 in PostScript points (148 x 210 mm), as Chromium writes the MediaBox.
A5_PT = (419.5, 595.3)

require_chromium()


@pytest.fixture(scope="module")
def near_dir(tmp_path_factory, hcmc_graph) -> Path:
    """A site with two near-here pages: the Hóc Môn display point (a fixture venue with a hostile name) and a
    hostile-named hotel in Gò Vấp, over the bundled producers (one hostile), 90 minutes by motorbike and car
    for the first (the fixture producers are commune / district centroids, most in the outer districts)."""
    out = tmp_path_factory.mktemp("near-browser")
    places = [NearVenue(name=HOSTILE_VENUE, lat=10.889016, lon=106.595621, kind="display_point", venue_id="VEN-001",
                        precision="street", minutes=90, modes=("motorbike", "car")),
              NearVenue(name=HOSTILE + " Hotel", lat=10.8515, lon=106.6095, kind="hotel")]  # fmt: skip
    site.publish_site([], out, producers=producers_gdf(hostile=True), products=products_df(),
                      venues=venues_gdf(hostile=True), base_url="https://example.org/ocop", near=places,
                      graphs={"motorbike": hcmc_graph})  # fmt: skip
    return out / "near"


def _open(browser, path: Path, *, width: int, height: int):
    ctx = browser.new_context(viewport={"width": width, "height": height})
    page = ctx.new_page()
    seen: dict[str, list[str]] = {"errors": [], "dialogs": []}
    page.on("console", lambda m: m.type == "error" and not (m.location or {}).get("url", "").startswith(TILES)
            and seen["errors"].append(m.text))  # fmt: skip
    page.on("pageerror", lambda exc: seen["errors"].append(f"pageerror: {exc}"))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.route(f"{TILES}**", lambda route: route.abort())
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return ctx, page, seen


def test_phone_page_lists_maps_and_hands_off(browser, near_dir):
    ctx, page, seen = _open(browser, near_dir / "img-src-x-onerror-alert-1-7-7.html", width=390, height=844)
    page.wait_for_function("window.ocop && window.ocop.producers > 0")
    page.wait_for_function(MAP_SETTLED_JS)
    items = page.locator("li.near-item")
    n = items.count()
    assert n >= 5
    assert page.evaluate("window.ocop.producers + window.ocop.venues") == n + 1  # the listed places and the venue
    # fastest first: the first mode's minutes never decrease down the list
    minutes = [int(re.search(r"(\d+) phút", t).group(1)) for t in page.locator(".near-t:first-child").all_inner_texts()]
    assert minutes == sorted(minutes) and max(minutes) <= 90
    assert page.locator(".near-t").count() == 2 * n  # motorbike and car for every place
    # one tap to navigation apps, 44 px targets
    first = items.first
    hrefs = first.locator(".dir-link").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert [h.split(":")[0] for h in hrefs] == ["https", "https", "geo"]
    assert hrefs[0].startswith("https://www.google.com/maps/dir/?api=1&destination=")
    assert min(first.locator(".dir-link").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")) >= 44
    # hostile names are text, the page does not scroll sideways
    assert page.locator("h1").inner_text() == HOSTILE_VENUE and seen["dialogs"] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "near_here_phone.png"))
    page.click("#lang-switch")
    assert page.inner_text(".near-kicker").lower() == "ocop near here" and " min by motorbike" in page.inner_text(".near-time")
    assert seen["errors"] == [], seen["errors"]
    ctx.close()


def _pdf_pages(data: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    n = len(re.findall(rb"/Type\s*/Page\b", data))
    return [(float(w), float(h)) for w, h in boxes][:n] if boxes else []


def test_leaflet_prints_on_one_a5_page(browser, near_dir, tmp_path):
    leaflet = near_dir / "img-src-x-onerror-alert-1-7-7.print.html"
    ctx, page, seen = _open(browser, leaflet, width=559, height=794)  # A5 at 96 dpi
    page.emulate_media(media="print")
    assert page.locator(".toolbar").is_hidden()
    listed = len(re.findall(r'class="near-item"', (near_dir / "img-src-x-onerror-alert-1-7-7.html").read_text("utf-8")))
    assert listed > 0 and page.locator("ol > li").count() == min(listed, LEAFLET_MAX)  # the nearest on paper
    assert page.locator(".more").count() == (listed > LEAFLET_MAX)
    assert page.locator(".qr svg").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "near_here_leaflet.png"), full_page=True)
    pages = _pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True))
    assert len(pages) == 1 and pages[0] == pytest.approx(A5_PT, abs=1.0)
    assert seen["errors"] == [] and seen["dialogs"] == []
    ctx.close()
    # the project's own printer (Chromium's --print-to-pdf) takes the page size from the CSS too
    pdf = html_to_pdf(leaflet, tmp_path / "leaflet.pdf")
    pages = _pdf_pages(pdf.read_bytes())
    assert len(pages) == 1 and pages[0] == pytest.approx(A5_PT, abs=1.0)


@pytest.mark.parametrize("size", [(390, 844), (1366, 768)], ids=["phone", "laptop"])
@pytest.mark.parametrize("name", ["img-src-x-onerror-alert-1-7-7.html", "img-src-x-onerror-alert-1-7-7.print.html"])
def test_axe_finds_no_serious_or_critical_violation_on_near_here_pages(browser, near_dir, name, size):
    ctx, page, seen = _open(browser, near_dir / name, width=size[0], height=size[1])
    if not name.endswith(".print.html"):
        page.wait_for_function(MAP_SETTLED_JS)
    assert seen["errors"] == [] and seen["dialogs"] == []  # before axe, whose own file:// requests log errors
    bad = axe_violations(page)
    assert not bad, f"{name} at {size}:\n" + format_violations(bad)
    ctx.close()
