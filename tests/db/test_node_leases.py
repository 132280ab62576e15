"""Nodes sharing halls through the lease table, with a clock the test moves (no subprocesses).

The pump (hall_server/cluster/node.py) is driven round by round: nodes split
the halls evenly, a paused node's halls are taken over under new tokens once
its leases expire, and the paused node, waking up, finds its renewals refused
and stops those halls without writing; a draining node hands its halls over.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.cluster.lease_store import Fence, LeaseStore
from hall_server.cluster.node import Node

HALLS = ["h1", "h2", "h3", "h4"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def node(name: str, store: LeaseStore, clock: Clock, log: list[tuple[str, str, str]]) -> Node:
    async def start(hall: str, fence: Fence) -> None:
        log.append((name, "start", hall))

    async def stop(hall: str, lost: bool) -> None:
        log.append((name, "lost" if lost else "stop", hall))

    async def save(hall: str) -> None:
        return None

    return Node(
        store,
        node_id=name,
        url=f"ws://{name}",
        hall_ids=HALLS,
        clustered=True,
        ttl_s=5.0,
        renew_s=1.0,
        start_hall=start,
        stop_hall=stop,
        save_hall=save,
        clock=clock,
    )


async def test_nodes_split_take_over_a_paused_node_and_fence_it_out(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    store, clock, log = LeaseStore(sessions), Clock(), []
    a, b, c = (node(n, store, clock, log) for n in "abc")
    await store.ensure(HALLS)
    for n in (a, b, c):  # all three beat their heartbeat before anyone takes
        await store.heartbeat(n.node_id, n.url, now=clock.now, draining=False)
    for _ in range(3):
        for n in (a, b, c):
            await n.round()
    assert sorted(len(n.fences) for n in (a, b, c)) == [1, 1, 2]
    big = max((a, b, c), key=lambda n: len(n.fences))
    others = [n for n in (a, b, c) if n is not big]
    taken = dict(big.fences)
    assert others[0].owner_url(next(iter(taken))) == big.url

    # The big node is paused (no renewals) past its leases' expiry; the others go on.
    for _ in range(6):
        clock.now += 1.0
        for n in others:
            await n.renew()
            await n.round()
    for hall, old in taken.items():
        lease = await store.lease(hall)
        assert lease is not None and lease.owner in {o.node_id for o in others}
        assert lease.token > old.token
    # It wakes up: its renewals are refused, it stops those halls without writing.
    await big.renew()
    assert big.fences == {}
    assert {(big.node_id, "lost", h) for h in taken} <= set(log)


async def test_a_draining_node_hands_its_halls_over_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    store, clock, log = LeaseStore(sessions), Clock(), []
    a, b = node("a", store, clock, log), node("b", store, clock, log)
    await store.ensure(HALLS)
    for n in (a, b):
        await store.heartbeat(n.node_id, n.url, now=clock.now, draining=False)
    await a.round()
    await b.round()
    assert len(a.fences) == len(b.fences) == 2
    mine = set(a.fences)
    await a.drain()
    assert a.fences == {} and {("a", "stop", h) for h in mine} <= set(log)
    clock.now += 1.0  # no expiry to wait for: released
    await b.renew()
    await b.round()
    assert set(b.fences) == set(HALLS)
