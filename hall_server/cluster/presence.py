"""Who is in a hall and where, kept in Redis so that another node can take the hall over.

The owner of a hall writes, every lease renewal and at its final flush, the
hall's resumable avatars (:meth:`realtime.hall.Hall.resumable`) as one JSON
value under ``hall:{id}:presence`` (one SET: a reader sees a whole snapshot).
A node that takes the hall over restores them as detached avatars
(:meth:`realtime.hall.Hall.restore`) before anyone joins, so a client that
reconnects with its resume token within the grace gets its avatar back where
it stood. Resume tokens are stored only as SHA-256 digests, the key the new
owner finds them by: Redis never holds a usable token. The value expires
after the resume grace (nothing in it could be resumed later).
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from avatars.model import Identity, Role
from realtime.hall import Hall

log = logging.getLogger(__name__)


def resume_key(resume_token: str) -> str:
    """What a restored avatar is found by: the token's digest."""
    return hashlib.sha256(resume_token.encode()).hexdigest()


def snapshot(hall: Hall) -> list[dict[str, Any]]:
    """The hall's resumable avatars, tokens digested."""
    out = []
    for entry in hall.resumable():
        token = str(entry.pop("resume_token"))
        # An avatar restored here and not resumed yet holds its key already: hashing it
        # again would lose it at the next hand-over.
        key = token if entry.pop("keyed") else resume_key(token)
        out.append({**entry, "resume_key": key})
    return out


def restore(hall: Hall, entries: list[dict[str, Any]], *, now: float) -> int:
    """Place the snapshot's avatars in a fresh hall, detached; how many were placed."""
    placed = 0
    for e in entries:
        try:
            identity = Identity(
                str(e["subject"]),
                Role(str(e["role"])),
                str(e["name"]),
                token_role=str(e["token_role"]),
                elderly=bool(e["elderly"]),
            )
            hall.restore(
                identity,
                str(e["profile"]),
                avatar_id=int(e["avatar_id"]),
                session_id=str(e["session_id"]),
                resume_key=str(e["resume_key"]),
                position=(float(e["x"]), float(e["y"]), float(e["yaw"])),
                now=now,
            )
            placed += 1
        except Exception:  # one bad entry must not keep the hall from starting
            log.warning("presence entry not restored", extra={"hall": hall.hall_id}, exc_info=True)
    return placed


class Presence:
    """The snapshots in Redis (``url``), or nowhere (one node: None)."""

    def __init__(self, url: str | None, *, keep_s: float) -> None:
        self._keep_ms = max(1000, int(keep_s * 1000))
        self._client: Any = None
        if url:
            import redis.asyncio as redis  # only deployments with Redis need it

            self._client = redis.from_url(url)

    @property
    def kept(self) -> bool:
        """Whether presence outlives this process (there is a Redis to keep it in)."""
        return self._client is not None

    @staticmethod
    def _key(hall_id: str) -> str:
        return f"hall:{hall_id}:presence"

    async def save(self, hall: Hall) -> int:
        """Save the hall's presence; how many people it holds."""
        if self._client is None:
            return 0
        entries = snapshot(hall)
        value = json.dumps(entries, separators=(",", ":"))
        await self._client.set(self._key(hall.hall_id), value, px=self._keep_ms)
        return len(entries)

    async def load(self, hall_id: str) -> list[dict[str, Any]]:
        if self._client is None:
            return []
        raw = await self._client.get(self._key(hall_id))
        if not raw:
            return []
        data = json.loads(raw)
        return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
