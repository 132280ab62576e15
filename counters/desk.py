"""Counter sessions: a citizen served at a counter, from call to outcome (pure).

A :class:`CounterSession` holds the case as it grows: the form so far, the
requirements the citizen has shown, the private chat, who staffs the counter
(an officer or a bot) and every hand-over. :class:`Desk` owns the sessions of
one hall. Time is passed in; events for the audit log are drained with
:meth:`Desk.events_to_send`. A hand-over (bot to officer, officer to officer)
changes who staffs the session and keeps everything else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from counters.catalogue import Catalogue, Service
from counters.forms import FormInvalid, checklist, missing, validate_form
from hall_server.errors import Conflict, Forbidden, InvalidInput, LimitExceeded, NotFound

#: Documents one counter session takes (a service asks for a handful; this bounds storage).
MAX_DOCUMENTS = 32
OUTCOMES = ("served", "referred", "rejected", "filed", "citizen_left", "returned")
#: Who may be represented in an *on behalf of* filing, and by whom (docs/protocol.md 11.1).
RELATIONSHIPS = ("parent_of_child", "family_member", "power_of_attorney")
#: The form field that holds the applicant's NIK: set from the sign-in (or an on-behalf
#: declaration), never typed into the form.
APPLICANT_NIK = "nik"


@dataclass(slots=True)
class Line:
    """One line of the private counter chat."""

    at: float
    speaker: str  # "citizen", "officer" or "bot"
    text: str


@dataclass(slots=True)
class CounterSession:
    session_id: str
    ticket_id: str
    ticket_number: str
    service: str
    counter_id: str
    citizen_ref: str
    staffed_by: str
    started_at: float
    form: dict[str, str] = field(default_factory=dict)
    provided: set[str] = field(default_factory=set)
    transcript: list[Line] = field(default_factory=list)
    handovers: list[tuple[float, str, str]] = field(default_factory=list)
    state: str = "open"  # open, ended
    outcome: str | None = None
    reason: str | None = None
    application_id: str | None = None
    ended_at: float | None = None
    #: the citizen signed in with NIK and one-time code (a guest may ask, not file)
    verified: bool = False
    #: set when the citizen files for someone else: ``relationship`` and ``nik_masked``
    on_behalf: dict[str, str] | None = None
    #: documents uploaded in this session: ``{document_id, requirement, media_type, size}``
    documents: list[dict[str, Any]] = field(default_factory=list)

    @property
    def by_bot(self) -> bool:
        return self.staffed_by.startswith("bot:")

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["provided"] = sorted(self.provided)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CounterSession:
        values = dict(data)
        values["provided"] = set(values.get("provided", ()))
        values["transcript"] = [Line(**line) for line in values.get("transcript", ())]
        values["handovers"] = [tuple(h) for h in values.get("handovers", ())]
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Application:
    """What a session submits for the back office (handed off in issue 4's outbox)."""

    application_id: str
    tracking_code: str
    service: str
    variant: str | None
    citizen_ref: str
    ticket_id: str
    session_id: str
    form: dict[str, str]
    checklist: dict[str, bool]
    fee_idr: int | None
    status: str  # "completed" (a bot finished a bot-capable service) or "awaiting_officer"
    created_at: float
    filed_by: str
    #: the declared relationship when filed on behalf of someone else
    on_behalf: str | None = None


class MissingDocuments(InvalidInput):
    """Required documents were not shown; ``requirements`` names them (catalogue ids)."""

    code = "missing_documents"

    def __init__(self, requirements: list[str]) -> None:
        super().__init__("documents still missing: " + ", ".join(requirements))
        self.requirements = requirements


@dataclass(frozen=True, slots=True)
class DeskEvent:
    kind: str
    session_id: str
    ticket_id: str
    counter_id: str
    actor: str
    at: float
    details: dict[str, Any]


class Desk:
    """Every open counter session of a hall."""

    def __init__(self, catalogue: Catalogue, new_id: Callable[[], str]) -> None:
        self.catalogue = catalogue
        self._new_id = new_id
        self.sessions: dict[str, CounterSession] = {}
        self._events: list[DeskEvent] = []

    def start(
        self,
        *,
        ticket_id: str,
        ticket_number: str,
        service: str,
        counter_id: str,
        citizen_ref: str,
        staffed_by: str,
        now: float,
        applicant_nik: str | None = None,
    ) -> CounterSession:
        """Open a session; a verified citizen's ``applicant_nik`` fills the applicant field."""
        if any(s.ticket_id == ticket_id and s.state == "open" for s in self.sessions.values()):
            raise Conflict("this ticket is already being served", code="already_serving")
        session = CounterSession(
            session_id=self._new_id(),
            ticket_id=ticket_id,
            ticket_number=ticket_number,
            service=service,
            counter_id=counter_id,
            citizen_ref=citizen_ref,
            staffed_by=staffed_by,
            started_at=now,
            verified=applicant_nik is not None,
        )
        if applicant_nik is not None:
            session.form[APPLICANT_NIK] = applicant_nik
        self.sessions[session.session_id] = session
        self._emit("session_started", session, staffed_by, now)
        return session

    def restore(self, session: CounterSession) -> None:
        self.sessions[session.session_id] = session

    def get(self, session_id: str) -> CounterSession:
        session = self.sessions.get(session_id)
        if session is None or session.state != "open":
            raise NotFound("no open counter session with this id", code="unknown_session")
        return session

    def for_counter(self, counter_id: str) -> CounterSession | None:
        for session in self.sessions.values():
            if session.counter_id == counter_id and session.state == "open":
                return session
        return None

    def for_citizen(self, citizen_ref: str) -> CounterSession | None:
        for session in self.sessions.values():
            if session.citizen_ref == citizen_ref and session.state == "open":
                return session
        return None

    def say(self, session_id: str, speaker: str, text: str, now: float) -> Line:
        line = Line(now, speaker, text)
        self.get(session_id).transcript.append(line)
        return line

    def update_form(
        self, session_id: str, actor: str, values: Mapping[str, object], *, today: date, now: float
    ) -> dict[str, dict[str, str]]:
        """Merge values into the form; return the errors of the fields now present.

        Unknown or invalid fields are reported (by field name, in both
        languages) and not stored; valid ones are stored cleaned.
        """
        session = self.get(session_id)
        if not isinstance(values, Mapping) or len(values) > 64:
            raise InvalidInput("fields must be an object of at most 64 fields", code="bad_type")
        # Once the applicant is known (the sign-in, or an on-behalf declaration) their
        # NIK is fixed; the floor lets no unverified session file at all.
        locked = session.verified or session.on_behalf is not None
        if (
            locked
            and APPLICANT_NIK in values
            and values[APPLICANT_NIK] != session.form.get(APPLICANT_NIK)
        ):
            raise Forbidden(
                "the applicant's NIK comes from the sign-in; to file for another person,"
                " declare it with on_behalf",
                code="nik_from_sign_in",
            )
        service = self.catalogue.service(session.service)
        merged: dict[str, object] = {**session.form, **values}
        errors: dict[str, dict[str, str]] = {}
        try:
            cleaned = validate_form(service, merged, today=today)
        except FormInvalid as exc:
            errors = {
                name: msg
                for name, msg in exc.fields.items()
                if name in merged or name == "_unknown"
            }
            cleaned = {
                k: str(v)
                for k, v in merged.items()
                if k not in exc.fields and isinstance(v, str | int | float | bool)
            }
        session.form = {k: v for k, v in cleaned.items() if k in merged}
        self._emit(
            "form_updated", session, actor, now, fields=sorted(values), errors=sorted(errors)
        )
        return errors

    def show(self, session_id: str, actor: str, requirement_ids: list[str], now: float) -> None:
        """The citizen showed these documents (the officer or bot ticks them)."""
        session = self.get(session_id)
        self._check_requirements(session, requirement_ids)
        session.provided.update(requirement_ids)
        self._emit("documents_shown", session, actor, now, requirements=sorted(requirement_ids))

    def add_document(
        self, session_id: str, actor: str, document: Mapping[str, Any], now: float
    ) -> CounterSession:
        """The citizen uploaded a document for a requirement: it counts as shown.

        ``document`` is :meth:`counters.documents.DocumentInfo.to_json` plus
        ``sha256`` (audited, not listed to clients).
        """
        session = self.get(session_id)
        requirement = str(document["requirement"])
        self._check_requirements(session, [requirement])
        if len(session.documents) >= MAX_DOCUMENTS:
            raise LimitExceeded(
                f"a counter session takes at most {MAX_DOCUMENTS} documents",
                code="too_many_documents",
            )
        listed = {k: document[k] for k in ("document_id", "requirement", "media_type", "size")}
        session.documents.append(listed)
        session.provided.add(requirement)
        self._emit(
            "document_uploaded", session, actor, now, **listed, sha256=document.get("sha256")
        )
        return session

    def declare_on_behalf(
        self,
        session_id: str,
        actor: str,
        relationship: str,
        nik: str,
        nik_masked: str,
        now: float,
    ) -> CounterSession:
        """The citizen files for someone else: the represented person's NIK becomes the applicant's.

        ``nik`` is already checked by the caller. The audit event names the
        relationship, never the NIK.
        """
        session = self.get(session_id)
        if relationship not in RELATIONSHIPS:
            raise InvalidInput(
                f"relationship must be one of {', '.join(RELATIONSHIPS)}", code="bad_value"
            )
        if session.application_id is not None:
            raise Conflict("this session has already submitted", code="already_submitted")
        session.on_behalf = {"relationship": relationship, "nik_masked": nik_masked}
        session.form[APPLICANT_NIK] = nik
        self._emit("on_behalf_declared", session, actor, now, relationship=relationship)
        return session

    def checklist(self, session_id: str) -> list[tuple[str, bool]]:
        session = self.get(session_id)
        service = self.catalogue.service(session.service)
        items = checklist(service, session.provided, variant=session.form.get("variant"))
        return [(req.id, ok) for req, ok in items]

    def hand_over(self, session_id: str, to: str, now: float) -> CounterSession:
        """Another officer (or a bot) takes over; the case stays as it is."""
        session = self.get(session_id)
        if to == session.staffed_by:
            raise Conflict("already staffed by this person", code="same_staff")
        session.handovers.append((now, session.staffed_by, to))
        self._emit("handed_over", session, to, now, previous=session.staffed_by)
        session.staffed_by = to
        return session

    def submit(
        self, session_id: str, actor: str, now: float, *, today: date, tracking_code: str
    ) -> Application:
        """File the application: the whole form must be valid and no required document missing."""
        session = self.get(session_id)
        if session.application_id is not None:
            raise Conflict("this session has already submitted", code="already_submitted")
        service: Service = self.catalogue.service(session.service)
        form = validate_form(service, session.form, today=today)
        variant = form.get("variant")
        items = checklist(service, session.provided, variant=variant)
        lacking = missing(items)
        if lacking:
            raise MissingDocuments([r.id for r in lacking])
        capability = service.bot_for(variant)
        by_bot = actor.startswith("bot:")
        if by_bot and capability.value == "officer":
            raise Forbidden("a bot may not take this service; an officer must", code="officer_only")
        # A bot never completes a filing on behalf of someone else: an officer reviews it.
        completes = capability.value == "complete" and session.on_behalf is None
        status = "completed" if not by_bot or completes else "awaiting_officer"
        application = Application(
            application_id=self._new_id(),
            tracking_code=tracking_code,
            service=service.code,
            variant=variant,
            citizen_ref=session.citizen_ref,
            ticket_id=session.ticket_id,
            session_id=session.session_id,
            form=form,
            checklist={req.id: ok for req, ok in items},
            fee_idr=service.standar.fee.amount_idr,
            status=status,
            created_at=now,
            filed_by=actor,
            on_behalf=session.on_behalf["relationship"] if session.on_behalf else None,
        )
        session.application_id = application.application_id
        self._emit(
            "application_filed",
            session,
            actor,
            now,
            application_id=application.application_id,
            status=status,
            on_behalf=application.on_behalf,
        )
        return application

    def end(
        self, session_id: str, actor: str, outcome: str, reason: str | None, now: float
    ) -> CounterSession:
        if outcome not in OUTCOMES:
            raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", code="bad_value")
        if outcome in ("referred", "rejected") and not reason:
            raise InvalidInput("a reason is required for this outcome", code="reason_required")
        session = self.get(session_id)
        session.state, session.outcome, session.reason, session.ended_at = (
            "ended",
            outcome,
            reason,
            now,
        )
        self._emit("session_ended", session, actor, now, outcome=outcome, reason=reason)
        return session

    def check_requirement(self, session_id: str, requirement: str) -> CounterSession:
        """The open session, if ``requirement`` is one of its service's (else ``bad_value``)."""
        session = self.get(session_id)
        self._check_requirements(session, [requirement])
        return session

    def _check_requirements(self, session: CounterSession, requirement_ids: list[str]) -> None:
        known = {r.id for r in self.catalogue.service(session.service).standar.requirements}
        unknown = [r for r in requirement_ids if r not in known]
        if unknown:
            raise InvalidInput(f"unknown requirement {unknown[0][:40]!r}", code="bad_value")

    def events_to_send(self) -> list[DeskEvent]:
        out, self._events = self._events, []
        return out

    def _emit(self, kind: str, s: CounterSession, actor: str, now: float, **details: Any) -> None:
        self._events.append(
            DeskEvent(kind, s.session_id, s.ticket_id, s.counter_id, actor, now, details)
        )
