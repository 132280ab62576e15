"""One WebSocket client of the hall protocol (docs/protocol.md) for the tests and the benchmarks.

A :class:`HallClient` reads its connection in a background task and keeps
every JSON message in order (``messages``); ``next(kind, where)`` waits for
the first message of a type, matching a condition, without consuming it.
It sends with an automatic ``seq`` (replies carry it back as ``ref``), keeps
its own position (welcome, its moves, the server's corrections) and, unless
told not to, what the snapshot frames show: the avatars in view, their flags,
and who left. ``walk_to`` walks a route of the scene like a person: one step
of at most ``step_m`` every ``pace_s``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from scenes.spatial import Floorplan
from tests.support.waiting import wait_until

Message = dict[str, Any]


@functools.cache
def demo_floor() -> Floorplan:
    """The bundled demo hall's floor plan (built on first use, not at import)."""
    from scenes.bundled import load_demo_scene

    return Floorplan.from_scene(load_demo_scene())


class HallClient:
    """A protocol client: every JSON message, its view from the frames, its own position."""

    def __init__(
        self,
        ws: ClientConnection,
        *,
        frames: bool = True,
        raise_on_error: bool = False,
        floor: Floorplan | None = None,
        record: bool = False,
    ) -> None:
        self.ws = ws
        #: Decode snapshot frames into ``view``/``flags``/``gone`` (a benchmark may save the CPU).
        self.decode_frames = frames
        #: ``next`` raises as soon as the server answered with an error (benchmarks fail fast).
        self.raise_on_error = raise_on_error
        self.floor = floor
        #: With ``record``: everything received, text and frames, in arrival order (for a
        #: test that checks each frame against the messages that came before it).
        self.received: list[str | bytes] | None = [] if record else None
        self.messages: list[Message] = []
        self.welcome: Message = {}
        self.id = 0
        self.x = self.y = 0.0
        self.resume_token = ""
        self.token = ""
        self.seq = 0
        self.frames = 0
        #: When each frame arrived (monotonic s): a client starved of frames shows as a gap.
        self.frame_times: list[float] = []
        self.view: dict[int, tuple[float, float]] = {}
        self.flags: dict[int, int] = {}
        self.gone: set[int] = set()
        self.task = asyncio.create_task(self._pump())

    # ------------------------------------------------------------ connecting

    @classmethod
    async def connect(cls, url: str, **options: Any) -> HallClient:
        """Open a connection (not yet joined): for tests of what happens before a welcome."""
        ws = await connect(url, compression=None, max_size=2**20)
        return cls(ws, **options)

    @classmethod
    async def enter(cls, url: str, token: str, timeout: float = 20.0, **options: Any) -> HallClient:
        """Connect and join with ``token``; returns once welcomed."""
        client = await cls.connect(url, **options)
        await client.join(token, timeout=timeout)
        return client

    async def join(self, token: str, timeout: float = 20.0, **extra: Any) -> Message:
        """Send the join message (``extra``: e.g. ``resume_token``) and wait for the welcome."""
        self.token = token
        await self.send_raw(json.dumps({"type": "join", "token": token, **extra}))
        # Generous: a burst of joins on a busy 2-core machine can take seconds.
        return await self.next("welcome", timeout=timeout)

    # ------------------------------------------------------------ reading

    async def _pump(self) -> None:
        try:
            async for raw in self.ws:
                if self.received is not None:
                    self.received.append(raw)
                if isinstance(raw, bytes):
                    self.frames += 1
                    if self.decode_frames:
                        self.frame_times.append(time.monotonic())
                        self._frame(raw)
                    continue
                msg: Message = json.loads(raw)
                if msg["type"] == "welcome":
                    self._welcomed(msg)
                elif msg["type"] == "correction":
                    self.x, self.y = msg["x"], msg["y"]
                self.messages.append(msg)
        except ConnectionClosed:
            pass

    def _welcomed(self, welcome: Message) -> None:
        you = welcome["you"]
        self.welcome = welcome
        self.id = you["id"]
        self.x, self.y = you["x"], you["y"]
        self.resume_token = welcome.get("resume_token", "")
        self.view = {you["id"]: (you["x"], you["y"])}
        for n in welcome.get("neighbours", ()):
            self.view[n["id"]] = (n["x"], n["y"])

    def _frame(self, raw: bytes) -> None:
        from realtime import codec

        f = codec.decode_frame(raw)
        if f.full:
            self.view.clear()
        for rec in (f.entered, f.updated):
            ids = rec["id"].tolist()
            for i, p, flags in zip(
                ids, codec.positions_m(rec).tolist(), rec["flags"].tolist(), strict=True
            ):
                self.view[i] = (p[0], p[1])
                self.flags[i] = flags
        for i in f.left.tolist():
            self.view.pop(i, None)
            self.gone.add(i)

    def of_type(self, kind: str) -> list[Message]:
        return [m for m in self.messages if m["type"] == kind]

    def _find(self, kind: str, where: Callable[[Message], Any] | None) -> Message | None:
        for msg in self.messages:
            if msg["type"] == kind and (where is None or where(msg)):
                return msg
            if self.raise_on_error and msg["type"] == "error":
                raise RuntimeError(f"server error while waiting for {kind!r}: {msg}")
        if self.task.done():
            self.task.result()  # the reader's own failure, if any, surfaces here
            raise AssertionError(
                f"connection closed (code {self.ws.close_code}) before a {kind!r} message; "
                f"last messages: {self.messages[-5:]}"
            )
        return None

    async def next(
        self, kind: str, where: Callable[[Message], Any] | None = None, timeout: float = 10.0
    ) -> Message:
        """The first message of type ``kind`` (matching ``where``), waiting for it if needed."""
        return await wait_until(
            lambda: self._find(kind, where), timeout, f"a {kind!r} message", interval=0.02
        )

    async def closed(self, timeout: float = 5.0) -> int:
        """Wait until the server closes the connection; its close code."""
        async with asyncio.timeout(timeout):
            await asyncio.shield(self.task)
        assert self.ws.close_code is not None
        return self.ws.close_code

    # ------------------------------------------------------------ writing

    async def send(self, **msg: Any) -> None:
        """Send a message with the next ``seq`` (or the ``seq`` given, which then counts on)."""
        if "seq" in msg:
            self.seq = int(msg["seq"])
        else:
            self.seq += 1
            msg["seq"] = self.seq
        await self.ws.send(json.dumps(msg))

    async def send_raw(self, data: str | bytes) -> None:
        """Send exactly these bytes or text (bad input, a join)."""
        await self.ws.send(data)

    async def move(self, x: float, y: float, yaw: float = 0.0, anim: str = "walk") -> None:
        self.x, self.y = x, y
        await self.send(type="move", x=x, y=y, yaw=yaw, anim=anim)

    async def walk(
        self, path: list[tuple[float, float]], pace_s: float = 0.1, yaw: float = 0.0
    ) -> None:
        """Propose each point in turn, one every ``pace_s``."""
        for x, y in path:
            await self.move(x, y, yaw)
            await asyncio.sleep(pace_s)  # paces the steps like a person (<= 10 moves/s)

    async def walk_to(
        self, goal: tuple[float, float], step_m: float = 0.8, pace_s: float = 0.07
    ) -> None:
        """Walk the scene's route to ``goal`` in steps of at most ``step_m``, one every ``pace_s``."""
        route = (self.floor or demo_floor()).route((self.x, self.y), goal)
        assert route is not None, f"no route from {(self.x, self.y)} to {goal}"
        for wx, wy in route:
            while (d := math.hypot(wx - self.x, wy - self.y)) > 1e-6:
                step = min(step_m, d)
                await self.move(
                    self.x + (wx - self.x) / d * step, self.y + (wy - self.y) / d * step
                )
                await asyncio.sleep(pace_s)  # paces the steps like a person walking

    async def close(self) -> None:
        await self.ws.close()
        await self.task
