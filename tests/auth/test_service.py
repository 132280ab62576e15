from __future__ import annotations

import base64
import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.auth.service import AuthService
from hall_server.auth.staff import create_staff
from hall_server.db import Account
from hall_server.errors import AuthError, Forbidden, InvalidInput, InvalidNik, LimitExceeded

from .conftest import NIK, OTHER_NIK, FakeClock, RecordingSender


async def _sign_in(auth: AuthService, sender: RecordingSender, nik: str = NIK) -> str:
    await auth.request_citizen_code(nik)
    token, _ = await auth.citizen_token(nik, sender.last_code, "Ani")
    return token


async def test_citizen_signs_in_with_the_code_that_was_sent(
    auth: AuthService, sender: RecordingSender
) -> None:
    sent = await auth.request_citizen_code("7471 0141 0190 0001")
    assert (sent.nik_masked, sent.expires_in_s) == ("7471********0001", 300)
    assert sender.messages[0].nik_masked == "7471********0001"
    token, claims = await auth.citizen_token(NIK, sender.last_code, "  Ani   Wijaya ")
    assert claims.role == "citizen"
    assert claims.name == "Ani Wijaya"
    assert claims.subject.startswith("account:")
    assert auth.verify(token) == claims


async def test_citizen_token_does_not_contain_the_nik(
    auth: AuthService, sender: RecordingSender
) -> None:
    token = await _sign_in(auth, sender)
    decoded = b"".join(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in token.split("."))
    assert NIK.encode() not in decoded
    assert NIK not in token


