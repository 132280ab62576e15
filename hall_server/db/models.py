"""Typed declarative models of the hall's tables.

The initial migration (``hall_server/migrations/versions/0001_initial.py``)
creates exactly these tables; ``tests/db/test_migrate.py`` fails when the two
drift apart. Enumerations are strings with CHECK constraints rather than
native enums, so the schema is the same on SQLite and PostgreSQL.

No column ever holds a NIK: citizens are found by ``nik_digest``, an
HMAC-SHA256 of the NIK under a key derived from the hall's secret.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Roles an account row can have (guests, spectators and bots have no account).
ACCOUNT_ROLES = ("citizen", "officer", "supervisor", "admin")
#: Account roles that sign in with a username and password.
STAFF_ROLES = ("officer", "supervisor", "admin")

#: Deterministic constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite stores no offset and returns naive values; this type refuses naive
    values on the way in and marks values UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; pass a timezone-aware UTC value")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Account(Base):
    """A citizen (found by NIK digest) or a staff member (username + password)."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(_in("role", ACCOUNT_ROLES), name="role"),
        CheckConstraint(
            "(role = 'citizen' AND nik_digest IS NOT NULL AND username IS NULL)"
            " OR (role <> 'citizen' AND username IS NOT NULL AND password_hash IS NOT NULL)",
            name="credentials",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    role: Mapped[str] = mapped_column(String(16))
    #: Staff sign-in name; NULL for citizens.
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: argon2id hash (PHC string); NULL for citizens.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Hex HMAC-SHA256 of the NIK; NULL for staff. Never the NIK itself.
    nik_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class Hall(Base):
    """A hall served by this backend, identified by a URL slug."""

    __tablename__ = "halls"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scene_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HallSession(Base):
    """One visit to a hall: from join to leave (or expiry of the resume grace)."""

    __tablename__ = "sessions"

    #: Random hex id chosen by the caller.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: NULL for guests and spectators, who have no account.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("halls.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    #: Digest of the token that lets a dropped client resume its avatar.
    resume_token_digest: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: Why the session ended ("left", "resume_expired", "kicked", ...); NULL while open.
    end_reason: Mapped[str | None] = mapped_column(String(32))


class SignInCode(Base):
    """A one-time sign-in code sent to a citizen, stored only as a digest."""

    __tablename__ = "sign_in_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nik_digest: Mapped[str] = mapped_column(String(64), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: Guesses made against this code, the right one included.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Set when the code is used, or superseded by a newer code.
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TicketRow(Base):
    """A queue ticket. ``data`` holds the engine's full ticket; the columns index it.

    Written on every queue event, so a restart rebuilds every queue exactly
    (counters.queue restore). ``citizen_ref`` is pseudonymous, never a NIK.
    """

    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("halls.id"), index=True)
    number: Mapped[str] = mapped_column(String(16))
    service: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    citizen_ref: Mapped[str] = mapped_column(String(64), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class CounterRow(Base):
    """The last known state of a counter (open, paused, closed; who staffs it)."""

    __tablename__ = "counters"

    hall_id: Mapped[str] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    counter_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    staffed_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class CounterSessionRow(Base):
    """A citizen served at a counter: form so far, checklist, transcript, outcome."""

    __tablename__ = "counter_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("halls.id"), index=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    counter_id: Mapped[str] = mapped_column(String(16))
    staffed_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ApplicationRow(Base):
    """What a counter session submitted, to be handed to a back office."""

    __tablename__ = "applications"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("halls.id"), index=True)
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    service: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"))
    session_id: Mapped[str | None] = mapped_column(ForeignKey("counter_sessions.id"))
    citizen_ref: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32))
    fee_idr: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class AuditRow(Base):
    """Append-only: every officer and bot action (who, what, when, on what).

    Only ever inserted; on PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_ref: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    ticket_id: Mapped[str | None] = mapped_column(String(64), index=True)
    session_id: Mapped[str | None] = mapped_column(String(64))
    application_id: Mapped[str | None] = mapped_column(String(64), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)

    @classmethod
    def record(
        cls,
        *,
        hall_id: str,
        at: datetime,
        actor_role: str,
        actor_ref: str,
        action: str,
        details: dict[str, Any],
        ticket_id: str | None = None,
        session_id: str | None = None,
        application_id: str | None = None,
    ) -> AuditRow:
        """A row with its names cut to the column widths: an action is never lost to a long name."""
        return cls(
            hall_id=hall_id,
            at=at,
            actor_role=actor_role[:16],
            actor_ref=actor_ref[:64],
            action=action[:48],
            ticket_id=ticket_id,
            session_id=session_id,
            application_id=application_id,
            details=details,
        )


#: States of an outbox row: waiting (or retrying), delivered, or a dead letter for an officer.
OUTBOX_STATES = ("pending", "delivered", "dead")


#: ``next_attempt_at`` of a row with no next attempt (delivered, dead letter). Rows
#: due are found by a range scan of that column's index; left at their last
#: lease, finished rows would all be in the range and the scan would grow with
#: the outbox's whole history.
NOT_DUE = datetime(9999, 12, 31, tzinfo=UTC)


class OutboxRow(Base):
    """One application to hand to a back office (the transactional outbox).

    Written in the transaction that writes the application; the delivery
    worker claims due rows (``state = 'pending'`` and ``next_attempt_at`` past)
    with a conditional UPDATE on ``claims``, so two workers never send the
    same row at once. ``payload`` holds the submission without the form: the
    form (personal data) is read from the application row when sending.
    """

    __tablename__ = "outbox"
    __table_args__ = (CheckConstraint(_in("state", OUTBOX_STATES), name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    hall_id: Mapped[str] = mapped_column(String(64), index=True)
    #: "civil_registry" or "permits" (counters.handoff.BackOfficeKind).
    backoffice: Mapped[str] = mapped_column(String(32))
    #: Sent as the Idempotency-Key of every attempt.
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    #: Sends so far (a claim counts as one, even if the worker dies mid-send).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Bumped by every claim: the compare-and-set token of the conditional UPDATE.
    claims: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    #: Short, safe description of the last failure (never personal data).
    last_error: Mapped[str | None] = mapped_column(String(200))
    #: The back office's reference once it acknowledged the submission.
    external_ref: Mapped[str | None] = mapped_column(String(128), index=True)
    #: The back office's own time of the last status applied (to ignore older reports).
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: When the back office was last heard of (acknowledgement, callback or poll).
    heard_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApplicationEventRow(Base):
    """The status history of an application, shown to the citizen (append-only)."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: A counters.statuses.Status value.
    status: Mapped[str] = mapped_column(String(32))
    #: "worker", "backoffice:civil_registry", "account:12"...
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class WebhookReceiptRow(Base):
    """Webhook ids already received, so a replayed callback is refused."""

    __tablename__ = "webhook_receipts"

    webhook_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class CallRecordingRow(Base):
    """One recorded direction of a counter call (an Ogg Opus file), kept until ``delete_after``.

    Only made when the citizen consented; the audit log refers to it by call id.
    """

    __tablename__ = "call_recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_id: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    session_id: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(512))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    duration_s: Mapped[float | None] = mapped_column(Float)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    delete_after: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class DocumentRow(Base):
    """A document a citizen uploaded in a counter session (a photo or a PDF), with its bytes.

    Never public: served only to its owner and to the staff of its session
    (hall_server/documents_api.py). Deleted, bytes and all, after ``delete_after``.
    """

    __tablename__ = "documents"

    #: random and unguessable (128 bits as hex, documents_api.new_document_id)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hall_id: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    #: the uploader's pseudonymous subject (``account:<id>``), never a NIK
    citizen_ref: Mapped[str] = mapped_column(String(64))
    requirement: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delete_after: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class AuditLeafRow(Base):
    """The seal of one audit row: its leaf index in the audit Merkle tree and the
    leaf hash it had when sealed (hall_server/audit_log.py). Append-only."""

    __tablename__ = "audit_leaves"

    leaf_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    row_id: Mapped[int] = mapped_column(Integer, unique=True)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditCheckpointRow(Base):
    """A checkpoint of the audit tree the hall signed (a C2SP signed note). Append-only."""

    __tablename__ = "audit_checkpoints"

    tree_size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text)


