"""Many nodes (issue 15): failover time over repeated SIGKILLs, and take-a-ticket with three nodes
against one.

Real processes on loopback: PostgreSQL and Redis (started here, as the tests do), hall-server
nodes with ``HALL_CLUSTER=true`` and four halls (the demo scene under four ids).

**Failover**: three nodes; people wait in every hall (idle, connected). Each round SIGKILLs the
node owning the most halls and measures, from the kill, (a) until another node holds every
lease of the dead node's halls, and (b) until a person of each of those halls has resumed
(their welcome with ``resumed: true``) through a live node. The killed node is started again
and the cluster left to settle before the next round.

**Take a ticket**: N guests spread over the four halls, each connected straight to its hall's
owner (``GET /api/v1/halls/{id}``'s ``websocket_url``), take a number for every service, as fast
as the answers come; takes per second and latency (send to ``ticket`` answer), with one node
and with three.

    python -m bench.failover [--kills 10] [--clients 48] [--people 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from tests.e2e.cluster import Cluster, Person, hall_scenes
from tests.servers import Servers, start_postgres, start_redis
from tests.support.waiting import wait_until

SERVICES = ("KTP-EL", "KK", "AKTA-LAHIR", "AKTA-MATI", "PINDAH-DATANG", "NIB", "PBG", "REKLAME")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def fresh_database(base: str, name: str) -> str:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from hall_server.db import create_engine

    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


async def start_cluster(tmp: Path, db: str, redis: str, nodes: int) -> tuple[Cluster, list[str]]:
    scenes = hall_scenes(tmp, 4)
    halls = [json.loads(p.read_text())["id"] for p in scenes]
    cluster = Cluster(
        tmp,
        db,
        redis,
        scenes,
        nodes=nodes,
        counter_bots="never",
        resume_grace_s=300,
        counter_citizen_left_s=600,
        limit_max_connections_per_address=1000,
    )
    await cluster.start()
    return cluster, halls


def even(halls: int, nodes: int) -> list[int]:
    return sorted([halls // nodes + (1 if i < halls % nodes else 0) for i in range(nodes)])


async def one_kill(cluster: Cluster, halls: list[str], people: list[Person]) -> dict[str, Any]:
    """SIGKILL the node with the most halls; time until its halls are owned and serve again."""
    owners: dict[str, str | None] = await wait_until(
        lambda: cluster.settled(halls, even(4, 3)), 120, "settled", interval=0.3
    )
    victim_name = max({n for n in owners.values() if n}, key=list(owners.values()).count)
    victim = cluster.node(victim_name)
    moved = [h for h, n in owners.items() if n == victim_name]
    await asyncio.sleep(2.5)  # two lease rounds: the presence holds everyone (not a measurement)
    killed = time.monotonic()
    victim.kill()

    async def owned_again() -> bool:
        now = await cluster.owners()
        return all(now.get(h) not in (None, victim_name) for h in moved)

    leases_s = 0.0
    served: dict[str, float] = {}

    async def watch_leases() -> None:
        nonlocal leases_s
        await wait_until(owned_again, 120, "leases taken over", interval=0.05)
        leases_s = time.monotonic() - killed

    async def resume_one(person: Person) -> None:
        welcome = await person.come_back(cluster.nodes)
        assert welcome["resumed"], "resumed"
        served.setdefault(person.hall, time.monotonic() - killed)

    await wait_until(lambda: all(not p.connected for p in people if p.hall in moved), 30, "dropped")
    gone = [p for p in people if not p.connected]
    await asyncio.gather(watch_leases(), *(resume_one(p) for p in gone))
    everyone = time.monotonic() - killed
    victim.start()
    await wait_until(victim.ready, 180, "the node back", interval=0.3)
    return {
        "halls": len(moved),
        "leases_s": round(leases_s, 2),
        "served_s": round(max(served.values()), 2),
        "everyone_back_s": round(everyone, 2),
        "people": len(gone),
    }


async def failover(
    tmp: Path, db: str, redis: str, kills: int, people_per_hall: int
) -> dict[str, Any]:
    cluster, halls = await start_cluster(tmp, db, redis, 3)
    rounds: list[dict[str, Any]] = []
    try:
        await wait_until(lambda: cluster.settled(halls, even(4, 3)), 120, "settled", interval=0.3)
        people: list[Person] = []
        async with httpx.AsyncClient(base_url=cluster.nodes[0].base, timeout=30) as http:
            for i in range(people_per_hall * len(halls)):
                r = await http.post("/api/v1/auth/guest/token", json={"display_name": f"B{i}"})
                people.append(Person(halls[i % len(halls)], str(r.json()["token"])))
        await asyncio.gather(*(p.first_visit(cluster.nodes) for p in people))
        for k in range(kills):
            rounds.append(await one_kill(cluster, halls, people))
            print(f"kill {k + 1}: {rounds[-1]}", file=sys.stderr)
        for p in people:
            if p.client is not None:
                await p.client.close()
    finally:
        cluster.stop()
    served = [float(r["served_s"]) for r in rounds]
    leases = [float(r["leases_s"]) for r in rounds]
    return {
        "kills": len(rounds),
        "served_p50_s": round(statistics.median(served), 2),
        "served_p99_s": round(pct(served, 0.99), 2),
        "served_max_s": round(max(served), 2),
        "leases_p50_s": round(statistics.median(leases), 2),
        "leases_p99_s": round(pct(leases, 0.99), 2),
        "rounds": rounds,
    }


async def taker(base: str, hall: str, latencies: list[float], moves: list[int]) -> None:
    """Take a number for every service; when the hall moves mid-way (under load a lease can
    expire: ``stale_owner``, or the socket closes), connect to the new owner and take it again."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        token: str | None = None
        pending = list(SERVICES)
        while pending:
            try:
                if token is None:
                    r = await http.post("/api/v1/auth/guest/token", json={"display_name": "B"})
                    token = str(r.json()["token"])
                where = (await http.get(f"/api/v1/halls/{hall}")).json()["websocket_url"]
                url = where if where.startswith("ws") else base.replace("http", "ws", 1) + where
                await take_all(url, token, pending, latencies)
            except (RuntimeError, OSError, WebSocketException, httpx.HTTPError):
                moves.append(1)
                await asyncio.sleep(0.5)  # the hall is changing hands (or a node is slow): again


