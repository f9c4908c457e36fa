"""Parse Vietnamese postal addresses into parts; pure functions, no data needed.

Handles the usual written forms, with or without diacritics, in any case, separated by commas,
semicolons or spaced dashes — or not separated at all::

    "123 Nguyễn Trãi, P.2, Q.5, TP.HCM"
    "Ấp 3, xã Trung An, huyện Củ Chi, TP.HCM"
    "123 nguyen trai p02 q5"
    "Trung An - Cu Chi"

Parts come back as folded comparison keys (see :func:`ocop_geo.textnorm.fold`), keeping the raw
text of each part for messages. Names without a keyword ("Trung An, Cu Chi") are returned as
``names`` (left to right); the matcher decides whether they are wards, districts or places.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .textnorm import fold, strip_diacritics

__all__ = ["ParsedAddress", "parse_address", "HCMC_NAMES", "OTHER_PROVINCES", "FORMER_PROVINCES"]

#: Ways of writing Ho Chi Minh City (folded, keyword removed).
HCMC_NAMES: frozenset[str] = frozenset({
    "hcm", "tphcm", "tp hcm", "hcmc", "ho chi minh", "tp ho chi minh", "thanh pho ho chi minh",
    "sai gon", "saigon", "sg", "tp sai gon", "ho chi minh city", "hochiminh", "tp hochiminh",
})

#: The other provinces and centrally-run cities (63-province list of 2008–2025, folded), so an
#: address elsewhere in Viet Nam is recognised and refused instead of matched to a namesake.
OTHER_PROVINCES: frozenset[str] = frozenset({
    "an giang", "bac giang", "bac kan", "bac lieu", "bac ninh", "ben tre", "binh dinh",
    "binh phuoc", "binh thuan", "ca mau", "can tho", "cao bang", "da nang", "dak lak", "dak nong",
    "dien bien", "dong nai", "dong thap", "gia lai", "ha giang", "ha nam", "ha noi", "hanoi",
    "ha tinh", "hai duong", "hai phong", "hau giang", "hoa binh", "hung yen", "khanh hoa",
    "kien giang", "kon tum", "lai chau", "lam dong", "lang son", "lao cai", "long an",
    "nam dinh", "nghe an", "ninh binh", "ninh thuan", "phu tho", "phu yen", "quang binh",
    "quang nam", "quang ngai", "quang ninh", "quang tri", "soc trang", "son la", "tay ninh",
    "thai binh", "thai nguyen", "thanh hoa", "thua thien hue", "hue", "tien giang", "tra vinh",
    "tuyen quang", "vinh long", "vinh phuc", "yen bai", "daklak",
})

#: Provinces merged into Ho Chi Minh City on 1/7/2025 (folded): addresses there are in the city.
FORMER_PROVINCES: frozenset[str] = frozenset({"binh duong", "ba ria vung tau", "brvt", "br vt"})

_COUNTRY = frozenset({"viet nam", "vietnam", "vn"})

# keyword -> part type. Multi-word keywords first. "x" / "h" / "d" only as abbreviations.
_KEYWORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("thanh", "pho", "ho", "chi", "minh"), "province"),
    (("tp", "ho", "chi", "minh"), "province"),
    (("ho", "chi", "minh"), "province"),
    (("thi", "tran"), "ward"),
    (("thi", "xa"), "district"),
    (("thanh", "pho"), "district"),
    (("khu", "pho"), "hamlet"),
    (("to", "dan", "pho"), "hamlet"),
    (("dac", "khu"), "ward"),
    (("ward",), "ward"),
    (("commune",), "ward"),
    (("district",), "district"),
    (("phuong",), "ward"),
    (("p",), "ward"),
    (("xa",), "ward"),
    (("x",), "ward"),
    (("tt",), "ward"),
    (("quan",), "district"),
    (("q",), "district"),
    (("huyen",), "district"),
    (("h",), "district"),
    (("tx",), "district"),
    (("tp",), "district"),
    (("tinh",), "province"),
    (("ap",), "hamlet"),
    (("kp",), "hamlet"),
    (("thon",), "hamlet"),
    (("xom",), "hamlet"),
    (("to",), "hamlet"),
    (("duong",), "street"),
    (("d",), "street"),
)

# keywords that are also ordinary words when written without diacritics
_AMBIGUOUS_ASCII = {
    ("xa",): "xã",          # Xa lộ Hà Nội
    ("to",): "tổ",          # Tô Ký, Tô Hiến Thành
    ("duong",): "đường",    # Dương Bá Trạc
    ("ap",): "ấp",
    ("quan",): "quận",
    ("d",): "đ",
}

_SPLIT = re.compile(r"\s*(?:[,;|\n]|\s[-–—]\s|\s[-–—]|[-–—]\s)\s*")
_TOKEN = re.compile(r"[\w/]+", re.UNICODE)
_ABBREV_NUM = re.compile(r"\b([pqPQ])\.?\s*0*(\d{1,2})\b")
_HOUSE = re.compile(r"^(?:so\s+)?((?:\d+[a-z]?)(?:/\d+[a-z]?)*(?:\s+(?:hem|kiet|ngo|ngach)\s+\S+)?)\b")
_HCM_COMPACT = re.compile(r"\btp\.?\s*hcm\b|\btphcm\b", re.IGNORECASE)
#: "Bà Rịa – Vũng Tàu", "BR-VT": one name (a spaced dash would split it into two parts).
_BRVT = re.compile(r"\bb[àa]\s*r[ịi]a\s*[-–—]?\s*v[ũu]ng\s*t[àa]u\b|\bbr\s*[-–—]\s*vt\b", re.IGNORECASE)
#: "(nay là Phường Tân Hưng)": the unit the place belongs to since 1/7/2025, written after the old ones.
_NOW = re.compile(r"\(?\s*\b(?:nay là|nay thuộc|nay la|nay thuoc|now)\s+([^,;()]+)\)?", re.IGNORECASE)
#: Words that qualify a unit name without being part of it: "(Bình Dương cũ)", "TP.HCM sau sáp nhập".
#: Only the spellings with diacritics: "Cu" / "Moi" end street names ("đường Ba Cu").
_QUALIFIERS = re.compile(r"\s+(?:cũ|mới|sau sáp nhập|sau sap nhap)\s*(?=[,;)]|$)", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedAddress:
    """The parts of one address, as folded keys (empty string when absent).

    ``ward_type`` is the folded keyword ("phuong", "xa", "thi tran", …) when one was written.
    ``names`` are unlabeled parts, left to right. ``province`` is folded; ``in_hcmc`` is False
    only when another province was named. ``former_province`` is "binh duong" or "ba ria vung
    tau" when the address names a province merged into the city on 1/7/2025. ``unit_now`` is the
    folded text of a "(nay là …)" part: the unit since 1/7/2025, written after the old ones.
    """

    raw: str
    house: str = ""
    street: str = ""
    street_alt: str = ""
    hamlet: str = ""
    ward: str = ""
    ward_type: str = ""
    district: str = ""
    province: str = ""
    names: tuple[str, ...] = field(default_factory=tuple)
    in_hcmc: bool = True
    former_province: str = ""
    unit_now: str = ""

    @property
    def is_empty(self) -> bool:
        """True when nothing usable was found."""
        return not any((self.street, self.hamlet, self.ward, self.district, self.names))


_HAMLET_WORDS = {"kp": "khu pho", "to dan pho": "to"}
_WARD_TYPES = {"phuong": "phuong", "p": "phuong", "xa": "xa", "x": "xa", "tt": "thi tran",
               "thi tran": "thi tran", "dac khu": "dac khu"}


@lru_cache(maxsize=100_000)
def _fold_token(token: str) -> str:
    return fold(token)


def _segment_tokens(part: str) -> list[tuple[str, str]]:
    """Tokens of one comma-separated part as (folded, lower-with-diacritics) pairs."""
    lowered = unicodedata.normalize("NFC", part).lower()
    pairs = [(_fold_token(t), t) for t in _TOKEN.findall(lowered)]
    return [(f, t) for f, t in pairs if f]


# keywords grouped by their first word, longest first: one dict look-up per token
_KEYWORDS_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _words, _kind in sorted(_KEYWORDS, key=lambda kw: -len(kw[0])):
    _KEYWORDS_BY_FIRST.setdefault(_words[0], []).append((_words, _kind))


def _keyword_at(tokens: list[tuple[str, str]], i: int, *, has_diacritics: bool) -> tuple[int, str]:
    """Length and type of the keyword starting at token ``i`` (0 when none)."""
    if i >= len(tokens):
        return 0, ""
    for words, kind in _KEYWORDS_BY_FIRST.get(tokens[i][0], ()):
        n = len(words)
        if n > 1 and tuple(t[0] for t in tokens[i:i + n]) != words:
            continue
        rest = tokens[i + n:]
        if not rest:  # a keyword needs something after it
            continue
        if words in _AMBIGUOUS_ASCII and has_diacritics:
            if tokens[i][1] != _AMBIGUOUS_ASCII[words]:
                continue
        if words == ("xa",) and rest[0][0] == "lo":
            continue
        if words in {("to",), ("x",), ("h",), ("d",), ("tp",)} and not has_diacritics:
            # bare one-letter / short abbreviations: "to" only before a number
            if words == ("to",) and not rest[0][0].isdigit():
                continue
        if words == ("d",) and i != 0:
            continue
        if words in {("thon",), ("xom",), ("khu",)} and i != 0:
            continue  # Tam Thôn Hiệp, Xóm Củi: name words, not hamlet keywords
        return n, kind
    return 0, ""


def _split_parts(text: str) -> list[str]:
    text = _HCM_COMPACT.sub(", TP HCM", text)
    text = _BRVT.sub("Bà Rịa Vũng Tàu", text)
    text = _QUALIFIERS.sub("", text).replace("(", ", ").replace(")", ", ")
    text = _ABBREV_NUM.sub(lambda m: f", {m.group(1)} {m.group(2)}", text)
    return [p for p in _SPLIT.split(text) if p.strip()]


@lru_cache(maxsize=200_000)
def parse_address(text: str) -> ParsedAddress:
    """Split a Vietnamese address into house number, street, hamlet, ward, district, province.

    Parameters
    ----------
    text
        The address as written.

    Returns
    -------
    ParsedAddress

    Examples
    --------
    >>> p = parse_address("123 Nguyễn Trãi, P.2, Q.5, TP.HCM")
    >>> p.house, p.street, p.ward, p.district, p.in_hcmc
    ('123', 'nguyen trai', '2', '5', True)
    >>> p = parse_address("Ấp 3, xã Trung An, huyện Củ Chi")
    >>> p.hamlet, p.ward, p.ward_type, p.district
    ('ap 3', 'trung an', 'xa', 'cu chi')
    """
    raw = "" if text is None else str(text)
    out: dict[str, object] = {"raw": raw}
    names: list[str] = []
    province = ""
    last_unlabeled = False  # was the address's last part an unlabeled name?
    # NFC first: in decomposed text (macOS, Windows-1258) "Ấp 3" would read as "Ấ, P 3" (ward 3); the
    # look-alike "Ð" (U+00D0) of old converters is "Đ", so "Ðường" is still the street keyword
    text = unicodedata.normalize("NFC", raw).replace("Ð", "Đ").replace("ð", "đ")
    now = _NOW.search(text)
    if now:
        out["unit_now"] = fold(now.group(1))
        text = text[: now.start()] + ", " + text[now.end():]
    former = ""
    for part in _split_parts(text):
        has_diacritics = strip_diacritics(part) != part
        tokens = _segment_tokens(part)
        # cut the part at every keyword: [(kind, ward_type, tokens)]
        segments: list[tuple[str, str, list[tuple[str, str]]]] = []
        i = 0
        while i < len(tokens):
            n, kind = _keyword_at(tokens, i, has_diacritics=has_diacritics)
            if n:
                kw = " ".join(t[0] for t in tokens[i:i + n])
                segments.append((kind, kw, []))
                i += n
                if kind == "province" and kw != "tinh":  # the keyword was the city's name
                    segments[-1][2].append(("hcm", "hcm"))
                continue
            if not segments:
                segments.append(("", "", []))
            last_kind, _, last_toks = segments[-1]
            if (last_kind in {"ward", "district"} and len(last_toks) == 1
                    and last_toks[0][0].isdigit()):
                segments.append(("", "", []))
            segments[-1][2].append(tokens[i])
            i += 1
        for kind, kw, toks in segments:
            last_unlabeled = kind == "" and bool(toks)
            value = re.sub(r"\b0+(\d)", r"\1", " ".join(t[0] for t in toks))
            if not value:
                continue
            if kind in {"province", ""} and _former(value):
                former = _former(value)
            elif kind == "province" or (kind == "district" and value in OTHER_PROVINCES):
                province = value
            elif kind == "district" and value in HCMC_NAMES:
                province = value
            elif kind == "ward":  # the last one wins: addresses run from small to large
                if out.get("ward"):
                    names.append(f"{kw} {out['ward']}")
                out["ward"], out["ward_type"] = value, _WARD_TYPES.get(kw, "")
            elif kind == "district":
                if out.get("district"):
                    names.append(f"{kw} {out['district']}")
                out["district"] = value
            elif kind == "hamlet" and not out.get("hamlet"):
                out["hamlet"] = f"{_HAMLET_WORDS.get(kw, kw)} {value}"
            elif kind == "street" and not out.get("street"):
                out["street"] = value
                out["street_alt"] = "" if has_diacritics else f"{kw} {value}"
            elif kind == "" and (value in HCMC_NAMES or value in _COUNTRY):
                province = province or (value if value in HCMC_NAMES else "")
            elif kind == "" and (m := _HOUSE.match(value)) and not out.get("house"):
                out["house"] = m.group(1)
                rest_tokens = toks[len(value[: m.end()].split()):]
                n, k = _keyword_at(rest_tokens, 0, has_diacritics=has_diacritics)
                rest = " ".join(t[0] for t in rest_tokens)
                if rest and not out.get("street"):
                    if k == "street":
                        out["street"] = " ".join(t[0] for t in rest_tokens[n:])
                        out["street_alt"] = "" if has_diacritics else rest
                    else:
                        out["street"] = rest
            elif kind == "" and value not in _WARD_TYPES and value not in {"quan", "huyen"}:
                names.append(value)  # a type word alone ("Kim Long (xã)") names nothing
    in_hcmc = True
    if names and not province and last_unlabeled and len(names) + sum(bool(out.get(k)) for k in ("ward", "district", "street")) > 1:
        last = names[-1]
        if last in OTHER_PROVINCES:
            province, in_hcmc = last, False
            names.pop()
    if province in OTHER_PROVINCES:
        in_hcmc = False
    return ParsedAddress(names=tuple(names), province=province, in_hcmc=in_hcmc,  # type: ignore[arg-type]
                         former_province=former, **out)


def _former(value: str) -> str:
    """The folded name of a province merged into the city on 1/7/2025, or ""."""
    value = value.removeprefix("tinh ")
    if value in {"binh duong"}:
        return "binh duong"
    if value in FORMER_PROVINCES:
        return "ba ria vung tau"
    return ""
