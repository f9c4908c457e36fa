"""The OCOP registry's vocabulary: fields, column-header aliases, OCOP groups, producer types, statuses,
venue kinds, dates, phone numbers and web addresses.

Pure data and small parsers; no I/O. Header aliases are compared through :func:`header_key`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from .textnorm import fold, strip_diacritics


@dataclass(frozen=True)
class OcopGroup:
    """One of the six official OCOP product groups (Quyết định 148/QĐ-TTg, 2023)."""

    code: int
    vi: str
    en: str


#: The six official OCOP groups, Vietnamese names as the programme writes them, with English labels.
OCOP_GROUPS: tuple[OcopGroup, ...] = (
    OcopGroup(1, "Thực phẩm", "Food"),
    OcopGroup(2, "Đồ uống", "Beverages"),
    OcopGroup(3, "Thảo dược", "Herbal products"),
    OcopGroup(4, "Vải và may mặc", "Textiles and garments"),
    OcopGroup(5, "Lưu niệm – nội thất – trang trí", "Souvenirs, furniture and decoration"),
    OcopGroup(
        6,
        "Dịch vụ du lịch cộng đồng, du lịch nông thôn và điểm du lịch",
        "Community tourism, rural tourism and tourist sites",
    ),
)

#: Extra spellings seen in lists and the news, folded, mapped to a group code.
_GROUP_ALIASES: dict[str, int] = {
    "thuc pham": 1, "food": 1, "nhom thuc pham": 1, "nong san thuc pham": 1,
    "do uong": 2, "beverage": 2, "beverages": 2, "drinks": 2, "nhom do uong": 2,
    "thao duoc": 3, "herbal": 3, "herbal products": 3, "duoc lieu": 3, "san pham tu duoc lieu": 3,
    "vai va may mac": 4, "vai may mac": 4, "textiles": 4, "textiles and garments": 4, "det may": 4,
    "luu niem noi that trang tri": 5, "luu niem": 5, "thu cong my nghe": 5, "souvenirs": 5,
    "souvenirs furniture and decoration": 5, "handicrafts": 5,
    "dich vu du lich cong dong du lich nong thon va diem du lich": 6,
    "dich vu du lich cong dong du lich nong thon diem du lich": 6,
    "dich vu du lich": 6, "du lich": 6, "tourism": 6, "tourism services": 6,
    "community tourism rural tourism and tourist sites": 6,
}
for _g in OCOP_GROUPS:
    _GROUP_ALIASES[fold(_g.vi)] = _g.code
    _GROUP_ALIASES[fold(_g.en)] = _g.code
    _GROUP_ALIASES[str(_g.code)] = _g.code
    _GROUP_ALIASES[f"nhom {_g.code}"] = _g.code

GROUP_BY_CODE: dict[int, OcopGroup] = {g.code: g for g in OCOP_GROUPS}


def parse_group(text: str) -> OcopGroup | None:
    """The OCOP group named by ``text`` (Vietnamese or English, any case, with or without diacritics)."""
    key = fold(text).replace("/", " ")
    key = re.sub(r"\s+", " ", key).strip()
    code = _GROUP_ALIASES.get(key)
    if code is None:
        from rapidfuzz import fuzz, process

        match = process.extractOne(key, list(_GROUP_ALIASES), scorer=fuzz.ratio, score_cutoff=90)
        code = _GROUP_ALIASES[match[0]] if match else None
    return GROUP_BY_CODE.get(code) if code else None


#: Producer types ("loại hình chủ thể"), canonical Vietnamese with English labels.
PRODUCER_TYPES: dict[str, str] = {
    "Doanh nghiệp": "Enterprise",
    "Hợp tác xã": "Cooperative",
    "Tổ hợp tác": "Cooperative group",
    "Hộ kinh doanh": "Household business",
}
_TYPE_ALIASES: dict[str, str] = {
    "doanh nghiep": "Doanh nghiệp", "dn": "Doanh nghiệp", "cong ty": "Doanh nghiệp",
    "enterprise": "Doanh nghiệp", "company": "Doanh nghiệp",
    "hop tac xa": "Hợp tác xã", "htx": "Hợp tác xã", "cooperative": "Hợp tác xã",
    "to hop tac": "Tổ hợp tác", "tht": "Tổ hợp tác", "cooperative group": "Tổ hợp tác",
    "ho kinh doanh": "Hộ kinh doanh", "hkd": "Hộ kinh doanh", "co so": "Hộ kinh doanh",
    "co so san xuat": "Hộ kinh doanh", "household business": "Hộ kinh doanh", "household": "Hộ kinh doanh",
}
#: Name prefixes that state the type ("Công ty TNHH …", "HTX …").
_TYPE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("cong ty", "Doanh nghiệp"), ("chi nhanh", "Doanh nghiệp"), ("doanh nghiep", "Doanh nghiệp"),
    ("hop tac xa", "Hợp tác xã"), ("htx", "Hợp tác xã"),
    ("to hop tac", "Tổ hợp tác"), ("tht", "Tổ hợp tác"),
    ("ho kinh doanh", "Hộ kinh doanh"), ("hkd", "Hộ kinh doanh"), ("co so", "Hộ kinh doanh"),
)


def parse_producer_type(text: str) -> str | None:
    """Canonical producer type for ``text``, or None when unknown."""
    return _TYPE_ALIASES.get(fold(text))


def producer_type_from_name(name: str) -> str | None:
    """Producer type stated by the name's prefix ("HTX Phước An" -> "Hợp tác xã"), or None."""
    key = fold(name)
    for prefix, kind in _TYPE_PREFIXES:
        if key == prefix or key.startswith(prefix + " "):
            return kind
    return None


