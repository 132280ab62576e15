"""Broker signals end to end: numbers taken over the real socket, the flag a supervisor reviews."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import text

from hall_server.db import create_engine
from tests.e2e.server import RunningServer, running_server
from tests.support.waiting import wait_until

HALL = "mpp-kendari"
BROKER_NIK = "7471014501900001"
SERVICES = ("KTP-EL", "KK", "AKTA-LAHIR")


async def rows(server: RunningServer, sql: str) -> list[Any]:
    engine = create_engine(server.settings.resolved_database_url)
    try:
        async with engine.connect() as conn:
            return list(await conn.execute(text(sql)))
    finally:
        await engine.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_broker_taking_numbers_for_many_people_is_flagged_and_a_supervisor_reviews_it(
    tmp_path: Path,
):
    async with running_server(
        tmp_path / "data",
        counter_bots="never",  # nobody calls the numbers: they stay taken
        signals_scan_s=0.5,
        signals_tickets_per_account=3,
        signals_tickets_per_device=3,
    ) as server:
        supervisor = bearer(await server.staff_token("supervisor"))
        broker_token = await server.citizen_token(BROKER_NIK, "Pak Calo")
        broker = await server.join(HALL, broker_token, device="phone-of-the-broker")
        numbers = []
        for service in SERVICES:
            await broker.send(type="ticket_take", service=service)
            numbers.append(await broker.next("ticket", lambda m, s=service: m["service"] == s))
        url = f"/api/v1/halls/{HALL}/signals"

        found: dict[str, dict[str, Any]] = {}

        async def flagged() -> bool:
            r = await server.http.get(url, headers=supervisor)
            r.raise_for_status()
            found.update({f["kind"]: f for f in r.json()["flags"]})
            return {"tickets_account", "tickets_device"} <= found.keys()

        await wait_until(flagged, 60, "the pump to flag the broker")
        flag = found["tickets_account"]
        assert flag["status"] == "open" and flag["count"] == 3 and flag["threshold"] == 3
        assert sorted(flag["evidence"]) == sorted(f"ticket:{t['ticket_id']}" for t in numbers)
        assert flag["details"]["services"] == sorted(SERVICES)
        assert flag["subject"].startswith("account:")
        device = found["tickets_device"]
        assert device["subject"].startswith("device:") and "phone-of" not in device["subject"]
        assert device["details"]["accounts"] == [flag["subject"]]
        # Pseudonymous lists: no NIK, no name, no address in the clear.
        listing = (await server.http.get(url, headers=supervisor)).text
        for secret in (BROKER_NIK, "Pak Calo", "127.0.0.1", "phone-of-the-broker"):
            assert secret not in listing
        [(address_ref,)] = await rows(server, "SELECT DISTINCT address_ref FROM ticket_sightings")
        assert address_ref.startswith("address:") and "127.0.0.1" not in address_ref

        # A supervisor may look up who the account is (audited), then reviews.
        r = await server.http.post(f"{url}/{flag['id']}/resolve", headers=supervisor)
        assert r.status_code == 200
        assert r.json()["accounts"] == [
            {"ref": flag["subject"], "display_name": "Pak Calo", "role": "citizen"}
        ]
        note = "Three numbers in minutes for other people; spoken to at the desk."
        r = await server.http.post(
            f"{url}/{flag['id']}/review",
            headers=supervisor,
            json={"outcome": "confirmed", "note": note},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "confirmed" and r.json()["note"] == note
        again = await server.http.post(
            f"{url}/{flag['id']}/review", headers=supervisor, json={"outcome": "dismissed"}
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "flag_reviewed"
        reviewed = (await server.http.get(f"{url}?status=reviewed", headers=supervisor)).json()
        assert [f["id"] for f in reviewed["flags"]] == [flag["id"]]
        open_ids = [
            f["id"] for f in (await server.http.get(url, headers=supervisor)).json()["flags"]
        ]
        assert flag["id"] not in open_ids and device["id"] in open_ids

        audit = await rows(
            server,
            "SELECT actor_role, action, details FROM audit_log"
            " WHERE action LIKE 'signal_%' ORDER BY id",
        )
        assert [(a.actor_role, a.action) for a in audit] == [
            ("supervisor", "signal_subject_resolved"),
            ("supervisor", "signal_reviewed"),
        ]
        details = audit[1].details
        if isinstance(details, str):  # SQLite hands JSON back as text
            details = json.loads(details)
        assert details["outcome"] == "confirmed" and details["flag"] == flag["id"]
        assert details["note"] == note

        # Nothing automatic: the broker's numbers are all still live.
        states = await rows(server, "SELECT state FROM tickets")
        assert sorted(s.state for s in states) == ["waiting"] * 3
        await broker.close()


async def test_flags_are_for_supervisors_only(tmp_path: Path):
    async with running_server(tmp_path / "data", counter_bots="never", signals_scan_s=0) as server:
        url = f"/api/v1/halls/{HALL}/signals"
        citizen = bearer(await server.citizen_token("7471014501900002", "Siti"))
        officer = bearer(await server.staff_token("petugas1"))
        supervisor = bearer(await server.staff_token("supervisor"))
        for who in (citizen, officer):
            r = await server.http.get(url, headers=who)
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
            r = await server.http.post(
                f"{url}/1/review", headers=who, json={"outcome": "dismissed"}
            )
            assert r.status_code == 403
        assert (await server.http.get(url)).status_code == 401
        r = await server.http.post(
            f"{url}/999/review", headers=supervisor, json={"outcome": "confirmed"}
        )
        assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_flag"
        r = await server.http.post(f"{url}/1/review", headers=supervisor, json={"outcome": "ban"})
        assert r.status_code == 422
        r = await server.http.get("/api/v1/halls/nowhere/signals", headers=supervisor)
        assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_hall"


async def test_an_officer_asking_for_money_in_a_free_service_is_flagged_but_the_citizen_is_not(
    tmp_path: Path,
):
    async with running_server(
        tmp_path / "data", counter_bots="never", signals_scan_s=0.5, max_speed_m_s=20.0
    ) as server:
        supervisor = bearer(await server.staff_token("supervisor"))
        officer = await server.join(HALL, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D1")
        await officer.next("counter_state")
        citizen = await server.join(HALL, await server.guest_token("Siti"))
        await citizen.send(type="ticket_take", service="KTP-EL")
        await citizen.next("ticket")
        await officer.send(type="call_next", counter_id="D1")
        called = await citizen.next("called")
        await citizen.walk_to(tuple(called["counter"]["position"]))
        session = await citizen.next("counter_session")
        channel = session["channel"]
        await officer.next("counter_session")
        # The citizen's question is no sign; the officer's answer in a free service is.
        await citizen.send(type="chat", channel=channel, text="Berapa biayanya, Pak?")
        await officer.next("chat", lambda m: m["text"] == "Berapa biayanya, Pak?")
        await officer.send(type="chat", channel=channel, text="Siapkan u4ng rokok 50rb ya")
        await citizen.next("chat", lambda m: m["text"] == "Siapkan u4ng rokok 50rb ya")

        url = f"/api/v1/halls/{HALL}/signals"
        found: list[dict[str, Any]] = []

        async def flagged() -> bool:
            r = await server.http.get(url, headers=supervisor)
            found[:] = r.json()["flags"]
            return any(f["kind"] == "officer_money_talk" for f in found)

        await wait_until(flagged, 60, "the officer's words to be flagged")
        [flag] = found
        assert flag["subject"].startswith("account:")
        assert flag["evidence"] == [f"session:{session['session_id']}"]
        assert flag["details"]["words"] == ["amount", "uang rokok"]
        assert flag["details"]["lines"] == ["Siapkan u4ng rokok 50rb ya"]
        assert flag["details"]["services"] == ["KTP-EL"]
        r = await server.http.post(f"{url}/{flag['id']}/resolve", headers=supervisor)
        [who] = r.json()["accounts"]
        assert who["role"] == "officer"
        await citizen.close()
        await officer.close()
