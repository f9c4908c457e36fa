"""Build the bundled registry (data/registry/) from the two news passes in data/ocop/.

Run: ``.venv/bin/python scripts/build_bundled_registry.py [--out DIR]`` (default ``data/registry``). Deterministic:
the same inputs give byte-identical files. Nothing is invented: names, stars, places, decisions and source URLs
come from the source rows; a row that cannot become a registry record is listed with the reason in
``conversion_log.csv`` instead of being guessed.

Inputs
------
- first pass: ``hcmc_ocop_producers.csv`` (16 producers, commune / district centroids) and ``hcmc_ocop_products.csv``
  (52 rows);
- second pass (``news_2026_11/``, see its ``SOURCES.md``): ``hcmc_ocop_products_named.csv`` (certified),
  ``hcmc_ocop_candidates_unconfirmed.csv`` (submitted, not confirmed), ``post_merger_ocop_products_named.csv``
  (former Bình Dương / Bà Rịa–Vũng Tàu, certified) and ``ocop_venues_and_agritourism_sites.csv`` (venues).

Outputs: ``producers.csv``, ``products.csv``, ``venues.csv``, ``conversion_log.csv``.

Rules
-----
**Ids.** The first pass is read exactly as before, so ``HCM-P01`` … ``HCM-P20`` and ``HCM-SP001`` … ``HCM-SP048``
keep their meaning; producers and products first seen in the second pass get the next ids, in file order
(named, candidates, post-merger). A first-pass product that the second pass replaces by named products keeps no
row (``HCM-SP024``, the aggregate "hải sản Cần Giờ" row of HTX Cần Giờ Tương Lai: its 13 products are named one by
one in the second pass; the row is in the log and its source is on the named rows). Its id is not reused.

**Same producer, same product.** A producer is the same when its folded name with the usual abbreviations
(hợp tác xã → HTX, công ty cổ phần → công ty CP, xuất nhập khẩu → XNK, …) is equal, or when ``PRODUCER_ALIASES``
says so (e.g. "HTX Nông nghiệp sản xuất thương mại và dịch vụ Phước An" = "HTX Phước An"); the first name read is
kept and every other spelling is noted with its source. A product is the same when its folded name is equal for
the same producer, or when ``PRODUCT_ALIASES`` says so; its sources are the union of both passes.

**Conflicts** (each is written into ``notes`` with the other value and its source; none is dropped silently):

- *Place* (district, then ward): the value stated by more distinct sources wins. A first-pass producer's place is
  supported by the URLs of its row in ``hcmc_ocop_producers.csv`` (the first pass's product rows copy that row's
  commune, they are not separate evidence); a second-pass row supports its place with its own URLs. On a tie, the
  value that comes with a ward (the producer's own address) wins over a list that groups products by district.
  HTX Phước An: xã An Phú Tây (2 articles) over Tân Quý Tây (1). Công nghệ HB: Quận 12, phường Tân Chánh Hiệp
  (the candidate article gives the company's ward) over Hóc Môn (the 2022 batch list groups it there), 1 source each.
- *Stars*: the rating of the most recent evaluation round wins (a later decision re-rates the product); earlier
  ratings are noted. ABZ's rượu sâm đinh lăng: 4★ (2023 round, announced 30/6/2024) over 3★ (2022 round,
  QĐ 1066/QĐ-UBND).
- *Year* is the evaluation round, as the city names them: the decision of 29/3/2022 closed the 2021 round
  (27 products), QĐ 1066/QĐ-UBND of 28/3/2023 the 2022 round, the ceremony of 30/6/2024 the 2023 round, that of
  29/6/2025 the 2024 round. A row that gives the decision's year instead is corrected and noted. "≤10/2022"
  (certified by then) is a bound, not a year: ``year`` stays empty and the bound goes into ``notes``.
- *Counts*: where a producer's aggregate row ("5 products, names not in source") and named products of the same
  producer can be the same products (``AGGREGATE_INCLUDES``), the named ones are taken out of the aggregate count,
  the lower of the two possible totals (never padding); the note gives the other total.

**Stars.** "4?" in a source stays 4 with a note to verify; "3-4" keeps the lower bound with a note; "4 (…)"
keeps 4 and notes the wording; a certified product whose sources give no rating is ``unknown`` (never blank, never
guessed); candidates carry no stars (a proposed rating goes into ``notes``).

**OCOP group.** ``group_source = stated`` where a source states the group (the first pass's ``ocop_group`` unless
its notes say "ocop_group guessed"). Otherwise ``GROUP_RULES`` infers it from the product's kind, the words its
name starts with (longest match first), with ``group_source = inferred``:

- Đồ uống: rượu (wine), trà (tea), cà phê (coffee), nước (juice / drink), bột uống (drink powder);
- Thảo dược: viên (herbal pills), tinh bột nghệ (turmeric starch), nấm đông trùng hạ thảo, nấm linh chi;
- Thực phẩm: honey and syrups (mật ong, mật dừa), powders (bột), bird's nest (tổ yến), sausages and meat rolls
  (chả, nem, xúc xích), seafood (khô, tôm, cá, mực, hàu, bạch tuộc), vegetables (rau, cải, xà lách, bí, khổ
  qua, cần, mồng tơi, cà pháo, dưa), fruit (xoài, mít, chuối, sầu riêng, bưởi, dưa lưới, cóc, trái cây), dried
  foods (khoai, hạt sen), oils and butters (dầu, bơ), noodles and cakes (phở, bánh), salt (muối), mushrooms
  (nấm, snack nấm).

A first-pass guess that disagrees with the rule is noted. A certified product that no rule covers (the aggregate
"(3 sản phẩm – names not in source)" rows give no kind) is listed in the log, not guessed.

**Places and coordinates.** Producers of old HCMC keep the pre-2025 commune (``ward``) and district that the
sources give. The first pass's commune / district centroid is kept only when the place it was computed for is
still the producer's resolved place at that precision; otherwise lat/lon stay empty and the geocoder places the
producer from its ward and district (this script computes no coordinates).
Products of the former Bình Dương / Bà Rịa–Vũng Tàu carry their 2025 unit: ``ward`` is the 2025 phường / xã with
its type word (checked against data/admin/hcmc_wards_2025_07.csv), ``district`` is empty (no district level after
1/7/2025) and the former units are in ``notes``. An old ward whose name a 2025 unit keeps lies in that unit; an old
ward renamed in 2025 is mapped by ``OLD_WARD_TO_2025`` (vietnamadminunits 1.0.4, PyPI, MIT, ``converter_2025.json``:
each of them went whole into one 2025 unit); where the source gives only the old district and a 2025 unit keeps its
name, that unit is used with a note that the old district was larger; where the source gives no place
("(Bình Dương cũ)" only) the producer stays unplaced, said in ``notes``.

**Venues** come from ``ocop_venues_and_agritourism_sites.csv`` with the same place rules; ``VENUE_KINDS`` maps each
source kind to the registry's kind (a producer's visitable site is ``agritourism`` and links to the producer);
dates are ISO days; opening hours are written only when a source states them (none does: "weekends" goes into
``notes``).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocop_geo.textnorm import admin_key, fold  # noqa: E402

SRC = ROOT / "data" / "ocop"
NEWS = SRC / "news_2026_11"
WARDS_2025 = ROOT / "data" / "admin" / "hcmc_wards_2025_07.csv"
OUT = ROOT / "data" / "registry"

PRODUCER_HEADER = ["producer_id", "name", "producer_type", "address", "ward", "district", "lat", "lon",
                   "location_precision", "opening_hours", "visit_minutes", "contact", "source", "notes"]
PRODUCT_HEADER = ["product_id", "name", "ocop_group", "group_source", "stars", "status", "decision", "year",
                  "n_products", "producer_id", "source", "notes"]
VENUE_HEADER = ["venue_id", "kind", "name", "address", "ward", "district", "lat", "lon", "location_precision",
                "opening_hours", "start_date", "end_date", "contact", "producer_id", "source", "notes"]
LOG_HEADER = ["source_file", "source_row", "product_name", "producer", "reason"]

#: First-pass product rows that only repeat evidence for a product listed elsewhere.
DUPLICATE_EVIDENCE = {"(Vietnipa)": "repeats rows for Vietnipa's mật dừa nước (products of "
                      "'Công ty TNHH Phát triển dừa nước Việt Nam (Vietnipa)')"}
#: First-pass aggregate rows that the second pass replaces by its named products.
SUPERSEDED = {
    ("HTX Cần Giờ Tương Lai", "Khô cá dứa 1 nắng; tôm sú; tôm khô; cá đù; cá lưỡi trâu ... (hải sản Cần Giờ)"):
        "aggregate row ('most products 3–4 stars') replaced by the second pass, which names HTX Cần Giờ Tương Lai's "
        "products one by one with their stars (7 at 4★ in the first round, 6 at 3★ in QĐ 1066); this row's source is "
        "on those rows; its id HCM-SP024 is retired",
}

#: Producer spellings that name the same producer (folded spelling -> the first name read).
PRODUCER_ALIASES = {
    "htx nong nghiep san xuat thuong mai va dich vu phuoc an": "HTX Phước An",
    "hop tac xa phuoc an": "HTX Phước An",
    "cong ty xnk thuc pham abz": "Công ty TNHH XNK thực phẩm ABZ",
}
#: Product spellings that name the same product of a producer: (producer name, folded name) -> first name read.
PRODUCT_ALIASES = {
    ("HTX Tuấn Ngọc", "rau thuy canh san pham cua htx 3 sao"): "Rau thủy canh (hydroponic vegetables)",
    ("Công ty TNHH Đạt Butter", "bo dau phong min"): "Bơ đậu phộng",
}
#: A named product that a generic first-pass name may also mean: the generic row's source is added with a note.
GENERIC_ALSO = {
    ("Công ty TNHH Đạt Butter", "Bơ đậu phộng hạt"): "Bơ đậu phộng",
}
#: Aggregate rows that may already count named products of the same producer (see the docstring).
AGGREGATE_INCLUDES = {
    ("Hộ kinh doanh Yến sào Khánh Đan", "(5 sản phẩm từ tổ yến – names not in source)"):
        ("Tổ yến chưng nguyên chất", "Tổ yến chưng vị đông trùng hạ thảo Khánh Đan"),
}
#: Evaluation round by the decision or ceremony a row names (see the docstring).
ROUND_BY_DECISION = (
    ("29/3/2022", 2021), ("tháng 3/2022", 2021), ("1066", 2022), ("30/6/2024", 2023), ("29/6/2025", 2024),
)
#: One source cell that gives two places, each from its own article: text -> [(district, ward, url), ...].
SPLIT_PLACE = {
    "Hóc Môn (per 2022 batch list); company at phường Tân Chánh Hiệp, Quận 12 (per candidate article)": [
        ("Hóc Môn", "", "https://sohuutritue.net.vn/tphcm-don-nhan-them-39-san-pham-dat-chung-nhan-ocop-d168882.html"),
        ("Quận 12", "Tân Chánh Hiệp", "https://thegioitiepthi.danviet.vn/ocop/trang-7.html"),
    ],
    "TP Thủ Đức (quận 9 cũ)": [("Quận 9", "", "")],  # the pre-2021 district the source names
}
#: Old wards of the former Bình Dương / BR-VT renamed in 2025: (old district, old ward) -> 2025 unit.
#: From vietnamadminunits 1.0.4 (PyPI, MIT) converter_2025.json; each went whole into one unit.
OLD_WARD_TO_2025 = {
    ("TX Bến Cát", "An Tây"): "Phường Tây Nam",
    ("TX Bến Cát", "An Điền"): "Phường Long Nguyên",
}
#: Old districts of the former Bình Dương / BR-VT whose name a 2025 unit keeps.
OLD_DISTRICT_KEPT = {"Bắc Tân Uyên": "Xã Bắc Tân Uyên", "Phú Giáo": "Xã Phú Giáo", "Châu Đức": "Xã Châu Đức"}

#: Product kind (the first words of the name, folded) -> OCOP group. Longest match wins.
GROUP_RULES: dict[str, str] = {
    **dict.fromkeys(("ruou", "tra", "ca phe", "nuoc", "bot uong"), "Đồ uống"),
    **dict.fromkeys(("vien", "tinh bot nghe", "nam dong trung ha thao", "nam linh chi"), "Thảo dược"),
    **dict.fromkeys((
        "mat ong", "mat dua", "bot", "to yen", "cha", "nem", "xuc xich", "kho", "tom", "ca", "muc", "hau",
        "bach tuoc", "rau", "cai", "xa lach", "bi", "kho qua", "can nuoc", "mong toi", "ca phao", "dua mon",
        "xoai", "mit", "chuoi", "sau rieng", "buoi", "dua luoi", "coc", "trai cay", "khoai", "hat sen", "dau",
        "bo dau phong", "pho", "banh", "muoi", "nam", "snack nam",
    ), "Thực phẩm"),
}

#: Source venue kind -> registry kind.
VENUE_KINDS = {
    "permanent OCOP display point": "display_point",
    "OCOP display/sales space": "display_point",
    "permanent OCOP stall": "display_point",
    "temporary fair": "fair",
    "temporary market": "market",
    "OCOP producer visit (peanut-butter making tour)": "agritourism",
    "OCOP producer": "agritourism",
    "community tourism site (not stated as OCOP-certified)": "agritourism",
    "agri-tourism site (honey, longan garden)": "agritourism",
    "community-tourism orchard": "agritourism",
    "agri-tourism orchards": "agritourism",
    "OCOP-tourism candidate (2022)": "agritourism",
}
#: Venues that are a producer's own site: venue name -> producer name.
VENUE_PRODUCER = {"Nông trại đậu phộng Đạt Butter": "Công ty TNHH Đạt Butter",
                  "Cơ sở yến sào Khánh Đan": "Hộ kinh doanh Yến sào Khánh Đan"}

_ABBREVIATIONS = (("hop tac xa", "htx"), ("cong ty co phan", "cong ty cp"), ("xuat nhap khau", "xnk"),
                  ("trach nhiem huu han", "tnhh"), ("dau tu", "dt"), ("thuong mai", "tm"))
_FORMER = re.compile(r"\((Bình Dương|BR-VT) cũ\)")
_FORMER_NAME = {"Bình Dương": "Bình Dương cũ", "BR-VT": "Bà Rịa–Vũng Tàu cũ"}


def producer_key(name: str) -> str:
    key = fold(name)
    for long, short in _ABBREVIATIONS:
        key = key.replace(long, short)
    return key


def urls(text: str) -> list[str]:
    return [u.strip() for u in text.split(" ; ") if u.strip()]


def infer_group(name: str) -> str | None:
    """The OCOP group ``GROUP_RULES`` gives for a product name, or None when no rule covers it."""
    key = fold(name)
    best = max((k for k in GROUP_RULES if key == k or key.startswith(k + " ")), key=len, default=None)
    return GROUP_RULES[best] if best else None


def round_of(decision: str, year_text: str) -> tuple[int | None, str]:
    """(evaluation round, note) for a row's decision and year cells (see the docstring)."""
    for marker, rnd in ROUND_BY_DECISION:
        if marker in decision:
            plain = re.fullmatch(r"(20\d\d)", year_text.strip())
            note = (f"the source row gives {year_text} (the decision's year); the round is {rnd}"
                    if plain and int(plain.group(1)) != rnd else "")
            return rnd, note
    text = year_text.strip()
    if text.startswith("<="):
        return None, f"certified by {text[2:]} (the source gives no round)"
    m = re.match(r"(20\d\d)(?!\s*-)", text)
    if m and not re.match(r"20\d\d-20\d\d", text):
        return int(m.group(1)), ""
    return None, f"round given as '{text}'" if text else ""


