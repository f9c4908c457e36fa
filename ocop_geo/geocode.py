"""Offline geocoding of Vietnamese addresses in HCMC: pure functions over frames.

Matching degrades honestly, best first:

* ``"exact"``    — coordinates given in the input (checked against the stated ward);
* ``"poi"``      — an OSM named place or POI inside the matched ward (hamlet, market, …);
* ``"street"``   — a point on the named street's OSM geometry inside the matched ward;
* ``"ward"``     — a point inside the ward (``representative_point``, never a centroid);
* ``"district"`` — a point inside the district;
* ``"none"``     — nothing placed; ``geocode_note`` says why.

A ward name that exists in several places ("Phường 2", "An Phú") is never resolved by guessing:
without a district (or a street that exists in only one of them) the row is left unplaced
with a note naming the candidates.

A street is only claimed (precision ``"street"``) where it decides the ward: inside the stated
ward. With no ward given the street cannot decide it (no house-number ranges offline, and the
2018 OSM may name only part of a street): district precision and a note, on the street when
the OSM data names it in one ward of the district only. A street that
runs along the stated ward's border is kept, with a note to check the side.

Addresses written in the units of 1/7/2025 (no district: "Xã Kim Long, TP.HCM", "Đặc khu Côn
Đảo") are placed inside the unit's own polygon, also in the former Bình Dương and Bà Rịa–Vũng
Tàu. There an address may still name a former district (:data:`gazetteer.FORMER_DISTRICTS`):
its ward is placed in the 7/2025 unit of the same name (the documented rule: *a 7/2025 unit named
like an old ward contains it*, as every merged unit kept the name of one of its parts); with no
such ward, the 7/2025 unit that kept the district's name is used at district precision, with a
note that the former district was larger. Every placed point is reverse geocoded to its 7/2025
unit from the 168 polygons (``unit_2025``, ``unit_code_2025``).

The index (:mod:`ocop_geo.gazetteer`) is built once per process and cached on disk.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from . import gazetteer as _gz
from ._errors import ValidationError
from .address import ParsedAddress, parse_address
from .registry_schema import PRECISIONS, parse_coordinate
from .textnorm import admin_key, fold, strip_diacritics

logger = logging.getLogger(__name__)

__all__ = ["PRECISIONS", "RESULT_COLUMNS", "geocode_frame", "geocode_address", "reverse_geocode"]

#: Columns added by :func:`geocode_frame`, in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "lat", "lon", "precision", "confidence", "ward", "ward_code", "district", "district_code",
    "unit_2025", "unit_code_2025", "geocode_note",
)

_REVERSE_COLUMNS = ("ward", "ward_code", "district", "district_code")

_FUZZY_CUTOFF = 85.0
#: A street's stretch in a ward shorter than this (a crossing, a sliver at the border) does not count
#: as the street running in that ward.
_MIN_PIECE_M = 40.0
_PLACE_CUTOFF = 90.0


@dataclass(frozen=True)
class _Match:
    lon: float
    lat: float
    precision: str
    confidence: float
    note: str
    unit_2025: int = -1  # position in units_2025 of a matched 7/2025 unit (overrides the point's)
    poly: int = -1  # the 2019 polygon meant (a street point may lie on a ward boundary)


_NONE = (np.nan, np.nan, "none", 0.0)


class _Index:
    """Dictionaries over the gazetteer for O(1) look-ups; fuzzy search on small lists."""

    def __init__(self, gaz: _gz.Gazetteer) -> None:
        self.gaz = gaz
        u = gaz.units.reset_index(drop=True)
        self.level = u["level"].to_numpy()
        self.era = u["era"].to_numpy()
        self.code = u["code"].to_numpy()
        self.name = u["name"].to_numpy()
        self.members = [frozenset(int(m) for m in ms) for ms in u["members"]]
        self.dkeys = u["district_keys"].to_list()
        self.lon = u["lon"].to_numpy(dtype=float)
        self.lat = u["lat"].to_numpy(dtype=float)
        self.whole = u["whole"].to_numpy(dtype=bool)
        self.district_label = u["district"].to_numpy()
        self.wtype = np.array([_ward_type_of(n) for n in self.name], dtype=object)
        self.ward_by_key: dict[str, list[int]] = {}
        self.district_by_key: dict[str, list[int]] = {}
        for i, (lvl, key) in enumerate(zip(u["level"], u["key"], strict=True)):
            target = self.ward_by_key if lvl == "ward" else self.district_by_key
            target.setdefault(key, []).append(i)
        self.ward_keys = sorted(self.ward_by_key)
        self.district_keys = sorted(self.district_by_key)
        self.ward_keys_in: dict[str, list[str]] = {}
        for key, ids in self.ward_by_key.items():
            for dk in set().union(*(self.dkeys[i] for i in ids)):
                self.ward_keys_in.setdefault(dk, []).append(key)
        self.streets = _street_table(gaz.streets)
        self.streets_2025 = _street_table(gaz.streets_2025)
        self.places: dict[int, dict[str, tuple[float, float, str, str]]] = {}
        self.places_2025: dict[int, dict[str, tuple[float, float, str, str]]] = {}
        for r in gaz.places.itertuples(index=False):
            self.places.setdefault(int(r.poly), {}).setdefault(r.key, (r.lon, r.lat, r.name, r.kind))
            if r.unit >= 0:
                self.places_2025.setdefault(int(r.unit), {}).setdefault(r.key, (r.lon, r.lat, r.name, r.kind))
        self.poly_attrs = {c: gaz.polygons[c].to_numpy() for c in _REVERSE_COLUMNS}
        self.split = gaz.polygons["split_2025"].to_numpy()
        self.u25_name = gaz.units_2025["name"].to_numpy()
        self.u25_code = gaz.units_2025["code"].to_numpy()
        pos = {c: k for k, c in enumerate(self.u25_code)}
        #: position in units_2025 of each 7/2025 unit row, -1 for the other eras
        self.u25 = np.array([pos[c] if e == "2025-07" else -1 for c, e in zip(self.code, self.era, strict=True)])
        #: 7/2025 units outside old HCMC (former Bình Dương / Bà Rịa–Vũng Tàu), by name key
        self.former_by_key: dict[str, list[int]] = {}
        for key, ids in self.ward_by_key.items():
            out = [i for i in ids if self.era[i] == "2025-07" and not self.members[i]]
            if out:
                self.former_by_key[key] = out

    # ---- administrative names ------------------------------------------------------------

    def districts(self, text: str) -> tuple[list[int], float, str]:
        """District units named ``text`` (exact, then fuzzy), the score and the matched key."""
        if text in self.district_by_key:
            return self.district_by_key[text], 100.0, text
        if text.isdigit() or len(text) < 3:
            return [], 0.0, ""
        hit = process.extractOne(text, self.district_keys, scorer=fuzz.ratio,
                                 score_cutoff=_FUZZY_CUTOFF)
        return (self.district_by_key[hit[0]], hit[1], hit[0]) if hit else ([], 0.0, "")

    def wards(self, text: str, district_key: str) -> tuple[list[int], float]:
        """Ward units named ``text``, restricted to ``district_key`` when given."""
        ids = self.ward_by_key.get(text, [])
        score = 100.0
        if not ids and not text.isdigit() and len(text) >= 3:
            pool = self.ward_keys_in.get(district_key, []) if district_key else self.ward_keys
            hits = process.extract(text, pool, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=2)
            if hits:
                ids, score = list(self.ward_by_key[hits[0][0]]), hits[0][1]
                if len(hits) > 1 and hits[1][1] >= hits[0][1] - 2:  # a tie: keep both sides
                    ids = ids + list(self.ward_by_key[hits[1][0]])
        if district_key:
            ids = [i for i in ids if district_key in self.dkeys[i]]
        return ids, score

    def collapse(self, ids: list[int]) -> list[int]:
        """Drop units that contain another candidate (the same place in a later era)."""
        ids = sorted(set(ids), key=lambda i: (len(self.members[i]) or 10**6, i))
        kept: list[int] = []
        for i in ids:
            mi = self.members[i]
            if any(mi and self.members[k] <= mi for k in kept):
                continue
            if any(self.code[k] == self.code[i] and self.era[k] != "2025-07"
                   and self.era[i] != "2025-07" for k in kept):
                continue
            kept.append(i)
        return kept

    def describe(self, i: int) -> str:
        where = self.district_label[i] or ("7/2025 list" if self.era[i] == "2025-07" else "")
        return f"{self.name[i]} ({where})" if where else self.name[i]

    # ---- streets and places ----------------------------------------------------------------

    def street_in(self, members: frozenset[int], texts: tuple[str, ...], *,
                  table: dict | None = None) -> tuple[tuple, float] | None:
        """Best point of a street named one of ``texts`` inside ``members`` (longest piece).

        ``table`` is :attr:`streets` (2019 polygons, the default) or :attr:`streets_2025`. A
        fuzzy match keeps the numbers as written ("Tân Chánh Hiệp 8" is not "… 18").
        """
        table = self.streets if table is None else table
        for text in texts:
            if not text:
                continue
            found = [table[p][text] for p in members if text in table.get(p, {})]
            if found:
                return max(found, key=lambda s: s[3]), 100.0
        for text in texts:
            if not text or len(text) < 4:
                continue
            digits = _DIGITS.findall(text)
            best: tuple | None = None
            best_score = 0.0
            for p in members:
                keys = table.get(p)
                if not keys:
                    continue
                hit = process.extractOne(text, keys.keys(), scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
                if hit and _DIGITS.findall(hit[0]) != digits:
                    continue
                if hit and (hit[1] > best_score or (hit[1] == best_score and best
                                                    and keys[hit[0]][3] > best[3])):
                    best, best_score = keys[hit[0]], hit[1]
            if best is not None:
                return best, best_score
        return None

    def street_wards(self, members: frozenset[int], key: str) -> dict[str, float]:
        """Metres of the street ``key`` (exact key) in each 1/2025 ward among ``members``."""
        out: dict[str, float] = {}
        for p in members:
            hit = self.streets.get(p, {}).get(key)
            if hit:
                ward = self.poly_attrs["ward_code"][p]
                out[ward] = out.get(ward, 0.0) + hit[3]
        return out

    def place_in(self, members: frozenset[int], texts: tuple[str, ...], *,
                 table: dict | None = None) -> tuple[tuple, float] | None:
        """An OSM named place or POI called one of ``texts`` inside ``members``."""
        table = self.places if table is None else table
        for text in texts:
            if not text:
                continue
            for p in members:
                hit = table.get(p, {}).get(text)
                if hit:
                    return hit, 100.0
        for text in texts:
            if not text or len(text) < 5:
                continue
            for p in members:
                keys = table.get(p)
                if keys:
                    hit = process.extractOne(text, keys.keys(), scorer=fuzz.ratio,
                                             score_cutoff=_PLACE_CUTOFF)
                    if hit:
                        return keys[hit[0]], hit[1]
        return None


_DIGITS = re.compile(r"\d+")


def _street_table(streets: pd.DataFrame) -> dict[int, dict[str, tuple[float, float, str, float, int, bool]]]:
    """Street pieces by polygon, then key: (lon, lat, name, length_m, polygon, runs along the border)."""
    table: dict[int, dict[str, tuple[float, float, str, float, int, bool]]] = {}
    for r in streets.itertuples(index=False):
        table.setdefault(int(r.poly), {})[r.key] = (r.lon, r.lat, r.name, r.length_m, int(r.poly), bool(r.border))
    return table


def _bare_name(name: str) -> str:
    lowered = unicodedata.normalize("NFC", name).lower()
    for prefix in ("thị trấn ", "đặc khu ", "phường ", "xã "):
        if lowered.startswith(prefix):
            return lowered[len(prefix):]
    return lowered


#: Old and new tone-mark placement ("Hoà" / "Hòa", "Thuỷ" / "Thủy"): one spelling to compare.
_TONE_PAIRS = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "oè": "òe", "oé": "óe",
               "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe", "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy"}
_TONE_RE = re.compile("|".join(_TONE_PAIRS))


def _tones(text: str) -> str:
    return _TONE_RE.sub(lambda m: _TONE_PAIRS[m.group(0)], text)


def _ward_type_of(name: str) -> str:
    key = fold(name)
    for prefix in ("thi tran", "dac khu", "phuong", "xa"):
        if key.startswith(prefix + " "):
            return prefix
    return ""


_INDEX: _Index | None = None


def _index() -> _Index:
    global _INDEX
    if _INDEX is None:
        _INDEX = _Index(_gz.get_gazetteer())
        _match.cache_clear()
    return _INDEX


# --------------------------------------------------------------------------- matching


def _split_roles(idx: _Index, p: ParsedAddress, ward: str, district: str) -> tuple[str, str, list[str]]:
    """Give unlabeled names the roles district / ward / free text, right to left."""
    names = list(p.names)
    if ward and not district and ward not in idx.ward_by_key:
        # "phuong binh tri dong binh tan": a district written after the ward, no separator
        words = ward.split()
        for k in range(len(words) - 1, 0, -1):
            tail = " ".join(words[k:])
            if tail in idx.district_by_key:
                ward, district = " ".join(words[:k]), tail
                break
    if not ward and p.hamlet in idx.ward_by_key:
        ward = p.hamlet  # "Xóm Củi", "Xóm Chiếu": hamlet words that are ward names
    if not district:
        for j in range(len(names) - 1, -1, -1):
            if names[j] in idx.district_by_key:
                district = names.pop(j)
                break
    if not ward:
        for j in range(len(names) - 1, -1, -1):
            if names[j] in idx.ward_by_key:
                ward = names.pop(j)
                break
        else:
            if names and not p.street:
                # a misspelt name: the rightmost that fuzzily matches a ward
                for j in range(len(names) - 1, -1, -1):
                    if idx.wards(names[j], "")[0]:
                        ward = names.pop(j)
                        break
    if not district and names and not ward:
        for j in range(len(names) - 1, -1, -1):
            if idx.districts(names[j])[0]:
                district = names.pop(j)
                break
    return ward, district, names


@lru_cache(maxsize=200_000)
def _match(address: str, ward_hint: str, district_hint: str) -> _Match:
    idx = _index()
    p = parse_address(address)
    ward_in = fold(ward_hint) and admin_key(ward_hint)
    district_in = fold(district_hint) and admin_key(district_hint, level="district")
    if p.is_empty and not ward_in and not district_in:
        if p.former_province:  # "(Bình Dương cũ)" and nothing else: say what would place it
            return _place_former_district(idx, "", "")
        why = "empty address" if not fold(address) else f"no place name recognised in {_clip(address)!r}"
        return _Match(*_NONE, f"{why}: add the ward (phường/xã) and district")
    if not p.in_hcmc:
        return _Match(*_NONE, f"address is in {_clip(p.province)!r}, outside Ho Chi Minh City: not placed")
    ward, district, free = _split_roles(idx, p, ward_in or p.ward, district_in or p.district)
    notes: list[str] = []
    if district in _gz.FORMER_DISTRICTS and district not in idx.district_by_key:
        return _place_former_district(idx, district, ward)

    d_ids: list[int] = []
    d_key = ""
    if district:
        d_ids, d_score, d_key = idx.districts(district)
        d_ids = idx.collapse(d_ids)
        if not d_ids:
            notes.append(f"district {_clip(district)!r} not found in HCMC (another province?): check "
                         "the address")
        elif d_score < 100:
            notes.append(f"district {_clip(district)!r} read as {idx.name[d_ids[0]]}")

    street_texts = (p.street, p.street_alt, *free)
    place_texts = (p.hamlet if p.hamlet != ward else "", *free)

    if ward:
        w_ids, w_score = idx.wards(ward, d_key)
        if not w_ids:
            # "tang nhon phu a canh truong hoc": words after the ward name are not part of it
            words = ward.split()
            for k in range(len(words) - 1, 0, -1):
                head = " ".join(words[:k])
                ids = [i for i in idx.ward_by_key.get(head, []) if not d_key or d_key in idx.dkeys[i]]
                if ids:
                    notes.append(f"ignored {_clip(' '.join(words[k:]))!r} after the ward name")
                    ward, w_ids, w_score = head, ids, 100.0
                    break
        if not w_ids and d_key:
            notes.append(f"ward {_clip(ward)!r} not found in {idx.name[d_ids[0]]}")
        w_ids = _disambiguate(idx, w_ids, ward, p, address, ward_hint, street_texts, notes,
                              district_given=bool(d_key))
        if len(w_ids) > 1:
            described = list(dict.fromkeys(idx.describe(i) for i in w_ids))
            names = "; ".join(described[:12])
            more = f" and {len(described) - 12} more" if len(described) > 12 else ""
            hint = "add the district" if not d_key else "check which one is meant"
            msg = f"ambiguous ward {_clip(ward)!r}: {names}{more}; {hint}"
            if d_ids:
                return _place_district(idx, d_ids, notes + [msg])
            return _Match(*_NONE, "; ".join(notes + [msg]))
        if w_ids:
            w = w_ids[0]
            if w_score < 100:
                notes.append(f"ward {_clip(ward)!r} read as {idx.name[w]}")
            return _place_in_ward(idx, w, w_score, p, street_texts, place_texts,
                                  bool(d_key), notes)
        if not d_ids:
            return _Match(*_NONE, "; ".join(notes + [f"ward {_clip(ward)!r} not found in HCMC"]))
    if d_ids:
        return _place_district(idx, d_ids, notes, street_texts=street_texts, p=p)
    msg = f"no ward or district recognised in {_clip(address)!r}: add them"
    return _Match(*_NONE, "; ".join(notes + [msg]))


def _place_former_district(idx: _Index, district: str, ward: str) -> _Match:
    """An address in the former Bình Dương / Bà Rịa–Vũng Tàu: its ward, else its district's namesake.

    A 7/2025 unit named like an old ward contains it (each merged unit kept the name of one of its
    parts); a former district is only placed in the unit that kept its name, at district precision.
    """
    former, province = _gz.FORMER_DISTRICTS.get(district, ("", ""))
    where = f"the former {former} ({province})" if former else "the former Bình Dương / Bà Rịa–Vũng Tàu"
    notes: list[str] = []
    if ward:
        ids = idx.former_by_key.get(ward, [])
        if not ids and len(ward) >= 3 and not ward.isdigit():
            hit = process.extractOne(ward, list(idx.former_by_key), scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
            ids = idx.former_by_key[hit[0]] if hit else []
        if len(ids) == 1:
            w = ids[0]
            return _Match(idx.lon[w], idx.lat[w], "ward", 0.6,
                          f"{_clip(ward)!r} of {where} placed in the 7/2025 unit {idx.name[w]} (a 2025 unit "
                          "named like an old ward contains it); no street data there", idx.u25[w])
        notes.append(f"no 7/2025 unit is named {_clip(ward)!r}")
    ids = idx.former_by_key.get(district, []) if district else []
    if len(ids) == 1:
        w = ids[0]
        return _Match(idx.lon[w], idx.lat[w], "district", 0.3, "; ".join(notes + [
            f"only {where} is known: placed in {idx.name[w]}, the 7/2025 unit that kept its name; the "
            "former district was larger: check the ward"]), idx.u25[w])
    return _Match(*_NONE, "; ".join(notes + [f"{where}: add the 7/2025 unit (phường / xã) to place it"]))


def _disambiguate(idx: _Index, raw: list[int], ward: str, p: ParsedAddress, address: str,
                  ward_hint: str, street_texts: tuple[str, ...], notes: list[str], *,
                  district_given: bool) -> list[int]:
    """Narrow the candidate wards by era, ward type, diacritics as written, then street.

    Each filter works on the uncollapsed candidates, so one place known in several eras
    (with different extents) stays one place.
    """
    current = [i for i in raw if idx.era[i] not in {"2019", "2025-07"}]
    if district_given and current and len(idx.collapse(raw)) > 1:
        raw = [i for i in raw if idx.era[i] != "2025-07"]  # districts ended on 1/7/2025
    stale = [i for i in raw if idx.era[i] == "2019"
             and not any(idx.members[i] & idx.members[k] for k in current)]
    if current and stale:  # a ward of that name dissolved in 2020 was elsewhere
        raw = [i for i in raw if i not in stale]
        notes.append(f"a ward named {_clip(ward)!r} before 2020 was elsewhere; the current one is used")
    if p.former_province and any(not idx.members[i] for i in raw):
        raw = [i for i in raw if not idx.members[i]]  # "…, Bình Dương": a unit outside old HCMC
    w_ids = idx.collapse(raw)
    if len(w_ids) > 1 and not district_given:
        # no district: written the 7/2025 way; a 7/2025 unit holding every other candidate is meant
        new = [i for i in raw if idx.era[i] == "2025-07" and idx.members[i]
               and all(k == i or (idx.members[k] and idx.members[k] <= idx.members[i]) for k in w_ids)]
        if len(new) == 1:
            raw, w_ids = new, new
    if (len(w_ids) == 1 and not district_given and idx.era[w_ids[0]] != "2025-07"
            and any(idx.split[m] for m in idx.members[w_ids[0]])):
        # the name is an older ward that 1/7/2025 split, and a 7/2025 unit of the same name: with no district
        # (none exists after 7/2025) the address is read the 7/2025 way, inside that unit's own polygon
        old = w_ids[0]
        unit = [i for i in raw if idx.era[i] == "2025-07" and idx.u25[i] >= 0]
        if len(unit) == 1:
            w_ids = unit
            notes.append(f"no district: read as the 7/2025 unit {idx.name[unit[0]]}; the older {idx.describe(old)} "
                         "of that name was split on 1/7/2025: check")
    if len(w_ids) > 1 and p.ward_type:
        typed = [i for i in raw if idx.wtype[i] == p.ward_type]
        if typed:
            raw, w_ids = typed, idx.collapse(typed)
    if len(w_ids) > 1 and not ward.isdigit():
        written = _tones(unicodedata.normalize("NFC", f"{address} {ward_hint}").lower())
        exact = [i for i in raw if _tones(_bare_name(idx.name[i])) in written]
        if exact and strip_diacritics(written) != written and len(idx.collapse(exact)) < len(w_ids):
            raw, w_ids = exact, idx.collapse(exact)  # Thạnh An vs Thanh An: diacritics decide
    if len(w_ids) > 1 and any(street_texts):
        with_street = idx.collapse([i for i in raw if idx.street_in(idx.members[i], street_texts)])
        if len(with_street) == 1:
            notes.append(f"ward name {_clip(ward)!r} is ambiguous; the street settles it")
            w_ids = with_street
    return w_ids


def _place_in_ward(idx: _Index, w: int, w_score: float, p: ParsedAddress,
                   street_texts: tuple[str, ...], place_texts: tuple[str, ...],
                   district_known: bool, notes: list[str]) -> _Match:
    members = idx.members[w]
    base = (0.75 if district_known else 0.7) * (w_score / 100.0)
    if any("not found in HCMC" in n for n in notes):
        base *= 0.4  # a district that does not exist here: the ward may be a namesake
    if not idx.whole[w]:
        base *= 0.9
    if any("settles it" in n for n in notes):
        base *= 0.8  # an ambiguous ward name chosen through its street
    unit_2025 = int(idx.u25[w])
    if unit_2025 >= 0:  # a 7/2025 unit: its own polygon, streets and places
        where, streets, places = frozenset({unit_2025}), idx.streets_2025, idx.places_2025
    else:
        where, streets, places = members, idx.streets, idx.places
    place = idx.place_in(where, place_texts, table=places)
    if place:
        (lon, lat, name, kind), score = place
        return _Match(lon, lat, "poi", round(min(0.9, base + 0.15) * score / 100, 2),
                      "; ".join(notes + ([f"matched {name} ({kind})"] if score < 100 else [])),
                      unit_2025)
    if any(street_texts):
        hit = idx.street_in(where, street_texts, table=streets)
        if hit:
            (lon, lat, name, _, poly, border), score = hit
            extra = [f"street read as {name}"] if score < 100 else []
            if border:
                extra.append(f"{name} runs along the border of {idx.name[w]}: check which side the house is on")
            return _Match(lon, lat, "street", round(min(0.85, base + 0.1) * score / 100, 2),
                          "; ".join(notes + extra), unit_2025, poly if unit_2025 < 0 else -1)
        wanted = next(t for t in street_texts if t)
        notes.append(f"street {_clip(wanted)!r} not found in {idx.name[w]}: placed at the ward")
    if place_texts and place_texts[0] and not any(street_texts):
        notes.append(f"{_clip(place_texts[0])!r} not in OSM: placed at the ward")
    if not members:
        notes.append(f"{idx.name[w]} lies in the former Bình Dương / Bà Rịa–Vũng Tàu: placed inside its "
                     "7/2025 polygon")
    elif not district_known and unit_2025 < 0 and not any("not found in HCMC" in n for n in notes):
        notes.append("no district given")
    return _Match(idx.lon[w], idx.lat[w], "ward", round(base, 2), "; ".join(notes), unit_2025)


def _place_district(idx: _Index, d_ids: list[int], notes: list[str], *,
                    street_texts: tuple[str, ...] = (), p: ParsedAddress | None = None) -> _Match:
    """A point in the district; on the street when the street runs in one of its wards only."""
    if len(d_ids) > 1:
        names = "; ".join(idx.name[i] for i in d_ids)
        return _Match(*_NONE, "; ".join(notes + [f"ambiguous district: {names}"]))
    d = d_ids[0]
    if any(street_texts):
        hit = idx.street_in(idx.members[d], street_texts)
        if hit:
            (lon, lat, name, _, poly, border), score = hit
            wards = idx.street_wards(idx.members[d], _gz.street_key(name))
            long_enough = {k: m for k, m in wards.items() if m >= _MIN_PIECE_M} or wards
            if len(long_enough) == 1 and not border and score == 100:
                # the 2018 OSM names this street in one ward only; it may run further today: not a proof
                ward_name = idx.poly_attrs["ward"][poly]
                return _Match(lon, lat, "district", 0.45, "; ".join(notes + [
                    f"no ward given: in the 2018 OSM data {name} runs only in {ward_name} within the "
                    "district; placed on it at district precision: add the ward (check)"]), poly=poly)
            names = sorted({idx.poly_attrs["ward"][p] for p in idx.members[d]
                            if idx.poly_attrs["ward_code"][p] in long_enough})
            shown = ", ".join(names[:6]) + (" …" if len(names) > 6 else "")
            why = (f"runs through {len(long_enough)} wards of the district ({shown})" if len(long_enough) > 1
                   else "runs along a ward border" if border else f"was read as {name} (not as written)")
            return _Match(idx.lon[d], idx.lat[d], "district", 0.4, "; ".join(notes + [
                f"no ward given and {name} {why}: placed at the district; add the ward (check)"]))
    if not notes or all("ambiguous" not in n for n in notes):
        notes = notes + ["no ward recognised: placed at the district"]
    return _Match(idx.lon[d], idx.lat[d], "district", 0.4, "; ".join(notes))


# --------------------------------------------------------------------------- public API


def _reverse_arrays(idx: _Index, poly: np.ndarray) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    inside = poly >= 0
    for col in _REVERSE_COLUMNS:
        values = np.full(len(poly), "", dtype=object)
        values[inside] = idx.poly_attrs[col][poly[inside]]
        out[col] = values
    return out


def _units_2025(idx: _Index, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Names and codes of the 7/2025 units at positions ``unit`` ("" where -1)."""
    names = np.full(len(unit), "", dtype=object)
    codes = np.full(len(unit), "", dtype=object)
    ok = unit >= 0
    names[ok] = idx.u25_name[unit[ok]]
    codes[ok] = idx.u25_code[unit[ok]]
    return names, codes


