"""Area of interest: a uniform grid of square cells over the hall (pure).

A viewer sees every body in its own cell and the eight cells around it.
Cells are numbered row by row from the hall's minimum corner. Cell lookup
is vectorised over all avatars; the neighbourhood of each cell is computed
once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


class CellGrid:
    """Maps positions to cells and cells to their 3x3 neighbourhoods."""

    def __init__(self, min_xy: tuple[float, float], max_xy: tuple[float, float], cell_m: float):
        self.min_x, self.min_y = min_xy
        self.cell_m = cell_m
        self.cols = max(1, int(np.ceil((max_xy[0] - self.min_x) / cell_m)))
        self.rows = max(1, int(np.ceil((max_xy[1] - self.min_y) / cell_m)))
        hood: list[frozenset[int]] = []
        for cell in range(self.cols * self.rows):
            row, col = divmod(cell, self.cols)
            hood.append(
                frozenset(
                    r * self.cols + c
                    for r in range(max(0, row - 1), min(self.rows, row + 2))
                    for c in range(max(0, col - 1), min(self.cols, col + 2))
                )
            )
        #: neighbourhood[c]: the cells a viewer in c sees (c included); symmetric.
        self.neighbourhood: tuple[frozenset[int], ...] = tuple(hood)
        n = len(hood)
        #: hood_mask[c, d]: cell d is in c's neighbourhood (for picking candidates at once).
        self.hood_mask = np.zeros((n + 1, n + 1), dtype=np.bool_)
        #: hood_index[c]: c's neighbourhood as up to 9 cell numbers, padded with ``n``, a
        #: spare cell that holds nothing (per-cell values can then be gathered for all cells).
        self.hood_index = np.full((n, 9), n, dtype=np.int64)
        for cell, cells in enumerate(hood):
            members = sorted(cells)
            self.hood_mask[cell, members] = True
            self.hood_index[cell, : len(members)] = members

    @property
    def size(self) -> int:
        return self.cols * self.rows

    def cells_of(self, xy: NDArray[np.float64]) -> NDArray[np.int64]:
        """Cell index of each position (positions outside are clamped to the edge)."""
        col = np.floor((xy[:, 0] - self.min_x) / self.cell_m).astype(np.int64)
        row = np.floor((xy[:, 1] - self.min_y) / self.cell_m).astype(np.int64)
        np.clip(col, 0, self.cols - 1, out=col)
        np.clip(row, 0, self.rows - 1, out=row)
        return row * self.cols + col
