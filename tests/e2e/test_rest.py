"""The REST side: operations endpoints, halls, scene, roles, citizen sign-in."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_server
from tests.support.waiting import wait_until

HALL = "mpp-kendari"
NIK = "7471014101900001"  # Kota Kendari, a woman born 1 January 1990 (day + 40)
SIMS = 5  # simulated citizens
COUNTERS = 9  # the demo hall's counters, each staffed by a bot clerk when no officer is


@pytest.fixture
async def server(tmp_path: Path):
    async with running_server(tmp_path / "data", demo_citizens=SIMS) as srv:
        yield srv


async def test_health_readiness_and_metrics(server):
    assert (await server.http.get("/healthz")).json() == {"status": "ok"}

    async def ready() -> httpx.Response | None:
        response = await server.http.get("/readyz")
        return response if response.status_code == 200 else None

    # As an orchestrator would: poll until ready.
    ready_answer = await wait_until(ready, 10, "/readyz to answer 200", interval=0.1)
    assert ready_answer.json() == {"ready": True, "problems": []}
    metrics = (await server.http.get("/metrics")).text
    for name in (
        "hall_ws_connections",
        "hall_avatars",
        "hall_tick_seconds_bucket",
        "hall_tick_send_seconds_bucket",
        "hall_messages_in_total",
        "hall_bytes_out_total",
        "hall_errors_total",
    ):
        assert name in metrics
    assert f'hall_avatars{{hall="mpp-kendari"}} {SIMS + COUNTERS}.0' in metrics


async def test_halls_list_scene_download_and_openapi(server):
    halls = (await server.http.get("/api/v1/halls")).json()
    assert [h["id"] for h in halls] == [HALL]
    assert halls[0]["avatars"] == SIMS + COUNTERS
    scene = (await server.http.get(halls[0]["scene_url"])).json()
    assert scene["id"] == HALL and len(scene["counters"]) >= 7
    assert (await server.http.get("/api/v1/halls/nope")).json()["error"]["code"] == "unknown_hall"
    spec = (await server.http.get("/openapi.json")).json()
    assert "/api/v1/halls" in spec["paths"]
    index = await server.http.get("/")
    assert index.status_code == 200
    script = re.search(r'src="(/app/assets/[^"?]+\.js)', index.text)
    assert script is not None, index.text
    assert (await server.http.get(script[1])).status_code == 200


async def test_announcements_and_stats_are_for_supervisors_only(server):
    guest = await server.guest_token("tamu")
    officer = await server.staff_token("petugas1")
    body = {"id": "Halo", "en": "Hello"}
    url = f"/api/v1/halls/{HALL}/announcements"
    assert (await server.http.post(url, json=body)).status_code == 401
    for token in (guest, officer):
        r = await server.http.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    admin = await server.staff_token("admin")
    r = await server.http.get(
        f"/api/v1/halls/{HALL}/stats", headers={"Authorization": f"Bearer {admin}"}
    )
    assert r.status_code == 200 and r.json()["avatars"] == SIMS + COUNTERS
    # A window: only the ticks after the one named count.
    now = r.json()["tick"]
    later = await server.http.get(
        f"/api/v1/halls/{HALL}/stats",
        params={"since_tick": now},
        headers={"Authorization": f"Bearer {admin}"},
    )
    window = later.json()
    assert window["first_tick"] is None or window["first_tick"] > now
    assert window["ticks"] == (window["tick"] - now)


async def test_a_citizen_signs_in_with_nik_and_code_and_the_nik_never_reaches_the_log(
    server, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    bad = await server.http.post("/api/v1/auth/citizen/code", json={"nik": "7471014101900000"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_nik"
    assert "7471014101900000" not in bad.text
    sent = await server.http.post("/api/v1/auth/citizen/code", json={"nik": NIK})
    assert sent.status_code == 202 and sent.json()["nik"] == "7471********0001"
    code = re.search(r"sign-in code for 7471\*+0001: (\d{6})", caplog.text)
    assert code is not None
    r = await server.http.post(
        "/api/v1/auth/citizen/token",
        json={"nik": NIK, "code": code.group(1), "display_name": "Siti"},
    )
    assert r.status_code == 200 and r.json()["role"] == "citizen"
    ws = await server.join(HALL, r.json()["token"])
    welcome = ws.welcome
    assert welcome["you"]["name"] == "Siti" and welcome["you"]["role"] == "citizen"
    await ws.send_raw(json.dumps({"type": "leave"}))
    await ws.close()
    metrics = (await server.http.get("/metrics")).text
    for text in (caplog.text, metrics, r.text, welcome.__repr__()):
        assert NIK not in text


async def test_the_service_catalogue_publishes_each_standar_pelayanan_in_both_languages(server):
    services = (await server.http.get("/api/v1/services")).json()["services"]
    codes = {s["code"] for s in services}
    assert {
        "KTP-EL",
        "KK",
        "AKTA-LAHIR",
        "AKTA-MATI",
        "PINDAH-DATANG",
        "NIB",
        "PBG",
        "REKLAME",
    } <= codes
    ktp_en = (await server.http.get("/api/v1/services/KTP-EL?lang=en")).json()
    ktp_id = (await server.http.get("/api/v1/services/KTP-EL")).json()
    assert ktp_en["name"] != ktp_id["name"]
    missing = await server.http.get("/api/v1/services/NOPE")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_service"
