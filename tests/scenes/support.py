"""Scene dictionaries shared by the scene tests (their fixtures are in conftest.py)."""

from __future__ import annotations

import copy
from typing import Any

Json = dict[str, Any]


def rect(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def text(name: str) -> Json:
    return {"id": name, "en": name}


_SMALL: Json = {
    "format": "hall-scene/1",
    "id": "ruang-uji",
    "name": {"id": "Ruang Uji", "en": "Test room"},
    "bounds": {"min": [0, 0], "max": [20, 12]},
    "floors": [{"id": "lantai", "polygon": rect(0, 0, 20, 12)}],
    "obstacles": [
        {"id": "meja-a", "kind": "desk", "polygon": rect(1, 3, 1.8, 9)},
        {"id": "dinding-tengah", "kind": "wall", "polygon": rect(12, 0, 12.2, 8)},
        {"id": "pilar", "kind": "pillar", "polygon": rect(15.7, 5.7, 16.3, 6.3)},
    ],
    "spawns": [{"id": "masuk", "position": [18, 2], "yaw": 90}],
    "seats": [
        {"id": "kursi-1", "position": [15, 10], "yaw": 0},
        {"id": "kursi-2", "position": [15.6, 10], "yaw": 0},
    ],
    "counters": [
        {
            "id": "A1",
            "name": text("Loket A1"),
            "position": [2.4, 4.5],
            "facing": 270,
            "services": ["KTP-EL"],
            "lane": [[3.6, 4.5], [4.4, 4.5], [5.2, 4.5], [6.0, 4.5], [6.8, 4.5]],
            "zone": "loket",
        },
        {
            "id": "A2",
            "name": text("Loket A2"),
            "position": [2.4, 7.5],
            "facing": 270,
            "services": ["KK", "AKTA-LAHIR"],
            "lane": [[3.6, 7.5], [4.4, 7.5], [5.2, 7.5], [6.0, 7.5], [6.8, 7.5]],
            "zone": "loket",
        },
    ],
    "zones": [
        {"id": "loket", "kind": "wing", "name": text("Loket"), "polygon": rect(0, 0, 12, 12)},
        {
            "id": "tunggu",
            "kind": "waiting",
            "name": text("Tunggu"),
            "polygon": rect(12.2, 0, 20, 12),
        },
        {"id": "kios", "kind": "ticket_kiosk", "name": text("Kios"), "polygon": rect(16, 0, 20, 4)},
    ],
    "portals": [
        {
            "id": "keluar",
            "polygon": rect(19, 5, 19.9, 7),
            "target_scene": "kota",
            "target_spawn": "gerbang",
        }
    ],
    "assets": [
        {
            "id": "ruang",
            "url": "assets/ruang-uji/room.glb",
            "position": [0, 0],
            "yaw": 0,
            "scale": 1,
        }
    ],
}


def small_scene_data() -> Json:
    """A valid 20 m x 12 m room: two counters by a desk, a wall, a pillar; fresh copy."""
    return copy.deepcopy(_SMALL)
