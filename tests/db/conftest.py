"""Fixtures: a fresh, migrated database per test, on SQLite and (if configured) PostgreSQL.

Set ``HALL_TEST_POSTGRES_URL`` (for example
``postgresql://hall@127.0.0.1:5432/postgres``) to run every database test on
PostgreSQL too; each test gets its own throw-away database on that server.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hall_server.db import create_engine, make_sessionmaker
from hall_server.db.migrate import upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """URL of an empty database that is gone after the test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'data' / 'hall.db'}"
        return
    # Read here, not at import: tests/conftest.py starts the server and sets it.
    POSTGRES_URL = os.environ.get("HALL_TEST_POSTGRES_URL")
    if not POSTGRES_URL:
        pytest.skip("HALL_TEST_POSTGRES_URL is not set")
    name = f"hall_test_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    await upgrade(db_url)
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)
