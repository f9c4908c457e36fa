"""The officer's report: the department's checks, kept off the public pages, in the language asked for."""

from __future__ import annotations

import html as html_lib
import os
import subprocess
import sys
from dataclasses import replace

from _publish_fixtures import HOSTILE, itinerary

from ocop_geo.itinerary import NotChosen, write_itinerary
from ocop_geo.officer import officer_context, write_officer_report
from ocop_geo.registry import load_bundled_registry


def test_report_lists_warnings_left_out_producers_and_unplaced_rows(tmp_path):
    it = itinerary()
    registry = load_bundled_registry(geocode=False)
    path = write_officer_report([it], tmp_path / "report.html", registry=registry,
                                site_warnings=["cu-chi: no public base URL given"], lang="en")  # fmt: skip
    html = html_lib.unescape(path.read_text(encoding="utf-8"))
    assert "Officer's report" in html and "do not publish this file" in html
    assert "HCM-P004 is located only at commune level" in html  # the itinerary's warning
    assert "HCM-P010" in html  # a producer left out, with its id
    assert "no public base URL" in html
    unplaced = registry.unplaced
    assert len(unplaced) and str(unplaced["producer_id"].iloc[0]) in html
    assert "© OpenStreetMap contributors" in html


def test_report_speaks_vietnamese_and_uses_the_vietnamese_reasons(tmp_path):
    it = itinerary()
    it = replace(it, not_chosen=[NotChosen("HCM-P099", "Cơ sở X", "closed", "closed on that day",
                                           "đóng cửa ngày đó")])  # fmt: skip
    html = html_lib.unescape(write_officer_report([it], tmp_path / "r.html", lang="vi").read_text(encoding="utf-8"))
    assert "Báo cáo cho cán bộ" in html and "đóng cửa ngày đó" in html
    assert "closed on that day" not in html and "Officer's report" not in html


def test_hostile_text_is_escaped(tmp_path):
    it = replace(itinerary(), warnings=[HOSTILE])
    html = write_officer_report([it], tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    assert HOSTILE not in html and "&lt;img src=x" in html


def test_context_counts_checks():
    ctx = officer_context([itinerary()], lang="en")
    assert ctx["n_checks"] == len(ctx["routes"][0]["warnings"]) + len(ctx["routes"][0]["not_chosen"]) > 0
    assert ctx["routes"][0]["days"][0]["status"] in ("good", "thin", "empty", "")


def _publish(tmp_path, *extra: str) -> subprocess.CompletedProcess:
    src = tmp_path / "it.json"
    write_itinerary(itinerary(), src)
    env = {**os.environ, "OCOP_GEO_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "ocop_geo", "publish", str(src), "-o", str(tmp_path / "site"),
                           *extra], capture_output=True, text=True, env=env, timeout=600)  # fmt: skip


def test_publish_writes_the_report_beside_the_site_never_inside(tmp_path):
    res = _publish(tmp_path)
    assert (tmp_path / "site-report.html").exists(), res.stdout + res.stderr
    assert not list((tmp_path / "site").rglob("*report*.html"))
    site_text = " ".join(p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html"))
    assert "HCM-P004 is located only at commune level" not in site_text
    res = _publish(tmp_path, "--report", str(tmp_path / "site" / "r.html"))
    assert res.returncode == 2 and "outside the site folder" in " ".join(res.stderr.split())
