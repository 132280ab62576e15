"""Fan-out: a stalled client never slows the others and is closed with 4008."""

from __future__ import annotations

import itertools
import json
import socket
import time
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.server import running_server
from tests.support.waiting import wait_until


@pytest.fixture
async def busy_server(tmp_path: Path):
    # The bundled demo hall with many simulated citizens, all in view of everyone
    # (one huge AOI cell, no bound on the view), so each client receives a steady
    # stream of large frames that fills a stalled client's buffers quickly.
    async with running_server(
        tmp_path / "data",
        demo_citizens=150,
        aoi_cell_m=200.0,
        view_max_avatars=200,
        stall_close_s=1.0,
    ) as srv:
        yield srv


async def test_a_stalled_client_does_not_slow_the_others_and_is_closed(busy_server):
    server = busy_server
    hall = "mpp-kendari"
    good = await server.join(hall, await server.guest_token("lancar"))

    # The stalled client never reads: a tiny receive buffer and no recv() calls.
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", server.port))
    raw.setblocking(False)
    stalled = await connect(server.ws_url(hall), sock=raw, max_queue=1, compression=None)
    await stalled.send(json.dumps({"type": "join", "token": await server.guest_token("macet")}))

    # Meanwhile the good client keeps receiving a frame about every tick, until
    # the server reports that it closed the stalled one (code 4008).
    started = time.monotonic()

    async def stalled_closed() -> bool:
        metrics = (await server.http.get("/metrics")).text
        return 'hall_ws_closes_total{code="4008"} 1.0' in metrics

    await wait_until(stalled_closed, 60, "the server to close the stalled client", interval=0.5)
    arrivals = [t for t in good.frame_times if t >= started]
    print(f"stalled client closed by the server after {time.monotonic() - started:.1f}s")
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    # Not a timing assertion on the server's speed: a liveness check that the
    # good client was never starved for seconds while the other stalled.
    assert len(arrivals) > 10
    assert max(gaps) < 1.0, f"good client waited {max(gaps):.2f}s between frames"
    # The stalled client cannot read the close frame it is not reading; drop it.
    stalled.transport.abort()
    with pytest.raises(ConnectionClosed):
        while True:
            await stalled.recv()
    await good.close()


async def test_leave_closes_normally_and_others_see_the_avatar_go(tmp_path: Path):
    async with running_server(tmp_path / "data") as server:
        hall = "mpp-kendari"
        a = await server.join(hall, await server.guest_token("a"))
        b = await server.join(hall, await server.guest_token("b"))
        await a.send(type="leave")
        assert await a.closed() == 1000
        await wait_until(lambda: a.id in b.gone, 5, "b to see a leave")
        await b.close()
