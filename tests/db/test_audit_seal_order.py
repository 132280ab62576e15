"""Leaf order is stable under concurrent writers and concurrent sealers (PostgreSQL).

On PostgreSQL a row can take id 1, then commit after row 2: a tree in id
order would change under anyone who already checked it. The seal gives a leaf
index to what is committed when it runs; the late row comes after, and every
earlier checkpoint stays a prefix. Two nodes sealing at once (two AuditLog
objects over one database) never hand out one index twice.
SQLite serialises writers, so none of this can happen there.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.audit_note import open_checkpoint
from counters.audit_tree import verify_consistency
from counters.audit_verify import verify
from hall_server.audit_log import AuditLog, audit_signing_key, read_snapshot
from hall_server.db import create_engine, make_sessionmaker
from hall_server.db.migrate import upgrade
from hall_server.db.models import AuditLeafRow, AuditRow
from tests.servers import fresh_postgres_database

KEY = audit_signing_key(b"a test hall's secret of 32 bytes")
ORIGIN = "test.local/audit"


def _row(n: int) -> AuditRow:
    return AuditRow.record(
        hall_id="mpp-kendari",
        at=datetime.now(UTC),
        actor_role="bot",
        actor_ref="bot-1",
        action="ticket_called",
        ticket_id=f"t{n}",
        details={"n": n},
    )


@pytest.fixture
async def pg_sessions() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with fresh_postgres_database() as url:
        await upgrade(url)
        engine = create_engine(url)
        try:
            yield make_sessionmaker(engine)
        finally:
            await engine.dispose()


async def test_a_row_that_commits_late_is_sealed_after_the_rows_sealed_before_it(
    pg_sessions: async_sessionmaker[AsyncSession],
) -> None:
    audit = AuditLog(pg_sessions, key=KEY, origin=ORIGIN)
    async with pg_sessions() as slow:
        await slow.begin()
        early = _row(1)
        slow.add(early)
        await slow.flush()  # takes its id now, commits later
        async with pg_sessions.begin() as db:
            later = _row(2)
            db.add(later)
        assert early.id < later.id
        first = await audit.seal(datetime.now(UTC))
        assert (first.sealed, first.size) == (1, 1)
        await slow.commit()
    second = await audit.seal(datetime.now(UTC))
    assert (second.sealed, second.size) == (1, 2)

    async with pg_sessions() as db:
        order = (
            await db.scalars(select(AuditLeafRow.row_id).order_by(AuditLeafRow.leaf_index))
        ).all()
    assert order == [later.id, early.id]
    assert first.note is not None and second.note is not None
    one = open_checkpoint(first.note, ORIGIN, KEY.public_key())
    two = open_checkpoint(second.note, ORIGIN, KEY.public_key())
    proof = [base64.b64decode(p) for p in (await audit.consistency(1, 2))["proof"]]
    verify_consistency(1, 2, one.root, two.root, proof)
    snapshot = await read_snapshot(pg_sessions)
    report = verify(snapshot.leaves, [one, two])
    assert report.ok, report.problem


async def test_two_nodes_sealing_at_once_share_out_the_leaves(
    pg_sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with pg_sessions.begin() as db:
        db.add_all(_row(n) for n in range(40))
    nodes = [AuditLog(pg_sessions, key=KEY, origin=ORIGIN) for _ in range(2)]
    results = await asyncio.gather(*(node.seal(datetime.now(UTC)) for node in nodes))
    assert sorted(r.sealed for r in results) == [0, 40]
    async with pg_sessions.begin() as db:
        db.add_all(_row(n) for n in range(40, 45))
    await asyncio.gather(*(node.seal(datetime.now(UTC)) for node in nodes))
    snapshot = await read_snapshot(pg_sessions)
    assert [leaf.index for leaf in snapshot.leaves] == list(range(45))
    assert snapshot.unsealed == 0
    signed = [open_checkpoint(n, ORIGIN, KEY.public_key()) for n in snapshot.notes]
    assert verify(snapshot.leaves, signed).ok
