"""Counter calls end to end: real hall server, real aiortc peers on loopback, real packets."""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from sqlalchemy import text

from avatars.model import Flag
from hall_server.db import create_engine
from tests.calls.peers import ClientPeer, connect_leg, metric
from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_counters import enter
from tests.support.client import HallClient
from tests.support.waiting import wait_until

HALL = "mpp-kendari"
# Each party on its own loopback address, so "who learned whose address" can be checked.
SERVER_IP, CITIZEN_IP, OFFICER_IP, OFFICER2_IP = "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"


def call_server(tmp_path: Path, **overrides: Any):
    settings: dict[str, Any] = {
        "max_speed_m_s": 20.0,
        "counter_bots": "never",
        "call_host_addresses": SERVER_IP,
        **overrides,
    }
    return running_server(tmp_path / "data", **settings)


async def citizen_at_counter(
    server: RunningServer, officer: HallClient, counter_id: str = "D1"
) -> tuple[HallClient, dict[str, Any]]:
    """A citizen takes a number, the officer calls it, the citizen walks up: the call invite."""
    citizen = await enter(server, await server.guest_token("Siti"))
    await citizen.send(type="ticket_take", service="KTP-EL")
    await citizen.next("ticket")
    await officer.send(type="call_next", counter_id=counter_id)
    called = await citizen.next("called")
    await citizen.walk_to(tuple(called["counter"]["position"]))
    invite = await citizen.next("call_invite")
    return citizen, invite


async def sees_speaking(screen: HallClient, avatar: int, speaking: bool) -> None:
    """Wait until the frames ``screen`` gets flag ``avatar`` as speaking (or as not speaking)."""

    def flagged() -> bool:
        return avatar in screen.flags and bool(screen.flags[avatar] & Flag.SPEAKING) is speaking

    await wait_until(flagged, 5, f"avatar {avatar} to be shown speaking={speaking}", interval=0.05)


async def voice_sent(peer: ClientPeer, seconds: float) -> None:
    """Wait until ``peer`` has sent ``seconds`` more of its tone (the call runs that long)."""
    target = peer.tone.samples + int(seconds * 48_000)
    await wait_until(
        lambda: peer.tone.samples >= target, 15, f"{seconds} s more of {peer.tone.freq} Hz sent"
    )


async def audit(server: RunningServer, ticket_id: str) -> list[tuple[str, dict[str, Any]]]:
    engine = create_engine(server.settings.resolved_database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT action, details FROM audit_log WHERE ticket_id = :t ORDER BY id"),
                {"t": ticket_id},
            )
            out = []
            for r in rows:
                # A JSON column comes back parsed on PostgreSQL, as text on SQLite.
                details = r.details if isinstance(r.details, dict) else json.loads(r.details)
                out.append((r.action, details))
            return out
    finally:
        await engine.dispose()


async def peers(server: RunningServer) -> float:
    return metric((await server.http.get("/metrics")).text, "hall_call_peers")


