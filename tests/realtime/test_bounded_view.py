"""The bounded view (docs/protocol.md section 6): pure, no event loop.

A client is sent at most K other avatars: the nearest, with hysteresis, and
always the avatars pinned for it (its counter's staff). What a client knows
is rebuilt from the frames and control messages exactly as a client would.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from avatars.model import Appearance, Identity, Role
from realtime import codec
from realtime.hall import Hall, HallRules
from scenes.model import Bounds
from scenes.spatial import Floorplan
from tests.helpers import open_room

FLOOR = Floorplan.from_scene(open_room(wall=False))


def make_hall(**rules: object) -> Hall:
    counter = itertools.count()
    return Hall(
        "test-room",
        bounds=Bounds(0, 0, 60, 60),
        floor=FLOOR,
        spawns=[(5, 5, 0)],
        rules=HallRules(**rules),  # type: ignore[arg-type]
        new_token=lambda: f"tok{next(counter):04d}",
    )


class Client:
    """One viewer's knowledge, from its welcome, frames and profiles."""

    def __init__(self, avatar_id: int) -> None:
        self.id = avatar_id
        self.view: dict[int, tuple[float, float]] = {}
        self.profiles: set[int] = set()
        self.frames: list[codec.Frame] = []
        self.max_sent = 0  # most other avatars in one frame
        self.welcome_neighbours = -1

    def control(self, msg: dict[str, object]) -> None:
        if msg["type"] == "welcome":
            you = msg["you"]
            self.view = {you["id"]: (you["x"], you["y"])}  # type: ignore[index]
            neighbours = msg["neighbours"]
            assert isinstance(neighbours, list)
            self.welcome_neighbours = len(neighbours)
            for n in neighbours:
                self.view[n["id"]] = (n["x"], n["y"])
                self.profiles.add(n["id"])
        elif msg["type"] == "profiles":
            self.profiles.update(p["id"] for p in msg["avatars"])  # type: ignore[attr-defined]

    def frame(self, data: bytes) -> None:
        f = codec.decode_frame(data)
        self.frames.append(f)
        if f.full:
            self.view.clear()
        ids = set(f.entered["id"].tolist()) | set(f.updated["id"].tolist())
        self.max_sent = max(self.max_sent, len(ids - {self.id}))
        for rec in (f.entered, f.updated):
            for i, (x, y) in zip(rec["id"].tolist(), codec.positions_m(rec).tolist(), strict=True):
                # the profile of an avatar entering the view came before the frame
                assert i in self.profiles or i == self.id
                self.view[i] = (x, y)
        for i in f.left.tolist():
            self.view.pop(i, None)

    def others(self) -> set[int]:
        return set(self.view) - {self.id}


def join(hall: Hall, name: str, pos: tuple[float, float], role: Role = Role.CITIZEN) -> int:
    identity = Identity(f"sub:{name}", role, name)
    return hall.join(identity, Appearance(), now=0.0, position=(pos[0], pos[1], 0.0)).avatar_id


def run_tick(hall: Hall, clients: dict[int, Client], now: float) -> None:
    result = hall.tick(now)
    control = hall.drain_control()  # queued during the tick: profiles go before frames
    for aid, texts in control.items():
        for text in texts:
            if aid in clients:
                clients[aid].control(json.loads(text))
    for aid, data in result.frames.items():
        if aid in clients:
            clients[aid].frame(data)


def drain(hall: Hall, clients: dict[int, Client]) -> None:
    for aid, texts in hall.drain_control().items():
        for text in texts:
            if aid in clients:
                clients[aid].control(json.loads(text))


def settle(hall: Hall, clients: dict[int, Client], now: float = 0.0, ticks: int = 8) -> float:
    for _ in range(ticks):
        now += 0.05
        run_tick(hall, clients, now)
    return now


