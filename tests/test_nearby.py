"""'OCOP near here': the within-N selection on real roads (its order, modes and flags), the near file and its bad rows,
and the pages (hostile names inert, no internal ids on the leaflet, linked from the index).

The small network is the District 3 OSM fixture; the city lists use the bundled registry on the full-city graphs
(built once per run through ``.cache/``, see conftest). Page tests use the hand-built fixtures of
tests/_publish_fixtures.py (real bundled producers, a hostile name).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _publish_fixtures import (
    HOSTILE,
    HOSTILE_VENUE,
    itinerary,
    producers_gdf,
    products_df,
    venues_gdf,
)
from shapely.geometry import Point

import ocop_geo as og
from ocop_geo import site, site_near
from ocop_geo._errors import InputFileError, NetworkError, ValidationError
from ocop_geo.near_file import NearVenue, read_near_file, registry_near_venues
from ocop_geo.nearby import near_targets, outside_extent, places_within, select_within
from ocop_geo.site_near import publish_near
from ocop_geo.spec import load_pois

HOC_MON = (10.889016, 106.595621)  # the Hóc Môn OCOP display point (HCM-V01), at Chợ Hóc Môn


@pytest.fixture(scope="module")
def registry() -> og.registry.Registry:
    return og.load_bundled_registry()


@pytest.fixture(scope="module")
def pois():
    return load_pois()


def _targets(rows: list[tuple[str, str, str, float, float]]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=["site_id", "kind", "precision", "lat", "lon"]).assign(
        name=lambda d: "name " + d["site_id"])
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=4326)


def test_select_within_is_inclusive_sorted_and_leaves_out_the_origin_and_unreachable():
    targets = _targets([("A", "producer", "exact", 10.8, 106.7), ("B", "producer", "ward", 10.81, 106.7),
                        ("C", "showroom", "exact", 10.82, 106.7), ("SELF", "hotel", "exact", 10.8, 106.7),
                        ("D", "producer", "district", 10.83, 106.7), ("E", "producer", "exact", 10.84, 106.7)])
    seconds = np.array([600.0, 300.0, 1800.0, 0.0, np.inf, 1800.1])
    got = select_within(seconds, seconds * 10, np.array([False, False, True, False, False, False]), targets,
                        minutes=30, exclude={"SELF"})
    assert [p.site_id for p in got] == ["B", "A", "C"]  # fastest first; 30 min inclusive; 30 min 0.1 s is out
    assert [p.minutes for p in got] == [5, 10, 30]
    assert [(p.approximate, p.estimated, p.time_approximate) for p in got] == [
        (True, False, True), (False, False, False), (False, True, True)]
    assert got[2].kind == "showroom" and got[0].lat == pytest.approx(10.81)
    with pytest.raises(ValueError, match="one of each per target"):
        select_within(seconds[:3], seconds, seconds, targets, minutes=30)


def test_targets_are_placed_producers_and_venues_without_fairs(registry):
    targets = near_targets(registry.producers, registry.venues)
    ids = set(targets["site_id"])
    assert not ids & set(registry.unplaced["producer_id"])  # unplaced producers are never listed
    placed = registry.producers[registry.producers.geometry.notna()]
    assert set(placed["producer_id"]) <= ids
    fairs = set(registry.venues.loc[registry.venues["kind"] == "fair", "venue_id"])
    assert fairs and not ids & fairs
    assert (targets.loc[targets["site_id"].str.startswith("HCM-V"), "kind"] != "producer").all()
    assert targets.geometry.notna().all() and list(targets.index) == list(range(len(targets)))


def test_within_on_a_small_real_network_matches_the_travel_time_matrix(d3_graph):
    """Seven places on the District 3 streets: the list is exactly the matrix row's places within the limit."""
    xs = sorted((d["x"], d["y"]) for _, d in d3_graph.nodes(data=True))
    picks = [xs[i] for i in np.linspace(0, len(xs) - 1, 7).astype(int)]
    points = gpd.GeoSeries([Point(x + 2e-5, y + 2e-5) for x, y in picks], crs=4326)
    times = og.travel_time_matrix(d3_graph, points).to_numpy()[0, 1:]
    limit = float(np.median(times)) / 60
    targets = gpd.GeoDataFrame({"site_id": [f"T{i}" for i in range(6)], "kind": "producer", "name": "x",
                                "precision": "exact"}, geometry=list(points.iloc[1:]), crs=4326)  # fmt: skip
    (got,) = places_within(d3_graph, gpd.GeoDataFrame(geometry=[points.iloc[0]], crs=4326), targets,
                           minutes=[limit])  # fmt: skip
    want = [f"T{i}" for i in np.argsort(times, kind="stable") if times[i] <= limit * 60]
    assert [p.site_id for p in got.places] == want and 0 < len(want) < 6
    assert [p.seconds for p in got.places] == pytest.approx(sorted(t for t in times if t <= limit * 60))
    assert got.on_network and not any(p.estimated for p in got.places)


