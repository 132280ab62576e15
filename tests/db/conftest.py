"""Fixtures: a fresh, migrated database per test, on SQLite and (if configured) PostgreSQL.

Set ``HALL_TEST_POSTGRES_URL`` (for example
``postgresql://hall@127.0.0.1:5432/postgres``) to run every database test on
PostgreSQL too; each test gets its own throw-away database on that server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hall_server.db import create_engine, make_sessionmaker
from hall_server.db.migrate import upgrade
from tests.servers import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """URL of an empty database that is gone after the test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'data' / 'hall.db'}"
        return
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    await upgrade(db_url)
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)
