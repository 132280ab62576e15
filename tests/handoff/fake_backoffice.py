"""A fake back office served on loopback, and the rows the hand-off tests file.

The fake is a small FastAPI app served by uvicorn on a loopback port (real
sockets, real httpx). It keeps its own idempotency table, so a test can check
that every application was filed exactly once, and can be told to fail a
share of requests (500 before or after filing, or a timeout after filing) or
to be down (503 to everything).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

from hall_server.db.models import ApplicationRow
from hall_server.listen import listening_socket
from tests.support.waiting import wait_until

HALL = "kendari"
NIK_DIGEST = "a" * 64
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def application_row(n: int, *, service: str = "KTP-EL", at: datetime = T0) -> ApplicationRow:
    """A filed application of citizen account 1, as counter_store writes it."""
    return ApplicationRow(
        id=f"app-{n:04d}",
        hall_id=HALL,
        tracking_code=f"TRK{n:05d}",
        service=service,
        ticket_id=None,
        session_id=None,
        citizen_ref="account:1",
        status="completed",
        fee_idr=0,
        created_at=at,
        updated_at=at,
        data={
            "variant": None,
            "form": {"nik": "7471010101900001", "full_name": "Warga Kendari"},
            "checklist": {"kk": True},
            "filed_by": "bot:ktp",
            "fee_is_levy": False,
        },
    )


@dataclass
class FakeBackOffice:
    """What the fake back office has filed, and how it misbehaves."""

    api_key_header: str = "X-Api-Key"
    api_key: str = "secret-key"
    #: Share of submissions that fail (500 before filing, 500 after, or a timeout after).
    fail_share: float = 0.0
    #: Seconds a "timeout" answer waits (longer than the client's timeout).
    hang_s: float = 1.0
    down: bool = False
    #: Fail every submission this way ("500-before", "500-after", "hang-after"); None: by share.
    force: str | None = None
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    #: Idempotency key -> reference: the fake's own idempotency table.
    filed: dict[str, str] = field(default_factory=dict)
    #: How many times each key created a new record (must be 1).
    creations: Counter[str] = field(default_factory=Counter)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    status_field: str = "status"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/applications")
        async def submit(
            request: Request, idempotency_key: str = Header(alias="Idempotency-Key")
        ) -> Any:
            self.requests += 1
            if self.down:
                return JSONResponse({"error": "down"}, status_code=503)
            if request.headers.get(self.api_key_header) != self.api_key:
                return JSONResponse({"error": "unauthenticated"}, status_code=401)
            body = await request.json()
            if "service" not in body:
                return JSONResponse({"error": "bad request"}, status_code=422)
            mode = self.force
            if mode is None and self.rng.random() < self.fail_share:
                mode = self.rng.choice(["500-before", "500-after", "hang-after"])
            if mode == "500-before":
                return JSONResponse({"error": "boom"}, status_code=500)
            if idempotency_key not in self.filed:
                reference = f"REF-{len(self.filed) + 1:05d}"
                self.filed[idempotency_key] = reference
                self.creations[idempotency_key] += 1
                self.bodies[reference] = body
                self.statuses[reference] = "received"
            reference = self.filed[idempotency_key]
            if mode == "500-after":
                return JSONResponse({"error": "boom"}, status_code=500)
            if mode == "hang-after":
                await asyncio.sleep(self.hang_s)  # hangs on purpose: the client's timeout is tested
            return {"reference": reference, "id_izin": reference, self.status_field: "received"}

        @app.get("/v1/applications/{reference}")
        async def status(reference: str) -> Any:
            if self.down:
                return JSONResponse({"error": "down"}, status_code=503)
            if reference not in self.statuses:
                return JSONResponse({"error": "unknown"}, status_code=404)
            return {
                "reference": reference,
                "status": self.statuses[reference],
                "updated_at": "2026-11-30T09:00:00Z",
                "reason": "ok",
            }

        @app.get("/status/{code}")
        async def answer(code: int, retry_after: str | None = None) -> Any:
            headers = {"Retry-After": retry_after} if retry_after else None
            return JSONResponse({"code": code}, status_code=code, headers=headers)

        return app


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Serve ``app`` on a free loopback port; yield its base URL."""
    sock = listening_socket("127.0.0.1", 0, None)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await wait_until(lambda: server.started or task.done(), 20, "the fake to start", 0.01)
        if task.done():
            task.result()  # it failed to start: its exception
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        server.force_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 15)
        sock.close()
