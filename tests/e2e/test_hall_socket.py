"""End to end: the real server on a loopback port, real WebSocket clients."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from realtime import codec
from tests.e2e.server import WEBSOCKETS, RunningServer, running_server
from tests.helpers import write_room

HALL = "test-room"
SPAWNS = [(5.0, 5.0), (15.0, 5.0), (45.0, 45.0), (55.0, 5.0)]


@pytest.fixture(params=sorted(WEBSOCKETS))
async def server(tmp_path: Path, request: pytest.FixtureRequest):
    scene = write_room(tmp_path / "room.json", SPAWNS)
    # A high speed limit lets tests cross the room quickly; the limit itself is
    # tested in tests/avatars/test_movement.py and below.
    async with running_server(
        tmp_path / "data",
        uvicorn_options=WEBSOCKETS[request.param],
        scene_files=(scene,),
        aoi_cell_m=10.0,
        resume_grace_s=30.0,
        max_speed_m_s=20.0,
    ) as srv:
        yield srv


class Client:
    """A protocol client: keeps its view from welcome + frames, and its JSON messages."""

    def __init__(self, ws: ClientConnection, welcome: dict[str, Any]) -> None:
        self.ws = ws
        self.id: int = welcome["you"]["id"]
        self.resume_token: str = welcome["resume_token"]
        self.view = {welcome["you"]["id"]: (welcome["you"]["x"], welcome["you"]["y"])}
        for n in welcome["neighbours"]:
            self.view[n["id"]] = (n["x"], n["y"])
        self.messages: list[dict[str, Any]] = []
        self.frames = 0
        self.token = ""
        self.task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        try:
            async for raw in self.ws:
                if isinstance(raw, bytes):
                    self.frames += 1
                    f = codec.decode_frame(raw)
                    if f.full:
                        self.view.clear()
                    for rec in (f.entered, f.updated):
                        pos = codec.positions_m(rec).tolist()
                        for i, p in zip(rec["id"].tolist(), pos, strict=True):
                            self.view[i] = tuple(p)
                    for i in f.left.tolist():
                        self.view.pop(i, None)
                else:
                    self.messages.append(json.loads(raw))
        except ConnectionClosed:
            pass

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]

    async def send(self, **msg: Any) -> None:
        await self.ws.send(json.dumps(msg))

    async def close(self) -> None:
        await self.ws.close()
        await self.task


async def enter(server: RunningServer, name: str, role: str = "guest") -> Client:
    token = await server.guest_token(name, role)
    ws, welcome = await server.join(HALL, token)
    client = Client(ws, welcome)
    client.token = token
    return client


async def eventually(check, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


async def walk(client: Client, path: list[tuple[float, float]], hz: float = 10.0) -> None:
    for seq, (x, y) in enumerate(path, start=1):
        await client.send(type="move", x=x, y=y, yaw=90.0, anim="walk", seq=seq)
        await asyncio.sleep(1 / hz)


async def test_each_client_sees_exactly_the_avatars_in_its_area_of_interest(server):
    a, b, c, d = [await enter(server, n) for n in "abcd"]
    ids = {n: cl.id for n, cl in zip("abcd", (a, b, c, d), strict=True)}
    await eventually(lambda: set(a.view) == {ids["a"], ids["b"]})
    assert set(c.view) == {ids["c"]}
    assert set(d.view) == {ids["d"]}
    # b walks east, out of a's view and into d's, at 8 m/s (within the 20 m/s limit)
    await walk(b, [(15.0 + 0.8 * i, 5.0) for i in range(1, 46)])
    await eventually(lambda: set(a.view) == {ids["a"]} and set(d.view) == {ids["b"], ids["d"]})
    bx, by = d.view[ids["b"]]
    assert (bx, by) == pytest.approx((51.0, 5.0), abs=0.01)
    assert any(
        p["id"] == ids["b"] and p["name"] == "b"
        for m in d.of_type("profiles")
        for p in m["avatars"]
    )
    for cl in (a, b, c, d):
        await cl.close()


async def test_chat_reaches_those_in_range_and_no_one_else(server):
    a, b, c = [await enter(server, n) for n in "abc"]  # a (5,5), b (15,5): 10 m apart
    await a.send(type="chat", channel="proximity", text="Halo semua")
    await eventually(lambda: a.of_type("chat"))
    await asyncio.sleep(0.3)
    assert not b.of_type("chat") and not c.of_type("chat")  # chat radius is 8 m
    await walk(b, [(15.0 - 0.5 * i, 5.0) for i in range(1, 7)])  # now 7 m from a
    await a.send(type="chat", channel="proximity", text="Sekarang dengar?")
    await eventually(lambda: b.of_type("chat"))
    assert b.of_type("chat")[0]["text"] == "Sekarang dengar?"
    assert b.of_type("chat")[0]["from"]["id"] == a.id
    await asyncio.sleep(0.3)
    assert not c.of_type("chat")
    for cl in (a, b, c):
        await cl.close()


async def test_a_dropped_client_resumes_its_avatar_and_others_see_it_idle_not_leaving(server):
    a, b = await enter(server, "a"), await enter(server, "b")
    await walk(a, [(5.5, 5.0), (6.0, 5.0)])
    await eventually(lambda: b.view.get(a.id) == pytest.approx((6.0, 5.0)))
    a.ws.transport.abort()  # drop without a close frame, as a phone losing signal does
    await asyncio.sleep(0.5)
    assert a.id in b.view  # not "left"
    ws, welcome = await server.join(HALL, a.token, resume_token=a.resume_token)
    assert welcome["resumed"] is True
    assert welcome["you"]["id"] == a.id
    assert (welcome["you"]["x"], welcome["you"]["y"]) == (6.0, 5.0)
    assert b.id in {n["id"] for n in welcome["neighbours"]}
    assert a.id in b.view
    await ws.close()
    await b.close()


async def test_resuming_while_the_old_connection_is_open_closes_the_old_one_with_4012(server):
    a = await enter(server, "a")
    ws, welcome = await server.join(HALL, a.token, resume_token=a.resume_token)
    assert welcome["resumed"] is True and welcome["you"]["id"] == a.id
    await a.task  # the old connection ends...
    assert a.ws.close_code == 4012  # ...told why
    await ws.close()


async def test_a_second_join_on_the_same_connection_is_an_error(server):
    a = await enter(server, "a")
    await a.send(type="join", token=a.token, seq=3)
    await eventually(lambda: a.of_type("error"))
    assert a.of_type("error")[0]["code"] == "already_joined"
    assert a.of_type("error")[0]["ref"] == 3
    await a.close()


def _masked_text(text: str) -> bytes:
    """A client text frame masked with a zero key (so the payload reads as is)."""
    payload = text.encode()
    assert len(payload) < 126
    return bytes((0x81, 0x80 | len(payload))) + b"\x00\x00\x00\x00" + payload


async def test_frames_split_across_reads_fragmented_or_after_a_ping_are_all_understood(server):
    a = await enter(server, "a")
    # One frame in three TCP writes, and two frames in one write.
    frame = _masked_text('{"type":"ping","t":1}')
    for part in (frame[:1], frame[1:9], frame[9:]):
        a.ws.transport.write(part)
        await asyncio.sleep(0.05)
    a.ws.transport.write(
        _masked_text('{"type":"ping","t":2}') + _masked_text('{"type":"ping","t":3}')
    )
    await eventually(lambda: len(a.of_type("pong")) == 3)
    # A fragmented message and a ping from the client, then plain frames again.
    await a.ws.send(iter(['{"type":"ping",', '"t":4}']))
    await asyncio.wait_for(await a.ws.ping(), 5.0)
    a.ws.transport.write(_masked_text('{"type":"ping","t":5}'))
    await walk(a, [(5.5, 5.0)])
    await eventually(lambda: len(a.of_type("pong")) == 5 and a.view[a.id] == (5.5, 5.0))
    assert [m["t"] for m in a.of_type("pong")] == [1, 2, 3, 4, 5]
    await a.close()
