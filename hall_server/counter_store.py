"""Counters in SQL: tickets, counter states, sessions, applications and the audit log.

Every batch of engine and desk events is written in one transaction, so the
database always holds a state the queue engine can be restored from exactly
(counters.queue.QueueEngine.restore) after a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.desk import Application, CounterSession, DeskEvent
from counters.records import counter_from_json, counter_to_json, ticket_from_json, ticket_to_json
from counters.tickets import CounterState, QueueEvent, Ticket
from hall_server.backoffice import add_to_outbox
from hall_server.cluster.lease_store import Fence
from hall_server.db.models import ApplicationRow, AuditRow, CounterRow, CounterSessionRow, TicketRow


def _ts(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


@dataclass(frozen=True, slots=True)
class Restored:
    tickets: list[Ticket]
    counters: list[CounterState]
    sessions: list[CounterSession]
    #: account -> on-behalf declarations in the audit log, every hall (a broker signal)
    on_behalf: dict[str, int]


class CounterStore:
    """Writes and reads one hall's counter data."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hall_id: str,
        kinds: Mapping[str, str] | None = None,
        *,
        on_filed: Callable[[], None] | None = None,
        fence: Fence | None = None,
    ) -> None:
        self._sessions = sessions
        #: the hall's lease (many nodes): a write under a stale token is refused whole
        self._fence = fence
        self.hall_id = hall_id
        #: service code -> back office kind; an application of a mapped service is
        #: queued for hand-off in the transaction that writes it (transactional outbox).
        self.kinds = dict(kinds or {})
        #: Called after a commit that queued applications (wakes the delivery worker).
        self._on_filed = on_filed

    async def load(self) -> Restored:
        """Everything needed to rebuild the hall's queues and open counter sessions."""
        async with self._sessions() as db:
            tickets = (
                await db.scalars(select(TicketRow).where(TicketRow.hall_id == self.hall_id))
            ).all()
            counters = (
                await db.scalars(select(CounterRow).where(CounterRow.hall_id == self.hall_id))
            ).all()
            open_sessions = (
                await db.scalars(
                    select(CounterSessionRow).where(
                        CounterSessionRow.hall_id == self.hall_id,
                        CounterSessionRow.ended_at.is_(None),
                    )
                )
            ).all()
            on_behalf = (
                await db.execute(
                    select(AuditRow.actor_ref, func.count())
                    .where(AuditRow.action == "on_behalf_declared")
                    .group_by(AuditRow.actor_ref)
                )
            ).all()
        return Restored(
            [ticket_from_json(row.data) for row in tickets],
            [counter_from_json(row.data) for row in counters],
            [CounterSession.from_json(row.data) for row in open_sessions],
            {str(ref): int(n) for ref, n in on_behalf},
        )

    async def write(
        self,
        *,
        queue_events: Iterable[QueueEvent] = (),
        desk_events: Iterable[DeskEvent] = (),
        sessions: Iterable[CounterSession] = (),
        applications: Iterable[Application] = (),
        actor_roles: dict[str, str] | None = None,
    ) -> None:
        """Persist one batch in one transaction: state rows upserted, audit rows appended."""
        roles = actor_roles or {}
        queued = False
        async with self._sessions.begin() as db:
            if self._fence is not None:
                # First: locks the lease row, so a takeover waits for this transaction.
                await self._fence.check(db)
            for event in queue_events:
                if event.ticket is not None:
                    await self._put_ticket(db, event.ticket, event.at)
                if event.counter is not None:
                    await self._put_counter(db, event.counter, event.at)
                db.add(
                    self._audit(
                        event.at,
                        event.actor_role.value,
                        event.actor,
                        event.kind.value,
                        ticket_id=event.ticket_id,
                        details={"counter": event.counter_id, **_plain(event.details)},
                    )
                )
            for session in sessions:
                await self._put_session(db, session)
            await db.flush()
            for application in applications:
                row = ApplicationRow(
                    id=application.application_id,
                    hall_id=self.hall_id,
                    tracking_code=application.tracking_code,
                    service=application.service,
                    ticket_id=application.ticket_id,
                    session_id=application.session_id,
                    citizen_ref=application.citizen_ref,
                    status=application.status,
                    fee_idr=application.fee_idr or 0,
                    created_at=_ts(application.created_at),
                    updated_at=_ts(application.created_at),
                    data={
                        "variant": application.variant,
                        "form": application.form,
                        "checklist": application.checklist,
                        "filed_by": application.filed_by,
                        "fee_is_levy": application.fee_idr is None,
                    },
                )
                db.add(row)
                kind = self.kinds.get(application.service)
                if kind is not None:
                    await add_to_outbox(db, row, kind=kind, now=_ts(application.created_at))
                    queued = True
            await db.flush()
            for e in desk_events:
                role = roles.get(e.actor, "bot" if e.actor.startswith("bot:") else "officer")
                db.add(
                    self._audit(
                        e.at,
                        role,
                        e.actor,
                        e.kind,
                        ticket_id=e.ticket_id,
                        session_id=e.session_id,
                        application_id=e.details.get("application_id"),
                        details={"counter": e.counter_id, **_plain(e.details)},
                    )
                )
        if queued and self._on_filed is not None:
            self._on_filed()

    async def staffing(self) -> tuple[str | None, set[str]]:
        """The supervisors' latest bot staffing (None: never set) and the counters they
        hold closed, from this hall's audit log (``bot_staffing_set``, ``counter_hold``)."""
        async with self._sessions() as db:
            rows = (
                await db.execute(
                    select(AuditRow.action, AuditRow.details)
                    .where(
                        AuditRow.hall_id == self.hall_id,
                        AuditRow.action.in_(("bot_staffing_set", "counter_hold")),
                    )
                    .order_by(AuditRow.id)
                )
            ).all()
        bots: str | None = None
        held: set[str] = set()
        for action, details in rows:
            if action == "bot_staffing_set":
                bots = str(details.get("bots"))
            elif details.get("held"):
                held.add(str(details.get("counter")))
            else:
                held.discard(str(details.get("counter")))
        return bots, held

    async def note(
        self, at: float, actor_role: str, actor: str, action: str, **details: Any
    ) -> None:
        """Append one audit row of a supervisor's act that is not a queue event."""
        async with self._sessions.begin() as db:
            if self._fence is not None:
                await self._fence.check(db)
            db.add(self._audit(at, actor_role, actor, action, details=_plain(details)))

    async def audit(self, *, ticket_id: str | None = None) -> list[AuditRow]:
        async with self._sessions() as db:
            query = select(AuditRow).where(AuditRow.hall_id == self.hall_id)
            if ticket_id is not None:
                query = query.where(AuditRow.ticket_id == ticket_id)
            return list((await db.scalars(query.order_by(AuditRow.id))).all())

    async def _put_ticket(self, db: AsyncSession, ticket: Ticket, at: float) -> None:
        row = await db.get(TicketRow, ticket.ticket_id)
        data = ticket_to_json(ticket)
        if row is None:
            db.add(
                TicketRow(
                    id=ticket.ticket_id,
                    hall_id=self.hall_id,
                    number=ticket.number or "",
                    service=ticket.service,
                    state=ticket.state.value,
                    citizen_ref=ticket.citizen_ref,
                    issued_at=_ts(ticket.issued_at),
                    updated_at=_ts(at),
                    data=data,
                )
            )
        else:
            row.number, row.service, row.state = (
                ticket.number or "",
                ticket.service,
                ticket.state.value,
            )
            row.updated_at, row.data = _ts(at), data

    async def _put_counter(self, db: AsyncSession, counter: CounterState, at: float) -> None:
        row = await db.get(CounterRow, (self.hall_id, counter.counter_id))
        data = counter_to_json(counter)
        if row is None:
            db.add(
                CounterRow(
                    hall_id=self.hall_id,
                    counter_id=counter.counter_id,
                    status=counter.status.value,
                    staffed_by=counter.staffed_by,
                    updated_at=_ts(at),
                    data=data,
                )
            )
        else:
            row.status, row.staffed_by, row.updated_at, row.data = (
                counter.status.value,
                counter.staffed_by,
                _ts(at),
                data,
            )

    async def _put_session(self, db: AsyncSession, session: CounterSession) -> None:
        row = await db.get(CounterSessionRow, session.session_id)
        data = session.to_json()
        ended = _ts(session.ended_at) if session.ended_at is not None else None
        if row is None:
            db.add(
                CounterSessionRow(
                    id=session.session_id,
                    hall_id=self.hall_id,
                    ticket_id=session.ticket_id,
                    counter_id=session.counter_id,
                    staffed_by=session.staffed_by,
                    started_at=_ts(session.started_at),
                    ended_at=ended,
                    outcome=session.outcome,
                    data=data,
                )
            )
        else:
            row.staffed_by, row.ended_at, row.outcome, row.data = (
                session.staffed_by,
                ended,
                session.outcome,
                data,
            )

    def _audit(
        self,
        at: float,
        role: str,
        actor: str,
        action: str,
        *,
        ticket_id: str | None = None,
        session_id: str | None = None,
        application_id: Any = None,
        details: dict[str, Any],
    ) -> AuditRow:
        return AuditRow.record(
            hall_id=self.hall_id,
            at=_ts(at),
            actor_role=role,
            actor_ref=actor,
            action=action,
            ticket_id=ticket_id,
            session_id=session_id,
            application_id=application_id,
            details=details,
        )


def _plain(details: Any) -> dict[str, Any]:
    """JSON-safe copy of event details (enums and tuples become strings and lists)."""
    out: dict[str, Any] = {}
    for key, value in dict(details).items():
        if isinstance(value, str | int | float | bool) or value is None:
            out[key] = value
        elif isinstance(value, list | tuple):
            out[key] = [v if isinstance(v, str | int | float | bool) else str(v) for v in value]
        else:
            out[key] = str(value)
    return out
