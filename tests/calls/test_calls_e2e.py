"""Counter calls end to end: real hall server, real aiortc peers on loopback, real packets."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import av
import numpy as np
from sqlalchemy import text

from hall_server.db import create_engine
from tests.calls.peers import ClientPeer, connect_leg, metric
from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_counters import Person, enter

HALL = "mpp-kendari"
# Each party on its own loopback address, so "who learned whose address" can be checked.
SERVER_IP, CITIZEN_IP, OFFICER_IP, OFFICER2_IP = "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"


def call_server(tmp_path: Path, **overrides: Any):
    return running_server(
        tmp_path / "data",
        max_speed_m_s=20.0,
        counter_bots="never",
        call_host_addresses=SERVER_IP,
        **overrides,
    )


async def citizen_at_counter(
    server: RunningServer, officer: Person, counter_id: str = "D1"
) -> tuple[Person, dict[str, Any]]:
    """A citizen takes a number, the officer calls it, the citizen walks up: the call invite."""
    citizen = await enter(server, await server.guest_token("Siti"))
    await citizen.send(type="ticket_take", service="KTP-EL")
    await citizen.next("ticket")
    await officer.send(type="call_next", counter_id=counter_id)
    called = await citizen.next("called")
    await citizen.walk_to(tuple(called["counter"]["position"]))
    invite = await citizen.next("call_invite")
    return citizen, invite


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
                details = (
                    r.details
                    if isinstance(r.details, dict)
                    else __import__("json").loads(r.details)
                )
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
        await officer.send(type="counter_open", counter_id="D1")
        await officer.next("counter_state")
        citizen, invite = await citizen_at_counter(server, officer)
        assert invite["side"] == "citizen" and invite["ice_servers"] == []
        assert "direkam" in invite["consent"]["id"] and "recorded" in invite["consent"]["en"]
        call_id = invite["call_id"]

        await citizen.send(type="call_accept", call_id=call_id, record=True)
        accepted = await citizen.next("call_accepted")
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

        # The server reads the audio level off the packets: the citizen's avatar speaks.
        await asyncio.sleep(0.3)
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
        await asyncio.sleep(1.0)

        await supervisor.send(type="finish", counter_id="D1", outcome="served")
        for person in (citizen, supervisor):
            gone = await person.next("call_ended", lambda m: m["call_id"] == call_id)
            assert gone["reason"] == "session_ended"
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
            # Recorded from the citizen's accept to the end: a few seconds, not zero, and
            # the file agrees with the audit row.
            assert 2.0 < seconds < 30.0, seconds
            assert abs(seconds - files[side]["duration_s"]) < 0.2
            tail = pcm[-48_000:]
            spectrum = np.abs(np.fft.rfft(tail * np.hanning(len(tail))))
            assert abs(np.argmax(spectrum) * 48_000 / len(tail) - tone) < 10
        for peer in (citizen_peer, officer_peer, new_peer):
            await peer.close()
        for person in (citizen, officer, supervisor):
            await person.close()