def reverse_geocode(points: gpd.GeoSeries) -> pd.DataFrame:
    """The 7/2025 unit (from its polygon) and the old ward and district holding each point.

    Parameters
    ----------
    points
        Point geometries in any CRS (reprojected to EPSG:4326).

    Returns
    -------
    DataFrame
        Indexed like ``points``: ``ward``, ``ward_code``, ``district``, ``district_code`` (the
        1/2025 ward and its 2024 district; empty outside old HCMC, e.g. in the former Bình Dương /
        Bà Rịa–Vũng Tàu), ``unit_2025``, ``unit_code_2025`` (the 7/2025 unit whose polygon holds
        the point), ``ward_2019``, ``ward_code_2019``, ``inside`` (False outside every polygon of
        the merged city: all the other columns are then empty).
    """
    idx = _index()
    if points.crs is not None and not points.crs.equals("EPSG:4326"):
        points = points.to_crs(4326)
    geoms = points.to_numpy()
    valid = np.array([g is not None and not g.is_empty and g.geom_type == "Point" for g in geoms])
    lon = np.full(len(geoms), np.nan)
    lat = np.full(len(geoms), np.nan)
    lon[valid] = [g.x for g in geoms[valid]]
    lat[valid] = [g.y for g in geoms[valid]]
    poly = idx.gaz.locate(lon, lat)
    unit = idx.gaz.locate_2025(lon, lat)
    out = pd.DataFrame(_reverse_arrays(idx, poly), index=points.index)
    out["unit_2025"], out["unit_code_2025"] = _units_2025(idx, unit)
    old = poly >= 0
    for col, src in (("ward_2019", "ward_name_2019"), ("ward_code_2019", "ward_code_2019")):
        values = np.full(len(poly), "", dtype=object)
        values[old] = idx.gaz.polygons[src].to_numpy()[poly[old]]
        out[col] = values
    out["inside"] = old | (unit >= 0)
    return out


