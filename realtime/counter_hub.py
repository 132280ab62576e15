"""The counters of a running hall: queue engine, counter sessions and bots, at the edge.

:class:`CounterHub` pumps between the hall's clients and the pure cores
(:class:`counters.queue.QueueEngine`, :class:`counters.desk.Desk`,
:class:`counters.bot.BotClerk`). Every operation runs under one lock: apply it
to the cores, write the drained events to the store (one transaction), then
tell the clients concerned. A counter with no officer is staffed by a bot, so
the hall serves around the clock. A loop (2 per second) notices citizens
arriving at the counter they were called to, lets bots call, recall and
serve, pushes changed wait estimates, and keeps the "now serving" board.

Time here is wall-clock Unix time: tickets outlive the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import time
from collections.abc import Callable
from typing import Any

from avatars.crowd import Crowd
from avatars.model import Appearance, Identity, Role
from counters.bot import BotClerk
from counters.catalogue import Catalogue
from counters.desk import Application, CounterSession, Desk
from counters.queue import QueueEngine
from counters.tickets import (
    Actor,
    ActorRole,
    CounterStatus,
    Outcome,
    Priority,
    QueueRules,
    Ticket,
    TicketState,
    local_day,
)
from hall_server.errors import Forbidden, InvalidInput, NotFound
from realtime.bus import Bus
from realtime.calls.manager import CallManager
from realtime.calls.model import Party
from realtime.hall import Hall
from scenes.model import Counter, Point, Scene, heading

log = logging.getLogger(__name__)

BOT_POLICIES = ("always", "off_hours", "never")
#: A citizen this close to the service point has arrived at the counter.
ARRIVED_M = 1.6
#: A bot recalls a called citizen who has not arrived after this long.
RECALL_AFTER_S = 90.0
#: How long a bot serves a simulated demo citizen.
SIM_SERVICE_S = (12.0, 30.0)


class CounterHub:
    """One hall's counters; see the module docstring for the call order."""

    def __init__(
        self,
        hall: Hall,
        scene: Scene,
        catalogue: Catalogue,
        *,
        store: Any,
        bus: Bus,
        rules: QueueRules,
        clerk: BotClerk,
        crowd: Crowd | None = None,
        clock: Callable[[], float] = time.time,
        flush: Callable[[], None] = lambda: None,
        bots: str = "always",
        sim_ticket_chance: float = 0.01,
    ) -> None:
        self.hall = hall
        self.scene = scene
        self.catalogue = catalogue
        self.store = store
        self.bus = bus
        self.rules = rules
        self.clerk = clerk
        self.crowd = crowd
        self.clock = clock
        self.flush = flush
        if bots not in BOT_POLICIES:
            raise InvalidInput(f"bots must be one of {', '.join(BOT_POLICIES)}", code="bad_value")
        #: When bots staff counters that no officer staffs: always, off_hours or never.
        self.bots = bots
        #: Chance per step that an idle simulated citizen takes a number (0.01: about
        #: once in 50 s), so the demo's queues visibly move.
        self.sim_ticket_chance = sim_ticket_chance
        self.engine = QueueEngine(rules, new_id=_new_id)
        self.desk = Desk(catalogue, new_id=_new_id)
        self.counters = {c.id: c for c in scene.counters}
        self.lock = asyncio.Lock()
        self.board_topic = f"hall.{hall.hall_id}.board"
        self.board: dict[str, Any] = {}
        self._bots: dict[str, int] = {}  # counter id -> bot avatar id
        self._officers: dict[str, int] = {}  # counter id -> officer avatar id
        self._channels: dict[str, str] = {}  # session id -> private channel
        self._sim_tickets: dict[int, str] = {}  # sim avatar id -> ticket id
        self._sim_done_at: dict[str, float] = {}  # ticket id -> when its bot finishes it
        self._sim_goals: dict[int, Point] = {}  # sim avatar id -> where it was sent
        self._lanes = self._assign_lanes()
        self._task: asyncio.Task[None] | None = None
        #: Voice at the counter: told when a session opens, changes hands and closes.
        self.calls: CallManager | None = None

    # ------------------------------------------------------------- lifecycle

    async def start(self, restored: Any | None) -> None:
        """Restore the queues from the store, then staff every idle counter with a bot."""
        now = self.clock()
        if restored is not None and (restored.tickets or restored.counters):
            self.engine = QueueEngine.restore(
                self.rules, restored.tickets, restored.counters, now, new_id=_new_id
            )
            for session in restored.sessions:
                self.desk.restore(session)
        async with self.lock:
            await self._staff_with_bots(now, restarting=True)
        self._task = asyncio.create_task(self._loop(), name=f"counters:{self.hall.hall_id}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # ------------------------------------------------------------ citizens

    async def take_ticket(
        self, avatar_id: int, service: object, priority: object, appointment_at: object = None
    ) -> None:
        """A walk-in number, or a booked appointment when ``appointment_at`` (Unix s) is given."""
        ident = self.hall.identity_of(avatar_id)
        if ident.role is not Role.CITIZEN:
            raise Forbidden("only citizens take a number")
        if not isinstance(service, str):
            raise InvalidInput("service must be a service code", code="bad_type")
        self.catalogue.service(service)  # unknown_service
        prio = _priority(priority, ident)
        at: float | None = None
        if appointment_at is not None:
            if isinstance(appointment_at, bool) or not isinstance(appointment_at, int | float):
                raise InvalidInput("appointment_at must be a Unix time in seconds", code="bad_type")
            if (
                not math.isfinite(appointment_at)
                or not 0 < appointment_at - self.clock() < 90 * 86400
            ):
                raise InvalidInput(
                    "appointment_at must be within the next 90 days", code="out_of_range"
                )
            at = float(appointment_at)
        async with self.lock:
            ticket = self.engine.take_ticket(ident.subject, service, prio, self.clock(), at)
            await self._commit()
        self._tell_ticket(ticket)

    async def check_in(self, avatar_id: int, ticket_id: object) -> None:
        """The citizen of a booking arrives: the booking joins the live queue."""
        ident = self.hall.identity_of(avatar_id)
        if not isinstance(ticket_id, str):
            raise InvalidInput("ticket_id must be a string", code="bad_type")
        async with self.lock:
            if self.engine.ticket(ticket_id).citizen_ref != ident.subject:
                raise Forbidden("this is not your ticket", code="not_your_ticket")
            self.engine.check_in(ticket_id, self.clock())
            await self._commit()

    async def cancel_ticket(self, avatar_id: int, ticket_id: object) -> None:
        ident = self.hall.identity_of(avatar_id)
        if not isinstance(ticket_id, str):
            raise InvalidInput("ticket_id must be a string", code="bad_type")
        async with self.lock:
            ticket = self.engine.cancel(ticket_id, ident.subject, self.clock())
            await self._commit()
        self._tell_ticket(ticket)

    def tell_tickets(self, avatar_id: int) -> None:
        """On (re)join: where each of this person's tickets stands."""
        subject = self.hall.identity_of(avatar_id).subject
        for ticket in self.engine.tickets():
            if ticket.citizen_ref == subject and not ticket.state.is_final:
                self._tell_ticket(ticket)
        session = self.desk.for_citizen(subject)
        if session is not None:
            self._tell_session(session, avatar_id)

    # ------------------------------------------------------------- officers

    async def officer_action(self, avatar_id: int, action: str, msg: dict[str, Any]) -> None:
        """Counter operations by an officer or supervisor over the hall socket."""
        ident = self.hall.identity_of(avatar_id)
        if ident.token_role not in ("officer", "supervisor"):
            raise Forbidden("only officers and supervisors operate counters")
        actor = Actor(ident.subject, ActorRole(ident.token_role))
        counter_id = msg.get("counter_id")
        if not isinstance(counter_id, str) or counter_id not in self.counters:
            raise NotFound("no such counter in this hall", code="unknown_counter")
        now = self.clock()
        async with self.lock:
            if action == "counter_open":
                await self._officer_takes(counter_id, avatar_id, actor, now)
            elif action == "counter_close":
                self._require_staff(counter_id, actor)
                self.engine.close_counter(counter_id, actor, now)
                self._officers.pop(counter_id, None)
                await self._commit()
                # No officer on this counter any more: a bot takes it, when bots are on duty.
                await self._staff_with_bots(now)
            elif action == "counter_pause":
                self.engine.pause_counter(counter_id, actor, now)
            elif action == "call_next":
                ticket = self.engine.call_next(counter_id, actor, now)
                if ticket is None:
                    self.hall.send(avatar_id, {"type": "queue_empty", "counter_id": counter_id})
            elif action == "recall":
                self.engine.recall(counter_id, actor, now)
            elif action == "call_ticket":
                self.engine.call_out_of_order(
                    counter_id, _str(msg, "ticket_id"), actor, _str(msg, "reason"), now
                )
            elif action == "unpark":
                self.engine.unpark(_str(msg, "ticket_id"), actor, now)
            elif action == "park":
                self.engine.park(counter_id, actor, now, reason=msg.get("reason") or None)
            elif action == "transfer":
                current = self.engine.counter(counter_id).ticket_id
                if current is None:
                    raise NotFound("no ticket at this counter", code="no_ticket")
                self.engine.transfer(current, _str(msg, "service"), actor, now)
            elif action == "finish":
                await self._finish(counter_id, actor, _str(msg, "outcome"), msg.get("reason"), now)
            elif action == "submit":
                await self._submit(counter_id, actor.ref, now)
            elif action == "documents_shown":
                session = self._session_at(counter_id)
                reqs = msg.get("requirements")
                if not isinstance(reqs, list) or not all(isinstance(r, str) for r in reqs):
                    raise InvalidInput("requirements must be a list of ids", code="bad_type")
                self.desk.show(session.session_id, actor.ref, reqs, now)
                self._tell_session(session)
            else:
                raise InvalidInput(f"unknown counter action {action!r}", code="unknown_type")
            await self._commit()
        self.hall.send(avatar_id, {"type": "counter_state", **self._counter_json(counter_id)})

    def counter_queue(self, avatar_id: int, counter_id: object) -> None:
        """What an officer sees: the counter's state and the queue of its services."""
        ident = self.hall.identity_of(avatar_id)
        if ident.token_role not in ("officer", "supervisor"):
            raise Forbidden("only staff see the queues")
        now = self.clock()
        ids = list(self.counters) if ident.token_role == "supervisor" else [str(counter_id)]
        out = []
        for cid in ids:
            if cid not in self.counters:
                raise NotFound("no such counter in this hall", code="unknown_counter")
            waiting = []
            for service in self.counters[cid].services:
                for tid in self.engine.order(service, now):
                    t = self.engine.ticket(tid)
                    waiting.append(
                        {
                            "ticket_id": tid,
                            "number": t.number,
                            "service": t.service,
                            "priority": t.priority.value,
                            "waited_s": round(now - t.issued_at),
                        }
                    )
            out.append({**self._counter_json(cid), "waiting": waiting})
        self.hall.send(avatar_id, {"type": "queues", "counters": out})

    # ---------------------------------------------------- counter sessions

    async def form_update(self, avatar_id: int, fields: object) -> None:
        ident = self.hall.identity_of(avatar_id)
        session = self._session_of(avatar_id, ident)
        if not isinstance(fields, dict):
            raise InvalidInput("fields must be an object", code="bad_type")
        now = self.clock()
        async with self.lock:
            errors = self.desk.update_form(
                session.session_id,
                ident.subject,
                fields,
                today=local_day(now, self.rules.utc_offset_s),
                now=now,
            )
            await self._commit()
        self.hall.send(
            avatar_id,
            {
                "type": "form_result",
                "session_id": session.session_id,
                "errors": errors,
                "form_keys": sorted(session.form),
            },
        )
        if session.by_bot:
            await self._bot_says(session, self.clerk.explain_errors(errors))
            if not errors:
                await self._bot_try_submit(session)

    async def show_documents(self, avatar_id: int, requirements: object) -> None:
        """The citizen shows (uploads) documents in their counter session."""
        ident = self.hall.identity_of(avatar_id)
        session = self._session_of(avatar_id, ident)
        if not isinstance(requirements, list) or not all(isinstance(r, str) for r in requirements):
            raise InvalidInput("requirements must be a list of ids", code="bad_type")
        now = self.clock()
        async with self.lock:
            self.desk.show(session.session_id, ident.subject, requirements, now)
            await self._commit()
        self._tell_session(session)
        if session.by_bot:
            await self._bot_try_submit(session)

    async def on_channel_chat(self, channel: str, sender: int, text: str, ts: float) -> None:
        """A line said in a counter session's private channel goes into its transcript."""
        session_id = next((s for s, c in self._channels.items() if c == channel), None)
        if session_id is None or session_id not in self.desk.sessions:
            return
        session = self.desk.sessions[session_id]
        speaker = self.hall.identity_of(sender).role.value if self.hall.has(sender) else "citizen"
        async with self.lock:
            if session.state == "open":
                self.desk.say(session_id, speaker, text, self.clock())
                await self._commit()

    # ----------------------------------------------------------------- loop

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            try:
                await self.step()
            except Exception:
                log.exception("counter step failed", extra={"hall": self.hall.hall_id})

    def _bots_on_duty(self, now: float) -> bool:
        if self.bots == "off_hours":
            return not self.clerk.hours.is_open(now)
        return self.bots == "always"

    async def _staff_with_bots(self, now: float, *, restarting: bool = False) -> None:
        """Bots take the idle counters nobody staffs, or leave them when not on duty."""
        on_duty = self._bots_on_duty(now)
        for counter in self.scene.counters:
            state = self.engine.counters_by_id().get(counter.id)
            staffed = (state.staffed_by or "") if state is not None else ""
            if state is not None and state.ticket_id is not None:
                continue  # mid-service: whoever staffs it carries on
            bot_held = state is not None and staffed.startswith("bot:")
            is_open = state is not None and state.status is CounterStatus.OPEN
            if on_duty and (not is_open or (restarting and not bot_held)):
                # After a restart nobody is signed in yet: a bot staffs every idle counter.
                self.engine.open_counter(counter.id, counter.services, self._bot(counter.id), now)
                self._spawn_bot(counter)
            elif on_duty and bot_held:
                self._spawn_bot(counter)
            elif not on_duty and bot_held and is_open:
                self.engine.close_counter(counter.id, self._bot(counter.id), now)
                bot_avatar = self._bots.pop(counter.id, None)
                if bot_avatar is not None and self.hall.has(bot_avatar):
                    self.hall.leave(bot_avatar)
        await self._commit()

    async def step(self) -> None:
        """Arrivals, bots, timeouts, estimates and the board."""
        now = self.clock()
        async with self.lock:
            if self.bots == "off_hours":
                await self._staff_with_bots(now)
            self.engine.tick(now)
            await self._commit()
            for counter in self.scene.counters:
                await self._bot_turn(counter, now)
            await self._commit()
            for ticket_id, estimate in self.engine.estimates_changed(now):
                self._tell_ticket(self.engine.ticket(ticket_id), estimate=estimate)
            self._sims(now)
        await self._publish_board(now)
        self.flush()

    async def _bot_turn(self, counter: Counter, now: float) -> None:
        state = self.engine.counters_by_id().get(counter.id)
        if state is None:
            return
        staffed = state.staffed_by or ""
        if state.status is not CounterStatus.OPEN:
            return
        bot = Actor(staffed, ActorRole.BOT)
        ticket = self.engine.ticket(state.ticket_id) if state.ticket_id else None
        if ticket is not None and ticket.state is TicketState.CALLED:
            if self._arrived(ticket, counter):
                actor = bot if staffed.startswith("bot:") else Actor(staffed, ActorRole.OFFICER)
                self.engine.start_service(counter.id, actor, now)
                await self._commit()
                await self._open_session(counter, self.engine.ticket(ticket.ticket_id), now)
            elif (
                staffed.startswith("bot:")
                and now - (ticket.recalled_at or ticket.called_at or now) > RECALL_AFTER_S
                and ticket.recalls < self.rules.max_recalls
            ):
                self.engine.recall(counter.id, bot, now)
            return
        if not staffed.startswith("bot:"):
            return
        if ticket is not None and ticket.state is TicketState.SERVING:
            done_at = self._sim_done_at.get(ticket.ticket_id)
            if done_at is not None and now >= done_at:
                self.engine.finish(counter.id, bot, Outcome.SERVED, now)
                self._sim_done_at.pop(ticket.ticket_id, None)
                session = self.desk.for_counter(counter.id)
                if session is not None:
                    self.desk.end(session.session_id, staffed, "served", None, now)
                    await self._close_session(session)
            return
        if ticket is None:
            called = self.engine.call_next(counter.id, bot, now)
            if called is not None:
                await self._commit()

    # ------------------------------------------------------------- internals

    async def _officer_takes(
        self, counter_id: str, avatar_id: int, actor: Actor, now: float
    ) -> None:
        """An officer takes the counter: from a bot (or, for a supervisor, a colleague).

        A citizen being served stays: the session is handed over with its whole
        case (form so far, documents shown, chat) and the officer joins its channel.
        """
        state = self.engine.counters_by_id().get(counter_id)
        if state is None:
            self.engine.open_counter(counter_id, self.counters[counter_id].services, actor, now)
        elif state.ticket_id is None:
            held = state.staffed_by or ""
            others = held and not held.startswith("bot:") and held != actor.ref
            if (
                state.status is not CounterStatus.CLOSED
                and others
                and actor.role is not ActorRole.SUPERVISOR
            ):
                raise Forbidden("another officer staffs this counter", code="counter_taken")
            self.engine.open_counter(counter_id, self.counters[counter_id].services, actor, now)
        else:
            self.engine.hand_over_counter(counter_id, actor, now)
            session = self.desk.for_counter(counter_id)
            if session is not None:
                self.desk.hand_over(session.session_id, actor.ref, now)
                channel = self._channels.get(session.session_id)
                if channel is not None:
                    self.hall.add_to_channel(channel, avatar_id)
                if self.calls is not None:
                    await self.calls.staff_changed(
                        self.hall.hall_id,
                        session.session_id,
                        Party(actor.ref, "officer", avatar_id),
                    )
        self._officers[counter_id] = avatar_id
        bot_avatar = self._bots.pop(counter_id, None)
        if bot_avatar is not None and self.hall.has(bot_avatar):
            self.hall.leave(bot_avatar)
        await self._commit()
        session = self.desk.for_counter(counter_id)
        if session is not None:
            self._tell_session(session)

    async def _finish(
        self, counter_id: str, actor: Actor, outcome: str, reason: object, now: float
    ) -> None:
        try:
            result = Outcome(outcome)
        except ValueError:
            raise InvalidInput(
                "outcome must be served, referred or rejected", code="bad_value"
            ) from None
        why = reason if isinstance(reason, str) and reason.strip() else None
        self.engine.finish(counter_id, actor, result, now, reason=why)
        session = self.desk.for_counter(counter_id)
        if session is not None:
            self.desk.end(session.session_id, actor.ref, result.value, why, now)
            await self._close_session(session)

    async def _submit(self, counter_id: str, staff_ref: str, now: float) -> Application:
        session = self._session_at(counter_id)
        application = self.desk.submit(
            session.session_id,
            staff_ref,
            now,
            today=local_day(now, self.rules.utc_offset_s),
            tracking_code=_tracking_code(),
        )
        await self._commit(applications=[application])
        avatar = self.hall.avatar_of(session.citizen_ref)
        if avatar is not None:
            self.hall.send(
                avatar,
                {
                    "type": "application_filed",
                    "session_id": session.session_id,
                    "tracking_code": application.tracking_code,
                    "status": application.status,
                    "fee_idr": application.fee_idr,
                },
            )
        return application

    async def _bot_try_submit(self, session: CounterSession) -> None:
        now = self.clock()
        async with self.lock:
            if not self.clerk.can_file(session):
                await self._bot_says(session, self.clerk.needs_officer(session, now), locked=True)
                return
            try:
                application = await self._submit(session.counter_id, session.staffed_by, now)
            except InvalidInput as exc:  # documents still missing: the bot says which
                await self._bot_says(session, [{"id": str(exc), "en": str(exc)}], locked=True)
                return
            await self._bot_says(session, self.clerk.after_submit(application, now), locked=True)
            self.engine.finish(
                session.counter_id, Actor(session.staffed_by, ActorRole.BOT), Outcome.SERVED, now
            )
            outcome = "served" if application.status == "completed" else "filed"
            self.desk.end(session.session_id, session.staffed_by, outcome, None, now)
            await self._close_session(session)
            await self._commit()

    async def _open_session(self, counter: Counter, ticket: Ticket, now: float) -> None:
        state = self.engine.counter(counter.id)
        session = self.desk.start(
            ticket_id=ticket.ticket_id,
            ticket_number=ticket.number or "",
            service=ticket.service,
            counter_id=counter.id,
            citizen_ref=ticket.citizen_ref,
            staffed_by=state.staffed_by or f"bot:{counter.id}",
            now=now,
        )
        await self._commit()
        citizen = self.hall.avatar_of(ticket.citizen_ref)
        if ticket.citizen_ref.startswith("sim:"):
            self._sim_done_at[ticket.ticket_id] = now + float(_uniform(*SIM_SERVICE_S))
            return
        staff_avatar = self._bots.get(counter.id) or self._officers.get(counter.id)
        if citizen is not None and staff_avatar is not None and self.hall.has(staff_avatar):
            self._channels[session.session_id] = self.hall.open_channel(staff_avatar, [citizen])
        if citizen is not None:
            self._tell_session(session, citizen)
        if self.calls is not None and citizen is not None:
            bot = session.by_bot
            await self.calls.session_opened(
                self.hall.hall_id,
                session_id=session.session_id,
                ticket_id=session.ticket_id,
                counter_id=counter.id,
                citizen=Party(ticket.citizen_ref, "citizen", citizen),
                staff=Party(session.staffed_by, "bot" if bot else "officer", staff_avatar),
            )
        if session.by_bot:
            ident = self.hall.identity_of(citizen) if citizen is not None else None
            verified = ident is not None and ident.token_role == "citizen"
            await self._bot_says(
                session, self.clerk.greet(session, nik_verified=verified), locked=True
            )

    async def _close_session(self, session: CounterSession) -> None:
        if self.calls is not None:
            await self.calls.session_closed(self.hall.hall_id, session.session_id)
        channel = self._channels.pop(session.session_id, None)
        if channel is not None:
            self.hall.close_channel_for_all(channel)
        citizen = self.hall.avatar_of(session.citizen_ref)
        if citizen is not None:
            self.hall.send(
                citizen,
                {
                    "type": "session_ended",
                    "session_id": session.session_id,
                    "outcome": session.outcome,
                    "reason": session.reason,
                },
            )
        await self._commit(sessions=[session])

    async def _bot_says(
        self, session: CounterSession, lines: list[dict[str, str]], *, locked: bool = False
    ) -> None:
        channel = self._channels.get(session.session_id)
        bot = self._bots.get(session.counter_id)
        now = self.clock()
        for line in lines:
            if session.state == "open":
                self.desk.say(session.session_id, "bot", line["id"], now)
            if channel is not None and bot is not None and self.hall.has(bot):
                event = self.hall.chat(bot, channel, line["id"][:500], now=now)
                payload = {**event.to_json(), "text_en": line["en"][:500]}
                await self.bus.publish(f"hall.{self.hall.hall_id}.chat", payload)
        if not locked:
            async with self.lock:
                await self._commit()
        else:
            await self._commit()

    async def _commit(
        self,
        *,
        applications: list[Application] | None = None,
        sessions: list[CounterSession] | None = None,
    ) -> None:
        """Write what the cores did, then tell the citizens whose tickets changed."""
        queue_events = self.engine.events_to_send()
        desk_events = self.desk.events_to_send()
        touched = {e.session_id for e in desk_events}
        all_sessions = list(sessions or []) + [
            self.desk.sessions[s] for s in touched if s in self.desk.sessions
        ]
        if not (queue_events or desk_events or applications or all_sessions):
            return
        await self.store.write(
            queue_events=queue_events,
            desk_events=desk_events,
            sessions=all_sessions,
            applications=applications or [],
        )
        for event in queue_events:
            if event.ticket is not None:
                self._tell_ticket(event.ticket)
                if event.kind.value in ("called", "called_out_of_order", "recalled"):
                    self._tell_called(event.ticket)

    # --------------------------------------------------------------- telling

    def _tell_ticket(self, ticket: Ticket, estimate: Any = None) -> None:
        if ticket.citizen_ref.startswith("sim:"):
            return
        avatar = self.hall.avatar_of(ticket.citizen_ref)
        if avatar is None:
            return
        msg: dict[str, Any] = {
            "type": "ticket",
            "ticket_id": ticket.ticket_id,
            "number": ticket.number,
            "service": ticket.service,
            "priority": ticket.priority.value,
            "state": ticket.state.value,
            "counter_id": ticket.counter_id,
        }
        if ticket.state is TicketState.WAITING:
            est = estimate or self.engine.estimate(ticket.ticket_id, self.clock())
            msg["position"] = est.position
            msg["estimate"] = {
                "low_s": round(est.low_s),
                "expected_s": round(est.expected_s),
                "high_s": round(est.high_s),
            }
            spot = self._wait_spot(ticket, est.position)
            if spot is not None:
                msg["wait_at"] = [round(spot[0], 2), round(spot[1], 2)]
        if ticket.outcome is not None:
            msg["outcome"] = ticket.outcome.value
        self.hall.send(avatar, msg)

    def _tell_called(self, ticket: Ticket) -> None:
        avatar = self.hall.avatar_of(ticket.citizen_ref)
        if avatar is None or ticket.counter_id is None:
            return
        c = self.counters[ticket.counter_id]
        self.hall.send(
            avatar,
            {
                "type": "called",
                "ticket_id": ticket.ticket_id,
                "number": ticket.number,
                "recalls": ticket.recalls,
                "counter": {
                    "id": c.id,
                    "name": {"id": c.name.id, "en": c.name.en},
                    "position": list(c.position),
                    "facing": c.facing_deg,
                },
            },
        )

    def _tell_session(self, session: CounterSession, avatar: int | None = None) -> None:
        target = avatar if avatar is not None else self.hall.avatar_of(session.citizen_ref)
        service = self.catalogue.service(session.service)
        payload = {
            "type": "counter_session",
            "session_id": session.session_id,
            "counter_id": session.counter_id,
            "ticket_id": session.ticket_id,
            "staffed_by": "bot" if session.by_bot else "officer",
            "channel": self._channels.get(session.session_id),
            "form": session.form,
            "fields": [f.name for f in service.fields_for(session.form.get("variant"))],
            "checklist": [
                {"requirement": r, "shown": ok} for r, ok in self.desk.checklist(session.session_id)
            ],
        }
        if target is not None:
            self.hall.send(target, payload)
        staff = self._officers.get(session.counter_id)
        if staff is not None and staff != target:
            self.hall.send(staff, payload)

    def _counter_json(self, counter_id: str) -> dict[str, Any]:
        state = self.engine.counters_by_id().get(counter_id)
        if state is None:
            return {
                "counter_id": counter_id,
                "status": "closed",
                "staffed_by": None,
                "ticket_id": None,
            }
        staffed = state.staffed_by or ""
        return {
            "counter_id": counter_id,
            "status": state.status.value,
            "staffed_by": "bot" if staffed.startswith("bot:") else ("officer" if staffed else None),
            "ticket_id": state.ticket_id,
        }

    def current_board(self) -> dict[str, Any]:
        """The "now serving" board: numbers at each counter, how many wait per service."""
        now = self.clock()
        serving = []
        states = self.engine.counters_by_id()
        for counter in self.scene.counters:
            state = states.get(counter.id)
            if state is not None and state.ticket_id:
                t = self.engine.ticket(state.ticket_id)
                serving.append(
                    {
                        "counter_id": counter.id,
                        "number": t.number,
                        "service": t.service,
                        "state": t.state.value,
                    }
                )
        waiting: dict[str, int] = {}
        for service in self.catalogue.codes:
            n = len(self.engine.order(service, now))
            if n:
                waiting[service] = n
        return {"hall": self.hall.hall_id, "now_serving": serving, "waiting": waiting}

    async def _publish_board(self, now: float) -> None:
        board = self.current_board()
        if board != self.board:
            self.board = board
            await self.bus.publish(self.board_topic, {**board, "updated_at": round(now, 3)})

    # ------------------------------------------------------------ the demo

    def _sims(self, now: float) -> None:
        """Simulated citizens take numbers, wait in the lane, walk up when called."""
        if self.crowd is None:
            return
        for avatar_id in self.crowd.avatar_ids():
            ticket_id = self._sim_tickets.get(avatar_id)
            if ticket_id is None:
                if _uniform(0, 1) < self.sim_ticket_chance:  # per step (0.5 s) per idle citizen
                    with contextlib.suppress(Exception):
                        t = self.engine.take_ticket(
                            self.hall.subject_of(avatar_id),
                            self._sim_service(),
                            Priority.REGULAR,
                            now,
                        )
                        self._sim_tickets[avatar_id] = t.ticket_id
                continue
            ticket = self.engine.ticket(ticket_id)
            goal: Point | None = None
            if ticket.state.is_final:
                del self._sim_tickets[avatar_id]
                self._sim_goals.pop(avatar_id, None)
                self.crowd.release(avatar_id, now)
            elif ticket.state in (TicketState.CALLED, TicketState.SERVING) and ticket.counter_id:
                goal = self.counters[ticket.counter_id].position
            elif ticket.state is TicketState.WAITING:
                goal = self._wait_spot(ticket, self.engine.estimate(ticket_id, now).position)
            if goal is not None and self._sim_goals.get(avatar_id) != goal:
                self._sim_goals[avatar_id] = goal
                self.crowd.send_to(avatar_id, goal)

    def _sim_service(self) -> str:
        codes = sorted(self.catalogue.codes)
        return codes[int(_uniform(0, len(codes))) % len(codes)]

    # --------------------------------------------------------------- helpers

    def _arrived(self, ticket: Ticket, counter: Counter) -> bool:
        avatar = self.hall.avatar_of(ticket.citizen_ref)
        if avatar is None:
            return False
        x, y, _ = self.hall.position(avatar)
        return math.hypot(x - counter.position[0], y - counter.position[1]) <= ARRIVED_M

    def _wait_spot(self, ticket: Ticket, position: int) -> Point | None:
        lane = self._lanes.get(ticket.service)
        if lane is None or position < 1 or position > len(lane):
            return None
        return lane[position - 1]

    def _assign_lanes(self) -> dict[str, tuple[Point, ...]]:
        """Each service queues in the lane of one counter that offers it (distinct where possible)."""
        lanes: dict[str, tuple[Point, ...]] = {}
        used: set[str] = set()
        for code in sorted(self.catalogue.codes):
            offering = [c for c in self.scene.counters if code in c.services and c.lane]
            free = [c for c in offering if c.id not in used] or offering
            if free:
                lanes[code] = free[0].lane
                used.add(free[0].id)
        return lanes

    def _bot(self, counter_id: str) -> Actor:
        return Actor(f"bot:{counter_id}", ActorRole.BOT)

    def _spawn_bot(self, counter: Counter) -> None:
        if counter.id in self._bots and self.hall.has(self._bots[counter.id]):
            return
        hx, hy = heading(counter.facing_deg)
        spot = (counter.position[0] - hx * 1.8, counter.position[1] - hy * 1.8, counter.facing_deg)
        joined = self.hall.join(
            Identity(f"bot:{counter.id}", Role.BOT, f"Asisten {counter.id}", token_role="bot"),
            _BOT_LOOK,
            now=time.monotonic(),
            position=spot,
            driven=True,
        )
        self._bots[counter.id] = joined.avatar_id

    def _require_staff(self, counter_id: str, actor: Actor) -> None:
        state = self.engine.counter(counter_id)
        if state.staffed_by != actor.ref and actor.role is not ActorRole.SUPERVISOR:
            raise Forbidden("you do not staff this counter", code="wrong_counter")

    def _session_at(self, counter_id: str) -> CounterSession:
        session = self.desk.for_counter(counter_id)
        if session is None:
            raise NotFound("no counter session at this counter", code="unknown_session")
        return session

    def _session_of(self, avatar_id: int, ident: Identity) -> CounterSession:
        if ident.role is Role.CITIZEN:
            session = self.desk.for_citizen(ident.subject)
        else:
            counter = next((c for c, a in self._officers.items() if a == avatar_id), None)
            session = self.desk.for_counter(counter) if counter else None
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


def _str(msg: dict[str, Any], key: str) -> str:
    value = msg.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{key} must be a non-empty string", code="bad_type")
    return value.strip()[:200]


def _new_id() -> str:
    return secrets.token_hex(8)


def _tracking_code() -> str:
    # Unambiguous letters and digits (no 0/O, 1/I), grouped for reading aloud.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"MPP-{raw[:5]}-{raw[5:]}"


def _uniform(low: float, high: float) -> float:
    return low + (high - low) * secrets.randbelow(1_000_000) / 1_000_000


_BOT_LOOK = Appearance.parse({"colors": {"top": "#00539c", "bottom": "#1b2a3a"}})
