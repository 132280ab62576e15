"""One-time sign-in codes and the port through which they reach a citizen.

A code is 6 random digits. The hall stores only its digest (bound to the
NIK digest) and hands the clear code to a :class:`CodeSender` exactly once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Protocol

from hall_server.errors import Unavailable

CODE_DIGITS = 6

logger = logging.getLogger(__name__)


def new_code() -> str:
    """Six uniformly random digits from the OS's CSPRNG."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(key: bytes, nik_digest: str, code: str) -> str:
    """Hex HMAC-SHA256 of ``code``, bound to one citizen so codes cannot be swapped."""
    message = f"{nik_digest}:{code}".encode("ascii", errors="replace")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class CodeMessage:
    """Everything a gateway needs to deliver one sign-in code, and no NIK."""

    #: Masked NIK (``7471********0001``), for the message text and logs.
    nik_masked: str
    #: Stable pseudonym of the citizen: a gateway adapter looks up the registered
    #: phone number or WhatsApp id with it (e.g. in a Dukcapil-linked directory).
    nik_digest: str
    #: The clear code; put it in the message, never in a log.
    code: str
    #: Seconds until the code stops working, for the message text.
    expires_in_s: int
    #: Unique per code: pass it to the gateway as an idempotency key so a retry
    #: never sends two messages.
    message_id: str


class CodeSender(Protocol):
    """Delivers sign-in codes (SMS, WhatsApp, e-mail, or the development log).

    ``send`` is awaited while the citizen waits for the HTTP response, so an
    adapter should time out within a few seconds. On failure raise a
    :class:`~hall_server.errors.HallError` subclass (``LimitExceeded`` when
    the gateway throttles); the stored code then simply goes unused, and the
    citizen asks again.
    """

    async def send(self, message: CodeMessage) -> None: ...


class LogCodeSender:
    """Development sender: writes the code to the log at WARNING, NIK masked.

    Never use it in production: anyone who can read the log can sign in.
    """

    def __init__(self, log: logging.Logger | None = None) -> None:
        self._log = log or logger

    async def send(self, message: CodeMessage) -> None:
        self._log.warning("sign-in code for %s: %s", message.nik_masked, message.code)


class NoCodeSender:
    """Production without a gateway: refuse to send rather than log codes.

    A real SMS or WhatsApp gateway implements :class:`CodeSender`; until one
    is configured, citizen sign-in answers ``sign_in_unavailable`` (503).
    """

    async def send(self, message: CodeMessage) -> None:
        raise Unavailable(
            "citizen sign-in is not available: no code gateway is configured",
            code="sign_in_unavailable",
        )
