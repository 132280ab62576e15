"""Properties of the queue engine under any sequence of operations (hypothesis).

One state machine drives the engine with every operation, by every kind of
actor, with time moving forward, and checks after each step that no ticket
is lost or served twice, that each call picks what the calling rule says
(first come first served within a tier, the priority ratio, the ageing
bound), that estimates are never negative, and that an engine restored from
its own snapshot behaves identically from then on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from counters.queue import QueueEngine
from counters.tickets import (
    Actor,
    ActorRole,
    CounterStatus,
    EventKind,
    Outcome,
    Priority,
    QueueRules,
    ServiceRule,
    Ticket,
    TicketState,
)
from hall_server.errors import HallError

T0 = 1_763_856_000.0  # 2025-11-23 08:00 WITA
RATIO = 2
BOUND = 600.0
RULES = QueueRules(
    services=(ServiceRule("S1", "A", 300.0), ServiceRule("S2", "B", 500.0)),
    priority_calls_per_regular=RATIO,
    max_regular_wait_s=BOUND,
    max_recalls=1,
    no_show_timeout_s=400.0,
    appointment_early_s=300.0,
    appointment_late_s=300.0,
)
STAFF = {
    "L1": Actor("officer:1", ActorRole.OFFICER),
    "L2": Actor("officer:2", ActorRole.OFFICER),
    "B1": Actor("bot:kk", ActorRole.BOT),
}
PROFILES = {"L1": ("S1",), "L2": ("S1", "S2"), "B1": ("S2",)}
CITIZENS = [f"cit-{i}" for i in range(10)]

counters = st.sampled_from(sorted(STAFF))
services = st.sampled_from(["S1", "S2"])
priorities = st.sampled_from(list(Priority))
citizens = st.sampled_from(CITIZENS)
Outcome_ = tuple[str, Any]


def _run(engine: QueueEngine, op: Callable[[QueueEngine], object]) -> Outcome_:
    try:
        return ("ok", op(engine))
    except HallError as exc:
        return ("error", exc.code)


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.ids = 0
        self.q = QueueEngine(RULES, new_id=self._never)
        #: an engine restored from a snapshot of q, fed the same operations
        self.twin: QueueEngine | None = None
        self.issued: set[str] = set()
        self.finished: set[str] = set()
        self.final: dict[str, Ticket] = {}
        #: priority calls in a row made while a regular ticket was also eligible
        self.streak_both = dict.fromkeys(STAFF, 0)

    @staticmethod
    def _never() -> str:
        raise AssertionError("the machine always gives ticket ids")

    @initialize()
    def open_counters(self) -> None:
        for c, actor in STAFF.items():
            self.q.open_counter(c, PROFILES[c], actor, now=self.now)
        self.check_events()

    # ------------------------------------------------------------- plumbing

    def both(self, op: Callable[[QueueEngine], object]) -> Outcome_:
        """Apply an operation to the engine and its restored twin; they must agree."""
        result = _run(self.q, op)
        if self.twin is not None:
            assert _run(self.twin, op) == result
        self.check_events()
        return result

    def check_events(self) -> None:
        events = self.q.events_to_send()
        if self.twin is not None:
            twin_events = self.twin.events_to_send()
            assert [(e.kind, e.ticket_id, e.counter_id, e.at) for e in events] == [
                (e.kind, e.ticket_id, e.counter_id, e.at) for e in twin_events
            ]
        for e in events:
            assert e.actor and e.at <= self.now
            if e.kind is EventKind.FINISHED:
                assert e.ticket_id not in self.finished, "served twice"
                assert e.ticket_id is not None
                self.finished.add(e.ticket_id)

    def tickets_by_id(self) -> dict[str, Ticket]:
        return {t.ticket_id: t for t in self.q.tickets()}

    # ---------------------------------------------------------------- rules

    @rule(dt=st.floats(min_value=0, max_value=400, allow_nan=False))
    def advance(self, dt: float) -> None:
        self.now += dt

    @rule(citizen=citizens, service=services, priority=priorities)
    def take(self, citizen: str, service: str, priority: Priority) -> None:
        self.ids += 1
        tid = f"t{self.ids}"
        kind, _ = self.both(
            lambda q: q.take_ticket(citizen, service, priority, now=self.now, ticket_id=tid)
        )
        if kind == "ok":
            self.issued.add(tid)

    @rule(
        citizen=citizens,
        service=services,
        priority=priorities,
        ahead=st.floats(min_value=-200, max_value=1800, allow_nan=False),
    )
    def book(self, citizen: str, service: str, priority: Priority, ahead: float) -> None:
        self.ids += 1
        tid = f"t{self.ids}"
        at = self.now + ahead
        kind, _ = self.both(
            lambda q: q.take_ticket(
                citizen, service, priority, now=self.now, appointment_at=at, ticket_id=tid
            )
        )
        if kind == "ok":
            self.issued.add(tid)

    @precondition(lambda self: bool(self.issued))
    @rule(data=st.data())
    def check_in(self, data: st.DataObject) -> None:
        tid = data.draw(st.sampled_from(sorted(self.issued)))
        self.both(lambda q: q.check_in(tid, now=self.now))

    @rule(counter=counters)
    def call_next(self, counter: str) -> None:
        before = self.tickets_by_id()
        c = self.q.counter(counter)
        eligible = [
            t for t in before.values() if t.state is TicketState.WAITING and t.service in c.services
        ]
        reg = min(
            (t for t in eligible if not t.priority.is_priority),
            key=lambda t: (t.enqueued_at, t.seq),
            default=None,
        )
        pri = min(
            (t for t in eligible if t.priority.is_priority),
            key=lambda t: (t.enqueued_at, t.seq),
            default=None,
        )
        kind, result = self.both(lambda q: q.call_next(counter, STAFF[counter], now=self.now))
        if kind != "ok":
            assert c.status is not CounterStatus.OPEN or c.ticket_id is not None
            return
        if result is None:
            assert not eligible
            return
        assert isinstance(result, Ticket)
        overdue = reg is not None and self.now - reg.enqueued_at > BOUND
        expected: Ticket | None
        if reg is not None and (overdue or pri is None or c.priority_streak >= RATIO):
            expected = reg
        else:
            expected = pri
        assert expected is not None
        # First come first served within the tier, the ratio and the ageing bound.
        assert result.ticket_id == expected.ticket_id
        if overdue:
            assert not result.priority.is_priority, "a regular ticket waited past the bound"
        if reg is not None and pri is not None:
            if result.priority.is_priority:
                self.streak_both[counter] += 1
                assert self.streak_both[counter] <= RATIO
            else:
                self.streak_both[counter] = 0

    @rule(counter=counters)
    def recall(self, counter: str) -> None:
        self.both(lambda q: q.recall(counter, STAFF[counter], now=self.now))

    @rule(counter=counters)
    def start_service(self, counter: str) -> None:
        self.both(lambda q: q.start_service(counter, STAFF[counter], now=self.now))

    @rule(
        counter=counters, outcome=st.sampled_from(list(Outcome)), reason=st.sampled_from(["", "x"])
    )
    def finish(self, counter: str, outcome: Outcome, reason: str) -> None:
        self.both(lambda q: q.finish(counter, STAFF[counter], outcome, now=self.now, reason=reason))

    @rule(counter=counters)
    def park(self, counter: str) -> None:
        self.both(lambda q: q.park(counter, STAFF[counter], now=self.now, reason="document"))

    @precondition(lambda self: bool(self.issued))
    @rule(data=st.data(), to_counter=st.one_of(st.none(), counters))
    def unpark(self, data: st.DataObject, to_counter: str | None) -> None:
        tid = data.draw(st.sampled_from(sorted(self.issued)))
        actor = STAFF[to_counter] if to_counter else STAFF["L1"]
        self.both(lambda q: q.unpark(tid, actor, now=self.now, counter_id=to_counter))

    @precondition(lambda self: bool(self.issued))
    @rule(data=st.data(), service=services, counter=counters)
    def transfer(self, data: st.DataObject, service: str, counter: str) -> None:
        tid = data.draw(st.sampled_from(sorted(self.issued)))
        self.both(lambda q: q.transfer(tid, service, STAFF[counter], now=self.now))

    @precondition(lambda self: bool(self.issued))
    @rule(data=st.data(), citizen=citizens)
    def cancel(self, data: st.DataObject, citizen: str) -> None:
        tid = data.draw(st.sampled_from(sorted(self.issued)))
        self.both(lambda q: q.cancel(tid, citizen, now=self.now))

    @precondition(lambda self: bool(self.issued))
    @rule(data=st.data(), counter=counters)
    def call_out_of_order(self, data: st.DataObject, counter: str) -> None:
        tid = data.draw(st.sampled_from(sorted(self.issued)))
        kind, _ = self.both(
            lambda q: q.call_out_of_order(counter, tid, STAFF[counter], "needs help", now=self.now)
        )
        if kind == "ok":
            assert STAFF[counter].role is not ActorRole.BOT

    @rule(counter=counters, op=st.sampled_from(["open", "pause", "close"]))
    def counter_status(self, counter: str, op: str) -> None:
        actor = STAFF[counter]
        if op == "open":
            self.both(lambda q: q.open_counter(counter, PROFILES[counter], actor, now=self.now))
        elif op == "pause":
            self.both(lambda q: q.pause_counter(counter, actor, now=self.now))
        else:
            self.both(lambda q: q.close_counter(counter, actor, now=self.now))

    @rule()
    def tick(self) -> None:
        self.both(lambda q: q.tick(self.now))

    @rule()
    def restore(self) -> None:
        """Snapshot the engine and restore a twin; from now on both must agree."""
        self.check_events()
        self.twin = QueueEngine.restore(RULES, self.q.tickets(), self.q.counters(), self.now)
        assert self.twin.tickets() == self.q.tickets()
        assert self.twin.counters() == self.q.counters()

    # ----------------------------------------------------------- invariants

    @invariant()
    def no_ticket_is_lost(self) -> None:
        # Every issued ticket is kept (the machine never crosses local midnight).
        tickets = self.tickets_by_id()
        assert self.issued <= tickets.keys()
        at_counters = {c.ticket_id: c.counter_id for c in self.q.counters() if c.ticket_id}
        for tid, t in tickets.items():
            if t.state in (TicketState.CALLED, TicketState.SERVING):
                assert at_counters.get(tid) == t.counter_id
            else:
                assert tid not in at_counters
        for tid, old in self.final.items():
            assert tickets[tid] == old, "a final ticket changed"
        for tid, t in tickets.items():
            if t.is_final:
                self.final[tid] = t
        assert self.finished == {tid for tid, t in tickets.items() if t.state is TicketState.DONE}

    @invariant()
    def one_live_ticket_per_citizen_and_service(self) -> None:
        live = [(t.citizen_ref, t.service) for t in self.q.tickets() if not t.is_final]
        assert len(live) == len(set(live))

    @invariant()
    def estimates_are_never_negative_and_positions_are_a_ranking(self) -> None:
        estimates = self.q.estimates(self.now)
        tickets = self.tickets_by_id()
        waiting = {tid for tid, t in tickets.items() if t.state is TicketState.WAITING}
        assert estimates.keys() == waiting
        for service in ("S1", "S2"):
            positions = sorted(
                e.position for tid, e in estimates.items() if tickets[tid].service == service
            )
            assert positions == list(range(1, len(positions) + 1))
        for e in estimates.values():
            assert 0 <= e.low_s <= e.expected_s <= e.high_s
        if self.twin is not None:
            assert self.twin.estimates(self.now) == estimates
            assert self.twin.tickets() == self.q.tickets()
            assert self.twin.counters() == self.q.counters()


QueueMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestQueueMachine = QueueMachine.TestCase