STATUSES = ("certified", "candidate")
_STATUS_ALIASES: dict[str, str] = {
    "certified": "certified", "recognised": "certified", "recognized": "certified",
    "da cong nhan": "certified", "cong nhan": "certified", "dat": "certified", "chung nhan": "certified",
    "da chung nhan": "certified",
    "candidate": "candidate", "ung vien": "candidate", "dang danh gia": "candidate", "de xuat": "candidate",
    "cho danh gia": "candidate", "tiem nang": "candidate",
}


def parse_status(text: str) -> str | None:
    """``"certified"`` or ``"candidate"`` for ``text`` ("" means certified), or None when unknown."""
    key = fold(text)
    if not key:
        return "certified"
    if key in _STATUS_ALIASES:
        return _STATUS_ALIASES[key]
    first = key.split(" (")[0]
    for alias, status in _STATUS_ALIASES.items():
        if first.startswith(alias):
            return status
    return None


#: Location precision levels, most precise first (shared with the geocoder).
PRECISIONS: tuple[str, ...] = ("exact", "poi", "street", "ward", "district", "none")
_PRECISION_WORDS = {
    "exact": "exact", "gps": "exact", "rooftop": "exact", "chinh xac": "exact",
    "poi": "poi", "street": "street", "duong": "street",
    "ward": "ward", "commune": "ward", "xa": "ward", "phuong": "ward",
    "district": "district", "huyen": "district", "quan": "district", "none": "none",
}


def parse_precision(text: str) -> str | None:
    """Precision level named by ``text`` ("commune centroid (approx.)" -> "ward"), or None."""
    words = fold(text).split()
    for n in (2, 1):  # "chinh xac" (exact) is two words
        for i in range(len(words) - n + 1):
            key = " ".join(words[i:i + n])
            if key in _PRECISION_WORDS:
                return _PRECISION_WORDS[key]
    return None


_STAR_RE = re.compile(r"^\s*([0-9]+(?:[.,]0+)?)\s*(?:sao|stars?|\*)?\s*$")


def parse_stars(text: str) -> int | None:
    """Star rating from "4", "4 sao", "4*", "★★★★" or "4.0"; None when it is not a whole number."""
    t = text.strip()
    if t and set(t) <= {"★", "☆", " "}:
        return t.count("★")
    m = _STAR_RE.match(strip_diacritics(t).lower())
    if not m:
        return None
    return int(float(m.group(1).replace(",", ".")))


