"""The four harms of "Counters as a pure core", end to end over real sockets.

Each failed on the hub before the floor: counters stuck behind a citizen or an
officer who left, a ticket that did not follow its citizen, and filing in
someone else's name.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from hall_server.db import create_engine
from tests.e2e.test_counters import HALL, enter, hall_server
from tests.helpers import NIB_FORM
from tests.support.waiting import wait_until

OTHER_NIK = "7371011708850002"


async def board(server) -> dict:  # type: ignore[no-untyped-def]
    return dict((await server.http.get(f"/api/v1/halls/{HALL}/board")).json())


async def test_a_counter_is_freed_when_its_citizen_closes_the_tab_during_a_bot_session(
    tmp_path: Path,
):
    async with hall_server(tmp_path, None, counter_citizen_left_s=2.0) as server:
        siti = await enter(server, await server.citizen_token(str(NIB_FORM["nik"])))
        await siti.send(type="ticket_take", service="KK")
        called = await siti.next("called")
        counter = called["counter"]["id"]
        await siti.walk_to(tuple(called["counter"]["position"]))
        await siti.next("counter_session")
        assert any(s["counter_id"] == counter for s in (await board(server))["now_serving"])
        await siti.close()  # the tab closes; no leave message

        async def freed() -> bool:
            return not any(s["counter_id"] == counter for s in (await board(server))["now_serving"])

        await wait_until(freed, 20, "the counter to be freed", interval=0.1)


async def test_an_officer_who_disconnects_is_replaced_by_the_bot_after_the_grace_period(
    tmp_path: Path,
):
    async with hall_server(tmp_path, None, counter_officer_grace_s=2.0) as server:
        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D1")
        assert (await officer.next("counter_state"))["staffed_by"] == "officer"
        await officer.close()
        supervisor = await enter(server, await server.staff_token("supervisor"))

        async def bot_is_back() -> bool:
            await supervisor.send(type="queues")
            seq = supervisor.seq
            queues = await supervisor.next("queues", lambda m: m.get("ref") == seq)
            d1 = next(c for c in queues["counters"] if c["counter_id"] == "D1")
            return bool(d1["staffed_by"] == "bot")

        await wait_until(bot_is_back, 20, "the bot to staff D1 again", interval=0.1)
        await supervisor.close()


async def test_a_ticket_follows_its_citizen_to_a_new_connection_and_is_never_doubled(
    tmp_path: Path,
):
    async with hall_server(tmp_path, None, counter_bots="never") as server:
        token = await server.citizen_token(str(NIB_FORM["nik"]))
        first = await enter(server, token)
        await first.send(type="ticket_take", service="KK")
        ticket = await first.next("ticket")
        await first.close()
        second = await enter(server, token)  # a reload
        back = await second.next("ticket")
        assert back["ticket_id"] == ticket["ticket_id"] and back["position"] == 1
        await second.send(type="ticket_take", service="KK")
        seq = second.seq
        again = await second.next("ticket", lambda m: m.get("ref") == seq)
        assert again["ticket_id"] == ticket["ticket_id"]
        # A guest's ticket belongs to the guest token: the same token brings it back.
        guest_token = await server.guest_token("Tamu")
        guest = await enter(server, guest_token)
        await guest.send(type="ticket_take", service="KK")
        mine = await guest.next("ticket")
        await guest.close()
        guest = await enter(server, guest_token)
        assert (await guest.next("ticket"))["ticket_id"] == mine["ticket_id"]
        await guest.close()
        await second.close()


async def test_nobody_files_in_another_persons_name(tmp_path: Path):
    async with hall_server(tmp_path, None, counter_bots="always") as server:
        # A guest: may ask, may not file.
        tamu = await enter(server, await server.guest_token("Tamu"))
        await tamu.send(type="ticket_take", service="NIB")
        called = await tamu.next("called")
        await tamu.walk_to(tuple(called["counter"]["position"]))
        await tamu.next("counter_session")
        await tamu.send(type="form_update", fields=NIB_FORM)
        assert (await tamu.next("error"))["code"] == "sign_in_required"
        await tamu.close()
        # A citizen signed in with NIK A cannot put NIK B in the form.
        siti = await enter(server, await server.citizen_token(str(NIB_FORM["nik"])))
        await siti.send(type="ticket_take", service="NIB")
        called = await siti.next("called")
        await siti.walk_to(tuple(called["counter"]["position"]))
        await siti.next("counter_session")
        await siti.send(type="form_update", fields={**NIB_FORM, "nik": OTHER_NIK})
        assert (await siti.next("error"))["code"] == "nik_from_sign_in"
        await siti.send(type="documents_show", requirements=["ktp_el", "kontak", "data_usaha"])
        await siti.next("counter_session")
        await siti.close()
        engine = create_engine(server.settings.resolved_database_url)
        try:
            async with engine.connect() as conn:
                filed = (await conn.execute(text("SELECT count(*) FROM applications"))).scalar()
        finally:
            await engine.dispose()
        assert filed == 0


async def test_every_ts_a_client_gets_is_unix_time_and_replies_carry_ref(tmp_path: Path):
    import time

    async with hall_server(tmp_path, None, counter_bots="always") as server:
        siti = await enter(server, await server.citizen_token(str(NIB_FORM["nik"])))
        await siti.send(type="ping", t=1)
        pong = await siti.next("pong")
        assert pong["ref"] == siti.seq and abs(pong["server_time"] - time.time()) < 5
        await siti.send(type="ticket_take", service="KK")
        seq = siti.seq
        called = await siti.next("called")
        assert next(m.get("ref") for m in siti.messages if m["type"] == "ticket") == seq
        await siti.walk_to(tuple(called["counter"]["position"]))
        session = await siti.next("counter_session")
        bot_line = await siti.next("chat", lambda m: m["channel"] == session["channel"])
        await siti.send(type="chat", channel=session["channel"], text="Halo")
        own_line = await siti.next("chat", lambda m: m["text"] == "Halo")
        for line in (bot_line, own_line):
            assert abs(line["ts"] - time.time()) < 30, line
        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="channel_open", **{"with": [siti.id]})
        opened = await officer.next("channel_opened", lambda m: siti.id in m["members"])
        assert opened["ref"] == officer.seq
        assert "ref" not in await siti.next("channel_opened", lambda m: m == m)
        await siti.close()
        await officer.close()
