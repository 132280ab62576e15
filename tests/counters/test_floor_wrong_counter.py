"""An officer operates only the counter they staff (docs/protocol.md 11.2, `wrong_counter`):
every counter command, sent for a colleague's counter, is refused and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.counters.test_floor import World, citizen, officer
from tests.helpers import NIB_FORM

#: Every staff command that names a counter, as a colleague would send it for P1.
COMMANDS: list[dict[str, Any]] = [
    {"type": "counter_close"},
    {"type": "counter_pause"},
    {"type": "call_next"},
    {"type": "recall"},
    {"type": "call_ticket", "ticket_id": "t", "reason": "x"},
    {"type": "park"},
    {"type": "transfer", "service": "KK"},
    {"type": "priority_review", "confirmed": True},
    {"type": "finish", "outcome": "served"},
    {"type": "submit"},
    {"type": "documents_shown", "requirements": ["ktp_el", "kontak", "data_usaha"]},
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c["type"] for c in COMMANDS])
def test_a_colleague_cannot_operate_a_counter_they_do_not_staff(command: dict[str, Any]) -> None:
    world = World(bots="never")
    budi = world.enter(officer(9))
    world.do(budi, type="counter_open", counter_id="P1")
    ani = world.enter(officer(8))
    world.do(ani, type="counter_open", counter_id="P2")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="NIB")
    world.wait(0.5)
    world.do(budi, type="call_next", counter_id="P1")
    world.wait(0.5)
    world.to_counter(siti)
    world.do(siti, type="form_update", fields=NIB_FORM, seq=3)
    before = (world.floor.engine.counter("P1"), len(world.sent(siti, "counter_session")))

    assert world.refused(ani, counter_id="P1", **command) == "wrong_counter"

    assert not [a for b in world.batches for a in b.applications]  # nothing filed
    assert not world.sent(ani, "application_filed")  # and no tracking code learnt
    assert (world.floor.engine.counter("P1"), len(world.sent(siti, "counter_session"))) == before


def test_an_officer_staffs_one_counter_at_a_time_a_supervisor_several() -> None:
    world = World(bots="never")
    budi = world.enter(officer(9))
    world.do(budi, type="counter_open", counter_id="D3")
    assert world.refused(budi, type="counter_open", counter_id="D4") == "already_staffing"
    world.do(budi, type="counter_open", counter_id="D3")  # the same counter again: fine
    world.do(budi, type="counter_close", counter_id="D3")
    world.do(budi, type="counter_open", counter_id="D4")  # after closing the first
    sri = world.enter(officer(7, role="supervisor"))
    world.do(sri, type="counter_open", counter_id="P1")
    world.do(sri, type="counter_open", counter_id="P2")
