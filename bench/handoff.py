"""Deliveries per second through the outbox, and submit-to-received latency.

Starts the simulated permit office (healthy, no faults) and the hall server
as real processes on loopback, files N applications at once the way a
counter session does (application row + outbox row in one transaction), and
measures how fast the hall's delivery worker drains the outbox, and for each
application the time from filing to the back office's acknowledgement (the
outbox row turning ``delivered``).

    python -m bench.handoff [--applications 1000] [--backend sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select, text

from hall_server.db import create_engine
from hall_server.db.models import OutboxRow
from tests.e2e.test_handoff import file_applications
from tests.servers import Servers, free_port, start_postgres

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def wait_ready(url: str, path: str, headers: dict[str, str] | None = None) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                if (await http.get(url + path, headers=headers)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


async def run(applications: int, database_url: str | None) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="hall-handoff-bench-"))
    hall_port, sim_port = free_port(), free_port()
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hall_server.sims",
            "permits",
            "--port",
            str(sim_port),
            "--db",
            str(tmp / "permits.db"),
            "--api-key",
            "bench-key",
            "--webhook-secret",
            SECRET,
            "--callback-url",
            f"http://127.0.0.1:{hall_port}/api/v1/backoffice/webhooks/permits",
            "--time-scale",
            "1000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db_url = database_url or f"sqlite+aiosqlite:///{tmp / 'data' / 'hall.db'}"
    env = {
        **os.environ,
        "HALL_DATA_DIR": str(tmp / "data"),
        "HALL_PORT": str(hall_port),
        "HALL_DATABASE_URL": db_url,
        "HALL_COUNTER_BOTS": "never",
        "HALL_LOG_LEVEL": "WARNING",
        "HALL_PERMITS_URL": f"http://127.0.0.1:{sim_port}",
        "HALL_PERMITS_API_KEY": "bench-key",
        "HALL_PERMITS_WEBHOOK_SECRET": SECRET,
    }

    def start_hall() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "hall_server.cli", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    engine = create_engine(db_url)

    async def undelivered() -> int:
        async with engine.connect() as conn:
            query = text("SELECT count(*) FROM outbox WHERE state <> 'delivered'")
            return int((await conn.execute(query)).scalar_one())

    hall = None
    try:
        await wait_ready(f"http://127.0.0.1:{sim_port}", "/admin/faults", {"user_key": "bench-key"})
        # Throughput: a backlog filed while the hall is stopped, drained after it starts.
        await file_applications(db_url, tmp / "data", ["NIB"] * applications, migrate=True)
        hall = start_hall()
        await wait_ready(f"http://127.0.0.1:{hall_port}", "/readyz")
        started = time.perf_counter()
        while await undelivered():
            await asyncio.sleep(0.02)
        drain_s = time.perf_counter() - started
        # Latency: applications filed one by one at a steady 20 per second.
        async with engine.connect() as conn:
            before = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
        for _ in range(200):
            await file_applications(db_url, tmp / "data", ["NIB"])
            await asyncio.sleep(0.05)
        while await undelivered():
            await asyncio.sleep(0.02)
        async with engine.connect() as conn:
            query = (
                select(OutboxRow.created_at, OutboxRow.updated_at)
                .order_by(OutboxRow.id)
                .offset(before)
            )
            rows = (await conn.execute(query)).all()
    finally:
        await engine.dispose()
        if hall is not None:
            hall.terminate()
            hall.wait(10)
        sim.terminate()
        sim.wait(10)
    latencies = sorted((r.updated_at - r.created_at).total_seconds() for r in rows)
    return {
        "applications": applications,
        "deliveries_per_s": round(applications / drain_s, 1),
        "submit_to_received_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "submit_to_received_p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--applications", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite")
    args = parser.parse_args()
    servers = Servers()
    results = {}
    try:
        for backend in args.backends.split(","):
            url = start_postgres(servers) if backend == "postgresql" else None
            if backend == "postgresql" and url is None:
                continue
            results[backend] = asyncio.run(run(args.applications, url))
    finally:
        servers.stop()
    print("| backend | applications | deliveries/s | submit→received p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for backend, r in results.items():
        print(
            f"| {backend} | {r['applications']} | {r['deliveries_per_s']} | "
            f"{r['submit_to_received_p50_ms']} | {r['submit_to_received_p99_ms']} |"
        )
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path(f"bench/results/handoff-{int(time.time())}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
