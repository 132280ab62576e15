"""Forward Opus and VP8 packets between two aiortc peers without decoding them.

aiortc's receiver decodes every frame in a thread and its sender encodes
again: about a tenth of a core per one-way Opus stream, which caps a process
near five calls. A relay needs neither. This module taps a receiver just
before its jitter buffer and hands the payloads to a :class:`ForwardTrack`,
which the sender packs as pre-encoded data (aiortc's ``Encoder.pack`` path).

It relies on aiortc internals (the receiver's private jitter buffer and the
sender's ``_send_keyframe``), so aiortc is pinned in pyproject.toml and the
path is covered by tests/calls. The receiver's decoder thread is still
started by aiortc but never given work, so its track stays empty: nothing
accumulates, which is the "always consume received tracks" rule kept by
construction.
"""

from __future__ import annotations

import asyncio
import collections
import fractions
from collections.abc import Callable
from typing import Any

from aiortc import MediaStreamTrack, RTCRtpReceiver, RTCRtpSender
from aiortc.jitterbuffer import JitterBuffer
from aiortc.mediastreams import MediaStreamError

AUDIO_RATE = 48_000
VIDEO_RATE = 90_000
_AUDIO_BASE = fractions.Fraction(1, AUDIO_RATE)
_VIDEO_BASE = fractions.Fraction(1, VIDEO_RATE)

#: Called with (payload, rtp timestamp, audio level in -dBov or None, ssrc).
OnPacket = Callable[[bytes, int, "int | None", int], None]


class EncodedPacket:
    """What aiortc's ``Encoder.pack`` reads from an ``av.Packet``: bytes, pts, time base."""

    __slots__ = ("data", "pts", "time_base")

    def __init__(self, data: bytes, pts: int, time_base: fractions.Fraction) -> None:
        self.data = data
        self.pts = pts
        self.time_base = time_base

    def __bytes__(self) -> bytes:
        return self.data


class ForwardTrack(MediaStreamTrack):
    """A track of pre-encoded packets with a bounded buffer (the oldest are dropped).

    aiortc's MediaRelay buffers without limit; a leg that cannot keep up
    here loses the oldest packets instead, which for live voice is the
    right thing: late audio is worthless.
    """

    def __init__(self, kind: str, capacity: int) -> None:
        super().__init__()
        self.kind = kind
        self._time_base = _AUDIO_BASE if kind == "audio" else _VIDEO_BASE
        self._queue: collections.deque[EncodedPacket] = collections.deque(maxlen=capacity)
        self._ready = asyncio.Event()
        self.dropped = 0
        self.sent = 0

    def put(self, payload: bytes, pts: int) -> None:
        if self.readyState != "live":
            return
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1
        self._queue.append(EncodedPacket(payload, pts, self._time_base))
        self._ready.set()

    async def recv(self) -> Any:
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        self.sent += 1
        return self._queue.popleft()

    def stop(self) -> None:
        super().stop()
        self._ready.set()  # wake a sender waiting in recv() so it can end


class _AudioTap:
    """Stands in for the receiver's audio jitter buffer: every packet goes straight on.

    The far end has a jitter buffer of its own; a second one here would only
    add its 60-80 ms of prefetch to every word.
    """

    capacity = 16

    def __init__(self, on_packet: OnPacket) -> None:
        self.on_packet = on_packet

    def add(self, packet: Any) -> tuple[bool, None]:
        level = packet.extensions.audio_level
        self.on_packet(
            packet._data, packet.timestamp, level[1] if level is not None else None, packet.ssrc
        )
        return False, None


class _VideoTap(JitterBuffer):
    """aiortc's video jitter buffer, which assembles frames; each frame goes on, undecoded."""

    def __init__(self, on_frame: OnPacket) -> None:
        super().__init__(capacity=512, is_video=True)
        self.on_frame = on_frame
        self.ssrc = 0

    def add(self, packet: Any) -> tuple[bool, None]:
        self.ssrc = packet.ssrc
        pli, frame = super().add(packet)
        if frame is not None:
            self.on_frame(frame.data, frame.timestamp, None, packet.ssrc)
        return pli, None


def tap_receiver(receiver: RTCRtpReceiver, kind: str, on_packet: OnPacket) -> None:
    """Send what ``receiver`` gets to ``on_packet`` instead of its decoder.

    Must be called before the connection starts receiving (right after
    ``setRemoteDescription``).
    """
    tap: Any = _AudioTap(on_packet) if kind == "audio" else _VideoTap(on_packet)
    if not hasattr(receiver, "_RTCRtpReceiver__jitter_buffer"):
        raise RuntimeError("aiortc changed: RTCRtpReceiver has no jitter buffer to tap")
    receiver._RTCRtpReceiver__jitter_buffer = tap


async def request_keyframe(receiver: RTCRtpReceiver) -> None:
    """Ask the sender of ``receiver``'s video for a keyframe (an RTCP PLI)."""
    tap = getattr(receiver, "_RTCRtpReceiver__jitter_buffer", None)
    if isinstance(tap, _VideoTap) and tap.ssrc:
        await receiver._send_rtcp_pli(tap.ssrc)


def on_keyframe_request(sender: RTCRtpSender, handler: Callable[[], None]) -> None:
    """Forward the far end's keyframe requests (PLI, FIR) for what ``sender`` relays.

    The sender has no encoder to make a keyframe with, so the request goes to
    whoever sends the video being relayed.
    """
    sender._send_keyframe = handler  # type: ignore[method-assign]