#: A star rating written as explicitly not known (a certified product whose source gives no rating).
STARS_UNKNOWN: frozenset[str] = frozenset({"unknown", "not stated", "khong ro", "chua ro", "khong neu"})

#: Where a product's OCOP group comes from: a source states it, or a documented rule inferred it.
GROUP_SOURCES: dict[str, str] = {"stated": "stated", "nguon neu": "stated", "neu ro": "stated",
                                 "inferred": "inferred", "suy ra": "inferred", "suy luan": "inferred"}


def parse_float(text: str) -> float | None:
    """A finite decimal number with "." or "," as the decimal mark; None when it is not one ("nan", "inf")."""
    t = text.strip().replace(" ", "")
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")
    try:
        value = float(t)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


_DMS = re.compile(r"""^\s*(?P<sign>[-+])?\s*(?P<deg>\d{1,3}(?:[.,]\d+)?)\s*(?:°|º|d|\s)\s*
                     (?:(?P<min>\d{1,2}(?:[.,]\d+)?)\s*(?:'|′|m|\s)?\s*)?
                     (?:(?P<sec>\d{1,2}(?:[.,]\d+)?)\s*(?:"|″|''|s)?\s*)?
                     (?P<hemi>[NSEWnsew])?\s*$""", re.X)  # fmt: skip


def parse_coordinate(text: str) -> float | None:
    """A latitude or longitude in decimal degrees from what people write: ``10.665709``, ``10,665709`` (decimal
    comma), ``10°39'56.6"N``, ``10 39 56.6`` (degrees, minutes, seconds); None when it is none of these.

    >>> parse_coordinate("10,665709"), parse_coordinate("10 39 56.6"), parse_coordinate("106°38'E")
    (10.665709, 10.665722222222223, 106.63333333333334)
    """
    t = text.strip()
    if not t:
        return None
    value = parse_float(t) if " " not in t else None
    if value is not None:
        return value
    m = _DMS.match(t)
    if m is None or (m["min"] is None and m["sec"] is None and not m["hemi"]):
        return None
    deg, minutes, sec = (float((m[k] or "0").replace(",", ".")) for k in ("deg", "min", "sec"))
    if minutes >= 60 or sec >= 60:
        return None
    value = deg + minutes / 60 + sec / 3600
    negative = m["sign"] == "-" or (m["hemi"] or "").upper() in ("S", "W")
    return -value if negative else value


@dataclass(frozen=True)
class VenueKind:
    """A kind of venue: its code (the ``kind`` value the registry keeps), labels for reports (``vi`` / ``en``)
    and the short labels that pages and map popups show (``short_vi`` / ``short_en``)."""

    code: str
    vi: str
    en: str
    short_vi: str
    short_en: str


#: Venue kinds: places that show, sell or promote OCOP products, and places to stay or eat that do.
VENUE_KINDS: dict[str, VenueKind] = {k.code: k for k in (
    VenueKind("showroom", "Cửa hàng / trung tâm giới thiệu sản phẩm OCOP", "OCOP showroom",
              "Showroom OCOP", "OCOP showroom"),
    VenueKind("display_point", "Điểm trưng bày sản phẩm OCOP", "OCOP display point",
              "Điểm trưng bày OCOP", "OCOP display point"),
    VenueKind("point_of_sale", "Điểm bán sản phẩm OCOP", "OCOP point of sale",
              "Điểm bán sản phẩm OCOP", "OCOP point of sale"),
    VenueKind("fair", "Hội chợ / tuần lễ sản phẩm OCOP", "OCOP fair", "Hội chợ OCOP", "OCOP fair"),
    VenueKind("market", "Chợ / phiên chợ", "Market", "Phiên chợ OCOP", "OCOP market"),
    VenueKind("agritourism", "Du lịch nông nghiệp / cộng đồng", "Agritourism site",
              "Du lịch nông nghiệp", "Agritourism"),
    VenueKind("hotel", "Khách sạn", "Hotel", "Khách sạn", "Hotel"),
    VenueKind("restaurant", "Nhà hàng / quán ăn", "Restaurant", "Nhà hàng", "Restaurant"),
)}  # fmt: skip
#: Kinds that must give their dates (a fair is held on given days only).
DATED_VENUE_KINDS: frozenset[str] = frozenset({"fair"})

