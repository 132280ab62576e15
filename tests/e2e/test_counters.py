"""Counters end to end over real WebSockets, on SQLite and on PostgreSQL (a real server)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hall_server.db import create_engine
from scenes.bundled import load_demo_scene
from tests.e2e.server import RunningServer, running_server
from tests.helpers import NIB_FORM
from tests.servers import fresh_postgres_database
from tests.support.client import HallClient
from tests.support.waiting import wait_until

HALL = "mpp-kendari"
SCENE = load_demo_scene()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str | None]:
    if request.param == "sqlite":
        yield None  # the default: a SQLite file under the data dir
        return
    async with fresh_postgres_database("hall_counters") as url:
        yield url


def hall_server(tmp_path: Path, database_url: str | None, **overrides: Any):
    return running_server(
        tmp_path / "data", database_url=database_url, max_speed_m_s=20.0, **overrides
    )


async def enter(server: RunningServer, token: str) -> HallClient:
    return await server.join(HALL, token)


async def audit_actions(server: RunningServer, ticket_id: str) -> list[str]:
    engine = create_engine(server.settings.resolved_database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT action FROM audit_log WHERE ticket_id = :t ORDER BY id"),
                {"t": ticket_id},
            )
            return [r.action for r in rows]
    finally:
        await engine.dispose()


async def test_a_citizen_takes_a_number_an_officer_calls_they_chat_and_the_officer_finishes(
    tmp_path: Path, database_url: str | None
):
    async with hall_server(tmp_path, database_url, counter_bots="never") as server:
        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D1")
        state = await officer.next("counter_state")
        assert state["status"] == "open" and state["staffed_by"] == "officer"

        citizen = await enter(server, await server.guest_token("Siti"))
        await citizen.send(type="ticket_take", service="KTP-EL")
        ticket = await citizen.next("ticket")
        assert ticket["number"] == "A-001" and ticket["state"] == "waiting"
        assert (
            ticket["position"] == 1
            and 0 <= ticket["estimate"]["low_s"] <= ticket["estimate"]["high_s"]
        )

        await officer.send(type="call_next", counter_id="D1")
        called = await citizen.next("called")
        assert called["number"] == "A-001" and called["counter"]["id"] == "D1"
        board = (await server.http.get(f"/api/v1/halls/{HALL}/board")).json()
        assert {
            "counter_id": "D1",
            "number": "A-001",
            "service": "KTP-EL",
            "state": "called",
        } in board["now_serving"]

        await citizen.walk_to(tuple(called["counter"]["position"]))
        session = await citizen.next("counter_session")
        assert session["staffed_by"] == "officer" and session["counter_id"] == "D1"
        await officer.next("counter_session")
        await citizen.send(
            type="chat", channel=session["channel"], text="Saya mau ganti KTP yang hilang"
        )
        line = await officer.next("chat", lambda m: m["channel"] == session["channel"])
        assert line["text"] == "Saya mau ganti KTP yang hilang"

        await officer.send(type="finish", counter_id="D1", outcome="served")
        ended = await citizen.next("session_ended")
        assert ended["outcome"] == "served"
        await citizen.next("ticket", lambda m: m["state"] == "done")
        actions = await audit_actions(server, ticket["ticket_id"])
        for action in (
            "ticket_taken",
            "called",
            "service_started",
            "session_started",
            "finished",
            "session_ended",
        ):
            assert action in actions
        await citizen.close()
        await officer.close()


async def test_with_no_officer_on_duty_a_bot_serves_and_completes_a_bot_capable_service(
    tmp_path: Path, database_url: str | None
):
    async with hall_server(tmp_path, database_url, counter_bots="always") as server:
        citizen = await enter(server, await server.citizen_token(str(NIB_FORM["nik"]), "Siti"))
        await citizen.send(type="ticket_take", service="NIB")
        ticket = await citizen.next("ticket")
        assert ticket["number"].startswith("G-")
        called = await citizen.next("called")
        assert called["counter"]["id"].startswith("P")
        await citizen.walk_to(tuple(called["counter"]["position"]))
        session = await citizen.next("counter_session")
        assert session["staffed_by"] == "bot"
        greeting = await citizen.next("chat", lambda m: m["channel"] == session["channel"])
        assert "Selamat datang" in greeting["text"] and "Welcome" in greeting["text_en"]

        await citizen.send(type="form_update", fields={**NIB_FORM, "no_hp": "12"})
        result = await citizen.next("form_result")
        assert set(result["errors"]) == {"no_hp"}
        await citizen.send(type="form_update", fields={"no_hp": "081234567890"})
        await citizen.next("form_result", lambda m: m["errors"] == {})
        await citizen.send(type="documents_show", requirements=["ktp_el", "kontak", "data_usaha"])
        filed = await citizen.next("application_filed")
        assert filed["status"] == "queued" and filed["review"] == "none"
        assert filed["fee_idr"] == 0
        assert filed["tracking_code"].startswith("MPP-")
        ended = await citizen.next("session_ended")
        assert ended["outcome"] == "served"
        await citizen.close()


async def test_a_bot_hands_a_citizen_over_to_an_officer_with_the_whole_case(
    tmp_path: Path, database_url: str | None
):
    async with hall_server(tmp_path, database_url, counter_bots="always") as server:
        citizen = await enter(server, await server.citizen_token(str(NIB_FORM["nik"]), "Siti"))
        await citizen.send(type="ticket_take", service="REKLAME")
        called = await citizen.next("called")
        counter_id = called["counter"]["id"]
        await citizen.walk_to(tuple(called["counter"]["position"]))
        session = await citizen.next("counter_session")
        assert session["staffed_by"] == "bot"
        await citizen.send(type="chat", channel=session["channel"], text="Mau pasang baliho")
        await citizen.send(type="form_update", fields={"nama_lengkap": "Siti Aminah"})
        await citizen.next("form_result")

        officer = await enter(server, await server.staff_token("petugas2"))
        await officer.send(type="counter_open", counter_id=counter_id)
        case = await officer.next("counter_session")
        assert case["session_id"] == session["session_id"]
        assert case["form"].get("nama_lengkap") == "Siti Aminah" and case["staffed_by"] == "officer"
        await citizen.next("counter_session", lambda m: m["staffed_by"] == "officer")
        await officer.next("channel_opened", lambda m: m["channel"] == session["channel"])
        await citizen.send(type="chat", channel=session["channel"], text="Halo Pak")
        await officer.next("chat", lambda m: m["text"] == "Halo Pak")

        await officer.send(
            type="finish", counter_id=counter_id, outcome="referred", reason="perlu survei lokasi"
        )
        ended = await citizen.next("session_ended")
        assert ended["outcome"] == "referred" and ended["reason"] == "perlu survei lokasi"
        actions = await audit_actions(server, session["ticket_id"])
        assert "counter_handed_over" in actions and "handed_over" in actions
        await citizen.close()
        await officer.close()


async def test_a_restart_mid_queue_loses_nothing(tmp_path: Path, database_url: str | None):
    tokens = []
    async with hall_server(tmp_path, database_url, counter_bots="never") as server:
        for name in ("Andi", "Budi"):
            token = await server.guest_token(name)
            tokens.append(token)
            person = await enter(server, token)
            await person.send(type="ticket_take", service="KK")
            await person.next("ticket")
            await person.close()
    async with hall_server(tmp_path, database_url, counter_bots="never") as server:
        # Each citizen comes back and is told where their ticket stands.
        andi = await enter(server, tokens[0])
        budi = await enter(server, tokens[1])
        a, b = await andi.next("ticket"), await budi.next("ticket")
        assert (a["number"], a["position"]) == ("B-001", 1)
        assert (b["number"], b["position"]) == ("B-002", 2)
        cita = await enter(server, await server.guest_token("Cita"))
        await cita.send(type="ticket_take", service="KK")
        assert (await cita.next("ticket"))["number"] == "B-003"
        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D2")
        await officer.send(type="call_next", counter_id="D2")
        assert (await andi.next("called"))["number"] == "B-001"
        for person in (andi, budi, cita, officer):
            await person.close()


async def test_counter_actions_are_for_staff_and_bad_requests_are_named(tmp_path: Path):
    async with hall_server(tmp_path, None, counter_bots="never") as server:
        citizen = await enter(server, await server.guest_token("Siti"))
        for msg, code in (
            ({"type": "call_next", "counter_id": "D1"}, "staff_only"),
            ({"type": "ticket_take", "service": "PASPOR"}, "unknown_service"),
            ({"type": "ticket_take", "service": "KK", "priority": "elderly"}, "not_elderly"),
            ({"type": "ticket_take", "service": "KK", "priority": "vip"}, "bad_value"),
            ({"type": "ticket_cancel", "ticket_id": "nope"}, "unknown_ticket"),
            ({"type": "form_update", "fields": {"a": 1}}, "unknown_session"),
        ):
            await citizen.send(**msg)
            error = await citizen.next("error", lambda m, s=citizen.seq: m.get("ref") == s)
            assert error["code"] == code, msg
        await citizen.send(type="ticket_take", service="KK", priority="pregnant")
        ticket = await citizen.next("ticket")
        assert ticket["priority"] == "pregnant"
        # Taking a number again for the same service gives back the live ticket, once.
        await citizen.send(type="ticket_take", service="KK")
        again = await citizen.next("ticket", lambda m, s=citizen.seq: m.get("ref") == s)
        assert again["ticket_id"] == ticket["ticket_id"] and again["number"] == ticket["number"]
        await citizen.send(type="ticket_cancel", ticket_id=ticket["ticket_id"])
        await citizen.next("ticket", lambda m: m["state"] == "cancelled")
        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="call_next", counter_id="D9")
        assert (await officer.next("error"))["code"] == "unknown_counter"
        await citizen.close()
        await officer.close()


async def test_in_the_demo_simulated_citizens_take_numbers_and_the_board_feed_moves(tmp_path: Path):
    async with hall_server(tmp_path, None, demo_citizens=12, demo_ticket_chance=0.5) as server:
        feed = await HallClient.connect(f"ws://127.0.0.1:{server.port}/ws/v1/halls/{HALL}/board")
        await feed.next("board", lambda b: b["now_serving"], timeout=20)
        boards = feed.messages
        assert boards[0]["type"] == "board" and boards[0]["hall"] == HALL
        serving = next(b for b in boards if b["now_serving"])["now_serving"][0]
        assert serving["number"][0].isalpha() and serving["state"] in ("called", "serving")
        await feed.close()
        supervisor = await enter(server, await server.staff_token("supervisor"))
        await supervisor.send(type="queues")
        queues = await supervisor.next("queues")
        assert {c["counter_id"] for c in queues["counters"]} == {c.id for c in SCENE.counters}
        assert all(c["staffed_by"] == "bot" for c in queues["counters"])
        await supervisor.close()


async def test_appointments_park_unpark_and_transfer(tmp_path: Path):
    import time as wall

    async with hall_server(tmp_path, None, counter_bots="never") as server:
        citizen = await enter(server, await server.guest_token("Siti"))
        await citizen.send(type="ticket_take", service="AKTA-LAHIR", appointment_at=wall.time() + 2)
        booked = await citizen.next("ticket")
        assert booked["state"] == "booked" and booked["number"] is None
        await citizen.send(type="check_in", ticket_id=booked["ticket_id"])
        waiting = await citizen.next("ticket", lambda m: m["state"] == "waiting")
        assert waiting["number"] == "C-001"

        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D4")

        # A booking is called from its booked time on: call until it is (no fixed sleep).
        async def call_next() -> list[dict[str, Any]]:
            empty = len(officer.of_type("queue_empty"))
            await officer.send(type="call_next", counter_id="D4")
            await wait_until(
                lambda: citizen.of_type("called") or len(officer.of_type("queue_empty")) > empty,
                what="the answer to call_next",
            )
            return citizen.of_type("called")

        await wait_until(call_next, what="the booking to be called", interval=0.2)
        first_call = await citizen.next("called")
        await officer.send(type="park", counter_id="D4", reason="menunggu dokumen")
        await citizen.next("ticket", lambda m: m["state"] == "parked")
        await officer.send(type="unpark", counter_id="D4", ticket_id=booked["ticket_id"])
        await citizen.next("ticket", lambda m: m["state"] == "waiting" and m is not waiting)
        await officer.send(type="call_next", counter_id="D4")
        await citizen.next("called", lambda m: m["recalls"] == 0 and m is not first_call)
        await officer.send(type="transfer", counter_id="D4", service="PINDAH-DATANG")
        moved = await citizen.next("ticket", lambda m: m["service"] == "PINDAH-DATANG")
        assert (
            moved["number"] == "C-001" and moved["state"] == "waiting"
        )  # keeps its number and place
        actions = await audit_actions(server, booked["ticket_id"])
        for action in ("appointment_booked", "checked_in", "parked", "unparked", "transferred"):
            assert action in actions
        await citizen.close()
        await officer.close()
