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
import pytest
from openpyxl import Workbook
from shapely.geometry import Point

from ocop_geo import settings
from ocop_geo.registry import GEOCODE_COLUMNS, VENUE_FIELDS, bundled_registry_paths, load_registry
from ocop_geo.registry_schema import VENUE_KINDS, parse_date, parse_venue_kind

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
                          timeout=300, env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"})


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
