"""Assembling the hand-off to back offices: clients from settings, the delivery worker.

Back offices are configured for the whole deployment (``HALL_CIVIL_REGISTRY_*``,
``HALL_PERMITS_*``) and, for single halls, in the TOML file named by
``HALL_BACKOFFICES_FILE`` (:func:`read_backoffices_file`). Each distinct back
office becomes a :class:`~hall_server.backoffice.routes.Route` with its own
client and breaker. The worker runs in the app's lifespan; a status change is
told to the citizen in the hall (an ``application_status`` message) when they
are there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import tomllib
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
from hall_server.backoffice.routes import Route
from hall_server.errors import InvalidInput
from hall_server.settings import Settings
from realtime.runtime import HallRuntime

log = logging.getLogger(__name__)

#: Keys of a hall's back-office table in HALL_BACKOFFICES_FILE.
_FILE_KEYS = frozenset({"url", "api_key", "webhook_secret", "timeout_s", "connect_timeout_s"})


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
        (
            BackOfficeKind.LAPOR,
            settings.lapor_url,
            settings.lapor_api_key,
            settings.lapor_webhook_secret,
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


def read_backoffices_file(path: Path, settings: Settings) -> dict[str, dict[str, BackOfficeConfig]]:
    """Per-hall back offices: hall id -> kind -> config, from a TOML file.

    One table per hall and kind, ``[<hall id>.<kind>]`` with ``url`` (required),
    ``api_key``, ``webhook_secret``, ``timeout_s``, ``connect_timeout_s``. A
    hall's table replaces the deployment-wide back office of that kind for
    that hall: its key and secret are never taken from the deployment-wide
    settings (they belong to another back office); only the timeouts are.
    Raises :class:`InvalidInput` naming the file and the key that is wrong.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"HALL_BACKOFFICES_FILE {path}: {exc}") from exc
    kinds = {str(k) for k in BackOfficeKind}
    out: dict[str, dict[str, BackOfficeConfig]] = {}
    for hall_id, tables in data.items():
        if not isinstance(tables, dict):
            raise InvalidInput(f"{path}: [{hall_id}] must be a table of back offices")
        for kind, table in tables.items():
            where = f"{path}: [{hall_id}.{kind}]"
            if kind not in kinds:
                raise InvalidInput(f"{where}: the kind must be one of {', '.join(sorted(kinds))}")
            if not isinstance(table, dict):
                raise InvalidInput(f"{where} must be a table")
            out.setdefault(str(hall_id), {})[kind] = _config_of(where, table, settings)
    return out


def _config_of(where: str, table: dict[str, Any], settings: Settings) -> BackOfficeConfig:
    unknown = sorted(set(table) - _FILE_KEYS)
    if unknown:
        raise InvalidInput(f"{where}: unknown key {unknown[0]!r}")
    url = table.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise InvalidInput(f"{where}: url must be an http:// or https:// URL")
    texts = {k: table.get(k) for k in ("api_key", "webhook_secret")}
    for key, value in texts.items():
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"{where}: {key} must be a string")
    times = {
        "timeout_s": table.get("timeout_s", settings.backoffice_timeout_s),
        "connect_timeout_s": table.get("connect_timeout_s", settings.backoffice_connect_timeout_s),
    }
    for key, value in times.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise InvalidInput(f"{where}: {key} must be a positive number of seconds")
    return BackOfficeConfig(
        base_url=url,
        api_key=texts["api_key"],
        webhook_secret=texts["webhook_secret"],
        timeout_s=float(times["timeout_s"]),
        connect_timeout_s=float(times["connect_timeout_s"]),
    )


def backoffice_routes(
    settings: Settings, known_halls: Collection[str] = ()
) -> dict[Route, BackOfficeConfig]:
    """Every configured back office and the outbox rows it serves.

    Halls that name the same back office (equal configuration) share one
    route, so one client and one breaker; a hall whose table equals the
    deployment-wide one is served by the deployment-wide route. A hall of
    the file that ``known_halls`` does not list is logged (a typo would send
    nothing anywhere) but kept: another process may run it.
    """
    defaults = backoffice_configs(settings)
    per_hall = (
        read_backoffices_file(settings.backoffices_file, settings)
        if settings.backoffices_file is not None
        else {}
    )
    for hall_id in sorted(set(per_hall) - set(known_halls)):
        log.warning("back offices configured for a hall this server does not run: %s", hall_id)
    routes: dict[Route, BackOfficeConfig] = {}
    for kind in sorted({str(k) for k in BackOfficeKind}):
        default = defaults.get(kind)
        by_config: dict[BackOfficeConfig, set[str]] = {}
        for hall_id, configs in per_hall.items():
            config = configs.get(kind)
            if config is not None and config != default:
                by_config.setdefault(config, set()).add(hall_id)
        own = frozenset(h for halls in by_config.values() for h in halls)
        if default is not None:
            routes[Route(kind, None, own)] = default
        for config, halls in by_config.items():
            routes[Route(kind, frozenset(halls))] = config
    return routes


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        max_attempts=settings.handoff_max_attempts,
        backoff_base_s=settings.handoff_backoff_base_s,
        backoff_cap_s=settings.handoff_backoff_cap_s,
        breaker_fail_max=settings.handoff_breaker_fail_max,
        breaker_reset_s=settings.handoff_breaker_reset_s,
        reconcile_after_s=settings.handoff_reconcile_after_s,
        idle_s=settings.handoff_idle_s,
        claim_lease_s=settings.handoff_claim_lease_s,
    )


class Handoff:
    """The running hand-off: clients, the worker and its task."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        runtimes: Mapping[str, HallRuntime],
        known_halls: Collection[str] = (),
    ) -> None:
        # ``runtimes`` may still be filling up: the halls are named by ``known_halls``.
        self.routes = backoffice_routes(settings, known_halls or runtimes.keys())
        self.clients: dict[Route, HttpBackOffice] = {
            route: client_for(route.kind, config) for route, config in self.routes.items()
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

    def callback_route(
        self, kind: str, hall_id: str | None
    ) -> tuple[Route, BackOfficeConfig] | None:
        """The back office whose callbacks arrive for ``hall_id`` (None: the deployment-wide one)."""
        for route, config in self.routes.items():
            if route.kind != kind:
                continue
            if route.serves(hall_id) if hall_id is not None else route.halls is None:
                return route, config
        return None

    def filed(self) -> None:
        """An application was just queued in this process: deliver it without waiting."""
        self.worker.wake()

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
