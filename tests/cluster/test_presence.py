"""A hall's presence survives hand-overs, without an event loop: an avatar restored on one node
and handed on before its person came back is still found by their resume token on the next."""

from __future__ import annotations

from avatars.model import Appearance, Identity, Role
from hall_server.cluster.presence import restore, resume_key, snapshot
from realtime.hall import Hall, HallRules
from scenes.bundled import load_demo_scene
from scenes.spatial import Floorplan


def new_hall() -> Hall:
    scene = load_demo_scene()
    tokens = iter(f"tok{i}" for i in range(10_000))
    return Hall(
        scene.id,
        bounds=scene.bounds,
        floor=Floorplan.from_scene(scene),
        spawns=[(s.position[0], s.position[1], s.yaw_deg) for s in scene.spawns],
        rules=HallRules(),
        new_token=lambda: next(tokens),
    )


SITI = Identity("guest:siti", Role.CITIZEN, "Siti", token_role="guest")


def test_an_avatar_handed_on_twice_before_its_person_returns_is_still_resumable() -> None:
    first = new_hall()
    joined = first.join(SITI, Appearance(), now=0.0)
    where = first.position(joined.avatar_id)
    # No resume token leaves the node, only its digest.
    saved = snapshot(first)
    assert joined.resume_token not in str(saved) and saved[0]["resume_key"] == resume_key(
        joined.resume_token
    )
    second = new_hall()
    assert restore(second, saved, now=1.0) == 1
    # Handed on again before Siti came back (a rolling restart).
    third = new_hall()
    assert restore(third, snapshot(second), now=2.0) == 1
    key = resume_key(joined.resume_token)
    assert third.avatar_for_resume(key) == joined.avatar_id
    back = third.resume(joined.resume_token, now=3.0, key=key, identity=SITI)
    assert back.resumed and back.avatar_id == joined.avatar_id
    assert third.position(joined.avatar_id) == where
    # Resumed: keyed by the token again, and the next hand-over digests it once.
    assert third.avatar_for_resume(joined.resume_token) == joined.avatar_id
    assert snapshot(third)[0]["resume_key"] == key
