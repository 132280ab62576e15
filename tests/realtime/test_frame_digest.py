"""What the hall core sends does not change when the tick is made faster.

The digests below are SHA-256s over every frame and control text of seeded
walks (bench/frame_digest.py: pins, leaves, joins, a detach and a resume,
spectators, lagging viewers sent FULL frames), recorded with the tree before
the dense-hall tick work (main at 433bf35). A change meant to alter what
clients receive must record new digests and say why in its commit.
"""

from __future__ import annotations

import pytest

from bench.frame_digest import digest


@pytest.mark.parametrize(
    ("avatars", "size", "k", "spectator_cap", "expected"),
    [
        # a dense 60 m x 40 m hall: every view is chosen by the full rule
        (
            400,
            (60.0, 40.0),
            64,
            0,
            "af8a9b723f4a1b576c1646c5e11242e0566787a2e6e6f644c2cc77ff618e298c",
        ),
        # a small K in a crowded room, with capped spectators
        (
            120,
            (20.0, 20.0),
            16,
            30,
            "f67dc3cb5166b339d08044998ae7720077df136e61fb01a9c69875a67d2e1c04",
        ),
    ],
)
def test_frames_and_control_are_byte_for_byte_those_of_before(
    avatars: int, size: tuple[float, float], k: int, spectator_cap: int, expected: str
) -> None:
    assert digest(avatars, 60, size, k=k, spectator_cap=spectator_cap) == expected
