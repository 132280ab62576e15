"""The bounded view: which of the candidates around a viewer it is sent (pure numpy).

A viewer is sent at most ``k`` other avatars. Chosen for a group of viewers
at once (those in one area-of-interest cell share their candidates, the
bodies of the 3x3 cells around it) from a matrix of squared distances, so
that a dense hall costs a few array operations per cell, not a Python loop
per avatar.

The rule, with hysteresis so that avatars near the edge of a full view do
not flicker in and out (docs/protocol.md, section 6):

1. an avatar already in the view **stays** while it is among the
   ``k + margin`` nearest candidates or no farther than ``keep_factor``
   times the distance of the ``k``-th nearest;
2. the places left (``slots`` per viewer, at most ``k``) are filled with the
   nearest candidates not yet in the view.

A newcomer therefore displaces no one who still satisfies rule 1: a place
must first free up, and an avatar that was just dropped comes back only
when it is again nearer than one that stays.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: An avatar in view stays while within this factor of the k-th nearest distance.
KEEP_FACTOR = 1.2


def margin_of(k: int) -> int:
    """How many ranks beyond ``k`` an avatar already in view may fall and stay."""
    return max(1, k // 4)


def choose(
    d2: NDArray[np.float64],
    current: NDArray[np.bool_],
    slots: NDArray[np.int64],
    k: int,
) -> NDArray[np.bool_]:
    """Pick each viewer's view among its candidates.

    ``d2[v, c]``: squared distance from viewer ``v`` to candidate ``c``, ``inf``
    where ``c`` must not be chosen (the viewer itself, avatars added apart);
    ``current[v, c]``: ``c`` is in ``v``'s view now; ``slots[v]``: how many ``v``
    may have (at most ``k``). Returns the chosen mask, at most ``slots[v]``
    per row. Ties (avatars at the same spot) are broken by candidate order.
    """
    n_view, n_cand = d2.shape
    chosen = np.zeros((n_view, n_cand), dtype=np.bool_)
    if n_view == 0 or n_cand == 0:
        return chosen
    finite = np.isfinite(d2)
    k = max(1, min(k, n_cand))
    m = min(k + margin_of(k), n_cand)
    part = np.partition(d2, sorted({k - 1, m - 1}), axis=1)
    r_k, r_km = part[:, k - 1], part[:, m - 1]
    with np.errstate(invalid="ignore"):
        threshold = np.maximum(r_km, r_k * (KEEP_FACTOR * KEEP_FACTOR))
    keep = current & finite & (d2 <= threshold[:, None])
    kept = keep.sum(axis=1)
    for row in np.flatnonzero(kept > slots).tolist():  # only when a viewer's slots shrank
        cols = np.flatnonzero(keep[row])
        drop = cols[np.argsort(d2[row, cols], kind="stable")[slots[row] :]]
        keep[row, drop] = False
        kept[row] = slots[row]
    chosen |= keep
    need = slots - kept
    if not need.any():
        return chosen
    # The nearest candidates not kept: at most k are needed and at most k are kept,
    # so they are all among the m nearest of what is left.
    rest = np.where(keep, np.inf, d2)
    top = np.argpartition(rest, m - 1, axis=1)[:, :m] if m < n_cand else np.argsort(rest, axis=1)
    top_d = np.take_along_axis(rest, top, axis=1)
    order = np.argsort(top_d, axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    ok = np.isfinite(np.take_along_axis(top_d, order, axis=1))
    take = ok & (np.cumsum(ok, axis=1) <= need[:, None])
    rows = np.nonzero(take)[0]
    chosen[rows, top[take]] = True
    return chosen
