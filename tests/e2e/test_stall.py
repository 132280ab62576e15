"""A client that stops reading is closed with 4008 within the stall limit,
whatever path its frames take (written directly by the tick or through its
mailbox), and its connection is dropped rather than left open with a full
send buffer."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import socket
import struct
from pathlib import Path

import pytest

from tests.e2e.server import RunningServer, running_server
from tests.helpers import write_room
from tests.support.waiting import wait_until

HALL = "test-room"
STALL_S = 1.0


@pytest.fixture
async def server(tmp_path: Path):
    scene = write_room(tmp_path / "room.json", [(5.0, 5.0), (6.0, 5.0)])
    async with running_server(
        tmp_path / "data", scene_files=(scene,), stall_close_s=STALL_S
    ) as srv:
        yield srv


def _masked_text(text: str) -> bytes:
    payload = text.encode()
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    if len(payload) < 126:
        header = bytes((0x81, 0x80 | len(payload)))
    else:
        header = struct.pack("!BBH", 0x81, 0x80 | 126, len(payload))
    return header + mask + body


async def _join_then_never_read(server: RunningServer, name: str) -> socket.socket:
    """A raw TCP client: the WebSocket handshake, a join, and no reading after
    the handshake answer (so it never answers a ping nor takes a frame)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /ws/v1/halls/{HALL} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(sock, request.encode())
    answer = b""
    async with asyncio.timeout(10):
        while b"\r\n\r\n" not in answer:
            answer += await loop.sock_recv(sock, 1)  # byte by byte: not one frame byte more
    assert answer.startswith(b"HTTP/1.1 101")
    token = await server.guest_token(name)
    await loop.sock_sendall(sock, _masked_text(json.dumps({"type": "join", "token": token})))
    return sock


async def _metric(server: RunningServer, pattern: str) -> float:
    text = (await server.http.get("/metrics")).text
    found = re.search(pattern, text)
    return float(found.group(1)) if found else 0.0


async def _wait_for_stall_close(server: RunningServer, remaining: int = 0) -> None:
    # Liveness, not timing: a generous deadline, far beyond the 1 s limit, that
    # the old code never met (it never closed such a client at all).
    async def closed_4008() -> bool:
        return await _metric(server, r'hall_ws_closes_total\{code="4008"\} ([0-9.]+)') >= 1

    async def dropped() -> bool:
        connections = r'hall_ws_connections\{hall="test-room"\} ([0-9.]+)'
        return await _metric(server, connections) <= remaining

    await wait_until(closed_4008, 15, "the stalled client to be closed with 4008", interval=0.05)
    await wait_until(dropped, 15, f"{remaining} hall connection(s) left", interval=0.05)


async def test_a_client_that_stops_reading_in_a_quiet_hall_is_closed_with_4008(server):
    # Nothing moves: the few bytes the hall sends fit any buffer, so only a
    # check that the client still reads can find it.
    sock = await _join_then_never_read(server, "diam")
    try:
        await _wait_for_stall_close(server)
    finally:
        sock.close()


async def test_a_client_that_stops_reading_while_frames_flow_is_closed_with_4008(server):
    # A walker in view: frames go to the stalled client by the direct path
    # (they are small; its buffers are far from full).
    sock = await _join_then_never_read(server, "macet")
    walker = await server.join(HALL, await server.guest_token("jalan"))

    async def walk() -> None:
        x = 6.0
        while True:
            x = 6.0 if x > 20 else x + 0.1
            await walker.send_raw(json.dumps({"type": "move", "x": x, "y": 5.0, "anim": "walk"}))
            await asyncio.sleep(0.05)  # paces the walker (20 moves/s), not a wait for a condition

    walking = asyncio.create_task(walk())
    try:
        await _wait_for_stall_close(server, remaining=1)
        # The walker is untouched: still connected and answered.
        await walker.send(type="ping", t=3)
        assert (await walker.next("pong"))["t"] == 3
    finally:
        walking.cancel()
        sock.close()
        await walker.close()
