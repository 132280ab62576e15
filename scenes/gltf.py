"""Binary glTF 2.0 (``.glb``) for low-poly models made of coloured boxes.

The demo hall's placeholder models (``scenes/assets/``) are written by this
module, so the demo runs without any model downloaded from elsewhere. Pure
first, I/O last:

- :class:`Material`, :class:`Box`, :class:`Model` and :func:`write_glb`: a
  model in, the bytes of one ``.glb`` file out. One mesh primitive per
  material (boxes of one material share a draw call), flat-shaded: each box
  has 24 vertices (4 per face, with the face's normal) and 36 indices.
- :func:`read_glb`: the reader and validator the tests use; it checks the
  container (header, chunk lengths, 4-byte alignment) and that every
  accessor and buffer view stays inside the binary buffer.
- :func:`placeholder_models`: the demo's models, built from the demo scene.
- ``python -m scenes.gltf [DIRECTORY]`` writes them (default:
  ``scenes/assets``).

Units are metres in glTF's frame: +Y up, east = +X, north = -Z, which is the
frame docs/scene-format.md asks asset files to use ("Mapping to glTF"). A
model's front faces -Z, so an asset with yaw 0 faces north.
"""

from __future__ import annotations

import json
import struct
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scenes.bundled import load_demo_scene
from scenes.model import ObstacleKind, Polygon, Scene

GENERATOR = "virtual-service-hall scenes.gltf"

_MAGIC = b"glTF"
_VERSION = 2
_CHUNK_JSON = 0x4E4F534A
_CHUNK_BIN = 0x004E4942
_ARRAY_BUFFER = 34962
_ELEMENT_ARRAY_BUFFER = 34963
_FLOAT = 5126
_UNSIGNED_SHORT = 5123
_TRIANGLES = 4
_COMPONENT_BYTES = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
_TYPE_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
_DTYPES = {5120: "<i1", 5121: "<u1", 5122: "<i2", 5123: "<u2", 5125: "<u4", 5126: "<f4"}

VERTICES_PER_BOX = 24
INDICES_PER_BOX = 36
_MAX_BOXES_PER_MATERIAL = 65536 // VERTICES_PER_BOX  # indices are UNSIGNED_SHORT

Vec3 = tuple[float, float, float]
Rgba = tuple[float, float, float, float]


class GlbError(ValueError):
    """A ``.glb`` file is malformed; the message says where.

    Raised by :func:`read_glb` only, for tools and tests: model files never
    cross a request boundary of the hall, so this stays outside
    :class:`hall_server.errors.HallError`'s tree.
    """


