"""Venues: the registry's third table (showrooms, display points, fairs, agritourism sites …), read from every
format, each validation rule on a real failing row, and venues used by route specs and the planner.

The venue rows below are SYNTHETIC test rows at real HCMC places (the Hóc Môn OCOP display point, the 2024 OCOP
week in Lê Thị Riêng park), not the bundled registry.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import Workbook
from shapely.geometry import Point
from test_planner import BEN_THANH, plan, spec_of, synthetic_registry

from ocop_geo import settings
from ocop_geo._errors import PlanningError, ValidationError
from ocop_geo.planner import BUNDLED_COVERAGE, plan_route
from ocop_geo.registry import GEOCODE_COLUMNS, VENUE_FIELDS, bundled_registry_paths, load_registry
from ocop_geo.registry_schema import VENUE_KINDS, parse_date, parse_venue_kind
from ocop_geo.spec import HeldDates, VenueStops, resolve_venues

VI_HEADER = ["Mã điểm", "Loại điểm", "Tên điểm", "Địa chỉ", "Xã/Phường", "Quận/Huyện", "Vĩ độ", "Kinh độ",
             "Giờ mở cửa", "Ngày bắt đầu", "Ngày kết thúc", "Liên hệ", "Mã chủ thể", "Nguồn", "Ghi chú"]
EN_HEADER = ["venue_id", "kind", "name", "address", "ward", "district", "lat", "lon", "opening_hours",
             "start_date", "end_date", "contact", "producer_id", "source", "notes"]


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def producers_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "producers.csv", ["producer_id", "name", "ward", "district", "lat", "lon"], [
        ["P2", "Công ty TNHH Đạt Butter", "Hòa Phú", "Củ Chi", 10.9766, 106.6144],
    ])


def good_venues() -> list[list[object]]:
    return [
        ["HCM-V01", "điểm trưng bày", "Điểm trưng bày sản phẩm OCOP Hóc Môn", "1 Lý Nam Đế", "Thị trấn Hóc Môn",
         "Hóc Môn", 10.8888, 106.5946, "Mo-Su 07:00-17:00", "", "", "", "", "https://ccptnt.vn/", ""],
        ["HCM-V02", "Tuần lễ sản phẩm OCOP", "Tuần lễ sản phẩm OCOP 2024", "Công viên văn hóa Lê Thị Riêng", "",
         "Quận 10", 10.7848, 106.6655, "Mo-Su 08:00-21:00", "6/11/2024", "10/11/2024", "", "",
         "https://goandgotravel.com/", ""],
        ["HCM-V03", "du lịch nông nghiệp", "Nông trại đậu phộng Đạt Butter", "", "", "", "", "",
         "Sa,Su 08:00-17:00", "", "", "", "P2", "https://danviet.vn/", "weekends"],
    ]


def test_csv_with_vietnamese_headers_and_a_venue_linked_to_a_producer(tmp_path):
    venues = write_csv(tmp_path / "venues.csv", VI_HEADER, good_venues())
    reg = load_registry(producers_csv(tmp_path), venues, geocode=False)
    assert len(reg.rejected) == 0 and list(reg.venues["venue_id"]) == ["HCM-V01", "HCM-V02", "HCM-V03"]
    assert list(reg.venues["kind"]) == ["display_point", "fair", "agritourism"]
    assert reg.venues.crs.to_epsg() == 4326
    assert set(VENUE_FIELDS) | set(GEOCODE_COLUMNS) | {"geometry"} <= set(reg.venues.columns)
    fair = reg.venues.iloc[1]
    assert (fair["start_date"], fair["end_date"]) == (dt.date(2024, 11, 6), dt.date(2024, 11, 10))
    farm = reg.venues.iloc[2]  # no place of its own: the producer's site
    assert farm["producer_id"] == "P2" and (farm["district"], farm["ward"]) == ("Củ Chi", "Hòa Phú")
    assert (farm["lat"], farm["lon"]) == (10.9766, 106.6144) and farm.geometry == Point(106.6144, 10.9766)
    assert (farm["source_file"], farm["source_row"]) == (str(venues), 4)
    summary = reg.summary()
    assert summary["venues"] == 3
    assert summary["venues_by_kind"] == {"display_point": 1, "fair": 1, "agritourism": 1}


def test_excel_with_english_headers_and_title_rows(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Danh sách điểm giới thiệu sản phẩm OCOP"])
    ws.append([])
    ws.append(EN_HEADER)
    ws.append(["V1", "showroom", "Cửa hàng OCOP Quận 1", "12 Lê Lợi", "Bến Nghé", "Quận 1", 10.7745, 106.7005,
               "Mo-Sa 08:00-20:00", None, None, "028 0000 0000", None, "synthetic", None])
    ws.append(["V2", "fair", "Hội chợ OCOP", "Công viên Lê Thị Riêng", "", "Quận 10", 10.7848, 106.6655, None,
               dt.datetime(2024, 11, 6), dt.datetime(2024, 11, 10), None, None, "synthetic", None])
    path = tmp_path / "venues.xlsx"
    wb.save(path)
    reg = load_registry(path, geocode=False)
    assert len(reg.rejected) == 0 and len(reg.producers) == 0
    assert list(reg.venues["kind"]) == ["showroom", "fair"]
    assert reg.venues.iloc[1]["start_date"] == dt.date(2024, 11, 6)
    assert list(reg.venues["source_row"]) == [4, 5]


def test_geojson_with_the_location_only_in_the_geometry(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"venue_id": ["G1"], "kind": ["chợ"], "name": ["Chợ Hóc Môn"], "district": ["Hóc Môn"]},
        geometry=[Point(106.5946, 10.8888)], crs="EPSG:4326",
    )
    path = tmp_path / "venues.geojson"
    gdf.to_file(path, driver="GeoJSON")
    reg = load_registry(path, geocode=False)
    venue = reg.venues.iloc[0]
    assert venue["kind"] == "market" and (venue["lat"], venue["lon"]) == pytest.approx((10.8888, 106.5946))
    assert venue["location_precision"] == "exact"


BAD = [  # (row change, column named, problem)
    (lambda r: r.__setitem__(1, "tàu bay"), "Loại điểm", "unknown venue kind"),
    (lambda r: (r.__setitem__(9, ""), r.__setitem__(10, "")), "Ngày bắt đầu", "a fair needs its dates"),
    (lambda r: (r.__setitem__(9, "10/11/2024"), r.__setitem__(10, "6/11/2024")),
     "Ngày bắt đầu/Ngày kết thúc", "the end date is before the start date"),
    (lambda r: r.__setitem__(10, "31/11/2024"), "Ngày kết thúc", "not a date"),
    (lambda r: (r.__setitem__(6, 21.0285), r.__setitem__(7, 105.8542)), "Vĩ độ/Kinh độ",
     "outside Ho Chi Minh City"),
    (lambda r: (r.__setitem__(6, 106.6655), r.__setitem__(7, 10.7848)), "Vĩ độ/Kinh độ", "look swapped"),
    (lambda r: r.__setitem__(12, "P99"), "Mã chủ thể", "no producer has this id"),
    (lambda r: r.__setitem__(0, "HCM-V01"), "Mã điểm", "duplicate venue id"),
    (lambda r: r.__setitem__(8, "Mon to Fri"), "Giờ mở cửa", "opening hours cannot be read"),
    (lambda r: r.__setitem__(2, ""), "Tên điểm", "the venue's name is missing"),
]


@pytest.mark.parametrize(("change", "column", "problem"), BAD, ids=[b[2] for b in BAD])
def test_each_bad_row_is_named(tmp_path, change, column, problem):
    rows = good_venues()
    change(rows[1])
    path = write_csv(tmp_path / "venues.csv", VI_HEADER, rows)
    reg = load_registry(producers_csv(tmp_path), path, geocode=False)
    assert len(reg.rejected) == 1 and reg.rejected.iloc[0]["table"] == "venues"
    assert reg.rejected.iloc[0]["row"] == 3
    [p] = reg.problems
    assert (p.file, p.row, p.column, p.table) == (str(path), 3, column, "venues")
    assert problem in p.problem and p.fix


def test_accepted_plus_rejected_is_every_input_row(tmp_path):
    rows = good_venues()
    bad = [list(r) for r in rows]
    bad[0][0], bad[0][1] = "HCM-V11", "xyz"
    bad[1][0], bad[1][9] = "HCM-V12", "soon"
    bad[2][0], bad[2][12] = "HCM-V13", "P404"
    path = write_csv(tmp_path / "venues.csv", VI_HEADER, rows + bad)
    reg = load_registry(producers_csv(tmp_path), path, geocode=False)
    assert reg.input_rows[str(path)] == 6
    assert len(reg.venues) == 3 and len(reg.rejected) == 3
    assert len(reg.producers) + len(reg.products) + len(reg.venues) + len(reg.rejected) == reg.n_input_rows


def test_a_one_day_fair_and_a_market_without_dates(tmp_path):
    rows = good_venues()
    rows[1][10] = ""  # a fair with only its first day: held that day
    rows.append(["HCM-V04", "phiên chợ", "Chợ phiên (synthetic)", "", "", "Quận 1", 10.77, 106.70, "Su 06:00-12:00",
                 "", "", "", "", "synthetic", ""])
    reg = load_registry(producers_csv(tmp_path), write_csv(tmp_path / "v.csv", VI_HEADER, rows), geocode=False)
    assert len(reg.rejected) == 0
    fair, market = reg.venues.iloc[1], reg.venues.iloc[3]
    assert fair["start_date"] == fair["end_date"] == dt.date(2024, 11, 6)
    rows[0][9] = "23/5/2025"  # a display point's opening day: open since then, no end
    since = load_registry(producers_csv(tmp_path), write_csv(tmp_path / "v.csv", VI_HEADER, rows), geocode=False)
    assert since.venues.iloc[0]["start_date"] == dt.date(2025, 5, 23) and since.venues.iloc[0]["end_date"] is None
    assert market["kind"] == "market" and market["start_date"] is None


def test_no_venue_table_gives_an_empty_frame_with_the_columns(tmp_path):
    reg = load_registry(producers_csv(tmp_path), geocode=False)
    assert len(reg.venues) == 0 and isinstance(reg.venues, gpd.GeoDataFrame)
    assert set(VENUE_FIELDS) | set(GEOCODE_COLUMNS) <= set(reg.venues.columns)
    assert reg.summary()["venues"] == 0 and reg.summary()["venues_by_kind"] == {}


def test_venues_are_placed_by_the_geocoder(tmp_path):
    rows = good_venues()
    rows[0][6] = rows[0][7] = ""  # the display point: address, ward and district only
    reg = load_registry(producers_csv(tmp_path), write_csv(tmp_path / "v.csv", VI_HEADER, rows))
    v = reg.venues.set_index("venue_id")
    assert v.loc["HCM-V01", "location_precision"] in {"street", "ward"}
    assert v.loc["HCM-V01"].geometry is not None and v.loc["HCM-V01", "district_code"]
    assert 10.85 < v.loc["HCM-V01", "lat"] < 10.92  # Hóc Môn town
    assert v.loc["HCM-V02", "location_precision"] == "exact" and v.loc["HCM-V02", "geocode_confidence"] > 0


@pytest.mark.parametrize(("text", "kind"), [
    ("Hội chợ OCOP 2024", "fair"), ("tuần lễ", "fair"), ("sự kiện", "fair"), ("Cửa hàng OCOP", "showroom"),
    ("Trung tâm giới thiệu sản phẩm", "showroom"), ("Điểm trưng bày", "display_point"),
    ("điểm bán", "point_of_sale"), ("Phiên chợ", "market"), ("Chợ", "market"), ("Vườn nhãn", "agritourism"),
    ("Trang trại", "agritourism"), ("Du lịch cộng đồng", "agritourism"), ("Khách sạn", "hotel"),
    ("Quán ăn", "restaurant"), ("Nhà hàng", "restaurant"), ("point_of_sale", "point_of_sale"),
])
def test_venue_kinds_in_both_languages(text, kind):
    assert parse_venue_kind(text) == kind and kind in VENUE_KINDS


def test_dates_iso_and_day_first():
    assert parse_date("2024-11-06") == parse_date("6/11/2024") == parse_date("06-11-2024") == dt.date(2024, 11, 6)
    assert parse_date("2024-11-06T00:00:00") == dt.date(2024, 11, 6)
    assert parse_date("31/2/2024") is None and parse_date("11/06/24") is None and parse_date("soon") is None


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocop_geo", *args], capture_output=True, text=True,
                          timeout=300, env={"COLUMNS": "160", "PATH": "/usr/bin:/bin", "OCOP_GEO_LANG": "en"})


def test_validate_summarises_venues_in_both_languages(tmp_path):
    rows = good_venues()
    bad = list(rows[0])
    bad[0], bad[1] = "HCM-V09", "tàu bay"
    path = write_csv(tmp_path / "venues.csv", VI_HEADER, [*rows, bad])
    rejected, summary = tmp_path / "rejected.csv", tmp_path / "summary.json"
    result = _run("validate", str(producers_csv(tmp_path)), str(path), "--no-geocode",
                  "--rejected-csv", str(rejected), "--json", str(summary))
    assert result.returncode == 1, result.stderr
    assert "Venues by kind" in result.stdout and "OCOP fair (fair)" in result.stdout
    assert "2024-11-06 – 2024-11-10" in result.stdout and "3 venues" in result.stdout
    assert "venues.csv row 5, Loại điểm" in result.stdout and "unknown venue kind" in result.stdout
    with open(rejected, encoding="utf-8") as fh:
        [row] = list(csv.DictReader(fh))
    assert (row["table"], row["row"], row["record"]) == ("venues", "5", bad[2])
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["summary"]["venues_by_kind"] == {"display_point": 1, "fair": 1, "agritourism": 1}
    assert [p["table"] for p in data["problems"]] == ["venues"]
    vi = _run("--lang", "vi", "validate", str(producers_csv(tmp_path)), str(path), "--no-geocode")
    assert "Điểm theo loại" in vi.stdout and "Hội chợ / tuần lễ sản phẩm OCOP (fair)" in vi.stdout
    assert "Venues by kind" not in vi.stdout


def test_bundled_registry_reads_the_venue_table_when_present(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "registry_venues", tmp_path / "venues.csv", raising=False)
    assert bundled_registry_paths() == [settings.registry_producers, settings.registry_products]
    write_csv(tmp_path / "venues.csv", VI_HEADER, good_venues()[:2])
    assert bundled_registry_paths()[-1] == tmp_path / "venues.csv"


# --------------------------------------------------------------------------- route specs and the planner

D3_VENUES = [  # SYNTHETIC venues inside the District 3 OSM fixture's blocks (kinds, dates and hours are test data)
    ["D3-V1", "showroom", "Cửa hàng OCOP Quận 3", "", "", "Quận 3", 10.7880, 106.6930, "Mo-Su 08:00-20:00", "", "",
     "", "", "synthetic", ""],
    ["D3-V2", "cửa hàng OCOP", "Cửa hàng OCOP Quận 10", "", "", "Quận 10", 10.7890, 106.6940, "Mo-Su 08:00-20:00",
     "", "", "", "", "synthetic", ""],
    ["D3-V3", "hội chợ", "Hội chợ OCOP Quận 3", "", "", "Quận 3", 10.7870, 106.6915, "Mo-Su 08:00-21:00",
     "6/11/2024", "10/11/2024", "", "", "synthetic", ""],
    ["D3-V4", "điểm trưng bày", "Điểm trưng bày không giờ", "", "", "Quận 3", 10.7900, 106.6950, "", "", "", "", "",
     "synthetic", ""],
    ["D3-V5", "showroom", "Cửa hàng chưa định vị", "", "", "Quận 3", "", "", "", "", "", "", "", "synthetic", ""],
]
D3_START = {"lat": 10.7845, "lon": 106.6890, "name": "synthetic start"}


@pytest.fixture
def d3_registry(tmp_path):
    reg = synthetic_registry()
    for sid, (lat, lon) in {"S1": (10.7860, 106.6900), "S2": (10.7900, 106.6950)}.items():
        reg.producers.loc[reg.producers["producer_id"] == sid, ["lat", "lon"]] = (lat, lon)
    reg.venues = load_registry(write_csv(tmp_path / "venues.csv", VI_HEADER, D3_VENUES), geocode=False).venues
    return reg


def test_spec_venue_places_and_stops_parse(tmp_path):
    spec = spec_of(start={"venue": "HCM-V01"}, lunch={"window": ["11:00", "13:00"], "venue": "HCM-V03"},
                   poi_stops=[{"venue": "Tuần lễ sản phẩm OCOP 2024", "minutes": 45}],
                   venue_stops=["showroom", "điểm trưng bày"])  # fmt: skip
    assert (spec.start.kind, spec.start.ref) == ("venue", "HCM-V01") and spec.end == spec.start
    assert spec.lunch.place.kind == "venue" and spec.poi_stops[0].venue == "Tuần lễ sản phẩm OCOP 2024"
    assert spec.venue_stops == VenueStops(("showroom", "display_point"), 4.0, 30)
    table = spec_of(venue_stops={"kinds": ["showroom"], "score": 2, "minutes": 20})
    assert table.venue_stops == VenueStops(("showroom",), 2.0, 20)
    with pytest.raises(ValidationError) as err:
        spec_of(venue_stops={"kinds": ["tàu bay"], "minutes": 2})
    assert "venue_stops.kinds[0]: 'tàu bay' is not a venue kind" in str(err.value)
    assert "venue_stops.minutes" in str(err.value)


def test_spec_venues_resolve_by_id_or_name_and_unknown_ones_are_named(tmp_path):
    venues = load_registry(producers_csv(tmp_path), write_csv(tmp_path / "v.csv", VI_HEADER, good_venues()),
                           geocode=False).venues
    spec = spec_of(start={"venue": "tuan le san pham ocop 2024"}, end={"venue": "HCM-V01"},
                   poi_stops=[{"venue": "HCM-V03", "minutes": 90, "must_visit": False, "score": 3}])  # fmt: skip
    done = resolve_venues(spec, venues)
    assert (done.start.ref, done.start.name, done.start.category) == ("HCM-V02", "Tuần lễ sản phẩm OCOP 2024", "fair")
    assert (done.start.lat, done.start.lon) == (10.7848, 106.6655) and done.end.ref == "HCM-V01"
    [stop] = done.poi_stops
    assert (stop.stop_id, stop.minutes, stop.score, stop.must_visit) == ("HCM-V03", 90, 3.0, False)
    assert stop.hours.text == "Sa,Su 08:00-17:00" and stop.district == "Củ Chi" and stop.held is None
    bad = spec_of(start={"venue": "HCM-V0l"}, lunch={"window": ["11:00", "13:00"], "venue": "Diem trung bay OCOP"},
                  poi_stops=[{"venue": "Nông trại Đạt Buter"}])  # fmt: skip
    with pytest.raises(ValidationError) as err:
        resolve_venues(bad, venues)
    text = str(err.value)
    assert "synthetic.toml: start.venue: no venue 'HCM-V0l' in the registry; did you mean HCM-V01" in text
    assert "lunch.venue: no venue 'Diem trung bay OCOP'" in text and "HCM-V01 (Điểm trưng bày" in text
    assert "poi_stops[0].venue: no venue 'Nông trại Đạt Buter'" in text and "HCM-V03 (Nông trại" in text
    with pytest.raises(ValidationError, match="the registry has no venue table"):
        resolve_venues(bad, load_registry(producers_csv(tmp_path), geocode=False).venues)


def test_a_fair_is_offered_only_on_its_dates(tmp_path):
    venues = load_registry(producers_csv(tmp_path), write_csv(tmp_path / "v.csv", VI_HEADER, good_venues()),
                           geocode=False).venues
    fair = [{"venue": "HCM-V02", "minutes": 60, "must_visit": False, "score": 20}]
    during = plan(resolve_venues(spec_of(days=["2024-11-08"], poi_stops=fair), venues))
    assert "HCM-V02" in {s.site_id for s in during.days[0].stops if s.kind == "poi"}
    after = plan(resolve_venues(spec_of(days=["2026-12-05"], poi_stops=fair), venues))
    nc = {n.site_id: n for n in after.not_chosen}
    assert nc["HCM-V02"].code == "closed"
    assert nc["HCM-V02"].reason == "the fair runs 6–10/11/2024, not on Sa 2026-12-05"
    weekdays = plan(resolve_venues(spec_of(days=["Fr"], poi_stops=fair), venues))
    assert "the route gives weekdays (Fr), not dates" in {n.site_id: n for n in weekdays.not_chosen}["HCM-V02"].reason
    must = [{"venue": "HCM-V02", "minutes": 60}]
    with pytest.raises(PlanningError, match=r"HCM-V02 \(Tuần lễ sản phẩm OCOP 2024\): the fair runs 6–10/11/2024, "
                                            r"not on Sa 2026-12-05"):
        plan(resolve_venues(spec_of(days=["2026-12-05"], poi_stops=must), venues))


def test_held_dates_are_said_plainly():
    assert HeldDates(dt.date(2024, 11, 6), dt.date(2024, 11, 10)).describe() == "the fair runs 6–10/11/2024"
    assert HeldDates(dt.date(2023, 10, 27), dt.date(2023, 11, 2)).describe() == "the fair runs 27/10–2/11/2023"
    assert HeldDates(dt.date(2025, 12, 30), dt.date(2026, 1, 2)).describe() == "the fair runs 30/12/2025–2/1/2026"
    assert HeldDates(dt.date(2026, 2, 9), dt.date(2026, 2, 9), "market").describe() == "the market is held on 9/2/2026"
    since = HeldDates(dt.date(2025, 5, 23), None, "display_point")
    assert since.describe() == "the venue is open from 23/5/2025"
    assert since.covers(dt.date(2026, 12, 5)) and not since.covers(dt.date(2025, 5, 22)) and since.covers(None)
    assert not HeldDates(dt.date(2024, 11, 6), dt.date(2024, 11, 10)).covers(None)


def test_route_with_venue_start_and_showrooms_on_the_way(d3_graph, d3_registry):
    spec = spec_of(start={"venue": "Cửa hàng OCOP Quận 3"}, day_window=["08:00", "12:00"],
                   districts=["Quận 3"], venue_stops={"kinds": ["showroom", "display_point", "fair"], "score": 5})
    it = plan_route(spec, d3_registry, graph=d3_graph, time_limit=0.2)
    first = it.days[0].stops[0]
    assert (first.kind, first.site_id, first.name) == ("start", "D3-V1", "Cửa hàng OCOP Quận 3")
    visited = {s.site_id: s for s in it.days[0].stops if s.kind == "poi"}
    assert set(visited) == {"D3-V4"}  # D3-V1 is the start, not offered twice
    assert visited["D3-V4"].visit_min == 30 and visited["D3-V4"].district == "Quận 3"
    nc = {n.site_id: n for n in it.not_chosen}
    assert (nc["D3-V2"].code, nc["D3-V2"].reason) == ("district", "in Quận 10, not a route district")
    assert (nc["D3-V3"].code, nc["D3-V3"].reason) == ("closed", "the fair runs 6–10/11/2024, not on Sa 2026-12-05")
    assert nc["D3-V5"].code == "unplaced"
    assert any("no opening hours for venue(s) D3-V4" in w for w in it.warnings)


def test_an_unknown_venue_is_a_validation_problem_when_planning(d3_graph, d3_registry):
    spec = spec_of(start=D3_START, poi_stops=[{"venue": "Cua hang OCOP Quan 33"}])
    with pytest.raises(ValidationError, match=r"poi_stops\[0\]\.venue: no venue 'Cua hang OCOP Quan 33' in the "
                                              r"registry; did you mean D3-V1 \(Cửa hàng OCOP Quận 3\)"):
        plan_route(spec, d3_registry, graph=d3_graph, time_limit=0.2)


# --------------------------------------------------------------------------- outside the road data

def test_places_the_bundled_extract_does_not_cover_are_named_never_dropped(hcmc_graph, tmp_path):
    """SYNTHETIC producers and a venue in the former Bình Dương (Thủ Dầu Một, inside the old city's
    bounding box) and Bà Rịa–Vũng Tàu, beside one in Hóc Môn, on the bundled city graph."""
    reg = synthetic_registry()
    extra = pd.DataFrame([
        ("BD1", "Cơ sở Thủ Dầu Một (synthetic)", "", "", 10.9800, 106.6550, "ward", "24/7", 30),
        ("VT1", "Cơ sở Vũng Tàu (synthetic)", "", "", 10.3460, 107.0840, "ward", "24/7", 30),
    ], columns=reg.producers.columns)  # fmt: skip
    reg.producers = pd.concat([reg.producers, extra], ignore_index=True)
    reg.products = pd.concat([reg.products, pd.DataFrame([
        ("Hạt điều", "Thực phẩm", "Food", 4, "certified", "BD1", 1),
        ("Mắm", "Thực phẩm", "Food", 4, "certified", "VT1", 1),
    ], columns=reg.products.columns)], ignore_index=True)  # fmt: skip
    rows = [["BD-V1", "showroom", "Showroom Thủ Dầu Một (synthetic)", "", "", "", 10.9810, 106.6560, "", "", "",
             "", "", "synthetic", ""]]
    reg.venues = load_registry(write_csv(tmp_path / "v.csv", VI_HEADER, rows), geocode=False).venues
    spec = spec_of(start=BEN_THANH, venue_stops=["showroom"], max_stops_per_day=3)
    it = plan_route(spec, reg, graph=hcmc_graph, time_limit=0.3)
    nc = {n.site_id: n for n in it.not_chosen}
    for sid in ("BD1", "VT1", "BD-V1"):
        assert nc[sid].code == "outside_coverage" and nc[sid].reason.startswith(BUNDLED_COVERAGE)
    assert "before 7/2025" in BUNDLED_COVERAGE and "outside the road data" in BUNDLED_COVERAGE
    assert "S3" not in nc or nc["S3"].code != "outside_coverage"  # Hóc Môn is covered
    with pytest.raises(PlanningError, match=r"must-visit BD1 .* lies outside the road data: the bundled OSM "
                                            r"extract covers Ho Chi Minh City before 7/2025.*Remove it from must_visit"):
        plan_route(spec_of(start=BEN_THANH, must_visit=["BD1"]), reg, graph=hcmc_graph, time_limit=0.3)
    with pytest.raises(PlanningError, match=r"start 'Showroom Thủ Dầu Một \(synthetic\)' .* lies outside the road "
                                            r"data"):
        plan_route(spec_of(start={"venue": "BD-V1"}), reg, graph=hcmc_graph, time_limit=0.3)
