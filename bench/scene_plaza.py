"""The load-test plaza: a big open hall in which avatars spread uniformly.

The benchmark needs a hall where, with 1,000 avatars spread evenly, a client
sees about 35-50 of them in its 3x3 area-of-interest cells of 10 m. A square
of 150 m gives 15 x 15 cells; a viewer sees on average 8.2 cells of 100 m^2
(fewer along the walls), so 1,000 avatars on 22,500 m^2 put about 37 in view
(2,000: about 73). Coordinates stay well inside the +-327 m the snapshot
records can carry.

A spawn sits at the centre of every cell (225 spawns): the server hands them
out round-robin, so joiners start spread evenly instead of in a queue at one
door. A few pillars, planters, kiosks and screens stand at cell corners,
away from the spawns, so that walking clients must steer around something.

Run ``python -m bench.scene_plaza OUT.json`` to write the file, then
``hall-server check-scene OUT.json`` to validate it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SCENE_ID = "plaza-uji-beban"
SIDE_M = 150.0
CELL_M = 10.0

Point = list[float]


def _rect(x0: float, y0: float, x1: float, y1: float) -> list[Point]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def _square(cx: float, cy: float, half: float) -> list[Point]:
    return _rect(cx - half, cy - half, cx + half, cy + half)


def obstacles() -> list[dict[str, Any]]:
    """Axis-aligned boxes at cell corners, clear of every spawn (cell centres)."""
    out: list[dict[str, Any]] = []
    for i, (cx, cy) in enumerate(
        [(40, 40), (110, 40), (40, 110), (110, 110), (70, 30), (80, 120)], start=1
    ):
        out.append({"id": f"tiang-{i}", "kind": "pillar", "polygon": _square(cx, cy, 0.5)})
    out.append({"id": "kios-info", "kind": "kiosk", "polygon": _rect(68.0, 68.0, 72.0, 72.0)})
    out.append({"id": "taman-barat", "kind": "planter", "polygon": _rect(18.5, 68.5, 21.5, 81.5)})
    out.append({"id": "taman-timur", "kind": "planter", "polygon": _rect(128.5, 68.5, 131.5, 81.5)})
    out.append({"id": "layar-utara", "kind": "screen", "polygon": _rect(66.0, 139.8, 84.0, 140.2)})
    out.append({"id": "layar-selatan", "kind": "screen", "polygon": _rect(66.0, 9.8, 84.0, 10.2)})
    return out


def spawns() -> list[dict[str, Any]]:
    n = int(SIDE_M // CELL_M)
    return [
        {
            "id": f"masuk-{row:02d}-{col:02d}",
            "position": [CELL_M * col + CELL_M / 2, CELL_M * row + CELL_M / 2],
            "yaw": 0,
        }
        for row in range(n)
        for col in range(n)
    ]


def plaza_scene() -> dict[str, Any]:
    """The scene as a JSON-ready dict (hall-scene/1, docs/scene-format.md)."""
    return {
        "format": "hall-scene/1",
        "id": SCENE_ID,
        "name": {"id": "Plaza Uji Beban", "en": "Load-test plaza"},
        "bounds": {"min": [0, 0], "max": [SIDE_M, SIDE_M]},
        "floors": [{"id": "lantai-plaza", "polygon": _rect(0, 0, SIDE_M, SIDE_M)}],
        "obstacles": obstacles(),
        "spawns": spawns(),
    }


def write_scene(path: Path) -> Path:
    path.write_text(json.dumps(plaza_scene(), indent=1) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m bench.scene_plaza OUT.json", file=sys.stderr)
        sys.exit(2)
    print(write_scene(Path(sys.argv[1])))
