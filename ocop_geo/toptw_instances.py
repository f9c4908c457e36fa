"""Reader of the Solomon / Righini & Salani TOPTW benchmark format and its conversion to a Problem.

The format is described in ``benchmarks/toptw/TOPTW_format.txt``: a header line ``k v N t``, a line
``D Q``, then one line per vertex ``i x y d S f a list(a values) O C``. Vertex 0 is the start and the
end of every route; its closing time is the route budget. Distances (= travel times) are Euclidean,
rounded *down* to one decimal. The number of routes is not in the file; it is chosen per run.
"""

from __future__ import annotations

import csv
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import settings
from ._errors import InputFileError
from .toptw import Problem

log = logging.getLogger(__name__)

__all__ = [
    "TOPTWInstance",
    "best_known_m1",
    "instance_dir",
    "read_instance",
    "resolve_instance",
    "to_problem",
]


def instance_dir() -> Path:
    """Folder of the bundled Solomon TOPTW instances (``benchmarks/toptw/instances``)."""
    return settings.repo_root / "benchmarks" / "toptw" / "instances"


@dataclass
class TOPTWInstance:
    """One benchmark instance as read from its file (vertex 0 = depot)."""

    name: str
    x: np.ndarray
    y: np.ndarray
    service: np.ndarray
    score: np.ndarray
    open: np.ndarray
    close: np.ndarray

    @property
    def n(self) -> int:
        """Number of vertices including the depot."""
        return len(self.x)

    @property
    def budget(self) -> float:
        """Time budget of each route: the closing time of vertex 0."""
        return float(self.close[0])

    def distances(self) -> np.ndarray:
        """Euclidean distance matrix rounded down to one decimal."""
        dx = self.x[:, None] - self.x[None, :]
        dy = self.y[:, None] - self.y[None, :]
        return np.floor(np.sqrt(dx * dx + dy * dy) * 10.0) / 10.0


def read_instance(path: str | Path) -> TOPTWInstance:
    """Read one instance file.

    Raises
    ------
    InputFileError
        The file is missing or a line does not follow the format (the message names the line).
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read the TOPTW instance ({exc.strerror})") from exc
    rows = [ln.split() for ln in lines]
    if len(rows) < 3 or len(rows[0]) < 3:
        raise InputFileError(
            f"{path}: not a TOPTW instance (expected a header 'k v N t', a line 'D Q' and one "
            "line per vertex; see benchmarks/toptw/TOPTW_format.txt)"
        )
    try:
        n_declared = int(rows[0][2])
    except ValueError as exc:
        raise InputFileError(f"{path}, line 1: N (3rd value) must be an integer") from exc
    data: list[tuple[float, ...]] = []
    for lineno, parts in enumerate(rows[2:], start=3):
        if not parts:
            continue
        try:
            i = int(parts[0])
            x, y, d, s = (float(v) for v in parts[1:5])
            a = int(parts[6])
            o, c = float(parts[7 + a]), float(parts[8 + a])
        except (ValueError, IndexError) as exc:
            raise InputFileError(
                f"{path}, line {lineno}: expected 'i x y d S f a list O C', got {' '.join(parts)!r}"
            ) from exc
        if i != len(data):
            raise InputFileError(
                f"{path}, line {lineno}: vertex number {i}, expected {len(data)} (vertices in order)"
            )
        if not all(math.isfinite(v) for v in (x, y, d, s, o, c)) or d < 0 or s < 0 or o > c:
            raise InputFileError(
                f"{path}, line {lineno}: vertex {i} has an invalid duration, score or window"
            )
        data.append((x, y, d, s, o, c))
    if len(data) != n_declared + 1:
        raise InputFileError(
            f"{path}: header declares N={n_declared} vertices plus the depot, found {len(data)} lines"
        )
    arr = np.asarray(data, dtype=np.float64)
    name = path.stem
    log.debug("read TOPTW instance %s with %d vertices", name, len(arr))
    return TOPTWInstance(name=name, x=arr[:, 0], y=arr[:, 1], service=arr[:, 2],
                         score=arr[:, 3], open=arr[:, 4], close=arr[:, 5])


def resolve_instance(name_or_path: str | Path) -> Path:
    """A file path, or a bundled instance name such as ``c101`` (resolved in :func:`instance_dir`).

    Raises
    ------
    InputFileError
        Neither a file nor a bundled instance name; lists the available names.
    """
    p = Path(name_or_path)
    if p.is_file():
        return p
    cand = instance_dir() / f"{p.name.lower().removesuffix('.txt')}.txt"
    if cand.is_file():
        return cand
    names = sorted(f.stem for f in instance_dir().glob("*.txt"))
    raise InputFileError(
        f"{name_or_path}: no such file and no bundled TOPTW instance of that name; "
        f"pass a path or one of {', '.join(names)}"
    )


def to_problem(inst: TOPTWInstance, *, routes: int = 1) -> Problem:
    """The engine's :class:`~ocop_geo.toptw.Problem` for ``inst`` with ``routes`` identical routes."""
    if routes < 1:
        raise ValueError("routes must be >= 1")
    n = inst.n
    win = np.empty((routes, n, 1, 2), dtype=np.float64)
    win[:, :, 0, 0] = inst.open
    win[:, :, 0, 1] = inst.close
    win[:, 0, 0] = (np.inf, -np.inf)  # the depot is not a stop
    score = inst.score.copy()
    score[0] = 0.0
    return Problem(
        travel=inst.distances(),
        score=score,
        service=inst.service.copy(),
        windows=win,
        route_start=np.zeros(routes, dtype=np.int64),
        route_end=np.zeros(routes, dtype=np.int64),
        route_window=np.tile([inst.open[0], inst.close[0]], (routes, 1)).astype(np.float64),
        mandatory=np.zeros(n, dtype=bool),
        max_stops=np.full(routes, -1, dtype=np.int64),
        breaks=np.full((routes, 3), np.nan),
    )


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
