"""Readers of the TOPTW / TTDP benchmark instances, their conversion to a Problem, and an exact checker.

Three instance families are bundled under ``benchmarks/toptw/`` (provenance in its README):

``solomon``
    c101–c109, r101–r112, rc101–rc108 (``instances/``). Format ``TOPTW_format.txt``: a header
    ``k v N t``, a line ``D Q``, then one line per vertex ``i x y d S f a list(a values) O C``.
    Distances (= travel times) are Euclidean, rounded *down* to **one** decimal.
``cordeau``
    pr01–pr10 (``cordeau/``), same file format; distances rounded down to **two** decimals.
``ttdp``
    t101–t120 (``ttdp/``, format ``format_description_TTDP.txt``): a header ``k M SD N ...`` (M
    tours, start weekday SD), the start / end line ``0 x y 0 0 O C``, then one line per site
    ``i x y d S t open[0] close[0] ... open[6] close[6] b`` with one window per weekday; tour ``d``
    runs on weekday ``(SD + d) mod 7``; a window ``0 0`` means closed that weekday. Distances
    rounded down to **two** decimals.

The rounding convention belongs to the family, never to one file: it is chosen from the
instance's name (``c101``, ``pr01``, ``t101``) or given as ``family=`` for a file of another name,
and recorded as ``TOPTWInstance.decimals``. In every family vertex 0 is the start and the end of
every route, its window is the route's (departure no earlier than ``O``, back by ``C``), and a
site's closing time is the latest *start* of its visit.

:func:`check_routes` re-checks a solution in exact arithmetic (fractions, distances floored to the
family's decimals with integer square roots) from the values read from the file; it shares no
code with the engine's :func:`ocop_geo.toptw.evaluate`.
"""

from __future__ import annotations

import csv
import logging
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from . import settings
from ._errors import InputFileError
from .toptw import Problem

log = logging.getLogger(__name__)

__all__ = [
    "FAMILIES",
    "Check",
    "Family",
    "TOPTWInstance",
    "best_known",
    "best_known_m1",
    "check_routes",
    "family_of",
    "instance_dir",
    "instance_names",
    "read_instance",
    "resolve_instance",
    "to_problem",
]


@dataclass(frozen=True)
class Family:
    """A benchmark family: how its files are named, laid out and rounded.

    Attributes
    ----------
    name : ``solomon``, ``cordeau`` or ``ttdp``.
    decimals : distances are Euclidean rounded down to this many decimals.
    folder : sub-folder of ``benchmarks/toptw`` holding the bundled files.
    pattern : regular expression of the family's instance names.
    weekly : the file gives one window per weekday and the tours and start day (TTDP format).
    """

    name: str
    decimals: int
    folder: str
    pattern: str
    weekly: bool = False


FAMILIES: dict[str, Family] = {
    "solomon": Family("solomon", 1, "instances", r"(c|r|rc)\d{3}"),
    "cordeau": Family("cordeau", 2, "cordeau", r"pr\d{2}"),
    "ttdp": Family("ttdp", 2, "ttdp", r"t\d{3}", weekly=True),
}


def family_of(name: str) -> Family | None:
    """The family whose naming pattern matches ``name`` (a file stem such as ``pr01``), else None."""
    stem = name.lower().removesuffix(".txt")
    for fam in FAMILIES.values():
        if re.fullmatch(fam.pattern, stem):
            return fam
    return None


def instance_dir(family: str = "solomon") -> Path:
    """Folder of a bundled family (``benchmarks/toptw/instances`` for the Solomon instances)."""
    return settings.repo_root / "benchmarks" / "toptw" / FAMILIES[family].folder


def instance_names(family: str) -> list[str]:
    """Names of the bundled instances of ``family``, sorted."""
    pattern = FAMILIES[family].pattern
    return sorted(p.stem for p in instance_dir(family).glob("*.txt") if re.fullmatch(pattern, p.stem))


