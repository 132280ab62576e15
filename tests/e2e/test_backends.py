"""The same hall on the embedded defaults and on PostgreSQL + Redis (real servers)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hall_server.db import create_engine
from tests.e2e.server import running_server
from tests.servers import fresh_postgres_database
from tests.support.waiting import wait_until

HALL = "mpp-kendari"


@pytest.mark.parametrize("backend", ["sqlite+in-process", "postgresql+redis"])
async def test_sign_in_join_chat_and_announce_on_each_backend(tmp_path: Path, backend: str):
    async with contextlib.AsyncExitStack() as stack:
        overrides: dict[str, object] = {}
        if backend == "postgresql+redis":
            redis_url = os.environ.get("HALL_TEST_REDIS_URL")
            if not redis_url:
                pytest.skip("HALL_TEST_REDIS_URL is not set")
            database = await stack.enter_async_context(fresh_postgres_database("hall_e2e"))
            overrides = {"database_url": database, "bus_url": redis_url}
        await _scenario(tmp_path, overrides)


async def _scenario(tmp_path: Path, overrides: dict[str, object]) -> None:
    async with running_server(tmp_path / "data", **overrides) as server:
        officer = await server.join(HALL, await server.staff_token("petugas1"))
        citizen = await server.join(HALL, await server.guest_token("Warga"))
        await citizen.send(type="chat", text="Permisi, Pak")
        assert (await officer.next("chat"))["text"] == "Permisi, Pak"

        supervisor = await server.staff_token("supervisor")
        r = await server.http.post(
            f"/api/v1/halls/{HALL}/announcements",
            json={"id": "Loket D3 dibuka", "en": "Counter D3 is open"},
            headers={"Authorization": f"Bearer {supervisor}"},
        )
        assert r.status_code == 202
        announced = await citizen.next("announcement")
        assert announced["text"] == {"id": "Loket D3 dibuka", "en": "Counter D3 is open"}
        await citizen.send(type="leave")
        await citizen.closed()
        await officer.close()

        # The session journal: who was in which hall, when, and how it ended.
        engine = create_engine(server.settings.resolved_database_url)

        async def both_journalled() -> list[Any] | None:
            async with engine.connect() as conn:
                rows = (
                    await conn.execute(
                        text(
                            "SELECT role, account_id, hall_id, end_reason FROM sessions ORDER BY started_at"
                        )
                    )
                ).all()
            return list(rows) if len(rows) == 2 and rows[1].end_reason == "left" else None

        rows = await wait_until(both_journalled, 5, "both sessions in the journal", interval=0.05)
        await engine.dispose()
        assert rows[0].role == "officer" and rows[0].account_id is not None
        assert rows[1].role == "citizen" and rows[1].account_id is None  # a guest
        assert {r.hall_id for r in rows} == {HALL}


async def test_a_burst_of_joins_is_journalled_in_full(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    """A trade-show crowd joining at once: every session recorded, no pool or lock errors."""
    async with running_server(tmp_path / "data", max_connections_per_address=500) as server:
        token = await server.guest_token("Pengunjung")
        joined = await asyncio.gather(*(server.join(HALL, token) for _ in range(150)))
        for ws in joined:
            await ws.send(type="leave")
            await ws.closed()
        engine = create_engine(server.settings.resolved_database_url)

        async def all_journalled() -> bool:
            async with engine.connect() as conn:
                ended = (
                    await conn.execute(
                        text("SELECT count(*) FROM sessions WHERE end_reason = 'left'")
                    )
                ).scalar_one()
            return bool(ended == 150)

        await wait_until(all_journalled, 10, "150 sessions ended as 'left'", interval=0.1)
        await engine.dispose()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
