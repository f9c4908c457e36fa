"""``ocop-geo geocode`` as a user runs it: real files in, real files out, real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest

from ocop_geo import settings


def run(*args: str) -> subprocess.CompletedProcess:
    env = {"COLUMNS": "120", "PATH": "/usr/bin:/bin", "OCOP_GEO_CACHE": str(settings.cache_dir), "OCOP_GEO_LANG": "en"}
    env.update({k: v for k, v in os.environ.items() if k in {"HOME", "LANG"}})
    return subprocess.run([sys.executable, "-m", "ocop_geo", *args], capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.fixture
def producers_csv(tmp_path):
    path = tmp_path / "producers.csv"
    pd.DataFrame({
        "name": ["HTX A", "Cơ sở B", "C", "D"],
        "address": ["Ấp 3, xã Trung An, huyện Củ Chi", "123 Nguyễn Trãi, P.2, Q.5", "Phường 2", ""],
        "lat": ["", "", "", ""],
    }).to_csv(path, index=False)
    return path


def test_geocode_csv_to_geojson_keeps_columns_and_exits_1_for_unplaced(tmp_path, producers_csv):
    out = tmp_path / "out.geojson"
    result = run("geocode", str(producers_csv), "-o", str(out))
    assert result.returncode == 1, result.stderr
    assert "Rows by precision" in result.stdout and "row 4: not placed" in result.stdout
    gdf = gpd.read_file(out)
    assert len(gdf) == 4 and gdf.crs.to_epsg() == 4326
    for col in ("name", "address", "lat_input", "lat", "lon", "precision", "confidence", "ward",
                "ward_code", "district", "district_code", "unit_2025", "unit_code_2025", "geocode_note"):
        assert col in gdf.columns, col
    assert list(gdf["precision"]) == ["ward", "street", "none", "none"]
    assert gdf.geometry.iloc[2] is None and "ambiguous" in gdf["geocode_note"].iloc[2]
    assert list(gdf["name"]) == ["HTX A", "Cơ sở B", "C", "D"]


def test_geocode_excel_to_csv_with_named_column(tmp_path):
    src = tmp_path / "in.xlsx"
    pd.DataFrame({"Địa chỉ": ["P. Tân Định, Q.1"], "ghi chú": ["x"]}).to_excel(src, index=False)
    out = tmp_path / "out.csv"
    result = run("geocode", str(src), "-o", str(out), "--address-column", "Địa chỉ")
    assert result.returncode == 0, result.stderr
    df = pd.read_csv(out, dtype=str)
    assert df.loc[0, "ward"] == "Phường Tân Định" and df.loc[0, "ghi chú"] == "x"


def test_geocode_bad_column_and_bad_suffix_exit_2(tmp_path, producers_csv):
    result = run("geocode", str(producers_csv), "-o", str(tmp_path / "o.csv"), "--address-column", "nope")
    assert result.returncode == 2
    assert "no column 'nope'" in result.stderr and "Traceback" not in result.stderr
    result = run("geocode", str(producers_csv), "-o", str(tmp_path / "o.shp"))
    assert result.returncode == 2 and "unknown output type" in result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_geocode_help_has_an_example():
    result = run("geocode", "--help")
    assert result.returncode == 0 and "Example: ocop-geo geocode" in result.stdout


def test_geocode_refuses_to_overwrite_its_input(tmp_path, producers_csv):
    before = producers_csv.read_bytes()
    result = run("geocode", str(producers_csv), "-o", str(producers_csv))
    assert result.returncode == 2 and "overwrite the input" in " ".join(result.stderr.split()), result.stderr
    assert producers_csv.read_bytes() == before


def test_geocode_csv_output_is_formula_safe_and_notes_unreadable_coordinates(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('name,address,lat,lon\n"=HYPERLINK(""http://evil"")","Trung An, Cu Chi",abc,106.5\n'
                   '"[/] <b>","Trung An, Cu Chi",10.98,-\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run("geocode", str(src), "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    rows = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert rows.loc[0, "name"] == "'=HYPERLINK(\"http://evil\")"
    assert rows.loc[1, "name"] == "[/] <b>"
    assert rows.loc[0, "precision"] == "ward" and "'abc', '106.5' are not two numbers" in rows.loc[0, "geocode_note"]
    assert "are not two numbers" in rows.loc[1, "geocode_note"]


def test_input_columns_named_like_results_are_kept_under_new_names(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('name,address,geometry,lat,lat_input\nA,"Trung An, Cu Chi",POINT (1 2),x,y\n', encoding="utf-8")
    out = tmp_path / "out.geojson"
    result = run("geocode", str(src), "-o", str(out))
    assert result.returncode == 0, result.stderr
    got = gpd.read_file(out)
    assert (got.loc[0, "geometry_input"], got.loc[0, "lat_input2"], got.loc[0, "lat_input"]) == ("POINT (1 2)", "x", "y")
    assert got.geometry.iloc[0].y == pytest.approx(got.loc[0, "lat"])


def test_geocode_excel_with_title_rows(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH CƠ SỞ OCOP"])
    ws.append(["Tên cơ sở", "Địa chỉ", "Quận/Huyện"])
    ws.append(["HTX A", "Ấp 3, xã Trung An", "Củ Chi"])
    ws.append(["HTX B", "Phường 2", "Quận 5"])  # many wards are called Phường 2: the district column decides
    src = tmp_path / "ds.xlsx"
    wb.save(src)
    out = tmp_path / "out.csv"
    result = run("geocode", str(src), "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    rows = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(rows.columns[:3]) == ["Tên cơ sở", "Địa chỉ", "Quận/Huyện"]
    assert rows.loc[0, "ward"] == "Xã Trung An" and "DANH SÁCH" in result.stdout
    assert rows.loc[1, "ward"] == "Phường 2" and rows.loc[1, "district"] == "Quận 5"
