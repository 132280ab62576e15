"""The hall's hand-written frame parser (hall_server/serving.py) against the
websockets library's, on the same byte streams.

Both protocols run on a real transport (one end of a socket pair); the same
random and mutated client byte streams, cut into the same random chunks, are
fed to each after the same handshake. The messages the application receives,
in order, and the close code of a refused stream must be the same: the hand
parser may only be faster, never more lenient or stricter.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import socket
import struct
from collections.abc import Callable
from typing import Any

import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState

from hall_server.serving import HallWebSocketProtocol
from tests.support.waiting import wait_until

MAX_SIZE = 300  # small, so that "too large" is often reached

Outcome = tuple[list[tuple[str, Any]], int | None]


async def _app(
    scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
) -> None:
    """Accepts, then records every message (kept in the scope for the test)."""
    got: list[dict[str, Any]] = scope["state"]["got"]
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        got.append(message)
        if message["type"] == "websocket.disconnect":
            return


def _handshake() -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


async def _run(protocol_class: type[WebSocketsSansIOProtocol], chunks: list[bytes]) -> Outcome:
    loop = asyncio.get_running_loop()
    config = uvicorn.Config(
        _app, ws=protocol_class, ws_max_size=MAX_SIZE, ws_ping_interval=None, log_config=None
    )
    config.load()
    state: dict[str, Any] = {"got": []}  # copied shallowly into the scope
    protocol = protocol_class(config, ServerState(), state, _loop=loop)
    ours, peer = socket.socketpair()
    try:
        peer.setblocking(False)
        await loop.connect_accepted_socket(lambda: protocol, ours)
        protocol.data_received(_handshake())
        # interval=0: each check only yields to the loop (hypothesis runs many examples).
        await wait_until(lambda: protocol.handshake_complete, 5, "the handshake", interval=0)
        for chunk in chunks:
            if protocol.transport.is_closing():
                break
            protocol.data_received(chunk)
        # Until the application has taken every queued message, or has returned.
        await wait_until(
            lambda: protocol.queue.empty() or not protocol.tasks,
            5,
            "the application to take every message",
            interval=0,
        )
        got = list(state["got"])  # before the abort below adds its own disconnect
    finally:
        protocol.transport.abort()  # the application sees a disconnect and returns
        peer.close()
        await wait_until(lambda: not protocol.tasks, 5, "the application to return", interval=0)
    messages: list[tuple[str, Any]] = []
    closed: int | None = None
    for message in got:
        if message["type"] == "websocket.disconnect":
            closed = message.get("code")
            break
        messages.append(
            ("text", message["text"]) if "text" in message else ("bytes", message["bytes"])
        )
    return messages, closed


def _both(chunks: list[bytes]) -> tuple[Outcome, Outcome]:
    async def run() -> tuple[Outcome, Outcome]:
        return (
            await _run(HallWebSocketProtocol, chunks),
            await _run(WebSocketsSansIOProtocol, chunks),
        )

    return asyncio.run(run())


# ------------------------------------------------------------------ streams


@st.composite
def frames(draw: st.DrawFn) -> bytes:
    """One client frame, often well-formed, often subtly not."""
    opcode = draw(st.sampled_from([1, 1, 1, 1, 2, 0, 8, 9, 10, 10, 3, 11]))
    fin = draw(st.booleans()) if draw(st.integers(0, 4)) == 0 else True
    rsv = draw(st.sampled_from([0, 0, 0, 0, 0x40, 0x20, 0x10]))
    masked = draw(st.integers(0, 9)) > 0
    if opcode == 1 and draw(st.booleans()):
        payload = draw(st.text(max_size=80)).encode("utf-8", "surrogatepass")
    else:
        payload = draw(
            st.one_of(
                st.binary(max_size=40),
                st.binary(min_size=120, max_size=130),
                st.binary(min_size=MAX_SIZE - 2, max_size=MAX_SIZE + 2),
            )
        )
    if opcode == 8 and payload and draw(st.booleans()):
        payload = (
            struct.pack("!H", draw(st.sampled_from([1000, 1001, 999, 1005, 4000, 5000])))
            + payload[:20]
        )
    length = len(payload)
    form = draw(st.sampled_from(["minimal", "minimal", "minimal", "16", "64"]))
    if form == "minimal":
        form = "7" if length < 126 else "16" if length < 65536 else "64"
    first = (0x80 if fin else 0) | rsv | opcode
    mask_bit = 0x80 if masked else 0
    if form == "7" and length < 126:
        header = bytes((first, mask_bit | length))
    elif form in ("7", "16"):
        header = struct.pack("!BBH", first, mask_bit | 126, length)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, length)
    if not masked:
        return header + payload
    mask = draw(st.binary(min_size=4, max_size=4))
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + body


@st.composite
def streams(draw: st.DrawFn) -> list[bytes]:
    """Frames joined, sometimes mutated (a flipped, inserted or dropped byte, a cut
    end), then cut into chunks at random places."""
    data = bytearray(b"".join(draw(st.lists(frames(), min_size=1, max_size=6))))
    for _ in range(draw(st.integers(0, 2))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "drop", "cut"]))
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data.insert(at, draw(st.integers(0, 255)))
        elif action == "drop":
            del data[at]
        else:
            del data[at:]
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(data) - 1)), max_size=4)))
    bounds = [0, *cuts, len(data)]
    return [bytes(data[a:b]) for a, b in itertools.pairwise(bounds) if a < b]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_the_hand_parser_agrees_with_the_library(chunks):
    (ours, ours_closed), (library, library_closed) = _both(chunks)
    assert_agree(ours, ours_closed, library, library_closed)


def assert_agree(
    ours: list[tuple[str, Any]],
    ours_closed: int | None,
    library: list[tuple[str, Any]],
    library_closed: int | None,
) -> None:
    """Both refuse with the same code, or neither; the same messages out. One
    difference is allowed when both refuse: uvicorn drops the valid messages that
    arrived in the same read as the bad frame (it checks the parser's error
    before taking its events), while ours has already delivered them; so the
    library's messages are then a prefix of ours."""
    assert ours_closed == library_closed
    if library_closed is None:
        assert ours == library
    else:
        assert ours[: len(library)] == library


def test_the_harness_sees_messages_and_refusals():
    # A control: both parsers deliver a plain message, and refuse a too-long one.
    mask = b"\x01\x02\x03\x04"
    hello = bytes(b ^ mask[i % 4] for i, b in enumerate(b"hello"))
    ok = bytes((0x81, 0x85)) + mask + hello
    ours, library = _both([ok])
    assert ours == library == ([("text", "hello")], None)
    big = struct.pack("!BBH", 0x81, 0x80 | 126, MAX_SIZE + 1) + mask + bytes(MAX_SIZE + 1)
    ours, library = _both([ok, big])
    assert ours == library
    assert ours[1] == 1009


def test_what_the_fuzz_found_in_the_hand_parser():
    mask = b"\x01\x02\x03\x04"
    # An unmasked frame: the library refuses it from its first two bytes; the hand
    # parser waited for six before handing over, so refused later, or never.
    assert _both([b"\x81\x00"]) == (([], 1002), ([], 1002))
    # A pong of 126 bytes (a 16-bit length): control frames are at most 125 bytes;
    # the hand parser took it as a pong.
    pong = struct.pack("!BBH", 0x8A, 0x80 | 126, 126) + mask + bytes(126)
    assert _both([pong]) == (([], 1002), ([], 1002))
