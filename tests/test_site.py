"""The static site: files, links, escaping, safe slugs, QR codes and the publish command (no browser).

Itineraries are hand-built TEST FIXTURES over the real bundled producers (tests/_publish_fixtures.py).
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pandas as pd
import pytest
import xmlschema
from _publish_fixtures import HOSTILE_VENUE, itinerary, producers_gdf, products_df, venues_gdf
from _visitor_fixtures import (
    INTERNAL_ID,
    WEBSITE,
    demo_like_itinerary,
    english_words,
    publish_demo_like,
    vietnamese_words,
    visible_text,
)

from ocop_geo import export, pages, settings, site, visitor
from ocop_geo._errors import ValidationError
from ocop_geo.itinerary import write_itinerary
from ocop_geo.opening_hours import parse_opening_hours
from ocop_geo.registry import load_bundled_registry


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.loaded: list[str] = []  # what the page itself loads (scripts, styles, images), not where it links to
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("href", "src") and v:
                self.links.append(v)
                if k == "src" or tag == "link":
                    self.loaded.append(v)


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> site.SiteReport:
    out = tmp_path_factory.mktemp("site")
    its = [itinerary(), itinerary(hostile=True, n_days=1)]
    its[1] = replace(its[1], route_id="../../etc/passwd")
    return site.publish_site(its, out, producers=producers_gdf(hostile=True), products=products_df(),
                             base_url="https://example.org/ocop")  # fmt: skip


def test_layout_and_safe_slugs(published):
    out = published.out_dir
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert "index.html" in names and "producers/index.html" in names
    assert "routes/test-fixture-outskirts.html" in names and "routes/etc-passwd.html" in names
    assert len([n for n in names if n.startswith("producers/")]) == len(producers_gdf()) + 1
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out.resolve())
        assert not path.name.endswith(".tmp")
        assert re.fullmatch(r"[A-Za-z0-9._-]+", path.name), path.name
    assert {p.suffix for p in (out / "routes").iterdir()} == {".html", ".gpx", ".kml", ".kmz", ".geojson", ".csv", ""}  # "": files/, the KML's icons
    assert all(p.stat().st_mode & 0o044 == 0o044 for p in published.pages)  # readable by a web server


#: Where a page may send the visitor (hand-off to navigation apps, Zalo); nothing is loaded from them.
HAND_OFF = {"www.google.com", "maps.apple.com", "zalo.me"}


def test_every_local_link_resolves_and_nothing_comes_from_a_cdn(published):
    out = published.out_dir
    for page in out.rglob("*.html"):
        parsed = _parse(page)
        assert all(not urlsplit(x).scheme and not x.startswith("//") for x in parsed.loaded), page
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                assert parts.netloc in {"www.openstreetmap.org", "example.org", *HAND_OFF}, (page, link)
                continue
            if parts.scheme in ("geo", "tel", "mailto"):
                continue
            if not parts.path:  # in-page anchor
                continue
            target = (page.parent / parts.path).resolve()
            assert target.is_file(), f"{page.relative_to(out)} links to missing {link}"
            assert target.is_relative_to(out.resolve())


def test_pages_are_zoomable_bilingual_and_escape_registry_text(published):
    for page in published.out_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
        assert "user-scalable=no" not in text
        assert "<img" not in text, page
        if not page.name.endswith(".print.html"):  # the A4 page is printed in one language
            assert text.count('lang="vi"') >= 3 and 'lang="en"' in text
        assert "© OpenStreetMap contributors" in text
    hostile_page = (published.out_dir / "routes" / "etc-passwd.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile_page


def test_route_page_rows_match_the_plan_and_link_producers(published):
    it = itinerary()
    text = (published.out_dir / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="stop-row" data-day="(\d+)" data-seq="(\d+)" data-kind="(\w+)">', text)
    assert rows == [(str(d.day), str(s.seq), s.kind) for d, s in it.stops()]
    assert text.count('<table class="itinerary"') == 3
    assert 'href="../producers/hcm-p004.html"' in text
    for fmt in ("gpx", "kml", "geojson", "csv", "print.html"):
        assert f'href="test-fixture-outskirts.{fmt}"' in text


def test_index_cards_show_days_hours_stops_distance_and_mode(published):
    text = (published.out_dir / "index.html").read_text(encoding="utf-8")
    card = text.split('class="card route-card"')[1]
    it = itinerary()
    assert "08:00–10:23, 08:00–12:41" in card  # each day from start to the end of the last stop
    assert f"{it.totals.n_stops} điểm dừng" in card and f"{it.totals.distance_m / 1000:.0f} km" in card
    assert "Xe máy" in card and "Motorbike" in card and card.count("<polyline") == 3


def test_qr_code_encodes_the_public_page_url(published):
    url = "https://example.org/ocop/routes/test-fixture-outskirts.html"
    text = (published.out_dir / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    assert f'<a href="{url}" translate="no">{url}</a>' in text
    assert f'class="share-btn tap" data-url="{url}"' in text  # the share button shares the public address
    svg = re.search(r"<svg[^>]*role=\"img\"><title>QR: (.*?)</title>.*?</svg>", text, re.S)
    assert svg and svg.group(1) == url
    assert pages.qr_svg(url) in text


def test_producer_page_lists_products_and_routes(published):
    text = (published.out_dir / "producers" / "hcm-p004.html").read_text(encoding="utf-8")
    assert "Công ty TNHH Đạt Butter" in text
    assert "Bơ đậu phộng" in text or "bơ" in text.lower()
    assert 'href="../routes/test-fixture-outskirts.html"' in text
    lonely = (published.out_dir / "producers" / "hcm-p016.html").read_text(encoding="utf-8")
    assert "No published route yet." in lonely


def test_without_base_url_no_qr_and_a_warning(tmp_path: Path):
    rep = site.publish_site([itinerary(n_days=1)], tmp_path)
    assert rep.warnings == ["test-fixture-outskirts: no public base URL given (publish --base-url), so no QR code"]
    text = (tmp_path / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    share = text.split('id="h-share"')[1]
    assert 'class="qr"' not in text and "<svg" not in share and "--base-url" not in text  # the officer is told, not the visitor
    assert 'class="share-btn tap" data-url=""' in share  # the page shares its own address
    # only producers on the route get pages when no registry is given
    assert sorted(p.name for p in (tmp_path / "producers").iterdir()) == ["hcm-p004.html", "index.html"]


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "example.org/ocop", 'https://x.org/" onload="x',
                                 "https://x.org/" + "a" * 3000])  # too long for a QR code
def test_base_url_must_be_http(tmp_path: Path, bad: str):
    with pytest.raises(ValidationError, match="is not an http"):
        site.publish_site([itinerary(n_days=1)], tmp_path, base_url=bad)


def test_republish_replaces_pages(tmp_path: Path):
    site.publish_site([itinerary(n_days=1)], tmp_path, base_url="https://a.example")
    site.publish_site([itinerary(n_days=1)], tmp_path, base_url="https://b.example")
    text = (tmp_path / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    assert "https://b.example/routes/" in text and "https://a.example" not in text


def test_cli_publish_itinerary_with_bundled_registry(tmp_path: Path):
    src = write_itinerary(itinerary(), tmp_path / "it.json")
    cmd = [sys.executable, "-m", "ocop_geo", "publish", str(src), "-o", str(tmp_path / "site")]
    ok = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "site" / "routes" / "test-fixture-outskirts.html").is_file()
    assert len(list((tmp_path / "site" / "producers").glob("*.html"))) > 10  # the bundled registry's
    (tmp_path / "folder.toml").mkdir()
    partial = subprocess.run([*cmd, str(tmp_path / "missing.json"), str(tmp_path / "folder.toml")],
                             capture_output=True, text=True, timeout=180)  # fmt: skip
    assert partial.returncode == 1 and "missing.json" in partial.stderr, partial.stderr
    assert "folder.toml: cannot be read (Is a directory)" in " ".join(partial.stderr.split()) and "published 1 route" in partial.stdout
    nothing = subprocess.run(cmd[:4] + [str(tmp_path / "missing.json"), "-o", str(tmp_path / "s2")],
                             capture_output=True, text=True, timeout=180)  # fmt: skip
    assert nothing.returncode == 2 and "nothing to publish" in nothing.stderr
    assert not (tmp_path / "s2").exists()
    bad_rows = tmp_path / "extra.csv"
    bad_rows.write_text("Tên sản phẩm,Phân nhóm,Số sao,Chủ thể,Quận/Huyện\nTrà,Đồ uống,9,Cơ sở X,Củ Chi\n",
                        encoding="utf-8")
    registry = ["--registry", str(settings.registry_producers), "--registry", str(settings.registry_products),
                "--registry", str(bad_rows)]
    rejected = subprocess.run([*cmd, *registry], capture_output=True, text=True, timeout=180)
    assert rejected.returncode == 1 and "1 registry rows rejected" in rejected.stderr, rejected.stderr


@pytest.mark.slow
def test_cli_publish_plans_a_spec_on_the_city_network(tmp_path: Path):
    """A bundled spec planned on the full-city graph (cached in .cache/), then published."""
    spec = settings.data_dir / "routes" / "can_gio_day.toml"
    out = tmp_path / "site"
    cmd = [sys.executable, "-m", "ocop_geo", "publish", str(spec), "-o", str(out), "--base-url", "https://example.org/x"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    page = (out / "routes" / "can-gio-day.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="stop-row" data-day="(\d+)" data-seq="(\d+)" data-kind="(\w+)">', page)
    with open(out / "routes" / "can-gio-day.csv", encoding="utf-8-sig") as f:
        planned = [(r["day"], r["seq"], r["kind"]) for r in csv.DictReader(f)]
    assert rows == planned and any(k == "producer" for _, _, k in rows)
    xmlschema.XMLSchema(str(settings.data_dir / "schemas" / "gpx-1.1.xsd")).validate(
        str(out / "routes" / "can-gio-day.gpx"))
    fc = json.loads((out / "routes" / "can-gio-day.geojson").read_text(encoding="utf-8"))
    legs = [f for f in fc["features"] if f["properties"]["feature"] == "leg"]
    assert page.count("L.polyline(") == len(legs) > 0  # every leg drawn
    assert max(len(f["geometry"]["coordinates"]) for f in legs) > 10  # following the roads


def test_jinja_in_registry_or_itinerary_text_is_never_evaluated(tmp_path: Path):
    ssti = "{{7*7}}{{ lipsum.__globals__.os.getcwd() }}"
    producers = producers_gdf()
    producers.loc[producers.index[0], "name"] = ssti
    it = replace(itinerary(n_days=1), title={"vi": "{{8*8}}", "en": "{{9*9}}"})
    site.publish_site([it], tmp_path, producers=producers, products=products_df())
    for page in [*tmp_path.rglob("*.html"), *tmp_path.glob("producers/**/*.js")]:
        text = page.read_text(encoding="utf-8")
        assert str(Path.cwd()) not in text, page  # os.getcwd() was not run
    index = (tmp_path / "producers" / "index.html").read_text(encoding="utf-8")
    markers = (tmp_path / "producers" / "markers.js").read_text(encoding="utf-8")
    assert "\\u007b{7*7}}\\u007b{ lipsum.__globals__.os.getcwd() }}" in markers  # JSON for the map: exact text
    assert f">{ssti}</a>" in index  # the list: autoescaped text, not evaluated
    route = (tmp_path / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    assert "<title>{{8*8}} · {{9*9}}</title>" in route


def test_route_context_is_built_once_per_route_even_with_pdf(tmp_path: Path, monkeypatch):
    """One route context serves the route page, the A4 page, its PDF (printed from the A4 page) and the card."""
    calls: list[str] = []

    def counted(it, **kwargs):
        calls.append(it.route_id)
        return pages.route_context(it, **kwargs)

    printed: list[Path] = []

    def fake_pdf(html_path, pdf_path, **kwargs):
        printed.append(Path(html_path))
        Path(pdf_path).write_bytes(b"%PDF-")
        return Path(pdf_path)

    monkeypatch.setattr(site, "route_context", counted)
    monkeypatch.setattr(export, "route_context", counted)
    monkeypatch.setattr(site, "html_to_pdf", fake_pdf)
    its = [itinerary(n_days=1), replace(itinerary(n_days=2), route_id="second")]
    rep = site.publish_site(its, tmp_path, pdf=True)
    assert calls == ["test-fixture-outskirts", "second"]
    # printed from the A4 page just written (in the staging folder that becomes the site)
    assert [f"{p.parent.name}/{p.name}" for p in printed] == ["routes/test-fixture-outskirts.print.html",
                                                             "routes/second.print.html"]  # fmt: skip
    assert [p.name for p in rep.downloads if p.suffix == ".pdf"] == ["test-fixture-outskirts.pdf", "second.pdf"]
    route = (tmp_path / "routes" / "second.html").read_text(encoding="utf-8")
    assert 'href="second.pdf"' in route and 'href="second.print.html"' in route


def test_candidate_products_are_on_producer_pages_but_not_on_maps(tmp_path: Path):
    products = products_df()
    products["status"] = "certified"
    first = products.index[0]
    products.loc[first, ["status", "stars"]] = ["candidate", pd.NA]
    products.loc[first, "name"] = "Sản phẩm ứng viên thử"
    pid = products.loc[first, "producer_id"]
    site.publish_site([itinerary(n_days=1)], tmp_path, producers=producers_gdf(), products=products)
    slug = pid.lower()
    page = (tmp_path / "producers" / f"{slug}.html").read_text(encoding="utf-8")
    assert "Sản phẩm ứng viên thử</span> <small>(" in page and "candidate" in page  # listed, marked
    for path in (tmp_path / "producers" / "index.html", tmp_path / "routes" / "test-fixture-outskirts.html"):
        assert "Sản phẩm ứng viên thử" not in path.read_text(encoding="utf-8"), path  # maps: certified only
    assert page.count("Sản phẩm ứng viên thử") == 1  # in the table, not in the page's own map


def test_publish_site_takes_the_loaded_registry(tmp_path: Path):
    reg = load_bundled_registry(geocode=False)
    rep = site.publish_site([itinerary(n_days=1)], tmp_path / "a", registry=reg)
    same = site.publish_site([itinerary(n_days=1)], tmp_path / "b", producers=reg.producers, products=reg.products)
    assert [p.relative_to(tmp_path / "a") for p in rep.pages] == [p.relative_to(tmp_path / "b") for p in same.pages]
    with pytest.raises(ValueError, match="either registry or producers"):
        site.publish_site([itinerary(n_days=1)], tmp_path / "c", registry=reg, products=reg.products)


def _json_block(html: str, function: str) -> dict:
    ids = re.findall(rf"{function}\(\w+,\s*JSON\.parse\(document\.getElementById\(\"(\w+)\"\)", html)
    assert len(ids) == 1, (function, len(ids))
    return json.loads(re.search(rf'<script type="application/json" id="{ids[0]}">(.*?)</script>', html, re.S).group(1))


@pytest.fixture(scope="module")
def with_venues(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("venues")
    site.publish_site([itinerary(venue_stop=True)], out, producers=producers_gdf(), products=products_df(),
                      venues=venues_gdf(hostile=True, unplaced=True), base_url="https://example.org/ocop")  # fmt: skip
    return out


def test_every_map_of_the_site_shows_the_venues(with_venues):
    route = (with_venues / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    assert [v["id"] for v in _json_block(route, "ocopDrawVenues")["venues"]] == ["VEN-002", "VEN-003", "VEN-004"]
    assert _json_block(route, "ocopDrawRoute")["days"][0]["stops"][2]["venue"]["kind"] == "display_point"
    index = (with_venues / "producers" / "index.html").read_text(encoding="utf-8")
    assert len(_json_block(index, "ocopDrawVenues")["venues"]) == 4
    small = (with_venues / "producers" / "hcm-p004.html").read_text(encoding="utf-8")
    assert len(_json_block(small, "ocopDrawVenues")["venues"]) == 4
    for page in (route, index, small):
        assert "<img" not in page and "{{7*7}}" not in page and "© OpenStreetMap contributors" in page
    assert _json_block(index, "ocopDrawVenues")["venues"][0]["name"] == HOSTILE_VENUE


def test_route_page_shows_the_2025_unit_and_the_venue_stop_kind(with_venues):
    route = (with_venues / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    assert ('<span lang="vi">Hòa Phú, Củ Chi · Đơn vị 2025: Xã Bình Mỹ</span>'
            '<span lang="en">Hòa Phú, Củ Chi · 2025: Xã Bình Mỹ</span>') in route
    assert '<span lang="vi">Điểm trưng bày OCOP</span><span lang="en">OCOP display point</span>' in route
    assert "Thị trấn Hóc Môn, Hóc Môn · 2025: Xã Hóc Môn" in route
    printable = (with_venues / "routes" / "test-fixture-outskirts.print.html").read_text(encoding="utf-8")
    assert "Hòa Phú, Củ Chi · Đơn vị 2025: Xã Bình Mỹ" in printable  # the A4 page in the site's language (vi)
    rows = list(csv.DictReader((with_venues / "routes" / "test-fixture-outskirts.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [r["unit_2025"] for r in rows if r["day"] == "1"] == ["", "Xã Bình Mỹ", "Xã Hóc Môn", ""]
    producer = (with_venues / "producers" / "hcm-p004.html").read_text(encoding="utf-8")
    assert "Hòa Phú, Củ Chi · 2025: Xã Bình Mỹ" in producer
    assert "Hòa Phú, Củ Chi · Đơn vị 2025: Xã Bình Mỹ" in (with_venues / "producers" / "index.html").read_text(encoding="utf-8")


def test_a_stop_with_only_its_2025_unit_shows_it_alone():
    """A stop in the former Bình Dương written with its 2025 unit and no old district (illustrative stop)."""
    it = itinerary(n_days=1)
    day = it.days[0]
    stop = replace(day.stops[1], ward="", district="", unit_2025="Phường Thủ Dầu Một")
    it = replace(it, days=(replace(day, stops=(day.stops[0], stop, *day.stops[2:])),))
    row = pages.route_context(it, links={})["days"][0]["rows"][1]
    assert row["where"] == {"vi": "Phường Thủ Dầu Một", "en": "Phường Thủ Dầu Một"}
    assert "Phường Thủ Dầu Một" in export.gpx_text(it) and "2025:" not in export.gpx_text(it)


def test_a_venue_as_start_keeps_its_role_and_names_its_kind():
    it = itinerary(n_days=1)
    day = it.days[0]
    start = replace(day.stops[0], site_id="VEN-002", name="Tuần lễ sản phẩm OCOP 2024")
    it = replace(it, days=(replace(day, stops=(start, *day.stops[1:])),))
    rows = pages.route_context(it, links={}, venues=venues_gdf())["days"][0]["rows"]
    assert rows[0]["kind_label"] == {"vi": "Xuất phát · Hội chợ OCOP", "en": "Start · OCOP fair"}
    assert rows[1]["kind_label"]["en"] == "OCOP producer"


def test_publish_site_takes_the_registry_venues(tmp_path: Path):
    reg = load_bundled_registry(geocode=False)
    if not hasattr(reg, "venues"):  # until the registry's venue table lands, attach the frame it will hold
        reg.venues = venues_gdf()
    site.publish_site([itinerary(n_days=1)], tmp_path, registry=reg)
    index = (tmp_path / "producers" / "index.html").read_text(encoding="utf-8")
    assert "ocopDrawVenues(" in index
    with pytest.raises(ValueError, match="not both"):
        site.publish_site([itinerary(n_days=1)], tmp_path / "c", registry=reg, venues=venues_gdf())


# --- the visitor's pages: no officer text, on-the-road info (issue 13, parts 1 and 4) ---------------------------


@pytest.fixture(scope="module")
def demo_like(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo_like")
    publish_demo_like(out)
    return out


def _public_pages(out: Path) -> list[Path]:
    """Route, producer, index and producers pages (the A4 print page is an export, checked with the exports)."""
    return sorted(p for p in out.rglob("*.html") if not p.name.endswith(".print.html"))


def test_public_pages_carry_no_internal_id_and_no_officer_text(demo_like):
    pages_ = _public_pages(demo_like) + sorted(demo_like.rglob("*.print.html"))  # the A4 page is handed out too
    assert len(pages_) > 15
    for page in pages_:
        html = page.read_text(encoding="utf-8")
        outside_scripts = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)  # map data keeps ids for links
        assert not INTERNAL_ID.search(outside_scripts), (page.name, INTERNAL_ID.search(outside_scripts))
        for officer in ("assumed", "geocode", "--base-url", "confirm with the producers", "names not in source",
                        "ask the producer", "Mo-Sa 08:00", "straight-line", "ferry: no road"):
            assert officer not in outside_scripts, (page.name, officer)
    route = (demo_like / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    assert "HTX Nông nghiệp Thử" not in route and "<details" not in route  # no left-out list
    assert 'class="warn"' not in route and 'class="qr"' not in route


def test_vietnamese_mode_has_no_english_and_english_mode_no_vietnamese(demo_like):
    for page in _public_pages(demo_like):
        html = page.read_text(encoding="utf-8")
        vi, en = visible_text(html, "vi"), visible_text(html, "en")
        assert english_words(vi) == [], (page.name, english_words(vi), vi[:300])
        assert vietnamese_words(en) == [], (page.name, vietnamese_words(en), en[:300])
        assert not INTERNAL_ID.search(vi + en)
    route = visible_text((demo_like / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8"), "vi")
    assert "Ăn trưa: mang theo đồ ăn" in route and "bring a packed lunch" not in route


def test_a_stop_whose_hours_the_registry_does_not_give_says_call_first(demo_like):
    route = (demo_like / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    rows = re.split(r'<tr class="stop-row"', route)[1:]
    given = next(r for r in rows if "Công ty TNHH Đạt Butter" in r)
    assumed = [r for r in rows if 'data-kind="producer"' in r and "Đạt Butter" not in r]
    assert "oh-unknown" not in given and "data-week=" in given
    assert assumed and all("Giờ mở cửa chưa được xác nhận — gọi trước khi đến" in r and "data-week" not in r
                           for r in assumed)  # fmt: skip
    xuan_nguyen = next(r for r in assumed if "Xuân Nguyên" in r)  # the phone found in its free-text contact
    assert 'gọi trước khi đến</span><span lang="en">Opening hours not confirmed — call before you go</span>: ' \
           '<a href="tel:+842838234567">028 3823 4567</a>' in xuan_nguyen
    assert 'href="mailto:lienhe@example.vn"' in xuan_nguyen


def test_hours_in_words_and_as_weekly_windows_for_the_page_script(demo_like):
    route = (demo_like / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    row = next(r for r in re.split(r'<tr class="stop-row"', route) if "Công ty TNHH Đạt Butter" in r)
    week = json.loads(re.search(r"data-week='([^']*)'", row).group(1))
    assert week == [[[480, 690], [810, 1020]]] * 5 + [[[480, 720]], []]
    assert '<span lang="vi">Thứ Hai – Thứ Sáu: 8:00–11:30, 13:30–17:00</span>' \
           '<span lang="en">Monday – Friday: 8:00–11:30, 13:30–17:00</span>' in row
    assert '<span lang="vi">Thứ Bảy: 8:00–12:00</span><span lang="en">Saturday: 8:00–12:00</span>' in row
    assert '<span lang="vi">Chủ nhật: đóng cửa</span><span lang="en">Sunday: closed</span>' in row
    assert "stops.js" in route


def test_contact_links_from_the_registry(demo_like):
    route = (demo_like / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    row = next(r for r in re.split(r'<tr class="stop-row"', route) if "Công ty TNHH Đạt Butter" in r)
    assert 'href="tel:+84903123456"' in row and "0903 123 456" in row
    assert 'href="https://zalo.me/0912345678"' in row
    assert f'href="{WEBSITE}"' in row and "example.vn/san-pham" in row
    assert "ấp 3, xã Hòa Phú" in row
    producer = (demo_like / "producers" / "hcm-p004.html").read_text(encoding="utf-8")
    for text in ('href="tel:+84903123456"', 'href="https://zalo.me/0912345678"', "ấp 3, xã Hòa Phú", "data-week="):
        assert text in producer


def _hand_off(html: str) -> dict[str, list[str]]:
    return {app: re.findall(rf'<a class="dir-link" href="([^"]+)" rel="noopener" data-app="{app}"><span>', html)
            for app in ("Google Maps", "Apple Maps", "OsmAnd")}  # fmt: skip


def test_directions_hand_off_to_google_apple_and_geo_apps(demo_like):
    it = demo_like_itinerary()
    route = (demo_like / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    links = _hand_off(route)
    placed = [s for _, s in it.stops() if not (s.kind == "lunch" and not s.site_id)]
    assert all(len(v) == len(placed) for v in links.values()), {k: len(v) for k, v in links.items()}
    for stop, google, apple, geo in zip(placed, *links.values(), strict=True):
        where = f"{round(stop.lat, 6):.6f}".rstrip("0").rstrip(".") + "," + f"{round(stop.lon, 6):.6f}".rstrip("0").rstrip(".")
        assert google == f"https://www.google.com/maps/dir/?api=1&amp;destination={where}&amp;travelmode=two-wheeler"
        assert apple == f"https://maps.apple.com/?daddr={where}&amp;dirflg=d"
        label = quote(stop.name.replace("(", "[").replace(")", "]"), safe="")
        assert geo == f"geo:{where}?q={where}({label})"
    assert "Chỉ đường" in route and "Directions" in route


def test_hand_off_links_encode_hostile_names():
    hostile = 'A&B "x" <y> (z) #1?'
    google, apple, geo = visitor.directions_links(10.7725, 106.698, hostile, mode="walk")
    assert google["href"] == "https://www.google.com/maps/dir/?api=1&destination=10.7725,106.698&travelmode=walking"
    assert apple["href"] == "https://maps.apple.com/?daddr=10.7725,106.698&dirflg=w"
    assert geo["href"] == "geo:10.7725,106.698?q=10.7725,106.698(A%26B%20%22x%22%20%3Cy%3E%20%5Bz%5D%20%231%3F)"
    assert visitor.directions_links(10.0, 106.0, "x", mode="")[0]["href"].endswith("destination=10,106")


def test_hours_in_words_read_as_people_say_them():
    words = visitor.hours_in_words(parse_opening_hours("Mo-Sa 07:30-17:00; Su off"))
    assert words == {"vi": ["Thứ Hai – Thứ Bảy: 7:30–17:00", "Chủ nhật: đóng cửa"],
                     "en": ["Monday – Saturday: 7:30–17:00", "Sunday: closed"]}  # fmt: skip
    assert visitor.hours_in_words(parse_opening_hours("24/7"))["vi"] == ["Hằng ngày: cả ngày"]
    assert visitor.hours_in_words(parse_opening_hours("Mo-Su 08:00-17:00; PH off"))["en"] == [
        "Every day: 8:00–17:00", "Public holidays: closed"]
    assert visitor.week_windows(parse_opening_hours("We 09:00-10:00"))[2] == [[540, 600]]


def test_contact_links_keep_only_usable_values():
    c = visitor.contact_links(phone="0903 123 456, 028 3823 4567", zalo="https://zalo.me/htxabc",
                              website="javascript:alert(1)")  # fmt: skip
    assert [p["tel"] for p in c["phones"]] == ["tel:+84903123456", "tel:+842838234567"]
    assert c["zalo"] == "https://zalo.me/htxabc" and c["website"] == ""
    assert visitor.contact_links(phone="12345")["phones"] == []
    assert visitor.product_label("(5 sản phẩm từ tổ yến – names not in source)") == "5 sản phẩm từ tổ yến"


def test_without_a_base_url_a_share_button_and_no_qr_section(demo_like, tmp_path: Path):
    route = (demo_like / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    assert 'id="h-share"' in route and 'class="share-btn tap" data-url=""' in route and "<figure" not in route
    publish_demo_like(tmp_path, base_url="https://example.org/ocop")
    with_url = (tmp_path / "routes" / "test-fixture-outskirts.html").read_text(encoding="utf-8")
    assert '<figure class="qr">' in with_url
    assert 'data-url="https://example.org/ocop/routes/test-fixture-outskirts.html"' in with_url


def test_the_stops_own_hours_flag_decides_before_the_registry():
    it = itinerary(n_days=1)
    day = it.days[0]
    flagged = [replace(day.stops[1], hours_assumed=True), replace(day.stops[1], hours_assumed=False, seq=2)]
    it = replace(it, days=(replace(day, stops=(day.stops[0], *flagged, *day.stops[2:])),))
    rows = pages.route_context(it, links={}, producers=producers_gdf())["days"][0]["rows"]
    assert rows[1]["visit"]["hours"] == {"known": False}
    assert rows[2]["visit"]["hours"]["known"] and rows[2]["visit"]["hours"]["words"]["en"] == ["Every day: 7:30–17:00"]


def test_a_long_producer_list_moves_to_one_page_per_district(tmp_path: Path, monkeypatch):
    """Above LIST_ON_INDEX_MAX producers the index links a list page per district (the first load stays small)."""
    monkeypatch.setattr(site, "LIST_ON_INDEX_MAX", 5)
    producers = producers_gdf()
    site.publish_site([itinerary(n_days=1)], tmp_path, producers=producers, products=products_df())
    index = (tmp_path / "producers" / "index.html").read_text(encoding="utf-8")
    assert 'class="producer-list"' not in index and 'class="area-list"' in index
    areas = sorted((tmp_path / "producers").glob("area-*.html"))
    assert len(areas) >= 3 and all(f'href="{a.name}"' in index for a in areas)
    listed = [href for a in areas for href in re.findall(r'<li><a href="([^"]+)"', a.read_text(encoding="utf-8"))]
    assert len(listed) == len(set(listed)) == len(producers)  # every producer on exactly one district page
    assert all((tmp_path / "producers" / h).exists() for h in listed)
