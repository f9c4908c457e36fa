"""Generate the geocoder's evaluation set from the bundled admin lists and OSM streets.

Each row is an address string, a ``kind`` and the truth: the 2019 ward codes whose polygons a
correct point may fall in (``truth``, ";"-joined), or ``expect="flag"`` for input that must not
be placed confidently.

* ``well_formed`` — ward + district written correctly in many spellings (diacritics or not,
  "Phường 02" / "P.2" / "P2", "Quận 5" / "Q.5", "Huyện Củ Chi" / "H. Củ Chi", 2019, 2021–2024
  and 1/2025 names, 7/2025 names without district) and street addresses with house numbers
  on real OSM streets of the ward.
* ``degraded`` — the same with one typo in the ward, district or street name, no separators,
  upper case, glued abbreviations ("P.Tân Định,Q.1"), ward without its type word, junk words,
  alleys ("Hẻm 12"), "Số 12 đường …", POI names without diacritics.
* ``ambiguous`` — a ward name that exists in two or more districts, given without a district
  (also with a street that runs through two or more of those wards).
* ``bad`` — empty, gibberish, or an address in another province.

The truth comes from the raw files, not from the geocoder's own index: a ward's polygon is the
2019 polygon carrying its code, plus (for wards grown by a merger) the 2019 polygons of the
same district whose representative point lies inside the ward's 1/2025 bounding box.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict

import geopandas as gpd
import pandas as pd

from ocop_geo import settings
from ocop_geo.gazetteer import get_gazetteer
from ocop_geo.textnorm import fold, strip_diacritics

_THU_DUC = {"762", "763", "769"}


def _district_variants(name: str) -> list[str]:
    bare = re.sub(r"^(Quận|Huyện|Thành phố)\s+", "", name)
    if name.startswith("Quận") and bare.isdigit():
        return [name, f"Q.{bare}", f"Q{bare}", f"Quận {bare}", f"quan {bare}"]
    if name.startswith("Quận"):
        return [name, f"Q. {bare}", strip_diacritics(name), bare]
    if name.startswith("Huyện"):
        return [name, f"H. {bare}", f"huyện {bare}", strip_diacritics(bare)]
    return [name, f"TP {bare}", "Thành phố Thủ Đức", strip_diacritics(f"TP {bare}")]


def _ward_variants(name: str) -> list[str]:
    m = re.fullmatch(r"Phường 0*(\d+)", name)
    if m:
        n = int(m.group(1))
        return [f"Phường {n}", f"P.{n}", f"P{n:02d}", f"Phường {n:02d}", f"phuong {n}"]
    kind, bare = name.split(" ", 1) if not name.startswith("Thị trấn") else ("Thị trấn", name[9:])
    abbrev = {"Phường": "P.", "Xã": "X.", "Thị trấn": "TT."}.get(kind, kind)
    return [name, f"{abbrev} {bare}", strip_diacritics(name), name.lower()]


def _typo(text: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 6:
        return text
    i = rng.choice(letters[2:-1])
    op = rng.choice(("drop", "swap", "double"))
    if op == "drop":
        return text[:i] + text[i + 1:]
    if op == "swap" and text[i + 1:i + 2].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + text[i] + text[i:]


def _truth_regions() -> tuple[pd.DataFrame, dict[tuple[str, str], set[str]], dict[str, set[str]]]:
    """2019 polygons, truth sets of (era, code) and of each 7/2025 code, from the raw files."""
    admin = settings.admin_dir
    polys = gpd.read_file(admin / "hcmc_wards_2019.geojson")
    polys["ward_code"] = polys["ward_code"].astype(str)
    polys["district_code"] = polys["district_code"].astype(str)
    rep = polys.geometry.representative_point()
    polys["rx"], polys["ry"] = rep.x, rep.y
    polys["d25"] = polys["district_code"].where(~polys["district_code"].isin(_THU_DUC), "769")
    w25 = pd.read_csv(admin / "hcmc_wards_2025_01.csv", dtype=str)
    truth: dict[tuple[str, str], set[str]] = {}
    for r in w25.itertuples():
        nums = [float(x) for x in re.findall(r"\d+\.\d+", r.ward_bounds)]
        lat0, lon0, lat1, lon1 = nums
        inside = polys[(polys["d25"] == r.district_code) & polys["ry"].between(lat0, lat1)
                       & polys["rx"].between(lon0, lon1)]["ward_code"]
        truth[("2025-01", r.ward_code)] = set(inside) | {r.ward_code}
    mapping = pd.read_csv(admin / "hcmc_ward_2025_01_to_2025_07.csv", dtype=str)
    new_truth: dict[str, set[str]] = defaultdict(set)
    for r in mapping.itertuples():
        new_truth[r.new_ward_code] |= truth.get(("2025-01", r.old_ward_code), {r.old_ward_code})
    return polys, truth, new_truth


def _more_degraded(add, rng: random.Random, ward: str, bare: str, dname: str, truth: set[str]) -> None:
    """Typo in the district, glued abbreviations, junk words, half-stripped diacritics."""
    dbare = re.sub(r"^(Quận|Huyện|Thành phố)\s+", "", dname)
    if len(dbare) >= 7:
        add(f"{ward}, {dname.split()[0]} {_typo(dbare, rng)}", "degraded", truth)
    abbrev = {"Phường": "P.", "Xã": "X.", "Thị": "TT."}[ward.split()[0]]
    dabbrev = {"Quận": "Q.", "Huyện": "H.", "Thành": "TP."}[dname.split()[0]]
    add(f"{abbrev}{bare},{dabbrev}{dbare},TPHCM", "degraded", truth)
    junk = rng.choice(("(gần chợ)", "đối diện UBND", "cạnh trường học", "- liên hệ anh Ba"))
    add(f"{ward} {junk}, {dname}", "degraded", truth)
    add(f"{strip_diacritics(ward).lower()}, {dname}", "degraded", truth)


def _pois_and_ambiguous_streets(add, rng: random.Random, gaz, w25: pd.DataFrame,
                                truth25: dict[tuple[str, str], set[str]]) -> None:
    """POIs named with their ward, and streets in a numbered ward given without district."""
    polys = gaz.polygons
    pois = gaz.places[~gaz.places["kind"].str.startswith("place=")]
    pois = pois[pois["name"].str.len().between(8, 40) & ~pois["key"].duplicated(keep=False)]
    for p in pois.sample(min(300, len(pois)), random_state=rng.randrange(10**6)).itertuples():
        ward, district, code = polys.iloc[p.poly][["ward", "district", "ward_code"]]
        truth = truth25.get(("2025-01", code), {code})
        add(f"{p.name}, {ward}, {district}", "well_formed", truth)
        add(f"{strip_diacritics(p.name)} {strip_diacritics(ward)} {strip_diacritics(district)}",
            "degraded", truth)
    numbered = w25[w25["ward"].str.fullmatch(r"Phường \d+")]
    streets = gaz.streets.merge(polys[["ward_code"]], left_on="poly", right_index=True)
    for name, grp in numbered.groupby("ward"):
        if grp["district_code"].nunique() < 2:
            continue
        shared = streets[streets["ward_code"].isin(grp["ward_code"])].groupby("key")["ward_code"].nunique()
        keys = list(shared[shared >= 2].index)
        for key in rng.sample(keys, min(3, len(keys))):
            street = streets.loc[streets["key"] == key, "name"].iloc[0]
            add(f"{rng.randint(1, 300)} {street}, {name}", "ambiguous", None)


def make_evalset(*, seed: int = 7, streets_per_ward: int = 6) -> pd.DataFrame:
    """The evaluation set (deterministic for a seed); columns address, kind, truth, expect."""
    rng = random.Random(seed)
    admin = settings.admin_dir
    polys, truth25, new_truth = _truth_regions()
    w21 = pd.read_csv(admin / "hcmc_wards_2021_2024.csv", dtype=str)
    w25 = pd.read_csv(admin / "hcmc_wards_2025_01.csv", dtype=str)
    w257 = pd.read_csv(admin / "hcmc_wards_2025_07.csv", dtype=str)
    rows: list[dict] = []

    def add(address: str, kind: str, truth: set[str] | None) -> None:
        rows.append({"address": address, "kind": kind,
                     "truth": ";".join(sorted(truth)) if truth else "",
                     "expect": "place" if truth else "flag"})

    # where each folded ward name occurs (raw lists), to know what is ambiguous without district
    districts_of: dict[str, set[str]] = defaultdict(set)
    for r in pd.concat([w21, w25]).itertuples():
        typed = re.sub(r"\b0+(\d)", r"\1", fold(r.ward))
        where = r.district_code if r.district_code not in _THU_DUC else "769"
        districts_of[typed].add(where)
        districts_of[re.sub(r"^(phuong|xa|thi tran) ", "", typed)].add(where)
        # as written with diacritics ("Tân Quy" and "Tân Quý" are different wards)
        exact = re.sub(r"\b0+(\d)", r"\1", " ".join(r.ward.lower().split()))
        districts_of["=" + exact].add(where)
        districts_of["=" + re.sub(r"^(phường|xã|thị trấn) ", "", exact)].add(where)

    gaz = get_gazetteer()
    streets = gaz.streets.merge(
        gaz.polygons[["ward_code_2019"]], left_on="poly", right_index=True
    )
    streets = streets[(streets["length_m"] >= 80) & ~streets["name"].str.contains("_")]
    by_code = {c: g for c, g in streets.groupby("ward_code_2019")}

    for lists, era in ((w21, "2021"), (w25, "2025-01")):
        for r in lists.itertuples():
            ward = " ".join(r.ward.split())
            truth = truth25.get(("2025-01", r.ward_code), {r.ward_code}) if era == "2025-01" else {r.ward_code}
            # 2021 wards later merged: their own polygon, plus what merged into them before 2021
            if era == "2021":
                truth = {r.ward_code} | {c for c in truth25.get(("2025-01", r.ward_code), set())
                                         if c not in set(w21["ward_code"])}
            for wv in _ward_variants(ward)[:3]:
                dv = rng.choice(_district_variants(r.district))
                tail = rng.choice(("", ", TP.HCM", ", TP Hồ Chí Minh", ", Sài Gòn"))
                add(f"{wv}, {dv}{tail}", "well_formed", truth)
            # degraded: typo / no separators / upper case / no type word
            bare = re.sub(r"^(Phường|Xã|Thị trấn)\s+", "", ward)
            dname = r.district
            if not bare.isdigit() and len(bare) >= 7:
                add(f"{ward[: len(ward) - len(bare)]}{_typo(bare, rng)}, {dname}", "degraded", truth)
            add(strip_diacritics(f"{ward} {dname}").upper(), "degraded", truth)
            if not bare.isdigit():
                add(f"{bare} - {strip_diacritics(dname)}", "degraded", truth)
            spelled = rng.choice([ward, strip_diacritics(ward), bare if not bare.isdigit() else f"P.{bare}"])
            key = re.sub(r"\b0+(\d)", r"\1", fold(spelled if not bare.isdigit() else ward))
            if strip_diacritics(spelled) != spelled:
                key = "=" + re.sub(r"\b0+(\d)", r"\1", spelled.lower())
            if len(districts_of.get(key, ())) >= 2:
                add(spelled, "ambiguous", None)
            if era == "2025-01":
                _more_degraded(add, rng, ward, bare, dname, truth)
            # street addresses on real OSM streets of the ward's own polygon
            cands = by_code.get(r.ward_code)
            if cands is not None and era == "2025-01":
                for s in cands.sample(min(streets_per_ward, len(cands)), random_state=rng.randrange(10**6)).itertuples():
                    house = f"{rng.randint(1, 499)}{rng.choice(['', '', '/2', 'A'])}"
                    wv = rng.choice(_ward_variants(ward))
                    dv = rng.choice(_district_variants(r.district))
                    add(f"{house} {s.name}, {wv}, {dv}", "well_formed", truth)
                    street = s.name
                    form = rng.choice((f"Số {house} đường {street}", f"{house} Hẻm {rng.randint(2, 99)} {street}",
                                       f"{house}, {street}"))
                    add(f"{form} - {wv} - {dv}", "degraded", truth)
                    if len(fold(street)) >= 8:
                        add(f"{house} {_typo(strip_diacritics(street), rng)} {strip_diacritics(wv)} "
                            f"{strip_diacritics(dv)}", "degraded", truth)
    _pois_and_ambiguous_streets(add, rng, gaz, w25, truth25)
    for r in w257.itertuples():
        if r.ward_code in new_truth:
            add(r.ward, "well_formed", new_truth[r.ward_code])
            add(strip_diacritics(r.ward) + ", TP.HCM", "well_formed", new_truth[r.ward_code])
    for text in ("", "   ", "asdf qwer zxcv", "???", "12 Lê Lợi, Hoàn Kiếm, Hà Nội",
                 "Phường Hải Châu, Quận Hải Châu, TP Đà Nẵng", "Xã Tân Hiệp, Huyện Châu Thành, Tỉnh Long An",
                 "123 Trần Hưng Đạo, TP Hà Nội", "Ninh Kiều, Cần Thơ",
                 "Xã Long Hậu, Huyện Cần Giuộc, Tỉnh Long An", "Phường Tân Mai, TP Biên Hòa, Đồng Nai",
                 "Khu phố 3", "Việt Nam", "TP.HCM"):
        add(text, "bad", None)
    frame = pd.DataFrame(rows).drop_duplicates(subset=["address", "kind"]).reset_index(drop=True)
    return frame


if __name__ == "__main__":  # pragma: no cover - manual inspection
    es = make_evalset()
    print(es["kind"].value_counts().to_string())
    print(es.sample(20, random_state=1).to_string())
