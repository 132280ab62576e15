"""The claim lease: short (a crashed worker's rows are due again within seconds), renewed
while a live worker's delivery is in flight (a slow back office is not sent a row twice).

Real databases (SQLite and PostgreSQL, the ``db_url`` fixture), a real HTTP back office on
loopback, two real workers.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.handoff import BackOfficeKind, DeliveryPolicy
from hall_server.backoffice import (
    BackOfficeConfig,
    CivilRegistryClient,
    DeliveryWorker,
    add_to_outbox,
)
from hall_server.db.models import OutboxRow
from hall_server.settings import Settings
from tests.handoff.fake_backoffice import FakeBackOffice, application_row
from tests.support.waiting import wait_until

Sessions = async_sessionmaker[AsyncSession]


async def claims_of(sessions: Sessions) -> int:
    async with sessions() as db:
        return int(await db.scalar(select(OutboxRow.claims)) or 0)


def test_the_default_lease_lets_deliveries_resume_within_ten_seconds_of_a_crash() -> None:
    assert DeliveryPolicy().claim_lease_s <= 10
    assert Settings.from_env({}).handoff_claim_lease_s <= 10
    assert Settings.from_env({"HALL_HANDOFF_CLAIM_LEASE_S": "2.5"}).handoff_claim_lease_s == 2.5


async def test_a_renewing_worker_is_not_double_delivered_while_its_send_outlasts_the_lease(
    sessions: Sessions, fake: tuple[FakeBackOffice, str]
) -> None:
    office, url = fake
    office.force, office.hang_s = "hang-after", 1.5  # files, then answers 1.5 s later
    now = datetime.now(UTC)
    async with sessions.begin() as db:
        row = application_row(1, at=now)
        db.add(row)
        await add_to_outbox(db, row, kind=BackOfficeKind.CIVIL_REGISTRY, now=now)
    # A lease much shorter than the send: only renewals keep the row hidden.
    policy = DeliveryPolicy(claim_lease_s=0.4, breaker_fail_max=10**6)
    clients = [CivilRegistryClient(BackOfficeConfig(url, api_key="secret-key", timeout_s=10))]
    clients.append(CivilRegistryClient(BackOfficeConfig(url, api_key="secret-key", timeout_s=10)))
    slow, rival = (
        DeliveryWorker(
            sessions,
            {"civil_registry": client},
            policy,
            lambda: datetime.now(UTC),
            random.Random(seed),
        )
        for seed, client in enumerate(clients)
    )
    try:
        first = asyncio.create_task(slow.run_once(datetime.now(UTC)))

        async def claimed_once() -> bool:
            return await claims_of(sessions) == 1

        await wait_until(claimed_once, 10, "the slow worker to claim the row", interval=0.01)
        rival_sent = 0
        # The rival keeps looking for due rows for as long as the slow send lasts.
        while not first.done():
            rival_sent += await rival.run_once(datetime.now(UTC))
            await asyncio.sleep(0.02)  # paces the rival's look-ups (a worker's poll), no condition
        assert await first == 1
    finally:
        for client in clients:
            await client.aclose()
    assert rival_sent == 0
    assert office.requests == 1
    async with sessions() as db:
        (stored,) = (await db.scalars(select(OutboxRow))).all()
    assert (stored.state, stored.attempts, stored.claims) == ("delivered", 1, 1)


async def test_a_row_of_a_worker_that_stopped_renewing_is_due_after_one_short_lease(
    sessions: Sessions, fake: tuple[FakeBackOffice, str]
) -> None:
    office, url = fake
    now = datetime.now(UTC)
    async with sessions.begin() as db:
        row = application_row(1, at=now)
        db.add(row)
        await add_to_outbox(db, row, kind=BackOfficeKind.CIVIL_REGISTRY, now=now)
    policy = DeliveryPolicy()
    client = CivilRegistryClient(BackOfficeConfig(url, api_key="secret-key"))
    delivery = DeliveryWorker(
        sessions, {"civil_registry": client}, policy, lambda: now, random.Random(1)
    )
    try:
        # Claimed by a worker that then died: nothing renews its lease.
        assert len(await delivery._claim(now)) == 1
        assert await delivery.run_once(now + timedelta(seconds=policy.claim_lease_s / 2)) == 0
        assert await delivery.run_once(now + timedelta(seconds=10)) == 1
    finally:
        await client.aclose()
    assert set(office.creations.values()) == {1}
