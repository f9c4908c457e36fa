"""TEST FIXTURES for the map, export and site tests (not planner output).

Producers, products and coordinates are the real bundled ones from ``data/ocop/`` (news-derived,
mostly commune / district centroids). The itineraries are hand-built from them: legs are
straight lines between stops with times at 30 km/h, because rendering tests need no road
geometry. Nothing here is presented as a planned route.

Venues are real rows of ``../shared/data/ocop/news_2026_11/ocop_venues_and_agritourism_sites.csv`` (issue 11),
hand-placed: at the OSM POI the address names (``data/pois/hcm_2018_pois.geojson``) or at the representative
point of their 2025 unit (``rep_lat`` / ``rep_lon`` of ``data/admin/hcmc_wards_2025_07.geojson``); their
``unit_2025`` is the 2025 polygon that contains that point. Until the registry's venue table lands, this is the
frame ``Registry.venues`` will be.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from ocop_geo.itinerary import Itinerary

DATA = Path(__file__).resolve().parent.parent / "data" / "ocop"
HOSTILE = "<img src=x onerror=alert(1)>"
#: Breaks out of a JS template literal if folium's tooltip text is not escaped for it; the "{{ }}" is
#: evaluated if text reaches folium's second Jinja pass unescaped.
HOSTILE_JS = "`${alert(2)}` {{7*7}} \\"
START = ("poi-ben-thanh", "Chợ Bến Thành", 10.7725, 106.6980)
#: A page's map is at rest: no zoom, pan or cluster animation running (for ``page.wait_for_function``, instead
#: of sleeping for animations to end).
MAP_SETTLED_JS = """() => { const m = window.ocop && window.ocop.map;
    return !!m && !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress)
        && !document.querySelector('.leaflet-zoom-anim, .leaflet-cluster-anim'); }"""


def _ids() -> dict[str, str]:
    df = pd.read_csv(DATA / "hcmc_ocop_producers.csv")
    return {name: f"HCM-P{i + 1:03d}" for i, name in enumerate(df["producer"])}


#: The 2025 unit of the commune-centroid producers: the 2025 polygon (data/admin/hcmc_wards_2025_07.geojson) that
#: contains the old commune's centroid. District-centroid producers get none (a district centre names no unit).
UNIT_2025 = {"Tân Quý Tây": "Xã Bình Chánh", "Bình Khánh": "Xã Bình Khánh", "Hòa Phú": "Xã Bình Mỹ",
             "Hưng Long": "Xã Hưng Long"}  # fmt: skip

#: Venue columns of ``Registry.venues`` (issue 11 contract).
VENUE_COLUMNS = ("venue_id", "kind", "name", "address", "ward", "district", "lat", "lon", "location_precision",
                 "opening_hours", "start_date", "end_date", "contact", "producer_id", "source", "notes",
                 "unit_2025")  # fmt: skip
_VENUES = [
    ("VEN-001", "display_point", "Điểm trưng bày sản phẩm OCOP huyện Hóc Môn (CLB OCOP Hóc Môn)",
     "số 1 Lý Nam Đế, trung tâm Chợ Hóc Môn", "Thị trấn Hóc Môn", "Hóc Môn", 10.8889389, 106.5962633, "street",
     "", "", "", "", "",
     "https://ccptnt.vn/khai-truong-diem-trung-bay-san-pham-ocop-va-trao-quyet-dinh-cong-nhan-20-san-pham-ocop-3-sao-tai-huyen-hoc-mon.html",
     "opened 23/5/2025; hours not given; placed at Chợ Hóc Môn (OSM node 366069916)", "Xã Hóc Môn"),
    ("VEN-002", "fair", "Tuần lễ sản phẩm OCOP 2024", "Công viên văn hóa Lê Thị Riêng", "", "Quận 10",
     10.7853464, 106.6644631, "street", "", "2024-11-06", "2024-11-10", "", "",
     "https://goandgotravel.com/vi/post/tuan-le-san-pham-ocop-2024--thuc-day-lien-ket-du-lich-va-san-pham-dac-trung-cua-dia-phuong-33132.htm",
     "placed at Công Viên Lê Thị Riêng (OSM way 32735042)", "Phường Hoà Hưng"),
    ("VEN-003", "fair", "Sự kiện quảng bá, kết nối giao thương sản phẩm OCOP TP.HCM 2025",
     "Nhà Truyền thống Cách mạng, số 01 đường Ba Cu", "Phường Vũng Tàu", "", 10.353834, 107.074184, "ward",
     "", "2025-11-28", "2025-11-30", "", "", "https://plo.vn/hon-100-gian-hang-quy-tu-tai-su-kien-ocop-tphcm-nam-2025-post882626.html",
     "former Bà Rịa–Vũng Tàu: no old district; placed at the 2025 unit's representative point", "Phường Vũng Tàu"),
    ("VEN-004", "agritourism", "Điểm du lịch cộng đồng ấp Thiềng Liềng", "ấp Thiềng Liềng", "Xã Thạnh An", "Cần Giờ",
     10.538766, 106.976898, "ward", "", "", "", "", "",
     "https://vietnamnet.vn/day-manh-phat-trien-du-lich-nong-thon-gop-phan-xay-dung-ntm-hien-dai-van-minh-2350339.html",
     "not stated as OCOP-certified; placed at the 2025 unit's representative point", "Xã Thạnh An"),
]  # fmt: skip
#: A venue name that is both an HTML and a template injection (must render as text, run nothing).
HOSTILE_VENUE = HOSTILE + " {{7*7}}"


def venues_gdf(*, hostile: bool = False, unplaced: bool = False) -> gpd.GeoDataFrame:
    """Four real venues (see the module note) as ``Registry.venues``; ``unplaced`` adds a row without geometry."""
    rows = [dict(zip(VENUE_COLUMNS, v, strict=True)) for v in _VENUES]
    if unplaced:  # the 'Không gian OCOP Nhân văn' row: the source gives no address
        rows.append(dict(zip(VENUE_COLUMNS, ("VEN-005", "display_point", "Không gian OCOP Nhân văn (Trường ĐH KHXH&NV TP.HCM)",
                                             "", "", "", float("nan"), float("nan"), "none", "", "", "", "", "",
                                             "http://www.baomoi.com/san-pham-du-lich-cua-tp-hcm-gan-voi-chuong-trinh-ocop-tai-sao-khong-c47023840.epi",
                                             "address not given", ""), strict=True)))  # fmt: skip
    df = pd.DataFrame(rows)
    if hostile:
        df.loc[0, "name"] = HOSTILE_VENUE
    geom = [None if pd.isna(la) else Point(lo, la) for la, lo in zip(df["lat"], df["lon"], strict=True)]
    return gpd.GeoDataFrame(df, geometry=geom, crs=4326)


def producers_gdf(*, hostile: bool = False) -> gpd.GeoDataFrame:
    """The bundled producers in the registry's column layout (rows without coordinates kept)."""
    df = pd.read_csv(DATA / "hcmc_ocop_producers.csv")
    ids = _ids()
    out = pd.DataFrame(
        {
            "producer_id": [ids[n] for n in df["producer"]],
            "name": df["producer"],
            "producer_type": df["producer_type"],
            "district": df["district_pre2025"].fillna(""),
            "ward": df["commune_pre2025"].fillna(""),
            "lat": df["approx_lat"],
            "lon": df["approx_lon"],
            "location_precision": [
                "none" if pd.isna(p) else ("commune" if "commune" in p else "district")
                for p in df["coord_precision"]
            ],
            "unit_2025": [UNIT_2025.get(c, "") if isinstance(c, str) else "" for c in df["commune_pre2025"]],
        }
    )
    if hostile:
        out.loc[0, "name"] = HOSTILE
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(out["lon"], out["lat"]), crs=4326)


