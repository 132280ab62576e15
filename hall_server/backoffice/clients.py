"""HTTP adapters of the back-office port (httpx), one per kind, configured per hall.

Every failure is translated at this boundary: timeouts and transport errors,
5xx, 408 and 429 become :class:`RetryableError` (with the Retry-After the back
office sent), any other 4xx and an unreadable answer :class:`PermanentError`.
Nothing of a response body reaches an error message or a log line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from counters.handoff import BackOfficeKind, Submission, is_retryable, retry_after_s
from hall_server.backoffice.errors import PermanentError, RetryableError
from hall_server.backoffice.ports import (
    CIVIL_REGISTRY_WIRE,
    LAPOR_WIRE,
    PERMITS_WIRE,
    Receipt,
    Report,
    WireFormat,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BackOfficeConfig:
    """Where and how a hall reaches one back office."""

    #: Base URL, e.g. ``https://dukcapil.example.go.id/api``.
    base_url: str
    #: API key sent in the kind's header (civil registry ``X-Api-Key``, permits ``user_key``); None sends none.
    api_key: str | None = None
    #: Whole-request timeout (connect, send, wait, read).
    timeout_s: float = 10.0
    #: Connect timeout, shorter: a back office that is down should fail fast.
    connect_timeout_s: float = 3.0
    #: Secret of its signed callbacks (Standard Webhooks, ``whsec_...``); None refuses callbacks.
    webhook_secret: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


class HttpBackOffice:
    """A back office over HTTP: JSON in and out, an Idempotency-Key on every submission."""

    def __init__(
        self,
        kind: BackOfficeKind,
        config: BackOfficeConfig,
        wire: WireFormat,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.kind = kind
        self.config = config
        self.wire = wire
        self._clock = clock
        headers = {"Accept": "application/json"}
        if config.api_key is not None:
            headers[wire.api_key_header] = config.api_key
        self._http = httpx.AsyncClient(
            base_url=config.base_url,
            headers=headers,
            timeout=httpx.Timeout(config.timeout_s, connect=config.connect_timeout_s),
            transport=transport,
            follow_redirects=False,
        )

    async def submit(self, submission: Submission, idempotency_key: str) -> Receipt:
        data = await self._request(
            "POST",
            self.wire.submit_path,
            json=self.wire.encode(submission),
            headers={"Idempotency-Key": idempotency_key},
        )
        return self._read(self.wire.receipt, data)

    async def status(self, reference: str) -> Report:
        path = self.wire.status_path.format(reference=quote(reference, safe=""))
        data = await self._request("GET", path, unknown="backoffice_unknown_reference")
        return self._read(self.wire.report, data)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        unknown: str = "backoffice_refused",
    ) -> Mapping[str, Any]:
        what = f"{self.kind.value} {'submission' if method == 'POST' else 'status'}"
        try:
            response = await self._http.request(method, path, json=json, headers=headers)
        except httpx.TimeoutException as exc:
            raise RetryableError(f"{what}: timed out", code="backoffice_timeout") from exc
        except httpx.TransportError as exc:
            raise RetryableError(
                f"{what}: {type(exc).__name__}", code="backoffice_unreachable"
            ) from exc
        status = response.status_code
        if status >= 400:
            if is_retryable(status):
                raise RetryableError(
                    f"{what}: HTTP {status}",
                    code="backoffice_busy",
                    status_code=status,
                    retry_after_s=retry_after_s(response.headers.get("Retry-After"), self._clock()),
                )
            code = unknown if status == 404 else "backoffice_refused"
            raise PermanentError(f"{what}: HTTP {status}", code=code, status_code=status)
        try:
            data = response.json()
        except ValueError as exc:
            raise PermanentError(
                f"{what}: HTTP {status} without JSON", code="backoffice_bad_response"
            ) from exc
        if not isinstance(data, Mapping):
            raise PermanentError(
                f"{what}: HTTP {status}, not a JSON object", code="backoffice_bad_response"
            )
        return data

    def _read(self, parse: Callable[[Mapping[str, Any]], T], data: Mapping[str, Any]) -> T:
        try:
            return parse(data)
        except (KeyError, ValueError, TypeError) as exc:
            raise PermanentError(
                f"{self.kind.value}: unreadable answer (missing or bad {exc})",
                code="backoffice_bad_response",
            ) from exc


class CivilRegistryClient(HttpBackOffice):
    """The civil registry (Dukcapil-style): ``X-Api-Key``, ``POST /v1/applications``."""

    def __init__(
        self,
        config: BackOfficeConfig,
        wire: WireFormat = CIVIL_REGISTRY_WIRE,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        super().__init__(
            BackOfficeKind.CIVIL_REGISTRY, config, wire, transport=transport, clock=clock
        )


class PermitsClient(HttpBackOffice):
    """The permit office (OSS-RBA host-to-host style): ``user_key``, kd_status codes."""

    def __init__(
        self,
        config: BackOfficeConfig,
        wire: WireFormat = PERMITS_WIRE,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        super().__init__(BackOfficeKind.PERMITS, config, wire, transport=transport, clock=clock)


class LaporClient(HttpBackOffice):
    """SP4N-LAPOR! (complaints forwarded by the hall): ``X-Api-Key``, LAPOR!'s stages."""

    def __init__(
        self,
        config: BackOfficeConfig,
        wire: WireFormat = LAPOR_WIRE,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        super().__init__(BackOfficeKind.LAPOR, config, wire, transport=transport, clock=clock)


def client_for(kind: BackOfficeKind | str, config: BackOfficeConfig) -> HttpBackOffice:
    """The adapter of ``kind`` with its default wire format."""
    if BackOfficeKind(kind) == BackOfficeKind.CIVIL_REGISTRY:
        return CivilRegistryClient(config)
    if BackOfficeKind(kind) == BackOfficeKind.LAPOR:
        return LaporClient(config)
    return PermitsClient(config)
