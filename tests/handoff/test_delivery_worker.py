from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.handoff import BackOfficeKind, DeliveryPolicy
from hall_server.backoffice import (
    BackOfficeConfig,
    CivilRegistryClient,
    DeliveryWorker,
    StatusChange,
    add_to_outbox,
    dead_letters,
    retry_dead,
    submission_of,
)
from hall_server.db.models import ApplicationEventRow, ApplicationRow, AuditRow, OutboxRow
from tests.handoff.fake_backoffice import HALL, T0, FakeBackOffice, application_row
from tests.support.waiting import wait_until

Sessions = async_sessionmaker[AsyncSession]


async def file_applications(sessions: Sessions, count: int, start: int = 1) -> list[str]:
    ids = []
    async with sessions.begin() as db:
        for n in range(start, start + count):
            row = application_row(n)
            db.add(row)
            await add_to_outbox(db, row, kind=BackOfficeKind.CIVIL_REGISTRY, now=T0)
            ids.append(row.id)
    return ids


def worker(
    sessions: Sessions, url: str, policy: DeliveryPolicy, *, key: str = "secret-key", seed: int = 1
) -> tuple[DeliveryWorker, CivilRegistryClient]:
    client = CivilRegistryClient(BackOfficeConfig(url, api_key=key, timeout_s=0.3))
    return (
        DeliveryWorker(
            sessions, {"civil_registry": client}, policy, lambda: T0, random.Random(seed)
        ),
        client,
    )