def test_in_a_walking_crowd_no_client_is_ever_sent_more_than_k_avatars():
    k = 8
    hall = make_hall(view_max_avatars=k, max_avatars=500)
    rng = np.random.default_rng(3)
    ids = [join(hall, f"a{i}", (rng.uniform(2, 28), rng.uniform(2, 28))) for i in range(150)]
    clients = {i: Client(i) for i in ids}
    drain(hall, clients)
    assert max(c.welcome_neighbours for c in clients.values()) == k
    now = 0.0
    heading = rng.uniform(0, 2 * np.pi, len(ids))
    for _ in range(60):
        now += 0.05
        heading += rng.normal(0, 0.3, len(ids))
        for aid, h in zip(ids, heading.tolist(), strict=True):
            x, y, _ = hall.position(aid)
            nx = min(29.0, max(1.0, x + 0.07 * np.cos(h)))
            ny = min(29.0, max(1.0, y + 0.07 * np.sin(h)))
            hall.propose_move(aid, nx, ny, 0.0, "walk", 1)
        run_tick(hall, clients, now)
        for aid, client in clients.items():
            assert len(client.others()) <= k
            assert set(client.view) == hall.visible_ids(aid)
    assert max(c.max_sent for c in clients.values()) == k  # the bound was reached, not exceeded
    assert all(len(c.others()) == k for c in clients.values())


def test_the_nearest_are_chosen():
    hall = make_hall(view_max_avatars=4)
    me = join(hall, "me", (10, 10))
    by_distance = {d: join(hall, f"d{d}", (10 + d, 10)) for d in (7, 1, 9, 3, 2, 8, 4, 6)}
    clients = {me: Client(me)}
    drain(hall, clients)
    settle(hall, clients)
    nearest = {by_distance[d] for d in (1, 2, 3, 4)}
    assert hall.visible_ids(me) == {me} | nearest
    assert clients[me].others() == nearest


def test_an_avatar_oscillating_at_the_edge_of_a_full_view_does_not_flicker():
    # K = 4 (margin 1): the 3 nearest always; one in view stays while among the 5
    # nearest or within 1.2 x the 4th distance.
    hall = make_hall(view_max_avatars=4)
    me = join(hall, "me", (10, 10))
    inner = [join(hall, f"i{d}", (10 + d, 10)) for d in (1, 2, 3)]
    edge = join(hall, "edge", (10, 15))  # 5 m: the 4th nearest
    wobbler = join(hall, "wobbler", (18, 10))  # 8 m: out of view
    clients = {me: Client(me)}
    drain(hall, clients)
    now = settle(hall, clients)
    assert clients[me].others() == {*inner, edge}
    frames_before = len(clients[me].frames)
    x = 18.0
    while x > 15.1:  # walk to the edge (3 m/s is the limit)
        x = max(15.1, x - 0.14)
        now += 0.05
        hall.propose_move(wobbler, x, 10, 0, "walk", 1)
        run_tick(hall, clients, now)
    for i in range(60):  # now 4.9 m and 5.1 m in turn, nearer than the edge avatar half the time
        now += 0.05
        hall.propose_move(wobbler, 14.9 if i % 2 == 0 else 15.1, 10, 0, "walk", 1)
        run_tick(hall, clients, now)
        assert clients[me].others() == {*inner, edge}
    changes = [f for f in clients[me].frames[frames_before:] if len(f.entered) or len(f.left)]
    assert changes == []  # not one enter or leave
    # Clearly nearer than the others: it comes into view, and the farthest goes.
    for x in (14.0, 13.0, 12.0, 11.5):
        now += 0.5
        hall.propose_move(wobbler, x, 10, 0, "walk", 1)
        now = settle(hall, clients, now, ticks=4)
    assert clients[me].others() == {*inner, wobbler}
    assert hall.visible_ids(me) == {me, *inner, wobbler}


