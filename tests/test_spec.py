"""Route spec TOML: parsing, POI resolution in the bundled POI layer, and collected validation."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from ocop_geo import settings
from ocop_geo._errors import InputFileError, ValidationError
from ocop_geo.spec import load_pois, load_spec, parse_spec
from ocop_geo.textnorm import admin_key

ROUTES = settings.data_dir / "routes"

GOOD = """
id = "test-route"
title_vi = "Tuyến thử"
title_en = "Test route"
mode = "motorbike"
days = ["2026-12-05", { date = "2026-12-06", window = ["07:30", "18:00"] }]
day_window = ["08:00", "17:30"]
themes = ["Thực phẩm", "beverages"]
districts = ["Huyện Củ Chi", "Hóc Môn"]
min_stars = 4
must_visit = ["HCM-P04"]
exclude = ["HCM-P01"]
max_stops_per_day = 4
default_visit_minutes = 40
seed = 7
time_limit = 1.5

[start]
poi = "cho ben thanh"

[end]
lat = 10.7756
lon = 106.7011
name = "Rex Hotel lobby"

[lunch]
window = ["11:00", "13:00"]
minutes = 45
poi = "Chợ Hóc Môn"

[score]
star_4 = 8
per_product = 0.5
"""


@pytest.fixture(scope="module")
def pois():
    return load_pois()


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "route.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_spec_resolves_everything(tmp_path, pois):
    spec = load_spec(_write(tmp_path, GOOD), pois=pois)
    assert spec.id == "test-route" and spec.title["en"] == "Test route"
    assert spec.start.kind == "poi" and spec.start.name == "Chợ Bến Thành"
    assert spec.start.ref == "way/39514795"
    assert math.isclose(spec.start.lat, 10.7725, abs_tol=1e-3)
    assert spec.end.kind == "point" and spec.end.name == "Rex Hotel lobby"
    assert [d.weekday for d in spec.days] == ["Sa", "Su"]
    assert spec.days[0].window == (480, 1050) and spec.days[1].window == (450, 1080)
    assert spec.days[1].date == dt.date(2026, 12, 6)
    assert spec.lunch.place.name == "Chợ Hóc Môn" and spec.lunch.minutes == 45
    assert spec.themes == ("Thực phẩm", "Đồ uống")
    assert spec.score.star_4 == 8.0 and spec.score.per_product == 0.5
    assert (spec.min_stars, spec.max_stops_per_day, spec.default_visit_minutes) == (4, 4, 40)
    assert (spec.seed, spec.time_limit) == (7, 1.5)


def test_every_problem_is_reported_at_once(pois):
    data = {
        "id": "Bad Id",
        "mode": "rocket",
        "days": ["2026-02-30", "Xx"],
        "start": {"poi": "Chợ Bến Thàn"},
        "themes": ["spaceships"],
        "min_stars": 9,
        "must_visit": ["HCM-P01"],
        "exclude": ["HCM-P01"],
        "lunch": {"window": ["13:00", "11:00"]},
        "colour": "red",
    }
    with pytest.raises(ValidationError) as err:
        parse_spec(data, source="routes/bad.toml", pois=pois)
    problems = err.value.problems
    text = "\n".join(problems)
    assert all(p.startswith("routes/bad.toml: ") for p in problems)
    for fieldname in (
        "id:", "title_vi:", "mode:", "days[0]:", "days[1]:", "start.poi:", "themes[0]:",
        "min_stars:", "must_visit:", "lunch.window:", "colour:",
    ):  # fmt: skip
        assert fieldname in text, fieldname
    assert "did you mean 'Chợ Bến Thành'" in text
    assert "motorbike" in text  # says which modes exist


def test_misspelt_keys_in_tables_are_named(pois):
    data = {"id": "x", "title_vi": "X", "days": [{"dat": "2026-12-05"}],
            "start": {"poi": "Rex Hotel", "nam": "typo"}, "lunch": {"window": ["11:00", "12:00"], "minute": 30}}  # fmt: skip
    with pytest.raises(ValidationError) as err:
        parse_spec(data, pois=pois)
    text = str(err.value)
    assert (
        "start.nam: is not a known field" in text and "lunch.minute: is not a known field" in text
    )
    assert "days[0].dat: is not a known field" in text


def test_missing_start_and_days(pois):
    with pytest.raises(ValidationError) as err:
        parse_spec({"id": "x", "title_vi": "X"}, pois=pois)
    text = str(err.value)
    assert "start: is missing" in text and "days: is missing" in text


def test_place_forms(pois):
    base = {"id": "x", "title_vi": "X", "days": ["Sa"]}
    by_osm = parse_spec({**base, "start": {"osm": "way/39598474"}}, pois=pois)
    assert by_osm.start.name == "Rex Hotel" and by_osm.end == by_osm.start
    by_producer = parse_spec({**base, "start": {"producer": "HCM-P04"}}, pois=pois)
    assert by_producer.start.kind == "producer" and math.isnan(by_producer.start.lat)
    with pytest.raises(ValidationError, match=r"start\.lat/lon"):
        parse_spec({**base, "start": {"lat": 106.7, "lon": 10.77, "name": "swapped"}}, pois=pois)
    with pytest.raises(ValidationError, match="exactly one of"):
        parse_spec({**base, "start": {"poi": "Rex Hotel", "lat": 10.7, "lon": 106.7}}, pois=pois)
    with pytest.raises(ValidationError, match="mixes dates and weekdays"):
        parse_spec({**base, "start": "Rex Hotel", "days": ["Sa", "2026-12-06"]}, pois=pois)


def test_lunch_must_fit_the_day(pois):
    data = {
        "id": "x", "title_vi": "X", "days": ["Sa"], "start": "Rex Hotel",
        "day_window": ["08:00", "12:00"], "lunch": {"window": ["11:30", "12:00"], "minutes": 60},
    }  # fmt: skip
    with pytest.raises(ValidationError, match="lunch.window: does not fit inside the day window"):
        parse_spec(data, pois=pois)


def test_file_errors(tmp_path):
    with pytest.raises(InputFileError, match="file not found"):
        load_spec(tmp_path / "nope.toml")
    bad = _write(tmp_path, 'id = "x"\ntitle_vi = \n')
    with pytest.raises(InputFileError, match="route.toml: not valid TOML"):
        load_spec(bad)


def test_district_names_compare_by_admin_key():
    assert admin_key("Quận 3", level="district") == admin_key("Q.3", level="district") == "3"
    assert admin_key("Huyện Cần Giờ", level="district") == admin_key("can gio", level="district")


@pytest.mark.parametrize("path", sorted(ROUTES.glob("*.toml")), ids=lambda p: p.stem)
def test_bundled_specs_are_valid(path, pois):
    spec = load_spec(path, pois=pois)
    assert spec.id and spec.title["vi"] and spec.title["en"]
    assert spec.days


def test_bundled_specs_cover_the_brief(pois):
    specs = {p.stem: load_spec(p, pois=pois) for p in ROUTES.glob("*.toml")}
    assert len(specs) >= 3
    assert any(len(s.days) >= 2 and s.mode == "coach" for s in specs.values())
    assert any("Cần Giờ" in s.districts for s in specs.values())
    assert any(s.mode == "motorbike" and "Củ Chi" in s.districts for s in specs.values())


def test_unknown_district_is_named(pois):
    from ocop_geo.spec import known_districts

    data = {"id": "x", "title_vi": "X", "days": ["Sa"], "start": "Rex Hotel",
            "districts": ["Củ Chi", "Cu Chii", "District 3", "Thủ Đức"]}  # fmt: skip
    with pytest.raises(ValidationError) as err:
        parse_spec(data, pois=pois, districts=known_districts())
    assert err.value.problems == [
        "<spec>: districts[1]: 'Cu Chii' is not a Ho Chi Minh City district; use e.g. 'Củ Chi', 'Quận 3'"
    ]


def test_a_folder_is_not_a_spec(tmp_path):
    from ocop_geo._errors import InputFileError
    from ocop_geo.spec import load_spec

    with pytest.raises(InputFileError, match="cannot be read"):
        load_spec(tmp_path)


def test_a_required_text_left_empty_is_a_problem():
    with pytest.raises(ValidationError) as err:
        parse_spec({"id": "x-day", "title_vi": "  ", "days": ["Sa"], "start": {"lat": 10.77, "lon": 106.69,
                                                                             "name": "Khách sạn"}})
    assert any(p.endswith("title_vi: is empty; write it in the quotes") for p in err.value.problems)
