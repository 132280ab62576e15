from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from hall_server.db import Base, create_engine
from hall_server.db.migrate import MIGRATIONS_DIR, upgrade

TABLES = {
    "accounts",
    "halls",
    "sessions",
    "sign_in_codes",
    "alembic_version",
    "tickets",
    "counters",
    "counter_sessions",
    "applications",
    "audit_log",
    "outbox",
    "application_events",
    "webhook_receipts",
    "call_recordings",
    "documents",
    "audit_leaves",
    "audit_checkpoints",
    "survey_responses",
    "survey_used",
    "complaints",
    "complaint_photos",
    "signal_flags",
    "ticket_sightings",
    "hall_leases",
    "hall_nodes",
}


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _diff(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def test_migrations_create_every_table_on_an_empty_database(db_url: str) -> None:
    await upgrade(db_url)
    engine = create_engine(db_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == TABLES
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            assert version == "0009_nodes"
    finally:
        await engine.dispose()


async def test_migrating_twice_changes_nothing(db_url: str) -> None:
    await upgrade(db_url)
    await upgrade(db_url)
    engine = create_engine(db_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == TABLES
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.run_sync(_diff) == []


async def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("PRAGMA journal_mode")) == "wal"
            assert await connection.scalar(text("PRAGMA foreign_keys")) == 1
    finally:
        await engine.dispose()


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert MIGRATIONS_DIR.parent.name == "hall_server"
    assert any(MIGRATIONS_DIR.glob("versions/0001_*.py"))


async def test_the_audit_log_refuses_updates_and_deletes(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO audit_log (hall_id, at, actor_role, actor_ref, action, details)"
                " VALUES ('h', CURRENT_TIMESTAMP, 'officer', 'account:1', 'call_next', '{}')"
            )
        )
    for statement in ("UPDATE audit_log SET action = 'nothing'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as connection:
                await connection.execute(text(statement))
