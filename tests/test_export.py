"""Exports: GPX against the GPX 1.1 XSD, KML, GeoJSON, CSV, the print page, PDF and the CLI.

Itineraries are hand-built TEST FIXTURES over the real bundled producers (tests/_publish_fixtures.py).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
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

from ocop_geo import export, mapping, settings
from ocop_geo._errors import InputFileError, OcopGeoError
from ocop_geo.itinerary import write_itinerary, write_itinerary_csv

XSD = settings.data_dir / "schemas" / "gpx-1.1.xsd"
KML_NS = {"k": "http://www.opengis.net/kml/2.2"}


@pytest.fixture(scope="module")
def gpx_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def test_gpx_is_valid_gpx_1_1_with_a_route_and_a_track_per_day(gpx_schema):
    it = itinerary(hostile=True)
    text = export.gpx_text(it)
    gpx_schema.validate(text)  # raises with the failing element otherwise
    gpx = gpxpy.parse(text)
    stops = [s for _, s in it.stops()]
    assert len(gpx.waypoints) == len(stops)
    assert gpx.waypoints[1].name == f"1-1 · {HOSTILE}"  # the number the map and the print page show
    assert gpx.waypoints[0].name == "Xuất phát · Chợ Bến Thành"  # Vietnamese by default
    # <rte>: the stops of each day in order, for turn-by-turn apps
    assert len(gpx.routes) == len(it.days) == 3
    for route, day in zip(gpx.routes, it.days, strict=True):
        assert [(p.latitude, p.longitude) for p in route.points] == [(s.lat, s.lon) for s in day.stops]
    assert [p.name for p in gpx.routes[1].points][1:3] == ["2-1 · Công ty CP Tập đoàn Xuân Nguyên", "2-2 · HTX Phước An"]
    # <trk>: the road geometry; the day-3 ferry leg drawn straight is a segment of its own
    assert len(gpx.tracks) == 3
    first = gpx.tracks[0].segments[0].points[0]
    assert (first.latitude, first.longitude) == (it.days[0].stops[0].lat, it.days[0].stops[0].lon)
    assert [len(t.segments) for t in gpx.tracks] == [1, 1, 2]
    ferry = gpx.tracks[2].segments[0].points
    assert len(ferry) == 2 and (ferry[-1].latitude, ferry[-1].longitude) == (it.days[2].stops[1].lat, it.days[2].stops[1].lon)
    assert [w.type for w in gpx.waypoints[:2]] == ["start", "producer"]
    root = etree.fromstring(text.encode("utf-8"))
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    assert len(root.findall("g:rte", ns)) == 3 and len(root.findall("g:trk", ns)) == 3


def test_kml_has_a_folder_per_day_and_escapes_balloons():
    it = itinerary(hostile=True)
    root = etree.fromstring(export.kml_text(it).encode("utf-8"))
    folders = root.findall(".//k:Folder", KML_NS)
    assert len(folders) == 3
    assert [f.find("k:name", KML_NS).text for f in folders][0] == "Ngày 1 · T7 05/12/2026"
    points = root.findall(".//k:Placemark/k:Point", KML_NS)
    lines = root.findall(".//k:Placemark/k:LineString", KML_NS)
    assert len(points) == sum(len(d.stops) for d in it.days)
    assert len(lines) == 4  # a line per day, and day 3's straight ferry leg apart
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
    html = export.print_html(itinerary(hostile=True), lang="en", background=())
    assert "size: A4" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<table>") == 3
    assert html.count("<svg") == 1 and "&lt;svg" not in html  # the map is drawn, not shown as text
    assert "© OpenStreetMap contributors" in html


def test_print_page_carries_the_qr_code_of_the_published_page():
    url = "https://example.org/ocop/routes/x.html"
    html = export.print_html(itinerary(n_days=1), lang="vi", page_url=url, background=())
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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["files", "r.csv", "r.geojson", "r.gpx", "r.kml"]
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
    assert "1-1 · Cơ sở Trà  Xanh" in gpx
    root = etree.fromstring(export.kml_text(it).encode("utf-8"))
    assert "1-1 · Cơ sở Trà  Xanh" in "".join(root.itertext())


def test_exports_show_the_2025_unit_beside_the_old_ward():
    it = itinerary(n_days=1, venue_stop=True)
    gpx = gpxpy.parse(export.gpx_text(it, lang="en"))
    desc = {w.name: w.description for w in gpx.waypoints}
    assert "Hòa Phú, Củ Chi · 2025: Xã Bình Mỹ" in desc["1-1 · Công ty TNHH Đạt Butter"]
    assert "Thị trấn Hóc Môn, Hóc Môn · 2025: Xã Hóc Môn" in desc[f"1-2 · {it.days[0].stops[2].name}"]
    kml = export.kml_text(it)
    assert "Hòa Phú, Củ Chi · Đơn vị 2025: Xã Bình Mỹ" in kml
    props = [f["properties"] for f in export.geojson_dict(it)["features"] if f["properties"]["feature"] == "stop"]
    assert [p.get("unit_2025") for p in props] == [None, "Xã Bình Mỹ", "Xã Hóc Môn", None]
    assert props[1]["ward"] == "Hòa Phú" and props[1]["district"] == "Củ Chi"
    old = replace(it, days=(replace(it.days[0], stops=tuple(replace(s, unit_2025="") for s in it.days[0].stops)),))
    old_props = [f["properties"] for f in export.geojson_dict(old)["features"] if f["properties"]["feature"] == "stop"]
    assert old_props[1]["unit_2025"] == "" and "unit_2025" not in old_props[2]  # a producer stop always has it


# --- issue 13.5: contact in every format, numbered KML icons, print page / PDF -------------------------
# TEST FIXTURES: the phone numbers and Zalo below are invented (0900 000 … series), not the producers' own.

REGISTRY_HEADER = ["Mã chủ thể", "Tên chủ thể", "Địa chỉ", "Quận/Huyện", "Vĩ độ", "Kinh độ", "Số điện thoại", "Zalo"]


def _with_registry_contacts(tmp_path: Path):
    """The fixture itinerary with address, phone and Zalo taken from a registry file (as the planner does)."""
    from ocop_geo.itinerary import with_contacts
    from ocop_geo.registry import load_registry

    path = tmp_path / "producers.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(REGISTRY_HEADER)
        w.writerow(["HCM-P004", "Công ty TNHH Đạt Butter", "Ấp Phú Lợi, xã Hòa Phú", "Củ Chi", 10.976565, 106.614394,
                    "+84 900 000 101", "0900.000.102"])  # fmt: skip
    registry = load_registry(path, geocode=False)
    assert registry.rejected.empty
    return with_contacts(itinerary(), registry.contacts())


def test_registry_address_phone_and_zalo_reach_every_format(tmp_path: Path, gpx_schema):
    import zipfile

    it = _with_registry_contacts(tmp_path)
    address, phone, zalo = "Ấp Phú Lợi, xã Hòa Phú", "0900 000 101", "0900 000 102"
    stop = it.days[0].stops[1]
    assert (stop.address, stop.phone, stop.zalo) == (address, phone, zalo)
    data = json.loads(write_itinerary(it, tmp_path / "it.json").read_text(encoding="utf-8"))
    assert data["days"][0]["stops"][1]["phone"] == phone
    rows = list(csv.DictReader(export.write_export(it, tmp_path / "r.csv", fmt="csv")
                               .read_text(encoding="utf-8-sig").splitlines()))  # fmt: skip
    assert (rows[1]["address"], rows[1]["phone"], rows[1]["zalo"]) == (address, phone, zalo)
    gpx_text = export.gpx_text(it)
    gpx_schema.validate(gpx_text)
    wpt = gpxpy.parse(gpx_text).waypoints[1]
    assert address in wpt.description and phone in wpt.description and zalo in wpt.description
    assert wpt.link == "https://zalo.me/0900000102"  # the Zalo chat, openable from a GPS app
    root = etree.fromstring(export.kml_text(it).encode("utf-8"))
    data_els = {d.get("name"): d.find("k:value", KML_NS).text for d in root.iter("{http://www.opengis.net/kml/2.2}Data")}
    assert (data_els["address"], data_els["phone"], data_els["zalo"]) == (address, phone, zalo)
    with zipfile.ZipFile(io.BytesIO(export.kmz_bytes(it))) as z:
        assert phone in z.read("doc.kml").decode("utf-8")
    props = [f["properties"] for f in export.geojson_dict(it)["features"] if f["properties"]["feature"] == "stop"]
    assert (props[1]["address"], props[1]["phone"], props[1]["zalo"]) == (address, phone, zalo)
    assert props[2]["phone"] == ""  # present, empty, on a stop the registry gives none for
    page = export.print_html(it, background=())
    assert address in page and f"Điện thoại: {phone}" in page and f"Zalo: {zalo}" in page


def test_kml_icons_are_bundled_numbered_and_never_online(tmp_path: Path):
    import zipfile

    it = itinerary()
    kml = export.kml_text(it)
    hrefs = [h.text for h in etree.fromstring(kml.encode("utf-8")).iter("{http://www.opengis.net/kml/2.2}href")]
    assert hrefs and not [h for h in hrefs if h.startswith(("http:", "https:"))]
    assert "http://maps.google.com" not in kml
    assert "files/ocop-stop-2-3-2b83ba.png" in hrefs  # day 2 stop 3 in day 2's colour
    with zipfile.ZipFile(io.BytesIO(export.kmz_bytes(it))) as z:
        names = z.namelist()
        assert names[0] == "doc.kml" and set(hrefs) <= set(names)
        assert all(z.read(h).startswith(b"\x89PNG\r\n\x1a\n") for h in set(hrefs))
    out = export.write_export(it, tmp_path / "k" / "route.kml", fmt="kml")
    assert all((out.parent / h).is_file() for h in set(hrefs))  # the icons beside the .kml


def test_print_page_in_vietnamese_with_waits_ferries_numbers_and_no_ids():
    from ocop_geo.print_map import MapLine

    it = itinerary(venue_stop=True)
    day = it.days[1]
    waited = replace(day.stops[2], arrival="08:15", wait_min=109.0, start="10:04", end="10:49")
    it = replace(it, days=(it.days[0], replace(day, stops=(*day.stops[:2], waited, *day.stops[3:])), it.days[2]))
    leg = it.days[0].stops[1].leg_in  # a ferry line along the first leg of day 1
    ferry = MapLine("ferry", leg.coordinates, "Phà Thử")
    html = export.print_html(it, background=(ferry,))
    assert '<html lang="vi">' in html and "Ngày 2 · CN 06/12/2026" in html
    assert "chờ 109 phút" in html and "qua Phà Thử" in html and "qua phà" in html  # the day-3 leg's note says so
    assert "đoạn không có đường trong dữ liệu bản đồ" in html
    text = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"HCM-P\d|VEN-\d|poi-ben-thanh", text)  # no internal ids, warnings included
    assert '<td class="time">09:54–10:24</td>' in html and "white-space: nowrap" in html
    assert html.count('class="badge"') == sum(1 for _, s in it.stops() if s.kind not in ("start", "end"))
    a5 = export.print_html(it, paper="a5", background=())
    assert "size: A5" in a5 and 'width="130mm"' in a5  # the map drawn at A5's text width
    with pytest.raises(InputFileError, match="unknown paper 'a3'"):
        export.print_html(it, paper="a3")


def test_print_map_numbers_scale_north_and_background_clipped():
    from ocop_geo.print_map import MapLine, ferry_crossings, route_map_svg

    it = itinerary()
    far = MapLine("road", ((100.0, 20.0), (100.1, 20.1)))  # far outside the map: clipped away
    river = MapLine("water", ((106.5, 10.7), (106.9, 10.75)))
    svg = route_map_svg(it, width_mm=186, height_mm=120, background=[far, river])
    root = etree.fromstring(svg.encode("utf-8"))
    ns = "{http://www.w3.org/2000/svg}"
    labels = [t.text for t in root.iter(f"{ns}text")]
    expected = [mapping.stop_label(d, s) for d in it.days for s in d.stops if s.kind not in ("start", "end")]
    assert sorted(label for label in labels if label in expected) == sorted(expected)  # as on the route page
    assert "© OpenStreetMap contributors" in labels and "B" in labels and any(x.endswith(" km") for x in labels)
    assert len(root.findall(f".//{ns}g[@class='bg-water']/{ns}polyline")) == 1
    assert root.find(f".//{ns}g[@class='bg-road']") is None
    one_day = route_map_svg(itinerary(n_days=1), lang="en")
    assert ">1-1</text>" in one_day and ">N</text>" in one_day
    coords = it.days[0].stops[1].leg_in.coordinates
    assert ferry_crossings(coords, [MapLine("ferry", coords, "Phà X")]) == ["Phà X"]
    assert ferry_crossings(coords, [MapLine("ferry", ((106.0, 10.0), (106.01, 10.0)), "Phà Y")]) == []


def _pdf_words(pdf: Path) -> tuple[float, float, list[tuple[float, str]]]:
    """Page width and height (pt) and every word's right edge with its text, by ``pdftotext -bbox``."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', out)
    words = [(float(x), html.unescape(w)) for x, w in re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)</word>', out)]
    return float(page.group(1)), float(page.group(2)), words


@pytest.mark.browser
@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("pdftotext")), reason="needs chromium and poppler")
@pytest.mark.parametrize(("paper", "size_pt", "margin_mm"), [("a4", (595.3, 841.9), 12.0), ("a5", (419.5, 595.3), 9.0)])
def test_pdf_page_size_and_nothing_beyond_the_right_margin(tmp_path: Path, paper, size_pt, margin_mm):
    it = _with_registry_contacts(tmp_path)
    pdf = export.write_export(it, tmp_path / f"route-{paper}.pdf", fmt="pdf", paper=paper)
    width, height, words = _pdf_words(pdf)
    assert (width, height) == pytest.approx(size_pt, abs=1.5)
    right = max(x for x, _ in words)
    assert right <= width - margin_mm * 72 / 25.4 + 0.5, f"text reaches {right:.1f} pt of {width:.1f}"
    texts = [w for _, w in words]
    assert "08:49–09:34" in texts  # a visit's times on one line, not "08:49–" / "09:34"
    assert "0900" in texts and "Ngày" in texts
