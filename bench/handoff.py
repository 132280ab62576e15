"""Deliveries per second through the outbox, and submit-to-received latency.

Starts the simulated permit office (healthy, no faults) and the hall server
as real processes on loopback and measures two things:

- **Drain rate.** N applications are filed while the hall is stopped; the
  clock starts when the hall is ready and stops when the last outbox row is
  delivered. The CPU seconds of the hall and of the back office during the
  drain are read from /proc, to tell which of the two limits the rate.
- **Latency.** Applications are then filed at a steady rate (on a fixed
  schedule, so a slow filing does not lower the rate). For each, the time
  from filing (the application's ``created_at``) to "received by the back
  office" (the ``received_at`` the simulated office stored when it accepted
  the submission, read from its own SQLite file), p50 and p99.

Applications are filed the way a counter session does it (application row
and outbox row in one transaction), from this process with one long-lived
engine: the hall's worker and the office's callbacks write at the same time.

``--hall-tree DIR`` runs the hall server from another source tree (for
example a clone of an older commit), to measure a baseline with the same
bench, office and machine.

    python -m bench.handoff [--applications 1000] [--backends sqlite,postgresql]
        [--rate 20] [--latency-s 10] [--hall-tree DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from avatars.nik import nik_digest
from hall_server.backoffice import add_to_outbox
from hall_server.db import create_engine, make_sessionmaker
from hall_server.db.migrate import upgrade
from hall_server.db.models import Account, ApplicationRow, Hall
from hall_server.secrets import derive_key, resolve_secret_key
from hall_server.settings import Settings
from tests.servers import Servers, free_port, start_postgres
from tests.support.waiting import wait_until

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
HALL = "mpp-kendari"
NIK = "7471014101900001"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def load_averages() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


async def wait_ready(url: str, path: str, headers: dict[str, str] | None = None) -> None:
    async with httpx.AsyncClient() as http:

        async def ready() -> bool:
            try:
                return (await http.get(url + path, headers=headers)).status_code == 200
            except httpx.HTTPError:
                return False

        await wait_until(ready, 30, f"{url} to start", interval=0.1)


class Filer:
    """Files applications as a counter session does: one transaction each, outbox included."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.engine = create_engine(database_url)
        self.sessions = make_sessionmaker(engine=self.engine)
        self.data_dir = data_dir
        self.citizen = ""

    async def prepare(self) -> None:
        settings = Settings.from_env({}, data_dir=self.data_dir)
        digest = nik_digest(derive_key(resolve_secret_key(settings), "nik"), NIK)
        now = datetime.now(UTC)
        async with self.sessions.begin() as db:
            db.add(Hall(id=HALL, name="MPP Kendari", scene_id=HALL, created_at=now))
            account = Account(
                role="citizen", nik_digest=digest, display_name="Siti", created_at=now
            )
            db.add(account)
            await db.flush()
            self.citizen = f"account:{account.id}"

    async def file(self) -> None:
        now = datetime.now(UTC)
        async with self.sessions.begin() as db:
            row = ApplicationRow(
                id=f"app{time.monotonic_ns()}",
                hall_id=HALL,
                tracking_code=f"MPP-B-{secrets.token_hex(5).upper()}",
                service="NIB",
                ticket_id=None,
                session_id=None,
                citizen_ref=self.citizen,
                status="awaiting_officer",
                fee_idr=0,
                created_at=now,
                updated_at=now,
                data={
                    "variant": None,
                    "form": {"nik": NIK, "nama_lengkap": "Siti Aminah"},
                    "checklist": {},
                    "filed_by": "bot:D1",
                    "fee_is_levy": False,
                },
            )
            db.add(row)
            await add_to_outbox(db, row, kind="permits", now=now)

    async def undelivered(self) -> int:
        async with self.engine.connect() as conn:
            query = text("SELECT count(*) FROM outbox WHERE state <> 'delivered'")
            return int((await conn.execute(query)).scalar_one())

    async def delivered_all(self) -> bool:
        return await self.undelivered() == 0

    async def filed_at(self) -> dict[str, float]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(text("SELECT id, created_at FROM applications"))
            out = {}
            for app_id, created in rows:
                if isinstance(created, str):  # SQLite through a text() query
                    created = datetime.fromisoformat(created)
                if created.tzinfo is None:
                    created = created.replace(tzinfo=UTC)
                out[str(app_id)] = created.timestamp()
            return out


