"""Exports: GPX against the GPX 1.1 XSD, KML, GeoJSON, CSV, the print page, PDF and the CLI.

Itineraries are hand-built TEST FIXTURES over the real bundled producers (tests/_publish_fixtures.py).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import gpxpy
import pytest
import xmlschema
from _publish_fixtures import HOSTILE, itinerary
from lxml import etree

from ocop_geo import export, settings
from ocop_geo._errors import InputFileError, OcopGeoError
from ocop_geo.itinerary import write_itinerary, write_itinerary_csv

XSD = settings.data_dir / "schemas" / "gpx-1.1.xsd"
KML_NS = {"k": "http://www.opengis.net/kml/2.2"}


@pytest.fixture(scope="module")
def gpx_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def test_gpx_is_valid_gpx_1_1_and_round_trips(gpx_schema):
    it = itinerary(hostile=True)
    text = export.gpx_text(it)
    gpx_schema.validate(text)  # raises with the failing element otherwise
    gpx = gpxpy.parse(text)
    stops = [s for _, s in it.stops()]
    assert len(gpx.waypoints) == len(stops)
    assert gpx.waypoints[1].name == f"D1-1 {HOSTILE}"
    assert len(gpx.tracks) == len(it.days) == 3
    first = gpx.tracks[0].segments[0].points[0]
    assert (first.latitude, first.longitude) == (it.days[0].stops[0].lat, it.days[0].stops[0].lon)
    assert [w.type for w in gpx.waypoints[:2]] == ["start", "producer"]


def test_kml_has_a_folder_per_day_and_escapes_balloons():
    it = itinerary(hostile=True)
    root = etree.fromstring(export.kml_text(it).encode("utf-8"))
    folders = root.findall(".//k:Folder", KML_NS)
    assert len(folders) == 3
    points = root.findall(".//k:Placemark/k:Point", KML_NS)
    lines = root.findall(".//k:Placemark/k:LineString", KML_NS)
    assert len(points) == sum(len(d.stops) for d in it.days) and len(lines) == 3
    coords = root.find(".//k:Placemark/k:Point/k:coordinates", KML_NS).text.split(",")
    assert float(coords[0]) == pytest.approx(it.days[0].stops[0].lon)  # lon first
    descriptions = [d.text or "" for d in root.iter("{http://www.opengis.net/kml/2.2}description")]
    # Google Earth renders balloon text as HTML: after XML parsing it must still be escaped
    assert any("&lt;img src=x" in d for d in descriptions)
    assert not any("<img" in d for d in descriptions)
    line_colors = {c.text for c in root.findall(".//k:LineStyle/k:color", KML_NS)}
    assert "ff1c19d7" in line_colors  # day 1 #d7191c as KML aabbggrr


def test_geojson_points_and_legs_in_lon_lat():
    it = itinerary()
    fc = export.geojson_dict(it)
    stops = [f for f in fc["features"] if f["properties"]["feature"] == "stop"]
    legs = [f for f in fc["features"] if f["properties"]["feature"] == "leg"]
    assert len(stops) == sum(len(d.stops) for d in it.days)
    assert len(legs) == sum(1 for _, s in it.stops() if s.leg_in is not None)
    assert stops[0]["geometry"]["coordinates"] == [it.days[0].stops[0].lon, it.days[0].stops[0].lat]
    assert sum(f["properties"]["off_network"] for f in legs) == 1
    assert fc["attribution"] == "© OpenStreetMap contributors"
    json.dumps(fc, allow_nan=False)


def test_csv_rows_match_the_plan_and_formulas_are_neutralised(tmp_path: Path):
    it = itinerary()
    day = it.days[0]
    evil = replace(day.stops[1], name="=HYPERLINK(\"http://x\",\"y\")")
    it = replace(it, days=(replace(day, stops=(day.stops[0], evil, *day.stops[2:])), *it.days[1:]))
    raw = export.write_export(it, tmp_path / "export.csv", fmt="csv").read_bytes()
    assert raw == write_itinerary_csv(it, tmp_path / "plan.csv").read_bytes()  # one writer for plan and export
    text = raw.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == sum(len(d.stops) for d in it.days)
    assert rows[1]["name"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert rows[2]["name"] == it.days[0].stops[2].name
    assert rows[0]["day"] == "1" and rows[-1]["kind"] == "end"


def test_print_page_is_a4_and_escaped():
    html = export.print_html(itinerary(hostile=True), lang="en")
    assert "size: A4" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<table>") == 3
    assert html.count("<svg") == 1 and "&lt;svg" not in html  # the sketch map is drawn, not shown as text
    assert "© OpenStreetMap contributors" in html


def test_print_page_carries_the_qr_code_of_the_published_page():
    url = "https://example.org/ocop/routes/x.html"
    html = export.print_html(itinerary(n_days=1), lang="vi", page_url=url)
    assert f"<title>QR: {url}</title>" in html and html.count("<svg") == 2


def test_failed_pdf_print_leaves_nothing_behind(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OCOP_GEO_CHROMIUM", "/bin/false")
    with pytest.raises(OcopGeoError, match="Chromium could not print"):
        export.write_export(itinerary(n_days=1), tmp_path / "route.pdf", fmt="pdf")
    assert list(tmp_path.iterdir()) == []


def test_write_export_atomic_and_rejects_unknown_format(tmp_path: Path):
    it = itinerary(n_days=1)
    for fmt in ("gpx", "kml", "geojson", "csv"):
        out = export.write_export(it, tmp_path / f"r{export.FORMATS[fmt]}", fmt=fmt)
        assert out.stat().st_size > 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.geojson", "r.gpx", "r.kml"]
    with pytest.raises(InputFileError, match="unknown export format 'xls'"):
        export.write_export(it, tmp_path / "r.xls", fmt="xls")


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium")
def test_pdf_printed_by_chromium(tmp_path: Path):
    out = export.write_export(itinerary(), tmp_path / "route.pdf", fmt="pdf", lang="vi")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.count(b"/Type /Page") >= 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocop_geo", *args], capture_output=True, text=True, timeout=120)


def test_cli_export_writes_gpx_and_reports_bad_input(tmp_path: Path, gpx_schema):
    src = write_itinerary(itinerary(), tmp_path / "it.json")
    ok = _cli("export", str(src), "--format", "gpx")
    assert ok.returncode == 0, ok.stderr
    gpx_schema.validate(str(tmp_path / "it.gpx"))
    bad = _cli("export", str(src), "--format", "xls")
    assert bad.returncode == 2 and "is not a format" in bad.stderr
    missing = _cli("export", str(tmp_path / "nope.json"), "--format", "csv")
    assert missing.returncode == 2 and "nope.json" in missing.stderr
    folder = _cli("export", str(src), "--format", "gpx", "-o", str(tmp_path))
    assert folder.returncode == 2 and "Traceback" not in folder.stderr, folder.stderr
    assert f"{tmp_path}: is a folder" in " ".join(folder.stderr.split())
    as_input = _cli("export", str(tmp_path), "--format", "gpx")
    assert as_input.returncode == 2 and "Internal error" not in as_input.stderr, as_input.stderr


@pytest.mark.slow
def test_plan_and_export_write_byte_identical_csv(tmp_path: Path, hcmc_graph_for):
    """``plan`` writes the CSV beside the JSON; ``export --format csv`` of that JSON gives the same bytes."""
    hcmc_graph_for("motorbike")  # the city graph comes from the cache built once per test run
    planned = _cli("plan", str(settings.data_dir / "routes" / "can_gio_day.toml"), "-o", str(tmp_path),
                   "--time-limit", "0.5")  # fmt: skip
    assert planned.returncode in (0, 1), planned.stderr  # 1: the bundled registry has unplaced producers
    exported = _cli("export", str(tmp_path / "can-gio-day.json"), "--format", "csv", "-o", str(tmp_path / "x.csv"))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "x.csv").read_bytes() == (tmp_path / "can-gio-day.csv").read_bytes()


def test_control_characters_in_names_keep_gpx_and_kml_valid(gpx_schema):
    it = itinerary()
    day = it.days[0]
    odd = replace(day.stops[1], name="Cơ sở\x0bTrà\x01 Xanh")
    it = replace(it, title={"vi": "Tuyến\x0c1", "en": "Route\x1f1"},
                 days=(replace(day, stops=(day.stops[0], odd, *day.stops[2:])), *it.days[1:]))
    gpx = export.gpx_text(it)
    gpx_schema.validate(gpx)
    assert "D1-1 Cơ sở Trà  Xanh" in gpx
    root = etree.fromstring(export.kml_text(it).encode("utf-8"))
    assert "D1-1 Cơ sở Trà  Xanh" in "".join(root.itertext())


def test_exports_show_the_2025_unit_beside_the_old_ward():
    it = itinerary(n_days=1, venue_stop=True)
    gpx = gpxpy.parse(export.gpx_text(it))
    desc = {w.name: w.description for w in gpx.waypoints}
    assert "Hòa Phú, Củ Chi · 2025: Xã Bình Mỹ" in desc["D1-1 Công ty TNHH Đạt Butter"]
    assert "Thị trấn Hóc Môn, Hóc Môn · 2025: Xã Hóc Môn" in desc[f"D1-2 {it.days[0].stops[2].name}"]
    kml = export.kml_text(it)
    assert "Hòa Phú, Củ Chi · 2025: Xã Bình Mỹ" in kml
    props = [f["properties"] for f in export.geojson_dict(it)["features"] if f["properties"]["feature"] == "stop"]
    assert [p.get("unit_2025") for p in props] == [None, "Xã Bình Mỹ", "Xã Hóc Môn", None]
    assert props[1]["ward"] == "Hòa Phú" and props[1]["district"] == "Củ Chi"
    old = replace(it, days=(replace(it.days[0], stops=tuple(replace(s, unit_2025="") for s in it.days[0].stops)),))
    old_props = [f["properties"] for f in export.geojson_dict(old)["features"] if f["properties"]["feature"] == "stop"]
    assert old_props[1]["unit_2025"] == "" and "unit_2025" not in old_props[2]  # a producer stop always has it
