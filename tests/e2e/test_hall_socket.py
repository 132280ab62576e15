"""End to end: the real server on a loopback port, real WebSocket clients."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.server import WEBSOCKETS, RunningServer, running_server
from tests.helpers import write_room
from tests.support.client import HallClient
from tests.support.waiting import wait_until

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


async def enter(server: RunningServer, name: str, role: str = "guest") -> HallClient:
    return await server.join(HALL, await server.guest_token(name, role))


async def ticks_pass(server: RunningServer, n: int = 2) -> None:
    """Wait until the hall has ticked ``n`` more times (whatever a tick sends has been sent)."""
    name = f'hall_tick_seconds_count{{hall="{HALL}"}}'
    start = await server.metric(name)

    async def ticked() -> bool:
        return await server.metric(name) >= start + n

    await wait_until(ticked, what=f"{n} ticks of the hall")


async def flushed(*clients: HallClient) -> None:
    """Each client has read everything the server wrote to it so far (a ping's pong comes after)."""
    for client in clients:
        await client.send(type="ping", t=0)
        await client.next("pong", lambda m, s=client.seq: m.get("ref") == s)


async def nothing_more_arrives(server: RunningServer, *clients: HallClient) -> None:
    """Instead of sleeping before asserting that something did not come: the hall ticks
    twice (any fan-out due has gone out), then each client reads all that was sent to it."""
    await ticks_pass(server)
    await flushed(*clients)


async def walk(client: HallClient, path: list[tuple[float, float]], hz: float = 10.0) -> None:
    await client.walk(path, pace_s=1 / hz, yaw=90.0)


async def test_each_client_sees_exactly_the_avatars_in_its_area_of_interest(server):
    a, b, c, d = [await enter(server, n) for n in "abcd"]
    ids = {n: cl.id for n, cl in zip("abcd", (a, b, c, d), strict=True)}
    await wait_until(lambda: set(a.view) == {ids["a"], ids["b"]})
    assert set(c.view) == {ids["c"]}
    assert set(d.view) == {ids["d"]}
    # b walks east, out of a's view and into d's, at 8 m/s (within the 20 m/s limit)
    await walk(b, [(15.0 + 0.8 * i, 5.0) for i in range(1, 46)])
    await wait_until(lambda: set(a.view) == {ids["a"]} and set(d.view) == {ids["b"], ids["d"]})
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
    await wait_until(lambda: a.of_type("chat"))
    await nothing_more_arrives(server, b, c)
    assert not b.of_type("chat") and not c.of_type("chat")  # chat radius is 8 m
    await walk(b, [(15.0 - 0.5 * i, 5.0) for i in range(1, 7)])  # now 7 m from a
    await a.send(type="chat", channel="proximity", text="Sekarang dengar?")
    await wait_until(lambda: b.of_type("chat"))
    assert b.of_type("chat")[0]["text"] == "Sekarang dengar?"
    assert b.of_type("chat")[0]["from"]["id"] == a.id
    await nothing_more_arrives(server, c)
    assert not c.of_type("chat")
    for cl in (a, b, c):
        await cl.close()


async def test_a_dropped_client_resumes_its_avatar_and_others_see_it_idle_not_leaving(server):
    a, b = await enter(server, "a"), await enter(server, "b")
    await walk(a, [(5.5, 5.0), (6.0, 5.0)])
    await wait_until(lambda: b.view.get(a.id) == pytest.approx((6.0, 5.0)))
    a.ws.transport.abort()  # drop without a close frame, as a phone losing signal does
    connections = f'hall_ws_connections{{hall="{HALL}"}}'

    async def noticed() -> bool:
        return await server.metric(connections) == 1

    await wait_until(noticed, what="the server to notice the dropped connection")
    await nothing_more_arrives(server, b)
    assert a.id in b.view and a.id not in b.gone  # not "left"
    again = await server.join(HALL, a.token, resume_token=a.resume_token)
    welcome = again.welcome
    assert welcome["resumed"] is True
    assert welcome["you"]["id"] == a.id
    assert (welcome["you"]["x"], welcome["you"]["y"]) == (6.0, 5.0)
    assert b.id in {n["id"] for n in welcome["neighbours"]}
    assert a.id in b.view
    await again.close()
    await b.close()


async def test_resuming_while_the_old_connection_is_open_closes_the_old_one_with_4012(server):
    a = await enter(server, "a")
    again = await server.join(HALL, a.token, resume_token=a.resume_token)
    assert again.welcome["resumed"] is True and again.welcome["you"]["id"] == a.id
    await a.task  # the old connection ends...
    assert a.ws.close_code == 4012  # ...told why
    await again.close()


async def test_a_second_join_on_the_same_connection_is_an_error(server):
    a = await enter(server, "a")
    await a.send(type="join", token=a.token, seq=3)
    await wait_until(lambda: a.of_type("error"))
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
        await asyncio.sleep(0.05)  # paces the writes so that they arrive as separate reads
    a.ws.transport.write(
        _masked_text('{"type":"ping","t":2}') + _masked_text('{"type":"ping","t":3}')
    )
    await wait_until(lambda: len(a.of_type("pong")) == 3)
    # A fragmented message and a ping from the client, then plain frames again.
    await a.ws.send(iter(['{"type":"ping",', '"t":4}']))
    await asyncio.wait_for(await a.ws.ping(), 5.0)
    a.ws.transport.write(_masked_text('{"type":"ping","t":5}'))
    await walk(a, [(5.5, 5.0)])
    await wait_until(lambda: len(a.of_type("pong")) == 5 and a.view[a.id] == (5.5, 5.0))
    assert [m["t"] for m in a.of_type("pong")] == [1, 2, 3, 4, 5]
    await a.close()
