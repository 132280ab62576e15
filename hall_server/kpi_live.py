"""The supervisors' KPIs at the edge: each hall's :class:`counters.kpi.KpiBook`, kept
live from the counter hub's batches and rebuilt from the audit log at start.

The book is fed the same ticket events the store writes: live from every
written :class:`~counters.ports.Batch` (the hub's observer), and at start by
replaying from the audit log the events of every ticket that moved today or
is still live, so a restart shows the same figures. Another day's figures
(the CSV export) are replayed from the audit log into a fresh book. Every
sample the live book records also goes to Prometheus (:class:`Metrics`), so
Grafana and the dashboard count the same things.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.catalogue import Catalogue
from counters.kpi import (
    TICKET_KINDS,
    Arrival,
    CounterNow,
    Ended,
    KpiBook,
    KpiPolicy,
    Sample,
    TicketEvent,
    Transaction,
    Wait,
)
from counters.ports import Batch
from counters.tickets import QueueEvent
from hall_server.db.models import Account, AuditRow, TicketRow
from hall_server.localtime import hall_zone
from hall_server.metrics import Metrics
from hall_server.settings import Settings
from realtime.counter_hub import CounterHub

#: Ticket states that may still change (their history is replayed at start).
_LIVE_STATES = ("booked", "waiting", "called", "serving", "parked")


def _ts(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


def event_from_queue(e: QueueEvent) -> TicketEvent | None:
    """A live engine event as the KPI core takes it (None: not a ticket's)."""
    if e.ticket_id is None or e.kind.value not in TICKET_KINDS:
        return None
    outcome = e.details.get("outcome")
    return TicketEvent(
        kind=e.kind.value,
        at=e.at,
        ticket_id=e.ticket_id,
        service=e.ticket.service if e.ticket is not None else None,
        counter_id=e.counter_id,
        actor_role=e.actor_role.value,
        number=e.ticket.number if e.ticket is not None else None,
        outcome=outcome if isinstance(outcome, str) else None,
    )


def event_from_audit(row: AuditRow) -> TicketEvent | None:
    """An audit row of a ticket event as the KPI core takes it (the same facts)."""
    if row.ticket_id is None or row.action not in TICKET_KINDS:
        return None
    details = row.details or {}
    service = details.get("to_service") if row.action == "transferred" else details.get("service")
    counter, number, outcome = details.get("counter"), details.get("number"), details.get("outcome")
    return TicketEvent(
        kind=row.action,
        at=row.at.timestamp(),
        ticket_id=row.ticket_id,
        service=service if isinstance(service, str) else None,
        counter_id=counter if isinstance(counter, str) else None,
        actor_role=row.actor_role,
        number=number if isinstance(number, str) else None,
        outcome=outcome if isinstance(outcome, str) else None,
    )


async def load_events(
    sessions: async_sessionmaker[AsyncSession],
    hall_id: str,
    *,
    since: float,
    until: float | None = None,
    live: bool = False,
) -> list[TicketEvent]:
    """The whole history (up to ``until``) of every ticket of the hall with an event in
    ``[since, until)``, and with ``live`` of every ticket not yet final, in order."""
    touched = select(AuditRow.ticket_id).where(
        AuditRow.hall_id == hall_id, AuditRow.ticket_id.is_not(None), AuditRow.at >= _ts(since)
    )
    if until is not None:
        touched = touched.where(AuditRow.at < _ts(until))
    wanted = [AuditRow.ticket_id.in_(touched)]
    if live:
        still = select(TicketRow.id).where(
            TicketRow.hall_id == hall_id, TicketRow.state.in_(_LIVE_STATES)
        )
        wanted.append(AuditRow.ticket_id.in_(still))
    query = select(AuditRow).where(
        AuditRow.hall_id == hall_id, AuditRow.action.in_(sorted(TICKET_KINDS)), or_(*wanted)
    )
    if until is not None:
        query = query.where(AuditRow.at < _ts(until))
    async with sessions() as db:
        rows = (await db.scalars(query.order_by(AuditRow.id))).all()
    return [e for row in rows if (e := event_from_audit(row)) is not None]


class HallKpi:
    """One hall's live figures: the book, its feed, its metrics, its counters."""

    def __init__(
        self,
        hub: CounterHub,
        policy: KpiPolicy,
        sessions: async_sessionmaker[AsyncSession],
        *,
        services: Sequence[str],
        metrics: Metrics | None = None,
        clock: Any = time.time,
    ) -> None:
        self.hub = hub
        self.hall_id = hub.hall.hall_id
        self.policy = policy
        self.book = KpiBook(policy)
        self.sessions = sessions
        self.services = list(services)
        self.metrics = metrics
        self.clock = clock
        #: bumped whenever the figures change by a ticket event (the feed pushes then)
        self.version = 0
        self._day: date | None = None
        #: officer reference -> display name (accounts looked up once)
        self._names: dict[str, str] = {}
        #: today's figures, shared by every dashboard within the same second while
        #: nothing changed (a summary of a busy day costs tens of milliseconds)
        self._cached: tuple[tuple[Any, ...], dict[str, Any]] | None = None

    async def start(self) -> None:
        """Rebuild today's figures from the audit log, then follow the hub.

        Under the hub's lock: no batch is written between the read and the
        first observed batch, so nothing is counted twice or missed.
        """
        async with self.hub.lock:
            now = self.clock()
            self._day = self.book.local_day(now)
            start, _ = self.book.day_bounds(self._day)
            self.book.apply_all(
                await load_events(self.sessions, self.hall_id, since=start, live=True)
            )
            self.book.drain_samples()  # counted before the restart: not again in Prometheus
            self.version += 1
            self.hub.observers.append(self.observe)
        if self.metrics is not None:
            self.metrics.on_scrape(self._export_waiting)

    def observe(self, batch: Batch) -> None:
        events = [e for q in batch.queue_events if (e := event_from_queue(q)) is not None]
        if not events:
            return
        self.book.apply_all(events)
        self._export(self.book.drain_samples())
        self.version += 1
        day = self.book.local_day(events[-1].at)
        if day != self._day:
            # A new day: yesterday's ended tickets leave memory (their figures stay in
            # the audit log for the CSV export).
            self._day = day
            self.book.forget_before(self.book.day_bounds(day)[0])

    def _export(self, samples: Iterable[Sample]) -> None:
        m = self.metrics
        if m is None:
            return
        hall = self.hall_id
        for s in samples:
            if isinstance(s, Arrival):
                m.kpi_arrivals.labels(hall, s.service).inc()
            elif isinstance(s, Wait):
                m.kpi_wait_seconds.labels(hall, s.service).observe(s.wait_s)
            elif isinstance(s, Transaction):
                m.kpi_service_seconds.labels(hall, s.service).observe(s.service_s)
            elif isinstance(s, Ended):
                m.kpi_outcomes.labels(hall, s.service, s.outcome).inc()

    def _export_waiting(self) -> None:
        if self.metrics is None:
            return
        counts = self.book.waiting_counts()
        for service in {*self.services, *counts}:
            self.metrics.kpi_waiting.labels(self.hall_id, service).set(counts.get(service, 0))

    # -------------------------------------------------------------- figures

    async def figures(self, *, day: date | None = None) -> dict[str, Any]:
        """The dashboard's JSON for ``day`` (default today), with the staffing switches."""
        now = self.clock()
        today = self.book.local_day(now)
        floor = self.hub.floor
        if day is None or day == today:
            counters = await self.counters_now()
            key = (self.version, int(now), tuple(counters), floor.policy.bots, floor.held)
            if self._cached is not None and self._cached[0] == key:
                return self._cached[1]
            summary = self.book.summary(now=now, services=self.services, counters=counters)
            figures = self._wrap(summary)
            self._cached = (key, figures)
            return figures
        start, end = self.book.day_bounds(day)
        book = KpiBook(self.policy)
        if start < now:
            book.apply_all(await load_events(self.sessions, self.hall_id, since=start, until=end))
        return self._wrap(book.summary(now=now, day=day, services=self.services))

    def _wrap(self, summary: dict[str, Any]) -> dict[str, Any]:
        floor = self.hub.floor
        return {
            "hall_id": self.hall_id,
            **summary,
            "bots": floor.policy.bots,
            "held_closed": sorted(floor.held),
        }

    async def counters_now(self) -> list[CounterNow]:
        floor = self.hub.floor
        states = floor.engine.counters_by_id()
        names = floor.staff_names()
        unknown = {
            s.staffed_by
            for cid, s in states.items()
            if s.staffed_by
            and not s.staffed_by.startswith("bot:")
            and cid not in names
            and s.staffed_by not in self._names
        }
        if unknown:
            await self._look_up_names(unknown)
        out = []
        for cid in floor.counters:
            state = states.get(cid)
            if state is None:
                out.append(CounterNow(cid, "closed"))
                continue
            ref = state.staffed_by
            out.append(
                CounterNow(
                    cid,
                    state.status.value,
                    ref,
                    state.ticket_id,
                    staff_name=names.get(cid) or (self._names.get(ref) if ref else None) or None,
                )
            )
        return out

    async def _look_up_names(self, refs: set[str]) -> None:
        """Display names of officers who are not in the hall now (``account:<id>``)."""
        ids = {
            int(r.split(":", 1)[1]): r for r in refs if r.startswith("account:") and r[8:].isdigit()
        }
        if ids:
            async with self.sessions() as db:
                rows = (
                    await db.execute(
                        select(Account.id, Account.display_name).where(Account.id.in_(ids))
                    )
                ).all()
            for account_id, name in rows:
                self._names[ids[account_id]] = name
        for ref in refs:
            self._names.setdefault(ref, "")  # not found: asked once, shown without a name


async def start_kpi(
    hubs: dict[str, CounterHub],
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    metrics: Metrics | None,
    catalogue: Catalogue,
) -> dict[str, HallKpi]:
    """Each hall's figures, rebuilt from the audit log and following its counters."""
    policy = KpiPolicy(
        tz=hall_zone(settings), target_s=settings.kpi_target_s, targets=settings.kpi_target_map
    )
    services = [s.code for s in catalogue]
    out = {}
    for hall_id, hub in hubs.items():
        live = HallKpi(hub, policy, sessions, services=services, metrics=metrics)
        await live.start()
        out[hall_id] = live
    return out