#: Folded spellings of venue kinds; a value also matches an alias its first words equal ("hội chợ OCOP 2024").
_VENUE_KIND_ALIASES: dict[str, str] = {
    "showroom": "showroom", "ocop showroom": "showroom", "cua hang ocop": "showroom",
    "cua hang gioi thieu san pham": "showroom", "cua hang gioi thieu va ban san pham": "showroom",
    "trung tam gioi thieu san pham": "showroom", "trung tam gioi thieu va ban san pham": "showroom",
    "display point": "display_point", "diem trung bay": "display_point", "gian hang trung bay": "display_point",
    "khong gian trung bay": "display_point", "khong gian ocop": "display_point",
    "point of sale": "point_of_sale", "pos": "point_of_sale", "diem ban": "point_of_sale",
    "diem ban hang": "point_of_sale", "gian hang": "point_of_sale", "quay ban": "point_of_sale",
    "shop": "point_of_sale",
    "fair": "fair", "trade fair": "fair", "event": "fair", "hoi cho": "fair", "tuan le": "fair",
    "su kien": "fair", "ngay hoi": "fair", "le hoi": "fair", "festival": "fair",
    "market": "market", "night market": "market", "cho": "market", "phien cho": "market", "cho phien": "market",
    "cho dem": "market",
    "agritourism": "agritourism", "agri tourism": "agritourism", "farm": "agritourism", "orchard": "agritourism",
    "community tourism": "agritourism", "du lich nong nghiep": "agritourism", "du lich cong dong": "agritourism",
    "du lich sinh thai": "agritourism", "diem du lich cong dong": "agritourism", "trang trai": "agritourism",
    "nong trai": "agritourism", "vuon": "agritourism", "lang nghe": "agritourism",
    "hotel": "hotel", "khach san": "hotel", "resort": "hotel", "homestay": "hotel",
    "restaurant": "restaurant", "nha hang": "restaurant", "quan an": "restaurant",
}
for _k in VENUE_KINDS.values():
    _VENUE_KIND_ALIASES[_k.code.replace("_", " ")] = _k.code


def parse_venue_kind(text: str) -> str | None:
    """The venue kind code for ``text`` ("Hội chợ", "điểm trưng bày sản phẩm OCOP", "showroom"), or None.

    An exact alias wins; else the longest alias that the text's first words spell."""
    key = re.sub(r"\s+", " ", fold(text).replace("_", " ").replace("-", " ").replace("/", " ")).strip()
    if key in _VENUE_KIND_ALIASES:
        return _VENUE_KIND_ALIASES[key]
    best = ""
    for alias in _VENUE_KIND_ALIASES:
        if key.startswith(alias + " ") and len(alias) > len(best):
            best = alias
    return _VENUE_KIND_ALIASES[best] if best else None


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")


def parse_date(text: str) -> dt.date | None:
    """A calendar date written ``2024-11-06`` (ISO, also as a spreadsheet's ``2024-11-06T00:00:00``) or
    ``6/11/2024`` / ``06-11-2024`` / ``6.11.2024`` (day first, as in Vietnam); None when it is not one."""
    t = text.strip()
    m = _ISO_DAY.match(t)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _DMY.match(t)
        if not m:
            return None
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


# --- phone numbers and web addresses ------------------------------------------------------------

#: Mobile prefixes of Vietnam since the 2018 renumbering (10 digits: 03x, 05x, 07x, 08x, 09x).
_MOBILE_PREFIXES = ("03", "05", "07", "08", "09")
_PHONE_SEPARATORS = re.compile(r"\s*(?:[;,/|]|\bhoặc\b|\bor\b|\bvà\b)\s*", re.IGNORECASE)
_PHONE_CHARS = re.compile(r"^\+?[\d\s.()\-]+$")


