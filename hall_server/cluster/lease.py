"""The hall lease: who owns a hall, until when, under which fencing token.

Pure (no event loop, no I/O, time passed in). A node owns a hall while it
holds an unexpired lease; every acquisition after another owner (or after a
release) increases the hall's fencing token, and it never decreases. A write
that matters carries the token it was decided under and is refused unless
that is still the hall's token and the writer its owner: an owner that was
paused (GC, a stopped VM, a partition) past its expiry, and whose hall was
taken over meanwhile, can no longer write.

``hall_server/cluster/lease_store.py`` runs the same rules as conditional
UPDATEs in the database (``WHERE hall_id = ... AND (owner IS NULL OR
expires_at < now)`` and ``WHERE ... AND owner = ... AND token = ...``), so
the database row is the one truth; this module is that row's behaviour,
tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hall_server.errors import Conflict


class StaleOwner(Conflict):
    """A write or renewal under a fencing token that is no longer the hall's."""

    code = "stale_owner"


class LeaseHeld(Conflict):
    """Another node holds an unexpired lease on the hall."""

    code = "lease_held"


@dataclass(frozen=True, slots=True)
class Lease:
    """One hall's lease row. ``owner`` None: free (released or never taken)."""

    hall_id: str
    owner: str | None = None
    #: where the owner serves the hall's socket (its public WebSocket base URL)
    owner_url: str = ""
    token: int = 0
    #: Unix time (the nodes' clocks are kept by NTP); 0 when free
    expires_at: float = 0.0

    def held_by(self, node: str, now: float) -> bool:
        return self.owner == node and now < self.expires_at

    def free_at(self, now: float) -> bool:
        """Anyone may take it: released, never taken, or expired."""
        return self.owner is None or now >= self.expires_at

    def acquire(self, node: str, url: str, *, now: float, ttl_s: float) -> Lease:
        """Take the hall; a new token (raises :class:`LeaseHeld` if another holds it)."""
        if not self.free_at(now) and self.owner != node:
            raise LeaseHeld(f"hall {self.hall_id} is held by another node")
        return Lease(self.hall_id, node, url, self.token + 1, now + ttl_s)

    def take(self, node: str, url: str, *, now: float, ttl_s: float) -> Lease:
        """Take the hall whoever holds it (a single node: no one else may write)."""
        return Lease(self.hall_id, node, url, self.token + 1, now + ttl_s)

    def renew(self, node: str, token: int, *, now: float, ttl_s: float) -> Lease:
        """Extend the holder's lease. An expired lease that nobody took meanwhile is
        renewed too (its token is still the hall's): nobody else wrote."""
        self.check(node, token)
        return replace(self, expires_at=now + ttl_s)

    def release(self, node: str, token: int) -> Lease:
        """Give the hall up (after a final flush): free at once, token kept."""
        self.check(node, token)
        return Lease(self.hall_id, None, "", self.token, 0.0)

    def check(self, node: str, token: int) -> None:
        """Refuse a write by ``node`` under ``token`` unless it is still the hall's owner."""
        if self.owner != node or self.token != token:
            raise StaleOwner(f"hall {self.hall_id}: fencing token {token} is stale")
