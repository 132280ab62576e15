"""hall_server/ws_inbox.py: the connection's queue and flag keep asyncio's semantics."""

from __future__ import annotations

import asyncio

from hall_server.ws_inbox import Flag, Inbox


def test_inbox_is_fifo_and_wakes_a_waiting_reader() -> None:
    async def run() -> None:
        inbox = Inbox()
        reader = asyncio.ensure_future(inbox.get())
        await asyncio.sleep(0)
        assert not reader.done()
        inbox.put_nowait("a")
        inbox.put_nowait("b")
        assert inbox.qsize() == 2
        assert await asyncio.wait_for(reader, 10) == "a"
        assert await inbox.get() == "b"
        assert inbox.empty()

    asyncio.run(run())


def test_a_cancelled_reader_passes_its_wake_up_on() -> None:
    async def run() -> None:
        inbox = Inbox()
        first = asyncio.ensure_future(inbox.get())
        second = asyncio.ensure_future(inbox.get())
        await asyncio.sleep(0)
        inbox.put_nowait("x")  # wakes the first reader ...
        first.cancel()  # ... which is cancelled before it runs
        assert await asyncio.wait_for(second, 10) == "x"
        assert first.cancelled()
        assert inbox._waiters is None  # nothing left behind

    asyncio.run(run())


def test_flag_waits_until_set_and_not_after() -> None:
    async def run() -> None:
        flag = Flag()
        assert not flag.is_set()
        waiters = [asyncio.ensure_future(flag.wait()) for _ in range(2)]
        await asyncio.sleep(0)
        assert not any(w.done() for w in waiters)
        flag.set()
        assert await asyncio.wait_for(asyncio.gather(*waiters), 10) == [True, True]
        assert await flag.wait()
        flag.clear()
        late = asyncio.ensure_future(flag.wait())
        await asyncio.sleep(0)
        late.cancel()
        await asyncio.gather(late, return_exceptions=True)
        assert flag._waiters is None

    asyncio.run(run())
