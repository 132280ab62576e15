"""A running hall: the pure :class:`~realtime.hall.Hall` plus its I/O.

:class:`HallRuntime` owns one hall's connections, its tick task and its bus
subscriptions. The tick never awaits a client, so a stalled client cannot
delay the hall: it writes each client's frame straight to its socket when
the socket offers a :class:`~realtime.asgi.Direct` side and takes it without
queueing, and otherwise puts it into the client's
:class:`~realtime.mailbox.Mailbox`, from which a writer task, started only
while the client is behind, sends as the client reads. (One writer task
per client woken for every frame cost about a quarter of a core at 1,000
clients: BENCHMARKS.md.)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from hall_server.metrics import Metrics
from realtime.asgi import Direct
from realtime.bus import Bus, Subscription
from realtime.closes import CloseCode
from realtime.hall import ChatEvent, Hall
from realtime.journal import Journal, NullJournal
from realtime.mailbox import Mailbox
from realtime.tick_stats import TickRecord

log = logging.getLogger(__name__)

_STALLED_REASON = "not reading: closed to protect the hall"


class Socket(Protocol):
    """What the runtime needs of a WebSocket (:class:`~realtime.asgi.AsgiSocket`,
    Starlette's ``WebSocket`` too)."""

    async def send_text(self, data: str) -> None: ...

    async def send_bytes(self, data: bytes) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


class Driver(Protocol):
    """Moves server-driven avatars (demo citizens) before each tick."""

    def step(self, hall: Hall, now: float) -> None: ...


@dataclass(eq=False, slots=True)
class Connection:
    avatar_id: int
    socket: Socket
    #: the socket's synchronous side, when the server offers one
    direct: Direct | None = None
    mailbox: Mailbox = field(default_factory=Mailbox)
    #: runs only while the mailbox holds something (the client is behind)
    writer: asyncio.Task[None] | None = None
    #: set by :meth:`HallRuntime.close`: flushes the mailbox, then closes the socket
    closer: asyncio.Task[None] | None = None

    def send_control(self, texts: list[str]) -> int:
        """Send JSON texts in order, directly while the socket takes them, the
        rest through the mailbox; return the bytes sent directly."""
        mailbox, direct = self.mailbox, self.direct
        if mailbox.closed:
            return 0
        sent = 0
        if direct is not None and self.writer is None and mailbox.empty:
            for i, text in enumerate(texts):
                if not direct.send_nowait(text):
                    mailbox.put_control(texts[i:])
                    return sent
                sent += len(text)
            return sent
        mailbox.put_control(texts)
        return 0

    def send_frame(self, frame: bytes, now: float) -> bool:
        """Send a snapshot frame directly if the socket takes it; else mailbox it."""
        mailbox, direct = self.mailbox, self.direct
        if mailbox.closed:
            return False
        if (
            direct is not None
            and self.writer is None
            and mailbox.empty
            and direct.send_nowait(frame)
        ):
            return True
        mailbox.put_frame(frame, now)
        return False


class HallRuntime:
    """One hall's connections, tick loop and bus subscriptions."""

    def __init__(
        self,
        hall: Hall,
        *,
        bus: Bus,
        metrics: Metrics,
        stall_close_s: float,
        clock: Callable[[], float] = time.monotonic,
        driver: Driver | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.hall = hall
        self.bus = bus
        self.metrics = metrics
        self.stall_close_s = stall_close_s
        self.clock = clock
        self.driver = driver
        self.journal: Journal = journal or NullJournal()
        self._records: set[asyncio.Task[None]] = set()
        self.connections: dict[int, Connection] = {}
        self._tasks: list[asyncio.Task[Any]] = []
        self._subs: list[Subscription] = []
        self._closers: set[asyncio.Task[None]] = set()
        self.last_tick_at: float | None = None
        self._json_out = metrics.messages_out.labels("json")
        self._frames_out = metrics.messages_out.labels("snapshot")
        #: the latest ticks (200 s at 20 Hz), for /api/v1/halls/{id}/stats
        self.tick_log: deque[TickRecord] = deque(maxlen=4000)
        self.chat_topic = f"hall.{hall.hall_id}.chat"
        self.announce_topic = f"hall.{hall.hall_id}.announce"
        #: called after a join or resume attached a connection (many nodes: save presence soon)
        self.on_attach: Callable[[], None] | None = None

    # ------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        chat = await self.bus.subscribe(self.chat_topic)
        announce = await self.bus.subscribe(self.announce_topic)
        self._subs += [chat, announce]
        self._tasks.append(asyncio.create_task(self._tick_loop(), name=f"tick:{self.hall.hall_id}"))
        self._tasks.append(asyncio.create_task(self._listen(chat, self._on_chat)))
        self._tasks.append(asyncio.create_task(self._listen(announce, self._on_announce)))

    async def stop(self, *, moved: bool = False) -> None:
        """Close every connection and end the tasks. ``moved``: the hall goes on on
        another node (its sessions continue there: not ended; clients told 4013)."""
        if not moved:
            for session_id in self.hall.sessions():
                self.record(self.journal.ended(session_id=session_id, reason="shutdown"))
        for conn in list(self.connections.values()):
            if moved:
                self.close(conn, CloseCode.HALL_MOVED, "hall moved to another node")
            else:
                self.close(conn, CloseCode.GOING_AWAY, "server shutting down")
        for task in self._tasks:
            task.cancel()
        for sub in self._subs:
            await sub.close()
        await asyncio.gather(*self._tasks, *self._closers, *self._records, return_exceptions=True)

    @property
    def ticking(self) -> bool:
        """The tick task runs and ticked within the last two seconds."""
        if not self._tasks or self._tasks[0].done() or self.last_tick_at is None:
            return False
        return self.clock() - self.last_tick_at < 2.0

    # ----------------------------------------------------------- connections

    def attach(self, avatar_id: int, socket: Socket, direct: Direct | None = None) -> Connection:
        conn = Connection(avatar_id, socket, direct)
        conn.mailbox.on_put = functools.partial(self._start_writer, conn)
        if direct is not None:
            # The server finds a client that stopped reading even when nothing
            # backs up here (a quiet hall sends too little to fill any buffer).
            direct.set_on_stall(
                functools.partial(self.close, conn, CloseCode.STALLED, _STALLED_REASON)
            )
        self.connections[avatar_id] = conn
        self.flush()
        if self.on_attach is not None:
            self.on_attach()
        return conn

    def _start_writer(self, conn: Connection) -> None:
        if conn.writer is None and not (conn.mailbox.empty and conn.mailbox.closed):
            conn.writer = asyncio.create_task(self._write(conn), name=f"writer:{conn.avatar_id}")

    def record(self, call: Coroutine[Any, Any, None]) -> None:
        """Run a journal call in the background; a failure is logged, never raised."""

        async def run() -> None:
            try:
                await call
            except Exception:
                log.exception("session journal failed", extra={"hall": self.hall.hall_id})

        task = asyncio.create_task(run())
        self._records.add(task)
        task.add_done_callback(self._records.discard)

    def flush(self) -> None:
        """Send the hall's queued control messages (or mailbox them)."""
        hall = self.hall
        if not hall.has_output:
            return
        for session_id, reason in hall.drain_ended():
            self.record(self.journal.ended(session_id=session_id, reason=reason))
        sent = count = 0
        for avatar_id, texts in hall.drain_control().items():
            conn = self.connections.get(avatar_id)
            if conn is not None:
                sent += conn.send_control(texts)
                count += len(texts)
        if sent:  # counted once per flush: a Prometheus inc() takes a lock
            self._json_out.inc(count)
            self.metrics.bytes_out.inc(sent)

    def close(self, conn: Connection, code: CloseCode, reason: str) -> None:
        """Close a connection without awaiting it (safe from the tick)."""
        if conn.closer is not None:
            return
        conn.mailbox.close()
        self.metrics.closes.labels(str(int(code))).inc()
        conn.closer = asyncio.create_task(self._close(conn, code, reason))
        self._closers.add(conn.closer)
        conn.closer.add_done_callback(self._closers.discard)

    async def _close(self, conn: Connection, code: CloseCode, reason: str) -> None:
        writer = conn.writer
        if code is CloseCode.STALLED and conn.direct is not None:
            # The client does not read: nothing queued would reach it, and a
            # graceful close would keep the connection (and its full buffers)
            # open until it did. Drop it now.
            if writer is not None:
                writer.cancel()
            conn.direct.close_now(int(code), reason)
            return
        if writer is not None:
            # Let the writer flush what is queued (an error explaining the close),
            # but never wait long for a client that is not reading.
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(writer), timeout=1.0)
            writer.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.socket.close(int(code), reason), timeout=2.0)

    def release(self, conn: Connection, *, left: bool) -> None:
        """The socket is gone: detach the avatar (kept for resume) or remove it."""
        if conn.direct is not None and conn.closer is None:
            conn.direct.set_on_stall(None)
        if self.connections.get(conn.avatar_id) is conn:
            del self.connections[conn.avatar_id]
            if self.hall.has(conn.avatar_id):
                if left:
                    self.hall.leave(conn.avatar_id)
                else:
                    self.hall.detach(conn.avatar_id, now=self.clock())
        if conn.closer is None:  # a closer flushes the mailbox first
            conn.mailbox.on_put = None
            conn.mailbox.close()
            if conn.writer is not None:
                conn.writer.cancel()

    async def _write(self, conn: Connection) -> None:
        """Send what the mailbox holds, as the client reads; end when it is empty."""
        mailbox, socket, metrics = conn.mailbox, conn.socket, self.metrics
        try:
            with contextlib.suppress(Exception):
                while True:
                    texts, frame = mailbox.take()
                    if not texts and frame is None:
                        return
                    for text in texts:
                        await socket.send_text(text)
                        metrics.bytes_out.inc(len(text))
                    if texts:
                        self._json_out.inc(len(texts))
                    if frame is not None:
                        await socket.send_bytes(frame)
                        metrics.bytes_out.inc(len(frame))
                        self._frames_out.inc()
        finally:
            # No await between the mailbox found empty and this: a put after it
            # starts a new writer.
            conn.writer = None

    # ------------------------------------------------------------------ tick

    async def _tick_loop(self) -> None:
        period = 1.0 / self.hall.rules.tick_hz
        deadline = self.clock()
        while True:
            deadline += period
            delay = deadline - self.clock()
            if delay < -period:
                deadline = self.clock()  # fell behind: skip ticks rather than burst
            await asyncio.sleep(max(0.0, delay))
            try:
                self.step(self.clock(), due=deadline)
            except Exception:
                log.exception("tick failed", extra={"hall": self.hall.hall_id})

    def step(self, now: float, *, due: float | None = None) -> None:
        """One tick: move driven avatars, tick the hall, send frames, drop stalled.

        ``due`` is when the tick loop meant to run it (``now`` if not given).
        """
        started = time.perf_counter()
        self.last_tick_at = now
        if self.driver is not None:
            self.driver.step(self.hall, now)
        conns = self.connections
        lagging = {aid for aid, conn in conns.items() if conn.mailbox.has_frame}
        result = self.hall.tick(now, lagging)
        # Sending is timed apart from the hall's own work: it is one socket write
        # per client (about 10 us each on loopback), which the writer tasks used
        # to do outside the tick.
        sending = time.perf_counter()
        # Control first: a "profiles" message must reach a client before the frame
        # in which those avatars enter its view.
        self.flush()
        sent = sent_bytes = 0
        for avatar_id, frame in result.frames.items():
            conn = conns.get(avatar_id)
            if conn is not None and conn.send_frame(frame, now):
                sent += 1
                sent_bytes += len(frame)
        send_s = time.perf_counter() - sending
        if sent:
            self._frames_out.inc(sent)
            self.metrics.bytes_out.inc(sent_bytes)
        limit = now - self.stall_close_s
        for conn in list(conns.values()):
            since = conn.mailbox.pending_since()
            if conn.mailbox.overflowed or (since is not None and since < limit):
                self.close(conn, CloseCode.STALLED, _STALLED_REASON)
        if result.accepted:
            self.metrics.moves.labels("accepted").inc(result.accepted)
        if result.corrected:
            self.metrics.moves.labels("corrected").inc(result.corrected)
        hall_id = self.hall.hall_id
        self.metrics.avatars.labels(hall_id).set(self.hall.bodies)
        took = time.perf_counter() - started - send_s
        self.tick_log.append(
            TickRecord(self.hall.tick_count, now, now if due is None else due, took, send_s)
        )
        self.metrics.tick_seconds.labels(hall_id).observe(took)
        self.metrics.tick_send_seconds.labels(hall_id).observe(send_s)

    # ------------------------------------------------------------------- bus

    async def _listen(self, sub: Subscription, handler: Callable[[dict[str, Any]], None]) -> None:
        async for payload in sub:
            try:
                handler(payload)
            except Exception:
                log.exception("bad bus payload", extra={"hall": self.hall.hall_id})
            self.flush()

    def _on_chat(self, payload: dict[str, Any]) -> None:
        self.hall.deliver_chat(ChatEvent.from_json(payload))

    def _on_announce(self, payload: dict[str, Any]) -> None:
        text = payload.get("text")
        if isinstance(text, dict):
            self.hall.announce({str(k): str(v) for k, v in text.items()})
