"""Signed callbacks from back offices (Standard Webhooks), verified and de-duplicated.

A callback carries ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256>`` signatures
of ``f"{id}.{timestamp}.{body}"`` under the shared secret (``whsec_<base64>``,
or any other string used as raw bytes). Several signatures let a back office
rotate its secret. :func:`verify_webhook` is pure (forged, stale, malformed);
:func:`receive_webhook` adds the replay check and applies the status, in one
transaction, so a callback is either fully taken or can be sent again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hall_server.backoffice.errors import WebhookRejected
from hall_server.backoffice.ports import WireFormat
from hall_server.backoffice.routes import Route
from hall_server.backoffice.status import StatusChange, apply_status
from hall_server.db.models import WebhookReceiptRow

#: Largest callback body read (a status update is a few hundred bytes).
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class VerifiedWebhook:
    webhook_id: str
    #: The sender's timestamp (Unix seconds).
    timestamp: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def secret_bytes(secret: str | bytes) -> bytes:
    """The HMAC key of a secret: ``whsec_`` + base64 is decoded, anything else taken as is."""
    if isinstance(secret, bytes):
        return secret
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except binascii.Error as exc:
            raise ValueError("webhook secret: whsec_ prefix but not base64") from exc
    return secret.encode()


def sign(secret: str | bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of a callback (for senders and tests)."""
    content = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_webhook(
    secret: str | bytes,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    tolerance_s: float = 300,
) -> VerifiedWebhook:
    """Check a callback's signature and timestamp; raise :class:`WebhookRejected` if wrong.

    Codes: ``webhook_malformed`` (a header missing or unreadable, a body too
    large), ``webhook_forged`` (no signature matches), ``webhook_stale`` (a
    genuine signature, but the timestamp is more than ``tolerance_s`` from
    ``now``). The replay check needs the database: :func:`receive_webhook`.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    webhook_id = lowered.get("webhook-id", "")
    raw_ts = lowered.get("webhook-timestamp", "")
    signatures = lowered.get("webhook-signature", "")
    if not webhook_id or len(webhook_id) > 128 or not raw_ts.isdigit() or not signatures:
        raise WebhookRejected("missing or bad webhook-* headers", code="webhook_malformed")
    if len(body) > MAX_BODY_BYTES:
        raise WebhookRejected("callback body too large", code="webhook_malformed")
    timestamp = int(raw_ts)
    expected = sign(secret, webhook_id, timestamp, body).encode()
    if not any(
        hmac.compare_digest(expected, candidate.encode())
        for candidate in signatures.split()
        if candidate.startswith("v1,")
    ):
        raise WebhookRejected("no valid signature", code="webhook_forged")
    if abs(now.timestamp() - timestamp) > tolerance_s:
        raise WebhookRejected("callback timestamp outside the tolerance", code="webhook_stale")
    return VerifiedWebhook(webhook_id, timestamp, body)


async def record_receipt(db: AsyncSession, webhook_id: str, now: datetime) -> None:
    """Remember ``webhook_id``; ``webhook_replayed`` if it was received before."""
    if await db.get(WebhookReceiptRow, webhook_id) is not None:
        raise WebhookRejected("callback already received", code="webhook_replayed")
    db.add(WebhookReceiptRow(webhook_id=webhook_id, received_at=now))
    try:
        await db.flush()
    except IntegrityError as exc:  # the same callback, at the same time, elsewhere
        raise WebhookRejected("callback already received", code="webhook_replayed") from exc


async def receive_webhook(
    db: AsyncSession,
    *,
    kind: str,
    wire: WireFormat,
    secret: str | bytes,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    tolerance_s: float = 300,
    route: Route | None = None,
) -> StatusChange | None:
    """Verify, de-duplicate and apply one status callback of a ``kind`` back office.

    ``route`` is the back office the callback is for (its secret verified it):
    only its applications are looked at. Call inside a transaction (``async
    with sessions.begin() as db``); raises :class:`WebhookRejected`, or
    NotFound/InvalidInput from :func:`apply_status`.
    """
    verified = verify_webhook(secret, headers, body, now, tolerance_s)
    await record_receipt(db, verified.webhook_id, now)
    try:
        data = verified.json()
        report = wire.report(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise WebhookRejected("callback body unreadable", code="webhook_malformed") from exc
    return await apply_status(
        db,
        external_ref=report.reference,
        kind=kind,
        route=route,
        status=report.status,
        source="webhook",
        now=now,
        reported_at=report.reported_at,
        detail=report.detail,
    )


async def prune_receipts(db: AsyncSession, now: datetime, tolerance_s: float = 300) -> int:
    """Forget receipts older than twice the tolerance: such callbacks are refused as stale anyway."""
    cutoff = now - timedelta(seconds=2 * tolerance_s)
    result = await db.execute(
        delete(WebhookReceiptRow).where(WebhookReceiptRow.received_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)
