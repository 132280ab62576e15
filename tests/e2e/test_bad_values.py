"""Input that is only bad (huge integers, lone surrogates, invalid UTF-8) gets
its documented error code, and nothing is logged as an error with a traceback."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from websockets.frames import Frame, Opcode

from tests.e2e.server import WEBSOCKETS, running_server
from tests.helpers import write_room

HALL = "test-room"
HUGE = "9" * 400


@pytest.fixture(params=sorted(WEBSOCKETS))
async def server(tmp_path: Path, request: pytest.FixtureRequest):
    scene = write_room(tmp_path / "room.json", [(5.0, 5.0), (6.0, 5.0)])
    async with running_server(
        tmp_path / "data", uvicorn_options=WEBSOCKETS[request.param], scene_files=(scene,)
    ) as srv:
        yield srv


def no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (f'{{"type": "move", "x": {HUGE}, "y": 5, "yaw": 0, "anim": "walk"}}', "bad_value"),
        (f'{{"type": "move", "x": 5, "y": -{HUGE}, "yaw": 0, "anim": "walk"}}', "bad_value"),
        (f'{{"type": "move", "x": 5, "y": 5, "yaw": {HUGE}, "anim": "walk"}}', "bad_value"),
        ('{"type": "chat", "text": "halo \\ud800"}', "bad_value"),
        ('{"type": "chat", "text": "\\udfff"}', "bad_value"),
        ('{"type": "emote", "emote": "\\ud83d"}', "bad_value"),
    ],
)
async def test_a_bad_value_gets_its_code_not_internal(server, caplog, message, code):
    caplog.set_level(logging.INFO)
    ws = await server.join(HALL, await server.guest_token("tamu"))
    await ws.send_raw(message)
    error = await ws.next("error")
    assert error["code"] == code, error
    await ws.send_raw(json.dumps({"type": "ping", "t": 7}))
    assert (await ws.next("pong"))["t"] == 7
    await ws.close()
    no_errors_logged(caplog)


async def test_an_escaped_surrogate_pair_is_a_character_and_fine(server, caplog):
    ws = await server.join(HALL, await server.guest_token("tamu"))
    await ws.send_raw('{"type": "chat", "text": "senyum \\ud83d\\ude00"}')
    line = await ws.next("chat")
    assert line["text"] == "senyum \U0001f600"
    await ws.close()
    no_errors_logged(caplog)


async def test_a_join_with_a_lone_surrogate_in_the_name_is_refused(server, caplog):
    ws = await server.connect(HALL)
    token = await server.guest_token("tamu")
    join = json.dumps({"type": "join", "token": token, "display_name": "a@"})
    await ws.send_raw(join.replace("@", "\\ud800"))
    assert (await ws.next("error"))["code"] == "bad_value"
    assert await ws.closed() == 4000
    no_errors_logged(caplog)


async def test_invalid_utf8_is_closed_with_1007_and_no_traceback(tmp_path: Path, caplog):
    # Our protocol only: uvicorn's stock one logs this itself.
    caplog.set_level(logging.DEBUG)
    scene = write_room(tmp_path / "room.json", [(5.0, 5.0)])
    async with running_server(tmp_path / "data", scene_files=(scene,)) as server:
        ws = await server.join(HALL, await server.guest_token("tamu"))
        # A text frame that is not UTF-8, written below the library's checks.
        frame = Frame(Opcode.TEXT, b'{"type": "chat", "text": "\xff\xfe"}')
        ws.ws.transport.write(frame.serialize(mask=True, extensions=[]))
        assert await ws.closed() == 1007
    no_errors_logged(caplog)


async def test_a_huge_appointment_time_is_out_of_range_not_internal(tmp_path: Path, caplog):
    async with running_server(tmp_path / "data") as server:
        ws = await server.join("mpp-kendari", await server.guest_token("Siti"))
        await ws.send_raw(
            f'{{"type": "ticket_take", "service": "KTP-EL", "appointment_at": {HUGE}, "seq": 4}}'
        )
        error = await ws.next("error")
        assert error["code"] == "out_of_range" and error["ref"] == 4
        await ws.close()
    no_errors_logged(caplog)