def products_df() -> pd.DataFrame:
    """The bundled products with the registry's columns (group_en from a small fixture table)."""
    df = pd.read_csv(DATA / "hcmc_ocop_products.csv")
    ids = _ids()
    en = {"Thực phẩm": "Food", "Đồ uống": "Drinks", "Thảo dược": "Herbal products"}
    return pd.DataFrame(
        {
            "product_id": [f"HCM-O{i + 1:03d}" for i in range(len(df))],
            "name": df["product_name"],
            "ocop_group": df["ocop_group"],
            "ocop_group_en": [en.get(g, "") for g in df["ocop_group"]],
            "stars": pd.to_numeric(df["stars"], errors="coerce").astype("Int64"),
            "producer_id": [ids.get(p, "") for p in df["producer"]],
        }
    )


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (la1, lo1), (la2, lo2) = a, b
    p = math.pi / 180
    h = math.sin((la2 - la1) * p / 2) ** 2 + math.cos(la1 * p) * math.cos(la2 * p) * math.sin((lo2 - lo1) * p / 2) ** 2
    return 12742 * math.asin(math.sqrt(h))


def _hhmm(minutes: float) -> str:
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


_DAYS = [
    ("2026-12-05", "Sa", "#d7191c", ["Công ty TNHH Đạt Butter"], None),
    ("2026-12-06", "Su", "#2b83ba", ["Công ty CP Tập đoàn Xuân Nguyên", "HTX Phước An",
                                     "Công ty TNHH XNK thực phẩm ABZ"], 2),
    ("2026-12-07", "Mo", "#1a9641", ["Công ty TNHH Phát triển dừa nước Việt Nam (Vietnipa)",
                                     "HTX Cần Giờ Tương Lai", "Công ty TNHH ĐT TM DV Yến Đảo Cần Giờ"], None),
]  # fmt: skip


