"""scenes.paths: "take me there" paths, checked by hand on a small room and, on the
bundled scenes, against the server's own movement check step by step."""

from __future__ import annotations

import itertools
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from avatars.movement import MoveRules, accept_steps
from hall_server.errors import HallError
from scenes.loader import load_scene, parse_scene
from scenes.model import Point
from scenes.paths import WalkPath, find_path
from scenes.spatial import Floorplan
from tests.scenes.support import Json, rect


def code_of(plan: Floorplan, start: Point, goal: Point) -> str:
    with pytest.raises(HallError) as caught:
        find_path(plan, start, goal)
    return caught.value.code


def test_in_open_floor_the_path_is_the_straight_line(small_plan: Floorplan) -> None:
    path = find_path(small_plan, (14.0, 3.0), (18.0, 3.0))
    assert path.points == ((14.0, 3.0), (18.0, 3.0))
    assert path.length_m == 4.0
    assert path.to_json() == {"points": [[14.0, 3.0], [18.0, 3.0]], "length_m": 4.0}


def test_the_same_point_is_a_path_of_one_point(small_plan: Floorplan) -> None:
    assert find_path(small_plan, (14.0, 3.0), (14.0, 3.0)) == WalkPath(((14.0, 3.0),))


def test_around_a_wall_the_path_clears_its_end_by_the_avatar_radius(small_plan: Floorplan) -> None:
    # dinding-tengah is x 12..12.2, y 0..8: from (8, 2) to (16, 2) the way is over its top.
    # Any allowed path crosses x 12..12.2 at y >= 8.25 (0.25 m clear of the wall), so by the
    # triangle inequality it is at least |(8,2)-(12,8.25)| + 0.2 + |(12.2,8.25)-(16,2)|.
    shortest = math.hypot(4, 6.25) + 0.2 + math.hypot(3.8, 6.25)
    assert shortest == pytest.approx(14.935, abs=1e-3)
    path = find_path(small_plan, (8.0, 2.0), (16.0, 2.0))
    assert path.points[0] == (8.0, 2.0) and path.points[-1] == (16.0, 2.0)
    assert shortest <= path.length_m <= shortest * 1.05
    assert max(y for _, y in path.points) >= 8.25
    legs = np.array(path.points)
    assert not small_plan.step_blocked(legs[:-1], legs[1:]).any()


def test_a_destination_inside_a_desk_snaps_to_the_nearest_walkable_point(
    small_plan: Floorplan,
) -> None:
    # meja-a is x 1..1.8, y 3..9; (1.6, 6) is 0.2 m from its east side, 0.6 m from its
    # west side: the nearest walkable point is 0.25 m east of it, about (2.05, 6).
    path = find_path(small_plan, (8.0, 6.0), (1.6, 6.0))
    end = path.points[-1]
    assert math.dist(end, (2.05, 6.0)) < 0.15
    assert small_plan.is_walkable(np.array([end]))[0]
    # A start a hair inside the clearance is moved onto the floor, too.
    start = find_path(small_plan, (1.9, 6.0), (8.0, 6.0)).points[0]
    assert start != (1.9, 6.0) and small_plan.is_walkable(np.array([start]))[0]


def test_a_walled_off_room_has_no_path(small: Json) -> None:
    small["obstacles"].append({"id": "tutup", "kind": "wall", "polygon": rect(12, 8, 12.2, 12)})
    small["counters"] = []
    plan = Floorplan.from_scene(parse_scene(small))
    assert code_of(plan, (8.0, 2.0), (16.0, 2.0)) == "no_path"


def test_points_outside_the_hall_or_not_numbers_are_refused(small_plan: Floorplan) -> None:
    assert code_of(small_plan, (-1.0, 2.0), (16.0, 2.0)) == "out_of_range"
    assert code_of(small_plan, (8.0, 2.0), (16.0, 99.0)) == "out_of_range"
    assert code_of(small_plan, (math.nan, 2.0), (16.0, 2.0)) == "bad_value"
    assert code_of(small_plan, (8.0, 2.0), (math.inf, 2.0)) == "bad_value"


def bundled_scenes() -> list[Path]:
    folder = Path(str(resources.files("scenes") / "data"))
    return sorted(folder.glob("*.json"))


@pytest.mark.parametrize("scene_file", bundled_scenes(), ids=lambda p: p.stem)
def test_every_step_of_a_path_passes_the_movement_check_on_the_bundled_scenes(
    scene_file: Path,
) -> None:
    """From spawns and random points to counters, lanes, seats and random points: walked in
    steps within the speed limit, the server's movement check accepts every step."""
    scene = load_scene(scene_file)
    plan = Floorplan.from_scene(scene)
    rng = np.random.default_rng(11)
    walkable = [tuple(p) for p in plan.random_walkable(rng, 40).tolist()]
    # Destinations a citizen is sent to: counters (their service points), lane spots,
    # seats; and points inside obstacles (a desk, a kiosk), which snap.
    goals: list[Point] = [c.position for c in scene.counters]
    goals += [c.lane[-1] for c in scene.counters if c.lane]
    goals += [s.position for s in scene.seats[:10]]
    goals += [tuple(np.mean(o.polygon, axis=0).tolist()) for o in scene.obstacles[:15]]
    starts: list[Point] = [s.position for s in scene.spawns] + walkable[:20]
    pairs = [(s, g) for s in starts[:4] for g in goals] + list(
        zip(walkable[:20], walkable[20:], strict=True)
    )
    rules = MoveRules()
    dt = 0.2  # a client sending five moves a second
    step_m = rules.max_speed_m_s * dt  # within the limit (the check allows 1.5x that)
    checked = 0
    for start, goal in pairs:
        try:
            path = find_path(plan, start, goal)
        except HallError as exc:
            assert exc.code == "no_path"
            continue
        points = np.array(path.points)
        steps_from, steps_to = [], []
        for a, b in itertools.pairwise(points):
            n = max(1, math.ceil(math.dist(a, b) / step_m))
            for i in range(n):
                steps_from.append(a + (b - a) * (i / n))
                steps_to.append(b if i == n - 1 else a + (b - a) * ((i + 1) / n))
        if not steps_from:
            continue
        start_xy, end_xy = np.array(steps_from), np.array(steps_to)
        accepted = accept_steps(plan, rules, start_xy, end_xy, np.full(len(start_xy), dt))
        assert accepted.all(), (start, goal, start_xy[~accepted][:3])
        assert not plan.step_blocked(points[:-1], points[1:]).any()
        checked += 1
    assert checked >= len(pairs) * 0.9
