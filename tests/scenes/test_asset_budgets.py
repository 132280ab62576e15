"""The 3D view's asset budgets (issue 13): the compressed copies the citizen
app loads (scenes/assets/meshopt/, written by web/scripts/compress-assets.mjs)
exist, are meshopt-compressed and match the originals, and the hall stays
within its budgets: the hall model at most 2 MB, an avatar at most 200 KB, and
with the whole hall in view (the worst case) at most 50,000 triangles and 25
materials, a crowd of 200 included (64 near, the rest stand-ins)."""

from __future__ import annotations

import json
import struct
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from avatars.model import DEFAULT_MODEL_URL
from scenes.bundled import load_demo_scene
from scenes.gltf import GlbError, read_glb

ASSETS = Path(str(resources.files("scenes") / "assets"))
COMPRESSED = ASSETS / "meshopt"
HALL_BYTES = 2_000_000
AVATAR_BYTES = 200_000
TRIANGLES_IN_VIEW = 50_000
MATERIALS_IN_VIEW = 25
#: Avatars drawn as the full model at most (web/src/three/crowd.ts MAX_NEAR; the rest are stand-ins).
NEAR_AVATARS = 64
STAND_IN_TRIANGLES = 24


def originals() -> list[Path]:
    return sorted(p for p in ASSETS.rglob("*.glb") if COMPRESSED not in p.parents)


def triangles(document: dict[str, Any]) -> int:
    """Triangles drawn for one glTF: each node's mesh, once per node that uses it."""
    accessors = document["accessors"]
    per_mesh = []
    for mesh in document["meshes"]:
        n = 0
        for primitive in mesh["primitives"]:
            assert primitive.get("mode", 4) == 4, "only triangle lists are budgeted"
            if "indices" in primitive:
                n += accessors[primitive["indices"]]["count"] // 3
            else:
                n += accessors[primitive["attributes"]["POSITION"]]["count"] // 3
        per_mesh.append(n)
    return sum(per_mesh[node["mesh"]] for node in document["nodes"] if "mesh" in node)


def materials(document: dict[str, Any]) -> set[tuple[str, tuple[float, ...]]]:
    """Materials by name and colour: the client shares equal ones (web/src/three/models.ts)."""
    out = set()
    for m in document.get("materials", []):
        colour = m.get("pbrMetallicRoughness", {}).get("baseColorFactor", [1, 1, 1, 1])
        out.add((m.get("name", ""), tuple(round(c, 3) for c in colour)))
    return out


def glb(path: Path) -> dict[str, Any]:
    return read_glb(path.read_bytes())


@pytest.mark.parametrize("original", originals(), ids=lambda p: str(p.relative_to(ASSETS)))
def test_every_model_has_a_current_compressed_copy(original: Path) -> None:
    copy = COMPRESSED / original.relative_to(ASSETS)
    assert copy.exists(), f"{copy} is missing: run `npm run assets` in web/"
    document = glb(copy)
    assert "EXT_meshopt_compression" in document.get("extensionsUsed", [])
    # Regenerated originals with other shapes make the copy stale: compare what is drawn.
    before = glb(original)
    assert triangles(document) == triangles(before), (
        f"{copy} is stale: run `npm run assets` in web/"
    )
    assert materials(document) == materials(before), (
        f"{copy} is stale: run `npm run assets` in web/"
    )
    assert copy.stat().st_size <= original.stat().st_size


def test_sizes_within_budget() -> None:
    scene = load_demo_scene()
    hall = next(a.url for a in scene.assets if a.url.endswith("/hall.glb"))
    relative = hall.removeprefix("assets/")
    assert (ASSETS / relative).stat().st_size <= HALL_BYTES
    assert (COMPRESSED / relative).stat().st_size <= HALL_BYTES
    avatar = DEFAULT_MODEL_URL.removeprefix("assets/")
    assert (ASSETS / avatar).stat().st_size <= AVATAR_BYTES
    assert (COMPRESSED / avatar).stat().st_size <= AVATAR_BYTES


def test_whole_hall_in_view_within_triangle_and_material_budgets() -> None:
    scene = load_demo_scene()
    avatar = glb(COMPRESSED / DEFAULT_MODEL_URL.removeprefix("assets/"))
    total = 0
    seen: set[tuple[str, tuple[float, ...]]] = set()
    for asset in scene.assets:
        document = glb(COMPRESSED / asset.url.removeprefix("assets/"))
        total += triangles(document)
        seen |= materials(document)
    total += NEAR_AVATARS * triangles(avatar) + (200 - NEAR_AVATARS) * STAND_IN_TRIANGLES
    seen |= materials(avatar)
    assert total <= TRIANGLES_IN_VIEW, total
    assert len(seen) <= MATERIALS_IN_VIEW, sorted(seen)


def test_the_glb_reader_takes_a_meshopt_copy_and_still_refuses_a_second_real_buffer() -> None:
    data = (COMPRESSED / "mpp-kendari" / "hall.glb").read_bytes()
    document = read_glb(data)  # its fallback buffer (no bytes) is not a second binary buffer
    assert len(document["buffers"]) == 2
    original = ASSETS / "mpp-kendari" / "hall.glb"
    doubled = read_glb(original.read_bytes())
    doubled["buffers"].append({"byteLength": 4})
    with pytest.raises(GlbError, match="one binary buffer"):
        read_glb(write_json_chunk(original.read_bytes(), doubled))


def write_json_chunk(data: bytes, document: dict[str, Any]) -> bytes:
    """`data` (a glb) with its JSON chunk replaced by `document`."""
    (json_length,) = struct.unpack_from("<I", data, 12)
    rest = data[20 + json_length :]
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    body = struct.pack("<I4s", len(text), b"JSON") + text + rest
    return struct.pack("<4sII", b"glTF", 2, 12 + len(body)) + body