def parse_phone(text: str) -> str | None:
    """One Vietnamese phone number written as people do, normalised; None when it is not one.

    Mobiles (10 digits) read ``0903 123 456``, landlines (0 + 2x area code, 11 digits) ``028 3823 4567``,
    hotlines ``1900 1234`` / ``1800 123 456``; ``+84`` / ``84`` / ``0084`` prefixes, dots, dashes, spaces and
    parentheses are accepted.

    >>> parse_phone("+84 903.123.456"), parse_phone("(028) 38 234 567"), parse_phone("1900-1234")
    ('0903 123 456', '028 3823 4567', '1900 1234')
    >>> parse_phone("12345") is None
    True
    """
    t = text.strip()
    if not t or not _PHONE_CHARS.match(t):
        return None
    digits = re.sub(r"\D", "", t)
    if t.startswith("+") or digits.startswith("0084"):
        digits = digits[2:] if digits.startswith("00") else digits
        if not digits.startswith("84"):
            return None  # a foreign number: not a Vietnamese phone
        digits = "0" + digits[2:].removeprefix("0")  # "+84 (0) 903 …"
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if digits.startswith(("1800", "1900")) and len(digits) in (8, 10):
        return f"{digits[:4]} {digits[4:]}" if len(digits) == 8 else f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    if len(digits) == 10 and digits.startswith(_MOBILE_PREFIXES):
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    if len(digits) == 11 and digits.startswith("02"):
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    return None


def parse_phones(text: str) -> tuple[str, ...] | None:
    """Every phone number of a cell (separated by ``;`` ``,`` ``/`` or "hoặc"), normalised by
    :func:`parse_phone`; None when any part is not a phone number, ``()`` for an empty cell."""
    parts = [p for p in _PHONE_SEPARATORS.split(text.strip()) if p.strip()]
    found = [parse_phone(p) for p in parts]
    if any(f is None for f in found):
        return None
    return tuple(dict.fromkeys(f for f in found if f))


def phone_uri(phone: str) -> str:
    """The ``tel:`` link of a normalised Vietnamese number (E.164): ``"0903 123 456"`` -> ``"tel:+84903123456"``;
    a hotline (1800 / 1900) stays national."""
    digits = re.sub(r"\D", "", phone)
    return f"tel:+84{digits[1:]}" if digits.startswith("0") else f"tel:{digits}"


_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")


def parse_website(text: str) -> str | None:
    """A web address as an ``http(s)://`` URL (``www.htx.vn`` -> ``https://www.htx.vn``, host lower-cased);
    None when it is not one (spaces, no dotted host name, another scheme, an e-mail address).

    >>> parse_website("WWW.Example.vn/San-Pham"), parse_website("abc@gmail.com")
    ('https://www.example.vn/San-Pham', None)
    """
    t = text.strip().rstrip(".,;")
    if not t or any(c.isspace() for c in t) or "@" in t.split("/")[0]:
        return None
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", t):
        t = "https://" + t
    try:
        parts = urlsplit(t)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or not _HOST.match(host) or parts.username:
        return None
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


def parse_zalo(text: str) -> str | None:
    """A Zalo contact: the phone number it is registered with (``0903 123 456``) or its ``https://zalo.me/…``
    link (a number in the link is read as the number); None when it is neither."""
    phone = parse_phone(text)
    if phone:
        return phone
    url = parse_website(text)
    if url is None or urlsplit(url).hostname not in ("zalo.me", "www.zalo.me", "chat.zalo.me"):
        return None
    path = urlsplit(url).path.strip("/")
    return parse_phone(path) or (f"https://zalo.me/{path}" if path else None)


_CONTACT_PHONE = re.compile(r"(?<![\w+])(?:\+?84|0084|0|1[89]00)[\d .()\-]{3,16}\d(?![\w])")
_CONTACT_URL = re.compile(r"(?<![@\w.])(?:https?://|www\.)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/[^\s,;]*)?",
                          re.IGNORECASE)
_ZALO_WORD = re.compile(r"\bzalo\b\s*[:：]?\s*", re.IGNORECASE)


