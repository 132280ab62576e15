"""Board-feed sockets count against the per-address connection limit, with the
hall sockets, and are refused the same way (too_many_connections, 4029)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.server import running_server
from tests.support.client import HallClient
from tests.support.waiting import wait_until

HALL = "mpp-kendari"  # the bundled hall has counters, so a board


@pytest.fixture
async def server(tmp_path: Path):
    async with running_server(tmp_path / "data", max_connections_per_address=3) as srv:
        yield srv


async def refused(ws: HallClient) -> tuple[str, int | None]:
    error = await ws.next("error")
    return error["code"], await ws.closed()


def board_url(server, hall: str = HALL) -> str:
    return server.ws_url(hall) + "/board"


async def test_board_sockets_beyond_the_limit_are_refused(server):
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
        first = await again.next("board", timeout=5) if await _answered(again) else None
        if first is not None:
            return again
        await again.close()  # the server has not yet seen the close: retry
        return None

    again = await wait_until(a_board_again, 10, "a board socket accepted again", interval=0.05)
    for ws in (*boards[1:], again):
        await ws.close()
    metrics = (await server.http.get("/metrics")).text
    assert 'hall_ws_closes_total{code="4029"}' in metrics


async def _answered(ws: HallClient) -> bool:
    """Whether the first message on a new board socket is a board (not a refusal)."""
    await wait_until(lambda: ws.messages or ws.task.done(), 5, "the first message")
    return bool(ws.messages) and ws.messages[0]["type"] == "board"


async def test_hall_sockets_fill_the_limit_for_boards(server):
    halls = [await server.connect(HALL) for _ in range(3)]
    board = await HallClient.connect(board_url(server))
    assert await refused(board) == ("too_many_connections", 4029)
    for ws in halls:
        await ws.close()
