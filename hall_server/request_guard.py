"""What every HTTP request must respect before a route sees it (an ASGI middleware).

- **Body size.** FastAPI reads a JSON body whole before the route runs, so a
  route's own checks come too late: an anonymous 100 MB POST to the complaints
  route cost the server 170 MB and its hall a 0.6 s tick. Bodies are capped at
  ``max_body_bytes`` (``HALL_LIMIT_MAX_BODY_BYTES``), refused with ``413
  too_large`` from the declared length, or as soon as the bytes read pass it.
  The raw uploads (documents, complaint photos) stream with larger limits of
  their own and are left to them.
- **NUL characters.** PostgreSQL text cannot hold U+0000, so a NUL in a path,
  a query or a JSON string would end as a database error (a 500 with a
  traceback) where SQLite answers normally. No field of the API may hold one:
  ``400 bad_value``, whatever the backend.

Errors use the documented body (docs/protocol.md section 8).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from hall_server.error_texts import text_for

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Routes whose body is a raw file with its own streamed limit.
_UPLOADS = re.compile(r"^/api/v1/(counter-sessions/[^/]+/documents/[^/]+|complaints/[^/]+/photo)$")
#: A NUL in a URL: encoded (%00) or raw.
_NUL_IN_URL = re.compile(rb"%00|\x00")
#: A NUL in JSON text: the escape (the raw byte is not valid JSON and fails parsing).
_NUL_IN_JSON = re.compile(rb"\\u0000")


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, metrics: Any = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        if _NUL_IN_URL.search(raw_path) or _NUL_IN_URL.search(scope.get("query_string", b"")):
            await self._refuse(send, 400, "bad_value", "no field may hold a NUL character")
            return
        if _UPLOADS.match(scope["path"]) or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(send, 413, "too_large", self._too_large())
            return
        # Read the body now (bounded), check it, then hand it on as it came.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message], receive), send)
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body_bytes:
                if message.get("more_body", False):
                    await _discard(receive, DRAIN_BYTES)
                await self._refuse(send, 413, "too_large", self._too_large())
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        data = b"".join(chunks)
        if _NUL_IN_JSON.search(data) or b"\x00" in data:
            await self._refuse(send, 400, "bad_value", "no field may hold a NUL character")
            return
        whole = {"type": "http.request", "body": data, "more_body": False}
        await self.app(scope, _replay([whole], receive), send)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body_bytes} bytes"

    async def _refuse(self, send: Send, status: int, code: str, message: str) -> None:
        if self.metrics is not None:
            self.metrics.errors.labels(code).inc()
        body = json.dumps(
            {"error": {"code": code, "message": message, "text": text_for(code)}},
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    # the rest of a refused body is not read: do not reuse the connection
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


#: How much more of a body already refused is read (and dropped) so that the client,
#: still sending, gets the answer instead of a reset connection; past it, it is cut.
DRAIN_BYTES = 1 << 20


async def _discard(receive: Receive, most: int) -> None:
    dropped = 0
    while dropped < most:
        message = await receive()
        if message["type"] != "http.request":
            return
        dropped += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _replay(messages: list[Message], then: Receive) -> Receive:
    """A receive that gives ``messages`` once, then the connection's own (its disconnect)."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        return await then()

    return receive
