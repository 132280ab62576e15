"""Slow, obviously-correct walkability rules in plain Python, for checking Floorplan.

Only for scenes with a single floor polygon (its edges are the floor boundary).
"""

from __future__ import annotations

import math

from scenes import geometry
from scenes.model import Point, Scene


def _blocking_edges(scene: Scene) -> list[tuple[Point, Point]]:
    assert len(scene.floors) == 1, "the reference handles one floor polygon"
    found = list(geometry.edges(scene.floors[0].polygon))
    for obstacle in scene.obstacles:
        found += geometry.edges(obstacle.polygon)
    return found


def point_clearance(scene: Scene, p: Point) -> float:
    """Distance to the nearest blocking edge; -1 when not on the floor or inside an obstacle."""
    if not all(map(math.isfinite, p)) or not scene.bounds.contains(p):
        return -1.0
    if geometry.winding_number(p, scene.floors[0].polygon) == 0:
        return -1.0
    if any(geometry.winding_number(p, o.polygon) != 0 for o in scene.obstacles):
        return -1.0
    return min(geometry.point_segment_distance(p, a, b) for a, b in _blocking_edges(scene))


def step_clearance(scene: Scene, start: Point, end: Point) -> float:
    """Smallest distance from the segment to a blocking edge, or -1 if an end is off-plan."""
    if point_clearance(scene, start) < 0 or point_clearance(scene, end) < 0:
        return -1.0
    return min(geometry.segment_distance(start, end, a, b) for a, b in _blocking_edges(scene))
