"""The site step at the merged city's scale and beyond: a SYNTHETIC registry of 2,000 producers / 10,000 products.

SYNTHETIC DATA: no producer, product or location here is real. Producers are spread over the 168 units of Ho Chi
Minh City since 7/2025 (``data/admin/hcmc_wards_2025_07.geojson``: a random point inside each unit's polygon, units
drawn in proportion to their area, seed 15); their names are made of common OCOP words, the unit's name and a
``SYN`` number, ids are ``SYN-P0001``…; each producer has 5 products (real OCOP groups, 3–5 stars). The routes are
the hand-built TEST FIXTURE itineraries of ``tests/_publish_fixtures.py`` (real bundled producers, straight legs).

Measured:

* the site step (``site.publish_site`` into a fresh folder) wall time, and the process's peak memory (max RSS)
  once it is done; goal ≤ 15 s on the 2-core machines;
* the producers' map page first load: ``producers/index.html`` plus every file it loads before the first marker
  (scripts, stylesheets, ``markers.js``; basemap tiles aside), raw and gzip; goal ≤ 600 KB;
* gzip bytes per producer of ``producers/markers.js`` (goal ≤ 150 B); before the split the markers were embedded in
  the page, so the figure is the page's embedded producer JSON per producer;
* time to first marker in Debian's headless chromium at 390 x 844 from ``file://`` (cold context, tiles aborted):
  from navigation to the first producer marker or cluster in the DOM.

Run: ``.venv/bin/python -m benchmarks.bench_site_scale [--producers 2000] [--label after]``. Results are merged by
label into ``benchmarks/results/site_scale.json`` and written as ``site_scale.md`` (before = the code before issue 15's
scale work, measured with this same script).
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the test-fixture itineraries and chromium's launch options

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from _chromium import ARGS, CHROMIUM  # noqa: E402
from _publish_fixtures import itinerary, venues_gdf  # noqa: E402

from ocop_geo import site  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
ADMIN = ROOT / "data" / "admin" / "hcmc_wards_2025_07.geojson"
PHONE = {"width": 390, "height": 844}
GROUPS = [("Thực phẩm", "Food"), ("Đồ uống", "Drinks"), ("Thảo dược", "Herbal products"),
          ("Vải và may mặc", "Textiles"), ("Lưu niệm - nội thất - trang trí", "Handicrafts"),
          ("Dịch vụ du lịch cộng đồng", "Tourism")]  # fmt: skip
PREFIX = ["Hợp tác xã", "Công ty TNHH", "Cơ sở", "Hộ kinh doanh", "Công ty CP", "Tổ hợp tác"]
WORDS = ["Nông sản", "Yến sào", "Bánh tráng", "Mật ong", "Trà thảo mộc", "Nước mắm", "Rau sạch", "Gốm",
         "Dừa", "Cà phê", "Hạt điều", "Tinh dầu", "Mây tre", "Nấm", "Bưởi", "Sầu riêng"]  # fmt: skip
KINDS = ["hộp 500 g", "chai 250 ml", "túi 1 kg", "gói 200 g", "bộ quà tặng"]


def synthetic_registry(n_producers: int, products_per: int = 5, seed: int = 15) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """SYNTHETIC producers (points inside the city's 2025 units) and their products; see the module note."""
    rng = np.random.default_rng(seed)
    units = gpd.read_file(ADMIN)
    area = units["area_km2"].to_numpy(dtype=float)
    pick = rng.choice(len(units), size=n_producers, p=area / area.sum())
    rows, points = [], []
    for i, u in enumerate(pick, start=1):
        unit = units.iloc[u]
        poly = unit.geometry
        x0, y0, x1, y1 = poly.bounds
        for _ in range(200):
            pt = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
            if poly.contains(pt):
                break
        else:
            pt = shapely.Point(unit.rep_lon, unit.rep_lat)
        word = WORDS[rng.integers(len(WORDS))]
        rows.append({"producer_id": f"SYN-P{i:04d}",
                     "name": f"{PREFIX[rng.integers(len(PREFIX))]} {word} {unit['name']} SYN{i:04d}",
                     "producer_type": "synthetic", "district": "", "ward": "", "unit_2025": unit["full_name"],
                     "location_precision": ["exact", "street", "ward"][rng.integers(3)],
                     "opening_hours": "Mo-Sa 08:00-17:00"})  # fmt: skip
        points.append(pt)
    producers = gpd.GeoDataFrame(rows, geometry=points, crs=4326)
    prods = []
    for i in range(n_producers):
        pid = f"SYN-P{i + 1:04d}"
        for k in range(products_per):
            g, g_en = GROUPS[rng.integers(len(GROUPS))]
            prods.append({"product_id": f"SYN-O{i * products_per + k + 1:05d}", "producer_id": pid,
                          "name": f"{WORDS[rng.integers(len(WORDS))]} {KINDS[rng.integers(len(KINDS))]} SYN{k + 1}",
                          "ocop_group": g, "ocop_group_en": g_en, "stars": int(rng.integers(3, 6)),
                          "status": "certified"})  # fmt: skip
    products = pd.DataFrame(prods)
    products["stars"] = products["stars"].astype("Int64")
    return producers, products


_LOADS = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+)"')


