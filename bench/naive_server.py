"""The naive baseline: what the hall server is designed not to be.

A minimal FastAPI/uvicorn WebSocket server speaking just enough of the
hall protocol for :mod:`bench.loadgen`: a guest token, ``join`` answered by
``welcome``, ``move`` and ``leave``. It trusts every move (no speed or
wall check). At every tick (20 per second) it serialises every avatar in the
hall to JSON and sends that whole list to every client, with an awaited send
in a loop over the clients:

    payload = json.dumps({"type": "snapshot", "tick": n, "avatars": [...]})
    for ws in clients:
        await ws.send_text(payload)

So a client receives the whole hall (no area of interest), as text, 20
times a second, whether anything moved or not; and one client that reads
slowly holds up the tick for everyone (the awaited send waits for its
buffer to drain). To be a fair baseline the list is encoded once per tick
(not once per client), compactly, with positions rounded to 1 cm; the
uvicorn configuration is the hall server's (uvloop, no per-message
deflate).

``GET /stats`` gives tick duration percentiles since the last
``POST /stats/reset`` (the benchmark resets it when its window opens).

Run: ``python -m bench.naive_server --port 8100 --scene PLAZA.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

TICK_HZ = 20.0


@dataclass
class NaiveHall:
    """The whole hall state: positions by avatar id, and the open sockets."""

    spawns: list[tuple[float, float]]
    avatars: dict[int, dict[str, Any]] = field(default_factory=dict)
    clients: dict[int, Any] = field(default_factory=dict)
    next_id: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    tick: int = 0
    durations: list[float] = field(default_factory=list)

    def join(self) -> dict[str, Any]:
        avatar_id = next(self.next_id)
        x, y = self.spawns[avatar_id % len(self.spawns)]
        avatar = {"id": avatar_id, "x": x, "y": y, "yaw": 0.0, "anim": "idle"}
        self.avatars[avatar_id] = avatar
        return avatar

    def snapshot(self) -> str:
        self.tick += 1
        return json.dumps(
            {"type": "snapshot", "tick": self.tick, "avatars": list(self.avatars.values())},
            separators=(",", ":"),
        )


def create_app(hall: NaiveHall) -> FastAPI:
    async def tick_loop() -> None:
        period = 1.0 / TICK_HZ
        deadline = time.monotonic()
        while True:
            deadline += period
            delay = deadline - time.monotonic()
            if delay < 0:
                deadline = time.monotonic()  # behind: tick again at once, never burst
            await asyncio.sleep(max(0.0, delay))
            started = time.perf_counter()
            payload = hall.snapshot()
            for avatar_id, ws in list(hall.clients.items()):
                try:
                    await ws.send_text(payload)  # the thing the hall server avoids
                except Exception:
                    hall.clients.pop(avatar_id, None)
            hall.durations.append(time.perf_counter() - started)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(tick_loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app = FastAPI(lifespan=lifespan)

    @app.get("/readyz")
    async def readyz() -> dict[str, bool]:
        return {"ready": True}

    @app.post("/api/v1/auth/guest/token")
    async def guest_token() -> dict[str, Any]:
        return {"token": "naive-guest", "role": "guest", "expires_at": 0}

    @app.get("/stats")
    async def stats() -> dict[str, Any]:
        ticks = sorted(hall.durations)

        def pct(q: float) -> float | None:
            if not ticks:
                return None
            return round(ticks[min(len(ticks) - 1, int(q * len(ticks)))] * 1000, 3)

        return {
            "avatars": len(hall.avatars),
            "connections": len(hall.clients),
            "ticks": len(ticks),
            "tick_ms": {"p50": pct(0.5), "p99": pct(0.99), "max": pct(1.0)},
        }

    @app.post("/stats/reset")
    async def reset() -> dict[str, bool]:
        hall.durations = []
        return {"reset": True}

    @app.websocket("/ws/v1/halls/{hall_id}")
    async def hall_socket(ws: WebSocket, hall_id: str) -> None:
        await ws.accept()
        avatar_id = None
        try:
            join = json.loads(await ws.receive_text())
            if join.get("type") != "join":
                await ws.close(4000)
                return
            avatar = hall.join()
            avatar_id = avatar["id"]
            await ws.send_text(json.dumps({"type": "welcome", "you": avatar}))
            hall.clients[avatar_id] = ws
            while True:
                msg = json.loads(await ws.receive_text())
                if msg.get("type") == "move":
                    avatar.update(x=msg["x"], y=msg["y"], yaw=msg["yaw"], anim=msg["anim"])
                elif msg.get("type") == "leave":
                    await ws.close(1000)
                    return
        except (WebSocketDisconnect, RuntimeError, ValueError):
            return
        finally:
            if avatar_id is not None:
                hall.clients.pop(avatar_id, None)
                hall.avatars.pop(avatar_id, None)

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="The naive baseline server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scene", type=Path, required=True, help="for the spawn points")
    args = parser.parse_args()
    scene = json.loads(args.scene.read_text(encoding="utf-8"))
    hall = NaiveHall(spawns=[tuple(s["position"]) for s in scene["spawns"]])
    uvicorn.run(
        create_app(hall),
        host="127.0.0.1",
        port=args.port,
        ws_per_message_deflate=False,
        log_level="warning",
        access_log=False,
        backlog=4096,
    )


if __name__ == "__main__":
    main()
