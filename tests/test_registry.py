"""The registry: reading every format, each validation rule on a real failing input, and the invariant
that every input row is accepted or rejected exactly once."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from openpyxl import Workbook
from shapely.geometry import Point
from tests_helpers_encoding import to_cp1258

from ocop_geo import settings
from ocop_geo._errors import InputFileError
from ocop_geo.registry import load_bundled_registry, load_registry

PRODUCER_HEADER = ["producer_id", "name", "producer_type", "ward", "district", "lat", "lon", "opening_hours"]
PRODUCT_HEADER = ["product_id", "name", "ocop_group", "stars", "status", "producer_id"]


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def good_producers() -> list[list[object]]:
    return [
        ["P1", "HTX Phước An", "Hợp tác xã", "Tân Quý Tây", "Bình Chánh", 10.6657, 106.5932, "Mo-Sa 07:30-17:00"],
        ["P2", "Công ty TNHH Đạt Butter", "Doanh nghiệp", "Hòa Phú", "Củ Chi", 10.9766, 106.6144, ""],
    ]


def good_products() -> list[list[object]]:
    return [
        ["S1", "Rau muống", "Thực phẩm", 3, "certified", "P1"],
        ["S2", "Bơ đậu phộng", "Thực phẩm", 4, "certified", "P2"],
    ]


def rejected_problems(registry, row: int, table: str | None = None) -> str:
    rejected = registry.rejected
    hits = rejected[(rejected["row"] == row) & ((rejected["table"] == table) if table else True)]
    assert len(hits) == 1, registry.rejected.to_string()
    return hits.iloc[0]["problems"]


def assert_every_row_once(registry) -> None:
    """accepted (producers, products, venues) + rejected = input, per file, with no row counted twice."""
    seen: list[tuple[str, int]] = []
    producer_files = set(registry.rejected.loc[registry.rejected["table"] == "producers", "file"])
    product_files = set(registry.products["source_file"]) | set(
        registry.rejected.loc[registry.rejected["table"] == "products", "file"])
    producer_files |= set(registry.producers["source_file"]) - product_files
    seen += [(f, int(r)) for f, r in zip(registry.products["source_file"], registry.products["source_row"],
                                         strict=True)]
    own = registry.producers[registry.producers["source_file"].isin(producer_files)]
    seen += [(f, int(r)) for f, r in zip(own["source_file"], own["source_row"], strict=True)]
    seen += [(f, int(r)) for f, r in zip(registry.venues["source_file"], registry.venues["source_row"], strict=True)]
    seen += [(f, int(r)) for f, r in zip(registry.rejected["file"], registry.rejected["row"], strict=True)]
    assert len(seen) == len(set(seen)), "a row is both accepted and rejected, or counted twice"
    assert len(seen) == registry.n_input_rows


def test_bundled_registry_is_clean_and_real():
    """Invariants of the bundled registry (its exact counts are tests/test_bundled_registry.py's)."""
    registry = load_bundled_registry(geocode=False)
    assert len(registry.rejected) == 0, registry.rejected.to_string()
    assert len(registry.producers) >= 30 and len(registry.venues) >= 10
    names = set(registry.producers["name"])
    assert "Công ty TNHH Đạt Butter" in names and "HTX Phước An" in names
    summary = registry.summary()
    assert summary["certified_products"] >= 110 and summary["candidate_products"] > 0
    assert set(summary["by_stars"]) <= {"3", "4", "5", "(not given)"}  # "not given": a source states none
    # certified and candidate kept apart; candidates carry no stars
    candidates = registry.products[registry.products["status"] == "candidate"]
    assert candidates["stars"].isna().all()
    # locations only as precise as the sources, flagged
    assert set(registry.producers["location_precision"]) <= {"ward", "district", "none"}
    assert registry.producers.crs.to_epsg() == 4326
    assert_every_row_once(registry)


def test_vietnamese_headers_flat_excel_with_title_rows(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH SẢN PHẨM OCOP TP.HCM"])
    ws.append([])
    ws.append(["STT", "Tên sản phẩm", "Phân nhóm", "Số sao", "Chủ thể", "Địa chỉ", "Xã/Phường", "Quận/Huyện"])
    ws.append([1, "Rau muống", "Thực phẩm", "3 sao", "HTX Phước An", "", "Tân Quý Tây", "Bình Chánh"])
    ws.append([2, "Cải ngọt", "thuc pham", 3, "HTX Phước An", "", "Tân Quý Tây", "Bình Chánh"])
    ws.append([3, "Bơ đậu phộng", "Thực phẩm", "★★★★", "Công ty TNHH Đạt Butter", "", "Hòa Phú", "Củ Chi"])
    path = tmp_path / "ocop.xlsx"
    wb.save(path)
    registry = load_registry(path, geocode=False)
    assert len(registry.rejected) == 0, registry.rejected.to_string()
    assert len(registry.producers) == 2  # derived from the flat rows
    assert list(registry.products["stars"]) == [3, 3, 4]
    assert set(registry.producers["producer_type"]) == {"Hợp tác xã", "Doanh nghiệp"}  # from the names
    assert list(registry.products["source_row"]) == [4, 5, 6]  # spreadsheet row numbers
    assert_every_row_once(registry)


def test_excel_cells_outside_the_table_are_never_dropped_silently(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Tên sản phẩm", "Phân nhóm", "Số sao", "Chủ thể", "Quận/Huyện"])
    ws.append(["Rau muống", "Thực phẩm", 4, "HTX Phước An", "Bình Chánh", "ghi chú lạc cột"])
    extra = wb.create_sheet("Bổ sung")
    extra.append(["Tên sản phẩm", "Phân nhóm", "Số sao", "Chủ thể", "Quận/Huyện"])
    extra.append(["Mắm tôm", "Thực phẩm", 3, "HTX Cần Giờ", "Cần Giờ"])
    wb.create_sheet("Trống")
    path = tmp_path / "two_sheets.xlsx"
    wb.save(path)
    registry = load_registry(path, geocode=False)
    assert len(registry.products) == 1 and len(registry.rejected) == 0
    notices = " ".join(registry.notices)
    assert "sheet 'Bổ sung' has 2 non-empty rows that were NOT read" in notices and "Trống" not in notices
    assert "row 2: 1 cell(s) right of the last named column were ignored ('ghi chú lạc cột')" in notices


def test_csv_exported_with_title_rows_finds_its_header(tmp_path):
    path = tmp_path / "ds.csv"
    path.write_text("DANH SÁCH SẢN PHẨM OCOP NĂM 2024,,,,\n,,,,\n"
                    "Tên sản phẩm,Phân nhóm,Số sao,Chủ thể,Xã/Phường\n"
                    "Rau muống,Thực phẩm,4,HTX Phước An,Tân Quý Tây\n", encoding="utf-8")
    registry = load_registry(path, geocode=False)
    assert len(registry.products) == 1 and len(registry.rejected) == 0
    assert list(registry.products["source_row"]) == [4] and registry.producers["ward"].iloc[0] == "Tân Quý Tây"
    assert any("row" in n and "1 ('DANH SÁCH SẢN PHẨM OCOP NĂM 2024')" in n for n in registry.notices)


def test_geopackage_layers_after_the_first_are_reported(tmp_path):
    path = tmp_path / "two_layers.gpkg"
    gpd.GeoDataFrame({"producer_id": ["P1"], "name": ["HTX Phước An"], "district": ["Bình Chánh"]},
                     geometry=[Point(106.5932, 10.6657)], crs=4326).to_file(path, layer="producers")
    gpd.GeoDataFrame({"producer_id": ["P2", "P3"], "name": ["A", "B"], "district": ["Củ Chi", "Củ Chi"]},
                     geometry=[Point(106.6, 10.97), Point(106.61, 10.98)], crs=4326).to_file(path, layer="more")
    registry = load_registry(path, geocode=False)
    assert list(registry.producers["producer_id"]) == ["P1"]
    assert any("'more' (2 features)" in n and "NOT read" in n for n in registry.notices), registry.notices


def test_geojson_without_features_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"empty\.geojson: has no features"):
        load_registry(path)


def test_broken_excel_file_names_file_and_fix(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(InputFileError, match=r"broken\.xlsx.*save it again as \.xlsx"):
        load_registry(path)
    truncated = tmp_path / "truncated.xlsx"
    wb = Workbook()
    wb.active.append(["Tên sản phẩm", "Số sao"])
    wb.save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:200])
    with pytest.raises(InputFileError, match="truncated.xlsx"):
        load_registry(truncated)


def test_windows_1258_csv_is_read_and_flagged(tmp_path):
    producers = write_csv(tmp_path / "producers.csv", PRODUCER_HEADER, good_producers(), encoding="cp1258")
    with pytest.raises(UnicodeDecodeError):
        producers.read_bytes().decode("utf-8")
    products = write_csv(tmp_path / "products.csv", PRODUCT_HEADER, good_products())
    registry = load_registry(producers, products, geocode=False)
    assert "HTX Phước An" in set(registry.producers["name"])  # composed back to NFC
    assert any("Windows-1258" in n and "producers.csv" in n for n in registry.notices)
    assert len(registry.rejected) == 0


def test_undecodable_csv_is_a_clear_error(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"name,stars\n\x81\x8d\x8f\x90,4\n")  # bytes undefined in both UTF-8 and cp1258
    with pytest.raises(InputFileError, match=r"binary\.csv: line 2.*CSV UTF-8"):
        load_registry(path)


def test_mojibake_is_rejected(tmp_path):
    garbled = "HTX Phước An".encode().decode("cp1252", errors="replace")
    rows = good_producers()
    rows[0][1] = garbled
    producers = write_csv(tmp_path / "producers.csv", PRODUCER_HEADER, rows)
    registry = load_registry(producers, geocode=False)
    assert "wrong encoding" in rejected_problems(registry, 2)


def test_upper_case_vietnamese_is_not_mistaken_for_mojibake(tmp_path):
    rows = good_producers()
    rows[0][1] = "HỢP TÁC XÃ NÔNG NGHIỆP PHƯỚC AN"  # "XÃ " and "NGÃ BA" are real words, not garbled text
    producers = write_csv(tmp_path / "producers.csv", PRODUCER_HEADER, rows)
    registry = load_registry(producers, geocode=False)
    assert len(registry.rejected) == 0, registry.rejected.to_string()
    assert "HỢP TÁC XÃ NÔNG NGHIỆP PHƯỚC AN" in set(registry.producers["name"])
    for text in ("HTX Phước An", "Lưu niệm – nội thất", "Cần Giờ", "XÃ NGÃ BA"):
        rows[0][1] = text.encode().decode("cp1252", errors="replace")
        registry = load_registry(write_csv(tmp_path / "garbled.csv", PRODUCER_HEADER, rows), geocode=False)
        assert "wrong encoding" in rejected_problems(registry, 2), text


@pytest.mark.parametrize(
    ("change", "column", "expected"),
    [
        (lambda r: r.__setitem__(1, ""), "name", "producer's name is missing"),
        (lambda r: (r.__setitem__(5, 106.5932), r.__setitem__(6, 10.6657)), "lat/lon", "look swapped"),
        (lambda r: (r.__setitem__(5, 21.0285), r.__setitem__(6, 105.8542)), "lat/lon", "outside Ho Chi Minh City"),
        (lambda r: r.__setitem__(5, "10,6x"), "lat", "not a number"),
        (lambda r: r.__setitem__(5, "nan"), "lat", "not a number"),
        (lambda r: r.__setitem__(2, "Công ty ma"), "producer_type", "unknown producer type"),
        (lambda r: r.__setitem__(7, "mở cửa cả ngày"), "opening_hours", "opening hours cannot be read"),
    ],
)
def test_each_producer_rule(tmp_path, change, column, expected):
    rows = good_producers()
    change(rows[0])
    producers = write_csv(tmp_path / "producers.csv", PRODUCER_HEADER, rows)
    products = write_csv(tmp_path / "products.csv", PRODUCT_HEADER, good_products())
    registry = load_registry(producers, products, geocode=False)
    problems = rejected_problems(registry, 2, "producers")
    assert expected in problems and column.split("/")[0] in problems
    problem = next(p for p in registry.problems if p.row == 2 and p.table == "producers")
    assert problem.file.endswith("producers.csv") and problem.fix  # names file, row, column and a fix
    # the product of the rejected producer is rejected too, with the reason
    assert "its producer was rejected" in rejected_problems(registry, 2, "products")
    assert_every_row_once(registry)


@pytest.mark.parametrize(
    ("index", "value", "expected"),
    [
        (1, "", "product name is missing"),
        (2, "Đồ chơi", "unknown OCOP group"),
        (3, 2, "stars must be 3, 4 or 5"),
        (3, 6, "stars must be 3, 4 or 5"),
        (3, "", "needs its star rating"),
        (4, "maybe", "unknown status"),
        (5, "P9", "no producer has this id"),
    ],
)
def test_each_product_rule(tmp_path, index, value, expected):
    rows = good_products()
    rows[1][index] = value
    producers = write_csv(tmp_path / "producers.csv", PRODUCER_HEADER, good_producers())
    products = write_csv(tmp_path / "products.csv", PRODUCT_HEADER, rows)
    registry = load_registry(producers, products, geocode=False)
    assert expected in rejected_problems(registry, 3)
    assert len(registry.products) == 1
    assert_every_row_once(registry)


def test_duplicate_ids_reject_the_repeat(tmp_path):
    producers = good_producers() + [["P1", "HTX khác", "Hợp tác xã", "", "Củ Chi", "", "", ""]]
    products = good_products() + [["S1", "Cải ngọt", "Thực phẩm", 3, "certified", "P1"]]
    registry = load_registry(
        write_csv(tmp_path / "producers.csv", PRODUCER_HEADER, producers),
        write_csv(tmp_path / "products.csv", PRODUCT_HEADER, products), geocode=False)
    assert len(registry.rejected) == 2
    assert all("first used at" in p for p in registry.rejected["problems"])
    assert list(registry.producers["name"]) == ["HTX Phước An", "Công ty TNHH Đạt Butter"]
    assert_every_row_once(registry)


def test_geojson_and_geopackage_inputs(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"producer_id": ["P1", "P2"], "name": ["HTX Phước An", "Công ty TNHH Đạt Butter"],
         "district": ["Bình Chánh", "Củ Chi"]},
        geometry=[Point(106.5932, 10.6657), Point(106.6144, 10.9766)], crs="EPSG:4326")
    products = write_csv(tmp_path / "products.csv", PRODUCT_HEADER, good_products())
    for name in ("producers.geojson", "producers.gpkg"):
        path = tmp_path / name
        gdf.to_file(path)
        registry = load_registry(path, products, geocode=False)
        assert len(registry.rejected) == 0
        assert registry.producers.geometry.iloc[0].equals_exact(Point(106.5932, 10.6657), 1e-6)
        assert registry.producers["location_precision"].iloc[0] == "exact"


