"""What a visitor on the road needs of a place: hours in words, hand-off links to navigation apps, contact links.

Pure functions, no I/O: :mod:`ocop_geo.pages` puts their results on the route and producer pages and the page
script (``static/ocop/stops.js``) turns the weekly windows into today's hours and an open-now badge in the
visitor's present (Asia/Ho_Chi_Minh, UTC+7 all year), so a page opened days after it was published is still right.
Every text comes in Vietnamese and English (``{"vi": ..., "en": ...}``); registry text is returned raw, the
templates escape it.

Example
-------
>>> from ocop_geo.opening_hours import parse_opening_hours
>>> hours_in_words(parse_opening_hours("Mo-Sa 08:00-17:00"))["vi"]
['Thứ Hai – Thứ Bảy: 8:00–17:00', 'Chủ nhật: đóng cửa']
>>> directions_links(10.77, 106.7, "Chợ Bến Thành", mode="motorbike")[0]["href"]
'https://www.google.com/maps/dir/?api=1&destination=10.77,106.7&travelmode=two-wheeler'
"""

from __future__ import annotations

import re
from typing import TypedDict
from urllib.parse import quote, urlencode

from .opening_hours import WEEKDAYS, OpeningHours
from .registry_schema import (
    PRODUCER_TYPES,
    contact_from_text,
    parse_phones,
    parse_website,
    parse_zalo,
    phone_uri,
)
from .verdict import day_names

__all__ = [
    "ContactLinks",
    "DirectionLink",
    "clock",
    "contact_links",
    "directions_links",
    "hours_in_words",
    "producer_type_label",
    "product_label",
    "split_languages",
    "week_windows",
]

#: Google Maps ``travelmode`` per route mode (Maps URLs: driving, walking, bicycling, two-wheeler).
_GOOGLE_MODE = {"motorbike": "two-wheeler", "car": "driving", "coach": "driving", "walk": "walking",
                "bicycle": "bicycling"}  # fmt: skip
#: Apple Maps ``dirflg`` per route mode (d driving, w walking; no cycling flag).
_APPLE_MODE = {"motorbike": "d", "car": "d", "coach": "d", "walk": "w"}
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
#: A name the planner writes in both languages: "Ăn trưa / Lunch: mang theo đồ ăn / bring a packed lunch".
_BOTH = re.compile(r"^(?P<vi1>[^/:]+?) / (?P<en1>[^/:]+?): (?P<vi2>[^/]+?) / (?P<en2>[^/]+)$")
#: An aggregate product row of the registry: "(14 sản phẩm … – names not in source)".
_AGGREGATE = re.compile(r"^\((?P<what>.+?)\s*[–-]\s*names not in source\)$")


class DirectionLink(TypedDict):
    """One hand-off link: the app's name and the URL."""

    app: str
    href: str


class ContactLinks(TypedDict):
    """How to reach a place: each field empty when the registry does not give it."""

    address: str
    phones: list[dict[str, str]]
    zalo: str
    website: str
    website_label: str
    email: str


