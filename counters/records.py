"""Tickets and counter states as JSON objects, for the database and restore (pure)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from counters.tickets import CounterState, CounterStatus, Outcome, Priority, Ticket, TicketState


def ticket_to_json(ticket: Ticket) -> dict[str, Any]:
    data = dataclasses.asdict(ticket)
    data["day"] = ticket.day.isoformat() if ticket.day else None
    for key in ("priority", "state", "outcome"):
        value = data[key]
        data[key] = value.value if value is not None else None
    return data


def ticket_from_json(data: dict[str, Any]) -> Ticket:
    values = dict(data)
    values["day"] = date.fromisoformat(values["day"]) if values.get("day") else None
    values["priority"] = Priority(values["priority"])
    values["state"] = TicketState(values["state"])
    values["outcome"] = Outcome(values["outcome"]) if values.get("outcome") else None
    return Ticket(**values)


def counter_to_json(counter: CounterState) -> dict[str, Any]:
    data = dataclasses.asdict(counter)
    data["services"] = list(counter.services)
    data["status"] = counter.status.value
    return data


def counter_from_json(data: dict[str, Any]) -> CounterState:
    values = dict(data)
    values["services"] = tuple(values["services"])
    values["status"] = CounterStatus(values["status"])
    return CounterState(**values)
