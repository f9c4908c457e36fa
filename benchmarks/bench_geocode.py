"""Benchmark of the offline geocoder: accuracy, throughput, index build and cached-load time.

Run:  .venv/bin/python benchmarks/bench_geocode.py
Writes benchmarks/results/geocode.json and benchmarks/results/geocode.md.

Accuracy is measured on the evaluation set of ``geocode_evalset.py`` (generated from the bundled
admin lists and OSM streets): a result counts as correct when its point lies inside one of the
truth polygons. Ambiguous and bad inputs must be flagged: *silently wrong* counts those placed
without a note saying they are ambiguous / unplaceable. Throughput is on 10,000 distinct
addresses with cold parse / match caches, after the index is loaded.
"""

from __future__ import annotations

import json
import os
import pickle
import platform
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from geocode_evalset import make_evalset  # noqa: E402

from ocop_geo import gazetteer, geocode  # noqa: E402
from ocop_geo.address import parse_address  # noqa: E402
from ocop_geo.fileio import write_text_atomic  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
HARD_SET = Path(__file__).resolve().parent / "geocode_eval" / "hard_addresses.csv"

#: A note that tells the user to doubt or complete the result (the geocoder's wording for it).
FLAG_NOTE = r"ambiguous|check|not found|not decided|outside|not placed|add the ward"
#: Forms of the hard set written correctly and completely; "with a house number" adds the rest.
WELL_FORMED = ("well_formed", "unit_2025", "unit_2025_only")
WITH_HOUSE = ("as_tagged", "well_formed", "unit_2025", "no_ward", "degraded")
#: The hard set measured with the geocoder of commit e7def09 (before issue 11), same scorer, same rows.
HARD_BEFORE = {
    "all": {"n": 6163, "right_ward": 0.8768, "flagged": 0.0509, "silently_wrong": 0.0722},
    "well_formed": {"n": 2667, "right_ward": 0.988, "flagged": 0.0045, "silently_wrong": 0.0075},
    "with_house_number": {"n": 5201, "right_ward": 0.8579, "flagged": 0.0565, "silently_wrong": 0.0856},
    "form_as_tagged": {"n": 512, "right_ward": 0.877, "flagged": 0.0352, "silently_wrong": 0.0879},
    "form_no_ward": {"n": 1163, "right_ward": 0.5047, "flagged": 0.1831, "silently_wrong": 0.3121},
    "form_degraded": {"n": 1194, "right_ward": 0.933, "flagged": 0.0528, "silently_wrong": 0.0142},
    "form_unit_2025": {"n": 1166, "right_ward": 0.9837, "flagged": 0.0, "silently_wrong": 0.0163},
}


def _clear_caches() -> None:
    parse_address.cache_clear()
    geocode._match.cache_clear()


def _score(es: pd.DataFrame, res: pd.DataFrame) -> dict[str, dict[str, float]]:
    gaz = gazetteer.get_gazetteer()
    poly = gaz.locate(res["lon"].to_numpy(), res["lat"].to_numpy())
    code = np.where(poly >= 0, gaz.polygons["ward_code_2019"].to_numpy()[np.maximum(poly, 0)], "")
    out: dict[str, dict[str, float]] = {}
    for kind, grp in es.groupby("kind"):
        i = grp.index
        if kind in {"well_formed", "degraded"}:
            ok = [c in set(t.split(";")) for c, t in zip(code[i], grp["truth"], strict=True)]
            out[kind] = {
                "n": len(grp),
                "inside_correct_ward": round(float(np.mean(ok)), 4),
                "placed": round(float(res.loc[i, "precision"].ne("none").mean()), 4),
                "by_precision": res.loc[i, "precision"].value_counts().to_dict(),
            }
        else:
            note = res.loc[i, "geocode_note"].str.contains("ambiguous|outside|not placed|no ward|empty|not found")
            placed = res.loc[i, "precision"].ne("none")
            silent = placed & ~note
            out[kind] = {
                "n": len(grp),
                "flagged": round(float((note | ~placed).mean()), 4),
                "silently_placed": round(float(silent.mean()), 4),
                "placed_with_flag": int((placed & note).sum()),
            }
    return out


