"""The itinerary JSON contract: round trip, atomic UTF-8 writing, and validation messages."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest

from ocop_geo._errors import InputFileError
from ocop_geo.itinerary import (
    CSV_COLUMNS,
    SCHEMA,
    Day,
    Itinerary,
    Leg,
    NotChosen,
    Product,
    Stop,
    Totals,
    read_itinerary,
    write_itinerary,
    write_itinerary_csv,
)


def _example() -> Itinerary:
    """A small hand-written itinerary (illustrative values, not a planner result)."""
    start = Stop(0, "start", "poi-ben-thanh", "Chợ Bến Thành", 10.772, 106.698, "exact",
                 None, 0, "08:00", "08:00", 0)  # fmt: skip
    leg = Leg(4300.0, 42000.0, ((106.698, 10.772), (106.65, 10.9), (106.61, 10.97)))
    visit = Stop(
        1, "producer", "HCM-P004", "Công ty TNHH Đạt Butter", 10.97, 106.61, "commune",
        "09:12", 0, "09:12", "09:57", 45, leg, district="Củ Chi", ward="Hòa Phú", stars=4,
        score=12.0, groups=("Thực phẩm",),
        products=(Product("Bơ đậu phộng", 4, "Thực phẩm", "Food"),),
        opening_hours="Mo-Sa 07:30-17:00",
    )  # fmt: skip
    back = Leg(4400.0, 42500.0, ((106.61, 10.97), (106.698, 10.772)), True, "straight line")
    end = Stop(2, "end", "poi-ben-thanh", "Chợ Bến Thành", 10.772, 106.698, "exact",
               "11:10", 0, "11:10", "11:10", 0, back)  # fmt: skip
    stops = (start, visit, end)
    day = Day(1, "2026-12-05", "Sa", ("08:00", "17:30"), "#d7191c", stops, Totals.of_stops(stops))
    return Itinerary(
        route_id="cu-chi-food-day",
        title={"vi": "Ẩm thực Củ Chi", "en": "Cu Chi food day"},
        description={"vi": "", "en": ""},
        mode="motorbike",
        generated_at="2026-11-28T13:00:00+07:00",
        spec_file="data/routes/cu_chi_food.toml",
        days=(day,),
        totals=Totals(8700.0, 84500.0, 45, 12.0, 1, 1),
        not_chosen=(NotChosen("HCM-P009", "HTX Xanh", "closed", "closed on Sunday"),),
        warnings=("HCM-P004 is located only at commune level (Hòa Phú)",),
    )


def test_round_trip_keeps_every_field(tmp_path):
    it = _example()
    path = write_itinerary(it, tmp_path / "out" / "itinerary.json")
    again = read_itinerary(path)
    assert again == it
    raw = path.read_text(encoding="utf-8")
    assert "Chợ Bến Thành" in raw  # ensure_ascii=False keeps diacritics readable
    data = json.loads(raw)
    assert data["schema"] == SCHEMA
    assert data["days"][0]["stops"][1]["leg_in"]["coordinates"][0] == [106.698, 10.772]
    assert "stars" not in data["days"][0]["stops"][0]  # producer fields only on producer stops
    assert data["totals"]["n_days"] == 1 and "n_days" not in data["days"][0]["totals"]


def test_day_totals_sum_legs_and_visits():
    t = _example().days[0].totals
    assert t.travel_s == pytest.approx(8700.0)
    assert t.distance_m == pytest.approx(84500.0)
    assert (t.visit_min, t.score, t.n_stops) == (45, 12.0, 1)


def _write(tmp_path, data) -> str:
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return p


def test_wrong_schema_and_fields_are_all_named(tmp_path):
    data = _example().to_dict()
    data["schema"] = "other/9"
    data["days"][0]["stops"][1]["arrival"] = "9h12"
    data["days"][0]["stops"][1]["leg_in"]["coordinates"] = [[1.0]]
    data["not_chosen"][0]["code"] = "tired"
    with pytest.raises(InputFileError) as err:
        read_itinerary(_write(tmp_path, data))
    msg = str(err.value)
    assert "bad.json" in msg
    assert "schema" in msg
    assert "days[0].stops[1].arrival" in msg
    assert "days[0].stops[1].leg_in.coordinates" in msg
    assert "not_chosen[0].code" in msg


def test_missing_field_and_broken_json(tmp_path):
    data = _example().to_dict()
    del data["days"][0]["window"]
    with pytest.raises(InputFileError, match=r"days\[0\]\.window: is missing"):
        read_itinerary(_write(tmp_path, data))
    p = tmp_path / "broken.json"
    p.write_text("{", encoding="utf-8")
    with pytest.raises(InputFileError, match="broken.json: not valid JSON"):
        read_itinerary(p)
    with pytest.raises(InputFileError, match="file not found"):
        read_itinerary(tmp_path / "nope.json")


def test_sequence_checks(tmp_path):
    data = _example().to_dict()
    data["days"][0]["stops"][2]["seq"] = 7
    with pytest.raises(InputFileError, match=r"stops\[2\]\.seq: is 7, expected 2"):
        read_itinerary(_write(tmp_path, data))


def test_csv_has_one_row_per_stop(tmp_path):
    path = write_itinerary_csv(_example(), tmp_path / "itinerary.csv")
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["kind"] for r in rows] == ["start", "producer", "end"]
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1]["leg_travel_min"] == "71.7"
    assert rows[2]["leg_off_network"] == "true"
    assert rows[1]["products"] == "Bơ đậu phộng"


def test_itinerary_csv_neutralises_formulas_and_folders_are_input_errors(tmp_path):
    import dataclasses

    from ocop_geo._errors import InputFileError
    from ocop_geo.itinerary import Itinerary, read_itinerary, write_itinerary, write_itinerary_csv

    write_itinerary(_example(), tmp_path / "it.json")
    it = read_itinerary(tmp_path / "it.json")
    day = it.days[0]
    hostile = dataclasses.replace(day.stops[1], name="=HYPERLINK(\"http://x\")")
    it = dataclasses.replace(it, days=(dataclasses.replace(day, stops=(day.stops[0], hostile, *day.stops[2:])),))
    assert isinstance(it, Itinerary)
    text = write_itinerary_csv(it, tmp_path / "it.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    with pytest.raises(InputFileError, match="cannot be read"):
        read_itinerary(tmp_path)


def test_geodataframes_of_stops_and_legs_go_straight_into_a_geopackage(tmp_path):
    import geopandas as gpd

    stops, legs = _example().to_geodataframes()
    assert stops.crs.to_epsg() == legs.crs.to_epsg() == 4326
    assert stops["name"].tolist() == ["Chợ Bến Thành", "Công ty TNHH Đạt Butter", "Chợ Bến Thành"]
    assert stops.loc[1, ["day", "seq", "kind", "stars", "products"]].tolist() == [1, 1, "producer", 4, "Bơ đậu phộng"]
    assert (stops.geometry.x.tolist(), stops.geometry.y.tolist()) == ([106.698, 106.61, 106.698], [10.772, 10.97, 10.772])
    assert legs[["to_seq", "from_name", "to_name"]].values.tolist() == [
        [1, "Chợ Bến Thành", "Công ty TNHH Đạt Butter"], [2, "Công ty TNHH Đạt Butter", "Chợ Bến Thành"]]
    assert legs["distance_km"].tolist() == [42.0, 42.5] and legs["off_network"].tolist() == [False, True]
    assert len(legs.geometry.iloc[0].coords) == 3  # the road line, not a straight segment
    path = tmp_path / "route.gpkg"
    stops.to_file(path, layer="stops")
    legs.to_file(path, layer="legs")
    assert len(gpd.read_file(path, layer="stops")) == 3 and len(gpd.read_file(path, layer="legs")) == 2


def _with_units() -> Itinerary:
    """The example with 2025 units: the producer's (illustrative) and a venue stop (kind "poi", site_id its
    venue_id) in the former Bà Rịa–Vũng Tàu, which has a 2025 unit and no old district."""
    import dataclasses

    it = _example()
    day = it.days[0]
    start, visit, end = day.stops
    visit = dataclasses.replace(visit, unit_2025="Xã Bình Mỹ")
    venue = Stop(2, "poi", "VEN-003", "Sự kiện quảng bá sản phẩm OCOP TP.HCM 2025", 10.3538, 107.0742, "ward",
                 "12:00", 0, "12:00", "12:30", 30, None, ward="Phường Vũng Tàu", unit_2025="Phường Vũng Tàu")  # fmt: skip
    end = dataclasses.replace(end, seq=3)
    stops = (start, visit, venue, end)
    return dataclasses.replace(it, days=(dataclasses.replace(day, stops=stops, totals=Totals.of_stops(stops)),))


def test_unit_2025_round_trips_and_old_files_without_it_still_read(tmp_path):
    it = _with_units()
    path = write_itinerary(it, tmp_path / "it.json")
    assert read_itinerary(path) == it
    stops = json.loads(path.read_text(encoding="utf-8"))["days"][0]["stops"]
    assert stops[1]["unit_2025"] == "Xã Bình Mỹ"
    assert stops[2]["unit_2025"] == "Phường Vũng Tàu" and stops[2]["ward"] == "Phường Vũng Tàu"
    assert "district" not in stops[2] and "stars" not in stops[2]  # a venue stop writes what it has, no producer fields
    assert "unit_2025" not in stops[0] and "ward" not in stops[0]
    # a file written before unit_2025 existed: no such key anywhere
    old = _example().to_dict()
    assert "unit_2025" not in json.dumps(old)
    again = read_itinerary(_write(tmp_path, old))
    assert [s.unit_2025 for _, s in again.stops()] == ["", "", ""]
    assert again == _example()
    bad = it.to_dict()
    bad["days"][0]["stops"][1]["unit_2025"] = 7
    with pytest.raises(InputFileError, match=r"days\[0\]\.stops\[1\]\.unit_2025: 7 is not text"):
        read_itinerary(_write(tmp_path, bad))


def test_unit_2025_in_the_csv_and_the_geodataframes(tmp_path):
    it = _with_units()
    rows = list(csv.DictReader(write_itinerary_csv(it, tmp_path / "it.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert CSV_COLUMNS.index("unit_2025") == CSV_COLUMNS.index("ward") + 1
    assert [(r["ward"], r["district"], r["unit_2025"]) for r in rows] == [
        ("", "", ""), ("Hòa Phú", "Củ Chi", "Xã Bình Mỹ"), ("Phường Vũng Tàu", "", "Phường Vũng Tàu"), ("", "", "")]
    stops, _ = it.to_geodataframes()
    assert stops["unit_2025"].tolist() == ["", "Xã Bình Mỹ", "Phường Vũng Tàu", ""]
    assert list(stops.columns).index("unit_2025") == list(stops.columns).index("ward") + 1


def test_a_stop_visiting_producers_at_one_location_lists_them_all(tmp_path):
    it = _example()
    day = it.days[0]
    shared = replace(day.stops[1], name="Công ty TNHH Đạt Butter + HTX Hòa Phú", producer_ids=("HCM-P004", "HCM-P099"))
    it2 = replace(it, days=(replace(day, stops=(day.stops[0], shared, day.stops[2])),))
    back = read_itinerary(write_itinerary(it2, tmp_path / "it.json"))
    assert back.days[0].stops[1].producers == ("HCM-P004", "HCM-P099")
    assert _example().days[0].stops[1].producers == ("HCM-P004",)  # one producer: its site_id
    assert back.days[0].stops[0].producers == ()  # the start visits no producer


# --- address and contact (issue 13.5); the numbers are invented TEST FIXTURES -------------------------

_CONTACTS = {
    "HCM-P004": {"address": "Ấp Phú Lợi, xã Hòa Phú, huyện Củ Chi", "phone": "0900 000 101", "zalo": "0900 000 102",
                 "website": ""},
    "HCM-P099": {"address": "", "phone": "", "zalo": "", "website": "https://htx-hoaphu.example.vn"},
    "poi-ben-thanh": {"address": "Lê Lợi, Bến Thành, Quận 1", "phone": "", "zalo": "", "website": ""},
}  # fmt: skip


def test_contacts_reach_the_stops_and_round_trip_and_old_files_still_read(tmp_path):
    from ocop_geo.itinerary import CONTACT_FIELDS, with_contacts

    it = _example()
    day = it.days[0]
    shared = replace(day.stops[1], producer_ids=("HCM-P004", "HCM-P099"), hours_assumed=True)
    it = with_contacts(replace(it, days=(replace(day, stops=(day.stops[0], shared, day.stops[2])),)), _CONTACTS)
    visit = it.days[0].stops[1]
    assert [getattr(visit, k) for k in CONTACT_FIELDS] == [
        "Ấp Phú Lợi, xã Hòa Phú, huyện Củ Chi", "0900 000 101", "0900 000 102", "https://htx-hoaphu.example.vn"]
    assert it.days[0].stops[0].address == "Lê Lợi, Bến Thành, Quận 1" and it.days[0].stops[0].phone == ""
    path = write_itinerary(it, tmp_path / "it.json")
    assert read_itinerary(path) == it
    stops = json.loads(path.read_text(encoding="utf-8"))["days"][0]["stops"]
    assert stops[1]["phone"] == "0900 000 101" and stops[1]["hours_assumed"] is True
    assert "phone" not in stops[0] and "hours_assumed" not in stops[0]  # written only when known
    old = _example().to_dict()  # written before the contact fields: none of the keys
    assert not {"address", "phone", "zalo", "website", "hours_assumed"} & set(json.dumps(old).replace('"', " ").split())
    again = read_itinerary(_write(tmp_path, old))
    assert again == _example() and again.days[0].stops[1].hours_assumed is None
    rows = list(csv.DictReader(write_itinerary_csv(it, tmp_path / "it.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [rows[1][k] for k in CONTACT_FIELDS] == [getattr(visit, k) for k in CONTACT_FIELDS]
    bad = it.to_dict()
    bad["days"][0]["stops"][1]["phone"] = 903123456
    with pytest.raises(InputFileError, match=r"days\[0\]\.stops\[1\]\.phone: 903123456 is not text"):
        read_itinerary(_write(tmp_path, bad))


def test_csv_legs_are_zero_not_blank_and_the_json_round_trip_gives_the_same_bytes(tmp_path):
    it = _example()
    day = it.days[0]
    start, visit, end = day.stops
    # a lunch at the producer's own place (no leg), values that round differently before and after the JSON
    visit = replace(visit, leg_in=replace(visit.leg_in, travel_s=4321.04999, distance_m=21924.96), wait_min=12.25)
    lunch = Stop(2, "lunch", None, "Nghỉ trưa", visit.lat, visit.lon, "exact", "09:57", 0, "09:57", "10:57", 60,
                 opening_hours="Mo-Su 10:00-14:00")  # fmt: skip
    stops = (start, visit, lunch, replace(end, seq=3))
    it = replace(it, days=(replace(day, stops=stops, totals=Totals.of_stops(stops)),))
    planned = write_itinerary_csv(it, tmp_path / "plan.csv").read_bytes()
    exported = write_itinerary_csv(read_itinerary(write_itinerary(it, tmp_path / "it.json")), tmp_path / "x.csv")
    assert exported.read_bytes() == planned
    rows = list(csv.DictReader(planned.decode("utf-8-sig").splitlines()))
    for r in (rows[0], rows[2]):  # the start and the lunch at the same place: legs of 0, never blank
        assert (r["leg_travel_min"], r["leg_distance_km"], r["leg_off_network"]) == ("0.0", "0.0", "false")
    assert rows[2]["opening_hours"] == "Mo-Su 10:00-14:00"  # a non-producer stop keeps its hours
    assert rows[1]["leg_distance_km"] == "21.93"  # 21925.0 m as the JSON stores it
