"""The same inputs publish the same bytes: two runs of the site, the exports and the officer's report are compared
file by file, nothing masked (issue 15, determinism).

What may vary is documented: the officer report's "Generated …" time is the clock unless ``SOURCE_DATE_EPOCH`` is
set; nothing in the site does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _publish_fixtures import itinerary, producers_gdf, products_df, venues_gdf

from ocop_geo import export, mapping, officer, site

#: A folium / branca random element id (32 hex digits).
RANDOM_ID = re.compile(rb"_[0-9a-f]{32}\b")


def _publish(out: Path) -> site.SiteReport:
    return site.publish_site([itinerary(venue_stop=True), itinerary(n_days=1, hostile=True)], out,
                             producers=producers_gdf(hostile=True), products=products_df(), venues=venues_gdf(),
                             base_url="https://example.org/ocop")  # fmt: skip


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    a, b = tmp_path_factory.mktemp("first") / "site", tmp_path_factory.mktemp("second") / "site"
    _publish(a)
    _publish(b)
    return _files(a), _files(b)


def test_two_publications_are_byte_identical(two_sites):
    a, b = two_sites
    assert sorted(a) == sorted(b)
    differ = [name for name in a if a[name] != b[name]]
    assert not differ, f"files that differ between two runs: {differ[:10]}"
    assert any(n.endswith(".kmz") for n in a) and "sw.js" in a and "producers/index.html" in a


def test_no_page_carries_a_random_folium_id(two_sites):
    a, _ = two_sites
    pages = {n: data for n, data in a.items() if n.endswith(".html")}
    assert len(pages) > 10
    assert not [n for n, data in pages.items() if RANDOM_ID.search(data)]
    assert b"map_0" in pages["routes/test-fixture-outskirts.html"]  # the map's id is sequential


def test_map_ids_are_sequential_and_the_same_for_the_same_map():
    def page() -> str:
        m = mapping.route_map(itinerary(), venues=venues_gdf())
        mapping.producer_map(producers_gdf(), products=products_df(), m=m)
        return mapping.map_html(m, title="x")

    first, second = page(), page()
    assert first == second
    assert not RANDOM_ID.search(first.encode())


def test_kmz_bytes_do_not_depend_on_the_clock(monkeypatch):
    it = itinerary()
    first = export.kmz_bytes(it)

    import time

    real = time.localtime
    monkeypatch.setattr(time, "localtime", lambda *a: real(0 if not a else a[0] + 86400 * 400))  # a year later
    assert export.kmz_bytes(it) == first


def test_officer_report_takes_source_date_epoch(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")  # 2025-11-28 00:00 UTC
    a = officer.write_officer_report([itinerary()], tmp_path / "a.html")
    b = officer.write_officer_report([itinerary()], tmp_path / "b.html")
    assert a.read_bytes() == b.read_bytes()
    assert "2025-11-28 00:00" in a.read_text(encoding="utf-8")