@dataclass(frozen=True)
class ExactData:
    """The file's numbers as exact fractions (what :func:`check_routes` uses).

    ``windows[v][w]`` is ``(open, close)`` or None when ``v`` is closed on weekday column ``w``.
    """

    x: tuple[Fraction, ...]
    y: tuple[Fraction, ...]
    service: tuple[Fraction, ...]
    score: tuple[Fraction, ...]
    windows: tuple[tuple[tuple[Fraction, Fraction] | None, ...], ...]


@dataclass
class TOPTWInstance:
    """One benchmark instance as read from its file (vertex 0 = start and end of every route).

    Attributes
    ----------
    name : file stem (``c101``, ``pr01``, ``t101``).
    family : ``solomon``, ``cordeau`` or ``ttdp`` (decides ``decimals``).
    decimals : distances are Euclidean rounded down to this many decimals.
    x, y, service, score : (n,) float64 per vertex.
    windows : (n, w, 2) float64 window for the start of a visit per weekday column (w = 1 for
        the TOPTW families, 7 for TTDP); ``(inf, -inf)`` = closed that weekday.
    tours : number of tours given by the file (TTDP), None when chosen per run.
    start_day : weekday of the first tour (TTDP; 0 otherwise).
    exact : the same numbers as exact fractions.
    """

    name: str
    family: str
    decimals: int
    x: np.ndarray
    y: np.ndarray
    service: np.ndarray
    score: np.ndarray
    windows: np.ndarray
    tours: int | None
    start_day: int
    exact: ExactData

    @property
    def n(self) -> int:
        """Number of vertices including the depot."""
        return len(self.x)

    @property
    def open(self) -> np.ndarray:
        """(n,) opening time on the first weekday column (the only one for TOPTW)."""
        return self.windows[:, 0, 0]

    @property
    def close(self) -> np.ndarray:
        """(n,) closing time on the first weekday column (the only one for TOPTW)."""
        return self.windows[:, 0, 1]

    @property
    def budget(self) -> float:
        """Latest return of each route: the closing time of vertex 0."""
        return float(self.windows[0, 0, 1])

    def weekday_column(self, route: int) -> int:
        """Column of ``windows`` that applies on route ``route`` (tour d: weekday (SD + d) mod 7)."""
        return (self.start_day + route) % 7 if self.windows.shape[1] == 7 else 0

    def distances(self) -> np.ndarray:
        """Euclidean distances rounded down to ``decimals`` decimals, from the exact coordinates.

        Computed on integers (coordinates scaled to their last decimal, integer square root), so
        a distance whose square root lands exactly on a rounding step is never floored one step
        too low by floating point.
        """
        places = max(_places(v) for v in (*self.exact.x, *self.exact.y))
        scale = 10**places
        xs = np.array([int(v * scale) for v in self.exact.x], dtype=np.int64)
        ys = np.array([int(v * scale) for v in self.exact.y], dtype=np.int64)
        dx = xs[:, None] - xs[None, :]
        dy = ys[:, None] - ys[None, :]
        sq = dx * dx + dy * dy  # in (1 / scale)^2
        unit = 10**self.decimals
        # floor(unit * sqrt(sq) / scale) = isqrt(floor(sq * unit^2 / scale^2))
        if sq.max(initial=0) > (2**62) // (unit * unit):
            raise ValueError(f"{self.name}: coordinates too large for exact distances")
        num = (sq * unit * unit) // (scale * scale)
        q = np.floor(np.sqrt(num.astype(np.float64))).astype(np.int64)
        q -= (q * q > num).astype(np.int64)
        q += ((q + 1) * (q + 1) <= num).astype(np.int64)
        return q.astype(np.float64) / unit


def _places(v: Fraction) -> int:
    """Number of decimals of a decimal fraction (its denominator is a power of ten)."""
    places = 0
    while (v * 10**places).denominator != 1:
        places += 1
        if places > 9:
            raise ValueError(f"{v} is not a decimal number with at most 9 decimals")
    return places


def _frac(token: str) -> Fraction:
    value = Fraction(token)
    if not math.isfinite(float(value)):
        raise ValueError(token)
    return value


