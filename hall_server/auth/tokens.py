"""Signed bearer tokens: compact HS256 JWTs, pure functions of (secret, claims, now).

A token is ``base64url(header) "." base64url(payload) "." base64url(HMAC-SHA256)``
with header ``{"alg": "HS256", "typ": "JWT"}``, so standard JWT tooling can
read it. The payload holds ``sub``, ``role``, ``iat``, ``exp`` and optionally
``hall`` and ``name``. It is signed, not encrypted: anyone holding a token can
read it, which is why a token never contains a NIK (citizens are
``account:<id>``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Literal, get_args

from hall_server.errors import AuthError, InvalidInput

Role = Literal["citizen", "officer", "supervisor", "guest", "spectator", "admin", "bot"]
#: Every role a token can carry. "bot" is only issued in-process (simulated citizens).
ROLES: frozenset[str] = frozenset(get_args(Role))
#: Tokens longer than this are refused before any work is done.
MAX_TOKEN_CHARS = 4096

_HEADER = {"alg": "HS256", "typ": "JWT"}
_HEADER_B64 = base64.urlsafe_b64encode(json.dumps(_HEADER, separators=(",", ":")).encode()).rstrip(
    b"="
)


@dataclass(frozen=True, slots=True)
class Claims:
    """What a verified token says about its bearer."""

    #: "account:<id>" for citizens and staff, "guest:<random>" for guests and spectators.
    subject: str
    role: Role
    #: Unix time (seconds) after which the token is refused.
    expires_at: int
    #: Hall the token is limited to; None means any hall.
    hall: str | None = None
    #: Display name shown above the avatar.
    name: str | None = None
    #: Citizens only: 60 or older by the NIK's birth date (priority queueing, UU 25/2009
    #: art. 29). Only this flag travels, never the birth date.
    elderly: bool = False
    #: Citizens only: their NIK sealed by :class:`hall_server.auth.seal.NikSeal`
    #: (opaque to the holder), so the hall files in the signed-in name.
    nik_sealed: str | None = None


def issue_token(
    secret: bytes,
    *,
    subject: str,
    role: str,
    ttl_s: int,
    now: float,
    hall: str | None = None,
    name: str | None = None,
    elderly: bool = False,
    nik_sealed: str | None = None,
) -> str:
    """Sign a token for ``subject`` valid for ``ttl_s`` seconds from ``now`` (Unix time)."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}")
    if ttl_s <= 0:
        raise InvalidInput("token lifetime must be positive")
    payload: dict[str, Any] = {
        "sub": subject,
        "role": role,
        "iat": int(now),
        "exp": int(now) + ttl_s,
    }
    if hall is not None:
        payload["hall"] = hall
    if name is not None:
        payload["name"] = name
    if elderly:
        payload["eld"] = True
    if nik_sealed is not None:
        payload["nks"] = nik_sealed
    body = _HEADER_B64 + b"." + _b64(json.dumps(payload, separators=(",", ":")).encode())
    return (body + b"." + _b64(_sign(secret, body))).decode("ascii")


def verify_token(secret: bytes, token: str, *, now: float) -> Claims:
    """Check the signature and expiry of ``token`` and return its claims.

    Raises ``AuthError(code="unauthenticated")`` for anything malformed,
    tampered with or signed with another key, and
    ``AuthError(code="token_expired")`` once ``now`` reaches the expiry.
    """
    if len(token) > MAX_TOKEN_CHARS:
        raise AuthError("token is too long")
    try:
        raw = token.encode("ascii")
    except UnicodeEncodeError:
        raise AuthError("token is malformed") from None
    parts = raw.split(b".")
    if len(parts) != 3:
        raise AuthError("token is malformed")
    header, payload_b64, signature = parts
    # Compare the encoded signature: only the one canonical encoding is accepted.
    expected = _b64(_sign(secret, header + b"." + payload_b64))
    if not hmac.compare_digest(signature, expected):
        raise AuthError("token signature is invalid")
    if header != _HEADER_B64:
        raise AuthError("token algorithm is not supported")
    claims = _parse_claims(payload_b64)
    if now >= claims.expires_at:
        raise AuthError("token has expired; sign in again", code="token_expired")
    return claims


def _parse_claims(payload_b64: bytes) -> Claims:
    try:
        padded = payload_b64 + b"=" * (-len(payload_b64) % 4)
        payload = json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
    except (binascii.Error, ValueError):
        raise AuthError("token payload is malformed") from None
    if not isinstance(payload, dict):
        raise AuthError("token payload is malformed")
    subject, role, exp = payload.get("sub"), payload.get("role"), payload.get("exp")
    hall, name = payload.get("hall"), payload.get("name")
    if (
        not isinstance(subject, str)
        or role not in ROLES
        or not isinstance(exp, int)
        or isinstance(exp, bool)
        or not (hall is None or isinstance(hall, str))
        or not (name is None or isinstance(name, str))
    ):
        raise AuthError("token claims are malformed")
    elderly = payload.get("eld", False) is True
    sealed = payload.get("nks")
    if not (sealed is None or isinstance(sealed, str)):
        raise AuthError("token claims are malformed")
    return Claims(
        subject=subject,
        role=role,
        expires_at=exp,
        hall=hall,
        name=name,
        elderly=elderly,
        nik_sealed=sealed,
    )


def _sign(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, body, hashlib.sha256).digest()


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")
