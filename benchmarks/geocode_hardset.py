"""Build the geocoder's hard evaluation set: addresses that do NOT come from its gazetteer.

Run:  .venv/bin/python benchmarks/geocode_hardset.py
Writes benchmarks/geocode_eval/hard_addresses.csv (committed; the benchmark only reads it, so the
measurement is reproducible offline).

Where the rows come from (column ``source``; ``synthetic`` says what was made up):

* ``osm_addr`` — OSM features of the bundled 2018 extract with ``addr:housenumber`` and
  ``addr:street`` (nodes, and ways at their representative point). The street is written as the
  mapper typed it (not the gazetteer's highway names); the truth is the feature's own position:
  the 2019 ward polygon and the 7/2025 unit polygon that contain it. Forms (column ``form``):

  - ``as_tagged`` — only the ``addr:*`` tags the mapper gave (``addr:subdistrict``,
    ``addr:district``, ``addr:city`` where present): real, not synthetic;
  - ``well_formed`` — house, street, then the ward and district whose polygon holds the point
    (2019 ward name, 2024 district name): synthetic completion of a real street address;
  - ``unit_2025`` — house, street, 7/2025 unit holding the point, "TP.HCM": synthetic;
  - ``no_ward`` — house, street, district only: synthetic (the ward is missing on purpose);
  - ``degraded`` — hand-written degradations of ``well_formed``: no diacritics, "P." / "Q." /
    "TP." abbreviations, glued "P2", one typo in the street, the 7/2025 unit written after the old
    ward and district (old and new names mixed), lower case: synthetic;
  - ``street_only`` — street and ward without house number: synthetic.

* ``news`` — addresses as the news writes them (``../shared/data/ocop/news_2026_11``: commune,
  district and address columns of the product, candidate and venue tables), truth labelled by hand
  below (``_NEWS_TRUTH``: the 7/2025 unit code that the written commune is, or lies in).
* ``units_2025`` — every 7/2025 unit written the new way ("Xã Kim Long, TP.HCM", no district),
  plus the same without diacritics: synthetic, truth the unit's polygon.

``split`` is ``dev`` (a stable 40 % of the OSM features by id, of the other rows by address) or
``test`` (the rest): the geocoder was only ever inspected on ``dev``.
"""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely

from ocop_geo import settings
from ocop_geo.fileio import write_text_atomic
from ocop_geo.textnorm import fold, strip_diacritics

OUT = Path(__file__).resolve().parent / "geocode_eval" / "hard_addresses.csv"
COLUMNS = ("address", "source", "form", "split", "synthetic", "osm_id", "truth_lon", "truth_lat",
           "truth_ward_2019", "truth_unit_2025", "expect")

