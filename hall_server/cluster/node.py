"""This node's share of the halls: the lease pump (thin; the rules are lease.py and placement.py).

Every ``renew_s`` a clustered node (HALL_CLUSTER) beats its heartbeat, renews
the leases it holds (a renewal refused means another node took the hall over
while this one was paused: the hall is stopped here at once, without a
write) and saves each owned hall's presence for a successor; apart from that
(a hall's start may take seconds) it takes or gives up halls as
:func:`hall_server.cluster.placement.plan` says. A single
node (not clustered) takes every hall at start under a new token, so a stale
process left running against the same database can no longer write.

:meth:`Node.drain` is the rolling restart's half: on SIGTERM the node marks
itself draining (nobody gives it halls), stops each hall after a final flush
and releases its lease at once, so another node takes it within one round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from hall_server.cluster.lease import Lease
from hall_server.cluster.lease_store import Fence, LeaseStore
from hall_server.cluster.placement import plan

log = logging.getLogger(__name__)

#: A single node's lease: it never expires while the process runs (ten years).
_FOREVER_S = 10 * 365 * 86400.0

StartHall = Callable[[str, Fence], Awaitable[None]]
#: stop a hall here; ``lost``: the lease is gone already (no final writes)
StopHall = Callable[[str, bool], Awaitable[None]]
SaveHall = Callable[[str], Awaitable[None]]


class Node:
    def __init__(
        self,
        store: LeaseStore,
        *,
        node_id: str,
        url: str,
        hall_ids: Iterable[str],
        clustered: bool,
        ttl_s: float,
        renew_s: float,
        start_hall: StartHall,
        stop_hall: StopHall,
        save_hall: SaveHall,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.node_id = node_id
        self.url = url
        self.hall_ids = tuple(hall_ids)
        self.clustered = clustered
        self.ttl_s = ttl_s
        self.renew_s = renew_s
        self._start_hall = start_hall
        self._stop_hall = stop_hall
        self._save_hall = save_hall
        self.clock = clock
        #: the halls this node owns, with the tokens their writes are fenced by
        self.fences: dict[str, Fence] = {}
        self._expires: dict[str, float] = {}
        #: the lease rows as last read (where to send a client for a hall owned elsewhere)
        self.leases: dict[str, Lease] = {}
        self._task: asyncio.Task[None] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self._draining = False

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        await self.store.ensure(self.hall_ids)
        if not self.clustered:
            now = self.clock()
            for hall_id in self.hall_ids:
                token = await self.store.acquire(
                    hall_id, self.node_id, self.url, now=now, ttl_s=_FOREVER_S, force=True
                )
                if token is not None:
                    await self._own(hall_id, token, now + _FOREVER_S)
            return
        await self.round()
        self._task = asyncio.create_task(self._run(), name="hall-leases")
        # Renewals on their own: a round that starts halls may take seconds on a loaded
        # machine, and the leases already held must not expire meanwhile.
        self._renewer = asyncio.create_task(self._renew_forever(), name="hall-lease-renewal")

    async def drain(self) -> None:
        """Hand every hall over (final flush, then release) and stop taking any."""
        self._draining = True
        for task in (self._task, self._renewer):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.clustered:
            with contextlib.suppress(Exception):
                await self.store.heartbeat(self.node_id, self.url, now=self.clock(), draining=True)
        for hall_id in list(self.fences):
            await self._give_up(hall_id)
        if self.clustered:
            with contextlib.suppress(Exception):
                await self.store.leave(self.node_id)

    # ------------------------------------------------------------------ queries

    def owns(self, hall_id: str) -> bool:
        return hall_id in self.fences

    def owner_url(self, hall_id: str) -> str | None:
        """The WebSocket base URL of the hall's owner as last seen; "" while it has
        none (changing hands); None for a hall this deployment does not run."""
        if hall_id in self.fences:
            return self.url
        if hall_id not in self.hall_ids:
            return None
        lease = self.leases.get(hall_id)
        if lease is None or lease.free_at(self.clock()):
            return ""
        return lease.owner_url

    # ------------------------------------------------------------------ rounds

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.renew_s)
            try:
                await self.round()
            except Exception:
                log.warning("lease round failed", exc_info=True)
                await self._stop_expired()

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self.renew_s)
            try:
                await self.renew()
            except Exception:
                log.warning("lease renewal failed", exc_info=True)
                await self._stop_expired()

    async def renew(self) -> None:
        """Heartbeat, renew every held lease, save each owned hall's presence."""
        now = self.clock()
        await self.store.heartbeat(self.node_id, self.url, now=now, draining=self._draining)
        for hall_id, fence in list(self.fences.items()):
            if await self.store.renew(fence, now=now, ttl_s=self.ttl_s):
                self._expires[hall_id] = now + self.ttl_s
                with contextlib.suppress(Exception):
                    await self._save_hall(hall_id)
            elif self.fences.get(hall_id) is fence:
                log.warning("hall lease lost to another node", extra={"hall": hall_id})
                await self._drop(hall_id, lost=True)

    async def round(self) -> None:
        """Take and give up halls (the renewals run apart, :meth:`renew`)."""
        now = self.clock()
        if self._renewer is None:  # the first round, at start
            await self.store.heartbeat(self.node_id, self.url, now=now, draining=self._draining)
        leases = await self.store.leases()
        self.leases = {lease.hall_id: lease for lease in leases}
        live = await self.store.live_nodes(now=now, within_s=self.ttl_s)
        moves = plan(self.node_id, leases, live, now=now, draining=self._draining)
        for hall_id in moves.give_up:
            if hall_id in self.fences:
                log.info("handing a hall over to even the load", extra={"hall": hall_id})
                await self._give_up(hall_id)
        for hall_id in moves.take:
            if hall_id not in self.hall_ids:
                continue
            token = await self.store.acquire(
                hall_id, self.node_id, self.url, now=now, ttl_s=self.ttl_s
            )
            if token is not None:
                await self._own(hall_id, token, now + self.ttl_s)

    async def _own(self, hall_id: str, token: int, expires_at: float) -> None:
        fence = Fence(hall_id, self.node_id, token)
        self.fences[hall_id] = fence
        self._expires[hall_id] = expires_at
        try:
            await self._start_hall(hall_id, fence)
        except Exception:
            log.exception("hall failed to start", extra={"hall": hall_id})
            self.fences.pop(hall_id, None)
            with contextlib.suppress(Exception):
                await self.store.release(fence)
            return
        log.info("hall taken", extra={"hall": hall_id, "token": token})

    async def _give_up(self, hall_id: str) -> None:
        fence = self.fences.get(hall_id)
        if fence is None:
            return
        await self._drop(hall_id, lost=False)
        try:
            await self.store.release(fence)
        except Exception:
            log.warning("lease release failed: it expires instead", extra={"hall": hall_id})

    async def _drop(self, hall_id: str, *, lost: bool) -> None:
        self.fences.pop(hall_id, None)
        self._expires.pop(hall_id, None)
        try:
            await self._stop_hall(hall_id, lost)
        except Exception:
            log.exception("hall failed to stop", extra={"hall": hall_id})

    async def _stop_expired(self) -> None:
        """The database is unreachable: stop serving halls whose lease ran out here."""
        now = self.clock()
        for hall_id, expires_at in list(self._expires.items()):
            if now >= expires_at:
                log.warning("hall lease expired unrenewed", extra={"hall": hall_id})
                await self._drop(hall_id, lost=True)
