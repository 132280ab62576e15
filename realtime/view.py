"""The bounded view: which of the candidates around a viewer it is sent (pure numpy).

A viewer is sent at most ``k`` other avatars. Chosen for many viewers at
once from one matrix of squared distances (a row per viewer over its
candidates, the bodies of the 3x3 cells around it, rows padded with ``inf``
to the longest), so that a tick costs a few array operations, not a Python
loop per cell or per avatar.

The rule (docs/protocol.md, section 6), with ``margin`` = K // 4 (at least 1):

1. the ``slots - margin`` nearest candidates are always in the view
   (``slots`` is K less the viewer's pinned avatars);
2. an avatar already in the view **stays**, as room allows (nearest first),
   while it is among the ``K + margin`` nearest or no farther than
   ``KEEP_FACTOR`` (1.2) times the distance of the K-th nearest (and among
   the 2K nearest);
3. the places left are filled with the nearest candidates not yet in it.

So an avatar near the edge of a full view does not flicker in and out: once
in, it stays until it is clearly farther than the K-th nearest; once out, it
comes back only when a place frees up or it becomes one of the nearest
``slots - margin``, who are never hidden behind farther avatars kept.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: An avatar in view stays while within this factor of the k-th nearest distance.
KEEP_FACTOR = 1.2
#: Only the LOOK x k nearest candidates of a viewer are considered (the rule above
#: never needs more in a crowd: 1.2 x the k-th distance is about the 1.44 k-th nearest).
LOOK = 2


def margin_of(k: int) -> int:
    """How many ranks beyond ``k`` an avatar already in view may fall and stay."""
    return max(1, k // 4)


def choose(
    d2: NDArray[np.float64],
    current: NDArray[np.bool_],
    slots: NDArray[np.int64],
    k: int,
    near_n: int = 0,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Pick each viewer's view among its candidates.

    ``d2[v, c]``: squared distance from viewer ``v`` to candidate ``c``, ``inf``
    where ``c`` must not be chosen (the viewer itself, avatars added apart);
    ``current[v, c]``: ``c`` is in ``v``'s view now; ``slots[v]``: how many ``v``
    may have (at most ``k``). Returns the chosen mask, at most ``slots[v]``
    per row, and the mask of the ``near_n`` nearest chosen (sent at every tick).
    Ties (avatars at the same spot) are broken by candidate order.
    """
    n_view, n_cand = d2.shape
    chosen = np.zeros((n_view, n_cand), dtype=np.bool_)
    near = np.zeros((n_view, n_cand), dtype=np.bool_)
    if n_view == 0 or n_cand == 0:
        return chosen, near
    n_real = np.full(n_view, n_cand, dtype=np.int64)
    rows, cols, close = choose_rows(d2, n_real, current, slots, k, near_n)
    chosen[rows, cols] = True
    near[rows[close], cols[close]] = True
    return chosen, near


def choose_rows(
    d2: NDArray[np.float64],
    n_real: NDArray[np.int64],
    current: NDArray[np.bool_],
    slots: NDArray[np.int64],
    k: int,
    near_n: int = 0,
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.bool_]]:
    """:func:`choose` for rows of different lengths, as (row, column, near) of the chosen.

    Row ``v`` has ``n_real[v]`` candidates, the first columns of ``d2``; the
    columns after them are padding and must be ``inf``; so viewers with different
    candidates can be chosen together from one padded matrix. ``current`` as
    for :func:`choose`.

    A row with no more candidates than places (the common case in a sparse
    hall) takes them all, whatever the view was: only its ``near_n`` nearest
    are looked for, without sorting the row.
    """
    finite = np.isfinite(d2)
    fits = finite.sum(axis=1) <= slots
    out_r: list[NDArray[np.intp]] = []
    out_c: list[NDArray[np.intp]] = []
    out_n: list[NDArray[np.bool_]] = []
    if fits.any():
        at = np.flatnonzero(fits)
        sub, ok = d2[at], finite[at]
        r, c = np.nonzero(ok)
        out_r.append(at[r])
        out_c.append(c)
        out_n.append(_nearest(sub, ok, near_n)[r, c])
    if not fits.all():
        at = np.flatnonzero(~fits)
        if len(at) == len(d2):  # a dense crowd: every row (no copies)
            top, sel, close = _choose_full(d2, n_real, current, slots, k, near_n)
        else:
            top, sel, close = _choose_full(d2[at], n_real[at], current[at], slots[at], k, near_n)
        rows = np.broadcast_to(at[:, None], top.shape)
        out_r.append(rows[sel])
        out_c.append(top[sel])
        out_n.append(close[sel])
    return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_n)