def _window(o: Fraction, c: Fraction, weekly: bool) -> tuple[Fraction, Fraction] | None:
    """A vertex's window, None when closed (TTDP writes a closed weekday as ``0 0``)."""
    if weekly and o == 0 and c == 0:
        return None
    if o > c:
        raise ValueError("window opens after it closes")
    return (o, c)


def _parse_toptw(rows: list[list[str]], path: Path) -> tuple[list[tuple], int]:
    """Vertex rows ``(x, y, d, S, [window])`` of the Solomon / Cordeau format and the declared N."""
    try:
        n_declared = int(rows[0][2])
    except (ValueError, IndexError) as exc:
        raise InputFileError(f"{path}, line 1: N (3rd value) must be an integer") from exc
    data: list[tuple] = []
    for lineno, parts in enumerate(rows[2:], start=3):
        if not parts:
            continue
        try:
            i = int(parts[0])
            x, y, d, s = (_frac(v) for v in parts[1:5])
            a = int(parts[6])
            win = _window(_frac(parts[7 + a]), _frac(parts[8 + a]), weekly=False)
        except (ValueError, IndexError, ZeroDivisionError) as exc:
            raise InputFileError(
                f"{path}, line {lineno}: expected 'i x y d S f a list O C', got {' '.join(parts)!r}"
            ) from exc
        data.append((lineno, i, x, y, d, s, [win]))
    return data, n_declared + 1


def _parse_ttdp(rows: list[list[str]], path: Path) -> tuple[list[tuple], int, int, int]:
    """Vertex rows of the TTDP format, the expected vertex count, the tours M and start day SD."""
    try:
        tours, start_day, n_sites = int(rows[0][1]), int(rows[0][2]), int(rows[0][3])
    except (ValueError, IndexError) as exc:
        raise InputFileError(f"{path}, line 1: expected 'k M SD N ...' with integers") from exc
    if tours < 1 or not 0 <= start_day <= 6:
        raise InputFileError(f"{path}, line 1: M must be >= 1 and SD in 0..6, got {tours}, {start_day}")
    data: list[tuple] = []
    for lineno, parts in enumerate(rows[1:], start=2):
        if not parts:
            continue
        try:
            i = int(parts[0])
            x, y, d, s = (_frac(v) for v in parts[1:5])
            if i == 0:
                o, c = _frac(parts[5]), _frac(parts[6])
                wins = [_window(o, c, weekly=False)] * 7
            else:
                vals = [_frac(v) for v in parts[6:20]]
                if len(vals) != 14:
                    raise IndexError
                wins = [_window(vals[2 * w], vals[2 * w + 1], weekly=True) for w in range(7)]
        except (ValueError, IndexError, ZeroDivisionError) as exc:
            raise InputFileError(
                f"{path}, line {lineno}: expected 'i x y d S t open[0] close[0] ... open[6] "
                f"close[6] b' (start line: 'i x y d S O C'), got {' '.join(parts)!r}"
            ) from exc
        data.append((lineno, i, x, y, d, s, wins))
    return data, n_sites + 1, tours, start_day