# -- The SKM survey and complaints (issue 14; docs/survey-and-complaints.md) ------------------


class SurveyResponseRow(Base):
    """One answered SKM survey: what it rates and the answers, never who gave them.

    No session, ticket or account; no time but the month (``period``); a random
    id, so not even the order of answers follows the order of transactions.
    """

    __tablename__ = "survey_responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    hall_id: Mapped[str] = mapped_column(String(64), index=True)
    service: Mapped[str] = mapped_column(String(32))
    counter_id: Mapped[str] = mapped_column(String(16))
    served_by: Mapped[str] = mapped_column(String(8))
    #: YYYY-MM in the hall's time zone
    period: Mapped[str] = mapped_column(String(7), index=True)
    #: {"U1": 1..4, ...}; an element left out was not answered
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)


class SurveyUsedRow(Base):
    """A survey token already answered: a keyed digest of its transaction, nothing else."""

    __tablename__ = "survey_used"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)


class ComplaintRow(Base):
    """A complaint (pengaduan); ``data`` holds counters.complaints.Complaint, the columns index it."""

    __tablename__ = "complaints"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    hall_id: Mapped[str] = mapped_column(String(64), index=True)
    #: the reporter's lookup credential (never personal data)
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ComplaintPhotoRow(Base):
    """The photo sent with a complaint (checked by its content like a counter document)."""

    __tablename__ = "complaint_photos"

    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints.id"), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)


