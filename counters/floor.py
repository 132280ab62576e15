"""The counter floor of one hall: every counter decision, as a pure state machine.

:class:`Floor` owns the hall's queue engine (:class:`counters.queue.QueueEngine`)
and desk (:class:`counters.desk.Desk`) and decides everything around them:
who may take, cancel and check in a ticket, the officers' commands, which
counters bots staff and what they do each turn, takeovers and hand-overs,
counter sessions from arrival to outcome, priority groups, appointments,
filing only in the signed-in name (or declared on behalf of someone), what
happens when a citizen or an officer goes away, and the demo's simulated
citizens.

Like :class:`realtime.hall.Hall` it does no I/O and reads no clock: every
call takes ``now`` (Unix seconds: tickets and appointments outlive the
process), randomness comes from a seeded :class:`random.Random`, and its
output is drained with :meth:`Floor.drain` as a :class:`counters.ports.Batch`
(what to write, whom to tell what, chat lines, call events, the board).
The hall itself is reached through the :class:`counters.ports.Seat` port.

Call order for the pump: one operation (:meth:`handle`, :meth:`entered`,
:meth:`step`, ...), then :meth:`drain`, write, send. An operation that raises
a :class:`~hall_server.errors.HallError` has changed nothing that matters,
but drain all the same: the cores may have queued audit events.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from avatars.model import Appearance, Identity, Role
from avatars.nik import check_nik, mask_nik
from counters import views
from counters.bot import BotClerk, Said
from counters.catalogue import Catalogue
from counters.commands import COMMANDS, Who
from counters.demo import DemoCitizens, Lanes
from counters.desk import (
    APPLICANT_NIK,
    Application,
    CounterSession,
    Desk,
    MissingDocuments,
)
from counters.ports import (
    Batch,
    CallClosed,
    CallOpened,
    CallParty,
    CallStaffChanged,
    CallView,
    Message,
    Seat,
    Walkers,
)
from counters.queue import QueueEngine
from counters.tickets import (
    Actor,
    ActorRole,
    CounterState,
    CounterStatus,
    Outcome,
    Priority,
    QueueRules,
    Ticket,
    TicketState,
    local_day,
)
from hall_server.errors import Conflict, Forbidden, HallError, InvalidInput, NotFound
from scenes.model import Counter, heading

BOT_POLICIES = ("always", "off_hours", "never")
STAFF_ROLES = frozenset({"officer", "supervisor"})
#: How long the ``session_ended`` of a finished service (with its survey token) waits
#: for a citizen whose connection was down when it ended, and how many wait at most.
UNSENT_ENDED_KEEP_S = 24 * 3600.0
UNSENT_ENDED_MAX = 10_000
#: Outcomes of a finished service, after which the citizen is offered the SKM survey.
SURVEYED_OUTCOMES = frozenset({"served", "filed", "referred", "rejected"})
#: Largest magnitude accepted for a time in a message: far beyond any real date,
#: small enough that arithmetic on it stays exact and never overflows.
_MAX_TIME = 1e11


@dataclass(frozen=True, slots=True)
class FloorPolicy:
    """The floor's timings and switches (settings ``HALL_COUNTER_*``)."""

    #: when bots staff the counters no officer staffs: always, off_hours or never
    bots: str = "always"
    #: a citizen this close to the service point has arrived at the counter (m)
    arrived_m: float = 1.6
    #: a bot recalls a called citizen who has not arrived after this long (s)
    recall_after_s: float = 90.0
    #: a called or served citizen gone from the hall this long ends with citizen_left (s)
    citizen_left_s: float = 60.0
    #: a citizen at a bot's counter who does nothing this long (no form, document or
    #: chat line) ends with citizen_left, reason idle: the counter goes on (s)
    bot_idle_s: float = 300.0
    #: an officer whose connection dropped keeps the counter this long (s)
    officer_grace_s: float = 120.0
    #: appointments may be booked up to this far ahead (s)
    booking_horizon_s: float = 90 * 86400.0
    #: chance per step that an idle simulated citizen takes a number
    sim_ticket_chance: float = 0.01
    #: how long a bot serves a simulated citizen (s, uniform)
    sim_service_s: tuple[float, float] = (12.0, 30.0)

    def __post_init__(self) -> None:
        if self.bots not in BOT_POLICIES:
            raise InvalidInput(f"bots must be one of {', '.join(BOT_POLICIES)}", code="bad_value")


