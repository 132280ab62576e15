"""The nouns of the queue: tickets, counters, rules, actors and events (pure).

Everything here is a frozen dataclass or an enum, so a value handed to the
edge never changes under it: the engine (:mod:`counters.queue`) replaces a
ticket by a new value at each transition and reports the new value in the
event it appends. The edge persists those values as they are and gives
them back to :meth:`counters.queue.QueueEngine.restore` after a restart.

Times are Unix seconds (float). Local dates (for the daily numbering) come
from a fixed UTC offset: Indonesia keeps no daylight saving time, so
``utc_offset_s`` is +8 h for WITA (Kendari, Makassar), +7 h for WIB, +9 h
for WIT. The priority groups follow UU 25/2009 art. 29; docs/queue-rules.md
states the rules in prose.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from hall_server.errors import InvalidInput

__all__ = [
    "WITA_OFFSET_S",
    "Actor",
    "ActorRole",
    "CounterState",
    "CounterStatus",
    "EventKind",
    "Outcome",
    "Priority",
    "QueueEvent",
    "QueueRules",
    "ServiceRule",
    "Ticket",
    "TicketState",
    "format_number",
    "is_elderly",
    "local_day",
]

#: UTC+8, Waktu Indonesia Tengah (Kendari, Makassar): the default day boundary.
WITA_OFFSET_S = 8 * 3600

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NIK_LIKE = re.compile(r"\d{16}")


class Priority(enum.StrEnum):
    """Who the citizen is, for the order of service (UU 25/2009 art. 29).

    Every class but REGULAR is a priority class; the engine serves the
    priority classes together, first come first served among them.
    """

    REGULAR = "regular"
    #: 60 or older; the caller checks it from the NIK's birth date (:func:`is_elderly`)
    ELDERLY = "elderly"
    DISABLED = "disabled"
    PREGNANT = "pregnant"
    SMALL_CHILDREN = "small_children"
    DISASTER_VICTIM = "disaster_victim"

    @property
    def is_priority(self) -> bool:
        return self is not Priority.REGULAR


class TicketState(enum.StrEnum):
    """Where a ticket is. DONE, CANCELLED and NO_SHOW are final."""

    #: an appointment not yet checked in: not in the live queue
    BOOKED = "booked"
    WAITING = "waiting"
    #: called to ``counter_id``; the citizen is on the way
    CALLED = "called"
    #: the citizen is at the counter
    SERVING = "serving"
    #: on hold (e.g. fetching a document); unpark puts it back in its place
    PARKED = "parked"
    DONE = "done"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset({TicketState.DONE, TicketState.CANCELLED, TicketState.NO_SHOW})


class Outcome(enum.StrEnum):
    """How a service at a counter ended (``finish``)."""

    SERVED = "served"
    #: sent elsewhere (another agency, a back office); reason required
    REFERRED = "referred"
    #: the request cannot be granted (e.g. missing documents); reason required
    REJECTED = "rejected"
    #: the citizen left the hall (or dropped and did not come back) while called or served
    CITIZEN_LEFT = "citizen_left"


class CounterStatus(enum.StrEnum):
    OPEN = "open"
    #: keeps its current ticket but calls no one new
    PAUSED = "paused"
    CLOSED = "closed"


class ActorRole(enum.StrEnum):
    """Who asks for an operation; the edge derives it from the signed-in identity."""

    CITIZEN = "citizen"
    OFFICER = "officer"
    #: may act at any counter (e.g. close one left open)
    SUPERVISOR = "supervisor"
    #: an automated counter; may not call out of order
    BOT = "bot"
    #: the engine itself (no-show timeouts, expired bookings)
    SYSTEM = "system"

    @property
    def is_staff(self) -> bool:
        return self in (ActorRole.OFFICER, ActorRole.SUPERVISOR, ActorRole.BOT)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it: a pseudonymous reference and a role, recorded in every event."""

    #: an officer or citizen reference, or ``"bot:<name>"``; never a NIK or a name
    ref: str
    role: ActorRole


SYSTEM_ACTOR = Actor("system:queue", ActorRole.SYSTEM)


