"""The session journal in the database (accounts, halls, sessions tables).

Joins and leaves come in bursts (a thousand guests joining in seconds at a
trade show). Writing each in its own transaction exhausted the connection
pool and, on SQLite, hit "database is locked". So calls only enqueue; one
writer task drains the queue and writes each batch in one transaction, in
order.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.db import repo
from hall_server.errors import NotFound

log = logging.getLogger(__name__)

#: Most journal entries written in one transaction.
BATCH = 500


class DatabaseJournal:
    """Implements realtime.journal.Journal; :meth:`start` and :meth:`stop` run its writer."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._write_forever(), name="journal")

    async def stop(self) -> None:
        """Write what is queued, then end the writer."""
        if self._task is not None:
            self._queue.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def started(
        self, *, session_id: str, hall_id: str, role: str, subject: str, resume_token: str
    ) -> None:
        kind, _, ident = subject.partition(":")
        self._queue.put_nowait(
            (
                "start",
                {
                    "session_id": session_id,
                    "hall_id": hall_id,
                    "role": role,
                    "account_id": int(ident) if kind == "account" and ident.isdigit() else None,
                    # Only a digest: the database must not hold a usable resume token.
                    "resume_token_digest": hashlib.sha256(resume_token.encode()).hexdigest(),
                    "now": datetime.now(UTC),
                },
            )
        )

    async def ended(self, *, session_id: str, reason: str) -> None:
        self._queue.put_nowait(
            ("end", {"session_id": session_id, "reason": reason, "now": datetime.now(UTC)})
        )

    async def register_hall(self, *, hall_id: str, name: str, scene_id: str) -> None:
        async with self._sessions.begin() as db:
            await repo.upsert_hall(
                db, hall_id=hall_id, name=name, scene_id=scene_id, now=datetime.now(UTC)
            )

    async def _write_forever(self) -> None:
        done = False
        while not done:
            first = await self._queue.get()
            batch = [first]
            while len(batch) < BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            done = None in batch
            entries = [entry for entry in batch if entry is not None]
            if entries:
                try:
                    await self._write(entries)
                except Exception:
                    log.exception("session journal batch failed", extra={"entries": len(entries)})

    async def _write(self, entries: list[tuple[str, dict[str, Any]]]) -> None:
        async with self._sessions.begin() as db:
            for kind, values in entries:
                if kind == "start":
                    await repo.record_session_start(db, **values)
                else:
                    with contextlib.suppress(NotFound):  # its start was never recorded
                        await repo.record_session_end(
                            db, values["session_id"], reason=values["reason"], now=values["now"]
                        )
