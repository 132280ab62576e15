"""The router's own refusals (no such path, wrong method) answer in the documented error shape."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.server import running_server


async def test_an_unknown_path_and_a_wrong_method_get_the_error_body_with_texts(tmp_path: Path):
    async with running_server(tmp_path / "data") as server:
        missing = await server.http.get("/api/v1/no-such-thing")
        assert missing.status_code == 404
        error = missing.json()["error"]
        assert error["code"] == "not_found" and error["text"]["id"] and error["text"]["en"]
        wrong = await server.http.delete("/api/v1/services")
        assert wrong.status_code == 405
        assert wrong.json()["error"]["code"] == "method_not_allowed"


async def test_a_board_feed_for_an_unknown_hall_says_why_before_it_closes(tmp_path: Path):
    import json

    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    async with running_server(tmp_path / "data") as server:
        ws = await connect(f"ws://127.0.0.1:{server.port}/ws/v1/halls/nope/board")
        error = json.loads(await ws.recv())
        assert error["type"] == "error" and error["code"] == "unknown_hall" and error["text"]["id"]
        try:
            await ws.recv()
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4004
        else:
            raise AssertionError("the feed should have closed")
