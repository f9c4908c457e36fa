"""Normalising Vietnamese text for comparison. Keep and display the original everywhere else."""

from __future__ import annotations

import re
import unicodedata

#: "Đ" / "đ", and the look-alike "Ð" / "ð" (U+00D0/U+00F0) that old font converters and keyboards produce.
_D_MAP = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s/]")
#: Type words before an administrative name, after :func:`fold` ("Q." folds to "q ", "TP." to "tp ").
_UNIT_TYPE = {
    "district": re.compile(r"^(quan|huyen|thanh pho|tp|thi xa|tx|district|q|h)\s+"),
    "ward": re.compile(r"^(phuong|xa|thi tran|tt|dac khu|ward|commune|town|p|x)\s+"),
}
_PADDED_NUMBER = re.compile(r"\b0+(\d)")


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics, keeping the case: ``"Thủ Đức" -> "Thu Duc"`` (đ becomes d, Đ becomes D).

    >>> strip_diacritics("Thủ Đức, đường Đồng Khởi")
    'Thu Duc, duong Dong Khoi'
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def fold(text: object) -> str:
    """Comparison key: NFC, no diacritics, lower case, punctuation to spaces, single spaces.

    >>> fold("  Xã  Tân Quý Tây ")
    'xa tan quy tay'
    >>> fold("HỢP TÁC XÃ") == fold("hop tac xa")
    True
    """
    if text is None:
        return ""
    s = strip_diacritics(unicodedata.normalize("NFC", str(text))).lower()
    s = _PUNCT.sub(" ", s)
    return _SPACES.sub(" ", s).strip()


def slugify(text: str, *, max_length: int = 60) -> str:
    """A safe file-name slug (ASCII letters, digits, dashes); never empty, never a path.

    >>> slugify("Củ Chi / ../etc")
    'cu-chi-etc'
    """
    s = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:max_length].strip("-")
    return s or "item"


#: Abbreviations of business forms in producer names, spelled out for comparison ("HTX" = "Hợp tác xã").
_BUSINESS_ABBREVIATIONS = {"htx": "hop tac xa", "cty": "cong ty", "ct": "cong ty", "tnhh": "trach nhiem huu han",
                           "cp": "co phan", "dntn": "doanh nghiep tu nhan", "thtx": "to hop tac", "tht": "to hop tac",
                           "csx": "co so san xuat", "cs": "co so", "hkd": "ho kinh doanh", "mtv": "mot thanh vien",
                           "xnk": "xuat nhap khau", "tm": "thuong mai", "dv": "dich vu", "sx": "san xuat"}  # fmt: skip


def producer_name_key(name: object) -> str:
    """A producer's name for comparison: folded, punctuation dropped and business forms spelled out, so
    "HTX Phước An", "Hợp tác xã Phước An" and "H.T.X. PHƯỚC AN" compare equal.

    >>> producer_name_key("HTX Phước An") == producer_name_key("Hợp tác xã  Phước An") == producer_name_key("H.T.X Phước An")
    True
    >>> producer_name_key("Cty TNHH MTV Thiên Nhiên Việt")
    'cong ty trach nhiem huu han mot thanh vien thien nhien viet'
    """
    raw = re.sub(r"\b(?:\w\.){2,}\w?", lambda m: m.group(0).replace(".", ""), str(name or ""))  # "H.T.X" -> "HTX"
    words = _PUNCT.sub(" ", fold(raw)).split()
    return " ".join(_BUSINESS_ABBREVIATIONS.get(w, w) for w in words)


def admin_key(name: object, *, level: str = "ward") -> str:
    """Comparison key of an administrative unit's name: folded, type word dropped, numbers unpadded.

    The one normaliser of ward / commune and district names (gazetteer, geocoder, route specs).
    ``level`` is ``{"ward", "district"}``; the 2025 units have no district level and use "ward".

    >>> admin_key("Phường 02"), admin_key("P.2"), admin_key("Xã Tân Thông Hội")
    ('2', '2', 'tan thong hoi')
    >>> admin_key("Huyện Củ Chi", level="district") == admin_key("H. Củ Chi", level="district") == "cu chi"
    True
    >>> admin_key("Quận 03", level="district"), admin_key("TP. Thủ Đức", level="district")
    ('3', 'thu duc')
    """
    if level not in _UNIT_TYPE:
        raise ValueError(f"level must be 'ward' or 'district', not {level!r}")
    key = _UNIT_TYPE[level].sub("", fold(name))
    return _PADDED_NUMBER.sub(r"\1", key)