async def test_a_counter_call_relays_both_ways_survives_a_hand_over_and_is_recorded(
    tmp_path: Path,
):
    async with call_server(tmp_path) as server:
        officer = await enter(server, await server.staff_token("petugas1"))
        # A spectator overlooks the whole hall, like a supervisor's wall screen.
        screen = await server.join(HALL, await server.guest_token("Layar", "spectator"))
        await officer.send(type="counter_open", counter_id="D1")
        await officer.next("counter_state")
        citizen, invite = await citizen_at_counter(server, officer)
        assert invite["side"] == "citizen" and invite["ice_servers"] == []
        assert "direkam" in invite["consent"]["id"] and "recorded" in invite["consent"]["en"]
        call_id = invite["call_id"]

        await citizen.send(type="call_accept", call_id=call_id, record=True)
        accepted = await citizen.next("call_accepted")
        accepted_at = time.monotonic()
        assert accepted["recording"] is True and accepted["staff"] == "officer"
        staff_invite = await officer.next("call_invite")
        assert staff_invite["call_id"] == call_id and staff_invite["side"] == "staff"

        citizen_peer, officer_peer = ClientPeer(CITIZEN_IP, 440), ClientPeer(OFFICER_IP, 1000)
        await connect_leg(citizen, call_id, citizen_peer)
        await connect_leg(officer, call_id, officer_peer)
        # The citizen's tone reaches the officer, and the officer's the citizen.
        await officer_peer.hears(440)
        await citizen_peer.hears(1000)
        # Neither learned the other's address: each saw only the server's.
        assert citizen_peer.remote_addresses() == {SERVER_IP}
        assert officer_peer.remote_addresses() == {SERVER_IP}
        assert await peers(server) == 2

        # The server reads the audio level off the packets: the citizen's avatar speaks,
        # and stops speaking when the tone stops.
        await sees_speaking(screen, citizen.id, True)
        citizen_peer.tone.amplitude = 0.0
        await sees_speaking(screen, citizen.id, False)
        citizen_peer.tone.amplitude = 0.3
        # Hand-over mid-call: a supervisor takes the counter; the citizen's leg stays up.
        supervisor = await enter(server, await server.staff_token("supervisor"))
        await supervisor.send(type="counter_open", counter_id="D1")
        ended = await officer.next("call_ended")
        assert ended["reason"] == "handed_over"
        await supervisor.next("call_invite", lambda m: m["call_id"] == call_id)
        new_peer = ClientPeer(OFFICER2_IP, 700)
        await connect_leg(supervisor, call_id, new_peer)
        await citizen_peer.hears(700)
        await new_peer.hears(440)
        assert not [m for m in citizen.messages if m["type"] == "call_ended"]
        assert await peers(server) == 2
        # The recording's last second must be the new officer's voice (checked below).
        await voice_sent(new_peer, 1.0)

        await supervisor.send(type="finish", counter_id="D1", outcome="served")
        for person in (citizen, supervisor):
            gone = await person.next("call_ended", lambda m: m["call_id"] == call_id)
            assert gone["reason"] == "session_ended"
        call_s = time.monotonic() - accepted_at
        assert await peers(server) == 0

        rows = await audit(server, invite["ticket_id"])
        actions = [a for a, _ in rows]
        for action in (
            "call_consent",
            "call_recording_started",
            "call_started",
            "call_handed_over",
            "call_ended",
            "call_recording_finished",
        ):
            assert action in actions, actions
        consent = next(d for a, d in rows if a == "call_consent")
        assert consent["record"] == "granted"
        finished = next(d for a, d in rows if a == "call_recording_finished")
        files = {f["side"]: f for f in finished["files"]}
        assert set(files) == {"citizen", "staff"}
        folder = server.settings.resolved_recordings_dir
        for side, tone in (("citizen", 440), ("staff", 700)):
            path = next(folder.rglob(files[side]["file"]))
            with av.open(str(path)) as container:
                pcm = np.concatenate(
                    [f.to_ndarray()[0].astype(np.float64) for f in container.decode(audio=0)]
                )
            seconds = len(pcm) / 48_000
            # Recorded from the citizen's accept to the end, hand-over gap included (as
            # silence), and the file agrees with the audit row.
            assert abs(seconds - call_s) < 1.0, (seconds, call_s)
            assert abs(seconds - files[side]["duration_s"]) < 0.2
            tail = pcm[-48_000:]
            spectrum = np.abs(np.fft.rfft(tail * np.hanning(len(tail))))
            assert abs(np.argmax(spectrum) * 48_000 / len(tail) - tone) < 10
        for peer in (citizen_peer, officer_peer, new_peer):
            await peer.close()
        for person in (citizen, officer, supervisor, screen):
            await person.close()


