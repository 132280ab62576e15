"""The queue engine without an event loop: time is passed in, events drained."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

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
    TicketState,
    is_elderly,
    local_day,
)
from hall_server.errors import Conflict, Forbidden, InvalidInput, NotFound

OFFICER = Actor("officer:1", ActorRole.OFFICER)
OTHER_OFFICER = Actor("officer:2", ActorRole.OFFICER)
SUPERVISOR = Actor("supervisor:1", ActorRole.SUPERVISOR)
BOT = Actor("bot:ktp", ActorRole.BOT)
SERVICES = (
    ServiceRule("KTP-EL", "A", 600.0),
    ServiceRule("KK", "B", 900.0),
    ServiceRule("AKTA", "B", 900.0),
)
#: 2025-11-23 08:00 WITA (00:00 UTC)
T0 = 1_763_856_000.0


def make_engine(**rules: object) -> QueueEngine:
    counter = itertools.count(1)
    return QueueEngine(
        QueueRules(services=SERVICES, **rules),  # type: ignore[arg-type]
        new_id=lambda: f"t{next(counter)}",
    )


def opened(**rules: object) -> QueueEngine:
    q = make_engine(**rules)
    q.open_counter("L1", ["KTP-EL"], OFFICER, now=T0)
    q.events_to_send()
    return q


def take(q: QueueEngine, who: str, priority: Priority = Priority.REGULAR, at: float = T0) -> str:
    return q.take_ticket(who, "KTP-EL", priority, now=at).ticket_id


def serve(q: QueueEngine, counter: str, actor: Actor, now: float) -> str | None:
    """Call the next ticket and finish it at once; return its id."""
    t = q.call_next(counter, actor, now=now)
    if t is None:
        return None
    q.start_service(counter, actor, now=now)
    q.finish(counter, actor, Outcome.SERVED, now=now + 1)
    return t.ticket_id


# ------------------------------------------------------------------ numbering


def test_local_day_boundary_is_local_midnight_of_the_offset() -> None:
    # 15:59:59 UTC is 23:59:59 WITA; one second later is the next local day.
    assert local_day(T0 + 16 * 3600 - 1) == date(2025, 11, 23)
    assert local_day(T0 + 16 * 3600) == date(2025, 11, 24)
    assert local_day(T0 + 16 * 3600, utc_offset_s=7 * 3600) == date(2025, 11, 23)


def test_numbers_are_group_letter_and_three_digits_counted_per_group() -> None:
    q = opened()
    a1 = q.take_ticket("c1", "KTP-EL", Priority.REGULAR, now=T0)
    b1 = q.take_ticket("c2", "KK", Priority.REGULAR, now=T0)
    b2 = q.take_ticket("c3", "AKTA", Priority.REGULAR, now=T0)
    a2 = q.take_ticket("c4", "KTP-EL", Priority.ELDERLY, now=T0)
    assert [a1.number, b1.number, b2.number, a2.number] == ["A-001", "B-001", "B-002", "A-002"]


def test_numbers_restart_at_local_midnight() -> None:
    q = opened()
    midnight = T0 + 16 * 3600  # 08:00 + 16 h = 00:00 WITA next day
    assert q.take_ticket("c1", "KTP-EL", Priority.REGULAR, now=midnight - 1).number == "A-001"
    assert q.take_ticket("c2", "KTP-EL", Priority.REGULAR, now=midnight - 0.5).number == "A-002"
    nxt = q.take_ticket("c3", "KTP-EL", Priority.REGULAR, now=midnight)
    assert nxt.number == "A-001"
    assert nxt.day == date(2025, 11, 24)


def test_numbers_follow_the_configured_utc_offset() -> None:
    q = opened(utc_offset_s=7 * 3600)  # WIB: midnight is one hour later in UTC
    midnight_wita = T0 + 16 * 3600
    q.take_ticket("c1", "KTP-EL", Priority.REGULAR, now=midnight_wita - 10)
    assert q.take_ticket("c2", "KTP-EL", Priority.REGULAR, now=midnight_wita).number == "A-002"
    assert q.take_ticket("c3", "KTP-EL", Priority.REGULAR, now=midnight_wita + 3600).number == (
        "A-001"
    )


def test_numbers_grow_past_three_digits_instead_of_repeating() -> None:
    q = opened()
    for i in range(1000):
        t = q.take_ticket(f"c{i}", "KTP-EL", Priority.REGULAR, now=T0)
    assert t.number == "A-1000"


def test_final_tickets_of_an_earlier_day_are_dropped_but_waiting_ones_kept() -> None:
    q = opened()
    done = serve(q, "L1", OFFICER, T0) or ""
    assert q.take_ticket("c1", "KTP-EL", Priority.REGULAR, now=T0 + 1).ticket_id
    q.tick(T0 + 20 * 3600)
    ids = {t.ticket_id for t in q.tickets()}
    assert done not in ids
    assert len(ids) == 1


# ------------------------------------------------------------------ priority


def test_is_elderly_counts_full_years_including_leap_day_birthdays() -> None:
    assert is_elderly(date(1965, 11, 23), date(2025, 11, 23))
    assert not is_elderly(date(1965, 11, 24), date(2025, 11, 23))
    assert not is_elderly(date(1964, 2, 29), date(2024, 2, 28))
    assert is_elderly(date(1964, 2, 29), date(2024, 2, 29))
    assert is_elderly(date(1960, 1, 1), date(2025, 1, 1), age=65)


def test_elderly_ticket_is_called_before_earlier_regular_ticket() -> None:
    q = opened()
    take(q, "reg", at=T0)
    old = take(q, "old", Priority.ELDERLY, at=T0 + 60)
    assert serve(q, "L1", OFFICER, T0 + 120) == old


@pytest.mark.parametrize(
    "priority",
    [p for p in Priority if p is not Priority.REGULAR],
)
def test_every_group_of_article_29_is_a_priority_class(priority: Priority) -> None:
    q = opened()
    take(q, "reg", at=T0)
    pri = take(q, "pri", priority, at=T0 + 60)
    assert serve(q, "L1", OFFICER, T0 + 120) == pri


def test_priority_classes_share_one_first_come_first_served_line() -> None:
    q = opened()
    pregnant = take(q, "a", Priority.PREGNANT, at=T0)
    elderly = take(q, "b", Priority.ELDERLY, at=T0 + 1)
    disabled = take(q, "c", Priority.DISABLED, at=T0 + 2)
    got = [serve(q, "L1", OFFICER, T0 + 10 + i) for i in range(3)]
    assert got == [pregnant, elderly, disabled]


def test_regular_tickets_are_first_come_first_served() -> None:
    q = opened()
    ids = [take(q, f"c{i}", at=T0 + i) for i in range(5)]
    assert [serve(q, "L1", OFFICER, T0 + 100 + i) for i in range(5)] == ids


def test_ties_in_time_are_broken_by_issue_order() -> None:
    q = opened()
    ids = [take(q, f"c{i}", at=T0) for i in range(5)]
    assert [serve(q, "L1", OFFICER, T0 + 1) for _ in range(5)] == ids


def test_two_priority_calls_then_one_regular_while_both_wait() -> None:
    q = opened()
    regs = [take(q, f"r{i}", at=T0 + i) for i in range(3)]
    pris = [take(q, f"p{i}", Priority.ELDERLY, at=T0 + 10 + i) for i in range(6)]
    got = [serve(q, "L1", OFFICER, T0 + 100 + i) for i in range(9)]
    assert got == [
        pris[0],
        pris[1],
        regs[0],
        pris[2],
        pris[3],
        regs[1],
        pris[4],
        pris[5],
        regs[2],
    ]


def test_priority_ratio_is_configurable() -> None:
    q = opened(priority_calls_per_regular=1)
    r = [take(q, f"r{i}", at=T0 + i) for i in range(2)]
    p = [take(q, f"p{i}", Priority.DISABLED, at=T0 + 10 + i) for i in range(2)]
    got = [serve(q, "L1", OFFICER, T0 + 100 + i) for i in range(4)]
    assert got == [p[0], r[0], p[1], r[1]]


def test_without_a_ratio_priority_is_strict_until_the_ageing_bound() -> None:
    q = opened(priority_calls_per_regular=None)
    r = take(q, "r", at=T0)
    p = [take(q, f"p{i}", Priority.DISABLED, at=T0 + 10 + i) for i in range(4)]
    assert [serve(q, "L1", OFFICER, T0 + 100 + i) for i in range(5)] == [*p, r]


def test_regular_ticket_is_called_after_waiting_past_the_ageing_bound_even_with_priority_waiting() -> (
    None
):
    q = opened(priority_calls_per_regular=None, max_regular_wait_s=600.0)
    reg = take(q, "reg", at=T0)
    take(q, "pri", Priority.ELDERLY, at=T0 + 500)
    assert serve(q, "L1", OFFICER, T0 + 601) == reg


def test_regular_ticket_at_exactly_the_ageing_bound_still_yields_to_priority() -> None:
    q = opened(priority_calls_per_regular=None, max_regular_wait_s=600.0)
    take(q, "reg", at=T0)
    pri = take(q, "pri", Priority.ELDERLY, at=T0 + 500)
    assert serve(q, "L1", OFFICER, T0 + 600) == pri


def test_a_regular_call_resets_the_priority_streak() -> None:
    q = opened()
    r1 = take(q, "r1", at=T0)
    p1 = take(q, "p1", Priority.ELDERLY, at=T0 + 1)
    assert serve(q, "L1", OFFICER, T0 + 10) == p1
    assert q.counter("L1").priority_streak == 1
    # Only regular tickets wait: the call is regular and the streak restarts.
    assert serve(q, "L1", OFFICER, T0 + 20) == r1
    assert q.counter("L1").priority_streak == 0


# ------------------------------------------------------------- work profiles


def test_counter_calls_longest_wait_first_across_its_services() -> None:
    q = make_engine()
    q.open_counter("L1", ["KTP-EL", "KK"], OFFICER, now=T0)
    kk = q.take_ticket("a", "KK", Priority.REGULAR, now=T0).ticket_id
    ktp = q.take_ticket("b", "KTP-EL", Priority.REGULAR, now=T0 + 5).ticket_id
    q.take_ticket("c", "AKTA", Priority.REGULAR, now=T0 - 100 + 200)
    assert serve(q, "L1", OFFICER, T0 + 300) == kk
    assert serve(q, "L1", OFFICER, T0 + 310) == ktp
    assert q.call_next("L1", OFFICER, now=T0 + 320) is None


def test_counter_never_calls_a_service_outside_its_work_profile() -> None:
    q = opened()
    q.take_ticket("a", "KK", Priority.ELDERLY, now=T0)
    assert q.call_next("L1", OFFICER, now=T0 + 1) is None


def test_reopening_a_counter_changes_its_work_profile() -> None:
    q = opened()
    kk = q.take_ticket("a", "KK", Priority.REGULAR, now=T0).ticket_id
    q.open_counter("L1", ["KK"], OFFICER, now=T0 + 1)
    assert serve(q, "L1", OFFICER, T0 + 2) == kk


def test_open_counter_refuses_unknown_services_and_empty_profiles() -> None:
    q = make_engine()
    with pytest.raises(NotFound) as e:
        q.open_counter("L1", ["PASPOR"], OFFICER, now=T0)
    assert e.value.code == "unknown_service"
    with pytest.raises(InvalidInput):
        q.open_counter("L1", [], OFFICER, now=T0)


# ------------------------------------------------------------------ counters


def test_call_next_on_a_busy_counter_is_a_conflict() -> None:
    q = opened()
    take(q, "a")
    take(q, "b")
    q.call_next("L1", OFFICER, now=T0 + 1)
    with pytest.raises(Conflict) as e:
        q.call_next("L1", OFFICER, now=T0 + 2)
    assert e.value.code == "counter_busy"


def test_a_paused_counter_calls_no_one_but_may_finish_its_ticket() -> None:
    q = opened()
    take(q, "a")
    take(q, "b")
    q.call_next("L1", OFFICER, now=T0 + 1)
    q.start_service("L1", OFFICER, now=T0 + 2)
    assert q.pause_counter("L1", OFFICER, now=T0 + 3).status is CounterStatus.PAUSED
    q.finish("L1", OFFICER, Outcome.SERVED, now=T0 + 4)
    with pytest.raises(Conflict) as e:
        q.call_next("L1", OFFICER, now=T0 + 5)
    assert e.value.code == "counter_not_open"


def test_a_counter_holding_a_ticket_cannot_close() -> None:
    q = opened()
    take(q, "a")
    q.call_next("L1", OFFICER, now=T0 + 1)
    with pytest.raises(Conflict) as e:
        q.close_counter("L1", OFFICER, now=T0 + 2)
    assert e.value.code == "counter_busy"


def test_closing_a_free_counter_clears_its_staff() -> None:
    q = opened()
    c = q.close_counter("L1", OFFICER, now=T0 + 1)
    assert c.status is CounterStatus.CLOSED and c.staffed_by is None
    assert q.events_to_send()[-1].kind is EventKind.COUNTER_CLOSED


def test_another_officer_may_not_work_someone_elses_counter() -> None:
    q = opened()
    take(q, "a")
    with pytest.raises(Forbidden) as e:
        q.call_next("L1", OTHER_OFFICER, now=T0 + 1)
    assert e.value.code == "wrong_counter"


def test_a_supervisor_may_act_at_any_counter() -> None:
    q = opened()
    a = take(q, "a")
    assert serve(q, "L1", SUPERVISOR, T0 + 1) == a


def test_citizens_may_not_operate_counters() -> None:
    q = make_engine()
    with pytest.raises(Forbidden) as e:
        q.open_counter("L1", ["KTP-EL"], Actor("c", ActorRole.CITIZEN), now=T0)
    assert e.value.code == "not_staff"


def test_unknown_counter_and_ticket_are_not_found() -> None:
    q = opened()
    with pytest.raises(NotFound) as e:
        q.call_next("L9", OFFICER, now=T0)
    assert e.value.code == "unknown_counter"
    with pytest.raises(NotFound) as e:
        q.cancel("nope", "c", now=T0)
    assert e.value.code == "unknown_ticket"


# ------------------------------------------------------------------- tickets


def test_a_citizen_has_one_live_ticket_per_service() -> None:
    q = opened()
    take(q, "a")
    with pytest.raises(Conflict) as e:
        take(q, "a")
    assert e.value.code == "already_queued"
    assert q.take_ticket("a", "KK", Priority.REGULAR, now=T0).number == "B-001"


def test_a_citizen_may_queue_again_once_their_ticket_is_done() -> None:
    q = opened()
    take(q, "a")
    serve(q, "L1", OFFICER, T0 + 1)
    assert take(q, "a", at=T0 + 10)


def test_a_nik_is_refused_as_a_citizen_reference() -> None:
    q = opened()
    with pytest.raises(InvalidInput) as e:
        q.take_ticket("7471010101900001", "KTP-EL", Priority.REGULAR, now=T0)
    assert e.value.code == "nik_not_allowed"
    assert "7471" not in str(e.value)


def test_ticket_ids_may_be_given_by_the_caller_but_never_twice() -> None:
    q = opened()
    assert q.take_ticket("a", "KTP-EL", Priority.REGULAR, now=T0, ticket_id="x").ticket_id == "x"
    with pytest.raises(Conflict) as e:
        q.take_ticket("b", "KTP-EL", Priority.REGULAR, now=T0, ticket_id="x")
    assert e.value.code == "duplicate_ticket"


def test_unknown_service_is_not_found() -> None:
    q = opened()
    with pytest.raises(NotFound) as e:
        q.take_ticket("a", "PASPOR", Priority.REGULAR, now=T0)
    assert e.value.code == "unknown_service"


def test_citizen_cancels_their_own_waiting_ticket_and_it_is_never_called() -> None:
    q = opened()
    a = take(q, "a")
    b = take(q, "b", at=T0 + 1)
    assert q.cancel(a, "a", now=T0 + 2).state is TicketState.CANCELLED
    assert serve(q, "L1", OFFICER, T0 + 3) == b


def test_citizen_may_not_cancel_someone_elses_ticket() -> None:
    q = opened()
    a = take(q, "a")
    with pytest.raises(Forbidden) as e:
        q.cancel(a, "b", now=T0 + 1)
    assert e.value.code == "not_your_ticket"


def test_cancelling_a_called_ticket_frees_the_counter_but_not_one_in_service() -> None:
    q = opened()
    a = take(q, "a")
    b = take(q, "b", at=T0 + 1)
    q.call_next("L1", OFFICER, now=T0 + 2)
    q.cancel(a, "a", now=T0 + 3)
    assert q.counter("L1").ticket_id is None
    q.call_next("L1", OFFICER, now=T0 + 4)
    q.start_service("L1", OFFICER, now=T0 + 5)
    with pytest.raises(Conflict) as e:
        q.cancel(b, "b", now=T0 + 6)
    assert e.value.code == "in_service"


def test_a_final_ticket_cannot_be_cancelled() -> None:
    q = opened()
    a = take(q, "a")
    q.cancel(a, "a", now=T0 + 1)
    with pytest.raises(Conflict) as e:
        q.cancel(a, "a", now=T0 + 2)
    assert e.value.code == "ticket_final"


# ---------------------------------------------------------- call and finish


def test_finish_requires_the_citizen_at_the_counter() -> None:
    q = opened()
    take(q, "a")
    q.call_next("L1", OFFICER, now=T0 + 1)
    with pytest.raises(Conflict) as e:
        q.finish("L1", OFFICER, Outcome.SERVED, now=T0 + 2)
    assert e.value.code == "not_serving"


@pytest.mark.parametrize("outcome", [Outcome.REFERRED, Outcome.REJECTED])
def test_rejected_and_referred_outcomes_need_a_reason(outcome: Outcome) -> None:
    q = opened()
    take(q, "a")
    q.call_next("L1", OFFICER, now=T0 + 1)
    q.start_service("L1", OFFICER, now=T0 + 2)
    with pytest.raises(InvalidInput) as e:
        q.finish("L1", OFFICER, outcome, now=T0 + 3, reason=" ")
    assert e.value.code == "reason_required"
    t = q.finish("L1", OFFICER, outcome, now=T0 + 3, reason="KK belum diperbarui")
    assert t.outcome is outcome and t.reason == "KK belum diperbarui"


def test_finish_with_no_ticket_at_the_counter_is_a_conflict() -> None:
    q = opened()
    with pytest.raises(Conflict) as e:
        q.finish("L1", OFFICER, Outcome.SERVED, now=T0)
    assert e.value.code == "no_ticket"


def test_every_transition_appends_an_event_with_who_what_when_and_which_ticket() -> None:
    q = opened()
    a = take(q, "a")
    q.call_next("L1", OFFICER, now=T0 + 1)
    q.start_service("L1", OFFICER, now=T0 + 2)
    q.finish("L1", OFFICER, Outcome.SERVED, now=T0 + 3)
    events = q.events_to_send()
    assert [e.kind for e in events] == [
        EventKind.TICKET_TAKEN,
        EventKind.CALLED,
        EventKind.SERVICE_STARTED,
        EventKind.FINISHED,
    ]
    assert [e.at for e in events] == [T0, T0 + 1, T0 + 2, T0 + 3]
    assert all(e.ticket_id == a for e in events)
    assert events[0].actor == "a" and events[0].actor_role is ActorRole.CITIZEN
    assert events[1].actor == OFFICER.ref and events[1].counter_id == "L1"
    assert events[1].details["number"] == "A-001"
    assert events[3].ticket is not None and events[3].ticket.state is TicketState.DONE
    assert events[3].counter is not None and events[3].counter.ticket_id is None
    assert q.events_to_send() == []


def test_a_failed_operation_changes_nothing_and_emits_nothing() -> None:
    q = opened()
    take(q, "a")
    q.events_to_send()
    before = q.tickets()
    with pytest.raises(Forbidden):
        q.call_next("L1", OTHER_OFFICER, now=T0 + 1)
    assert q.tickets() == before
    assert q.events_to_send() == []


# ------------------------------------------------------------ out of order


def test_an_officer_calls_out_of_order_with_a_reason() -> None:
    q = opened()
    take(q, "a")
    b = take(q, "b", at=T0 + 1)
    t = q.call_out_of_order("L1", b, OFFICER, "wheelchair at the door", now=T0 + 2)
    assert t.state is TicketState.CALLED and t.counter_id == "L1"
    ev = q.events_to_send()[-1]
    assert ev.kind is EventKind.CALLED_OUT_OF_ORDER
    assert ev.details["reason"] == "wheelchair at the door"


def test_a_bot_may_not_call_out_of_order() -> None:
    q = make_engine()
    q.open_counter("B1", ["KTP-EL"], BOT, now=T0)
    a = take(q, "a")
    with pytest.raises(Forbidden) as e:
        q.call_out_of_order("B1", a, BOT, "because", now=T0 + 1)
    assert e.value.code == "officer_only"


def test_calling_out_of_order_needs_a_reason() -> None:
    q = opened()
    a = take(q, "a")
    with pytest.raises(InvalidInput) as e:
        q.call_out_of_order("L1", a, OFFICER, "", now=T0 + 1)
    assert e.value.code == "reason_required"


def test_out_of_order_call_from_outside_the_profile_is_refused() -> None:
    q = opened()
    kk = q.take_ticket("a", "KK", Priority.REGULAR, now=T0).ticket_id
    with pytest.raises(Conflict) as e:
        q.call_out_of_order("L1", kk, OFFICER, "help", now=T0 + 1)
    assert e.value.code == "service_not_offered"


# --------------------------------------------------------- recall, no-show


def test_recalls_past_the_limit_mark_the_ticket_no_show_and_free_the_counter() -> None:
    q = opened(max_recalls=2)
    a = take(q, "a")
    q.call_next("L1", OFFICER, now=T0 + 1)
    assert q.recall("L1", OFFICER, now=T0 + 30).recalls == 1
    assert q.recall("L1", OFFICER, now=T0 + 60).recalls == 2
    t = q.recall("L1", OFFICER, now=T0 + 90)
    assert t.state is TicketState.NO_SHOW and t.reason == "recalls_exhausted"
    assert q.counter("L1").ticket_id is None
    assert q.ticket(a).state is TicketState.NO_SHOW


def test_a_called_ticket_becomes_no_show_after_the_timeout() -> None:
    q = opened(no_show_timeout_s=120.0)
    a = take(q, "a")
    q.call_next("L1", OFFICER, now=T0 + 1)
    q.tick(T0 + 120)
    assert q.ticket(a).state is TicketState.CALLED
    q.tick(T0 + 121)
    assert q.ticket(a).state is TicketState.NO_SHOW
    ev = q.events_to_send()[-1]
    assert ev.kind is EventKind.NO_SHOW and ev.actor_role is ActorRole.SYSTEM
    assert q.counter("L1").ticket_id is None


def test_a_recall_restarts_the_no_show_timeout() -> None:
    q = opened(no_show_timeout_s=120.0)
    a = take(q, "a")
    q.call_next("L1", OFFICER, now=T0 + 1)
    q.recall("L1", OFFICER, now=T0 + 100)
    q.tick(T0 + 150)
    assert q.ticket(a).state is TicketState.CALLED
    q.tick(T0 + 221)
    assert q.ticket(a).state is TicketState.NO_SHOW


def test_a_started_service_never_times_out() -> None:
    q = opened(no_show_timeout_s=120.0)
    a = take(q, "a")
    q.call_next("L1", OFFICER, now=T0 + 1)
    q.start_service("L1", OFFICER, now=T0 + 60)
    q.tick(T0 + 1000)
    assert q.ticket(a).state is TicketState.SERVING


def test_recall_after_the_citizen_arrived_is_a_conflict() -> None:
    q = opened()
    take(q, "a")
    q.call_next("L1", OFFICER, now=T0 + 1)
    q.start_service("L1", OFFICER, now=T0 + 2)
    with pytest.raises(Conflict) as e:
        q.recall("L1", OFFICER, now=T0 + 3)
    assert e.value.code == "not_called"


# ------------------------------------------------------------- park, transfer


def test_a_parked_ticket_frees_the_counter_and_returns_to_its_place() -> None:
    q = opened()
    a = take(q, "a")
    b = take(q, "b", at=T0 + 10)
    q.call_next("L1", OFFICER, now=T0 + 20)
    q.start_service("L1", OFFICER, now=T0 + 30)
    assert q.park("L1", OFFICER, now=T0 + 40, reason="fetching KK").state is TicketState.PARKED
    assert q.counter("L1").ticket_id is None
    q.unpark(a, OFFICER, now=T0 + 50)
    # a was enqueued before b and keeps that place.
    assert serve(q, "L1", OFFICER, T0 + 60) == a
    assert serve(q, "L1", OFFICER, T0 + 70) == b


def test_unpark_to_a_counter_calls_the_ticket_there() -> None:
    q = opened()
    a = take(q, "a")
    take(q, "b", at=T0 + 10)
    q.call_next("L1", OFFICER, now=T0 + 20)
    q.park("L1", OFFICER, now=T0 + 40)
    t = q.unpark(a, OFFICER, now=T0 + 50, counter_id="L1")
    assert t.state is TicketState.CALLED and q.counter("L1").ticket_id == a


def test_unpark_of_a_ticket_that_is_not_parked_is_a_conflict() -> None:
    q = opened()
    a = take(q, "a")
    with pytest.raises(Conflict) as e:
        q.unpark(a, OFFICER, now=T0 + 1)
    assert e.value.code == "not_parked"


def test_transfer_keeps_number_and_issue_time_and_orders_by_issue_time() -> None:
    q = make_engine()
    q.open_counter("L1", ["KTP-EL"], OFFICER, now=T0)
    q.open_counter("L2", ["KK"], OTHER_OFFICER, now=T0)
    a = take(q, "a", at=T0)
    kk_later = q.take_ticket("b", "KK", Priority.REGULAR, now=T0 + 100).ticket_id
    q.call_next("L1", OFFICER, now=T0 + 200)
    q.start_service("L1", OFFICER, now=T0 + 210)
    t = q.transfer(a, "KK", OFFICER, now=T0 + 300)
    assert (t.number, t.issued_at, t.enqueued_at, t.service) == ("A-001", T0, T0, "KK")
    assert t.transfers == 1 and t.state is TicketState.WAITING
    assert q.counter("L1").ticket_id is None
    assert serve(q, "L2", OTHER_OFFICER, T0 + 400) == a
    assert serve(q, "L2", OTHER_OFFICER, T0 + 500) == kk_later


def test_transfer_of_a_ticket_at_a_counter_is_for_that_counters_staff() -> None:
    q = opened()
    a = take(q, "a")
    q.call_next("L1", OFFICER, now=T0 + 1)
    with pytest.raises(Forbidden) as e:
        q.transfer(a, "KK", OTHER_OFFICER, now=T0 + 2)
    assert e.value.code == "wrong_counter"


def test_transfer_to_the_same_service_or_a_duplicate_is_refused() -> None:
    q = opened()
    a = take(q, "a")
    with pytest.raises(Conflict) as e:
        q.transfer(a, "KTP-EL", OFFICER, now=T0 + 1)
    assert e.value.code == "same_service"
    q.take_ticket("a", "KK", Priority.REGULAR, now=T0)
    with pytest.raises(Conflict) as e:
        q.transfer(a, "KK", OFFICER, now=T0 + 1)
    assert e.value.code == "already_queued"


# ---------------------------------------------------------------- appointments


def test_an_appointment_is_booked_without_a_number_and_not_called_before_check_in() -> None:
    q = opened()
    t = q.take_ticket("a", "KTP-EL", Priority.REGULAR, now=T0, appointment_at=T0 + 3600)
    assert t.state is TicketState.BOOKED and t.number is None
    assert q.call_next("L1", OFFICER, now=T0 + 3600) is None


def test_an_appointment_checked_in_on_time_is_merged_at_its_booked_time() -> None:
    q = opened()
    slot = T0 + 3600
    appt = q.take_ticket("a", "KTP-EL", Priority.REGULAR, now=T0, appointment_at=slot).ticket_id
    before = take(q, "b", at=slot - 600)
    after = take(q, "c", at=slot - 300)
    t = q.check_in(appt, now=slot - 120)
    assert t.state is TicketState.WAITING and t.enqueued_at == slot and t.number == "A-003"
    # Walk-ins who came before the slot time go first, then the appointment,
    # then anyone who came after the slot (none here): the appointment is not
    # ahead of b, which arrived earlier, but ahead of nobody else either.
    got = [serve(q, "L1", OFFICER, slot + 10 + i) for i in range(3)]
    assert got == [before, after, appt]


def test_an_appointment_goes_ahead_of_walk_ins_who_arrived_after_its_slot() -> None:
    q = opened()
    slot = T0 + 3600
    appt = q.take_ticket("a", "KTP-EL", Priority.REGULAR, now=T0, appointment_at=slot).ticket_id
    q.check_in(appt, now=slot - 900)
    late_walk_in = take(q, "b", at=slot + 60)
    assert [serve(q, "L1", OFFICER, slot + 120 + i) for i in range(2)] == [appt, late_walk_in]


def test_check_in_before_the_early_window_is_refused() -> None:
    q = opened(appointment_early_s=900.0)
    slot = T0 + 3600
    appt = q.take_ticket("a", "KTP-EL", Priority.REGULAR, now=T0, appointment_at=slot).ticket_id
    with pytest.raises(Conflict) as e:
        q.check_in(appt, now=slot - 901)
    assert e.value.code == "too_early"
    assert q.check_in(appt, now=slot - 900).state is TicketState.WAITING


def test_a_late_appointment_becomes_a_walk_in_from_its_check_in_time() -> None:
    q = opened(appointment_late_s=600.0)
    slot = T0 + 3600
    appt = q.take_ticket("a", "KTP-EL", Priority.ELDERLY, now=T0, appointment_at=slot).ticket_id
    t = q.check_in(appt, now=slot + 601)
    assert t.enqueued_at == slot + 601 and t.priority is Priority.ELDERLY
    assert q.events_to_send()[-1].details["late"] is True


def test_an_appointment_never_checked_in_is_no_show_at_the_end_of_its_day() -> None:
    q = opened()
    slot = T0 + 3600
    appt = q.take_ticket("a", "KTP-EL", Priority.REGULAR, now=T0, appointment_at=slot).ticket_id
    q.tick(T0 + 15 * 3600)
    assert q.ticket(appt).state is TicketState.BOOKED
    q.tick(T0 + 16 * 3600)
    t = q.ticket(appt)
    assert t.state is TicketState.NO_SHOW and t.reason == "appointment_missed"


def test_checking_in_a_walk_in_ticket_is_a_conflict() -> None:
    q = opened()
    a = take(q, "a")
    with pytest.raises(Conflict) as e:
        q.check_in(a, now=T0)
    assert e.value.code == "not_booked"


# ------------------------------------------------------------------ restore


def test_restore_rebuilds_the_same_call_order_and_next_numbers() -> None:
    q = opened()
    q.open_counter("L2", ["KTP-EL", "KK"], OTHER_OFFICER, now=T0)
    for i in range(6):
        q.take_ticket(f"r{i}", "KTP-EL", Priority.REGULAR, now=T0 + i)
        q.take_ticket(f"p{i}", "KTP-EL", Priority.PREGNANT, now=T0 + 10 + i)
        q.take_ticket(f"k{i}", "KK", Priority.REGULAR, now=T0 + 20 + i)
    serve(q, "L1", OFFICER, T0 + 100)
    q.call_next("L2", OTHER_OFFICER, now=T0 + 110)
    now = T0 + 120
    r = QueueEngine.restore(q.rules, q.tickets(), q.counters(), now)
    assert r.tickets() == q.tickets() and r.counters() == q.counters()
    assert r.estimates(now) == q.estimates(now)
    for engine in (q, r):
        engine.take_ticket("new", "KK", Priority.REGULAR, now=now, ticket_id="n")
    assert r.ticket("n") == q.ticket("n")
    assert [serve(r, "L1", OFFICER, now + i) for i in range(8)] == [
        serve(q, "L1", OFFICER, now + i) for i in range(8)
    ]


def test_restore_refuses_a_counter_holding_a_ticket_not_at_it() -> None:
    q = opened()
    a = take(q, "a")
    q.call_next("L1", OFFICER, now=T0 + 1)
    tickets = [t for t in q.tickets() if t.ticket_id != a]
    with pytest.raises(InvalidInput) as e:
        QueueEngine.restore(q.rules, tickets, q.counters(), T0 + 2)
    assert e.value.code == "bad_snapshot"


# -------------------------------------------------------------------- rules


def test_rules_refuse_bad_values() -> None:
    with pytest.raises(InvalidInput):
        QueueRules(services=())
    with pytest.raises(InvalidInput):
        QueueRules(services=(ServiceRule("X", "a", 60.0),))
    with pytest.raises(InvalidInput):
        QueueRules(services=(ServiceRule("X", "A", 60.0), ServiceRule("X", "B", 60.0)))
    with pytest.raises(InvalidInput):
        QueueRules(services=SERVICES, priority_calls_per_regular=0)


def test_time_going_backwards_is_taken_as_the_latest_time_seen() -> None:
    q = opened()
    take(q, "a", at=T0 + 100)
    t = q.take_ticket("b", "KTP-EL", Priority.REGULAR, now=T0 + 50)
    assert t.issued_at == T0 + 100