async def outbox(sessions: Sessions) -> list[OutboxRow]:
    async with sessions() as db:
        return list((await db.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


async def actions(sessions: Sessions) -> list[str]:
    async with sessions() as db:
        return list((await db.scalars(select(AuditRow.action).order_by(AuditRow.id))).all())


async def test_every_application_is_filed_exactly_once_when_a_third_of_requests_fail(
    sessions: Sessions, fake: tuple[FakeBackOffice, str]
) -> None:
    office, url = fake
    office.fail_share = 0.3
    ids = await file_applications(sessions, 40)
    policy = DeliveryPolicy(max_attempts=100, backoff_base_s=1, breaker_fail_max=10**6)
    first, client1 = worker(sessions, url, policy, seed=1)
    second, client2 = worker(sessions, url, policy, seed=2)
    now = T0
    try:
        for _ in range(60):
            # Two workers at once: a row is never claimed by both.
            await asyncio.gather(first.run_once(now), second.run_once(now))
            if all(row.state == "delivered" for row in await outbox(sessions)):
                break
            now += timedelta(hours=1)
    finally:
        await client1.aclose()
        await client2.aclose()
    rows = await outbox(sessions)
    assert [row.state for row in rows] == ["delivered"] * 40
    expected = {f"mpp:{HALL}:{i}" for i in ids}
    assert set(office.filed) == expected
    assert set(office.creations.values()) == {1}
    assert {row.idempotency_key: row.external_ref for row in rows} == office.filed
    async with sessions() as db:
        statuses = set((await db.scalars(select(ApplicationRow.status))).all())
    assert statuses == {"acknowledged"}
    assert "retried" in await actions(sessions)


async def test_a_down_back_office_opens_the_breaker_and_the_backlog_drains_after_recovery(
    sessions: Sessions, fake: tuple[FakeBackOffice, str]
) -> None:
    office, url = fake
    office.down = True
    await file_applications(sessions, 10)
    policy = DeliveryPolicy(
        max_attempts=5, backoff_base_s=0.001, breaker_fail_max=3, breaker_reset_s=60
    )
    delivery, client = worker(sessions, url, policy)
    try:
        assert await delivery.run_once(T0) == 10
        assert delivery.breaker_state("civil_registry") == "open"
        requests = office.requests
        # While open: nothing is claimed, no attempt is counted, nothing is sent.
        for seconds in (1, 30, 59):
            assert await delivery.run_once(T0 + timedelta(seconds=seconds)) == 0
        assert office.requests == requests
        rows = await outbox(sessions)
        assert {row.state for row in rows} == {"pending"}
        assert {row.attempts for row in rows} == {1}
        # Cool-down over: one trial, still down, open again.
        assert await delivery.run_once(T0 + timedelta(seconds=61)) == 1
        assert delivery.breaker_state("civil_registry") == "open"
        office.down = False
        now = T0 + timedelta(seconds=200)
        assert await delivery.run_once(now) == 1  # the trial succeeds: closed
        assert delivery.breaker_state("civil_registry") == "closed"
        await delivery.run_once(now + timedelta(seconds=1))
    finally:
        await client.aclose()
    rows = await outbox(sessions)
    assert [row.state for row in rows] == ["delivered"] * 10
    assert set(office.creations.values()) == {1}
    assert max(row.attempts for row in rows) <= 3


async def test_a_refused_submission_is_a_dead_letter_that_an_officer_can_retry(
    sessions: Sessions, fake: tuple[FakeBackOffice, str]
) -> None:
    office, url = fake
    (app_id,) = await file_applications(sessions, 1)
    changes: list[StatusChange] = []

    async def on_change(change: StatusChange) -> None:
        changes.append(change)

    policy = DeliveryPolicy()
    client = CivilRegistryClient(BackOfficeConfig(url, api_key="wrong"))
    delivery = DeliveryWorker(
        sessions,
        {"civil_registry": client},
        policy,
        lambda: T0,
        random.Random(1),
        on_change=on_change,
    )
    try:
        await delivery.run_once(T0)
    finally:
        await client.aclose()
    # The move to "sent" is told too (every status change reaches the citizen), then the verdict.
    assert [c.status.value for c in changes] == ["sent", "dead_letter"]
    async with sessions() as db:
        dead = await dead_letters(db, HALL)
    assert [row.application_id for row in dead] == [app_id]
    assert dead[0].attempts == 1 and dead[0].last_error is not None
    assert "401" in dead[0].last_error
    async with sessions.begin() as db:
        change = await retry_dead(db, app_id, officer="account:7", now=T0 + timedelta(minutes=5))
    assert change is not None and change.status.value == "queued"
    fixed, client = worker(sessions, url, policy)
    try:
        await fixed.run_once(T0 + timedelta(minutes=5))
    finally:
        await client.aclose()
    (row,) = await outbox(sessions)
    assert row.state == "delivered" and row.external_ref == office.filed[row.idempotency_key]
    log = await actions(sessions)
    for action in ("queued", "sent", "dead_lettered", "dead_letter_retried", "acknowledged"):
        assert action in log


async def test_an_application_is_a_dead_letter_after_the_last_attempt(
    sessions: Sessions, fake: tuple[FakeBackOffice, str]
) -> None:
    office, url = fake
    office.down = True
    await file_applications(sessions, 1)
    policy = DeliveryPolicy(max_attempts=3, backoff_base_s=1, breaker_fail_max=10**6)
    delivery, client = worker(sessions, url, policy)
    now = T0
    try:
        for _ in range(5):
            await delivery.run_once(now)
            now += timedelta(hours=1)
    finally:
        await client.aclose()
    (row,) = await outbox(sessions)
    assert (row.state, row.attempts) == ("dead", 3)
    assert office.requests == 3
    async with sessions() as db:
        history = (
            await db.scalars(select(ApplicationEventRow.status).order_by(ApplicationEventRow.id))
        ).all()
    assert list(history) == ["filed", "queued", "sent", "dead_letter"]


async def test_a_row_claimed_by_a_worker_that_died_is_sent_again_after_its_lease(
    sessions: Sessions, fake: tuple[FakeBackOffice, str]
) -> None:
    office, url = fake
    await file_applications(sessions, 1)
    policy = DeliveryPolicy(claim_lease_s=120)
    delivery, client = worker(sessions, url, policy)
    try:
        # A worker claims and is killed before recording anything.
        claimed = await delivery._claim(T0)
        assert len(claimed) == 1
        await client.submit(submission_of(claimed[0].application), claimed[0].key)
        assert await delivery.run_once(T0 + timedelta(seconds=60)) == 0  # still leased
        assert await delivery.run_once(T0 + timedelta(seconds=121)) == 1
    finally:
        await client.aclose()
    (row,) = await outbox(sessions)
    assert row.state == "delivered" and row.attempts == 2
    assert set(office.creations.values()) == {1}


async def test_a_filing_in_the_same_process_wakes_an_idle_worker_at_once(
    sessions: Sessions, fake: tuple[FakeBackOffice, str]
) -> None:
    office, url = fake
    # Idle for an hour: only wake() can explain a delivery within the guard below.
    policy = DeliveryPolicy(idle_s=3600)
    client = CivilRegistryClient(BackOfficeConfig(url, api_key="secret-key"))
    delivery = DeliveryWorker(
        sessions, {"civil_registry": client}, policy, lambda: T0, random.Random(1)
    )
    # Count the worker's finished rounds (the real method, wrapped), to know when it is idle.
    rounds: list[int] = []
    run_once = delivery.run_once

    async def counted(now: datetime) -> int:
        sent = await run_once(now)
        rounds.append(sent)
        return sent

    delivery.run_once = counted  # type: ignore[method-assign]
    stop = asyncio.Event()
    running = asyncio.create_task(delivery.run_forever(stop))
    try:
        # Instead of a fixed 0.2 s: the first round has found nothing, so the worker goes idle.
        await wait_until(lambda: rounds == [0], 30, "a first round with nothing to send")
        await file_applications(sessions, 1)
        delivery.wake()

        async def delivered() -> bool:
            return [row.state for row in await outbox(sessions)] == ["delivered"]

        await wait_until(delivered, 30, "the application delivered")
    finally:
        stop.set()
        await running
        await client.aclose()
    assert set(office.creations.values()) == {1}
