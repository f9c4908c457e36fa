"""The installable, offline-capable site: web app manifest, icons and service worker of a published site.

Written by :func:`ocop_geo.site.publish_site` once every other file of the site is in place:

* ``SITE/manifest.webmanifest`` — name in Vietnamese (and English in ``description``), start page, colours,
  icons: a browser can install the site as an app (Chrome: a manifest with 192 and 512 px icons and a
  service worker served over http(s));
* ``SITE/icons/icon-192.png``, ``icon-512.png``, ``icon-maskable-512.png`` — drawn here (a white map pin on
  the site's green), real PNG files written with :mod:`zlib`, no imaging library needed;
* ``SITE/sw.js`` — the service worker of ``templates/sw.js`` at the site's root (its scope is the whole
  site): it precaches the static assets and keeps the pages, assets and basemap tiles a visitor opens.
  Its cache is named after a hash of every file of the site (:func:`site_version`), so a republished site
  replaces the old cache.

``static/ocop/site.js`` registers the worker only when the page is served over http(s): pages opened from
disk (``file://``) have every file at hand already.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import struct
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .fileio import write_bytes_atomic, write_text_atomic

__all__ = ["THEME_COLOR", "icon_png", "site_version", "write_webapp"]

log = logging.getLogger(__name__)

#: The site's green (``--accent`` of ocop.css): the app bar and the icons' background.
THEME_COLOR = "#0b5d3b"
_SW_TEMPLATE = Path(__file__).resolve().parent / "templates" / "sw.js"
#: Files a visitor never needs offline (not precached): basemap tiles are kept as they are viewed.
_NOT_PRECACHED = ("static/basemap/t/", "sw.js")
_ICONS = ((192, "icon-192.png", "any"), (512, "icon-512.png", "any"), (512, "icon-maskable-512.png", "maskable"))


def _png(rgba: np.ndarray) -> bytes:
    """An 8-bit RGBA PNG of an ``(h, w, 4)`` uint8 array."""
    h, w, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


@functools.lru_cache(maxsize=8)
def icon_png(size: int, *, maskable: bool = False) -> bytes:
    """The app icon as PNG bytes: a white map pin with a green dot on the site's green.

    ``maskable``: the green fills the whole square and the pin stays inside the central 80 % circle that
    launchers keep (Android crops maskable icons to their own shape); otherwise a rounded square.

    >>> icon_png(48)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    k = 4  # supersampling: smooth edges
    n = size * k
    yy, xx = np.ogrid[0:n, 0:n]
    yy = ((yy + 0.5) / n).astype(np.float32)  # 0..1, a column
    xx = ((xx + 0.5) / n).astype(np.float32)  # 0..1, a row
    if maskable:
        bg = np.ones((n, n), dtype=bool)
    else:
        r = 0.18
        dx = np.maximum(np.maximum(r - xx, xx - (1 - r)), 0)
        dy = np.maximum(np.maximum(r - yy, yy - (1 - r)), 0)
        bg = dx * dx + dy * dy <= r * r
    scale = 0.62 if maskable else 0.8
    cx, cy, head = 0.5, 0.5 - 0.1 * scale, 0.28 * scale  # the pin: a round head over a point
    d2 = (xx - cx) ** 2 + (yy - cy) ** 2
    tip_y = cy + 0.62 * scale
    t = (yy - cy) / (tip_y - cy)
    pin = (d2 <= head**2) | ((yy >= cy) & (yy <= tip_y) & (np.abs(xx - cx) <= head * (1 - t) * 0.92))
    dot = d2 <= (head * 0.45) ** 2
    colour = np.select([dot, pin], [1, 2], 0)  # 0 green, 1 gold, 2 white
    palette = np.array([[int(THEME_COLOR[i:i + 2], 16) for i in (1, 3, 5)], [242, 169, 0], [255, 255, 255]],
                       dtype=np.float32)  # the OCOP star's gold in the pin's head
    img = np.empty((n, n, 4), dtype=np.float32)
    img[..., :3] = palette[colour] * bg[..., None]
    img[..., 3] = bg * 255.0
    small = img.reshape(size, k, size, k, 4).mean(axis=(1, 3))
    # colours of partly covered edge pixels are averaged over their covered part only (no dark fringe)
    alpha = small[..., 3:4]
    rgb = np.where(alpha > 0, small[..., :3] * 255.0 / np.maximum(alpha, 1e-6), 0)
    return _png(np.clip(np.rint(np.concatenate([rgb, alpha], axis=-1)), 0, 255).astype(np.uint8))


def site_version(site_dir: str | os.PathLike) -> str:
    """A hash of every file of the site (names and contents, ``sw.js`` aside): the service worker's version."""
    root = Path(site_dir)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel == "sw.js":
            continue
        digest.update(rel.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _precache(root: Path) -> list[str]:
    """Site-relative URLs the worker stores on install: the home page, the manifest, icons, static assets."""
    urls = ["index.html", "manifest.webmanifest"]
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if (rel.startswith(("static/", "icons/")) and not rel.startswith(_NOT_PRECACHED)
                and not rel.endswith((".map", "basemap.json"))):  # fmt: skip
            urls.append(rel)
    return [u for u in urls if (root / u).is_file()]


def write_webapp(site_dir: str | os.PathLike, *, title: Mapping[str, str], lang: str = "vi") -> list[Path]:
    """Write the manifest, icons and service worker of the site in ``site_dir``; return the files written.

    Call it last: the worker's version hashes every other file of the site.

    Parameters
    ----------
    site_dir
        The published site's folder (``index.html`` at its root).
    title
        ``{"vi": ..., "en": ...}``: the app's name is the Vietnamese title, its description both.
    lang
        {"vi", "en"}: the manifest's language.
    """
    root = Path(site_dir)
    written = []
    icons = []
    for size, name, purpose in _ICONS:
        written.append(write_bytes_atomic(root / "icons" / name, icon_png(size, maskable=purpose == "maskable")))
        icons.append({"src": f"icons/{name}", "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose})
    name_vi = title.get("vi") or title.get("en") or "OCOP"
    manifest = {
        "name": name_vi,
        "short_name": "OCOP TP.HCM",
        "description": " · ".join(dict.fromkeys(v for v in (title.get("vi"), title.get("en")) if v)),
        "lang": lang,
        "dir": "ltr",
        "start_url": "./index.html",
        "scope": "./",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": icons,
    }
    written.append(write_text_atomic(root / "manifest.webmanifest",
                                     json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"))  # fmt: skip
    version = site_version(root)
    precache = _precache(root)
    text = _SW_TEMPLATE.read_text(encoding="utf-8")
    text = text.replace("__OCOP_VERSION__", version).replace("__OCOP_PRECACHE__", json.dumps(precache, indent=1))
    written.append(write_text_atomic(root / "sw.js", text))
    log.info("service worker %s: %d files precached; manifest and %d icons written to %s", version, len(precache),
             len(icons), root)  # fmt: skip
    return written
