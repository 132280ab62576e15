"""How uvicorn serves the hall: its configuration and our WebSocket protocol.

:class:`HallWebSocketProtocol` is uvicorn's sans-I/O WebSocket protocol
(the ``websockets`` library's parser) with two additions for the hall,
offered to the application as the ASGI extension
:data:`realtime.asgi.DIRECT`:

- ``send_nowait``: the tick writes a snapshot frame straight to the
  transport while the transport's buffer is below its high-water mark,
  instead of waking a writer task per client per frame;
- ``set_receiver``: a parsed message is handed to a callback as it
  arrives, instead of being queued for a task that must be woken for it
  (and without pausing and resuming reading for every message, which the
  stock protocol does).

And it parses the plain frames that are nearly all of a hall's traffic
itself: a masked, unfragmented text frame (a move), or a pong to uvicorn's
keepalive ping. The websockets parser, a generator that builds a frame
object per message, cost about 15 % of the core at 10,000 moves a second.
The first frame of any other kind (binary, fragmented, ping, close, too
large, not UTF-8) and everything after it go to the websockets parser,
which then sees a stream starting at a frame boundary and handles it as it
always does; so does a connection whose client sent data before the
handshake was answered.

Everything else (handshake, close, errors) is uvicorn's, and so are the
keepalive pings, which also find clients that stopped reading: a ping left
unanswered for the stall limit means the client takes nothing from its
socket, however few bytes the hall sent it (a quiet hall sends a few
hundred bytes a second, which would take minutes to fill the kernel's
buffers). The timing is set in :func:`uvicorn_config` from
``stall_close_s``; the hall runtime is told (``set_on_stall``) and closes
with 4008; a connection without a runtime callback (before the join, the
board feed) is closed with 4008 here. Either way the TCP connection is
dropped at once: a graceful close would wait for a flush that never comes.
Measured at 1,000 walking clients: BENCHMARKS.md section 1.
"""

from __future__ import annotations

import contextlib
import logging
import struct
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol

try:
    from websockets.speedups import apply_mask
except ImportError:  # a websockets build without its C extension
    from websockets.utils import apply_mask

from hall_server.logs import install_client_address_filter
from hall_server.settings import Settings
from hall_server.ws_inbox import Flag, Inbox
from realtime.asgi import DIRECT
from realtime.closes import CloseCode

log = logging.getLogger(__name__)

_TEXT, _BINARY = 0x81, 0x82  # FIN + opcode: every message is one unfragmented frame
_MEDIUM = struct.Struct("!BBH")
_LONG = struct.Struct("!BBQ")


def frame_header(opcode: int, length: int) -> bytes:
    """An unmasked server-to-client frame header (RFC 6455 section 5.2)."""
    if length < 126:
        return bytes((opcode, length))
    if length < 65536:
        return _MEDIUM.pack(opcode, 126, length)
    return _LONG.pack(opcode, 127, length)


_MASKED_TEXT, _MASKED_PONG = 0x81, 0x8A  # first byte of frames parsed here


class HallWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol with a direct side for the hall."""

    _receiver: Callable[[str | bytes], bool] | None = None
    _on_stall: Callable[[], None] | None = None
    #: frames are parsed here (see the module's doc); False: by websockets
    _own_parser = False
    _rest = b""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The same waiting without asyncio's deques: 3.8 KB less per connection
        # (hall_server/ws_inbox.py).
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Flag()  # type: ignore[assignment]
        self.writable.set()

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][DIRECT] = self
        # The handshake request is not needed once answered.
        del self.request

    def data_received(self, data: bytes) -> None:
        if self._own_parser:
            self._parse(self._rest + data if self._rest else data)
            return
        upgrading = not self.handshake_initiated
        super().data_received(data)
        if upgrading and self.handshake_initiated:
            # Our parser takes over only at a frame boundary: nothing but the
            # request was received (a client must wait for the answer to send).
            self._own_parser = (
                getattr(self, "scope", None) is not None
                and not self.close_sent
                and data.endswith(b"\r\n\r\n")
                and not self.conn.reader.buffer
                and self.queue.qsize() == 1  # only websocket.connect
            )
            if self._own_parser:
                # The handshake parser's suspended frame holds the request and its
                # headers (about 2 KB) for the connection's life; at a frame boundary
                # with nothing buffered, a fresh frame parser is in the same state.
                conn = self.conn
                conn.parser = Protocol.parse(conn)
                next(conn.parser)

    def _parse(self, buf: bytes) -> None:
        # Each check decides at the same byte as the websockets parser would, so
        # a bad frame is refused as early, by the library, as without this parser
        # (tests/realtime/test_frame_parser_differential.py).
        pos, end = 0, len(buf)
        max_size = self.config.ws_max_size
        while pos < end and not self.close_sent:
            first = buf[pos]
            if first != _MASKED_TEXT and first != _MASKED_PONG:
                break
            if end - pos < 2:
                self._rest = buf[pos:]
                return
            second = buf[pos + 1]
            if second < 0x80:  # not masked
                break
            length = second & 0x7F
            if length < 126:
                start = pos + 6
            elif length == 126 and first == _MASKED_TEXT:  # a control frame is < 126
                if end - pos < 4:
                    self._rest = buf[pos:]
                    return
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                start = pos + 8
            else:
                break
            if length > max_size:
                break
            if start + length > end:
                self._rest = buf[pos:]
                return
            payload = apply_mask(buf[start : start + length], buf[start - 4 : start])
            if first == _MASKED_PONG:
                self.handle_pong(Frame(Opcode.PONG, payload))
            else:
                try:
                    text = payload.decode()
                except UnicodeDecodeError:
                    break
                self._deliver(text)
            pos = start + length
        if pos == end:
            self._rest = b""
            return
        # Anything else: the websockets parser from here on.
        self._own_parser, self._rest = False, b""
        super().data_received(buf[pos:])

    def _deliver(self, text: str) -> None:
        receiver = self._receiver
        if receiver is not None and self.queue.empty() and receiver(text):
            return
        self.curr_msg_data_type = "text"
        self.frames = [text.encode()]  # uvicorn's path decodes it again: rare
        super().send_receive_event_to_app()

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept":
            del self.response  # the handshake response, kept by uvicorn until now

    # the direct side (realtime.asgi.Direct)

    def send_nowait(self, data: bytes | str) -> bool:
        if (
            self.close_sent
            or self.disconnected
            or not self.handshake_complete
            or self.initial_response is not None
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        if isinstance(data, str):
            payload = data.encode()
            self.transport.write(frame_header(_TEXT, len(payload)) + payload)
        else:
            self.transport.write(frame_header(_BINARY, len(data)) + data)
        return True

    def set_receiver(self, receiver: Callable[[str | bytes], bool] | None) -> None:
        self._receiver = receiver

    def set_on_stall(self, on_stall: Callable[[], None] | None) -> None:
        self._on_stall = on_stall

    def close_now(self, code: int, reason: str) -> None:
        if self.disconnected:
            return
        if self.handshake_complete and not self.close_sent and self.initial_response is None:
            with contextlib.suppress(InvalidState):
                self.conn.send_close(code, reason)
                self.transport.write(b"".join(self.conn.data_to_send()))
            self.close_sent = True
        self.transport.abort()

    def keepalive_timeout(self) -> None:
        """A keepalive ping went unanswered for ``ws_ping_timeout``: the client
        stopped reading. (uvicorn's own answer, a graceful 1011 close, would
        wait forever for the client to take its buffered data.)"""
        self.pong_timer = None
        self.pending_ping_payload = None
        if self.disconnected:
            return
        on_stall = self._on_stall
        if on_stall is not None and not self.close_sent:
            on_stall()
        else:
            self.close_now(CloseCode.STALLED, "not reading")

    def send_receive_event_to_app(self) -> None:
        frames = self.frames
        data = frames[0] if len(frames) == 1 else b"".join(frames)
        message: str | bytes = data
        if self.curr_msg_data_type == "text" and not self.close_sent:
            try:
                message = data.decode()
            except UnicodeDecodeError:
                self._refuse_invalid_utf8()
                return
        receiver = self._receiver
        if (
            receiver is not None
            and not self.close_sent
            and self.queue.empty()
            and receiver(message)
        ):
            self.frames = []
            return
        super().send_receive_event_to_app()  # decodes again: the reader's path, rare

    def _refuse_invalid_utf8(self) -> None:
        """Close with 1007, as uvicorn does, but without its ERROR and traceback:
        a client's bad frame is not a server failure."""
        self.frames = []
        log.info("closed a WebSocket that sent a text frame that is not UTF-8 (1007)")
        self.conn.send_close(1007)
        self.handle_parser_exception()


def uvicorn_config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration of ``hall-server serve`` (the tests use it too)."""
    install_client_address_filter()  # uvicorn's WebSocket lines name the client
    # A client must answer a keepalive ping within the stall limit less the ping
    # interval: then one that stops reading right after a pong is closed within
    # stall_close_s of its last read.
    ping_interval = settings.stall_close_s / 4
    options: dict[str, Any] = {
        "ws": HallWebSocketProtocol,
        "ws_ping_interval": ping_interval,
        "ws_ping_timeout": settings.stall_close_s - ping_interval,
        "ws_per_message_deflate": False,  # measured: ~2.7x CPU for little gain on quantised frames
        "ws_max_size": max(65536, settings.limits.max_message_bytes * 4),
        "access_log": False,  # our own access log omits client addresses
        "log_config": None,
        "lifespan": "on",
        **overrides,
    }
    return uvicorn.Config(app, **options)
