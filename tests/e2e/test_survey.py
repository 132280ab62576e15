"""The SKM survey end to end: a finished service offers it, it is answered once, stored
without the citizen, and the public IKM counts it (docs/protocol.md 16.1-16.2)."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hall_server.db import create_engine
from tests.e2e.server import RunningServer, running_server
from tests.helpers import NIB_FORM
from tests.servers import fresh_postgres_database

HALL = "mpp-kendari"
ALL_FOUR = {f"U{i}": 4 for i in range(1, 10)}


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    async with fresh_postgres_database("hall_survey") as url:
        yield url


async def rows(server: RunningServer, sql: str) -> list[dict[str, Any]]:
    engine = create_engine(server.settings.resolved_database_url)
    try:
        async with engine.connect() as conn:
            return [dict(r._mapping) for r in await conn.execute(text(sql))]
    finally:
        await engine.dispose()


async def bot_serves_nib(server: RunningServer) -> dict[str, Any]:
    """A signed-in citizen whose NIB a bot files: the citizen's ``session_ended``."""
    citizen = await server.join(HALL, await server.citizen_token(str(NIB_FORM["nik"]), "Siti"))
    await citizen.send(type="ticket_take", service="NIB")
    called = await citizen.next("called")
    await citizen.walk_to(tuple(called["counter"]["position"]))
    session = await citizen.next("counter_session")
    assert session["staffed_by"] == "bot"
    await citizen.send(type="form_update", fields=NIB_FORM)
    await citizen.next("form_result", lambda m: m["errors"] == {})
    await citizen.send(type="documents_show", requirements=["ktp_el", "kontak", "data_usaha"])
    ended = await citizen.next("session_ended")
    await citizen.close()
    return {**ended, "counter_id": called["counter"]["id"]}


async def test_a_bot_served_citizen_answers_once_and_the_ikm_counts_it_anonymously(
    tmp_path: Path, database_url: str | None, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    async with running_server(
        tmp_path / "data",
        database_url=database_url,
        max_speed_m_s=20.0,
        counter_bots="always",
        survey_min_group=1,
    ) as server:
        ended = await bot_serves_nib(server)
        assert ended["outcome"] == "served"
        token = ended["survey_token"]
        session_id = ended["session_id"]

        bad = await server.http.post(
            "/api/v1/survey/responses", json={"token": token, "answers": {"U1": 5}}
        )
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_value"
        forged = await server.http.post(
            "/api/v1/survey/responses", json={"token": token[:-2] + "xx", "answers": ALL_FOUR}
        )
        assert forged.status_code == 400
        assert forged.json()["error"]["code"] == "bad_survey_token"

        answers = {**ALL_FOUR, "U4": 3, "U9": None}  # U9 left unanswered
        r = await server.http.post(
            "/api/v1/survey/responses", json={"token": token, "answers": answers}
        )
        assert r.status_code == 201, r.text
        again = await server.http.post(
            "/api/v1/survey/responses", json={"token": token, "answers": ALL_FOUR}
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "survey_answered"

        # Stored: what is rated and the month; nothing that names the transaction or a time.
        stored = await rows(server, "SELECT * FROM survey_responses")
        assert len(stored) == 1
        row = stored[0]
        answers_stored = row.pop("answers")
        if isinstance(answers_stored, str):
            answers_stored = json.loads(answers_stored)
        assert answers_stored == {k: v for k, v in answers.items() if v is not None}
        assert set(row) == {"id", "hall_id", "service", "counter_id", "served_by", "period"}
        assert (row["service"], row["served_by"], row["counter_id"]) == (
            "NIB",
            "bot",
            ended["counter_id"],
        )
        assert len(row["period"]) == 7  # YYYY-MM
        used = await rows(server, "SELECT * FROM survey_used")
        assert len(used) == 1 and set(used[0]) == {"digest"}
        assert session_id not in used[0]["digest"]

        # The public IKM: eight elements answered, U4 = 3 and seven 4s:
        # SKM = (7 x 4 + 3) / 8 = 31/8 = 3.875, IKM = 96.875 -> 96.88 (half up), A.
        ikm = (await server.http.get(f"/api/v1/halls/{HALL}/ikm?period={row['period']}")).json()
        assert ikm["overall"]["ikm"] == "96.88" and ikm["overall"]["grade"] == "A"
        assert ikm["overall"]["elements"] == 8
        assert ikm["overall"]["sample"] == {
            "respondents": 1,
            "transactions": 1,
            "needed": 1,
            "enough": True,
        }
        assert ikm["by_served_by"] == [
            {"served_by": "bot", **{k: ikm["overall"][k] for k in ikm["overall"] if k != "sample"}}
        ]
        year = (await server.http.get(f"/api/v1/halls/{HALL}/ikm")).json()
        assert year["period"] == row["period"][:4]
        assert year["overall"]["respondents"] == 1

        got = await server.http.get(f"/api/v1/halls/{HALL}/ikm.csv?period={row['period']}")
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(got.text)))
        assert table[0][:6] == ["period", "group", "key", "respondents", "ikm", "grade"]
        assert table[1][1:6] == ["hall", HALL, "1", "96.88", "A"]

        for period in ("2026-13", "26", "x"):
            r = await server.http.get(f"/api/v1/halls/{HALL}/ikm?period={period}")
            assert r.status_code == 400 and r.json()["error"]["code"] == "bad_value"
        r = await server.http.get("/api/v1/halls/nowhere/ikm")
        assert r.status_code == 404
    # Neither the token nor the session is in the server's logs.
    for record in caplog.records:
        if record.name.startswith(("httpx", "httpcore")):
            continue
        line = record.getMessage() + json.dumps(record.__dict__, default=str)
        assert token not in line