async def test_bad_signalling_gets_clear_errors_and_leaks_no_peer(tmp_path: Path):
    async with call_server(tmp_path) as server:
        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D1")
        await officer.next("counter_state")
        loner = await enter(server, await server.guest_token("Budi"))

        async def error_for(person: HallClient, **msg: Any) -> dict[str, Any]:
            await person.send(**msg)
            seq = person.seq
            return await person.next("error", lambda m: m.get("ref") == seq)

        # An offer without a counter session (no call to offer into).
        peer = ClientPeer(CITIZEN_IP, 440)
        sdp = await peer.offer()
        err = await error_for(loner, type="call_offer", call_id="nope", sdp=sdp)
        assert err["code"] == "unknown_call"
        err = await error_for(loner, type="call_ice", call_id="nope", candidate=None)
        assert err["code"] == "unknown_call"

        citizen, invite = await citizen_at_counter(server, officer)
        call_id = invite["call_id"]
        # Someone else's call looks unknown; accepting needs the recording answer.
        err = await error_for(loner, type="call_accept", call_id=call_id, record=True)
        assert err["code"] == "unknown_call"
        err = await error_for(citizen, type="call_accept", call_id=call_id)
        assert err["code"] == "bad_type" and "record" in err["message"]
        err = await error_for(citizen, type="call_offer", call_id=call_id, sdp=sdp)
        assert err["code"] == "call_not_accepted"
        err = await error_for(officer, type="call_accept", call_id=call_id, record=True)
        assert err["code"] == "forbidden"
        await citizen.send(type="call_accept", call_id=call_id, record=False)
        accepted = await citizen.next("call_accepted")
        assert accepted["recording"] is False
        # A second call for the same session.
        err = await error_for(citizen, type="call_accept", call_id=call_id, record=True)
        assert err["code"] == "call_exists"

        before = await peers(server)
        for bad in (
            "not an sdp",
            "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
            sdp.replace("a=fingerprint:", "a=fingerprnt:"),
            sdp.replace("opus/48000/2", "nonsense/8000"),
            "v=0\r\n" + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 00\r\n",
        ):
            err = await error_for(citizen, type="call_offer", call_id=call_id, sdp=bad)
            assert err["code"] == "bad_sdp", err
        # Too large to read at all: no "ref", since the message is not parsed.
        await citizen.send(type="call_offer", call_id=call_id, sdp="x" * 20_000)
        err = await citizen.next("error", lambda m: m["code"] == "too_large")
        assert "limit" in err["message"]
        err = await error_for(citizen, type="call_offer", call_id=call_id, sdp=12)
        assert err["code"] == "bad_type"
        assert await peers(server) == before
        # Candidates before the offer, and malformed ones.
        err = await error_for(
            citizen, type="call_ice", call_id=call_id, candidate={"candidate": "candidate:1"}
        )
        assert err["code"] in ("no_offer", "bad_candidate")

        await connect_leg(citizen, call_id, peer)
        assert await peers(server) == before + 1
        err = await error_for(citizen, type="call_offer", call_id=call_id, sdp=sdp)
        assert err["code"] == "call_exists"
        err = await error_for(
            citizen, type="call_ice", call_id=call_id, candidate={"candidate": "candidate:1 2"}
        )
        assert err["code"] == "bad_candidate"
        err = await error_for(citizen, type="call_ice", call_id=call_id, candidate="x")
        assert err["code"] == "bad_type"
        # A well-formed candidate is taken; end-of-candidates too.
        await citizen.send(
            type="call_ice",
            call_id=call_id,
            candidate={
                "candidate": "candidate:1 1 udp 2130706431 127.0.0.2 40000 typ host",
                "sdpMid": "0",
                "sdpMLineIndex": 0,
            },
        )
        await citizen.send(type="call_ice", call_id=call_id, candidate=None)
        assert await peers(server) == before + 1
        # The connection is still fine after all that: ping answers.
        await citizen.send(type="ping")
        await citizen.next("pong")

        await citizen.send(type="call_hangup", call_id=call_id)
        await citizen.next("call_ended", lambda m: m["reason"] == "hangup")
        await officer.next("call_ended", lambda m: m["reason"] == "hangup")
        assert await peers(server) == 0
        err = await error_for(citizen, type="call_hangup", call_id=call_id)
        assert err["code"] == "unknown_call"
        rows = await audit(server, invite["ticket_id"])
        consent = [d for a, d in rows if a == "call_consent"]
        assert consent == [{"call_id": call_id, "record": "refused"}]
        assert "call_recording_started" not in [a for a, _ in rows]
        await peer.close()
        for person in (citizen, officer, loner):
            await person.close()


async def test_capacity_answers_busy_instead_of_degrading(tmp_path: Path):
    async with call_server(tmp_path, call_max_concurrent=1) as server:
        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D1")
        await officer.next("counter_state")
        other = await enter(server, await server.staff_token("petugas2"))
        await other.send(type="counter_open", counter_id="D2")
        await other.next("counter_state")
        first, invite1 = await citizen_at_counter(server, officer, "D1")
        await first.send(type="call_accept", call_id=invite1["call_id"], record=False)
        await first.next("call_accepted")
        second, invite2 = await citizen_at_counter(server, other, "D2")
        await second.send(type="call_accept", call_id=invite2["call_id"], record=False, seq=1)
        err = await second.next("error")
        assert err["code"] == "calls_busy" and "try again" in err["message"]
        # Once a line is free, the same invitation can be accepted.
        await first.send(type="call_hangup", call_id=invite1["call_id"])
        await first.next("call_ended")
        await second.send(type="call_accept", call_id=invite2["call_id"], record=False)
        await second.next("call_accepted")
        for person in (first, second, officer, other):
            await person.close()