def geocode_address(address: str, *, ward: str = "", district: str = "") -> dict[str, object]:
    """Geocode one address; a convenience wrapper over :func:`geocode_frame`.

    >>> r = geocode_address("xã Trung An, huyện Củ Chi")  # doctest: +SKIP
    >>> r["precision"], r["ward"]  # doctest: +SKIP
    ('ward', 'Xã Trung An')
    """
    frame = pd.DataFrame({"address": [address], "ward": [ward], "district": [district]})
    return geocode_frame(frame, ward_column="ward", district_column="district").iloc[0].to_dict()


def _column(df: pd.DataFrame, name: str | None) -> pd.Series:
    if name is None:
        return pd.Series("", index=df.index, dtype=object)
    return df[name].astype(object).where(df[name].notna(), "").astype(str)


def _check_columns(df: pd.DataFrame, **columns: str | None) -> None:
    problems = [f"{option}={name!r} is not a column" for option, name in columns.items()
                if name is not None and name not in df.columns]
    if (columns["lat_column"] is None) != (columns["lon_column"] is None):
        problems.append("give both lat_column and lon_column, or neither")
    if problems:
        raise ValidationError(
            "cannot geocode: " + "; ".join(problems)
            + f" (columns: {', '.join(map(str, df.columns))}); pass the right column names",
            problems,
        )


