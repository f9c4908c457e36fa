"""The one Vietnamese comparison key: NFC / NFD / Windows-1258 spellings fold alike; slugs are safe."""

from __future__ import annotations

import unicodedata

import pytest
from tests_helpers_encoding import to_cp1258

from ocop_geo.textnorm import admin_key, fold, slugify, strip_diacritics


def test_fold_is_the_same_for_nfc_nfd_and_windows_1258_text():
    nfc = "Xã Tân Thạnh Đông, huyện Củ Chi"
    nfd = unicodedata.normalize("NFD", nfc)
    cp1258 = to_cp1258(nfc).decode("cp1258")  # Windows-1258 keeps tones as combining marks
    assert nfd != nfc and cp1258 != nfc
    assert fold(nfc) == fold(nfd) == fold(cp1258) == "xa tan thanh dong huyen cu chi"


def test_strip_diacritics_keeps_case_including_d_with_stroke():
    assert strip_diacritics("Thủ Đức, đường Đồng Khởi") == "Thu Duc, duong Dong Khoi"
    assert strip_diacritics(unicodedata.normalize("NFD", "ĐẮK")) == "DAK"


def test_look_alike_eth_folds_like_d_with_stroke():
    assert fold("\u00d0ồng Khởi, Q.1") == fold("Đồng Khởi, Q.1") == "dong khoi q 1"
    assert fold("Thủ \u00d0ức") == "thu duc"


def test_fold_handles_punctuation_and_non_text():
    assert fold("  TP.HCM -- Q.5 ") == "tp hcm q 5"
    assert fold(None) == "" and fold(12) == "12"


@pytest.mark.parametrize("text", ["../../etc/passwd", "/abs/path", "<img src=x onerror=alert(1)>", "", "..",
                                  "{{7*7}}", "Củ Chi / ../etc"])
def test_slugify_never_leaves_the_folder(text):
    slug = slugify(text)
    assert slug and set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert not slug.startswith("-") and ".." not in slug


@pytest.mark.parametrize(
    ("name", "level", "key"),
    [
        ("Phường 02", "ward", "2"),
        ("P.2", "ward", "2"),
        ("phuong 2", "ward", "2"),
        ("Xã Tân Thông Hội", "ward", "tan thong hoi"),
        ("Thị trấn Củ Chi", "ward", "cu chi"),
        ("TT. Củ Chi", "ward", "cu chi"),
        ("Đặc khu Côn Đảo", "ward", "con dao"),
        ("Huyện Củ Chi", "district", "cu chi"),
        ("H. Củ Chi", "district", "cu chi"),
        ("Quận 03", "district", "3"),
        ("Q.3", "district", "3"),
        ("TP. Thủ Đức", "district", "thu duc"),
        ("Thành phố Thủ Đức", "district", "thu duc"),
        ("Hóc Môn", "district", "hoc mon"),  # 'h' only as a word of its own
        ("Quận Phú Nhuận", "district", "phu nhuan"),
    ],
)
def test_admin_key_is_one_key_for_the_ways_people_write_a_unit(name, level, key):
    assert admin_key(name, level=level) == key


def test_admin_key_rejects_an_unknown_level():
    with pytest.raises(ValueError, match="ward' or 'district"):
        admin_key("Củ Chi", level="province")