def first_load(page: Path) -> dict:
    """Bytes of ``page`` and of every local script / stylesheet it names (raw and gzip level 6), and of
    ``markers.js`` beside it when the page loads it."""
    files = [page]
    for ref in _LOADS.findall(page.read_text(encoding="utf-8")):
        if "://" in ref or ref.startswith("data:"):
            continue
        p = (page.parent / ref.split("?")[0]).resolve()
        if p.is_file() and p not in files:
            files.append(p)
    markers = page.parent / "markers.js"  # loaded by ocop-map.js (a script tag it adds), before the first marker
    if markers.is_file():
        files.append(markers)
    raw = sum(p.stat().st_size for p in files)
    gz = sum(len(gzip.compress(p.read_bytes(), 6)) for p in files)
    return {"files": len(files), "raw_bytes": raw, "gzip_bytes": gz, "page_bytes": page.stat().st_size,
            "page_gzip_bytes": len(gzip.compress(page.read_bytes(), 6))}  # fmt: skip


def per_producer(site_dir: Path, n: int) -> dict:
    """gzip bytes per producer of the markers: ``markers.js`` after the split, the page's embedded JSON before."""
    markers = site_dir / "producers" / "markers.js"
    if markers.is_file():
        data, where = markers.read_bytes(), "producers/markers.js"
    else:
        text = (site_dir / "producers" / "index.html").read_text(encoding="utf-8")
        m = re.search(r'<script type="application/json" id="[^"]*">(\{"producers":.*?)</script>', text, re.S)
        data, where = (m.group(1).encode() if m else b""), "producers/index.html (embedded JSON)"
    return {"where": where, "raw_bytes": len(data), "gzip_bytes": len(gzip.compress(data, 6)),
            "gzip_per_producer": round(len(gzip.compress(data, 6)) / n, 1)}  # fmt: skip


