"""Wait estimates: the pure pieces and what the engine reports to the edge."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from counters.estimate import ServiceTimes, WaitHistory, blend, call_rate
from counters.queue import QueueEngine
from counters.tickets import Actor, ActorRole, Outcome, Priority, QueueRules, ServiceRule

OFFICER = Actor("officer:1", ActorRole.OFFICER)
T0 = 1_763_856_000.0
RULES = QueueRules(services=(ServiceRule("KTP-EL", "A", 600.0),))


def engine(**rules: object) -> QueueEngine:
    ids = itertools.count(1)
    return QueueEngine(
        QueueRules(services=RULES.services, **rules),  # type: ignore[arg-type]
        new_id=lambda: f"t{next(ids)}",
    )


def test_service_times_start_from_the_catalogue_prior_and_move_towards_samples() -> None:
    times = ServiceTimes(600.0, window=20, prior_n=3)
    assert times.stats()[0] == 600.0
    for i in range(20):
        times.add(float(i), i, 300.0)
    mean, sd = times.stats()
    assert 300.0 < mean < 360.0 and sd > 0


def test_service_times_keep_only_the_last_window() -> None:
    times = ServiceTimes(600.0, window=2, prior_n=0.0001)
    for i, d in enumerate([1000.0, 100.0, 100.0]):
        times.add(float(i), i, d)
    assert abs(times.stats()[0] - 100.0) < 1


def test_wait_history_blends_the_last_wait_with_smoothed_waits() -> None:
    h = WaitHistory(window=10, smoothing=0.5)
    h.add(1.0, 1, 100.0)
    h.add(2.0, 2, 300.0)
    delay, _ = h.stats()
    # smoothed = 200, last = 300
    assert delay == 250.0


def test_call_rate_needs_a_few_calls() -> None:
    h = WaitHistory(window=10, smoothing=0.5)
    for i in range(4):
        h.add(T0 + 60 * i, i, 0.0)
    assert call_rate([h], T0 + 300, 10) is None
    h.add(T0 + 240, 5, 0.0)
    assert call_rate([h], T0 + 300, 10) == 4 / 300


def test_next_in_line_at_an_idle_counter_waits_nothing() -> None:
    est = blend(
        position=1,
        idle=1,
        counters=1,
        service=ServiceTimes(600.0, 20, 3),
        history=None,
        waited_s=0,
        history_weight=0.3,
    )
    assert (est.low_s, est.expected_s, est.high_s) == (0.0, 0.0, 0.0)


def test_queue_length_estimate_is_position_times_mean_over_counters() -> None:
    est = blend(
        position=4,
        idle=0,
        counters=2,
        service=ServiceTimes(600.0, 20, 3),
        history=None,
        waited_s=0,
        history_weight=0.3,
    )
    assert est.expected_s == 4 * 600.0 / 2
    assert est.low_s < est.expected_s < est.high_s


@given(
    position=st.integers(1, 500),
    idle=st.integers(0, 10),
    counters=st.integers(0, 10),
    waits=st.lists(st.floats(-100, 1e5, allow_nan=False), max_size=30),
    waited=st.floats(0, 1e5, allow_nan=False),
    rate=st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
)
def test_an_estimate_is_never_negative_and_its_range_holds_it(
    position: int,
    idle: int,
    counters: int,
    waits: list[float],
    waited: float,
    rate: float | None,
) -> None:
    h = WaitHistory(20, 0.3)
    for i, w in enumerate(waits):
        h.add(float(i), i, w)
    est = blend(
        position=position,
        idle=idle,
        counters=counters,
        service=ServiceTimes(600.0, 20, 3),
        history=h,
        waited_s=waited,
        history_weight=0.3,
        call_rate=rate,
    )
    assert 0 <= est.low_s <= est.expected_s <= est.high_s


def test_estimates_follow_the_effective_order_with_priority_first() -> None:
    q = engine()
    q.open_counter("L1", ["KTP-EL"], OFFICER, now=T0)
    q.take_ticket("r", "KTP-EL", Priority.REGULAR, now=T0, ticket_id="r")
    q.take_ticket("p", "KTP-EL", Priority.ELDERLY, now=T0 + 1, ticket_id="p")
    assert q.estimate("p", T0 + 2).position == 1
    assert q.estimate("r", T0 + 2).position == 2
    assert q.order("KTP-EL", T0 + 2) == ["p", "r"]


def test_with_no_counter_open_the_estimate_assumes_one_will_open() -> None:
    q = engine()
    q.take_ticket("a", "KTP-EL", Priority.REGULAR, now=T0, ticket_id="a")
    q.take_ticket("b", "KTP-EL", Priority.REGULAR, now=T0, ticket_id="b")
    assert q.estimate("b", T0).expected_s == 2 * 600.0


def test_estimates_changed_reports_only_moved_positions_or_big_moves() -> None:
    q = engine(estimate_change_s=60.0)
    q.open_counter("L1", ["KTP-EL"], OFFICER, now=T0)
    for c in "abc":
        q.take_ticket(c, "KTP-EL", Priority.REGULAR, now=T0, ticket_id=c)
    first = dict(q.estimates_changed(T0))
    assert set(first) == {"a", "b", "c"}
    assert q.estimates_changed(T0 + 1) == []
    q.call_next("L1", OFFICER, now=T0 + 2)
    moved = dict(q.estimates_changed(T0 + 2))
    assert set(moved) == {"b", "c"}
    assert moved["b"].position == 1


def test_finished_services_feed_the_mean_service_time() -> None:
    q = engine()
    q.open_counter("L1", ["KTP-EL"], OFFICER, now=T0)
    now = T0
    for i in range(10):
        q.take_ticket(f"c{i}", "KTP-EL", Priority.REGULAR, now=now)
        q.call_next("L1", OFFICER, now=now)
        q.start_service("L1", OFFICER, now=now)
        now += 120
        q.finish("L1", OFFICER, Outcome.SERVED, now=now)
    q.take_ticket("x", "KTP-EL", Priority.REGULAR, now=now, ticket_id="x")
    q.take_ticket("y", "KTP-EL", Priority.REGULAR, now=now, ticket_id="y")
    q.call_next("L1", OFFICER, now=now)
    # One ahead at a busy counter: far below the catalogue's 600 s.
    assert q.estimate("y", now).expected_s < 300.0
