"""The leases in the database (SQLite and PostgreSQL): one winner per race, stale writes refused."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.cluster.lease import StaleOwner
from hall_server.cluster.lease_store import Fence, LeaseStore
from hall_server.db.models import AuditRow

Sessions = async_sessionmaker[AsyncSession]


async def test_only_one_node_wins_a_free_hall_and_the_loser_waits_for_expiry(
    sessions: Sessions,
) -> None:
    store = LeaseStore(sessions)
    await store.ensure(["h1"])
    await store.ensure(["h1"])  # twice: nothing changes
    won = await asyncio.gather(
        *(store.acquire("h1", n, f"ws://{n}", now=100.0, ttl_s=5.0) for n in "ABC")
    )
    assert sorted(t is not None for t in won) == [False, False, True]
    assert [t for t in won if t is not None] == [1]
    assert await store.acquire("h1", "B", "ws://B", now=104.0, ttl_s=5.0) is None
    assert await store.acquire("h1", "B", "ws://B", now=105.0, ttl_s=5.0) == 2
    lease = await store.lease("h1")
    assert lease is not None and (lease.owner, lease.owner_url, lease.token) == ("B", "ws://B", 2)


async def test_a_stale_owner_cannot_renew_release_or_write(sessions: Sessions) -> None:
    store = LeaseStore(sessions)
    await store.ensure(["h1"])
    old = Fence("h1", "A", await store.acquire("h1", "A", "", now=0.0, ttl_s=5.0) or -1)
    new_token = await store.acquire("h1", "B", "", now=6.0, ttl_s=5.0)  # A was paused
    assert new_token == old.token + 1
    assert not await store.renew(old, now=7.0, ttl_s=5.0)
    assert not await store.release(old)
    # A write that matters, fenced: refused whole, nothing of it committed.
    with pytest.raises(StaleOwner):
        async with sessions.begin() as db:
            await old.check(db)
            db.add(_audit_row())
    # The new owner's write goes through.
    async with sessions.begin() as db:
        await Fence("h1", "B", new_token).check(db)
        db.add(_audit_row())
    async with sessions() as db:
        assert len((await db.scalars(select(AuditRow))).all()) == 1


async def test_release_frees_at_once_and_heartbeats_name_the_live_nodes(sessions: Sessions) -> None:
    store = LeaseStore(sessions)
    await store.ensure(["h1"])
    fence = Fence("h1", "A", await store.acquire("h1", "A", "", now=0.0, ttl_s=5.0) or -1)
    assert await store.release(fence)
    assert await store.acquire("h1", "B", "", now=1.0, ttl_s=5.0) == fence.token + 1
    await store.heartbeat("A", "ws://a", now=10.0, draining=False)
    await store.heartbeat("B", "ws://b", now=10.0, draining=True)
    await store.heartbeat("C", "ws://c", now=2.0, draining=False)
    assert await store.live_nodes(now=11.0, within_s=5.0) == ["A"]


def _audit_row() -> AuditRow:
    from datetime import UTC, datetime

    return AuditRow(
        hall_id="h1",
        at=datetime.now(UTC),
        actor_role="system",
        actor_ref="test",
        action="lease_test",
        details={},
    )
