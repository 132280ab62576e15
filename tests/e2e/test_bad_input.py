"""Every class of bad input gets its documented error; nothing crashes the hall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.server import WEBSOCKETS, running_server
from tests.helpers import write_room

HALL = "test-room"


@pytest.fixture(params=sorted(WEBSOCKETS))
async def server(tmp_path: Path, request: pytest.FixtureRequest):
    scene = write_room(tmp_path / "room.json", [(5.0, 5.0), (6.0, 5.0)])
    async with running_server(
        tmp_path / "data",
        uvicorn_options=WEBSOCKETS[request.param],
        scene_files=(scene,),
        join_timeout_s=0.5,
        max_connections_per_address=6,
        messages_per_s=20.0,
        message_burst=20,
        abuse_strikes=10,
    ) as srv:
        yield srv


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_type"),
        ('{"no_type": 1}', "bad_type"),
        ('{"type": "teleport"}', "unknown_type"),
        ('{"type": "move", "x": NaN, "y": 1, "yaw": 0, "anim": "walk"}', "bad_json"),
        ('{"type": "move", "x": 1e999, "y": 1, "yaw": 0, "anim": "walk"}', "bad_value"),
        ('{"type": "move", "x": "5", "y": 1, "yaw": 0, "anim": "walk"}', "bad_type"),
        ('{"type": "move", "x": 5000, "y": 1, "yaw": 0, "anim": "walk"}', "out_of_range"),
        ('{"type": "move", "x": 5, "y": 5, "yaw": 0, "anim": "moonwalk"}', "bad_value"),
        ('{"type": "move", "x": 5, "y": 5, "seq": -1}', "bad_type"),
        ('{"type": "chat", "text": ""}', "bad_value"),
        ('{"type": "chat", "text": 42}', "bad_type"),
        ('{"type": "chat", "channel": "private:nope", "text": "hi"}', "not_member"),
        ('{"type": "emote", "emote": "dab"}', "bad_value"),
        ('{"type": "channel_open", "with": [2]}', "forbidden"),
        ('{"type": "channel_open", "with": "x"}', "bad_type"),
        ('"' + "x" * 5000 + '"', "too_large"),
    ],
)
async def test_a_bad_message_gets_a_named_error_and_the_connection_stays(server, message, code):
    token = await server.guest_token("tamu")
    ws = await server.join(HALL, token)
    await ws.send_raw(message)
    error = await ws.next("error")
    assert error["code"] == code
    assert error["message"]
    await ws.send_raw(json.dumps({"type": "ping", "t": 7}))
    assert (await ws.next("pong"))["t"] == 7
    await ws.close()


async def test_a_binary_message_is_refused_with_an_error(server):
    ws = await server.join(HALL, await server.guest_token("tamu"))
    await ws.send_raw(b"\x00\x01")
    assert (await ws.next("error"))["code"] == "bad_type"
    await ws.close()


async def test_an_error_names_the_sequence_number_of_the_bad_message(server):
    ws = await server.join(HALL, await server.guest_token("tamu"))
    await ws.send_raw(json.dumps({"type": "emote", "emote": "dab", "seq": 12}))
    assert (await ws.next("error"))["ref"] == 12
    await ws.close()


async def test_a_flood_is_rate_limited_then_closed_as_abusive(server):
    ws = await server.join(HALL, await server.guest_token("tamu"))
    for i in range(200):
        await ws.send_raw(json.dumps({"type": "ping", "t": i}))
    assert await ws.closed() == 4029
    errors = [m["code"] for m in ws.of_type("error")]
    assert errors and set(errors) == {"rate_limited"}


async def test_a_message_refused_unread_still_names_its_sequence_number(server):
    ws = await server.join(HALL, await server.guest_token("tamu"))
    big = {"type": "chat", "text": "x" * 5000, "seq": 77}
    await ws.send_raw(json.dumps(big))
    error = await ws.next("error", lambda m: m["code"] == "too_large")
    assert error["ref"] == 77
    for i in range(120):  # past the bucket's burst: refused before being read
        await ws.send_raw(json.dumps({"type": "ping", "t": i, "seq": 1000 + i}))
    limited = await ws.next("error", lambda m: m["code"] == "rate_limited")
    assert isinstance(limited["ref"], int) and limited["ref"] >= 1000
    await ws.close()


async def test_the_hall_keeps_serving_others_after_abuse(server):
    good = await server.join(HALL, await server.guest_token("baik"))
    bad = await server.join(HALL, await server.guest_token("nakal"))
    for payload in ("{", "[]", '{"type": 1}', "x" * 10_000, '{"type":"move","x":null}'):
        await bad.send_raw(payload)
    await good.send_raw(json.dumps({"type": "ping", "t": 1}))
    assert (await good.next("pong"))["t"] == 1
    await good.close()
    await bad.close()


@pytest.mark.parametrize(
    ("join", "close"),
    [
        ({"type": "join", "token": "not-a-token"}, 4001),
        ({"type": "join"}, 4001),
        ({"type": "move", "x": 1}, 4000),
    ],
)
async def test_a_bad_join_is_refused_with_its_close_code(server, join, close):
    ws = await server.connect(HALL)
    await ws.send_raw(json.dumps(join))
    error = await ws.next("error")
    assert error["code"]
    assert await ws.closed() == close


async def test_an_expired_token_is_refused(server):
    from hall_server.auth.tokens import issue_token
    from hall_server.secrets import derive_key, resolve_secret_key

    key = derive_key(resolve_secret_key(server.settings), "token")
    token = issue_token(key, subject="guest:x", role="guest", ttl_s=10, now=1000.0, name="lama")
    ws = await server.connect(HALL)
    await ws.send_raw(json.dumps({"type": "join", "token": token}))
    assert (await ws.next("error"))["code"] == "token_expired"
    assert await ws.closed() == 4001


async def test_no_join_within_the_timeout_is_closed(server):
    ws = await server.connect(HALL)
    assert await ws.closed() == 4010


async def test_an_unknown_hall_is_closed_with_4004(server):
    ws = await server.connect("no-such-hall")
    assert await ws.closed() == 4004


async def test_a_token_for_another_hall_is_forbidden(server):
    r = await server.http.post(
        "/api/v1/auth/guest/token", json={"display_name": "x", "role": "guest", "hall": "other"}
    )
    ws = await server.connect(HALL)
    await ws.send_raw(json.dumps({"type": "join", "token": r.json()["token"]}))
    assert (await ws.next("error"))["code"] == "forbidden"
    assert await ws.closed() == 4003


async def test_too_many_connections_from_one_address_are_refused(server):
    open_ = [await server.connect(HALL) for _ in range(6)]
    extra = await server.connect(HALL)
    assert (await extra.next("error"))["code"] == "too_many_connections"
    assert await extra.closed() == 4029
    for ws in open_:
        await ws.close()


async def test_a_spectator_may_watch_but_not_move_chat_or_gesture(server):
    ws = await server.join(HALL, await server.guest_token("layar", role="spectator"))
    assert ws.welcome["you"]["role"] == "spectator"
    for msg in (
        {"type": "move", "x": 5, "y": 5, "yaw": 0, "anim": "walk"},
        {"type": "chat", "text": "halo"},
        {"type": "emote", "emote": "wave"},
    ):
        await ws.send(**msg)
        error = await ws.next("error", lambda m, seq=ws.seq: m.get("ref") == seq)
        assert error["code"] == "forbidden"
    await ws.close()


async def test_an_officer_opens_a_private_channel_that_a_citizen_cannot(server):
    officer = await server.join(HALL, await server.staff_token("petugas1"))
    citizen = await server.join(HALL, await server.guest_token("warga"))
    await officer.send(**{"type": "channel_open", "with": [citizen.id]})
    opened = await citizen.next("channel_opened")
    await citizen.send(type="chat", channel=opened["channel"], text="Mau urus KK")
    line = await officer.next("chat")
    assert line["channel"] == opened["channel"] and line["text"] == "Mau urus KK"
    await citizen.send(type="channel_close", channel=opened["channel"])
    assert (await citizen.next("error"))["code"] == "forbidden"
    await officer.close()
    await citizen.close()
