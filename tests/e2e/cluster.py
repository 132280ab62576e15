"""Several hall-server nodes on loopback sharing one PostgreSQL and one Redis (issue 15).

For tests/e2e/test_many_nodes.py and bench/failover.py: node processes
(``hall-server serve``, so they can be SIGKILLed), halls made from copies of
the demo scene under other ids, and a person who follows ``hall_moved`` and
resumes with their token as the web app does.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from websockets.exceptions import WebSocketException

from hall_server.db import create_engine
from scenes.bundled import demo_scene_path
from tests.servers import free_port
from tests.support.client import HallClient
from tests.support.waiting import wait_until


def hall_scenes(directory: Path, count: int) -> list[Path]:
    """``count`` halls: the demo scene under fresh ids (Redis and the bus are shared)."""
    suffix = secrets.token_hex(3)
    data = json.loads(demo_scene_path().read_text(encoding="utf-8"))
    paths = []
    for i in range(count):
        data["id"] = f"hall{i}-{suffix}"
        path = directory / f"hall{i}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        paths.append(path)
    return paths


@dataclass
class NodeProcess:
    name: str
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = Path(self.env["HALL_DATA_DIR"]) / "node.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:  # what a failing run shows (the test's tmp_path)
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hall_server.cli", "serve"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def ready(self) -> bool:
        try:
            async with httpx.AsyncClient() as http:
                return (await http.get(f"{self.base}/readyz", timeout=5)).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(20)

    async def terminate(self, timeout: float = 60.0) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        await wait_until(
            lambda: self.process is not None and self.process.poll() is not None,
            timeout,
            f"node {self.name} to exit after SIGTERM",
        )


class Cluster:
    def __init__(
        self,
        tmp: Path,
        database_url: str,
        redis_url: str,
        scenes: list[Path],
        nodes: int = 3,
        **settings: Any,
    ) -> None:
        self.database_url = database_url
        secret = secrets.token_hex(32)
        self.nodes: list[NodeProcess] = []
        for i in range(nodes):
            port = free_port()
            env = {
                **os.environ,
                "HALL_DATABASE_URL": database_url,
                "HALL_BUS_URL": redis_url,
                "HALL_CLUSTER": "true",
                "HALL_NODE_ID": f"n{i}",
                "HALL_PORT": str(port),
                "HALL_DATA_DIR": str(tmp / f"n{i}"),
                "HALL_SECRET_KEY": secret,
                "HALL_SCENE_FILES": os.pathsep.join(str(p) for p in scenes),
                "HALL_LOG_LEVEL": "INFO",
                **{f"HALL_{k.upper()}": str(v) for k, v in settings.items()},
            }
            self.nodes.append(NodeProcess(f"n{i}", port, env))

    def node(self, name: str) -> NodeProcess:
        return next(n for n in self.nodes if n.name == name)

    def live(self) -> list[NodeProcess]:
        return [n for n in self.nodes if n.alive]

    async def start(self, timeout: float = 300.0) -> None:
        """The first node alone (it migrates the new database), then the others."""
        first, *others = self.nodes
        first.start()
        await wait_until(first.ready, timeout, f"node {first.name} ready", interval=0.5)
        for node in others:
            node.start()
        for node in others:
            await wait_until(node.ready, timeout, f"node {node.name} ready", interval=0.5)

    def stop(self) -> None:
        for node in self.nodes:
            if node.alive:
                node.kill()

    async def owners(self) -> dict[str, str | None]:
        """Hall -> owning node, from the lease rows (None: free or expired)."""
        engine = create_engine(self.database_url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    text("SELECT hall_id, owner, expires_at FROM hall_leases")
                )
                now = time.time()
                return {r.hall_id: (r.owner if r.expires_at > now else None) for r in rows}
        finally:
            await engine.dispose()

    async def settled(self, halls: list[str], shares: list[int]) -> dict[str, str | None] | None:
        owners = await self.owners()
        if any(owners.get(h) is None for h in halls):
            return None
        counts = sorted(list(owners.values()).count(n.name) for n in self.live())
        return owners if counts == shares else None


@dataclass
class Person:
    """A guest in one hall, who comes back with their resume token wherever the hall went."""

    hall: str
    token: str
    client: HallClient | None = None
    avatar_id: int | None = None
    resume_token: str | None = None
    position: tuple[float, float] | None = None
    ticket: str | None = None
    resumes: int = 0
    history: list[str] = field(default_factory=list)

    @property
    def connected(self) -> bool:
        return self.client is not None and not self.client.task.done()

    async def enter(self, nodes: list[NodeProcess], deadline_s: float = 90.0) -> dict[str, Any]:
        """Join (or resume) through any live node, following ``hall_moved``; the welcome."""
        end = time.monotonic() + deadline_s
        url: str | None = None
        attempt = 0
        while time.monotonic() < end:
            live = [n for n in nodes if n.alive]
            target = (
                url or f"ws://127.0.0.1:{live[attempt % len(live)].port}/ws/v1/halls/{self.hall}"
            )
            attempt += 1
            url = None
            try:
                client = await HallClient.connect(target, frames=False)
            except (TimeoutError, OSError, WebSocketException):
                await asyncio.sleep(0.2)  # a node going away: the next one
                continue
            extra = {"resume_token": self.resume_token} if self.resume_token else {}
            # A node that does not serve the hall answers hall_moved without waiting for the join.
            with contextlib.suppress(WebSocketException):
                await client.send(type="join", token=self.token, **extra)
            with contextlib.suppress(AssertionError):
                got = await wait_until(
                    functools.partial(_answer, client), 20.0, "a welcome or an error"
                )
                if got["type"] == "welcome":
                    self.client = client
                    return got
                if got["type"] == "error" and got.get("code") == "hall_moved":
                    url = got.get("ws_url")
                    self.history.append(f"moved:{url}")
            with contextlib.suppress(Exception):
                await client.close()
            if url is None:
                await asyncio.sleep(0.3)  # changing hands: ask again shortly
        raise AssertionError(f"could not enter {self.hall}: {self.history[-5:]}")

    async def first_visit(self, nodes: list[NodeProcess]) -> None:
        welcome = await self.enter(nodes)
        self.avatar_id = welcome["you"]["id"]
        self.position = (welcome["you"]["x"], welcome["you"]["y"])
        self.resume_token = welcome["resume_token"]

    async def come_back(self, nodes: list[NodeProcess]) -> dict[str, Any]:
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.close()
        welcome = await self.enter(nodes)
        self.resumes += 1
        return welcome


def _answer(client: HallClient) -> dict[str, Any] | None:
    """The welcome or error that answers a join, or a stand-in when the socket closed."""
    for m in client.messages:
        if m["type"] in ("welcome", "error"):
            return m
    return {"type": "closed"} if client.task.done() else None