def clock(minutes: int) -> str:
    """450 -> ``"7:30"``: a time of day as people say it (no leading zero; 1440 is ``"24:00"``)."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def week_windows(hours: OpeningHours) -> list[list[list[int]]]:
    """The opening windows of each weekday, Monday first, in minutes after midnight (JSON-ready).

    Parameters
    ----------
    hours
        Parsed opening hours (:func:`ocop_geo.opening_hours.parse_opening_hours`).

    Returns
    -------
    list
        Seven lists of ``[open, close]`` pairs; an empty list is a closed day.
    """
    return [[[a, b] for a, b in hours.windows(code)] for code in WEEKDAYS]


def _spans(windows: tuple[tuple[int, int], ...], lang: str) -> str:
    if not windows:
        return "đóng cửa" if lang == "vi" else "closed"
    if windows == ((0, 24 * 60),):
        return "cả ngày" if lang == "vi" else "open 24 hours"
    return ", ".join(f"{clock(a)}–{clock(b)}" for a, b in windows)


def hours_in_words(hours: OpeningHours) -> dict[str, list[str]]:
    """The week's opening hours in plain words, one line per run of days with the same hours.

    Parameters
    ----------
    hours
        Parsed opening hours.

    Returns
    -------
    dict
        ``{"vi": ["Thứ Hai – Thứ Bảy: 8:00–17:00", "Chủ nhật: đóng cửa"], "en": ["Monday – Saturday: …", …]}``;
        one line ``"Hằng ngày: …"`` / ``"Every day: …"`` when every day is the same, and a public-holiday
        line when the text has a ``PH`` rule.
    """
    week = [hours.windows(code) for code in WEEKDAYS]
    out: dict[str, list[str]] = {"vi": [], "en": []}
    if all(w == week[0] for w in week):
        out["vi"].append(f"Hằng ngày: {_spans(week[0], 'vi')}")
        out["en"].append(f"Every day: {_spans(week[0], 'en')}")
    else:
        i = 0
        while i < 7:
            j = i
            while j + 1 < 7 and week[j + 1] == week[i]:
                j += 1
            for k, lang in enumerate(("vi", "en")):
                first, last = day_names(WEEKDAYS[i], None)[k], day_names(WEEKDAYS[j], None)[k]
                days = first if i == j else f"{first} – {last}"
                out[lang].append(f"{days}: {_spans(week[i], lang)}")
            i = j + 1
    if hours.holiday is not None:
        out["vi"].append(f"Ngày lễ: {_spans(hours.holiday, 'vi')}")
        out["en"].append(f"Public holidays: {_spans(hours.holiday, 'en')}")
    return out


def _coord(x: float) -> str:
    return f"{round(float(x), 6):.6f}".rstrip("0").rstrip(".")


def directions_links(lat: float, lon: float, name: str, *, mode: str = "car") -> list[DirectionLink]:
    """Links that hand a destination to Google Maps, Apple Maps and any map app (OsmAnd, Organic Maps: ``geo:``).

    Parameters
    ----------
    lat, lon
        The destination (WGS84).
    name
        Its name, shown by the app (percent-encoded in the ``geo:`` label).
    mode
        {"motorbike", "car", "coach", "walk", "bicycle"}: the travel mode the apps open with.

    Returns
    -------
    list of DirectionLink
        Google Maps (``/maps/dir/?api=1&destination=lat,lon&travelmode=…``), Apple Maps (``?daddr=lat,lon``)
        and ``geo:lat,lon?q=lat,lon(name)``, in that order.
    """
    where = f"{_coord(lat)},{_coord(lon)}"
    google = {"api": "1", "destination": where}
    if mode in _GOOGLE_MODE:
        google["travelmode"] = _GOOGLE_MODE[mode]
    apple = {"daddr": where}
    if mode in _APPLE_MODE:
        apple["dirflg"] = _APPLE_MODE[mode]
    label = quote(" ".join(name.split()).replace("(", "[").replace(")", "]"), safe="")
    return [
        {"app": "Google Maps", "href": "https://www.google.com/maps/dir/?" + urlencode(google, safe=",")},
        {"app": "Apple Maps", "href": "https://maps.apple.com/?" + urlencode(apple, safe=",")},
        {"app": "OsmAnd", "href": f"geo:{where}?q={where}({label})"},
    ]


def contact_links(*, address: str = "", phone: str = "", zalo: str = "", website: str = "",
                  contact: str = "") -> ContactLinks:  # fmt: skip
    """Address, phones (``tel:``), Zalo (``https://zalo.me/<number>``), website and e-mail of a place.

    Parameters
    ----------
    address, phone, zalo, website
        The registry's fields (any may be empty): ``phone`` may list several numbers, ``zalo`` is a number or a
        ``zalo.me`` link; numbers are read by :func:`ocop_geo.registry_schema.parse_phone`.
    contact
        The registry's free-text contact column: phones, Zalo and website are taken from it when their own
        fields are empty (:func:`ocop_geo.registry_schema.contact_from_text`), and an e-mail address.

    Returns
    -------
    ContactLinks
        Every field empty when unknown or unreadable; ``phones`` lists ``{"phone": "0903 123 456",
        "tel": "tel:+84903123456"}``.
    """
    found = contact_from_text(contact) if contact.strip() else {}
    phones = parse_phones(phone or found.get("phone", "")) or ()
    z = parse_zalo(zalo or found.get("zalo", "")) if (zalo or found.get("zalo")) else None
    zalo_url = "" if z is None else (z if z.startswith("https://") else "https://zalo.me/" + re.sub(r"\D", "", z))
    url = parse_website(website or found.get("website", "")) or ""
    email = _EMAIL.search(contact)
    return {"address": " ".join(address.split()), "phones": [{"phone": p, "tel": phone_uri(p)} for p in phones],
            "zalo": zalo_url, "website": url, "website_label": re.sub(r"^https?://(www\.)?", "", url).rstrip("/"),
            "email": email.group(0) if email else ""}  # fmt: skip


def product_label(name: str) -> str:
    """A product name as a visitor reads it: the registry's aggregate rows lose their note to the officer.

    ``"(14 sản phẩm chế biến từ tổ yến – names not in source)"`` -> ``"14 sản phẩm chế biến từ tổ yến"``; other
    names are returned unchanged.
    """
    m = _AGGREGATE.match(name.strip())
    return m.group("what") if m else name


def split_languages(name: str) -> dict[str, str] | None:
    """A name written in both languages as the planner writes a place-less stop, one per language; else None.

    >>> split_languages("Ăn trưa / Lunch: mang theo đồ ăn / bring a packed lunch")
    {'vi': 'Ăn trưa: mang theo đồ ăn', 'en': 'Lunch: bring a packed lunch'}
    """
    m = _BOTH.match(name.strip())
    return {"vi": f"{m['vi1']}: {m['vi2']}", "en": f"{m['en1']}: {m['en2']}"} if m else None


def producer_type_label(producer_type: str) -> dict[str, str]:
    """``"Hợp tác xã"`` -> ``both("Cooperative")`` (unknown types as given in both)."""
    return {"vi": producer_type, "en": PRODUCER_TYPES.get(producer_type, producer_type)}
