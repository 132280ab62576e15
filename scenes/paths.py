"""Paths along the walkable floor, for "take me there" (pure).

A citizen's app asks for a path from where the avatar stands to a
destination (the counter it was called to, its waiting spot, a kiosk) and
walks it. Every straight leg of the answer passes the very check the server
applies to each move (:func:`avatars.movement.accept_steps` through
:meth:`scenes.spatial.Floorplan.step_blocked`: the avatar's 0.25 m disc keeps
clear of every wall, obstacle and floor edge), so a client that walks the legs
in steps within the speed limit is never corrected.

The search is :meth:`scenes.spatial.Floorplan.route`: A* over the centres of a
0.5 m grid of the walkable floor (obstacles inflated by the avatar radius),
then string-pulled with the same segment check. Its graph is built on the
first path asked of a floor plan and kept with it (one per scene).

A destination that is not walkable (inside a desk, a kiosk, a wall's
clearance) is moved to a nearby walkable point first; so is a start a hair
off the floor. Pure: no clock, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hall_server.errors import InvalidInput, NotFound
from scenes.model import Point
from scenes.spatial import Floorplan


@dataclass(frozen=True, slots=True)
class WalkPath:
    """Points from the (snapped) start to the (snapped) goal; walk them in order."""

    points: tuple[Point, ...]

    @property
    def length_m(self) -> float:
        return sum(math.dist(a, b) for a, b in zip(self.points, self.points[1:], strict=False))

    def to_json(self) -> dict[str, object]:
        return {
            "points": [[x, y] for x, y in self.points],
            "length_m": round(self.length_m, 3),
        }


def find_path(plan: Floorplan, start: Point, goal: Point) -> WalkPath:
    """A walkable path from ``start`` to ``goal`` (snapped to the floor when off it).

    ``InvalidInput`` (``bad_value``, ``out_of_range``) for coordinates that are
    not finite or outside the hall; ``NotFound`` (``no_path``) when no walkable
    path joins them (a walled-off room).
    """
    a = _snap(plan, _check(plan, start, "from"))
    b = _snap(plan, _check(plan, goal, "to"))
    if a == b:
        return WalkPath((a,))
    route = plan.route(a, b)
    if route is None:
        raise NotFound("no walkable path joins these two points", code="no_path")
    return WalkPath((a, *route))


def _check(plan: Floorplan, point: Point, name: str) -> Point:
    x, y = float(point[0]), float(point[1])
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InvalidInput(f"{name}_x and {name}_y must be finite numbers", code="bad_value")
    if not plan.bounds.contains((x, y)):
        raise InvalidInput(f"{name}_x, {name}_y lie outside the hall's bounds", code="out_of_range")
    return (x, y)


def _snap(plan: Floorplan, point: Point) -> Point:
    """``point`` if walkable, else a nearby walkable point (ValueError-free for a real hall)."""
    xy = np.array([point], dtype=np.float64)
    if plan.is_walkable(xy)[0]:
        return point
    try:
        moved = plan.nearest_walkable(xy)[0]
    except ValueError:
        raise NotFound("this hall has no walkable floor", code="no_path") from None
    return (float(moved[0]), float(moved[1]))