def score_hard(es: pd.DataFrame, res: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Right ward / flagged / silently wrong on the hard set, overall and by split and form.

    Right: the result's point lies in the truth's 1/2025 ward (old-unit addresses: the 2019
    polygon of the result and of the feature's own position belong to the same 1/2025 ward) or,
    for addresses written in 7/2025 units and news rows, in one of the truth's 7/2025 polygons.
    Flagged: not placed, placed at district precision, or a note matching :data:`FLAG_NOTE`.
    Silently wrong: placed at exact / poi / street / ward precision, not right and not flagged
    (rows that must be flagged count as silently wrong when placed without a flag).
    """
    gaz = gazetteer.get_gazetteer()
    units = gpd.read_file(gazetteer.settings.admin_dir / "hcmc_wards_2025_07.geojson")
    lon, lat = res["lon"].to_numpy(dtype=float), res["lat"].to_numpy(dtype=float)
    poly = gaz.locate(lon, lat)
    w25_01 = gaz.polygons.set_index("ward_code_2019")["ward_code"]
    got_ward = np.where(poly >= 0, gaz.polygons["ward_code"].to_numpy()[np.maximum(poly, 0)], "")
    truth_ward = es["truth_ward_2019"].map(w25_01).fillna("").to_numpy()
    ok = np.isfinite(lon)
    pi, gi = shapely.STRtree(units.geometry.to_numpy()).query(
        shapely.points(np.where(ok, lon, 0), np.where(ok, lat, 0))[ok], predicate="within")
    got_unit = np.full(len(res), "", dtype=object)
    got_unit[np.flatnonzero(ok)[pi]] = units["ward_code"].to_numpy()[gi]
    by_unit = es["form"].isin(["unit_2025", "unit_2025_only", "news"]).to_numpy()
    right = np.where(
        by_unit,
        [u != "" and u in set(t.split(";")) for u, t in zip(got_unit, es["truth_unit_2025"], strict=True)],
        (got_ward == truth_ward) & (truth_ward != ""),
    ) & (es["expect"] == "place").to_numpy()
    precision = res["precision"].to_numpy()
    flagged = (np.isin(precision, ["none", "district"])
               | res["geocode_note"].str.contains(FLAG_NOTE, regex=True).to_numpy()) & ~right
    fine = np.isin(precision, ["exact", "poi", "street", "ward"])
    silent = fine & ~right & ~flagged
    street_wrong = (precision == "street") & ~right

    def summary(mask: np.ndarray) -> dict[str, float]:
        n = int(mask.sum())

        def share(m: np.ndarray) -> float:
            return round(float(m[mask].mean()), 4) if n else 0.0
        return {"n": n, "right_ward": share(right), "flagged": share(flagged),
                "silently_wrong": share(silent), "street_claimed_wrong": share(street_wrong)}

    forms = es["form"].to_numpy()
    out = {"all": summary(np.ones(len(es), bool)),
           "well_formed": summary(np.isin(forms, WELL_FORMED)),
           "with_house_number": summary(np.isin(forms, WITH_HOUSE))}
    for split in ("dev", "test"):
        out[f"split_{split}"] = summary((es["split"] == split).to_numpy())
    for form in sorted(set(forms)):
        out[f"form_{form}"] = summary(forms == form)
    return out


def main() -> dict:
    import psutil

    t0 = time.perf_counter()
    gaz = gazetteer.build_gazetteer()
    build_s = time.perf_counter() - t0
    path = gazetteer.cache_path()
    gazetteer.write_bytes_atomic(path, pickle.dumps(gaz, protocol=pickle.HIGHEST_PROTOCOL))
    t0 = time.perf_counter()
    gazetteer._GAZETTEER = None
    gazetteer.get_gazetteer()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    geocode._INDEX = None
    geocode._index()
    index_s = time.perf_counter() - t0

    # the listed 1/2025 ward centres (another source) must fall in their own ward
    w25 = pd.read_csv(gazetteer.settings.admin_dir / "hcmc_wards_2025_01.csv", dtype=str)
    centres = gpd.GeoSeries(gpd.points_from_xy(w25["ward_lon"].astype(float),
                                               w25["ward_lat"].astype(float)), crs=4326)
    same = geocode.reverse_geocode(centres)["ward_code"].to_numpy() == w25["ward_code"].to_numpy()
    centre_check = {"n": len(w25), "in_own_ward": round(float(same.mean()), 4),
                    "misses": w25.loc[~same, "ward"].str.cat(w25.loc[~same, "district"], sep=", ").tolist()}

    hard = pd.read_csv(HARD_SET, dtype=str, keep_default_na=False)
    _clear_caches()
    t0 = time.perf_counter()
    hard_res = geocode.geocode_frame(hard, address_column="address")
    hard_s = time.perf_counter() - t0
    hard_scores = score_hard(hard, hard_res)

    es = make_evalset()
    _clear_caches()
    res = geocode.geocode_frame(es, address_column="address")
    scores = _score(es, res)
    # the same generator with other random draws (spellings, typos, streets) than during development
    es2 = make_evalset(seed=2026)
    redrawn = _score(es2, geocode.geocode_frame(es2, address_column="address"))

    # throughput: 10,000 distinct addresses (evaluation spellings with varied house numbers)
    rng = np.random.default_rng(1)
    base = es.loc[es["kind"] != "bad", "address"].to_numpy()
    picks = rng.choice(base, 10_000)
    addresses = [f"{rng.integers(1, 999)} {a}" if i % 2 else a for i, a in enumerate(picks)]
    addresses = list(dict.fromkeys(addresses))
    while len(addresses) < 10_000:
        addresses.append(f"{rng.integers(1000, 99999)} {rng.choice(base)}")
        addresses = list(dict.fromkeys(addresses))
    frame = pd.DataFrame({"address": addresses[:10_000]})
    runs = []
    for _ in range(3):
        _clear_caches()
        t0 = time.perf_counter()
        geocode.geocode_frame(frame)
        runs.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    geocode.geocode_frame(frame)
    warm_s = time.perf_counter() - t0

    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_avg_1min": round(os.getloadavg()[0], 2),
                    "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
                    "date": time.strftime("%Y-%m-%d"),
                    "note": "shared machine (~6 engineers): timings are noisy"},
        "index": {"build_s": round(build_s, 2), "units_2025": len(gaz.units_2025),
                  "street_pieces_2025": len(gaz.streets_2025), "cached_load_s": round(load_s, 3),
                  "lookup_tables_s": round(index_s, 3), "polygons": len(gaz.polygons),
                  "unit_names": len(gaz.units), "street_pieces": len(gaz.streets),
                  "places": len(gaz.places)},
        "accuracy": scores,
        "hard_set": {"file": str(HARD_SET.relative_to(RESULTS.parent.parent)), "seconds": round(hard_s, 3),
                     "after": hard_scores, "before_e7def09": HARD_BEFORE},
        "accuracy_redrawn_seed_2026": redrawn,
        "ward_centres_2025_01": centre_check,
        "throughput": {"n": len(frame), "cold_cache_s": [round(r, 3) for r in runs],
                       "addresses_per_s_cold_median": round(len(frame) / float(np.median(runs))),
                       "addresses_per_s_warm": round(len(frame) / warm_s)},
        "evalset": es["kind"].value_counts().to_dict(),
    }
    RESULTS.mkdir(exist_ok=True)
    write_text_atomic(RESULTS / "geocode.json", json.dumps(result, indent=2, ensure_ascii=False))
    write_text_atomic(RESULTS / "geocode.md", _markdown(result))
    return result


def _hard_markdown(h: dict) -> list[str]:
    after, before = h["after"], h["before_e7def09"]
    lines = [
        "## Hard set: addresses the geocoder was not built from",
        "",
        f"`{h['file']}` (built by `benchmarks/geocode_hardset.py`: OSM `addr:*` tags of the 2018 extract with",
        "the truth at the feature's own position, their hand-degraded and completed forms, addresses as the news",
        "writes them, every 7/2025 unit written the new way; the `synthetic` column says what was made up).",
        "Right: in the truth's ward (1/2025; 7/2025 unit for addresses written in 7/2025 units). Flagged: not",
        "placed, district precision, or a note asking to check / add the ward. Silently wrong: placed at exact /",
        "poi / street / ward precision in a wrong ward with no flag. Goals: silently wrong ≤ 0.5 % of all, 0 %",
        "of well-formed. Tuning looked at failure kinds of the `dev` split only.",
        "",
        "| rows | n | right ward before → after | flagged before → after | silently wrong before → after |",
        "|---|---|---|---|---|",
    ]
    for key, label in (("all", "all"), ("well_formed", "well-formed (complete, correctly written)"),
                       ("with_house_number", "with a house number and a street"),
                       ("form_as_tagged", "as the OSM mapper tagged them (real)"),
                       ("form_no_ward", "street and district, no ward"), ("form_degraded", "hand-degraded"),
                       ("form_unit_2025", "house, street, 7/2025 unit")):
        a, b = after[key], before.get(key)
        was = {k: f"{b[k]:.1%} → " if b else "" for k in ("right_ward", "flagged", "silently_wrong")}
        lines.append(f"| {label} | {a['n']} | {was['right_ward']}{a['right_ward']:.1%} | "
                     f"{was['flagged']}{a['flagged']:.1%} | {was['silently_wrong']}{a['silently_wrong']:.2%} |")
    for key in sorted(k for k in after if k.startswith(("split_", "form_")) and k not in before):
        a = after[key]
        lines.append(f"| {key.replace('_', ' ', 1)} | {a['n']} | {a['right_ward']:.1%} | {a['flagged']:.1%} | "
                     f"{a['silently_wrong']:.2%} |")
    lines += ["", f"Street claimed in a wrong ward (flagged or not), all rows: {after['all']['street_claimed_wrong']:.2%}.",
              f"Geocoding the {after['all']['n']} rows took {h['seconds']} s.", "",
              "Reading: 'right ward' fell where the geocoder used to guess: a street with no ward is now placed at",
              "district precision with a note (the 2018 OSM may name only part of a street, and no house-number",
              "ranges exist offline), and a street that runs along the stated ward's border carries a note to check",
              "the side. Most remaining silent errors are OSM features whose tagged ward contradicts their position",
              "(as tagged by the mapper); before = the geocoder of commit e7def09 on the same rows.", ""]
    return lines


def _markdown(r: dict) -> str:
    a, t, ix, c = r["accuracy"], r["throughput"], r["index"], r["ward_centres_2025_01"]
    b = r["accuracy_redrawn_seed_2026"]
    lines = [
        "# Offline geocoder benchmark",
        "",
        f"Machine: {r['machine']['cpus']} CPUs, {r['machine']['memory_gb']} GB, load {r['machine']['load_avg_1min']} "
        f"(shared by ~6 engineers: timings are noisy), Python {r['machine']['python']}, {r['machine']['date']}. "
        "Run `.venv/bin/python benchmarks/bench_geocode.py`.",
        "",
        *_hard_markdown(r["hard_set"]),
        "## Generated set (from the gazetteer's own lists and streets)",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| well-formed inside correct ward (n={a['well_formed']['n']}) | "
        f"{a['well_formed']['inside_correct_ward']:.1%} | ≥ 98 % |",
        f"| degraded inside correct ward (n={a['degraded']['n']}) | "
        f"{a['degraded']['inside_correct_ward']:.1%} | ≥ 90 % |",
        f"| same, re-drawn spellings (seed 2026): well-formed / degraded | "
        f"{b['well_formed']['inside_correct_ward']:.1%} / {b['degraded']['inside_correct_ward']:.1%} | |",
        f"| ambiguous flagged (n={a['ambiguous']['n']}) | {a['ambiguous']['flagged']:.1%}"
        f" (silently placed {a['ambiguous']['silently_placed']:.1%}) | 0 % silent |",
        f"| bad input flagged (n={a['bad']['n']}) | {a['bad']['flagged']:.1%} | 100 % |",
        f"| throughput, 10,000 distinct addresses, cold caches | {t['addresses_per_s_cold_median']:,} /s"
        " | ≥ 2,000 /s |",
        f"| throughput, same addresses again (warm cache) | {t['addresses_per_s_warm']:,} /s | |",
        f"| listed 1/2025 ward centres reverse-geocoded to their own ward (n={c['n']}) | "
        f"{c['in_own_ward']:.1%} | |",
        f"| index build (admin + 7/2025 polygons + OSM streets cut twice + POIs) | {ix['build_s']} s | |",
        f"| cached index load (pickle) + lookup tables | {ix['cached_load_s']} s + "
        f"{ix['lookup_tables_s']} s | |",
        "",
        f"Precision mix, well-formed: {a['well_formed']['by_precision']}; "
        f"degraded: {a['degraded']['by_precision']}.",
        "",
        "Caveats: the evaluation set is generated (synthetic spellings and typos) from the same admin",
        "lists and OSM streets the gazetteer is built from, so it measures parsing and matching, not",
        "the truth of real producer addresses; its truth for merged wards uses the 1/2025 bounding",
        "boxes. Street results are a point on the named street inside the ward, not the house.",
        "The set was used while developing the matcher (a development set, not a held-out one).",
        "The ward-centre check uses another source's centres, but those centres also decide where",
        "a dissolved 2019 polygon went when a merged ward's centre lies in it.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    out = main()
    print(json.dumps(out, indent=2, ensure_ascii=False))