def test_city_lists_by_motorbike_and_car_sorted_flagged_and_without_the_origin(hcmc_graph_for, registry):
    targets = near_targets(registry.producers, registry.venues)
    origin = gpd.GeoDataFrame({"site_id": ["HCM-V01"]}, geometry=[Point(HOC_MON[1], HOC_MON[0])], crs=4326)
    lists = {m: places_within(hcmc_graph_for(m), origin, targets, minutes=[45])[0] for m in ("motorbike", "car")}
    precision = dict(zip(targets["site_id"], targets["precision"], strict=True))
    for mode, found in lists.items():
        secs = [p.seconds for p in found.places]
        assert secs == sorted(secs) and max(secs) <= 45 * 60, mode
        ids = [p.site_id for p in found.places]
        assert "HCM-V01" not in ids and not set(ids) & set(registry.unplaced["producer_id"])
        assert "HCM-P24" in ids[:3]  # HTX Rasafood, in Hóc Môn: among the nearest
        for p in found.places:
            assert p.approximate == (precision[p.site_id] in ("ward", "district"))
            assert p.time_approximate or not p.approximate
    by_mode = {m: {p.site_id: p.seconds for p in f.places} for m, f in lists.items()}
    common = set(by_mode["motorbike"]) & set(by_mode["car"])
    # the modes differ: other roads (expressways for cars only) and speeds give other times and other places
    assert set(by_mode["motorbike"]) != set(by_mode["car"])
    assert any(abs(by_mode["motorbike"][k] - by_mode["car"][k]) > 60 for k in common)


def test_an_origin_outside_the_road_data_is_refused(hcmc_graph):
    vung_tau = Point(107.236, 10.346)
    assert outside_extent(hcmc_graph, [vung_tau.x, HOC_MON[1]], [vung_tau.y, HOC_MON[0]]).tolist() == [True, False]
    with pytest.raises(NetworkError, match="outside"):
        places_within(hcmc_graph, gpd.GeoSeries([vung_tau], crs=4326), near_targets(producers_gdf()), minutes=[30])


def test_near_file_csv_and_toml(tmp_path, registry, pois):
    csv = tmp_path / "near.csv"
    csv.write_text("venue,poi,lat,lon,name,kind,minutes,modes\nHCM-V01,,,,,,,\n,Rex Hotel,,,,,20,motorbike car\n"
                   ",,10.7769,106.7009,Khách sạn Hoa Mai,khách sạn,15,walk\n", encoding="utf-8")  # fmt: skip
    a, b, c = read_near_file(csv, pois=pois, venues=registry.venues)
    assert (a.venue_id, a.kind, a.minutes, a.modes, a.source) == ("HCM-V01", "display_point", 30, ("motorbike",),
                                                                  "line 2")  # fmt: skip
    assert a.name.startswith("Điểm trưng bày") and a.precision == "street" and a.district == "Hóc Môn"
    assert (b.name, b.kind, b.minutes, b.modes, b.venue_id) == ("Rex Hotel", "hotel", 20, ("motorbike", "car"), "")
    assert (c.name, c.kind, c.modes, c.lat) == ("Khách sạn Hoa Mai", "hotel", ("walk",), 10.7769)
    toml = tmp_path / "near.toml"
    toml.write_text('minutes = 25\nmodes = ["car"]\n[[place]]\nvenue = "Nông trại đậu phộng Đạt Butter"\n'
                    '[[place]]\nosm = "node/452094087"\nmodes = ["motorbike"]\n', encoding="utf-8")  # fmt: skip
    d, e = read_near_file(toml, pois=pois, venues=registry.venues)
    assert (d.venue_id, d.minutes, d.modes) == ("HCM-V09", 25, ("car",))
    assert (e.name, e.kind, e.modes, e.source) == ("Thanh Nam", "hotel", ("motorbike",), "place[1]")
    assert len(registry_near_venues(registry.venues)) == int(
        (registry.venues.geometry.notna() & (registry.venues["kind"] != "fair")).sum())


