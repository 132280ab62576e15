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
    if look < width:
        top = np.argpartition(d2, look - 1, axis=1)[:, :look]
        top.sort(axis=1)  # column order first, so that the stable sort breaks ties by it
    else:
        top = np.broadcast_to(np.arange(width), (n_view, width))
    order = np.argsort(np.take_along_axis(d2, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    top_d = np.take_along_axis(d2, top, axis=1)
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
