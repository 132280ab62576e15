import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avatars.movement import MoveRules, accept_steps, check_proposal
from hall_server.errors import InvalidInput
from scenes.model import Bounds
from scenes.spatial import Floorplan
from tests.helpers import open_room

ROOM = open_room()
FLOOR = Floorplan.from_scene(ROOM)
BOUNDS = Bounds(0, 0, 60, 60)
RULES = MoveRules(max_speed_m_s=3.0)


def _accept(start, end, dt=0.1):
    return bool(
        accept_steps(
            FLOOR, RULES, np.array([start], float), np.array([end], float), np.array([dt])
        )[0]
    )


def test_a_short_step_on_open_floor_is_accepted():
    assert _accept((10, 10), (10.2, 10.1))


def test_a_step_faster_than_the_speed_limit_is_rejected():
    assert not _accept((10, 10), (12, 10), dt=0.1)


def test_a_step_through_the_wall_is_rejected():
    assert not _accept((29.6, 20), (30.4, 20), dt=1.0)


def test_a_step_into_the_wall_is_rejected():
    assert not _accept((29.4, 20), (29.95, 20), dt=1.0)


def test_turning_on_the_spot_is_always_accepted():
    assert _accept((10, 10), (10, 10), dt=0.0)


def test_idle_time_does_not_allow_teleporting():
    assert not _accept((10, 10), (20, 10), dt=30.0)


@pytest.mark.parametrize(
    ("x", "y", "yaw", "code"),
    [
        (math.nan, 1, 0, "bad_value"),
        (math.inf, 1, 0, "bad_value"),
        ("1", 1, 0, "bad_type"),
        (True, 1, 0, "bad_type"),
        (None, 1, 0, "bad_type"),
        (-1, 1, 0, "out_of_range"),
        (1, 61, 0, "out_of_range"),
        (1, 1, 1e9, "out_of_range"),
    ],
)
def test_bad_values_are_errors_naming_the_problem(x, y, yaw, code):
    with pytest.raises(InvalidInput) as err:
        check_proposal(x, y, yaw, BOUNDS)
    assert err.value.code == code


step = st.tuples(st.floats(-2, 2), st.floats(-2, 2), st.floats(0.0, 0.6))


@settings(max_examples=60, deadline=None)
@given(st.lists(step, min_size=1, max_size=80), st.floats(1, 59), st.floats(1, 59))
def test_an_avatar_never_ends_off_the_floor_or_in_an_obstacle(steps, x0, y0):
    pos = FLOOR.nearest_walkable(np.array([[x0, y0]]))
    for dx, dy, dt in steps:
        proposal = pos + np.array([[dx, dy]])
        ok = accept_steps(FLOOR, RULES, pos, proposal, np.array([dt]))
        if ok[0]:
            pos = proposal
        assert FLOOR.is_walkable(pos)[0]
