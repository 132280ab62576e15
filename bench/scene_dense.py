"""The dense-hall scene: a 60 m x 40 m open hall (issue 10, "Benchmark").

6 x 4 area-of-interest cells of 10 m: with 1,500 avatars spread evenly a
viewer's 3x3 cells hold about 500 of them, at 5,000 about 1,600, which is
what makes the bounded view necessary. No obstacles (an open hall). Spawns
on a 2 m grid (600 of them, handed out round-robin), so that thousands of
joiners start spread over the floor rather than stacked on a few points.

Run ``python -m bench.scene_dense OUT.json`` to write the file, then
``hall-server check-scene OUT.json`` to validate it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SCENE_ID = "aula-padat"
WIDTH_M = 60.0
DEPTH_M = 40.0
SPAWN_STEP_M = 2.0


def spawns() -> list[dict[str, Any]]:
    cols, rows = int(WIDTH_M // SPAWN_STEP_M), int(DEPTH_M // SPAWN_STEP_M)
    return [
        {
            "id": f"masuk-{row:02d}-{col:02d}",
            "position": [SPAWN_STEP_M * (col + 0.5), SPAWN_STEP_M * (row + 0.5)],
            "yaw": 0,
        }
        for row in range(rows)
        for col in range(cols)
    ]


def dense_scene() -> dict[str, Any]:
    """The scene as a JSON-ready dict (hall-scene/1, docs/scene-format.md)."""
    floor = [[0.0, 0.0], [WIDTH_M, 0.0], [WIDTH_M, DEPTH_M], [0.0, DEPTH_M]]
    return {
        "format": "hall-scene/1",
        "id": SCENE_ID,
        "name": {"id": "Aula Padat", "en": "Dense hall"},
        "bounds": {"min": [0, 0], "max": [WIDTH_M, DEPTH_M]},
        "floors": [{"id": "lantai-aula", "polygon": floor}],
        "obstacles": [],
        "spawns": spawns(),
    }


def write_scene(path: Path) -> Path:
    path.write_text(json.dumps(dense_scene(), indent=1) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m bench.scene_dense OUT.json", file=sys.stderr)
        sys.exit(2)
    print(write_scene(Path(sys.argv[1])))