def contact_from_text(text: str) -> dict[str, str]:
    """The phone numbers, Zalo and web address found in a free-text contact cell.

    ``"ĐT: 0903.123.456 - Zalo 0912 345 678 - fb.com/htxphuocan"`` gives
    ``{"phone": "0903 123 456", "zalo": "0912 345 678", "website": "https://fb.com/htxphuocan"}``. A number
    right after the word "Zalo" (or a zalo.me link) is the Zalo contact; the other numbers are phones
    (joined by ``", "``); the first other web address is the website. E-mail addresses are not web
    addresses. Keys are present only when found.
    """
    out: dict[str, str] = {}
    phones: list[str] = []
    urls = [m for m in _CONTACT_URL.finditer(text) if "." in m.group(0) and not re.fullmatch(r"[\d.]+", m.group(0))]
    for m in urls:
        zalo = parse_zalo(m.group(0)) if "zalo.me" in m.group(0).lower() else None
        if zalo:
            out.setdefault("zalo", zalo)
        elif (url := parse_website(m.group(0))) is not None and "website" not in out:
            out["website"] = url
    for m in reversed(urls):  # numbers inside a link are not phone numbers
        text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    for m in _CONTACT_PHONE.finditer(text):
        phone = parse_phone(m.group(0).strip(" .-()"))
        if phone is None:
            continue
        before = text[: m.start()]
        zalo_word = _ZALO_WORD.search(before[-12:])
        if zalo_word and before[-12:][zalo_word.end():].strip() == "" and "zalo" not in out:
            out["zalo"] = phone
        elif phone not in phones:
            phones.append(phone)
    if phones:
        out["phone"] = ", ".join(phones)
    return out


# --- column headers -----------------------------------------------------------------------------


def header_key(name: str) -> str:
    """Folded header for alias lookup: "Xã/Phường" -> "xa phuong", "Số_sao" -> "so sao"."""
    return re.sub(r"\s+", " ", fold(name).replace("/", " ").replace("_", " ")).strip()


def _aliases(*names: str) -> tuple[str, ...]:
    return tuple(header_key(n) for n in names)


#: Canonical producer fields and the headers that mean them.
PRODUCER_COLUMNS: dict[str, tuple[str, ...]] = {
    "producer_id": _aliases("producer_id", "producer id", "mã chủ thể", "mã cơ sở", "mã đơn vị", "producer code"),
    "name": _aliases("producer", "producer_name", "name", "tên chủ thể", "chủ thể", "chủ thể sản xuất",
                     "tên cơ sở", "cơ sở sản xuất", "tên doanh nghiệp", "đơn vị", "tên đơn vị"),
    "producer_type": _aliases("producer_type", "type", "loại hình", "loại hình chủ thể", "loại chủ thể"),
    "address": _aliases("address", "địa chỉ", "địa chỉ sản xuất", "địa chỉ cơ sở"),
    "ward": _aliases("ward", "commune", "commune_pre2025", "xã/phường", "phường/xã", "xã", "phường",
                     "xã/phường/thị trấn", "phường/xã/thị trấn"),
    "district": _aliases("district", "district_pre2025", "quận/huyện", "huyện/quận", "quận", "huyện",
                         "quận/huyện/tp"),
    "lat": _aliases("lat", "latitude", "vĩ độ", "approx_lat", "y"),
    "lon": _aliases("lon", "lng", "long", "longitude", "kinh độ", "approx_lon", "x"),
    "location_precision": _aliases("location_precision", "coord_precision", "precision", "độ chính xác"),
    "opening_hours": _aliases("opening_hours", "opening hours", "giờ mở cửa", "thời gian mở cửa",
                              "giờ hoạt động", "giờ đón khách"),
    "visit_minutes": _aliases("visit_minutes", "visit minutes", "thời gian tham quan", "thời gian tham quan (phút)",
                              "phút tham quan"),
    "phone": _aliases("phone", "phone number", "telephone", "tel", "điện thoại", "số điện thoại", "sđt", "sđt liên hệ",
                      "đt", "điện thoại liên hệ", "hotline", "di động"),
    "zalo": _aliases("zalo", "số zalo", "zalo liên hệ"),
    "website": _aliases("website", "web", "web site", "trang web", "trang thông tin điện tử", "fanpage", "facebook"),
    "contact": _aliases("contact", "liên hệ", "thông tin liên hệ", "email"),
    "source": _aliases("source", "sources", "source_url", "nguồn"),
    "notes": _aliases("notes", "note", "ghi chú"),
}

