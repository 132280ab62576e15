from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.auth.service import AuthService
from hall_server.auth.staff import create_staff, reset_staff_password, seed_dev_staff
from hall_server.errors import AuthError, Conflict, InvalidInput, NotFound


async def test_seeding_creates_four_staff_accounts_and_a_private_credentials_file(
    sessions: async_sessionmaker[AsyncSession], auth: AuthService, tmp_path: Path
) -> None:
    seeded = await seed_dev_staff(sessions, tmp_path / "data")
    assert [username for username, _ in seeded] == ["petugas1", "petugas2", "supervisor", "admin"]
    path = tmp_path / "data" / "dev-credentials.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    for username, password in seeded:
        assert f"{username} (" in text and password in text
    roles = [(await auth.officer_token(u, p))[1].role for u, p in seeded]
    assert roles == ["officer", "officer", "supervisor", "admin"]


async def test_seeding_does_nothing_when_staff_exist(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await create_staff(sessions, username="kepala", password="correct horse battery", role="admin")
    assert await seed_dev_staff(sessions, tmp_path) == []
    assert not (tmp_path / "dev-credentials.txt").exists()


async def test_second_seeding_keeps_the_first_passwords(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    assert await seed_dev_staff(sessions, tmp_path)
    text = (tmp_path / "dev-credentials.txt").read_text()
    assert await seed_dev_staff(sessions, tmp_path) == []
    assert (tmp_path / "dev-credentials.txt").read_text() == text


async def test_taken_username_is_a_conflict(sessions: async_sessionmaker[AsyncSession]) -> None:
    await create_staff(
        sessions, username="petugas1", password="correct horse battery", role="officer"
    )
    with pytest.raises(Conflict):
        await create_staff(
            sessions, username="PETUGAS1", password="another good one", role="officer"
        )


@pytest.mark.parametrize(
    ("username", "password", "role"),
    [
        ("a", "correct horse battery", "officer"),
        ("has space", "correct horse battery", "officer"),
        ("petugas1", "short", "officer"),
        ("petugas1", "correct horse battery", "citizen"),
    ],
)
async def test_bad_staff_details_are_refused(
    sessions: async_sessionmaker[AsyncSession], username: str, password: str, role: str
) -> None:
    with pytest.raises(InvalidInput):
        await create_staff(sessions, username=username, password=password, role=role)


async def test_password_reset_replaces_the_old_password(
    sessions: async_sessionmaker[AsyncSession], auth: AuthService
) -> None:
    await create_staff(
        sessions, username="petugas1", password="correct horse battery", role="officer"
    )
    await reset_staff_password(sessions, username="petugas1", password="a brand new secret")
    with pytest.raises(AuthError):
        await auth.officer_token("petugas1", "correct horse battery")
    await auth.officer_token("petugas1", "a brand new secret")
    with pytest.raises(NotFound):
        await reset_staff_password(sessions, username="nobody", password="a brand new secret")