def test_bad_near_file_rows_name_the_file_row_and_field(tmp_path, registry, pois):
    bad = tmp_path / "bad.csv"
    bad.write_text("venue,poi,lat,lon,name,kind,minutes,modes\n"
                   "HCM-V99,,,,,,,\n,Rex Hotl,,,,,,\n,,abc,106.7,X,,,\n,,10.77,106.7,,castle,500,plane\n"
                   "HCM-V02,,,,,,,\nHCM-V01,Rex Hotel,,,,,,\nHCM-V01,,,,,,,\nHCM-V01,,,,,,,\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(ValidationError) as info:
        read_near_file(bad, pois=pois, venues=registry.venues)
    text = str(info.value)
    expected = [
        "bad.csv: line 2: venue: no venue 'HCM-V99' in the registry; did you mean HCM-V09",
        "bad.csv: line 3: poi: no POI named 'Rex Hotl'", "did you mean 'Rex Hotel'",
        "bad.csv: line 4: lat: 'abc' is not a number",
        "bad.csv: line 5: kind: 'castle' is not a venue kind", "bad.csv: line 5: minutes: 500 is not a whole",
        "bad.csv: line 5: modes: 'plane'", "bad.csv: line 5: name: is missing",
        "bad.csv: line 6: venue: venue HCM-V02", "has no location in the registry",
        "bad.csv: line 7: venue: give exactly one of venue, poi, osm or lat+lon",
        "bad.csv: line 9: ", "is already listed at line 8",
    ]  # fmt: skip
    for part in expected:
        assert part in text, part
    assert len(info.value.problems) == 10
    toml = tmp_path / "bad.toml"
    toml.write_text('minutes = 0\n[[place]]\nvenue = "HCM-V01"\ncolour = "red"\n[[place]]\nlat = 10.8\n', "utf-8")
    with pytest.raises(ValidationError) as info:
        read_near_file(toml, pois=pois, venues=registry.venues)
    assert [p.split(": ", 1)[1] for p in info.value.problems] == [
        "minutes: 0 is not a whole number of minutes from 5 to 120",
        "place[0].colour: is not a known field; use venue, poi, osm, lat, lon, name, kind, minutes, modes, address",
        "place[1].lat/lon: (10.8, None) is not a point in Ho Chi Minh City (lat 8.57–11.51, lon 106.08–107.58); "
        "check the order: lat is ~10.8, lon ~106.7"]  # fmt: skip
    for text, why in (("venue,colour\nHCM-V01,red\n", "'colour' are not near-here fields"),
                      ("venue\n", "no place listed")):  # fmt: skip
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(InputFileError, match=why):
            read_near_file(bad, pois=pois, venues=registry.venues)
    with pytest.raises(InputFileError, match="is .csv or .toml"):
        read_near_file(tmp_path / "near.json", pois=pois, venues=registry.venues)


@pytest.fixture(scope="module")
def near_site(tmp_path_factory, hcmc_graph) -> tuple[Path, site.SiteReport]:
    """A site of the fixture route and two near-here places: the Hóc Môn display point (a fixture venue, hostile
    name) and a hostile-named hotel, over the fixture producers (one hostile)."""
    out = tmp_path_factory.mktemp("near-site")
    places = [NearVenue(name=HOSTILE_VENUE, lat=HOC_MON[0], lon=HOC_MON[1], kind="display_point", venue_id="VEN-001",
                        precision="street", minutes=45),
              NearVenue(name=HOSTILE + " Hotel", lat=10.8515, lon=106.6095, kind="hotel", minutes=30),
              NearVenue(name="Bãi biển", lat=10.346, lon=107.236, source="line 4")]  # fmt: skip
    report = site.publish_site([itinerary()], out, producers=producers_gdf(hostile=True), products=products_df(),
                               venues=venues_gdf(hostile=True), base_url="https://example.org/ocop", near=places,
                               graphs={"motorbike": hcmc_graph})  # fmt: skip
    return out, report


def test_near_pages_are_written_linked_and_escape_hostile_names(near_site):
    out, report = near_site
    pages = sorted(p.name for p in (out / "near").glob("*.html"))
    assert pages == ["img-src-x-onerror-alert-1-7-7.html", "img-src-x-onerror-alert-1-7-7.print.html",
                     "img-src-x-onerror-alert-1-hotel.html", "img-src-x-onerror-alert-1-hotel.print.html"]
    assert any("near-here page not published: Bãi biển: line 4: outside the motorbike road data" in w
               for w in report.warnings)  # fmt: skip
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="near/img-src-x-onerror-alert-1-7-7.html"' in index and "Sản phẩm OCOP quanh đây" in index
    for name in pages:
        html = (out / "near" / name).read_text(encoding="utf-8")
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "© OpenStreetMap contributors" in html
    page = (out / "near" / pages[0]).read_text(encoding="utf-8")
    assert page.count('class="near-item"') >= 3
    assert 'href="../producers/' in page  # producer pages linked
    # hand-off links as on route pages (visitor.directions_links), the motorbike mode for the apps
    assert "https://www.google.com/maps/dir/?api=1&amp;destination=" in page and "travelmode=two-wheeler" in page
    assert "https://maps.apple.com/?daddr=" in page and 'href="geo:' in page
    assert 'src="../static/ocop/stops.js"' in page  # today's hours, computed in the page
    assert "Vị trí gần đúng" in page and "≈ " in page  # commune / district centroids: location and time
    assert '<svg' in page and "QR: https://example.org/ocop/near/img-src-x-onerror-alert-1-7-7.html" in page


def test_leaflet_is_a5_without_internal_ids(near_site):
    out, _ = near_site
    leaflet = (out / "near" / "img-src-x-onerror-alert-1-7-7.print.html").read_text(encoding="utf-8")
    assert "size: A5" in leaflet and 'data-lang="vi"' in leaflet
    text = re.sub(r"<[^>]+>", " ", leaflet)
    assert not re.search(r"\b(HCM-[PV]\d+|VEN-\d+)\b", text)  # no internal ids anywhere a reader sees
    assert "vị trí gần đúng" in text and "approximate location" in text  # both languages, Vietnamese first
    assert "QR: https://example.org/ocop/near/" in leaflet


def test_publish_near_without_places_writes_nothing(tmp_path):
    report = publish_near([], tmp_path / "s", producers=producers_gdf())
    assert report.entries == [] and not (tmp_path / "s").exists()
    with pytest.raises(ValueError, match="registry"):
        publish_near([NearVenue("x", *HOC_MON)], tmp_path / "s")


def test_cli_publish_near_only_and_a_bad_near_file(tmp_path: Path):
    good = tmp_path / "near.toml"
    good.write_text('[[place]]\nvenue = "HCM-V01"\nminutes = 20\n', encoding="utf-8")
    cmd = [sys.executable, "-m", "ocop_geo", "publish", "--near", str(good), "-o", str(tmp_path / "site")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "site" / "near").glob("*.print.html"))) == 1
    assert "near/diem-trung-bay-san-pham-ocop-huyen-hoc-mon" in (tmp_path / "site" / "index.html").read_text("utf-8")
    good.write_text('[[place]]\nvenue = "HCM-V01"\nminutes = "many"\n', encoding="utf-8")
    bad = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2
    assert "near.toml: place[0].minutes: 'many' is not a whole number of minutes" in " ".join(bad.stderr.split())


def test_leaflet_lists_the_nearest_and_sends_to_the_page_for_the_rest(tmp_path, hcmc_graph, monkeypatch):
    monkeypatch.setattr(site_near, "LEAFLET_MAX", 2)
    place = NearVenue(name="Chợ Hóc Môn", lat=HOC_MON[0], lon=HOC_MON[1], minutes=60)
    report = publish_near([place], tmp_path, producers=producers_gdf(), products=products_df(),
                          graphs={"motorbike": hcmc_graph})  # fmt: skip
    (entry,) = report.entries
    assert entry["count"] > 2
    leaflet = (tmp_path / "near" / f"{entry['slug']}.print.html").read_text(encoding="utf-8")
    assert leaflet.count('<span class="num"') == 2 and f"Và {entry['count'] - 2} nơi khác trên trang web" in leaflet
    assert "<figure class=\"qr\">" not in leaflet  # no base URL: no QR code, and no word about it on the leaflet
    assert any("no QR code" in w for w in report.warnings)  # the department is told instead