async def take_all(url: str, token: str, pending: list[str], latencies: list[float]) -> None:
    async with connect(url, compression=None, max_size=2**20) as ws:
        await ws.send(json.dumps({"type": "join", "token": token}))
        while (msg := json.loads(await ws.recv()))["type"] != "welcome":
            if msg["type"] == "error":
                raise RuntimeError(msg["code"])
        for seq, service in enumerate(list(pending), start=1):
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "ticket_take", "service": service, "seq": seq}))
            while True:
                raw = await ws.recv()
                if isinstance(raw, str):
                    msg = json.loads(raw)
                    if msg["type"] == "ticket" and msg["service"] == service:
                        break
                    if msg["type"] == "error":
                        raise RuntimeError(msg["code"])
            latencies.append(time.perf_counter() - sent)
            pending.remove(service)


async def tickets(tmp: Path, db: str, redis: str, nodes: int, clients: int) -> dict[str, Any]:
    cluster, halls = await start_cluster(tmp, db, redis, nodes)
    try:
        await wait_until(
            lambda: cluster.settled(halls, even(4, nodes)), 120, "settled", interval=0.3
        )
        latencies: list[float] = []
        moves: list[int] = []
        bases = [n.base for n in cluster.nodes]
        started = time.perf_counter()
        await asyncio.gather(
            *(
                taker(bases[i % len(bases)], halls[i % len(halls)], latencies, moves)
                for i in range(clients)
            )
        )
        elapsed = time.perf_counter() - started
    finally:
        cluster.stop()
    return {
        "nodes": nodes,
        "clients": clients,
        "takes": len(latencies),
        "retried_after_a_move": len(moves),
        "takes_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(pct(latencies, 0.99) * 1000, 1),
    }


async def run(args: argparse.Namespace, pg: str, redis: str) -> dict[str, Any]:
    out: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    out["load_before"] = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="hall-failover-") as tmp:
        root = Path(tmp)
        for nodes in [int(n) for n in args.nodes.split(",") if n]:
            sub = root / f"t{nodes}"
            sub.mkdir()
            db = await fresh_database(pg, f"bench_tickets_{nodes}_{int(time.time())}")
            out[f"tickets_{nodes}"] = await tickets(sub, db, redis, nodes, args.clients)
            print(out[f"tickets_{nodes}"], file=sys.stderr)
        if args.kills:
            sub = root / "failover"
            sub.mkdir()
            db = await fresh_database(pg, f"bench_failover_{int(time.time())}")
            out["failover"] = await failover(sub, db, redis, args.kills, args.people)
    out["load_after"] = os.getloadavg()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--clients", type=int, default=48)
    parser.add_argument("--people", type=int, default=8, help="idle people per hall (failover)")
    parser.add_argument("--nodes", default="1,3", help="take-a-ticket runs: node counts")
    args = parser.parse_args()
    servers = Servers()
    try:
        pg, redis = start_postgres(servers), start_redis(servers)
        if pg is None or redis is None:
            sys.exit("PostgreSQL and Redis must be installed")
        result = asyncio.run(run(args, pg, redis))
    finally:
        servers.stop()
    print(json.dumps(result, indent=2))
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path(f"bench/results/failover-{int(time.time())}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
