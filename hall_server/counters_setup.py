"""Assembling a hall's counters: the floor with its ports, the store, the pump."""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from avatars.crowd import Crowd
from counters.bot import BotClerk
from counters.catalogue import Catalogue
from counters.floor import Floor, FloorPolicy
from counters.handoff import backoffice_kinds
from counters.tickets import QueueRules, ServiceRule
from hall_server.cluster.lease_store import Fence
from hall_server.counter_store import CounterStore
from hall_server.halls import HallSpec
from hall_server.localtime import hall_zone, utc_offset_s
from hall_server.settings import Settings
from hall_server.survey_tokens import SurveyTokens
from realtime.bus import Bus
from realtime.calls.manager import CallManager
from realtime.counter_hub import CounterHub
from realtime.counter_seat import CallsView, CrowdWalkers, HallSeat
from realtime.runtime import HallRuntime


def queue_rules(catalogue: Catalogue, settings: Settings | None = None) -> QueueRules:
    """One queue per service, numbered by its group letter, timed by its average."""
    services = tuple(ServiceRule(s.code, s.group, s.avg_service_min * 60.0) for s in catalogue)
    if settings is None:
        return QueueRules(services=services)
    return QueueRules(
        services=services,
        max_recalls=settings.counter_max_recalls,
        no_show_timeout_s=settings.counter_no_show_s,
        # The numbers' day is the supervisors' day: both start at HALL_TIMEZONE's midnight.
        utc_offset_s=utc_offset_s(hall_zone(settings)),
    )


def floor_policy(settings: Settings) -> FloorPolicy:
    return FloorPolicy(
        bots=settings.counter_bots,
        recall_after_s=settings.counter_recall_after_s,
        citizen_left_s=settings.counter_citizen_left_s,
        bot_idle_s=settings.counter_bot_idle_s,
        officer_grace_s=settings.counter_officer_grace_s,
        sim_ticket_chance=settings.demo_ticket_chance,
    )


def new_id() -> str:
    return secrets.token_hex(8)


def new_tracking_code() -> str:
    # Unambiguous letters and digits (no 0/O, 1/I), grouped for reading aloud;
    # from the OS's CSPRNG, since a tracking code is half of a lookup credential.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"MPP-{raw[:5]}-{raw[5:]}"


async def start_counters(
    runtime: HallRuntime,
    spec: HallSpec,
    catalogue: Catalogue,
    sessions: async_sessionmaker[AsyncSession],
    bus: Bus,
    settings: Settings,
    *,
    calls: CallManager | None = None,
    on_filed: Callable[[], None] | None = None,
    survey_tokens: SurveyTokens | None = None,
    fence: Fence | None = None,
) -> CounterHub:
    """Restore the hall's queues from the database and start its counters.

    ``on_filed`` is called after a transaction that queued applications for
    hand-off commits (to wake the delivery worker). ``fence``: the hall's lease token;
    every write is refused once another node took the hall over.
    """
    # Applications of every service are queued for their back office (transactional outbox).
    kinds = {code: str(kind) for code, kind in backoffice_kinds(catalogue).items()}
    store = CounterStore(sessions, spec.hall_id, kinds, on_filed=on_filed, fence=fence)
    crowd = runtime.driver if isinstance(runtime.driver, Crowd) else None
    floor = Floor(
        counters=spec.scene.counters,
        catalogue=catalogue,
        rules=queue_rules(catalogue, settings),
        clerk=BotClerk(catalogue),
        seat=HallSeat(runtime.hall),
        policy=floor_policy(settings),
        # The demo's choices need no secrecy; a seed makes a demo run repeatable.
        rng=random.Random(settings.demo_seed),
        new_id=new_id,
        new_tracking_code=new_tracking_code,
        walkers=CrowdWalkers(crowd, runtime.hall) if crowd is not None else None,
        calls=CallsView(calls) if calls is not None else None,
        survey=(
            (lambda s: survey_tokens.issue(spec.hall_id, s, time.time()))
            if survey_tokens is not None
            else None
        ),
    )
    # A supervisor's run-time choices (bot staffing, counters held closed) outlive a restart.
    bots, held = await store.staffing()
    floor.preset_staffing(bots=bots, held=held)
    hub = CounterHub(floor, runtime.hall, store=store, bus=bus, calls=calls, flush=runtime.flush)
    await hub.start(await store.load())
    await hub.listen_to_chat()
    return hub
