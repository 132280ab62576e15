"""The benchmark of issue "Voice and video at the counter": relayed calls per server process.

``python -m bench.calls`` starts a real hall server process (pinned to CPU 0)
with several copies of the demo hall (9 counters each) and officer accounts,
then, step by step, sets up more counter calls the way clients do (citizen
takes a number, officer calls it, citizen walks up, accepts, both legs offer)
and measures each step for a fixed window:

- **on time**: every audio packet carries a probe (its number and send time,
  after an Opus TOC byte, padded to 80 bytes like 32 kbit/s voice); the far
  leg's client reads it and counts the packets that arrived within 100 ms;
- server CPU (share of one core) and RSS, per call;
- this process's own CPU and event-loop lag (the load generator shares the
  machine's other core; if it saturates, its lag shows up in the latencies).

Client peers send pre-encoded packets and read packets off the wire (the same
pass-through tap as the server), so the load generator spends no CPU on
codecs. The baseline, measured in the same run, is what a straightforward
aiortc relay pays per one-way stream: decode with aiortc's OpusDecoder and
re-encode with its OpusEncoder, 50 real Opus frames per second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fractions
import json
import math
import os
import platform
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import psutil  # type: ignore[import-untyped]
from aiortc import RTCPeerConnection, RTCSessionDescription
from websockets.asyncio.client import connect

from bench.run import free_port
from realtime.calls import ice, passthrough
from scenes.bundled import load_demo_scene
from scenes.spatial import Floorplan
from tests.support.client import HallClient
from tests.support.waiting import wait_until

SCENE = Path(__file__).resolve().parent.parent / "scenes" / "data" / "mpp-kendari.json"
FLOOR = Floorplan.from_scene(load_demo_scene())
PACKET_BYTES = 80
ON_TIME_S = 0.100
_PROBE = struct.Struct("<Id")  # packet number, send time (CLOCK_MONOTONIC, shared by processes)


# ------------------------------------------------------------------ the server


async def prepare(data: Path, halls: int, officers: int) -> tuple[list[str], dict[str, str]]:
    """Scene copies and officer accounts; returns hall ids and the server's environment."""
    data.mkdir(parents=True, exist_ok=True)
    scene = json.loads(SCENE.read_text())
    paths, ids = [], []
    for i in range(halls):
        scene["id"] = f"bench-{i + 1}"
        path = data / f"bench-{i + 1}.json"
        path.write_text(json.dumps(scene))
        paths.append(str(path))
        ids.append(scene["id"])
    env = {
        **os.environ,
        "HALL_DATA_DIR": str(data),
        "HALL_SCENE_FILES": os.pathsep.join(paths),
        "HALL_COUNTER_BOTS": "never",
        "HALL_CALL_HOST_ADDRESSES": "127.0.0.1",
        "HALL_CALL_MAX_CONCURRENT": "1000",
        "HALL_MAX_SPEED_M_S": "60",
        "HALL_LIMIT_MAX_CONNECTIONS_PER_ADDRESS": "100000",
        "HALL_LIMIT_MAX_MESSAGE_BYTES": "4096",
        "HALL_LOG_LEVEL": "WARNING",
    }
    await _create_officers(data / "hall.db", officers)
    return ids, env


async def _create_officers(db: Path, count: int) -> None:
    """Officer accounts bench0..benchN-1, in this process (one CLI run each is slow)."""
    from hall_server.auth.staff import create_staff
    from hall_server.db.engine import create_engine, make_sessionmaker
    from hall_server.db.migrate import upgrade

    url = f"sqlite+aiosqlite:///{db}"
    await upgrade(url)
    engine = create_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        for n in range(count):
            await create_staff(
                sessions, username=f"bench{n}", password="bench-password-123", role="officer"
            )
    finally:
        await engine.dispose()


# ------------------------------------------------------------- clients


async def join(base: str, hall: str, token: str) -> HallClient:
    """A hall client as the tests use it; frames are not decoded (the load generator's CPU)."""
    return await HallClient.enter(
        f"{base}/ws/v1/halls/{hall}", token, frames=False, raise_on_error=True, floor=FLOOR
    )


@dataclass
class Leg:
    """One client peer: sends probe packets, reads the far side's off the wire."""

    name: str
    pc: RTCPeerConnection
    out: passthrough.ForwardTrack
    received: int = 0
    on_time: int = 0
    latencies: list[float] = field(default_factory=list)
    #: Packets numbered in [window[0], window[1]) are counted, whenever they arrive.
    window: tuple[int, int] = (0, 0)

    def on_packet(self, payload: bytes, ts: int, level: int | None, ssrc: int) -> None:
        if len(payload) < 1 + _PROBE.size:
            return
        n, sent_at = _PROBE.unpack_from(payload, 1)
        if not self.window[0] <= n < self.window[1]:
            return
        delay = time.monotonic() - sent_at
        self.received += 1
        self.latencies.append(delay)
        if delay <= ON_TIME_S:
            self.on_time += 1