#: Canonical product fields and the headers that mean them ("producer" / "producer_id" link to a producer).
PRODUCT_COLUMNS: dict[str, tuple[str, ...]] = {
    "product_id": _aliases("product_id", "product id", "mã sản phẩm", "mã sp"),
    "name": _aliases("product_name", "product", "tên sản phẩm", "sản phẩm", "tên sp"),
    "ocop_group": _aliases("ocop_group", "group", "nhóm", "nhóm sản phẩm", "phân nhóm", "bộ nhóm", "nhóm ocop",
                           "ngành hàng"),
    "stars": _aliases("stars", "star", "rating", "số sao", "hạng sao", "xếp hạng", "sao", "kết quả xếp hạng"),
    "status": _aliases("status", "trạng thái", "tình trạng"),
    "decision": _aliases("decision", "decision_or_event", "quyết định", "số quyết định", "qđ công nhận",
                         "quyết định công nhận"),
    "year": _aliases("year", "năm", "năm công nhận", "recognition_year", "recognition_batch"),
    "n_products": _aliases("n_products", "n_products_in_row", "số sản phẩm"),
    "group_source": _aliases("group_source", "nguồn nhóm", "nhóm theo"),
    "producer_id": PRODUCER_COLUMNS["producer_id"],
    "producer": PRODUCER_COLUMNS["name"],
    "source": PRODUCER_COLUMNS["source"],
    "notes": PRODUCER_COLUMNS["notes"],
}

#: Canonical venue fields and the headers that mean them (a ``kind`` or ``venue_id`` header makes a venue table).
VENUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "venue_id": _aliases("venue_id", "venue id", "mã điểm", "mã địa điểm", "venue code"),
    "kind": _aliases("kind", "venue_kind", "venue kind", "loại điểm", "loại hình điểm", "loại địa điểm"),
    "name": _aliases("name", "venue", "venue_name", "tên điểm", "tên địa điểm", "tên"),
    "address": PRODUCER_COLUMNS["address"],
    "ward": PRODUCER_COLUMNS["ward"],
    "district": PRODUCER_COLUMNS["district"],
    "lat": PRODUCER_COLUMNS["lat"],
    "lon": PRODUCER_COLUMNS["lon"],
    "location_precision": PRODUCER_COLUMNS["location_precision"],
    "opening_hours": PRODUCER_COLUMNS["opening_hours"],
    "start_date": _aliases("start_date", "start date", "date_from", "ngày bắt đầu", "từ ngày"),
    "end_date": _aliases("end_date", "end date", "date_to", "ngày kết thúc", "đến ngày"),
    "phone": PRODUCER_COLUMNS["phone"],
    "zalo": PRODUCER_COLUMNS["zalo"],
    "website": PRODUCER_COLUMNS["website"],
    "contact": PRODUCER_COLUMNS["contact"],
    "producer_id": PRODUCER_COLUMNS["producer_id"],
    "source": PRODUCER_COLUMNS["source"],
    "notes": PRODUCER_COLUMNS["notes"],
}
#: The headers that tell a venue table from a producer or product table.
VENUE_MARKERS: tuple[str, ...] = ("venue_id", "kind")

#: Producer fields that a flat product list (one row per product) may carry.
FLAT_PRODUCER_FIELDS = ("producer_type", "address", "ward", "district", "lat", "lon", "location_precision",
                        "opening_hours", "visit_minutes", "phone", "zalo", "website", "contact")

ALL_HEADER_KEYS: set[str] = {
    a for v in (*PRODUCER_COLUMNS.values(), *PRODUCT_COLUMNS.values(), *VENUE_COLUMNS.values()) for a in v
}


def match_columns(headers: list[str], schema: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Map canonical field -> the file's header, first matching alias wins; unknown headers are ignored."""
    keys = {header_key(h): h for h in reversed(headers)}
    found: dict[str, str] = {}
    for field_name, aliases in schema.items():
        for alias in aliases:
            if alias in keys and keys[alias] not in found.values():
                found[field_name] = keys[alias]
                break
    return found