def geocode_frame(
    df: pd.DataFrame,
    *,
    address_column: str | None = "address",
    ward_column: str | None = None,
    district_column: str | None = None,
    lat_column: str | None = None,
    lon_column: str | None = None,
) -> pd.DataFrame:
    """Geocode every row of ``df`` offline.

    Parameters
    ----------
    df
        The records.
    address_column
        Free-text address column, or None.
    ward_column, district_column
        Structured ward / district columns, used with (or instead of) the address.
    lat_column, lon_column
        Coordinates already known: kept (precision ``"exact"``) and checked against the stated
        ward; a mismatch or an implausible point is noted.

    Returns
    -------
    DataFrame
        Indexed like ``df``, with the columns of :data:`RESULT_COLUMNS`: ``lat``, ``lon``,
        ``precision`` {"exact", "poi", "street", "ward", "district", "none"}, ``confidence``
        (0–1), ``ward``, ``ward_code``, ``district``, ``district_code`` (the ward as of 1/2025
        and its 2024 district; empty outside old HCMC), ``unit_2025``, ``unit_code_2025`` (the
        phường / xã / đặc khu after 1/7/2025 whose polygon holds the point), ``geocode_note``.

    Raises
    ------
    ValidationError
        A named column is missing (every missing one is listed).
    """
    _check_columns(df, address_column=address_column, ward_column=ward_column,
                   district_column=district_column, lat_column=lat_column, lon_column=lon_column)
    idx = _index()
    n = len(df)
    addr = _column(df, address_column).to_numpy()
    ward_h = _column(df, ward_column).to_numpy()
    dist_h = _column(df, district_column).to_numpy()
    keys = pd.DataFrame({"a": addr, "w": ward_h, "d": dist_h})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(keys))
    matches = [_match(a, w, d) for a, w, d in uniques]
    lon = np.array([m.lon for m in matches], dtype=float)[codes]
    lat = np.array([m.lat for m in matches], dtype=float)[codes]
    precision = np.array([m.precision for m in matches], dtype=object)[codes]
    confidence = np.array([m.confidence for m in matches], dtype=float)[codes]
    notes = np.array([m.note for m in matches], dtype=object)[codes]
    unit_2025 = np.array([m.unit_2025 for m in matches], dtype=np.int64)[codes]
    match_poly = np.array([m.poly for m in matches], dtype=np.int64)[codes]
    if lat_column is not None and lon_column is not None:
        _use_given_coordinates(idx, df, lat_column, lon_column, addr=addr, ward_h=ward_h, dist_h=dist_h,
                               lon=lon, lat=lat, precision=precision, confidence=confidence, notes=notes,
                               unit_2025=unit_2025, match_poly=match_poly)

    poly = idx.gaz.locate(lon, lat)
    poly = np.where(match_poly >= 0, match_poly, poly)
    out = pd.DataFrame(index=df.index)
    out["lat"] = lat
    out["lon"] = lon
    out["precision"] = precision
    out["confidence"] = confidence
    rev = _reverse_arrays(idx, poly)
    for col in _REVERSE_COLUMNS[:4]:
        out[col] = rev[col]
    has_unit = unit_2025 >= 0
    unit = np.where(has_unit, unit_2025, idx.gaz.locate_2025(lon, lat))
    w25, c25 = _units_2025(idx, unit)
    split = np.full(n, "", dtype=object)
    split[poly >= 0] = idx.split[poly[poly >= 0]]
    # a point standing for a whole 1/2025 ward (or district) that 1/7/2025 split: the unit is one of several
    for i in np.flatnonzero((split != "") & ~has_unit & np.isin(precision, ["ward", "district"])):
        others = ", ".join(u for u in split[i].split(", ") if u != w25[i])
        notes[i] = _join(notes[i], f"1/2025 ward was split on 1/7/2025: may be in {others} instead of {w25[i]}")
    out["unit_2025"] = w25
    out["unit_code_2025"] = c25
    out["geocode_note"] = notes
    placed = precision != "none"
    logger.info("geocoded %d rows (%d unique): %d placed, %d not placed",
                n, len(uniques), int(placed.sum()), int((~placed).sum()))
    return out


