"""The glb writer and reader, and the placeholder models bundled with the demo scene."""

from __future__ import annotations

import json
import math
import re
import struct
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from avatars.model import DEFAULT_MODEL_URL
from scenes import gltf
from scenes.bundled import load_demo_scene
from scenes.gltf import Box, GlbError, Material, Model, read_accessor, read_glb, write_glb
from scenes.model import Asset, Scene

ASSETS = Path(str(resources.files("scenes") / "assets"))
RED = Material("red", (1.0, 0.0, 0.0, 1.0))
GLASS = Material("glass", (0.5, 0.7, 0.9, 0.4))
TWO_MATERIALS = Model(
    "test",
    (
        Box((0.0, 0.5, 0.0), (1.0, 1.0, 1.0), RED),
        Box((2.0, 0.25, -1.0), (0.5, 0.5, 2.0), GLASS),
        Box((-1.0, 1.0, 0.0), (0.2, 2.0, 0.2), RED),
    ),
)


@pytest.fixture(scope="module")
def demo() -> Scene:
    return load_demo_scene()


def bundled(url: str) -> Path:
    assert url.startswith("assets/"), url
    return ASSETS / url.removeprefix("assets/")


def glb(document: dict[str, Any], binary: bytes) -> bytes:
    """A glb container around any document, for building broken files."""
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    return (
        struct.pack("<4sII", b"glTF", 2, total)
        + struct.pack("<II", len(text), 0x4E4F534A)
        + text
        + struct.pack("<II", len(binary), 0x004E4942)
        + binary
    )


def chunks(data: bytes) -> tuple[dict[str, Any], bytes]:
    json_length = struct.unpack_from("<I", data, 12)[0]
    bin_length = struct.unpack_from("<I", data, 20 + json_length)[0]
    return json.loads(data[20 : 20 + json_length]), data[28 + json_length :][:bin_length]


# -- the bundled models --------------------------------------------------------


def test_demo_scene_refers_only_to_models_bundled_with_the_server(demo: Scene) -> None:
    # A hall may run without internet: no asset may come from elsewhere.
    assert demo.assets
    assert all(not asset.url.startswith(("http://", "https://")) for asset in demo.assets)


@pytest.mark.parametrize(
    "url", sorted({a.url for a in load_demo_scene().assets if not a.url.startswith("http")})
)
def test_every_relative_asset_url_of_the_demo_scene_is_a_valid_bundled_glb(url: str) -> None:
    document = read_glb(bundled(url).read_bytes())
    assert document["meshes"][0]["primitives"]


def test_default_avatar_model_is_bundled() -> None:
    document = read_glb(bundled(DEFAULT_MODEL_URL).read_bytes())
    names = {material["name"] for material in document["materials"]}
    assert names == {"skin", "hair", "top", "bottom", "accent"}


def test_default_avatar_is_about_1_65_m_tall_stands_on_its_origin_and_faces_minus_z() -> None:
    data = bundled(DEFAULT_MODEL_URL).read_bytes()
    document = read_glb(data)
    lows = np.array([a["min"] for a in document["accessors"] if "min" in a]).min(axis=0)
    highs = np.array([a["max"] for a in document["accessors"] if "max" in a]).max(axis=0)
    assert lows[1] == 0.0 and 1.6 <= highs[1] <= 1.7
    assert abs(lows[0] + highs[0]) < 1e-6  # centred left to right
    assert -lows[2] > highs[2]  # toes and nose stick out towards -Z


def test_bundled_models_are_what_the_generator_writes_now(demo: Scene) -> None:
    for relative, model in gltf.placeholder_models(demo).items():
        data = (ASSETS / relative).read_bytes()
        if read_glb(data)["asset"].get("generator") != gltf.GENERATOR:
            continue  # a real model has replaced the placeholder
        assert data == write_glb(model), f"{relative} is stale: run python -m scenes.gltf"


def test_placeholder_models_are_small() -> None:
    for path in ASSETS.rglob("*.glb"):
        if read_glb(path.read_bytes())["asset"].get("generator") == gltf.GENERATOR:
            assert path.stat().st_size < 20_000, path


