"""Travel modes: which OSM ways each mode may use, in which direction, and how fast.

Five modes are defined: ``{"motorbike", "car", "coach", "bicycle", "walk"}``.

Access rules (applied per OSM way, see :func:`way_access`)

* ``motorbike`` — every road class except ``motorway`` / ``motorway_link`` (Vietnamese
  expressways are closed to motorbikes); ``motorcycle`` > ``motor_vehicle`` > ``vehicle`` >
  ``access`` tags decide, so ``motorcycle=no`` closes a way. A class closed to a mode opens
  only by the mode's own tag (:data:`OWN_KEYS`): ``motorcycle=yes`` opens a footway, but
  ``motor_vehicle=yes`` on an expressway does not let motorbikes on.
* ``car`` — every road class; ``motorcar`` > ``motor_vehicle`` > ``vehicle`` > ``access``.
* ``coach`` — main roads only: no ``residential``, ``service``, ``living_street``, ``track``,
  no way narrower than :data:`COACH_MIN_WIDTH_M` and no single-lane ``unclassified`` way;
  ``tourist_bus`` > ``bus`` > ``motor_vehicle`` > ``vehicle`` > ``access``.
* ``bicycle`` — roads, cycleways, paths and tracks, not expressways; ``bicycle`` > ``vehicle``.
* ``walk`` — everything but expressways; ``foot`` > ``access``; oneway tags are ignored.

Ferries (``route=ferry``) are usable by every mode unless tagged otherwise; a passenger-only
boat (``motorcar=no`` / ``motor_vehicle=no`` with ``foot=yes``) carries only walkers. A ferry
edge costs its crossing time (the ``duration`` tag, else :data:`FERRY_SPEED_KMH`) plus
:data:`FERRY_WAIT_S` of waiting.

Speeds (km/h) are typical *average* riding speeds in Ho Chi Minh City traffic, not legal
limits: :data:`SPEEDS` gives one value per mode, area (``"urban"`` inside the 2019 urban
districts, ``"rural"`` in Củ Chi, Hóc Môn, Bình Chánh, Nhà Bè and Cần Giờ) and road class.
A ``maxspeed`` tag replaces the table value by ``maxspeed × MAXSPEED_FACTOR[area]`` (traffic
rarely reaches the limit), and no speed exceeds the mode's cap in :data:`SPEED_CAPS`.
:data:`DAY_CAPS` gives each mode's default
day caps (km and minutes of travel) used by the planner. Override any value by editing these dictionaries before building a graph (the cache key
includes them, so a changed table rebuilds), or pass ``speeds=`` to :func:`speed_kmh`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from .i18n import N_, gettext

#: The modes a graph can be built for, in documentation order.
MODES: tuple[str, ...] = ("motorbike", "car", "coach", "bicycle", "walk")
_MODE_NAMES = {"motorbike": N_("motorbike"), "car": N_("car"), "coach": N_("coach"), "bicycle": N_("bicycle"),
               "walk": N_("walking")}  # fmt: skip


def mode_name(mode: str, lang: str | None = None) -> str:
    """A travel mode in words, in ``lang`` (default: the run's language): ``"xe máy"`` for ``motorbike``."""
    return gettext(_MODE_NAMES[mode], lang) if mode in _MODE_NAMES else mode


_MOTOR_CLASSES = (
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "service", "road", "track",
)  # fmt: skip

#: Road classes (``highway=*``) each mode may use when no access tag says otherwise.
ALLOWED_HIGHWAYS: dict[str, frozenset[str]] = {
    "motorbike": frozenset(_MOTOR_CLASSES) - {"motorway", "motorway_link"},
    "car": frozenset(_MOTOR_CLASSES),
    "coach": frozenset(_MOTOR_CLASSES) - {"residential", "service", "living_street", "track"},
    "bicycle": (frozenset(_MOTOR_CLASSES) - {"motorway", "motorway_link"})
    | {"cycleway", "path", "bridleway"},
    "walk": (frozenset(_MOTOR_CLASSES) - {"motorway", "motorway_link"})
    | {"cycleway", "path", "footway", "pedestrian", "steps", "bridleway", "corridor"},
}

#: Access tags consulted for each mode, most specific first (``access`` is always last).
ACCESS_KEYS: dict[str, tuple[str, ...]] = {
    "motorbike": ("motorcycle", "motor_vehicle", "vehicle", "access"),
    "car": ("motorcar", "motor_vehicle", "vehicle", "access"),
    "coach": ("tourist_bus", "bus", "psv", "motor_vehicle", "vehicle", "access"),
    "bicycle": ("bicycle", "vehicle", "access"),
    "walk": ("foot", "access"),
}

#: The mode's own access tags: only these can open a road class the mode may not use.
OWN_KEYS: dict[str, tuple[str, ...]] = {
    "motorbike": ("motorcycle",),
    "car": ("motorcar",),
    "coach": ("tourist_bus", "bus", "psv"),
    "bicycle": ("bicycle",),
    "walk": ("foot",),
}

_DENY = frozenset({"no", "private", "agricultural", "forestry", "delivery", "customers"})
_ALLOW = frozenset({"yes", "designated", "permissive", "destination", "official"})

#: Coaches avoid ways narrower than this (``width`` tag, metres).
COACH_MIN_WIDTH_M: float = 5.5

#: Ferry crossing speed (km/h) when the way has no ``duration`` tag.
FERRY_SPEED_KMH: float = 8.0

#: Waiting time added to every ferry crossing (s): boarding, queue, departure interval.
FERRY_WAIT_S: float = 900.0

_U = "urban"
_R = "rural"

#: Average speed (km/h) per mode, area and road class; ``"default"`` covers other classes.
SPEEDS: dict[str, dict[str, dict[str, float]]] = {
    "motorbike": {
        _U: {"trunk": 35, "trunk_link": 25, "primary": 28, "primary_link": 22, "secondary": 25,
             "secondary_link": 20, "tertiary": 22, "tertiary_link": 18, "unclassified": 18,
             "road": 18, "residential": 15, "living_street": 10, "service": 12, "track": 10,
             "default": 10},
        _R: {"trunk": 50, "trunk_link": 35, "primary": 45, "primary_link": 30, "secondary": 40,
             "secondary_link": 30, "tertiary": 35, "tertiary_link": 25, "unclassified": 30,
             "road": 30, "residential": 25, "living_street": 12, "service": 15, "track": 15,
             "default": 12},
    },
    "car": {
        _U: {"motorway": 70, "motorway_link": 40, "trunk": 35, "trunk_link": 25, "primary": 25,
             "primary_link": 20, "secondary": 22, "secondary_link": 18, "tertiary": 20,
             "tertiary_link": 16, "unclassified": 15, "road": 15, "residential": 12,
             "living_street": 8, "service": 10, "track": 8, "default": 8},
        _R: {"motorway": 90, "motorway_link": 50, "trunk": 60, "trunk_link": 40, "primary": 50,
             "primary_link": 35, "secondary": 45, "secondary_link": 30, "tertiary": 35,
             "tertiary_link": 25, "unclassified": 28, "road": 28, "residential": 22,
             "living_street": 10, "service": 12, "track": 12, "default": 10},
    },
    "coach": {
        _U: {"motorway": 65, "motorway_link": 35, "trunk": 30, "trunk_link": 20, "primary": 22,
             "primary_link": 18, "secondary": 20, "secondary_link": 15, "tertiary": 17,
             "tertiary_link": 14, "unclassified": 12, "road": 12, "default": 10},
        _R: {"motorway": 80, "motorway_link": 45, "trunk": 50, "trunk_link": 35, "primary": 42,
             "primary_link": 30, "secondary": 38, "secondary_link": 25, "tertiary": 30,
             "tertiary_link": 20, "unclassified": 22, "road": 22, "default": 15},
    },
    "bicycle": {
        _U: {"default": 12, "trunk": 13, "primary": 13, "secondary": 13, "cycleway": 14,
             "footway": 6, "pedestrian": 6, "path": 10, "track": 9},
        _R: {"default": 14, "cycleway": 15, "path": 11, "track": 10},
    },
    "walk": {
        _U: {"default": 4.5, "steps": 2.0},
        _R: {"default": 4.5, "steps": 2.0},
    },
}  # fmt: skip

#: Share of the posted ``maxspeed`` actually reached, per area.
MAXSPEED_FACTOR: dict[str, float] = {_U: 0.55, _R: 0.8}

#: No edge of a mode is faster than this (km/h).
SPEED_CAPS: dict[str, float] = {"motorbike": 60, "car": 100, "coach": 90, "bicycle": 20, "walk": 5}

#: Speed (km/h) of the short leg between a site and its snapped road point (coach groups walk).
ACCESS_SPEED_KMH: dict[str, float] = {
    "motorbike": 10, "car": 10, "coach": 4.5, "bicycle": 8, "walk": 4.5,
}  # fmt: skip

#: Speed (km/h) and detour factor of an explicit straight-line leg to a site outside coverage.
STRAIGHT_LINE_KMH: dict[str, float] = {
    "motorbike": 20, "car": 20, "coach": 4.5, "bicycle": 10, "walk": 4.0,
}  # fmt: skip
DETOUR_FACTOR: float = 1.4

#: Default caps of one planned day per mode: (km, minutes of travel). A route spec overrides them
#: with ``max_km_per_day`` / ``max_travel_minutes_per_day``; the planner enforces them as hard
#: constraints. A leisure bicycle day is about 35 km (2–3 h in the saddle at 12–15 km/h), a walking
#: day 8 km; motor modes are bounded by what a visitor rides or sits through in a day.
DAY_CAPS: dict[str, tuple[float, float]] = {
    "motorbike": (160.0, 300.0), "car": (250.0, 360.0), "coach": (250.0, 360.0),
    "bicycle": (35.0, 180.0), "walk": (8.0, 120.0),
}  # fmt: skip

_ONEWAY_TRUE = frozenset({"yes", "true", "1"})
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)")


