"""The supervisors' figures and staffing over a real server: roles, the dashboard and
Prometheus counting the same, a restart rebuilding the day, remote staffing."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hall_server.db import create_engine
from tests.e2e.server import RunningServer, running_server
from tests.helpers import NIB_FORM
from tests.servers import fresh_postgres_database
from tests.support.client import HallClient

HALL = "mpp-kendari"
KPI = f"/api/v1/halls/{HALL}/kpi"
CSV = f"/api/v1/halls/{HALL}/kpi.csv"
BOTS = f"/api/v1/halls/{HALL}/bot-staffing"


def counter_url(counter_id: str, action: str) -> str:
    return f"/api/v1/halls/{HALL}/counters/{counter_id}/{action}"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def service(figures: dict[str, Any], code: str) -> dict[str, Any]:
    return next(s for s in figures["services"] if s["service"] == code)


def counter(figures: dict[str, Any], counter_id: str) -> dict[str, Any]:
    return next(c for c in figures["counters"] if c["counter_id"] == counter_id)


async def metric_values(server: RunningServer, prefix: str) -> dict[str, float]:
    """Every sample of /metrics whose name starts with ``prefix``, by its name and its
    labels in alphabetical order (``name{a="1",b="2"}``)."""
    out = {}
    for line in (await server.http.get("/metrics")).text.splitlines():
        if line.startswith(prefix):
            sample, value = line.rsplit(" ", 1)
            name, _, labels = sample.partition("{")
            pairs = sorted(re.findall(r'(\w+)="([^"]*)"', labels))
            key = name + "{" + ",".join(f'{k}="{v}"' for k, v in pairs) + "}"
            out[key] = float(value)
    return out


def feed_url(server: RunningServer) -> str:
    return server.ws_url(HALL) + "/kpi"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    async with fresh_postgres_database("hall_kpi") as url:
        yield url


async def test_only_supervisors_and_admins_see_figures_and_only_supervisors_staff(
    tmp_path: Path,
) -> None:
    async with running_server(tmp_path / "data", counter_bots="never") as server:
        tokens = {
            "supervisor": await server.staff_token("supervisor"),
            "admin": await server.staff_token("admin"),
            "officer": await server.staff_token("petugas1"),
            "citizen": await server.citizen_token(str(NIB_FORM["nik"])),
            "guest": await server.guest_token("Tamu"),
        }
        for role, token in tokens.items():
            h = auth(token)
            answers = {
                "kpi": await server.http.get(KPI, headers=h),
                "csv": await server.http.get(CSV, headers=h),
                "close": await server.http.post(counter_url("D1", "close"), headers=h),
                "open": await server.http.post(counter_url("D1", "open"), headers=h),
                "bots": await server.http.put(BOTS, headers=h, json={"bots": "never"}),
            }
            allowed = {
                "supervisor": set(answers),
                "admin": {"kpi", "csv"},
            }.get(role, set())
            for name, answer in answers.items():
                if name in allowed:
                    assert answer.status_code == 200, (role, name, answer.text)
                else:
                    assert answer.status_code == 403, (role, name)
                    assert answer.json()["error"]["code"] == "forbidden", (role, name)
                    assert "KTP-EL" not in answer.text  # no figures leak into a refusal
        for answer in (
            await server.http.get(KPI),
            await server.http.post(counter_url("D1", "close")),
        ):
            assert answer.status_code == 401
        sup = auth(tokens["supervisor"])
        bad = await server.http.put(BOTS, headers=sup, json={"bots": "sometimes"})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_request"
        unknown = await server.http.post(counter_url("Z9", "close"), headers=sup)
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_counter"
        bad_day = await server.http.get(KPI, headers=sup, params={"day": "2026-13-40"})
        assert bad_day.status_code == 422 and bad_day.json()["error"]["code"] == "bad_request"
        nowhere = await server.http.get("/api/v1/halls/no-such-hall/kpi", headers=sup)
        assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "unknown_hall"

        # The feed: officers, citizens and guests are refused like the hall socket refuses.
        for role in ("officer", "citizen", "guest"):
            ws = await HallClient.connect(feed_url(server))
            await ws.send(type="join", token=tokens[role])
            assert (await ws.next("error"))["code"] == "forbidden", role
            assert await ws.closed() == 4003, role
            assert not ws.of_type("kpi")
        ws = await HallClient.connect(feed_url(server))
        await ws.send(type="join", token="not-a-token")
        assert (await ws.next("error"))["code"] == "unauthenticated"
        assert await ws.closed() == 4001
        ws = await HallClient.connect(feed_url(server))
        await ws.send(type="hello")
        assert (await ws.next("error"))["code"] == "bad_request"
        assert await ws.closed() == 4000
        for role in ("supervisor", "admin"):
            ws = await HallClient.connect(feed_url(server))
            await ws.send(type="join", token=tokens[role])
            first = await ws.next("kpi")
            assert first["hall_id"] == HALL and service(first, "KTP-EL")["waiting_now"] == 0
            await ws.close()


async def test_the_dashboard_and_prometheus_count_the_same_and_a_restart_keeps_the_day(
    tmp_path: Path, database_url: str | None
) -> None:
    data = tmp_path / "data"
    options: dict[str, Any] = {
        "database_url": database_url,
        "counter_bots": "never",
        "max_speed_m_s": 20.0,
    }
    async with running_server(data, **options) as server:
        sup = auth(await server.staff_token("supervisor"))
        feed = await HallClient.connect(feed_url(server))
        await feed.send(type="join", token=(sup["Authorization"].split()[1]))
        await feed.next("kpi")

        officer = await server.join(HALL, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D1")
        await officer.next("counter_state")
        siti = await server.join(HALL, await server.guest_token("Siti"))
        budi = await server.join(HALL, await server.guest_token("Budi"))
        await siti.send(type="ticket_take", service="KTP-EL")
        siti_ticket = await siti.next("ticket")
        await budi.send(type="ticket_take", service="KTP-EL")
        budi_ticket = await budi.next("ticket")

        # The feed pushes the two waiting citizens.
        await feed.next("kpi", lambda m: service(m, "KTP-EL")["waiting_now"] == 2)

        # Siti is called, comes, is parked, unparked, called and comes again, and served.
        await officer.send(type="call_next", counter_id="D1")
        called = await siti.next("called")
        await siti.walk_to(tuple(called["counter"]["position"]))
        first_session = await officer.next("counter_session")
        await officer.send(type="park", counter_id="D1")
        await siti.next("ticket", lambda m: m["state"] == "parked")
        await officer.send(type="unpark", counter_id="D1", ticket_id=siti_ticket["ticket_id"])
        await siti.next("ticket", lambda m: m["state"] == "waiting" and m.get("position") == 1)
        await officer.send(type="call_next", counter_id="D1")
        # The second service starts: a new counter session (Siti is still at the counter).
        await officer.next(
            "counter_session", lambda m: m["session_id"] != first_session["session_id"]
        )
        await officer.send(type="finish", counter_id="D1", outcome="served")
        await siti.next("ticket", lambda m: m["state"] == "done")
        # Budi gives up.
        await budi.send(type="ticket_cancel", ticket_id=budi_ticket["ticket_id"])
        await budi.next("ticket", lambda m: m["state"] == "cancelled")

        figures = (await server.http.get(KPI, headers=sup)).json()
        ktp = service(figures, "KTP-EL")
        assert ktp["arrived"] == 2 and ktp["called"] == 1 and ktp["waiting_now"] == 0
        assert ktp["served"] == 1 and ktp["outcomes"]["cancelled"] == 1
        assert ktp["left_before_service"] == 1 and ktp["transactions"] == 1
        assert ktp["by_officer"] == 1 and ktp["bot_share_pct"] == 0.0
        assert ktp["within_target_pct"] == 100.0
        d1 = counter(figures, "D1")
        assert d1["state"] == "idle" and d1["staffed_by"] == "officer"
        assert d1["staff_name"] == "Petugas 1" and d1["served"] == 1
        assert figures["hall"]["served"] == 1 and figures["timezone"] == "Asia/Makassar"
        assert sum(h["served"] for h in figures["hours"]) == 1
        await feed.next("kpi", lambda m: service(m, "KTP-EL")["served"] == 1)

        # Prometheus counts the same samples.
        lab = f'hall="{HALL}",service="KTP-EL"'
        m = await metric_values(server, "hall_kpi_")
        assert m[f"hall_kpi_arrivals_total{{{lab}}}"] == ktp["arrived"]
        assert m[f"hall_kpi_wait_seconds_count{{{lab}}}"] == ktp["called"]
        assert m[f"hall_kpi_wait_seconds_sum{{{lab}}}"] == pytest.approx(
            ktp["wait_sum_s"], abs=1e-3
        )
        assert m[f"hall_kpi_service_seconds_count{{{lab}}}"] == ktp["transactions"]
        assert m[f"hall_kpi_service_seconds_sum{{{lab}}}"] == pytest.approx(
            ktp["service_sum_s"], abs=1e-3
        )
        for outcome, n in ktp["outcomes"].items():
            name = f'hall_kpi_outcomes_total{{hall="{HALL}",outcome="{outcome}",service="KTP-EL"}}'
            assert m.get(name, 0.0) == n, outcome
        assert m[f"hall_kpi_waiting{{{lab}}}"] == 0
        # Labels are halls, service codes and outcomes: never a ticket number or a name.
        assert not re.search(r"[A-Z]-\d{3}|Siti|Budi|Petugas", "\n".join(m))

        rows = list(csv.DictReader(io.StringIO((await server.http.get(CSV, headers=sup)).text)))
        by_service = {r["service"]: r for r in rows}
        assert by_service["KTP-EL"]["served"] == "1" and by_service["ALL"]["cancelled"] == "1"
        assert by_service["KTP-EL"]["day"] == figures["day"]
        for client in (siti, budi, officer, feed):
            await client.close()

    async with running_server(data, **options) as server:
        sup = auth(await server.staff_token("supervisor"))
        again = (await server.http.get(KPI, headers=sup)).json()
        for key in (
            "arrived",
            "called",
            "wait_p50_s",
            "wait_p90_s",
            "wait_sum_s",
            "served",
            "outcomes",
            "left_before_service",
            "transactions",
            "avg_service_s",
            "by_officer",
            "within_target",
        ):
            assert service(again, "KTP-EL")[key] == ktp[key], key
        assert counter(again, "D1")["served"] == 1
        assert [h["served"] for h in again["hours"][: len(figures["hours"])]] == [
            h["served"] for h in figures["hours"]
        ]
        # Another day, from the audit log: the day before holds nothing.
        day = figures["day"]
        before = (await server.http.get(KPI, headers=sup, params={"day": "2020-01-01"})).json()
        assert before["day"] == "2020-01-01" and before["hall"]["arrived"] == 0
        same = (await server.http.get(KPI, headers=sup, params={"day": day})).json()
        assert service(same, "KTP-EL")["served"] == 1


async def audit(server: RunningServer, action: str) -> list[tuple[str, str, Any]]:
    engine = create_engine(server.settings.resolved_database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT actor_role, actor_ref, details FROM audit_log"
                    " WHERE action = :a ORDER BY id"
                ),
                {"a": action},
            )
            return [
                (
                    r.actor_role,
                    r.actor_ref,
                    json.loads(r.details) if isinstance(r.details, str) else r.details,
                )
                for r in rows
            ]
    finally:
        await engine.dispose()


async def test_supervisors_close_and_open_counters_and_set_bot_staffing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with running_server(data, counter_bots="always") as server:
        sup = auth(await server.staff_token("supervisor"))

        async def figures() -> dict[str, Any]:
            return dict((await server.http.get(KPI, headers=sup)).json())

        first = await figures()
        assert {c["staffed_by"] for c in first["counters"]} == {"bot"}
        assert first["bots"] == "always" and first["held_closed"] == []

        closed = await server.http.post(counter_url("D1", "close"), headers=sup)
        assert closed.status_code == 200
        assert closed.json()["state"] == "closed" and closed.json()["held_closed"] is True
        never = await server.http.put(BOTS, headers=sup, json={"bots": "never"})
        assert never.status_code == 200 and never.json()["bots"] == "never"
        assert {c["state"] for c in never.json()["counters"]} == {"closed"}
        always = await server.http.put(BOTS, headers=sup, json={"bots": "always"})
        states = {c["counter_id"]: c for c in always.json()["counters"]}
        # Bots are back everywhere but at the counter the supervisor holds closed.
        assert states["D1"]["state"] == "closed" and states["D1"]["staffed_by"] is None
        assert all(c["staffed_by"] == "bot" for cid, c in states.items() if cid != "D1")
        await server.http.put(BOTS, headers=sup, json={"bots": "off_hours"})

        holds = await audit(server, "counter_hold")
        assert [(r, d["counter"], d["held"]) for r, _, d in holds] == [("supervisor", "D1", True)]
        bots = await audit(server, "bot_staffing_set")
        assert [(d["bots"], d["previous"]) for _, _, d in bots] == [
            ("never", "always"),
            ("always", "never"),
            ("off_hours", "always"),
        ]
        assert all(role == "supervisor" and ref.startswith("account:") for role, ref, _ in bots)

    # A restart keeps the supervisor's choices: D1 stays closed, bots stay off_hours.
    async with running_server(data, counter_bots="always") as server:
        sup = auth(await server.staff_token("supervisor"))
        after = (await server.http.get(KPI, headers=sup)).json()
        assert after["bots"] == "off_hours" and after["held_closed"] == ["D1"]
        assert counter(after, "D1")["state"] == "closed"
        await server.http.put(BOTS, headers=sup, json={"bots": "always"})
        opened = await server.http.post(counter_url("D1", "open"), headers=sup)
        assert opened.status_code == 200
        assert opened.json()["state"] == "idle" and opened.json()["staffed_by"] == "bot"
        assert opened.json()["held_closed"] is False