async def client_leg(name: str, address: str) -> tuple[Leg, str]:
    pc = RTCPeerConnection(ice.rtc_configuration([]))
    out = passthrough.ForwardTrack("audio", 25)
    transceiver = pc.addTransceiver(out, direction="sendrecv")
    leg = Leg(name, pc, out)
    passthrough.tap_receiver(transceiver.receiver, "audio", leg.on_packet)
    with ice.host_addresses([address]):
        await pc.setLocalDescription(await pc.createOffer())
    assert pc.localDescription is not None
    return leg, pc.localDescription.sdp


async def offer(person: HallClient, call_id: str, name: str, address: str) -> Leg:
    leg, sdp = await client_leg(name, address)
    await person.send(type="call_offer", call_id=call_id, sdp=sdp)
    answer = await person.next("call_answer", timeout=30)
    await leg.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
    return leg


class Pacer:
    """One timer for every leg: each 20 ms, one probe packet into each leg's track."""

    def __init__(self) -> None:
        self.legs: list[Leg] = []
        self.n = 0
        self.lag: list[float] = []

    async def run(self) -> None:
        start = time.monotonic()
        pad = b"\0" * (PACKET_BYTES - 1 - _PROBE.size)
        while True:
            self.n += 1
            due = start + self.n * 0.02
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            now = time.monotonic()
            self.lag.append(max(0.0, now - due))
            for leg in self.legs:
                leg.out.put(b"\xf8" + _PROBE.pack(self.n, time.monotonic()) + pad, self.n * 960)


async def set_up_call(
    base: str,
    http: httpx.AsyncClient,
    hall: str,
    counter: dict[str, Any],
    officer_no: int,
    address_no: int,
) -> tuple[Leg, Leg, list[HallClient]]:
    r = await http.post(
        "/api/v1/auth/staff/token",
        json={"username": f"bench{officer_no}", "password": "bench-password-123"},
    )
    r.raise_for_status()
    officer = await join(base, hall, r.json()["token"])
    await officer.send(type="counter_open", counter_id=counter["id"])
    await officer.next("counter_state", timeout=30)
    r = await http.post("/api/v1/auth/guest/token", json={"display_name": f"Warga {officer_no}"})
    citizen = await join(base, hall, r.json()["token"])
    await citizen.send(type="ticket_take", service=counter["services"][0])
    await citizen.next("ticket", timeout=30)
    await officer.send(type="call_next", counter_id=counter["id"])
    called = await citizen.next("called", timeout=30)
    # Long strides: the server allows 60 m/s here (HALL_MAX_SPEED_M_S above).
    await citizen.walk_to(tuple(called["counter"]["position"]), step_m=2.0, pace_s=0.06)
    invite = await citizen.next("call_invite", timeout=30)
    await citizen.send(type="call_accept", call_id=invite["call_id"], record=False)
    await citizen.next("call_accepted", timeout=30)
    await officer.next("call_invite", timeout=30)
    # Each client on its own loopback address, as separate machines would be.
    a = f"127.0.{1 + address_no // 200}.{10 + address_no % 200}"
    b = f"127.0.{1 + address_no // 200}.{210 + address_no % 40}"
    citizen_leg = await offer(citizen, invite["call_id"], "citizen", a)
    officer_leg = await offer(officer, invite["call_id"], "officer", b)
    return citizen_leg, officer_leg, [officer, citizen]


# ------------------------------------------------------------- baseline


def transcode_cost(seconds: float = 10.0) -> dict[str, float]:
    """CPU of decoding and re-encoding one one-way Opus stream, as a plain aiortc relay does."""
    from aiortc.codecs.opus import OpusDecoder, OpusEncoder
    from aiortc.jitterbuffer import JitterFrame

    packets = opus_tone(seconds)
    decoder, encoder = OpusDecoder(), OpusEncoder()
    cpu0 = time.process_time()
    for i, p in enumerate(packets):
        for decoded in decoder.decode(JitterFrame(p, i * 960)):
            encoder.encode(decoded)
    cpu = time.process_time() - cpu0
    share = cpu / (len(packets) / 50)
    return {"core_share_per_stream": round(share, 4), "streams_per_core": round(1 / share, 1)}