async def test_nik_never_reaches_the_log(
    auth: AuthService, sender: RecordingSender, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await _sign_in(auth, sender)
        with pytest.raises(InvalidNik):
            await auth.request_citizen_code("7471014101900000")
    assert NIK not in caplog.text
    assert "7471014101900000" not in caplog.text


async def test_same_nik_signs_in_to_the_same_account(
    auth: AuthService, sender: RecordingSender
) -> None:
    first = auth.verify(await _sign_in(auth, sender))
    again = auth.verify(await _sign_in(auth, sender))
    other = auth.verify(await _sign_in(auth, sender, OTHER_NIK))
    assert first.subject == again.subject != other.subject


async def test_code_works_only_once(auth: AuthService, sender: RecordingSender) -> None:
    await auth.request_citizen_code(NIK)
    await auth.citizen_token(NIK, sender.last_code, "Ani")
    with pytest.raises(AuthError) as caught:
        await auth.citizen_token(NIK, sender.last_code, "Ani")
    assert caught.value.code == "bad_code"


async def test_code_expires(auth: AuthService, sender: RecordingSender, clock: FakeClock) -> None:
    await auth.request_citizen_code(NIK)
    clock.advance(300)
    with pytest.raises(AuthError, match="expired") as caught:
        await auth.citizen_token(NIK, sender.last_code, "Ani")
    assert caught.value.code == "bad_code"


async def test_code_is_for_one_nik_only(auth: AuthService, sender: RecordingSender) -> None:
    await auth.request_citizen_code(NIK)
    await auth.request_citizen_code(OTHER_NIK)
    with pytest.raises(AuthError):
        await auth.citizen_token(NIK, sender.last_code, "Ani")


async def test_newer_code_replaces_the_older_one(
    auth: AuthService, sender: RecordingSender
) -> None:
    await auth.request_citizen_code(NIK)
    old = sender.last_code
    await auth.request_citizen_code(NIK)
    if old != sender.last_code:
        with pytest.raises(AuthError):
            await auth.citizen_token(NIK, old, "Ani")
    await auth.citizen_token(NIK, sender.last_code, "Ani")


async def test_wrong_code_counts_and_the_sixth_try_is_refused_even_if_right(
    auth: AuthService, sender: RecordingSender
) -> None:
    await auth.request_citizen_code(NIK)
    wrong = f"{(int(sender.last_code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(AuthError) as caught:
            await auth.citizen_token(NIK, wrong, "Ani")
        assert caught.value.code == "bad_code"
    with pytest.raises(LimitExceeded):
        await auth.citizen_token(NIK, sender.last_code, "Ani")


async def test_code_that_is_not_six_digits_is_refused(auth: AuthService) -> None:
    with pytest.raises(AuthError) as caught:
        await auth.citizen_token(NIK, "12ab", "Ani")
    assert caught.value.code == "bad_code"


async def test_code_requests_are_limited_per_nik(
    auth: AuthService, sender: RecordingSender, clock: FakeClock
) -> None:
    for _ in range(3):
        await auth.request_citizen_code(NIK)
    with pytest.raises(LimitExceeded):
        await auth.request_citizen_code(NIK)
    assert len(sender.messages) == 3
    await auth.request_citizen_code(OTHER_NIK)
    clock.advance(301)
    await auth.request_citizen_code(NIK)


async def test_display_name_holding_a_nik_is_refused(
    auth: AuthService, sender: RecordingSender
) -> None:
    await auth.request_citizen_code(NIK)
    with pytest.raises(InvalidInput):
        await auth.citizen_token(NIK, sender.last_code, f"Ani {NIK}")


async def test_officer_signs_in_with_the_right_password(
    auth: AuthService, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await create_staff(
        sessions, username="Petugas1", password="correct horse battery", role="officer"
    )
    token, claims = await auth.officer_token("petugas1", "correct horse battery", hall="kendari")
    assert (claims.role, claims.name, claims.hall) == ("officer", "petugas1", "kendari")
    assert auth.verify(token) == claims


async def test_supervisor_gets_the_role_of_the_account(
    auth: AuthService, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await create_staff(
        sessions, username="kepala", password="correct horse battery", role="supervisor"
    )
    _, claims = await auth.officer_token("kepala", "correct horse battery")
    assert claims.role == "supervisor"


@pytest.mark.parametrize(
    ("username", "password"),
    [("petugas1", "wrong password!!"), ("nobody", "correct horse battery")],
)
async def test_wrong_password_and_unknown_user_look_the_same(
    auth: AuthService, sessions: async_sessionmaker[AsyncSession], username: str, password: str
) -> None:
    await create_staff(
        sessions, username="petugas1", password="correct horse battery", role="officer"
    )
    with pytest.raises(AuthError) as caught:
        await auth.officer_token(username, password)
    assert caught.value.code == "bad_credentials"
    assert str(caught.value) == "wrong username or password"


async def test_disabled_officer_cannot_sign_in(
    auth: AuthService, sessions: async_sessionmaker[AsyncSession]
) -> None:
    account_id = await create_staff(
        sessions, username="petugas1", password="correct horse battery", role="officer"
    )
    async with sessions.begin() as db:
        account = await db.get(Account, account_id)
        assert account is not None
        account.disabled = True
    with pytest.raises(Forbidden):
        await auth.officer_token("petugas1", "correct horse battery")


async def test_citizen_cannot_sign_in_as_staff(auth: AuthService, sender: RecordingSender) -> None:
    await _sign_in(auth, sender)
    with pytest.raises(AuthError):
        await auth.officer_token("", "")


def test_guest_and_spectator_tokens(auth: AuthService) -> None:
    _, guest = auth.guest_token("Tamu")
    _, spectator = auth.guest_token("Penonton", "spectator", hall="kendari")
    assert (guest.role, spectator.role, spectator.hall) == ("guest", "spectator", "kendari")
    assert guest.subject.startswith("guest:")
    with pytest.raises(InvalidInput):
        auth.guest_token("Tamu", "admin")


def test_tokens_expire_after_the_configured_ttl(auth: AuthService, clock: FakeClock) -> None:
    token, _ = auth.guest_token("Tamu")
    clock.advance(1800)
    with pytest.raises(AuthError) as caught:
        auth.verify(token)
    assert caught.value.code == "token_expired"
