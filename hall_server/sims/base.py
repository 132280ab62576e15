"""What both simulated back offices share: the app factory and its pumps.

A sim is an :class:`Office` (the pure part: which services it takes, the
record it keeps and the status steps it plans for each application) plus
this module's I/O: authentication, the fault gate, idempotent submission,
the ticker that applies due status steps, the webhook sender and the admin
endpoints.

Every ``/v1`` request passes, in order: ``down`` (503, nothing else
happens), the API key (401), ``slow_ms``, then one seeded roll of
:func:`faults.decide` (500/503 before anything is recorded, or a hang).
``/admin`` endpoints need the API key but meet no faults.

Errors are JSON ``{"error": {"code": ..., "message": ...}}``; messages name
the field and never echo personal data.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from hall_server.errors import AuthError, HallError, InvalidInput, NotFound
from hall_server.sims import webhooks
from hall_server.sims.config import SimConfig
from hall_server.sims.faults import Faults, Outcome, decide
from hall_server.sims.store import SimStore, Submission, Webhook

log = logging.getLogger(__name__)

#: Longest accepted Idempotency-Key.
MAX_KEY_CHARS = 255
#: Cap of the webhook retry backoff.
WEBHOOK_BACKOFF_CAP_S = 30.0


class IdempotencyConflict(HallError):
    """An Idempotency-Key was reused with a different body."""

    code = "idempotency_conflict"
    http_status = 422


class InjectedFault(HallError):
    """A fault the sim was told to inject."""

    code = "injected_fault"
    http_status = 500


def iso(now: float) -> str:
    """A Unix time as ISO 8601 in UTC, to the second."""
    return datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")


class Office(Protocol):
    """The pure part of a back office. Steps are ``{"after_h": hours, "changes": {...}}``."""

    @property
    def name(self) -> str:
        """Name in logs and the webhook event type prefix, e.g. "civil-registry"."""
        ...

    @property
    def api_key_header(self) -> str:
        """Header carrying the API key, e.g. "X-Api-Key"."""
        ...

    @property
    def services(self) -> Mapping[str, tuple[str, ...]]:
        """Service code -> allowed variant codes (empty: the service has no variants)."""
        ...

    def reference(self, seq: int, now: float) -> str:
        """The back office's reference of its ``seq``-th submission."""
        ...

    def accept(
        self,
        submission: dict[str, Any],
        *,
        reference: str,
        seq: int,
        now: float,
        rng: random.Random,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The first record of a valid submission and the status steps still to come."""
        ...

    def apply(
        self, record: dict[str, Any], changes: dict[str, Any], *, now: float
    ) -> dict[str, Any]:
        """The record after one status step."""
        ...


@dataclass
class Sim:
    """The running state of one sim: configuration, records, faults, random generator."""

    config: SimConfig
    office: Office
    store: SimStore
    faults: Faults
    rng: random.Random
    client: httpx.AsyncClient | None = None

    # The gate --------------------------------------------------------------------------

    async def guarded(
        self, request: Request, handler: Callable[[], Awaitable[Response]]
    ) -> Response:
        """Run ``handler`` behind the faults and the API key check (see the module doc)."""
        if self.faults.down:
            return _error(503, "down", "the back office is down", retry_after=True)
        self.authenticate(request)
        if self.faults.slow_ms:
            await asyncio.sleep(self.faults.slow_ms / 1000)
        outcome = decide(self.faults, self.rng)
        if outcome is Outcome.FAIL_500:
            return _error(500, "injected_fault", "internal error (injected)")
        if outcome is Outcome.FAIL_503:
            return _error(
                503, "injected_fault", "temporarily unavailable (injected)", retry_after=True
            )
        if outcome is Outcome.HANG_UNPROCESSED:
            await asyncio.sleep(self.faults.hang_s)
            return _error(504, "injected_timeout", "timed out before processing (injected)")
        response = await handler()
        if outcome is Outcome.HANG_PROCESSED:
            await asyncio.sleep(self.faults.hang_s)
        return response

    def authenticate(self, request: Request) -> None:
        given = request.headers.get(self.office.api_key_header, "")
        if not hmac.compare_digest(given.encode(), self.config.api_key.encode()):
            raise AuthError(f"missing or wrong {self.office.api_key_header} header")

    # Submission ------------------------------------------------------------------------

    async def submit(self, request: Request) -> Response:
        """Accept an application once per Idempotency-Key; replay the answer to a retry."""
        key = request.headers.get("Idempotency-Key", "")
        if not key or len(key) > MAX_KEY_CHARS:
            raise InvalidInput(
                f"the Idempotency-Key header is required (1..{MAX_KEY_CHARS} characters)",
                code="idempotency_key_required",
            )
        body = await json_body(request)
        request_hash = hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        existing = self.store.by_key(key)
        if existing is not None:
            self.store.count_post(key)
            if existing.request_hash != request_hash:
                raise IdempotencyConflict("this Idempotency-Key was used with a different body")
            return JSONResponse(
                existing.response,
                status_code=existing.response_status,
                headers={"Idempotent-Replayed": "true"},
            )
        submission = check_envelope(body, self.office.services)
        now = time.time()
        seq = self.store.next_seq()
        reference = self.office.reference(seq, now)
        record, plan = self.office.accept(
            submission, reference=reference, seq=seq, now=now, rng=self.rng
        )
        next_at = now + plan[0]["after_h"] * self.config.time_scale_s if plan else None
        self.store.insert(
            reference=reference,
            key=key,
            request_hash=request_hash,
            response_status=202,
            response=record,
            body=body,
            received_at=now,
            record=record,
            plan=plan,
            next_at=next_at,
            webhook=self._webhook(reference, record, now),
        )
        return JSONResponse(record, status_code=202)

    def status(self, reference: str) -> Response:
        found = self.store.by_reference(reference)
        if found is None:
            raise NotFound("no application with this reference")
        return JSONResponse(found.record)

    # Pumps -----------------------------------------------------------------------------

    def advance_due(self, now: float) -> int:
        """Apply every status step that is due; returns how many were applied."""
        applied = 0
        for sub in self.store.due(now):
            self._advance(sub, now)
            applied += 1
        return applied

    def _advance(self, sub: Submission, now: float) -> None:
        step, rest = sub.plan[0], sub.plan[1:]
        record = self.office.apply(sub.record, step["changes"], now=now)
        due = sub.next_at if sub.next_at is not None else now
        next_at = due + rest[0]["after_h"] * self.config.time_scale_s if rest else None
        self.store.advance(
            sub.reference, record, rest, next_at, self._webhook(sub.reference, record, now)
        )

    def _webhook(self, reference: str, record: dict[str, Any], now: float) -> Webhook:
        msg_id = f"msg_{uuid.uuid4().hex}"
        body = json.dumps(
            {
                "type": f"{self.office.name}.application.status",
                "timestamp": iso(now),
                "data": record,
            },
            separators=(",", ":"),
        )
        no_url = self.config.callback_url is None
        return Webhook(
            id=msg_id,
            reference=reference,
            body=body,
            state="dropped" if no_url else "pending",
            attempts=0,
            next_at=now,
            last_error="no callback URL configured" if no_url else None,
            created_at=now,
        )

    async def send_due_webhooks(self, now: float) -> None:
        """One attempt for every due webhook: applications concurrently, each in order.

        An application's callbacks go one after another and stop at the first
        failure, so a receiver sees them in order unless a retry intervenes.
        """
        by_reference: dict[str, list[Webhook]] = {}
        for w in self.store.due_webhooks(now):
            by_reference.setdefault(w.reference, []).append(w)
        if by_reference:
            await asyncio.gather(*(self._send_in_order(ws, now) for ws in by_reference.values()))

    async def _send_in_order(self, due: list[Webhook], now: float) -> None:
        for w in due:
            if not await self._send(w, now):
                return

    async def _send(self, w: Webhook, now: float) -> bool:
        """One attempt; True when delivered or dropped (the next one may go)."""
        if self.faults.drop_webhooks:
            self.store.webhook_attempted(w.id, state="dropped", next_at=now, error="drop_webhooks")
            return True
        assert self.client is not None and self.config.callback_url is not None
        error = await webhooks.send(
            self.client,
            self.config.callback_url,
            self.config.webhook_secret,
            w.id,
            w.body.encode(),
            now=time.time(),
        )
        attempts = w.attempts + 1
        if error is None:
            self.store.webhook_attempted(w.id, state="sent", next_at=now, error=None)
            return True
        if attempts >= self.config.webhook_attempts:
            self.store.webhook_attempted(w.id, state="failed", next_at=now, error=error)
        else:
            delay = min(WEBHOOK_BACKOFF_CAP_S, 0.5 * 2**attempts)
            self.store.webhook_attempted(
                w.id, state="pending", next_at=time.time() + delay, error=error
            )
        return False

    async def run_pumps(self) -> None:
        """Apply due status steps and send due webhooks until cancelled."""
        tick_s = max(0.01, min(0.25, self.config.time_scale_s / 4))
        while True:
            try:
                self.advance_due(time.time())
                await self.send_due_webhooks(time.time())
            except Exception:  # a pump that dies silently would stall every application
                log.exception("%s: pump step failed", self.office.name)
            await asyncio.sleep(tick_s)

    # Admin -----------------------------------------------------------------------------

    def received(self) -> dict[str, Any]:
        subs = self.store.all_submissions()
        return {
            "received": [
                {
                    "reference": s.reference,
                    "idempotency_key": s.idempotency_key,
                    "posts": s.posts,
                    "received_at": iso(s.received_at),
                    "body": s.body,
                    "record": s.record,
                }
                for s in subs
            ],
            "posts_by_key": {s.idempotency_key: s.posts for s in subs},
        }

    def webhook_log(self) -> dict[str, Any]:
        return {
            "webhooks": [
                {
                    "id": w.id,
                    "reference": w.reference,
                    "state": w.state,
                    "attempts": w.attempts,
                    "last_error": w.last_error,
                    "created_at": iso(w.created_at),
                    "body": json.loads(w.body),
                }
                for w in self.store.all_webhooks()
            ]
        }


def check_envelope(body: Any, services: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """The submission envelope, checked; InvalidInput naming the first bad field."""
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", code="bad_type")
    service = body.get("service")
    if not isinstance(service, str) or service not in services:
        raise InvalidInput(f"service must be one of {', '.join(services)}", code="bad_value")
    variant = body.get("variant")
    allowed = services[service]
    if allowed and variant not in allowed:
        raise InvalidInput(f"variant must be one of {', '.join(allowed)}", code="bad_value")
    if not allowed and variant is not None:
        raise InvalidInput(f"variant: {service} has no variants", code="bad_value")
    if not isinstance(body.get("form"), dict):
        raise InvalidInput("form must be a JSON object", code="bad_type")
    for name, longest in (("application_id", 100), ("tracking_code", 40)):
        value = body.get(name)
        if not isinstance(value, str) or not 0 < len(value) <= longest:
            raise InvalidInput(
                f"{name} must be a string of 1..{longest} characters", code="bad_value"
            )
    return {k: body[k] for k in ("service", "form", "application_id", "tracking_code")} | {
        "variant": variant
    }


async def json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise InvalidInput("the body is not JSON", code="bad_json") from None


def _error(status: int, code: str, message: str, *, retry_after: bool = False) -> JSONResponse:
    headers = {"Retry-After": "1"} if retry_after else None
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def create_sim_app(
    config: SimConfig,
    office: Office,
    *,
    on_start: Callable[[SimStore], None] | None = None,
    routes: Callable[[FastAPI, Callable[[], Sim]], None] | None = None,
) -> FastAPI:
    """The FastAPI app of a sim: ``/v1/applications`` and ``/admin``, plus ``routes``.

    ``on_start`` runs once the store is open (to seed tables); ``routes`` adds
    office-specific endpoints and receives a getter of the running :class:`Sim`.
    The store, the HTTP client and the pumps live in the lifespan.
    """
    holder: list[Sim] = []

    def sim() -> Sim:
        return holder[0]

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = SimStore(config.db_path)
        try:
            if on_start is not None:
                on_start(store)
            async with httpx.AsyncClient(timeout=config.webhook_timeout_s) as client:
                holder.append(
                    Sim(config, office, store, config.faults, random.Random(config.seed), client)
                )
                pumps = asyncio.create_task(holder[0].run_pumps())
                try:
                    yield
                finally:
                    pumps.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await pumps
                    holder.clear()
        finally:
            store.close()

    app = FastAPI(title=f"Simulated {office.name} back office", lifespan=lifespan)

    @app.exception_handler(HallError)
    async def hall_error(request: Request, exc: HallError) -> JSONResponse:
        return _error(exc.http_status, exc.code, str(exc))

    @app.post("/v1/applications")
    async def submit(request: Request) -> Response:
        return await sim().guarded(request, lambda: sim().submit(request))

    @app.get("/v1/applications/{reference}")
    async def status(request: Request, reference: str) -> Response:
        async def handler() -> Response:
            return sim().status(reference)

        return await sim().guarded(request, handler)

    @app.get("/admin/received")
    async def received(request: Request) -> dict[str, Any]:
        sim().authenticate(request)
        return sim().received()

    @app.get("/admin/webhooks")
    async def webhook_log(request: Request) -> dict[str, Any]:
        sim().authenticate(request)
        return sim().webhook_log()

    @app.get("/admin/faults")
    async def get_faults(request: Request) -> dict[str, Any]:
        sim().authenticate(request)
        return sim().faults.as_dict()

    @app.post("/admin/faults")
    async def set_faults(request: Request) -> dict[str, Any]:
        sim().authenticate(request)
        changes = await json_body(request)
        if not isinstance(changes, dict):
            raise InvalidInput("the body must be a JSON object", code="bad_type")
        try:
            sim().faults = sim().faults.updated(changes)
        except ValueError as exc:
            raise InvalidInput(str(exc), code="bad_value") from None
        return sim().faults.as_dict()

    if routes is not None:
        routes(app, sim)
    return app