def footprint(asset: Asset, document: dict[str, Any]) -> tuple[float, float, float, float]:
    """The plan box (x0, y0, x1, y1) a placed model covers (docs/scene-format.md mapping)."""
    lows = np.array([a["min"] for a in document["accessors"] if "min" in a]).min(axis=0)
    highs = np.array([a["max"] for a in document["accessors"] if "max" in a]).max(axis=0)
    yaw = math.radians(asset.yaw_deg)
    xs, ys = [], []
    for x in (lows[0], highs[0]):
        for z in (lows[2], highs[2]):
            world_x = x * math.cos(yaw) + z * math.sin(yaw)
            world_z = -x * math.sin(yaw) + z * math.cos(yaw)
            xs.append(asset.position[0] + asset.scale * world_x)
            ys.append(asset.position[1] - asset.scale * world_z)
    return min(xs), min(ys), max(xs), max(ys)


def test_placed_models_stand_inside_the_bounds_over_the_obstacles_they_draw(demo: Scene) -> None:
    near = 0.06
    for asset in demo.assets:
        x0, y0, x1, y1 = footprint(asset, read_glb(bundled(asset.url).read_bytes()))
        b = demo.bounds
        assert b.min_x - near <= x0 and x1 <= b.max_x + near, asset.id
        assert b.min_y - near <= y0 and y1 <= b.max_y + near, asset.id
        if asset.id == "gedung":
            continue
        covered = 0
        for obstacle in demo.obstacles:
            ox = [x for x, _ in obstacle.polygon]
            oy = [y for _, y in obstacle.polygon]
            if x0 < (min(ox) + max(ox)) / 2 < x1 and y0 < (min(oy) + max(oy)) / 2 < y1:
                covered += 1
                assert x0 - near <= min(ox) and max(ox) <= x1 + near, (asset.id, obstacle.id)
                assert y0 - near <= min(oy) and max(oy) <= y1 + near, (asset.id, obstacle.id)
        assert covered, f"{asset.id} draws no obstacle"


def test_counter_rows_face_the_way_their_officers_look(demo: Scene) -> None:
    for asset in demo.assets:
        if "counter-row" not in asset.url:
            continue
        x0, y0, x1, y1 = footprint(asset, read_glb(bundled(asset.url).read_bytes()))
        # the service points stand within a metre of the desks the row draws
        served = [
            c
            for c in demo.counters
            if x0 - 1 <= c.position[0] <= x1 + 1 and y0 <= c.position[1] <= y1
        ]
        assert served, asset.id
        assert all(counter.facing_deg == asset.yaw_deg for counter in served), asset.id


# -- the writer ----------------------------------------------------------------


def test_writer_round_trips_boxes_by_material() -> None:
    data = write_glb(TWO_MATERIALS)
    document = read_glb(data)
    assert document["asset"] == {"version": "2.0", "generator": gltf.GENERATOR}
    assert [m["name"] for m in document["materials"]] == ["red", "glass"]
    assert document["materials"][0]["pbrMetallicRoughness"]["baseColorFactor"] == [1, 0, 0, 1]
    assert "alphaMode" not in document["materials"][0]
    assert document["materials"][1]["alphaMode"] == "BLEND"
    red, glass = document["meshes"][0]["primitives"]
    for primitive, boxes in ((red, 2), (glass, 1)):
        positions = read_accessor(data, primitive["attributes"]["POSITION"])
        normals = read_accessor(data, primitive["attributes"]["NORMAL"])
        indices = read_accessor(data, primitive["indices"])
        assert positions.shape == normals.shape == (boxes * gltf.VERTICES_PER_BOX, 3)
        assert indices.shape == (boxes * gltf.INDICES_PER_BOX, 1)
        assert document["accessors"][primitive["indices"]]["componentType"] == 5123
        assert int(indices.max()) == len(positions) - 1
        np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1.0)
    positions = read_accessor(data, red["attributes"]["POSITION"])
    accessor = document["accessors"][red["attributes"]["POSITION"]]
    assert accessor["min"] == pytest.approx([-1.1, 0.0, -0.5])
    assert accessor["max"] == pytest.approx([0.5, 2.0, 0.5])
    # min and max are exactly the stored float32 values, as glTF requires
    assert accessor["min"] == positions.min(axis=0).tolist()
    assert accessor["max"] == positions.max(axis=0).tolist()


