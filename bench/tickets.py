"""Take-a-ticket throughput and latency, end to end, on SQLite and on PostgreSQL.

Starts the real server (a subprocess, loopback, bots off so the queues only
grow) once per backend, connects N guest clients over the hall WebSocket and
has each take a number for every service in turn, as fast as the answers
come back. Measures requests per second and the time from sending
``ticket_take`` to receiving its ``ticket`` answer (p50, p99). Each take is a
database transaction (ticket row, audit row), so this is the cost of "nothing
is lost on restart".

    python -m bench.tickets [--clients 50] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from tests.servers import Servers, free_port, start_postgres
from tests.support.waiting import wait_until

SERVICES = ("KTP-EL", "KK", "AKTA-LAHIR", "AKTA-MATI", "PINDAH-DATANG", "NIB", "PBG", "REKLAME")


async def client(base: str, ws_url: str, latencies: list[float]) -> None:
    async with httpx.AsyncClient(base_url=base) as http:
        r = await http.post(
            "/api/v1/auth/guest/token", json={"display_name": "Bench", "role": "guest"}
        )
        token = r.json()["token"]
    async with connect(ws_url, compression=None, max_size=2**20) as ws:
        await ws.send(json.dumps({"type": "join", "token": token}))
        while json.loads(await ws.recv())["type"] != "welcome":
            pass
        for seq, service in enumerate(SERVICES, start=1):
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "ticket_take", "service": service, "seq": seq}))
            while True:
                raw = await ws.recv()
                if isinstance(raw, str):
                    msg = json.loads(raw)
                    if msg["type"] == "ticket" and msg["service"] == service:
                        break
                    if msg["type"] == "error":
                        raise RuntimeError(msg)
            latencies.append(time.perf_counter() - sent)


async def run_backend(name: str, database_url: str | None, clients: int) -> dict[str, float]:
    port = free_port()
    data = tempfile.mkdtemp(prefix="hall-bench-")
    env = {
        **os.environ,
        "HALL_DATA_DIR": data,
        "HALL_PORT": str(port),
        "HALL_COUNTER_BOTS": "never",
        "HALL_LIMIT_MAX_CONNECTIONS_PER_ADDRESS": str(clients + 10),
        "HALL_LOG_LEVEL": "WARNING",
    }
    if database_url:
        env["HALL_DATABASE_URL"] = database_url
    server = subprocess.Popen(
        [sys.executable, "-m", "hall_server.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as http:

            async def ready() -> bool:
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await wait_until(ready, 20, "the hall server to be ready", interval=0.1)
        latencies: list[float] = []
        started = time.perf_counter()
        ws_url = f"ws://127.0.0.1:{port}/ws/v1/halls/mpp-kendari"
        await asyncio.gather(*(client(base, ws_url, latencies) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    latencies.sort()
    return {
        "backend": name,  # type: ignore[dict-item]
        "takes": len(latencies),
        "seconds": round(elapsed, 2),
        "takes_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    servers = Servers()
    results = []
    try:
        for backend in args.backends.split(","):
            url = None
            if backend == "postgresql":
                url = start_postgres(servers)
                if url is None:
                    print("postgresql is not installed: skipped", file=sys.stderr)
                    continue
            results.append(asyncio.run(run_backend(backend, url, args.clients)))
    finally:
        servers.stop()
    print(
        "| backend | clients | takes | takes/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|"
    )
    for r in results:
        print(
            f"| {r['backend']} | {args.clients} | {r['takes']} | {r['takes_per_s']} | {r['p50_ms']} | {r['p99_ms']} |"
        )
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path(f"bench/results/tickets-{int(time.time())}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
