"""Hostile inputs (issue 15): each defect found by the hostile test of main, reproduced, with its fix.

Fast cases only; the long runs (kill-and-rerun, soak) live in benchmarks/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
