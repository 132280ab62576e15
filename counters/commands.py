"""The counter commands a client may send over the hall socket: one table (pure).

The gateway (``realtime/endpoint.py``) routes every type named here to the
counters, and the floor (:class:`counters.floor.Floor`) dispatches by the same
table, so a command exists in exactly one place. ``who`` is checked by the
floor before anything else: a staff command from a citizen is refused with
``staff_only``, a citizen command from staff with ``citizen_only``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Who(enum.StrEnum):
    #: token role citizen or guest (guests may take a number and ask, not file)
    CITIZEN = "citizen"
    #: token role officer or supervisor
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    who: Who
    #: the reply carrying the request's ``seq`` as ``ref``
    reply: str


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("ticket_take", Who.CITIZEN, "ticket"),
        Command("ticket_cancel", Who.CITIZEN, "ticket"),
        Command("check_in", Who.CITIZEN, "ticket"),
        Command("form_update", Who.CITIZEN, "form_result"),
        Command("documents_show", Who.CITIZEN, "counter_session"),
        Command("on_behalf", Who.CITIZEN, "counter_session"),
        Command("counter_open", Who.STAFF, "counter_state"),
        Command("counter_close", Who.STAFF, "counter_state"),
        Command("counter_pause", Who.STAFF, "counter_state"),
        Command("call_next", Who.STAFF, "counter_state"),
        Command("recall", Who.STAFF, "counter_state"),
        Command("call_ticket", Who.STAFF, "counter_state"),
        Command("park", Who.STAFF, "counter_state"),
        Command("unpark", Who.STAFF, "counter_state"),
        Command("transfer", Who.STAFF, "counter_state"),
        Command("priority_review", Who.STAFF, "counter_state"),
        Command("documents_shown", Who.STAFF, "counter_state"),
        Command("submit", Who.STAFF, "counter_state"),
        Command("finish", Who.STAFF, "counter_state"),
        Command("queues", Who.STAFF, "queues"),
    )
}
