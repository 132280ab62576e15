"""After a restart or a failover the counter call is offered again, whoever comes back first.

A new owner restores the counter session from the database; the officer and
the citizen resume in either order. Before, the call was offered again only
when the citizen was back before the officer (issue 15: "an active counter
session continues; its call is offered again").
"""

from __future__ import annotations

from counters.ports import CallOpened
from tests.counters.test_floor import World, citizen, officer


def _served_by_an_officer() -> tuple[World, str]:
    world = World()
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="REKLAME")
    world.wait(0.5)
    counter = world.counter_of(siti)
    world.to_counter(siti)
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id=counter, seq=1)
    return world, counter


def _restored(old: World, counter: str) -> World:
    """A new process: the same tickets, counters and session, nobody connected."""
    new = World()
    session = old.floor.desk.for_counter(counter)
    assert session is not None
    new.floor.restore(
        old.floor.engine.tickets(), old.floor.engine.counters(), [session], now=new.now
    )
    new.drain()
    return new


def _offers(world: World) -> list[CallOpened]:
    return [c for b in world.batches for c in b.calls if isinstance(c, CallOpened)]


def test_the_officer_back_first_then_the_citizen_gets_the_call_offered_again():
    old, counter = _served_by_an_officer()
    new = _restored(old, counter)
    budi = new.enter(officer())
    assert _offers(new) == []  # nobody to call yet
    siti = new.enter(citizen())
    (offer,) = _offers(new)
    assert (offer.citizen.avatar, offer.staff.avatar) == (siti, budi)
    assert offer.staff.kind == "officer" and offer.counter_id == counter
    assert new.last(siti, "counter_session")["session_id"] == offer.session_id


def test_the_citizen_back_first_then_the_officer_gets_the_call_offered_again():
    old, counter = _served_by_an_officer()
    new = _restored(old, counter)
    siti = new.enter(citizen())
    assert _offers(new) == []  # no officer yet: no call to a counter nobody staffs
    budi = new.enter(officer())
    (offer,) = _offers(new)
    assert (offer.citizen.avatar, offer.staff.avatar) == (siti, budi)


def test_a_citizen_who_reconnects_during_a_call_is_not_offered_a_second_one():
    world, _counter = _served_by_an_officer()
    before = len(_offers(world))
    assert before == 1
    world.enter(citizen())  # the same person again (a second tab, a resume)
    assert len(_offers(world)) == before
