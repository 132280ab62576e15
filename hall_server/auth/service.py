"""Sign-in for citizens (NIK + one-time code), staff (password) and guests.

:class:`AuthService` is built once by the app factory and shared through
``app.state.auth``. It owns three keys derived from the hall's secret (token
signing, NIK digests, code digests), so the rest of the app verifies tokens
through :meth:`AuthService.verify` rather than with the raw secret.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from avatars.nik import birth_date, check_nik, mask_nik, nik_digest
from hall_server.auth.codes import CODE_DIGITS, CodeMessage, CodeSender, code_digest, new_code
from hall_server.auth.names import check_display_name
from hall_server.auth.passwords import hash_password, needs_rehash, verify_password
from hall_server.auth.seal import NikSeal
from hall_server.auth.tokens import Claims, issue_token, verify_token
from hall_server.db import repo
from hall_server.errors import AuthError, Forbidden, InvalidInput, InvalidNik, LimitExceeded
from hall_server.secrets import derive_key

logger = logging.getLogger(__name__)

_CODE_FORMAT = re.compile(r"[0-9]{6}")
#: Roles a guest may choose for themselves.
GUEST_ROLES = ("guest", "spectator")


@dataclass(frozen=True, slots=True)
class CodeSent:
    """Answer to a code request: safe to show to the caller."""

    nik_masked: str
    expires_in_s: int


class AuthService:
    """Issues and verifies tokens. Every method may be awaited concurrently.

    ``clock`` returns Unix time in seconds (``time.time``); tests pass a fake.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        secret: bytes,
        code_sender: CodeSender,
        *,
        token_ttl_s: int,
        code_ttl_s: int,
        clock: Callable[[], float] = time.time,
        max_code_attempts: int = 5,
        max_codes_per_window: int = 3,
    ) -> None:
        self._sessions = sessionmaker
        self._token_key = derive_key(secret, "token")
        self._nik_key = derive_key(secret, "nik")
        self._code_key = derive_key(secret, "sign-in-code")
        self._seal = NikSeal(derive_key(secret, "nik-seal"))
        self._sender = code_sender
        self.token_ttl_s = token_ttl_s
        self.code_ttl_s = code_ttl_s
        self._clock = clock
        self._max_code_attempts = max_code_attempts
        # Codes one NIK may request per code lifetime: stops SMS bombing a citizen.
        self._max_codes_per_window = max_codes_per_window

    def nik_digest_of(self, nik: str) -> str | None:
        """The account key of a NIK, or None when the NIK is not valid (nothing revealed)."""
        try:
            return nik_digest(self._nik_key, check_nik(nik))
        except InvalidNik:
            return None

    # -- tokens -------------------------------------------------------------

    def verify(self, token: str) -> Claims:
        """Claims of a valid token; raises AuthError (unauthenticated, token_expired)."""
        return verify_token(self._token_key, token, now=self._clock())

    def nik_of(self, claims: Claims) -> str | None:
        """The signed-in citizen's NIK, unsealed from the token (None for everyone else)."""
        if claims.role != "citizen" or claims.nik_sealed is None:
            return None
        return self._seal.unseal(claims.nik_sealed)

    def _issue(
        self,
        *,
        subject: str,
        role: str,
        name: str,
        hall: str | None,
        elderly: bool = False,
        nik: str | None = None,
    ) -> tuple[str, Claims]:
        now = self._clock()
        token = issue_token(
            self._token_key,
            subject=subject,
            role=role,
            ttl_s=self.token_ttl_s,
            now=now,
            hall=hall,
            name=name,
            elderly=elderly,
            nik_sealed=self._seal.seal(nik) if nik is not None else None,
        )
        return token, verify_token(self._token_key, token, now=now)

    # -- citizens -----------------------------------------------------------

    async def request_citizen_code(self, nik: str) -> CodeSent:
        """Send a fresh one-time code for ``nik``; earlier codes stop working.

        Raises InvalidNik, or LimitExceeded when this NIK asked too often.
        Any valid NIK gets a code (the account is made on first sign-in), so
        the answer says nothing about who has signed in before.
        """
        nik = check_nik(nik)
        digest = nik_digest(self._nik_key, nik)
        code = new_code()
        now = self._now()
        async with self._sessions.begin() as db:
            since = now - timedelta(seconds=self.code_ttl_s)
            if await repo.count_recent_codes(db, digest, since=since) >= (
                self._max_codes_per_window
            ):
                raise LimitExceeded(
                    "too many sign-in codes requested; wait a few minutes and try again"
                )
            await repo.store_sign_in_code(
                db,
                nik_digest=digest,
                code_digest=code_digest(self._code_key, digest, code),
                expires_at=now + timedelta(seconds=self.code_ttl_s),
                now=now,
            )
        masked = mask_nik(nik)
        await self._sender.send(
            CodeMessage(
                nik_masked=masked,
                nik_digest=digest,
                code=code,
                expires_in_s=self.code_ttl_s,
                message_id=secrets.token_hex(16),
            )
        )
        return CodeSent(nik_masked=masked, expires_in_s=self.code_ttl_s)

    async def citizen_token(
        self, nik: str, code: str, display_name: str, *, hall: str | None = None
    ) -> tuple[str, Claims]:
        """Exchange a one-time code for a citizen token, creating the account if new.

        Raises InvalidNik, InvalidInput (display name), AuthError(bad_code)
        for a wrong, expired, used or missing code, LimitExceeded after too
        many wrong guesses, Forbidden for a disabled account.
        """
        nik = check_nik(nik)
        name = check_display_name(display_name)
        code = code.strip()
        if not _CODE_FORMAT.fullmatch(code):
            raise AuthError(f"the sign-in code must be {CODE_DIGITS} digits", code="bad_code")
        digest = nik_digest(self._nik_key, nik)
        now = self._now()
        account_id: int | None = None
        disabled = False
        # The attempt count must be committed even when the code is wrong, so
        # the outcome is raised only after the transaction ends.
        async with self._sessions.begin() as db:
            outcome = await repo.consume_sign_in_code(
                db,
                nik_digest=digest,
                code_digest=code_digest(self._code_key, digest, code),
                now=now,
                max_attempts=self._max_code_attempts,
            )
            if outcome is repo.CodeCheck.OK:
                account = await repo.get_or_create_citizen(db, digest, display_name=name, now=now)
                account.display_name = name
                account_id, disabled = account.id, account.disabled
        if outcome is repo.CodeCheck.EXHAUSTED:
            raise LimitExceeded("too many wrong codes; request a new sign-in code")
        if outcome is repo.CodeCheck.EXPIRED:
            raise AuthError("the sign-in code has expired; request a new one", code="bad_code")
        if account_id is None:
            raise AuthError("the sign-in code is wrong or already used", code="bad_code")
        if disabled:
            raise Forbidden("this account is disabled")
        logger.info("citizen account:%s signed in", account_id)
        today = datetime.fromtimestamp(self._clock(), UTC).date()
        born = birth_date(nik, today=today)
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        return self._issue(
            subject=f"account:{account_id}",
            role="citizen",
            name=name,
            hall=hall,
            elderly=age >= 60,
            nik=nik,
        )

    # -- staff --------------------------------------------------------------

    async def officer_token(
        self, username: str, password: str, *, hall: str | None = None
    ) -> tuple[str, Claims]:
        """Token for a staff account; its role (officer, supervisor, admin) comes from the row.

        Unknown username and wrong password both raise
        AuthError(bad_credentials) after the same amount of work.
        """
        username = username.strip().lower()
        async with self._sessions() as db:
            account = await repo.get_staff(db, username)
            found = (
                None
                if account is None
                else (account.id, account.role, account.display_name, account.disabled)
            )
            stored = account.password_hash if account is not None else None
        # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
        if not await asyncio.to_thread(verify_password, stored, password):
            raise AuthError("wrong username or password", code="bad_credentials")
        assert found is not None and stored is not None
        account_id, role, display_name, disabled = found
        if disabled:
            raise Forbidden("this account is disabled")
        if needs_rehash(stored):
            new_hash = await asyncio.to_thread(hash_password, password)
            async with self._sessions.begin() as db:
                fresh = await repo.get_staff(db, username)
                if fresh is not None:
                    fresh.password_hash = new_hash
        logger.info("staff account:%s signed in as %s", account_id, role)
        return self._issue(subject=f"account:{account_id}", role=role, name=display_name, hall=hall)

    # -- guests and bots ----------------------------------------------------

    def guest_token(
        self, display_name: str, role: str = "guest", *, hall: str | None = None
    ) -> tuple[str, Claims]:
        """Token for a visitor without an account: "guest" walks, "spectator" only watches."""
        if role not in GUEST_ROLES:
            raise InvalidInput("role must be 'guest' or 'spectator'", code="bad_value")
        name = check_display_name(display_name)
        return self._issue(subject=f"guest:{secrets.token_hex(8)}", role=role, name=name, hall=hall)

    def bot_token(self, name: str, *, hall: str | None = None) -> tuple[str, Claims]:
        """Token for a simulated citizen; in-process only, never exposed over HTTP."""
        return self._issue(
            subject=f"bot:{secrets.token_hex(8)}",
            role="bot",
            name=check_display_name(name),
            hall=hall,
        )

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)
