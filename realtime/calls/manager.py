"""The counter-call pump: signalling in, aiortc peers out, packets relayed between them.

The hall server is the WebRTC peer of both legs of a counter call, so that
neither the citizen nor the officer learns the other's network address.
:class:`CallManager` follows the counter session (the hub tells it when a
session opens, changes hands and closes), answers each leg's offer with an
aiortc peer, and relays Opus (and VP8, when both sides send video) packet by
packet through :mod:`.passthrough`, without decoding. With the citizen's
consent each direction is also written to an Ogg Opus file; every step
(consent, start, hand-over, end, recording files) goes to the audit log.

One manager serves every hall of the process, because the capacity it
guards (CPU for relaying packets) is the process's.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aiortc import (
    RTCPeerConnection,
    RTCRtpCodecCapability,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.sdp import candidate_from_sdp

from hall_server.errors import Conflict, InvalidInput, NotFound
from realtime.calls import ice, passthrough
from realtime.calls.model import (
    Call,
    CallBook,
    CallState,
    Party,
    RecordingFile,
    Side,
    check_candidate,
    check_sdp,
)
from realtime.calls.ogg import OggOpusWriter
from realtime.calls.speaking import SpeakingDetector
from realtime.calls.timeline import Timeline
from realtime.hall import Hall

log = logging.getLogger(__name__)

#: How often speaking flags are checked for a sender that went quiet.
_POLL_S = 0.2


@dataclass(frozen=True)
class CallSettings:
    enabled: bool = True
    #: Concurrent active calls per process; the next citizen hears "busy, try again".
    max_active: int = 20
    #: ICE servers given to aiortc and to clients: [{"urls": ..., "username": ..., "credential": ...}].
    ice_servers: tuple[dict[str, Any], ...] = ()
    #: Local addresses the server's peers offer; None: every non-loopback address.
    host_addresses: tuple[str, ...] | None = None
    recordings_dir: Path = Path("data/recordings")
    retention_s: float = 90 * 86400.0
    #: Relay buffer per outgoing track, in packets (audio: 20 ms each).
    audio_buffer: int = 25
    video_buffer: int = 60


class CallLog(Protocol):
    """Where calls leave their trail (hall_server.call_store.CallStore)."""

    async def audit(
        self,
        *,
        hall_id: str,
        at: float,
        actor_role: str,
        actor_ref: str,
        action: str,
        ticket_id: str | None,
        session_id: str | None,
        details: dict[str, Any],
    ) -> None: ...

    async def recording_started(
        self,
        *,
        hall_id: str,
        call_id: str,
        session_id: str,
        ticket_id: str,
        files: dict[str, Path],
        at: float,
    ) -> None: ...

    async def recording_finished(
        self, call_id: str, files: list[RecordingFile], at: float
    ) -> None: ...


class _Recorder:
    """One direction of a call into an Ogg Opus file, aligned to the call's start."""

    def __init__(self, path: Path, serial: int, started: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.file = path.open("wb")
        self.writer = OggOpusWriter(serial)
        self.file.write(self.writer.start())
        self.started = started
        self._offset: int | None = None

    def write(self, payload: bytes, pts: int, now: float) -> None:
        if self._offset is None:
            self._offset = int((now - self.started) * 48_000) - pts
        page = self.writer.add(payload, pts + self._offset)
        if page:
            self.file.write(page)

    def close(self) -> float:
        self.file.write(self.writer.finish())
        self.file.close()
        return self.writer.samples / 48_000


@dataclass(eq=False)
class _Leg:
    side: Side
    avatar: int
    pc: RTCPeerConnection
    serial: int
    out: dict[str, passthrough.ForwardTrack] = field(default_factory=dict)
    receivers: dict[str, RTCRtpReceiver] = field(default_factory=dict)
    speaking: SpeakingDetector = field(default_factory=SpeakingDetector)


@dataclass(eq=False)
class _Live:
    """The media side of an active call."""

    call: Call
    started: float  # monotonic
    legs: dict[Side, _Leg] = field(default_factory=dict)
    timelines: dict[tuple[Side, str], Timeline] = field(default_factory=dict)
    recorders: dict[Side, _Recorder] = field(default_factory=dict)

    def timeline(self, side: Side, kind: str) -> Timeline:
        key = (side, kind)
        tl = self.timelines.get(key)
        if tl is None:
            rate = passthrough.AUDIO_RATE if kind == "audio" else passthrough.VIDEO_RATE
            tl = self.timelines[key] = Timeline(rate, 960 if kind == "audio" else 3000)
        return tl


class CallManager:
    """Every counter call of this process; see the module docstring."""

    def __init__(
        self,
        settings: CallSettings,
        calls_log: CallLog,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.log = calls_log
        self.clock = clock
        self.book = CallBook(settings.max_active)
        self._halls: dict[str, tuple[Hall, Callable[[], None]]] = {}
        self._live: dict[str, _Live] = {}
        self._pcs: set[RTCPeerConnection] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._serial = 0
        self._poller: asyncio.Task[None] | None = None

    # ----------------------------------------------------------- lifecycle

    def attach_hall(self, hall: Hall, flush: Callable[[], None]) -> None:
        self._halls[hall.hall_id] = (hall, flush)

    async def start(self) -> None:
        ice.install()
        self._poller = asyncio.create_task(self._poll_speaking(), name="calls:speaking")

    async def stop(self) -> None:
        for call in list(self.book.calls.values()):
            await self._end(call, "server_stopping")
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        for task in list(self._tasks):
            task.cancel()

    def peers(self) -> int:
        """Open aiortc peer connections (for metrics and leak checks)."""
        return len(self._pcs)

    def active(self) -> int:
        return self.book.active()

    # -------------------------------------------------- from the counters

    async def session_opened(
        self,
        hall_id: str,
        *,
        session_id: str,
        ticket_id: str,
        counter_id: str,
        citizen: Party,
        staff: Party,
    ) -> None:
        """A person staffs a citizen's counter session: offer the citizen a call.

        Never with a bot on the staff side (it answers in the chat); a session
        that has a call already keeps it.
        """
        if not self.settings.enabled or citizen.avatar is None or staff.kind == "bot":
            return
        if self.book.for_session(session_id) is not None:
            return
        call = self.book.invite(
            hall_id=hall_id,
            session_id=session_id,
            ticket_id=ticket_id,
            counter_id=counter_id,
            citizen=citizen,
            staff=staff,
            now=self.clock(),
        )
        days = max(1, round(self.settings.retention_s / 86400))
        self._send(
            call,
            citizen.avatar,
            {
                "type": "call_invite",
                **call.to_json(),
                "side": "citizen",
                "ice_servers": list(self.settings.ice_servers),
                "consent": {
                    "id": (
                        "Percakapan ini dapat direkam untuk menjaga layanan bersih dari pungli"
                        f" dan calo. Rekaman disimpan {days} hari lalu dihapus. Bolehkah direkam?"
                    ),
                    "en": (
                        "This call may be recorded to keep the service free of illegal fees"
                        f" and brokers. Recordings are kept {days} days, then deleted."
                        " May we record it?"
                    ),
                },
            },
        )

    async def staff_changed(self, hall_id: str, session_id: str, staff: Party) -> None:
        """The counter changed hands mid-session: replace the staff leg, keep the citizen's."""
        call = self.book.for_session(session_id)
        if call is None or call.hall_id != hall_id:
            return
        before = self.book.hand_over(call, staff)
        live = self._live.get(call.call_id)
        if live is None:
            return  # not accepted yet: the new staff is simply who the citizen will talk to
        old = live.legs.pop(Side.STAFF, None)
        if old is not None:
            await self._close_leg(live, old)
        self._send_to(
            call, before, {"type": "call_ended", "call_id": call.call_id, "reason": "handed_over"}
        )
        await self._audit(
            call,
            "call_handed_over",
            staff.kind,
            staff.ref,
            {"call_id": call.call_id, "from": before.kind, "to": staff.kind},
        )
        self._invite_staff(call)
        self._tell_state(call)

    async def session_closed(
        self, hall_id: str, session_id: str, reason: str = "session_ended"
    ) -> None:
        """The session ended, or (``officer_left``) a bot took it over: the call ends."""
        call = self.book.for_session(session_id)
        if call is not None and call.hall_id == hall_id:
            await self._end(call, reason)

    # ---------------------------------------------------- from the clients

    async def accept(self, hall_id: str, avatar: int, msg: dict[str, Any]) -> None:
        """The citizen accepts the call and answers the recording question."""
        self._require_enabled()
        call, _side = self._call(hall_id, msg.get("call_id"), avatar)
        now = self.clock()
        self.book.accept(call, avatar, msg.get("record"), msg.get("video", False), now)
        live = self._live[call.call_id] = _Live(call, time.monotonic())
        await self._audit(
            call,
            "call_consent",
            "citizen",
            call.citizen.ref,
            {"call_id": call.call_id, "record": "granted" if call.record else "refused"},
        )
        if call.record:
            self._start_recording(live)
            files = {side.value: rec.path for side, rec in live.recorders.items()}
            await self.log.recording_started(
                hall_id=call.hall_id,
                call_id=call.call_id,
                session_id=call.session_id,
                ticket_id=call.ticket_id,
                files=files,
                at=now,
            )
            await self._audit(
                call,
                "call_recording_started",
                "system",
                "calls",
                {"call_id": call.call_id, "files": [p.name for p in files.values()]},
            )
        await self._audit(
            call,
            "call_started",
            "citizen",
            call.citizen.ref,
            {"call_id": call.call_id, "staff": call.staff.kind},
        )
        self._send(call, avatar, {"type": "call_accepted", **call.to_json()})
        self._invite_staff(call)

    async def offer(self, hall_id: str, avatar: int, msg: dict[str, Any]) -> None:
        """A leg's SDP offer: answered by the server's own peer for that leg."""
        self._require_enabled()
        call, side = self._call(hall_id, msg.get("call_id"), avatar)
        if call.state is not CallState.ACTIVE:
            raise Conflict("the citizen has not accepted this call yet", code="call_not_accepted")
        sdp = check_sdp(msg.get("sdp"))
        live = self._live[call.call_id]
        if side in live.legs:
            raise Conflict("this side of the call is already connected", code="call_exists")
        pc = RTCPeerConnection(ice.rtc_configuration(self.settings.ice_servers))
        self._pcs.add(pc)
        self._serial += 1
        leg = _Leg(side, avatar, pc, self._serial)
        live.legs[side] = leg
        try:
            await self._answer(live, leg, sdp)
        except BaseException:
            if live.legs.get(side) is leg:
                del live.legs[side]
            await self._close_pc(pc)
            raise
        assert pc.localDescription is not None
        self._send(
            call,
            avatar,
            {"type": "call_answer", "call_id": call.call_id, "sdp": pc.localDescription.sdp},
        )
        # A leg that joins late (a hand-over) needs a keyframe to show video at once.
        other = live.legs.get(_other(side))
        if other is not None and "video" in other.receivers:
            self._spawn(passthrough.request_keyframe(other.receivers["video"]))
        self._tell_state(call)

    async def candidate(self, hall_id: str, avatar: int, msg: dict[str, Any]) -> None:
        """A trickled ICE candidate for the sender's leg."""
        self._require_enabled()
        call, side = self._call(hall_id, msg.get("call_id"), avatar)
        cand = check_candidate(msg.get("candidate"))
        live = self._live.get(call.call_id)
        leg = live.legs.get(side) if live is not None else None
        if leg is None:
            raise InvalidInput("send the offer before its candidates", code="no_offer")
        if cand is None:
            return  # end of candidates: nothing to do, aiortc does not wait for it
        try:
            rtc = candidate_from_sdp(cand.candidate)
        except (ValueError, IndexError):
            raise InvalidInput(
                "candidate is not an ICE candidate line", code="bad_candidate"
            ) from None
        rtc.sdpMid = cand.sdp_mid
        rtc.sdpMLineIndex = cand.sdp_mline_index
        if rtc.sdpMid is None and rtc.sdpMLineIndex is None:
            rtc.sdpMLineIndex = 0  # one bundled transport: the first m-line's
        try:
            await leg.pc.addIceCandidate(rtc)
        except (ValueError, KeyError) as exc:
            raise InvalidInput(
                f"candidate does not fit the offer: {exc}"[:200], code="bad_candidate"
            ) from None

    async def hangup(self, hall_id: str, avatar: int, msg: dict[str, Any]) -> None:
        call, side = self._call(hall_id, msg.get("call_id"), avatar)
        await self._end(call, "hangup", by=side.value)

    # ------------------------------------------------------------ internals

    def _require_enabled(self) -> None:
        if not self.settings.enabled:
            raise NotFound("calls are switched off on this server", code="calls_disabled")

    def _call(self, hall_id: str, call_id: object, avatar: int) -> tuple[Call, Side]:
        """The caller's call in this hall and their side in it (else unknown_call)."""
        call, side = self.book.of_avatar(call_id, avatar)
        if call.hall_id != hall_id:
            raise NotFound("no such call", code="unknown_call")
        return call, side

    async def _answer(self, live: _Live, leg: _Leg, sdp: str) -> None:
        pc = leg.pc
        # Transceivers made before the offer is applied, so that only the codecs the
        # relay forwards are negotiated: Opus and VP8, the same on both legs (a
        # packet cannot be forwarded from an Opus leg to a G.711 one).
        kinds = ["audio"] + (["video"] if live.call.video and "\nm=video " in sdp else [])
        for kind in kinds:
            transceiver = pc.addTransceiver(kind, direction="sendrecv")
            transceiver.setCodecPreferences(_relay_codecs(kind))
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        except Exception as exc:
            raise InvalidInput(
                f"the offer cannot be used (the relay needs Opus audio): {exc}"[:240],
                code="bad_sdp",
            ) from None
        for transceiver in pc.getTransceivers():
            kind = transceiver.kind
            if kind not in kinds or kind in leg.receivers or transceiver.mid is None:
                continue
            leg.receivers[kind] = transceiver.receiver
            passthrough.tap_receiver(transceiver.receiver, kind, self._forward(live, leg, kind))
            size = self.settings.audio_buffer if kind == "audio" else self.settings.video_buffer
            track = passthrough.ForwardTrack(kind, size)
            leg.out[kind] = track
            transceiver.sender.replaceTrack(track)
            if kind == "video":
                passthrough.on_keyframe_request(
                    transceiver.sender, self._keyframe_for(live, leg.side)
                )
        if "audio" not in leg.receivers:
            raise InvalidInput("the offer has no audio", code="bad_sdp")

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState == "failed" and live.legs.get(leg.side) is leg:
                await self._end(live.call, "connection_lost", by=leg.side.value)

        try:
            answer = await pc.createAnswer()
            with ice.host_addresses(self.settings.host_addresses):
                await pc.setLocalDescription(answer)
        except Exception as exc:
            raise InvalidInput(
                f"no common codec or transport with the offer: {exc}"[:240], code="bad_sdp"
            ) from None

    def _forward(
        self, live: _Live, leg: _Leg, kind: str
    ) -> Callable[[bytes, int, int | None, int], None]:
        side = leg.side
        other_side = _other(side)
        timeline = live.timeline(side, kind)

        def on_packet(payload: bytes, ts: int, level: int | None, ssrc: int) -> None:
            if live.legs.get(side) is not leg:
                return  # a replaced leg still delivering its last packets
            now = time.monotonic()
            pts = timeline.map(leg.serial, ts, now)
            other = live.legs.get(other_side)
            if other is not None:
                track = other.out.get(kind)
                if track is not None:
                    track.put(payload, pts)
            if kind == "audio":
                recorder = live.recorders.get(side)
                if recorder is not None:
                    recorder.write(payload, pts, now)
                if level is not None:
                    change = leg.speaking.level(level, now)
                    if change is not None:
                        self._set_speaking(live.call, leg.avatar, change)

        return on_packet

    def _keyframe_for(self, live: _Live, viewer: Side) -> Callable[[], None]:
        def handler() -> None:
            source = live.legs.get(_other(viewer))
            if source is not None and "video" in source.receivers:
                self._spawn(passthrough.request_keyframe(source.receivers["video"]))

        return handler

    def _start_recording(self, live: _Live) -> None:
        call = live.call
        day = time.strftime("%Y-%m-%d", time.gmtime(self.clock()))
        folder = self.settings.recordings_dir / call.hall_id / day
        for n, side in enumerate((Side.CITIZEN, Side.STAFF)):
            path = folder / f"{call.call_id}-{side.value}.ogg"
            live.recorders[side] = _Recorder(path, hash((call.call_id, n)), live.started)

    def _invite_staff(self, call: Call) -> None:
        if call.state is not CallState.ACTIVE:
            return
        # Not to a bot: it answers in the session's chat channel, not by voice.
        self._send_to(
            call,
            call.staff,
            {
                "type": "call_invite",
                **call.to_json(),
                "side": "staff",
                "ice_servers": list(self.settings.ice_servers),
            },
        )

    def _tell_state(self, call: Call) -> None:
        live = self._live.get(call.call_id)
        legs = {s.value: (s in live.legs) for s in Side} if live else {}
        self._tell_people(call, {"type": "call_state", **call.to_json(), "connected": legs})

    def _tell_people(self, call: Call, body: dict[str, Any]) -> None:
        """Send ``body`` to the citizen and to a staff member who is a person."""
        for party in (call.citizen, call.staff):
            self._send_to(call, party, body)

    def _send_to(self, call: Call, party: Party, body: dict[str, Any]) -> None:
        if party.talks and party.avatar is not None:
            self._send(call, party.avatar, body)

    async def _end(self, call: Call, reason: str, *, by: str | None = None) -> None:
        now = self.clock()
        if not self.book.end(call, reason, now):
            return
        live = self._live.pop(call.call_id, None)
        files: list[RecordingFile] = []
        if live is not None:
            for leg in list(live.legs.values()):
                await self._close_leg(live, leg)
            files = self._finish_recordings(live)
            await self._audit_end(call, files, reason, by, now)
        # Told last, so that whoever hears "ended" finds the audit trail complete.
        self._tell_people(call, {"type": "call_ended", "call_id": call.call_id, "reason": reason})

    async def _audit_end(
        self,
        call: Call,
        files: list[RecordingFile],
        reason: str,
        by: str | None,
        now: float,
    ) -> None:
        started = call.started_at or now
        await self._audit(
            call,
            "call_ended",
            "system",
            "calls",
            {
                "call_id": call.call_id,
                "reason": reason,
                "by": by,
                "duration_s": round(now - started, 1),
                "staff": call.staff_history,
            },
        )
        if files:
            await self.log.recording_finished(call.call_id, files, now)
            await self._audit(
                call,
                "call_recording_finished",
                "system",
                "calls",
                {
                    "call_id": call.call_id,
                    "files": [
                        {
                            "side": f.side,
                            "file": Path(f.path).name,
                            "duration_s": f.duration_s,
                            "bytes": f.size_bytes,
                            "sha256": f.sha256,
                        }
                        for f in files
                    ],
                },
            )

    def _finish_recordings(self, live: _Live) -> list[RecordingFile]:
        done = []
        for side, recorder in live.recorders.items():
            duration = recorder.close()
            size, digest = file_digest(recorder.path)
            done.append(
                RecordingFile(side.value, str(recorder.path), round(duration, 2), size, digest)
            )
        live.recorders.clear()
        return done

    async def _close_leg(self, live: _Live, leg: _Leg) -> None:
        if live.legs.get(leg.side) is leg:
            del live.legs[leg.side]
        if leg.speaking.speaking:
            leg.speaking.speaking = False
            self._set_speaking(live.call, leg.avatar, False)
        for track in leg.out.values():
            track.stop()
        await self._close_pc(leg.pc)

    async def _close_pc(self, pc: RTCPeerConnection) -> None:
        try:
            await pc.close()
        except Exception:
            log.exception("closing a call peer failed")
        finally:
            self._pcs.discard(pc)

    def _set_speaking(self, call: Call, avatar: int, speaking: bool) -> None:
        entry = self._halls.get(call.hall_id)
        if entry is not None and entry[0].has(avatar):
            entry[0].set_speaking(avatar, speaking)

    async def _poll_speaking(self) -> None:
        while True:
            await asyncio.sleep(_POLL_S)
            now = time.monotonic()
            for live in list(self._live.values()):
                for leg in list(live.legs.values()):
                    if leg.speaking.poll(now) is False:
                        self._set_speaking(live.call, leg.avatar, False)

    def _send(self, call: Call, avatar: int, body: dict[str, Any]) -> None:
        entry = self._halls.get(call.hall_id)
        if entry is None:
            return
        hall, flush = entry
        if hall.has(avatar):
            hall.send(avatar, body)
            flush()

    async def _audit(
        self, call: Call, action: str, role: str, ref: str, details: dict[str, Any]
    ) -> None:
        try:
            await self.log.audit(
                hall_id=call.hall_id,
                at=self.clock(),
                actor_role=role,
                actor_ref=ref,
                action=action,
                ticket_id=call.ticket_id,
                session_id=call.session_id,
                details=details,
            )
        except Exception:
            # The call goes on; the failure is loud in the log (never with personal data).
            log.exception("writing a call audit row failed", extra={"action": action})

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a finished recording, for the audit trail."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(65536):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _relay_codecs(kind: str) -> list[RTCRtpCodecCapability]:
    """The codecs the relay forwards: Opus for audio, VP8 (with its RTX) for video."""
    wanted = ("audio/opus",) if kind == "audio" else ("video/vp8", "video/rtx")
    capabilities = RTCRtpSender.getCapabilities(kind)
    assert capabilities is not None
    return [c for c in capabilities.codecs if c.mimeType.lower() in wanted]


def _other(side: Side) -> Side:
    return Side.STAFF if side is Side.CITIZEN else Side.CITIZEN
