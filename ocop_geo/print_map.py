"""The printed route map: an SVG drawn in Python, for the print page and its PDF (no tiles, no script).

Pure: an itinerary (and optional background lines) in, SVG text out. The map shows each day's line in its
colour (dashed where a leg leaves the road data: a ferry crossing drawn straight, a place off the roads),
the stops as numbered markers that match the printed itinerary (:func:`stop_label`: ``3`` on a one-day
route, ``1-3`` = day 1 stop 3 on a longer one; the start / end place as a square), a scale bar, a north
arrow and "© OpenStreetMap contributors". Markers that would overlap are moved apart with a leader line to
their place, so every number stays readable. Units are millimetres: the map is drawn at the size it is
printed (A4 or A5), so markers and text keep their size on paper.

Example
-------
>>> from ocop_geo.itinerary import read_itinerary  # doctest: +SKIP
>>> svg = route_map_svg(read_itinerary("it.json"), width_mm=186, height_mm=120)  # doctest: +SKIP
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import shapely
from shapely.geometry import LineString

from .itinerary import Day, Itinerary, Stop
from .mapping import stop_label as map_stop_label

__all__ = ["BACKGROUND_KINDS", "MapLine", "ferry_crossings", "label_text_color", "route_map_svg", "stop_label"]

#: Kinds of background line, in drawing order (first is lowest), with their stroke (colour, width mm, dash).
BACKGROUND_KINDS: dict[str, tuple[str, float, str]] = {
    "water": ("#9cc3e0", 0.7, ""),
    "boundary": ("#a39e93", 0.25, "1.2 0.8"),
    "road": ("#c9c5bc", 0.35, ""),
    "major_road": ("#b3aea3", 0.6, ""),
    "ferry": ("#5b8fb9", 0.35, "0.8 0.6"),
}

_PAPER = "#fbfaf6"
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0
_FONT = "'Noto Sans', 'DejaVu Sans', Arial, sans-serif"


class MapLine(NamedTuple):
    """One background line: its kind (a key of :data:`BACKGROUND_KINDS`), ``(lon, lat)`` points and name."""

    kind: str
    coords: Sequence[tuple[float, float]]
    name: str = ""


#: How close (degrees, about 25 m) a leg must run along a ferry line to cross on it.
_FERRY_TOLERANCE_DEG = 0.00025


def ferry_crossings(coords: Sequence[tuple[float, float]], lines: Iterable[MapLine]) -> list[str]:
    """Names of the ferry lines (``kind == "ferry"``) a leg's path runs along for most of their length.

    Parameters
    ----------
    coords
        The leg's ``(lon, lat)`` path.
    lines
        Background lines; only ferries are looked at (an unnamed ferry is called ``""``).

    Returns
    -------
    list of str
        One name per ferry crossed, in the order given, without repeats.
    """
    if len(coords) < 2:
        return []
    path = LineString(coords)
    corridor = None
    found: list[str] = []
    for line in lines:
        if line[0] != "ferry" or len(line[1]) < 2:
            continue
        ferry = LineString(line[1])
        if not path.envelope.buffer(_FERRY_TOLERANCE_DEG).intersects(ferry):
            continue
        corridor = corridor if corridor is not None else path.buffer(_FERRY_TOLERANCE_DEG)
        if ferry.length > 0 and ferry.intersection(corridor).length >= 0.8 * ferry.length:
            name = line[2] if len(line) > 2 else ""
            if name not in found:
                found.append(name)
    return found


def stop_label(day: Day, stop: Stop) -> str:
    """The number a stop carries on the printed map and table, as on the route page (``"1-3"``: day 1, third visit;
    ``"☀1"``: lunch, :func:`ocop_geo.mapping.stop_labels`); ``""`` for the start and end place (drawn as a
    square)."""
    if stop.kind in ("start", "end"):
        return ""
    return map_stop_label(day, stop)


def label_text_color(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (``#rrggbb``), by WCAG contrast."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    h = fill.lstrip("#")
    try:
        r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return "#000"
    lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return "#000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#fff"


class _Projection:
    """Local equirectangular projection of a lon/lat box onto a box of millimetres (north up)."""

    def __init__(self, points: Sequence[tuple[float, float]], width: float, height: float, margin: float):
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        self.lat0 = (min(ys) + max(ys)) / 2
        self.kx = _M_PER_DEG_LON * math.cos(math.radians(self.lat0))
        span_x = max((max(xs) - min(xs)) * self.kx, 500.0)  # at least 500 m across
        span_y = max((max(ys) - min(ys)) * _M_PER_DEG_LAT, 500.0)
        self.mm_per_m = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
        self.cx, self.cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        self.width, self.height = width, height

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = self.width / 2 + (lon - self.cx) * self.kx * self.mm_per_m
        y = self.height / 2 - (lat - self.cy) * _M_PER_DEG_LAT * self.mm_per_m
        return x, y

    def lonlat_box(self) -> tuple[float, float, float, float]:
        """The lon/lat window the map shows: (west, south, east, north)."""
        half_x = self.width / 2 / self.mm_per_m / self.kx
        half_y = self.height / 2 / self.mm_per_m / _M_PER_DEG_LAT
        return self.cx - half_x, self.cy - half_y, self.cx + half_x, self.cy + half_y


def _path(points: Iterable[tuple[float, float]]) -> str:
    out, last = [], None
    for x, y in points:
        if last is not None and abs(x - last[0]) + abs(y - last[1]) < 0.15:  # < 0.15 mm apart: invisible
            continue
        out.append(f"{x:.2f},{y:.2f}")
        last = (x, y)
    return " ".join(out)


def _background(lines: Iterable[MapLine], proj: _Projection) -> list[str]:
    """Background lines clipped to the map window and thinned to what shows at print size."""
    west, south, east, north = proj.lonlat_box()
    tolerance = 0.2 / proj.mm_per_m / _M_PER_DEG_LAT  # 0.2 mm on paper, in degrees
    by_kind: dict[str, list[str]] = {k: [] for k in BACKGROUND_KINDS}
    for line in lines:
        kind, coords = line[0], line[1]
        if kind not in by_kind or len(coords) < 2:
            continue
        clipped = shapely.clip_by_rect(LineString(coords), west, south, east, north)
        if clipped.is_empty:
            continue
        for part in getattr(clipped, "geoms", [clipped]):
            part = part.simplify(tolerance, preserve_topology=False)
            if part.geom_type == "LineString" and len(part.coords) >= 2:
                d = _path(proj.xy(x, y) for x, y in part.coords)
                if " " in d:
                    by_kind[kind].append(d)
    out = []
    for kind, paths in by_kind.items():
        if not paths:
            continue
        color, width, dash = BACKGROUND_KINDS[kind]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        body = "".join(f'<polyline points="{d}"/>' for d in paths)
        out.append(f'<g class="bg-{kind}" fill="none" stroke="{color}" stroke-width="{width}"'
                   f' stroke-linejoin="round" stroke-linecap="round"{dash_attr}>{body}</g>')  # fmt: skip
    return out


def _day_lines(day: Day, proj: _Projection) -> list[str]:
    """A day's legs: road legs as one solid line on a white casing, off-network legs dashed."""
    color = html.escape(day.color)
    solid, dashed = [], []
    for stop in day.stops:
        leg = stop.leg_in
        if leg is None or len(leg.coordinates) < 2:
            continue
        d = _path(proj.xy(x, y) for x, y in leg.coordinates)
        if " " in d:
            (dashed if leg.off_network else solid).append(d)
    out = []
    for d in solid:
        out.append(f'<polyline points="{d}" fill="none" stroke="#fff" stroke-width="1.7" stroke-linejoin="round" '
                   f'stroke-linecap="round"/>')  # fmt: skip
    for d in solid:
        out.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="0.9" '
                   f'stroke-linejoin="round" stroke-linecap="round"/>')  # fmt: skip
    for d in dashed:
        out.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="0.8" '
                   f'stroke-dasharray="1.6 1.1" stroke-linecap="round"/>')  # fmt: skip
    return out


