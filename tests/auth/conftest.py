from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.auth.codes import CodeMessage
from hall_server.auth.service import AuthService
from hall_server.db import create_engine, make_sessionmaker
from hall_server.db.migrate import upgrade

SECRET = b"k" * 32
#: A valid NIK: Kota Kendari (74 71), district 01, a woman born 1 January 1990, serial 0001.
NIK = "7471014101900001"
#: Another valid NIK: a man born 17 August 1985 in Kota Makassar (73 71).
OTHER_NIK = "7371011708850002"


class FakeClock:
    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RecordingSender:
    """Keeps every code message, as a gateway adapter would receive it."""

    def __init__(self) -> None:
        self.messages: list[CodeMessage] = []

    async def send(self, message: CodeMessage) -> None:
        self.messages.append(message)

    @property
    def last_code(self) -> str:
        return self.messages[-1].code


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hall.db'}"
    await upgrade(url)
    engine = create_engine(url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def auth(
    sessions: async_sessionmaker[AsyncSession], sender: RecordingSender, clock: FakeClock
) -> AuthService:
    return AuthService(sessions, SECRET, sender, token_ttl_s=1800, code_ttl_s=300, clock=clock)