async def test_an_officer_finishing_offers_the_citizen_the_survey_not_the_officer(
    tmp_path: Path,
):
    async with running_server(
        tmp_path / "data", max_speed_m_s=20.0, counter_bots="never"
    ) as server:
        officer = await server.join(HALL, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D1")
        await officer.next("counter_state")
        citizen = await server.join(HALL, await server.guest_token("Siti"))
        await citizen.send(type="ticket_take", service="KTP-EL")
        await officer.send(type="call_next", counter_id="D1")
        called = await citizen.next("called")
        await citizen.walk_to(tuple(called["counter"]["position"]))
        await citizen.next("counter_session")
        await officer.send(type="finish", counter_id="D1", outcome="served")
        ended = await citizen.next("session_ended")
        staff_copy = await officer.next("session_ended")
        assert "survey_token" in ended and "survey_token" not in staff_copy
        r = await server.http.post(
            "/api/v1/survey/responses",
            json={"token": ended["survey_token"], "answers": {"U7": 2}},
        )
        assert r.status_code == 201
        ikm = (await server.http.get(f"/api/v1/halls/{HALL}/ikm")).json()
        # One respondent is below the default group of 5: the count shows, the index does not.
        officer_group = ikm["by_served_by"][0]
        assert officer_group["served_by"] == "officer" and officer_group["respondents"] == 1
        assert officer_group["ikm"] is None and officer_group["withheld"] is True
        await citizen.close()
        await officer.close()


async def test_a_citizen_whose_connection_was_down_when_the_service_ended_gets_the_survey_back(
    tmp_path: Path,
):
    async with running_server(
        tmp_path / "data", max_speed_m_s=20.0, counter_bots="never"
    ) as server:
        officer = await server.join(HALL, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D1")
        await officer.next("counter_state")
        token = await server.guest_token("Siti")
        citizen = await server.join(HALL, token)
        resume = citizen.welcome["resume_token"]
        await citizen.send(type="ticket_take", service="KTP-EL")
        await officer.send(type="call_next", counter_id="D1")
        called = await citizen.next("called")
        await citizen.walk_to(tuple(called["counter"]["position"]))
        session = await citizen.next("counter_session")
        await citizen.close()  # the connection drops: no leave, the avatar waits to resume
        await officer.send(type="finish", counter_id="D1", outcome="served")
        await officer.next("session_ended")
        back = await server.join(HALL, token, resume_token=resume)
        assert back.welcome["resumed"] is True
        ended = await back.next("session_ended")
        assert ended["session_id"] == session["session_id"]
        assert ended["service"] == "KTP-EL" and ended["counter_id"] == "D1"
        r = await server.http.post(
            "/api/v1/survey/responses", json={"token": ended["survey_token"], "answers": ALL_FOUR}
        )
        assert r.status_code == 201
        await back.close()
        await officer.close()