class Floor:
    """One hall's counters; see the module docstring for the call order."""

    def __init__(
        self,
        *,
        counters: Sequence[Counter],
        catalogue: Catalogue,
        rules: QueueRules,
        clerk: BotClerk,
        seat: Seat,
        policy: FloorPolicy,
        rng: random.Random,
        new_id: Callable[[], str],
        new_tracking_code: Callable[[], str],
        walkers: Walkers | None = None,
        calls: CallView | None = None,
        survey: Callable[[CounterSession], str | None] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.rules = rules
        self.clerk = clerk
        self.seat = seat
        self.policy = policy
        self.rng = rng
        self.calls = calls
        #: issues the SKM survey token of a finished transaction (hall_server/survey_tokens.py)
        self._survey = survey
        self._new_id = new_id
        self._new_tracking_code = new_tracking_code
        self.engine = QueueEngine(rules, new_id=new_id)
        self.desk = Desk(catalogue, new_id=new_id)
        self.counters = {c.id: c for c in counters}
        self._order = [c.id for c in counters]
        self._bots: dict[str, int] = {}  # counter id -> bot avatar
        self._officers: dict[str, int] = {}  # counter id -> officer avatar
        self._channels: dict[str, str] = {}  # session id -> private channel
        self._absent_since: dict[str, float] = {}  # ticket id -> citizen gone since
        self._active_at: dict[str, float] = {}  # session id -> the citizen's last action
        self._officer_gone_since: dict[str, float] = {}  # counter id -> officer gone since
        self._pins: dict[int, tuple[int, ...]] = {}  # citizen avatar -> staff always in view
        #: sessions whose citizen was offered a call (a person staffs them)
        self._calls_offered: set[str] = set()
        #: account -> on-behalf declarations (restored from the audit log): shown to
        #: the officer who reviews, a signal of someone filing for many people
        self._on_behalf_counts: dict[str, int] = {}
        #: counters a supervisor closed: no bot staffs them until one is opened again
        self._held: set[str] = set()
        #: citizen -> (``session_ended`` with its survey token, kept until): the service
        #: finished while the citizen's connection was down, so they get it when they
        #: are back (:meth:`entered`) instead of losing the survey
        self._unsent_ended: dict[str, tuple[Message, float]] = {}
        self.lanes = Lanes(counters, catalogue.codes)
        self.demo = (
            DemoCitizens(
                walkers,
                self.counters,
                catalogue.codes,
                self.lanes,
                rng,
                ticket_chance=policy.sim_ticket_chance,
                service_s=policy.sim_service_s,
            )
            if walkers is not None
            else None
        )
        self._board: dict[str, Any] | None = None
        self._out = Batch()
        #: the latest ``now`` any call brought (the floor never goes back in time)
        self._now = 0.0
        #: the bot clerks' uniform: the blue of the civil service
        self._bot_look = Appearance.parse({"colors": {"top": "#00539c", "bottom": "#1b2a3a"}})

    # ------------------------------------------------------------ lifecycle

    def restore(
        self,
        tickets: Sequence[Ticket],
        counter_states: Sequence[CounterState],
        sessions: Sequence[CounterSession],
        *,
        on_behalf: Mapping[str, int] | None = None,
        now: float,
    ) -> None:
        """Rebuild from the store after a restart, then staff idle counters with bots.

        Nobody is signed in yet: every idle counter is staffed by a bot (when
        bots are on duty); an officer comes back with ``counter_open``.
        """
        if tickets or counter_states:
            self.engine = QueueEngine.restore(
                self.rules, list(tickets), list(counter_states), now, new_id=self._new_id
            )
        self._at(now)
        for session in sessions:
            self.desk.restore(session)
        self._on_behalf_counts.update(on_behalf or {})
        self._staff_with_bots(now, restarting=True)

    def drain(self) -> Batch:
        """Everything the operations since the last drain produced, in order."""
        self._absorb()
        out, self._out = self._out, Batch()
        return out

    @property
    def board(self) -> dict[str, Any]:
        """The current "now serving" board."""
        serving = []
        states = self.engine.counters_by_id()
        for cid in self._order:
            state = states.get(cid)
            if state is not None and state.ticket_id:
                serving.append((cid, self.engine.ticket(state.ticket_id)))
        waiting = {}
        for service in sorted(self.catalogue.codes):
            n = len(self.engine.order(service, self.engine_now))
            if n:
                waiting[service] = n
        return views.board(self.seat.hall_id, serving, waiting)

    @property
    def engine_now(self) -> float:
        """The latest time the floor was told (queries between calls use it)."""
        return self._now

    def _at(self, now: float) -> float:
        self._now = max(self._now, now)
        return self._now

    # ------------------------------------------------------------- dispatch

    def handle(self, avatar_id: int, msg: Mapping[str, Any], *, now: float) -> None:
        """One counter command from a client (``msg["type"]`` is in COMMANDS)."""
        now = self._at(now)
        command = COMMANDS[msg["type"]]
        ident = self.seat.identity_of(avatar_id)
        ref = _ref(msg)
        if command.who is Who.STAFF:
            if ident.token_role not in STAFF_ROLES:
                raise Forbidden("only officers and supervisors may do this", code="staff_only")
            if command.name == "queues":
                self._queues(avatar_id, ident, msg.get("counter_id"), now, ref)
            else:
                self._staff_command(avatar_id, ident, command.name, msg, now, ref)
            return
        if ident.role is not Role.CITIZEN:
            raise Forbidden("only citizens and guests may do this", code="citizen_only")
        handler = {
            "ticket_take": self._take,
            "ticket_cancel": self._cancel,
            "check_in": self._check_in,
            "form_update": self._form_update,
            "documents_show": self._documents_show,
            "on_behalf": self._on_behalf,
        }[command.name]
        try:
            handler(avatar_id, ident, msg, now, ref)
        finally:
            self._touch(ident.subject, now)

    def _touch(self, citizen_ref: str, now: float) -> None:
        """The citizen did something: their counter session (if any) is not idle."""
        session = self.desk.for_citizen(citizen_ref)
        if session is not None:
            self._active_at[session.session_id] = now

    # ------------------------------------------------------------- citizens

    def _take(
        self, avatar_id: int, ident: Identity, msg: Mapping[str, Any], now: float, ref: int | None
    ) -> None:
        """A walk-in number, or a booking when ``appointment_at`` (Unix s) is given.

        A live ticket for the same service is the citizen's: it is returned,
        never doubled (reload, a second device, a second tap).
        """
        service = msg.get("service")
        if not isinstance(service, str):
            raise InvalidInput("service must be a service code", code="bad_type")
        self.catalogue.service(service)  # unknown_service
        priority = _priority(msg.get("priority"), ident)
        at = self._appointment_at(msg.get("appointment_at"), now)
        live = self._live_ticket(ident.subject, service)
        if live is not None:
            self._reply_ticket(avatar_id, live, ref)
            return
        ticket = self.engine.take_ticket(ident.subject, service, priority, now, at)
        self._reply_ticket(avatar_id, ticket, ref)

    def _appointment_at(self, raw: object, now: float) -> float | None:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise InvalidInput("appointment_at must be a Unix time in seconds", code="bad_type")
        # Checked before any arithmetic: a 400-digit integer must not overflow a float.
        if not (isinstance(raw, int) or math.isfinite(raw)) or not -_MAX_TIME < raw < _MAX_TIME:
            raise InvalidInput(
                "appointment_at must be within the next 90 days", code="out_of_range"
            )
        if not 0 < raw - now < self.policy.booking_horizon_s:
            raise InvalidInput(
                "appointment_at must be within the next 90 days", code="out_of_range"
            )
        return float(raw)

    def _check_in(
        self, avatar_id: int, ident: Identity, msg: Mapping[str, Any], now: float, ref: int | None
    ) -> None:
        """The citizen of a booking arrives: the booking joins the live queue."""
        ticket_id = _id(msg, "ticket_id")
        if self.engine.ticket(ticket_id).citizen_ref != ident.subject:
            raise Forbidden("this is not your ticket", code="not_your_ticket")
        ticket = self.engine.check_in(ticket_id, now)
        self._reply_ticket(avatar_id, ticket, ref)

    def _cancel(
        self, avatar_id: int, ident: Identity, msg: Mapping[str, Any], now: float, ref: int | None
    ) -> None:
        ticket_id = _id(msg, "ticket_id")
        ticket = self.engine.cancel(ticket_id, ident.subject, now)
        self._reply_ticket(avatar_id, ticket, ref)

    def _form_update(
        self, avatar_id: int, ident: Identity, msg: Mapping[str, Any], now: float, ref: int | None
    ) -> None:
        session = self._citizen_session(ident)
        self._require_verified(session)
        fields = msg.get("fields")
        if not isinstance(fields, dict):
            raise InvalidInput("fields must be an object", code="bad_type")
        errors = self.desk.update_form(
            session.session_id, ident.subject, fields, today=self._today(now), now=now
        )
        self._role(ident.subject, "citizen")
        self._send(avatar_id, views.with_ref(views.form_result(session, errors), ref))
        self._tell_session(session, to_citizen=False)
        if session.by_bot:
            self._bot_says(session, self.clerk.explain_errors(session, errors))
            if not errors:
                self._bot_try_submit(session, now)

    def _documents_show(
        self, avatar_id: int, ident: Identity, msg: Mapping[str, Any], now: float, ref: int | None
    ) -> None:
        """The citizen shows (uploads) documents in their counter session."""
        session = self._citizen_session(ident)
        self._require_verified(session)
        requirements = _ids(msg, "requirements")
        self.desk.show(session.session_id, ident.subject, requirements, now)
        self._role(ident.subject, "citizen")
        self._send(avatar_id, views.with_ref(self._session_json(session, for_staff=False), ref))
        self._tell_session(session, to_citizen=False)
        if session.by_bot:
            self._bot_try_submit(session, now)

    def _on_behalf(
        self, avatar_id: int, ident: Identity, msg: Mapping[str, Any], now: float, ref: int | None
    ) -> None:
        """The citizen declares they file for someone else (a child, family, a power of attorney)."""
        session = self._citizen_session(ident)
        self._require_verified(session)
        relationship = msg.get("relationship")
        raw_nik = msg.get("nik")
        if not isinstance(relationship, str) or not isinstance(raw_nik, str):
            raise InvalidInput("on_behalf needs relationship and nik (strings)", code="bad_type")
        nik = check_nik(raw_nik)
        if ident.nik is not None and nik == ident.nik:
            raise InvalidInput("this is your own NIK: file in your own name", code="bad_value")
        self.desk.declare_on_behalf(
            session.session_id, ident.subject, relationship, nik, mask_nik(nik), now
        )
        self._on_behalf_counts[ident.subject] = self._on_behalf_counts.get(ident.subject, 0) + 1
        self._role(ident.subject, "citizen")
        self._send(avatar_id, views.with_ref(self._session_json(session, for_staff=False), ref))
        self._tell_session(session, to_citizen=False)
        if session.by_bot:
            self._bot_says(session, self.clerk.on_behalf_review())

    def entered(self, avatar_id: int, *, now: float) -> None:
        """Someone joined or resumed: give them back what is theirs.

        A citizen is told each live ticket (with the current place in line),
        a call to a counter, and an open counter session, whose channel they
        rejoin. An officer gets back the counters they staff (within the
        grace period), with the session and its channel.
        """
        now = self._at(now)
        ident = self.seat.identity_of(avatar_id)
        if ident.token_role in STAFF_ROLES:
            for cid, state in self.engine.counters_by_id().items():
                if state.staffed_by == ident.subject and state.status is not CounterStatus.CLOSED:
                    self._officer_back(cid, avatar_id, now)
            return
        if ident.role is not Role.CITIZEN:
            return
        for ticket in self.engine.tickets():
            if ticket.citizen_ref == ident.subject and not ticket.state.is_final:
                self._absent_since.pop(ticket.ticket_id, None)
                self._send(avatar_id, self._ticket_json(ticket))
                if ticket.state is TicketState.CALLED and ticket.counter_id is not None:
                    self._send(avatar_id, views.called(ticket, self.counters[ticket.counter_id]))
        session = self.desk.for_citizen(ident.subject)
        if session is not None:
            channel = self._channels.get(session.session_id)
            if channel is not None:
                self.seat.add_to_channel(channel, avatar_id)
            staff = self._officers.get(session.counter_id)
            offered = session.session_id in self._calls_offered
            if not session.by_bot and staff is not None and not offered:
                # After a restart or a failover the officer may be back first:
                # the call is offered again now that both are here.
                self._offer_call(session, staff)
            self._send(avatar_id, self._session_json(session, for_staff=False))
        unsent = self._unsent_ended.pop(ident.subject, None)
        if unsent is not None and unsent[1] > now:
            self._send(avatar_id, unsent[0])

    # ------------------------------------------------------------- officers

    def _staff_command(
        self,
        avatar_id: int,
        ident: Identity,
        name: str,
        msg: Mapping[str, Any],
        now: float,
        ref: int | None,
    ) -> None:
        actor = Actor(ident.subject, ActorRole(ident.token_role))
        self._role(actor.ref, actor.role.value)
        counter_id = msg.get("counter_id")
        if not isinstance(counter_id, str) or counter_id not in self.counters:
            raise NotFound("no such counter in this hall", code="unknown_counter")
        if name == "counter_open":
            if actor.role is ActorRole.OFFICER:
                # One officer, one counter: citizens called to a second would wait for
                # someone who is serving at the first (supervisors cover several).
                for cid, state in self.engine.counters_by_id().items():
                    if (
                        cid != counter_id
                        and state.staffed_by == actor.ref
                        and state.status is not CounterStatus.CLOSED
                    ):
                        raise Conflict(
                            f"you staff counter {cid} already; close it first",
                            code="already_staffing",
                        )
            self._officer_takes(counter_id, avatar_id, actor, now)
        elif name == "counter_close":
            self._require_staff(counter_id, actor)
            self.engine.close_counter(counter_id, actor, now)
            self._officers.pop(counter_id, None)
            self._officer_gone_since.pop(counter_id, None)
            # No officer on this counter any more: a bot takes it, when bots are on duty.
            self._staff_with_bots(now)
        elif name == "counter_pause":
            self.engine.pause_counter(counter_id, actor, now)
        elif name == "call_next":
            if self.engine.call_next(counter_id, actor, now) is None:
                self._send(avatar_id, {"type": "queue_empty", "counter_id": counter_id})
        elif name == "recall":
            self.engine.recall(counter_id, actor, now)
        elif name == "call_ticket":
            self.engine.call_out_of_order(
                counter_id, _text(msg, "ticket_id"), actor, _text(msg, "reason"), now
            )
        elif name == "unpark":
            self.engine.unpark(_text(msg, "ticket_id"), actor, now)
        elif name == "park":
            reason = msg.get("reason")
            self.engine.park(
                counter_id,
                actor,
                now,
                reason=reason if isinstance(reason, str) and reason else None,
            )
            self._end_session_at(counter_id, actor.ref, "returned", "parked", now)
        elif name == "transfer":
            current = self.engine.counter(counter_id).ticket_id
            if current is None:
                raise NotFound("no ticket at this counter", code="no_ticket")
            self.engine.transfer(current, _text(msg, "service"), actor, now)
            self._end_session_at(counter_id, actor.ref, "referred", "transferred", now)
        elif name == "priority_review":
            confirmed = msg.get("confirmed")
            if not isinstance(confirmed, bool):
                raise InvalidInput("confirmed must be true or false", code="bad_type")
            self.engine.review_priority(counter_id, confirmed, actor, now)
        elif name == "finish":
            self._finish(counter_id, actor, msg.get("outcome"), msg.get("reason"), now)
        elif name == "submit":
            # checked here: filing goes through the desk, which knows no staffing
            self._require_staff(counter_id, actor)
            self._submit(counter_id, actor.ref, now, by=avatar_id)
        elif name == "documents_shown":
            self._require_staff(counter_id, actor)
            session = self._session_at(counter_id)
            self.desk.show(session.session_id, actor.ref, _ids(msg, "requirements"), now)
            self._tell_session(session)
        self._absorb()
        reply = views.counter_state(counter_id, self.engine.counters_by_id().get(counter_id))
        self._send(avatar_id, views.with_ref(reply, ref))

    def _queues(
        self, avatar_id: int, ident: Identity, counter_id: object, now: float, ref: int | None
    ) -> None:
        """What an officer sees: the counter's state and the queue of its services."""
        if ident.token_role == "supervisor" and counter_id is None:
            ids = list(self._order)
        elif isinstance(counter_id, str) and counter_id in self.counters:
            ids = [counter_id]
        else:
            raise NotFound("no such counter in this hall", code="unknown_counter")
        out = []
        states = self.engine.counters_by_id()
        for cid in ids:
            waiting = [
                views.waiting_entry(self.engine.ticket(tid), now)
                for service in self.counters[cid].services
                for tid in self.engine.order(service, now)
            ]
            state = views.counter_state(cid, states.get(cid))
            del state["type"]
            out.append({**state, "waiting": waiting})
        self._send(avatar_id, views.with_ref({"type": "queues", "counters": out}, ref))

    def _officer_takes(self, counter_id: str, avatar_id: int, actor: Actor, now: float) -> None:
        """An officer takes the counter: from a bot (or, for a supervisor, a colleague).

        A citizen being served stays: the session is handed over with its whole
        case (form so far, documents shown, chat), the officer joins its
        channel and is invited to its call.
        """
        state = self.engine.counters_by_id().get(counter_id)
        services = self.counters[counter_id].services
        if state is None:
            self.engine.open_counter(counter_id, services, actor, now)
        elif state.ticket_id is None:
            held = state.staffed_by or ""
            others = held and not held.startswith("bot:") and held != actor.ref
            if (
                state.status is not CounterStatus.CLOSED
                and others
                and actor.role is not ActorRole.SUPERVISOR
            ):
                raise Forbidden("another officer staffs this counter", code="counter_taken")
            self.engine.open_counter(counter_id, services, actor, now)
        elif state.staffed_by == actor.ref:
            self.engine.open_counter(counter_id, services, actor, now)  # back after a drop
        else:
            self.engine.hand_over_counter(counter_id, actor, now)
            session = self.desk.for_counter(counter_id)
            if session is not None:
                self.desk.hand_over(session.session_id, actor.ref, now)
        self._officers[counter_id] = avatar_id
        self._officer_gone_since.pop(counter_id, None)
        self._held.discard(counter_id)  # an officer opening it ends a supervisor's hold
        self._bot_leaves(counter_id)
        session = self.desk.for_counter(counter_id)
        if session is not None:
            self._staff_joins_session(session, avatar_id, "officer", actor.ref)

    def _officer_back(self, counter_id: str, avatar_id: int, now: float) -> None:
        """An officer who dropped comes back within the grace period: the counter is theirs."""
        self._officers[counter_id] = avatar_id
        self._officer_gone_since.pop(counter_id, None)
        state = self.engine.counter(counter_id)
        self._send(avatar_id, views.counter_state(counter_id, state))
        session = self.desk.for_counter(counter_id)
        if session is not None and state.staffed_by is not None:
            self._staff_joins_session(session, avatar_id, "officer", state.staffed_by)

    def _staff_joins_session(
        self, session: CounterSession, avatar_id: int, kind: str, ref: str
    ) -> None:
        """New staff at a session: into its channel (opened if there was none), onto its call."""
        channel = self._channels.get(session.session_id)
        citizen = self.seat.avatar_of(session.citizen_ref)
        if channel is None and citizen is not None:
            channel = self.seat.open_channel(avatar_id, [citizen])
            self._channels[session.session_id] = channel
        elif channel is not None:
            self.seat.add_to_channel(channel, avatar_id)
        offered = session.session_id in self._calls_offered
        if kind == "bot":
            # No voice with a bot: the officer's call ends with them (docs/protocol.md 13.1).
            if offered:
                self._calls_offered.discard(session.session_id)
                self._out.calls.append(CallClosed(session.session_id, reason="officer_left"))
        elif offered:
            self._out.calls.append(
                CallStaffChanged(session.session_id, CallParty(ref, kind, avatar_id))
            )
        else:
            # A person takes over from a bot (or comes back after a restart): now a call.
            self._offer_call(session, avatar_id)
        self._tell_session(session)

    def _finish(
        self, counter_id: str, actor: Actor, outcome: object, reason: object, now: float
    ) -> None:
        if outcome not in ("served", "referred", "rejected"):
            raise InvalidInput("outcome must be served, referred or rejected", code="bad_value")
        result = Outcome(str(outcome))
        why = reason.strip()[:200] if isinstance(reason, str) and reason.strip() else None
        self.engine.finish(counter_id, actor, result, now, reason=why)
        session = self.desk.for_counter(counter_id)
        if session is not None:
            self.desk.end(session.session_id, actor.ref, result.value, why, now)
            self._close_session(session)

    def _submit(self, counter_id: str, staff_ref: str, now: float, by: int | None) -> Application:
        session = self._session_at(counter_id)
        self._require_verified(session)
        application = self.desk.submit(
            session.session_id,
            staff_ref,
            now,
            today=self._today(now),
            tracking_code=self._new_tracking_code(),
        )
        self._out.applications.append(application)
        # Every application is handed to its back office through the outbox: the
        # application's own status word from now on is "queued" (docs/handoff.md).
        filed = views.application_filed(application, "queued")
        citizen = self.seat.avatar_of(session.citizen_ref)
        if citizen is not None:
            self._send(citizen, filed)
        staff = by if by is not None else self._officers.get(counter_id)
        if staff is not None and staff != citizen:
            self._send(staff, filed)
        return application

    # --------------------------------------------------------------- steps

    def step(self, now: float) -> None:
        """A turn of the floor (the pump runs it twice a second).

        Timeouts, people who went away, arrivals at counters, bots' turns,
        changed wait estimates, the demo crowd and the board, in that order.
        """
        now = self._at(now)
        if self.policy.bots != "always":
            # off_hours: bots come and go with the hours; never (set at run time): a bot
            # that finished its last citizen leaves.
            self._staff_with_bots(now)
        self.engine.tick(now)
        self._watch_officers(now)
        self._watch_citizens(now)
        self._watch_idle_bot_sessions(now)
        for cid in self._order:
            self._turn(self.counters[cid], now)
        self._absorb()
        for ticket_id, estimate in self.engine.estimates_changed(now):
            t = self.engine.ticket(ticket_id)
            avatar = self._citizen_avatar(t)
            if avatar is not None:
                self._send(avatar, views.ticket(t, estimate, self.lanes.spot(t, estimate.position)))
        if self.demo is not None:
            self.demo.step(self.engine, now)
        self._pin_staff()
        self._absorb()
        board = self.board
        if board != self._board:
            self._board = board
            self._out.board = {**board, "updated_at": round(now, 3)}

    def _watch_citizens(self, now: float) -> None:
        """A citizen called or served who is gone (left, or dropped and not back) for
        ``citizen_left_s`` ends with ``citizen_left``: the counter goes on with the next."""
        for state in list(self.engine.counters_by_id().values()):
            if state.ticket_id is None:
                continue
            t = self.engine.ticket(state.ticket_id)
            if t.citizen_ref.startswith("sim:") or t.state not in (
                TicketState.CALLED,
                TicketState.SERVING,
            ):
                continue
            avatar = self.seat.avatar_of(t.citizen_ref)
            if avatar is not None and self.seat.connected(avatar):
                self._absent_since.pop(t.ticket_id, None)
                continue
            since = self._absent_since.setdefault(t.ticket_id, now)
            if now - since < self.policy.citizen_left_s:
                continue
            del self._absent_since[t.ticket_id]
            self.engine.citizen_left(t.ticket_id, now)
            session = self.desk.for_counter(state.counter_id)
            if session is not None and session.ticket_id == t.ticket_id:
                self.desk.end(session.session_id, "system:floor", "citizen_left", None, now)
                self._role("system:floor", "system")
                self._close_session(session)

    def _watch_idle_bot_sessions(self, now: float) -> None:
        """A citizen at a bot's counter who does nothing for ``bot_idle_s`` (nothing else
        ends a guest's session who only asked) is said goodbye to and the session ends
        with ``citizen_left``, reason ``idle``: the counter goes on with the next."""
        for session in list(self.desk.sessions.values()):
            if session.state != "open" or not session.by_bot:
                continue
            if session.citizen_ref.startswith("sim:"):
                continue
            last = max(session.started_at, self._active_at.get(session.session_id, 0.0))
            if now - last < self.policy.bot_idle_s:
                continue
            self._active_at.pop(session.session_id, None)
            self._bot_says(session, self.clerk.goodbye_idle())
            self.engine.citizen_left(session.ticket_id, now)
            self.desk.end(session.session_id, "system:floor", "citizen_left", "idle", now)
            self._role("system:floor", "system")
            self._close_session(session)

    def _watch_officers(self, now: float) -> None:
        """An officer's counter outlives their connection by ``officer_grace_s``; then a
        bot takes it with its session (bots on duty), or it closes and its ticket
        goes back to the queue in its place: nobody waits at a counter no one staffs."""
        for cid, state in list(self.engine.counters_by_id().items()):
            staffed = state.staffed_by
            if staffed is None or staffed.startswith("bot:"):
                continue
            if state.status is CounterStatus.CLOSED:
                continue
            avatar = self._officers.get(cid)
            if avatar is not None and self.seat.connected(avatar):
                self._officer_gone_since.pop(cid, None)
                continue
            since = self._officer_gone_since.setdefault(cid, now)
            if now - since < self.policy.officer_grace_s:
                continue
            del self._officer_gone_since[cid]
            self._officers.pop(cid, None)
            self._role("system:floor", "system")
            if self._bots_on_duty(now):
                bot = self._bot(cid)
                session = self.desk.for_counter(cid)
                self.engine.hand_over_counter(cid, bot, now, officer_gone=True)
                if state.ticket_id is None:
                    self.engine.open_counter(cid, self.counters[cid].services, bot, now)
                bot_avatar = self._spawn_bot(self.counters[cid])
                if session is not None:
                    self.desk.hand_over(session.session_id, bot.ref, now)
                    self._staff_joins_session(session, bot_avatar, "bot", bot.ref)
                    self._bot_says(session, self.clerk.officer_left())
            else:
                session = self.desk.for_counter(cid)
                if session is not None:
                    self.desk.end(
                        session.session_id, "system:floor", "returned", "officer_gone", now
                    )
                    self._close_session(session)
                self.engine.release_counter(cid, now, "officer_gone")

    def _turn(self, counter: Counter, now: float) -> None:
        """Arrivals at this counter, and its bot's turn."""
        state = self.engine.counters_by_id().get(counter.id)
        if state is None or state.status is not CounterStatus.OPEN:
            return
        staffed = state.staffed_by or ""
        by_bot = staffed.startswith("bot:")
        bot = Actor(staffed, ActorRole.BOT)
        ticket = self.engine.ticket(state.ticket_id) if state.ticket_id else None
        if ticket is not None and ticket.state is TicketState.CALLED:
            if self._arrived(ticket, counter):
                actor = bot if by_bot else Actor(staffed, ActorRole.OFFICER)
                self.engine.start_service(counter.id, actor, now)
                self._open_session(counter, self.engine.ticket(ticket.ticket_id), now)
            elif (
                by_bot
                and now - (ticket.recalled_at or ticket.called_at or now)
                > self.policy.recall_after_s
                and ticket.recalls < self.rules.max_recalls
            ):
                self.engine.recall(counter.id, bot, now)
            return
        if not by_bot:
            return
        if ticket is not None and ticket.state is TicketState.SERVING:
            if self.demo is not None and self.demo.finished(ticket.ticket_id, now):
                self.engine.finish(counter.id, bot, Outcome.SERVED, now)
                session = self.desk.for_counter(counter.id)
                if session is not None:
                    self.desk.end(session.session_id, staffed, "served", None, now)
                    self._close_session(session)
            return
        if ticket is None:
            self.engine.call_next(counter.id, bot, now)

    # ------------------------------------------------------------- sessions

    def _open_session(self, counter: Counter, ticket: Ticket, now: float) -> None:
        state = self.engine.counter(counter.id)
        citizen = self.seat.avatar_of(ticket.citizen_ref)
        ident = self.seat.identity_of(citizen) if citizen is not None else None
        verified = ident is not None and ident.token_role == "citizen" and ident.nik is not None
        session = self.desk.start(
            ticket_id=ticket.ticket_id,
            ticket_number=ticket.number or "",
            service=ticket.service,
            counter_id=counter.id,
            citizen_ref=ticket.citizen_ref,
            staffed_by=state.staffed_by or f"bot:{counter.id}",
            now=now,
            applicant_nik=ident.nik if verified and ident is not None else None,
        )
        if ticket.citizen_ref.startswith("sim:") and self.demo is not None:
            self.demo.served(ticket.ticket_id, now)
        staff = self._bots.get(counter.id) if session.by_bot else self._officers.get(counter.id)
        if citizen is not None and staff is not None:
            self._channels[session.session_id] = self.seat.open_channel(staff, [citizen])
        if not session.by_bot:
            self._offer_call(session, staff)
        self._tell_session(session)
        if session.by_bot and not ticket.citizen_ref.startswith("sim:"):
            self._bot_says(session, self.clerk.greet(session, nik_verified=verified))

    def _offer_call(self, session: CounterSession, staff: int | None) -> None:
        """A person staffs the session: offer the citizen a call (consent asked first).

        Only a person talks: with a bot the citizen is never invited, so nobody is
        asked to speak to no one, and nothing is recorded (issue 11).
        """
        citizen = self.seat.avatar_of(session.citizen_ref)
        if citizen is None or session.citizen_ref.startswith("sim:"):
            return
        self._calls_offered.add(session.session_id)
        self._out.calls.append(
            CallOpened(
                session.session_id,
                session.ticket_id,
                session.counter_id,
                CallParty(session.citizen_ref, "citizen", citizen),
                CallParty(session.staffed_by, "officer", staff),
            )
        )

    def _close_session(self, session: CounterSession) -> None:
        if session.session_id in self._calls_offered:
            self._calls_offered.discard(session.session_id)
            self._out.calls.append(CallClosed(session.session_id))
        self._out.sessions[session.session_id] = session
        channel = self._channels.pop(session.session_id, None)
        if channel is not None:
            self.seat.close_channel(channel)
        citizen = self.seat.avatar_of(session.citizen_ref)
        ended = self._ended_for_citizen(session)
        if citizen is not None and self.seat.connected(citizen):
            self._send(citizen, ended)
        elif "survey_token" in ended:
            self._keep_unsent(session.citizen_ref, ended, session.ended_at or session.started_at)
        staff = self._officers.get(session.counter_id)
        if staff is not None and staff != citizen:
            self._send(staff, views.session_ended(session))

    def _keep_unsent(self, citizen_ref: str, ended: Message, now: float) -> None:
        """Keep a ``session_ended`` the citizen could not get (bounded in time and count;
        only the latest per citizen: one survey waits, the newest)."""
        kept = self._unsent_ended
        kept.pop(citizen_ref, None)
        kept[citizen_ref] = (ended, now + UNSENT_ENDED_KEEP_S)
        while len(kept) > UNSENT_ENDED_MAX:  # the oldest first: a dict keeps insertion order
            del kept[next(iter(kept))]

    def _ended_for_citizen(self, session: CounterSession) -> Message:
        """``session_ended``, with the survey's one-time token when the service finished
        (served, filed, referred, rejected): only the citizen gets it, never the staff."""
        message = views.session_ended(session)
        # A transfer is not a finished service: the survey comes after the one it went to.
        finished = session.outcome in SURVEYED_OUTCOMES and session.reason != "transferred"
        if self._survey is not None and finished and not session.citizen_ref.startswith("sim:"):
            token = self._survey(session)
            if token is not None:
                message["survey_token"] = token
        return message

    def _end_session_at(
        self, counter_id: str, actor: str, outcome: str, reason: str, now: float
    ) -> None:
        """The ticket left the counter (parked, transferred): its session ends with it."""
        session = self.desk.for_counter(counter_id)
        if session is not None:
            self.desk.end(session.session_id, actor, outcome, reason, now)
            self._close_session(session)

    def _bot_try_submit(self, session: CounterSession, now: float) -> None:
        if not self.clerk.can_file(session):
            self._bot_says(session, self.clerk.needs_officer(session, now))
            return
        if not session.verified:
            self._bot_says(session, self.clerk.sign_in_needed())
            return
        try:
            application = self._submit(session.counter_id, session.staffed_by, now, by=None)
        except MissingDocuments as exc:
            self._bot_says(session, self.clerk.missing_documents(session, exc.requirements))
            return
        except HallError:
            return  # the form is not complete yet: the citizen was told field by field
        self._bot_says(session, self.clerk.after_submit(application, now))
        self.engine.finish(
            session.counter_id, Actor(session.staffed_by, ActorRole.BOT), Outcome.SERVED, now
        )
        outcome = "served" if application.status == "completed" else "filed"
        self.desk.end(session.session_id, session.staffed_by, outcome, None, now)
        self._close_session(session)

    def _bot_says(self, session: CounterSession, lines: list[Said]) -> None:
        channel = self._channels.get(session.session_id)
        bot = self._bots.get(session.counter_id)
        for line in lines:
            if session.state == "open":
                self.desk.say(session.session_id, "bot", line["id"], self.engine_now)
            if channel is not None and bot is not None:
                self._out.chats.append(
                    self.seat.say(bot, channel, line["id"][:500], line["en"][:500])
                )

    # ------------------------------------------------------------ documents

    def document_session(self, session_id: str, subject: str, requirement: str) -> CounterSession:
        """The open session ``subject`` uploads a document for ``requirement`` to.

        Checked before the file is read or stored, and again when it is added.
        Someone else's session answers as one that does not exist.
        """
        session = self.desk.sessions.get(session_id)
        if session is None or session.state != "open" or session.citizen_ref != subject:
            raise NotFound("no open counter session of yours with this id", code="unknown_session")
        self._require_verified(session)
        return self.desk.check_requirement(session_id, requirement)

    def document_added(
        self, session_id: str, subject: str, document: Mapping[str, Any], now: float
    ) -> None:
        """A stored upload joins its session: the requirement counts as shown (as with
        ``documents_show``), citizen and staff get the session, and a bot files when the
        case is complete."""
        now = self._at(now)
        session = self.document_session(session_id, subject, str(document["requirement"]))
        self.desk.add_document(session_id, subject, document, now)
        self._role(subject, "citizen")
        self._tell_session(session)
        if session.by_bot:
            self._bot_try_submit(session, now)

    def may_view_documents(self, session_id: str, subject: str, role: str) -> bool:
        """Staff who may open this session's documents: a supervisor, or the officer
        staffing the open session now."""
        if role == "supervisor":
            return True
        session = self.desk.sessions.get(session_id)
        return (
            role == "officer"
            and session is not None
            and session.state == "open"
            and session.staffed_by == subject
        )

    def channel_chat(self, channel: str, speaker_avatar: int, text: str, now: float) -> None:
        """A person's line in a counter session's channel goes into its transcript."""
        now = self._at(now)
        session_id = next((s for s, c in self._channels.items() if c == channel), None)
        if session_id is None or session_id not in self.desk.sessions:
            return
        session = self.desk.sessions[session_id]
        if session.state != "open":
            return
        speaker = "citizen"
        if speaker_avatar != self.seat.avatar_of(session.citizen_ref):
            speaker = "officer"
        else:
            self._active_at[session_id] = now
        self.desk.say(session_id, speaker, text, now)
        self._out.sessions[session_id] = session
        if speaker == "citizen" and session.by_bot:
            # With a bot the page says "the assistant answers in the chat": it does.
            self._bot_says(session, self.clerk.answer(session, text))

    # ---------------------------------------------------------- supervisors

    @property
    def held(self) -> frozenset[str]:
        """The counters a supervisor closed (no bot staffs them)."""
        return frozenset(self._held)

    def preset_staffing(self, *, bots: str | None, held: Iterable[str]) -> None:
        """Before :meth:`restore`: the supervisors' run-time choices, from the audit log."""
        if bots is not None:
            self.policy = dataclasses.replace(self.policy, bots=bots)
        self._held = {cid for cid in held if cid in self.counters}

    def staff_names(self) -> dict[str, str]:
        """Counter id -> display name of the officer staffing it (connected or in grace)."""
        names = {}
        for cid, avatar in self._officers.items():
            try:
                names[cid] = self.seat.identity_of(avatar).display_name
            except HallError:
                continue  # the avatar has left: the name is looked up elsewhere
        return names

    def supervisor_close(self, counter_id: str, actor: Actor, now: float) -> None:
        """A supervisor closes a counter remotely; no bot takes it until it is opened again.

        A counter holding a ticket cannot close (``counter_busy``): finish, park or
        transfer first. An officer staffing it is told (``counter_state``).
        """
        now = self._at(now)
        if counter_id not in self.counters:
            raise NotFound("no such counter in this hall", code="unknown_counter")
        state = self.engine.counters_by_id().get(counter_id)
        if state is not None and state.ticket_id is not None:
            raise Conflict("finish, park or transfer the current ticket first", code="counter_busy")
        self._role(actor.ref, actor.role.value)
        if state is not None and state.status is not CounterStatus.CLOSED:
            self.engine.close_counter(counter_id, actor, now)
        self._held.add(counter_id)
        self._bot_leaves(counter_id)
        self._officer_gone_since.pop(counter_id, None)
        officer = self._officers.pop(counter_id, None)
        self._absorb()
        if officer is not None:
            self._send(
                officer,
                views.counter_state(counter_id, self.engine.counters_by_id().get(counter_id)),
            )

    def supervisor_open(self, counter_id: str, now: float) -> None:
        """A supervisor opens a counter remotely: the hold ends and, when bots are on
        duty, a bot staffs it at once; otherwise it waits for an officer."""
        now = self._at(now)
        if counter_id not in self.counters:
            raise NotFound("no such counter in this hall", code="unknown_counter")
        self._held.discard(counter_id)
        self._staff_with_bots(now)
        self._absorb()

    def set_bots(self, bots: str, now: float) -> None:
        """When bots staff the counters no officer staffs, from now on (``always``,
        ``off_hours``, ``never``; ``bad_value`` otherwise). A bot serving a citizen
        finishes first."""
        now = self._at(now)
        self.policy = dataclasses.replace(self.policy, bots=bots)
        self._staff_with_bots(now)
        self._absorb()

    # --------------------------------------------------------------- bots

    def _bots_on_duty(self, now: float) -> bool:
        if self.policy.bots == "off_hours":
            return not self.clerk.hours.is_open(now)
        return self.policy.bots == "always"

    def _staff_with_bots(self, now: float, *, restarting: bool = False) -> None:
        """Bots take the idle counters nobody staffs, or leave them when not on duty."""
        on_duty = self._bots_on_duty(now)
        for cid in self._order:
            if cid in self._held:
                continue
            counter = self.counters[cid]
            state = self.engine.counters_by_id().get(cid)
            if state is not None and state.ticket_id is not None and not restarting:
                continue  # mid-service: whoever staffs it carries on
            staffed = (state.staffed_by or "") if state is not None else ""
            bot_held = state is not None and staffed.startswith("bot:")
            is_open = state is not None and state.status is CounterStatus.OPEN
            busy = state is not None and state.ticket_id is not None
            if on_duty and not busy and (not is_open or (restarting and not bot_held)):
                # After a restart nobody is signed in yet: a bot staffs every idle counter.
                self.engine.open_counter(cid, counter.services, self._bot(cid), now)
                self._spawn_bot(counter)
            elif on_duty and bot_held:
                self._spawn_bot(counter)
            elif not on_duty and bot_held and is_open and not busy:
                self.engine.close_counter(cid, self._bot(cid), now)
                self._bot_leaves(cid)

    def _bot(self, counter_id: str) -> Actor:
        return Actor(f"bot:{counter_id}", ActorRole.BOT)

    def _spawn_bot(self, counter: Counter) -> int:
        existing = self._bots.get(counter.id)
        if existing is not None and self.seat.connected(existing):
            return existing
        hx, hy = heading(counter.facing_deg)
        at = (counter.position[0] - hx * 1.8, counter.position[1] - hy * 1.8, counter.facing_deg)
        ident = Identity(f"bot:{counter.id}", Role.BOT, f"Asisten {counter.id}", token_role="bot")
        avatar = self.seat.spawn_bot(ident, self._bot_look, at)
        self._bots[counter.id] = avatar
        return avatar

    def _bot_leaves(self, counter_id: str) -> None:
        avatar = self._bots.pop(counter_id, None)
        if avatar is not None:
            self.seat.remove(avatar)

    # ------------------------------------------------------------ the demo

    def _pin_staff(self) -> None:
        """A citizen always sees the staff of the counter they are called to or served
        at, or, while waiting, of the open counters that serve their service, however
        crowded the hall (the bounded view shows only the nearest otherwise)."""
        states = self.engine.counters_by_id()
        wanted: dict[int, tuple[int, ...]] = {}
        for t in self.engine.live_tickets():
            avatar = self._citizen_avatar(t)
            if avatar is None:
                continue
            if t.state in (TicketState.CALLED, TicketState.SERVING) and t.counter_id:
                counters = [t.counter_id]
            elif t.state is TicketState.WAITING:
                counters = [
                    cid
                    for cid, c in self.counters.items()
                    if t.service in c.services
                    and (s := states.get(cid)) is not None
                    and s.status is CounterStatus.OPEN
                ]
            else:
                continue
            staff = {a for cid in counters if (a := self._staff_avatar(cid)) is not None}
            wanted[avatar] = tuple(sorted(staff | set(wanted.get(avatar, ()))))
        for avatar in self._pins.keys() - wanted.keys():
            self.seat.pin(avatar, ())
        for avatar, pins in wanted.items():
            if self._pins.get(avatar) != pins:
                self.seat.pin(avatar, pins)
        self._pins = wanted

    def _staff_avatar(self, counter_id: str) -> int | None:
        state = self.engine.counters_by_id().get(counter_id)
        if state is None or state.staffed_by is None:
            return None
        if state.staffed_by.startswith("bot:"):
            return self._bots.get(counter_id)
        return self._officers.get(counter_id)

    # ------------------------------------------------------------- telling

    def _absorb(self, replying: tuple[int, str] | None = None) -> None:
        """Move the cores' events into the batch; tell citizens whose tickets changed.

        ``replying`` (avatar, ticket id): that client gets the ticket as a reply
        instead, so it is told once.
        """
        queue_events = self.engine.events_to_send()
        desk_events = self.desk.events_to_send()
        self._out.queue_events.extend(queue_events)
        self._out.desk_events.extend(desk_events)
        for e in desk_events:
            session = self.desk.sessions.get(e.session_id)
            if session is not None:
                self._out.sessions[e.session_id] = session
        latest: dict[str, Ticket] = {}
        for event in queue_events:
            if event.ticket is not None:
                latest[event.ticket.ticket_id] = event.ticket
                if event.kind.value in ("called", "called_out_of_order", "recalled"):
                    self._tell_called(event.ticket)
        for t in latest.values():
            avatar = self._citizen_avatar(t)
            if avatar is not None and (avatar, t.ticket_id) != replying:
                self._send(avatar, self._ticket_json(t))

    def _reply_ticket(self, avatar_id: int, ticket: Ticket, ref: int | None) -> None:
        self._absorb(replying=(avatar_id, ticket.ticket_id))
        current = self.engine.ticket(ticket.ticket_id)
        self._send(avatar_id, views.with_ref(self._ticket_json(current), ref))

    def _ticket_json(self, t: Ticket) -> dict[str, Any]:
        if t.state is TicketState.WAITING:
            est = self.engine.estimate(t.ticket_id, self.engine_now)
            return views.ticket(t, est, self.lanes.spot(t, est.position))
        return views.ticket(t)

    def _tell_called(self, t: Ticket) -> None:
        avatar = self._citizen_avatar(t)
        if avatar is not None and t.counter_id is not None:
            self._send(avatar, views.called(t, self.counters[t.counter_id]))

    def _tell_session(self, session: CounterSession, *, to_citizen: bool = True) -> None:
        citizen = self.seat.avatar_of(session.citizen_ref)
        if to_citizen and citizen is not None and not session.citizen_ref.startswith("sim:"):
            self._send(citizen, self._session_json(session, for_staff=False))
        staff = self._officers.get(session.counter_id)
        if staff is not None and staff != citizen:
            self._send(staff, self._session_json(session, for_staff=True))

    def _session_json(self, session: CounterSession, *, for_staff: bool) -> dict[str, Any]:
        call = self.calls.call_of(session.session_id) if self.calls is not None else None
        return views.session(
            session,
            self.catalogue,
            self.desk.checklist(session.session_id) if session.state == "open" else [],
            channel=self._channels.get(session.session_id),
            call=call,
            for_staff=for_staff,
            verified=session.verified,
            on_behalf_filings=self._on_behalf_counts.get(session.citizen_ref, 0),
            citizen_name=self._display_name(session.citizen_ref) if for_staff else None,
        )

    def _display_name(self, citizen_ref: str) -> str | None:
        avatar = self.seat.avatar_of(citizen_ref)
        return None if avatar is None else self.seat.identity_of(avatar).display_name

    def _send(self, avatar_id: int, message: dict[str, Any]) -> None:
        self._out.messages.append((avatar_id, message))

    def _role(self, ref: str, role: str) -> None:
        self._out.actor_roles[ref] = role

    # ------------------------------------------------------------- helpers

    def _citizen_avatar(self, t: Ticket) -> int | None:
        if t.citizen_ref.startswith("sim:"):
            return None
        return self.seat.avatar_of(t.citizen_ref)

    def _live_ticket(self, subject: str, service: str) -> Ticket | None:
        return self.engine.live_ticket(subject, service)

    def _arrived(self, ticket: Ticket, counter: Counter) -> bool:
        avatar = self.seat.avatar_of(ticket.citizen_ref)
        if avatar is None:
            return False
        x, y = self.seat.position(avatar)
        return math.hypot(x - counter.position[0], y - counter.position[1]) <= self.policy.arrived_m

    def _today(self, now: float) -> Any:
        return local_day(now, self.rules.utc_offset_s)

    def _require_staff(self, counter_id: str, actor: Actor) -> None:
        state = self.engine.counter(counter_id)
        if state.staffed_by != actor.ref and actor.role is not ActorRole.SUPERVISOR:
            raise Forbidden("you do not staff this counter", code="wrong_counter")

    def _require_verified(self, session: CounterSession) -> None:
        if not session.verified:
            raise Forbidden(
                "sign in with your NIK and a one-time code to file; a guest may only ask",
                code="sign_in_required",
            )

    def _session_at(self, counter_id: str) -> CounterSession:
        session = self.desk.for_counter(counter_id)
        if session is None:
            raise NotFound("no counter session at this counter", code="unknown_session")
        return session

    def _citizen_session(self, ident: Identity) -> CounterSession:
        session = self.desk.for_citizen(ident.subject)
        if session is None:
            raise NotFound("you are not in a counter session", code="unknown_session")
        return session


def _priority(raw: object, ident: Identity) -> Priority:
    if raw is None or raw == "regular":
        return Priority.REGULAR
    if not isinstance(raw, str):
        raise InvalidInput("priority must be a string", code="bad_type")
    try:
        prio = Priority(raw)
    except ValueError:
        names = ", ".join(p.value for p in Priority)
        raise InvalidInput(f"priority must be one of {names}", code="bad_value") from None
    if prio is Priority.ELDERLY and not ident.elderly:
        # Checked, not declared: the NIK's birth date decides (signed in with a NIK).
        raise Forbidden(
            "the elderly priority is for citizens 60 or older by their NIK", code="not_elderly"
        )
    return prio


def _ref(msg: Mapping[str, Any]) -> int | None:
    seq = msg.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


def _id(msg: Mapping[str, Any], key: str) -> str:
    value = msg.get(key)
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be a string", code="bad_type")
    return value


def _text(msg: Mapping[str, Any], key: str) -> str:
    value = msg.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{key} must be a non-empty string", code="bad_type")
    return value.strip()[:200]


def _ids(msg: Mapping[str, Any], key: str) -> list[str]:
    value = msg.get(key)
    if not isinstance(value, list) or len(value) > 64 or not all(isinstance(r, str) for r in value):
        raise InvalidInput(f"{key} must be a list of ids", code="bad_type")
    return list(value)


__all__ = ["APPLICANT_NIK", "BOT_POLICIES", "Floor", "FloorPolicy"]
