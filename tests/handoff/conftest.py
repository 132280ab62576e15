"""Fixtures of the hand-off tests: migrated databases (SQLite, PostgreSQL), a fake back office."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hall_server.db import create_engine, make_sessionmaker
from hall_server.db.migrate import upgrade
from hall_server.db.models import Account, Hall
from tests.handoff.fake_backoffice import HALL, NIK_DIGEST, T0, FakeBackOffice, serve
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
    async with make_sessionmaker(engine).begin() as db:
        db.add(Hall(id=HALL, name="MPP Kendari", scene_id="demo", created_at=T0))
        db.add(
            Account(
                id=1, role="citizen", nik_digest=NIK_DIGEST, display_name="Warga", created_at=T0
            )
        )
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeBackOffice, str]]:
    office = FakeBackOffice()
    async with serve(office.app()) as url:
        yield office, url