# -- the model -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Material:
    """A named flat colour; ``rgba`` is glTF's linear ``baseColorFactor``, 0..1.

    Clients may recolour by name (the default avatar's materials are named
    after :class:`avatars.model.Appearance`'s colour keys).
    """

    name: str
    rgba: Rgba
    metallic: float = 0.0
    roughness: float = 0.8

    def __post_init__(self) -> None:
        if not all(0.0 <= c <= 1.0 for c in self.rgba):
            raise ValueError(f"material {self.name!r}: colour components must be in 0..1")


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box: ``centre`` and ``size`` in metres (glTF frame)."""

    centre: Vec3
    size: Vec3
    material: Material

    def __post_init__(self) -> None:
        if not all(s > 0.0 for s in self.size):
            raise ValueError(f"box at {self.centre}: every size must be > 0")


@dataclass(frozen=True, slots=True)
class Model:
    """One glTF scene with one node and one mesh: the boxes, by material."""

    name: str
    boxes: tuple[Box, ...]

    def materials(self) -> list[Material]:
        """The distinct materials, in the order boxes first use them."""
        return list(dict.fromkeys(box.material for box in self.boxes))


def box(x0: float, y0: float, z0: float, x1: float, y1: float, z1: float, m: Material) -> Box:
    """The box between two opposite corners (any order)."""
    lo = (min(x0, x1), min(y0, y1), min(z0, z1))
    hi = (max(x0, x1), max(y0, y1), max(z0, z1))
    centre = ((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2)
    return Box(centre, (hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]), m)


# -- writing -------------------------------------------------------------------


def _unit_box() -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.uint16]]:
    """Corners (±0.5), normals and counter-clockwise (outward) triangles of a cube."""
    corners: list[list[float]] = []
    normals: list[list[float]] = []
    indices: list[int] = []
    for axis in range(3):
        u, v = (axis + 1) % 3, (axis + 2) % 3
        for sign in (1.0, -1.0):
            # e_u x e_v = e_axis, so (-,-), (+,-), (+,+), (-,+) in (u, v) turns
            # counter-clockwise seen from +axis; reverse it for the -axis face.
            quad = [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)]
            if sign < 0:
                quad.reverse()
            base = len(corners)
            for a, b in quad:
                point = [0.0, 0.0, 0.0]
                point[axis], point[u], point[v] = 0.5 * sign, a, b
                corners.append(point)
                normal = [0.0, 0.0, 0.0]
                normal[axis] = sign
                normals.append(normal)
            indices += [base, base + 1, base + 2, base, base + 2, base + 3]
    return (
        np.array(corners, dtype=np.float32),
        np.array(normals, dtype=np.float32),
        np.array(indices, dtype=np.uint16),
    )


_CORNERS, _NORMALS, _INDICES = _unit_box()


def _padded(data: bytes, fill: bytes) -> bytes:
    return data + fill * (-len(data) % 4)


def write_glb(model: Model) -> bytes:
    """The bytes of a self-contained ``.glb`` file drawing ``model``."""
    if not model.boxes:
        raise ValueError(f"model {model.name!r} has no boxes")
    binary = bytearray()
    views: list[dict[str, Any]] = []
    accessors: list[dict[str, Any]] = []
    primitives: list[dict[str, Any]] = []

    def add_view(data: bytes, target: int) -> int:
        binary.extend(b"\0" * (-len(binary) % 4))
        views.append(
            {"buffer": 0, "byteOffset": len(binary), "byteLength": len(data), "target": target}
        )
        binary.extend(data)
        return len(views) - 1

    materials = model.materials()
    for index, material in enumerate(materials):
        boxes = [b for b in model.boxes if b.material == material]
        if len(boxes) > _MAX_BOXES_PER_MATERIAL:
            raise ValueError(f"model {model.name!r}: too many boxes of {material.name!r}")
        centres = np.array([b.centre for b in boxes], dtype=np.float32)[:, None, :]
        sizes = np.array([b.size for b in boxes], dtype=np.float32)[:, None, :]
        positions = (centres + _CORNERS[None, :, :] * sizes).reshape(-1, 3)
        normals = np.tile(_NORMALS, (len(boxes), 1))
        offsets = np.arange(len(boxes), dtype=np.uint16)[:, None] * VERTICES_PER_BOX
        indices = (_INDICES[None, :] + offsets).astype(np.uint16).reshape(-1)
        count = len(positions)
        accessors.append(
            {
                "bufferView": add_view(positions.astype("<f4").tobytes(), _ARRAY_BUFFER),
                "componentType": _FLOAT,
                "count": count,
                "type": "VEC3",
                "min": [float(c) for c in positions.min(axis=0)],
                "max": [float(c) for c in positions.max(axis=0)],
            }
        )
        accessors.append(
            {
                "bufferView": add_view(normals.astype("<f4").tobytes(), _ARRAY_BUFFER),
                "componentType": _FLOAT,
                "count": count,
                "type": "VEC3",
            }
        )
        accessors.append(
            {
                "bufferView": add_view(indices.astype("<u2").tobytes(), _ELEMENT_ARRAY_BUFFER),
                "componentType": _UNSIGNED_SHORT,
                "count": len(indices),
                "type": "SCALAR",
            }
        )
        first = len(accessors) - 3
        primitives.append(
            {
                "attributes": {"POSITION": first, "NORMAL": first + 1},
                "indices": first + 2,
                "material": index,
                "mode": _TRIANGLES,
            }
        )

    document: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": GENERATOR},
        "scene": 0,
        "scenes": [{"name": model.name, "nodes": [0]}],
        "nodes": [{"name": model.name, "mesh": 0}],
        "meshes": [{"name": model.name, "primitives": primitives}],
        "materials": [_material_json(m) for m in materials],
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    text = json.dumps(document, separators=(",", ":"), allow_nan=False).encode("utf-8")
    json_chunk = _padded(text, b" ")
    bin_chunk = _padded(bytes(binary), b"\0")
    total = 12 + 8 + len(json_chunk) + 8 + len(bin_chunk)
    return b"".join(
        [
            struct.pack("<4sII", _MAGIC, _VERSION, total),
            struct.pack("<II", len(json_chunk), _CHUNK_JSON),
            json_chunk,
            struct.pack("<II", len(bin_chunk), _CHUNK_BIN),
            bin_chunk,
        ]
    )


def _material_json(material: Material) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": material.name,
        "pbrMetallicRoughness": {
            "baseColorFactor": list(material.rgba),
            "metallicFactor": material.metallic,
            "roughnessFactor": material.roughness,
        },
    }
    if material.rgba[3] < 1.0:
        out["alphaMode"] = "BLEND"
    return out


# -- reading -------------------------------------------------------------------


def _split(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The JSON document and the BIN chunk (empty if none), container checked."""
    if len(data) < 12:
        raise GlbError(f"truncated: {len(data)} bytes, shorter than the 12-byte header")
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    if magic != _MAGIC:
        raise GlbError(f"not a glb file: magic {magic!r}, expected b'glTF'")
    if version != _VERSION:
        raise GlbError(f"unsupported glb version {version}, expected 2")
    if length != len(data):
        raise GlbError(f"header says {length} bytes but the file has {len(data)} (truncated?)")
    if length % 4:
        raise GlbError(f"file length {length} is not a multiple of 4")
    chunks: list[tuple[int, bytes]] = []
    offset = 12
    while offset < length:
        if offset + 8 > length:
            raise GlbError(f"truncated chunk header at byte {offset}")
        size, kind = struct.unpack_from("<II", data, offset)
        if size % 4:
            raise GlbError(f"chunk at byte {offset} has length {size}, not a multiple of 4")
        if offset + 8 + size > length:
            raise GlbError(f"chunk at byte {offset} ({size} bytes) runs past the end of the file")
        chunks.append((kind, data[offset + 8 : offset + 8 + size]))
        offset += 8 + size
    if not chunks or chunks[0][0] != _CHUNK_JSON:
        raise GlbError("the first chunk is not the JSON chunk")
    if len(chunks) > 1 and chunks[1][0] != _CHUNK_BIN:
        raise GlbError(f"the second chunk has type {chunks[1][0]:#010x}, expected BIN")
    try:
        document = json.loads(chunks[0][1].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise GlbError(f"the JSON chunk is not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise GlbError("the JSON chunk is not a JSON object")
    return document, chunks[1][1] if len(chunks) > 1 else b""


def _items(document: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = document.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise GlbError(f"{key} is not a list of objects")
    return items


def _index(value: object, items: Sequence[object], what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(items):
        raise GlbError(f"{what} refers to a missing item ({value!r})")
    return value


def _int(obj: dict[str, Any], key: str, what: str, default: int | None = None) -> int:
    value = obj.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise GlbError(f"{what}.{key} must be a non-negative integer, not {value!r}")
    return value


def read_glb(data: bytes) -> dict[str, Any]:
    """The glTF JSON document of a ``.glb`` file, after checking it.

    Checks the 12-byte header (magic, version 2, total length), each chunk's
    length and 4-byte alignment, that the JSON chunk comes first and a BIN
    chunk second, ``asset.version`` "2.0", that buffer 0 is the BIN chunk,
    that every buffer view lies inside its buffer and every accessor inside
    its buffer view (aligned to its component size), and that mesh
    primitives refer to existing accessors and materials. External buffers
    (a ``uri``) are rejected: the hall's models must be self-contained.
    Raises :class:`GlbError` naming the first problem.
    """
    document, binary = _split(data)
    asset = document.get("asset")
    if not isinstance(asset, dict) or asset.get("version") != "2.0":
        raise GlbError("asset.version must be '2.0'")
    buffers = _items(document, "buffers")
    for i, buffer in enumerate(buffers):
        if "uri" in buffer:
            raise GlbError(
                f"buffers[{i}] refers to an external file; expected a self-contained glb"
            )
        if i > 0:
            # EXT_meshopt_compression's fallback buffer holds no bytes (the
            # compressed copies for the 3D view, scenes/assets/meshopt/).
            if _meshopt_fallback(buffer):
                _int(buffer, "byteLength", f"buffers[{i}]")
                continue
            raise GlbError(f"buffers[{i}]: a glb file has one binary buffer")
        byte_length = _int(buffer, "byteLength", f"buffers[{i}]")
        if not len(binary) - 3 <= byte_length <= len(binary):
            raise GlbError(
                f"buffers[0].byteLength {byte_length} does not match the BIN chunk ({len(binary)} bytes)"
            )
    views = _items(document, "bufferViews")
    for i, view in enumerate(views):
        where = f"bufferViews[{i}]"
        buffer = buffers[_index(view.get("buffer"), buffers, f"{where}.buffer")]
        start = _int(view, "byteOffset", where, 0)
        if start + _int(view, "byteLength", where) > buffer["byteLength"]:
            raise GlbError(f"{where} runs past the end of its buffer")
        stride = view.get("byteStride")
        if stride is not None and (
            not isinstance(stride, int) or not 4 <= stride <= 252 or stride % 4
        ):
            raise GlbError(f"{where}.byteStride must be a multiple of 4 in 4..252")
    accessors = _items(document, "accessors")
    for i, accessor in enumerate(accessors):
        _check_accessor(accessor, views, f"accessors[{i}]")
    materials = _items(document, "materials")
    for m, mesh in enumerate(_items(document, "meshes")):
        for p, primitive in enumerate(mesh.get("primitives", [])):
            where = f"meshes[{m}].primitives[{p}]"
            for name, ref in dict(primitive.get("attributes", {})).items():
                _index(ref, accessors, f"{where}.attributes.{name}")
            if "indices" in primitive:
                _index(primitive["indices"], accessors, f"{where}.indices")
            if "material" in primitive:
                _index(primitive["material"], materials, f"{where}.material")
    return document


def _meshopt_fallback(buffer: dict[str, Any]) -> bool:
    ext = buffer.get("extensions", {})
    return isinstance(ext, dict) and ext.get("EXT_meshopt_compression", {}).get("fallback") is True


def _check_accessor(accessor: dict[str, Any], views: list[dict[str, Any]], where: str) -> None:
    component = accessor.get("componentType")
    kind = accessor.get("type")
    if component not in _COMPONENT_BYTES or kind not in _TYPE_COMPONENTS:
        raise GlbError(f"{where}: unknown componentType {component!r} or type {kind!r}")
    count = _int(accessor, "count", where)
    if count < 1:
        raise GlbError(f"{where}.count must be at least 1")
    if "bufferView" not in accessor:
        return  # all zeros (sparse accessors are not used by the hall's models)
    view = views[_index(accessor["bufferView"], views, f"{where}.bufferView")]
    size = _COMPONENT_BYTES[component]
    element = size * _TYPE_COMPONENTS[kind]
    stride = view.get("byteStride") or element
    offset = _int(accessor, "byteOffset", where, 0)
    if (offset + view.get("byteOffset", 0)) % size:
        raise GlbError(f"{where} is not aligned to its {size}-byte components")
    if offset + stride * (count - 1) + element > view["byteLength"]:
        raise GlbError(f"{where} runs past the end of its buffer view")


def read_accessor(data: bytes, index: int) -> NDArray[Any]:
    """The values of accessor ``index`` of a checked ``.glb`` file, one row per element."""
    document = read_glb(data)
    _, binary = _split(data)
    accessor = document["accessors"][_index(index, document["accessors"], "accessor")]
    view = document["bufferViews"][accessor["bufferView"]]
    width = _TYPE_COMPONENTS[accessor["type"]]
    dtype = np.dtype(_DTYPES[accessor["componentType"]])
    if view.get("byteStride") not in (None, dtype.itemsize * width):
        raise GlbError("interleaved buffer views are not supported by read_accessor")
    start = view.get("byteOffset", 0) + accessor.get("byteOffset", 0)
    values = np.frombuffer(binary, dtype=dtype, count=accessor["count"] * width, offset=start)
    return values.reshape(accessor["count"], width)


# -- the demo's placeholder models ---------------------------------------------

# Linear colours (glTF baseColorFactor), muted like a real MPP hall.
FLOOR = Material("floor", (0.55, 0.53, 0.49, 1.0))
WALL = Material("wall", (0.80, 0.79, 0.75, 1.0))
PILLAR = Material("pillar", (0.68, 0.67, 0.63, 1.0))
POT = Material("pot", (0.30, 0.20, 0.13, 1.0))
PLANT = Material("plant", (0.10, 0.30, 0.10, 1.0))
WOOD = Material("wood", (0.42, 0.27, 0.15, 1.0))
TOP = Material("worktop", (0.85, 0.85, 0.82, 1.0))
BRAND = Material("brand", (0.04, 0.20, 0.50, 1.0))  # the MPP's blue
FABRIC = Material("fabric", (0.08, 0.18, 0.40, 1.0))
METAL = Material("metal", (0.45, 0.46, 0.48, 1.0), metallic=0.8, roughness=0.4)
SCREEN = Material("screen", (0.02, 0.02, 0.03, 1.0), roughness=0.2)
GLASS = Material("glass", (0.70, 0.85, 0.90, 0.35), roughness=0.1)

WALL_HEIGHT_M = 1.2  # low, so a camera above the hall sees in
PILLAR_HEIGHT_M = 3.5
DESK_WIDTH_M = 3.0  # one counter's desk along the row (the demo's meja-d1 ... meja-p4)


def _bbox(polygon: Polygon) -> tuple[float, float, float, float]:
    xs = [x for x, _ in polygon]
    ys = [y for _, y in polygon]
    return min(xs), min(ys), max(xs), max(ys)


def _plan_box(polygon: Polygon, y0: float, y1: float, material: Material) -> Box:
    """A polygon's bounding box extruded from ``y0`` to ``y1`` (plan y -> glTF Z = -y)."""
    x0, py0, x1, py1 = _bbox(polygon)
    return box(x0, y0, -py0, x1, y1, -py1, material)


def hall_shell(scene: Scene) -> Model:
    """Floors, walls, pillars and planters: the obstacles no other asset draws.

    Placed at the plan's origin with yaw 0, so its coordinates are the plan's.
    Each floor is a 0.1 m slab under its polygon's bounding box (top at 0);
    each obstacle polygon's bounding box is extruded.
    """
    boxes = [_plan_box(floor.polygon, -0.1, 0.0, FLOOR) for floor in scene.floors]
    for obstacle in scene.obstacles:
        if obstacle.kind is ObstacleKind.WALL:
            boxes.append(_plan_box(obstacle.polygon, 0.0, WALL_HEIGHT_M, WALL))
        elif obstacle.kind is ObstacleKind.PILLAR:
            boxes.append(_plan_box(obstacle.polygon, 0.0, PILLAR_HEIGHT_M, PILLAR))
        elif obstacle.kind is ObstacleKind.PLANTER:
            boxes.append(_plan_box(obstacle.polygon, 0.0, 0.5, POT))
            x0, y0, x1, y1 = _bbox(obstacle.polygon)
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            r = min(x1 - x0, y1 - y0) * 0.35
            boxes.append(box(cx - r, 0.5, -cy + r, cx + r, 1.3, -cy - r, PLANT))
    return Model("hall", tuple(boxes))


def chair_row(seats: int = 6, pitch_m: float = 0.6) -> Model:
    """A row of linked chairs facing -Z; origin between the middle chairs.

    The backrests stand at Z 0.25..0.35 (the demo's thin ``seat`` obstacle
    0.3 m behind the origin) and the seat points 0.2 m in front of it.
    """
    half = (seats - 1) * pitch_m / 2
    boxes: list[Box] = []
    for i in range(seats):
        x = -half + i * pitch_m
        boxes.append(box(x - 0.25, 0.40, -0.20, x + 0.25, 0.46, 0.25, FABRIC))
        boxes.append(box(x - 0.25, 0.46, 0.25, x + 0.25, 0.90, 0.35, FABRIC))
    end = half + 0.3
    boxes.append(box(-end, 0.30, -0.02, end, 0.40, 0.12, METAL))
    for x in (-end + 0.15, end - 0.15):
        boxes.append(box(x - 0.03, 0.0, -0.20, x + 0.03, 0.30, 0.30, METAL))
    return Model("chair-row", tuple(boxes))


def exhibitor_booth() -> Model:
    """A 3 m x 3 m booth centred on its origin, open to -Z (its front)."""
    return Model(
        "booth",
        (
            box(-1.5, 0.0, -1.5, 1.5, 0.05, 1.5, WOOD),  # platform
            box(-1.5, 0.05, 1.4, 1.5, 2.5, 1.5, WALL),  # back wall
            box(-1.5, 0.05, -0.5, -1.45, 2.5, 1.4, WALL),  # side walls
            box(1.45, 0.05, -0.5, 1.5, 2.5, 1.4, WALL),
            box(-1.5, 2.5, 1.3, 1.5, 2.9, 1.5, BRAND),  # header sign
            box(-1.0, 0.05, -1.3, 1.0, 1.0, -0.8, WOOD),  # reception counter
            box(-1.05, 1.0, -1.35, 1.05, 1.04, -0.75, TOP),
            box(-1.0, 0.6, -1.31, 1.0, 0.9, -1.30, BRAND),  # counter front stripe
        ),
    )


def info_desk() -> Model:
    """The 3.5 m x 0.8 m information desk centred on its origin, visitors at -Z."""
    return Model(
        "info-desk",
        (
            box(-1.75, 0.0, -0.4, 1.75, 1.05, 0.4, WOOD),
            box(-1.8, 1.05, -0.45, 1.8, 1.09, 0.4, TOP),
            box(-1.75, 0.5, -0.41, 1.75, 0.8, -0.40, BRAND),
            box(-0.9, 1.09, 0.05, -0.4, 1.4, 0.1, SCREEN),  # two monitors, staff side
            box(0.4, 1.09, 0.05, 0.9, 1.4, 0.1, SCREEN),
        ),
    )


def ticket_kiosk() -> Model:
    """A 0.6 m x 0.5 m queue-ticket kiosk centred on its origin, screen to -Z."""
    return Model(
        "ticket-kiosk",
        (
            box(-0.3, 0.0, -0.25, 0.3, 0.05, 0.25, METAL),  # foot
            box(-0.22, 0.05, -0.15, 0.22, 1.0, 0.2, BRAND),  # body
            box(-0.27, 1.0, -0.2, 0.27, 1.65, 0.2, BRAND),  # head
            box(-0.22, 1.12, -0.21, 0.22, 1.55, -0.20, SCREEN),  # touch screen
            box(-0.08, 0.9, -0.16, 0.08, 0.93, -0.15, METAL),  # ticket slot
        ),
    )


def queue_screen() -> Model:
    """A 6 m queue display on two posts, centred on its origin, face to -Z."""
    return Model(
        "queue-screen",
        (
            box(-3.0, 0.0, -0.15, 3.0, 0.1, 0.15, METAL),  # base
            box(-2.6, 0.1, -0.05, -2.4, 1.2, 0.1, METAL),  # posts
            box(2.4, 0.1, -0.05, 2.6, 1.2, 0.1, METAL),
            box(-3.0, 1.2, -0.1, 3.0, 3.2, 0.1, BRAND),  # frame
            box(-2.85, 1.3, -0.11, 2.85, 3.1, -0.10, SCREEN),
        ),
    )


def counter_row(desks: int) -> Model:
    """``desks`` service counters of 3 m in a row along X, centred on the origin.

    Citizens stand at -Z (the front, 0.8 m deep desks span Z -0.4..0.4), the
    officers at +Z. Glass screens separate neighbouring counters.
    """
    half = desks * DESK_WIDTH_M / 2
    boxes = [
        box(-half, 0.0, -0.4, half, 0.75, 0.4, WOOD),  # officers' desk
        box(-half, 0.75, -0.4, half, 1.1, -0.25, WOOD),  # citizens' raised ledge
        box(-half, 1.1, -0.45, half, 1.13, -0.2, TOP),
        box(-half, 0.75, -0.25, half, 0.78, 0.4, TOP),
        box(-half, 0.3, -0.41, half, 0.5, -0.40, BRAND),
    ]
    for i in range(desks):
        x = -half + (i + 0.5) * DESK_WIDTH_M
        boxes.append(box(x - 0.25, 0.78, 0.1, x + 0.25, 1.1, 0.14, SCREEN))  # monitor
    for i in range(desks + 1):
        x = -half + i * DESK_WIDTH_M
        boxes.append(box(x - 0.02, 1.13, -0.4, x + 0.02, 1.8, 0.4, GLASS))
    return Model(f"counter-row-{desks}", tuple(boxes))


SKIN = Material("skin", (0.55, 0.36, 0.25, 1.0))
HAIR = Material("hair", (0.05, 0.04, 0.03, 1.0))
TOP_COLOUR = Material("top", (0.45, 0.50, 0.58, 1.0))
BOTTOM = Material("bottom", (0.16, 0.17, 0.20, 1.0))
ACCENT = Material("accent", (0.10, 0.10, 0.11, 1.0))


def default_avatar() -> Model:
    """A 1.65 m blocky person standing on the origin, facing -Z.

    Materials are named ``skin``, ``hair``, ``top``, ``bottom`` and ``accent``
    (shoes), the colour keys of a join message's ``appearance``.
    """
    return Model(
        "avatar",
        (
            box(-0.17, 0.0, -0.16, -0.03, 0.08, 0.08, ACCENT),  # shoes, toes to -Z
            box(0.03, 0.0, -0.16, 0.17, 0.08, 0.08, ACCENT),
            box(-0.16, 0.08, -0.07, -0.04, 0.82, 0.07, BOTTOM),  # legs
            box(0.04, 0.08, -0.07, 0.16, 0.82, 0.07, BOTTOM),
            box(-0.19, 0.82, -0.11, 0.19, 1.40, 0.11, TOP_COLOUR),  # torso
            box(-0.28, 0.84, -0.06, -0.20, 1.38, 0.06, TOP_COLOUR),  # arms
            box(0.20, 0.84, -0.06, 0.28, 1.38, 0.06, TOP_COLOUR),
            box(-0.28, 0.72, -0.05, -0.20, 0.84, 0.05, SKIN),  # hands
            box(0.20, 0.72, -0.05, 0.28, 0.84, 0.05, SKIN),
            box(-0.05, 1.40, -0.05, 0.05, 1.45, 0.05, SKIN),  # neck
            box(-0.10, 1.45, -0.11, 0.10, 1.63, 0.10, SKIN),  # head
            box(-0.02, 1.51, -0.14, 0.02, 1.55, -0.11, SKIN),  # nose
            box(-0.11, 1.58, -0.09, 0.11, 1.65, 0.12, HAIR),
        ),
    )


def placeholder_models(scene: Scene) -> dict[str, Model]:
    """The demo's models by path under ``scenes/assets/``; the hall from ``scene``."""
    return {
        "mpp-kendari/hall.glb": hall_shell(scene),
        "mpp-kendari/chair-row-6.glb": chair_row(6),
        "mpp-kendari/booth.glb": exhibitor_booth(),
        "mpp-kendari/info-desk.glb": info_desk(),
        "mpp-kendari/ticket-kiosk.glb": ticket_kiosk(),
        "mpp-kendari/queue-screen.glb": queue_screen(),
        "mpp-kendari/counter-row-5.glb": counter_row(5),
        "mpp-kendari/counter-row-4.glb": counter_row(4),
        "avatars/default.glb": default_avatar(),
    }


# -- I/O -----------------------------------------------------------------------


def write_placeholders(directory: Path, scene: Scene) -> Iterable[tuple[Path, int]]:
    """Write every placeholder model under ``directory``; yields (path, size)."""
    for relative, model in placeholder_models(scene).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = write_glb(model)
        path.write_bytes(data)
        yield path, len(data)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m scenes.gltf [DIRECTORY]``: (re)generate the placeholder models."""
    args = list(sys.argv[1:] if argv is None else argv)
    directory = Path(args[0]) if args else Path(__file__).resolve().parent / "assets"
    for path, size in write_placeholders(directory, load_demo_scene()):
        print(f"{size:6d} bytes  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
