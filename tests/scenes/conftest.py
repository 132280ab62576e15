"""Fixtures of the scene tests: the small room of tests/scenes/support.py, parsed and planned."""

from __future__ import annotations

import pytest

from scenes.loader import parse_scene
from scenes.model import Scene
from scenes.spatial import Floorplan
from tests.scenes.support import Json, small_scene_data


@pytest.fixture
def small() -> Json:
    return small_scene_data()


@pytest.fixture(scope="session")
def small_scene() -> Scene:
    return parse_scene(small_scene_data())


@pytest.fixture(scope="session")
def small_plan(small_scene: Scene) -> Floorplan:
    return Floorplan.from_scene(small_scene)
