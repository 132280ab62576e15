"""The hall core without an event loop: time is passed in, output drained."""

from __future__ import annotations

import json

import numpy as np
import pytest

from avatars.model import Appearance, Identity, Role
from hall_server.errors import Forbidden, InvalidInput, LimitExceeded, NotFound
from realtime import codec
from realtime.hall import Hall
from scenes.spatial import Floorplan
from tests.helpers import make_room_hall, open_room

FLOOR = Floorplan.from_scene(open_room())


def make_hall(**rules: object) -> Hall:
    hall: Hall = make_room_hall(wall=True, **rules)
    return hall


class Viewer:
    """What a client knows: the rule of docs/protocol.md applied to frames."""

    def __init__(self) -> None:
        self.view: dict[int, tuple[float, float]] = {}
        self.control: list[dict[str, object]] = []

    def welcome(self, msg: dict[str, object]) -> None:
        you = msg["you"]
        self.view = {you["id"]: (you["x"], you["y"])}  # type: ignore[index]
        for n in msg["neighbours"]:  # type: ignore[attr-defined]
            self.view[n["id"]] = (n["x"], n["y"])

    def apply(self, frame: bytes) -> None:
        f = codec.decode_frame(frame)
        if f.full:
            self.view.clear()
        for rec in (f.entered, f.updated):
            for i, (x, y) in zip(rec["id"].tolist(), codec.positions_m(rec).tolist(), strict=True):
                self.view[i] = (x, y)
        for i in f.left.tolist():
            self.view.pop(i, None)


def join(
    hall: Hall, name: str, pos: tuple[float, float], role: Role = Role.CITIZEN, now: float = 0.0
):
    j = hall.join(
        Identity(f"sub:{name}", role, name), Appearance(), now=now, position=(pos[0], pos[1], 0.0)
    )
    return j.avatar_id


def drain(hall: Hall, viewers: dict[int, Viewer]) -> None:
    for aid, texts in hall.drain_control().items():
        for text in texts:
            msg = json.loads(text)
            if aid in viewers:
                viewers[aid].control.append(msg)
                if msg["type"] == "welcome":
                    viewers[aid].welcome(msg)


def tick(hall: Hall, viewers: dict[int, Viewer], now: float, lagging: frozenset[int] = frozenset()):
    result = hall.tick(now, lagging)
    for aid, frame in result.frames.items():
        if aid in viewers:
            viewers[aid].apply(frame)
    drain(hall, viewers)
    return result


def settle(hall: Hall, now: float = 0.0) -> None:
    """Tick until every view has been chosen again (views follow joins within that)."""
    for _ in range(hall.rules.view_reselect_ticks):
        hall.tick(now)


def test_each_viewer_sees_exactly_the_avatars_in_its_area_of_interest():
    # Every avatar in view updated at every tick (far ones are otherwise every 4th).
    hall = make_hall(aoi_cell_m=10.0, view_far_every_ticks=1)
    rng = np.random.default_rng(7)
    points = FLOOR.random_walkable(rng, 60)
    ids = [join(hall, f"a{i}", tuple(p)) for i, p in enumerate(points)]
    viewers = {i: Viewer() for i in ids}
    drain(hall, viewers)
    now = 0.0
    for _ in range(60):
        now += 0.05
        for aid in ids:
            x, y, _ = hall.position(aid)
            step = rng.uniform(-0.14, 0.14, size=2)
            hall.propose_move(
                aid,
                min(59.0, max(1.0, x + step[0])),
                min(59.0, max(1.0, y + step[1])),
                0.0,
                "walk",
                1,
            )
        tick(hall, viewers, now)
        for aid in ids:
            truth = hall.visible_ids(aid)
            assert set(viewers[aid].view) == truth
            for other in truth:
                x, y, _ = hall.position(other)
                vx, vy = viewers[aid].view[other]
                assert abs(vx - x) <= 0.006 and abs(vy - y) <= 0.006


