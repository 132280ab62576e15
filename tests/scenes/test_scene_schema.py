"""Schema validation: every error of a malformed scene, each with its JSON path."""

from __future__ import annotations

import math

import jsonschema

from scenes.loader import Problem, check_scene, scene_schema
from tests.scenes.support import Json


def paths(problems: list[Problem]) -> list[str]:
    return [problem.path for problem in problems]


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = scene_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_a_scene_that_is_not_an_object_is_reported_at_the_root() -> None:
    assert paths(check_scene([1, 2])) == ["$"]


def test_missing_field_is_reported_at_its_parent(small: Json) -> None:
    del small["counters"][1]["lane"]
    [problem] = check_scene(small)
    assert problem.path == "$.counters[1]"
    assert "'lane' is a required property" in problem.message


def test_unknown_field_is_reported(small: Json) -> None:
    small["obstacles"][0]["colour"] = "red"
    [problem] = check_scene(small)
    assert problem.path == "$.obstacles[0]"
    assert "colour" in problem.message


def test_other_format_version_is_rejected(small: Json) -> None:
    small["format"] = "hall-scene/2"
    assert paths(check_scene(small)) == ["$.format"]


def test_every_schema_error_is_reported_not_just_the_first(small: Json) -> None:
    small["obstacles"][1]["kind"] = "door"
    small["counters"][0]["lane"][1] = [4.4]
    small["seats"][0]["yaw"] = 360
    small["zones"][2]["kind"] = "toilet"
    small["id"] = "Ruang Uji"
    assert paths(check_scene(small)) == [
        "$.counters[0].lane[1]",
        "$.id",
        "$.obstacles[1].kind",
        "$.seats[0].yaw",
        "$.zones[2].kind",
    ]


def test_polygon_needs_three_vertices(small: Json) -> None:
    small["floors"][0]["polygon"] = [[0, 0], [20, 0]]
    assert paths(check_scene(small)) == ["$.floors[0].polygon"]


def test_service_codes_are_upper_case_and_unique(small: Json) -> None:
    small["counters"][0]["services"] = ["ktp-el"]
    small["counters"][1]["services"] = ["KK", "KK"]
    assert paths(check_scene(small)) == ["$.counters[0].services[0]", "$.counters[1].services"]


def test_nan_coordinate_is_reported_before_the_schema(small: Json) -> None:
    small["spawns"][0]["position"] = [math.nan, 2.0]
    [problem] = check_scene(small)
    assert problem.path == "$.spawns[0].position[0]"
    assert "not finite" in problem.message


def test_semantic_checks_wait_for_a_valid_schema(small: Json) -> None:
    small["counters"][0]["position"] = [50, 50]  # semantic problem
    small["counters"][1]["zone"] = 7  # schema problem
    assert paths(check_scene(small)) == ["$.counters[1].zone"]
