"""Loading scenes: the model, SceneError, and every semantic check with its path."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from hall_server.errors import HallError, SceneError
from scenes.loader import Problem, check_scene, load_scene, parse_scene
from scenes.model import Counter, ObstacleKind, ZoneKind, heading
from tests.scenes.support import Json, rect, text

DATA = Path(__file__).parent / "data"


def paths(problems: list[Problem]) -> list[str]:
    return [problem.path for problem in problems]


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def test_small_scene_has_no_problems(small: Json) -> None:
    assert check_scene(small) == []


def test_parse_scene_returns_a_frozen_model_of_tuples(small: Json) -> None:
    scene = parse_scene(small)
    counter = scene.counter("A2")
    assert counter == Counter(
        id="A2",
        name=counter.name,
        position=(2.4, 7.5),
        facing_deg=270.0,
        services=("KK", "AKTA-LAHIR"),
        lane=((3.6, 7.5), (4.4, 7.5), (5.2, 7.5), (6.0, 7.5), (6.8, 7.5)),
        zone="loket",
    )
    assert scene.obstacles[1].kind is ObstacleKind.WALL
    assert scene.zone("tunggu").kind is ZoneKind.WAITING
    assert [c.id for c in scene.counters_for("KK")] == ["A2"]
    assert scene.assets[0].scale == 1.0 and scene.assets[0].elevation_m == 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        counter.zone = "elsewhere"  # type: ignore[misc]
    with pytest.raises(KeyError):
        scene.counter("Z9")


def test_yaw_zero_faces_north_and_ninety_faces_west() -> None:
    assert heading(0) == pytest.approx((0, 1))
    assert heading(90) == pytest.approx((-1, 0))
    assert heading(270) == pytest.approx((1, 0))


def test_parse_scene_raises_scene_error_carrying_every_problem(small: Json) -> None:
    small["spawns"][0]["position"] = [16, 6]
    small["seats"][0]["position"] = [12.1, 2]
    with pytest.raises(SceneError) as caught:
        parse_scene(small, source="ruang-uji.json")
    error = caught.value
    assert isinstance(error, HallError)
    assert error.code == "scene_invalid"
    assert paths(error.problems) == ["$.spawns[0].position", "$.seats[0].position"]  # type: ignore[arg-type]
    assert "ruang-uji.json has 2 problem(s)" in str(error)


def test_load_scene_reads_a_file(tmp_path: Path, small: Json) -> None:
    path = tmp_path / "ruang.json"
    path.write_text(json.dumps(small), encoding="utf-8")
    assert load_scene(path).id == "ruang-uji"
    assert load_scene(str(path)).id == "ruang-uji"


def test_load_scene_reports_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "rusak.json"
    path.write_text('{"format": ', encoding="utf-8")
    with pytest.raises(SceneError) as caught:
        load_scene(path)
    assert paths(caught.value.problems) == ["$"]  # type: ignore[arg-type]


def test_load_scene_rejects_nan_literals(tmp_path: Path, small: Json) -> None:
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(small).replace("[18, 2]", "[NaN, 2]"), encoding="utf-8")
    with pytest.raises(SceneError, match="NaN"):
        load_scene(path)


def test_problem_reads_as_path_then_message() -> None:
    assert (
        str(Problem("$.seats[0].position", "not walkable")) == "$.seats[0].position: not walkable"
    )


def test_broken_scene_reports_every_deliberate_problem_with_its_path() -> None:
    with pytest.raises(SceneError) as caught:
        load_scene(DATA / "broken.json")
    found = [(p.path, p.message) for p in caught.value.problems]  # type: ignore[attr-defined]

    def reported(path: str, words: str) -> bool:
        return any(at == path and words in message for at, message in found)

    assert reported("$.zones[1].id", "duplicate id 'tunggu', first used at $.seats[1].id")
    assert reported("$.counters[1].position", "'A2' is 0.60 m from counter 'A1'")
    assert reported("$.counters[2].position", "'A3' at (2.4, 13) is not walkable")
    assert reported("$.counters[0].lane[3]", "crosses wall 'sekat-kaca'")
    # A3's other consequences of standing outside the hall are reported too.
    assert {path for path, _ in found} == {
        "$.zones[1].id",
        "$.counters[1].position",
        "$.counters[2].position",
        "$.counters[0].lane[3]",
        "$.counters[2].lane[0]",
    }


# -- ids and polygons ------------------------------------------------------------


def test_duplicate_ids_across_lists_are_reported_at_the_second_use(small: Json) -> None:
    small["assets"][0]["id"] = "A1"
    problem = only(check_scene(small))
    assert problem.path == "$.assets[0].id"
    assert "first used at $.counters[0].id" in problem.message


def test_repeated_vertex_is_reported_at_the_repeat(small: Json) -> None:
    small["obstacles"][2]["polygon"].append([15.7, 5.7])
    assert paths(check_scene(small)) == ["$.obstacles[2].polygon[0]"]


def test_degenerate_polygon_is_reported(small: Json) -> None:
    small["obstacles"][2]["polygon"] = [[15, 6], [16, 6], [17, 6]]
    problem = only(check_scene(small))
    assert problem.path == "$.obstacles[2].polygon"
    assert "degenerate" in problem.message


def test_polygon_with_almost_no_area_is_reported(small: Json) -> None:
    small["obstacles"][2]["polygon"] = [[15, 6], [17, 6], [17, 6.00001], [15, 6.00001]]
    problem = only(check_scene(small))
    assert "almost zero" in problem.message


def test_self_intersecting_polygon_is_reported(small: Json) -> None:
    small["zones"][2]["polygon"] = [[16, 0], [20, 4], [20, 0], [16, 4]]
    problem = only(check_scene(small))
    assert problem.path == "$.zones[2].polygon"
    assert "intersects itself" in problem.message


def test_floor_vertex_outside_the_bounds_is_reported(small: Json) -> None:
    small["floors"][0]["polygon"][1] = [21, 0]
    assert "$.floors[0].polygon[1]" in paths(check_scene(small))


def test_obstacle_vertex_outside_the_bounds_is_reported(small: Json) -> None:
    small["obstacles"].append(
        {"id": "pot", "kind": "planter", "polygon": rect(19.5, 11.5, 20.5, 12.5)}
    )
    assert paths(check_scene(small)) == [
        "$.obstacles[3].polygon[1]",
        "$.obstacles[3].polygon[2]",
        "$.obstacles[3].polygon[3]",
    ]


def test_inverted_bounds_are_reported(small: Json) -> None:
    small["bounds"] = {"min": [20, 0], "max": [0, 12]}
    assert "$.bounds" in paths(check_scene(small))


# -- counters --------------------------------------------------------------------


def test_counter_outside_the_floor_is_reported(small: Json) -> None:
    # A notch in the floor's west edge around A1's service point.
    small["floors"][0]["polygon"] = [
        [0, 0], [20, 0], [20, 12], [0, 12], [0, 5], [2.8, 5], [2.8, 4], [0, 4],
    ]  # fmt: skip
    problem = only(check_scene(small))
    assert problem.path == "$.counters[0].position"
    assert "not on the floor" in problem.message


def test_counter_inside_its_desk_is_reported(small: Json) -> None:
    small["counters"][0]["position"] = [1.75, 4.5]
    problem = only(check_scene(small))
    assert problem.path == "$.counters[0].position"
    assert "inside desk 'meja-a'" in problem.message


def test_counters_closer_than_a_metre_are_reported(small: Json) -> None:
    small["counters"][1]["position"] = [2.4, 5.3]
    small["counters"][1]["lane"] = [[3.4, 6.1], [4.0, 6.7], [4.6, 7.3], [5.2, 7.9]]
    problem = only(check_scene(small))
    assert problem.path == "$.counters[1].position"
    assert "0.80 m from counter 'A1'" in problem.message


def test_counter_without_a_desk_in_reach_is_reported(small: Json) -> None:
    small["obstacles"][0]["kind"] = "wall"
    assert paths(check_scene(small)) == ["$.counters[0].position", "$.counters[1].position"]


def test_counter_facing_its_desk_is_reported(small: Json) -> None:
    small["counters"][0]["facing"] = 90
    problem = only(check_scene(small))
    assert problem.path == "$.counters[0].facing"


def test_counter_zone_must_exist(small: Json) -> None:
    small["counters"][1]["zone"] = "sayap-timur"
    problem = only(check_scene(small))
    assert problem.path == "$.counters[1].zone"


def test_counter_outside_its_zone_is_reported(small: Json) -> None:
    small["counters"][1]["zone"] = "tunggu"
    problem = only(check_scene(small))
    assert problem.path == "$.counters[1].position"
    assert "outside its zone 'tunggu'" in problem.message


# -- lanes -----------------------------------------------------------------------


def test_lane_point_inside_an_obstacle_is_reported(small: Json) -> None:
    small["counters"][0]["lane"][2] = [1.4, 6.0]
    assert "$.counters[0].lane[2]" in paths(check_scene(small))


def test_lane_crossing_a_wall_is_reported_with_its_path(small: Json) -> None:
    small["obstacles"].append({"id": "sekat", "kind": "wall", "polygon": rect(4.75, 3, 4.85, 6)})
    problem = only(check_scene(small))
    assert problem.path == "$.counters[0].lane[2]"
    assert "from lane point 1 to this point crosses wall 'sekat'" in problem.message


def test_lane_leaving_the_floor_is_reported(small: Json) -> None:
    # A notch in the floor's south edge reaches up between two lane points.
    small["floors"][0]["polygon"] = [
        [0, 0], [4.7, 0], [4.7, 4.7], [4.9, 4.7], [4.9, 0], [20, 0], [20, 12], [0, 12],
    ]  # fmt: skip
    problem = only(check_scene(small))
    assert problem.path == "$.counters[0].lane[2]"
    assert "leaves the floor" in problem.message


def test_lane_points_closer_than_two_avatar_radii_are_reported(small: Json) -> None:
    small["counters"][0]["lane"].insert(1, [3.9, 4.5])
    problem = only(check_scene(small))
    assert problem.path == "$.counters[0].lane[1]"


def test_lane_starting_far_from_its_counter_is_reported(small: Json) -> None:
    small["counters"][0]["lane"] = [[5.2, 4.5], [6.0, 4.5]]
    problem = only(check_scene(small))
    assert problem.path == "$.counters[0].lane[0]"


def test_lanes_running_into_each_other_are_reported(small: Json) -> None:
    small["counters"][1]["lane"] = [[3.6, 7.5], [4.4, 6.7], [5.2, 5.9], [5.4, 4.7]]
    problem = only(check_scene(small))
    assert problem.path == "$.counters[1].lane[3]"
    assert "runs into counter 'A1'" in problem.message


# -- poses, zones, portals, assets -----------------------------------------------


def test_spawn_that_is_not_walkable_is_reported(small: Json) -> None:
    small["spawns"][0]["position"] = [19.9, 2]
    problem = only(check_scene(small))
    assert problem.path == "$.spawns[0].position"
    assert "floor's edge" in problem.message


def test_seat_inside_an_obstacle_is_reported(small: Json) -> None:
    small["seats"][1]["position"] = [16, 6]
    problem = only(check_scene(small))
    assert problem.path == "$.seats[1].position"
    assert "inside pillar 'pilar'" in problem.message


@pytest.mark.parametrize("kind", ["waiting", "ticket_kiosk"])
def test_scene_with_counters_needs_waiting_and_ticket_kiosk_zones(small: Json, kind: str) -> None:
    small["zones"] = [z for z in small["zones"] if z["kind"] != kind]
    problem = only(check_scene(small))
    assert problem.path == "$.zones"
    assert kind in problem.message


def test_portal_to_a_missing_spawn_of_this_scene_is_reported(small: Json) -> None:
    small["portals"][0]["target_scene"] = "ruang-uji"
    problem = only(check_scene(small))
    assert problem.path == "$.portals[0].target_spawn"


def test_portal_to_a_spawn_inside_itself_is_reported(small: Json) -> None:
    small["portals"][0].update(target_scene="ruang-uji", target_spawn="masuk")
    small["portals"][0]["polygon"] = rect(17, 1, 19, 3)
    problem = only(check_scene(small))
    assert "inside portal 'keluar' itself" in problem.message


def test_portal_to_another_scene_is_checked_when_that_scene_loads(small: Json) -> None:
    small["portals"][0]["target_spawn"] = "tidak-ada"
    assert check_scene(small) == []


def test_portal_that_cannot_be_entered_is_reported(small: Json) -> None:
    small["portals"][0]["polygon"] = rect(15.5, 5.5, 16.5, 6.5)
    problem = only(check_scene(small))
    assert problem.path == "$.portals[0].polygon"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("assets/mpp/hall.glb", True),
        ("hall.gltf", True),
        ("https://cdn.example.id/mpp/hall.glb?v=3", True),
        ("assets/mpp/hall.obj", False),
        ("/etc/hall.glb", False),
        ("assets/../../secret.glb", False),
        ("ftp://cdn.example.id/hall.glb", False),
        ("C:\\hall.glb", False),
    ],
)
def test_asset_url_must_be_a_gltf_url_or_a_safe_relative_path(
    small: Json, url: str, ok: bool
) -> None:
    small["assets"][0]["url"] = url
    assert paths(check_scene(small)) == ([] if ok else ["$.assets[0].url"])


def test_a_scene_without_counters_needs_no_waiting_zone(small: Json) -> None:
    small["counters"] = []
    small["zones"] = [z for z in small["zones"] if z["kind"] == "wing"]
    small["obstacles"].append({"id": "loket-tutup", "kind": "desk", "polygon": rect(8, 8, 9, 9)})
    small["seats"].append({"id": "kursi-3", "position": [8.5, 9.6], "yaw": 0})
    small["name"] = text("Ruang kosong")
    assert check_scene(small) == []


def test_example_in_the_format_document_is_a_valid_scene() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "scene-format.md").read_text(encoding="utf-8")
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    assert check_scene(json.loads(example)) == []
