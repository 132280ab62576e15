"""Where avatars may stand and walk: vectorised queries over a scene's floor plan.

A :class:`Floorplan` is built once per scene with :meth:`Floorplan.from_scene`
and then answers, for many avatars at once, whether a point is walkable
(:meth:`~Floorplan.is_walkable`) and whether a step is allowed
(:meth:`~Floorplan.step_blocked`). It is pure: no clock, no I/O, and random
choices take the caller's ``numpy.random.Generator``.

The walkable region, for an avatar modelled as a disc of radius ``r``, is
exact (no rasterising): a point is walkable when it is inside the bounds,
inside the union of the floors, outside every obstacle, and at least ``r``
from every *blocking edge*. Blocking edges are all obstacle edges and the
outer boundary of the floor union (an edge that two floors share is not a
boundary, so avatars cross freely from one floor polygon to the next). So
obstacles are inflated by ``r`` (with rounded corners) and the floor is
shrunk by ``r``.

A step from ``start`` to ``end`` is allowed when ``end`` is walkable and the
whole segment stays at least ``r`` from every blocking edge: the avatar's
disc sweeps along the segment without touching a wall. Hence an avatar that
only takes allowed steps never leaves the floor, never enters an obstacle and
never tunnels through a thin wall, whatever its speed.

Speed comes from a uniform grid of 1 m cells built once: each cell lists the
edges near it and knows how many floors and obstacles contain a reference
point inside it. A query point then only looks at its own cell's edges: the
winding numbers at the point are the reference's plus the crossings of the
short path from the reference to the point. Steps longer than
``SHORT_STEP_M`` (rare: route planning, teleports) are tested against every
edge.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from scenes import geometry
from scenes.model import Bounds, Point, Polygon, Scene

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]

#: Side of a grid cell of the edge index.
CELL_M = 1.0
#: Steps up to this length use the grid; longer ones test every edge.
SHORT_STEP_M = 0.75
#: Spacing of the walkable sample points behind nearest_walkable().
SAMPLE_M = 0.25
#: Side of a cell of the route graph.
ROUTE_CELL_M = 0.5
#: Pair chunk for brute-force tests, to bound memory (rows x edges).
_CHUNK_PAIRS = 1 << 20


def as_points(xy: ArrayLike, name: str = "xy") -> FloatArray:
    """``xy`` as a float64 array of shape (N, 2); ``ValueError`` for any other shape."""
    points = np.asarray(xy, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"{name} must have shape (N, 2), not {points.shape}")
    return points


def points_in_polygon(xy: ArrayLike, polygon: Sequence[Point]) -> BoolArray:
    """Which points lie inside ``polygon`` (even-odd rule; NaN is outside).

    Useful for zone membership: ``points_in_polygon(positions, zone.polygon)``.
    """
    points = as_points(xy)
    px, py = points[:, 0, None], points[:, 1, None]
    poly = np.asarray(polygon, dtype=np.float64)
    ax, ay = poly[:, 0], poly[:, 1]
    bx, by = np.roll(ax, -1), np.roll(ay, -1)
    straddles = (ay > py) != (by > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = ax + (py - ay) * (bx - ax) / (by - ay)
    crossings = np.count_nonzero(straddles & (px < x_cross), axis=1)
    inside: BoolArray = (crossings % 2) == 1
    return inside


class Floorplan:
    """Precomputed edge arrays of one scene; answers walkability queries in bulk.

    Build it with :meth:`from_scene`. Query arrays have shape (N, 2) in metres;
    results have shape (N,). Instances are immutable after construction except
    for caches filled on first use (walkable samples, the route graph).
    """

    def __init__(
        self,
        bounds: Bounds,
        floors: Sequence[Polygon],
        obstacles: Sequence[Polygon],
        avatar_radius_m: float = 0.25,
    ) -> None:
        if not avatar_radius_m > 0:
            raise ValueError("avatar_radius_m must be positive")
        self.bounds = bounds
        #: Radius of an avatar's disc; it keeps this distance from walls and floor edges.
        self.avatar_radius_m = float(avatar_radius_m)
        self._r2 = self.avatar_radius_m**2
        self._lo = np.array([bounds.min_x, bounds.min_y])
        self._hi = np.array([bounds.max_x, bounds.max_y])
        self._build_edges(floors, obstacles)
        self._build_grid()
        self._samples: FloatArray | None = None
        self._route_graph: _RouteGraph | None = None

    @classmethod
    def from_scene(cls, scene: Scene, avatar_radius_m: float = 0.25) -> Floorplan:
        """Precompute the floor plan of ``scene`` for avatars of ``avatar_radius_m``."""
        return cls(
            scene.bounds,
            [floor.polygon for floor in scene.floors],
            [obstacle.polygon for obstacle in scene.obstacles],
            avatar_radius_m,
        )

    # -- construction ----------------------------------------------------------

    def _build_edges(self, floors: Sequence[Polygon], obstacles: Sequence[Polygon]) -> None:
        starts: list[Point] = []
        ends: list[Point] = []
        floor_w: list[int] = []
        obstacle_w: list[int] = []
        blocking: list[bool] = []
        for a, b, boundary in _floor_pieces(floors):
            starts.append(a)
            ends.append(b)
            floor_w.append(1)
            obstacle_w.append(0)
            blocking.append(boundary)
        for polygon in obstacles:
            for a, b in geometry.edges(geometry.counter_clockwise(polygon)):
                if a != b:
                    starts.append(a)
                    ends.append(b)
                    floor_w.append(0)
                    obstacle_w.append(1)
                    blocking.append(True)
        a_xy = np.array(starts, dtype=np.float64).reshape(-1, 2)
        b_xy = np.array(ends, dtype=np.float64).reshape(-1, 2)
        self._a = a_xy
        self._e = b_xy - a_xy
        self._inv_len2 = 1.0 / np.einsum("ij,ij->i", self._e, self._e)
        self._floor_w = np.array(floor_w, dtype=np.float64)
        self._obstacle_w = np.array(obstacle_w, dtype=np.float64)
        self._blocking = np.array(blocking, dtype=np.bool_)
        blocking_idx = np.flatnonzero(self._blocking)
        self._blocking_idx: IntArray = blocking_idx

    def _build_grid(self) -> None:
        span = self._hi - self._lo
        self._shape = np.maximum(np.ceil(span / CELL_M).astype(np.intp), 1)
        nx, ny = int(self._shape[0]), int(self._shape[1])
        # An edge is listed in every cell whose box, grown by the margin, meets the
        # edge's box: enough for winding paths inside the cell, for clearance r
        # around a point, and for a short step's swept disc.
        margin = SHORT_STEP_M + self.avatar_radius_m + 1e-6
        b = self._a + self._e
        lo = (np.minimum(self._a, b) - margin - self._lo) / CELL_M
        hi = (np.maximum(self._a, b) + margin - self._lo) / CELL_M
        lo_cell = np.clip(np.floor(lo).astype(np.intp), 0, self._shape - 1)
        hi_cell = np.clip(np.floor(hi).astype(np.intp), 0, self._shape - 1)
        cell_ids: list[IntArray] = []
        edge_ids: list[IntArray] = []
        for edge in range(len(self._a)):
            xs = np.arange(lo_cell[edge, 0], hi_cell[edge, 0] + 1)
            ys = np.arange(lo_cell[edge, 1], hi_cell[edge, 1] + 1)
            cells = (xs[:, None] * ny + ys[None, :]).ravel()
            cell_ids.append(cells)
            edge_ids.append(np.full(cells.shape, edge, dtype=np.intp))
        all_cells = np.concatenate(cell_ids) if cell_ids else np.zeros(0, np.intp)
        all_edges = np.concatenate(edge_ids) if edge_ids else np.zeros(0, np.intp)
        order = np.argsort(all_cells, kind="stable")
        self._cell_edges: IntArray = all_edges[order]
        counts = np.bincount(all_cells, minlength=nx * ny).astype(np.intp)
        self._cell_count: IntArray = counts
        self._cell_start: IntArray = np.cumsum(counts) - counts

        # Reference points: cell centres nudged off any grid-aligned edge.
        # (a cell that sticks out of the bounds uses the middle of its part inside).
        ix, iy = np.divmod(np.arange(nx * ny), ny)
        cell_lo = self._lo + np.stack([ix, iy], axis=1) * CELL_M
        cell_hi = np.minimum(cell_lo + CELL_M, self._hi)
        nudge = np.array([0.5 + 1e-3 * math.sqrt(2), 0.5 + 1e-3 * math.sqrt(3)])
        refs = cell_lo + (cell_hi - cell_lo) * nudge
        self._ref = refs
        self._ref_floor, self._ref_obstacle = self._winding_brute(refs)

    def _winding_brute(self, xy: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Floor and obstacle winding numbers at ``xy``, against every edge."""
        floors = np.zeros(len(xy))
        obstacles = np.zeros(len(xy))
        rows = max(1, _CHUNK_PAIRS // max(1, len(self._a)))
        ax, ay = self._a[:, 0], self._a[:, 1]
        ex, ey = self._e[:, 0], self._e[:, 1]
        for lo in range(0, len(xy), rows):
            px = xy[lo : lo + rows, 0, None]
            py = xy[lo : lo + rows, 1, None]
            side = ex * (py - ay) - ey * (px - ax)
            by = ay + ey
            up = (ay <= py) & (by > py) & (side > 0)
            down = (ay > py) & (by <= py) & (side < 0)
            wn = up.astype(np.float64) - down.astype(np.float64)
            floors[lo : lo + rows] = wn @ self._floor_w
            obstacles[lo : lo + rows] = wn @ self._obstacle_w
        return floors, obstacles

    # -- queries ---------------------------------------------------------------

    def _in_bounds(self, xy: FloatArray) -> BoolArray:
        inside: BoolArray = np.all((xy >= self._lo) & (xy <= self._hi), axis=1)
        return inside  # NaN compares False, so NaN is out of bounds

    def _cells(self, xy: FloatArray) -> IntArray:
        ij = np.floor((xy - self._lo) / CELL_M).astype(np.intp)
        ij = np.clip(ij, 0, self._shape - 1)
        cells: IntArray = ij[:, 0] * self._shape[1] + ij[:, 1]
        return cells

    def _pairs(self, cells: IntArray) -> tuple[IntArray, IntArray]:
        """(row, edge) for every edge listed in each row's cell."""
        counts = self._cell_count[cells]
        rows = np.repeat(np.arange(len(cells)), counts)
        first = np.repeat(self._cell_start[cells] - (np.cumsum(counts) - counts), counts)
        edges = self._cell_edges[first + np.arange(len(rows))]
        return rows, edges

    def is_walkable(self, xy: ArrayLike) -> BoolArray:
        """Which points an avatar's centre may occupy.

        ``xy`` has shape (N, 2); the result has shape (N,). A point is walkable
        when it lies within the bounds, on the floor, outside every obstacle and
        at least ``avatar_radius_m`` from every wall and floor edge. NaN or
        infinite coordinates are not walkable.
        """
        points = as_points(xy)
        result = np.zeros(len(points), dtype=np.bool_)
        candidates = np.flatnonzero(self._in_bounds(points))
        if len(candidates) == 0:
            return result
        p = points[candidates]
        cells = self._cells(p)
        rows, edges = self._pairs(cells)
        n = len(p)
        a = self._a[edges]
        e = self._e[edges]
        q = p[rows]

        # Winding numbers: the cell reference's, plus signed crossings of the
        # path reference -> point (half-open on the path's line, so a path
        # through a vertex counts once).
        c = self._ref[cells][rows]
        d = q - c
        side_a = d[:, 0] * (a[:, 1] - c[:, 1]) - d[:, 1] * (a[:, 0] - c[:, 0])
        b = a + e
        side_b = d[:, 0] * (b[:, 1] - c[:, 1]) - d[:, 1] * (b[:, 0] - c[:, 0])
        straddle = (side_a > 0) != (side_b > 0)
        denom = d[:, 0] * e[:, 1] - d[:, 1] * e[:, 0]  # cross(d, e)
        num = (a[:, 0] - c[:, 0]) * e[:, 1] - (a[:, 1] - c[:, 1]) * e[:, 0]  # cross(a - c, e)
        # 0 <= num / denom <= 1 without dividing.
        within = np.where(denom > 0, (num >= 0) & (num <= denom), (num <= 0) & (num >= denom))
        sign = np.where(denom < 0, 1.0, -1.0)  # entering a CCW polygon counts +1
        step = np.where(straddle & within, sign, 0.0)
        floor_n = self._ref_floor[cells] + np.bincount(
            rows, weights=step * self._floor_w[edges], minlength=n
        )
        obstacle_n = self._ref_obstacle[cells] + np.bincount(
            rows, weights=step * self._obstacle_w[edges], minlength=n
        )

        # Clearance from blocking edges.
        t = np.clip(np.einsum("ij,ij->i", q - a, e) * self._inv_len2[edges], 0.0, 1.0)
        gap = q - (a + t[:, None] * e)
        near = self._blocking[edges] & (np.einsum("ij,ij->i", gap, gap) < self._r2)
        crowded = np.bincount(rows[near], minlength=n) > 0

        result[candidates] = (floor_n > 0.5) & (np.abs(obstacle_n) < 0.5) & ~crowded
        return result

    def step_blocked(self, start: ArrayLike, end: ArrayLike) -> BoolArray:
        """Which steps ``start[i] -> end[i]`` an avatar may not take.

        Both arrays have shape (N, 2); the result has shape (N,). A step is
        blocked when ``end`` is not walkable, when the avatar's disc would touch
        a wall, obstacle or floor edge anywhere along the segment, or when
        ``start`` is off the plan (NaN, out of bounds). An avatar that only takes
        unblocked steps stays walkable; one that is somehow off the walkable
        region can only be moved back with :meth:`nearest_walkable`.
        """
        p1 = as_points(start, "start")
        p2 = as_points(end, "end")
        if p1.shape != p2.shape:
            raise ValueError(f"start {p1.shape} and end {p2.shape} differ in shape")
        blocked = np.ones(len(p1), dtype=np.bool_)
        ok = self._in_bounds(p1) & self.is_walkable(p2)
        length2 = np.einsum("ij,ij->i", p2 - p1, p2 - p1)
        short = np.flatnonzero(ok & (length2 <= SHORT_STEP_M**2))
        if len(short):
            rows, edges = self._pairs(self._cells(p1[short]))
            keep = self._blocking[edges]
            rows, edges = rows[keep], edges[keep]
            hit = self._touches(p1[short][rows], p2[short][rows], edges)
            blocked[short] = np.bincount(rows[hit], minlength=len(short)) > 0
        long_ = np.flatnonzero(ok & (length2 > SHORT_STEP_M**2))
        if len(long_):
            blocked[long_] = self._blocked_brute(p1[long_], p2[long_])
        return blocked

    def _touches(self, p1: FloatArray, p2: FloatArray, edges: IntArray) -> BoolArray:
        """Whether segment p1[k]-p2[k] comes closer than r to edge edges[k]."""
        a = self._a[edges]
        e = self._e[edges]
        b = a + e
        d = p2 - p1
        o1 = d[:, 0] * (a[:, 1] - p1[:, 1]) - d[:, 1] * (a[:, 0] - p1[:, 0])
        o2 = d[:, 0] * (b[:, 1] - p1[:, 1]) - d[:, 1] * (b[:, 0] - p1[:, 0])
        o3 = e[:, 0] * (p1[:, 1] - a[:, 1]) - e[:, 1] * (p1[:, 0] - a[:, 0])
        o4 = e[:, 0] * (p2[:, 1] - a[:, 1]) - e[:, 1] * (p2[:, 0] - a[:, 0])
        collinear = (o1 == 0) & (o2 == 0)
        crossing = (o1 * o2 <= 0) & (o3 * o4 <= 0) & ~collinear
        inv_len2 = self._inv_len2[edges]
        d_len2 = np.einsum("ij,ij->i", d, d)
        inv_d = np.divide(1.0, d_len2, out=np.zeros_like(d_len2), where=d_len2 > 0)
        close = (
            (_dist2(p1, a, e, inv_len2) < self._r2)
            | (_dist2(p2, a, e, inv_len2) < self._r2)
            | (_dist2(a, p1, d, inv_d) < self._r2)
            | (_dist2(b, p1, d, inv_d) < self._r2)
        )
        touches: BoolArray = crossing | close
        return touches

    def _blocked_brute(self, p1: FloatArray, p2: FloatArray) -> BoolArray:
        edges = self._blocking_idx
        blocked = np.zeros(len(p1), dtype=np.bool_)
        if len(edges) == 0:
            return blocked
        rows_per_chunk = max(1, _CHUNK_PAIRS // len(edges))
        for lo in range(0, len(p1), rows_per_chunk):
            n = min(rows_per_chunk, len(p1) - lo)
            rows = np.repeat(np.arange(n), len(edges))
            pair_edges = np.tile(edges, n)
            hit = self._touches(p1[lo:][rows], p2[lo:][rows], pair_edges)
            blocked[lo : lo + n] = hit.reshape(n, len(edges)).any(axis=1)
        return blocked

    # -- placing avatars -------------------------------------------------------

    def walkable_samples(self) -> FloatArray:
        """Walkable points on a ``SAMPLE_M`` grid over the bounds, shape (M, 2)."""
        if self._samples is None:
            xs = np.arange(self._lo[0] + SAMPLE_M / 2, self._hi[0], SAMPLE_M)
            ys = np.arange(self._lo[1] + SAMPLE_M / 2, self._hi[1], SAMPLE_M)
            grid = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1).reshape(-1, 2)
            self._samples = grid[self.is_walkable(grid)]
        return self._samples

    def nearest_walkable(self, xy: ArrayLike) -> FloatArray:
        """``xy`` with every non-walkable point moved to a nearby walkable one.

        Walkable points come back unchanged; others move to the nearest point of
        a ``SAMPLE_M`` grid of walkable points, then back towards where they
        were as far as a straight step allows: close to, though not always
        exactly at, the nearest walkable point. ``ValueError`` for NaN input or a
        scene with no walkable floor.
        """
        points = as_points(xy).copy()
        if not np.all(np.isfinite(points)):
            raise ValueError("nearest_walkable needs finite coordinates")
        bad = np.flatnonzero(~self.is_walkable(points))
        if len(bad) == 0:
            return points
        samples = self.walkable_samples()
        if len(samples) == 0:
            raise ValueError("the scene has no walkable floor")
        rows = max(1, _CHUNK_PAIRS // len(samples))
        for lo in range(0, len(bad), rows):
            chunk = bad[lo : lo + rows]
            diff = points[chunk, None, :] - samples[None, :, :]
            nearest = np.argmin(np.einsum("ijk,ijk->ij", diff, diff), axis=1)
            points[chunk] = self._towards(samples[nearest], points[chunk])
        return points

    def _towards(self, origin: FloatArray, target: FloatArray, rounds: int = 10) -> FloatArray:
        """From walkable ``origin``, the farthest point towards ``target`` found by bisection.

        Every returned point is reachable from its origin in one unblocked step.
        """
        lo = np.zeros(len(origin))
        hi = np.ones(len(origin))
        for _ in range(rounds):
            mid = (lo + hi) / 2
            ok = ~self.step_blocked(origin, origin + mid[:, None] * (target - origin))
            lo = np.where(ok, mid, lo)
            hi = np.where(ok, hi, mid)
        result: FloatArray = origin + lo[:, None] * (target - origin)
        return result

    def random_walkable(
        self,
        rng: np.random.Generator,
        n: int,
        within: Sequence[Point] | None = None,
    ) -> FloatArray:
        """``n`` uniformly random walkable points, shape (n, 2).

        ``within`` restricts them to a polygon (a zone's, say). ``ValueError``
        when no walkable point can be found there.
        """
        if n <= 0:
            return np.zeros((0, 2))
        lo, hi = self._lo, self._hi
        if within is not None:
            poly = np.asarray(within, dtype=np.float64)
            lo, hi = np.maximum(lo, poly.min(axis=0)), np.minimum(hi, poly.max(axis=0))
        found: list[FloatArray] = []
        have = 0
        for _ in range(50):
            if have >= n or np.any(hi <= lo):
                break
            batch = rng.uniform(lo, hi, size=(max(64, 4 * (n - have)), 2))
            keep = self.is_walkable(batch)
            if within is not None:
                keep &= points_in_polygon(batch, within)
            found.append(batch[keep])
            have += int(keep.sum())
        if have < n:
            # A sliver of floor that rejection sampling keeps missing.
            pool = self.walkable_samples()
            if within is not None:
                pool = pool[points_in_polygon(pool, within)]
            if len(pool) == 0:
                raise ValueError("no walkable point in the requested area")
            found.append(pool[rng.integers(0, len(pool), size=n - have)])
        return np.concatenate(found)[:n]

    # -- routes ----------------------------------------------------------------

    def route(self, start: Point, goal: Point) -> list[Point] | None:
        """Waypoints of a walkable path from ``start`` to ``goal``, or None if none.

        The list excludes ``start`` and ends with ``goal``; walking straight from
        each waypoint to the next never hits a wall (each leg passes
        :meth:`step_blocked`; split long legs into short steps when walking).
        A* on a ``ROUTE_CELL_M`` grid, then shortcuts. Plain Python: meant for
        demo walkers choosing a destination now and then, not per tick.
        """
        p0 = np.array([start], dtype=np.float64)
        p1 = np.array([goal], dtype=np.float64)
        if not (self.is_walkable(p0)[0] and self.is_walkable(p1)[0]):
            return None
        if not self.step_blocked(p0, p1)[0]:
            return [(float(goal[0]), float(goal[1]))]
        graph = self._graph()
        sources = graph.links(self, p0[0])
        targets = graph.links(self, p1[0])
        if not sources or not targets:
            return None
        nodes = graph.search(sources, targets, p1[0])
        if nodes is None:
            return None
        waypoints = np.concatenate([p0, graph.xy[nodes], p1])
        return self._shortcut(waypoints)

    def _graph(self) -> _RouteGraph:
        if self._route_graph is None:
            self._route_graph = _RouteGraph(self)
        return self._route_graph

    def _shortcut(self, waypoints: FloatArray) -> list[Point]:
        """Greedy string-pulling: from each point, jump to the farthest visible waypoint."""
        route: list[Point] = []
        i, last = 0, len(waypoints) - 1
        while i < last:
            ahead = np.arange(i + 1, last + 1)
            clear = ~self.step_blocked(
                np.repeat(waypoints[i : i + 1], len(ahead), axis=0), waypoints[ahead]
            )
            j = int(ahead[clear].max()) if clear.any() else i + 1
            route.append((float(waypoints[j, 0]), float(waypoints[j, 1])))
            i = j
        return route


def _dist2(p: FloatArray, a: FloatArray, e: FloatArray, inv_len2: FloatArray) -> FloatArray:
    """Squared distance from points p to segments a -> a + e (row-wise)."""
    t = np.clip(np.einsum("ij,ij->i", p - a, e) * inv_len2, 0.0, 1.0)
    gap = p - (a + t[:, None] * e)
    dist2: FloatArray = np.einsum("ij,ij->i", gap, gap)
    return dist2


def _floor_pieces(floors: Sequence[Polygon]) -> list[tuple[Point, Point, bool]]:
    """Floor edges, counter-clockwise, split where other floors meet them.

    Each piece says whether it is on the boundary of the floor union: a piece
    with floor on both sides (a seam between two floor polygons) is not.
    """
    polygons = [geometry.counter_clockwise(polygon) for polygon in floors]
    pieces: list[tuple[Point, Point, bool]] = []
    for k, polygon in enumerate(polygons):
        others = [
            edge for j, other in enumerate(polygons) if j != k for edge in geometry.edges(other)
        ]
        for a, b in geometry.edges(polygon):
            if a == b:
                continue
            cuts = sorted({0.0, 1.0, *_cut_params(a, b, others)})
            for t0, t1 in itertools.pairwise(cuts):
                if t1 - t0 < 1e-9:
                    continue
                p = _lerp(a, b, t0)
                q = _lerp(a, b, t1)
                pieces.append((p, q, not _floor_on_both_sides(p, q, polygons)))
    return pieces


def _lerp(a: Point, b: Point, t: float) -> Point:
    if t == 0.0:
        return a
    if t == 1.0:
        return b
    return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))


