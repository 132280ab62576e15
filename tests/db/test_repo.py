from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.db import Account, Hall, HallSession, SignInCode, repo
from hall_server.errors import Conflict, NotFound

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


async def test_upsert_hall_creates_then_updates_keeping_created_at(sessions: Sessions) -> None:
    async with sessions.begin() as db:
        await repo.upsert_hall(db, hall_id="kendari", name="MPP Kendari", scene_id="a", now=NOW)
    async with sessions.begin() as db:
        later = NOW + timedelta(days=1)
        await repo.upsert_hall(
            db, hall_id="kendari", name="MPP Kota Kendari", scene_id="b", now=later
        )
    async with sessions() as db:
        hall = await db.get(Hall, "kendari")
        assert hall is not None
        assert (hall.name, hall.scene_id, hall.created_at) == ("MPP Kota Kendari", "b", NOW)


async def test_session_start_and_end_are_recorded_once(sessions: Sessions) -> None:
    async with sessions.begin() as db:
        await repo.upsert_hall(db, hall_id="kendari", name="MPP", scene_id="a", now=NOW)
        await repo.record_session_start(
            db, session_id="s1", hall_id="kendari", role="guest", resume_token_digest="d", now=NOW
        )
    async with sessions.begin() as db:
        await repo.record_session_end(db, "s1", reason="left", now=NOW + timedelta(minutes=5))
        await repo.record_session_end(db, "s1", reason="kicked", now=NOW + timedelta(minutes=9))
    async with sessions() as db:
        session = await db.get(HallSession, "s1")
        assert session is not None
        assert (session.ended_at, session.end_reason) == (NOW + timedelta(minutes=5), "left")
        with pytest.raises(NotFound):
            await repo.record_session_end(db, "nope", reason="left", now=NOW)


async def test_session_in_an_unknown_hall_violates_the_foreign_key(sessions: Sessions) -> None:
    with pytest.raises(IntegrityError):
        async with sessions.begin() as db:
            await repo.record_session_start(
                db,
                session_id="s1",
                hall_id="nowhere",
                role="guest",
                resume_token_digest="d",
                now=NOW,
            )


async def test_citizen_is_created_once_per_nik_digest(sessions: Sessions) -> None:
    async with sessions.begin() as db:
        first = await repo.get_or_create_citizen(db, "ab" * 32, display_name="Ani", now=NOW)
    async with sessions.begin() as db:
        again = await repo.get_or_create_citizen(db, "ab" * 32, display_name="Budi", now=NOW)
    assert first.id == again.id
    assert again.display_name == "Ani"


async def test_citizen_without_nik_digest_is_refused_by_the_schema(sessions: Sessions) -> None:
    with pytest.raises(IntegrityError):
        async with sessions.begin() as db:
            db.add(Account(role="citizen", display_name="Ani", created_at=NOW))


async def test_staff_username_is_unique(sessions: Sessions) -> None:
    async with sessions.begin() as db:
        await repo.create_staff(
            db, username="petugas1", password_hash="h", role="officer", display_name="P", now=NOW
        )
        with pytest.raises(Conflict):
            await repo.create_staff(
                db, username="petugas1", password_hash="h", role="admin", display_name="P", now=NOW
            )
        assert await repo.count_staff(db) == 1
        staff = await repo.get_staff(db, "petugas1")
        assert staff is not None and staff.role == "officer"


async def _store(sessions: Sessions, digest: str, *, now: datetime = NOW) -> None:
    async with sessions.begin() as db:
        await repo.store_sign_in_code(
            db, nik_digest="n", code_digest=digest, expires_at=now + timedelta(minutes=5), now=now
        )


async def _consume(sessions: Sessions, digest: str, *, now: datetime = NOW) -> repo.CodeCheck:
    async with sessions.begin() as db:
        return await repo.consume_sign_in_code(db, nik_digest="n", code_digest=digest, now=now)


async def test_sign_in_code_is_single_use(sessions: Sessions) -> None:
    await _store(sessions, "right")
    assert await _consume(sessions, "right") is repo.CodeCheck.OK
    assert await _consume(sessions, "right") is repo.CodeCheck.MISSING


async def test_sign_in_code_expires(sessions: Sessions) -> None:
    await _store(sessions, "right")
    later = NOW + timedelta(minutes=5)
    assert await _consume(sessions, "right", now=later) is repo.CodeCheck.EXPIRED


async def test_sign_in_code_allows_five_attempts(sessions: Sessions) -> None:
    await _store(sessions, "right")
    for _ in range(5):
        assert await _consume(sessions, "wrong") is repo.CodeCheck.WRONG
    assert await _consume(sessions, "right") is repo.CodeCheck.EXHAUSTED
    async with sessions() as db:
        row = await db.get(SignInCode, 1)
        assert row is not None and row.attempts == 5


async def test_new_sign_in_code_supersedes_the_old_one(sessions: Sessions) -> None:
    await _store(sessions, "old")
    await _store(sessions, "new")
    assert await _consume(sessions, "old") is repo.CodeCheck.WRONG
    assert await _consume(sessions, "new") is repo.CodeCheck.OK
    async with sessions() as db:
        assert await repo.count_recent_codes(db, "n", since=NOW) == 2


async def test_naive_datetimes_are_refused(sessions: Sessions) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with sessions.begin() as db:
            await repo.upsert_hall(
                db, hall_id="k", name="K", scene_id="a", now=NOW.replace(tzinfo=None)
            )
