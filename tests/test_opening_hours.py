"""OSM opening_hours: the common forms, daily windows, and errors that quote the text."""

from __future__ import annotations

import datetime as dt

import pytest

from ocop_geo._errors import ValidationError
from ocop_geo.opening_hours import (
    WEEKDAYS,
    format_hhmm,
    parse_hhmm,
    parse_opening_hours,
    weekday_code,
)


def test_weekday_range():
    oh = parse_opening_hours("Mo-Sa 07:30-17:00")
    assert oh.windows("Mo") == ((450, 1020),)
    assert oh.windows("Sa") == ((450, 1020),)
    assert oh.windows("Su") == ()
    assert [d for d in WEEKDAYS if not oh.is_open(d)] == ["Su"]


def test_split_day_and_later_rule_overrides():
    oh = parse_opening_hours("Mo-Sa 08:00-11:30,13:30-17:00; Sa 08:00-12:00; Su off")
    assert oh.windows("We") == ((480, 690), (810, 1020))
    assert oh.windows("Sa") == ((480, 720),)
    assert not oh.is_open("Su")


def test_day_list_wrap_and_no_selector():
    oh = parse_opening_hours("Mo,We,Fr 08:00-17:00")
    assert [oh.is_open(d) for d in ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")] == [
        True, False, True, False, True, False, False,
    ]  # fmt: skip
    wrap = parse_opening_hours("Fr-Mo 09:00-18:00")
    assert [d for d in WEEKDAYS if not wrap.is_open(d)] == ["Tu", "We", "Th"]
    every = parse_opening_hours("06:00-10:00, 15:00-19:00")
    assert every.windows("Su") == ((360, 600), (900, 1140))


def test_24_7_and_24_00_and_overnight():
    assert parse_opening_hours("24/7").windows("Su") == ((0, 1440),)
    assert parse_opening_hours("Mo-Su 16:00-24:00").windows("Tu") == ((960, 1440),)
    night = parse_opening_hours("Sa 18:00-02:00")
    assert night.windows("Sa") == ((1080, 1440),)
    assert any("past midnight" in n for n in night.notes)


def test_public_holidays_apply_only_to_given_dates():
    oh = parse_opening_hours("Mo-Sa 07:30-17:00; PH off")
    national_day = dt.date(2026, 9, 2)  # a Wednesday
    assert oh.windows(national_day) == ((450, 1020),)
    assert oh.windows(national_day, holidays={national_day}) == ()
    assert any("PH" in n for n in oh.notes)


def test_windows_by_date():
    oh = parse_opening_hours("Mo-Fr 08:00-17:00")
    assert weekday_code(dt.date(2026, 12, 5)) == "Sa"
    assert oh.windows(dt.date(2026, 12, 5)) == ()
    assert oh.windows(dt.date(2026, 12, 7)) == ((480, 1020),)


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("Mon-Sat 8:00-17:00", "Mon-Sat"),
        ("Mo-Sa 08:00-17:60", "08:00-17:60"),
        ("Jan-Mar Mo-Fr 08:00-17:00", "Jan-Mar"),
        ("Mo-Sa sunrise-sunset", "sunrise-sunset"),
        ("Mo-Fr", "Mo-Fr"),
        ("", ""),
    ],
)
def test_unreadable_text_is_quoted(text, part):
    with pytest.raises(ValidationError) as err:
        parse_opening_hours(text)
    msg = str(err.value)
    assert repr(text) in msg and repr(part) in msg
    assert "Mo-Sa 07:30-17:00" in msg  # shows what works


def test_hhmm_helpers():
    assert parse_hhmm("07:30") == 450
    assert parse_hhmm("24:00") == 1440
    assert format_hhmm(450.4) == "07:30"
    with pytest.raises(ValueError, match="25:00"):
        parse_hhmm("25:00")
    with pytest.raises(ValueError, match="7h30"):
        parse_hhmm("7h30")


def test_each_text_is_parsed_once_and_a_non_text_is_still_a_validation_error():
    text = "Mo-Fr 07:15-16:45; Sa 08:00-11:00"
    assert parse_opening_hours(text) is parse_opening_hours(text)  # registry validation and planner share it
    with pytest.raises(ValidationError, match="cannot read"):
        parse_opening_hours(["Mo-Fr 08:00-17:00"])  # a TOML list, not text: not a TypeError from the cache
