"""A call is offered only when a person staffs the counter (issue 11).

With a bot the citizen is never invited (nobody to speak to, nothing recorded);
an officer who takes the session over from the bot brings the call with them,
consent asked first; when the officer drops past the grace and a bot takes the
session back, the call ends with ``officer_left`` and no new call comes.
"""

from __future__ import annotations

from pathlib import Path

from tests.calls.peers import ClientPeer, connect_leg
from tests.calls.test_calls_e2e import CITIZEN_IP, OFFICER_IP, call_server, peers
from tests.e2e.test_counters import enter
from tests.support.waiting import wait_until


async def test_a_bot_offers_no_call_an_officer_who_takes_over_does_and_the_call_ends_with_them(
    tmp_path: Path,
):
    async with call_server(tmp_path, counter_bots="always", counter_officer_grace_s=1.0) as server:
        citizen = await enter(server, await server.guest_token("Siti"))
        await citizen.send(type="ticket_take", service="NIB")
        called = await citizen.next("called")
        counter_id = called["counter"]["id"]
        await citizen.walk_to(tuple(called["counter"]["position"]))
        session = await citizen.next("counter_session")
        assert session["staffed_by"] == "bot" and session["call"] is None
        await citizen.next("chat", lambda m: m["channel"] == session["channel"])
        # A later round trip: anything the session's opening sent has arrived by now.
        await citizen.send(type="ticket_take", service="NIB")
        await citizen.next("ticket", lambda m: m.get("ref") == citizen.seq)
        assert citizen.of_type("call_invite") == []
        assert await peers(server) == 0

        # An officer takes the counter with the session: now the citizen is invited,
        # with the recording question; the officer only once the citizen accepted.
        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id=counter_id)
        await officer.next("counter_session", lambda m: m["staffed_by"] == "officer")
        invite = await citizen.next("call_invite", timeout=15)
        assert invite["staff"] == "officer" and invite["side"] == "citizen"
        assert "direkam" in invite["consent"]["id"]
        assert officer.of_type("call_invite") == []
        await citizen.send(type="call_accept", call_id=invite["call_id"], record=False)
        await citizen.next("call_accepted")
        staff_invite = await officer.next("call_invite")
        assert staff_invite["call_id"] == invite["call_id"] and staff_invite["side"] == "staff"
        citizen_peer, officer_peer = ClientPeer(CITIZEN_IP, 440), ClientPeer(OFFICER_IP, 1000)
        await connect_leg(citizen, invite["call_id"], citizen_peer)
        await connect_leg(officer, invite["call_id"], officer_peer)
        await officer_peer.hears(440)
        await citizen_peer.hears(1000)

        # The officer drops and does not come back within the grace: a bot takes the
        # session, the call ends with a reason the page can show, and no new call comes.
        async def no_peers() -> bool:
            return await peers(server) == 0

        await officer.close()
        ended = await citizen.next("call_ended", timeout=15)
        assert ended == {
            "type": "call_ended",
            "call_id": invite["call_id"],
            "reason": "officer_left",
        }
        await citizen.next("counter_session", lambda m: m["staffed_by"] == "bot")
        await wait_until(no_peers, 10, "every call peer closed", 0.1)
        await citizen.send(type="ticket_take", service="NIB")
        await citizen.next("ticket", lambda m: m.get("ref") == citizen.seq)
        assert len(citizen.of_type("call_invite")) == 1
        for peer in (citizen_peer, officer_peer):
            await peer.close()
        await citizen.close()
