"""Staff accounts: creation (for the CLI), password reset, development seeding."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.auth.names import check_display_name
from hall_server.auth.passwords import hash_password
from hall_server.db import repo
from hall_server.db.models import STAFF_ROLES, Account
from hall_server.errors import InvalidInput, NotFound

logger = logging.getLogger(__name__)

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
#: File under data_dir listing the seeded development accounts.
DEV_CREDENTIALS_FILE = "dev-credentials.txt"
#: (username, role, display name) of the accounts a fresh development hall gets.
DEV_STAFF = (
    ("petugas1", "officer", "Petugas 1"),
    ("petugas2", "officer", "Petugas 2"),
    ("supervisor", "supervisor", "Supervisor"),
    ("admin", "admin", "Admin"),
)
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")


def check_username(value: str) -> str:
    """Lower-case username of 3-64 characters: letters, digits, ``.``, ``_``, ``-``."""
    username = value.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise InvalidInput(
            "username must be 3-64 characters: a-z, 0-9, '.', '_' or '-',"
            " starting with a letter or digit",
            code="bad_value",
        )
    return username


def check_password(value: str) -> str:
    """A new password: 12 to 1024 characters."""
    if not MIN_PASSWORD_CHARS <= len(value) <= MAX_PASSWORD_CHARS:
        raise InvalidInput(
            f"password must have {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters",
            code="bad_value",
        )
    return value


async def create_staff(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
) -> int:
    """Create an officer, supervisor or admin; returns the account id.

    Raises InvalidInput for a bad username, password or role, Conflict when
    the username is taken.
    """
    username = check_username(username)
    if role not in STAFF_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(STAFF_ROLES)}", code="bad_value")
    name = check_display_name(display_name or username)
    password_hash = await asyncio.to_thread(hash_password, check_password(password))
    async with sessionmaker.begin() as db:
        account = await repo.create_staff(
            db,
            username=username,
            password_hash=password_hash,
            role=role,
            display_name=name,
            now=datetime.now(UTC),
        )
        return account.id


async def reset_staff_password(
    sessionmaker: async_sessionmaker[AsyncSession], *, username: str, password: str
) -> None:
    """Set a new password for a staff account; raises NotFound if there is none."""
    username = check_username(username)
    password_hash = await asyncio.to_thread(hash_password, check_password(password))
    async with sessionmaker.begin() as db:
        account = await repo.get_staff(db, username)
        if account is None:
            raise NotFound("no staff account with that username")
        account.password_hash = password_hash


async def seed_dev_staff(
    sessionmaker: async_sessionmaker[AsyncSession], data_dir: Path
) -> list[tuple[str, str]]:
    """Development only: give a hall without staff its first accounts.

    When no staff account exists, creates officers ``petugas1`` and
    ``petugas2``, ``supervisor`` and ``admin`` with random passwords, writes
    them to ``data_dir/dev-credentials.txt`` (mode 0600) and returns
    ``[(username, password), ...]``. Otherwise does nothing and returns ``[]``.
    """
    async with sessionmaker() as db:
        if await repo.count_staff(db) > 0:
            return []
    seeded = [(username, secrets.token_urlsafe(18)) for username, _, _ in DEV_STAFF]
    hashes = [await asyncio.to_thread(hash_password, password) for _, password in seeded]
    now = datetime.now(UTC)
    try:
        async with sessionmaker.begin() as db:
            for (username, role, name), password_hash in zip(DEV_STAFF, hashes, strict=True):
                db.add(
                    Account(
                        role=role,
                        username=username,
                        password_hash=password_hash,
                        display_name=name,
                        created_at=now,
                    )
                )
    except IntegrityError:
        # Another worker seeded at the same moment; its file is the right one.
        return []
    path = _write_credentials(data_dir, seeded)
    logger.warning("created development staff accounts; passwords are in %s", path)
    return seeded


def _write_credentials(data_dir: Path, seeded: list[tuple[str, str]]) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DEV_CREDENTIALS_FILE
    roles = {username: role for username, role, _ in DEV_STAFF}
    lines = ["# Development staff accounts (generated; do not use in production)"]
    lines += [f"{username} ({roles[username]}): {password}" for username, password in seeded]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # the file may predate this run with looser permissions
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path
