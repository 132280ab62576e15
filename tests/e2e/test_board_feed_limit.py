"""Board-feed sockets count against the per-address connection limit, with the
hall sockets, and are refused the same way (too_many_connections, 4029)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.server import RunningServer, running_server
from tests.support.client import HallClient
from tests.support.waiting import wait_until

HALL = "mpp-kendari"  # the bundled hall has counters, so a board


@pytest.fixture
async def server(tmp_path: Path):
    async with running_server(tmp_path / "data", max_connections_per_address=3) as srv:
        yield srv


async def refused(client: HallClient) -> tuple[str, int]:
    """The refusal's error code and the close code that follows it."""
    error = await client.next("error")
    return error["code"], await client.closed()


def board_url(server: RunningServer, hall: str = HALL) -> str:
    return server.ws_url(hall) + "/board"


async def first_message(client: HallClient) -> str:
    """The type of the first message the server sends (a board, or a refusal's error)."""
    await wait_until(lambda: client.messages or client.task.done(), 10, "a first message")
    return str(client.messages[0]["type"]) if client.messages else "closed"


async def test_board_sockets_beyond_the_limit_are_refused(server):
    # The board feed speaks JSON only: the shared client reads it as it reads a hall socket.
    boards = [await HallClient.connect(board_url(server)) for _ in range(3)]
    for ws in boards:
        assert (await ws.next("board"))["type"] == "board"
    extra = await HallClient.connect(board_url(server))
    assert await refused(extra) == ("too_many_connections", 4029)
    # A hall socket from the same address is refused too: one count for both.
    hall = await server.connect(HALL)
    assert await refused(hall) == ("too_many_connections", 4029)
    # A closed board frees its place.
    await boards[0].close()

    async def a_board_again() -> HallClient | None:
        again = await HallClient.connect(board_url(server))
        if await first_message(again) == "board":
            return again
        await again.close()  # the server has not yet seen the close: try again
        return None

    again = await wait_until(a_board_again, 10, "a board socket in the freed place")
    for ws in (*boards[1:], again):
        await ws.close()
    metrics = (await server.http.get("/metrics")).text
    assert 'hall_ws_closes_total{code="4029"}' in metrics


async def test_hall_sockets_fill_the_limit_for_boards(server):
    halls = [await server.connect(HALL) for _ in range(3)]
    board = await HallClient.connect(board_url(server))
    assert await refused(board) == ("too_many_connections", 4029)
    for ws in halls:
        await ws.close()