def test_not_a_registry_table(tmp_path):
    path = write_csv(tmp_path / "other.csv", ["a", "b"], [[1, 2]])
    with pytest.raises(InputFileError, match="cannot tell whether this table lists producers, products or venues"):
        load_registry(path)


def test_unknown_suffix_and_empty_file(tmp_path):
    (tmp_path / "x.pdf").write_text("x")
    with pytest.raises(InputFileError, match="unknown file type"):
        load_registry(tmp_path / "x.pdf")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputFileError, match="empty"):
        load_registry(tmp_path / "empty.csv")


def test_raw_news_file_reports_every_problem_at_once(tmp_path):
    source = shutil.copy(settings.data_dir / "ocop" / "hcmc_ocop_products.csv", tmp_path / "news.csv")
    registry = load_registry(source, geocode=False)
    assert len(registry.rejected) > 5  # "4?" stars, missing groups, "candidate" years, ... all reported
    assert len(registry.problems) >= len(registry.rejected)
    assert_every_row_once(registry)


def test_producers_without_coordinates_are_placed_from_their_address(tmp_path):
    path = write_csv(tmp_path / "list.csv", ["Tên sản phẩm", "Phân nhóm", "Số sao", "Chủ thể", "Địa chỉ"], [
        ["Mãng cầu", "Thực phẩm", 3, "HTX Trung An", "Ấp 3, xã Trung An, huyện Củ Chi, TP.HCM"],
        ["Trà", "Đồ uống", 3, "Cơ sở Không Rõ", ""],
    ])
    registry = load_registry(path)
    placed = registry.producers.set_index("name")
    assert placed.loc["HTX Trung An", "location_precision"] == "ward"
    wards = gpd.read_file(settings.admin_dir / "hcmc_wards_2019.geojson")
    trung_an = wards[(wards["ward_name_ascii"].str.lower() == "trung an")]
    assert trung_an.geometry.iloc[0].contains(placed.loc["HTX Trung An", "geometry"])
    # the one that cannot be placed stays accepted, unplaced, with a note saying what to add
    assert placed.loc["Cơ sở Không Rõ", "geometry"] is None
    assert "add the ward" in placed.loc["Cơ sở Không Rõ", "geocode_note"]
    assert len(registry.unplaced) == 1