#: news rows: (district, ward, address) as written -> the 7/2025 unit(s) the written commune is or lies in,
#: labelled by hand from hcmc_ward_2025_01_to_2025_07.csv (old commune -> new unit; a split commune lists
#: every part) and the 7/2025 list; () = no unit can be told from the text: it must be flagged.
_NEWS_TRUTH: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("Củ Chi", "Tân An Hội", ""): ("Xã Tân An Hội",),
    ("Củ Chi", "Thị trấn Củ Chi", ""): ("Xã Tân An Hội",),
    ("Cần Giờ", "Bình Khánh", ""): ("Xã Bình Khánh",),
    ("Bình Chánh", "An Phú Tây", ""): ("Phường Bình Đông", "Xã Bình Chánh"),
    ("Bình Chánh", "Vĩnh Lộc A", ""): ("Xã Vĩnh Lộc",),
    ("Củ Chi", "Trung Lập Thượng", ""): ("Xã Thái Mỹ",),
    ("Củ Chi", "Tân Thạnh Tây", ""): ("Xã Phú Hòa Đông",),
    ("Cần Giờ", "Tam Thôn Hiệp", ""): ("Xã Bình Khánh",),
    ("Hóc Môn", "Thị trấn Hóc Môn", "số 1 Lý Nam Đế, trung tâm Chợ Hóc Môn"): ("Xã Hóc Môn",),
    ("(BR-VT cũ)", "Phường Vũng Tàu", "Nhà Truyền thống Cách mạng, số 01 đường Ba Cu"): ("Phường Vũng Tàu",),
    ("(BR-VT cũ)", "Xã Xuyên Mộc", "khu chợ đêm xã Xuyên Mộc"): ("Xã Xuyên Mộc",),
    ("Củ Chi", "Xã Hòa Phú", ""): ("Xã Bình Mỹ",),
    ("Cần Giờ", "Xã Tam Thôn Hiệp", ""): ("Xã Bình Khánh",),
    ("Cần Giờ", "Xã Thạnh An", "ấp Thiềng Liềng"): ("Xã Thạnh An",),
    ("(BR-VT cũ)", "Xã Phước Hải", ""): ("Xã Phước Hải",),
    ("(BR-VT cũ)", "Xã Châu Đức", ""): ("Xã Châu Đức",),
    ("Bình Chánh", "Xã Bình Lợi", ""): ("Xã Bình Lợi",),
    ("TX Bến Cát (Bình Dương cũ)", "Phú An", ""): ("Phường Phú An",),
    ("TX Bến Cát (Bình Dương cũ)", "Thới Hòa", ""): ("Phường Thới Hoà",),
    ("TX Bến Cát (Bình Dương cũ)", "An Tây", ""): (),
    ("TX Bến Cát (Bình Dương cũ)", "An Điền", ""): (),
    ("", "Kim Long (xã, TP.HCM sau sáp nhập)", ""): ("Xã Kim Long",),
    ("", "Hòa Hiệp (xã, TP.HCM sau sáp nhập)", ""): ("Xã Hoà Hiệp",),
    ("Hóc Môn", "", ""): (),
    ("Củ Chi", "", ""): (),
    ("Bình Chánh", "", ""): (),
    ("TP Thủ Đức (quận 9 cũ)", "", ""): (),
}


def _dev(osm_id: str) -> bool:
    return int(hashlib.sha256(osm_id.encode()).hexdigest()[:8], 16) % 10 < 4