def test_pinned_staff_are_always_in_view_however_far_and_crowded():
    k = 3
    hall = make_hall(view_max_avatars=k)
    me = join(hall, "me", (5, 5))
    crowd = [join(hall, f"c{i}", (5 + 0.5 * i, 6)) for i in range(1, 7)]
    officer = join(hall, "officer", (55, 55), role=Role.OFFICER)  # 4 cells away
    clients = {me: Client(me)}
    drain(hall, clients)
    now = settle(hall, clients)
    assert officer not in clients[me].others()
    hall.pin(me, [officer])
    assert hall.pinned(me) == (officer,)
    now = settle(hall, clients, now, ticks=1)  # at the next tick
    assert officer in clients[me].others()
    assert len(clients[me].others()) == k  # the pin counts within K
    assert clients[me].others() - {officer} <= set(crowd)
    # Updated at every tick, like the nearest.
    for i in range(5):
        now += 0.05
        hall.propose_move(officer, 55 - 0.1 * (i + 1), 55, 0, "walk", 1)
        run_tick(hall, clients, now)
        assert abs(clients[me].view[officer][0] - (55 - 0.1 * (i + 1))) < 0.006
    hall.unpin(me)
    settle(hall, clients, now, ticks=1)
    assert officer not in clients[me].others()
    assert officer in clients[me].frames[-1].left.tolist()


def test_a_pinned_avatar_that_leaves_the_hall_leaves_the_view():
    hall = make_hall(view_max_avatars=3)
    me = join(hall, "me", (5, 5))
    officer = join(hall, "officer", (55, 55), role=Role.OFFICER)
    clients = {me: Client(me)}
    drain(hall, clients)
    hall.pin(me, [officer, 999])  # 999 is not in the hall: ignored
    now = settle(hall, clients, ticks=1)
    assert clients[me].others() == {officer}
    hall.leave(officer)
    settle(hall, clients, now, ticks=1)
    assert clients[me].others() == set()
    assert clients[me].frames[-1].left.tolist() == [officer]


@pytest.mark.parametrize("cap", [0, 3])
def test_spectators_see_the_whole_hall_or_the_cap_nearest_to_the_centre(cap: int):
    hall = make_hall(view_max_avatars=2, spectator_max_avatars=cap)
    spec = join(hall, "screen", (1, 1), role=Role.SPECTATOR)
    at_distance = {d: join(hall, f"d{d}", (30 + d, 30)) for d in range(1, 11)}
    clients = {spec: Client(spec)}
    drain(hall, clients)
    settle(hall, clients)
    expected = set(at_distance.values()) if cap == 0 else {at_distance[d] for d in (1, 2, 3)}
    assert clients[spec].others() == expected == hall.visible_ids(spec)


def test_an_avatar_pushed_out_of_view_is_sent_as_left_and_comes_back_with_its_profile():
    hall = make_hall(view_max_avatars=2)
    me = join(hall, "me", (10, 10))
    friend = join(hall, "friend", (14, 10))
    clients = {me: Client(me)}
    drain(hall, clients)
    now = settle(hall, clients)
    assert clients[me].others() == {friend}
    # Three avatars arrive right next to me, much nearer: the friend gives way.
    first, second = join(hall, "x", (10.5, 10)), join(hall, "y", (10, 10.6))
    third = join(hall, "z", (9.3, 10))
    now = settle(hall, clients, now)
    assert clients[me].others() == {first, second}
    assert any(friend in f.left.tolist() for f in clients[me].frames)
    hall.leave(first)
    hall.leave(second)
    hall.leave(third)
    clients[me].profiles.clear()  # the profile must come again before it re-enters
    settle(hall, clients, now)
    assert clients[me].others() == {friend}


def test_far_avatars_in_view_are_updated_on_their_turn_and_end_exact():
    hall = make_hall(view_max_avatars=8)  # the 2 nearest at every tick, the rest every 4th
    me = join(hall, "me", (10, 10))
    others = [join(hall, f"o{i}", (10 + i, 12)) for i in range(1, 9)]
    clients = {me: Client(me)}
    drain(hall, clients)
    now = settle(hall, clients)
    far = others[-1]
    sent_in = []
    for i in range(12):
        now += 0.05
        hall.propose_move(far, 18 - 0.1 * (i + 1), 12, 0, "walk", 1)
        before = len(clients[me].frames)
        run_tick(hall, clients, now)
        new = clients[me].frames[before:]
        sent_in.append(any(far in f.updated["id"].tolist() for f in new))
    assert sum(sent_in) == 3  # every 4th tick, not every tick
    now = settle(hall, clients, now, ticks=4)
    assert abs(clients[me].view[far][0] - 16.8) < 0.006  # its final position arrived
