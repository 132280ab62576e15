"""The queue engine of one hall (sans I/O).

:class:`QueueEngine` owns the tickets and counters of one hall. Every
operation is a method call with the time passed in as ``now`` (Unix
seconds); it either changes state and appends one or more
:class:`~counters.tickets.QueueEvent` s, or raises a
:class:`~hall_server.errors.HallError` subclass and changes nothing. The
edge drains :meth:`QueueEngine.events_to_send` after each call, writes the
events to the audit log and upserts the ``ticket`` and ``counter`` values
they carry, then fans them out. It calls :meth:`QueueEngine.tick` about once
a second (no-show timeouts, expired bookings) and
:meth:`QueueEngine.estimates_changed` when it wants to push wait estimates.

After a restart the edge rebuilds the engine with :meth:`QueueEngine.restore`
from the persisted tickets and counters; the restored engine calls the same
tickets in the same order and gives the same next numbers as the original
would have. ``now`` must not go backwards: an earlier ``now`` is taken as
the latest one seen.

Calling order (docs/queue-rules.md): each counter calls from the services of
its work profile, longest wait first across them; priority tickets (UU
25/2009 art. 29) before regular ones, but at most
``priority_calls_per_regular`` priority calls in a row while a regular ticket
waits, and a regular ticket waiting longer than ``max_regular_wait_s`` goes
before any priority ticket. Waiting tickets sit in one heap per (service,
tier), so a call costs O(profile size x log n), not a scan of the hall.
"""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Callable, Iterable
from dataclasses import fields
from datetime import date
from typing import TypeVar

from counters.estimate import Estimate, ServiceTimes, WaitHistory, blend, call_rate
from counters.tickets import (
    SYSTEM_ACTOR,
    Actor,
    ActorRole,
    CounterState,
    CounterStatus,
    EventKind,
    Outcome,
    Priority,
    QueueEvent,
    QueueRules,
    ServiceRule,
    Ticket,
    TicketState,
    check_citizen_ref,
    format_number,
    local_day,
)
from hall_server.errors import Conflict, Forbidden, InvalidInput, NotFound

__all__ = ["QueueEngine"]

_W = TicketState.WAITING
#: a heap entry: (enqueued_at, seq, ticket_id); seq is unique, so ids never compare
_Entry = tuple[float, int, str]
_Lane = tuple[str, bool]  # (service, is_priority)
_V = TypeVar("_V", Ticket, CounterState)


