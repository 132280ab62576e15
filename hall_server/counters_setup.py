"""Assembling a hall's counters: the queue rules from the catalogue, the store, the hub."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from avatars.crowd import Crowd
from counters.bot import BotClerk
from counters.catalogue import Catalogue
from counters.handoff import backoffice_kinds
from counters.tickets import QueueRules, ServiceRule
from hall_server.counter_store import CounterStore
from hall_server.halls import HallSpec
from realtime.bus import Bus
from realtime.counter_hub import CounterHub
from realtime.runtime import HallRuntime


def queue_rules(catalogue: Catalogue) -> QueueRules:
    """One queue per service, numbered by its group letter, timed by its average."""
    return QueueRules(
        services=tuple(ServiceRule(s.code, s.group, s.avg_service_min * 60.0) for s in catalogue)
    )


async def start_counters(
    runtime: HallRuntime,
    spec: HallSpec,
    catalogue: Catalogue,
    sessions: async_sessionmaker[AsyncSession],
    bus: Bus,
    *,
    bots: str = "always",
    sim_ticket_chance: float = 0.01,
    on_filed: Callable[[], None] | None = None,
) -> CounterHub:
    """Restore the hall's queues from the database and start its counters.

    ``on_filed`` is called after a transaction that queued applications for
    hand-off commits (to wake the delivery worker).
    """
    # Applications of every service are queued for their back office (transactional outbox).
    kinds = {code: str(kind) for code, kind in backoffice_kinds(catalogue).items()}
    store = CounterStore(sessions, spec.hall_id, kinds, on_filed=on_filed)
    crowd = runtime.driver if isinstance(runtime.driver, Crowd) else None
    hub = CounterHub(
        runtime.hall,
        spec.scene,
        catalogue,
        store=store,
        bus=bus,
        rules=queue_rules(catalogue),
        clerk=BotClerk(catalogue),
        crowd=crowd,
        flush=runtime.flush,
        bots=bots,
        sim_ticket_chance=sim_ticket_chance,
    )
    await hub.start(await store.load())
    return hub
