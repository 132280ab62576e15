"""Application statuses in SQL: moving them, the back offices' reports, the public lookup.

:func:`move` is the one place an application's status changes: it asks
:func:`counters.statuses.can_move` first (so nothing moves backwards), then
updates the application, appends to its history and to the audit log, in the
caller's transaction. :func:`apply_status` takes a back office's report
(callback or poll); :func:`lookup` is the citizen's view by tracking code and NIK.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from counters.statuses import Status, UnknownStatus, can_move, from_backoffice, parse, text
from hall_server.backoffice.routes import Route
from hall_server.db.models import (
    NOT_DUE,
    Account,
    ApplicationEventRow,
    ApplicationRow,
    AuditRow,
    OutboxRow,
)
from hall_server.errors import InvalidInput, NotFound

Source = Literal["webhook", "poll"]

#: Detail keys a citizen may see in the history (nothing about staff or systems).
PUBLIC_DETAIL = ("reason", "document_number", "nib")


@dataclass(frozen=True, slots=True)
class StatusChange:
    """An application moved: tell the citizen if they are in the hall."""

    application_id: str
    hall_id: str
    tracking_code: str
    citizen_ref: str
    previous: Status
    status: Status
    at: datetime


def audit_row(
    hall_id: str,
    at: datetime,
    action: str,
    application_id: str,
    details: Mapping[str, Any],
    *,
    actor: str = "handoff",
    role: str = "system",
) -> AuditRow:
    return AuditRow.record(
        hall_id=hall_id,
        at=at,
        actor_role=role,
        actor_ref=actor,
        action=action,
        application_id=application_id,
        details=dict(details),
    )


def move(
    db: AsyncSession,
    application: ApplicationRow,
    new: Status,
    *,
    actor: str,
    at: datetime,
    detail: Mapping[str, Any] | None = None,
    by_officer: bool = False,
) -> StatusChange | None:
    """Move ``application`` to ``new`` if allowed; None (and nothing written) if not."""
    previous = parse(application.status)
    if not can_move(previous, new, by_officer=by_officer):
        return None
    application.status = new.value
    application.updated_at = at
    db.add(
        ApplicationEventRow(
            application_id=application.id,
            at=at,
            status=new.value,
            actor=actor[:64],
            detail=dict(detail or {}),
        )
    )
    return StatusChange(
        application.id,
        application.hall_id,
        application.tracking_code,
        application.citizen_ref,
        previous,
        new,
        at,
    )


async def apply_status(
    db: AsyncSession,
    *,
    status: str,
    source: Source,
    now: datetime,
    application_id: str | None = None,
    external_ref: str | None = None,
    kind: str | None = None,
    route: Route | None = None,
    reported_at: datetime | None = None,
    detail: Mapping[str, str] | None = None,
) -> StatusChange | None:
    """Apply a back office's ``status`` of one application, in the caller's transaction.

    The application is named by ``application_id`` or by the back office's
    ``external_ref`` (with its ``kind``, and the ``route`` it came through: two
    back offices may hand out the same reference). The report is always audited
    (``status_received``); the status moves only forward, and a report older
    than the last one applied (by ``reported_at``) is ignored. Returns the
    change, or None when nothing moved. Raises :class:`NotFound` for an
    unknown application and :class:`InvalidInput` for an unknown status.
    """
    query = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(1)
    if application_id is not None:
        query = query.where(OutboxRow.application_id == application_id)
    elif external_ref is not None and kind is not None:
        query = query.where(OutboxRow.external_ref == external_ref, OutboxRow.backoffice == kind)
        if route is not None:
            query = query.where(route.where())
    else:
        raise InvalidInput("name the application or the back office's reference and kind")
    row = await db.scalar(query)
    if row is None:
        raise NotFound("no application handed off under this reference", code="unknown_reference")
    application = await db.get(ApplicationRow, row.application_id)
    if application is None:  # pragma: no cover - a foreign key guarantees it
        raise NotFound("no application with this id", code="unknown_application")
    try:
        new = from_backoffice(row.backoffice, status)
    except UnknownStatus as exc:
        raise InvalidInput(str(exc), code="unknown_status") from exc
    details: dict[str, Any] = {"source": source, "backoffice_status": status[:16]}
    safe = {k: str(v)[:200] for k, v in (detail or {}).items() if k in PUBLIC_DETAIL}
    stale = (
        reported_at is not None and row.reported_at is not None and reported_at < row.reported_at
    )
    change = None
    if not stale:
        change = move(
            db,
            application,
            new,
            actor=f"backoffice:{row.backoffice}",
            at=now,
            detail={**details, **safe},
        )
    row.heard_at = now
    row.updated_at = now
    if change is not None:
        if reported_at is not None:
            row.reported_at = reported_at
        if row.state != "delivered":
            # The back office has it (a callback overtook the answer, or followed a dead letter).
            row.state = "delivered"
            row.next_attempt_at = NOT_DUE
            row.external_ref = row.external_ref or external_ref
    db.add(
        audit_row(
            application.hall_id,
            now,
            "status_received",
            application.id,
            {**details, "status": new.value, "applied": change is not None, "stale": stale},
            actor=f"backoffice:{row.backoffice}",
        )
    )
    return change


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    status: Status
    text: dict[str, str]
    detail: dict[str, str]


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a citizen sees of their application."""

    tracking_code: str
    service: str
    status: Status
    #: The current status explained, by language ("id", "en").
    text: dict[str, str]
    filed_at: datetime
    updated_at: datetime
    history: list[HistoryEntry]


def _texts(status: Status) -> dict[str, str]:
    return {"id": text(status, "id"), "en": text(status, "en")}


#: Compared against when there is nothing to compare, so both misses take the same path.
_NO_DIGEST = "0" * 64


async def lookup(db: AsyncSession, tracking_code: str, nik_digest: str) -> Lookup | None:
    """The status and history of the application with ``tracking_code``, if ``nik_digest`` is its citizen's.

    None, and nothing else, both when the code is unknown and when the NIK
    does not match: the answer never tells which.
    """
    application = await db.scalar(
        select(ApplicationRow).where(ApplicationRow.tracking_code == tracking_code[:32])
    )
    expected = _NO_DIGEST
    if application is not None and application.citizen_ref.startswith("account:"):
        account_id = application.citizen_ref.removeprefix("account:")
        if account_id.isdigit():
            account = await db.get(Account, int(account_id))
            if account is not None and account.nik_digest:
                expected = account.nik_digest
    matches = hmac.compare_digest(expected.encode(), nik_digest.encode())
    if application is None or expected == _NO_DIGEST or not matches:
        return None
    events = (
        await db.scalars(
            select(ApplicationEventRow)
            .where(ApplicationEventRow.application_id == application.id)
            .order_by(ApplicationEventRow.at, ApplicationEventRow.id)
        )
    ).all()
    history = [
        HistoryEntry(
            e.at,
            parse(e.status),
            _texts(parse(e.status)),
            {k: str(v) for k, v in e.detail.items() if k in PUBLIC_DETAIL},
        )
        for e in events
    ]
    status = parse(application.status)
    return Lookup(
        application.tracking_code,
        application.service,
        status,
        _texts(status),
        application.created_at,
        application.updated_at,
        history,
    )
