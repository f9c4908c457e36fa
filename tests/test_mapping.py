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
from _publish_fixtures import (
    HOSTILE,
    HOSTILE_VENUE,
    itinerary,
    producers_gdf,
    products_df,
    venues_gdf,
)

from ocop_geo import mapping
from ocop_geo.i18n import gettext
from ocop_geo.planner import DAY_COLORS

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


JS = (mapping.STATIC_DIR / "ocop" / "ocop-map.js").read_text(encoding="utf-8")


def test_venues_drawn_with_their_own_icons_popups_and_legend():
    venues = venues_gdf(unplaced=True)
    m = mapping.producer_map(producers_gdf(), products=products_df(), venues=venues)
    html = mapping.map_html(m, title="t")
    recs = _payload(html, "ocopDrawVenues")["venues"]
    assert [r["id"] for r in recs] == ["VEN-001", "VEN-002", "VEN-003", "VEN-004"]  # the unplaced one skipped
    shop, fair, fair25, farm = recs
    assert (shop["kind"], shop["icon"], fair["icon"], farm["icon"]) == ("display_point", "shop", "fair", "farm")
    assert fair["dates"] == {"vi": "6–10/11/2024", "en": "6–10 Nov 2024"}
    assert fair25["dates"]["vi"] == "28–30/11/2025"
    assert shop["address"] == "số 1 Lý Nam Đế, trung tâm Chợ Hóc Môn" and shop["unit"] == "Xã Hóc Môn"
    assert shop["links"] == [venues.loc[0, "source"]] and "source" not in shop
    assert "dates" not in shop and "hours" not in shop  # empty fields are left out
    opened = venues.copy()
    opened.loc[0, "start_date"] = "2025-05-23"  # a display point's start date is the day it opened, not an event
    first = _payload(mapping.producer_map(producers_gdf(), venues=opened).get_root().render(), "ocopDrawVenues")["venues"][0]
    assert first["opened"] == {"vi": "23/5/2025", "en": "23 May 2025"} and "dates" not in first
    assert abs(shop["lat"] - 10.8889389) < 1e-6 and abs(shop["lon"] - 106.5962633) < 1e-6
    assert "OpenStreetMap" in html and "contributors" in html
    # the script draws each icon key, names each kind in both languages and puts the venues in the legend
    for key in ("shop", "fair", "farm", "hotel", "restaurant", "venue"):
        assert re.search(rf"\b{key}: \"M", JS), key
        label = re.search(rf'\bv_{key}: N_\("([^"]+)"\)', JS)
        assert label and gettext(label.group(1), "vi") != label.group(1), key  # named in both languages
    for kind in mapping.VENUE_ICONS:
        label = re.search(rf'\b{kind}: N_\("([^"]+)"\)', JS)  # the popup label, translated by the catalogue
        assert label and gettext(label.group(1), "vi") != label.group(1), kind
    assert "legendOf(map).add" in JS and "ocopDrawVenues" in JS


def test_every_venue_kind_has_an_icon_apart_from_the_producer_icons():
    assert set(mapping.VENUE_ICONS) == {"showroom", "display_point", "point_of_sale", "fair", "market",
                                        "agritourism", "hotel", "restaurant"}  # fmt: skip
    assert {mapping.VENUE_ICONS[k] for k in ("showroom", "display_point", "point_of_sale")} == {"shop"}
    assert mapping.VENUE_ICONS["fair"] == mapping.VENUE_ICONS["market"] == "fair"
    assert len({mapping.VENUE_ICONS[k] for k in ("showroom", "fair", "agritourism", "hotel", "restaurant")}) == 5
    assert not set(mapping.VENUE_ICONS.values()) & set(mapping.GROUP_ICONS.values())
    # SYNTHETIC rows (the bundled venues have no hotel or restaurant yet): one per kind, plus an unknown kind
    kinds = [*mapping.VENUE_ICONS, "museum"]
    gdf = gpd.GeoDataFrame({"venue_id": [f"SYN-{i}" for i in range(len(kinds))], "kind": kinds,
                            "name": [f"Synthetic {k}" for k in kinds]},
                           geometry=gpd.points_from_xy([106.7] * len(kinds), [10.8] * len(kinds)), crs=4326)  # fmt: skip
    recs = _payload(mapping.route_map(itinerary(n_days=1), venues=gdf).get_root().render(), "ocopDrawVenues")["venues"]
    assert [r["icon"] for r in recs] == [*mapping.VENUE_ICONS.values(), "venue"]


