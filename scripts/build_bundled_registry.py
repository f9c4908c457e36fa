"""Turn the news-derived OCOP CSVs in data/ocop/ into ocop_geo's registry format in data/registry/.

Run: ``.venv/bin/python scripts/build_bundled_registry.py``. Deterministic; nothing is invented:
names, stars, groups, districts, communes and source URLs come from the source rows. Rows that cannot become a
valid registry record (no OCOP group given, duplicate evidence of another row) are listed with the reason in
data/registry/conversion_log.csv instead of being guessed.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "data" / "ocop"
OUT = ROOT / "data" / "registry"

PRODUCER_HEADER = ["producer_id", "name", "producer_type", "address", "ward", "district", "lat", "lon",
                   "location_precision", "opening_hours", "visit_minutes", "contact", "source", "notes"]
PRODUCT_HEADER = ["product_id", "name", "ocop_group", "stars", "status", "decision", "year", "n_products",
                  "producer_id", "source", "notes"]
#: Source rows that only repeat evidence for a product listed elsewhere.
DUPLICATE_EVIDENCE = {"(Vietnipa)": "repeats rows for Vietnipa's mật dừa nước (products of "
                      "'Công ty TNHH Phát triển dừa nước Việt Nam (Vietnipa)')"}


def _precision(text: str) -> str:
    if text.startswith("commune"):
        return "ward"
    if text.startswith("district"):
        return "district"
    return "none" if not text else "exact"


def main() -> None:
    producers_src = list(csv.DictReader((SRC / "hcmc_ocop_producers.csv").open(encoding="utf-8")))
    products_src = list(csv.DictReader((SRC / "hcmc_ocop_products.csv").open(encoding="utf-8")))
    producers: dict[str, dict[str, str]] = {}

    def producer_id(name: str) -> str:
        return producers[name]["producer_id"]

    def add_producer(name: str, kind: str, district: str, commune: str, **extra: str) -> None:
        if name in producers:
            return
        notes = []
        if district.endswith("?"):
            notes.append(f"district uncertain in the source ({district})")
            district = district.rstrip("?")
        producers[name] = {
            "producer_id": f"HCM-P{len(producers) + 1:02d}", "name": name, "producer_type": kind,
            "address": "", "ward": commune, "district": district, "lat": "", "lon": "",
            "location_precision": "none", "opening_hours": "", "visit_minutes": "", "contact": "",
            "source": "", "notes": "; ".join(notes), **extra,
        }

    for row in producers_src:
        add_producer(
            row["producer"], row["producer_type"], row["district_pre2025"], row["commune_pre2025"],
            lat=row["approx_lat"], lon=row["approx_lon"], location_precision=_precision(row["coord_precision"]),
            source=row["sources"],
        )
        if row["approx_lat"]:
            note = f"location is the {row['coord_precision']}, not the production site"
            producers[row["producer"]]["notes"] = "; ".join(
                n for n in (producers[row["producer"]]["notes"], note) if n)

    products, log = [], []
    for line, row in enumerate(products_src, start=2):
        name = row["producer"]
        if name in DUPLICATE_EVIDENCE:
            log.append({"source_row": line, "product_name": row["product_name"], "producer": name,
                        "reason": f"duplicate evidence: {DUPLICATE_EVIDENCE[name]}"})
            continue
        if not row["ocop_group"]:
            log.append({"source_row": line, "product_name": row["product_name"], "producer": name,
                        "reason": "the source does not give the OCOP group; not guessed (the registry needs it)"})
            add_producer(name, row["producer_type"], row["district_pre2025"], row["commune_pre2025"],
                         source=row["source_url"])
            continue
        add_producer(name, row["producer_type"], row["district_pre2025"], row["commune_pre2025"],
                     source=row["source_url"])
        notes = [row["notes"]] if row["notes"] else []
        stars = row["stars"]
        if stars.endswith("?"):
            notes.append(f"stars given as '{stars}' in the source (article wording); verify")
            stars = stars.rstrip("?")
        elif re.fullmatch(r"\d-\d", stars):
            notes.append(f"the source says {stars} stars for these products; the lower bound is kept")
            stars = stars.split("-")[0]
        status = "candidate" if row["status"].startswith("candidate") else "certified"
        year = re.search(r"20\d\d", row["recognition_batch"])
        products.append({
            "product_id": f"HCM-SP{len(products) + 1:03d}", "name": row["product_name"],
            "ocop_group": row["ocop_group"], "stars": stars if status == "certified" else "",
            "status": status, "decision": row["decision_or_event"],
            "year": year.group(0) if year and status == "certified" else "",
            "n_products": row["n_products_in_row"], "producer_id": producer_id(name),
            "source": row["source_url"], "notes": "; ".join(notes),
        })

    OUT.mkdir(parents=True, exist_ok=True)
    _write(OUT / "producers.csv", PRODUCER_HEADER, list(producers.values()))
    _write(OUT / "products.csv", PRODUCT_HEADER, products)
    _write(OUT / "conversion_log.csv", ["source_row", "product_name", "producer", "reason"], log)
    print(f"{len(producers)} producers, {len(products)} product rows, {len(log)} source rows not converted")


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
