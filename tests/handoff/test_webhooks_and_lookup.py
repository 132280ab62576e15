from __future__ import annotations

import json
import random
from collections.abc import Mapping
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.handoff import BackOfficeKind, DeliveryPolicy
from hall_server.backoffice import (
    CIVIL_REGISTRY_WIRE,
    BackOfficeConfig,
    CivilRegistryClient,
    DeliveryWorker,
    WebhookRejected,
    add_to_outbox,
    lookup,
    receive_webhook,
    sign,
    verify_webhook,
)
from hall_server.db.models import AuditRow, OutboxRow
from tests.handoff.fake_backoffice import NIK_DIGEST, T0, FakeBackOffice, application_row

Sessions = async_sessionmaker[AsyncSession]
SECRET = "whsec_" + "c2VjcmV0LXNoYXJlZC13aXRoLXRoZS1iYWNrLW9mZmljZQ=="


def signed(
    body: Mapping[str, object], *, webhook_id: str = "msg_1", at: int | None = None
) -> tuple[dict[str, str], bytes]:
    raw = json.dumps(body).encode()
    ts = int(T0.timestamp()) if at is None else at
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": "v1,bm90LXRoaXMtb25l " + sign(SECRET, webhook_id, ts, raw),
    }, raw


async def delivered(sessions: Sessions, url: str) -> str:
    """File one application and deliver it; return the back office's reference."""
    async with sessions.begin() as db:
        row = application_row(1)
        db.add(row)
        await add_to_outbox(db, row, kind=BackOfficeKind.CIVIL_REGISTRY, now=T0)
    client = CivilRegistryClient(BackOfficeConfig(url, api_key="secret-key"))
    worker = DeliveryWorker(
        sessions, {"civil_registry": client}, DeliveryPolicy(), lambda: T0, random.Random(1)
    )
    try:
        await worker.run_once(T0)
    finally:
        await client.aclose()
    async with sessions() as db:
        ref = await db.scalar(select(OutboxRow.external_ref))
    assert ref is not None
    return str(ref)


async def receive(sessions: Sessions, headers: dict[str, str], body: bytes, **kw: object) -> object:
    async with sessions.begin() as db:
        return await receive_webhook(
            db,
            kind="civil_registry",
            wire=CIVIL_REGISTRY_WIRE,
            secret=SECRET,
            headers=headers,
            body=body,
            now=T0 + timedelta(seconds=10),
        )


def test_a_genuine_callback_is_verified_with_any_of_its_signatures() -> None:
    headers, body = signed({"reference": "REF-1", "status": "verifying"})
    verified = verify_webhook(SECRET, headers, body, T0)
    assert verified.webhook_id == "msg_1" and verified.json()["status"] == "verifying"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"webhook-signature": "v1,AAAA"}, "webhook_forged"),
        ({"webhook-timestamp": str(int(T0.timestamp()) - 301)}, "webhook_forged"),
        ({"webhook-id": ""}, "webhook_malformed"),
        ({"webhook-timestamp": "yesterday"}, "webhook_malformed"),
    ],
)
def test_a_tampered_callback_is_rejected(change: dict[str, str], code: str) -> None:
    headers, body = signed({"reference": "REF-1", "status": "verifying"})
    with pytest.raises(WebhookRejected) as caught:
        verify_webhook(SECRET, {**headers, **change}, body, T0)
    assert caught.value.code == code


def test_a_changed_body_is_forged() -> None:
    headers, _ = signed({"reference": "REF-1", "status": "verifying"})
    with pytest.raises(WebhookRejected) as caught:
        verify_webhook(SECRET, headers, b'{"reference": "REF-1", "status": "printed"}', T0)
    assert caught.value.code == "webhook_forged"


def test_a_genuine_but_old_callback_is_stale() -> None:
    headers, body = signed({"reference": "REF-1"}, at=int(T0.timestamp()) - 301)
    with pytest.raises(WebhookRejected) as caught:
        verify_webhook(SECRET, headers, body, T0)
    assert caught.value.code == "webhook_stale"
    assert caught.value.http_status == 401


async def test_a_callback_moves_the_status_once_and_a_replay_is_rejected(
    sessions: Sessions, fake: tuple[FakeBackOffice, str]
) -> None:
    _, url = fake
    ref = await delivered(sessions, url)
    headers, body = signed({"reference": ref, "status": "verifying"})
    change = await receive(sessions, headers, body)
    assert change is not None
    with pytest.raises(WebhookRejected) as caught:
        await receive(sessions, headers, body)
    assert caught.value.code == "webhook_replayed"
    async with sessions() as db:
        found = await lookup(db, "TRK00001", NIK_DIGEST)
    assert found is not None and found.status.value == "in_progress"


async def test_a_late_callback_never_moves_an_application_backwards(
    sessions: Sessions, fake: tuple[FakeBackOffice, str]
) -> None:
    _, url = fake
    ref = await delivered(sessions, url)
    approved = {"reference": ref, "status": "approved", "updated_at": "2026-11-30T10:00:00Z"}
    late = {"reference": ref, "status": "verifying", "updated_at": "2026-11-30T09:00:00Z"}
    await receive(sessions, *signed(approved, webhook_id="msg_a"))
    assert await receive(sessions, *signed(late, webhook_id="msg_b")) is None
    async with sessions() as db:
        found = await lookup(db, "TRK00001", NIK_DIGEST)
        audited = (
            await db.scalars(select(AuditRow.action).where(AuditRow.action == "status_received"))
        ).all()
    assert found is not None and found.status.value == "approved"
    assert len(audited) == 2


async def test_a_lost_callback_is_caught_up_by_polling(
    sessions: Sessions, fake: tuple[FakeBackOffice, str]
) -> None:
    office, url = fake
    ref = await delivered(sessions, url)
    office.statuses[ref] = "printed"
    policy = DeliveryPolicy(reconcile_after_s=600)
    client = CivilRegistryClient(BackOfficeConfig(url, api_key="secret-key"))
    worker = DeliveryWorker(
        sessions, {"civil_registry": client}, policy, lambda: T0, random.Random(1)
    )
    try:
        assert await worker.reconcile_once(T0 + timedelta(seconds=60)) == 0  # heard of lately
        assert await worker.reconcile_once(T0 + timedelta(seconds=601)) == 1
        assert await worker.reconcile_once(T0 + timedelta(hours=5)) == 0  # final: not polled
    finally:
        await client.aclose()
    async with sessions() as db:
        found = await lookup(db, "TRK00001", NIK_DIGEST)
    assert found is not None and found.status.value == "completed"
    assert [h.status.value for h in found.history] == [
        "filed",
        "queued",
        "sent",
        "acknowledged",
        "completed",
    ]
    assert found.history[-1].detail == {"reason": "ok"}
    assert found.text["en"].startswith("Done")


async def test_the_lookup_reveals_nothing_for_a_wrong_nik_or_an_unknown_code(
    sessions: Sessions,
) -> None:
    async with sessions.begin() as db:
        row = application_row(1)
        db.add(row)
        await add_to_outbox(db, row, kind=BackOfficeKind.CIVIL_REGISTRY, now=T0)
    async with sessions() as db:
        assert await lookup(db, "TRK00001", "b" * 64) is None
        assert await lookup(db, "TRK99999", NIK_DIGEST) is None
        assert await lookup(db, "TRK99999", "") is None
        found = await lookup(db, "TRK00001", NIK_DIGEST)
    assert found is not None
    assert found.status.value == "queued"
    assert "menunggu" in found.text["id"]
