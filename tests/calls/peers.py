"""Client-side WebRTC peers for the call tests: aiortc with a tone, and an FFT of what comes back."""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import time
from typing import Any

import av
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from realtime.calls import ice
from tests.support.waiting import wait_until


class Tone(MediaStreamTrack):
    """A sine at ``freq`` Hz, 20 ms frames in real time (what a microphone would give)."""

    kind = "audio"

    def __init__(self, freq: float, amplitude: float = 0.3) -> None:
        super().__init__()
        self.freq = freq
        self.amplitude = amplitude
        self.samples = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self.samples / 48_000 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)  # paces the tone in real time, as a microphone does
        t = (np.arange(960) + self.samples) / 48_000
        pcm = (self.amplitude * np.sin(2 * np.pi * self.freq * t) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = 48_000
        frame.pts = self.samples
        frame.time_base = fractions.Fraction(1, 48_000)
        self.samples += 960
        return frame


class ClientPeer:
    """One leg's client: offers, sends a tone, keeps (and always consumes) what it receives."""

    def __init__(self, address: str, freq: float) -> None:
        self.address = address
        self.tone = Tone(freq)
        self.pc = RTCPeerConnection(ice.rtc_configuration([]))
        self.pc.addTrack(self.tone)
        self.received: list[np.ndarray] = []
        self._pumps: list[asyncio.Task[None]] = []
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        async def pump() -> None:
            with contextlib.suppress(MediaStreamError):
                while True:
                    frame = await track.recv()
                    pcm = frame.to_ndarray().reshape(-1)
                    channels = len(frame.layout.channels)
                    self.received.append(pcm[::channels].astype(np.float64))

        self._pumps.append(asyncio.ensure_future(pump()))

    async def offer(self) -> str:
        with ice.host_addresses([self.address]):
            await self.pc.setLocalDescription(await self.pc.createOffer())
        assert self.pc.localDescription is not None
        return self.pc.localDescription.sdp

    async def answered(self, sdp: str) -> None:
        self.remote_sdp = sdp
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    def remote_addresses(self) -> set[str]:
        """Addresses in the candidates the other end (the server) gave this client."""
        found = set()
        for line in self.remote_sdp.splitlines():
            if line.startswith("a=candidate:"):
                found.add(line.split()[4])
        return found

    def dominant_hz(self, last_s: float = 1.0) -> float:
        """The strongest frequency in the last ``last_s`` seconds received."""
        if not self.received:
            return 0.0
        pcm = np.concatenate(self.received)[-int(48_000 * last_s) :]
        spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
        return float(np.argmax(spectrum) * 48_000 / len(pcm))

    async def hears(self, freq: float, timeout: float = 10.0) -> None:
        """Wait until the strongest frequency received is ``freq`` (within 10 Hz)."""
        await wait_until(
            lambda: abs(self.dominant_hz(0.5) - freq) <= 10, timeout, f"{freq} Hz", interval=0.1
        )

    async def close(self) -> None:
        await self.pc.close()
        for task in self._pumps:
            task.cancel()


async def connect_leg(person: Any, call_id: str, peer: ClientPeer) -> None:
    """Offer over the hall socket and apply the server's answer."""
    await person.send(type="call_offer", call_id=call_id, sdp=await peer.offer())
    answer = await person.next("call_answer", lambda m: m["call_id"] == call_id, timeout=15)
    await peer.answered(answer["sdp"])


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")