def _cut_params(a: Point, b: Point, others: list[tuple[Point, Point]]) -> list[float]:
    """Parameters along a -> b where the other edges cross or touch it."""
    ex, ey = b[0] - a[0], b[1] - a[1]
    length2 = ex * ex + ey * ey
    cuts: list[float] = []
    for c, d in others:
        fx, fy = d[0] - c[0], d[1] - c[1]
        denom = ex * fy - ey * fx
        if denom != 0:
            t = ((c[0] - a[0]) * fy - (c[1] - a[1]) * fx) / denom
            u = ((c[0] - a[0]) * ey - (c[1] - a[1]) * ex) / denom
            if 0 < t < 1 and 0 <= u <= 1:
                cuts.append(t)
        elif geometry.cross(a, b, c) == 0:  # collinear: cut at the other edge's ends
            for p in (c, d):
                t = ((p[0] - a[0]) * ex + (p[1] - a[1]) * ey) / length2
                if 0 < t < 1:
                    cuts.append(t)
    return cuts


def _floor_on_both_sides(p: Point, q: Point, polygons: list[list[Point]]) -> bool:
    mx, my = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
    ex, ey = q[0] - p[0], q[1] - p[1]
    scale = 1e-6 / math.hypot(ex, ey)
    left = (mx - ey * scale, my + ex * scale)
    right = (mx + ey * scale, my - ex * scale)
    return any(geometry.winding_number(left, poly) != 0 for poly in polygons) and any(
        geometry.winding_number(right, poly) != 0 for poly in polygons
    )