#: A signal flag is open until a supervisor reviews it (issue 14: never an automatic punishment).
SIGNAL_FLAG_STATES = ("open", "confirmed", "dismissed")


class SignalFlagRow(Base):
    """A broker (calo) or pungli signal for supervisors (counters/signals.py, docs/signals.md).

    ``subject`` and ``evidence`` are pseudonymous references (``account:12``,
    keyed hashes of addresses, devices and phones, ``ticket:<id>``): never a
    NIK, a name, an address or a phone number.
    """

    __tablename__ = "signal_flags"
    __table_args__ = (
        CheckConstraint(_in("status", SIGNAL_FLAG_STATES), name="status"),
        # One open flag per question, even when two processes scan the same records at once.
        Index(
            "uq_signal_flags_open",
            "hall_id",
            "kind",
            "subject",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(96), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    count: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    window_s: Mapped[float] = mapped_column(Float)
    first_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_at: Mapped[datetime] = mapped_column(UtcDateTime())
    evidence: Mapped[list[str]] = mapped_column(JSON)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(1000))


class TicketSightingRow(Base):
    """From where a number was taken: keyed hashes of the client's address and device.

    Written when a citizen takes a number over the hall socket; read by the
    signals pump. The address itself is never stored.
    """

    __tablename__ = "ticket_sightings"

    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hall_id: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    address_ref: Mapped[str | None] = mapped_column(String(64))
    device_ref: Mapped[str | None] = mapped_column(String(64))


class HallLeaseRow(Base):
    """Which node owns a hall, until when (Unix s), under which fencing token (issue 15).

    Written only by conditional UPDATEs (hall_server/cluster/lease_store.py); the
    token only grows, so a write fenced by it is refused once another node took over.
    """

    __tablename__ = "hall_leases"

    hall_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(128))
    owner_url: Mapped[str] = mapped_column(String(300), default="")
    token: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[float] = mapped_column(Float, default=0.0)


class HallNodeRow(Base):
    """A hall-server node's heartbeat: alive while ``seen_at`` is recent."""

    __tablename__ = "hall_nodes"

    node_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    url: Mapped[str] = mapped_column(String(300))
    seen_at: Mapped[float] = mapped_column(Float)
    draining: Mapped[bool] = mapped_column(Boolean, default=False)
