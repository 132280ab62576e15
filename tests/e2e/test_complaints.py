"""Complaints end to end over real HTTP: filed by anyone, followed by tracking code,
handled by a supervisor through the stages, every step audited (docs/protocol.md 16.3)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hall_server.db import create_engine
from tests.e2e.server import RunningServer, running_server
from tests.helpers import NIB_FORM, jpeg_header
from tests.servers import free_port, fresh_postgres_database
from tests.sims.support import API_KEYS, SECRET, SimProcess
from tests.support.waiting import wait_until

HALL = "mpp-kendari"
JPEG = jpeg_header()
PDF = b"%PDF-1.7\n" + bytes(200)
SECRET_TEXT = "Petugas loket D1 meminta uang Rp50.000 untuk KTP"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    async with fresh_postgres_database("hall_complaints") as url:
        yield url


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def code_of(response: Any) -> str:
    return str(response.json()["error"]["code"])


async def audit(server: RunningServer) -> list[dict[str, Any]]:
    engine = create_engine(server.settings.resolved_database_url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(
                text(
                    "SELECT actor_role, actor_ref, action, details FROM audit_log"
                    " WHERE action LIKE 'complaint_%' ORDER BY id"
                )
            )
            out = []
            for r in result:
                row = dict(r._mapping)
                if isinstance(row["details"], str):
                    row["details"] = json.loads(row["details"])
                out.append(row)
            return out
    finally:
        await engine.dispose()


async def test_an_anonymous_confidential_complaint_goes_through_every_stage(
    tmp_path: Path, database_url: str | None, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    async with running_server(tmp_path / "data", database_url=database_url) as server:
        citizen = await server.citizen_token(str(NIB_FORM["nik"]), "Siti")
        # Signed in, but anonymous: the hall keeps no reporter.
        r = await server.http.post(
            f"/api/v1/halls/{HALL}/complaints",
            headers=bearer(citizen),
            json={
                "category": "pungli",
                "text": SECRET_TEXT,
                "rahasia": True,
                "anonim": True,
                "service": "KTP-EL",
                "counter_id": "D1",
            },
        )
        assert r.status_code == 201, r.text
        filed = r.json()
        code = filed["tracking_code"]
        assert code.startswith("ADU-") and filed["stage"] == "received"
        assert filed["deadlines"]["verify_by"] is not None

        # A photo: a PDF is not one; a JPEG is, once.
        pdf = await server.http.put(f"/api/v1/complaints/{code}/photo", content=PDF)
        assert pdf.status_code == 415 and code_of(pdf) == "unsupported_document"
        photo = await server.http.put(f"/api/v1/complaints/{code}/photo", content=JPEG)
        assert photo.status_code == 200 and photo.json()["media_type"] == "image/jpeg"
        again = await server.http.put(f"/api/v1/complaints/{code}/photo", content=JPEG)
        assert again.status_code == 409 and code_of(again) == "complaint_stage"

        # Rahasia: not in the public list.
        public = (await server.http.get(f"/api/v1/halls/{HALL}/complaints/public")).json()
        assert public == {"complaints": []}

        # Handling is for supervisors.
        officer = await server.staff_token("petugas1")
        supervisor = await server.staff_token("supervisor")
        listing = f"/api/v1/halls/{HALL}/complaints"
        assert (await server.http.get(listing)).status_code == 401
        assert (await server.http.get(listing, headers=bearer(officer))).status_code == 403
        items = (await server.http.get(listing, headers=bearer(supervisor))).json()
        assert items["overdue"] == 0
        (item,) = items["complaints"]
        assert item["reporter"] is None and item["anonim"] is True
        assert item["text"] == SECRET_TEXT and item["photo"]["media_type"] == "image/jpeg"
        cid = item["complaint_id"]
        got = await server.http.get(f"{listing}/{cid}/photo", headers=bearer(supervisor))
        assert got.content == JPEG and got.headers["cache-control"] == "private, no-store"

        async def act(action: str, note: str | None = None) -> Any:
            return await server.http.post(
                f"{listing}/{cid}/actions",
                headers=bearer(supervisor),
                json={"action": action, "note": note},
            )

        early = await act("follow_up", "Sudah ditangani")
        assert early.status_code == 409 and code_of(early) == "complaint_stage"
        officer_try = await server.http.post(
            f"{listing}/{cid}/actions", headers=bearer(officer), json={"action": "verify"}
        )
        assert officer_try.status_code == 403
        assert (await act("verify")).json()["stage"] == "verified"
        missing_note = await act("follow_up")
        assert missing_note.status_code == 400 and code_of(missing_note) == "bad_value"
        followed = (await act("follow_up", "Petugas telah diperiksa dan ditegur")).json()
        assert followed["stage"] == "followed_up" and followed["deadlines"]["closes_on"]

        # The reporter reads the answer and replies with the tracking code only.
        status = (await server.http.get(f"/api/v1/complaints/{code}")).json()
        assert [s["kind"] for s in status["steps"]] == [
            "received",
            "photo_added",
            "verified",
            "followed_up",
        ]
        assert status["steps"][-1]["note"] == "Petugas telah diperiksa dan ditegur"
        assert all(s["by"] in ("citizen", "hall") for s in status["steps"])
        replied = await server.http.post(
            f"/api/v1/complaints/{code}/replies", json={"text": "Terima kasih, sudah beres"}
        )
        assert replied.status_code == 201 and replied.json()["deadlines"]["closes_on"] is None
        assert (await act("close")).json()["stage"] == "closed"
        late = await server.http.post(f"/api/v1/complaints/{code}/replies", json={"text": "lagi"})
        assert late.status_code == 409

        # Every step audited; never the text or the code, and nobody for the reporter.
        rows = await audit(server)
        assert [r["action"] for r in rows] == [
            "complaint_received",
            "complaint_photo_added",
            "complaint_verified",
            "complaint_followed_up",
            "complaint_replied",
            "complaint_closed",
        ]
        assert {r["actor_ref"] for r in rows if r["actor_role"] == "citizen"} == {"anonymous"}
        assert all(r["details"]["complaint_id"] == cid for r in rows)
        assert SECRET_TEXT not in str(rows) and code not in str(rows)
        assert "account:" not in str([r for r in rows if r["actor_role"] == "citizen"])

        unknown = await server.http.get("/api/v1/complaints/ADU-AAAAA-AAAAA")
        assert unknown.status_code == 404 and code_of(unknown) == "unknown_complaint"
    for record in caplog.records:
        if record.name.startswith(("httpx", "httpcore")):
            continue
        line = record.getMessage() + json.dumps(record.__dict__, default=str)
        assert SECRET_TEXT not in line


async def test_a_named_public_complaint_and_bad_input(tmp_path: Path):
    async with running_server(tmp_path / "data") as server:
        citizen = await server.citizen_token(str(NIB_FORM["nik"]), "Siti")
        r = await server.http.post(
            f"/api/v1/halls/{HALL}/complaints",
            headers=bearer(citizen),
            json={"category": "service_time", "text": "Antrian KTP lebih dari tiga jam"},
        )
        assert r.status_code == 201
        supervisor = await server.staff_token("supervisor")
        items = (
            await server.http.get(f"/api/v1/halls/{HALL}/complaints", headers=bearer(supervisor))
        ).json()["complaints"]
        assert items[0]["reporter"].startswith("account:")
        public = (await server.http.get(f"/api/v1/halls/{HALL}/complaints/public")).json()
        (entry,) = public["complaints"]
        assert set(entry) == {"category", "text", "stage", "received_on", "service"}

        # A guest may complain too (no reporter kept).
        r = await server.http.post(
            f"/api/v1/halls/{HALL}/complaints",
            json={"category": "calo", "text": "Ada calo menawarkan jasa di depan loket"},
        )
        assert r.status_code == 201
        for body, code in (
            ({"category": "gossip", "text": "Sesuatu yang panjang"}, "unknown_category"),
            ({"category": "other", "text": "pendek"}, "bad_value"),
            ({"category": "other", "text": "Layanan tidak dikenal", "service": "X"}, "bad_value"),
        ):
            bad = await server.http.post(f"/api/v1/halls/{HALL}/complaints", json=body)
            assert bad.status_code == 400 and code_of(bad) == code, bad.text
        nowhere = await server.http.post(
            "/api/v1/halls/nowhere/complaints", json={"category": "other", "text": "x" * 20}
        )
        assert nowhere.status_code == 404
        stage = await server.http.get(
            f"/api/v1/halls/{HALL}/complaints?stage=lost", headers=bearer(supervisor)
        )
        assert stage.status_code == 400
        # No SP4N-LAPOR! configured: forwarding is refused, clearly.
        cid = items[0]["complaint_id"]
        refused = await server.http.post(
            f"/api/v1/halls/{HALL}/complaints/{cid}/forward", headers=bearer(supervisor)
        )
        assert refused.status_code == 503 and code_of(refused) == "lapor_unavailable"


async def test_a_supervisor_forwards_a_complaint_to_the_simulated_lapor_through_the_outbox(
    tmp_path: Path,
):
    port = free_port()
    callback = f"http://127.0.0.1:{port}/api/v1/backoffice/webhooks/lapor"
    sim = SimProcess(
        "lapor", tmp_path / "lapor.db", tmp_path / "lapor.log", ("--callback-url", callback)
    )
    await sim.start()
    try:
        async with running_server(
            tmp_path / "data",
            port=port,
            lapor_url=sim.url,
            lapor_api_key=API_KEYS["lapor"][1],
            lapor_webhook_secret=SECRET,
        ) as server:
            citizen = await server.citizen_token(str(NIB_FORM["nik"]), "Siti")
            r = await server.http.post(
                f"/api/v1/halls/{HALL}/complaints",
                headers=bearer(citizen),
                json={"category": "pungli", "text": SECRET_TEXT, "rahasia": True},
            )
            code = r.json()["tracking_code"]
            supervisor = await server.staff_token("supervisor")
            listing = f"/api/v1/halls/{HALL}/complaints"
            (item,) = (await server.http.get(listing, headers=bearer(supervisor))).json()[
                "complaints"
            ]
            assert item["reporter"].startswith("account:")
            cid = item["complaint_id"]
            forwarded = await server.http.post(
                f"{listing}/{cid}/forward", headers=bearer(supervisor)
            )
            assert forwarded.status_code == 200, forwarded.text
            assert forwarded.json()["forwarded"] is True
            again = await server.http.post(f"{listing}/{cid}/forward", headers=bearer(supervisor))
            assert again.status_code == 409 and code_of(again) == "already_forwarded"

            # LAPOR! has it once: the complaint and its confidentiality, never the reporter
            # or the hall's tracking code.
            assert sim.client is not None

            async def received() -> list[dict[str, Any]] | None:
                assert sim.client is not None
                got = (await sim.client.get("/admin/received")).json()["received"]
                return got or None

            (sub,) = await wait_until(received, 30, "LAPOR! to receive the complaint")
            form = sub["body"]["form"]
            assert form["category"] == "pungli" and form["text"] == SECRET_TEXT
            assert form["rahasia"] == "true" and form["anonim"] == "false"
            assert "account:" not in json.dumps(sub["body"]) and code not in json.dumps(sub)
            assert sub["body"]["service"] == "PENGADUAN"

            # The outbox delivered it and LAPOR!'s stages come back (callbacks): completed.
            engine = create_engine(server.settings.resolved_database_url)
            try:

                async def status() -> str | None:
                    async with engine.connect() as conn:
                        row = (
                            await conn.execute(
                                text("SELECT status FROM applications WHERE id = :i"),
                                {"i": f"lapor-{cid}"},
                            )
                        ).first()
                    return row.status if row is not None and row.status == "completed" else None

                assert await wait_until(status, 60, "LAPOR! to close it") == "completed"
            finally:
                await engine.dispose()
            status_page = (await server.http.get(f"/api/v1/complaints/{code}")).json()
            assert status_page["forwarded_to_lapor"] is True
            actions = [r["action"] for r in await audit(server)]
            assert "complaint_forwarded" in actions
    finally:
        await sim.stop()


async def test_a_flood_of_complaints_from_one_address_is_rate_limited(tmp_path: Path):
    # Anyone may file without signing in: past the burst an address waits.
    async with running_server(tmp_path / "data", complaint_burst=2) as server:
        body = {"category": "other", "text": "Antrian terlalu lama hari ini"}
        url = f"/api/v1/halls/{HALL}/complaints"
        assert [(await server.http.post(url, json=body)).status_code for _ in range(2)] == [
            201,
            201,
        ]
        flooded = await server.http.post(url, json=body)
        assert flooded.status_code == 429 and code_of(flooded) == "rate_limited"
        assert int(flooded.headers["Retry-After"]) >= 1
        supervisor = await server.staff_token("supervisor")
        listed = await server.http.get(url, headers=bearer(supervisor))
        assert len(listed.json()["complaints"]) == 2  # the refused one was not stored
