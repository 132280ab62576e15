"""The bundled Mal Pelayanan Publik Kota Kendari scene."""

from __future__ import annotations

import json
import math

import pytest

from scenes.bundled import demo_scene_path, load_demo_scene
from scenes.loader import check_scene
from scenes.model import ObstacleKind, Scene, ZoneKind
from scenes.spatial import Floorplan

DUKCAPIL = {"KTP-EL", "KK", "AKTA-LAHIR", "AKTA-MATI", "PINDAH-DATANG"}
DPMPTSP = {"NIB", "PBG", "REKLAME"}


@pytest.fixture(scope="module")
def demo() -> Scene:
    return load_demo_scene()


@pytest.fixture(scope="module")
def plan(demo: Scene) -> Floorplan:
    return Floorplan.from_scene(demo)


def test_demo_scene_has_no_problems() -> None:
    data = json.loads(demo_scene_path().read_bytes())
    assert check_scene(data) == []


def test_demo_scene_is_a_hall_of_about_sixty_by_forty_metres(demo: Scene) -> None:
    assert demo.id == "mpp-kendari"
    assert demo_scene_path().name == "mpp-kendari.json"
    assert demo.bounds.width_m == 60
    assert 40 <= demo.bounds.depth_m <= 46


def test_demo_scene_has_the_dukcapil_and_dpmptsp_wings(demo: Scene) -> None:
    dukcapil = [c for c in demo.counters if c.id.startswith("D")]
    dpmptsp = [c for c in demo.counters if c.id.startswith("P")]
    assert [c.id for c in dukcapil] == ["D1", "D2", "D3", "D4", "D5"]
    assert [c.id for c in dpmptsp] == ["P1", "P2", "P3", "P4"]
    assert {s for c in dukcapil for s in c.services} == DUKCAPIL
    assert {s for c in dpmptsp for s in c.services} == DPMPTSP
    for counter in demo.counters:
        assert demo.zone(counter.zone).kind is ZoneKind.WING


def test_demo_scene_has_lobby_info_desk_kiosk_waiting_seats_and_booths(demo: Scene) -> None:
    kinds = {zone.kind for zone in demo.zones}
    assert {ZoneKind.LOBBY, ZoneKind.INFO_DESK, ZoneKind.TICKET_KIOSK, ZoneKind.WAITING} <= kinds
    assert len(demo.seats) >= 40
    assert len(demo.zones_of_kind(ZoneKind.EXHIBITOR_BOOTH)) >= 3
    obstacle_kinds = [o.kind for o in demo.obstacles]
    assert obstacle_kinds.count(ObstacleKind.BOOTH) >= 3
    assert obstacle_kinds.count(ObstacleKind.PILLAR) >= 3
    assert ObstacleKind.KIOSK in obstacle_kinds
    assert demo.portals and demo.spawns
    assert any(a.url == "assets/mpp-kendari/hall.glb" for a in demo.assets)


def test_demo_lanes_are_five_to_eight_metres_with_points_about_80_cm_apart(demo: Scene) -> None:
    for counter in demo.counters:
        steps = [math.dist(a, b) for a, b in zip(counter.lane, counter.lane[1:], strict=False)]
        assert 5.0 <= sum(steps) <= 8.0, counter.id
        assert all(0.7 <= step <= 0.9 for step in steps), counter.id


def test_every_counter_lane_and_seat_is_reachable_from_the_entrance(
    demo: Scene, plan: Floorplan
) -> None:
    entrance = demo.spawn("pintu-masuk").position
    goals = [c.lane[-1] for c in demo.counters] + [c.position for c in demo.counters]
    goals += [seat.position for seat in demo.seats[::5]]
    for goal in goals:
        assert plan.route(entrance, goal) is not None, goal
