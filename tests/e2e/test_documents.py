"""Documents at the counter over real HTTP and WebSockets (docs/protocol.md 11.5).

A signed-in citizen uploads photos and PDFs of the requirements in their
counter session; the bot files when the case is complete; the officer who
takes the session over sees and opens them; nobody else does; retention
deletes them. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hall_server.db import create_engine
from hall_server.db.engine import make_sessionmaker
from hall_server.document_store import SqlDocumentStore
from tests.e2e.server import RunningServer, running_server
from tests.helpers import NIB_FORM, jpeg_header, png_header, webp_header
from tests.servers import fresh_postgres_database
from tests.support.client import HallClient

HALL = "mpp-kendari"
NIK = str(NIB_FORM["nik"])
OTHER_NIK = "7371011708850002"
FORM = {k: v for k, v in NIB_FORM.items() if k != "nik"}

JPEG = jpeg_header()
PNG = png_header()
WEBP = webp_header()
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(200)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    async with fresh_postgres_database("hall_documents") as url:
        yield url


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def at_the_counter(
    server: RunningServer, token: str, service: str = "NIB"
) -> tuple[HallClient, dict[str, Any]]:
    """A citizen takes a number, walks to the counter that calls it: their session."""
    citizen = await server.join(HALL, token)
    await citizen.send(type="ticket_take", service=service)
    called = await citizen.next("called")
    await citizen.walk_to(tuple(called["counter"]["position"]))
    return citizen, await citizen.next("counter_session")


async def upload(
    server: RunningServer,
    token: str,
    session_id: str,
    requirement: str,
    body: bytes,
    content_type: str = "image/jpeg",
) -> Any:
    return await server.http.put(
        f"/api/v1/counter-sessions/{session_id}/documents/{requirement}",
        content=body,
        headers={**bearer(token), "Content-Type": content_type},
    )


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


async def test_a_citizen_uploads_the_documents_and_the_bot_files_the_application(
    tmp_path: Path, database_url: str | None, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    async with running_server(
        tmp_path / "data", database_url=database_url, max_speed_m_s=20.0, counter_bots="always"
    ) as server:
        token = await server.citizen_token(NIK, "Siti")
        citizen, session = await at_the_counter(server, token)
        assert session["staffed_by"] == "bot" and session["documents"] == []
        sid = session["session_id"]
        await citizen.send(type="form_update", fields=FORM)
        await citizen.next("form_result", lambda m: m["errors"] == {})

        uploaded = []
        for requirement, body, declared in (
            ("ktp_el", JPEG, "image/jpeg"),
            ("kontak", PNG, "application/octet-stream"),  # the content decides, not the label
        ):
            r = await upload(server, token, sid, requirement, body, declared)
            assert r.status_code == 201, r.text
            uploaded.append(r.json())
        assert uploaded[0]["media_type"] == "image/jpeg" and uploaded[0]["size"] == len(JPEG)
        assert uploaded[1]["media_type"] == "image/png"
        assert uploaded[0]["document_id"] != uploaded[1]["document_id"]
        assert len(uploaded[0]["document_id"]) >= 32  # unguessable

        # Each upload counts as shown: the session comes back with it listed.
        shown = await citizen.next(
            "counter_session", lambda m: len(m["documents"]) == 2 and m["session_id"] == sid
        )
        ticks = {c["requirement"]: c["shown"] for c in shown["checklist"]}
        assert ticks["ktp_el"] and ticks["kontak"] and not ticks["data_usaha"]
        assert shown["documents"][0] == {
            k: uploaded[0][k] for k in ("document_id", "requirement", "media_type", "size")
        }

        # The owner reads it back, with the headers that keep it private and inert.
        got = await server.http.get(
            f"/api/v1/documents/{uploaded[0]['document_id']}", headers=bearer(token)
        )
        assert got.status_code == 200 and got.content == JPEG
        assert got.headers["content-type"] == "image/jpeg"
        assert got.headers["cache-control"] == "private, no-store"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-security-policy"] == "sandbox"
        assert got.headers["content-disposition"] == "inline"

        # The last document completes the case: the bot files, as after documents_show.
        r = await upload(server, token, sid, "data_usaha", PDF, "application/pdf")
        assert r.status_code == 201 and r.json()["media_type"] == "application/pdf"
        filed = await citizen.next("application_filed")
        assert filed["review"] == "none" and filed["tracking_code"].startswith("MPP-")
        assert (await citizen.next("session_ended"))["outcome"] == "served"
        # The session is over: no more uploads to it.
        late = await upload(server, token, sid, "npwp", WEBP, "image/webp")
        assert late.status_code == 404 and error_code(late) == "unknown_session"

        actions = await audit(
            server, "SELECT action, details FROM audit_log WHERE session_id = :s", s=sid
        )
        uploads = [d for a, d in actions if a == "document_uploaded"]
        assert [d["requirement"] for d in uploads] == ["ktp_el", "kontak", "data_usaha"]
        assert uploads[0]["sha256"] == uploaded[0]["sha256"]
        await citizen.close()
    # Never in the server's logs: a document's id (the access log names the route template;
    # the test's own HTTP client logs its URLs, and is not the server).
    server_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert any(r.name == "hall_server.access" for r in server_records)
    for record in server_records:
        line = record.getMessage() + json.dumps(record.__dict__, default=str)
        for doc in uploaded:
            assert doc["document_id"] not in line


async def test_uploads_are_checked_and_only_owner_and_serving_staff_read_them(
    tmp_path: Path,
):
    async with running_server(
        tmp_path / "data", max_speed_m_s=20.0, counter_bots="always", document_max_bytes=4096
    ) as server:
        token = await server.citizen_token(NIK, "Siti")
        citizen, session = await at_the_counter(server, token, "REKLAME")
        sid, counter_id = session["session_id"], session["counter_id"]
        requirement = session["checklist"][0]["requirement"]

        # Refused before anything is kept.
        html = b"<html><script>alert(1)</script></html>"
        r = await upload(server, token, sid, requirement, html, "image/jpeg")
        assert (r.status_code, error_code(r)) == (415, "unsupported_document")
        assert r.json()["error"]["text"]["id"]  # a text for a person, in both languages
        r = await upload(server, token, sid, requirement, b"GIF89a" + bytes(20), "image/gif")
        assert (r.status_code, error_code(r)) == (415, "unsupported_document")
        r = await upload(server, token, sid, requirement, b"", "image/jpeg")
        assert (r.status_code, error_code(r)) == (415, "unsupported_document")
        r = await upload(server, token, sid, requirement, JPEG + bytes(5000))
        assert (r.status_code, error_code(r)) == (413, "too_large")
        r = await upload(server, token, sid, "not_a_requirement", JPEG)
        assert (r.status_code, error_code(r)) == (400, "bad_value")
        r = await server.http.put(
            f"/api/v1/counter-sessions/{sid}/documents/{requirement}", content=JPEG
        )
        assert (r.status_code, error_code(r)) == (401, "unauthenticated")

        # Someone else's session looks like one that does not exist; staff do not upload.
        other = await server.citizen_token(OTHER_NIK, "Rina")
        r = await upload(server, other, sid, requirement, JPEG)
        assert (r.status_code, error_code(r)) == (404, "unknown_session")
        r = await upload(server, other, "no-such-session", requirement, JPEG)
        assert (r.status_code, error_code(r)) == (404, "unknown_session")
        petugas1 = await server.staff_token("petugas1")
        r = await upload(server, petugas1, sid, requirement, JPEG)
        assert (r.status_code, error_code(r)) == (403, "forbidden")
        assert await count_documents(server) == 0

        r = await upload(server, token, sid, requirement, WEBP, "image/webp")
        assert r.status_code == 201 and r.json()["media_type"] == "image/webp"
        doc = r.json()["document_id"]
        url = f"/api/v1/documents/{doc}"

        # An officer takes the session from the bot: the case lists the document, and the
        # officer serving it may open it; a colleague at another counter may not.
        officer = await server.join(HALL, petugas1)
        await officer.send(type="counter_open", counter_id=counter_id)
        case = await officer.next("counter_session", lambda m: m["session_id"] == sid)
        assert [d["document_id"] for d in case["documents"]] == [doc]
        assert (await server.http.get(url, headers=bearer(petugas1))).content == WEBP
        petugas2 = await server.staff_token("petugas2")
        supervisor = await server.staff_token("supervisor")
        guest = await server.guest_token("Tamu")
        for stranger in (other, petugas2, guest):
            r = await server.http.get(url, headers=bearer(stranger))
            assert (r.status_code, error_code(r)) == (404, "unknown_document")
        r = await server.http.get(url)
        assert r.status_code == 401
        assert (await server.http.get(url, headers=bearer(supervisor))).status_code == 200
        r = await server.http.get("/api/v1/documents/nope", headers=bearer(supervisor))
        assert (r.status_code, error_code(r)) == (404, "unknown_document")

        # When the session is over, the officer no longer sees it; the owner still does.
        await officer.send(type="finish", counter_id=counter_id, outcome="served")
        await citizen.next("session_ended")
        r = await server.http.get(url, headers=bearer(petugas1))
        assert r.status_code == 404
        assert (await server.http.get(url, headers=bearer(token))).status_code == 200

        # Retention: past it, the sweep deletes the bytes and notes it in the audit log.
        engine = create_engine(server.settings.resolved_database_url)
        try:
            store = SqlDocumentStore(
                make_sessionmaker(engine), server.settings.document_retention_s
            )
            assert await store.delete_expired(time.time()) == 0
            later = time.time() + server.settings.document_retention_s + 1
            assert await store.delete_expired(later) == 1
        finally:
            await engine.dispose()
        assert (await server.http.get(url, headers=bearer(token))).status_code == 404
        assert await count_documents(server) == 0
        rows = await audit(
            server, "SELECT action, details FROM audit_log WHERE session_id = :s", s=sid
        )
        assert any(a == "document_deleted" and d["document_id"] == doc for a, d in rows)
        for person in (citizen, officer):
            await person.close()


async def test_a_guest_may_not_upload(tmp_path: Path):
    async with running_server(
        tmp_path / "data", max_speed_m_s=20.0, counter_bots="always"
    ) as server:
        token = await server.guest_token("Tamu")
        citizen, session = await at_the_counter(server, token)
        r = await upload(server, token, session["session_id"], "ktp_el", JPEG)
        assert (r.status_code, error_code(r)) == (403, "sign_in_required")
        await citizen.close()


async def audit(server: RunningServer, sql: str, **params: Any) -> list[tuple[str, dict[str, Any]]]:
    engine = create_engine(server.settings.resolved_database_url)
    try:
        async with engine.connect() as conn:
            out = []
            for r in await conn.execute(text(sql + " ORDER BY id"), params):
                # A JSON column comes back parsed on PostgreSQL, as text on SQLite.
                details = r.details if isinstance(r.details, dict) else json.loads(r.details)
                out.append((r.action, details))
            return out
    finally:
        await engine.dispose()


async def count_documents(server: RunningServer) -> int:
    engine = create_engine(server.settings.resolved_database_url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(text("SELECT count(*) FROM documents")) or 0)
    finally:
        await engine.dispose()