@dataclass
class _Record:
    """Sources (URLs, first seen first) and notes (each once) of an output row."""

    sources: list[str] = field(default_factory=list, kw_only=True)
    notes: list[str] = field(default_factory=list, kw_only=True)

    def add_sources(self, more: Iterable[str]) -> None:
        for u in more:
            if u and u not in self.sources:
                self.sources.append(u)

    def note(self, text: str) -> None:
        if text and text not in self.notes:
            self.notes.append(text)


@dataclass
class Producer(_Record):
    producer_id: str
    name: str
    producer_type: str = ""
    address: str = ""
    lat: str = ""
    lon: str = ""
    precision: str = "none"
    first_place: tuple[str, str] = ("", "")  # (district, ward) the first-pass centroid was computed for
    first_precision: str = ""
    places: list[tuple[str, str, str]] = field(default_factory=list)  # (district, ward, url) evidence
    ward_2025: str = ""


@dataclass
class Product(_Record):
    product_id: str
    name: str
    producer: Producer
    status: str
    group: str = ""
    group_source: str = ""
    ratings: list[tuple[int | None, str, str, list[str]]] = field(default_factory=list)  # (round, stars, decision, urls)
    n_products: str = "1"


class Build:
    def __init__(self) -> None:
        self.producers: dict[str, Producer] = {}
        self.products: dict[tuple[str, str], Product] = {}
        self.log: list[dict[str, str]] = []
        self.n_product_ids = 0
        self.superseded_sources: list[str] = []
        self.units_2025 = {admin_key(r["ward"]): r["ward"]
                           for r in csv.DictReader(WARDS_2025.open(encoding="utf-8"))}

    # producers ------------------------------------------------------------------------------------

    def producer(self, name: str, kind: str = "", url: str = "") -> Producer:
        key = producer_key(PRODUCER_ALIASES.get(fold(name), name))
        if key not in self.producers:
            self.producers[key] = Producer(f"HCM-P{len(self.producers) + 1:02d}", name, kind)
        p = self.producers[key]
        if fold(name) != fold(p.name):
            p.note(f"also named '{name}' ({url})" if url else f"also named '{name}'")
        if kind and not p.producer_type:
            p.producer_type = kind
        return p

    def producer_key_id(self, name: str) -> str:
        """The id of the producer ``name`` means, or "" when it is not read yet."""
        p = self.producers.get(producer_key(PRODUCER_ALIASES.get(fold(name), name)))
        return p.producer_id if p else ""

    def unit_2025(self, name: str) -> str:
        unit = self.units_2025.get(admin_key(name))
        if unit is None:
            raise SystemExit(f"{name!r} is not one of the 168 units in {WARDS_2025}")
        return unit

    # products -------------------------------------------------------------------------------------

    def product(self, producer: Producer, name: str, status: str) -> tuple[Product, bool]:
        canonical = PRODUCT_ALIASES.get((producer.name, fold(name)), name)
        key = (producer.producer_id, fold(canonical))
        if key in self.products:
            return self.products[key], False
        self.n_product_ids += 1
        prod = Product(f"HCM-SP{self.n_product_ids:03d}", name, producer, status)
        self.products[key] = prod
        return prod, True

    def set_group(self, prod: Product, stated: str, guessed: bool, file: str, line: int) -> bool:
        """Give ``prod`` its group; False (and a log row) when neither a source nor a rule gives one."""
        if stated and not guessed:
            prod.group, prod.group_source = stated, "stated"
            return True
        if prod.group_source == "stated":
            return True
        inferred = infer_group(prod.name)
        if stated and guessed and inferred and inferred != stated:
            prod.note(f"the first pass guessed the group '{stated}'; the kind rule gives '{inferred}'")
        if inferred:
            prod.group, prod.group_source = inferred, "inferred"
            return True
        return False

    def not_converted(self, file: str, line: int, name: str, producer: str, reason: str) -> None:
        self.log.append({"source_file": file, "source_row": str(line), "product_name": name,
                         "producer": producer, "reason": reason})

    # passes ---------------------------------------------------------------------------------------

    def first_pass(self) -> None:
        for row in _rows(SRC / "hcmc_ocop_producers.csv"):
            p = self.producer(row["producer"], row["producer_type"])
            district, ward = row["district_pre2025"], row["commune_pre2025"]
            if district.endswith("?"):
                p.note(f"district uncertain in the source ({district})")
                district = district.rstrip("?")
            p.places.append((district, ward, row["sources"]))
            p.add_sources(urls(row["sources"]))
            if row["approx_lat"]:
                p.lat, p.lon = row["approx_lat"], row["approx_lon"]
                p.first_place = (district, ward if row["coord_precision"].startswith("commune") else "")
                p.first_precision = "ward" if row["coord_precision"].startswith("commune") else "district"
                p.note(f"location is the {row['coord_precision']}, not the production site")
        in_table = set(self.producers)
        file = "hcmc_ocop_products.csv"
        for line, row in enumerate(_rows(SRC / file), start=2):
            name = row["producer"]
            if name in DUPLICATE_EVIDENCE:
                self.not_converted(file, line, row["product_name"], name,
                                   f"duplicate evidence: {DUPLICATE_EVIDENCE[name]}")
                continue
            p = self.producer(name, row["producer_type"])
            p.add_sources(urls(row["source_url"]))
            if producer_key(p.name) not in in_table:  # derived producer: its rows are its place evidence
                p.places.append((row["district_pre2025"], row["commune_pre2025"], row["source_url"]))
            if (name, row["product_name"]) in SUPERSEDED:
                self.not_converted(file, line, row["product_name"], name, SUPERSEDED[(name, row["product_name"])])
                self.superseded_sources = urls(row["source_url"])
                self.n_product_ids += 1  # its id is retired, never reused
                continue
            status = "candidate" if row["status"].startswith("candidate") else "certified"
            guessed = "ocop_group guessed" in row["notes"]
            if not row["ocop_group"] and infer_group(row["product_name"]) is None:
                self.not_converted(file, line, row["product_name"], name,
                                   "the source gives neither the OCOP group nor the product's kind (no kind rule "
                                   "covers the name); not guessed (the registry needs the group of a certified "
                                   "product)")
                continue
            prod, _ = self.product(p, row["product_name"], status)
            self.set_group(prod, row["ocop_group"], guessed, file, line)
            notes = row["notes"].replace("ocop_group guessed", "").strip("; ")
            prod.note(notes)
            if row["n_products_in_row"]:
                prod.n_products = row["n_products_in_row"]
            prod.add_sources(urls(row["source_url"]))
            if status == "certified":
                rnd, round_note = round_of(row["decision_or_event"], row["recognition_batch"])
                prod.note(round_note)
                prod.ratings.append((rnd, row["stars"], row["decision_or_event"], urls(row["source_url"])))
            else:
                prod.note(f"candidate: {row['recognition_batch']}" if row["recognition_batch"] else "")

    def second_pass_products(self, file: str, status: str, *, post_merger: bool = False) -> None:
        for line, row in enumerate(_rows(NEWS / file), start=2):
            name, producer_name = row["product_name"], row["producer"]
            if not producer_name:
                self.not_converted(f"news_2026_11/{file}", line, name, "",
                                   "the source names no producer; the registry links every product to one "
                                   "(not guessed)")
                continue
            if ((self.producer_key_id(producer_name), fold(PRODUCT_ALIASES.get((producer_name, fold(name)), name)))
                    not in self.products and not row["ocop_group"] and infer_group(name) is None):
                self.not_converted(f"news_2026_11/{file}", line, name, producer_name,
                                   "no source states the OCOP group and no kind rule covers the name; not guessed")
                continue
            p = self.producer(producer_name, url=row["source_url"])
            row_urls = urls(row["source_url"])
            p.add_sources(row_urls)
            if post_merger:
                self.place_post_merger(p, row)
            elif row["district"] in SPLIT_PLACE:
                for district, ward, url in SPLIT_PLACE[row["district"]]:
                    p.places.append((district, ward, url or row["source_url"]))
                if not SPLIT_PLACE[row["district"]][0][2]:
                    p.note(f"district given as '{row['district']}'")
            else:
                p.places.append((row["district"], row["ward"], row["source_url"]))
            prod, new = self.product(p, name, status)
            if not new and fold(prod.name) != fold(name):
                if fold(name).startswith(fold(prod.name) + " "):  # a more specific name of the same product
                    prod.note(f"named '{prod.name}' in {', '.join(prod.sources)}")
                    prod.name = name
                else:
                    prod.note(f"named '{name}' in {', '.join(row_urls)}")
            if (p.name, name) in GENERIC_ALSO:
                generic = self.products[(p.producer_id, fold(GENERIC_ALSO[(p.name, name)]))]
                first_urls = [u for u in generic.sources if u not in row_urls]
                prod.add_sources(first_urls[:1])
                prod.note(f"the first pass's '{GENERIC_ALSO[(p.name, name)]}' ({first_urls[0]}) does not say "
                          "which of the two peanut butters it means; its source is on both")
            if status == "certified" and prod.status == "candidate":
                prod.note("was a candidate (" + " ; ".join(prod.sources) + "); certified according to "
                          + " ; ".join(u for u in row_urls if u not in prod.sources))
                prod.status = "certified"
            prod.add_sources(row_urls)
            self.set_group(prod, row["ocop_group"], False, file, line)
            stars = row["stars"]
            if status == "certified":
                rnd, round_note = round_of(row["decision"], row["year"])
                prod.note(round_note)
                prod.ratings.append((rnd, stars, row["decision"], row_urls))
            elif stars:
                prod.note(f"proposed rating in the source: {stars}")
            if status == "candidate" and row["decision"]:
                prod.note(row["decision"])

    def place_post_merger(self, p: Producer, row: dict[str, str]) -> None:
        district, ward = row["district"], row["ward"]
        former = _FORMER.search(district)
        old_district = _FORMER.sub("", district).strip()
        where = _FORMER_NAME[former.group(1)] if former else ""
        if "sau sáp nhập" in ward:  # already a 2025 unit
            unit = self.unit_2025(ward.split("(")[0].strip())
            p.ward_2025 = unit
            p.note("the source gives the 2025 unit")
        elif ward:
            old_d = old_district
            unit = OLD_WARD_TO_2025.get((old_d, ward)) or self.unit_2025(ward)
            p.ward_2025 = unit
            how = ("renamed in 2025; mapped by vietnamadminunits' old→new table" if (old_d, ward) in OLD_WARD_TO_2025
                   else "the 2025 unit keeps its name")
            p.note(f"former: {ward}, {old_district} ({where}); {how}")
        elif old_district and old_district in OLD_DISTRICT_KEPT:
            p.ward_2025 = self.unit_2025(OLD_DISTRICT_KEPT[old_district])
            p.note(f"the source gives only the former district {old_district} ({where}); placed in the 2025 unit "
                   f"that keeps its name, but the old district was larger (the producer may lie in a neighbouring "
                   f"2025 unit)")
        elif not p.ward_2025:
            p.address = p.address or district  # what the source says, so the geocoder's note names it
            p.note(f"the source gives no place but '{district}': not placed (no place is invented)")

    # resolution -----------------------------------------------------------------------------------

    def resolve_place(self, p: Producer) -> tuple[str, str]:
        """(district, ward) best supported by the evidence; the others noted (see the docstring)."""
        if p.ward_2025:
            return "", p.ward_2025

        def pick(values: list[tuple[str, str, str]], level: str) -> str:
            support: dict[str, tuple[str, list[str], bool]] = {}
            for district, ward, url_text in values:
                value = district if level == "district" else ward
                if not value:
                    continue
                k = admin_key(value, level=level)
                shown, found, with_ward = support.get(k, (value, [], False))
                found = found + [u for u in urls(url_text) if u not in found]
                support[k] = (shown, found, with_ward or bool(ward))
            if not support:
                return ""
            ranked = sorted(support.values(), key=lambda v: (-len(v[1]), not v[2]))
            best = ranked[0]
            for shown, found, _ in ranked[1:]:
                kind = "commune" if level == "ward" else "district"
                p.note(f"conflict: {kind} '{shown}' in {' ; '.join(found)} — kept '{best[0]}' "
                       f"({len(best[1])} source(s) vs {len(found)}"
                       + (", and it comes with the producer's own ward)" if len(best[1]) == len(found) else ")"))
            return best[0]

        district = pick(p.places, "district")
        same = [e for e in p.places if not e[0] or admin_key(e[0], level="district")
                == admin_key(district, level="district")]
        return district, pick(same, "ward")

    def producer_rows(self) -> list[dict[str, str]]:
        rows = []
        for p in self.producers.values():
            district, ward = self.resolve_place(p)
            lat = lon = ""
            precision = "none"
            if p.lat:
                same_ward = p.first_precision == "ward" and admin_key(p.first_place[1]) == admin_key(ward)
                same_district = (p.first_precision == "district" and not ward
                                 and admin_key(p.first_place[0], level="district")
                                 == admin_key(district, level="district"))
                if same_ward or same_district:
                    lat, lon, precision = p.lat, p.lon, p.first_precision
                else:
                    p.notes = [n for n in p.notes if not n.startswith("location is the ")]
                    p.note("the first pass's centroid (of " + (p.first_place[1] or p.first_place[0])
                           + ") is not used: the place is now known as " + (ward or district)
                           + "; the geocoder places the producer")
            rows.append({
                "producer_id": p.producer_id, "name": p.name, "producer_type": p.producer_type,
                "address": p.address, "ward": ward, "district": district, "lat": lat, "lon": lon,
                "location_precision": precision, "opening_hours": "", "visit_minutes": "", "contact": "",
                "source": " ; ".join(p.sources), "notes": "; ".join(p.notes),
            })
        return rows

    def product_rows(self) -> list[dict[str, str]]:
        rows = []
        named = {(prod.producer.name, prod.name) for prod in self.products.values()}
        for prod in sorted(self.products.values(), key=lambda x: x.product_id):
            stars, decision, year = "", "", ""
            if prod.status == "certified":
                stars, decision, year = self.resolve_stars(prod)
            n = prod.n_products
            included = AGGREGATE_INCLUDES.get((prod.producer.name, prod.name))
            if included and all((prod.producer.name, x) in named for x in included):
                ids = [q.product_id for q in self.products.values()
                       if q.producer is prod.producer and q.name in included]
                n = str(int(n) - len(included))
                prod.note(f"the source counts {prod.n_products}; {len(included)} of them are taken to be the named "
                          f"{', '.join(ids)}, so this row counts {n} (if they are not among them, the producer "
                          f"has {int(prod.n_products) + len(included)})")
            rows.append({
                "product_id": prod.product_id, "name": prod.name, "ocop_group": prod.group,
                "group_source": prod.group_source, "stars": stars, "status": prod.status, "decision": decision,
                "year": year, "n_products": n, "producer_id": prod.producer.producer_id,
                "source": " ; ".join(prod.sources), "notes": "; ".join(prod.notes),
            })
        return rows

    def resolve_stars(self, prod: Product) -> tuple[str, str, str]:
        """(stars, decision, year) of the most recent round that rates the product; other ratings noted."""
        rated = []
        for rnd, text, decision, row_urls in prod.ratings:
            stars = text.strip()
            if stars.endswith("?"):
                prod.note(f"stars given as '{stars}' in the source (article wording); verify")
                stars = stars.rstrip("?")
            elif re.fullmatch(r"\d-\d", stars):
                prod.note(f"the source says {stars} stars for these products; the lower bound is kept")
                stars = stars.split("-")[0]
            elif re.fullmatch(r"\d \(.+\)", stars):
                prod.note(f"stars in the source: '{stars}'")
                stars = stars[0]
            rated.append((rnd, stars, decision, row_urls))
        numeric = [r for r in rated if r[1]]
        if not numeric:
            prod.note("certified, but no source gives its rating")
            best = max(rated, key=lambda r: r[0] or 0)
            return "unknown", best[2], str(best[0] or "")
        best = max(numeric, key=lambda r: r[0] or 0)  # the first of the most recent round
        for rnd, stars, decision, row_urls in numeric:
            if stars != best[1]:
                prod.note(f"conflict: {stars}★ in the {rnd} round ({decision}; {' ; '.join(row_urls)}) — kept "
                          f"{best[1]}★ of the more recent {best[0]} round")
        decision = best[2] or next((r[2] for r in rated if r[2]), "")
        return best[1], decision, str(best[0] or "")

    # venues ---------------------------------------------------------------------------------------

    def venue_rows(self) -> list[dict[str, str]]:
        rows = []
        file = "ocop_venues_and_agritourism_sites.csv"
        for i, row in enumerate(_rows(NEWS / file), start=1):
            kind = VENUE_KINDS[row["kind"]]
            notes = [row["facts_from_source"]] if row["facts_from_source"] else []
            if row["kind"] != kind.replace("_", " "):
                notes.insert(0, f"source kind: {row['kind']}")
            address = "" if row["address"].startswith("not given") else row["address"]
            if not address:
                notes.append("the source gives no street address")
            district, ward = row["district"], row["ward"]
            former = _FORMER.search(district)
            if former:
                old = _FORMER.sub("", district).strip()
                if ward and "/" in ward:
                    notes.append(f"the source names two units ('{ward}'): not placed (no place is invented)")
                    ward = ""
                elif ward:
                    ward = self.unit_2025(ward)
                elif old in OLD_DISTRICT_KEPT:
                    ward = self.unit_2025(OLD_DISTRICT_KEPT[old])
                    notes.append(f"the source gives only the former district {old}; placed in the 2025 unit that "
                                 "keeps its name, but the old district was larger")
                notes.append(f"former: {old + ', ' if old else ''}{_FORMER_NAME[former.group(1)]}")
                district = ""
            start, end, when = venue_dates(row["dates_or_hours"])
            if when:
                notes.append(when)
            producer_id = ""
            if row["name"] in VENUE_PRODUCER:
                producer_id = self.producers[producer_key(VENUE_PRODUCER[row["name"]])].producer_id
            rows.append({
                "venue_id": f"HCM-V{i:02d}", "kind": kind, "name": row["name"], "address": address, "ward": ward,
                "district": district, "lat": "", "lon": "", "location_precision": "", "opening_hours": "",
                "start_date": start, "end_date": end, "contact": "", "producer_id": producer_id,
                "source": row["source_url"], "notes": "; ".join(notes),
            })
        return rows


