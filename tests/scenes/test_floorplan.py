"""Floorplan: walkable points, blocked steps, placement helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenes import geometry
from scenes.bundled import load_demo_scene
from scenes.model import Scene
from scenes.spatial import Floorplan, points_in_polygon
from tests.scenes.scene_reference import point_clearance, step_clearance

R = 0.25
TIE = 1e-7  # clearances this close to the radius may round either way


def walkable(plan: Floorplan, *points: tuple[float, float]) -> list[bool]:
    return [bool(w) for w in plan.is_walkable(np.array(points, dtype=np.float64))]


def blocked(plan: Floorplan, start: tuple[float, float], end: tuple[float, float]) -> bool:
    return bool(plan.step_blocked(np.array([start]), np.array([end]))[0])


@pytest.fixture(scope="module")
def demo_plan() -> Floorplan:
    return Floorplan.from_scene(load_demo_scene())


def test_open_floor_is_walkable(small_plan: Floorplan) -> None:
    assert walkable(small_plan, (8, 10), (18, 6), (14, 3)) == [True, True, True]


def test_point_inside_an_obstacle_is_not_walkable(small_plan: Floorplan) -> None:
    assert walkable(small_plan, (1.4, 6), (12.1, 4), (16, 6)) == [False, False, False]


def test_point_within_the_avatar_radius_of_a_wall_is_not_walkable(small_plan: Floorplan) -> None:
    # dinding-tengah spans x 12..12.2 up to y 8.
    assert walkable(small_plan, (11.8, 4), (11.7, 4), (12.1, 8.2), (12.1, 8.3)) == [
        False,
        True,
        False,
        True,
    ]


def test_rounded_corner_of_an_inflated_obstacle_follows_the_radius(
    small_plan: Floorplan,
) -> None:
    corner = (12.2, 8.0)
    d = 0.24 / math.sqrt(2), 0.26 / math.sqrt(2)
    inside = (corner[0] + d[0], corner[1] + d[0])
    outside = (corner[0] + d[1], corner[1] + d[1])
    assert walkable(small_plan, inside, outside) == [False, True]


def test_floor_edge_keeps_avatars_a_radius_away(small_plan: Floorplan) -> None:
    assert walkable(small_plan, (19.8, 10), (19.7, 10), (8, 0.2), (8, 0.3)) == [
        False,
        True,
        False,
        True,
    ]


def test_points_off_the_floor_are_not_walkable(small_plan: Floorplan) -> None:
    assert walkable(small_plan, (-1, 5), (25, 5), (5, 12.5)) == [False, False, False]


def test_nan_and_infinite_points_are_not_walkable(small_plan: Floorplan) -> None:
    assert (
        walkable(small_plan, (math.nan, 5), (5, math.nan), (math.inf, 5), (5, -math.inf))
        == [False] * 4
    )


def test_an_empty_query_gives_an_empty_answer(small_plan: Floorplan) -> None:
    assert small_plan.is_walkable(np.zeros((0, 2))).shape == (0,)
    assert small_plan.step_blocked(np.zeros((0, 2)), np.zeros((0, 2))).shape == (0,)


def test_queries_must_have_shape_n_by_2(small_plan: Floorplan) -> None:
    with pytest.raises(ValueError, match="shape"):
        small_plan.is_walkable(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="differ"):
        small_plan.step_blocked(np.zeros((2, 2)), np.zeros((3, 2)))


def test_avatar_radius_must_be_positive(small_scene: Scene) -> None:
    with pytest.raises(ValueError, match="positive"):
        Floorplan.from_scene(small_scene, avatar_radius_m=0)


def test_seam_between_two_floor_polygons_is_walkable(demo_plan: Floorplan) -> None:
    # The terrace (y < 0) and the hall floor share the edge y = 0 in the doorway.
    assert walkable(demo_plan, (30, 0.0), (30, -0.1), (30, 0.1)) == [True, True, True]
    assert not blocked(demo_plan, (30, -0.3), (30, 0.3))


def test_step_in_open_floor_is_not_blocked(small_plan: Floorplan) -> None:
    assert not blocked(small_plan, (8, 10), (8.1, 10.05))


def test_step_through_a_thin_wall_is_blocked_though_both_ends_are_walkable(
    small_plan: Floorplan,
) -> None:
    start, end = (11.7, 4.0), (12.5, 4.0)
    assert walkable(small_plan, start, end) == [True, True]
    assert blocked(small_plan, start, end)


def test_long_step_through_a_wall_is_blocked(small_plan: Floorplan) -> None:
    assert blocked(small_plan, (8, 4), (18, 4))
    assert not blocked(small_plan, (8, 10), (18, 10))


def test_step_grazing_a_wall_corner_is_blocked(small_plan: Floorplan) -> None:
    # Both ends clear the wall's top corner, the middle of the step passes 0.1 m from it.
    assert walkable(small_plan, (11.5, 8.5), (12.7, 8.5)) == [True, True]
    assert blocked(small_plan, (11.5, 8.1 + 0.0), (12.7, 8.1))
    assert not blocked(small_plan, (11.5, 8.5), (12.7, 8.5))


def test_step_into_an_obstacle_is_blocked(small_plan: Floorplan) -> None:
    assert blocked(small_plan, (15, 6), (15.6, 6))


def test_step_from_or_to_nan_is_blocked(small_plan: Floorplan) -> None:
    assert blocked(small_plan, (math.nan, 5), (8, 10))
    assert blocked(small_plan, (8, 10), (8, math.nan))


def test_points_in_polygon_uses_the_even_odd_rule() -> None:
    square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]
    inside = points_in_polygon(np.array([[1, 1], [3, 1], [math.nan, 1]]), square)
    assert inside.tolist() == [True, False, False]


def test_nearest_walkable_moves_only_points_that_are_not_walkable(small_plan: Floorplan) -> None:
    points = np.array([[8.0, 10.0], [16.0, 6.0], [-3.0, 6.0]])
    moved = small_plan.nearest_walkable(points)
    assert moved[0].tolist() == [8.0, 10.0]
    assert small_plan.is_walkable(moved).all()
    assert np.hypot(*(moved[1] - points[1])) < 0.6  # 0.55 is exact
    assert np.hypot(*(moved[2] - [0.25, 6.0])) < 0.3


def test_nearest_walkable_rejects_nan(small_plan: Floorplan) -> None:
    with pytest.raises(ValueError, match="finite"):
        small_plan.nearest_walkable(np.array([[math.nan, 1.0]]))


def test_random_walkable_points_are_walkable_and_reproducible(small_plan: Floorplan) -> None:
    first = small_plan.random_walkable(np.random.default_rng(7), 200)
    again = small_plan.random_walkable(np.random.default_rng(7), 200)
    assert first.shape == (200, 2)
    assert small_plan.is_walkable(first).all()
    assert np.array_equal(first, again)
    assert small_plan.random_walkable(np.random.default_rng(7), 0).shape == (0, 2)


def test_random_walkable_points_can_be_kept_inside_a_zone(small_scene: Scene) -> None:
    plan = Floorplan.from_scene(small_scene)
    zone = small_scene.zone("kios").polygon
    points = plan.random_walkable(np.random.default_rng(3), 50, within=zone)
    assert plan.is_walkable(points).all()
    assert points_in_polygon(points, zone).all()


def test_random_walkable_in_an_area_without_floor_fails(small_plan: Floorplan) -> None:
    nowhere = [(30.0, 30.0), (31.0, 30.0), (31.0, 31.0)]
    with pytest.raises(ValueError, match="no walkable point"):
        small_plan.random_walkable(np.random.default_rng(0), 3, within=nowhere)


coordinate_x = st.floats(min_value=-1.0, max_value=21.0, allow_nan=False)
coordinate_y = st.floats(min_value=-1.0, max_value=13.0, allow_nan=False)
points = st.tuples(coordinate_x, coordinate_y)


@settings(max_examples=200, deadline=None)
@given(st.lists(points, min_size=1, max_size=30))
def test_is_walkable_agrees_with_the_plain_python_rules(
    small_scene: Scene, small_plan: Floorplan, sample: list[tuple[float, float]]
) -> None:
    got = small_plan.is_walkable(np.array(sample))
    for point, answer in zip(sample, got.tolist(), strict=True):
        clearance = point_clearance(small_scene, point)
        if abs(clearance - R) > TIE:
            assert answer == (clearance >= R), point


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(points, points), min_size=1, max_size=20))
def test_step_blocked_agrees_with_the_plain_python_rules(
    small_scene: Scene,
    small_plan: Floorplan,
    steps: list[tuple[tuple[float, float], tuple[float, float]]],
) -> None:
    starts = np.array([s for s, _ in steps])
    ends = np.array([e for _, e in steps])
    got = small_plan.step_blocked(starts, ends)
    for (start, end), answer in zip(steps, got.tolist(), strict=True):
        if not small_scene.bounds.contains(start):
            assert answer
            continue
        clearance = step_clearance(small_scene, start, end)
        if abs(clearance - R) > TIE and point_clearance(small_scene, end) - R > TIE:
            assert answer == (clearance < R), (start, end)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    stride_m=st.sampled_from([0.05, 0.15, 0.4, 0.7, 1.5, 4.0]),
)
def test_random_walk_of_unblocked_steps_never_leaves_the_floor_or_enters_an_obstacle(
    small_scene: Scene, small_plan: Floorplan, seed: int, stride_m: float
) -> None:
    rng = np.random.default_rng(seed)
    here = small_plan.random_walkable(rng, 16)
    for _ in range(25):
        angle = rng.uniform(0, 2 * math.pi, len(here))
        length = rng.uniform(0, stride_m, len(here))
        there = here + length[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        ok = ~small_plan.step_blocked(here, there)
        for start, end in zip(here[ok].tolist(), there[ok].tolist(), strict=True):
            # The swept disc keeps clear of every wall, obstacle and floor edge.
            assert step_clearance(small_scene, tuple(start), tuple(end)) >= R - TIE
        here = np.where(ok[:, None], there, here)
        assert small_plan.is_walkable(here).all()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_random_walk_in_the_demo_hall_stays_on_the_floor_and_out_of_obstacles(
    demo_plan: Floorplan, seed: int
) -> None:
    scene = load_demo_scene()
    boxes = [
        (min(x for x, _ in o.polygon), min(y for _, y in o.polygon),
         max(x for x, _ in o.polygon), max(y for _, y in o.polygon), o)
        for o in scene.obstacles
    ]  # fmt: skip
    rng = np.random.default_rng(seed)
    here = demo_plan.random_walkable(rng, 100)
    for _ in range(20):
        there = here + rng.normal(0, 0.3, here.shape)
        ok = ~demo_plan.step_blocked(here, there)
        for start, end in zip(here[ok].tolist(), there[ok].tolist(), strict=True):
            for t in (0.0, 0.5, 1.0):
                p = (start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1]))
                assert any(geometry.contains(f.polygon, p) for f in scene.floors)
            x0, x1 = min(start[0], end[0]) - 1, max(start[0], end[0]) + 1
            y0, y1 = min(start[1], end[1]) - 1, max(start[1], end[1]) + 1
            for bx0, by0, bx1, by1, obstacle in boxes:
                if bx0 > x1 or bx1 < x0 or by0 > y1 or by1 < y0:
                    continue  # more than a metre away
                for a, b in geometry.edges(obstacle.polygon):
                    assert geometry.segment_distance(start, end, a, b) >= R - TIE
        here = np.where(ok[:, None], there, here)
