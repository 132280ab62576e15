"""Where uploaded documents are kept: a small interface, and its SQL implementation.

The default keeps the bytes in the hall's own database (SQLite or
PostgreSQL, table ``documents``): one thing to back up, and the same
retention sweep as the rest. A deployment with an object store would
implement :class:`DocumentStore` against it instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.documents import DocumentInfo
from hall_server.db.models import AuditRow, DocumentRow

log = logging.getLogger(__name__)


def _ts(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A stored document: who it belongs to, what it is, and its bytes."""

    info: DocumentInfo
    hall_id: str
    session_id: str
    citizen_ref: str
    data: bytes


class DocumentStore(Protocol):
    """What the upload and download routes need from a store of documents."""

    async def put(
        self,
        info: DocumentInfo,
        *,
        hall_id: str,
        session_id: str,
        citizen_ref: str,
        data: bytes,
        at: float,
    ) -> None: ...

    async def get(self, document_id: str) -> StoredDocument | None: ...

    async def delete(self, document_id: str) -> None: ...

    async def delete_expired(self, now: float) -> int: ...


class SqlDocumentStore:
    """Documents in the hall's database, deleted ``retention_s`` after their upload."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], retention_s: float) -> None:
        self._sessions = sessions
        self.retention_s = retention_s

    async def put(
        self,
        info: DocumentInfo,
        *,
        hall_id: str,
        session_id: str,
        citizen_ref: str,
        data: bytes,
        at: float,
    ) -> None:
        async with self._sessions.begin() as db:
            db.add(
                DocumentRow(
                    id=info.document_id,
                    hall_id=hall_id,
                    session_id=session_id,
                    citizen_ref=citizen_ref,
                    requirement=info.requirement,
                    media_type=info.media_type,
                    size_bytes=info.size,
                    sha256=info.sha256,
                    data=data,
                    created_at=_ts(at),
                    delete_after=_ts(at + self.retention_s),
                )
            )

    async def get(self, document_id: str) -> StoredDocument | None:
        async with self._sessions() as db:
            row = await db.get(DocumentRow, document_id)
            if row is None:
                return None
            info = DocumentInfo(row.id, row.requirement, row.media_type, row.size_bytes, row.sha256)
            return StoredDocument(info, row.hall_id, row.session_id, row.citizen_ref, row.data)

    async def delete(self, document_id: str) -> None:
        async with self._sessions.begin() as db:
            await db.execute(delete(DocumentRow).where(DocumentRow.id == document_id))

    async def delete_expired(self, now: float) -> int:
        """Delete every document past its retention, bytes and all, noting each in the audit log."""
        async with self._sessions.begin() as db:
            rows = (
                await db.execute(
                    select(
                        DocumentRow.id,
                        DocumentRow.hall_id,
                        DocumentRow.session_id,
                        DocumentRow.requirement,
                    ).where(DocumentRow.delete_after <= _ts(now))
                )
            ).all()
            for document_id, hall_id, session_id, requirement in rows:
                db.add(
                    AuditRow.record(
                        hall_id=hall_id,
                        at=_ts(now),
                        actor_role="system",
                        actor_ref="retention",
                        action="document_deleted",
                        ticket_id=None,
                        session_id=session_id,
                        details={
                            "document_id": document_id,
                            "requirement": requirement,
                            "retention_s": self.retention_s,
                        },
                    )
                )
            if rows:
                await db.execute(
                    delete(DocumentRow).where(DocumentRow.id.in_([r[0] for r in rows]))
                )
        return len(rows)
