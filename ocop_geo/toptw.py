"""The route optimizer: a Team Orienteering Problem with Time Windows (TOPTW) engine.

Pure logic on numpy arrays; the inner loops are compiled with numba (``cache=True`` so the
compile cost is paid once per machine). The planner turns a route spec into a :class:`Problem`;
the benchmark reader (:mod:`ocop_geo.toptw_instances`) does the same for the Solomon instances.

Model
-----
Each route ``r`` (a day) leaves ``route_start[r]`` no earlier than ``route_window[r, 0]`` and must be
back at ``route_end[r]`` by ``route_window[r, 1]``. A visited vertex ``v`` starts service inside one of
its windows for that route (``windows[r, v]``, several allowed, e.g. morning and afternoon) and
stays ``service[v]``. Waiting is allowed. An optional break (lunch) of ``breaks[r, 2]`` must start in
``[breaks[r, 0], breaks[r, 1]]``; it is taken where the tour is: at the next stop while waiting
for it to open, or at the previous stop before leaving (rule in :func:`schedule`). A route may have
caps on its total travel time (``max_travel[r]``) and on its total ``distance`` (``max_distance[r]``):
hard constraints, checked with every insertion and move like the windows.

Objective, lexicographic: maximise the sum of ``score`` over visited vertices (``mandatory`` vertices
must be visited); among solutions of the best score, minimise the *secondary cost*: travel time plus
waiting, where each wait's excess over ``long_wait`` counts three times (once as waiting, twice more
as a penalty, :data:`~ocop_geo._toptw_kernels.LONG_WAIT_WEIGHT`). A route is taken to leave its start
as late as its first stop allows, so waiting for the first stop to open is not counted. The best
solution is always chosen this way; with ``minimise_cost`` the search also reorders the stops of
every solution that ties the best score (move one stop, swap two) until the cost stops falling.

Algorithm
---------
An iterated local search in the style of Vansteenwegen et al. (2009), run as destroy and repair
(kernels in :mod:`ocop_geo._toptw_kernels`). Repair: best-ratio insertion, the ratio alternating
between ``score² / added time`` (added time = travel + wait + visit - direct travel, as in the
2009 paper), ``score / added time`` and ``score² / detour`` (waiting not counted), with random
noise; feasibility is checked by propagating the delay only until a later wait absorbs it; then
*replace* moves (an unvisited vertex in place of a visited one of lower score). Destroy: the
paper's shake (consecutive stops from a moving position), random stops, the costliest stops per
score point, or stops close in space and time. A candidate is kept if it is not worse, or with
a simulated-annealing probability; after a long stagnation the search restarts from the best.
Mandatory vertices are inserted first (cheapest insertion) and never removed.

Speed: each route's cache also holds the latest arrival at every position that keeps the rest
of the route feasible (a backward pass over the windows), so on a route without a break an
insertion, and a 2-opt* tail exchange, is checked in O(1) instead of by propagation; cheap
necessary conditions reject most gaps before any check. Replace and relocate consider a vertex
only next to one of its :data:`GRANULAR_K` granular neighbours (travel time plus a time-window
term, :func:`_neighbours`); the repair still tries every gap.
Deterministic for a given seed: with ``max_iterations`` the result is bit-identical; with only
``time_limit`` it is anytime (the best found when time runs out).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ._errors import PlanningError, ValidationError
from ._toptw_kernels import (
    _F_BREAK,
    _F_CAP,
    _F_CLOSED,
    _F_DEPOT,
    _F_LATE,
    _F_RETURN,
    _F_STOPS,
    _OK,
    _gap,
    _greedy_insert,
    _ils,
    _load,
    _refresh,
    _seed,
    _simulate,
    _total_cost,
)

log = logging.getLogger(__name__)

__all__ = [
    "REASONS",
    "Problem",
    "RouteSchedule",
    "Solution",
    "evaluate",
    "schedule",
    "solve",
    "validate_problem",
]

#: Why a candidate vertex was left out of a solution (``Solution.unvisited_reason`` values).
REASONS: dict[str, str] = {
    "closed": "closed on every route (no time window on any day)",
    "too_far": "open, but cannot be visited even as the only stop of any day",
    "no_time": "does not fit together with the higher-value stops chosen",
    "no_score": "score is zero, not worth a visit",
}

_FAIL_TEXT = {
    _F_CLOSED: "vertex {v} has no time window on route {r}",
    _F_LATE: "vertex {v} is reached after its last window closes on route {r}",
    _F_BREAK: "the break of route {r} cannot start inside its window (near vertex {v})",
    _F_RETURN: "route {r} returns to its end after the latest return time",
    _F_STOPS: "route {r} has more stops than its max_stops",
    _F_DEPOT: "vertex {v} is a route start or end, it cannot be a stop",
    _F_CAP: "route {r} exceeds its travel-time or distance cap",
}


@dataclass
class Problem:
    """A TOPTW instance on arrays (``n`` vertices including depots, ``m`` routes, ``k`` windows).

    Attributes
    ----------
    travel : (n, n) float64 travel time ``travel[i, j]`` (inf = no road).
    score : (n,) float64 value of a visit, 0 for depots.
    service : (n,) float64 visit duration.
    windows : (m, n, k, 2) float64 windows for the *start* of service per route; unused slots are
        ``(inf, -inf)``; a vertex closed on route ``r`` has no valid slot.
    route_start, route_end : (m,) int vertices where each route starts and ends.
    route_window : (m, 2) float64 earliest departure and latest return.
    mandatory : (n,) bool vertices that must be visited on some route.
    max_stops : (m,) int stop limit per route, -1 = unlimited.
    breaks : (m, 3) float64 earliest start, latest start and duration of a break; a NaN row means
        no break on that route.
    distance : (n, n) float64 distance ``distance[i, j]`` used by ``max_distance``; None = zeros.
    max_travel, max_distance : (m,) float64 caps on a route's total travel time and distance
        (inf = no cap); None = no caps.
    long_wait : waits longer than this cost extra in the secondary cost (inf = no penalty).
    minimise_cost : reorder the stops of solutions tying the best score to lower the secondary cost
        (see the module docstring); off for pure score benchmarks.
    """

    travel: np.ndarray
    score: np.ndarray
    service: np.ndarray
    windows: np.ndarray
    route_start: np.ndarray
    route_end: np.ndarray
    route_window: np.ndarray
    mandatory: np.ndarray
    max_stops: np.ndarray
    breaks: np.ndarray
    distance: np.ndarray | None = None
    max_travel: np.ndarray | None = None
    max_distance: np.ndarray | None = None
    long_wait: float = math.inf
    minimise_cost: bool = False

    @property
    def n(self) -> int:
        """Number of vertices (depots included)."""
        return int(np.shape(self.travel)[0])

    @property
    def m(self) -> int:
        """Number of routes."""
        return int(np.shape(self.route_start)[0])


@dataclass
class RouteSchedule:
    """The timetable of one route; per-stop arrays are aligned with ``stops``.

    ``arrival`` is when the traveller reaches the stop, ``wait`` the idle time there before the
    visit (lunch excluded), ``start`` / ``end`` the visit. A break taken before leaving the
    previous stop delays the arrival; a break taken at the stop (``break_at_next``) happens between
    arrival and start.
    """

    route_index: int
    stops: list[int]
    arrival: np.ndarray
    wait: np.ndarray
    start: np.ndarray
    end: np.ndarray
    depart: float
    return_time: float
    #: Break start and end, NaN when the route has no break.
    break_start: float = math.nan
    break_end: float = math.nan
    #: The break is taken before stop ``break_before`` (``len(stops)`` = before the route end); -1 = none.
    break_before: int = -1
    #: True if the break is taken where the stop ``break_before`` is (after the ride), False if
    #: before leaving the previous stop.
    break_at_next: bool = False
    feasible: bool = True
    reason: str = ""


@dataclass
class Solution:
    """Result of :func:`solve`: visited vertices per route (depots excluded) and why others were not."""

    routes: list[list[int]]
    score: float
    unvisited_reason: dict[int, str] = field(default_factory=dict)
    #: The secondary cost of the routes (travel + waiting + long-wait penalty), see the module docstring.
    cost: float = math.nan
    iterations: int = 0
    seconds: float = 0.0
    seed: int = 0

    def schedule(self, problem: Problem, route_index: int) -> RouteSchedule:
        """Timetable of route ``route_index`` of this solution (see :func:`schedule`)."""
        return schedule(problem, route_index, self.routes[route_index])


# --------------------------------------------------------------------------- validation


def validate_problem(problem: Problem) -> Problem:
    """Check shapes and values and return a normalised copy (float64, windows sorted by opening).

    Raises
    ------
    ValidationError
        Listing every problem found, each naming the field and what to do.
    """
    problems: list[str] = []
    travel = np.asarray(problem.travel, dtype=np.float64)
    if travel.ndim != 2 or travel.shape[0] != travel.shape[1]:
        problems.append(f"travel: expected a square (n, n) matrix, got shape {travel.shape}")
        raise ValidationError("invalid TOPTW problem: " + "; ".join(problems), problems)
    n = travel.shape[0]
    if np.isnan(travel).any():
        problems.append("travel: contains NaN; use inf for pairs with no road")
    if (travel < 0).any():
        problems.append("travel: negative travel times; check the matrix units")
    m = int(np.shape(problem.route_start)[0]) if np.ndim(problem.route_start) == 1 else -1
    if m <= 0:
        problems.append("route_start: expected a 1-D array with one start vertex per route (m >= 1)")
        raise ValidationError("invalid TOPTW problem: " + "; ".join(problems), problems)

    def vec(name: str, value: np.ndarray, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        arr = np.asarray(value)
        if arr.shape != shape:
            problems.append(f"{name}: expected shape {shape}, got {arr.shape}")
            return np.zeros(shape, dtype=dtype)
        try:
            return arr.astype(dtype)
        except (TypeError, ValueError):
            problems.append(f"{name}: cannot convert to {dtype.__name__}")
            return np.zeros(shape, dtype=dtype)

    score = vec("score", problem.score, (n,), np.float64)
    service = vec("service", problem.service, (n,), np.float64)
    route_start = vec("route_start", problem.route_start, (m,), np.int64)
    route_end = vec("route_end", problem.route_end, (m,), np.int64)
    route_window = vec("route_window", problem.route_window, (m, 2), np.float64)
    mandatory = vec("mandatory", problem.mandatory, (n,), np.bool_)
    max_stops = vec("max_stops", problem.max_stops, (m,), np.int64)
    breaks = vec("breaks", problem.breaks, (m, 3), np.float64)
    distance = (np.zeros((n, n)) if problem.distance is None
                else vec("distance", problem.distance, (n, n), np.float64))  # fmt: skip
    max_travel = (np.full(m, np.inf) if problem.max_travel is None
                  else vec("max_travel", problem.max_travel, (m,), np.float64))  # fmt: skip
    max_distance = (np.full(m, np.inf) if problem.max_distance is None
                    else vec("max_distance", problem.max_distance, (m,), np.float64))  # fmt: skip
    if np.isnan(distance).any() or (distance < 0).any():
        problems.append("distance: must be >= 0 (inf for pairs with no road), no NaN")
    for name, cap in (("max_travel", max_travel), ("max_distance", max_distance)):
        if np.isnan(cap).any() or (cap < 0).any():
            problems.append(f"{name}: must be >= 0 (inf = no cap)")
    long_wait = float(problem.long_wait)
    if not long_wait >= 0:
        problems.append("long_wait: must be >= 0 (inf = no penalty)")
    windows = np.asarray(problem.windows, dtype=np.float64)
    if windows.ndim != 4 or windows.shape[:2] != (m, n) or windows.shape[3] != 2:
        problems.append(
            f"windows: expected shape (m={m}, n={n}, k, 2), got {windows.shape}; "
            "pad unused window slots with (inf, -inf)"
        )
        windows = np.full((m, n, 1, 2), (np.inf, -np.inf))
    if np.isnan(score).any() or (score < 0).any():
        problems.append("score: must be finite and >= 0")
    if np.isnan(service).any() or (service < 0).any():
        problems.append("service: must be >= 0 (visit duration)")
    for name, arr in (("route_start", route_start), ("route_end", route_end)):
        bad = (arr < 0) | (arr >= n)
        if bad.any():
            problems.append(f"{name}: vertex ids {arr[bad].tolist()} are outside 0..{n - 1}")
    bad_rw = ~(route_window[:, 0] <= route_window[:, 1])
    if bad_rw.any():
        problems.append(
            f"route_window: routes {np.flatnonzero(bad_rw).tolist()} have departure after return"
        )
    if (max_stops < -1).any():
        problems.append("max_stops: use -1 for unlimited, otherwise a count >= 0")
    has_break = ~np.isnan(breaks).any(axis=1)
    partial = np.isnan(breaks).any(axis=1) & ~np.isnan(breaks).all(axis=1)
    if partial.any():
        problems.append(f"breaks: routes {np.flatnonzero(partial).tolist()} mix NaN and numbers")
    bb = breaks[has_break]
    if len(bb) and ((bb[:, 0] > bb[:, 1]) | (bb[:, 2] < 0)).any():
        problems.append("breaks: need earliest start <= latest start and duration >= 0")
    depots = np.zeros(n, dtype=bool)
    if not problems:
        depots[route_start] = True
        depots[route_end] = True
        if (mandatory & depots).any():
            problems.append(
                f"mandatory: depots {np.flatnonzero(mandatory & depots).tolist()} cannot be mandatory stops"
            )
    if problems:
        raise ValidationError("invalid TOPTW problem: " + "; ".join(problems), problems)
    # sort windows by opening; invalid slots (open > close or NaN) go last as (inf, -inf)
    w = windows.copy()
    invalid = ~(w[..., 0] <= w[..., 1])
    w[invalid] = (np.inf, -np.inf)
    order = np.argsort(w[..., 0], axis=2, kind="stable")
    w = np.take_along_axis(w, order[..., None], axis=2)
    return Problem(
        travel=np.ascontiguousarray(travel),
        score=score,
        service=service,
        windows=np.ascontiguousarray(w),
        route_start=route_start,
        route_end=route_end,
        route_window=route_window,
        mandatory=mandatory,
        max_stops=max_stops,
        breaks=breaks,
        distance=np.ascontiguousarray(distance),
        max_travel=max_travel,
        max_distance=max_distance,
        long_wait=long_wait,
        minimise_cost=bool(problem.minimise_cost),
    )


# --------------------------------------------------------------------------- Python API


def _kernel_arrays(p: Problem) -> dict[str, np.ndarray]:
    valid = p.windows[..., 0] <= p.windows[..., 1]
    nwin = valid.sum(axis=2).astype(np.int64)
    has_brk = ~np.isnan(p.breaks).any(axis=1)
    brk = np.where(np.isnan(p.breaks), 0.0, p.breaks)
    return {
        "travel": p.travel,
        "service": p.service,
        "win": p.windows,
        "nwin": nwin,
        "rstart": p.route_start,
        "rend": p.route_end,
        "rwin": p.route_window,
        "brk": brk,
        "has_brk": has_brk,
        "maxst": p.max_stops,
        "dist": p.distance,
        "rcap": np.ascontiguousarray(np.column_stack([p.max_travel, p.max_distance,
                                                      np.full(p.m, p.long_wait)])),
    }


#: Size of the granular neighbourhoods (see :func:`_neighbours`).
GRANULAR_K = 30


def _neighbours(p: Problem, k: int = GRANULAR_K) -> np.ndarray:
    """Granular neighbourhoods: ``near[u, w]`` is True when ``w`` is among the ``k`` vertices
    closest to ``u``.

    Closeness is travel time plus a time-window term, as in Vidal et al. (2013): going from one
    vertex to the other costs 0.2 times the wait it forces (the second opens after the first
    closes) and 1.0 times the lateness (the second closes before the first can be left), in the
    better of the two directions, over the union of every route's windows. The replace and
    relocate moves try a vertex only next to one of its neighbours, so a pass costs
    O(stops * k) insertion checks instead of O(stops * n).
    """
    n = p.n
    valid = p.windows[..., 0] <= p.windows[..., 1]
    op = np.where(valid, p.windows[..., 0], np.inf).min(axis=(0, 2))
    cl = np.where(valid, p.windows[..., 1], -np.inf).max(axis=(0, 2))
    op = np.where(np.isfinite(op), op, 0.0)
    cl = np.where(np.isfinite(cl), cl, 0.0)
    with np.errstate(invalid="ignore"):
        leave = cl[:, None] + p.service[:, None] + p.travel  # latest departure from i, then ride
        early = op[:, None] + p.service[:, None] + p.travel  # earliest arrival at j via i
        prox = (p.travel + 0.2 * np.maximum(0.0, op[None, :] - leave)
                + np.maximum(0.0, early - cl[None, :]))
    prox = np.where(np.isnan(prox), np.inf, prox)
    prox = np.minimum(prox, prox.T)
    np.fill_diagonal(prox, np.inf)
    near = np.zeros((n, n), dtype=np.bool_)
    if n <= k + 1:
        near[:] = True
        return near
    idx = np.argpartition(prox, k, axis=1)[:, :k]
    near[np.arange(n)[:, None], idx] = True
    return near


def _depot_mask(p: Problem) -> np.ndarray:
    depots = np.zeros(p.n, dtype=bool)
    depots[p.route_start] = True
    depots[p.route_end] = True
    return depots


def _sim_route(p: Problem, k: dict[str, np.ndarray], r: int, stops: list[int]
               ) -> tuple[int, int, float, np.ndarray, np.ndarray]:
    seq = np.asarray(stops, dtype=np.int64)
    L = len(seq)
    start = np.zeros(max(L, 1), dtype=np.float64)
    taken = np.zeros(L + 1, dtype=np.bool_)
    code, pos, end = _simulate(seq if L else np.zeros(1, np.int64), L, r, k["travel"],
                               k["service"], k["win"], k["nwin"], k["rstart"], k["rend"],
                               k["rwin"], k["brk"], k["has_brk"], k["maxst"], k["dist"], k["rcap"],
                               start, taken)
    return int(code), int(pos), float(end), start[:L], taken


def schedule(problem: Problem, route_index: int, stops: list[int]) -> RouteSchedule:
    """Timetable of ``stops`` on route ``route_index``: arrival, wait, start and end of each visit.

    Service starts as early as possible; the route leaves its start as late as the first visit
    allows (no waiting at the first stop unless the break is taken there). The break is taken at the first gap where it fits in
    the wait for the next stop, or, failing that, at the last gap before it could no longer start
    in time: at the next stop if it can start there in time (the ride first, then lunch), otherwise
    before leaving the previous stop.
    """
    p = validate_problem(problem)
    k = _kernel_arrays(p)
    r = int(route_index)
    code, pos, end, start, taken = _sim_route(p, k, r, list(stops))
    L = len(stops)
    arrival = np.full(L, np.nan)
    st = np.full(L, np.nan)
    fin = np.full(L, np.nan)
    t = float(p.route_window[r, 0])
    prev = int(p.route_start[r])
    b_start = b_end = math.nan
    b_before = -1
    b_at_next = False
    last = L if code == _OK else min(pos, L)
    tk = False
    for q in range(last + 1):
        is_end = q == L
        v = int(p.route_end[r]) if is_end else int(stops[q])
        c, s, tk2, bs, at_next = _gap(r, prev, v, t, tk, is_end, k["travel"], k["service"],
                                      k["win"], k["nwin"], k["brk"], k["has_brk"])
        if tk2 and not tk:
            b_start, b_before, b_at_next = float(bs), q, bool(at_next)
            b_end = b_start + float(p.breaks[r, 2])
        if c != _OK or is_end:
            break
        arr = t + float(p.travel[prev, v])
        if not at_next and tk2 and not tk:  # lunch before leaving prev, then the ride
            arr = float(bs) + float(p.breaks[r, 2]) + float(p.travel[prev, v])
        arrival[q], st[q] = arr, s
        fin[q] = s + float(p.service[v])
        t, prev, tk = fin[q], v, tk2
    depart = float(p.route_window[r, 0])
    if code == _OK and L and b_before != 0:  # leave as late as the first visit allows
        late = float(st[0]) - float(p.travel[int(p.route_start[r]), int(stops[0])])
        if late > depart:
            depart = late
            arrival[0] = st[0]
    wait = st - arrival
    if 0 <= b_before < L and b_at_next:  # idle time at the stop, lunch excluded
        wait[b_before] = max(0.0, wait[b_before] - float(p.breaks[r, 2]))
    reason = ""
    if code != _OK:
        v = stops[pos] if pos < L else int(p.route_end[r])
        reason = _FAIL_TEXT[code].format(v=v, r=r)
    return RouteSchedule(
        route_index=r,
        stops=[int(v) for v in stops],
        arrival=arrival,
        wait=wait,
        start=st,
        end=fin,
        depart=depart,
        return_time=end,
        break_start=b_start,
        break_end=b_end,
        break_before=b_before,
        break_at_next=b_at_next,
        feasible=code == _OK,
        reason=reason,
    )


def evaluate(problem: Problem, routes: list[list[int]]) -> tuple[bool, float, str]:
    """Check ``routes`` (visited vertices per route, depots excluded) against ``problem``.

    Returns
    -------
    (feasible, score, reason) : the reason is empty when feasible, else names the route and stop.
    """
    p = validate_problem(problem)
    k = _kernel_arrays(p)
    if len(routes) != p.m:
        return False, 0.0, f"expected {p.m} routes, got {len(routes)}"
    depots = _depot_mask(p)
    seen: dict[int, int] = {}
    total = 0.0
    for r, stops in enumerate(routes):
        for v in stops:
            v = int(v)
            if not 0 <= v < p.n:
                return False, 0.0, f"route {r}: vertex {v} is outside 0..{p.n - 1}"
            if depots[v]:
                return False, 0.0, _FAIL_TEXT[_F_DEPOT].format(v=v, r=r)
            if v in seen:
                return False, 0.0, f"vertex {v} is visited twice (routes {seen[v]} and {r})"
            seen[v] = r
            total += float(p.score[v])
        code, pos, _end, _s, _t = _sim_route(p, k, r, [int(v) for v in stops])
        if code != _OK:
            v = stops[pos] if pos < len(stops) else int(p.route_end[r])
            return False, total, _FAIL_TEXT[code].format(v=v, r=r)
    missing = [int(v) for v in np.flatnonzero(p.mandatory) if int(v) not in seen]
    if missing:
        return False, total, f"mandatory vertices not visited: {missing}"
    return True, total, ""


def _why_unvisited(p: Problem, k: dict[str, np.ndarray], v: int) -> str:
    if not (k["nwin"][:, v] > 0).any():
        return "closed"
    alone = False
    for r in range(p.m):
        if k["nwin"][r, v] == 0 or p.max_stops[r] == 0:
            continue
        if _sim_route(p, k, r, [v])[0] == _OK:
            alone = True
            break
    if not alone:
        return "too_far"
    if p.score[v] <= 0:
        return "no_score"
    return "no_time"


def solve(problem: Problem, *, time_limit: float = 10.0, seed: int = 0,
          max_iterations: int | None = None) -> Solution:
    """Maximise the total score of the visited vertices, then minimise the secondary cost
    (travel + waiting; see the module docstring).

    Parameters
    ----------
    problem : the instance; validated first.
    time_limit : seconds of search (anytime: the best solution found is returned); the search
        stops earlier once every vertex with a positive score is visited (provably optimal; with
        ``problem.minimise_cost``, after a bounded number of further cost-lowering iterations).
    seed : random seed; the same seed and ``max_iterations`` give the same solution.
    max_iterations : stop after this many search iterations (bit-identical results).

    Raises
    ------
    ValidationError
        The problem's arrays are malformed.
    PlanningError
        A mandatory vertex cannot be scheduled (the message names it and why), or a route is
        infeasible even without stops.
    """
    t0 = time.perf_counter()
    p = validate_problem(problem)
    k = _kernel_arrays(p)
    n, m = p.n, p.m
    depots = _depot_mask(p)
    cand = np.flatnonzero(~depots & ((k["nwin"] > 0).any(axis=0))).astype(np.int64)
    seq = np.zeros((m, n + 1), dtype=np.int64)
    lens = np.zeros(m, dtype=np.int64)
    c_start = np.zeros((m, 2 * (n + 1)), dtype=np.float64)  # schedule, then latest arrivals
    c_taken = np.zeros((m, n + 2), dtype=np.bool_)
    c_end = np.zeros(m, dtype=np.float64)
    inroute = np.full(n, -1, dtype=np.int64)
    scratch = (np.zeros((m, n + 1), dtype=np.int64), np.zeros(m, dtype=np.int64),
               np.zeros((m, 2 * (n + 1)), dtype=np.float64), np.zeros((m, n + 2), dtype=np.bool_),
               np.zeros(m, dtype=np.float64))
    args_k = (k["travel"], k["service"], k["win"], k["nwin"], k["rstart"], k["rend"], k["rwin"],
              k["brk"], k["has_brk"], k["maxst"], k["dist"], k["rcap"])
    empty_bad = []
    for r in range(m):
        code = _refresh(r, seq, lens, c_start, c_taken, c_end, *args_k)
        if code != _OK:
            empty_bad.append(_FAIL_TEXT[code].format(v=int(p.route_end[r]), r=r))
    if empty_bad:
        raise PlanningError(
            "a route is infeasible even without stops: " + "; ".join(empty_bad)
            + " (check route_window, the travel from start to end and the break window)"
        )
    _seed(int(seed))
    # must-visits first, cheapest insertion
    mand = np.flatnonzero(p.mandatory)
    if len(mand):
        _greedy_insert(cand, inroute, seq, lens, c_start, c_taken, c_end, p.score,
                       *args_k, 0.0, True, p.mandatory, 0, np.ones((n, n), dtype=np.bool_))
        missing = [int(v) for v in mand if inroute[v] < 0]
        if missing:
            why = []
            for v in missing:
                reason = _why_unvisited(p, k, v)
                if reason == "no_time" or reason == "no_score":
                    reason = "does not fit together with the other must-visits"
                else:
                    reason = REASONS[reason]
                why.append(f"vertex {v}: {reason}")
            raise PlanningError("cannot schedule every must-visit: " + "; ".join(why))
    near = _neighbours(p)
    b_seq = seq.copy()
    b_lens = lens.copy()
    b_score = np.array([float(p.score[inroute >= 0].sum())])
    b_cost = np.array([np.inf])
    state_i = np.array([1, 0, 0, 0], dtype=np.int64)
    cur_seq = b_seq.copy()
    cur_lens = b_lens.copy()
    pos_scores = p.score[cand][p.score[cand] > 0]
    temp0 = 0.5 * float(pos_scores.mean()) if len(pos_scores) else 0.0
    state_f = np.array([b_score[0], temp0], dtype=np.float64)
    upper = float(pos_scores.sum())  # every vertex worth a visit is visited: optimal, stop
    chunk = 1
    iters = 0
    # with minimise_cost, once every vertex worth a visit is in, keep lowering the secondary cost
    # for a few iterations more (bounded, so a small plan stays fast)
    polish_left = 4 * n + 40 if p.minimise_cost else 0
    while b_score[0] < upper - 1e-9 or polish_left > 0:
        if b_score[0] >= upper - 1e-9:
            polish_left -= chunk
        if max_iterations is not None:
            todo = min(chunk, max_iterations - iters)
            if todo <= 0:
                break
        else:
            todo = chunk
        c0 = time.perf_counter()
        _ils(todo, state_i, state_f, cand, inroute, seq, lens, c_start, c_taken, c_end, cur_seq,
             cur_lens, b_seq, b_lens, b_score, b_cost, p.minimise_cost, p.score, *args_k, p.mandatory, *scratch,
             near)
        iters += todo
        now = time.perf_counter()
        if now - t0 >= time_limit:
            break
        if now - c0 < 0.02:
            chunk *= 2
    routes = [[int(v) for v in b_seq[r, : b_lens[r]]] for r in range(m)]
    _load(b_seq, b_lens, inroute, seq, lens, c_start, c_taken, c_end, *args_k)
    cost = float(_total_cost(seq, lens, c_start, c_taken, c_end, k["travel"], k["service"], k["rstart"],
                             k["rend"], k["rwin"], k["brk"], k["has_brk"], k["rcap"]))
    visited = {v for rt in routes for v in rt}
    reasons = {int(v): _why_unvisited(p, k, int(v))
               for v in np.flatnonzero(~depots) if int(v) not in visited}
    sol = Solution(routes=routes, score=float(b_score[0]), unvisited_reason=reasons, cost=cost,
                   iterations=iters, seconds=time.perf_counter() - t0, seed=int(seed))
    log.info("TOPTW: score %.1f with %d stops on %d routes after %d iterations in %.2f s",
             sol.score, len(visited), m, iters, sol.seconds)
    return sol
