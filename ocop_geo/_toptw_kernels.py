"""Compiled kernels of the TOPTW engine (:mod:`ocop_geo.toptw`): scheduling and the search.

Everything here is numba ``@njit(cache=True)`` code on plain arrays; the public API, the data
classes and the validation live in :mod:`ocop_geo.toptw`. Route ``r`` is ``seq[r, :lens[r]]``
(stops only, no depots); ``c_start`` / ``c_taken`` / ``c_end`` cache its earliest-start schedule
(service start per stop, whether the break was taken at or before each gap, return time) so that
an insertion is checked by propagating its delay only until it is absorbed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Tolerance on time comparisons (same units as ``travel``).
EPS = 1e-6

# failure codes of the route simulation (texts in ocop_geo.toptw)
_OK, _F_CLOSED, _F_LATE, _F_BREAK, _F_RETURN, _F_STOPS, _F_DEPOT, _F_CAP = 0, 1, 2, 3, 4, 5, 6, 7

#: Extra weight of waiting beyond the long-wait threshold in the secondary cost (see _route_cost).
LONG_WAIT_WEIGHT = 2.0


@njit(cache=True)
def _over_caps(seq, L, r, travel, rstart, rend, dist, rcap, v, pos):  # pragma: no cover - compiled
    """Whether route ``r`` visiting ``seq[:L]`` (with ``v`` inserted before ``pos`` when ``v >= 0``)
    exceeds its travel cap ``rcap[r, 0]`` or distance cap ``rcap[r, 1]`` (inf = no cap)."""
    if rcap[r, 0] == np.inf and rcap[r, 1] == np.inf:
        return False
    tt = 0.0
    dd = 0.0
    prev = rstart[r]
    for q in range(L + 1):
        if v >= 0 and q == pos:
            tt += travel[prev, v]
            dd += dist[prev, v]
            prev = v
        w = seq[q] if q < L else rend[r]
        tt += travel[prev, w]
        dd += dist[prev, w]
        prev = w
    return tt > rcap[r, 0] + EPS or dd > rcap[r, 1] + EPS


@njit(cache=True)
def _window_start(win, nwin, r, v, arr):  # pragma: no cover - compiled
    """Earliest service start at or after ``arr`` inside a window of ``v`` on route ``r``."""
    for k in range(nwin[r, v]):
        if arr <= win[r, v, k, 1] + EPS:
            o = win[r, v, k, 0]
            return arr if arr > o else o
    return np.inf


@njit(cache=True)
def _gap(r, prev, v, t_dep, taken, is_end, travel, service, win, nwin, brk, has_brk):  # pragma: no cover
    """Move from ``prev`` (left at ``t_dep``) to ``v``; take the break on the way if due.

    Returns ``(code, start, taken, break_start, break_at_next)``: ``start`` is the service start at
    ``v`` (or the arrival time when ``v`` is the route end).
    The break is taken at this gap when it is free (it fits in the wait at ``v``) or when it can no
    longer be postponed past ``v``; it is taken at ``v`` if it can start there in time, else before
    leaving ``prev``.
    """
    tt = travel[prev, v]
    arr = t_dep + tt
    bs = np.nan
    at_next = False
    if is_end:
        if has_brk[r] and not taken:
            lo = brk[r, 0]
            hi = brk[r, 1]
            d = brk[r, 2]
            b1 = arr if arr > lo else lo
            if b1 <= hi + EPS:
                return _OK, b1 + d, True, b1, True
            b0 = t_dep if t_dep > lo else lo
            if b0 <= hi + EPS:
                return _OK, b0 + d + tt, True, b0, False
            return _F_BREAK, np.inf, taken, bs, at_next
        return _OK, arr, taken, bs, at_next
    if nwin[r, v] == 0:
        return _F_CLOSED, np.inf, taken, bs, at_next
    st = _window_start(win, nwin, r, v, arr)
    if st == np.inf:
        return _F_LATE, np.inf, taken, bs, at_next
    if has_brk[r] and not taken:
        lo = brk[r, 0]
        hi = brk[r, 1]
        d = brk[r, 2]
        b1 = arr if arr > lo else lo
        if b1 <= hi + EPS and b1 + d <= st + EPS:
            return _OK, st, True, b1, True  # free: taken while waiting for v to open
        nxt = st + service[v]
        if nxt < lo:
            nxt = lo
        if nxt > hi + EPS:  # cannot be postponed past v: take it now
            if b1 <= hi + EPS:
                st = _window_start(win, nwin, r, v, b1 + d)
                if st == np.inf:
                    return _F_LATE, np.inf, taken, bs, at_next
                return _OK, st, True, b1, True
            b0 = t_dep if t_dep > lo else lo
            if b0 <= hi + EPS:
                st = _window_start(win, nwin, r, v, b0 + d + tt)
                if st == np.inf:
                    return _F_LATE, np.inf, taken, bs, at_next
                return _OK, st, True, b0, False
            return _F_BREAK, np.inf, taken, bs, at_next
    return _OK, st, taken, bs, at_next


@njit(cache=True)
def _simulate(seq, L, r, travel, service, win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap,
              out_start, out_taken):  # pragma: no cover - compiled
    """Full earliest-start schedule of route ``r`` visiting ``seq[:L]``.

    Fills ``out_start[q]`` (service start of stop q) and ``out_taken[q]`` (break taken at or before
    gap q; gap L is before the route end). Returns ``(code, position, end_time)``.
    """
    if maxst[r] >= 0 and L > maxst[r]:
        return _F_STOPS, L, np.inf
    if _over_caps(seq, L, r, travel, rstart, rend, dist, rcap, -1, 0):
        return _F_CAP, L, np.inf
    t = rwin[r, 0]
    prev = rstart[r]
    taken = False
    for q in range(L):
        v = seq[q]
        code, st, taken, bs, at_next = _gap(r, prev, v, t, taken, False, travel, service, win,
                                             nwin, brk, has_brk)
        if code != _OK:
            return code, q, np.inf
        out_start[q] = st
        out_taken[q] = taken
        t = st + service[v]
        prev = v
    code, end, taken, bs, at_next = _gap(r, prev, rend[r], t, taken, True, travel, service, win,
                                         nwin, brk, has_brk)
    out_taken[L] = taken
    if code != _OK:
        return code, L, np.inf
    if end > rwin[r, 1] + EPS:
        return _F_RETURN, L, end
    return _OK, L, end


@njit(cache=True)
def _refresh(r, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin, rstart, rend,
             rwin, brk, has_brk, maxst, dist, rcap):  # pragma: no cover - compiled
    """Schedule route ``r`` into the caches; returns the simulation's failure code.

    When ``c_start`` has room for it (``2 * (n + 1)`` columns: the second half, from column
    ``H = c_start.shape[1] // 2``), the latest arrival at each position that keeps the rest of
    the route feasible is stored too (``c_start[r, H + q]``, ``q = L`` for the route end; NaN when
    the route has a break or is infeasible): :func:`_try_insert` then checks an insertion in O(1).
    """
    L = lens[r]
    code, pos, end = _simulate(seq[r], L, r, travel, service, win, nwin, rstart, rend, rwin,
                               brk, has_brk, maxst, dist, rcap, c_start[r], c_taken[r])
    c_end[r] = end
    H = c_start.shape[1] // 2
    if H > L:
        if code != _OK or has_brk[r]:
            c_start[r, H + L] = np.nan
        else:
            _latest_arrivals(r, seq, r, L, travel, service, win, nwin, rend, rwin, c_start[r], H)
    return code


@njit(cache=True)
def _latest_arrivals(r, seq, src, L, travel, service, win, nwin, rend, rwin, out,
                     off):  # pragma: no cover - compiled
    """Latest arrival at each stop of ``seq[src, :L]`` (and at the end, ``q = L``) that keeps
    the rest feasible when these stops are served, in this order, by route ``r`` (its windows,
    end and latest return; no break): written to ``out[off + q]``. Arriving later than that is
    infeasible, arriving earlier is feasible (waiting is allowed)."""
    lat = rwin[r, 1] + EPS
    out[off + L] = lat
    nxt = rend[r]
    for q in range(L - 1, -1, -1):
        v = seq[src, q]
        s_lat = lat - travel[v, nxt] - service[v]  # latest service start at v
        a = -np.inf
        for k in range(nwin[r, v]):
            if win[r, v, k, 0] > s_lat:
                break
            c = win[r, v, k, 1] + EPS
            c = c if c < s_lat else s_lat
            if c > a:
                a = c
        lat = a
        out[off + q] = lat
        nxt = v


@njit(cache=True)
def _try_insert(r, pos, v, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin,
                rstart, rend, rwin, brk, has_brk, maxst, dist, rcap):  # pragma: no cover - compiled
    """Can ``v`` be inserted before position ``pos`` of route ``r``? Returns ``(ok, shift, detour)``.

    ``shift`` is the time the insertion adds between its neighbours (travel + wait + service +
    break, minus the direct travel); ``detour`` is the same without waiting. The shift is propagated only until it is absorbed.
    """
    L = lens[r]
    if maxst[r] >= 0 and L + 1 > maxst[r]:
        return False, np.inf, np.inf
    if nwin[r, v] == 0:
        return False, np.inf, np.inf
    if _over_caps(seq[r], L, r, travel, rstart, rend, dist, rcap, v, pos):
        return False, np.inf, np.inf
    if pos == 0:
        prev = rstart[r]
        t = rwin[r, 0]
        taken = False
    else:
        prev = seq[r, pos - 1]
        t = c_start[r, pos - 1] + service[prev]
        taken = c_taken[r, pos - 1]
    t_dep_prev = t
    code, st, taken, bs, at_next = _gap(r, prev, v, t, taken, False, travel, service, win, nwin,
                                        brk, has_brk)
    if code != _OK:
        return False, np.inf, np.inf
    t = st + service[v]
    nxt = seq[r, pos] if pos < L else rend[r]
    shift = t - t_dep_prev + travel[v, nxt] - travel[prev, nxt]
    if shift < 1e-9:
        shift = 1e-9
    detour = travel[prev, v] + service[v] + travel[v, nxt] - travel[prev, nxt]
    if detour < 1e-9:
        detour = 1e-9
    H = c_start.shape[1] // 2
    if H > L and not has_brk[r] and not np.isnan(c_start[r, H + L]):
        # O(1): the rest of the route is feasible iff the next stop is reached by its latest arrival
        if t + travel[v, nxt] <= c_start[r, H + pos]:
            return True, shift, detour
        return False, np.inf, np.inf
    prev = v
    for q in range(pos, L):
        w = seq[r, q]
        code, st, taken, bs, at_next = _gap(r, prev, w, t, taken, False, travel, service, win,
                                            nwin, brk, has_brk)
        if code != _OK:
            return False, np.inf, np.inf
        if st <= c_start[r, q] + 1e-12 and taken == c_taken[r, q]:
            return True, shift, detour  # absorbed: the rest of the route is unchanged
        t = st + service[w]
        prev = w
    code, end, taken, bs, at_next = _gap(r, prev, rend[r], t, taken, True, travel, service, win,
                                         nwin, brk, has_brk)
    if code != _OK or end > rwin[r, 1] + EPS:
        return False, np.inf, np.inf
    return True, shift, detour


@njit(cache=True)
def _insert_at(r, pos, v, seq, lens):  # pragma: no cover - compiled
    L = lens[r]
    for q in range(L, pos, -1):
        seq[r, q] = seq[r, q - 1]
    seq[r, pos] = v
    lens[r] = L + 1


@njit(cache=True)
def _remove_at(r, pos, seq, lens):  # pragma: no cover - compiled
    L = lens[r]
    for q in range(pos, L - 1):
        seq[r, q] = seq[r, q + 1]
    lens[r] = L - 1


@njit(cache=True)
def _without_into_scratch(r, q, seq, lens, s_seq, s_lens):  # pragma: no cover - compiled
    """Copy route ``r`` without its stop at position ``q`` into the scratch row ``r``."""
    L = lens[r]
    for i in range(q):
        s_seq[r, i] = seq[r, i]
    for i in range(q + 1, L):
        s_seq[r, i - 1] = seq[r, i]
    s_lens[r] = L - 1


@njit(cache=True)
def _best_in_route(r, v, seq, lens, c_start, c_taken, c_end, score, travel, service, win, nwin,
                   rstart, rend, rwin, brk, has_brk, maxst, dist, rcap, noise, only_mandatory,
                   mode, near):  # pragma: no cover - compiled
    """Best insertion ratio of ``v`` into route ``r`` and its position (-1.0, -1 if none fits).

    ``mode`` 0, 1, 2: the ratios of :func:`_greedy_insert`, every gap tried (a TOPTW route visits
    few of the vertices, so most unvisited vertices have no granular neighbour on it). ``mode``
    3: the first gap where ``v`` fits, only next to a neighbour of ``v`` (``near``; the route's
    start and end are vertices with neighbours too) (ratio 1.0); ``mode`` 4: the cheapest of
    those gaps (ratio ``1 / shift``). Quick necessary conditions come before the full check
    (written out here, not in a helper: this is the hottest loop, and a call per gap costs more
    than the check).
    """
    best = -1.0
    bp = -1
    if nwin[r, v] == 0:
        return best, bp
    L = lens[r]
    H = c_start.shape[1] // 2  # latest arrivals from column H, see _refresh
    fast = H > L and not has_brk[r] and not np.isnan(c_start[r, H + L])
    last_close = win[r, v, nwin[r, v] - 1, 1] + EPS
    for p in range(L + 1):
        prev = seq[r, p - 1] if p > 0 else rstart[r]
        if mode >= 3 and not (near[v, prev] or near[v, seq[r, p] if p < L else rend[r]]):
            continue
        arr = (c_start[r, p - 1] + service[prev] if p > 0 else rwin[r, 0]) + travel[prev, v]
        if arr > last_close:
            continue
        if fast:
            nxt = seq[r, p] if p < L else rend[r]
            if arr + service[v] + travel[v, nxt] > c_start[r, H + p]:
                continue
        ok, shift, detour = _try_insert(r, p, v, seq, lens, c_start, c_taken, c_end, travel,
                                        service, win, nwin, rstart, rend, rwin, brk, has_brk,
                                        maxst, dist, rcap)
        if not ok:
            continue
        if mode == 3:
            return 1.0, p
        if only_mandatory or mode == 4:
            ratio = 1.0 / shift
        elif mode == 0:
            ratio = score[v] * score[v] / shift
        elif mode == 1:
            ratio = score[v] / shift
        else:
            ratio = score[v] * score[v] / detour
        if ratio > best:
            best = ratio
            bp = p
    if bp >= 0 and noise > 0.0:
        best *= 1.0 + noise * np.random.random()
    return best, bp


@njit(cache=True)
def _greedy_insert(cand, inroute, seq, lens, c_start, c_taken, c_end, score, travel, service,
                   win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap, noise,
                   only_mandatory, mandatory, mode, near):  # pragma: no cover - compiled
    """Insert best-ratio vertices (``score² / shift``, randomised by ``noise``) until none fits.

    ``mode`` varies the ratio: 0 ``score² / shift``, 1 ``score / shift``, 2 ``score² / detour``
    (waiting not counted). The best insertion of every vertex into every route is cached and
    only the route that changed is re-evaluated after each insertion.

    Returns the number of insertions.
    """
    m = lens.shape[0]
    nc = cand.shape[0]
    bratio = np.full((nc, m), -1.0)
    bpos = np.full((nc, m), -1, dtype=np.int64)
    for i in range(nc):
        v = cand[i]
        if inroute[v] >= 0 or (only_mandatory and not mandatory[v]):
            continue
        for r in range(m):
            bratio[i, r], bpos[i, r] = _best_in_route(
                r, v, seq, lens, c_start, c_taken, c_end, score, travel, service, win, nwin,
                rstart, rend, rwin, brk, has_brk, maxst, dist, rcap, noise, only_mandatory, mode,
                near)
    n_ins = 0
    while True:
        best = -1.0
        bi = -1
        br = -1
        for i in range(nc):
            if inroute[cand[i]] >= 0:
                continue
            for r in range(m):
                if bratio[i, r] > best:
                    best = bratio[i, r]
                    bi = i
                    br = r
        if bi < 0:
            return n_ins
        bv = cand[bi]
        _insert_at(br, bpos[bi, br], bv, seq, lens)
        inroute[bv] = br
        _refresh(br, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin, rstart, rend,
                 rwin, brk, has_brk, maxst, dist, rcap)
        n_ins += 1
        for i in range(nc):
            v = cand[i]
            if inroute[v] >= 0 or (only_mandatory and not mandatory[v]):
                continue
            if bratio[i, br] < 0.0:
                continue  # an insertion only makes the route tighter: still does not fit
            bratio[i, br], bpos[i, br] = _best_in_route(
                br, v, seq, lens, c_start, c_taken, c_end, score, travel, service, win, nwin,
                rstart, rend, rwin, brk, has_brk, maxst, dist, rcap, noise, only_mandatory, mode,
                near)


@njit(cache=True)
def _near_route(r, seq, lens, rstart, rend, near, out):  # pragma: no cover - compiled
    """``out[u]`` = whether route ``r`` (its stops, start or end) has a granular neighbour of ``u``."""
    out[:] = False
    n = out.shape[0]
    for q in range(-1, lens[r] + 1):
        w = rstart[r] if q < 0 else (seq[r, q] if q < lens[r] else rend[r])
        for u in range(n):
            if near[u, w]:
                out[u] = True


@njit(cache=True)
def _replace_pass(cand, inroute, seq, lens, c_start, c_taken, c_end, score, travel, service, win,
                  nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap, mandatory, s_seq, s_lens,
                  s_start, s_taken, s_end, near):  # pragma: no cover - compiled
    """Swap one visited vertex for a higher-scoring unvisited one (best gain); True if improved.

    The route without the removed vertex is scheduled once in the scratch arrays ``s_*``, then
    every insertion is checked incrementally with :func:`_try_insert`, only between stops of
    which one is a neighbour of the inserted vertex (``near``, granular neighbourhood).
    """
    m = lens.shape[0]
    best_gain = 1e-9
    b_r = -1
    b_out = -1
    b_in = -1
    b_pos = -1
    hasn = np.empty(score.shape[0], dtype=np.bool_)
    for r in range(m):
        L = lens[r]
        _near_route(r, seq, lens, rstart, rend, near, hasn)
        for q in range(L):
            x = seq[r, q]
            if mandatory[x]:
                continue
            _without_into_scratch(r, q, seq, lens, s_seq, s_lens)  # route r without x
            if _refresh(r, s_seq, s_lens, s_start, s_taken, s_end, travel, service, win, nwin,
                        rstart, rend, rwin, brk, has_brk, maxst, dist, rcap) != _OK:
                continue
            for u in cand:
                if (inroute[u] >= 0 or score[u] - score[x] <= best_gain or nwin[r, u] == 0
                        or not hasn[u]):
                    continue
                ratio, p = _best_in_route(r, u, s_seq, s_lens, s_start, s_taken, s_end, score,
                                          travel, service, win, nwin, rstart, rend, rwin, brk,
                                          has_brk, maxst, dist, rcap, 0.0, False, 3, near)
                if p >= 0:
                    best_gain = score[u] - score[x]
                    b_r = r
                    b_out = q
                    b_in = u
                    b_pos = p
    if b_r < 0:
        return False
    x = seq[b_r, b_out]
    _remove_at(b_r, b_out, seq, lens)
    _insert_at(b_r, b_pos, b_in, seq, lens)
    inroute[x] = -1
    inroute[b_in] = b_r
    _refresh(b_r, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin, rstart, rend,
             rwin, brk, has_brk, maxst, dist, rcap)
    return True


@njit(cache=True)
def _relocate_pass(cand, inroute, seq, lens, c_start, c_taken, c_end, score, travel, service,
                   win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap, s_seq, s_lens, s_start,
                   s_taken, s_end, near):  # pragma: no cover - compiled
    """Move a visited vertex to another route to make room for an unvisited one; True if done.

    For every stop ``x`` of route ``a`` that fits somewhere in another route ``b`` (cheapest
    shift), route ``a`` without ``x`` is scheduled in the scratch row and the highest-scoring
    unvisited vertex that then fits in ``a`` is found: the gain is its whole score.
    """
    m = lens.shape[0]
    if m < 2:
        return False
    best_gain = 1e-9
    b_a = -1
    b_out = -1
    b_b = -1
    b_pb = -1
    b_in = -1
    b_pin = -1
    hasn = np.empty(score.shape[0], dtype=np.bool_)
    for a in range(m):
        L = lens[a]
        _near_route(a, seq, lens, rstart, rend, near, hasn)
        for q in range(L):
            x = seq[a, q]
            # cheapest feasible place for x in another route
            rb = -1
            pb = -1
            b_ratio = -1.0
            for b in range(m):
                if b == a:
                    continue
                ratio, p = _best_in_route(b, x, seq, lens, c_start, c_taken, c_end, score, travel,
                                          service, win, nwin, rstart, rend, rwin, brk, has_brk,
                                          maxst, dist, rcap, 0.0, False, 4, near)
                if p >= 0 and ratio > b_ratio:
                    b_ratio = ratio
                    rb = b
                    pb = p
            if rb < 0:
                continue
            _without_into_scratch(a, q, seq, lens, s_seq, s_lens)
            if _refresh(a, s_seq, s_lens, s_start, s_taken, s_end, travel, service, win, nwin,
                        rstart, rend, rwin, brk, has_brk, maxst, dist, rcap) != _OK:
                continue
            for u in cand:
                if inroute[u] >= 0 or score[u] <= best_gain or nwin[a, u] == 0 or not hasn[u]:
                    continue
                ratio, p = _best_in_route(a, u, s_seq, s_lens, s_start, s_taken, s_end, score,
                                          travel, service, win, nwin, rstart, rend, rwin, brk,
                                          has_brk, maxst, dist, rcap, 0.0, False, 3, near)
                if p >= 0:
                    best_gain = score[u]
                    b_a = a
                    b_out = q
                    b_b = rb
                    b_pb = pb
                    b_in = u
                    b_pin = p
    if b_a < 0:
        return False
    x = seq[b_a, b_out]
    _remove_at(b_a, b_out, seq, lens)
    _insert_at(b_a, b_pin, b_in, seq, lens)
    _insert_at(b_b, b_pb, x, seq, lens)
    inroute[x] = b_b
    inroute[b_in] = b_a
    _refresh(b_a, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin, rstart, rend,
             rwin, brk, has_brk, maxst, dist, rcap)
    _refresh(b_b, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin, rstart, rend,
             rwin, brk, has_brk, maxst, dist, rcap)
    return True


@njit(cache=True)
def _route_cost(r, seq, lens, c_start, c_taken, c_end, travel, service, rstart, rend, rwin, brk,
                has_brk, rcap):  # pragma: no cover - compiled
    """Secondary cost of route ``r`` from its cached schedule: travel + waiting, plus
    ``LONG_WAIT_WEIGHT`` times each wait's excess over ``rcap[r, 2]`` (the long-wait threshold).

    The route is taken to leave as late as its first stop allows (a wait before the first visit is
    not counted: the traveller leaves later), unless the break is taken on that first gap. The
    break's duration is not waiting.
    """
    L = lens[r]
    if L == 0:
        return travel[rstart[r], rend[r]]
    bd = brk[r, 2] if has_brk[r] else 0.0
    t = rwin[r, 0]
    if not c_taken[r, 0]:
        late = c_start[r, 0] - travel[rstart[r], seq[r, 0]]
        if late > t:
            t = late
    cost = 0.0
    pen = 0.0
    prev = rstart[r]
    taken = False
    for q in range(L + 1):
        w = seq[r, q] if q < L else rend[r]
        tt = travel[prev, w]
        nxt = c_start[r, q] if q < L else c_end[r]
        tk = c_taken[r, q]
        idle = nxt - t - tt
        if tk and not taken:
            idle -= bd
        if idle < 0.0:
            idle = 0.0
        cost += tt + idle
        if idle > rcap[r, 2]:
            pen += idle - rcap[r, 2]
        taken = tk
        if q < L:
            t = c_start[r, q] + service[w]
            prev = w
    return cost + LONG_WAIT_WEIGHT * pen


@njit(cache=True)
def _total_cost(seq, lens, c_start, c_taken, c_end, travel, service, rstart, rend, rwin, brk,
                has_brk, rcap):  # pragma: no cover - compiled
    tot = 0.0
    for r in range(lens.shape[0]):
        tot += _route_cost(r, seq, lens, c_start, c_taken, c_end, travel, service, rstart, rend,
                           rwin, brk, has_brk, rcap)
    return tot


@njit(cache=True)
def _polish_pass(seq, lens, c_start, c_taken, c_end, travel, service, win, nwin, rstart, rend,
                 rwin, brk, has_brk, maxst, dist, rcap, s_seq, s_lens, s_start, s_taken,
                 s_end):  # pragma: no cover - compiled
    """Reorder each route, same stops, to lower its :func:`_route_cost` (travel + waiting + the
    long-wait penalty): move one stop to another position, or swap two stops, first
    improvement, until no move helps. True if a route changed."""
    m = lens.shape[0]
    moved = False
    for r in range(m):
        L = lens[r]
        if L < 2:
            continue
        cur = _route_cost(r, seq, lens, c_start, c_taken, c_end, travel, service, rstart, rend,
                          rwin, brk, has_brk, rcap)
        improved = True
        rounds = 0
        while improved and rounds < 50:
            improved = False
            rounds += 1
            for kind in range(2):
                for i in range(L):
                    for j in range(L):
                        if i == j or (kind == 1 and j < i):
                            continue
                        # candidate order in the scratch row
                        if kind == 0:  # move the stop at i to position j
                            x = seq[r, i]
                            k2 = 0
                            for k in range(L):
                                if k == i:
                                    continue
                                if k2 == j:
                                    s_seq[r, k2] = x
                                    k2 += 1
                                s_seq[r, k2] = seq[r, k]
                                k2 += 1
                            if k2 == j:
                                s_seq[r, k2] = x
                        else:  # swap the stops at i and j
                            for k in range(L):
                                s_seq[r, k] = seq[r, k]
                            s_seq[r, i] = seq[r, j]
                            s_seq[r, j] = seq[r, i]
                        s_lens[r] = L
                        if _refresh(r, s_seq, s_lens, s_start, s_taken, s_end, travel, service,
                                    win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist,
                                    rcap) != _OK:
                            continue
                        c = _route_cost(r, s_seq, s_lens, s_start, s_taken, s_end, travel,
                                        service, rstart, rend, rwin, brk, has_brk, rcap)
                        if c < cur - 1e-6:
                            for k in range(L):
                                seq[r, k] = s_seq[r, k]
                            _refresh(r, seq, lens, c_start, c_taken, c_end, travel, service, win,
                                     nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap)
                            cur = c
                            improved = True
                            moved = True
    return moved


@njit(cache=True)
def _route_travel(seq, L, r, travel, rstart, rend):  # pragma: no cover - compiled
    t = 0.0
    prev = rstart[r]
    for q in range(L):
        t += travel[prev, seq[q]]
        prev = seq[q]
    return t + travel[prev, rend[r]]


@njit(cache=True)
def _tighten_pass(inroute, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin,
                  rstart, rend, rwin, brk, has_brk, maxst, dist, rcap, s_seq, s_lens, s_start, s_taken,
                  s_end):  # pragma: no cover - compiled
    """Shorten the routes without changing the visited set; True if any move was applied.

    Moves (first improvement, feasibility by simulation): relocate a stop to another route and
    exchange route tails between two routes (2-opt*), whenever the total travel decreases. The
    time saved is then filled by the next insertion.
    """
    m = lens.shape[0]
    moved = False
    if m < 2:
        return moved
    for a in range(m):
        q = 0
        while q < lens[a]:
            L = lens[a]
            x = seq[a, q]
            pa = seq[a, q - 1] if q > 0 else rstart[a]
            na = seq[a, q + 1] if q + 1 < L else rend[a]
            saving = travel[pa, x] + travel[x, na] - travel[pa, na]
            done = False
            for b in range(m):
                if b == a or nwin[b, x] == 0:
                    continue
                Lb = lens[b]
                for p in range(Lb + 1):
                    pb = seq[b, p - 1] if p > 0 else rstart[b]
                    nb = seq[b, p] if p < Lb else rend[b]
                    if travel[pb, x] + travel[x, nb] - travel[pb, nb] >= saving - 1e-6:
                        continue
                    ok, shift, detour = _try_insert(b, p, x, seq, lens, c_start, c_taken, c_end,
                                                    travel, service, win, nwin, rstart, rend,
                                                    rwin, brk, has_brk, maxst, dist, rcap)
                    if not ok:
                        continue
                    _without_into_scratch(a, q, seq, lens, s_seq, s_lens)
                    if _refresh(a, s_seq, s_lens, s_start, s_taken, s_end, travel, service, win,
                                nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap) != _OK:
                        break
                    _remove_at(a, q, seq, lens)
                    _insert_at(b, p, x, seq, lens)
                    inroute[x] = b
                    _refresh(a, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin,
                             rstart, rend, rwin, brk, has_brk, maxst, dist, rcap)
                    _refresh(b, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin,
                             rstart, rend, rwin, brk, has_brk, maxst, dist, rcap)
                    done = True
                    moved = True
                    break
                if done:
                    break
            if not done:
                q += 1
    # swap a stop of route a with a stop of route b
    for a in range(m):
        for b in range(a + 1, m):
            i = 0
            while i < lens[a]:
                La = lens[a]
                Lb = lens[b]
                x = seq[a, i]
                pa = seq[a, i - 1] if i > 0 else rstart[a]
                na = seq[a, i + 1] if i + 1 < La else rend[a]
                swapped = False
                for j in range(Lb):
                    y = seq[b, j]
                    if nwin[a, y] == 0 or nwin[b, x] == 0:
                        continue
                    pb = seq[b, j - 1] if j > 0 else rstart[b]
                    nb = seq[b, j + 1] if j + 1 < Lb else rend[b]
                    d = (travel[pa, y] + travel[y, na] - travel[pa, x] - travel[x, na]
                         + travel[pb, x] + travel[x, nb] - travel[pb, y] - travel[y, nb])
                    if d >= -1e-6:
                        continue
                    for k in range(La):
                        s_seq[a, k] = seq[a, k]
                    for k in range(Lb):
                        s_seq[b, k] = seq[b, k]
                    s_seq[a, i] = y
                    s_seq[b, j] = x
                    s_lens[a] = La
                    s_lens[b] = Lb
                    if _refresh(a, s_seq, s_lens, s_start, s_taken, s_end, travel, service, win,
                                nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap) != _OK:
                        continue
                    if _refresh(b, s_seq, s_lens, s_start, s_taken, s_end, travel, service, win,
                                nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap) != _OK:
                        continue
                    seq[a, i] = y
                    seq[b, j] = x
                    inroute[x] = b
                    inroute[y] = a
                    _refresh(a, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin,
                             rstart, rend, rwin, brk, has_brk, maxst, dist, rcap)
                    _refresh(b, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin,
                             rstart, rend, rwin, brk, has_brk, maxst, dist, rcap)
                    swapped = True
                    moved = True
                    break
                if not swapped:
                    i += 1
    # 2-opt*: a[:i] + b[j:] and b[:j] + a[i:]
    lat_a = np.empty(s_start.shape[1])  # latest arrival at b[j] when b[j:] ends route a
    lat_b = np.empty(s_start.shape[1])  # latest arrival at a[i] when a[i:] ends route b
    for a in range(m):
        for b in range(a + 1, m):
            improved = True
            while improved:
                improved = False
                La = lens[a]
                Lb = lens[b]
                old = (_route_travel(seq[a], La, a, travel, rstart, rend)
                       + _route_travel(seq[b], Lb, b, travel, rstart, rend))
                quick = not has_brk[a] and not has_brk[b]
                if quick:  # O(1) necessary time check per exchange
                    _latest_arrivals(a, seq, b, Lb, travel, service, win, nwin, rend, rwin, lat_a, 0)
                    _latest_arrivals(b, seq, a, La, travel, service, win, nwin, rend, rwin, lat_b, 0)
                for i in range(La + 1):
                    ua = seq[a, i - 1] if i > 0 else rstart[a]
                    va = seq[a, i] if i < La else rend[a]
                    dep_a = c_start[a, i - 1] + service[ua] if i > 0 else rwin[a, 0]
                    for j in range(Lb + 1):
                        if (i == La and j == Lb) or (i == 0 and j == 0):
                            continue
                        ub = seq[b, j - 1] if j > 0 else rstart[b]
                        vb = seq[b, j] if j < Lb else rend[b]
                        d = travel[ua, vb] + travel[ub, va] - travel[ua, va] - travel[ub, vb]
                        if d >= -1e-6:
                            continue
                        if quick and (
                                (j < Lb and dep_a + travel[ua, seq[b, j]] > lat_a[j])
                                or (i < La and (c_start[b, j - 1] + service[ub] if j > 0
                                                else rwin[b, 0]) + travel[ub, seq[a, i]] > lat_b[i])):
                            continue
                        na = i + Lb - j
                        nb = j + La - i
                        for k in range(i):
                            s_seq[a, k] = seq[a, k]
                        for k in range(j, Lb):
                            s_seq[a, i + k - j] = seq[b, k]
                        for k in range(j):
                            s_seq[b, k] = seq[b, k]
                        for k in range(i, La):
                            s_seq[b, j + k - i] = seq[a, k]
                        s_lens[a] = na
                        s_lens[b] = nb
                        new = (_route_travel(s_seq[a], na, a, travel, rstart, rend)
                               + _route_travel(s_seq[b], nb, b, travel, rstart, rend))
                        if new >= old - 1e-6:
                            continue
                        if _refresh(a, s_seq, s_lens, s_start, s_taken, s_end, travel, service,
                                    win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap) != _OK:
                            continue
                        if _refresh(b, s_seq, s_lens, s_start, s_taken, s_end, travel, service,
                                    win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap) != _OK:
                            continue
                        for r in (a, b):
                            lens[r] = s_lens[r]
                            for k in range(s_lens[r]):
                                seq[r, k] = s_seq[r, k]
                                inroute[s_seq[r, k]] = r
                            _refresh(r, seq, lens, c_start, c_taken, c_end, travel, service, win,
                                     nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap)
                        improved = True
                        moved = True
                        break
                    if improved:
                        break
    return moved


@njit(cache=True)
def _seed(seed):  # pragma: no cover - compiled
    np.random.seed(seed)


@njit(cache=True)
def _copy_routes(src_seq, src_lens, dst_seq, dst_lens):  # pragma: no cover - compiled
    for r in range(src_lens.shape[0]):
        dst_lens[r] = src_lens[r]
        for q in range(src_lens[r]):
            dst_seq[r, q] = src_seq[r, q]


@njit(cache=True)
def _load(src_seq, src_lens, inroute, seq, lens, c_start, c_taken, c_end, travel, service, win,
          nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap):  # pragma: no cover - compiled
    """Make ``src`` the working solution (routes, membership and schedule caches)."""
    _copy_routes(src_seq, src_lens, seq, lens)
    inroute[:] = -1
    for r in range(lens.shape[0]):
        for q in range(lens[r]):
            inroute[seq[r, q]] = r
        _refresh(r, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin, rstart, rend,
                 rwin, brk, has_brk, maxst, dist, rcap)


@njit(cache=True)
def _destroy(kind, size, state_i, inroute, seq, lens, c_start, score, travel,
             mandatory):  # pragma: no cover - compiled
    """Remove about ``size`` stops (never mandatory ones); ``kind`` picks the rule.

    0: consecutive segments from a moving position in every route (Vansteenwegen's shake);
    1: random stops; 2: the stops that cost most time per score point; 3: stops related in
    space and time to a random seed stop; 4: every stop of one random route.
    """
    m = lens.shape[0]
    total = 0
    for r in range(m):
        total += lens[r]
    if total == 0:
        return
    if kind == 0:
        for r in range(m):
            L = lens[r]
            if L == 0:
                continue
            q = (state_i[1] + np.random.randint(0, 2)) % L
            removed = 0
            while removed < size and q < lens[r]:
                v = seq[r, q]
                if mandatory[v]:
                    q += 1
                else:
                    _remove_at(r, q, seq, lens)
                    inroute[v] = -1
                removed += 1
        return
    if kind == 4:  # empty one route entirely (``size`` > 1 with three or more routes: two)
        r0 = np.random.randint(0, m)
        for j in range(2 if size > 1 and m > 2 else 1):
            r = (r0 + j * (1 + np.random.randint(0, m - 1))) % m
            q = 0
            while q < lens[r]:
                v = seq[r, q]
                if mandatory[v]:
                    q += 1
                else:
                    _remove_at(r, q, seq, lens)
                    inroute[v] = -1
        return
    # rank every visited stop, remove the ``size`` best-ranked
    keys = np.empty(total, dtype=np.float64)
    rr = np.empty(total, dtype=np.int64)
    vv = np.empty(total, dtype=np.int64)
    i = 0
    if kind == 3:
        sr = np.random.randint(0, m)
        while lens[sr] == 0:
            sr = (sr + 1) % m
        sq = np.random.randint(0, lens[sr])
        sv = seq[sr, sq]
        st0 = c_start[sr, sq]
    for r in range(m):
        L = lens[r]
        for q in range(L):
            v = seq[r, q]
            if kind == 1:
                key = np.random.random()
            elif kind == 2:
                a = seq[r, q - 1] if q > 0 else -1
                b = seq[r, q + 1] if q + 1 < L else -1
                cost = 1.0
                if a >= 0 and b >= 0:
                    cost += travel[a, v] + travel[v, b] - travel[a, b]
                key = -cost / (score[v] + 1e-9) * (0.7 + 0.6 * np.random.random())
            else:
                key = (travel[sv, v] + abs(c_start[r, q] - st0)) * (0.8 + 0.4 * np.random.random())
            if mandatory[v]:
                key = np.inf
            keys[i] = key
            rr[i] = r
            vv[i] = v
            i += 1
    order = np.argsort(keys)
    k = min(size, total)
    for j in range(k):
        t = order[j]
        if keys[t] == np.inf:
            break
        v = vv[t]
        r = rr[t]
        for q in range(lens[r]):
            if seq[r, q] == v:
                _remove_at(r, q, seq, lens)
                inroute[v] = -1
                break


@njit(cache=True)
def _ils(n_iter, state_i, state_f, cand, inroute, seq, lens, c_start, c_taken, c_end, cur_seq,
         cur_lens, b_seq, b_lens, b_score, b_cost, polish, score, travel, service, win, nwin, rstart, rend, rwin,
         brk, has_brk, maxst, dist, rcap, mandatory, s_seq, s_lens, s_start, s_taken,
         s_end, near):  # pragma: no cover - compiled
    """Run ``n_iter`` destroy-repair iterations; the whole search state lives in the arrays.

    ``state_i`` = [shake size S, shake position R, iterations without improvement, total];
    ``state_f`` = [current score, temperature scale]. A candidate replaces the current solution
    if it is not worse or, with simulated-annealing probability, if it is a little worse;
    after a long stagnation the search restarts from the best solution.
    """
    m = lens.shape[0]
    n = score.shape[0]
    for _ in range(n_iter):
        it = state_i[3]
        # repair: randomised best-ratio insertion, then replace moves
        noise = 0.0 if it % 4 == 0 else 0.3 * np.random.random()
        mode = 0 if it % 2 == 0 else np.random.randint(0, 3)
        _greedy_insert(cand, inroute, seq, lens, c_start, c_taken, c_end, score, travel, service,
                       win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap, noise, False, mandatory,
                       mode, near)
        # replace moves only on promising candidates (within two temperatures of the current)
        cur = 0.0
        for r in range(m):
            for q in range(lens[r]):
                cur += score[seq[r, q]]
        promising = cur >= state_f[0] - 2.0 * state_f[1]
        if promising and _tighten_pass(inroute, seq, lens, c_start, c_taken, c_end, travel,
                                       service, win, nwin, rstart, rend, rwin, brk, has_brk,
                                       maxst, dist, rcap, s_seq, s_lens, s_start, s_taken, s_end):
            _greedy_insert(cand, inroute, seq, lens, c_start, c_taken, c_end, score, travel,
                           service, win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap, 0.0,
                           False, mandatory, 0, near)
        while promising and (
            _replace_pass(cand, inroute, seq, lens, c_start, c_taken, c_end, score, travel,
                          service, win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap,
                          mandatory, s_seq, s_lens, s_start, s_taken, s_end, near)
            or _relocate_pass(cand, inroute, seq, lens, c_start, c_taken, c_end, score, travel,
                              service, win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap,
                              s_seq, s_lens, s_start, s_taken, s_end, near)):
            _greedy_insert(cand, inroute, seq, lens, c_start, c_taken, c_end, score, travel,
                           service, win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap, 0.0,
                           False, mandatory, 0, near)
        cur = 0.0
        total = 0
        for r in range(m):
            total += lens[r]
            for q in range(lens[r]):
                cur += score[seq[r, q]]
        # lexicographic: the score first, then (at an equal score) the secondary cost
        tie = cur > b_score[0] - 1e-9
        if tie and polish:
            _polish_pass(seq, lens, c_start, c_taken, c_end, travel, service, win, nwin, rstart,
                         rend, rwin, brk, has_brk, maxst, dist, rcap, s_seq, s_lens, s_start,
                         s_taken, s_end)
        cost = np.inf
        if tie:
            cost = _total_cost(seq, lens, c_start, c_taken, c_end, travel, service, rstart, rend,
                               rwin, brk, has_brk, rcap)
        if cur > b_score[0] + 1e-9:
            b_score[0] = cur
            b_cost[0] = cost
            _copy_routes(seq, lens, b_seq, b_lens)
            state_i[0] = 1
            state_i[2] = 0
        else:
            if tie and cost < b_cost[0] - 1e-6:
                b_cost[0] = cost
                _copy_routes(seq, lens, b_seq, b_lens)
            state_i[2] += 1
        # acceptance
        temp = state_f[1] * (1.0 - (it % 500) / 500.0)
        if cur >= state_f[0] - 1e-9 or (
            temp > 0 and np.random.random() < np.exp((cur - state_f[0]) / temp)
        ):
            state_f[0] = cur
            _copy_routes(seq, lens, cur_seq, cur_lens)
        else:
            _load(cur_seq, cur_lens, inroute, seq, lens, c_start, c_taken, c_end, travel, service,
                  win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap)
        restart = state_i[2] > 0 and state_i[2] % (50 + n) == 0
        if restart:
            _load(b_seq, b_lens, inroute, seq, lens, c_start, c_taken, c_end, travel, service,
                  win, nwin, rstart, rend, rwin, brk, has_brk, maxst, dist, rcap)
            _copy_routes(b_seq, b_lens, cur_seq, cur_lens)
            state_f[0] = b_score[0]
        # destroy
        kind = np.random.randint(0, 4 if m == 1 else 5)
        if restart and m > 1:  # several routes: restart from the best with a large shake
            kind = 4
            size = 2
        elif kind == 4:
            size = 1
        elif kind == 0:
            size = state_i[0]
        else:
            size = 1 + np.random.randint(0, max(1, min(total // 3 + 1, 12)))
        _destroy(kind, size, state_i, inroute, seq, lens, c_start, score, travel, mandatory)
        smallest = n
        for r in range(m):
            if lens[r] < smallest:
                smallest = lens[r]
            _refresh(r, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin, rstart,
                     rend, rwin, brk, has_brk, maxst, dist, rcap)
        _tighten_pass(inroute, seq, lens, c_start, c_taken, c_end, travel, service, win, nwin,
                      rstart, rend, rwin, brk, has_brk, maxst, dist, rcap, s_seq, s_lens, s_start, s_taken,
                      s_end)
        if kind == 0:
            state_i[1] += state_i[0]
            state_i[0] += 1
            if smallest > 0 and state_i[1] >= smallest:
                state_i[1] -= smallest
            if state_i[0] > max(2, n // (3 * m)):
                state_i[0] = 1
        state_i[3] += 1
    return b_score[0]
