"""The hall socket as the gateway sees it: plain ASGI, plus an optional direct side.

:class:`AsgiSocket` speaks the ASGI WebSocket messages itself instead of
going through Starlette's ``WebSocket`` and FastAPI's routing: the hall
socket is the one route where every connection lives for minutes and
carries 10 messages a second, so the middleware frames kept alive for each
connection (about 10 KB) and the per-message wrapper calls are worth
skipping.

:class:`Direct` is what a server may offer under the ASGI extension
:data:`DIRECT` (``hall_server.serving`` does): writing a message without
awaiting, while the transport takes it without queueing, and receiving
messages by a synchronous callback instead of a task wake-up each. The
gateway uses it when present and the plain ASGI messages otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: The ASGI extension key under which a server offers a :class:`Direct` side.
DIRECT = "hall.direct"


class Direct(Protocol):
    """The synchronous side of a WebSocket connection."""

    def send_nowait(self, data: bytes | str) -> bool:
        """Write one message now (binary for bytes, text for str) if the
        transport can take it without queueing in user space; False when it
        cannot (buffer full, closing, closed): then send it the ASGI way."""
        ...

    def set_receiver(self, receiver: Callable[[str | bytes], bool] | None) -> None:
        """Offer each complete incoming message to ``receiver`` as it arrives,
        while no ASGI ``websocket.receive`` message is still queued; one it
        returns False for is queued for ``receive()`` as usual. None stops it."""
        ...

    def set_on_stall(self, on_stall: Callable[[], None] | None) -> None:
        """Call ``on_stall`` when the client has stopped reading (it left a
        keepalive ping unanswered for the stall limit), instead of closing
        the connection with 4008 at once. None restores that default."""
        ...

    def close_now(self, code: int, reason: str) -> None:
        """Close without waiting for the client: queue the close frame if the
        connection is still open, then drop the TCP connection. For a client
        that does not read, which would never take a graceful close."""
        ...


class AsgiSocket:
    """One hall WebSocket over raw ASGI ``receive``/``send``."""

    __slots__ = ("_receive", "_send", "direct", "host")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        self.host: str = str(client[0]) if client else "unknown"
        extension = (scope.get("extensions") or {}).get(DIRECT)
        self.direct: Direct | None = extension
        self._receive, self._send = receive, send
        # Nothing reads the handshake headers after the upgrade; a scope lives
        # as long as its connection, so drop them (about 1 KB per connection),
        # and what the hall socket never reads (the app state's copy, the ASGI
        # version, the extensions, taken above): about 0.7 KB more. The server
        # may still log the client and path (``client``, ``path``, ``query_string``).
        scope["headers"] = []
        for key in ("state", "asgi", "extensions", "subprotocols", "raw_path"):
            scope.pop(key, None)

    async def accept(self) -> None:
        message = await self._receive()
        if message["type"] != "websocket.connect":
            raise ConnectionError(f"expected websocket.connect, got {message['type']}")
        await self._send({"type": "websocket.accept"})

    async def receive(self) -> Message:
        """The next ASGI message: ``websocket.receive`` or ``websocket.disconnect``."""
        return await self._receive()

    async def send_text(self, data: str) -> None:
        await self._send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self._send({"type": "websocket.send", "bytes": data})

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self._send({"type": "websocket.close", "code": code, "reason": reason or ""})