def read_instance(path: str | Path, *, family: str | None = None) -> TOPTWInstance:
    """Read one instance file.

    Parameters
    ----------
    path : the instance file.
    family : ``solomon``, ``cordeau`` or ``ttdp``; by default told by the file's name (``c101``,
        ``pr01``, ``t101``). It decides the distance rounding, never the file's contents.

    Raises
    ------
    InputFileError
        The file is missing, a line does not follow the format (the message names the line), or
        the family cannot be told from the name and was not given.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read the TOPTW instance ({exc.strerror})") from exc
    rows = [ln.split() for ln in lines]
    if family is not None and family not in FAMILIES:
        raise InputFileError(f"family {family!r}: use one of {', '.join(FAMILIES)}")
    fam = FAMILIES[family] if family else family_of(path.stem)
    weekly = fam.weekly if fam else (len(rows) > 1 and len(rows[0]) >= 6 and len(rows[1]) == 7)
    if len(rows) < 3 or len(rows[0]) < 3:
        raise InputFileError(
            f"{path}: not a TOPTW instance (expected a header 'k v N t', a line 'D Q' and one "
            "line per vertex; see benchmarks/toptw/TOPTW_format.txt)"
        )
    tours: int | None = None
    start_day = 0
    if weekly:
        data, n_expected, tours, start_day = _parse_ttdp(rows, path)
    else:
        data, n_expected = _parse_toptw(rows, path)
    for k, (lineno, i, _x, _y, d, s, wins) in enumerate(data):
        if i != k:
            raise InputFileError(
                f"{path}, line {lineno}: vertex number {i}, expected {k} (vertices in order)"
            )
        if d < 0 or s < 0:
            raise InputFileError(f"{path}, line {lineno}: vertex {i} has a negative duration or score")
        if k == 0 and wins[0] is None:
            raise InputFileError(f"{path}, line {lineno}: the start / end vertex needs a window")
    if len(data) != n_expected:
        raise InputFileError(
            f"{path}: header declares {n_expected - 1} vertices plus the depot, found {len(data)} lines"
        )
    if fam is None:
        raise InputFileError(
            f"{path}: cannot tell the instance family from the name {path.stem!r} (c101, pr01, t101 "
            f"...), so not its distance rounding; pass family= one of {', '.join(FAMILIES)}"
        )
    if fam.weekly != weekly:
        raise InputFileError(f"{path}: the {fam.name} family uses the "
                             f"{'TTDP' if fam.weekly else 'TOPTW'} format")
    exact = ExactData(
        x=tuple(r[2] for r in data), y=tuple(r[3] for r in data),
        service=tuple(r[4] for r in data), score=tuple(r[5] for r in data),
        windows=tuple(tuple(r[6]) for r in data),
    )
    win = np.array([[(float(w[0]), float(w[1])) if w else (np.inf, -np.inf) for w in r[6]]
                    for r in data], dtype=np.float64)
    log.debug("read %s instance %s with %d vertices", fam.name, path.stem, len(data))
    return TOPTWInstance(
        name=path.stem, family=fam.name, decimals=fam.decimals,
        x=np.array([float(v) for v in exact.x]), y=np.array([float(v) for v in exact.y]),
        service=np.array([float(v) for v in exact.service]),
        score=np.array([float(v) for v in exact.score]),
        windows=win, tours=tours, start_day=start_day, exact=exact,
    )


def resolve_instance(name_or_path: str | Path) -> Path:
    """A file path, or a bundled instance name such as ``c101``, ``pr01`` or ``t101``.

    Raises
    ------
    InputFileError
        Neither a file nor a bundled instance name; lists the available names.
    """
    p = Path(name_or_path)
    if p.is_file():
        return p
    stem = p.name.lower().removesuffix(".txt")
    fam = family_of(stem)
    if fam is not None:
        cand = instance_dir(fam.name) / f"{stem}.txt"
        if cand.is_file():
            return cand
    names = [name for f in FAMILIES for name in instance_names(f)]
    raise InputFileError(
        f"{name_or_path}: no such file and no bundled TOPTW instance of that name; "
        f"pass a path or one of {', '.join(names)}"
    )


def to_problem(inst: TOPTWInstance, *, routes: int | None = None) -> Problem:
    """The engine's :class:`~ocop_geo.toptw.Problem` for ``inst``.

    ``routes`` defaults to the file's tours (TTDP) or 1. Route ``r`` gets the windows of weekday
    column :meth:`TOPTWInstance.weekday_column` ``(r)``: the same on every route for the TOPTW
    families; for TTDP a site closed that weekday has no window on that route.
    """
    m = routes if routes is not None else (inst.tours or 1)
    if m < 1:
        raise ValueError("routes must be >= 1")
    n = inst.n
    win = np.empty((m, n, 1, 2), dtype=np.float64)
    for r in range(m):
        win[r, :, 0, :] = inst.windows[:, inst.weekday_column(r), :]
    win[:, 0, 0] = (np.inf, -np.inf)  # the depot is not a stop
    score = inst.score.copy()
    score[0] = 0.0
    depot = inst.windows[0, 0]
    return Problem(
        travel=inst.distances(),
        score=score,
        service=inst.service.copy(),
        windows=win,
        route_start=np.zeros(m, dtype=np.int64),
        route_end=np.zeros(m, dtype=np.int64),
        route_window=np.tile(depot, (m, 1)).astype(np.float64),
        mandatory=np.zeros(n, dtype=bool),
        max_stops=np.full(m, -1, dtype=np.int64),
        breaks=np.full((m, 3), np.nan),
    )


@dataclass(frozen=True)
class Check:
    """Verdict of :func:`check_routes`: feasible or not (with why), and the exact score."""

    feasible: bool
    score: Fraction
    reason: str = ""


def _exact_distance(inst: TOPTWInstance, i: int, j: int) -> Fraction:
    """floor(10^decimals * Euclidean distance) / 10^decimals, exactly."""
    ex = inst.exact
    unit = 10**inst.decimals
    sq = ((ex.x[i] - ex.x[j]) ** 2 + (ex.y[i] - ex.y[j]) ** 2) * unit * unit
    # floor(sqrt(q)) == isqrt(floor(q)) for every q >= 0
    return Fraction(math.isqrt(sq.numerator // sq.denominator), unit)


def check_routes(inst: TOPTWInstance, routes: list[list[int]]) -> Check:
    """Re-check routes (vertex ids in order, depot 0 left out) in exact arithmetic.

    Each route leaves vertex 0 at its opening time, travels the family's rounded distances, waits
    for a window to open, starts every visit no later than the window's close (route ``r`` uses the
    windows of its weekday) and is back at vertex 0 by its closing time; no vertex twice.
    """
    ex = inst.exact
    seen: set[int] = set()
    score = Fraction(0)
    for r, route in enumerate(routes):
        col = inst.weekday_column(r)
        depot = ex.windows[0][col]
        assert depot is not None  # read_instance rejects a depot without a window
        t, prev = depot[0], 0
        for v in route:
            if not 0 < v < inst.n or v in seen:
                return Check(False, Fraction(0), f"route {r}: vertex {v} invalid or repeated")
            seen.add(v)
            window = ex.windows[v][col]
            if window is None:
                return Check(False, Fraction(0), f"route {r}: vertex {v} is closed that weekday")
            t += _exact_distance(inst, prev, v)
            if t > window[1]:
                return Check(False, Fraction(0),
                             f"route {r}: vertex {v} reached at {float(t):g}, after it closes at "
                             f"{float(window[1]):g}")
            t = max(t, window[0]) + ex.service[v]
            score += ex.score[v]
            prev = v
        t += _exact_distance(inst, prev, 0)
        if t > depot[1]:
            return Check(False, Fraction(0),
                         f"route {r}: back at {float(t):g}, after the latest return {float(depot[1]):g}")
    return Check(True, score)


def best_known(family: str) -> dict[tuple[str, int], float]:
    """Best known scores of a family, keyed by ``(instance, m)``; empty for TTDP (none bundled).

    Solomon: m = 1 only (``best_known_m1.csv``); Cordeau: m = 1..4 (``cordeau/best_known_m1-4.csv``).
    """
    if family == "solomon":
        return {(k, 1): v for k, v in best_known_m1().items()}
    if family == "cordeau":
        out: dict[tuple[str, int], float] = {}
        with open(instance_dir("cordeau") / "best_known_m1-4.csv", encoding="utf-8",
                  newline="") as fh:
            for row in csv.DictReader(fh):
                out[(row["instance"], int(row["m"]))] = float(row["BKS"])
        return out
    return {}


def best_known_m1(path: str | Path | None = None) -> dict[str, float]:
    """Best known scores for one route, from ``benchmarks/toptw/best_known_m1.csv``.

    The proven optimum where there is one, else the best feasible score known.
    """
    path = Path(path) if path else instance_dir().parent / "best_known_m1.csv"
    out: dict[str, float] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            val = row.get("optimal") or row.get("best_feasible")
            if val:
                out[row["instance"]] = float(val)
    return out
