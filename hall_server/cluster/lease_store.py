"""The hall leases in the database: the lease core's rules as conditional UPDATEs.

Every change is one statement whose WHERE clause is the rule of
:class:`hall_server.cluster.lease.Lease` (free or expired to acquire; same
owner and token to renew, release or write), so two nodes racing for a hall
cannot both win: PostgreSQL serialises the two UPDATEs on the row and the
second finds the condition false. :meth:`LeaseStore.fence` runs inside the
transaction of a write that matters (tickets, counter sessions,
applications): it locks the lease row and refuses the whole transaction when
the writer's token is stale. A takeover's UPDATE waits for that lock, so a
write is either committed before the takeover or refused after it.

On SQLite (one node) the same statements run; there is nobody to race.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.cluster.lease import Lease, StaleOwner
from hall_server.db.models import HallLeaseRow, HallNodeRow


@dataclass(slots=True)
class Fence:
    """What a hall's writes are fenced by: this node and the token it acquired the hall under."""

    hall_id: str
    node: str
    token: int

    async def check(self, db: AsyncSession) -> None:
        """In the caller's transaction: lock the lease row, refuse if the token is stale."""
        result = await db.execute(
            update(HallLeaseRow)
            .where(
                HallLeaseRow.hall_id == self.hall_id,
                HallLeaseRow.owner == self.node,
                HallLeaseRow.token == self.token,
            )
            .values(token=HallLeaseRow.token)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise StaleOwner(f"hall {self.hall_id}: fencing token {self.token} is stale")


def _lease(row: HallLeaseRow) -> Lease:
    return Lease(row.hall_id, row.owner, row.owner_url, int(row.token), float(row.expires_at))


class LeaseStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def ensure(self, hall_ids: Iterable[str]) -> None:
        """A free lease row for every hall that has none yet."""
        async with self._sessions.begin() as db:
            insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
            for hall_id in hall_ids:
                await db.execute(
                    insert(HallLeaseRow)
                    .values(hall_id=hall_id, owner=None, owner_url="", token=0, expires_at=0.0)
                    .on_conflict_do_nothing(index_elements=["hall_id"])
                )

    async def leases(self) -> list[Lease]:
        async with self._sessions() as db:
            return [_lease(r) for r in (await db.scalars(select(HallLeaseRow))).all()]

    async def lease(self, hall_id: str) -> Lease | None:
        async with self._sessions() as db:
            row = await db.get(HallLeaseRow, hall_id)
            return _lease(row) if row is not None else None

    async def acquire(
        self, hall_id: str, node: str, url: str, *, now: float, ttl_s: float, force: bool = False
    ) -> int | None:
        """Take a free or expired hall (any hall with ``force``); its new token, or None."""
        free = or_(HallLeaseRow.owner.is_(None), HallLeaseRow.expires_at <= now)
        where = [HallLeaseRow.hall_id == hall_id]
        if not force:
            where.append(free)
        async with self._sessions.begin() as db:
            token = await db.scalar(
                update(HallLeaseRow)
                .where(and_(*where))
                .values(
                    owner=node,
                    owner_url=url,
                    token=HallLeaseRow.token + 1,
                    expires_at=now + ttl_s,
                )
                .returning(HallLeaseRow.token)
            )
        return int(token) if token is not None else None

    async def renew(self, fence: Fence, *, now: float, ttl_s: float) -> bool:
        """Extend the lease; False if the token is no longer the hall's (it was taken over)."""
        async with self._sessions.begin() as db:
            result = await db.execute(
                update(HallLeaseRow)
                .where(
                    HallLeaseRow.hall_id == fence.hall_id,
                    HallLeaseRow.owner == fence.node,
                    HallLeaseRow.token == fence.token,
                )
                .values(expires_at=now + ttl_s)
            )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def release(self, fence: Fence) -> bool:
        """Free the hall at once (after the final flush); the token is kept."""
        async with self._sessions.begin() as db:
            result = await db.execute(
                update(HallLeaseRow)
                .where(
                    HallLeaseRow.hall_id == fence.hall_id,
                    HallLeaseRow.owner == fence.node,
                    HallLeaseRow.token == fence.token,
                )
                .values(owner=None, owner_url="", expires_at=0.0)
            )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def heartbeat(self, node: str, url: str, *, now: float, draining: bool) -> None:
        async with self._sessions.begin() as db:
            insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
            await db.execute(
                insert(HallNodeRow)
                .values(node_id=node, url=url, seen_at=now, draining=draining)
                .on_conflict_do_update(
                    index_elements=["node_id"],
                    set_={"url": url, "seen_at": now, "draining": draining},
                )
            )

    async def live_nodes(self, *, now: float, within_s: float) -> list[str]:
        """Nodes seen within ``within_s`` that are not draining (they may take halls)."""
        async with self._sessions() as db:
            rows = await db.scalars(
                select(HallNodeRow.node_id).where(
                    HallNodeRow.seen_at >= now - within_s, HallNodeRow.draining.is_(False)
                )
            )
            return list(rows.all())

    async def leave(self, node: str) -> None:
        async with self._sessions.begin() as db:
            await db.execute(
                update(HallNodeRow).where(HallNodeRow.node_id == node).values(seen_at=0.0)
            )