def received_at(sim_db: Path) -> dict[str, float]:
    """application id -> when the simulated office accepted it (its own record)."""
    with sqlite3.connect(sim_db) as db:
        rows = db.execute("SELECT body_json, received_at FROM submissions").fetchall()
    return {json.loads(body)["application_id"]: float(at) for body, at in rows}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(
    applications: int,
    database_url: str | None,
    *,
    rate_per_s: float,
    latency_s: float,
    hall_tree: Path | None,
) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="hall-handoff-bench-"))
    hall_port, sim_port = free_port(), free_port()
    sim_db = tmp / "permits.db"
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hall_server.sims",
            "permits",
            "--port",
            str(sim_port),
            "--db",
            str(sim_db),
            "--api-key",
            "bench-key",
            "--webhook-secret",
            SECRET,
            "--callback-url",
            f"http://127.0.0.1:{hall_port}/api/v1/backoffice/webhooks/permits",
            # Status steps are hours apart: one callback per application (its receipt).
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
    if hall_tree is not None:
        # `python -m` puts the working directory first on sys.path: the tree's code runs.
        env["PYTHONPATH"] = str(hall_tree)

    def start_hall() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "hall_server.cli", "serve"],
            env=env,
            cwd=hall_tree,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    await upgrade(db_url)
    filer = Filer(db_url, tmp / "data")
    hall = None
    try:
        await filer.prepare()
        await wait_ready(f"http://127.0.0.1:{sim_port}", "/admin/faults", {"user_key": "bench-key"})
        # Drain: a backlog filed while the hall is stopped, delivered after it starts.
        for _ in range(applications):
            await filer.file()
        hall = start_hall()
        await wait_ready(f"http://127.0.0.1:{hall_port}", "/readyz")
        cpu_before = cpu_s(hall.pid), cpu_s(sim.pid)
        started = time.perf_counter()
        await wait_until(filer.delivered_all, 600, "the backlog delivered", interval=0.05)
        drain_s = time.perf_counter() - started
        hall_cpu, sim_cpu = cpu_s(hall.pid) - cpu_before[0], cpu_s(sim.pid) - cpu_before[1]
        before = set(received_at(sim_db))
        # Latency: a steady filing rate, each filing at its scheduled time.
        count = int(rate_per_s * latency_s)
        t0 = time.perf_counter()
        for i in range(count):
            delay = t0 + i / rate_per_s - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await filer.file()
        filing_s = time.perf_counter() - t0
        await wait_until(filer.delivered_all, 120, "every filing delivered", interval=0.05)
        filed = await filer.filed_at()
        received = received_at(sim_db)
    finally:
        await filer.engine.dispose()
        if hall is not None:
            hall.terminate()
            hall.wait(10)
        sim.terminate()
        sim.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    latencies = [at - filed[a] for a, at in received.items() if a not in before and a in filed]
    return {
        "applications": applications,
        "deliveries_per_s": round(applications / drain_s, 1),
        "hall_cpu_ms_per_delivery": round(hall_cpu / applications * 1000, 2),
        "backoffice_cpu_ms_per_delivery": round(sim_cpu / applications * 1000, 2),
        "latency_applications": len(latencies),
        "filing_rate_per_s": round(count / filing_s, 1),
        "submit_to_received_p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "submit_to_received_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }


async def fresh_database(base: str) -> str:
    name = f"hall_bench_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--applications", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--rate", type=float, default=20.0, help="filings per second")
    parser.add_argument("--latency-s", type=float, default=10.0, help="length of the steady phase")
    parser.add_argument("--hall-tree", type=Path, default=None)
    args = parser.parse_args()
    servers = Servers()
    results: dict[str, Any] = {"load_before": load_averages()}
    try:
        pg_base: str | None = None
        for backend in args.backends.split(","):
            url = None
            if backend == "postgresql":
                pg_base = pg_base or start_postgres(servers)
                if pg_base is None:
                    continue
                url = asyncio.run(fresh_database(pg_base))
            results[backend] = asyncio.run(
                run(
                    args.applications,
                    url,
                    rate_per_s=args.rate,
                    latency_s=args.latency_s,
                    hall_tree=args.hall_tree,
                )
            )
    finally:
        servers.stop()
    results["load_after"] = load_averages()
    print(f"load averages before {results['load_before']}, after {results['load_after']}")
    print(
        "| backend | deliveries/s | hall CPU ms/delivery | office CPU ms/delivery"
        " | submit→received p50 ms | p99 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for backend, r in results.items():
        if not isinstance(r, dict):
            continue
        print(
            f"| {backend} | {r['deliveries_per_s']} | {r['hall_cpu_ms_per_delivery']} | "
            f"{r['backoffice_cpu_ms_per_delivery']} | {r['submit_to_received_p50_ms']} | "
            f"{r['submit_to_received_p99_ms']} |"
        )
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path(f"bench/results/handoff-{int(time.time())}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