class _Marker(NamedTuple):
    x: float  # the place
    y: float
    label: str
    color: str
    width: float  # marker size (mm)
    height: float


def _place_markers(markers: list[_Marker], width: float, height: float,
                   fixed: Sequence[_Marker] = ()) -> list[tuple[_Marker, float, float]]:  # fmt: skip
    """Each marker's drawn centre: at its place, or moved to the nearest free spot around it (markers at
    one place, or closer than their size, would hide each other's numbers). ``fixed`` markers (the start /
    end squares) stay at their place and are avoided too."""
    placed: list[tuple[_Marker, float, float]] = [(f, f.x, f.y) for f in fixed]

    def free(m: _Marker, x: float, y: float) -> bool:
        if not (m.width / 2 <= x <= width - m.width / 2 and m.height / 2 <= y <= height - m.height / 2):
            return False
        return all(abs(x - px) * 2 >= m.width + o.width + 0.4 or abs(y - py) * 2 >= m.height + o.height + 0.4
                   for o, px, py in placed)  # fmt: skip

    for m in markers:
        spot = (m.x, m.y)
        if not free(m, *spot):
            step = max(m.height, 4.0) * 1.25
            candidates = [(m.x + r * step * math.cos(a), m.y + r * step * math.sin(a))
                          for r in (1, 1.6, 2.3, 3.1, 4.0)
                          for a in (math.radians(d) for d in range(-45, 315, 30))]  # fmt: skip
            spot = next((c for c in candidates if free(m, *c)), candidates[0])
        placed.append((m, *spot))
    return placed[len(fixed):]