def _nearest(d2: NDArray[np.float64], ok: NDArray[np.bool_], n: int) -> NDArray[np.bool_]:
    """Mask of each row's ``n`` nearest columns where ``ok`` (ties in column order)."""
    if n >= d2.shape[1]:
        return ok.copy()
    if n <= 0:
        return np.zeros(d2.shape, dtype=np.bool_)
    kth = np.partition(d2, n - 1, axis=1)[:, n - 1 : n]
    less = d2 < kth
    tied = d2 == kth
    need = n - less.sum(axis=1, keepdims=True)
    found: NDArray[np.bool_] = ok & (less | (tied & (np.cumsum(tied, axis=1) <= need)))
    return found


def _look_columns(d2: NDArray[np.float64], look: int) -> NDArray[np.intp]:
    """Each row's ``look`` nearest columns, in column order (ties at the edge: the
    first columns)."""
    n_view, width = d2.shape
    if look >= width:
        return np.broadcast_to(np.arange(width), (n_view, width))
    # The look-th smallest value of each row (np.partition moves values only: several
    # times faster than np.argpartition), then the columns up to it, in column order.
    kth = np.partition(d2, look - 1, axis=1)[:, look - 1 : look]
    within = d2 <= kth
    exact = np.count_nonzero(within, axis=1) == look
    if exact.all():  # no tie at the edge: every row holds exactly look columns
        cols: NDArray[np.intp] = (np.flatnonzero(within) % width).reshape(n_view, look)
        return cols
    top = np.empty((n_view, look), dtype=np.intp)
    if exact.any():
        at = np.flatnonzero(exact)
        top[at] = (np.flatnonzero(within[at]) % width).reshape(len(at), look)
    at = np.flatnonzero(~exact)  # ties at the edge (or padding): the first of them
    less = d2[at] < kth[at]
    tied = d2[at] == kth[at]
    need = look - np.count_nonzero(less, axis=1)
    pick = less | (tied & (np.cumsum(tied, axis=1) <= need[:, None]))
    top[at] = (np.flatnonzero(pick) % width).reshape(len(at), look)
    return top


def _choose_full(
    d2: NDArray[np.float64],
    n_real: NDArray[np.int64],
    current: NDArray[np.bool_],
    slots: NDArray[np.int64],
    k: int,
    near_n: int = 0,
) -> tuple[NDArray[np.intp], NDArray[np.bool_], NDArray[np.bool_]]:
    """The rule over each row's ``LOOK x k`` nearest columns: returns them (``top``,
    nearest first, ties in column order) and the masks over them of the chosen
    and of the ``near_n`` nearest chosen."""
    n_view, width = d2.shape
    margin = margin_of(k)
    # per row, as choose clamps them to the candidates there are
    k_row = np.clip(np.minimum(k, n_real), 1, None)
    m_row = np.clip(np.minimum(k + margin, n_real), 1, None)
    look = min(LOOK * max(1, k), width)
    top = _look_columns(d2, look)
    top_d = np.take_along_axis(d2, top, axis=1)
    # nearest first, ties in column order: a quicksort, and a stable sort only for the
    # rows where it found equal distances (avatars at the same spot: rare)
    order = np.argsort(top_d, axis=1)
    top_d = np.take_along_axis(top_d, order, axis=1)
    tied = (top_d[:, 1:] == top_d[:, :-1]).any(axis=1)
    if tied.any():
        at = np.flatnonzero(tied)
        order[at] = np.argsort(np.take_along_axis(d2[at], top[at], axis=1), axis=1, kind="stable")
        top_d[at] = np.take_along_axis(
            d2[at], np.take_along_axis(top[at], order[at], axis=1), axis=1
        )
    top = np.take_along_axis(top, order, axis=1)
    ok = np.isfinite(top_d)
    rank = np.cumsum(ok, axis=1)  # 1 for the nearest choosable
    # 1. the nearest slots - margin
    sel = ok & (rank <= (slots - margin)[:, None])
    # 2. those in view that are not clearly farther than the k-th nearest, nearest first
    at = np.arange(n_view)
    with np.errstate(invalid="ignore"):
        threshold = np.maximum(
            top_d[at, m_row - 1], top_d[at, k_row - 1] * (KEEP_FACTOR * KEEP_FACTOR)
        )
    keep = np.take_along_axis(current, top, axis=1) & ok & ~sel & (top_d <= threshold[:, None])
    room = slots - sel.sum(axis=1)
    sel |= keep & (np.cumsum(keep, axis=1) <= room[:, None])
    # 3. fill the places left, nearest first
    free = ok & ~sel
    sel |= free & (np.cumsum(free, axis=1) <= (slots - sel.sum(axis=1))[:, None])
    close = sel & (rank <= near_n)
    return top, sel, close
