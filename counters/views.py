"""The JSON the counters send to clients, built in one place (pure).

Every message about tickets, counters, sessions, applications and the board
is made here from the cores' values, so the protocol (docs/protocol.md,
section 11) has one source. Times a client receives are Unix seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from counters.catalogue import Catalogue
from counters.desk import Application, CounterSession
from counters.estimate import Estimate
from counters.tickets import CounterState, Ticket, TicketState
from scenes.model import Counter, Point

Json = dict[str, Any]


def with_ref(message: Json, ref: int | None) -> Json:
    """A reply carries the ``seq`` of the request it answers as ``ref``."""
    if ref is not None:
        message["ref"] = ref
    return message


def ticket(t: Ticket, estimate: Estimate | None = None, wait_at: Point | None = None) -> Json:
    msg: Json = {
        "type": "ticket",
        "ticket_id": t.ticket_id,
        "number": t.number,
        "service": t.service,
        "priority": t.priority.value,
        "state": t.state.value,
        "counter_id": t.counter_id,
        "issued_at": round(t.issued_at, 3),
    }
    if t.appointment_at is not None:
        msg["appointment_at"] = round(t.appointment_at, 3)
    if t.state is TicketState.WAITING and estimate is not None:
        msg["position"] = estimate.position
        msg["estimate"] = {
            "low_s": round(estimate.low_s),
            "expected_s": round(estimate.expected_s),
            "high_s": round(estimate.high_s),
        }
        if wait_at is not None:
            msg["wait_at"] = [round(wait_at[0], 2), round(wait_at[1], 2)]
    if t.outcome is not None:
        msg["outcome"] = t.outcome.value
    return msg


def called(t: Ticket, counter: Counter) -> Json:
    return {
        "type": "called",
        "ticket_id": t.ticket_id,
        "number": t.number,
        "recalls": t.recalls,
        "counter": {
            "id": counter.id,
            "name": {"id": counter.name.id, "en": counter.name.en},
            "position": list(counter.position),
            "facing": counter.facing_deg,
        },
    }


def counter_state(counter_id: str, state: CounterState | None) -> Json:
    if state is None:
        return {
            "type": "counter_state",
            "counter_id": counter_id,
            "status": "closed",
            "staffed_by": None,
            "ticket_id": None,
        }
    staffed = state.staffed_by or ""
    return {
        "type": "counter_state",
        "counter_id": counter_id,
        "status": state.status.value,
        "staffed_by": "bot" if staffed.startswith("bot:") else ("officer" if staffed else None),
        "ticket_id": state.ticket_id,
    }


def waiting_entry(t: Ticket, now: float) -> Json:
    return {
        "ticket_id": t.ticket_id,
        "number": t.number,
        "service": t.service,
        "priority": t.priority.value,
        "waited_s": round(now - t.issued_at),
        "appointment_at": t.appointment_at,
    }


def session(
    s: CounterSession,
    catalogue: Catalogue,
    checklist: Sequence[tuple[str, bool]],
    *,
    channel: str | None,
    call: Mapping[str, Any] | None,
    for_staff: bool,
    verified: bool,
    on_behalf_filings: int = 0,
    citizen_name: str | None = None,
) -> Json:
    """``counter_session``; staff also see whether the identity is verified and how
    often this account has filed on behalf of others (one person filing for many is
    how a broker works)."""
    service = catalogue.service(s.service)
    variant = s.form.get("variant")
    reqs = {r.id: r for r in service.standar.requirements}
    payload: Json = {
        "type": "counter_session",
        "session_id": s.session_id,
        "counter_id": s.counter_id,
        "ticket_id": s.ticket_id,
        "ticket_number": s.ticket_number,
        "service": s.service,
        "staffed_by": "bot" if s.by_bot else "officer",
        "channel": channel,
        "call": dict(call) if call is not None else None,
        "form": dict(s.form),
        "fields": [f.name for f in service.fields_for(variant)],
        "variant_chosen": variant is not None,
        "checklist": [
            {
                "requirement": r,
                "shown": ok,
                "text": {"id": reqs[r].text.id, "en": reqs[r].text.en} if r in reqs else None,
            }
            for r, ok in checklist
        ],
        "on_behalf": _on_behalf(s),
        # Uploaded files, to fetch at GET /api/v1/documents/{document_id} (owner and staff only).
        "documents": [dict(d) for d in s.documents],
    }
    if for_staff:
        payload["identity"] = {
            "verified": verified,
            "on_behalf_filings": on_behalf_filings,
            # the display name the hall shows (the officer may not see the citizen's
            # avatar yet when taking a counter over): None if they are not in the hall
            "name": citizen_name,
        }
    return payload


def _on_behalf(s: CounterSession) -> Json | None:
    if s.on_behalf is None:
        return None
    return {"relationship": s.on_behalf["relationship"], "nik": s.on_behalf["nik_masked"]}


def form_result(s: CounterSession, errors: Mapping[str, Mapping[str, str]]) -> Json:
    return {
        "type": "form_result",
        "session_id": s.session_id,
        "errors": {k: dict(v) for k, v in errors.items()},
        "form_keys": sorted(s.form),
    }


def application_filed(a: Application, status: str) -> Json:
    return {
        "type": "application_filed",
        "session_id": a.session_id,
        "application_id": a.application_id,
        "tracking_code": a.tracking_code,
        "service": a.service,
        "status": status,
        "review": "officer" if a.status == "awaiting_officer" else "none",
        "fee_idr": a.fee_idr,
    }


def session_ended(s: CounterSession) -> Json:
    return {
        "type": "session_ended",
        "session_id": s.session_id,
        "service": s.service,
        "counter_id": s.counter_id,
        "outcome": s.outcome,
        "reason": s.reason,
    }


def board(
    hall_id: str,
    serving: Iterable[tuple[str, Ticket]],
    waiting: Mapping[str, int],
) -> Json:
    """The public "now serving" board: numbers only, never names."""
    return {
        "hall": hall_id,
        "now_serving": [
            {"counter_id": cid, "number": t.number, "service": t.service, "state": t.state.value}
            for cid, t in serving
        ],
        "waiting": dict(waiting),
    }
