"""Run the packaged Alembic migrations from code (no alembic.ini needed).

``await upgrade(url)`` brings a database to the newest revision; it is
idempotent and safe to call at every start. On PostgreSQL a transaction-level
advisory lock keeps several workers starting at once from racing.

From a checkout, ``python -m hall_server.db.migrate revision -m "..."`` writes
a new, empty revision file to fill in by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from hall_server.db.engine import async_url, create_engine

#: Directory of env.py and versions/, inside the installed package.
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
#: Arbitrary constant naming the advisory lock taken while migrating PostgreSQL.
_PG_LOCK_ID = 0x48414C4C  # "HALL"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on "%" in a URL-encoded password.
    cfg.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return cfg


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (default: the newest)."""
    cfg = alembic_config(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade, cfg, revision)
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, cfg: Config, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def main(argv: list[str]) -> None:
    """Developer entry point: ``revision -m MESSAGE`` writes an empty revision."""
    if len(argv) != 3 or argv[0] != "revision" or argv[1] != "-m":
        raise SystemExit('usage: python -m hall_server.db.migrate revision -m "message"')
    command.revision(alembic_config("sqlite+aiosqlite://"), message=argv[2])


if __name__ == "__main__":
    main(sys.argv[1:])
