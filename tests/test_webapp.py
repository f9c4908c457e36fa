"""The installable site: manifest, icons and the service worker's version and precache list (no browser here;
tests/test_offline_browser.py installs the worker in chromium and reloads offline)."""

from __future__ import annotations

import json
import re
import struct
import zlib
from pathlib import Path

import pytest

from ocop_geo import webapp


def _png_size_and_pixels(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + n
    w, h, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 6)  # 8-bit RGBA
    raw = zlib.decompress(chunks[b"IDAT"])
    assert len(raw) == h * (1 + 4 * w)
    return w, h, raw


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    for rel in ("static/ocop/site.js", "static/leaflet/leaflet.js", "static/basemap/index.js",
                "static/basemap/t/9/407/240.js", "static/basemap/basemap.json", "routes/a.html", "routes/a.gpx"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel, encoding="utf-8")
    return tmp_path


def test_icons_are_real_pngs_of_the_sizes_chrome_asks_for():
    for size, maskable in ((192, False), (512, False), (512, True)):
        w, h, raw = _png_size_and_pixels(webapp.icon_png(size, maskable=maskable))
        assert (w, h) == (size, size)
        first_row = raw[1:1 + 4 * w]
        corner_alpha = first_row[3]
        assert corner_alpha == (255 if maskable else 0)  # a maskable icon bleeds to its edges


def test_manifest_sw_and_icons_are_written(site: Path):
    written = webapp.write_webapp(site, title={"vi": "Tuyến tham quan cơ sở OCOP", "en": "OCOP producer routes"})
    assert {p.name for p in written} >= {"manifest.webmanifest", "sw.js", "icon-192.png", "icon-512.png"}
    manifest = json.loads((site / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["name"] == "Tuyến tham quan cơ sở OCOP" and manifest["lang"] == "vi"
    assert manifest["display"] == "standalone" and manifest["start_url"] == "./index.html"
    assert {i["sizes"] for i in manifest["icons"]} >= {"192x192", "512x512"}
    assert {"any", "maskable"} == {i["purpose"] for i in manifest["icons"]}
    for icon in manifest["icons"]:
        assert (site / icon["src"]).is_file()
    sw = (site / "sw.js").read_text(encoding="utf-8")
    assert "__OCOP_" not in sw
    version = re.search(r'var VERSION = "([0-9a-f]{16})";', sw).group(1)
    assert version == webapp.site_version(site)
    precache = json.loads(re.search(r"var PRECACHE = (\[.*?\]);", sw, re.S).group(1))
    assert {"index.html", "manifest.webmanifest", "static/ocop/site.js", "static/basemap/index.js",
            "icons/icon-192.png"} <= set(precache)  # fmt: skip
    assert not [u for u in precache if u.startswith("static/basemap/t/") or u.endswith("basemap.json")]
    assert "routes/a.html" not in precache  # pages are kept as the visitor opens them


def test_the_version_follows_every_file_of_the_site(site: Path):
    webapp.write_webapp(site, title={"vi": "A", "en": "A"})
    before = webapp.site_version(site)
    (site / "sw.js").write_text("changed by hand", encoding="utf-8")
    assert webapp.site_version(site) == before  # the worker itself is not hashed
    (site / "routes" / "a.html").write_text("republished", encoding="utf-8")
    assert webapp.site_version(site) != before
    webapp.write_webapp(site, title={"vi": "A", "en": "A"})
    assert webapp.site_version(site) in (site / "sw.js").read_text(encoding="utf-8")
