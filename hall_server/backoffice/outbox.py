"""The transactional outbox: queue an application for delivery, and the officers' dead letters.

:func:`add_to_outbox` is called inside the transaction that writes the
application, so either both exist or neither does; the delivery worker
(hall_server/backoffice/worker.py) then delivers at least once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from counters.handoff import BackOfficeKind, Submission, idempotency_key
from counters.statuses import Status
from hall_server.backoffice.status import StatusChange, audit_row, move
from hall_server.db.models import ApplicationEventRow, ApplicationRow, OutboxRow
from hall_server.errors import Conflict, NotFound


def submission_of(application: ApplicationRow) -> Submission:
    """The submission of a stored application (form included: send it, never store it)."""
    data = application.data
    return Submission(
        application_id=application.id,
        hall_id=application.hall_id,
        tracking_code=application.tracking_code,
        service=application.service,
        variant=data.get("variant"),
        form={str(k): str(v) for k, v in dict(data.get("form", {})).items()},
        checklist={str(k): bool(v) for k, v in dict(data.get("checklist", {})).items()},
        fee_idr=application.fee_idr,
        filed_at=application.created_at.timestamp(),
    )


async def add_to_outbox(
    db: AsyncSession,
    application: ApplicationRow,
    *,
    kind: BackOfficeKind | str,
    now: datetime,
) -> OutboxRow:
    """Queue ``application`` for its back office, in the caller's transaction.

    Writes the outbox row (due at once), the ``filed`` and ``queued`` entries of
    the status history and a ``queued`` audit row, and sets the application's
    status to ``queued``. The application row is flushed first (the outbox
    refers to it). The counters' desk status ("completed", "awaiting_officer")
    is kept in the ``filed`` entry.
    """
    kind = BackOfficeKind(kind)
    db.add(application)
    await db.flush()
    desk_status = application.status
    filed_by = str(application.data.get("filed_by", "counter"))
    db.add(
        ApplicationEventRow(
            application_id=application.id,
            at=application.created_at,
            status=Status.FILED.value,
            actor=filed_by[:64],
            detail={"desk_status": desk_status},
        )
    )
    application.status = Status.FILED.value
    key = idempotency_key(application.hall_id, application.id)
    row = OutboxRow(
        application_id=application.id,
        hall_id=application.hall_id,
        backoffice=kind.value,
        idempotency_key=key,
        payload=submission_of(application).envelope(),
        state="pending",
        attempts=0,
        claims=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    db.add(row)
    move(db, application, Status.QUEUED, actor="handoff", at=now, detail={"backoffice": kind.value})
    db.add(
        audit_row(
            application.hall_id,
            now,
            "queued",
            application.id,
            {"backoffice": kind.value, "idempotency_key": key, "desk_status": desk_status},
        )
    )
    return row


async def dead_letters(db: AsyncSession, hall_id: str) -> Sequence[OutboxRow]:
    """The hall's dead letters, oldest first: what officers must look at."""
    query = (
        select(OutboxRow)
        .where(OutboxRow.hall_id == hall_id, OutboxRow.state == "dead")
        .order_by(OutboxRow.updated_at)
    )
    return (await db.scalars(query)).all()


async def retry_dead(
    db: AsyncSession, application_id: str, *, officer: str, now: datetime
) -> StatusChange | None:
    """An officer sends a dead letter again: back to pending, due now, attempts from zero.

    The idempotency key stays the same, so if the back office did get an
    earlier attempt it still files the application only once. Raises
    :class:`NotFound` when there is no such application in the outbox and
    :class:`Conflict` (``not_dead``) when it is not a dead letter.
    """
    row = await db.scalar(
        select(OutboxRow)
        .where(OutboxRow.application_id == application_id)
        .order_by(OutboxRow.id.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound("no handed-off application with this id", code="unknown_application")
    if row.state != "dead":
        raise Conflict("this application is not a dead letter", code="not_dead")
    application = await db.get(ApplicationRow, application_id)
    if application is None:  # pragma: no cover - a foreign key guarantees it
        raise NotFound("no application with this id", code="unknown_application")
    row.state, row.attempts, row.next_attempt_at, row.updated_at = "pending", 0, now, now
    change = move(db, application, Status.QUEUED, actor=officer, at=now, detail={}, by_officer=True)
    db.add(
        audit_row(
            application.hall_id,
            now,
            "dead_letter_retried",
            application.id,
            {"backoffice": row.backoffice, "last_error": row.last_error},
            actor=officer,
            role="officer",
        )
    )
    return change
