"""Atomic writes: a failed write leaves the previous file and no temp file; results are world-readable."""

from __future__ import annotations

import os
import stat

import pytest

from ocop_geo.fileio import atomic_path, write_text_atomic


def test_failed_write_keeps_previous_file(tmp_path):
    target = write_text_atomic(tmp_path / "out.json", "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half of the new conte")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_written_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        target = write_text_atomic(tmp_path / "page.html", "<p>hi</p>")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_csv_cells_cannot_start_a_formula():
    import pandas as pd

    from ocop_geo.fileio import csv_cell, csv_safe

    assert csv_cell("=1+1") == "'=1+1" and csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("+84 28 3829") == "'+84 28 3829" and csv_cell("\tx") == "'\tx"
    assert csv_cell("-12.5") == "-12.5" and csv_cell("Củ Chi") == "Củ Chi" and csv_cell(-3) == -3
    frame = pd.DataFrame({"name": ["=cmd|' /C calc'!A0", "ok", None], "n": [1.5, -2.0, 3.0], "=h": ["-", "", "x"]})
    safe = csv_safe(frame)
    assert list(safe.columns) == ["name", "n", "'=h"]
    assert safe["name"].tolist()[:2] == ["'=cmd|' /C calc'!A0", "ok"] and pd.isna(safe["name"][2])
    assert safe["n"].tolist() == [1.5, -2.0, 3.0] and safe["'=h"].tolist() == ["'-", "", "x"]
    assert frame.loc[0, "name"].startswith("=")  # the input frame is untouched


def test_unwritable_targets_name_the_target_not_the_temp_file(tmp_path):
    with pytest.raises(IsADirectoryError) as err:
        write_text_atomic(tmp_path, "x")
    assert err.value.filename == str(tmp_path)
    blocker = write_text_atomic(tmp_path / "file", "x")
    with pytest.raises(OSError) as err:
        write_text_atomic(blocker / "below" / "out.csv", "x")  # a file where a folder should be
    assert err.value.filename == str(blocker / "below" / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
