"""view.choose_rows (padded rows of different lengths, chosen together) picks what
view.choose picks for each row alone: the hall chooses every due viewer at once."""

from __future__ import annotations

import numpy as np
import pytest

from realtime import view


@pytest.mark.parametrize("k", [4, 8])
@pytest.mark.parametrize("seed", range(6))
def test_padded_rows_choose_as_each_row_alone(k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_view, width = 12, 40
    n_real = rng.integers(1, width + 1, n_view)
    # coarse distances: ties are common, and must be broken by column order
    d2 = rng.integers(0, 6, (n_view, width)).astype(np.float64)
    d2[rng.random((n_view, width)) < 0.1] = np.inf  # itself, pins: never chosen
    d2[np.arange(width) >= n_real[:, None]] = np.inf  # the padding
    current = rng.random((n_view, width)) < 0.3
    slots = rng.integers(1, k + 1, n_view)
    rows, cols, near = view.choose_rows(d2, n_real, current, slots, k, near_n=max(1, k // 4))
    for r in range(n_view):
        m = int(n_real[r])
        alone, alone_near = view.choose(
            d2[r : r + 1, :m], current[r : r + 1, :m], slots[r : r + 1], k, max(1, k // 4)
        )
        mine = rows == r
        assert sorted(cols[mine].tolist()) == np.flatnonzero(alone[0]).tolist()
        assert sorted(cols[mine & near].tolist()) == np.flatnonzero(alone_near[0]).tolist()


def _rule(
    d: list[float], cur: list[bool], slots: int, k: int, near_n: int
) -> tuple[set[int], set[int]]:
    """docs/protocol.md section 6, one viewer, written plainly (ties: column order)."""
    margin = view.margin_of(k)
    order = sorted((x, c) for c, x in enumerate(d) if np.isfinite(x))
    n_all = len(d)  # as choose: k and k + margin are clamped to the candidates there are
    k_eff, m_eff = max(1, min(k, n_all)), min(min(k, n_all) + margin, n_all)
    at = sorted(d)  # infinite ones last
    threshold = max(at[m_eff - 1], at[k_eff - 1] * view.KEEP_FACTOR**2)
    chosen = [c for _, c in order[: max(0, slots - margin)]]
    kept = [c for x, c in order if cur[c] and c not in chosen and x <= threshold]
    room = slots - len(chosen)
    chosen += kept[:room]
    chosen += [c for _, c in order if c not in chosen][: slots - len(chosen)]
    near = {c for _, c in order[:near_n]} & set(chosen)
    return set(chosen), near


@pytest.mark.parametrize("seed", range(8))
def test_rows_follow_the_documented_rule(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    k, n_view, width = 8, 10, 30
    n_real = rng.integers(1, width + 1, n_view)
    d2 = rng.integers(0, 50, (n_view, width)).astype(np.float64)
    d2[rng.random((n_view, width)) < 0.1] = np.inf
    d2[np.arange(width) >= n_real[:, None]] = np.inf
    current = rng.random((n_view, width)) < 0.4
    slots = rng.integers(1, k + 1, n_view)
    rows, cols, near = view.choose_rows(d2, n_real, current, slots, k, near_n=2)
    for r in range(n_view):
        m = int(n_real[r])
        want, want_near = _rule(d2[r, :m].tolist(), current[r, :m].tolist(), int(slots[r]), k, 2)
        assert set(cols[rows == r].tolist()) == want
        assert set(cols[(rows == r) & near].tolist()) == want_near