def _markers(itinerary: Itinerary, proj: _Projection) -> list[str]:
    font = 2.5  # mm: about 7 pt
    markers: list[_Marker] = []
    ends: dict[tuple[float, float], str] = {}
    for day in itinerary.days:
        for stop in day.stops:
            x, y = proj.xy(stop.lon, stop.lat)
            label = stop_label(day, stop)
            if not label:
                ends.setdefault((round(x, 1), round(y, 1)), day.color)
                continue
            w = max(4.6, 0.62 * font * len(label) + 1.8)
            markers.append(_Marker(x, y, label, day.color, w, 4.6))
    out = []
    for (x, y), _color in ends.items():  # the start / end place(s): a dark square the numbers keep clear of
        out.append(f'<rect class="end" x="{x - 1.9:.2f}" y="{y - 1.9:.2f}" width="3.8" height="3.8" fill="#1d1d1b" '
                   f'stroke="#fff" stroke-width="0.5"/>')  # fmt: skip
    squares = [_Marker(x, y, "", "#1d1d1b", 3.8, 3.8) for x, y in ends]
    placed = _place_markers(markers, proj.width, proj.height, squares)
    for m, cx, cy in placed:  # leader lines first: no line crosses a number
        if abs(cx - m.x) + abs(cy - m.y) > 0.1:  # moved: a leader line and a dot at the place
            out.append(f'<line x1="{m.x:.2f}" y1="{m.y:.2f}" x2="{cx:.2f}" y2="{cy:.2f}" stroke="#1d1d1b" '
                       f'stroke-width="0.3"/><circle cx="{m.x:.2f}" cy="{m.y:.2f}" r="0.7" fill="#1d1d1b"/>')  # fmt: skip
    for m, cx, cy in placed:
        color = html.escape(m.color)
        rx = m.height / 2
        out.append(
            f'<g class="stop"><rect x="{cx - m.width / 2:.2f}" y="{cy - m.height / 2:.2f}" width="{m.width:.2f}" '
            f'height="{m.height:.2f}" rx="{rx:.2f}" fill="{color}" stroke="#fff" stroke-width="0.45"/>'
            f'<text x="{cx:.2f}" y="{cy + font * 0.36:.2f}" font-size="{font}" font-weight="700" '
            f'text-anchor="middle" fill="{label_text_color(m.color)}">{html.escape(m.label)}</text></g>'
        )  # fmt: skip
    return out


def _nice_length(max_m: float) -> float:
    """The longest 1 / 2 / 5 × 10^n metres not above ``max_m``."""
    exp = 10 ** math.floor(math.log10(max(max_m, 1.0)))
    return max(f * exp for f in (1, 2, 5) if f * exp <= max_m) if max_m >= exp else exp