@pytest.mark.parametrize(("text", "expected"), [("chính xác", "exact"), ("Chính xác (GPS)", "exact"),
                                                 ("tâm xã", "ward"), ("commune centroid (approx.)", "ward"),
                                                 ("district centroid", "district"), ("khoảng chừng", None)])
def test_location_precision_words_in_both_languages(text, expected):
    from ocop_geo.registry_schema import parse_precision

    assert parse_precision(text) == expected


def test_control_characters_in_cells_are_replaced_and_reported(tmp_path):
    rows = good_producers()
    rows[0][1] = "HTX Phước\x0bAn\x01"
    registry = load_registry(write_csv(tmp_path / "producers.csv", PRODUCER_HEADER, rows), geocode=False)
    assert "HTX Phước An" in set(registry.producers["name"])
    assert any("control characters were replaced by spaces in rows 2" in n for n in registry.notices)


def test_flat_rows_of_one_producer_are_merged_and_disagreements_noted(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text("Tên sản phẩm,Phân nhóm,Số sao,Chủ thể,Quận/Huyện,Địa chỉ,lat,lon\n"
                    "Rau muống,Thực phẩm,4,HTX Phước An,Bình Chánh,Ấp 1,,\n"
                    "Cải ngọt,Thực phẩm,3,HTX Phước An,Bình Chánh,Ấp 2,10.6657,106.5932\n", encoding="utf-8")
    registry = load_registry(path, geocode=False)
    assert len(registry.products) == 2 and len(registry.producers) == 1 and len(registry.rejected) == 0
    producer = registry.producers.iloc[0]
    assert (producer["address"], producer["lat"], producer["location_precision"]) == ("Ấp 1", 10.6657, "exact")
    assert any("row 3" in n and "address 'Ấp 1'" in n and "'Ấp 2' was not used" in n for n in registry.notices)
    assert not any("location_precision" in n or " lat " in n for n in registry.notices)


def test_flat_rows_with_one_name_in_two_districts_are_two_producers(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text("Tên sản phẩm,Phân nhóm,Số sao,Chủ thể,Quận/Huyện\n"
                    "Rau muống,Thực phẩm,4,Cơ sở Minh Phát,Củ Chi\n"
                    "Bánh tráng,Thực phẩm,3,Cơ sở Minh Phát,Cần Giờ\n"
                    "Mắm,Thực phẩm,3,Cơ sở Minh Phát,Huyện Cần Giờ\n", encoding="utf-8")
    registry = load_registry(path, geocode=False)
    assert len(registry.rejected) == 0 and len(registry.products) == 3
    assert sorted(registry.producers["district"]) == ["Cần Giờ", "Củ Chi"]
    by_product = dict(zip(registry.products["name"], registry.products["producer_id"], strict=True))
    assert by_product["Bánh tráng"] == by_product["Mắm"] != by_product["Rau muống"]
    assert len(registry.notices) == 1  # "Huyện Cần Giờ" agrees with "Cần Giờ"; Củ Chi vs Cần Giờ is said once
    assert "row 3: 'Cơ sở Minh Phát' in 'Cần Giờ' is taken as another producer than the one in 'Củ Chi'" in (
        registry.notices[0])


def test_unknown_stars_are_said_not_guessed_and_the_group_source_is_kept(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text(
        "Tên sản phẩm,Phân nhóm,Nguồn nhóm,Số sao,Chủ thể,Quận/Huyện\n"
        "Mật ong Thanh Hảo,Thực phẩm,inferred,không rõ,Công ty TNHH Ong mật Thanh Hảo,Củ Chi\n"
        "Trà mãng cầu,Đồ uống,,4,HTX Trà Xanh,Củ Chi\n"
        "Bột sắn dây,Thực phẩm,đoán,,HTX Trà Xanh,Củ Chi\n",
        encoding="utf-8",
    )
    reg = load_registry(path, geocode=False)
    assert reg.products[["name", "stars", "group_source"]].astype(object).where(reg.products.notna(), None).values.tolist() == [
        ["Mật ong Thanh Hảo", None, "inferred"], ["Trà mãng cầu", 4, "stated"]]  # fmt: skip
    (rejected,) = reg.rejected.itertuples()
    assert "unknown group source" in rejected.problems and "needs its star rating" in rejected.problems
    assert "'unknown' (không rõ)" in rejected.fix


# --- contact columns (issue 13.5) ----------------------------------------------------------------
# TEST FIXTURES: the phone numbers, Zalo and websites below are invented (0900 000 … series), not the
# producers' real contacts; the bundled registry has none (its news sources give none).

CONTACT_HEADER = ["Mã chủ thể", "Tên chủ thể", "Địa chỉ", "Xã/Phường", "Quận/Huyện", "Vĩ độ", "Kinh độ",
                  "Số điện thoại", "Zalo", "Trang web", "Liên hệ"]  # fmt: skip


def test_contact_columns_with_vietnamese_headers_are_normalised(tmp_path):
    rows = [
        ["P1", "HTX Phước An", "Ấp 3, xã Tân Quý Tây", "Tân Quý Tây", "Bình Chánh", 10.6657, 106.5932,
         "+84 900.000.101; (028) 3800 0102", "0900000103", "www.HTXPhuocAn.example.vn", ""],
        ["P2", "Công ty TNHH Đạt Butter", "", "Hòa Phú", "Củ Chi", 10.9766, 106.6144, "", "", "",
         "ĐT: 0900.000.201 - Zalo 0900 000 202 - fb.com/datbutter.example; email dat@example.vn"],
        ["P3", "HTX Cần Giờ Tương Lai", "", "", "Cần Giờ", 10.6431, 106.7824, "0900 000 301", "",
         "", "Zalo: https://zalo.me/0900000302"],
    ]  # fmt: skip
    registry = load_registry(write_csv(tmp_path / "producers.csv", CONTACT_HEADER, rows), geocode=False)
    assert registry.rejected.empty, registry.rejected.to_dict("records")
    got = registry.producers.set_index("producer_id")[["address", "phone", "zalo", "website"]]
    assert got.loc["P1"].tolist() == ["Ấp 3, xã Tân Quý Tây", "0900 000 101, 028 3800 0102", "0900 000 103",
                                      "https://www.htxphuocan.example.vn"]  # fmt: skip
    # the free-text contact fills the empty columns; an e-mail address is no website
    assert got.loc["P2"].tolist() == ["", "0900 000 201", "0900 000 202", "https://fb.com/datbutter.example"]
    assert got.loc["P3"].tolist() == ["", "0900 000 301", "0900 000 302", ""]  # the column wins, the text adds
    assert registry.contacts()["P1"]["phone"] == "0900 000 101, 028 3800 0102"


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("Số điện thoại", "0900 000", "not a Vietnamese phone number"),
        ("Số điện thoại", "+33 1 23 45 67 89", "not a Vietnamese phone number"),
        ("Zalo", "zalo của chủ cơ sở", "not a Zalo number"),
        ("Trang web", "trang facebook HTX", "not a web address"),
    ],
)
def test_a_bad_contact_value_names_file_row_and_column(tmp_path, column, value, expected):
    row = ["P1", "HTX Phước An", "", "Tân Quý Tây", "Bình Chánh", 10.6657, 106.5932, "", "", "", ""]
    row[CONTACT_HEADER.index(column)] = value
    registry = load_registry(write_csv(tmp_path / "producers.csv", CONTACT_HEADER, [row]), geocode=False)
    assert len(registry.rejected) == 1
    message = str(registry.problems[0])
    assert "producers.csv, row 2" in message and f"column {column!r}" in message and repr(value) in message
    assert expected in message


def test_venue_contact_and_a_linked_venue_takes_its_producers(tmp_path):
    producers = write_csv(tmp_path / "producers.csv", CONTACT_HEADER, [
        ["P1", "HTX Phước An", "Ấp 3", "Tân Quý Tây", "Bình Chánh", 10.6657, 106.5932, "0900 000 101", "", "", ""]])
    venues = write_csv(tmp_path / "venues.csv",
                       ["Mã điểm", "Loại điểm", "Tên điểm", "Quận/Huyện", "Vĩ độ", "Kinh độ", "Liên hệ", "producer_id"],
                       [["V1", "showroom", "Cửa hàng OCOP Bình Chánh", "Bình Chánh", 10.70, 106.60,
                         "Hotline 1900 0000; www.ocop-binhchanh.example.vn", ""],
                        ["V2", "agritourism", "Vườn HTX Phước An", "", "", "", "", "P1"]])  # fmt: skip
    registry = load_registry(producers, venues, geocode=False)
    assert registry.rejected.empty, registry.rejected.to_dict("records")
    contacts = registry.contacts()
    assert contacts["V1"] == {"address": "", "phone": "1900 0000", "zalo": "",
                              "website": "https://www.ocop-binhchanh.example.vn"}  # fmt: skip
    assert contacts["V2"]["phone"] == "0900 000 101" and contacts["V2"]["address"] == "Ấp 3"
