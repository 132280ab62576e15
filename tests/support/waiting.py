"""Waiting for a condition: the one polling loop of the tests and the benchmarks.

A test never sleeps a fixed time in place of a condition: it names the
condition and polls it until it holds or a generous deadline passes, and a
stuck wait fails with what it waited for. ``wait_until`` is for async code and
takes a plain or an async check; ``wait_until_blocking`` is the same loop for
synchronous code (pytest's session set-up, the benchmark driver) where no
event loop runs.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

#: Default bound of a wait: generous, so a slow shared CI machine passes and a stuck one fails.
DEFAULT_TIMEOUT_S = 30.0


class WaitTimeout(AssertionError):
    """The condition did not hold before the deadline (an AssertionError: the test fails)."""


def _gave_up(what: str, timeout: float, last: object) -> WaitTimeout:
    detail = f" (last check gave {last!r})" if last is not None else ""
    return WaitTimeout(f"gave up after {timeout:g} s waiting for {what}{detail}")


async def wait_until(
    check: Callable[[], T | Awaitable[T | None] | None],
    timeout: float = DEFAULT_TIMEOUT_S,
    what: str = "the condition",
    interval: float = 0.02,
) -> T:
    """Poll ``check`` until it returns something truthy, and return that.

    ``check`` may be a plain function or a coroutine function; it is called at
    least once, even when ``timeout`` is 0. An exception from ``check`` ends
    the wait at once (an assertion inside it fails the test where it is).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result  # type: ignore[return-value]
        if loop.time() >= deadline:
            raise _gave_up(what, timeout, result)
        await asyncio.sleep(interval)


def wait_until_blocking(
    check: Callable[[], T | None],
    timeout: float = DEFAULT_TIMEOUT_S,
    what: str = "the condition",
    interval: float = 0.05,
) -> T:
    """:func:`wait_until` for synchronous code: the same loop, sleeping the thread."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise _gave_up(what, timeout, result)
        time.sleep(interval)
