"""A client's bounded outbound mailbox.

Snapshot frames are latest-only: a new frame replaces one not yet taken,
and the hall then sends a FULL frame so nothing is lost by the replacement.
Control messages (JSON) are kept in order up to a bound; overflowing it
means the client has stalled. The tick never awaits a client: it only puts
into mailboxes, and each client's writer task takes from its own.
"""

from __future__ import annotations

import asyncio
from collections import deque


class Mailbox:
    """Owned by one connection; ``put_*`` from the tick, ``take`` by the writer."""

    def __init__(self, max_control: int = 512) -> None:
        self._frame: bytes | None = None
        self._frame_since = 0.0
        self._control: deque[str] = deque()
        self._max_control = max_control
        self._ready = asyncio.Event()
        self.overflowed = False
        self.closed = False

    @property
    def has_frame(self) -> bool:
        """A frame is waiting: the writer has not caught up since the last tick."""
        return self._frame is not None

    def pending_since(self) -> float | None:
        """When the oldest untaken frame was first put, or None."""
        return self._frame_since if self._frame is not None else None

    def put_frame(self, frame: bytes, now: float) -> None:
        if self._frame is None:
            self._frame_since = now
        self._frame = frame
        self._ready.set()

    def put_control(self, texts: list[str]) -> None:
        if len(self._control) + len(texts) > self._max_control:
            self.overflowed = True
        self._control.extend(texts)
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def take(self) -> tuple[list[str], bytes | None]:
        """Wait for something to send; return control texts then the newest frame."""
        await self._ready.wait()
        self._ready.clear()
        texts = list(self._control)
        self._control.clear()
        frame, self._frame = self._frame, None
        return texts, frame
