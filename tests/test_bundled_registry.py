"""The bundled registry (data/registry/) and the script that builds it from the news passes in data/ocop/.

Real data throughout, except ``test_a_product_no_rule_covers_goes_to_the_log``, which adds one SYNTHETIC row (labelled
so) to a temporary copy of the sources.
"""

from __future__ import annotations

import csv
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ocop_geo import settings
from ocop_geo.registry import load_bundled_registry
from ocop_geo.registry_schema import VENUE_KINDS, parse_date
from ocop_geo.textnorm import admin_key

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_bundled_registry.py"
REGISTRY = ROOT / "data" / "registry"
FILES = ("producers.csv", "products.csv", "venues.csv", "conversion_log.csv")


def _load_script():
    spec = importlib.util.spec_from_file_location("build_bundled_registry", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


build_script = _load_script()


def rows(name: str) -> list[dict[str, str]]:
    with (REGISTRY / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def by_id(name: str, key: str) -> dict[str, dict[str, str]]:
    return {r[key]: r for r in rows(name)}


def test_the_script_is_deterministic_and_the_bundled_files_are_its_output(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (REGISTRY / name).read_bytes(), f"{name} differs: re-run the script"


def test_every_row_names_its_source():
    for name in ("producers.csv", "products.csv", "venues.csv"):
        for row in rows(name):
            sources = [u.strip() for u in row["source"].split(" ; ")]
            assert sources and all(u.startswith(("http://", "https://")) for u in sources), (name, row)
    for row in rows("conversion_log.csv"):
        assert row["source_file"] and row["source_row"].isdigit() and row["reason"], row


def test_first_pass_ids_keep_their_meaning():
    producers = by_id("producers.csv", "producer_id")
    expected = {"HCM-P01": "Công ty CP Tập đoàn Xuân Nguyên", "HCM-P02": "HTX Phước An",
                "HCM-P03": "Công ty TNHH Phát triển dừa nước Việt Nam (Vietnipa)", "HCM-P04": "Công ty TNHH Đạt Butter",
                "HCM-P14": "HTX Cần Giờ Tương Lai", "HCM-P18": "Công ty TNHH sản xuất công nghệ HB",
                "HCM-P20": "Điểm DLST Dần Xây"}
    assert {k: producers[k]["name"] for k in expected} == expected
    assert list(producers)[:20] == [f"HCM-P{i:02d}" for i in range(1, 21)]
    products = by_id("products.csv", "product_id")
    assert products["HCM-SP015"]["name"] == "Rượu sâm đinh lăng" and products["HCM-SP015"]["producer_id"] == "HCM-P05"
    assert products["HCM-SP046"]["name"] == "Hàu tươi Cần Giờ"
    # the aggregate row the second pass replaced by named products keeps no row, and its id is not reused
    assert "HCM-SP024" not in products
    assert any("HCM-SP024 is retired" in r["reason"] for r in rows("conversion_log.csv"))


def test_a_product_named_in_both_passes_is_one_product_with_both_sources():
    products = [r for r in rows("products.csv") if r["producer_id"] == "HCM-P02" and r["name"] == "Rau muống"]
    assert len(products) == 1
    assert "20221019155202303" in products[0]["source"] and "20221029064027759" in products[0]["source"]
    # a first-pass candidate that the second pass shows certified becomes certified, one row
    oysters = [r for r in rows("products.csv") if r["name"] == "Hàu tươi Cần Giờ"]
    assert [(r["product_id"], r["status"], r["stars"]) for r in oysters] == [("HCM-SP046", "certified", "3")]


def test_conflict_phuoc_an_commune_more_sources_win():
    phuoc_an = by_id("producers.csv", "producer_id")["HCM-P02"]
    assert (phuoc_an["ward"], phuoc_an["district"]) == ("An Phú Tây", "Bình Chánh")
    assert "Tân Quý Tây" in phuoc_an["notes"] and "20221019155202303" in phuoc_an["notes"]
    assert "HTX Nông nghiệp sản xuất thương mại và dịch vụ Phước An" in phuoc_an["notes"]  # one producer
    assert not phuoc_an["lat"]  # the Tân Quý Tây centroid is not kept for An Phú Tây


def test_conflict_hb_district_tie_goes_to_the_source_with_the_ward():
    hb = by_id("producers.csv", "producer_id")["HCM-P18"]
    assert (hb["district"], hb["ward"]) == ("Quận 12", "Tân Chánh Hiệp")
    assert "Hóc Môn" in hb["notes"] and "sohuutritue" in hb["notes"]


def test_conflict_abz_stars_the_most_recent_round_wins():
    sam = by_id("products.csv", "product_id")["HCM-SP015"]
    assert (sam["stars"], sam["year"]) == ("4", "2023")
    assert "3★ in the 2022 round" in sam["notes"] and "sohuutritue" in sam["notes"]


def test_place_rule_on_small_cases():
    b = build_script.Build()
    p = build_script.Producer("X", "test producer (SYNTHETIC)")
    p.places = [("Bình Chánh", "Tân Quý Tây", "https://a"), ("Bình Chánh", "An Phú Tây", "https://b ; https://c")]
    assert b.resolve_place(p) == ("Bình Chánh", "An Phú Tây")
    assert "'Tân Quý Tây' in https://a" in p.notes[0]
    tie = build_script.Producer("Y", "test producer (SYNTHETIC)")
    tie.places = [("Hóc Môn", "", "https://a"), ("Quận 12", "Tân Chánh Hiệp", "https://b")]
    assert b.resolve_place(tie) == ("Quận 12", "Tân Chánh Hiệp")


def test_stars_rule_on_small_cases():
    b = build_script.Build()
    prod = build_script.Product("SP", "x", build_script.Producer("X", "y"), "certified")
    prod.ratings = [(2023, "4", "later", ["https://b"]), (2022, "3", "earlier", ["https://a"])]
    assert b.resolve_stars(prod) == ("4", "later", "2023")
    unknown = build_script.Product("SP", "x", build_script.Producer("X", "y"), "certified")
    unknown.ratings = [(2022, "", "QĐ 1066", ["https://a"])]
    assert b.resolve_stars(unknown)[0] == "unknown"


@pytest.mark.parametrize(("name", "group"), [
    ("Bột tía tô", "Thực phẩm"), ("Mật ong hoa sen", "Thực phẩm"), ("Chả lụa Phú Mỹ", "Thực phẩm"),
    ("Trà túi lọc đông trùng hạ thảo Vinabiomush", "Đồ uống"), ("Rượu linh chi 30 độ", "Đồ uống"),
    ("Nước cốt Nhàu Phong Thảo", "Đồ uống"), ("Nấm đông trùng hạ thảo khô Vinabiomush", "Thảo dược"),
    ("Tinh bột nghệ vàng", "Thảo dược"), ("Nấm mối đen tươi", "Thực phẩm"),
    ("(3 sản phẩm – names not in source)", None), ("Gốm sứ (SYNTHETIC)", None),
])
def test_group_rule(name, group):
    assert build_script.infer_group(name) == group


def test_group_source_stated_or_inferred_never_blank():
    products = by_id("products.csv", "product_id")
    assert products["HCM-SP007"]["group_source"] == "stated"  # the first pass states it
    assert products["HCM-SP049"]["group_source"] == "inferred"  # Bột rau má: no source states the group
    # a first-pass group marked "guessed" is not 'stated'; where the rule disagrees, the guess is noted
    assert products["HCM-SP004"]["group_source"] == "inferred" and "guessed" in products["HCM-SP004"]["notes"]
    for row in rows("products.csv"):
        assert row["group_source"] in {"stated", "inferred"} and row["ocop_group"], row
    log = rows("conversion_log.csv")
    assert any(r["product_name"] == "(3 sản phẩm – names not in source)" for r in log)
    named = {r["name"] for r in rows("products.csv")}
    assert not named & {r["product_name"] for r in log}


def test_a_product_no_rule_covers_goes_to_the_log(tmp_path, monkeypatch):
    src = tmp_path / "ocop"
    shutil.copytree(ROOT / "data" / "ocop", src)
    named = src / "news_2026_11" / "hcmc_ocop_products_named.csv"
    with named.open("a", encoding="utf-8", newline="") as fh:  # SYNTHETIC row: a kind no rule covers
        csv.writer(fh, lineterminator="\n").writerow(
            ["Gốm sứ (SYNTHETIC)", "HTX Rasafood", "3", "", "Hóc Môn", "", "", "", "2024", "https://example.org/x"])
    monkeypatch.setattr(build_script, "SRC", src)
    monkeypatch.setattr(build_script, "NEWS", src / "news_2026_11")
    counts = build_script.build(tmp_path / "out")
    with (tmp_path / "out" / "products.csv").open(encoding="utf-8") as fh:
        assert "Gốm sứ (SYNTHETIC)" not in fh.read()
    with (tmp_path / "out" / "conversion_log.csv").open(encoding="utf-8") as fh:
        log = list(csv.DictReader(fh))
    assert any(r["product_name"] == "Gốm sứ (SYNTHETIC)" and "no kind rule" in r["reason"] for r in log)
    assert counts["product_rows"] == len(rows("products.csv"))


def test_the_bundled_registry_loads_clean_and_meets_the_counts():
    registry = load_bundled_registry(geocode=False)
    assert len(registry.rejected) == 0, registry.rejected.to_string()
    summary = registry.summary()
    assert len(registry.producers) >= 30
    assert summary["certified_products"] >= 110
    assert len(registry.venues) >= 10
    assert set(registry.venues["kind"]) <= set(VENUE_KINDS)
    unknown = registry.products[(registry.products["status"] == "certified") & registry.products["stars"].isna()]
    assert len(unknown) > 0  # certified with no rating in any source: kept, stars 'unknown'
    assert (registry.products.loc[registry.products["status"] == "candidate", "stars"].isna()).all()


def test_post_merger_producers_carry_their_2025_unit():
    units = {admin_key(r["ward"]) for r in csv.DictReader(
        (settings.data_dir / "admin" / "hcmc_wards_2025_07.csv").open(encoding="utf-8"))}
    with (ROOT / "data" / "ocop" / "news_2026_11" / "post_merger_ocop_products_named.csv").open(encoding="utf-8") as fh:
        post_merger = {r["producer"] for r in csv.DictReader(fh)}
    producers = [r for r in rows("producers.csv") if r["name"] in post_merger]
    assert len(producers) == len(post_merger)
    for p in producers:
        assert p["district"] == "", p  # no district level after 7/2025
        if p["ward"]:
            assert p["ward"].startswith(("Phường ", "Xã ")) and admin_key(p["ward"]) in units, p
        else:
            assert "not placed" in p["notes"], p  # the source gives no place: none invented
    by_name = {p["name"]: p for p in producers}
    assert by_name["Công ty TNHH sản xuất - thương mại Bách An"]["ward"] == "Phường Phú An"
    assert by_name["Công ty TNHH KMS VINA"]["ward"] == "Phường Tây Nam"  # old An Tây, renamed
    assert "An Tây, TX Bến Cát" in by_name["Công ty TNHH KMS VINA"]["notes"]
    assert "old district was larger" in by_name["Công ty TNHH Ong mật Thanh Hảo"]["notes"]
    assert by_name["Công ty TNHH Ong mật Thanh Hảo"]["ward"] == "Xã Bắc Tân Uyên"


def test_venues_file():
    venues = rows("venues.csv")
    assert [v["venue_id"] for v in venues] == [f"HCM-V{i:02d}" for i in range(1, 16)]
    assert list(venues[0]) == build_script.VENUE_HEADER
    for v in venues:
        assert v["kind"] in VENUE_KINDS and not v["lat"] and not v["opening_hours"], v
        for key in ("start_date", "end_date"):
            assert not v[key] or parse_date(v[key]) is not None, v
    fair = next(v for v in venues if v["name"] == "Tuần lễ sản phẩm OCOP 2024")
    assert (fair["kind"], fair["start_date"], fair["end_date"]) == ("fair", "2024-11-06", "2024-11-10")
    farm = next(v for v in venues if v["name"] == "Nông trại đậu phộng Đạt Butter")
    assert (farm["kind"], farm["producer_id"]) == ("agritourism", "HCM-P04") and "weekends" in farm["notes"]
    vung_tau = next(v for v in venues if v["start_date"] == "2025-11-28")
    assert (vung_tau["ward"], vung_tau["district"]) == ("Phường Vũng Tàu", "")
    two_units = next(v for v in venues if v["name"] == "Trại ong dú Hồ Tràm")
    assert two_units["ward"] == "" and "not placed" in two_units["notes"]
