"""Standard Webhooks (https://www.standardwebhooks.com): signing, verifying, sending.

Each callback carries three headers:

- ``webhook-id``: the message id, the same on every retry of one message
  (receivers de-duplicate by it);
- ``webhook-timestamp``: integer seconds since the Unix epoch, of this attempt;
- ``webhook-signature``: ``v1,`` + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")).

The key is the base64-decoded part after ``whsec_`` when the secret has that
prefix (the Standard Webhooks convention), otherwise the secret's UTF-8 bytes.
:func:`sign` and :func:`verify` are pure; :func:`send` does one HTTP attempt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

import httpx

SECRET_PREFIX = "whsec_"


def secret_key(secret: str) -> bytes:
    """The HMAC key of a secret (see the module docstring)."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
        except binascii.Error:
            raise ValueError("a whsec_ secret must be base64") from None
    return secret.encode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """All headers of one signed callback."""
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


def verify(
    secret: str,
    received: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    tolerance_s: float = 300.0,
) -> bool:
    """True when ``received`` headers sign ``body`` and the timestamp is within tolerance.

    The signature header may list several space-separated ``v1,<sig>`` entries
    (key rotation); any match is enough.
    """
    msg_id = received.get("webhook-id")
    raw_ts = received.get("webhook-timestamp")
    signatures = received.get("webhook-signature")
    if not msg_id or not raw_ts or not signatures:
        return False
    try:
        timestamp = int(raw_ts)
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, msg_id, timestamp, body)
    return any(hmac.compare_digest(expected, s) for s in signatures.split())


async def send(
    client: httpx.AsyncClient, url: str, secret: str, msg_id: str, body: bytes, *, now: float
) -> str | None:
    """POST one attempt; None when the receiver answered 2xx, else what went wrong."""
    try:
        response = await client.post(
            url, content=body, headers=headers(secret, msg_id, int(now), body)
        )
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"
