"""Start the real server with uvicorn on a free loopback port, in the test's loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from hall_server.app import create_app
from hall_server.listen import listening_socket
from hall_server.serving import uvicorn_config
from hall_server.settings import Settings
from tests.support.client import HallClient
from tests.support.waiting import wait_until

#: Our uvicorn protocol with its direct side (frames written by the tick, moves
#: handled as they arrive), and uvicorn's stock one, through which the gateway
#: uses plain ASGI only: the same behaviour either way. Suites that exercise the
#: hall socket run over both.
WEBSOCKETS: dict[str, dict[str, Any]] = {"direct": {}, "plain-asgi": {"ws": "websockets-sansio"}}


@dataclass
class RunningServer:
    settings: Settings
    port: int
    http: httpx.AsyncClient

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, hall: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/v1/halls/{hall}"

    async def metric(self, name: str) -> float:
        """One sample of /metrics by its full name (labels included), 0 when not there yet."""
        for line in (await self.http.get("/metrics")).text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return 0.0

    async def guest_token(self, name: str, role: str = "guest") -> str:
        r = await self.http.post(
            "/api/v1/auth/guest/token", json={"display_name": name, "role": role}
        )
        r.raise_for_status()
        return str(r.json()["token"])

    async def citizen_token(self, nik: str, name: str = "Siti") -> str:
        """Sign a citizen in as a person would: ask for a code, read it where a
        development server delivers it (its log), exchange it for a token."""
        codes = _CodeCatcher()
        logger = logging.getLogger("hall_server.auth.codes")
        logger.addHandler(codes)
        try:
            r = await self.http.post("/api/v1/auth/citizen/code", json={"nik": nik})
            r.raise_for_status()
            code = codes.code_for(str(r.json()["nik"]))
        finally:
            logger.removeHandler(codes)
        r = await self.http.post(
            "/api/v1/auth/citizen/token", json={"nik": nik, "code": code, "display_name": name}
        )
        r.raise_for_status()
        return str(r.json()["token"])

    @contextlib.contextmanager
    def sign_in_codes(self) -> Iterator[_CodeCatcher]:
        """While open, the sign-in codes the server delivers (to its log) are
        caught: ``codes.code_for("7471********0001")`` (a browser test types it)."""
        codes = _CodeCatcher()
        logger = logging.getLogger("hall_server.auth.codes")
        logger.addHandler(codes)
        try:
            yield codes
        finally:
            logger.removeHandler(codes)

    async def staff_token(self, username: str) -> str:
        creds = (self.settings.data_dir / "dev-credentials.txt").read_text().splitlines()
        password = next(line.split(": ", 1)[1] for line in creds if line.startswith(username + " "))
        r = await self.http.post(
            "/api/v1/auth/staff/token", json={"username": username, "password": password}
        )
        r.raise_for_status()
        return str(r.json()["token"])

    async def join(self, hall: str, token: str, **extra: Any) -> HallClient:
        """A client that joined ``hall`` with ``token`` (``extra``: e.g. ``resume_token``)."""
        client = await self.connect(hall)
        await client.join(token, **extra)
        return client

    async def connect(self, hall: str) -> HallClient:
        """A client connected to ``hall`` that has not joined yet."""
        return await HallClient.connect(self.ws_url(hall))


class _CodeCatcher(logging.Handler):
    """Collects the sign-in codes a development server writes to its log."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def code_for(self, nik_masked: str) -> str:
        prefix = f"sign-in code for {nik_masked}: "
        return next(line[len(prefix) :] for line in reversed(self.lines) if line.startswith(prefix))


@contextlib.asynccontextmanager
async def running_server(
    data_dir: Path,
    *,
    port: int = 0,
    uvicorn_options: dict[str, Any] | None = None,
    prepare: Callable[[FastAPI], None] | None = None,
    **overrides: Any,
) -> AsyncIterator[RunningServer]:
    """``prepare``: called with the app before it serves (a test may add a route)."""
    settings = Settings.from_env({}, data_dir=data_dir, **overrides)
    sock = listening_socket("127.0.0.1", port, settings.send_buffer_bytes)
    port = sock.getsockname()[1]
    app = create_app(settings)
    if prepare is not None:
        prepare(app)
    config = uvicorn_config(app, settings, **(uvicorn_options or {}))
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        # Generous: start-up (migrations, demo citizens) on a busy shared machine.
        await wait_until(lambda: server.started or task.done(), 60, "the server to start")
        if task.done():
            task.result()  # it failed to start: its exception
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            yield RunningServer(settings, port, http)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 15)
        sock.close()
