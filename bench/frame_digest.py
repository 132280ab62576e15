"""A digest of everything the hall core sends in a seeded scenario: frames and control.

Used to check that a change to how frames are built (bench/view_core.py
measures its speed) changes no byte a client receives. The scenario is a
random walk of ``--avatars`` viewers in a hall of ``--size`` metres, with
pins, leaves, joins, a detach and a resume, spectators (one capped) and
lagging viewers (FULL frames); the digest is a SHA-256 over every tick's
frames and control texts in avatar-id order. Run it against two trees:

    PYTHONPATH=/path/to/other/tree python bench/frame_digest.py --avatars 800
    python bench/frame_digest.py --avatars 800

Positions are random floats, so no two avatars tie on distance. This file
imports nothing from ``bench`` so that it runs against any tree;
tests/realtime/test_frame_digest.py pins a small case.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from typing import Any

import numpy as np


class _OpenFloor:
    """An open hall: every step is allowed."""

    def step_blocked(self, a: Any, b: Any) -> Any:
        return np.zeros(len(a), dtype=np.bool_)


def digest(
    avatars: int,
    ticks: int,
    size: tuple[float, float] = (60.0, 40.0),
    seed: int = 7,
    k: int = 64,
    spectator_cap: int = 0,
) -> str:
    import realtime.hall as hall_module
    from avatars.model import Appearance, Identity, Role
    from realtime.hall import Hall, HallRules
    from scenes.model import Bounds

    width, height = size
    rules = HallRules(
        max_avatars=avatars + 50,
        view_max_avatars=k,
        spectator_max_avatars=spectator_cap,
        resume_grace_s=1000.0,
    )
    saved = getattr(hall_module, "accept_steps")  # noqa: B009 (not in the module's __all__)
    hall_module.accept_steps = lambda floor, rules, a, b, dt: np.ones(len(a), dtype=np.bool_)  # type: ignore[attr-defined,assignment]
    try:
        tokens = itertools.count()
        hall = Hall(
            "digest",
            bounds=Bounds(0, 0, width, height),
            floor=_OpenFloor(),  # type: ignore[arg-type]
            spawns=[(width / 2, height / 2, 0.0)],
            rules=rules,
            new_token=lambda: f"t{next(tokens)}",
        )
        rng = np.random.default_rng(seed)
        h = hashlib.sha256()

        def add(i: int, role: Role = Role.CITIZEN) -> int:
            x, y = rng.uniform(1, width - 1), rng.uniform(1, height - 1)
            identity = Identity(f"s{i}", role, f"n{i}")
            joined = hall.join(identity, Appearance(), now=0.0, position=(x, y, 0.0))
            return joined.avatar_id

        walkers = [add(i, Role.OFFICER if i % 97 == 0 else Role.CITIZEN) for i in range(avatars)]
        spectators = [add(avatars + i, Role.SPECTATOR) for i in range(2)]
        resume: dict[int, str] = {}
        pos = {a: hall.position(a)[:2] for a in walkers}
        heading = {a: float(rng.uniform(0, 2 * np.pi)) for a in walkers}
        staff = [a for a in walkers if hall.role_of(a) is Role.OFFICER]
        now = 0.0
        for t in range(ticks):
            now += 0.05
            for a in walkers:
                heading[a] += float(rng.normal(0, 0.3))
                x, y = pos[a]
                x = min(max(x + 0.07 * np.cos(heading[a]), 1.0), width - 1)
                y = min(max(y + 0.07 * np.sin(heading[a]), 1.0), height - 1)
                pos[a] = (x, y)
                if hall.is_attached(a) or hall.is_driven(a):
                    hall.propose_move(a, x, y, float(np.degrees(heading[a]) % 360.0), "walk", t)
            if t % 10 == 3 and staff:  # pin a counter's staff for some viewers
                for a in walkers[t % 7 :: 41]:
                    hall.pin(a, staff[: 1 + t % 2])
            if t % 25 == 11:
                for a in walkers[t % 5 :: 53]:
                    hall.unpin(a)
            if t % 15 == 7:  # someone leaves, someone joins
                gone = walkers.pop(int(rng.integers(len(walkers))))
                pos.pop(gone)
                heading.pop(gone)
                if gone in staff:
                    staff.remove(gone)
                hall.leave(gone)
                new = add(10_000 + t)
                walkers.append(new)
                pos[new] = hall.position(new)[:2]
                heading[new] = float(rng.uniform(0, 2 * np.pi))
            if t % 30 == 13:  # a drop and a resume later
                a = walkers[t % len(walkers)]
                if hall.is_attached(a):
                    resume[a] = hall._avatars[hall._by_id[a]].resume_token
                    hall.detach(a, now=now)
            if t % 30 == 28:
                for a, token in list(resume.items()):
                    if hall.has(a):
                        hall.resume(token, now=now)
                    del resume[a]
            lagging = {a for a in walkers[t % 11 :: 97]} | (
                {spectators[0]} if t % 9 == 0 else set()
            )
            result = hall.tick(now, lagging)
            control = hall.drain_control()
            h.update(f"tick {t}".encode())
            for aid in sorted(control):
                for text in control[aid]:
                    h.update(f"c{aid}:".encode() + text.encode())
            for aid in sorted(result.frames):
                h.update(f"f{aid}:".encode() + result.frames[aid])
            h.update(json.dumps(sorted(result.expired)).encode())
        return h.hexdigest()
    finally:
        hall_module.accept_steps = saved  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--avatars", type=int, default=800)
    parser.add_argument("--ticks", type=int, default=80)
    parser.add_argument("--size", default="60x40", help="hall width x height in metres")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--k", type=int, default=64)
    parser.add_argument("--spectator-cap", type=int, default=0)
    args = parser.parse_args()
    w, h = (float(v) for v in args.size.split("x"))
    print(
        digest(
            args.avatars,
            args.ticks,
            (w, h),
            seed=args.seed,
            k=args.k,
            spectator_cap=args.spectator_cap,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