class _AddrReader(osmium.SimpleHandler):
    """OSM nodes and ways with addr:housenumber or addr:street, at a point of their own."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []

    def _keep(self, kind: str, oid: int, tags, lon: float, lat: float) -> None:
        addr = {k: v for k, v in tags if k.startswith("addr:")}
        if "addr:street" in addr:
            self.rows.append({"osm_id": f"{kind}{oid}", "lon": lon, "lat": lat, **addr})

    def node(self, n) -> None:
        if "addr:street" in n.tags and n.location.valid():
            self._keep("n", n.id, n.tags, n.location.lon, n.location.lat)

    def way(self, w) -> None:
        if "addr:street" not in w.tags:
            return
        coords = [(nd.lon, nd.lat) for nd in w.nodes if nd.location.valid()]
        if len(coords) >= 4 and coords[0] == coords[-1]:
            pt = shapely.Polygon(coords).representative_point()
        elif len(coords) >= 2:
            pt = shapely.LineString(coords).interpolate(0.5, normalized=True)
        else:
            return
        self._keep("w", w.id, w.tags, pt.x, pt.y)


def _typo(text: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 7:
        return text
    i = rng.choice(letters[2:-1])
    return text[:i] + text[i + 1:] if rng.random() < 0.5 else text[:i] + text[i] + text[i:]


def _abbrev_ward(name: str) -> str:
    m = re.fullmatch(r"Phường 0*(\d+)", name)
    if m:
        return f"P.{m.group(1)}"
    return re.sub(r"^(Phường|Xã|Thị trấn) ", lambda g: {"Phường": "P. ", "Xã": "X. ", "Thị trấn": "TT. "}[g[1]],
                  name)


def _abbrev_district(name: str) -> str:
    m = re.fullmatch(r"Quận 0*(\d+)", name)
    if m:
        return f"Q.{m.group(1)}"
    return re.sub(r"^(Quận|Huyện|Thành phố) ", lambda g: {"Quận": "Q. ", "Huyện": "H. ",
                                                          "Thành phố": "TP. "}[g[1]], name)


def _osm_rows(rng: random.Random, wards: gpd.GeoDataFrame, units: gpd.GeoDataFrame,
              per_form: int) -> list[dict]:
    reader = _AddrReader()
    reader.apply_file(str(settings.osm_extract), locations=True)
    feats = pd.DataFrame(reader.rows).fillna("")
    pts = shapely.points(feats["lon"].to_numpy(), feats["lat"].to_numpy())
    for frame, col in ((wards, "w19"), (units, "u25")):
        pi, gi = shapely.STRtree(frame.geometry.to_numpy()).query(pts, predicate="within")
        pos = np.full(len(feats), -1)
        pos[pi] = gi
        feats[col] = pos
    feats = feats[(feats["w19"] >= 0) & (feats["u25"] >= 0)].reset_index(drop=True)
    feats = feats[feats["addr:street"].str.len().between(3, 40)
                  & ~feats["addr:street"].str.contains(r"[;,]|\d{3,}", regex=True)]
    numbered = feats[feats["addr:housenumber"].str.fullmatch(r"\d{1,4}[A-Za-z]?(/\d{1,3}[A-Za-z]?)*")]
    rows: list[dict] = []

    def add(f: pd.Series, address: str, form: str, synthetic: str) -> None:
        w, u = wards.iloc[int(f["w19"])], units.iloc[int(f["u25"])]
        rows.append({"address": address, "source": "osm_addr", "form": form,
                     "split": "dev" if _dev(f["osm_id"]) else "test", "synthetic": synthetic,
                     "osm_id": f["osm_id"], "truth_lon": round(f["lon"], 7), "truth_lat": round(f["lat"], 7),
                     "truth_ward_2019": w["ward_code"], "truth_unit_2025": u["ward_code"], "expect": "place"})

    tagged = numbered[(numbered["addr:subdistrict"] != "") | (numbered["addr:district"] != "")]
    for _, f in tagged.iterrows():
        parts = [f"{f['addr:housenumber']} {f['addr:street']}"]
        sub = f["addr:subdistrict"]
        parts += [f"P. {sub}" if sub.isdigit() else sub] if sub else []
        dist = f["addr:district"]
        parts += [f"Quận {dist}" if dist.isdigit() else dist] if dist else []
        parts += [f["addr:city"]] if f["addr:city"] else []
        add(f, ", ".join(parts), "as_tagged", "no")
    sample = numbered.sample(min(per_form, len(numbered)), random_state=rng.randrange(10**6))
    for _, f in sample.iterrows():
        w, u = wards.iloc[int(f["w19"])], units.iloc[int(f["u25"])]
        house, street = f["addr:housenumber"], f["addr:street"]
        ward, district, unit = w["ward_name"], w["district_name_vi_2024"], u["full_name"]
        add(f, f"{house} {street}, {ward}, {district}, TP.HCM", "well_formed", "ward and district from the polygon")
        add(f, f"{house} {street}, {unit}, TP.HCM", "unit_2025", "7/2025 unit from the polygon")
        add(f, f"{house} {street}, {district}", "no_ward", "district from the polygon, ward left out")
        variant = rng.randrange(5)
        if variant == 0:
            text = strip_diacritics(f"{house} {street} {ward} {district}").lower()
        elif variant == 1:
            text = f"{house} {street}, {_abbrev_ward(ward)}, {_abbrev_district(district)}, TPHCM"
        elif variant == 2:
            text = f"{house} {_typo(strip_diacritics(street), rng)}, {strip_diacritics(ward)}, {strip_diacritics(district)}"
        elif variant == 3:
            text = f"{house} {street}, {ward}, {district} (nay là {unit}), TP.HCM"
        else:
            glued = re.sub(r"^Phường (\d+)$", r"P\1", ward)
            text = f"{house} {street} {glued} {_abbrev_district(district).replace(' ', '')}"
        add(f, text, "degraded", "hand-degraded form of well_formed")
    streets = feats.drop_duplicates(subset=["addr:street", "w19"])
    for _, f in streets.sample(min(per_form // 2, len(streets)), random_state=rng.randrange(10**6)).iterrows():
        w = wards.iloc[int(f["w19"])]
        add(f, f"{f['addr:street']}, {w['ward_name']}, {w['district_name_vi_2024']}", "street_only",
            "ward and district from the polygon, no house number")
    return rows


def _news_rows(units: gpd.GeoDataFrame) -> list[dict]:
    folder = Path(settings.data_dir).parent.parent / "shared" / "data" / "ocop" / "news_2026_11"
    by_code = units.set_index("ward_code")
    code_of = dict(zip(units["full_name"].map(fold), units["ward_code"], strict=True))
    rows: list[dict] = []
    seen: set[tuple[str, str, str]] = set()
    for name in ("hcmc_ocop_products_named.csv", "hcmc_ocop_candidates_unconfirmed.csv",
                 "post_merger_ocop_products_named.csv", "ocop_venues_and_agritourism_sites.csv"):
        path = folder / name
        if not path.exists():
            continue
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        for r in table.itertuples():
            address = "" if r.address.startswith("not given") else r.address
            key = (r.district, r.ward, address)
            if key in seen or key not in _NEWS_TRUTH:
                continue
            seen.add(key)
            codes = [code_of[fold(n)] for n in _NEWS_TRUTH[key]]  # KeyError: a label not in the 7/2025 list
            text = ", ".join(x for x in (address, r.ward, r.district) if x)
            pt = by_code.loc[codes[0], "geometry"].representative_point() if codes else None
            rows.append({"address": text, "source": "news", "form": "news", "split": "dev" if _dev(text) else "test", "synthetic": "no",
                         "osm_id": "", "truth_lon": round(pt.x, 7) if pt else "",
                         "truth_lat": round(pt.y, 7) if pt else "", "truth_ward_2019": "",
                         "truth_unit_2025": ";".join(codes), "expect": "place" if codes else "flag"})
    return rows


def _unit_rows(units: gpd.GeoDataFrame) -> list[dict]:
    rows: list[dict] = []
    for u in units.itertuples():
        pt = u.geometry.representative_point()
        for text in (f"{u.full_name}, TP.HCM", strip_diacritics(u.full_name).lower()):
            rows.append({"address": text, "source": "units_2025", "form": "unit_2025_only", "split": "dev" if _dev(text) else "test",
                         "synthetic": "written from the 7/2025 list", "osm_id": "",
                         "truth_lon": round(pt.x, 7), "truth_lat": round(pt.y, 7), "truth_ward_2019": "",
                         "truth_unit_2025": u.ward_code, "expect": "place"})
    return rows


def build(*, seed: int = 11, per_form: int = 1200) -> pd.DataFrame:
    """The hard evaluation set (deterministic for a seed); columns :data:`COLUMNS`."""
    rng = random.Random(seed)
    admin = Path(settings.admin_dir)
    wards = gpd.read_file(admin / "hcmc_wards_2019.geojson").to_crs(4326)
    wards["ward_code"] = wards["ward_code"].astype(str)
    wards["ward_name"] = wards["ward_name_vi"].fillna("").where(
        wards["ward_name_vi"].fillna("") != "", "Phường " + wards["ward_name_ascii"].str.replace("Ward ", ""))
    wards["district_name_vi_2024"] = wards["district_name_vi_2024"].fillna("")
    wards = wards[wards["district_name_vi_2024"] != ""].reset_index(drop=True)
    units = gpd.read_file(admin / "hcmc_wards_2025_07.geojson").to_crs(4326)
    units["ward_code"] = units["ward_code"].astype(str)
    rows = _osm_rows(rng, wards, units, per_form) + _news_rows(units) + _unit_rows(units)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.drop_duplicates(subset=["address"]).reset_index(drop=True)


if __name__ == "__main__":
    es = build()
    OUT.parent.mkdir(exist_ok=True)
    write_text_atomic(OUT, es.to_csv(index=False))
    print(es.groupby(["source", "form", "split"]).size().to_string())
