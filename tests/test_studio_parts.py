"""The studio's pure parts: fuzzy name search, the overlay, re-timing a hand-made order, route files round trip."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from ocop_geo._errors import InputFileError, ValidationError
from ocop_geo.itinerary import Day, Itinerary, Stop, Totals
from ocop_geo.namesearch import NameEntry, NameIndex
from ocop_geo.overlay import add_edit, apply_overlay, check_edit, read_overlay
from ocop_geo.spec import RouteSpec, load_pois
from ocop_geo.studio_retime import TravelMatrix, retime
from ocop_geo.studio_toml import read_route, route_path, save_route

# --- search ------------------------------------------------------------------------------------------------


def test_a_rare_word_outweighs_generic_ones():
    ix = NameIndex([NameEntry("a", "Khách sạn 46", "poi"), NameEntry("b", "Rex Hotel", "poi"),
                    NameEntry("c", "Khách sạn Hoàng Gia", "poi"), NameEntry("d", "Khách sạn Phú Thọ", "poi")])
    assert ix.search("Khách sạn Rex")[0].entry.ref == "b"
    assert ix.search("rex")[0].entry.ref == "b"
    assert ix.search("REX HOTL")[0].entry.ref == "b"  # a typo
    assert ix.search("khach san hoang")[0].entry.ref == "c"  # accents optional, a prefix
    assert ix.search("zzzz") == []


def test_ids_and_kinds():
    ix = NameIndex([NameEntry("HCM-P04", "Công ty TNHH Đạt Butter", "producer"),
                    NameEntry("HCM-V09", "Nông trại đậu phộng Đạt Butter", "venue")])
    assert ix.search("hcm-p04")[0].entry.ref == "HCM-P04"
    assert [h.entry.ref for h in ix.search("dat butter", kinds=["venue"])] == ["HCM-V09"]


def test_spec_suggestions_use_the_fuzzy_search():
    pois = load_pois()
    assert pois.suggest("Rex")[0] == "Rex Hotel"
    assert pois.suggest("Khách sạn Rex")[0] == "Rex Hotel"
    with pytest.raises(ValidationError, match="did you mean 'Rex Hotel'"):
        RouteSpec.build(id="x", title_vi="x", start="Rex", days=["Sa"], pois=pois)


# --- overlay -----------------------------------------------------------------------------------------------


def _frames():
    producers = gpd.GeoDataFrame({"producer_id": ["P1", "P2"], "name": ["A", "B"], "opening_hours": ["", "Mo-Fr 08:00-17:00"],
                                  "visit_minutes": pd.array([pd.NA, 30], dtype="Int64"), "notes": ["", ""],
                                  "lat": [np.nan, 10.8], "lon": [np.nan, 106.7], "location_precision": ["none", "ward"],
                                  "geocode_note": ["", ""], "ward": ["", ""], "district": ["", ""], "unit_2025": ["", ""]},
                                 geometry=[None, Point(106.7, 10.8)], crs=4326)  # fmt: skip
    venues = gpd.GeoDataFrame({"venue_id": ["V1"], "name": ["S"], "opening_hours": [""], "notes": [""], "lat": [np.nan],
                               "lon": [np.nan], "location_precision": ["none"], "geocode_note": [""]},
                              geometry=[None], crs=4326)  # fmt: skip
    return producers, venues


def test_overlay_is_an_append_only_log_and_the_latest_edit_wins(tmp_path):
    path = tmp_path / "registry_overlay.json"
    assert read_overlay(path) == []
    add_edit(path, kind="producer", id="P1", field="opening_hours", value="Mo-Sa 07:00-17:00", who="Lan", why="phone")
    _, n = add_edit(path, kind="producer", id="P1", field="opening_hours", value="Mo-Su 07:00-17:00", who="Minh",
                    why="visited", expected=1)  # fmt: skip
    add_edit(path, kind="producer", id="P1", field="location", value=[10.8, 106.66], who="Minh", why="pin", expected=n)
    add_edit(path, kind="producer", id="P2", field="visit_minutes", value="60", who="Minh", why="tour", expected=3)
    add_edit(path, kind="producer", id="P9", field="notes", value="gone", who="Minh", why="closed", expected=4)
    with pytest.raises(ValidationError, match="changed since"):
        add_edit(path, kind="producer", id="P1", field="notes", value="x", who="A", why="b", expected=1)
    producers, venues = _frames()
    new, _, notices = apply_overlay(producers, venues, read_overlay(path))
    p1, p2 = new.iloc[0], new.iloc[1]
    assert p1["opening_hours"] == "Mo-Su 07:00-17:00"
    assert (p1["lat"], p1["lon"], p1["location_precision"]) == (10.8, 106.66, "exact")
    assert p1.geometry.equals(Point(106.66, 10.8)) and "Minh" in p1["geocode_note"]
    assert p2["visit_minutes"] == 60
    assert producers.iloc[0]["opening_hours"] == ""  # the input frames are not changed
    assert any("P9" in n and "not applied" in n for n in notices)
    assert len(json.loads(path.read_text(encoding="utf-8"))["edits"]) == 5


@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("opening_hours", "sometimes", "opening hours"), ("visit_minutes", "2", "from 5 to 480"),
    ("visit_minutes", "many", "whole number"), ("location", [48.85, 2.35], "not in Ho Chi Minh City"),
    ("location", "here", "[lat, lon]"), ("stars", 5, "cannot be corrected"),
])  # fmt: skip
def test_bad_corrections_are_refused_with_the_fix(field, value, fragment):
    _, problems = check_edit("producer", field, value)
    assert problems and fragment in problems[0]


def test_a_damaged_overlay_is_named(tmp_path):
    path = tmp_path / "registry_overlay.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(InputFileError, match="registry_overlay.json"):
        read_overlay(path)


# --- re-timing ---------------------------------------------------------------------------------------------


def _stop(seq, kind, sid, lon, hours="", visit=60.0):
    return Stop(seq, kind, sid, sid or kind, 10.8, lon, "exact", None, 0.0, "08:00", "08:00", visit, opening_hours=hours)


def _itinerary():
    stops = (_stop(0, "start", "S", 106.6, visit=0), _stop(1, "producer", "A", 106.7, "Mo-Su 08:00-17:00"),
             _stop(2, "producer", "B", 106.8, "Mo-Su 14:00-15:00"), _stop(3, "end", "S", 106.6, visit=0))
    day = Day(1, "2026-12-05", "Sa", ("08:00", "17:00"), "#d7191c", stops, Totals.of_stops(stops))
    return Itinerary("r", {"vi": "r", "en": "r"}, {}, "motorbike", "", "", (day,), Totals())


def _matrix(minutes=30.0):
    xy = [(106.6, 10.8), (106.7, 10.8), (106.8, 10.8)]
    t = np.full((3, 3), minutes * 60.0)
    np.fill_diagonal(t, 0.0)
    return TravelMatrix(xy, t, t * 10.0)  # 600 m a minute


def _spec(**extra):
    return RouteSpec.build(id="r", title_vi="r", start={"lat": 10.8, "lon": 106.6, "name": "S"}, days=["2026-12-05"],
                           pois=load_pois(), **extra)  # fmt: skip


def test_retime_is_a_pure_function_of_order_and_matrix():
    it = _itinerary()
    a, b = it.days[0].stops[1], it.days[0].stops[2]
    new, warnings = retime(it, [[a, b]], _matrix(), _spec())
    stops = new.days[0].stops
    assert [s.site_id for s in stops] == ["S", "A", "B", "S"]
    assert (stops[0].start, stops[1].arrival, stops[1].start, stops[1].end) == ("08:00", "08:30", "08:30", "09:30")
    assert (stops[2].arrival, stops[2].start, stops[2].wait_min) == ("10:00", "14:00", 240.0)
    assert {w.code for w in warnings} == {"long_wait"}
    assert new.days[0].totals.travel_s == 3 * 30 * 60 and new.days[0].verdict is not None
    again, _ = retime(it, [[a, b]], _matrix(), _spec())
    assert again == new


def test_retime_warns_of_closing_the_day_window_and_the_caps():
    it = _itinerary()
    a, b = it.days[0].stops[1], it.days[0].stops[2]
    _, warnings = retime(it, [[b, a]], _matrix(200.0), _spec(max_km_per_day=100, max_stops_per_day=1))
    codes = {w.code for w in warnings}
    assert {"window", "km", "travel", "stops"} <= codes
    assert all(w.text["vi"] and w.text["en"] for w in warnings)
    late = _stop(1, "producer", "C", 106.7, "Mo-Su 08:00-08:20")
    _, warnings = retime(it, [[late]], _matrix(), _spec())
    assert [w.code for w in warnings] == ["closed"] and "08:30" in warnings[0].text["en"]


def test_retime_checks_the_shape():
    with pytest.raises(ValueError, match="1 days"):
        retime(_itinerary(), [[], []], _matrix(), _spec())


# --- route files -------------------------------------------------------------------------------------------


def test_route_files_round_trip_keep_comments_and_refuse_paths(tmp_path):
    text = '# my route\nid = "a-b"   # the id\ntitle_vi = "A"\ndays = ["Sa"]  # Saturday\n\n[start]\npoi = "Rex Hotel"\n'
    (tmp_path / "a_b.toml").write_text(text, encoding="utf-8")
    opened = read_route(tmp_path, "a_b")
    save_route(tmp_path, "a_b", opened["data"], version=opened["version"])
    assert (tmp_path / "a_b.toml").read_text(encoding="utf-8") == text
    data = {**opened["data"], "days": ["Su"], "min_stars": 4}
    saved, spec = save_route(tmp_path, "a_b", data, version=opened["version"])
    out = (tmp_path / "a_b.toml").read_text(encoding="utf-8")
    assert '# my route' in out and 'days = ["Su"]  # Saturday' in out and "min_stars = 4" in out
    assert spec.days[0].weekday == "Su" and saved["version"] != opened["version"]
    for bad in ("../a_b", "a/b", "A", ""):
        with pytest.raises(ValidationError):
            route_path(tmp_path, bad)
    with pytest.raises(ValidationError, match="exists already|already exists"):
        save_route(tmp_path, "a_b", data, version="new")
