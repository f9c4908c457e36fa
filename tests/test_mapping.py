"""Route and producer maps: folium objects and their rendered HTML (no browser here).

Itineraries are hand-built TEST FIXTURES over the real bundled producers (tests/_publish_fixtures.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from _publish_fixtures import HOSTILE, itinerary, producers_gdf, products_df

from ocop_geo import mapping

CDN = re.compile(r"cdn\.jsdelivr|cdnjs|code\.jquery|bootstrapcdn|unpkg|fontawesome", re.I)


def _payload(html: str, function: str) -> dict:
    """The JSON a page hands to one ocop-map.js function."""
    ids = re.findall(rf"{function}\(\w+,\s*JSON\.parse\(document\.getElementById\(\"(\w+)\"\)", html)
    assert len(ids) == 1, f"expected one {function} call, found {len(ids)}"
    m = re.search(rf'<script type="application/json" id="{ids[0]}">(.*?)</script>', html, re.S)
    assert m, "the JSON data block is missing"
    return json.loads(m.group(1))


def test_to_latlon_swaps_shapely_order_for_pairs_and_geometries():
    assert mapping.to_latlon([(106.7, 10.77)]) == [[10.77, 106.7]]
    line = shapely.LineString([(106.6, 10.9), (106.7, 10.8)])
    assert mapping.to_latlon(line) == [[10.9, 106.6], [10.8, 106.7]]


def test_json_for_script_cannot_close_the_script_element():
    text = mapping.json_for_script({"name": "</script><script>alert(1)</script> & <b>"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["name"].startswith("</script>")
    with pytest.raises(ValueError):
        mapping.json_for_script({"lat": float("nan")})


def test_route_map_layers_stops_and_lines():
    it = itinerary()
    m = mapping.route_map(it)
    assert isinstance(m, folium.Map)
    html = m.get_root().render()
    groups = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    assert len(groups) == len(it.days) == 3
    data = _payload(html, "ocopDrawRoute")
    assert [d["day"] for d in data["days"]] == [1, 2, 3]
    assert [[s["name"] for s in d["stops"]] for d in data["days"]] == [
        [s.name for s in day.stops] for day in it.days
    ]
    assert [d["color"] for d in data["days"]] == [d.color for d in it.days]
    producer = data["days"][0]["stops"][1]
    assert producer["kind"] == "producer" and producer["stars"] == 4 and producer["icon"] == "food"
    assert producer["products"] and producer["arrival"] == it.days[0].stops[1].arrival
    # one polyline per leg, the off-network one dashed and labelled
    n_legs = sum(1 for _, s in it.stops() if s.leg_in is not None)
    assert html.count("L.polyline(") == n_legs
    assert html.count('"dashArray": "8 8"') == 1
    assert "off the road network" in html
    assert "fitBounds" in html
    assert "L.control.layers" in html


def test_route_map_uses_vendored_assets_and_allows_zoom():
    m = mapping.route_map(itinerary(n_days=1))
    html = mapping.map_html(m, title="Test")
    assert not CDN.search(html), CDN.search(html)
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert srcs and all(s.startswith("static/") for s in srcs)
    for s in srcs:
        assert (mapping.STATIC_DIR / s.removeprefix("static/")).is_file(), s
    assert "user-scalable=no" not in html and "maximum-scale" not in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert re.search(r'"attribution": "\\u0026copy; .*OpenStreetMap.* contributors"', html)


def test_hostile_registry_text_never_reaches_html_unescaped():
    m = mapping.route_map(itinerary(hostile=True))
    mapping.producer_map(producers_gdf(hostile=True), products=products_df(), m=m)
    html = mapping.map_html(m, title=HOSTILE)
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # <title>, escaped
    # the JSON still carries the exact text, for textContent
    assert _payload(html, "ocopDrawRoute")["days"][0]["stops"][1]["name"] == HOSTILE
    assert _payload(html, "ocopDrawProducers")["producers"][0]["name"] == HOSTILE
    # folium puts tooltips in a JS template literal: no backtick or ${ may survive there
    tips = re.findall(r"bindTooltip\(\s*`(.*?)`,", html, re.S)
    assert len(tips) == sum(1 for _, s in itinerary().stops() if s.leg_in is not None)
    assert not [t for t in tips if "`" in t or "$" in t or "\\" in t]
    assert any("&#96;&#36;&#123;alert(2)}&#96; &#123;&#123;7*7}} &#92;" in t for t in tips)


SSTI = "{{7*7}} {{ lipsum.__globals__.os.getcwd() }} {%raw%}{#x#}"


def test_jinja_in_registry_text_is_never_evaluated():
    """folium renders element output again as a Jinja template: names must come out exactly as written."""
    from dataclasses import replace

    it = itinerary()
    day = it.days[0]
    evil = replace(day.stops[1], name=SSTI)
    it = replace(it, title={"vi": "{{8*8}}", "en": "{{9*9}}"},
                 days=(replace(day, stops=(day.stops[0], evil, *day.stops[2:])), *it.days[1:]))
    producers = producers_gdf()
    producers.loc[producers.index[0], "name"] = SSTI
    m = mapping.route_map(it)
    mapping.producer_map(producers, products=products_df(), m=m)
    html = mapping.map_html(m, title="t")
    assert str(Path.cwd()) not in html  # os.getcwd() was not run
    assert _payload(html, "ocopDrawRoute")["days"][0]["stops"][1]["name"] == SSTI
    assert _payload(html, "ocopDrawRoute")["title"] == {"vi": "{{8*8}}", "en": "{{9*9}}"}
    assert _payload(html, "ocopDrawProducers")["producers"][0]["name"] == SSTI
    tips = re.findall(r"bindTooltip\(\s*`(.*?)`,", html, re.S)
    assert any("&#123;&#123;7*7}}" in t for t in tips)


def test_layers_compose_on_a_given_map():
    m = mapping.base_map()
    assert mapping.route_map(itinerary(n_days=1), m=m) is m
    assert mapping.producer_map(producers_gdf(), products=products_df(), m=m) is m
    html = m.get_root().render()
    assert "ocopDrawRoute(" in html and "ocopDrawProducers(" in html
    assert "markercluster/leaflet.markercluster.js" in html


def test_route_map_on_a_map_made_elsewhere_loads_its_script_once():
    m = folium.Map(location=[10.8, 106.7])  # e.g. from GeoDataFrame.explore()
    mapping.route_map(itinerary(n_days=1), m=m)
    mapping.producer_map(producers_gdf(), m=m)
    html = m.get_root().render()
    assert html.count('src="static/ocop/ocop-map.js"') == 1
    assert html.count("ocopMapControls(") == 1 and "ocopDrawRoute(" in html


def test_producer_map_skips_unlocated_reprojects_and_groups():
    gdf = producers_gdf()
    located = int(np.isfinite(gdf["lat"]).sum())
    m = mapping.producer_map(gdf.to_crs(32648), products=products_df())
    data = _payload(m.get_root().render(), "ocopDrawProducers")["producers"]
    assert len(data) == located < len(gdf)
    first = data[0]
    assert first["lat"] == pytest.approx(gdf.iloc[0]["lat"], abs=1e-6)
    assert first["lon"] == pytest.approx(gdf.iloc[0]["lon"], abs=1e-6)
    assert "Thực phẩm" in first["groups"] and first["stars"] == 4


def test_marker_weight_stays_small_synthetic_scale():
    """SYNTHETIC producers (scale test only): each adds far less than folium's ~1 KB per marker."""
    rng = np.random.default_rng(0)
    n = 500
    gdf = gpd.GeoDataFrame(
        {"producer_id": [f"SYN-{i}" for i in range(n)], "name": [f"Synthetic producer {i}" for i in range(n)],
         "location_precision": "exact", "district": "Củ Chi", "ward": ""},
        geometry=gpd.points_from_xy(rng.uniform(106.5, 106.8, n), rng.uniform(10.6, 11.0, n)), crs=4326,
    )  # fmt: skip
    small = len(mapping.map_html(mapping.producer_map(gdf.head(10)), title="t"))
    large = len(mapping.map_html(mapping.producer_map(gdf), title="t"))
    per_marker = (large - small) / (n - 10)
    assert per_marker < 250, per_marker


def test_route_svg_sketch_has_a_line_per_day_and_escaped_title():
    svg = mapping.route_svg(itinerary(hostile=True))
    assert svg.count("<polyline") == 3
    assert "<img" not in svg and "&lt;img" in svg
    assert re.search(r'viewBox="0 0 320 200"', svg)


def test_save_map_writes_page_with_its_assets(tmp_path: Path):
    m = mapping.route_map(itinerary(n_days=1))
    page = mapping.save_map(m, tmp_path / "out" / "map.html", title="Củ Chi")
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    for rel in ("static/leaflet/leaflet.js", "static/leaflet/LICENSE", "static/ocop/ocop-map.js"):
        assert (page.parent / rel).is_file(), rel
    assert not list((page.parent / "static").rglob("README.md"))