class QueueEngine:
    """Tickets, counters and the calling order of one hall.

    ``new_id`` makes ticket ids when the caller gives none (default: random
    UUID hex); tests inject a counter.
    """

    def __init__(self, rules: QueueRules, *, new_id: Callable[[], str] | None = None) -> None:
        self.rules = rules
        self._new_id = new_id or (lambda: uuid.uuid4().hex)
        self._services: dict[str, ServiceRule] = {s.code: s for s in rules.services}
        self._tickets: dict[str, Ticket] = {}
        self._counters: dict[str, CounterState] = {}
        self._lanes: dict[_Lane, list[_Entry]] = {}
        #: ticket id -> its live heap entry (absent when not waiting): lazy deletion
        self._entry: dict[str, _Entry] = {}
        #: (citizen_ref, service) -> the citizen's non-final ticket there
        self._active: dict[tuple[str, str], str] = {}
        #: (deadline, ticket_id): called tickets' no-show deadlines, checked lazily
        self._no_show_heap: list[tuple[float, str]] = []
        #: (expiry, ticket_id): bookings not checked in by the end of their day
        self._booking_heap: list[tuple[float, str]] = []
        self._service_times: dict[str, ServiceTimes] = {}
        self._waits: dict[_Lane, WaitHistory] = {}
        self._numbers: dict[str, int] = {}
        self._seq = 0
        self._now = float("-inf")
        self._today: date | None = None
        self._next_midnight = float("-inf")
        self._events: list[QueueEvent] = []
        self._reported: dict[str, Estimate] = {}
        self._reset_history()

    # ------------------------------------------------------------ persistence

    @classmethod
    def restore(
        cls,
        rules: QueueRules,
        tickets: Iterable[Ticket],
        counters: Iterable[CounterState],
        now: float,
        *,
        new_id: Callable[[], str] | None = None,
    ) -> QueueEngine:
        """Rebuild an engine from what :meth:`tickets` and :meth:`counters` returned.

        Raises InvalidInput ``bad_snapshot`` when the values contradict each
        other (a counter holding a ticket that is not called to it, ...).
        Tickets that ended on an earlier local day are dropped. Estimates already pushed
        are not remembered: the first :meth:`estimates_changed` reports all.
        """
        engine = cls(rules, new_id=new_id)
        for t in tickets:
            if t.ticket_id in engine._tickets:
                raise InvalidInput(f"duplicate ticket {t.ticket_id}", code="bad_snapshot")
            if t.service not in engine._services:
                raise InvalidInput(f"unknown service {t.service}", code="bad_snapshot")
            engine._tickets[t.ticket_id] = t
        for c in counters:
            if c.counter_id in engine._counters:
                raise InvalidInput(f"duplicate counter {c.counter_id}", code="bad_snapshot")
            if c.ticket_id is not None:
                held = engine._tickets.get(c.ticket_id)
                if (
                    held is None
                    or held.counter_id != c.counter_id
                    or held.state not in (TicketState.CALLED, TicketState.SERVING)
                ):
                    raise InvalidInput(
                        f"counter {c.counter_id} holds a ticket not at it", code="bad_snapshot"
                    )
            engine._counters[c.counter_id] = c
        for t in engine._tickets.values():
            if t.state in (TicketState.CALLED, TicketState.SERVING) and (
                t.counter_id is None
                or engine._counters.get(t.counter_id, _NO_COUNTER).ticket_id != t.ticket_id
            ):
                raise InvalidInput(
                    f"ticket {t.ticket_id} is at a counter that does not hold it",
                    code="bad_snapshot",
                )
        engine._now = now
        engine._rollover(now)
        return engine

    def live_ticket(self, citizen_ref: str, service: str) -> Ticket | None:
        """The citizen's ticket for this service that is not final, if any."""
        tid = self._active.get((citizen_ref, service))
        return None if tid is None else self._tickets[tid]

    def live_tickets(self) -> list[Ticket]:
        """Every ticket that is not final (booked, waiting, called, serving, parked)."""
        return [self._tickets[tid] for tid in self._active.values()]

    def tickets(self) -> list[Ticket]:
        """Every non-final ticket and every ticket that ended on the current local day,
        in issue order: what the edge persists and gives back to :meth:`restore`."""
        return sorted(self._tickets.values(), key=lambda t: t.seq)

    def counters_by_id(self) -> dict[str, CounterState]:
        return dict(self._counters)

    def counters(self) -> list[CounterState]:
        return sorted(self._counters.values(), key=lambda c: c.counter_id)

    def ticket(self, ticket_id: str) -> Ticket:
        """Raises NotFound ``unknown_ticket``."""
        t = self._tickets.get(ticket_id)
        if t is None:
            raise NotFound("no such ticket", code="unknown_ticket")
        return t

    def counter(self, counter_id: str) -> CounterState:
        """Raises NotFound ``unknown_counter``."""
        c = self._counters.get(counter_id)
        if c is None:
            raise NotFound("no such counter", code="unknown_counter")
        return c

    def events_to_send(self) -> list[QueueEvent]:
        """The events since the last drain, oldest first; drain after every call."""
        events, self._events = self._events, []
        return events

    # --------------------------------------------------------------- citizens

    def take_ticket(
        self,
        citizen_ref: str,
        service: str,
        priority: Priority,
        now: float,
        appointment_at: float | None = None,
        *,
        ticket_id: str | None = None,
    ) -> Ticket:
        """Issue a walk-in ticket, or book an appointment when ``appointment_at`` is given.

        A walk-in is numbered and waits at once. A booking is BOOKED: it has
        no number and is not in the queue until :meth:`check_in`. Raises
        NotFound ``unknown_service``, Conflict ``already_queued`` (the
        citizen has a live ticket for this service) or ``duplicate_ticket``,
        InvalidInput ``nik_not_allowed`` / ``bad_value``.
        """
        now = self._advance(now)
        check_citizen_ref(citizen_ref)
        rule = self._service(service)
        priority = Priority(priority)
        if (citizen_ref, service) in self._active:
            raise Conflict(
                "the citizen already has a live ticket for this service", code="already_queued"
            )
        tid = ticket_id if ticket_id is not None else self._new_id()
        if not tid:
            raise InvalidInput("ticket_id must not be empty", code="bad_value")
        if tid in self._tickets:
            raise Conflict("a ticket with this id exists", code="duplicate_ticket")
        self._seq += 1
        actor = Actor(citizen_ref, ActorRole.CITIZEN)
        if appointment_at is None:
            number, day = self._number(rule.group, now)
            t = Ticket(
                ticket_id=tid,
                seq=self._seq,
                number=number,
                day=day,
                group=rule.group,
                service=service,
                priority=priority,
                citizen_ref=citizen_ref,
                state=_W,
                issued_at=now,
                enqueued_at=now,
            )
            self._store(t)
            self._enqueue(t)
            kind = EventKind.TICKET_TAKEN
        else:
            if appointment_at + self.rules.appointment_late_s < now:
                raise InvalidInput("the appointment time has passed", code="bad_value")
            t = Ticket(
                ticket_id=tid,
                seq=self._seq,
                number=None,
                day=None,
                group=rule.group,
                service=service,
                priority=priority,
                citizen_ref=citizen_ref,
                state=TicketState.BOOKED,
                issued_at=now,
                enqueued_at=appointment_at,
                appointment_at=appointment_at,
            )
            self._store(t)
            heapq.heappush(self._booking_heap, (self._booking_expiry(appointment_at), tid))
            kind = EventKind.APPOINTMENT_BOOKED
        self._active[(citizen_ref, service)] = tid
        self._emit(
            kind,
            now,
            actor,
            t,
            number=t.number,
            service=service,
            priority=str(priority),
            citizen_ref=citizen_ref,
            appointment_at=appointment_at,
        )
        return t

    def check_in(self, ticket_id: str, now: float) -> Ticket:
        """The citizen of a booking arrives (at the kiosk, or in the hall).

        From ``appointment_early_s`` before the booked time to
        ``appointment_late_s`` after it, the ticket joins the queue as if it
        had arrived at the booked time; later it joins as a walk-in from the
        check-in time (keeping its priority class). Raises Conflict
        ``not_booked`` or ``too_early``.
        """
        now = self._advance(now)
        t = self.ticket(ticket_id)
        if t.state is not TicketState.BOOKED or t.appointment_at is None:
            raise Conflict("the ticket is not an appointment awaiting check-in", code="not_booked")
        if now < t.appointment_at - self.rules.appointment_early_s:
            raise Conflict("too early to check in for this appointment", code="too_early")
        late = now > t.appointment_at + self.rules.appointment_late_s
        number, day = self._number(t.group, now)
        t = _evolve(
            t,
            state=_W,
            number=number,
            day=day,
            checked_in_at=now,
            enqueued_at=now if late else t.appointment_at,
        )
        self._store(t)
        self._enqueue(t)
        self._emit(
            EventKind.CHECKED_IN,
            now,
            Actor(t.citizen_ref, ActorRole.CITIZEN),
            t,
            number=number,
            service=t.service,
            late=late,
        )
        return t

    def cancel(self, ticket_id: str, citizen_ref: str, now: float) -> Ticket:
        """The citizen gives up their ticket (waiting, booked, parked or called).

        Raises Forbidden ``not_your_ticket``, Conflict ``in_service`` (ask
        the officer to finish instead) or ``ticket_final``.
        """
        now = self._advance(now)
        t = self.ticket(ticket_id)
        if t.citizen_ref != citizen_ref:
            raise Forbidden("only the ticket's citizen may cancel it", code="not_your_ticket")
        if t.state is TicketState.SERVING:
            raise Conflict("the ticket is being served", code="in_service")
        self._not_final(t)
        counter = self._release(t)
        t = _evolve(t, state=TicketState.CANCELLED, finished_at=now, reason="cancelled_by_citizen")
        self._finalise(t)
        self._emit(
            EventKind.CANCELLED,
            now,
            Actor(citizen_ref, ActorRole.CITIZEN),
            t,
            counter,
            number=t.number,
            service=t.service,
        )
        return t

    # --------------------------------------------------------------- counters

    def open_counter(
        self, counter_id: str, services: Iterable[str], actor: Actor, now: float
    ) -> CounterState:
        """Open (or reopen, or re-profile) a counter staffed by ``actor``.

        ``services`` is its work profile. A counter holding a ticket keeps
        it and its staff: only its profile and status change. Raises
        Forbidden ``not_staff`` / ``wrong_counter``, NotFound
        ``unknown_service``, InvalidInput ``bad_value`` (empty profile).
        """
        now = self._advance(now)
        self._staff(actor)
        profile = tuple(dict.fromkeys(services))
        if not profile or not counter_id:
            raise InvalidInput("a counter needs an id and at least one service", code="bad_value")
        for s in profile:
            self._service(s)
        old = self._counters.get(counter_id)
        if old is not None and old.ticket_id is not None:
            self._at_counter(old, actor)
            c = _evolve(old, services=profile, status=CounterStatus.OPEN)
        elif old is not None:
            c = _evolve(old, services=profile, status=CounterStatus.OPEN, staffed_by=actor.ref)
        else:
            c = CounterState(counter_id, profile, CounterStatus.OPEN, actor.ref)
        self._counters[counter_id] = c
        self._emit(EventKind.COUNTER_OPENED, now, actor, None, c, services=list(profile))
        return c

    def hand_over_counter(
        self, counter_id: str, to: Actor, now: float, *, officer_gone: bool = False
    ) -> CounterState:
        """``to`` takes over the counter with the ticket it holds (a bot or a colleague leaves).

        Anyone on staff may take over from a bot; from another officer only a
        supervisor may, or anyone once that officer is gone (``officer_gone``:
        their connection dropped and the grace period passed). The ticket
        keeps its place and state.
        """
        now = self._advance(now)
        self._staff(to)
        c = self.counter(counter_id)
        held_by = c.staffed_by or ""
        colleague = held_by and not held_by.startswith("bot:") and held_by != to.ref
        if colleague and to.role is not ActorRole.SUPERVISOR and not officer_gone:
            raise Forbidden("another officer staffs this counter", code="counter_taken")
        c = _evolve(c, staffed_by=to.ref)
        self._counters[counter_id] = c
        held = self._tickets.get(c.ticket_id) if c.ticket_id is not None else None
        why = {"reason": "officer_gone"} if officer_gone else {}
        self._emit(EventKind.COUNTER_HANDED_OVER, now, to, held, c, previous=held_by or None, **why)
        return c

    def pause_counter(self, counter_id: str, actor: Actor, now: float) -> CounterState:
        """Stop calling; the current ticket may still be served and finished."""
        now = self._advance(now)
        c = self._operated(counter_id, actor)
        if c.status is CounterStatus.CLOSED:
            raise Conflict("the counter is closed", code="counter_closed")
        c = _evolve(c, status=CounterStatus.PAUSED)
        self._counters[counter_id] = c
        self._emit(EventKind.COUNTER_PAUSED, now, actor, None, c)
        return c

    def close_counter(self, counter_id: str, actor: Actor, now: float) -> CounterState:
        """Close a counter; it must hold no ticket (Conflict ``counter_busy``)."""
        now = self._advance(now)
        c = self._operated(counter_id, actor)
        if c.ticket_id is not None:
            raise Conflict("finish, park or transfer the current ticket first", code="counter_busy")
        c = _evolve(c, status=CounterStatus.CLOSED, staffed_by=None, priority_streak=0)
        self._counters[counter_id] = c
        self._emit(EventKind.COUNTER_CLOSED, now, actor, None, c)
        return c

    def call_next(self, counter_id: str, actor: Actor, now: float) -> Ticket | None:
        """Call the next ticket for this counter, or return None when none waits.

        Raises Conflict ``counter_not_open`` / ``counter_busy``, Forbidden
        ``wrong_counter``.
        """
        now = self._advance(now)
        c = self._callable(counter_id, actor)
        ratio = self.rules.priority_calls_per_regular
        bound = self.rules.max_regular_wait_s
        reg = self._head(c.services, False)
        pri = self._head(c.services, True)
        if reg is None and pri is None:
            return None
        if reg is not None and (
            pri is None
            or (bound is not None and now - reg[0][0] > bound)
            or (ratio is not None and c.priority_streak >= ratio)
        ):
            entry, heap, is_priority = reg[0], reg[1], False
        else:
            assert pri is not None
            entry, heap, is_priority = pri[0], pri[1], True
        heapq.heappop(heap)
        del self._entry[entry[2]]
        t = self._tickets[entry[2]]
        first = t.first_called_at is None
        t = _evolve(
            t,
            state=TicketState.CALLED,
            counter_id=counter_id,
            called_at=now,
            recalled_at=None,
            recalls=0,
            first_called_at=now if first else t.first_called_at,
            first_wait_s=now - t.enqueued_at if first else t.first_wait_s,
            first_service=t.service if first else t.first_service,
        )
        self._store(t)
        if first:
            self._wait_history(t.service, is_priority).add(now, t.seq, now - t.enqueued_at)
        c = _evolve(
            c, ticket_id=t.ticket_id, priority_streak=c.priority_streak + 1 if is_priority else 0
        )
        self._counters[counter_id] = c
        self._arm_no_show(t)
        self._emit(
            EventKind.CALLED,
            now,
            actor,
            t,
            c,
            number=t.number,
            service=t.service,
            priority=str(t.priority),
            waited_s=now - t.enqueued_at,
        )
        return t

    def call_out_of_order(
        self, counter_id: str, ticket_id: str, actor: Actor, reason: str, now: float
    ) -> Ticket:
        """An officer calls a particular waiting ticket, giving a reason.

        Does not count towards the priority ratio. Raises Forbidden
        ``officer_only`` (bots and citizens may not), InvalidInput
        ``reason_required``, Conflict ``not_waiting`` /
        ``service_not_offered`` and the errors of :meth:`call_next`.
        """
        now = self._advance(now)
        if actor.role not in (ActorRole.OFFICER, ActorRole.SUPERVISOR):
            raise Forbidden("only an officer may call out of order", code="officer_only")
        if not reason or not reason.strip():
            raise InvalidInput("a reason is required to call out of order", code="reason_required")
        c = self._callable(counter_id, actor)
        t = self.ticket(ticket_id)
        if t.state is not _W:
            raise Conflict("the ticket is not waiting", code="not_waiting")
        if t.service not in c.services:
            raise Conflict("the counter does not offer this service", code="service_not_offered")
        del self._entry[ticket_id]
        t = _evolve(
            t,
            state=TicketState.CALLED,
            counter_id=counter_id,
            called_at=now,
            recalled_at=None,
            recalls=0,
            reason=reason,
        )
        self._store(t)
        c = _evolve(c, ticket_id=ticket_id)
        self._counters[counter_id] = c
        self._arm_no_show(t)
        self._emit(
            EventKind.CALLED_OUT_OF_ORDER,
            now,
            actor,
            t,
            c,
            number=t.number,
            service=t.service,
            reason=reason,
            waited_s=now - t.enqueued_at,
        )
        return t

    def recall(self, counter_id: str, actor: Actor, now: float) -> Ticket:
        """Call the counter's ticket again; past ``max_recalls`` it becomes no-show.

        Raises Conflict ``no_ticket`` / ``not_called``.
        """
        now = self._advance(now)
        c = self._operated(counter_id, actor)
        t = self._held(c)
        if t.state is not TicketState.CALLED:
            raise Conflict("the ticket is already at the counter", code="not_called")
        if t.recalls >= self.rules.max_recalls:
            self._no_show(t, now, actor, "recalls_exhausted")
            return self._tickets[t.ticket_id]
        t = _evolve(t, recalls=t.recalls + 1, recalled_at=now)
        self._store(t)
        self._arm_no_show(t)
        self._emit(EventKind.RECALLED, now, actor, t, c, number=t.number, recalls=t.recalls)
        return t

    def start_service(self, counter_id: str, actor: Actor, now: float) -> Ticket:
        """The called citizen has arrived at the counter. Raises Conflict ``not_called``."""
        now = self._advance(now)
        c = self._operated(counter_id, actor)
        t = self._held(c)
        if t.state is not TicketState.CALLED:
            raise Conflict("the ticket is already being served", code="not_called")
        t = _evolve(t, state=TicketState.SERVING, started_at=now)
        self._store(t)
        self._emit(EventKind.SERVICE_STARTED, now, actor, t, c, number=t.number)
        return t

    def park(self, counter_id: str, actor: Actor, now: float, reason: str | None = None) -> Ticket:
        """Put the counter's ticket on hold and free the counter.

        The ticket keeps its place (``enqueued_at``) for :meth:`unpark`.
        """
        now = self._advance(now)
        c = self._operated(counter_id, actor)
        t = self._held(c)
        c = self._free(c)
        t = _evolve(t, state=TicketState.PARKED, counter_id=None, reason=reason or t.reason)
        self._store(t)
        self._emit(EventKind.PARKED, now, actor, t, c, number=t.number, reason=reason)
        return t

    def unpark(
        self, ticket_id: str, actor: Actor, now: float, counter_id: str | None = None
    ) -> Ticket:
        """Return a parked ticket to the queue in its old place, or straight to a counter.

        With ``counter_id`` the ticket is called to that counter (which must
        be open, free and the actor's). Raises Conflict ``not_parked``.
        """
        now = self._advance(now)
        self._staff(actor)
        t = self.ticket(ticket_id)
        if t.state is not TicketState.PARKED:
            raise Conflict("the ticket is not parked", code="not_parked")
        if counter_id is None:
            t = _evolve(t, state=_W)
            self._store(t)
            self._enqueue(t)
            self._emit(EventKind.UNPARKED, now, actor, t, number=t.number, service=t.service)
            return t
        c = self._callable(counter_id, actor)
        if t.service not in c.services:
            raise Conflict("the counter does not offer this service", code="service_not_offered")
        t = _evolve(
            t,
            state=TicketState.CALLED,
            counter_id=counter_id,
            called_at=now,
            recalled_at=None,
            recalls=0,
        )
        self._store(t)
        c = _evolve(c, ticket_id=ticket_id)
        self._counters[counter_id] = c
        self._arm_no_show(t)
        self._emit(EventKind.UNPARKED, now, actor, t, c, number=t.number, service=t.service)
        return t

    def transfer(self, ticket_id: str, to_service: str, actor: Actor, now: float) -> Ticket:
        """Move a ticket to another service's queue, keeping its number and issue time.

        The ticket waits in the new queue ordered by its original issue time
        (it keeps the place it earned). A ticket at a counter may be
        transferred only by that counter's staff (or a supervisor); the
        counter is freed. Raises Conflict ``same_service`` /
        ``already_queued`` / ``ticket_final`` / ``not_checked_in``.
        """
        now = self._advance(now)
        self._staff(actor)
        self._service(to_service)
        t = self.ticket(ticket_id)
        self._not_final(t)
        if t.state is TicketState.BOOKED:
            raise Conflict("check the appointment in first", code="not_checked_in")
        if t.service == to_service:
            raise Conflict("the ticket is already in this service", code="same_service")
        if (t.citizen_ref, to_service) in self._active:
            raise Conflict(
                "the citizen already has a live ticket for this service", code="already_queued"
            )
        if t.counter_id is not None and t.state in (TicketState.CALLED, TicketState.SERVING):
            self._at_counter(self._counters[t.counter_id], actor)
        counter = self._release(t)
        from_service = t.service
        del self._active[(t.citizen_ref, from_service)]
        self._active[(t.citizen_ref, to_service)] = ticket_id
        t = _evolve(
            t,
            state=_W,
            service=to_service,
            counter_id=None,
            enqueued_at=t.issued_at,
            transfers=t.transfers + 1,
            started_at=None,
        )
        self._store(t)
        self._enqueue(t)
        self._emit(
            EventKind.TRANSFERRED,
            now,
            actor,
            t,
            counter,
            number=t.number,
            from_service=from_service,
            to_service=to_service,
        )
        return t

    def finish(
        self,
        counter_id: str,
        actor: Actor,
        outcome: Outcome,
        now: float,
        reason: str | None = None,
    ) -> Ticket:
        """End the service at the counter with an outcome; frees the counter.

        ``reason`` is required for referred and rejected. Raises Conflict
        ``no_ticket`` / ``not_serving`` (call :meth:`start_service` first),
        InvalidInput ``reason_required``.
        """
        now = self._advance(now)
        outcome = Outcome(outcome)
        if outcome is not Outcome.SERVED and (not reason or not reason.strip()):
            raise InvalidInput(f"a reason is required for {outcome}", code="reason_required")
        c = self._operated(counter_id, actor)
        t = self._held(c)
        if t.state is not TicketState.SERVING or t.started_at is None:
            raise Conflict("the citizen has not arrived at the counter", code="not_serving")
        service_s = now - t.started_at
        c = self._free(c)
        t = _evolve(t, state=TicketState.DONE, finished_at=now, outcome=outcome, reason=reason)
        self._finalise(t)
        self._service_times[t.service].add(now, t.seq, service_s)
        self._emit(
            EventKind.FINISHED,
            now,
            actor,
            t,
            c,
            number=t.number,
            service=t.service,
            outcome=str(outcome),
            reason=reason,
            service_s=service_s,
        )
        return t

    def citizen_left(self, ticket_id: str, now: float) -> Ticket:
        """The citizen of a called or served ticket has gone: the ticket ends, the counter is free.

        Decided by the caller (who watches presence); recorded as the
        system's act with outcome ``citizen_left``. Raises Conflict
        ``not_called`` when the ticket is not at a counter.
        """
        now = self._advance(now)
        t = self.ticket(ticket_id)
        if t.state not in (TicketState.CALLED, TicketState.SERVING):
            raise Conflict("the ticket is not at a counter", code="not_called")
        counter = self._release(t)
        t = _evolve(
            t, state=TicketState.DONE, finished_at=now, outcome=Outcome.CITIZEN_LEFT, reason=None
        )
        self._finalise(t)
        self._emit(
            EventKind.CITIZEN_LEFT,
            now,
            SYSTEM_ACTOR,
            t,
            counter,
            number=t.number,
            service=t.service,
            outcome=str(Outcome.CITIZEN_LEFT),
        )
        return t

    def release_counter(self, counter_id: str, now: float, reason: str) -> CounterState:
        """Nobody staffs the counter any more (its officer is gone): close it.

        A ticket it holds goes back to the queue in the place it had
        (``enqueued_at`` is kept), so the citizen loses nothing. The
        system's act, with ``reason`` in the audit log.
        """
        now = self._advance(now)
        c = self.counter(counter_id)
        if c.ticket_id is not None:
            t = self._tickets[c.ticket_id]
            c = self._free(c)
            t = _evolve(t, state=_W, counter_id=None, started_at=None)
            self._store(t)
            self._enqueue(t)
            self._emit(
                EventKind.RETURNED_TO_QUEUE,
                now,
                SYSTEM_ACTOR,
                t,
                c,
                number=t.number,
                service=t.service,
                reason=reason,
            )
        c = _evolve(c, status=CounterStatus.CLOSED, staffed_by=None, priority_streak=0)
        self._counters[counter_id] = c
        self._emit(EventKind.COUNTER_CLOSED, now, SYSTEM_ACTOR, None, c, reason=reason)
        return c

    def review_priority(self, counter_id: str, confirmed: bool, actor: Actor, now: float) -> Ticket:
        """The officer at the counter confirms or withdraws the declared priority of its ticket.

        A withdrawn priority makes the ticket regular (for the record and the
        wait statistics: it was already called). Elderly is not declared but
        read from the NIK, so it is not reviewed. Raises Conflict ``no_ticket``
        / ``not_declared``.
        """
        now = self._advance(now)
        c = self._operated(counter_id, actor)
        t = self._held(c)
        if not t.priority.is_priority or t.priority is Priority.ELDERLY:
            raise Conflict("this ticket declared no priority group", code="not_declared")
        declared = t.priority
        t = _evolve(
            t,
            priority=t.priority if confirmed else Priority.REGULAR,
            priority_review="confirmed" if confirmed else "withdrawn",
        )
        self._store(t)
        self._emit(
            EventKind.PRIORITY_REVIEWED,
            now,
            actor,
            t,
            c,
            number=t.number,
            declared=str(declared),
            review=t.priority_review,
        )
        return t

    def tick(self, now: float) -> None:
        """Apply timeouts: called tickets past their no-show deadline, missed bookings."""
        now = self._advance(now)
        heap = self._no_show_heap
        while heap and heap[0][0] <= now:
            deadline, tid = heapq.heappop(heap)
            t = self._tickets.get(tid)
            if t is not None and t.state is TicketState.CALLED and self._deadline(t) == deadline:
                self._no_show(t, now, SYSTEM_ACTOR, "no_show_timeout")
        books = self._booking_heap
        while books and books[0][0] <= now:
            _, tid = heapq.heappop(books)
            t = self._tickets.get(tid)
            if t is not None and t.state is TicketState.BOOKED:
                self._no_show(t, now, SYSTEM_ACTOR, "appointment_missed")

    # -------------------------------------------------------------- estimates

    def estimate(self, ticket_id: str, now: float) -> Estimate:
        """Position and wait of a waiting ticket. Raises Conflict ``not_waiting``."""
        now = self._advance(now)
        t = self.ticket(ticket_id)
        if t.state is not _W:
            raise Conflict("the ticket is not waiting", code="not_waiting")
        return self._estimates_for(t.service, now)[ticket_id]

    def estimates(self, now: float) -> dict[str, Estimate]:
        """The estimate of every waiting ticket."""
        now = self._advance(now)
        out: dict[str, Estimate] = {}
        for service in self._services:
            out.update(self._estimates_for(service, now))
        return out

    def estimates_changed(self, now: float) -> list[tuple[str, Estimate]]:
        """Estimates whose position changed, or whose expected wait moved by more
        than ``estimate_change_s``, since they were last reported here."""
        current = self.estimates(now)
        changed: list[tuple[str, Estimate]] = []
        limit = self.rules.estimate_change_s
        for tid, est in current.items():
            old = self._reported.get(tid)
            if (
                old is None
                or old.position != est.position
                or abs(old.expected_s - est.expected_s) > limit
            ):
                changed.append((tid, est))
                self._reported[tid] = est
        for tid in [t for t in self._reported if t not in current]:
            del self._reported[tid]
        return changed

    def order(self, service: str, now: float) -> list[str]:
        """The waiting tickets of a service in the effective order they will be called.

        A projection: it assumes the open counters offering the service
        keep calling at the mean service time and no one else arrives.
        """
        now = self._advance(now)
        self._service(service)
        return self._order(service, now)[0]

    # --------------------------------------------------------------- internal

    def _advance(self, now: float) -> float:
        now = float(now)
        if now < self._now:
            now = self._now
        self._now = now
        if now >= self._next_midnight:
            self._rollover(now)
        return now

    def _rollover(self, now: float) -> None:
        """A new local day: drop tickets that ended on earlier days, restart numbering,
        rebuild queues and history from the tickets kept."""
        offset = self.rules.utc_offset_s
        today = local_day(now, offset)
        self._today = today
        self._next_midnight = (today.toordinal() - _EPOCH + 1) * 86400.0 - offset
        self._tickets = {
            tid: t
            for tid, t in self._tickets.items()
            if not t.is_final
            or (t.finished_at is not None and local_day(t.finished_at, offset) == today)
        }
        self._seq = max((t.seq for t in self._tickets.values()), default=0)
        self._numbers = {}
        for t in self._tickets.values():
            if t.day == today and t.number is not None:
                n = int(t.number.rsplit("-", 1)[1])
                if n > self._numbers.get(t.group, 0):
                    self._numbers[t.group] = n
        self._lanes = {}
        self._entry = {}
        self._active = {}
        self._no_show_heap = []
        self._booking_heap = []
        self._reset_history()
        by_seq = sorted(self._tickets.values(), key=lambda t: t.seq)
        for t in by_seq:
            if not t.is_final:
                self._active[(t.citizen_ref, t.service)] = t.ticket_id
            if t.state is _W:
                self._enqueue(t)
            elif t.state is TicketState.CALLED:
                self._arm_no_show(t)
            elif t.state is TicketState.BOOKED and t.appointment_at is not None:
                self._booking_heap.append((self._booking_expiry(t.appointment_at), t.ticket_id))
        heapq.heapify(self._booking_heap)
        finished = [t for t in by_seq if t.state is TicketState.DONE and t.started_at is not None]
        finished.sort(key=lambda t: (t.finished_at or 0.0, t.seq))
        for t in finished:
            assert t.finished_at is not None and t.started_at is not None
            self._service_times[t.service].add(t.finished_at, t.seq, t.finished_at - t.started_at)
        for t in by_seq:
            if (
                t.first_called_at is not None
                and t.first_wait_s is not None
                and t.first_service in self._services
            ):
                self._wait_history(t.first_service, t.priority.is_priority).add(
                    t.first_called_at, t.seq, t.first_wait_s
                )

    def _reset_history(self) -> None:
        r = self.rules
        self._service_times = {
            s.code: ServiceTimes(s.default_service_s, r.service_time_window, r.service_time_prior_n)
            for s in r.services
        }
        self._waits = {}

    def _wait_history(self, service: str, is_priority: bool) -> WaitHistory:
        h = self._waits.get((service, is_priority))
        if h is None:
            h = self._waits[(service, is_priority)] = WaitHistory(
                self.rules.wait_window, self.rules.wait_smoothing
            )
        return h

    def _number(self, group: str, now: float) -> tuple[str, date]:
        n = self._numbers.get(group, 0) + 1
        self._numbers[group] = n
        assert self._today is not None
        return format_number(group, n), self._today

    def _booking_expiry(self, appointment_at: float) -> float:
        """Local midnight after the late window of a booking closes."""
        offset = self.rules.utc_offset_s
        day = local_day(appointment_at + self.rules.appointment_late_s, offset)
        return (day.toordinal() - _EPOCH + 1) * 86400.0 - offset

    def _service(self, code: str) -> ServiceRule:
        rule = self._services.get(code)
        if rule is None:
            raise NotFound("no such service in this hall", code="unknown_service")
        return rule

    def _store(self, t: Ticket) -> None:
        self._tickets[t.ticket_id] = t

    def _enqueue(self, t: Ticket) -> None:
        entry = (t.enqueued_at, t.seq, t.ticket_id)
        self._entry[t.ticket_id] = entry
        lane = (t.service, t.priority.is_priority)
        heap = self._lanes.get(lane)
        if heap is None:
            heap = self._lanes[lane] = []
        heapq.heappush(heap, entry)

    def _head(
        self, services: tuple[str, ...], is_priority: bool
    ) -> tuple[_Entry, list[_Entry]] | None:
        """The longest-waiting live entry across the services' lanes of one tier."""
        best: tuple[_Entry, list[_Entry]] | None = None
        live = self._entry
        for s in services:
            heap = self._lanes.get((s, is_priority))
            if not heap:
                continue
            while heap and live.get(heap[0][2]) is not heap[0]:
                heapq.heappop(heap)
            if heap and (best is None or heap[0] < best[0]):
                best = (heap[0], heap)
        return best

    def _deadline(self, t: Ticket) -> float | None:
        timeout = self.rules.no_show_timeout_s
        if timeout is None or t.called_at is None:
            return None
        return (t.recalled_at if t.recalled_at is not None else t.called_at) + timeout

    def _arm_no_show(self, t: Ticket) -> None:
        deadline = self._deadline(t)
        if deadline is not None:
            heapq.heappush(self._no_show_heap, (deadline, t.ticket_id))

    def _no_show(self, t: Ticket, now: float, actor: Actor, reason: str) -> None:
        counter = self._release(t)
        t = _evolve(t, state=TicketState.NO_SHOW, finished_at=now, reason=reason)
        self._finalise(t)
        self._emit(
            EventKind.NO_SHOW,
            now,
            actor,
            t,
            counter,
            number=t.number,
            service=t.service,
            reason=reason,
            recalls=t.recalls,
        )

    def _release(self, t: Ticket) -> CounterState | None:
        """Take a ticket out of the queue or off its counter; return the freed counter."""
        self._entry.pop(t.ticket_id, None)
        if t.counter_id is not None and t.state in (TicketState.CALLED, TicketState.SERVING):
            c = self._counters[t.counter_id]
            if c.ticket_id == t.ticket_id:
                return self._free(c)
        return None

    def _free(self, c: CounterState) -> CounterState:
        c = _evolve(c, ticket_id=None)
        self._counters[c.counter_id] = c
        return c

    def _finalise(self, t: Ticket) -> None:
        self._store(t)
        if self._active.get((t.citizen_ref, t.service)) == t.ticket_id:
            del self._active[(t.citizen_ref, t.service)]

    def _not_final(self, t: Ticket) -> None:
        if t.is_final:
            raise Conflict(f"the ticket is already {t.state}", code="ticket_final")

    def _staff(self, actor: Actor) -> None:
        if actor.role not in _STAFF:
            raise Forbidden("only counter staff may do this", code="not_staff")

    def _at_counter(self, c: CounterState, actor: Actor) -> None:
        if actor.role is not ActorRole.SUPERVISOR and c.staffed_by != actor.ref:
            raise Forbidden("this counter is staffed by someone else", code="wrong_counter")

    def _operated(self, counter_id: str, actor: Actor) -> CounterState:
        self._staff(actor)
        c = self.counter(counter_id)
        self._at_counter(c, actor)
        return c

    def _callable(self, counter_id: str, actor: Actor) -> CounterState:
        c = self._operated(counter_id, actor)
        if c.status is not CounterStatus.OPEN:
            raise Conflict(f"the counter is {c.status}", code="counter_not_open")
        if c.ticket_id is not None:
            raise Conflict("the counter already holds a ticket", code="counter_busy")
        return c

    def _held(self, c: CounterState) -> Ticket:
        if c.ticket_id is None:
            raise Conflict("the counter holds no ticket", code="no_ticket")
        return self._tickets[c.ticket_id]

    def _emit(
        self,
        kind: EventKind,
        at: float,
        actor: Actor,
        ticket: Ticket | None = None,
        counter: CounterState | None = None,
        **details: object,
    ) -> None:
        # Built like _evolve builds tickets: an event per operation is the hot path.
        event: QueueEvent = _new(QueueEvent)
        event.__dict__.update(
            kind=kind,
            at=at,
            actor=actor.ref,
            actor_role=actor.role,
            ticket_id=ticket.ticket_id if ticket is not None else None,
            counter_id=counter.counter_id
            if counter is not None
            else (ticket.counter_id if ticket is not None else None),
            details=details,
            ticket=ticket,
            counter=counter,
        )
        self._events.append(event)

    def _order(self, service: str, now: float) -> tuple[list[str], int, int, float]:
        """(effective order, idle counters, open counters, seconds per call)."""
        live = self._entry
        reg = sorted(e for e in self._lanes.get((service, False), ()) if live.get(e[2]) is e)
        pri = sorted(e for e in self._lanes.get((service, True), ()) if live.get(e[2]) is e)
        open_counters = [
            c
            for c in self._counters.values()
            if c.status is CounterStatus.OPEN and service in c.services
        ]
        n_open = len(open_counters)
        idle = sum(1 for c in open_counters if c.ticket_id is None)
        streak = min((c.priority_streak for c in open_counters), default=0)
        mean_s, _ = self._service_times[service].stats()
        step = mean_s / max(1, n_open)
        ratio = self.rules.priority_calls_per_regular
        bound = self.rules.max_regular_wait_s
        order: list[str] = []
        i = j = 0
        while i < len(reg) or j < len(pri):
            at = now + max(0, len(order) + 1 - idle) * step
            take_regular = i < len(reg) and (
                j >= len(pri)
                or (bound is not None and at - reg[i][0] > bound)
                or (ratio is not None and streak >= ratio)
            )
            if take_regular:
                order.append(reg[i][2])
                i += 1
                streak = 0
            else:
                order.append(pri[j][2])
                j += 1
                streak += 1
        return order, idle, n_open, step

    def _estimates_for(self, service: str, now: float) -> dict[str, Estimate]:
        order, idle, n_open, _ = self._order(service, now)
        if not order:
            return {}
        times = self._service_times[service]
        out: dict[str, Estimate] = {}
        weight = self.rules.history_weight
        rate = call_rate(
            [h for h in (self._waits.get((service, False)), self._waits.get((service, True))) if h],
            now,
            self.rules.wait_window,
        )
        for pos, tid in enumerate(order, start=1):
            t = self._tickets[tid]
            out[tid] = blend(
                position=pos,
                idle=idle,
                counters=n_open,
                service=times,
                history=self._waits.get((service, t.priority.is_priority)),
                waited_s=max(0.0, now - t.enqueued_at),
                history_weight=weight,
                call_rate=rate,
            )
        return out


_EPOCH = date(1970, 1, 1).toordinal()
_FIELDS = {
    Ticket: frozenset(f.name for f in fields(Ticket)),
    CounterState: frozenset(f.name for f in fields(CounterState)),
}
_new = object.__new__
_STAFF = frozenset(r for r in ActorRole if r.is_staff)


def _evolve(value: _V, **changes: object) -> _V:
    """``dataclasses.replace`` for Ticket and CounterState, about eight times faster.

    Both are frozen dataclasses without slots, so the copy can fill the new
    instance's ``__dict__`` directly instead of one ``__setattr__`` per field.
    """
    assert changes.keys() <= _FIELDS[type(value)], changes.keys()
    new: _V = _new(type(value))
    d = new.__dict__
    d.update(value.__dict__)
    d.update(changes)
    return new


_NO_COUNTER = CounterState("", (), CounterStatus.CLOSED)
