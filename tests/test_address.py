"""The Vietnamese address parser: forms, abbreviations, diacritics, separators."""

from __future__ import annotations

import pytest

from ocop_geo.address import parse_address


@pytest.mark.parametrize(
    ("text", "house", "street", "ward", "district"),
    [
        ("123 Nguyễn Trãi, P.2, Q.5, TP.HCM", "123", "nguyen trai", "2", "5"),
        ("123 nguyen trai p02 q5", "123", "nguyen trai", "2", "5"),
        ("123 NGUYEN TRAI - PHUONG 02 - QUAN 5", "123", "nguyen trai", "2", "5"),
        ("Số 12 đường Lê Lợi, Phường Bến Nghé, Quận 1", "12", "le loi", "ben nghe", "1"),
        ("45/2 Tô Ký, xã Trung Chánh, H. Hóc Môn", "45/2", "to ky", "trung chanh", "hoc mon"),
        ("Đ. Nguyễn Văn Linh, X. Bình Hưng, H. Bình Chánh", "", "nguyen van linh", "binh hung",
         "binh chanh"),
        ("12 Xa lộ Hà Nội, TP Thủ Đức", "12", "xa lo ha noi", "", "thu duc"),
        ("P.5 Q. Binh Thanh", "", "", "5", "binh thanh"),
    ],
)
def test_parses_common_forms(text: str, house: str, street: str, ward: str, district: str) -> None:
    p = parse_address(text)
    assert (p.house, p.street, p.ward, p.district) == (house, street, ward, district)
    assert p.in_hcmc


def test_hamlet_ward_type_and_province() -> None:
    p = parse_address("Ấp 3, xã Trung An, huyện Củ Chi, TP.HCM")
    assert (p.hamlet, p.ward, p.ward_type, p.district) == ("ap 3", "trung an", "xa", "cu chi")
    assert p.province == "hcm"
    assert parse_address("KP 3, TT Củ Chi").hamlet == "khu pho 3"
    assert parse_address("KP 3, TT Củ Chi").ward_type == "thi tran"


def test_names_without_keywords_are_left_for_the_matcher() -> None:
    p = parse_address("Trung An, Cu Chi")
    assert p.names == ("trung an", "cu chi")
    assert not p.ward and not p.district


def test_words_that_look_like_keywords_stay_names() -> None:
    # Dương Bá Trạc is a street, not "đường Bá Trạc"; Tam Thôn Hiệp and Xóm Củi are wards
    assert parse_address("45 Dương Bá Trạc, Phường 1, Quận 8").street == "duong ba trac"
    assert parse_address("Xã Tam Thôn Hiệp, H. Cần Giờ").ward == "tam thon hiep"
    assert parse_address("Phường Xóm Củi, Q8").ward == "xom cui"
    # without diacritics both readings are offered
    p = parse_address("45 Duong Ba Trac, Phuong 1, Quan 8")
    assert {p.street, p.street_alt} == {"ba trac", "duong ba trac"}


def test_other_province_is_recognised() -> None:
    assert not parse_address("12 Lê Lợi, Hoàn Kiếm, Hà Nội").in_hcmc
    assert not parse_address("Xã Tân Hiệp, Huyện Châu Thành, Tỉnh Long An").in_hcmc
    assert parse_address("Xã Tân Hiệp, Huyện Châu Thành, Tỉnh Long An").province == "long an"
    # a lone name is not taken for a province (Bình Thuận is also a ward of Quận 7)
    assert parse_address("Bình Thuận").in_hcmc


def test_empty_and_gibberish() -> None:
    assert parse_address("").is_empty
    assert parse_address("   ").is_empty
    assert parse_address("asdkjh qwe").names == ("asdkjh qwe",)


@pytest.mark.parametrize("text", ["Ấp 3, xã Trung An, huyện Củ Chi, TP.HCM", "123 Nguyễn Trãi, P.2, Q.5",
                                  "Tổ 5, khu phố 2, phường Thạnh Lộc, Quận 12", "Xóm Chiếu, Quận 4"])
def test_decomposed_text_parses_like_composed(text: str) -> None:
    """macOS and Windows-1258 files carry decomposed (NFD) letters; they must not change the parse."""
    import unicodedata
    from dataclasses import replace

    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert replace(parse_address(nfd), raw=text) == parse_address(text)


def test_former_province_qualifier_and_new_unit_are_read_apart() -> None:
    p = parse_address("Phú An, TX Bến Cát (Bình Dương cũ)")
    assert (p.district, p.former_province, p.names) == ("ben cat", "binh duong", ("phu an",))
    p = parse_address("huyện Châu Đức, Bà Rịa – Vũng Tàu")
    assert (p.district, p.former_province) == ("chau duc", "ba ria vung tau")
    p = parse_address("80 Mai Văn Vĩnh, Phường Tân Quy, Quận 7 (nay là Phường Tân Hưng)")
    assert (p.ward, p.district, p.unit_now) == ("tan quy", "7", "phuong tan hung")
    assert parse_address("số 01 đường Ba Cu, Phường Vũng Tàu").street == "ba cu"  # "Cu" is no qualifier
    assert parse_address("7B Thành Thái, Ward 14, District 10").ward == "14"