def check_mode(mode: str) -> str:
    """Return ``mode`` if it is one of :data:`MODES`, else raise ``ValueError`` listing them."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    return mode


def _access_value(tags: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = tags.get(key)
        if value:
            return value.split(";")[0].strip()
    return None


def parse_number(value: str | None) -> float | None:
    """Leading number of a tag value (``"60"``, ``"5.5 m"``, ``"60;40"``), else ``None``."""
    if not value:
        return None
    match = _NUMBER.match(value)
    return float(match.group(1)) if match else None


def is_ferry(tags: Mapping[str, str]) -> bool:
    """Whether the way is a ferry route (``route=ferry``)."""
    return tags.get("route") == "ferry"


def way_access(tags: Mapping[str, str], mode: str) -> tuple[bool, bool]:
    """Return ``(forward, backward)``: may ``mode`` travel the way along / against its nodes.

    Parameters
    ----------
    tags
        The OSM way's tags.
    mode
        One of :data:`MODES`.
    """
    explicit = _access_value(tags, ACCESS_KEYS[mode][:-1])
    general = tags.get("access", "").split(";")[0].strip() or None
    if is_ferry(tags):
        if explicit in _DENY or (explicit is None and general in _DENY):
            return False, False
        passenger_only = (
            tags.get("motorcar") == "no" or tags.get("motor_vehicle") == "no"
        ) and tags.get("foot") in _ALLOW
        if mode != "walk" and passenger_only and explicit not in _ALLOW:
            return False, False
        return True, True
    highway = tags.get("highway")
    if highway is None:
        return False, False
    allowed = highway in ALLOWED_HIGHWAYS[mode]
    own = _access_value(tags, OWN_KEYS[mode])
    if not allowed:
        # a closed road class opens only by the mode's own tag: motor_vehicle=yes on an
        # expressway does not let motorbikes on, motorcycle=yes on a footway does
        allowed = own in _ALLOW
    elif explicit in _DENY or (explicit is None and general in _DENY):
        allowed = False
    if not allowed:
        return False, False
    if mode == "coach" and explicit not in _ALLOW and _too_narrow_for_coach(tags, highway):
        return False, False
    if mode == "walk":
        return True, True
    return _oneway(tags, mode, highway)


def _too_narrow_for_coach(tags: Mapping[str, str], highway: str) -> bool:
    width = parse_number(tags.get("width"))
    if width is not None and 1.0 < width < COACH_MIN_WIDTH_M:  # "8104" etc. are bad data
        return True
    lanes = parse_number(tags.get("lanes"))
    return (
        highway == "unclassified"
        and lanes is not None
        and lanes < 2
        and tags.get("oneway") not in _ONEWAY_TRUE
    )


def _oneway(tags: Mapping[str, str], mode: str, highway: str) -> tuple[bool, bool]:
    specific = {"motorbike": "oneway:motorcycle", "bicycle": "oneway:bicycle"}.get(mode)
    value = (tags.get(specific) if specific else None) or tags.get("oneway", "")
    value = value.split(";")[0].strip().lower()
    if value == "no":
        return True, True
    if value in {"-1", "reverse"}:
        return False, True
    implied = tags.get("junction") in {"roundabout", "circular"} or highway == "motorway"
    if value in _ONEWAY_TRUE or implied:
        if mode == "bicycle" and tags.get("cycleway", "").startswith("opposite"):
            return True, True
        return True, False
    return True, True


def speed_kmh(
    tags: Mapping[str, str],
    mode: str,
    *,
    urban: bool,
    speeds: Mapping[str, Mapping[str, Mapping[str, float]]] | None = None,
) -> float:
    """Average speed (km/h) of ``mode`` on a way with ``tags`` in an urban or rural area."""
    area = _U if urban else _R
    table = (speeds or SPEEDS)[mode][area]
    highway = tags.get("highway", "")
    base = float(table.get(highway, table["default"]))
    maxspeed = parse_number(tags.get("maxspeed"))
    if maxspeed is not None and mode not in {"walk", "bicycle"} and 5 <= maxspeed <= 130:
        base = maxspeed * MAXSPEED_FACTOR[area]
    return max(1.0, min(base, SPEED_CAPS[mode]))


def ferry_seconds(tags: Mapping[str, str], length_m: float) -> float:
    """Crossing plus waiting time (s) of a ferry way of ``length_m`` metres."""
    duration = _parse_duration_s(tags.get("duration"))
    crossing = duration if duration is not None else length_m / (FERRY_SPEED_KMH / 3.6)
    return crossing + FERRY_WAIT_S


def _parse_duration_s(value: str | None) -> float | None:
    if not value:
        return None
    parts = value.strip().split(":")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    if len(numbers) == 1:
        return numbers[0] * 60.0
    if len(numbers) == 2:
        return numbers[0] * 3600.0 + numbers[1] * 60.0
    return numbers[0] * 3600.0 + numbers[1] * 60.0 + numbers[2]


def settings_fingerprint(mode: str) -> str:
    """A stable text of every table value that affects a ``mode`` graph (part of the cache key)."""
    payload = {
        "mode": mode,
        "allowed": sorted(ALLOWED_HIGHWAYS[mode]),
        "access": ACCESS_KEYS[mode],
        "own": OWN_KEYS[mode],
        "speeds": SPEEDS[mode],
        "maxspeed_factor": MAXSPEED_FACTOR,
        "cap": SPEED_CAPS[mode],
        "coach_width": COACH_MIN_WIDTH_M,
        "ferry": [FERRY_SPEED_KMH, FERRY_WAIT_S],
    }
    return json.dumps(payload, sort_keys=True, default=str)


def straight_leg(distance_m: float, mode: str) -> tuple[float, float]:
    """Length (m) and time (s) of an explicit straight-line leg over ``distance_m`` metres."""
    length = distance_m * DETOUR_FACTOR
    return length, length / (STRAIGHT_LINE_KMH[mode] / 3.6)
