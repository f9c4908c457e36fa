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