def _scale_bar(proj: _Projection) -> str:
    metres = _nice_length(proj.width * 0.22 / proj.mm_per_m)
    length = metres * proj.mm_per_m
    x, y = 4.0, proj.height - 4.5
    text = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    half = length / 2
    return (
        f'<g class="scale"><rect x="{x - 1.2:.2f}" y="{y - 4.2:.2f}" width="{length + 2.4 + 12:.2f}" height="6" '
        f'fill="#fff" fill-opacity="0.8"/>'
        f'<rect x="{x:.2f}" y="{y - 0.6:.2f}" width="{half:.2f}" height="1.2" fill="#1d1d1b"/>'
        f'<rect x="{x + half:.2f}" y="{y - 0.6:.2f}" width="{half:.2f}" height="1.2" fill="#fff" stroke="#1d1d1b" '
        f'stroke-width="0.25"/>'
        f'<text x="{x:.2f}" y="{y - 1.5:.2f}" font-size="2.2">0</text>'
        f'<text x="{x + length + 1.0:.2f}" y="{y + 0.8:.2f}" font-size="2.4" font-weight="700">{text}</text></g>'
    )  # fmt: skip


def _north_arrow(proj: _Projection, lang: str) -> str:
    x, y = proj.width - 6.0, 4.0
    letter = "B" if lang == "vi" else "N"  # Bắc / North
    return (
        f'<g class="north" aria-label="{"Hướng Bắc" if lang == "vi" else "North"}">'
        f'<circle cx="{x:.2f}" cy="{y + 4.2:.2f}" r="4.4" fill="#fff" fill-opacity="0.85"/>'
        f'<path d="M{x:.2f},{y + 0.6:.2f} L{x + 2.0:.2f},{y + 6.2:.2f} L{x:.2f},{y + 5.0:.2f} '
        f'L{x - 2.0:.2f},{y + 6.2:.2f} Z" fill="#1d1d1b"/>'
        f'<text x="{x:.2f}" y="{y + 9.6:.2f}" font-size="2.6" font-weight="700" text-anchor="middle">{letter}</text>'
        f"</g>"
    )  # fmt: skip


def route_map_svg(
    itinerary: Itinerary,
    *,
    width_mm: float = 186.0,
    height_mm: float = 120.0,
    background: Iterable[MapLine] | None = None,
    lang: str = "vi",
    attribution: str = "© OpenStreetMap contributors",
) -> str:
    """The route as a printable SVG map of ``width_mm`` × ``height_mm`` millimetres.

    Parameters
    ----------
    itinerary
        The planned route.
    width_mm, height_mm
        Printed size; the route fills it (north up, equal scale both ways).
    background
        Lines drawn under the route (:class:`MapLine`: kind, ``[(lon, lat), ...]``, name), ``kind`` one of
        :data:`BACKGROUND_KINDS` (``"water"``, ``"boundary"``, ``"road"``, ``"major_road"``, ``"ferry"``);
        clipped to the map. None: a plain paper background.
    lang
        {"vi", "en"}: language of the north arrow and the map's title.
    attribution
        Printed in the corner (the OSM licence requires it).

    Returns
    -------
    str
        An ``<svg role="img">`` element with a ``<title>``; every text is escaped.
    """
    title = html.escape(itinerary.title.get(lang) or itinerary.title.get("vi") or itinerary.route_id)
    pts = [(s.lon, s.lat) for _, s in itinerary.stops()]
    pts += [c for _, s in itinerary.stops() if s.leg_in is not None for c in s.leg_in.coordinates]
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="print-map" width="{width_mm:g}mm" '
            f'height="{height_mm:g}mm" viewBox="0 0 {width_mm:g} {height_mm:g}" font-family="{_FONT}">'
            f'<title>{"Bản đồ tuyến" if lang == "vi" else "Route map"}: {title}</title>'
            f'<rect width="{width_mm:g}" height="{height_mm:g}" fill="{_PAPER}"/>')  # fmt: skip
    if not pts:
        return head + "</svg>"
    proj = _Projection(pts, width_mm, height_mm, margin=7.0)
    parts = [head]
    if background is not None:
        parts.extend(_background(background, proj))
    for day in itinerary.days:
        parts.extend(_day_lines(day, proj))
    parts.extend(_markers(itinerary, proj))
    parts.append(_scale_bar(proj))
    parts.append(_north_arrow(proj, lang))
    parts.append(
        f'<text x="{width_mm - 1.5:g}" y="{height_mm - 1.5:g}" font-size="2.3" text-anchor="end" fill="#1d1d1b" '
        f'stroke="#fff" stroke-width="0.6" paint-order="stroke">{html.escape(attribution)}</text>'
    )  # fmt: skip
    parts.append(f'<rect width="{width_mm:g}" height="{height_mm:g}" fill="none" stroke="#8a857b" stroke-width="0.3"/>')
    parts.append("</svg>")
    return "".join(parts)
