"""Complaints in the database: each change and its audit row in one transaction.

The decisions are counters/complaints.py's; this module loads a complaint,
lets the core change it, and writes it back with one audit row per
:class:`~counters.complaints.Step` (``AuditRow.record``). The audit rows name
the complaint by its random id and say what happened, never its text, its
tracking code or (for an anonymous complaint) who sent it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.complaints import (
    Complaint,
    ComplaintRules,
    Step,
    attach_photo,
    close_if_silent,
    forward,
    lapor_form,
)
from counters.handoff import BackOfficeKind
from hall_server.backoffice.outbox import add_to_outbox
from hall_server.db.models import ApplicationRow, AuditRow, ComplaintPhotoRow, ComplaintRow
from hall_server.errors import NotFound

T = TypeVar("T")


def _ts(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


def _audit(complaint: Complaint, step: Step, actor_role: str) -> AuditRow:
    # The reporter only when they chose to be known (anonim keeps no reporter).
    citizen = step.actor == "citizen"
    actor_ref = (complaint.reporter_ref or "anonymous") if citizen else step.actor
    return AuditRow.record(
        hall_id=complaint.hall_id,
        at=_ts(step.at),
        actor_role=actor_role,
        actor_ref=actor_ref,
        action=f"complaint_{step.kind}",
        details={
            "complaint_id": complaint.complaint_id,
            "category": complaint.category,
            "stage": complaint.stage,
        },
    )


def _role_of(step: Step) -> str:
    if step.actor == "citizen":
        return "citizen"
    if step.actor == "system":
        return "system"
    return "supervisor"


class ComplaintStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, complaint: Complaint, photo: tuple[str, bytes] | None = None) -> None:
        async with self._sessions.begin() as db:
            db.add(
                ComplaintRow(
                    id=complaint.complaint_id,
                    hall_id=complaint.hall_id,
                    tracking_code=complaint.tracking_code,
                    stage=complaint.stage,
                    received_at=_ts(complaint.received_at),
                    updated_at=_ts(complaint.received_at),
                    data=complaint.to_json(),
                )
            )
            await db.flush()
            if photo is not None:
                db.add(
                    ComplaintPhotoRow(
                        complaint_id=complaint.complaint_id, media_type=photo[0], data=photo[1]
                    )
                )
            for step in complaint.steps:
                db.add(_audit(complaint, step, _role_of(step)))

    async def set_photo(self, tracking_code: str, photo: dict[str, Any], data: bytes) -> None:
        """Attach the photo (the core checks it is the first, before verification)."""
        now = time.time()
        async with self._sessions.begin() as db:
            row = await db.scalar(
                select(ComplaintRow)
                .where(ComplaintRow.tracking_code == tracking_code)
                .with_for_update()
            )
            if row is None:
                raise NotFound("no such complaint", code="unknown_complaint")
            complaint = Complaint.from_json(row.data)
            step = attach_photo(complaint, photo, now)
            row.data = complaint.to_json()
            row.updated_at = _ts(now)
            db.add(
                ComplaintPhotoRow(
                    complaint_id=complaint.complaint_id, media_type=photo["media_type"], data=data
                )
            )
            db.add(_audit(complaint, step, "citizen"))

    async def by_code(self, tracking_code: str) -> Complaint:
        async with self._sessions() as db:
            row = await db.scalar(
                select(ComplaintRow).where(ComplaintRow.tracking_code == tracking_code)
            )
        if row is None:
            raise NotFound("no complaint with this tracking code", code="unknown_complaint")
        return Complaint.from_json(row.data)

    async def of_hall(self, hall_id: str, *, stage: str | None = None) -> list[Complaint]:
        async with self._sessions() as db:
            query = select(ComplaintRow).where(ComplaintRow.hall_id == hall_id)
            if stage is not None:
                query = query.where(ComplaintRow.stage == stage)
            rows = (await db.scalars(query.order_by(ComplaintRow.received_at.desc()))).all()
        return [Complaint.from_json(r.data) for r in rows]

    async def photo(self, hall_id: str, complaint_id: str) -> tuple[str, bytes]:
        async with self._sessions() as db:
            row = await db.get(ComplaintRow, complaint_id)
            photo = await db.get(ComplaintPhotoRow, complaint_id)
        if row is None or row.hall_id != hall_id or photo is None:
            raise NotFound("no photo for this complaint", code="unknown_complaint")
        return photo.media_type, photo.data

    async def change(
        self,
        *,
        hall_id: str | None = None,
        complaint_id: str | None = None,
        tracking_code: str | None = None,
        change: Callable[[Complaint], T],
    ) -> tuple[Complaint, T]:
        """Load one complaint (by id within a hall, or by tracking code), apply
        ``change`` (a core function that appends steps), and write it with the
        audit rows of the new steps, in one transaction."""
        async with self._sessions.begin() as db:
            if complaint_id is not None:
                row = await db.get(ComplaintRow, complaint_id, with_for_update=True)
                if row is not None and row.hall_id != hall_id:
                    row = None
            else:
                row = await db.scalar(
                    select(ComplaintRow)
                    .where(ComplaintRow.tracking_code == tracking_code)
                    .with_for_update()
                )
            if row is None:
                raise NotFound("no such complaint", code="unknown_complaint")
            complaint = Complaint.from_json(row.data)
            before = len(complaint.steps)
            result = change(complaint)
            new_steps = complaint.steps[before:]
            if new_steps:
                row.data = complaint.to_json()
                row.stage = complaint.stage
                row.updated_at = _ts(new_steps[-1].at)
                for step in new_steps:
                    db.add(_audit(complaint, step, _role_of(step)))
        return complaint, result

    async def forward(self, hall_id: str, complaint_id: str, actor: str, now: float) -> Complaint:
        """Forward to SP4N-LAPOR! through the hand-off outbox, in one transaction: an
        application of kind ``lapor`` (its form the complaint without its reporter),
        its outbox row, the complaint's ``forwarded`` step and their audit rows."""
        at = _ts(now)
        async with self._sessions.begin() as db:
            row = await db.get(ComplaintRow, complaint_id, with_for_update=True)
            if row is None or row.hall_id != hall_id:
                raise NotFound("no such complaint", code="unknown_complaint")
            complaint = Complaint.from_json(row.data)
            step = forward(complaint, actor, now)
            application = ApplicationRow(
                id=f"lapor-{complaint.complaint_id}",
                hall_id=hall_id,
                tracking_code=f"LPR-{complaint.complaint_id}"[:32],
                service="PENGADUAN",
                ticket_id=None,
                session_id=None,
                citizen_ref="complaint",
                status="forwarded",
                fee_idr=0,
                created_at=at,
                updated_at=at,
                data={"form": lapor_form(complaint), "checklist": {}, "filed_by": actor},
            )
            await add_to_outbox(db, application, kind=BackOfficeKind.LAPOR, now=at)
            row.data = complaint.to_json()
            row.updated_at = at
            db.add(_audit(complaint, step, "supervisor"))
        return complaint

    async def close_silent(self, rules: ComplaintRules, now: float) -> int:
        """Close every followed-up complaint whose reporter stayed silent past its closing day."""
        async with self._sessions() as db:
            ids = list(
                (
                    await db.scalars(
                        select(ComplaintRow.id).where(ComplaintRow.stage == "followed_up")
                    )
                ).all()
            )
        closed = 0
        for complaint_id in ids:
            async with self._sessions.begin() as db:
                row = await db.get(ComplaintRow, complaint_id, with_for_update=True)
                if row is None:
                    continue
                complaint = Complaint.from_json(row.data)
                step = close_if_silent(complaint, now, rules)
                if step is None:
                    continue
                row.data = complaint.to_json()
                row.stage = complaint.stage
                row.updated_at = _ts(now)
                db.add(_audit(complaint, step, "system"))
                closed += 1
        return closed
