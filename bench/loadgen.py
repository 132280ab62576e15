"""Load generator: real WebSocket clients that walk around a hall and watch.

Each simulated citizen signs in as a guest over HTTP, opens a WebSocket
(no compression), joins, then walks a random walk at about 1.2 m/s and
proposes its position 10 times per second, as the browser client does. It
reads and decodes every binary snapshot frame, keeps its view (the set of
avatars it sees) exactly as docs/protocol.md section 6 says, and counts what
arrives.

What is measured, per worker process, during a fixed window:

- **move-to-seen latency**: when a client proposes a move it puts
  ``(avatar id, x cm, y cm) -> send time`` in a table shared by the clients of
  its process; when another client of the process decodes a record of that
  avatar at that quantised position, the delay is one sample. The client's
  own echo (its avatar among its own updates) is kept apart.
- **downstream bytes** per client and second (WebSocket bytes read from the
  TCP socket, frame headers included) and snapshot frames per second;
- **avatars in view** per client (sampled once a second, itself excluded);
- **corrections** and errors received, FULL frames (the server dropped
  frames for this client because it read too slowly), closes;
- the generator's own health: moves actually sent per second (10 is the
  plan), CPU use and event-loop lag. When the generator is saturated, the
  latency it reports includes its own queueing: read these first.

The clients are small asyncio protocols that do their own WebSocket
framing (:func:`parse_frames`, :func:`client_frame`): the handshake, unfragmented
frames from the server, close, ping and pong, which is all a hall server
sends. At 1,000 clients a generator receives 20,000 frames and sends 10,000
moves a second on one core; the websockets library's sans-I/O core, used
before, cost about 50 us per frame in its generator-based parser and frame
objects, enough to saturate that core and put the generator's own queueing
inside the latencies it reports. The framing here is benchmark tooling,
not a WebSocket implementation: it trusts the server (no UTF-8 or size
checks) and masks with a zero key (valid framing; RFC 6455 wants
unpredictable keys to protect intermediaries' caches, and there are none on
loopback; the server unmasks every byte all the same).

The same clients can drive the naive baseline (:mod:`bench.naive_server`),
whose snapshots are JSON text: ``mode="naive"``. Parsing a JSON list of the
whole hall 20 times a second is what that design costs each client; on one
shared core the generator cannot do it for every client, so only
``naive_observers`` clients parse snapshots (and measure latency); the others
count bytes and frames.

In hall mode too, only ``hall_observers`` clients (250 by default, spread
evenly over the clients) decode every snapshot, keep their view and measure
latency; the others walk, send and read exactly the same, and count bytes
and frames without decoding. The server cannot tell the difference, and the
generator's core is no longer spent decoding 20,000 frames a second (at 1,000
clients decoding all of them kept it at 90 % CPU with an event-loop lag p99
above 100 ms, which the latencies would include). 250 observers of about 37
neighbours each still give hundreds of thousands of samples a window.

Layout: pure parts first (walker, histogram, record keys), then the client
protocol, the worker process and the coordinator, then the command line.
Run ``python -m bench.loadgen --help``; :mod:`bench.run` drives it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import gc
import json
import math
import multiprocessing as mp
import os
import random
import resource
import struct
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

# ----------------------------------------------------------------- pure parts

#: Walking speed of a simulated citizen.
WALK_SPEED_M_S = 1.2
#: Proposals per second (the protocol's maximum).
MOVE_HZ = 10.0
#: Avatar radius plus a margin kept from obstacles and walls when walking.
CLEARANCE_M = 0.6

HEADER = struct.Struct("<BBIHHH")
FLAG_FULL = 1
#: The first 8 bytes of a 12-byte avatar record (u32 id, i16 x cm, i16 y cm) read as
#: one little-endian u64: the matching key, decoded for a whole frame at once.
KEYED_RECORD = np.dtype([("key", "<u8"), ("yaw", "<u2"), ("anim", "u1"), ("flags", "u1")])
assert KEYED_RECORD.itemsize == 12


def move_key(avatar_id: int, x_cm: int, y_cm: int) -> int:
    """The key a snapshot record of this avatar at this position has."""
    return avatar_id | ((x_cm & 0xFFFF) << 32) | ((y_cm & 0xFFFF) << 48)


#: FIN + opcode of client frames; the MASK bit is set in the length byte.
OP_TEXT, OP_CLOSE, OP_PONG = 0x81, 0x88, 0x8A
_ZERO_MASK = b"\x00\x00\x00\x00"
_MEDIUM_LEN = struct.Struct("!H")
_LONG_LEN = struct.Struct("!Q")


def client_frame(first: int, payload: bytes) -> bytes:
    """A client-to-server frame, masked with a zero key (the payload unchanged)."""
    n = len(payload)
    if n < 126:
        return bytes((first, 0x80 | n)) + _ZERO_MASK + payload
    if n < 65536:
        return bytes((first, 0x80 | 126)) + _MEDIUM_LEN.pack(n) + _ZERO_MASK + payload
    return bytes((first, 0x80 | 127)) + _LONG_LEN.pack(n) + _ZERO_MASK + payload


def parse_frames(buf: bytes) -> tuple[list[tuple[int, int, int]], int]:
    """Complete unmasked (server) frames in ``buf``: (first byte, payload start,
    payload end) each, and where the unparsed rest begins."""
    out: list[tuple[int, int, int]] = []
    pos, end = 0, len(buf)
    while end - pos >= 2:
        length = buf[pos + 1] & 0x7F
        if length < 126:
            start = pos + 2
        elif length == 126:
            if end - pos < 4:
                break
            length = _MEDIUM_LEN.unpack_from(buf, pos + 2)[0]
            start = pos + 4
        else:
            if end - pos < 10:
                break
            length = _LONG_LEN.unpack_from(buf, pos + 2)[0]
            start = pos + 10
        if start + length > end:
            break
        out.append((buf[pos], start, start + length))
        pos = start + length
    return out, pos


Box = tuple[float, float, float, float]


def scene_boxes(scene: dict[str, Any], clearance_m: float = CLEARANCE_M) -> tuple[Box, list[Box]]:
    """The walkable box (bounds shrunk by the clearance) and inflated obstacle boxes.

    Obstacles are taken by their bounding boxes: exact for the plaza's
    axis-aligned boxes, conservative for any other shape.
    """
    (x0, y0), (x1, y1) = scene["bounds"]["min"], scene["bounds"]["max"]
    area = (x0 + clearance_m, y0 + clearance_m, x1 - clearance_m, y1 - clearance_m)
    boxes = []
    for obstacle in scene.get("obstacles", []):
        xs = [p[0] for p in obstacle["polygon"]]
        ys = [p[1] for p in obstacle["polygon"]]
        boxes.append(
            (
                min(xs) - clearance_m,
                min(ys) - clearance_m,
                max(xs) + clearance_m,
                max(ys) + clearance_m,
            )
        )
    return area, boxes


@dataclass(slots=True)
class Walker:
    """A random walk at constant speed: keeps its heading, turns now and then,
    and turns away from walls and obstacles instead of touching them.

    Every step moves the avatar, so every proposal changes the quantised
    position and can be recognised in others' snapshots. Uniform in the
    long run (it reflects, it does not aim), so a crowd spawned evenly stays
    spread evenly.
    """

    x: float
    y: float
    heading: float  # radians, 0 = +y (north), counter-clockwise, as the protocol's yaw
    area: Box
    boxes: list[Box]
    step_m: float = WALK_SPEED_M_S / MOVE_HZ

    def free(self, x: float, y: float) -> bool:
        ax0, ay0, ax1, ay1 = self.area
        if not (ax0 <= x <= ax1 and ay0 <= y <= ay1):
            return False
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in self.boxes)

    def step(self, rng: random.Random) -> tuple[float, float, float]:
        """Advance one proposal; return x, y (rounded to 1 cm) and yaw in degrees."""
        if rng.random() < 0.02:  # about every 5 s at 10 Hz
            self.heading += rng.uniform(-math.pi / 2, math.pi / 2)
        for attempt in range(12):
            nx = self.x - math.sin(self.heading) * self.step_m
            ny = self.y + math.cos(self.heading) * self.step_m
            if self.free(nx, ny):
                break
            self.heading = rng.uniform(0, 2 * math.pi) if attempt else self.heading + math.pi
        else:  # boxed in (should not happen in the plaza): stand, turn
            nx, ny = self.x, self.y
        self.x, self.y = round(nx, 2), round(ny, 2)
        return self.x, self.y, math.degrees(self.heading) % 360.0

    def reset(self, x: float, y: float) -> None:
        """The server corrected us: continue from where it says we are."""
        self.x, self.y = x, y
        self.heading += math.pi


class Histogram:
    """Latencies in 0.1 ms bins up to 10 s (bounded memory, mergeable)."""

    BIN_S = 1e-4
    BINS = 100_001

    def __init__(self) -> None:
        self.counts = np.zeros(self.BINS, dtype=np.int64)

    def add(self, seconds: float) -> None:
        self.add_many([seconds])

    def add_many(self, seconds: Sequence[float]) -> None:
        if len(seconds):
            bins = np.clip((np.asarray(seconds) * 10_000.0).astype(np.int64), 0, self.BINS - 1)
            self.counts += np.bincount(bins, minlength=self.BINS)

    def sparse(self) -> dict[int, int]:
        nonzero = np.flatnonzero(self.counts)
        return dict(zip(nonzero.tolist(), self.counts[nonzero].tolist(), strict=True))

    @staticmethod
    def summary(sparse: dict[int, int]) -> dict[str, float | int | None]:
        """Count and percentiles in milliseconds from a sparse histogram."""
        total = sum(sparse.values())
        out: dict[str, float | int | None] = {"samples": total}
        if not total:
            return {**out, "p50": None, "p90": None, "p99": None, "max": None, "mean": None}
        bins = sorted(sparse)
        for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
            rank, seen = q * total, 0
            for b in bins:
                seen += sparse[b]
                if seen >= rank:
                    out[name] = round((b + 0.5) * 0.1, 2)
                    break
        out["max"] = round((bins[-1] + 1) * 0.1, 2)
        out["mean"] = round(sum((b + 0.5) * 0.1 * c for b, c in sparse.items()) / total, 2)
        return out


def merge_sparse(parts: Sequence[dict[int, int]]) -> dict[int, int]:
    out: Counter[int] = Counter()
    for part in parts:
        out.update({int(k): v for k, v in part.items()})
    return dict(out)


def distribution(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "p50": None, "p99": None, "max": None, "min": None}
    a = np.asarray(values, dtype=np.float64)
    return {
        "mean": round(float(a.mean()), 2),
        "p50": round(float(np.percentile(a, 50)), 2),
        "p99": round(float(np.percentile(a, 99)), 2),
        "max": round(float(a.max()), 2),
        "min": round(float(a.min()), 2),
    }


# ------------------------------------------------------------------ settings


@dataclass(frozen=True, slots=True)
class LoadConfig:
    """One load run. Times in seconds; the window follows the warm-up."""

    #: Server base URL, e.g. ``http://127.0.0.1:8000`` (loopback only).
    base_url: str
    #: Hall id (the scene id).
    hall: str
    #: Simulated clients in all.
    clients: int
    #: Scene file, for the walker's bounds and obstacles.
    scene_path: str
    #: "hall" (binary snapshots) or "naive" (JSON snapshots of the whole hall).
    mode: str = "hall"
    #: Worker processes; clients are split evenly.
    workers: int = 1
    #: CPUs the workers are pinned to (None: not pinned).
    cpus: tuple[int, ...] | None = None
    #: Walking before the window opens.
    warmup_s: float = 10.0
    #: The measurement window.
    duration_s: float = 25.0
    #: False: clients join and stand still, sending nothing (idle-memory runs).
    walk: bool = True
    #: Joins are made in stages of these cumulative totals (None: one stage).
    stages: tuple[int, ...] | None = None
    #: Concurrent connection attempts per worker.
    connect_concurrency: int = 50
    #: Give up on joins not done within this time (per stage).
    join_timeout_s: float = 90.0
    #: Naive mode: how many clients parse the JSON snapshots (None: 16 at 250
    #: avatars, fewer as the hall grows, so that parsing stays a bounded share of
    #: the generator's core).
    naive_observers: int | None = None
    #: Hall mode: how many clients, spread evenly, decode the snapshots (and measure
    #: latency and views); None: all.
    hall_observers: int | None = 250
    #: Seed for the walks.
    seed: int = 1
    #: Walking speed and proposals per second of every client (the dense-hall
    #: benchmark walks at 1.4 m/s and proposes 20 times a second).
    walk_speed_m_s: float = WALK_SPEED_M_S
    move_hz: float = MOVE_HZ


@dataclass
class Hooks:
    """Called by the coordinator at the run's moments (sampling the server)."""

    on_ready: Callable[[], None] = lambda: None
    on_stage: Callable[[int], None] = lambda joined: None
    on_window_start: Callable[[], None] = lambda: None
    on_window_end: Callable[[], None] = lambda: None


