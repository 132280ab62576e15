"""Counter calls in SQL: their audit trail and the recordings kept until retention ends.

The audit rows go to the same append-only ``audit_log`` as every counter
action, with the counter session and ticket, so a complaint about a session
finds its call, the consent given or refused, and the recording files.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.db.models import AuditRow, CallRecordingRow
from realtime.calls.model import RecordingFile

log = logging.getLogger(__name__)


def _ts(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


class CallStore:
    """Audit rows and recording rows of counter calls (all halls of the process)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], retention_s: float) -> None:
        self._sessions = sessions
        self.retention_s = retention_s

    async def audit(
        self,
        *,
        hall_id: str,
        at: float,
        actor_role: str,
        actor_ref: str,
        action: str,
        ticket_id: str | None,
        session_id: str | None,
        details: dict[str, Any],
    ) -> None:
        async with self._sessions.begin() as db:
            db.add(
                AuditRow.record(
                    hall_id=hall_id,
                    at=_ts(at),
                    actor_role=actor_role,
                    actor_ref=actor_ref,
                    action=action,
                    ticket_id=ticket_id,
                    session_id=session_id,
                    details=details,
                )
            )

    async def recording_started(
        self,
        *,
        hall_id: str,
        call_id: str,
        session_id: str,
        ticket_id: str,
        files: dict[str, Path],
        at: float,
    ) -> None:
        async with self._sessions.begin() as db:
            for side, path in files.items():
                db.add(
                    CallRecordingRow(
                        hall_id=hall_id,
                        call_id=call_id,
                        session_id=session_id,
                        ticket_id=ticket_id,
                        side=side,
                        path=str(path),
                        started_at=_ts(at),
                        delete_after=_ts(at + self.retention_s),
                    )
                )

    async def recording_finished(self, call_id: str, files: list[RecordingFile], at: float) -> None:
        async with self._sessions.begin() as db:
            rows = await db.scalars(
                select(CallRecordingRow).where(CallRecordingRow.call_id == call_id)
            )
            by_side = {f.side: f for f in files}
            for row in rows:
                done = by_side.get(row.side)
                if done is None:
                    continue
                row.ended_at = _ts(at)
                row.duration_s = done.duration_s
                row.size_bytes = done.size_bytes
                row.sha256 = done.sha256

    async def recordings(self, call_id: str) -> list[CallRecordingRow]:
        async with self._sessions() as db:
            rows = await db.scalars(
                select(CallRecordingRow)
                .where(CallRecordingRow.call_id == call_id)
                .order_by(CallRecordingRow.id)
            )
            return list(rows.all())

    async def delete_expired(self, now: float) -> int:
        """Delete every recording past its retention: the file, then a note in the audit log."""
        deleted = 0
        async with self._sessions.begin() as db:
            rows = await db.scalars(
                select(CallRecordingRow).where(
                    CallRecordingRow.delete_after <= _ts(now),
                    CallRecordingRow.deleted_at.is_(None),
                )
            )
            for row in rows:
                try:
                    os.unlink(row.path)
                except FileNotFoundError:
                    pass  # already gone (deleted by hand): still record that it is
                except OSError:
                    log.exception("could not delete an expired call recording")
                    continue
                row.deleted_at = _ts(now)
                db.add(
                    AuditRow.record(
                        hall_id=row.hall_id,
                        at=_ts(now),
                        actor_role="system",
                        actor_ref="retention",
                        action="call_recording_deleted",
                        ticket_id=row.ticket_id,
                        session_id=row.session_id,
                        details={
                            "call_id": row.call_id,
                            "side": row.side,
                            "file": Path(row.path).name,
                            "retention_s": self.retention_s,
                        },
                    )
                )
                deleted += 1
        return deleted
