"""Assembling counter calls: the manager, its store, and the recording retention sweeper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.call_store import CallStore
from hall_server.metrics import Metrics
from hall_server.settings import Settings
from realtime.calls.manager import CallManager, CallSettings
from realtime.runtime import HallRuntime

log = logging.getLogger(__name__)


@dataclass
class Calls:
    manager: CallManager
    store: CallStore
    sweeper: asyncio.Task[None]

    async def stop(self) -> None:
        self.sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.sweeper
        await self.manager.stop()


def call_settings(settings: Settings) -> CallSettings:
    return CallSettings(
        enabled=settings.calls_enabled,
        max_active=settings.call_max_concurrent,
        ice_servers=settings.ice_servers,
        host_addresses=settings.host_addresses,
        recordings_dir=settings.resolved_recordings_dir,
        retention_s=settings.recording_retention_s,
    )


def start_calls(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    metrics: Metrics,
    runtimes: dict[str, HallRuntime],
) -> Calls:
    """One call manager for the process; each hall is attached when this node starts it."""
    store = CallStore(sessions, settings.recording_retention_s)
    manager = CallManager(call_settings(settings), store)
    for runtime in runtimes.values():
        manager.attach_hall(runtime.hall, runtime.flush)
    metrics.calls_active.set_function(manager.active)
    metrics.call_peers.set_function(manager.peers)
    sweeper = asyncio.create_task(_sweep(store, settings.recording_sweep_s), name="calls:retention")
    return Calls(manager, store, sweeper)


async def _sweep(store: CallStore, every_s: float) -> None:
    """Delete recordings whose retention has passed, at start and then periodically."""
    while True:
        try:
            deleted = await store.delete_expired(time.time())
            if deleted:
                log.info("expired call recordings deleted", extra={"count": deleted})
        except Exception:
            log.exception("recording retention sweep failed; trying again later")
        await asyncio.sleep(every_s)
