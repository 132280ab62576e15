"""Tampering with the real database is caught by ``hall-server audit verify``.

On SQLite and PostgreSQL: rows are written as the stores write them, sealed
and signed by the hall's own code, a checkpoint is saved with
``hall-server audit checkpoint``; then the test acts as an attacker with
database rights (it drops the append-only triggers first) and changes,
deletes, reorders or cuts the log. ``audit verify`` runs as a subprocess each
time and must exit 1 naming the first bad row, where it exited 0 before.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hall_server.audit_log import AuditLog, audit_signing_key
from hall_server.cli import main
from hall_server.db import create_engine, make_sessionmaker
from hall_server.db.migrate import upgrade
from hall_server.db.models import AuditRow
from hall_server.secrets import resolve_secret_key
from hall_server.settings import Settings

#: Appended to a sealed row's details by the attacker (a waived fee).
FORGED = '{"fee_idr": 0}'


def _cli(data_dir: Path, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HALL_DATA_DIR": str(data_dir), "HALL_DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "hall_server.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


async def _cli_here(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
    db_url: str,
    *args: str,
) -> tuple[int, str]:
    """The same command in this process (a thread: it runs its own event loop); a
    subprocess costs seconds of imports, so only the verdicts under test use one."""
    monkeypatch.setenv("HALL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HALL_DATABASE_URL", db_url)
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(args))
    return code, capsys.readouterr().out


async def _write_rows(db_url: str, n: int, start: datetime) -> None:
    sessions = make_sessionmaker(engine := create_engine(db_url))
    try:
        async with sessions.begin() as db:
            for i in range(n):
                db.add(
                    AuditRow.record(
                        hall_id="mpp-kendari",
                        at=start + timedelta(seconds=i, microseconds=123457),
                        actor_role="officer",
                        actor_ref=f"officer-{i % 2}",
                        action="ticket_served",
                        ticket_id=f"t{i}",
                        details={"fee_idr": 50000, "service": "nib", "n": i},
                    )
                )
    finally:
        await engine.dispose()


async def _seal(db_url: str, data_dir: Path) -> None:
    settings = Settings.from_env({}, data_dir=data_dir, database_url=db_url)
    engine = create_engine(db_url)
    try:
        audit = AuditLog(
            make_sessionmaker(engine),
            key=audit_signing_key(resolve_secret_key(settings)),
            origin=settings.audit_origin,
        )
        await audit.seal(datetime.now(UTC))
    finally:
        await engine.dispose()


async def _attack(db_url: str, statements: Sequence[str]) -> None:
    """Run SQL as someone with database rights: the append-only triggers go first."""
    engine = create_engine(db_url)
    try:
        async with engine.begin() as connection:
            await _drop_triggers(connection)
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _drop_triggers(connection: AsyncConnection) -> None:
    for table in ("audit_log", "audit_leaves", "audit_checkpoints"):
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
        else:
            for verb in ("update", "delete"):
                await connection.execute(text(f"DROP TRIGGER {table}_no_{verb}"))


#: Each attack, and what `audit verify` must then say. Rows 1-3 are sealed in a first
#: checkpoint, 4-6 in a second; the saved checkpoint is the second.
ATTACKS = {
    "changed": (
        [f"UPDATE audit_log SET details = '{FORGED}' WHERE id = 2"],
        "FAIL [row_changed]: row 2 was changed",
    ),
    "deleted": (
        ["DELETE FROM audit_log WHERE id = 4"],
        "FAIL [row_deleted]: row 4 was deleted",
    ),
    "reordered": (
        [
            "UPDATE audit_log SET id = 1000 WHERE id = 2",
            "UPDATE audit_log SET id = 2 WHERE id = 3",
            "UPDATE audit_log SET id = 3 WHERE id = 1000",
        ],
        "FAIL [row_moved]: row 2 holds what was sealed as row 3",
    ),
    # The careful attacker: the last two rows go with their seals and with every
    # checkpoint that counted them; only the checkpoint saved outside tells.
    "cut short": (
        [
            "DELETE FROM audit_log WHERE id > 4",
            "DELETE FROM audit_leaves WHERE row_id > 4",
            "DELETE FROM audit_checkpoints WHERE tree_size > 4",
        ],
        "FAIL [cut_short]: the log was cut short: the saved checkpoint",
    ),
    # The careful attacker again: a changed row with its seal's hash recomputed.
    "changed and resealed": (
        [f"UPDATE audit_log SET details = '{FORGED}' WHERE id = 5", "RESEAL 5"],
        "FAIL [root_mismatch]: the first 6 leaves do not match a checkpoint signed by the hall",
    ),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_audit_verify_catches_tampering(
    attack: str,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data_dir = tmp_path / "data"
    await upgrade(db_url)
    start = datetime.now(UTC) - timedelta(hours=1)
    await _write_rows(db_url, 3, start)
    await _seal(db_url, data_dir)
    await _write_rows(db_url, 3, start + timedelta(minutes=1))
    await _seal(db_url, data_dir)

    code, saved = await _cli_here(monkeypatch, capsys, data_dir, db_url, "audit", "checkpoint")
    assert code == 0
    assert saved.split("\n")[1] == "6"
    checkpoint = tmp_path / "checkpoint.txt"
    checkpoint.write_text(saved, encoding="utf-8")
    code, before = await _cli_here(
        monkeypatch, capsys, data_dir, db_url, "audit", "verify", "--checkpoint", str(checkpoint)
    )
    assert code == 0, before
    assert before.startswith("ok: 6 leaves"), before

    statements, expected = ATTACKS[attack]
    await _attack(db_url, [s for s in statements if not s.startswith("RESEAL")])
    for s in statements:
        if s.startswith("RESEAL"):
            await _reseal(db_url, int(s.split()[1]))

    after = _cli(data_dir, db_url, "audit", "verify", "--checkpoint", str(checkpoint))
    assert after.returncode == 1, after.stdout + after.stderr
    assert after.stdout.startswith(expected), after.stdout
    assert "Traceback" not in after.stderr


async def _reseal(db_url: str, row_id: int) -> None:
    """Recompute a row's sealed leaf hash from its new content, as the hall's code would."""
    from counters.audit_tree import row_leaf_hash
    from hall_server.audit_log import row_fields

    engine = create_engine(db_url)
    try:
        async with make_sessionmaker(engine).begin() as db:
            row = await db.get(AuditRow, row_id)
            assert row is not None
            await db.execute(
                text("UPDATE audit_leaves SET leaf_hash = :h WHERE row_id = :r"),
                {"h": row_leaf_hash(row_fields(row)), "r": row_id},
            )
    finally:
        await engine.dispose()


async def test_a_wrong_key_or_a_forged_checkpoint_is_refused(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from counters.audit_note import verifier_key

    data_dir = tmp_path / "data"
    await upgrade(db_url)
    await _write_rows(db_url, 2, datetime.now(UTC))
    await _seal(db_url, data_dir)
    _, saved = await _cli_here(monkeypatch, capsys, data_dir, db_url, "audit", "checkpoint")
    forged = tmp_path / "forged.txt"
    forged.write_text(saved.replace("\n2\n", "\n1\n", 1), encoding="utf-8")
    code, out = await _cli_here(
        monkeypatch, capsys, data_dir, db_url, "audit", "verify", "--checkpoint", str(forged)
    )
    assert code == 1
    assert out.startswith("FAIL [saved_checkpoint]"), out
    # Someone else's key: the hall's checkpoints in the database do not verify under it.
    other = audit_signing_key(b"another hall's secret, 32 bytes!")
    vkey = verifier_key("hall.local/audit", other.public_key())
    code, out = await _cli_here(
        monkeypatch, capsys, data_dir, db_url, "audit", "verify", "--key", vkey
    )
    assert code == 1
    assert out.startswith("FAIL [bad_checkpoint]"), out
