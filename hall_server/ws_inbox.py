"""The two waiting objects of a WebSocket connection, without deques.

uvicorn's WebSocket protocol gives every connection an ``asyncio.Queue`` for
the ASGI messages it receives and an ``asyncio.Event`` for "the transport
can take more". Each holds ``collections.deque`` objects (the queue three and
an event of its own, the event one), and an empty deque is a 64-slot block:
about 770 bytes each, 3.8 KB per connection that nearly always sit empty (a
hall connection's messages mostly go to the direct receiver, and its writes
rarely wait). Measured with ``bench/idle_profile.py``: BENCHMARKS.md section 5.

:class:`Inbox` and :class:`Flag` do what the protocol and the ASGI app use of
them (``put_nowait``/``get``/``empty``/``qsize``; ``set``/``clear``/
``is_set``/``wait``), with the same semantics, holding a list of waiters
only while someone waits.
"""

from __future__ import annotations

import asyncio
from typing import Any


def _wake_first(waiters: list[asyncio.Future[None]] | None) -> None:
    if waiters:
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
                return


class Inbox:
    """A FIFO of ASGI messages with an async ``get`` (asyncio.Queue's part used here)."""

    __slots__ = ("_items", "_waiters")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiters: list[asyncio.Future[None]] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        _wake_first(self._waiters)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)

    async def get(self) -> Any:
        while not self._items:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                # Woken and cancelled at once: pass the wake-up on, as asyncio.Queue does.
                if self._items and waiter.done() and not waiter.cancelled():
                    self._remove(waiter)
                    _wake_first(self._waiters)
                raise
            finally:
                self._remove(waiter)
        return self._items.pop(0)

    def _remove(self, waiter: asyncio.Future[None]) -> None:
        waiters = self._waiters
        if waiters is not None and waiter in waiters:
            waiters.remove(waiter)
            if not waiters:
                self._waiters = None


class Flag:
    """A set/clear flag that can be awaited (asyncio.Event's part used here)."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        if self._set:
            return
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        if self._set:
            return True
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
            return True
        finally:
            waiters = self._waiters
            if waiters is not None and waiter in waiters:
                waiters.remove(waiter)
                if not waiters:
                    self._waiters = None
