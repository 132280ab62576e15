"""The hall core alone in the dense hall: tick cost and bytes per viewer, no sockets.

Every avatar is a connected viewer in the 60 m x 40 m hall (``--scene
plaza``: the 150 m x 150 m open plaza of BENCHMARKS.md section 1, its
obstacles left out), walking at
1.4 m/s and proposing a position at every tick (20 Hz); the floor check is
replaced by "always walkable" (an open hall), so what is timed is the
hall's own work: moves, views, encoding. Run back to back against another
source tree (the baseline) with ``--baseline-tree``; that tree's
``realtime`` package is imported instead, in a child process.

    python bench/view_core.py --avatars 1500 --baseline-tree /work/wt-baseline

This file imports nothing from ``bench`` so that it runs against any tree.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np


class _OpenFloor:
    """An open hall: every step is allowed (the benchmark times the views, not the floor)."""

    def step_blocked(self, a: Any, b: Any) -> Any:
        return np.zeros(len(a), dtype=np.bool_)


#: The halls' sizes in metres: bench/scene_dense.py and bench/scene_plaza.py (SIDE_M).
SCENES = {"dense": (60.0, 40.0), "plaza": (150.0, 150.0)}


def measure(
    avatars: int, ticks: int, k: int, seed: int = 1, scene: str = "dense"
) -> dict[str, Any]:
    width, height = SCENES[scene]
    import realtime.hall as hall_module
    from avatars.model import Appearance, Identity, Role
    from realtime.hall import Hall, HallRules
    from scenes.model import Bounds

    known = {f.name for f in dataclasses.fields(HallRules)}
    wanted = {"max_avatars": avatars + 10, "view_max_avatars": k}
    rules = HallRules(**{key: v for key, v in wanted.items() if key in known})  # type: ignore[arg-type]
    hall_module.accept_steps = lambda floor, rules, a, b, dt: np.ones(len(a), dtype=np.bool_)  # type: ignore[attr-defined,assignment]
    tokens = itertools.count()
    hall = Hall(
        "aula-padat",
        bounds=Bounds(0, 0, width, height),
        floor=_OpenFloor(),  # type: ignore[arg-type]
        spawns=[(width / 2, height / 2, 0)],
        rules=rules,
        new_token=lambda: f"t{next(tokens)}",
    )
    rng = np.random.default_rng(seed)
    pts = np.column_stack([rng.uniform(1, width - 1, avatars), rng.uniform(1, height - 1, avatars)])
    ids = [
        hall.join(
            Identity(f"s{i}", Role.CITIZEN, f"n{i}"), Appearance(), now=0.0, position=(x, y, 0.0)
        ).avatar_id
        for i, (x, y) in enumerate(pts.tolist())
    ]
    hall.drain_control()
    heading = rng.uniform(0, 2 * np.pi, avatars)
    step = 1.4 / 20.0
    durations, cpu, sent, now = [], [], 0, 0.0
    sent_frames = 0
    warm = ticks // 4
    for t in range(ticks):
        now += 0.05
        heading += rng.normal(0, 0.2, avatars)
        pts += step * np.column_stack([np.cos(heading), np.sin(heading)])
        np.clip(pts, [1, 1], [width - 1, height - 1], out=pts)
        for aid, (x, y) in zip(ids, pts.tolist(), strict=True):
            hall.propose_move(aid, x, y, 0.0, "walk", t)
        started, started_cpu = time.perf_counter(), time.thread_time()
        result = hall.tick(now)
        durations.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
        control = hall.drain_control()
        if t >= warm:
            framed = sum(len(f) for f in result.frames.values())
            sent_frames += framed
            sent += framed + sum(len(m) for texts in control.values() for m in texts)
    ms = np.array(durations[warm:]) * 1000
    cpu_ms = np.array(cpu[warm:]) * 1000  # not stretched by other processes on the cores
    window_s = (ticks - warm) * 0.05
    return {
        "scene": scene,
        "avatars": avatars,
        "k": k if "view_max_avatars" in known else None,
        "tick_ms_p50": round(float(np.percentile(ms, 50)), 1),
        "tick_ms_p99": round(float(np.percentile(ms, 99)), 1),
        "tick_cpu_ms_p50": round(float(np.percentile(cpu_ms, 50)), 1),
        # the least disturbed ticks: on a shared machine the steadiest figure to compare
        "tick_cpu_ms_p10": round(float(np.percentile(cpu_ms, 10)), 1),
        "tick_cpu_ms_mean": round(float(np.mean(cpu_ms)), 1),
        "payload_bytes_per_client_s": round(sent / window_s / avatars),
        "frame_bytes_per_client_s": round(sent_frames / window_s / avatars),
        "avatars_in_view_mean": round(
            float(np.mean([len(hall.visible_ids(a)) - 1 for a in ids[:300]])), 1
        ),
        "load_average_1min": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--avatars", type=int, default=1500)
    parser.add_argument("--ticks", type=int, default=120)
    parser.add_argument("--k", type=int, default=64)
    parser.add_argument("--scene", choices=sorted(SCENES), default="dense")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds")
    parser.add_argument("--baseline-tree", default=None)
    parser.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="another source tree to measure in the same rounds (e.g. before=/path)",
    )
    parser.add_argument("--json", action="store_true", help="one measurement, as JSON")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.avatars, args.ticks, args.k, scene=args.scene)))
        return 0
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    trees = {"bounded": here, **({"baseline": args.baseline_tree} if args.baseline_tree else {})}
    trees.update(dict(t.split("=", 1) for t in args.tree))
    for round_ in range(args.rounds):
        for name, tree in trees.items():
            cmd = [sys.executable, os.path.abspath(__file__), "--json"]
            cmd += ["--avatars", str(args.avatars), "--ticks", str(args.ticks), "--k", str(args.k)]
            cmd += ["--scene", args.scene]
            out = subprocess.run(
                cmd, env={**os.environ, "PYTHONPATH": tree}, capture_output=True, text=True
            )
            if out.returncode:
                print(out.stderr, file=sys.stderr)
                return 1
            print(json.dumps({"round": round_, "tree": name, **json.loads(out.stdout)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