def test_route_map_draws_a_venue_stop_once_with_the_venue_details():
    it = itinerary(venue_stop=True)
    html = mapping.route_map(it, venues=venues_gdf()).get_root().render()
    layer = _payload(html, "ocopDrawVenues")["venues"]
    assert "VEN-001" not in [r["id"] for r in layer] and len(layer) == 3
    stop = _payload(html, "ocopDrawRoute")["days"][0]["stops"][2]
    assert stop["kind"] == "poi" and stop["venue"]["kind"] == "display_point" and stop["venue"]["icon"] == "shop"
    assert stop["venue"]["address"].startswith("số 1 Lý Nam Đế") and stop["unit"] == "Xã Hóc Môn"
    producer = _payload(html, "ocopDrawRoute")["days"][0]["stops"][1]
    assert producer["unit"] == "Xã Bình Mỹ" and producer["ward"] == "Hòa Phú"
    assert "L.control.layers" in html and "OCOP shops, fairs, stays" in html
    # without venues: no venue layer at all
    assert "ocopDrawVenues(" not in mapping.route_map(it).get_root().render()


def test_hostile_venue_text_is_escaped_and_never_evaluated():
    m = mapping.route_map(itinerary(n_days=1), venues=venues_gdf(hostile=True))
    html = mapping.map_html(m, title="t")
    assert "<img" not in html
    assert _payload(html, "ocopDrawVenues")["venues"][0]["name"] == HOSTILE_VENUE
    assert "{{7*7}}" not in html  # the "{" of "{{" is escaped as \u007b in the JSON


def test_place_label_puts_the_2025_unit_beside_the_old_ward():
    assert mapping.place_label("Xã Hòa Phú", "Củ Chi", "Xã Bình Mỹ") == "Xã Hòa Phú, Củ Chi · 2025: Xã Bình Mỹ"
    assert mapping.place_label("Xã Hòa Phú", "Củ Chi", "Xã Bình Mỹ", lang="vi") == (
        "Xã Hòa Phú, Củ Chi · Đơn vị 2025: Xã Bình Mỹ")
    assert mapping.place_label("", "Củ Chi", "") == "Củ Chi"
    assert mapping.place_label("", "", "Phường Thủ Dầu Một") == "Phường Thủ Dầu Một"  # former Bình Dương
    assert mapping.place_label("Phường Vũng Tàu", "", "Phường Vũng Tàu") == "Phường Vũng Tàu"
    assert mapping.place_label("Phường Phú Cường", "", "Phường Thủ Dầu Một") == (
        "Phường Phú Cường · 2025: Phường Thủ Dầu Một")


def test_date_range_text_shortens_repeated_months_and_years():
    d = mapping.date_range_text
    assert d("2024-11-06", "2024-11-10") == {"vi": "6–10/11/2024", "en": "6–10 Nov 2024"}
    assert d("2024-10-28", "2024-11-03") == {"vi": "28/10–3/11/2024", "en": "28 Oct – 3 Nov 2024"}
    assert d("2024-12-30", "2025-01-02")["vi"] == "30/12/2024–2/1/2025"
    assert d("2025-12-19", "2025-12-19") == {"vi": "19/12/2025", "en": "19 Dec 2025"}
    assert d("2023-10-27", "") == {"vi": "từ 27/10/2023", "en": "from 27 Oct 2023"}
    assert d("", "") == {"vi": "", "en": ""}
    assert d("tháng 3–7", "") == {"vi": "tháng 3–7", "en": "tháng 3–7"}  # not ISO: as written


def test_venues_keep_the_page_light():
    """SYNTHETIC venues (scale test only): 200 add well under 300 bytes each."""
    rng = np.random.default_rng(1)
    n = 200
    gdf = gpd.GeoDataFrame(
        {"venue_id": [f"SYN-V{i}" for i in range(n)], "kind": "point_of_sale", "name": [f"Synthetic shop {i}" for i in range(n)],
         "address": "", "ward": "", "district": "Củ Chi", "source": ""},
        geometry=gpd.points_from_xy(rng.uniform(106.5, 106.8, n), rng.uniform(10.6, 11.0, n)), crs=4326,
    )  # fmt: skip
    small = len(mapping.map_html(mapping.producer_map(producers_gdf(), venues=gdf.head(10)), title="t"))
    large = len(mapping.map_html(mapping.producer_map(producers_gdf(), venues=gdf), title="t"))
    assert (large - small) / (n - 10) < 300