def _use_given_coordinates(idx: _Index, df: pd.DataFrame, lat_column: str, lon_column: str, *,
                           addr: np.ndarray, ward_h: np.ndarray, dist_h: np.ndarray, lon: np.ndarray,
                           lat: np.ndarray, precision: np.ndarray, confidence: np.ndarray, notes: np.ndarray,
                           unit_2025: np.ndarray, match_poly: np.ndarray) -> None:
    """Keep the coordinates given in the input (precision ``"exact"``) and check them against the stated
    ward; unusable ones are noted and the address match stays. The arrays are updated in place."""
    matched_lon, matched_lat = lon.copy(), lat.copy()
    raw_lat = _column(df, lat_column).str.strip().to_numpy()
    raw_lon = _column(df, lon_column).str.strip().to_numpy()
    given_lat, given_lon = (np.array([np.nan if (v := parse_coordinate(t)) is None else v for t in raw], dtype=float)
                            for raw in (raw_lat, raw_lon))  # the registry's rule: decimal comma, DMS  # fmt: skip
    given = np.isfinite(given_lat) & np.isfinite(given_lon)
    for i in np.flatnonzero(~given & ((raw_lat != "") | (raw_lon != ""))):
        notes[i] = _join(f"given coordinates {_clip(raw_lat[i])!r}, {_clip(raw_lon[i])!r} are not two numbers: "
                         "ignored, address used", notes[i])
    given_poly = idx.gaz.locate(given_lon, given_lat)
    given_unit = idx.gaz.locate_2025(given_lon, given_lat)
    west, south, east, north = _gz.settings.hcmc_2025_bbox
    in_box = given & (given_lon >= west) & (given_lon <= east) & (given_lat >= south) & (
        given_lat <= north)
    swapped = given & ~in_box & (given_lat >= west) & (given_lat <= east) & (
        given_lon >= south) & (given_lon <= north)
    for i in np.flatnonzero(given):
        if not in_box[i]:
            why = "look swapped (lat/lon)" if swapped[i] else "are outside Ho Chi Minh City"
            notes[i] = _join(f"given coordinates {given_lat[i]:.5f}, {given_lon[i]:.5f} {why}: "
                             "ignored, address used", notes[i])
            continue
        lon[i], lat[i], precision[i], unit_2025[i] = given_lon[i], given_lat[i], "exact", -1
        match_poly[i] = -1
        stated = _stated_members(idx, addr[i], ward_h[i], dist_h[i])
        if given_poly[i] < 0 and given_unit[i] < 0:
            confidence[i] = 0.8
            notes[i] = "given coordinates lie outside every unit polygon of the city: check them"
        elif given_poly[i] < 0:
            confidence[i] = 0.9
            notes[i] = f"given coordinates in {idx.u25_name[given_unit[i]]} (outside old HCMC)"
        elif stated is not None and given_poly[i] not in stated[1]:
            confidence[i] = 0.5
            attrs = idx.poly_attrs
            notes[i] = (f"given coordinates fall in {attrs['ward'][given_poly[i]]}, "
                        f"{attrs['district'][given_poly[i]]}, not in the stated {stated[0]}"
                        + (f" (address geocodes to {matched_lat[i]:.5f}, {matched_lon[i]:.5f})"
                           if np.isfinite(matched_lat[i]) else ""))
        else:
            confidence[i] = 1.0
            notes[i] = "" if stated is not None else "given coordinates (no ward stated to check)"


def _clip(text: str, n: int = 80) -> str:
    """``text`` cut to ``n`` characters for a note (a pasted paragraph must not fill the output)."""
    return text if len(text) <= n else text[: n - 1] + "…"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _stated_members(idx: _Index, address: str, ward: str, district: str) -> tuple[str, frozenset] | None:
    """The polygons of the ward (else district) the row states, or None when none is stated."""
    p = parse_address(address)
    ward_text = fold(ward) and admin_key(ward) or p.ward
    d_text = fold(district) and admin_key(district, level="district") or p.district
    d_ids, _, d_key = idx.districts(d_text) if d_text else ([], 0.0, "")
    ids = idx.wards(ward_text, d_key)[0] if ward_text else d_ids
    if not ids:
        return None
    members = frozenset().union(*(idx.members[i] for i in ids))
    return " or ".join(sorted({idx.name[i] for i in ids})), members
