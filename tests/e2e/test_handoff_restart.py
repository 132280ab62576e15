"""After a SIGKILL mid-delivery, a restarted hall resumes the deliveries in flight within
seconds (the claim lease is short and renewed while alive), and files each once.

The hall and the simulated civil registry are real processes on loopback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hall_server.db import create_engine
from tests.e2e.test_handoff import (
    file_applications,
    hall_ready,
    hall_settings,
    outbox_states,
    received_once,
    sims,
    start_hall_process,
    wait_until,
)

__all__ = ["sims"]  # the fixture, used by name below


async def claims(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT application_id, claims FROM outbox"))
            return {r.application_id: r.claims for r in rows}
    finally:
        await engine.dispose()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    # SQLite only: exactly-once under lease renewal on PostgreSQL is
    # tests/handoff/test_lease_renewal.py (both databases).
    return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'hall.db'}"


async def test_deliveries_in_flight_at_a_sigkill_resume_within_seconds_of_the_restart(
    tmp_path: Path, sims: dict[str, Any], db_url: str
) -> None:
    civil = sims["civil-registry"]
    # Every send is in flight for 20 s: however slow this machine, none is answered
    # before the kill (while the live hall renews their 5 s lease).
    await civil.set_faults(slow_ms=20_000)
    data_dir = tmp_path / "data"
    env = {
        **os.environ,
        "HALL_DATABASE_URL": db_url,
        "HALL_DATA_DIR": str(data_dir),
        "HALL_PORT": str(sims["hall_port"]),
        "HALL_LOG_LEVEL": "WARNING",
    }
    # The default claim lease: this is what a deployment gets.
    env.update(
        {
            f"HALL_{k.upper()}": str(v)
            for k, v in hall_settings(sims, backoffice_timeout_s=60.0).items()
        }
    )

    def start() -> subprocess.Popen[bytes]:
        return start_hall_process(env)

    async def ready() -> bool:
        return await hall_ready(sims["hall_port"])

    hall = start()
    try:
        await wait_until(ready, timeout=120)  # a start-up takes 5-25 s on a busy 2-core machine
        ids = [a for a, _ in await file_applications(db_url, data_dir, ["KTP-EL"] * 5)]

        async def all_in_flight() -> bool:
            states, seen = await outbox_states(db_url), await claims(db_url)
            return all(states.get(a) == "pending" and seen.get(a, 0) >= 1 for a in ids)

        await wait_until(all_in_flight, timeout=60)
        hall.send_signal(signal.SIGKILL)  # mid-delivery: every row is claimed, none recorded
        hall.wait(10)
        await civil.set_faults(slow_ms=0)
        restarted = time.monotonic()
        hall = start()
        await wait_until(ready, timeout=120)  # a start-up takes 5-25 s on a busy 2-core machine
        up = time.monotonic()

        async def all_delivered() -> bool:
            states = await outbox_states(db_url)
            return all(states.get(a) == "delivered" for a in ids)

        # The lease ran out while the hall started: they go out as soon as it is up.
        # Generous for a loaded machine; the old fixed 120 s lease took about two minutes.
        await wait_until(all_delivered, timeout=15)
        print(
            f"delivered {time.monotonic() - restarted:.1f} s after the restart,"
            f" {time.monotonic() - up:.1f} s after it was ready"
        )
        received_once(await civil.received(), ids)
    finally:
        hall.kill()
        hall.wait(10)