def test_every_day_colour_reaches_4_5_to_1_with_its_label_colour():
    """Computed from the planner's palette: the text drawn on each day's pins and chips reads at WCAG AA."""
    for color in DAY_COLORS:
        ink = mapping.ink_color(color)
        assert mapping.contrast_ratio(ink, color) >= 4.5, (color, ink)
    # white alone would not do (the 3.8, 1.8 and 3.5 : 1), so the choice matters
    assert sorted(round(mapping.contrast_ratio("#ffffff", c), 1) for c in ("#1a9641", "#fdae61", "#e66101")) == [1.8, 3.5, 3.8]
    assert mapping.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    # the day colours stay apart from each other (no two days drawn alike)
    assert len(set(DAY_COLORS)) == len(DAY_COLORS)


def test_stop_labels_are_unique_per_route_and_sent_with_each_day_s_ink():
    it = itinerary(venue_stop=True)
    data = _payload(mapping.route_map(it).get_root().render(), "ocopDrawRoute")
    labels = [s["label"] for d in data["days"] for s in d["stops"]]
    assert len(labels) == len(set(labels))
    assert labels[:5] == ["▶1", "1-1", "1-2", "■1", "▶2"] and "☀2" in labels
    assert [mapping.stop_label(d, s) for d in it.days for s in d.stops] == labels
    assert [d["ink"] for d in data["days"]] == [mapping.ink_color(d.color) for d in it.days]
    assert data["days"][0]["stops"][1]["ids"] == ["HCM-P004"]  # the producer layer leaves it out (drawn as the stop)


def test_route_map_loads_gesture_handling_and_bilingual_leg_tips():
    html = mapping.route_map(itinerary()).get_root().render()
    assert "gesture-handling/leaflet-gesture-handling.min.js" in html
    assert "gesture-handling/leaflet-gesture-handling.min.css" in html
    assert '<span lang="vi">Ngày 1' in html and '<span lang="en">Day 1' in html and "phút" in html
    assert "control_scale" not in html and "L.control.scale" not in html  # ocop-map.js adds a metric scale


def test_producer_markers_are_compact_and_details_separate():
    producers, products = producers_gdf(hostile=True), products_df()
    slugs = {pid: pid.lower() for pid in producers["producer_id"]}
    markers, details = mapping.producer_markers(producers, products=products, slugs=slugs)
    assert markers.count("ocopProducerMarkers(") == 1 and "<img" not in markers  # escaped: \u003cimg
    data = json.loads(markers[markers.index("(") + 1:markers.rindex(")")])
    placed = producers[producers.geometry.x.notna()]
    assert [r[0] for r in data["producers"]] == [slugs[p] for p in placed["producer_id"]]
    slug, name, lon, lat, groups, stars, prec = data["producers"][1]
    row = placed.iloc[1]
    assert (name, lon, lat) == (row["name"], round(row.geometry.x, 5), round(row.geometry.y, 5))
    assert data["precision"][prec] == row["location_precision"] and isinstance(stars, int)
    assert all(len(g) == 3 for g in data["groups"]) and groups
    assert not any(n in markers for n in products["name"]) and set(details) == {r[0] for r in data["producers"]}
    one = details[slug]
    assert one.startswith(f'ocopProducerDetail("{slug}",') and products.loc[
        products["producer_id"] == row["producer_id"], "name"].iloc[0] in one


def test_producer_page_maps_render_once_and_fill_each_producer():
    producers = producers_gdf()
    maps = mapping.ProducerPageMaps(producers, products=products_df(), venues=venues_gdf())
    placed = producers[producers.geometry.x.notna()]["producer_id"].tolist()
    unplaced = producers[producers.geometry.x.isna()]["producer_id"].tolist()
    assert unplaced and all(maps.parts(pid) is None for pid in unplaced)
    a, b = maps.parts(placed[0]), maps.parts(placed[1])
    assert a.head == b.head and a.script == b.script and a.body != b.body
    data = _payload(a.body + a.script, "ocopDrawProducers")
    assert data["fit"] is True and [r["id"] for r in data["producers"]] == [placed[0]]
    assert "fitBounds(" not in a.script  # fitted by ocop-map.js from the data
    assert "ocopDrawVenues" in a.script
