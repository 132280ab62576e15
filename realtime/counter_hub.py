"""The counters of a running hall, at the edge: a pump around :class:`counters.floor.Floor`.

Every decision is the floor's. The hub holds a lock, runs the floor's turn
twice a second, and after every operation writes the drained
:class:`~counters.ports.Batch` to the store in one transaction, then (and only
then) sends its messages, publishes its chat lines and the board, and tells
the call desk. The adapters below give the floor the hall, the demo crowd
and the calls through the small ports of :mod:`counters.ports`.

Clocks: the floor runs on wall-clock Unix time (tickets and bookings outlive
the process); the hall's movement and resume grace run on the monotonic
clock. The :class:`HallSeat` adapter is where the two meet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from counters.desk import Application, CounterSession, DeskEvent
from counters.floor import Floor
from counters.ports import Batch, CallClosed, CallOpened, CallParty
from counters.tickets import CounterState, QueueEvent, Ticket
from realtime.bus import Bus
from realtime.calls.manager import CallManager
from realtime.calls.model import Party
from realtime.hall import ChatEvent, Hall

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How often the floor takes its turn (arrivals, bots, timeouts, the board).
STEP_S = 0.5


class Store(Protocol):
    """Where the counters persist (``hall_server.counter_store.CounterStore``)."""

    async def write(
        self,
        *,
        queue_events: list[QueueEvent],
        desk_events: list[DeskEvent],
        sessions: list[CounterSession],
        applications: list[Application],
        actor_roles: dict[str, str] | None = None,
    ) -> None: ...


class Restored(Protocol):
    @property
    def tickets(self) -> list[Ticket]: ...

    @property
    def counters(self) -> list[CounterState]: ...

    @property
    def sessions(self) -> list[CounterSession]: ...

    @property
    def on_behalf(self) -> dict[str, int]: ...


class CounterHub:
    """Pumps one hall's counter floor: lock, loop, write, send."""

    def __init__(
        self,
        floor: Floor,
        hall: Hall,
        *,
        store: Store,
        bus: Bus,
        calls: CallManager | None = None,
        clock: Callable[[], float] = time.time,
        flush: Callable[[], None] = lambda: None,
    ) -> None:
        self.floor = floor
        self.hall = hall
        self.store = store
        self.bus = bus
        self.calls = calls
        self.clock = clock
        self.flush = flush
        self.lock = asyncio.Lock()
        self.board_topic = f"hall.{hall.hall_id}.board"
        self._task: asyncio.Task[None] | None = None
        self._chat: asyncio.Task[None] | None = None
        #: called with every batch once it is written (the supervisors' KPIs follow it)
        self.observers: list[Callable[[Batch], None]] = []
        #: told (avatar, message, address, device) after a ticket_take command succeeded
        self.on_ticket_taken: (
            Callable[[int, dict[str, Any], str, str | None], Awaitable[None]] | None
        ) = None

    async def start(self, restored: Restored | None) -> None:
        """Restore from the store, staff idle counters with bots, start the loop."""
        async with self.lock:
            self.floor.restore(
                restored.tickets if restored else [],
                restored.counters if restored else [],
                restored.sessions if restored else [],
                on_behalf=restored.on_behalf if restored else None,
                now=self.clock(),
            )
            await self._pump()
        self._task = asyncio.create_task(self._loop(), name=f"counters:{self.hall.hall_id}")

    async def listen_to_chat(self) -> None:
        """Follow the hall's chat: people's lines in counter channels go into transcripts."""
        sub = await self.bus.subscribe(f"hall.{self.hall.hall_id}.chat")

        async def listen() -> None:
            try:
                async for payload in sub:
                    channel = payload.get("channel")
                    # Bots' lines (they carry text_en) are in the transcript already.
                    if (
                        isinstance(channel, str)
                        and channel.startswith("private:")
                        and not payload.get("text_en")
                    ):
                        await self.on_channel_chat(ChatEvent.from_json(payload))
            finally:
                await sub.close()

        self._chat = asyncio.create_task(listen(), name=f"counter-chat:{self.hall.hall_id}")

    async def stop(self) -> None:
        for task in (self._task, self._chat):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def current_board(self) -> dict[str, Any]:
        return self.floor.board

    async def command(self, avatar_id: int, msg: dict[str, Any]) -> None:
        """A counter command from the hall socket (counters.commands.COMMANDS)."""
        await self._run(lambda now: self.floor.handle(avatar_id, msg, now=now))

    async def entered(self, avatar_id: int) -> None:
        """Someone joined or resumed: the floor gives them back their ticket, session, counter."""
        await self._run(lambda now: self.floor.entered(avatar_id, now=now))

    def has_session(self, session_id: str) -> bool:
        """Whether this hall holds the counter session (open or ended since the start)."""
        return session_id in self.floor.desk.sessions

    async def document_added(self, session_id: str, subject: str, document: dict[str, Any]) -> None:
        """A stored upload joins its counter session (counters.floor.Floor.document_added)."""
        await self._run(lambda now: self.floor.document_added(session_id, subject, document, now))

    async def on_channel_chat(self, event: ChatEvent) -> None:
        """A person's line in a private channel: into the counter session's transcript."""
        await self._run(
            lambda now: self.floor.channel_chat(event.channel, event.sender, event.text, now)
        )

    async def step(self) -> None:
        await self._run(self.floor.step)

    async def operate(self, operation: Callable[[float], T]) -> T:
        """Run one floor operation (a supervisor's, from REST) like a command: under
        the lock, then write and send what it produced."""
        result: list[T] = []
        await self._run(lambda now: result.append(operation(now)))
        return result[0]

    async def _run(self, operation: Callable[[float], None]) -> None:
        async with self.lock:
            try:
                operation(self.clock())
            finally:
                # Drained even after a refusal: the cores may have queued audit events.
                await self._pump()

    async def _pump(self) -> None:
        batch = self.floor.drain()
        if batch.writes:
            await self.store.write(
                queue_events=batch.queue_events,
                desk_events=batch.desk_events,
                sessions=list(batch.sessions.values()),
                applications=batch.applications,
                actor_roles=batch.actor_roles,
            )
        for observe in self.observers:
            try:
                observe(batch)
            except Exception:  # figures must never stop the counters
                log.exception("counter batch observer failed", extra={"hall": self.hall.hall_id})
        for avatar_id, message in batch.messages:
            self.hall.send(avatar_id, message)
        self.flush()
        await self._publish(batch)
        await self._tell_calls(batch)

    async def _publish(self, batch: Batch) -> None:
        for payload in batch.chats:
            await self.bus.publish(f"hall.{self.hall.hall_id}.chat", payload)
        if batch.board is not None:
            await self.bus.publish(self.board_topic, batch.board)

    async def _tell_calls(self, batch: Batch) -> None:
        calls = self.calls
        if calls is None:
            return
        hall_id = self.hall.hall_id
        for event in batch.calls:
            call: Awaitable[None]
            if isinstance(event, CallOpened):
                call = calls.session_opened(
                    hall_id,
                    session_id=event.session_id,
                    ticket_id=event.ticket_id,
                    counter_id=event.counter_id,
                    citizen=_party(event.citizen),
                    staff=_party(event.staff),
                )
            elif isinstance(event, CallClosed):
                call = calls.session_closed(hall_id, event.session_id, event.reason)
            else:
                call = calls.staff_changed(hall_id, event.session_id, _party(event.staff))
            await call
        if batch.calls:
            self.flush()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(STEP_S)
            try:
                await self.step()
            except Exception:
                log.exception("counter step failed", extra={"hall": self.hall.hall_id})


def _party(p: CallParty) -> Party:
    return Party(p.ref, p.kind, p.avatar)
