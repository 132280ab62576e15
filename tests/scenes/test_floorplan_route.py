"""Floorplan.route: walkable paths for demo walkers."""

from __future__ import annotations

import numpy as np

from scenes.loader import parse_scene
from scenes.model import Point
from scenes.spatial import Floorplan
from tests.scenes.support import Json, rect


def legs_are_clear(plan: Floorplan, start: Point, route: list[Point]) -> bool:
    points = np.array([start, *route])
    return not plan.step_blocked(points[:-1], points[1:]).any()


def test_route_in_open_floor_is_just_the_goal(small_plan: Floorplan) -> None:
    assert small_plan.route((14.0, 3.0), (18.0, 3.0)) == [(18.0, 3.0)]


def test_route_goes_around_a_wall(small_plan: Floorplan) -> None:
    start, goal = (8.0, 2.0), (16.0, 2.0)  # either side of dinding-tengah, open above y 8
    route = small_plan.route(start, goal)
    assert route is not None
    assert route[-1] == goal
    assert len(route) >= 2
    assert max(y for _, y in route) > 8.0
    assert legs_are_clear(small_plan, start, route)


def test_route_to_a_point_that_is_not_walkable_is_none(small_plan: Floorplan) -> None:
    assert small_plan.route((8.0, 2.0), (16.0, 6.0)) is None


def test_route_to_a_walled_off_room_is_none(small: Json) -> None:
    small["obstacles"].append({"id": "tutup", "kind": "wall", "polygon": rect(12, 8, 12.2, 12)})
    small["counters"] = []
    plan = Floorplan.from_scene(parse_scene(small))
    assert plan.route((8.0, 2.0), (16.0, 2.0)) is None