class _RouteGraph:
    """Walkable centres of a ROUTE_CELL_M grid and their 8-neighbour links."""

    _OFFSETS = ((1, 0), (0, 1), (1, 1), (1, -1))

    def __init__(self, plan: Floorplan) -> None:
        lo, hi = plan._lo, plan._hi
        self.lo = lo
        self.nx = max(1, math.ceil((hi[0] - lo[0]) / ROUTE_CELL_M))
        self.ny = max(1, math.ceil((hi[1] - lo[1]) / ROUTE_CELL_M))
        ix, iy = np.divmod(np.arange(self.nx * self.ny), self.ny)
        centres = lo + (np.stack([ix, iy], axis=1) + 0.5) * ROUTE_CELL_M
        self.walkable = plan.is_walkable(centres)
        self.xy = centres
        self.neighbours: list[list[tuple[int, float]]] = [[] for _ in range(len(centres))]
        grid = np.arange(self.nx * self.ny).reshape(self.nx, self.ny)
        for dx, dy in self._OFFSETS:
            src = grid[max(0, -dx) : self.nx - max(0, dx), max(0, -dy) : self.ny - max(0, dy)]
            dst = grid[max(0, dx) : self.nx + min(0, dx), max(0, dy) : self.ny + min(0, dy)]
            src, dst = src.ravel(), dst.ravel()
            both = self.walkable[src] & self.walkable[dst]
            src, dst = src[both], dst[both]
            open_ = ~plan.step_blocked(centres[src], centres[dst])
            cost = ROUTE_CELL_M * math.hypot(dx, dy)
            for s, d in zip(src[open_].tolist(), dst[open_].tolist(), strict=True):
                self.neighbours[s].append((d, cost))
                self.neighbours[d].append((s, cost))

    def links(self, plan: Floorplan, point: FloatArray) -> dict[int, float]:
        """Graph nodes reachable in a straight step from ``point``, with their distance."""
        i = int((point[0] - self.lo[0]) // ROUTE_CELL_M)
        j = int((point[1] - self.lo[1]) // ROUTE_CELL_M)
        near = [
            x * self.ny + y
            for x in range(max(0, i - 2), min(self.nx, i + 3))
            for y in range(max(0, j - 2), min(self.ny, j + 3))
        ]
        nodes = np.array([n for n in near if self.walkable[n]], dtype=np.intp)
        if len(nodes) == 0:
            return {}
        start = np.repeat(point[None, :], len(nodes), axis=0)
        clear = ~plan.step_blocked(start, self.xy[nodes])
        dist = np.hypot(*(self.xy[nodes] - point).T)
        return {int(n): float(d) for n, d, c in zip(nodes, dist, clear, strict=True) if c}

    def search(
        self, sources: dict[int, float], targets: dict[int, float], goal_xy: FloatArray
    ) -> list[int] | None:
        """A* from any source to any target; the node path, or None.

        The heuristic is the straight distance to the goal itself, which never
        overestimates (a target's link to the goal closes the triangle).
        """

        def h(node: int) -> float:
            return float(math.hypot(*(self.xy[node] - goal_xy)))

        best: dict[int, float] = {}
        came: dict[int, int] = {}
        heap: list[tuple[float, float, int]] = []
        for node, cost in sources.items():
            best[node] = cost
            heapq.heappush(heap, (cost + h(node), cost, node))
        finish, finish_cost = -1, math.inf
        while heap:
            f, g, node = heapq.heappop(heap)
            if f >= finish_cost:
                break
            if g > best.get(node, math.inf):
                continue
            if node in targets and g + targets[node] < finish_cost:
                finish, finish_cost = node, g + targets[node]
            for nxt, step in self.neighbours[node]:
                cost = g + step
                if cost < best.get(nxt, math.inf):
                    best[nxt] = cost
                    came[nxt] = node
                    heapq.heappush(heap, (cost + h(nxt), cost, nxt))
        if finish < 0:
            return None
        path = [finish]
        while path[-1] in came:
            path.append(came[path[-1]])
        path.reverse()
        return path
