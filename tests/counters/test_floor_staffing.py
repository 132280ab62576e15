"""A supervisor's remote staffing on the pure floor: holds, bot staffing, and the KPI
core fed from the floor's own batches."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from counters.kpi import KpiBook, KpiPolicy
from counters.tickets import Actor, ActorRole, CounterStatus
from hall_server.errors import HallError
from hall_server.kpi_live import event_from_queue
from tests.counters.test_floor import World, citizen, officer

SUPERVISOR = Actor("account:50", ActorRole.SUPERVISOR)


def status(world: World, counter_id: str) -> tuple[str, str | None]:
    state = world.floor.engine.counters_by_id()[counter_id]
    return state.status.value, state.staffed_by


def test_a_held_counter_stays_closed_until_opened_or_an_officer_takes_it() -> None:
    world = World(bots="always")
    assert status(world, "D1") == ("open", "bot:D1")
    world.floor.supervisor_close("D1", SUPERVISOR, world.now)
    world.drain()
    assert status(world, "D1") == ("closed", None) and world.floor.held == {"D1"}
    world.wait(5)  # bots on duty take their turns: not this counter
    assert status(world, "D1") == ("closed", None)
    assert "counter_closed" in world.audited()

    world.floor.supervisor_open("D1", world.now)
    world.drain()
    assert status(world, "D1") == ("open", "bot:D1") and world.floor.held == frozenset()

    world.floor.supervisor_close("D1", SUPERVISOR, world.now)
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="D1")
    assert status(world, "D1") == ("open", "account:9") and world.floor.held == frozenset()
    # The supervisor closes it under the officer, who is told.
    world.floor.supervisor_close("D1", SUPERVISOR, world.now)
    world.drain()
    assert world.last(budi, "counter_state")["status"] == "closed"
    world.wait(2)
    assert status(world, "D1") == ("closed", None)


def test_a_counter_holding_a_ticket_is_not_closed() -> None:
    world = World(bots="never")
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="D1")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KTP-EL")
    world.do(budi, type="call_next", counter_id="D1")
    with pytest.raises(HallError) as caught:
        world.floor.supervisor_close("D1", SUPERVISOR, world.now)
    assert caught.value.code == "counter_busy"
    world.drain()
    assert status(world, "D1") == ("open", "account:9") and world.floor.held == frozenset()
    with pytest.raises(HallError) as unknown:
        world.floor.supervisor_close("Z9", SUPERVISOR, world.now)
    assert unknown.value.code == "unknown_counter"


def test_bot_staffing_changes_at_run_time() -> None:
    world = World(bots="always")
    world.floor.set_bots("never", world.now)
    world.drain()
    states = world.floor.engine.counters_by_id()
    assert {s.status for s in states.values()} == {CounterStatus.CLOSED}
    world.wait(2)
    assert {s.status for s in world.floor.engine.counters_by_id().values()} == {
        CounterStatus.CLOSED
    }
    world.floor.set_bots("always", world.now)
    world.drain()
    assert status(world, "D2") == ("open", "bot:D2")
    with pytest.raises(HallError) as caught:
        world.floor.set_bots("sometimes", world.now)
    assert caught.value.code == "bad_value"
    assert world.floor.policy.bots == "always"


def test_preset_staffing_is_what_a_restart_starts_from() -> None:
    world = World(bots="never")
    world.floor.preset_staffing(bots="always", held=["D1", "nope"])
    world.floor.restore([], [], [], now=world.now)
    world.drain()
    assert world.floor.held == {"D1"}
    assert status(world, "D2") == ("open", "bot:D2")
    assert "D1" not in world.floor.engine.counters_by_id() or status(world, "D1")[0] == "closed"


def test_the_kpi_core_fed_from_the_floor_agrees_with_the_engine() -> None:
    """A citizen served by an officer, parked once: the figures from the floor's batches."""
    world = World(bots="never")
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="D1")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KTP-EL")
    world.wait(60)
    world.do(budi, type="call_next", counter_id="D1")  # waited 60 s
    world.to_counter(siti)  # serving from here
    world.wait(30)
    world.do(budi, type="park", counter_id="D1")
    ticket_id = world.last(siti, "ticket")["ticket_id"]
    world.wait(100)  # parked: not service time
    world.do(budi, type="unpark", counter_id="D1", ticket_id=ticket_id)
    world.do(budi, type="call_next", counter_id="D1")
    world.wait(0.5)  # Siti is at the counter: service starts at the next step
    world.wait(20)
    world.do(budi, type="finish", counter_id="D1", outcome="served")
    book = KpiBook(KpiPolicy(tz=ZoneInfo("Asia/Makassar")))
    for batch in world.batches:
        for event in batch.queue_events:
            converted = event_from_queue(event)
            if converted is not None:
                book.apply(converted)
    ticket = world.floor.engine.ticket(ticket_id)
    figures = book.summary(now=world.now, services=["KTP-EL"])["services"][0]
    assert figures["called"] == 1 and figures["wait_p50_s"] == round(ticket.first_wait_s or 0, 1)
    assert figures["wait_p50_s"] == pytest.approx(60.0, abs=0.6)
    assert figures["served"] == 1 and figures["by_officer"] == 1
    # 30 s before the park and 20 s after the second start (the steps are half a second).
    assert figures["avg_service_s"] == pytest.approx(50.0, abs=1.1)