@dataclass(frozen=True, slots=True)
class ServiceRule:
    """One service of the catalogue, as the queue needs it."""

    #: the catalogue's service code, e.g. ``"KTP-EL"``
    code: str
    #: the number prefix, one letter A..Z; services may share a group
    group: str
    #: prior mean service time (the catalogue's average minutes x 60)
    default_service_s: float


@dataclass(frozen=True, slots=True)
class QueueRules:
    """How one hall's queue runs. ``None`` switches a rule off."""

    services: tuple[ServiceRule, ...]
    #: seconds east of UTC for the local day boundary of the numbering
    utc_offset_s: int = WITA_OFFSET_S
    #: priority calls a counter makes in a row while a regular ticket waits for it
    priority_calls_per_regular: int | None = 2
    #: a regular ticket waiting longer than this is called before any priority ticket
    max_regular_wait_s: float | None = 30 * 60.0
    #: recalls allowed; the next recall marks the ticket no-show
    max_recalls: int = 2
    #: a called ticket not started within this many seconds of its last (re)call is no-show
    no_show_timeout_s: float | None = 5 * 60.0
    #: an appointment may check in this many seconds before its time
    appointment_early_s: float = 15 * 60.0
    #: and up to this many seconds after; later it joins as a walk-in
    appointment_late_s: float = 10 * 60.0
    #: finished services per service kept for the mean service time
    service_time_window: int = 20
    #: weight of the catalogue's prior, in pseudo-samples
    service_time_prior_n: float = 3.0
    #: smoothing factor of recent waits (exponential smoothing, 0 < a <= 1)
    wait_smoothing: float = 0.3
    #: recent waits kept per service and class tier
    wait_window: int = 20
    #: largest weight of the delay history in the blended estimate (0 = queue length only)
    history_weight: float = 0.3
    #: :meth:`QueueEngine.estimates_changed` reports a move of the expected wait beyond this
    estimate_change_s: float = 60.0

    def __post_init__(self) -> None:
        if not self.services:
            raise InvalidInput("the queue needs at least one service", code="bad_value")
        codes = [s.code for s in self.services]
        if len(set(codes)) != len(codes):
            raise InvalidInput("service codes must be unique", code="bad_value")
        for s in self.services:
            if len(s.group) != 1 or not ("A" <= s.group <= "Z"):
                raise InvalidInput(
                    f"service {s.code}: group must be one letter A..Z", code="bad_value"
                )
            if not s.default_service_s > 0:
                raise InvalidInput(
                    f"service {s.code}: default_service_s must be > 0", code="bad_value"
                )
        if self.priority_calls_per_regular is not None and self.priority_calls_per_regular < 1:
            raise InvalidInput("priority_calls_per_regular must be >= 1", code="bad_value")
        if self.max_regular_wait_s is not None and self.max_regular_wait_s < 0:
            raise InvalidInput("max_regular_wait_s must be >= 0", code="bad_value")
        if self.max_recalls < 0:
            raise InvalidInput("max_recalls must be >= 0", code="bad_value")
        if self.no_show_timeout_s is not None and self.no_show_timeout_s <= 0:
            raise InvalidInput("no_show_timeout_s must be > 0", code="bad_value")
        if self.appointment_early_s < 0 or self.appointment_late_s < 0:
            raise InvalidInput("appointment windows must be >= 0", code="bad_value")
        if self.service_time_window < 1 or self.wait_window < 1:
            raise InvalidInput("history windows must be >= 1", code="bad_value")
        if not 0 < self.wait_smoothing <= 1:
            raise InvalidInput("wait_smoothing must be in (0, 1]", code="bad_value")
        if not 0 <= self.history_weight <= 1:
            raise InvalidInput("history_weight must be in [0, 1]", code="bad_value")