def test_aoi_is_the_own_cell_and_the_eight_around_it():
    hall = make_hall(aoi_cell_m=10.0)
    a = join(hall, "a", (5, 5))
    near = join(hall, "near", (15, 15))  # diagonal neighbour cell
    far = join(hall, "far", (25, 5))  # two cells away
    settle(hall)
    assert hall.visible_ids(a) == {a, near}
    assert far not in hall.visible_ids(a)


def test_walking_into_view_sends_entered_with_profile_and_walking_out_sends_left():
    hall = make_hall(aoi_cell_m=10.0)
    a, b = join(hall, "a", (5, 5)), join(hall, "b", (21, 5))
    viewers = {a: Viewer(), b: Viewer()}
    drain(hall, viewers)
    assert b not in viewers[a].view
    now = 0.0
    x = 21.0
    while x > 19.0:
        x -= 0.1
        now += 0.05
        hall.propose_move(b, x, 5.0, 90.0, "walk", 1)
        tick(hall, viewers, now)
    assert b in viewers[a].view
    profiles = [m for m in viewers[a].control if m["type"] == "profiles"]
    assert any(p["id"] == b and p["name"] == "b" for m in profiles for p in m["avatars"])
    while x < 21.0:
        x += 0.1
        now += 0.05
        hall.propose_move(b, x, 5.0, 270.0, "walk", 1)
        tick(hall, viewers, now)
    assert b not in viewers[a].view


def test_a_rejected_move_is_corrected_to_the_authoritative_position():
    hall = make_hall()
    a = join(hall, "a", (29.0, 20.0))
    viewers = {a: Viewer()}
    drain(hall, viewers)
    hall.propose_move(a, 31.0, 20.0, 0.0, "walk", 42)  # through the wall
    result = tick(hall, viewers, 1.0)
    assert result.corrected == 1
    correction = [m for m in viewers[a].control if m["type"] == "correction"][-1]
    assert (correction["x"], correction["y"], correction["seq"]) == (29.0, 20.0, 42)
    assert hall.position(a)[:2] == (29.0, 20.0)


def test_only_the_latest_proposal_between_ticks_counts():
    hall = make_hall()
    a = join(hall, "a", (10.0, 10.0))
    hall.propose_move(a, 10.1, 10.0, 0.0, "walk", 1)
    hall.propose_move(a, 10.2, 10.0, 0.0, "walk", 2)
    hall.tick(0.1)
    assert hall.position(a)[:2] == (10.2, 10.0)


def test_proximity_chat_reaches_those_in_range_and_no_one_else():
    hall = make_hall(chat_radius_m=8.0)
    speaker, near, far = (
        join(hall, "s", (10, 10)),
        join(hall, "n", (15, 10)),
        join(hall, "f", (19, 10)),
    )
    spectator = join(hall, "spec", (0, 0), role=Role.SPECTATOR)
    viewers = {i: Viewer() for i in (speaker, near, far, spectator)}
    drain(hall, viewers)
    event = hall.chat(speaker, "proximity", "  Selamat pagi  ", now=1.0)
    assert hall.deliver_chat(event) == 2
    drain(hall, viewers)
    heard = {i for i, v in viewers.items() if any(m["type"] == "chat" for m in v.control)}
    assert heard == {speaker, near}
    line = next(m for m in viewers[near].control if m["type"] == "chat")
    assert line["text"] == "Selamat pagi" and line["from"] == {"id": speaker, "name": "s"}


def test_private_channel_reaches_members_only_and_only_staff_open_one():
    hall = make_hall()
    officer = join(hall, "o", (10, 10), role=Role.OFFICER)
    citizen, other = join(hall, "c", (11, 10)), join(hall, "x", (12, 10))
    viewers = {i: Viewer() for i in (officer, citizen, other)}
    with pytest.raises(Forbidden):
        hall.open_channel(citizen, [officer])
    channel = hall.open_channel(officer, [citizen])
    drain(hall, viewers)
    hall.deliver_chat(hall.chat(citizen, channel, "Saya mau buat KTP", now=1.0))
    drain(hall, viewers)
    got = {i for i, v in viewers.items() if any(m["type"] == "chat" for m in v.control)}
    assert got == {officer, citizen}
    with pytest.raises(Forbidden):
        hall.chat(other, channel, "menguping", now=1.0)


