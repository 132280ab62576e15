"""Where the hall records sessions (who was in which hall, when), behind a port.

The realtime edge calls a :class:`Journal`; ``hall_server.journal`` writes to
the database. Recording never blocks a message or a tick: the runtime runs
each call as a background task and logs a failure instead of raising it.
"""

from __future__ import annotations

from typing import Protocol


class Journal(Protocol):
    async def started(
        self, *, session_id: str, hall_id: str, role: str, subject: str, resume_token: str
    ) -> None:
        """A session joined a hall (not called for a resume)."""

    async def ended(self, *, session_id: str, reason: str) -> None:
        """A session ended: ``left``, ``expired`` (resume grace ran out) or ``shutdown``."""


class NullJournal:
    """Records nothing (pure tests and tools)."""

    async def started(
        self, *, session_id: str, hall_id: str, role: str, subject: str, resume_token: str
    ) -> None:
        return None

    async def ended(self, *, session_id: str, reason: str) -> None:
        return None
