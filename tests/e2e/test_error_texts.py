"""Over real sockets: every error a client receives carries its text in both languages,
and the catalogue is served at /api/v1/errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hall_server.error_texts import ERROR_TEXTS
from tests.e2e.server import WEBSOCKETS, RunningServer, running_server
from tests.helpers import write_room
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e

HALL = "test-room"


@pytest.fixture(params=sorted(WEBSOCKETS))
async def server(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[RunningServer]:
    scene = write_room(tmp_path / "room.json", [(5.0, 5.0)])
    async with running_server(
        tmp_path / "data", uvicorn_options=WEBSOCKETS[request.param], scene_files=(scene,)
    ) as srv:
        yield srv


@pytest.fixture
async def rest_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    """HTTP is the same whichever WebSocket protocol serves the hall: one server will do."""
    scene = write_room(tmp_path / "room.json", [(5.0, 5.0)])
    async with running_server(tmp_path / "data", scene_files=(scene,)) as srv:
        yield srv


def assert_texted(error: dict[str, Any], code: str) -> None:
    assert error["code"] == code
    assert error["message"]  # the developer's message stays
    assert error["text"] == {"id": ERROR_TEXTS[code]["id"], "en": ERROR_TEXTS[code]["en"]}


async def test_a_bad_message_gets_its_text_and_ref(server: RunningServer) -> None:
    ws = await server.join(HALL, await server.guest_token("tamu"))
    await ws.send_raw(json.dumps({"type": "teleport", "seq": 3}))
    error = await ws.next("error")
    assert_texted(error, "unknown_type")
    assert error["ref"] == 3
    await ws.send_raw(json.dumps({"type": "move", "x": 5000, "y": 1}))
    errors = await wait_until(lambda: ws.of_type("error")[1:], 10, "a second error")
    assert_texted(errors[0], "out_of_range")
    await ws.close()


async def test_a_refused_connection_gets_its_text_before_the_close(
    server: RunningServer,
) -> None:
    ws = await server.connect("no-such-hall")
    assert_texted(await ws.next("error"), "unknown_hall")
    assert await ws.closed() == 4004
    assert [m["type"] for m in ws.messages] == ["error"]  # the close came next, nothing else


async def test_bad_rest_requests_get_their_text(rest_server: RunningServer) -> None:
    server = rest_server
    # A HallError (the sign-in parses its own body) ...
    answer = await server.http.post("/api/v1/auth/guest/token", content=b"{not json")
    assert answer.status_code == 400
    assert_texted(answer.json()["error"], "bad_json")
    answer = await server.http.get("/api/v1/halls/no-such-hall")
    assert answer.status_code == 404
    assert_texted(answer.json()["error"], "unknown_hall")
    # ... and FastAPI's own validation of a query parameter.
    answer = await server.http.get("/api/v1/services", params={"lang": "fr"})
    assert answer.status_code == 422
    assert_texted(answer.json()["error"], "bad_request")


async def test_the_catalogue_is_public_whole_and_cacheable(rest_server: RunningServer) -> None:
    server = rest_server
    answer = await server.http.get("/api/v1/errors")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == {code: dict(text) for code, text in ERROR_TEXTS.items()}
    assert "public" in answer.headers["cache-control"]
    etag = answer.headers["etag"]
    again = await server.http.get("/api/v1/errors", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert not again.content
    other = await server.http.get("/api/v1/errors", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200