_RANGE = re.compile(r"^(\d{1,2})–(\d{1,2})/(\d{1,2})/(\d{4})$")
_FROM = re.compile(r"^(?:from|opened) (\d{1,2})/(\d{1,2})/(\d{4})")


def venue_dates(text: str) -> tuple[str, str, str]:
    """(start ISO, end ISO, note) from the source's dates cell: '6–10/11/2024', 'from 27/10/2023', 'weekends'."""
    t = text.strip()
    m = _RANGE.match(t)
    if m:
        d1, d2, mo, y = (int(g) for g in m.groups())
        return f"{y:04d}-{mo:02d}-{d1:02d}", f"{y:04d}-{mo:02d}-{d2:02d}", ""
    m = _FROM.match(t)
    if m:
        d, mo, y = (int(g) for g in m.groups())
        rest = t[m.end():].strip("; ")
        return f"{y:04d}-{mo:02d}-{d:02d}", "", f"dates in the source: '{t}'" if rest or t.startswith("from") else t
    return "", "", f"when, in the source: '{t}'" if t else ""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def build(out: Path) -> dict[str, int]:
    b = Build()
    b.first_pass()
    b.second_pass_products("hcmc_ocop_products_named.csv", "certified")
    b.second_pass_products("hcmc_ocop_candidates_unconfirmed.csv", "candidate")
    b.second_pass_products("post_merger_ocop_products_named.csv", "certified", post_merger=True)
    for prod in b.products.values():  # the retired aggregate's source is on the products that replace it
        if prod.producer.name == "HTX Cần Giờ Tương Lai" and prod.status == "certified":
            prod.add_sources(b.superseded_sources)
    producers, products, venues = b.producer_rows(), b.product_rows(), b.venue_rows()
    for table, rows in (("producers", producers), ("products", products), ("venues", venues)):
        missing = [r for r in rows if not r["source"]]
        if missing:
            raise SystemExit(f"{table}: {len(missing)} rows without a source, e.g. {missing[0]}")
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "producers.csv", PRODUCER_HEADER, producers)
    _write(out / "products.csv", PRODUCT_HEADER, products)
    _write(out / "venues.csv", VENUE_HEADER, venues)
    _write(out / "conversion_log.csv", LOG_HEADER, b.log)
    certified = [r for r in products if r["status"] == "certified"]
    return {"producers": len(producers), "product_rows": len(products), "certified_rows": len(certified),
            "certified_products": sum(int(r["n_products"] or 1) for r in certified),
            "candidates": len(products) - len(certified), "venues": len(venues), "not_converted": len(b.log),
            "inferred_groups": sum(r["group_source"] == "inferred" for r in products)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: data/registry)")
    args = parser.parse_args(argv)
    counts = build(args.out)
    print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
