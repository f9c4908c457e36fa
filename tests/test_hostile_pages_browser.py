"""Hostile text on a phone (issue 15, D7): an unbroken 5,000-character name once made pages 54,000–93,000 px wide
on a 390 px phone; every page must stay as wide as the screen."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from _chromium import require_chromium
from _publish_fixtures import itinerary, producers_gdf, products_df, venues_gdf

from ocop_geo import site

require_chromium()
pytestmark = pytest.mark.browser
LONG = "Đ" + "ặ" * 4999  # 5,000 letters, no space or hyphen to break at


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    it = itinerary(n_days=1)
    day = it.days[0]
    stops = tuple(replace(s, name=LONG) if s.kind == "producer" else s for s in day.stops)
    it = replace(it, title={"vi": LONG, "en": LONG}, days=(replace(day, stops=stops),))
    producers = producers_gdf()
    producers.loc[0, "name"] = LONG
    products = products_df()
    products.loc[0, "name"] = "x" * 300
    venues = venues_gdf()
    venues.loc[0, "name"] = LONG
    out = tmp_path_factory.mktemp("long-names")
    site.publish_site([it], out, producers=producers, products=products, venues=venues, lang="vi")
    return out


@pytest.mark.parametrize("page", ["index.html", "routes/test-fixture-outskirts.html",
                                  "routes/test-fixture-outskirts.print.html", "producers/index.html",
                                  "producers/hcm-p001.html"])  # fmt: skip
def test_an_unbroken_5000_character_name_does_not_widen_a_phone_page(browser, site_dir, page):
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    p = ctx.new_page()
    p.route("https://**", lambda r: r.abort())
    path = site_dir / page
    if not path.exists():  # the producer's page is named by its id
        path = next((site_dir / "producers").glob("hcm-p00*.html"))
    p.goto(path.as_uri())
    p.wait_for_load_state("load")
    width = p.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"{page} is {width} px wide on a 390 px phone"
    ctx.close()
