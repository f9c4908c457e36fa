"""``ocop-geo validate`` as a user runs it: real files, real exit codes, readable output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ocop_geo import settings
from ocop_geo.registry import load_bundled_registry


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocop_geo", *args], capture_output=True, text=True,
                          timeout=300, env={"COLUMNS": "120", "PATH": "/usr/bin:/bin", "OCOP_GEO_LANG": "en"})


def test_validate_bundled_registry_prints_summary(tmp_path):
    out = tmp_path / "summary.json"
    result = run("validate", str(settings.registry_producers), str(settings.registry_products),
                 str(settings.registry_venues), "--no-geocode", "--json", str(out))
    assert result.returncode == 0, result.stderr
    for text in ("OCOP group", "Thực phẩm", "stars", "district", "Cần Giờ", "Every row was accepted",
                 "Venues by kind", "OCOP fair (fair)"):
        assert text in result.stdout
    summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
    assert summary == load_bundled_registry(geocode=False).summary()
    assert summary["by_district"]["Cần Giờ"] > 0 and summary["venues"] >= 10


def test_validate_reports_rejected_rows_and_exits_1(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Tên sản phẩm,Phân nhóm,Số sao,Chủ thể,Quận/Huyện\n"
                   "Rau muống,Thực phẩm,7,HTX Phước An,Bình Chánh\n", encoding="utf-8")
    rejected = tmp_path / "rejected.csv"
    result = run("validate", str(bad), "--no-geocode", "--rejected-csv", str(rejected))
    assert result.returncode == 1
    assert "bad.csv row 2" in result.stdout and "Số sao" in result.stdout and "3, 4 or 5" in result.stdout
    assert "stars must be 3, 4 or 5" in rejected.read_text(encoding="utf-8")


def test_validate_missing_file_exits_2_without_traceback():
    result = run("validate", "no/such/file.csv")
    assert result.returncode == 2
    assert "file not found" in result.stderr and "Traceback" not in result.stderr


def test_vietnamese_report():
    result = run("--lang", "vi", "validate", "--no-geocode")
    assert result.returncode == 0
    assert "sản phẩm đã công nhận" in result.stdout
    assert "dòng đã đọc" in result.stdout and "rows read" not in result.stdout
    assert Path(settings.registry_products).exists()


def test_usage_error_exits_2_with_help_hint():
    result = run("validate", "--no-such-option")
    assert result.returncode == 2
    assert "No such option" in result.stderr and "Traceback" not in result.stderr


def test_rich_markup_in_names_and_paths_is_printed_as_text(tmp_path):
    """Names, headers and paths from the user are text, not Rich markup ("[/]" crashed the report)."""
    folder = tmp_path / "[red]list"
    folder.mkdir()
    bad = folder / "ds.csv"
    bad.write_text("Tên sản phẩm,Phân nhóm,Số sao,Chủ thể,Quận/Huyện\n"
                   "Rau [bold]sạch[/],Thực phẩm,4,HTX [/] Phước An,[/red]Bình Chánh\n"
                   "Trà,Đồ uống,[/]9,HTX [/] Phước An,[/red]Bình Chánh\n", encoding="utf-8")
    result = run("validate", str(bad), "--no-geocode")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
    assert "[/red]Bình Chánh" in result.stdout  # the district table shows the name as written
    assert "HTX [/] Phước An" in result.stdout and "'[/]9'" in result.stdout
    missing = run("validate", str(folder / "[bold]nope.csv"))
    assert missing.returncode == 2, missing.stderr
    message = "".join(missing.stderr.split())
    assert "[red]list/[bold]nope.csv:filenotfound" in message and "Traceback" not in missing.stderr


def test_rejected_csv_cannot_run_spreadsheet_formulas(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Tên sản phẩm,Phân nhóm,Số sao,Chủ thể\n"
                   '"=HYPERLINK(""http://evil"",""x"")",Thực phẩm,7,@SUM(A1)\n', encoding="utf-8")
    rejected = tmp_path / "rejected.csv"
    result = run("validate", str(bad), "--no-geocode", "--rejected-csv", str(rejected))
    assert result.returncode == 1, result.stderr
    import pandas as pd

    rows = pd.read_csv(rejected, dtype=str)
    assert rows.loc[0, "record"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert not any(str(v).startswith(("=", "+", "@")) for v in rows.to_numpy().ravel())
