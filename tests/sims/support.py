"""Simulated back offices as real processes on loopback, and a webhook receiver.

:class:`SimProcess` runs ``python -m hall_server.sims KIND`` on a free port
with its own database; :class:`Receiver` records every callback. The fixtures
that start and stop them are in conftest.py. Waits are bounded
(tests/support/waiting.py), never timed assertions.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.servers import free_port
from tests.support.waiting import wait_until

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
API_KEYS = {
    "civil-registry": ("X-Api-Key", "test-civil-key"),
    "permits": ("user_key", "test-permit-key"),
    "lapor": ("X-Api-Key", "test-lapor-key"),
}
#: Generous bound of every wait: slow CI machines pass, a stuck sim fails.
WAIT_S = 30.0


@dataclass
class Receiver:
    """A tiny HTTP/1.1 server that answers 204 and records (headers, body) of each POST."""

    messages: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    server: asyncio.Server | None = None
    url: str = ""

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/hooks/back-office"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                headers = {}
                for line in head.split("\r\n")[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.messages.append((headers, body))
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@dataclass
class SimProcess:
    """One sim process; ``client`` talks to it with the right API key header."""

    kind: str
    db: Path
    log: Path
    flags: tuple[str, ...]
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    client: httpx.AsyncClient | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth(self) -> dict[str, str]:
        name, key = API_KEYS[self.kind]
        return {name: key}

    async def start(self) -> None:
        self.port = free_port()
        command = [
            sys.executable, "-m", "hall_server.sims", self.kind,
            "--port", str(self.port), "--db", str(self.db),
            "--api-key", API_KEYS[self.kind][1], "--webhook-secret", SECRET,
            "--time-scale", "0.01", "--seed", "7", *self.flags,
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self.client = httpx.AsyncClient(base_url=self.url, headers=self.auth, timeout=10)

        async def ready() -> bool | None:
            assert self.proc is not None and self.client is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"sim exited: {self.log.read_text()}")
            try:
                response = await self.client.get("/admin/faults")
            except httpx.TransportError:
                return None
            return True if response.status_code == 200 else None

        await wait_until(ready, WAIT_S, f"{self.kind} sim to start")

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None
        if self.proc is not None:
            self.proc.terminate()
            try:
                await asyncio.to_thread(self.proc.wait, 15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    @property
    def http(self) -> httpx.AsyncClient:
        assert self.client is not None
        return self.client

    async def received(self) -> dict[str, Any]:
        response = await self.http.get("/admin/received")
        assert response.status_code == 200
        result: dict[str, Any] = response.json()
        return result

    async def set_faults(self, **faults: Any) -> None:
        response = await self.http.post("/admin/faults", json=faults)
        assert response.status_code == 200, response.text


StartSim = Callable[..., Awaitable[SimProcess]]
