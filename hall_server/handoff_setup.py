"""Assembling the hand-off to back offices: clients from settings, the delivery worker.

The worker runs in the app's lifespan; a status change is told to the citizen
in the hall (an ``application_status`` message) when they are there.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.handoff import BackOfficeKind, DeliveryPolicy
from counters.statuses import text
from hall_server.backoffice import (
    BackOfficeConfig,
    DeliveryWorker,
    HttpBackOffice,
    StatusChange,
    client_for,
)
from hall_server.settings import Settings
from realtime.runtime import HallRuntime


def backoffice_configs(settings: Settings) -> dict[str, BackOfficeConfig]:
    """The configured back offices, by kind (an unset URL leaves that kind out)."""
    out: dict[str, BackOfficeConfig] = {}
    for kind, url, key, secret in (
        (
            BackOfficeKind.CIVIL_REGISTRY,
            settings.civil_registry_url,
            settings.civil_registry_api_key,
            settings.civil_registry_webhook_secret,
        ),
        (
            BackOfficeKind.PERMITS,
            settings.permits_url,
            settings.permits_api_key,
            settings.permits_webhook_secret,
        ),
    ):
        if url:
            out[str(kind)] = BackOfficeConfig(
                base_url=url,
                api_key=key,
                timeout_s=settings.backoffice_timeout_s,
                connect_timeout_s=settings.backoffice_connect_timeout_s,
                webhook_secret=secret,
            )
    return out


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        max_attempts=settings.handoff_max_attempts,
        backoff_base_s=settings.handoff_backoff_base_s,
        backoff_cap_s=settings.handoff_backoff_cap_s,
        breaker_fail_max=settings.handoff_breaker_fail_max,
        breaker_reset_s=settings.handoff_breaker_reset_s,
        reconcile_after_s=settings.handoff_reconcile_after_s,
    )


class Handoff:
    """The running hand-off: clients, the worker and its task."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        runtimes: Mapping[str, HallRuntime],
    ) -> None:
        self.configs = backoffice_configs(settings)
        self.clients: dict[str, HttpBackOffice] = {
            kind: client_for(kind, config) for kind, config in self.configs.items()
        }
        self._runtimes = runtimes
        self.worker = DeliveryWorker(
            sessions,
            self.clients,
            delivery_policy(settings),
            lambda: datetime.now(UTC),
            random.Random(),
            on_change=self._tell_citizen,
        )
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.clients:
            self._task = asyncio.create_task(self.worker.run_forever(self._stop), name="handoff")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for client in self.clients.values():
            await client.aclose()

    async def tell(self, change: StatusChange) -> None:
        """Tell the citizen in the hall (if there) that their application moved."""
        await self._tell_citizen(change)

    async def _tell_citizen(self, change: StatusChange) -> None:
        runtime = self._runtimes.get(change.hall_id)
        if runtime is None:
            return
        avatar = runtime.hall.avatar_of(change.citizen_ref)
        if avatar is None:
            return
        runtime.hall.send(
            avatar,
            {
                "type": "application_status",
                "tracking_code": change.tracking_code,
                "status": change.status.value,
                "text": {"id": text(change.status, "id"), "en": text(change.status, "en")},
            },
        )
        runtime.flush()