def test_a_detached_avatar_is_shown_idle_and_resumes_where_it_was():
    hall = make_hall(resume_grace_s=60.0)
    a, b = join(hall, "a", (10, 10)), join(hall, "b", (12, 10))
    viewers = {a: Viewer(), b: Viewer()}
    drain(hall, viewers)
    resume_token = next(m for m in viewers[a].control if m["type"] == "welcome")["resume_token"]
    hall.detach(a, now=1.0)
    result = tick(hall, viewers, 1.05)
    frame = codec.decode_frame(result.frames[b])
    assert frame.updated["id"].tolist() == [a] and frame.updated["flags"][0] & 2
    assert a in viewers[b].view  # not left
    joined = hall.resume(resume_token, now=30.0)
    assert joined.avatar_id == a and joined.resumed
    assert hall.position(a)[:2] == (10.0, 10.0)
    drain(hall, viewers)
    welcome = [m for m in viewers[a].control if m["type"] == "welcome"][-1]
    assert welcome["resumed"] is True and {n["id"] for n in welcome["neighbours"]} == {b}


def test_a_detached_avatar_leaves_when_the_grace_period_ends():
    hall = make_hall(resume_grace_s=60.0)
    a, b = join(hall, "a", (10, 10)), join(hall, "b", (12, 10))
    viewers = {b: Viewer()}
    drain(hall, viewers)
    hall.detach(a, now=0.0)
    tick(hall, viewers, 59.0)
    assert a in viewers[b].view
    result = tick(hall, viewers, 60.5)
    assert result.expired == [a] and a not in viewers[b].view
    with pytest.raises(NotFound):
        hall.resume("tok0002", now=61.0)


def test_a_lagging_viewer_gets_a_full_frame_that_replaces_its_view():
    hall = make_hall()
    a, b = join(hall, "a", (10, 10)), join(hall, "b", (12, 10))
    viewers = {a: Viewer()}
    drain(hall, viewers)
    settle(hall)
    hall.propose_move(b, 12.1, 10, 0, "walk", 1)
    result = hall.tick(0.1, lagging={a})
    frame = codec.decode_frame(result.frames[a])
    assert frame.full and sorted(frame.entered["id"].tolist()) == [a, b]


def test_a_spectator_sees_the_whole_hall_and_has_no_body():
    hall = make_hall(aoi_cell_m=10.0)
    spec = join(hall, "s", (1, 1), role=Role.SPECTATOR)
    far = join(hall, "far", (55, 55))
    settle(hall)
    assert hall.visible_ids(spec) == {far}
    others = join(hall, "o", (2, 2))
    assert spec not in hall.visible_ids(others)
    with pytest.raises(Forbidden):
        hall.propose_move(spec, 2, 2, 0, "walk", 1)
    with pytest.raises(Forbidden):
        hall.chat(spec, "proximity", "halo", now=0)


def test_the_hall_refuses_avatars_beyond_its_limit_but_not_spectators():
    hall = make_hall(max_avatars=2)
    join(hall, "a", (5, 5))
    join(hall, "b", (6, 5))
    with pytest.raises(LimitExceeded) as err:
        join(hall, "c", (7, 5))
    assert err.value.code == "hall_full"
    join(hall, "s", (7, 5), role=Role.SPECTATOR)


@pytest.mark.parametrize(
    ("anim", "emote", "text"),
    [
        ("fly", "wave", "x"),
        ("walk", "dance", "x"),
        ("walk", "wave", "x" * 501),
        ("walk", "wave", 5),
    ],
)
def test_bad_fields_are_errors(anim, emote, text):
    hall = make_hall()
    a = join(hall, "a", (5, 5))
    with pytest.raises(InvalidInput):
        if anim != "walk":
            hall.propose_move(a, 5, 5, 0, anim, 1)
        elif emote != "wave":
            hall.emote(a, emote)
        else:
            hall.chat(a, "proximity", text, now=0)
