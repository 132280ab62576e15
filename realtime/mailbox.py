"""A client's bounded outbound mailbox (pure: no event loop).

The tick writes a client's messages straight to its socket while the socket
takes them without queueing. Only a client that is behind (its transport's
buffer is full) gets its messages put here, and a writer task sends them as
the client reads. Snapshot frames are latest-only: a new frame replaces one
not yet taken, and the hall then sends a FULL frame so nothing is lost by
the replacement. Control messages (JSON) are kept in order up to a bound;
overflowing it means the client has stalled.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable


class Mailbox:
    """Owned by one connection; ``put_*`` from the tick, ``take`` by the writer.

    ``on_put`` is called after every put: the runtime uses it to start the
    connection's writer task when there is none.
    """

    __slots__ = (
        "_control",
        "_frame",
        "_frame_since",
        "_max_control",
        "closed",
        "on_put",
        "overflowed",
    )

    def __init__(self, max_control: int = 512) -> None:
        self._frame: bytes | None = None
        self._frame_since = 0.0
        self._control: deque[str] | None = None  # made on first use: most clients never lag
        self._max_control = max_control
        self.on_put: Callable[[], None] | None = None
        self.overflowed = False
        self.closed = False

    @property
    def has_frame(self) -> bool:
        """A frame is waiting: the writer has not caught up since the last tick."""
        return self._frame is not None

    @property
    def empty(self) -> bool:
        return self._frame is None and not self._control

    def pending_since(self) -> float | None:
        """When the oldest untaken frame was first put, or None."""
        return self._frame_since if self._frame is not None else None

    def put_frame(self, frame: bytes, now: float) -> None:
        if self._frame is None:
            self._frame_since = now
        self._frame = frame
        if self.on_put is not None:
            self.on_put()

    def put_control(self, texts: list[str]) -> None:
        if self._control is None:
            self._control = deque()
        if len(self._control) + len(texts) > self._max_control:
            self.overflowed = True
        self._control.extend(texts)
        if self.on_put is not None:
            self.on_put()

    def close(self) -> None:
        self.closed = True
        if self.on_put is not None:
            self.on_put()

    def take(self) -> tuple[list[str], bytes | None]:
        """Control texts then the newest frame; both empty when nothing waits."""
        texts: list[str] = []
        if self._control:
            texts = list(self._control)
            self._control.clear()
        frame, self._frame = self._frame, None
        return texts, frame