# ------------------------------------------------------------- the clients


class Shared:
    """State shared by the clients of one worker process."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.pending: dict[int, float] = {}
        self._pending_order: deque[tuple[float, int]] = deque()
        self.measuring = False
        #: delays in seconds, appended by the clients, binned by :meth:`flush`
        self.neighbour_delays: list[float] = []
        self.echo_delays: list[float] = []
        self.neighbour_latency = Histogram()
        self.echo_latency = Histogram()

    def flush(self) -> None:
        self.neighbour_latency.add_many(self.neighbour_delays)
        self.echo_latency.add_many(self.echo_delays)
        self.neighbour_delays.clear()
        self.echo_delays.clear()

    def sent(self, key: int, now: float) -> None:
        self.pending[key] = now
        self._pending_order.append((now, key))

    def expire(self, now: float, keep_s: float = 5.0) -> None:
        order, pending = self._pending_order, self.pending
        limit = now - keep_s
        while order and order[0][0] < limit:
            t, key = order.popleft()
            if pending.get(key) == t:
                del pending[key]


class Client(asyncio.Protocol):
    """One simulated citizen: a WebSocket client (sans-I/O core) that walks."""

    def __init__(
        self,
        index: int,
        token: str,
        url: str,
        shared: Shared,
        area: Box,
        boxes: list[Box],
        rng: random.Random,
        *,
        observer: bool,
        step_m: float = WALK_SPEED_M_S / MOVE_HZ,
    ) -> None:
        self.step_m = step_m
        split = urlsplit(url)
        key = base64.b64encode(os.urandom(16)).decode()
        self.request = (
            f"GET {split.path} HTTP/1.1\r\nHost: {split.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.index = index
        self.token = token
        self.shared = shared
        self.area, self.boxes, self.rng = area, boxes, rng
        self.observer = observer
        self.upgraded = False
        self.rest = b""  # bytes of an incomplete frame (or response head)
        self.transport: asyncio.Transport | None = None
        self.joined: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.avatar_id: int | None = None
        self.walker: Walker | None = None
        self.view: set[int] = set()
        #: avatar id -> key (id, x, y) of the last sample taken of it, so that a
        #: position shown again (FULL frames, naive snapshots) is not sampled twice
        self.seen: dict[int, int] = {}
        self.naive_view = 0
        self.seq = 0
        self._fragments: list[bytes] = []
        self._fragment_binary = False
        # counters (cumulative; the window is the difference of two snapshots)
        self.bytes_rx = 0
        self.frames = 0
        self.full_frames = 0
        self.texts = 0
        self.moves = 0
        self.corrections = 0
        self.errors: Counter[str] = Counter()
        self.close_code: int | None = None
        self.view_samples: list[int] = []

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.bytes_rx += len(data)
        buf = self.rest + data if self.rest else data
        if not self.upgraded:
            head_end = buf.find(b"\r\n\r\n")
            if head_end < 0:
                self.rest = buf
                return
            status = buf[: buf.find(b"\r\n")].split(b" ")
            if len(status) < 2 or status[1] != b"101":
                self._join_failed(f"http_{status[1].decode() if len(status) > 1 else '?'}")
                if self.transport is not None:
                    self.transport.close()
                return
            self.upgraded = True
            self._send(OP_TEXT, json.dumps({"type": "join", "token": self.token}).encode())
            buf = buf[head_end + 4 :]
        frames, used = parse_frames(buf)
        self.rest = buf[used:]
        for first, start, end in frames:
            opcode = first & 0x0F
            if opcode == 2:  # binary, the server never fragments it
                if not self.observer:
                    self.frames += 1
                    if buf[start + 1] & FLAG_FULL:
                        self.full_frames += 1
                elif first & 0x80:
                    self._on_snapshot(buf, start, end, now)
                else:
                    self._fragments, self._fragment_binary = [buf[start:end]], True
            elif opcode == 1:
                if first & 0x80:
                    self._on_text(buf[start:end], now)
                else:
                    self._fragments, self._fragment_binary = [buf[start:end]], False
            elif opcode == 0:
                self._fragments.append(buf[start:end])
                if first & 0x80:
                    payload, self._fragments = b"".join(self._fragments), []
                    if self._fragment_binary:
                        self._on_snapshot(payload, 0, len(payload), now)
                    else:
                        self._on_text(payload, now)
            elif opcode == 8:  # close: echo it, the server then ends the connection
                self.close_code = (
                    _MEDIUM_LEN.unpack_from(buf, start)[0] if end - start >= 2 else 1005
                )
                self._send(OP_CLOSE, buf[start : start + 2])
                if self.transport is not None:
                    asyncio.get_running_loop().call_later(2.0, self.transport.close)
            elif opcode == 9:  # ping
                self._send(OP_PONG, buf[start:end])

    def eof_received(self) -> bool | None:
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.close_code is None:
            self.close_code = 1006
        self._join_failed(f"closed_{self.close_code}")
        if not self.lost.done():
            self.lost.set_result(None)

    # incoming

    def _on_snapshot(self, data: bytes, start: int, end: int, now: float) -> None:
        self.frames += 1
        _kind, flags, _tick, n_entered, n_updated, n_left = HEADER.unpack_from(data, start)
        n = n_entered + n_updated
        records = np.frombuffer(data, KEYED_RECORD, n, start + 12)
        keys = records["key"].tolist()
        ids = [k & 0xFFFFFFFF for k in keys]
        if flags & FLAG_FULL:
            self.full_frames += 1
            self.view = set(ids)
        else:
            self.view.update(ids)
            if n_left:
                self.view.difference_update(
                    np.frombuffer(data, "<u4", n_left, start + 12 + 12 * n).tolist()
                )
        shared = self.shared
        if shared.measuring:
            pending = shared.pending
            hits = pending.keys() & keys
            if hits:
                me, seen = self.avatar_id, self.seen
                for key in hits:
                    avatar_id = key & 0xFFFFFFFF
                    if seen.get(avatar_id) == key:  # seen there before (a FULL frame)
                        continue
                    seen[avatar_id] = key
                    delay = now - pending[key]
                    if avatar_id == me:
                        shared.echo_delays.append(delay)
                    else:
                        shared.neighbour_delays.append(delay)

    def _on_text(self, data: bytes, now: float) -> None:
        self.texts += 1
        if self.shared.mode == "naive" and data.startswith(b'{"type":"snapshot"'):
            self.frames += 1
            if self.observer:
                self._on_naive_snapshot(json.loads(data), now)
            return
        msg = json.loads(data)
        kind = msg.get("type")
        if kind == "welcome":
            you = msg["you"]
            self.avatar_id = int(you["id"])
            self.view = {self.avatar_id, *(int(n["id"]) for n in msg.get("neighbours", ()))}
            self.walker = Walker(
                float(you["x"]),
                float(you["y"]),
                self.rng.uniform(0, 2 * math.pi),
                self.area,
                self.boxes,
                self.step_m,
            )
            if not self.joined.done():
                self.joined.set_result(True)
        elif kind == "correction":
            self.corrections += 1
            if self.walker is not None:
                self.walker.reset(float(msg["x"]), float(msg["y"]))
        elif kind == "error":
            self.errors[str(msg.get("code"))] += 1
            if not self.joined.done():
                self._join_failed(str(msg.get("code")))

    def _on_naive_snapshot(self, msg: dict[str, Any], now: float) -> None:
        avatars = msg["avatars"]
        self.naive_view = len(avatars)
        shared = self.shared
        if not shared.measuring:
            return
        pending, me, seen = shared.pending, self.avatar_id, self.seen
        for a in avatars:
            avatar_id = a["id"]
            key = move_key(avatar_id, round(a["x"] * 100), round(a["y"] * 100))
            # every snapshot repeats every avatar: only its first showing at a place counts
            if seen.get(avatar_id) == key:
                continue
            seen[avatar_id] = key
            sent = pending.get(key)
            if sent is not None:
                if avatar_id == me:
                    shared.echo_delays.append(now - sent)
                else:
                    shared.neighbour_delays.append(now - sent)

    def _join_failed(self, reason: str) -> None:
        if not self.joined.done():
            self.errors[reason] += 1
            self.joined.set_result(False)

    # outgoing

    def move(self) -> None:
        walker, avatar_id = self.walker, self.avatar_id
        if walker is None or avatar_id is None or self.transport is None:
            return
        if self.transport.is_closing():
            return
        x, y, yaw = walker.step(self.rng)
        self.seq += 1
        text = f'{{"type":"move","x":{x:.2f},"y":{y:.2f},"yaw":{yaw:.1f},"anim":"walk","seq":{self.seq}}}'
        self.shared.sent(move_key(avatar_id, round(x * 100), round(y * 100)), time.perf_counter())
        self._send_text(text)
        self.moves += 1

    def leave(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            with contextlib.suppress(Exception):
                self._send_text('{"type":"leave"}')

    def _send_text(self, text: str) -> None:
        self._send(OP_TEXT, text.encode())

    def _send(self, first: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(first, payload))

    # bookkeeping

    def counters(self) -> dict[str, int]:
        return {
            "bytes_rx": self.bytes_rx,
            "frames": self.frames,
            "full_frames": self.full_frames,
            "texts": self.texts,
            "moves": self.moves,
            "corrections": self.corrections,
        }

    def sample_view(self) -> None:
        if self.shared.mode == "naive":
            if self.observer and self.naive_view:
                self.view_samples.append(self.naive_view - 1)
        elif self.observer and self.avatar_id is not None and self.close_code is None:
            self.view_samples.append(len(self.view) - 1)


# ------------------------------------------------------------- one worker


async def _fetch_tokens(base_url: str, count: int, first_index: int) -> list[str]:
    import httpx

    tokens: list[str] = [""] * count
    sem = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as http:

        async def one(i: int) -> None:
            async with sem:
                for attempt in range(5):
                    try:
                        r = await http.post(
                            "/api/v1/auth/guest/token",
                            json={"display_name": f"Warga {first_index + i}", "role": "guest"},
                        )
                        r.raise_for_status()
                        tokens[i] = r.json()["token"]
                        return
                    except httpx.HTTPError:
                        await asyncio.sleep(0.5 * (attempt + 1))

        await asyncio.gather(*(one(i) for i in range(count)))
    return tokens


async def _sleep_until(t: float) -> None:
    delay = t - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


async def _worker(config: LoadConfig, index: int, inbox: Any, outbox: Any) -> None:
    loop = asyncio.get_running_loop()
    share = [
        config.clients // config.workers + (1 if i < config.clients % config.workers else 0)
        for i in range(config.workers)
    ]
    first = sum(share[:index])
    count = share[index]
    scene = json.loads(Path(config.scene_path).read_text(encoding="utf-8"))
    area, boxes = scene_boxes(scene)
    split = urlsplit(config.base_url)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    url = f"ws://{host}:{port}/ws/v1/halls/{config.hall}"
    shared = Shared(config.mode)

    tokens = await _fetch_tokens(config.base_url, count, first)
    outbox.put(("tokens", index, sum(1 for t in tokens if t)))
    await loop.run_in_executor(None, inbox.get)  # "connect"

    clients: list[Client] = []
    stages = config.stages or (config.clients,)
    sem = asyncio.Semaphore(config.connect_concurrency)
    observers = config.naive_observers
    if observers is None:
        observers = max(2, min(16, 4000 // max(1, config.clients)))
    wanted = config.hall_observers or config.clients
    hall_step = max(1, -(-config.clients // max(1, wanted)))  # ceil: at most `wanted`

    async def connect(i: int) -> None:
        rng = random.Random(config.seed * 1_000_003 + first + i)
        hall = config.mode == "hall"
        observer = (first + i) % hall_step == 0 if hall else (first + i) < observers
        client = Client(
            first + i,
            tokens[i],
            url,
            shared,
            area,
            boxes,
            rng,
            observer=observer,
            step_m=config.walk_speed_m_s / config.move_hz,
        )
        clients.append(client)
        async with sem:
            try:
                await loop.create_connection(lambda: client, host, port)
                await asyncio.wait_for(asyncio.shield(client.joined), config.join_timeout_s)
            except (OSError, TimeoutError) as exc:
                client._join_failed(type(exc).__name__)

    done = 0
    reply: Any = None
    for total in stages:
        mine = round(count * total / config.clients)
        started = time.monotonic()
        attempts = [asyncio.ensure_future(connect(i)) for i in range(done, mine) if tokens[i]]
        if attempts:  # a stage gets join_timeout_s in all: a server that falls over is a result
            _, late = await asyncio.wait(attempts, timeout=config.join_timeout_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            for c in clients:
                c._join_failed("join_deadline")  # no-op for those that joined
        done = mine
        joined = sum(1 for c in clients if c.joined.done() and c.joined.result())
        outbox.put(("stage", index, joined, round(time.monotonic() - started, 2)))
        reply = await loop.run_in_executor(None, inbox.get)  # "go", or the schedule at the end

    _, (t_walk, t_start, t_end, t_leave) = reply
    live = [c for c in clients if c.joined.done() and c.joined.result()]
    # No collections while walking: a full one over the clients' state stalls the
    # loop for tens of ms, which the latencies would show as the server's. The
    # walk creates next to no cyclic garbage; collection resumes at the end.
    gc.collect()
    gc.freeze()
    gc.disable()
    slots: list[list[Client]] = [live[i::10] for i in range(10)]
    lag = Histogram()
    cpu_start = cpu_end = 0.0
    #: when the counters were actually read: late when this process is overloaded
    read_at = [t_start, t_end]
    before: dict[int, dict[str, int]] = {}
    after: dict[int, dict[str, int]] = {}

    async def mover() -> None:
        period = 1.0 / config.move_hz / len(slots)
        next_at, slot = t_walk, 0
        while next_at < t_end:
            await _sleep_until(next_at)
            now = time.monotonic()
            if now - next_at > 1.0 / config.move_hz:  # fell behind: do not burst to catch up
                next_at = now
            for client in slots[slot]:
                client.move()
            slot = (slot + 1) % len(slots)
            next_at += period

    async def housekeeping() -> None:
        nonlocal cpu_start, cpu_end
        await _sleep_until(t_start)
        shared.measuring = True
        cpu_start, read_at[0] = time.process_time(), time.monotonic()
        for c in live:
            before[c.index] = c.counters()
        next_sample = t_start + 0.5
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.1)
            now = time.monotonic()
            if now >= t_end:
                break
            lag.add(now - last - 0.1)
            last = now
            shared.expire(time.perf_counter())
            shared.flush()
            if now >= next_sample:
                next_sample += 1.0
                for c in live:
                    c.sample_view()
        shared.measuring = False
        shared.flush()
        cpu_end, read_at[1] = time.process_time(), time.monotonic()
        for c in live:
            after[c.index] = c.counters()

    tasks = [asyncio.create_task(housekeeping())]
    if config.walk:
        tasks.append(asyncio.create_task(mover()))
    await asyncio.gather(*tasks)

    gc.enable()
    await _sleep_until(t_leave)
    for c in clients:
        c.leave()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(*(c.lost for c in clients if c.transport is not None)), 5.0
        )
    for c in clients:
        if c.transport is not None and not c.lost.done():
            c.transport.abort()

    window = max(1e-3, read_at[1] - read_at[0])
    per_client = []
    for c in live:
        a, b = before.get(c.index), after.get(c.index)
        if a is None or b is None:
            continue
        delta = {k: b[k] - a[k] for k in a}
        per_client.append(
            {
                "bytes_per_s": delta["bytes_rx"] / window,
                "frames_per_s": delta["frames"] / window,
                "moves_per_s": delta["moves"] / window,
                "full_frames": delta["full_frames"],
                "corrections": delta["corrections"],
                "texts_per_s": delta["texts"] / window,
                "view": (sum(c.view_samples) / len(c.view_samples)) if c.view_samples else None,
                "observer": c.observer,
            }
        )
    errors: Counter[str] = Counter()
    closes: Counter[str] = Counter()
    for c in clients:
        errors.update(c.errors)
    for c in live:
        if c.close_code is not None and c.close_code != 1000:
            closes[str(c.close_code)] += 1
    outbox.put(
        (
            "result",
            index,
            {
                "clients": count,
                "joined": len(live),
                "per_client": per_client,
                "view_samples": [v for c in live for v in c.view_samples],
                "neighbour_latency": shared.neighbour_latency.sparse(),
                "echo_latency": shared.echo_latency.sparse(),
                "loop_lag": lag.sparse(),
                "cpu_percent": round(100.0 * (cpu_end - cpu_start) / window, 1),
                "window_read_late_s": round(max(read_at[0] - t_start, read_at[1] - t_end), 2),
                "errors": dict(errors),
                "abnormal_closes": dict(closes),
            },
        )
    )


def _worker_main(config: LoadConfig, index: int, inbox: Any, outbox: Any) -> None:
    if config.cpus:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, set(config.cpus))
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        runner: Callable[[Any], Any] = uvloop.run
    except ImportError:
        runner = asyncio.run
    try:
        runner(_worker(config, index, inbox, outbox))
    except Exception as exc:
        outbox.put(("failed", index, f"{type(exc).__name__}: {exc}"))
        raise


# ---------------------------------------------------------------- coordinator


@dataclass
class LoadResult:
    config: dict[str, Any]
    joined: int = 0
    join_s: list[float] = field(default_factory=list)
    window_s: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def run_load(config: LoadConfig, hooks: Hooks | None = None) -> LoadResult:
    """Run the clients in ``config.workers`` processes; call ``hooks`` on the way.

    Blocks until the run is over (bounded by the join timeout, the warm-up,
    the window and a short teardown). Never raises for a server that falls
    over: what happened is in the result's ``problems``.
    """
    hooks = hooks or Hooks()
    ctx = mp.get_context("spawn")
    outbox = ctx.Queue()
    inboxes = [ctx.Queue() for _ in range(config.workers)]
    procs = [
        ctx.Process(target=_worker_main, args=(config, i, inboxes[i], outbox), daemon=True)
        for i in range(config.workers)
    ]
    for p in procs:
        p.start()
    result = LoadResult(config=asdict(config))
    n = config.workers

    def collect(kind: str, timeout: float) -> list[tuple[Any, ...]]:
        got: list[tuple[Any, ...]] = []
        deadline = time.monotonic() + timeout
        while len(got) < n:
            try:
                item = outbox.get(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:
                if time.monotonic() > deadline:
                    result.problems.append(f"timed out waiting for workers ({kind})")
                    raise TimeoutError(kind) from None
                continue
            if item[0] == "failed":
                result.problems.append(f"worker {item[1]} failed: {item[2]}")
                raise RuntimeError(item[2])
            if item[0] == kind:
                got.append(item)
        return got

    try:
        collect("tokens", max(120.0, config.join_timeout_s))
        hooks.on_ready()
        for q in inboxes:
            q.put("connect")
        stages = config.stages or (config.clients,)
        for k, _total in enumerate(stages):
            items = collect("stage", config.join_timeout_s + 60.0)
            result.joined = sum(int(i[2]) for i in items)
            result.join_s.append(max(float(i[3]) for i in items))
            hooks.on_stage(result.joined)
            if k < len(stages) - 1:
                for q in inboxes:
                    q.put("go")
        t_walk = time.monotonic() + 0.5
        t_start = t_walk + config.warmup_s
        t_end = t_start + config.duration_s
        t_leave = t_end + 3.0  # everyone stays while the server is sampled
        for q in inboxes:
            q.put(("schedule", (t_walk, t_start, t_end, t_leave)))
        time.sleep(max(0.0, t_start - time.monotonic()))
        hooks.on_window_start()
        time.sleep(max(0.0, t_end - time.monotonic()))
        hooks.on_window_end()
        result.window_s = config.duration_s
        parts = [i[2] for i in collect("result", 60.0)]
        result.summary = summarise(parts, config)
    except (TimeoutError, RuntimeError):
        pass
    finally:
        for p in procs:
            p.join(timeout=5.0)
            if p.is_alive():
                p.kill()
                p.join()
    return result


def summarise(parts: list[dict[str, Any]], config: LoadConfig) -> dict[str, Any]:
    """Merge the workers' results into the figures the report shows."""
    per_client = [c for p in parts for c in p["per_client"]]
    observed = [c for c in per_client if c["observer"]]
    views = [v for p in parts for v in p["view_samples"]]
    errors: Counter[str] = Counter()
    closes: Counter[str] = Counter()
    for p in parts:
        errors.update(p["errors"])
        closes.update(p["abnormal_closes"])
    moves = sum(c["moves_per_s"] for c in per_client) * config.duration_s
    corrections = sum(c["corrections"] for c in per_client)
    return {
        "joined": sum(p["joined"] for p in parts),
        "move_to_seen_ms": Histogram.summary(merge_sparse([p["neighbour_latency"] for p in parts])),
        "own_echo_ms": Histogram.summary(merge_sparse([p["echo_latency"] for p in parts])),
        "downstream_bytes_per_s": distribution([c["bytes_per_s"] for c in per_client]),
        "snapshot_frames_per_s": distribution([c["frames_per_s"] for c in per_client]),
        "control_texts_per_s": distribution([c["texts_per_s"] for c in per_client]),
        "moves_sent_per_s": distribution([c["moves_per_s"] for c in per_client]),
        "avatars_in_view": distribution(views),
        "full_frames": sum(c["full_frames"] for c in per_client),
        "corrections": corrections,
        "corrections_per_1000_moves": round(1000.0 * corrections / moves, 3) if moves else None,
        "observers": len(observed),
        "errors": dict(errors),
        "abnormal_closes": dict(closes),
        "loadgen_cpu_percent": [p["cpu_percent"] for p in parts],
        #: > 0.5 s: the generator was too busy to read its counters on time (figures are
        #: then rates over the time it did read them, not over the server's window)
        "loadgen_window_late_s": max(p["window_read_late_s"] for p in parts),
        "loadgen_loop_lag_ms": Histogram.summary(merge_sparse([p["loop_lag"] for p in parts])),
    }


# --------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--hall", default="plaza-uji-beban")
    parser.add_argument("--scene", required=True, help="the hall's scene file")
    parser.add_argument("--clients", type=int, default=250)
    parser.add_argument("--mode", choices=("hall", "naive"), default="hall")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--idle", action="store_true", help="join and stand still")
    args = parser.parse_args(argv)
    host = urlsplit(args.base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the load generator only targets loopback servers")
    config = LoadConfig(
        base_url=args.base_url,
        hall=args.hall,
        clients=args.clients,
        scene_path=args.scene,
        mode=args.mode,
        workers=args.workers,
        warmup_s=args.warmup,
        duration_s=args.duration,
        walk=not args.idle,
    )
    result = run_load(config)
    json.dump(asdict(result), sys.stdout, indent=1)
    print()
    return 0 if not result.problems else 1


if __name__ == "__main__":
    sys.exit(main())