@dataclass(frozen=True)
class Ticket:
    """One citizen's place in the queue for one service.

    Ordering: waiting tickets of one tier (priority or regular) are called by
    ``(enqueued_at, seq)``. ``enqueued_at`` is the issue time for a walk-in,
    the booked time for an appointment checked in on time, the check-in time
    for a late one; a transfer resets it to ``issued_at`` (the citizen keeps
    the place they earned); a park keeps it (unpark returns the ticket to its
    place).
    """

    ticket_id: str
    #: issue order within the hall; breaks ties of ``enqueued_at``
    seq: int
    #: ``"A-001"``; None for an appointment until it checks in
    number: str | None
    #: the local day the number belongs to
    day: date | None
    #: the letter of the number (the service group at issue; kept across transfers)
    group: str
    service: str
    priority: Priority
    #: opaque pseudonymous reference of the citizen (never a NIK)
    citizen_ref: str
    state: TicketState
    issued_at: float
    enqueued_at: float
    appointment_at: float | None = None
    checked_in_at: float | None = None
    counter_id: str | None = None
    #: time of the current call (kept after the call ends, for the record)
    called_at: float | None = None
    #: time of the last recall of the current call
    recalled_at: float | None = None
    recalls: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    outcome: Outcome | None = None
    #: why: for rejected/referred outcomes, out-of-order calls, parks, no-shows, cancels
    reason: str | None = None
    transfers: int = 0
    #: the first regular call (call_next) of the ticket: the wait estimator's sample
    first_called_at: float | None = None
    first_wait_s: float | None = None
    first_service: str | None = None
    #: a declared priority as the officer found it at the counter: "confirmed" or "withdrawn"
    priority_review: str | None = None

    @property
    def is_final(self) -> bool:
        return self.state.is_final


@dataclass(frozen=True)
class CounterState:
    """A counter (loket): what it calls from, who staffs it, whom it holds."""

    counter_id: str
    #: the work profile: service codes this counter calls from
    services: tuple[str, ...]
    status: CounterStatus
    #: officer reference or ``"bot:<name>"``; None when closed
    staffed_by: str | None = None
    ticket_id: str | None = None
    #: priority calls made in a row since the last regular call
    priority_streak: int = 0


class EventKind(enum.StrEnum):
    TICKET_TAKEN = "ticket_taken"
    APPOINTMENT_BOOKED = "appointment_booked"
    CHECKED_IN = "checked_in"
    CALLED = "called"
    CALLED_OUT_OF_ORDER = "called_out_of_order"
    RECALLED = "recalled"
    SERVICE_STARTED = "service_started"
    PARKED = "parked"
    UNPARKED = "unparked"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    FINISHED = "finished"
    COUNTER_OPENED = "counter_opened"
    COUNTER_PAUSED = "counter_paused"
    COUNTER_CLOSED = "counter_closed"
    COUNTER_HANDED_OVER = "counter_handed_over"
    CITIZEN_LEFT = "citizen_left"
    RETURNED_TO_QUEUE = "returned_to_queue"
    PRIORITY_REVIEWED = "priority_reviewed"


@dataclass(frozen=True)
class QueueEvent:
    """One transition, for the audit log and the WebSocket fan-out.

    ``ticket`` and ``counter`` are the values after the transition: the edge
    upserts them in the same transaction as the audit row.
    """

    kind: EventKind
    at: float
    actor: str
    actor_role: ActorRole
    ticket_id: str | None = None
    counter_id: str | None = None
    #: JSON-ready facts of the transition (number, service, reason, ...)
    details: Mapping[str, object] = field(default_factory=dict)
    ticket: Ticket | None = None
    counter: CounterState | None = None


def local_day(now: float, utc_offset_s: int = WITA_OFFSET_S) -> date:
    """The local date at Unix time ``now`` for a fixed UTC offset."""
    return date.fromordinal(_EPOCH_ORDINAL + int((now + utc_offset_s) // 86400))


def format_number(group: str, n: int) -> str:
    """``("A", 7) -> "A-007"``; past 999 the number simply grows (``"A-1000"``)."""
    return f"{group}-{n:03d}"


def is_elderly(birth_date: date, today: date, age: int = 60) -> bool:
    """True when someone born on ``birth_date`` is ``age`` or older on ``today``.

    Someone born on 29 February comes of age on 1 March in common years.
    """
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years >= age


def check_citizen_ref(citizen_ref: str) -> None:
    """Refuse an empty reference or one that looks like a NIK (16 digits)."""
    if not citizen_ref:
        raise InvalidInput("citizen_ref is required", code="bad_value")
    if _NIK_LIKE.fullmatch(citizen_ref):
        raise InvalidInput(
            "citizen_ref must be a pseudonymous reference, not a NIK", code="nik_not_allowed"
        )