def opus_tone(seconds: float = 2.0) -> list[bytes]:
    """Real Opus packets of a 440 Hz tone (20 ms each), for the baseline that decodes."""
    enc = av.CodecContext.create("libopus", "w")
    enc.sample_rate, enc.layout, enc.format = 48_000, "stereo", "s16"
    out: list[bytes] = []
    for i in range(int(seconds * 50)):
        t = (np.arange(960) + i * 960) / 48_000
        pcm = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(np.repeat(pcm, 2).reshape(1, -1), "s16", "stereo")
        frame.sample_rate, frame.pts = 48_000, i * 960
        frame.time_base = fractions.Fraction(1, 48_000)
        out += [bytes(p) for p in enc.encode(frame)]
    return out


async def baseline_relay(calls: int, duration: float, warmup: float) -> dict[str, Any]:
    """The straightforward relay (bench/transcode_relay.py) with ``calls`` calls of real Opus.

    Its packets cannot carry probes (they are decoded and encoded again), so
    this measures the server's CPU per call and the packets that come out.
    """
    port = free_port()
    proc = subprocess.Popen(
        ["taskset", "-c", "0", sys.executable, "-m", "bench.transcode_relay", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = psutil.Process(proc.pid)
    tone = opus_tone()
    counts: dict[int, int] = {}
    legs: list[passthrough.ForwardTrack] = []
    pcs: list[RTCPeerConnection] = []
    stop = asyncio.Event()

    async def pace() -> None:
        n = 0
        start = time.monotonic()
        while not stop.is_set():
            n += 1
            wait = start + n * 0.02 - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            for track in legs:
                track.put(tone[n % len(tone)], n * 960)

    try:

        def listening() -> bool:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return True
            return False

        await wait_until(listening, 10, "the baseline relay to listen", interval=0.1)
        for call in range(calls):
            for k, side in enumerate(("citizen", "staff")):
                address = f"127.0.3.{10 + 2 * call + k}"
                pc = RTCPeerConnection(ice.rtc_configuration([]))
                out = passthrough.ForwardTrack("audio", 25)
                transceiver = pc.addTransceiver(out, direction="sendrecv")
                key = len(legs)
                counts[key] = 0

                def on_packet(
                    p: bytes, ts: int, lvl: int | None, ssrc: int, key: int = key
                ) -> None:
                    counts[key] += 1

                passthrough.tap_receiver(transceiver.receiver, "audio", on_packet)
                with ice.host_addresses([address]):
                    await pc.setLocalDescription(await pc.createOffer())
                assert pc.localDescription is not None
                async with connect(f"ws://127.0.0.1:{port}/?call={call}&side={side}") as ws:
                    await ws.send(pc.localDescription.sdp)
                    answer = str(await ws.recv())
                await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
                legs.append(out)
                pcs.append(pc)
        pacer = asyncio.create_task(pace())
        await asyncio.sleep(warmup)
        for key in counts:
            counts[key] = 0
        s0, t0 = server.cpu_times(), time.monotonic()
        await asyncio.sleep(duration)
        s1, t1 = server.cpu_times(), time.monotonic()
        received = sum(counts.values())
        stop.set()
        pacer.cancel()
        wall = t1 - t0
        cpu = (s1.user + s1.system - s0.user - s0.system) / wall
        return {
            "calls": calls,
            "delivered_pct": round(100 * received / (len(legs) * 50 * wall), 2),
            "server_cpu_core_share": round(cpu, 3),
            "server_cpu_per_call": round(cpu / calls, 4),
            "server_rss_mib": round(server.memory_info().rss / 2**20, 1),
        }
    finally:
        for pc in pcs:
            await pc.close()
        proc.terminate()
        proc.wait(10)


# ---------------------------------------------------------------- the run


async def run(args: argparse.Namespace) -> dict[str, Any]:
    steps = [int(s) for s in args.calls.split(",")]
    halls = math.ceil(max(steps) / 9)
    tmp = Path(tempfile.mkdtemp(prefix="bench-calls-"))
    ids, env = await prepare(tmp / "data", halls, max(steps))
    port = free_port()
    exe = str(Path(sys.executable).with_name("hall-server"))
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen(
        ["taskset", "-c", "0", exe, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {1})
    server = psutil.Process(proc.pid)
    me = psutil.Process()
    base = f"http://127.0.0.1:{port}"
    results: list[dict[str, Any]] = []
    pacer = Pacer()
    pacer_task = asyncio.create_task(pacer.run())
    clients: list[HallClient] = []
    counters = load_demo_scene().counters
    slots = [(h, c) for h in ids for c in counters]
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:

            async def ready() -> bool:
                with contextlib.suppress(httpx.HTTPError):
                    return (await http.get("/readyz")).status_code == 200
                return False

            await wait_until(ready, 30, "the hall server to be ready", interval=0.2)
            rss0 = server.memory_info().rss
            made = before = 0
            for target in steps:
                # Set up the new calls, several halls at once, one call at a time per hall.
                todo = list(range(made, target))
                by_hall: dict[str, list[int]] = {}
                for n in todo:
                    by_hall.setdefault(slots[n][0], []).append(n)

                async def hall_worker(numbers: list[int]) -> None:
                    for n in numbers:
                        hall, counter = slots[n]
                        legs = await set_up_call(
                            ws_base(base),
                            http,
                            hall,
                            {"id": counter.id, "services": list(counter.services)},
                            n,
                            n,
                        )
                        pacer.legs += [legs[0], legs[1]]
                        clients.extend(legs[2])

                await asyncio.gather(*(hall_worker(ns) for ns in by_hall.values()))
                made = target
                await asyncio.sleep(args.warmup)
                first = pacer.n + 1
                window = (first, first + int(args.duration * 50))
                for leg in pacer.legs:
                    leg.received = leg.on_time = 0
                    leg.latencies.clear()
                    leg.window = window
                pacer.lag.clear()
                s0, m0, t0 = server.cpu_times(), me.cpu_times(), time.monotonic()
                await asyncio.sleep(args.duration)
                s1, m1, t1 = server.cpu_times(), me.cpu_times(), time.monotonic()
                await asyncio.sleep(1.0)  # the window's last packets, late or not
                per_leg = window[1] - window[0]
                sent = per_leg * len(pacer.legs)
                on_time = sum(leg.on_time for leg in pacer.legs)
                received = sum(leg.received for leg in pacer.legs)
                lat = np.array([x for leg in pacer.legs for x in leg.latencies] or [math.nan])
                worst = min((leg.on_time / per_leg for leg in pacer.legs), default=0.0)
                wall = t1 - t0
                cpu = (s1.user + s1.system - s0.user - s0.system) / wall
                rss = server.memory_info().rss
                row = {
                    "calls": target,
                    "packets_sent": sent,
                    "on_time_pct": round(100 * on_time / max(sent, 1), 3),
                    "worst_leg_on_time_pct": round(100 * worst, 3),
                    "lost_pct": round(100 * (sent - received) / max(sent, 1), 3),
                    "latency_ms_p50": round(float(np.nanpercentile(lat, 50)) * 1000, 2),
                    "latency_ms_p99": round(float(np.nanpercentile(lat, 99)) * 1000, 2),
                    "server_cpu_core_share": round(cpu, 3),
                    "server_cpu_per_call": round(cpu / target, 4),
                    "server_rss_mib": round(rss / 2**20, 1),
                    # Marginal: the growth since the previous step, per call added.
                    "server_rss_per_call_kib": round((rss - rss0) / (target - before) / 1024, 1),
                    "loadgen_cpu_core_share": round(
                        (m1.user + m1.system - m0.user - m0.system) / wall, 3
                    ),
                    "loadgen_lag_ms_p99": round(
                        float(np.percentile(pacer.lag or [0.0], 99)) * 1000, 2
                    ),
                }
                results.append(row)
                rss0, before = rss, target
                print(json.dumps(row), flush=True)
                if row["on_time_pct"] < 90:
                    break
    finally:
        pacer_task.cancel()
        for leg in pacer.legs:
            await leg.pc.close()
        for c in clients:
            with contextlib.suppress(Exception):
                await c.ws.close()
        proc.terminate()
        proc.wait(10)
        log.close()
    baseline = transcode_cost()
    print(json.dumps({"baseline_transcode": baseline}), flush=True)
    relay_rows = []
    for n in [int(c) for c in args.baseline_calls.split(",") if c]:
        row = await baseline_relay(n, args.duration, args.warmup)
        print(json.dumps({"baseline_relay": row}), flush=True)
        relay_rows.append(row)
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_at_start": os.getloadavg(),
        },
        "steps": results,
        "baseline_transcode": baseline,
        "baseline_relay": relay_rows,
    }


def ws_base(base: str) -> str:
    return "ws" + base.removeprefix("http")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", default="10,20,30,40,50,60", help="call counts, cumulative")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per step")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--baseline-calls", default="5,10", help="calls for the decoding relay baseline"
    )
    args = parser.parse_args()
    ice.install()
    report = asyncio.run(run(args))
    out = args.out or Path(__file__).with_name("results") / f"calls-{int(time.time())}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
