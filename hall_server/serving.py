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

Everything else (handshake, close, keepalive pings, errors) is uvicorn's.
Measured at 1,000 walking clients: BENCHMARKS.md section 1.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from hall_server.settings import Settings
from realtime.asgi import DIRECT

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


class HallWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol with a direct side for the hall."""

    _receiver: Callable[[str | bytes], bool] | None = None

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][DIRECT] = self
        # The handshake request is not needed once answered.
        del self.request

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

    def send_receive_event_to_app(self) -> None:
        receiver = self._receiver
        if receiver is not None and not self.close_sent and self.queue.empty():
            frames = self.frames
            data = frames[0] if len(frames) == 1 else b"".join(frames)
            message: str | bytes = data
            if self.curr_msg_data_type == "text":
                try:
                    message = data.decode()
                except UnicodeDecodeError:
                    super().send_receive_event_to_app()  # uvicorn closes with 1007
                    return
            if receiver(message):
                self.frames = []
                return
        super().send_receive_event_to_app()


def uvicorn_config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration of ``hall-server serve`` (the tests use it too)."""
    options: dict[str, Any] = {
        "ws": HallWebSocketProtocol,
        "ws_per_message_deflate": False,  # measured: ~2.7x CPU for little gain on quantised frames
        "ws_max_size": max(65536, settings.limits.max_message_bytes * 4),
        "access_log": False,  # our own access log omits client addresses
        "log_config": None,
        "lifespan": "on",
        **overrides,
    }
    return uvicorn.Config(app, **options)