def first_marker(page: Path, runs: int) -> list[float]:
    """ms from navigation to the first producer marker (or cluster) in the DOM, chromium at 390 x 844, cold."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(runs):
            ctx = browser.new_context(viewport=PHONE, device_scale_factor=3)
            ctx.route(re.compile(r"^https?://"), lambda route: route.abort())
            pg = ctx.new_page()
            t0 = time.perf_counter()
            pg.goto(page.as_uri(), wait_until="commit")
            pg.wait_for_selector(".ocop-producer, .marker-cluster", state="attached", timeout=60000)
            out.append(round((time.perf_counter() - t0) * 1000, 1))
            ctx.close()
        browser.close()
    return out


def _git() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "?"


def measure(n: int, runs: int, keep: Path | None) -> dict:
    t = time.perf_counter()
    producers, products = synthetic_registry(n)
    make_s = time.perf_counter() - t
    its = [itinerary(venue_stop=True), itinerary(n_days=1)]
    with tempfile.TemporaryDirectory(prefix="ocop-scale-") as tmp:
        out = keep or Path(tmp) / "site"
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        rep = site.publish_site(its, out, producers=producers, products=products, venues=venues_gdf(),
                                base_url="https://example.org/ocop")  # fmt: skip
        site_s = time.perf_counter() - t
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        page = out / "producers" / "index.html"
        doc = {
            "registry": f"SYNTHETIC: {n} producers / {len(products)} products over the 168 units of 2025",
            "commit": _git(), "machine": f"{platform.machine()}, {resource.getpagesize()} B pages",
            "routes": "2 TEST FIXTURE itineraries (tests/_publish_fixtures.py)",
            "registry_build_s": round(make_s, 2), "site_step_s": round(site_s, 2),
            "pages": len(rep.pages), "files": sum(1 for p in out.rglob("*") if p.is_file()),
            "site_bytes": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()),
            "max_rss_mb_before": round(rss0 / 1024, 1), "max_rss_mb_after_site": round(rss1 / 1024, 1),
            "producers_map_first_load": first_load(page), "markers": per_producer(out, n),
            "first_marker_ms": first_marker(page, runs) if Path(CHROMIUM).exists() and runs else [],
        }  # fmt: skip
    return doc


def markdown(results: dict) -> str:
    lines = ["# Site at scale (SYNTHETIC registry)", "",
             "SYNTHETIC DATA: 2,000 made-up producers / 10,000 made-up products spread over the 168 units of Ho Chi "
             "Minh City (2025), two TEST FIXTURE routes; `benchmarks/bench_site_scale.py`. The machine is shared "
             "(2 cores): timings are noisy. Goals (issue 15): site step ≤ 15 s, producers' map first load ≤ 600 KB, "
             "≤ 150 B gzip per producer in the markers.", "",
             "| | " + " | ".join(results) + " |", "|---|" + "---|" * len(results)]  # fmt: skip

    def row(name, fn):
        cells = []
        for doc in results.values():
            try:
                cells.append(str(fn(doc)))
            except (KeyError, TypeError, ValueError, ZeroDivisionError):
                cells.append("—")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    row("commit", lambda d: d["commit"])
    row("registry", lambda d: d["registry"])
    row("site step (s)", lambda d: d["site_step_s"])
    row("pages written", lambda d: d["pages"])
    row("site files / MB", lambda d: f"{d['files']} / {d['site_bytes'] / 1e6:.1f}")
    row("peak memory, max RSS (MB)", lambda d: d["max_rss_mb_after_site"])
    row("producers' map page (KB, raw / gzip)",
        lambda d: f"{d['producers_map_first_load']['page_bytes'] / 1000:.0f} / "
                  f"{d['producers_map_first_load']['page_gzip_bytes'] / 1000:.0f}")  # fmt: skip
    row("producers' map first load incl. markers (KB, raw / gzip)",
        lambda d: f"{d['producers_map_first_load']['raw_bytes'] / 1000:.0f} / "
                  f"{d['producers_map_first_load']['gzip_bytes'] / 1000:.0f}")  # fmt: skip
    row("markers: where", lambda d: d["markers"]["where"])
    row("markers: gzip B per producer", lambda d: d["markers"]["gzip_per_producer"])
    row("first marker, chromium 390x844 (ms, median)",
        lambda d: sorted(d["first_marker_ms"])[len(d["first_marker_ms"]) // 2])  # fmt: skip
    row("first marker runs (ms)", lambda d: ", ".join(str(x) for x in d["first_marker_ms"]))
    lines += ["", "Notes:", "",
              "- Above 300 producers the index links one list page per district / 2025 unit instead of listing every "
              "producer under the map (the list was about 215 B per producer, 430 KB at 2,000); the first load is "
              "then the vendored Leaflet and plugins, the page and markers.js. Route maps load the same markers.js "
              "(they embedded every producer before).",
              "- Producer pages no longer run folium: one render per site (`mapping.ProducerPageMaps`), each page "
              "filled with its producer's JSON; the rest of the site step is Jinja and writing ~5,000 files "
              "atomically. Parallel rendering was not needed for the 15 s goal and is not used.",
              "- Markers: `[slug, name, lon, lat, [groups], stars, precision]`, coordinates to 5 decimals (≈ 1 m); "
              "products, type and place of a producer load with its popup (`producers/data/<slug>.js`).",
              "- Peak memory is the benchmark process's max RSS (registry, fixtures and the published site's records "
              "included).", "- Before: `abacd0e` (producer pages rendered by folium one by one); measured while "
              "other jobs shared the cores."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--producers", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3, help="chromium runs (0: skip the browser)")
    ap.add_argument("--label", default="after", help="the column of the results (e.g. before, after)")
    ap.add_argument("--keep", type=Path, help="publish into this folder and keep it")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    doc = measure(args.producers, args.runs, args.keep)
    print(json.dumps(doc, indent=1, ensure_ascii=False))
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / "site_scale.json"
        results = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        results[args.label] = doc
        path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (RESULTS / "site_scale.md").write_text(markdown(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
