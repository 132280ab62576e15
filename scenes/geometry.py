"""Plain-Python plane geometry for the few polygons of one scene.

The loader's checks and :class:`scenes.spatial.Floorplan`'s set-up use
these; per-tick queries over many avatars live in :mod:`scenes.spatial`,
vectorised with numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scenes.model import Point

Vertices = Sequence[Point]


def cross(o: Point, a: Point, b: Point) -> float:
    """Z of (a - o) x (b - o): > 0 when o, a, b turn counter-clockwise."""
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def signed_area(polygon: Vertices) -> float:
    """Shoelace area, positive for counter-clockwise vertex order."""
    total = 0.0
    for i, (x0, y0) in enumerate(polygon):
        x1, y1 = polygon[(i + 1) % len(polygon)]
        total += x0 * y1 - x1 * y0
    return total / 2.0


def counter_clockwise(polygon: Vertices) -> list[Point]:
    """The polygon's vertices in counter-clockwise order."""
    points = list(polygon)
    return points if signed_area(points) >= 0 else points[::-1]


def edges(polygon: Vertices) -> list[tuple[Point, Point]]:
    return [(polygon[i], polygon[(i + 1) % len(polygon)]) for i in range(len(polygon))]


def _on_segment(p: Point, a: Point, b: Point) -> bool:
    """p, known to be collinear with a-b, lies within the segment's box."""
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def segments_intersect(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    """Segments p1-p2 and q1-q2 share at least one point (touching counts)."""
    d1 = cross(q1, q2, p1)
    d2 = cross(q1, q2, p2)
    d3 = cross(p1, p2, q1)
    d4 = cross(p1, p2, q2)
    if ((d1 > 0 and d2 < 0) or (d1 < 0 and d2 > 0)) and (
        (d3 > 0 and d4 < 0) or (d3 < 0 and d4 > 0)
    ):
        return True
    return (
        (d1 == 0 and _on_segment(p1, q1, q2))
        or (d2 == 0 and _on_segment(p2, q1, q2))
        or (d3 == 0 and _on_segment(q1, p1, p2))
        or (d4 == 0 and _on_segment(q2, p1, p2))
    )


def point_segment_distance(p: Point, a: Point, b: Point) -> float:
    ex, ey = b[0] - a[0], b[1] - a[1]
    length2 = ex * ex + ey * ey
    t = 0.0 if length2 == 0 else ((p[0] - a[0]) * ex + (p[1] - a[1]) * ey) / length2
    t = min(1.0, max(0.0, t))
    return math.hypot(p[0] - (a[0] + t * ex), p[1] - (a[1] + t * ey))


def segment_distance(p1: Point, p2: Point, q1: Point, q2: Point) -> float:
    """Shortest distance between two segments (0 when they touch or cross)."""
    if segments_intersect(p1, p2, q1, q2):
        return 0.0
    return min(
        point_segment_distance(p1, q1, q2),
        point_segment_distance(p2, q1, q2),
        point_segment_distance(q1, p1, p2),
        point_segment_distance(q2, p1, p2),
    )


def winding_number(p: Point, polygon: Vertices) -> int:
    """How many times the polygon winds around p (0 means outside)."""
    wn = 0
    for a, b in edges(polygon):
        if a[1] <= p[1]:
            if b[1] > p[1] and cross(a, b, p) > 0:
                wn += 1
        elif b[1] <= p[1] and cross(a, b, p) < 0:
            wn -= 1
    return wn


def contains(polygon: Vertices, p: Point) -> bool:
    """p lies inside the polygon or on its boundary."""
    if winding_number(p, polygon) != 0:
        return True
    return any(point_segment_distance(p, a, b) == 0.0 for a, b in edges(polygon))


def distance_to_polygon(p: Point, polygon: Vertices) -> float:
    """0 inside the polygon, else the distance to its nearest edge."""
    if winding_number(p, polygon) != 0:
        return 0.0
    return min(point_segment_distance(p, a, b) for a, b in edges(polygon))


def nearest_on_boundary(p: Point, polygon: Vertices) -> Point:
    """The point of the polygon's boundary nearest to p."""
    best: Point = polygon[0]
    best_d = math.inf
    for a, b in edges(polygon):
        ex, ey = b[0] - a[0], b[1] - a[1]
        length2 = ex * ex + ey * ey
        t = 0.0 if length2 == 0 else ((p[0] - a[0]) * ex + (p[1] - a[1]) * ey) / length2
        t = min(1.0, max(0.0, t))
        q = (a[0] + t * ex, a[1] + t * ey)
        d = math.hypot(p[0] - q[0], p[1] - q[1])
        if d < best_d:
            best, best_d = q, d
    return best


def collinear(polygon: Vertices, tolerance_m: float = 1e-9) -> bool:
    """Every vertex lies on one line (the polygon has no area at all)."""
    origin = polygon[0]
    far = max(polygon, key=lambda p: math.dist(p, origin))
    length = math.dist(far, origin)
    if length == 0:
        return True
    return all(abs(cross(origin, far, p)) / length <= tolerance_m for p in polygon)


def self_intersection(polygon: Vertices) -> tuple[int, int] | None:
    """Indices of two non-adjacent edges that touch or cross, or None if the polygon is simple.

    Edge i joins vertex i to vertex i + 1. Adjacent edges may share their
    common vertex but must not overlap.
    """
    n = len(polygon)
    sides = edges(polygon)
    for i in range(n):
        for j in range(i + 1, n):
            a1, a2 = sides[i]
            b1, b2 = sides[j]
            adjacent = j == i + 1 or (i == 0 and j == n - 1)
            if not adjacent:
                if segments_intersect(a1, a2, b1, b2):
                    return (i, j)
                continue
            # Adjacent edges share one vertex; they fold back on each other when
            # the far end of one lies on the other.
            shared = a2 if j == i + 1 else a1
            far_a = a1 if shared == a2 else a2
            far_b = b2 if shared == b1 else b1
            if cross(shared, far_a, far_b) == 0 and _folds_back(shared, far_a, far_b):
                return (i, j)
    return None


def _folds_back(shared: Point, far_a: Point, far_b: Point) -> bool:
    """Collinear edges from ``shared`` point the same way (they overlap)."""
    dot = (far_a[0] - shared[0]) * (far_b[0] - shared[0]) + (far_a[1] - shared[1]) * (
        far_b[1] - shared[1]
    )
    return dot > 0
