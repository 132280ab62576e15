"""The session journal in the database (accounts, halls, sessions tables)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.db import repo
from hall_server.errors import NotFound


class DatabaseJournal:
    """Implements realtime.journal.Journal with the repository functions."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def started(
        self, *, session_id: str, hall_id: str, role: str, subject: str, resume_token: str
    ) -> None:
        kind, _, ident = subject.partition(":")
        account_id = int(ident) if kind == "account" and ident.isdigit() else None
        async with self._sessions.begin() as db:
            await repo.record_session_start(
                db,
                session_id=session_id,
                hall_id=hall_id,
                role=role,
                # Only a digest: the database must not hold a usable resume token.
                resume_token_digest=hashlib.sha256(resume_token.encode()).hexdigest(),
                now=datetime.now(UTC),
                account_id=account_id,
            )

    async def ended(self, *, session_id: str, reason: str) -> None:
        try:
            async with self._sessions.begin() as db:
                await repo.record_session_end(db, session_id, reason=reason, now=datetime.now(UTC))
        except NotFound:
            pass  # its start was never recorded (the journal was down then)

    async def register_hall(self, *, hall_id: str, name: str, scene_id: str) -> None:
        async with self._sessions.begin() as db:
            await repo.upsert_hall(
                db, hall_id=hall_id, name=name, scene_id=scene_id, now=datetime.now(UTC)
            )
