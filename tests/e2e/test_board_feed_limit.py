"""Board-feed sockets count against the per-address connection limit, with the
hall sockets, and are refused the same way (too_many_connections, 4029)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.server import next_json, running_server

HALL = "mpp-kendari"  # the bundled hall has counters, so a board


@pytest.fixture
async def server(tmp_path: Path):
    async with running_server(tmp_path / "data", max_connections_per_address=3) as srv:
        yield srv


async def refused(ws: ClientConnection) -> tuple[str, int | None]:
    error = await next_json(ws, "error")
    with contextlib.suppress(ConnectionClosed):
        async with asyncio.timeout(5):
            while True:
                await ws.recv()
    return error["code"], ws.close_code


def board_url(server, hall: str = HALL) -> str:
    return server.ws_url(hall) + "/board"


async def test_board_sockets_beyond_the_limit_are_refused(server):
    boards = [await connect(board_url(server)) for _ in range(3)]
    for ws in boards:
        assert (await next_json(ws, "board"))["type"] == "board"
    extra = await connect(board_url(server))
    assert await refused(extra) == ("too_many_connections", 4029)
    # A hall socket from the same address is refused too: one count for both.
    hall = await connect(server.ws_url(HALL))
    assert await refused(hall) == ("too_many_connections", 4029)
    # A closed board frees its place.
    await boards[0].close()
    async with asyncio.timeout(10):
        while True:
            again = await connect(board_url(server))
            msg = json.loads(await again.recv())
            if msg["type"] == "board":
                break
            await again.close()  # the server has not yet seen the close: retry
    for ws in (*boards[1:], again):
        await ws.close()
    metrics = (await server.http.get("/metrics")).text
    assert 'hall_ws_closes_total{code="4029"}' in metrics


async def test_hall_sockets_fill_the_limit_for_boards(server):
    halls = [await connect(server.ws_url(HALL)) for _ in range(3)]
    board = await connect(board_url(server))
    assert await refused(board) == ("too_many_connections", 4029)
    for ws in halls:
        await ws.close()