def test_triangles_wind_counter_clockwise_seen_from_outside() -> None:
    data = write_glb(TWO_MATERIALS)
    for primitive in read_glb(data)["meshes"][0]["primitives"]:
        p = read_accessor(data, primitive["attributes"]["POSITION"])
        n = read_accessor(data, primitive["attributes"]["NORMAL"])
        tri = read_accessor(data, primitive["indices"]).reshape(-1, 3)
        face = np.cross(p[tri[:, 1]] - p[tri[:, 0]], p[tri[:, 2]] - p[tri[:, 0]])
        assert (np.einsum("ij,ij->i", face, n[tri[:, 0]]) > 0).all()


def test_chunks_are_aligned_and_padded_with_spaces_and_zeros() -> None:
    data = write_glb(Model("one", (Box((0, 0, 0), (1, 1, 1), Material("abc", (1, 1, 1, 1))),)))
    assert data[:4] == b"glTF" and struct.unpack_from("<I", data, 8)[0] == len(data)
    json_length = struct.unpack_from("<I", data, 12)[0]
    assert len(data) % 4 == 0 and json_length % 4 == 0
    text = data[20 : 20 + json_length]
    assert text.rstrip(b" ").endswith(b"}")
    document, binary = chunks(data)
    assert len(binary) % 4 == 0 and binary[document["buffers"][0]["byteLength"] :] == b"\0" * (
        len(binary) - document["buffers"][0]["byteLength"]
    )


def test_a_model_without_boxes_or_a_flat_box_is_refused() -> None:
    with pytest.raises(ValueError, match="no boxes"):
        write_glb(Model("empty", ()))
    with pytest.raises(ValueError, match="size"):
        Box((0, 0, 0), (1, 0, 1), RED)


# -- the reader rejects broken files -------------------------------------------


def broken_files() -> dict[str, tuple[bytes, str]]:
    good = write_glb(TWO_MATERIALS)
    document, binary = chunks(good)

    def edited(path: tuple[Any, ...], value: Any) -> bytes:
        copy = json.loads(json.dumps(document))
        target = copy
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return glb(copy, binary)

    bad_chunk = bytearray(good)
    struct.pack_into("<I", bad_chunk, 12, struct.unpack_from("<I", good, 12)[0] + 2)
    return {
        "empty": (b"", "truncated"),
        "header only": (good[:12], "header says"),
        "truncated": (good[:-4], "header says"),
        "not glb": (b"PK\x03\x04" + good[4:], "magic"),
        "glTF 1": (good[:4] + struct.pack("<I", 1) + good[8:], "version"),
        "unaligned chunk": (bytes(bad_chunk), "multiple of 4"),
        "json garbage": (glb({}, b"")[:20] + b"{no " + glb({}, b"")[24:], "JSON"),
        "no asset": (edited(("asset",), {}), "asset.version"),
        "external buffer": (edited(("buffers", 0, "uri"), "model.bin"), "external"),
        "buffer too long": (edited(("buffers", 0, "byteLength"), len(binary) + 64), "byteLength"),
        "view past buffer": (edited(("bufferViews", 0, "byteLength"), 10**6), "bufferViews[0]"),
        "accessor past view": (edited(("accessors", 0, "count"), 10**4), "accessors[0]"),
        "unaligned accessor": (edited(("accessors", 0, "byteOffset"), 2), "aligned"),
        "missing accessor": (
            edited(("meshes", 0, "primitives", 0, "indices"), 99),
            "missing",
        ),
    }


@pytest.mark.parametrize("case", sorted(broken_files()))
def test_reader_rejects_a_truncated_or_corrupted_file_with_a_clear_error(case: str) -> None:
    data, message = broken_files()[case]
    with pytest.raises(GlbError, match=re.escape(message)):
        read_glb(data)


def test_reader_accepts_a_file_built_around_the_same_document() -> None:
    document, binary = chunks(write_glb(TWO_MATERIALS))
    assert read_glb(glb(document, binary)) == document
