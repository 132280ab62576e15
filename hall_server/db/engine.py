"""The async engine and session factory.

Created by the app factory in its lifespan, disposed when it ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

#: Async drivers substituted for bare scheme names.
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(url: str) -> str:
    """Return ``url`` with an async driver ("postgresql://" -> "postgresql+asyncpg://")."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None:
        return url
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine for ``url`` (SQLite file or PostgreSQL).

    For SQLite the file's directory is created, and every connection gets
    WAL journaling (readers do not block the writer), foreign keys on, and a
    busy timeout. The caller must ``await engine.dispose()`` when done.
    """
    url = async_url(url)
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    database = parsed.database or ""
    in_memory = not database or database == ":memory:" or database.startswith("file::memory:")
    if is_sqlite and not in_memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    if not in_memory:
        # The same 15 connections at most as SQLAlchemy's default (5 + 10 overflow),
        # but all kept open: an overflow connection is closed when returned, and a
        # burst of callbacks then opened and closed connections all the time (on
        # PostgreSQL with an SSL handshake each), which measured as more CPU per
        # delivery than the delivery itself (bench/handoff.py).
        kwargs.setdefault("pool_size", 15)
        kwargs.setdefault("max_overflow", 0)
    engine = _create_async_engine(url, **kwargs)
    if is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(wal=not in_memory))
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory for ``engine``; objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(*, wal: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
        finally:
            cursor.close()

    return on_connect