async def test_recordings_are_deleted_when_their_retention_ends(tmp_path: Path):
    async with call_server(tmp_path, recording_retention_s=2.0, recording_sweep_s=0.5) as server:
        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D1")
        await officer.next("counter_state")
        citizen, invite = await citizen_at_counter(server, officer)
        call_id = invite["call_id"]
        await citizen.send(type="call_accept", call_id=call_id, record=True)
        await citizen.next("call_accepted")
        peer = ClientPeer(CITIZEN_IP, 440)
        await connect_leg(citizen, call_id, peer)
        await voice_sent(peer, 1.0)  # something to record
        await officer.send(type="finish", counter_id="D1", outcome="served")
        await citizen.next("call_ended")
        folder = server.settings.resolved_recordings_dir
        files = list(folder.rglob(f"{call_id}-*.ogg"))
        assert len(files) == 2
        await wait_until(
            lambda: not any(f.exists() for f in files), 10, "the recordings deleted", 0.2
        )

        async def both_deletions_audited() -> list[dict[str, Any]] | None:
            rows = await audit(server, invite["ticket_id"])
            deleted = [d for a, d in rows if a == "call_recording_deleted"]
            return deleted if len(deleted) == 2 else None

        deleted = await wait_until(both_deletions_audited, 5, "two deletions in the audit", 0.2)
        assert {d["side"] for d in deleted} == {"citizen", "staff"}
        await peer.close()
        await citizen.close()
        await officer.close()


class Colour(MediaStreamTrack):
    """A camera that shows one colour (160x120, 15 frames per second)."""

    kind = "video"

    def __init__(self, rgb: tuple[int, int, int]) -> None:
        super().__init__()
        self.rgb = rgb
        self.n = 0

    async def recv(self) -> av.VideoFrame:
        await asyncio.sleep(1 / 15)  # paces the frames like a camera (15 per second)
        image = np.zeros((120, 160, 3), dtype=np.uint8)
        image[:, :] = self.rgb
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts, frame.time_base = self.n * 6000, fractions.Fraction(1, 90_000)
        self.n += 1
        return frame


class VideoPeer(ClientPeer):
    """A ClientPeer with a camera too; remembers the mean colour of the frames it gets."""

    def __init__(self, address: str, freq: float, rgb: tuple[int, int, int]) -> None:
        super().__init__(address, freq)
        self.camera = Colour(rgb)
        self.pc.addTrack(self.camera)
        self.colours: list[np.ndarray] = []

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind != "video":
            super()._on_track(track)
            return

        async def pump() -> None:
            with contextlib.suppress(MediaStreamError):
                while True:
                    frame = await track.recv()
                    self.colours.append(frame.to_ndarray(format="rgb24").mean(axis=(0, 1)))

        self._pumps.append(asyncio.ensure_future(pump()))

    async def sees(self, rgb: tuple[int, int, int], timeout: float = 15.0) -> None:
        def seen() -> bool:
            return bool(self.colours) and bool(np.abs(self.colours[-1] - rgb).max() <= 40)

        await wait_until(seen, timeout, f"the colour {rgb}", interval=0.1)


async def test_video_flows_when_both_sides_send_it(tmp_path: Path):
    async with call_server(tmp_path) as server:
        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D1")
        await officer.next("counter_state")
        citizen, invite = await citizen_at_counter(server, officer)
        call_id = invite["call_id"]
        await citizen.send(type="call_accept", call_id=call_id, record=False, video=True)
        assert (await citizen.next("call_accepted"))["video"] is True
        await officer.next("call_invite")
        red, blue = (
            VideoPeer(CITIZEN_IP, 440, (220, 30, 30)),
            VideoPeer(OFFICER_IP, 1000, (30, 30, 220)),
        )
        await connect_leg(citizen, call_id, red)
        # The officer's leg joins while the citizen already sends: a keyframe is asked for.
        sent = red.camera.n
        await wait_until(lambda: red.camera.n >= sent + 15, 15, "the citizen's camera to send")
        await connect_leg(officer, call_id, blue)
        await blue.sees((220, 30, 30))
        await red.sees((30, 30, 220))
        await blue.hears(440)
        for peer in (red, blue):
            await peer.close()
        for person in (citizen, officer):
            await person.close()