def itinerary_dict(*, hostile: bool = False, n_days: int = 3, venue_stop: bool = False) -> dict:
    """A hand-built 3-day itinerary over real bundled producers (TEST FIXTURE).

    ``venue_stop``: day 1 also stops at the Hóc Môn OCOP display point (a venue used as a stop: kind ``"poi"``,
    ``site_id`` its ``venue_id``) after the producer.
    """
    gdf = producers_gdf()
    prods = products_df()
    by_name = {r.name: r for r in gdf.itertuples()}
    days = []
    for k, (date, wd, color, names, lunch_after) in enumerate(_DAYS[:n_days]):
        t = 8 * 60.0
        here = (START[2], START[3])
        stops = [{"seq": 0, "kind": "start", "site_id": START[0], "name": START[1], "lat": here[0],
                  "lon": here[1], "precision": "exact", "arrival": None, "wait_min": 0,
                  "start": "08:00", "end": "08:00", "visit_min": 0, "leg_in": None}]  # fmt: skip
        plan = [("producer", n) for n in names]
        if venue_stop and k == 0:
            plan.append(("poi", _VENUES[0][0]))
        if lunch_after is not None:
            plan.insert(lunch_after, ("lunch", None))
        plan.append(("end", None))
        for kind, name in plan:
            seq = len(stops)
            if kind == "producer":
                r = by_name[name]
                pos, visit = (r.lat, r.lon), 45.0
            elif kind == "poi":
                v = dict(zip(VENUE_COLUMNS, next(x for x in _VENUES if x[0] == name), strict=True))
                pos, visit = (v["lat"], v["lon"]), 30.0
            elif kind == "lunch":
                pos, visit = here, 60.0
            else:
                pos, visit = (START[2], START[3]), 0.0
            km = _km(here, pos)
            off = k == 2 and seq == 1  # Bình Khánh ferry crossing drawn straight
            leg = None
            if km > 0.01:
                leg = {"travel_s": km / 30 * 3600, "distance_m": km * 1000, "off_network": off,
                       "note": "Bình Khánh ferry: no road in the extract" if off else "",
                       "coordinates": [[here[1], here[0]], [pos[1], pos[0]]]}  # fmt: skip
                t += km / 30 * 60
            arrival = _hhmm(t)
            stop = {"seq": seq, "kind": kind, "site_id": None, "name": "Nghỉ trưa" if kind == "lunch" else
                    (START[1] if kind == "end" else name), "lat": pos[0], "lon": pos[1],
                    "precision": "exact", "arrival": arrival, "wait_min": 0, "start": arrival,
                    "end": _hhmm(t + visit), "visit_min": visit, "leg_in": leg}  # fmt: skip
            if kind == "poi":
                stop.update(site_id=v["venue_id"], name=v["name"], precision=v["location_precision"],
                            district=v["district"], ward=v["ward"], unit_2025=v["unit_2025"])  # fmt: skip
            if kind == "end":
                stop["site_id"] = START[0]
                if hostile:
                    stop["name"] = HOSTILE_JS
            if kind == "producer":
                r = by_name[name]
                mine = prods[prods["producer_id"] == r.producer_id]
                stop.update(
                    site_id=r.producer_id, precision=r.location_precision, district=r.district,
                    ward=r.ward, unit_2025=r.unit_2025, stars=int(mine["stars"].dropna().max()) if mine["stars"].notna().any() else None, score=4.0,
                    groups=sorted(set(mine["ocop_group"])), opening_hours="Mo-Su 07:30-17:00",
                    products=[{"name": p.name, "stars": None if pd.isna(p.stars) else int(p.stars),
                               "group": p.ocop_group, "group_en": p.ocop_group_en}
                              for p in mine.itertuples()],
                )  # fmt: skip
                if hostile and seq == 1 and k == 0:
                    stop["products"].append({"name": HOSTILE_JS, "stars": 3, "group": HOSTILE_JS,
                                             "group_en": HOSTILE_JS})
                    stop["name"] = HOSTILE
                    stop["products"][0]["name"] = HOSTILE
            t += visit
            here = pos
            stops.append(stop)
        legs = [s["leg_in"] for s in stops if s["leg_in"]]
        visits = [s for s in stops if s["kind"] in ("producer", "poi")]
        days.append({"day": k + 1, "date": date, "weekday": wd, "window": ["08:00", "18:00"],
                     "color": color, "stops": stops,
                     "totals": {"travel_s": sum(x["travel_s"] for x in legs),
                                "distance_m": sum(x["distance_m"] for x in legs),
                                "visit_min": sum(s["visit_min"] for s in visits),
                                "score": 4.0 * len(visits), "n_stops": len(visits)}})  # fmt: skip
    tot = {key: sum(d["totals"][key] for d in days) for key in ("travel_s", "distance_m", "visit_min", "score", "n_stops")}
    tot["n_days"] = len(days)
    title_en = HOSTILE if hostile else "OCOP producers of the outskirts (test fixture)"
    return {
        "schema": "ocop_geo.itinerary/1", "route_id": "test-fixture-outskirts",
        "title": {"vi": "Cơ sở OCOP ngoại thành (dữ liệu kiểm thử)", "en": title_en},
        "description": {"vi": "Lịch trình dựng tay cho kiểm thử.", "en": "Hand-built itinerary for tests."},
        "mode": "motorbike", "generated_at": "2026-11-28T13:00:00+07:00", "spec_file": "",
        "days": days, "totals": tot,
        "not_chosen": [{"site_id": "HCM-P010", "name": "Chi nhánh Tổng Công ty Nông nghiệp Sài Gòn",
                        "code": "unplaced", "reason": "no location in the registry"}],
        "warnings": ["HCM-P004 is located only at commune level (Hòa Phú)"],
        "attribution": "© OpenStreetMap contributors",
    }  # fmt: skip


def itinerary(*, hostile: bool = False, n_days: int = 3, venue_stop: bool = False) -> Itinerary:
    """:func:`itinerary_dict` as an :class:`Itinerary` (validated by the contract)."""
    return Itinerary.from_dict(itinerary_dict(hostile=hostile, n_days=n_days, venue_stop=venue_stop))
