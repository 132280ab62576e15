"""Small scenes built in code for tests of the realtime core."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scenes.loader import parse_scene
from scenes.model import Scene


def square(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


#: A complete, valid NIB form (a fictional citizen and business).
NIB_FORM: dict[str, object] = {
    "nik": "7471014101900001",
    "nama_lengkap": "Siti Aminah",
    "nama_usaha": "Warung Sinar",
    "kbli": "56103",
    "alamat_usaha": "Jl. Sao-Sao No. 10, Kendari",
    "modal_usaha": 25000000,
    "no_hp": "081234567890",
    "email": "siti@example.id",
    "konfirmasi": True,
}


def room_data(
    size: float = 60.0, wall: bool = True, spawns: list[tuple[float, float]] | None = None
) -> dict[str, Any]:
    """A square room; optionally a wall across the middle with a gap at the top."""
    obstacles: list[dict[str, Any]] = []
    if wall:
        obstacles.append({"id": "wall", "kind": "wall", "polygon": square(29.8, 0, 30.2, size - 6)})
    data = {
        "format": "hall-scene/1",
        "id": "test-room",
        "name": {"id": "Ruang uji", "en": "Test room"},
        "bounds": {"min": [0, 0], "max": [size, size]},
        "floors": [{"id": "floor", "polygon": square(0, 0, size, size)}],
        "obstacles": obstacles,
        "spawns": [
            {"id": f"spawn{i}", "position": list(p), "yaw": 0}
            for i, p in enumerate(spawns or [(5.0, 5.0)])
        ],
        "seats": [],
        "counters": [],
        "zones": [
            {
                "id": "lobby",
                "kind": "lobby",
                "name": {"id": "Lobi", "en": "Lobby"},
                "polygon": square(0, 0, size, size),
            }
        ],
        "portals": [],
        "assets": [],
    }
    return data


def open_room(size: float = 60.0, wall: bool = True) -> Scene:
    return parse_scene(room_data(size, wall))


def write_room(path: Path, spawns: list[tuple[float, float]], wall: bool = False) -> Path:
    path.write_text(json.dumps(room_data(60.0, wall, spawns)))
    return path


def make_room_hall(*, wall: bool = True, **rules: object) -> Any:
    """A pure hall in the 60 m test room (``tests/realtime``), with counting tokens."""
    import itertools

    from realtime.hall import Hall, HallRules
    from scenes.model import Bounds
    from scenes.spatial import Floorplan

    counter = itertools.count()
    return Hall(
        "test-room",
        bounds=Bounds(0, 0, 60, 60),
        floor=Floorplan.from_scene(open_room(wall=wall)),
        spawns=[(5, 5, 0)],
        rules=HallRules(**rules),  # type: ignore[arg-type]
        new_token=lambda: f"tok{next(counter):04d}",
    )


def png_header(width: int = 640, height: int = 480, pad: int = 200) -> bytes:
    """The first bytes of a PNG declaring ``width`` x ``height`` (what the hall reads)."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + b"IHDR" + ihdr + bytes(4 + pad)


def jpeg_header(width: int = 640, height: int = 480, pad: int = 200) -> bytes:
    """The first bytes of a JFIF JPEG whose frame (SOF0) is ``width`` x ``height``."""
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0\x00\x11\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return b"\xff\xd8" + app0 + sof0 + b"\x03" + bytes(9 + pad)


def webp_header(width: int = 640, height: int = 480, pad: int = 200) -> bytes:
    """The first bytes of a lossless WebP (VP8L) of ``width`` x ``height``."""
    bits = (width - 1) | ((height - 1) << 14)
    return (
        b"RIFF\x00\x00\x00\x00WEBPVP8L"
        + bytes(4)
        + b"\x2f"
        + bits.to_bytes(4, "little")
        + bytes(pad)
    )
