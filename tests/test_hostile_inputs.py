"""Hostile inputs (issue 15): each defect found by the hostile test of main, reproduced, with its fix.

Fast cases only; the long runs (kill-and-rerun, soak) live in benchmarks/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests_helpers_encoding import encode

from ocop_geo._errors import InputFileError
from ocop_geo.registry import load_registry

HEADER = "producer_id,name,ward,district,product,group,stars\n"
ROW = "P1,HTX Rau sạch Phước An,An Phú Tây,Bình Chánh,Rau muống,Thực phẩm,4\n"


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OCOP_GEO_LANG": "en", "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-m", "ocop_geo", *args], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip


# D3 — a UTF-16 file one byte short or with a lone surrogate: exit 2 naming the file and the encoding, not exit 4.
@pytest.mark.parametrize("damage", ["short", "surrogate"])
def test_d3_broken_utf16_is_a_bad_input_naming_file_and_encoding(tmp_path: Path, damage: str):
    data = (HEADER + ROW).encode("utf-16")  # with its byte-order mark
    if damage == "short":
        data = data[:-1]
    else:
        data = data + "\ud800".encode("utf-16-le", errors="surrogatepass") + "x\n".encode("utf-16-le")
    path = tmp_path / "ds.csv"
    path.write_bytes(data)
    with pytest.raises(InputFileError, match=r"ds\.csv: line \d+: the file starts as UTF-16"):
        load_registry(path, geocode=False)
    for command in (["validate", str(path), "--no-geocode"], ["geocode", str(path), "-o", str(tmp_path / "o.csv")]):
        res = _cli(*command)
        assert res.returncode == 2, (command, res.stdout, res.stderr)
        assert "ds.csv" in res.stderr and "UTF-16" in res.stderr and "Internal error" not in res.stderr


# D4 — `validate a.csv --rejected-csv a.csv` (or --json a.csv) replaced the registry with its rejected rows.
@pytest.mark.parametrize("option", ["--rejected-csv", "--json"])
def test_d4_validate_refuses_to_write_over_its_input(tmp_path: Path, option: str):
    path = tmp_path / "a.csv"
    path.write_text(HEADER + ROW + "P2,,,,,,9\n", encoding="utf-8")
    before = path.read_bytes()
    other_spelling = tmp_path / "." / "a.csv"
    res = _cli("validate", str(path), "--no-geocode", option, str(other_spelling))
    assert res.returncode == 2, res.stdout + res.stderr
    assert "this is the input file" in res.stderr and option in res.stderr
    assert path.read_bytes() == before


# D8 — `validate` accepted `10,665709` (decimal comma) but `geocode` ignored it and used the ward centre;
# D9 — `10 39 56.6` (degrees minutes seconds) was reported "outside Ho Chi Minh City".
@pytest.mark.parametrize(("lat", "lon"), [("10,665709", "106,579941"), ("10 39 56.6", "106 34 47.8"),
                                          ("10°39'56.6\"N", "106°34'47.8\"E")])  # fmt: skip
def test_d8_d9_coordinates_as_people_write_them_are_used_by_validate_and_geocode(tmp_path: Path, lat, lon):
    import csv

    path = tmp_path / "ds.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["producer_id", "name", "ward", "district", "lat", "lon"])
        w.writerow(["P1", "HTX Rau sạch Phước An", "An Phú Tây", "Bình Chánh", lat, lon])
    reg = load_registry(path, geocode=False)
    assert len(reg.rejected) == 0, reg.problems
    row = reg.producers.iloc[0]
    assert row["location_precision"] == "exact"
    assert abs(row["lat"] - 10.6657) < 1e-3 and abs(row["lon"] - 106.5800) < 1e-3
    out = tmp_path / "geo.csv"
    res = _cli("geocode", str(path), "-o", str(out))
    assert res.returncode == 0, res.stdout + res.stderr
    import pandas as pd

    got = pd.read_csv(out)
    assert got.loc[0, "precision"] == "exact" and abs(got.loc[0, "lat"] - 10.6657) < 1e-3


# D10 — SIGKILL right after nodes.parquet left a 0-byte .edges.parquet.*.tmp in the cache for ever.
def test_d10_temp_files_of_killed_runs_are_swept_and_live_ones_kept(tmp_path: Path):
    from ocop_geo.fileio import atomic_path, remove_stale_temps

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".edges.parquet.{dead_pid}.abc123.tmp"
    stale.write_bytes(b"")
    live = tmp_path / f".nodes.parquet.{os.getpid()}.def456.tmp"
    live.write_bytes(b"")
    other = tmp_path / ".notes.tmp"  # not ours: no pid in the name
    other.write_bytes(b"")
    assert remove_stale_temps(tmp_path) == [stale]
    assert live.exists() and other.exists() and not stale.exists()
    with atomic_path(tmp_path / "x.json") as tmp:
        assert f".{os.getpid()}." in tmp.name


def test_d10_a_killed_cache_write_is_swept_by_the_next_run(tmp_path: Path, monkeypatch):
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import LineString

    from ocop_geo import graph_cache, settings

    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    folder = graph_cache.entry_dir("k1")
    folder.mkdir(parents=True)
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)  # fmt: skip
    (folder / f".edges.parquet.{dead}.zz.tmp").write_bytes(b"")
    assert graph_cache.read("k1") is None
    nodes = pd.DataFrame({"osmid": [1, 2], "x": [106.7, 106.71], "y": [10.7, 10.71]})
    edges = gpd.GeoDataFrame({"u": [1], "v": [2]}, geometry=[LineString([(106.7, 10.7), (106.71, 10.71)])], crs=4326)
    graph_cache.write("k1", nodes, edges)
    assert sorted(p.name for p in folder.iterdir()) == ["edges.parquet", "manifest.json", "nodes.parquet"]


# D10 — a read-only cache folder failed the demo (exit 2) instead of running without a cache. (Tests run as root,
# which writes into read-only folders, so the cache path is made unwritable by putting it under a file.)
def test_d10_an_unwritable_cache_folder_runs_without_a_cache(tmp_path: Path, monkeypatch, caplog):
    from ocop_geo import gazetteer, settings
    from ocop_geo.network import load_network

    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    monkeypatch.setattr(settings, "cache_dir", blocker / "cache")
    fixture = Path(__file__).parent / "fixtures" / "osm" / "hcmc_d3_2026.osm"
    G = load_network(fixture, mode="motorbike", supplement=False)
    assert G.number_of_edges() > 100
    assert "cannot write the network cache" in caplog.text
    gaz = gazetteer.load_gazetteer(rebuild=True)
    assert gaz is not None and "cannot write the gazetteer cache" in caplog.text
    from ocop_geo import basemap

    info = basemap.cached_basemap()  # the demo's site step failed here (exit 2)
    assert info.n_tiles > 100 and (info.path / "index.js").is_file()
    assert "cannot write the basemap cache" in caplog.text


PRODUCERS = "producer_id,name,ward,district\nP1,HTX Phước An,An Phú Tây,Bình Chánh\nP2,Công ty Xuân Nguyên,Vĩnh Lộc A,Bình Chánh\n"


# D1 — a product table with `name` and `producer` read the product's name from `producer` (the products were
# taken for producers and lost); a row with only `producer_id` was blamed on column `producer`.
@pytest.mark.parametrize("products", [
    "name,producer,group,stars\nRau muống,HTX Phước An,Thực phẩm,4\nGạo nàng thơm,Công ty Xuân Nguyên,Thực phẩm,3\n",
    "name,producer_id,group,stars\nRau muống,P1,Thực phẩm,4\nGạo nàng thơm,P2,Thực phẩm,3\n",
    "Tên,Chủ thể,Nhóm,Số sao\nRau muống,HTX Phước An,Thực phẩm,4\nGạo nàng thơm,Công ty Xuân Nguyên,Thực phẩm,3\n",
])  # fmt: skip
def test_d1_a_plain_name_column_beside_the_producer_is_the_products_name(tmp_path: Path, products: str):
    (tmp_path / "producers.csv").write_text(PRODUCERS, encoding="utf-8")
    (tmp_path / "products.csv").write_text(products, encoding="utf-8")
    reg = load_registry(tmp_path / "producers.csv", tmp_path / "products.csv", geocode=False)
    assert len(reg.rejected) == 0, reg.problems
    assert sorted(reg.producers["producer_id"]) == ["P1", "P2"]
    got = dict(zip(reg.products["name"], reg.products["producer_id"], strict=True))
    assert got == {"Rau muống": "P1", "Gạo nàng thơm": "P2"}


# D2 — a flat list whose producers have no detail column was wholly rejected ("no producer has this name"),
# a GeoJSON with the location only in its geometry too.
def test_d2_a_flat_list_without_producer_details_derives_its_producers(tmp_path: Path):
    import geopandas as gpd
    from shapely.geometry import Point

    flat = tmp_path / "flat.csv"
    flat.write_text("Chủ thể,Tên sản phẩm,Nhóm,Số sao\nHTX Phước An,Rau muống,Thực phẩm,4\n"
                    "HTX Phước An,Rau cải,Thực phẩm,3\nCông ty Xuân Nguyên,Gạo,Thực phẩm,3\n", encoding="utf-8")
    reg = load_registry(flat, geocode=False)
    assert (len(reg.producers), len(reg.products), len(reg.rejected)) == (2, 3, 0)
    geo = tmp_path / "flat.geojson"
    gpd.GeoDataFrame({"producer": ["HTX A", "HTX A", "Cty B"], "product": ["x", "y", "z"],
                      "group": ["Thực phẩm"] * 3, "stars": [4, 3, 3]},
                     geometry=[Point(106.6, 10.8), Point(106.6, 10.8), Point(106.7, 10.75)], crs=4326).to_file(geo)
    reg = load_registry(geo, geocode=False)
    assert (len(reg.producers), len(reg.products), len(reg.rejected)) == (2, 3, 0)
    assert set(reg.producers["location_precision"]) == {"exact"}
    assert sorted(reg.producers["lat"]) == [10.75, 10.8]


def test_d2_a_product_naming_an_unknown_producer_beside_a_producer_table_is_still_an_error(tmp_path: Path):
    (tmp_path / "producers.csv").write_text(PRODUCERS, encoding="utf-8")
    (tmp_path / "products.csv").write_text("producer,product,group,stars\nHTX Phuoc Ann,Rau,Thực phẩm,4\n",
                                           encoding="utf-8")  # fmt: skip
    reg = load_registry(tmp_path / "producers.csv", tmp_path / "products.csv", geocode=False)
    assert [p.problem for p in reg.problems] == ["no producer has this name"]


# D9 — headers that fold to the same name kept one silently; "Hợp tác xã Phước An" and "HTX Phước An" became
# two producers without a notice.
def test_d9_folded_duplicate_headers_are_refused_naming_both(tmp_path: Path):
    path = tmp_path / "dup.csv"
    path.write_text("producer_id,name,So sao,Số sao\nP1,HTX Phước An,4,5\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"'So sao' / 'Số sao' mean the same field"):
        load_registry(path, geocode=False)


def test_d9_abbreviated_business_forms_are_one_producer_with_a_notice(tmp_path: Path):
    path = tmp_path / "flat.csv"
    path.write_text("Chủ thể,Tên sản phẩm,Nhóm,Số sao,Quận/Huyện\nHợp tác xã Phước An,Rau muống,Thực phẩm,4,Bình Chánh\n"
                    "H.T.X PHƯỚC AN,Rau cải,Thực phẩm,3,Bình Chánh\n", encoding="utf-8")  # fmt: skip
    reg = load_registry(path, geocode=False)
    assert (len(reg.producers), len(reg.products)) == (1, 2)
    assert any("'H.T.X PHƯỚC AN' is read as 'Hợp tác xã Phước An'" in n for n in reg.notices)


# D9 — one 10 MB cell made the whole file fail with "Fix the quoting there"; mojibake headers were told to
# "rename the header" instead of naming the encoding. D7 (data side) — a 5,000-character name was accepted.
def test_d9_a_huge_cell_rejects_its_row_only(tmp_path: Path):
    path = tmp_path / "p.csv"
    huge = "x" * 10_000_000
    path.write_text(f"producer_id,name,district,notes\nP1,HTX Phước An,Bình Chánh,{huge}\n"
                    f"P2,{'N' * 5000},Bình Chánh,\nP3,Công ty Xuân Nguyên,Bình Chánh,ok\n", encoding="utf-8")
    reg = load_registry(path, geocode=False)
    assert list(reg.producers["producer_id"]) == ["P3"]
    problems = {(p.row, p.column): p.problem for p in reg.problems}
    assert "10,000,000 characters long" in problems[(2, "notes")]
    assert "5,000 characters long (at most 300" in problems[(3, "name")]


def test_d9_garbled_headers_name_the_encoding(tmp_path: Path):
    path = tmp_path / "p.csv"
    text = "Tên chủ thể,Tên sản phẩm,Nhóm,Số sao\nHTX Phước An,Rau muống,Thực phẩm,4\n"
    path.write_text(text.encode("utf-8").decode("cp1252", errors="replace"), encoding="utf-8")
    with pytest.raises(InputFileError, match=r"headers are garbled .*Windows-1252.*CSV UTF-8"):
        load_registry(path, geocode=False)


def test_d9_an_unclosed_quote_is_pointed_at(tmp_path: Path):
    path = tmp_path / "p.csv"
    rows = "".join(f"P{i},Cơ sở {i},Bình Chánh\n" for i in range(2, 40))
    path.write_text('producer_id,name,district\nP1,"HTX Phước An,Bình Chánh\n' + rows, encoding="utf-8")
    reg = load_registry(path, geocode=False)
    assert any("line 2: a cell runs from there to the end of the file" in n for n in reg.notices), reg.notices


# Reports that scale: repeated problems are one line per kind (validate printed 18,619 lines for 10,000 rows).
def test_a_10000_row_report_fits_on_a_screen(tmp_path: Path):
    """SYNTHETIC registry: 10,000 producer rows, every one with the same two faults."""
    path = tmp_path / "big.csv"
    lines = ["producer_id,name,district,lat,lon"] + [f"S{i},Cơ sở tổng hợp {i},Bình Chánh,abc,9" for i in range(10_000)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "rejected.csv"
    res = _cli("validate", str(path), "--no-geocode", "--rejected-csv", str(out))
    assert res.returncode == 1, res.stderr
    assert len(res.stdout.splitlines()) < 60, res.stdout[-3000:]
    assert "10000 rows (2, 3, 4" in " ".join(res.stdout.split()) and "--rejected-csv" in res.stdout
    assert sum(1 for _ in out.open(encoding="utf-8")) == 10_001


# The reliability suite's fast part (issue 15, Build 5): every encoding, broken files, payloads in every text field.
_PAYLOADS = ["<script>alert(1)</script>", "{{7*7}}", "=HYPERLINK(\"http://x\")", "'; DROP TABLE x; --",
             "\u202eevil", "a\x00b", "../../etc/passwd", "${jndi:ldap://x}"]  # fmt: skip


def _registry_text() -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["producer_id", "name", "address", "ward", "district", "product", "group", "stars", "notes"])
    for i, p in enumerate(_PAYLOADS):
        w.writerow([f"P{i}", f"HTX {p} {i}", p, "An Phú Tây", "Bình Chánh", f"Rau {p}", "Thực phẩm", "4", p])
    w.writerow(["P99", "HTX Phước An", "", "An Phú Tây", "Bình Chánh", "Rau muống", "Thực phẩm", "9", ""])  # bad stars
    return buf.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16-le-bom", "utf-16-be-bom", "cp1258"])
def test_every_encoding_reads_and_every_row_is_accepted_or_rejected(tmp_path: Path, encoding: str):
    text = _registry_text().replace("\x00", "")
    path = tmp_path / "ds.csv"
    path.write_bytes(encode(text, encoding))
    reg = load_registry(path, geocode=False)
    n_rows = text.count("\n") - 1
    assert reg.summary()["input_rows"] == n_rows
    rejected_rows = {p.row for p in reg.problems}
    assert len(reg.products) + len(rejected_rows) == n_rows  # nothing lost silently
    assert rejected_rows == {n_rows + 1}  # the bad rating only (file row numbers count the header)
    assert set(reg.producers["ward"]) == {"An Phú Tây"}  # Vietnamese survives the round trip
    assert [n for n in reg.producers["name"] if "HYPERLINK" in n] == ['HTX =HYPERLINK("http://x") 2']


@pytest.mark.parametrize(("name", "data", "words"), [
    ("broken.xlsx", b"PK\x03\x04garbage", "cannot be opened as an Excel workbook"),
    ("binary.csv", bytes(range(256)) * 8, "neither UTF-8 nor Windows-1258"),
    ("empty.csv", b"", "the file is empty"),
])  # fmt: skip
def test_broken_files_are_a_clear_bad_input(tmp_path: Path, name: str, data: bytes, words: str):
    path = tmp_path / name
    path.write_bytes(data)
    res = _cli("validate", str(path), "--no-geocode")
    assert res.returncode == 2, res.stdout + res.stderr
    assert name in res.stderr and words in " ".join(res.stderr.split()) and "Internal error" not in res.stderr
