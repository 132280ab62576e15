"""Hand-off end to end: the hall and both simulated back offices as real processes on loopback."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from avatars.nik import nik_digest
from hall_server.backoffice import add_to_outbox, sign
from hall_server.db import create_engine, make_sessionmaker
from hall_server.db.migrate import upgrade
from hall_server.db.models import Account, ApplicationRow, Hall
from hall_server.secrets import derive_key, resolve_secret_key
from hall_server.settings import Settings
from tests.e2e.server import running_server
from tests.helpers import NIB_FORM
from tests.servers import free_port
from tests.sims.support import API_KEYS, SECRET, SimProcess
from tests.support.waiting import wait_until

HALL = "mpp-kendari"
NIK = "7471014101900001"
#: The variant a service needs (the back office refuses KTP-EL without one).
VARIANTS = {"KTP-EL": "HILANG", "KK": "BARU", "PINDAH-DATANG": "PINDAH"}
KIND_OF = {"civil-registry": "civil_registry", "permits": "permits"}


@pytest.fixture
async def sims(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    hall_port = free_port()
    started: dict[str, SimProcess] = {}
    for kind in ("civil-registry", "permits"):
        callback = f"http://127.0.0.1:{hall_port}/api/v1/backoffice/webhooks/{KIND_OF[kind]}"
        sim = SimProcess(
            kind,
            tmp_path / f"{kind}.db",
            tmp_path / f"{kind}.log",
            ("--callback-url", callback, "--hang-s", "3"),
        )
        await sim.start()
        started[kind] = sim
    yield {"hall_port": hall_port, **started}
    for sim in started.values():
        await sim.stop()


def start_hall_process(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``hall-server serve`` as its own process (so a test can SIGKILL it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "hall_server.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def hall_ready(port: int) -> bool:
    """The hall process on ``port`` answers /readyz."""
    try:
        async with httpx.AsyncClient() as http:
            r = await http.get(f"http://127.0.0.1:{port}/readyz")
            return r.status_code == 200
    except httpx.HTTPError:
        return False


def hall_settings(sims: dict[str, Any], **extra: Any) -> dict[str, Any]:
    civil, permits = sims["civil-registry"], sims["permits"]
    return {
        "civil_registry_url": civil.url,
        "civil_registry_api_key": API_KEYS["civil-registry"][1],
        "civil_registry_webhook_secret": SECRET,
        "permits_url": permits.url,
        "permits_api_key": API_KEYS["permits"][1],
        "permits_webhook_secret": SECRET,
        "backoffice_timeout_s": 1.0,
        "backoffice_connect_timeout_s": 0.5,
        "handoff_backoff_base_s": 0.05,
        "handoff_backoff_cap_s": 0.5,
        "handoff_breaker_reset_s": 0.5,
        "handoff_max_attempts": 1000,
        "counter_bots": "never",
        **extra,
    }


async def file_applications(
    database_url: str,
    data_dir: Path,
    services: list[str],
    *,
    migrate: bool = False,
    hall: str = HALL,
) -> list[tuple[str, str]]:
    """What a counter session's submit writes: applications with their outbox rows, one transaction each.

    Returns (application id, tracking code). The citizen is an account found by the NIK.
    """
    if migrate:
        await upgrade(database_url)
    settings = Settings.from_env({}, data_dir=data_dir)
    digest = nik_digest(derive_key(resolve_secret_key(settings), "nik"), NIK)
    engine = create_engine(database_url)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    out = []
    try:
        async with sessions.begin() as db:
            if await db.get(Hall, hall) is None:
                db.add(Hall(id=hall, name=hall, scene_id=hall, created_at=now))
            account = (
                await db.scalars(select(Account).where(Account.nik_digest == digest))
            ).first()
            if account is None:
                account = Account(
                    role="citizen", nik_digest=digest, display_name="Siti", created_at=now
                )
                db.add(account)
                await db.flush()
            citizen = f"account:{account.id}"
        for i, service in enumerate(services):
            app_id = f"app{time.monotonic_ns()}{i}"
            code = f"MPP-T{i:04d}-{secrets.token_hex(4).upper()}"
            async with sessions.begin() as db:
                row = ApplicationRow(
                    id=app_id,
                    hall_id=hall,
                    tracking_code=code,
                    service=service,
                    ticket_id=None,
                    session_id=None,
                    citizen_ref=citizen,
                    status="awaiting_officer",
                    fee_idr=0,
                    created_at=now,
                    updated_at=now,
                    data={
                        "variant": VARIANTS.get(service),
                        "form": {"nik": NIK, "nama_lengkap": "Siti Aminah"},
                        "checklist": {},
                        "filed_by": "bot:D1",
                        "fee_is_levy": False,
                    },
                )
                db.add(row)
                kind = "permits" if service in ("NIB", "PBG", "REKLAME") else "civil_registry"
                await add_to_outbox(db, row, kind=kind, now=now)
            out.append((app_id, code))
    finally:
        await engine.dispose()
    return out


async def outbox_attempts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT application_id, attempts FROM outbox"))
            return {r.application_id: r.attempts for r in rows}
    finally:
        await engine.dispose()


async def outbox_states(database_url: str) -> dict[str, str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT application_id, state FROM outbox"))
            return {r.application_id: r.state for r in rows}
    finally:
        await engine.dispose()


def received_once(received: dict[str, Any], app_ids: list[str]) -> None:
    """Every application is in the back office's own records exactly once."""
    got = [r["body"]["application_id"] for r in received["received"]]
    mine = [a for a in got if a in set(app_ids)]
    assert sorted(mine) == sorted(app_ids), "each application filed exactly once"


async def lookup(server_base: str, code: str, nik: str = NIK) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server_base) as http:
        return await http.post(
            "/api/v1/applications/lookup", json={"tracking_code": code, "nik": nik}
        )


async def test_happy_path_for_each_back_office_with_status_callbacks_and_lookup(tmp_path, sims):
    async with running_server(
        tmp_path / "data", port=sims["hall_port"], **hall_settings(sims)
    ) as server:
        url = server.settings.resolved_database_url
        apps = await file_applications(url, server.settings.data_dir, ["KTP-EL", "NIB"])

        async def final() -> bool:
            answers = [(await lookup(server.base, code)).json() for _, code in apps]
            return all(a.get("status") in ("completed", "approved") for a in answers)

        await wait_until(final, 60, "both applications to be final", interval=0.2)
        answer = (await lookup(server.base, apps[1][1])).json()
        statuses = [h["status"] for h in answer["history"]]
        assert statuses[:2] == ["filed", "queued"] and "sent" in statuses
        assert answer["text"]["id"] and answer["text"]["en"]
        received_once(await sims["civil-registry"].received(), [apps[0][0]])
        received_once(await sims["permits"].received(), [apps[1][0]])

        # Bad input at the boundary: an unknown code and a wrong NIK reveal the same nothing.
        unknown = await lookup(server.base, "MPP-NOPE-NOPE")
        wrong_nik = await lookup(server.base, apps[0][1], nik="7471014101900002")
        assert unknown.status_code == wrong_nik.status_code == 404
        assert unknown.json() == wrong_nik.json()
        assert "7471014101900002" not in wrong_nik.text


async def test_thirty_percent_failures_deliver_every_application_exactly_once(tmp_path, sims):
    civil = sims["civil-registry"]
    await civil.set_faults(fail_rate=0.3, timeout_rate=0.1, hang_s=2)
    async with running_server(
        tmp_path / "data", port=sims["hall_port"], **hall_settings(sims)
    ) as server:
        url = server.settings.resolved_database_url
        apps = await file_applications(url, server.settings.data_dir, ["KK"] * 20)
        ids = [a for a, _ in apps]

        async def all_delivered() -> bool:
            states = await outbox_states(url)
            return all(states.get(a) == "delivered" for a in ids)

        await wait_until(all_delivered, 120, "every application delivered", interval=0.2)
        received = await civil.received()
        received_once(received, ids)
        # Timeouts after processing made the hall post some keys again; none was filed twice.
        assert len(received["received"]) == 20


async def test_a_back_office_down_for_a_while_gets_the_backlog_after_recovery(tmp_path, sims):
    permits = sims["permits"]
    await permits.set_faults(down=True)
    async with running_server(
        tmp_path / "data", port=sims["hall_port"], **hall_settings(sims)
    ) as server:
        url = server.settings.resolved_database_url
        apps = await file_applications(url, server.settings.data_dir, ["NIB"] * 8)

        async def each_tried_and_refused() -> bool:
            tries = await outbox_attempts(url)
            return all(tries.get(a, 0) >= 1 for a, _ in apps)

        # Instead of a fixed 2 s: until the worker has tried (and failed) each one.
        await wait_until(each_tried_and_refused, 60, "a failed try of each application", 0.2)
        states = await outbox_states(url)
        assert all(states[a] == "pending" for a, _ in apps)  # accepted and kept, not lost
        await permits.set_faults(down=False)

        async def all_delivered() -> bool:
            states = await outbox_states(url)
            return all(states.get(a) == "delivered" for a, _ in apps)

        await wait_until(all_delivered, 60, "the backlog delivered", interval=0.2)
        received_once(await permits.received(), [a for a, _ in apps])


async def test_a_lost_callback_is_reconciled_by_polling(tmp_path, sims):
    civil = sims["civil-registry"]
    await civil.set_faults(drop_webhooks=True)
    settings = hall_settings(sims, handoff_reconcile_after_s=1.0)
    async with running_server(tmp_path / "data", port=sims["hall_port"], **settings) as server:
        apps = await file_applications(
            server.settings.resolved_database_url, server.settings.data_dir, ["AKTA-LAHIR"]
        )

        async def final() -> bool:
            return (await lookup(server.base, apps[0][1])).json().get("status") in (
                "completed",
                "approved",
            )

        await wait_until(final, 60, "the application to be final", interval=0.2)
        webhooks = (await civil.http.get("/admin/webhooks")).json()
        assert webhooks and all(w["state"] == "dropped" for w in webhooks.get("webhooks", webhooks))


async def test_forged_stale_and_replayed_callbacks_are_rejected(tmp_path, sims):
    async with running_server(
        tmp_path / "data", port=sims["hall_port"], **hall_settings(sims)
    ) as server:
        apps = await file_applications(
            server.settings.resolved_database_url, server.settings.data_dir, ["NIB"]
        )
        await wait_until(
            lambda: _delivered(server.settings.resolved_database_url, apps[0][0]),
            60,
            "the application delivered",
            interval=0.2,
        )
        url = f"{server.base}/api/v1/backoffice/webhooks/permits"
        body = json.dumps(
            {"type": "permits.application.status", "timestamp": "x", "data": {}}
        ).encode()
        now = int(time.time())
        async with httpx.AsyncClient() as http:
            forged = await http.post(
                url,
                content=body,
                headers={
                    "webhook-id": "msg_forged",
                    "webhook-timestamp": str(now),
                    "webhook-signature": sign("whsec_" + "A" * 32, "msg_forged", now, body),
                },
            )
            stale_ts = now - 3600
            stale = await http.post(
                url,
                content=body,
                headers={
                    "webhook-id": "msg_stale",
                    "webhook-timestamp": str(stale_ts),
                    "webhook-signature": sign(SECRET, "msg_stale", stale_ts, body),
                },
            )
            assert forged.json()["error"]["code"] == "webhook_forged"
            assert stale.json()["error"]["code"] == "webhook_stale"

            # A genuine callback the hall already received, sent again: refused as a replay.
            # (The first callback may have overtaken the worker's record of the delivery and
            # been refused as unknown; the office sends it again shortly.)
            async def receipt() -> Any:
                engine = create_engine(server.settings.resolved_database_url)
                try:
                    async with engine.connect() as conn:
                        query = text("SELECT webhook_id FROM webhook_receipts")
                        return (await conn.execute(query)).first()
                finally:
                    await engine.dispose()

            seen = await wait_until(receipt, 60, "a webhook receipt", interval=0.2)
            replay = await http.post(
                url,
                content=body,
                headers={
                    "webhook-id": seen.webhook_id,
                    "webhook-timestamp": str(now),
                    "webhook-signature": sign(SECRET, seen.webhook_id, now, body),
                },
            )
            assert replay.json()["error"]["code"] == "webhook_replayed"
            assert {forged.status_code, stale.status_code, replay.status_code} <= {400, 401, 409}


async def _delivered(url: str, app_id: str) -> bool:
    return (await outbox_states(url)).get(app_id) == "delivered"


async def test_sigkill_of_the_hall_mid_delivery_still_files_each_application_once(tmp_path, sims):
    civil = sims["civil-registry"]
    await civil.set_faults(slow_ms=150, timeout_rate=0.2, hang_s=2)
    data_dir = tmp_path / "data"
    db_url = f"sqlite+aiosqlite:///{data_dir / 'hall.db'}"
    env = {
        **os.environ,
        "HALL_DATA_DIR": str(data_dir),
        "HALL_PORT": str(sims["hall_port"]),
        "HALL_LOG_LEVEL": "WARNING",
    }
    env.update({f"HALL_{k.upper()}": str(v) for k, v in hall_settings(sims).items()})

    def start() -> subprocess.Popen[bytes]:
        return start_hall_process(env)

    async def ready() -> bool:
        return await hall_ready(sims["hall_port"])

    hall = start()
    try:
        await wait_until(ready, 60, "the hall to be ready", interval=0.2)
        apps = await file_applications(db_url, data_dir, ["KTP-EL"] * 30)
        ids = [a for a, _ in apps]

        async def some_delivered() -> bool:
            states = await outbox_states(db_url)
            return 3 <= sum(states.get(a) == "delivered" for a in ids) < len(ids)

        await wait_until(some_delivered, 60, "some deliveries", interval=0.2)
        hall.send_signal(signal.SIGKILL)  # mid-delivery: no shutdown, no cleanup
        hall.wait(10)
        await civil.set_faults(slow_ms=0, timeout_rate=0.0)
        hall = start()
        await wait_until(ready, 60, "the restarted hall to be ready", interval=0.2)

        async def all_delivered() -> bool:
            states = await outbox_states(db_url)
            return all(states.get(a) == "delivered" for a in ids)

        await wait_until(all_delivered, 120, "every application delivered", interval=0.2)
        received_once(await civil.received(), ids)
    finally:
        hall.kill()
        hall.wait(10)


async def test_a_bot_filed_application_reaches_the_back_office_and_the_citizen_hears_in_the_hall(
    tmp_path, sims
):
    """The whole way: sign in with NIK, take a number, the bot files NIB, the permit office approves."""
    async with running_server(
        tmp_path / "data",
        port=sims["hall_port"],
        **hall_settings(sims, counter_bots="always", max_speed_m_s=20.0),
    ) as server:
        handler = _Capture()
        logging.getLogger("hall_server").addHandler(handler)
        try:
            await server.http.post("/api/v1/auth/citizen/code", json={"nik": NIK})
            code = re.search(r"sign-in code for \S+: (\d{6})", "\n".join(handler.lines))
        finally:
            logging.getLogger("hall_server").removeHandler(handler)
        assert code is not None
        token = (
            await server.http.post(
                "/api/v1/auth/citizen/token",
                json={"nik": NIK, "code": code.group(1), "display_name": "Siti"},
            )
        ).json()["token"]
        citizen = await server.join(HALL, token)
        await citizen.send(type="ticket_take", service="NIB")
        called = await citizen.next("called")
        await citizen.walk_to(tuple(called["counter"]["position"]))
        await citizen.next("counter_session")
        await citizen.send(type="form_update", fields={**NIB_FORM, "nik": NIK})
        await citizen.next("form_result", lambda m: m["errors"] == {})
        await citizen.send(type="documents_show", requirements=["ktp_el", "kontak", "data_usaha"])
        filed = await citizen.next("application_filed")
        assert filed["status"] == "queued"
        # Every status change is pushed, "sent" included (it was not before v1.1).
        sent = await citizen.next("application_status", lambda m: m["status"] == "sent", timeout=60)
        assert sent["tracking_code"] == filed["tracking_code"]
        status = await citizen.next(
            "application_status", lambda m: m["status"] in ("completed", "approved"), timeout=60
        )
        assert status["tracking_code"] == filed["tracking_code"] and status["text"]["en"]
        looked = (await lookup(server.base, filed["tracking_code"])).json()
        assert looked["status"] == status["status"]
        await citizen.close()


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: Any) -> None:
        self.lines.append(record.getMessage())


async def test_two_halls_hand_off_to_their_own_back_offices_and_hear_back_from_them(tmp_path):
    """HALL_BACKOFFICES_FILE points each hall at its own permit office process."""
    hall_port = free_port()
    other = "mpp-baubau"
    offices: dict[str, SimProcess] = {}
    try:
        for hall in (HALL, other):
            callback = (
                f"http://127.0.0.1:{hall_port}/api/v1/halls/{hall}/backoffice/webhooks/permits"
            )
            offices[hall] = SimProcess(
                "permits",
                tmp_path / f"{hall}.db",
                tmp_path / f"{hall}.log",
                ("--callback-url", callback),
            )
            await offices[hall].start()
        table = '[{hall}.permits]\nurl = "{url}"\napi_key = "{key}"\nwebhook_secret = "{secret}"\n'
        routes = tmp_path / "backoffices.toml"
        routes.write_text(
            "".join(
                table.format(hall=h, url=o.url, key=API_KEYS["permits"][1], secret=SECRET)
                for h, o in offices.items()
            )
        )
        settings = {
            "backoffices_file": routes,
            "handoff_backoff_base_s": 0.05,
            "handoff_backoff_cap_s": 0.5,
            "counter_bots": "never",
        }
        async with running_server(tmp_path / "data", port=hall_port, **settings) as server:
            url, data_dir = server.settings.resolved_database_url, server.settings.data_dir
            filed = {
                HALL: await file_applications(url, data_dir, ["NIB"] * 3),
                other: await file_applications(url, data_dir, ["NIB"] * 2, hall=other),
            }

            async def final() -> bool:
                for apps in filed.values():
                    for _, code in apps:
                        status = (await lookup(server.base, code)).json().get("status")
                        if status not in ("completed", "approved"):
                            return False
                return True

            # Both offices number their applications alike: the callbacks of each
            # office reach its own hall's applications only.
            await wait_until(final, 60, "every application final", interval=0.2)
            for hall, office in offices.items():
                received = await office.received()
                ids = [a for a, _ in filed[hall]]
                received_once(received, ids)
                assert len(received["received"]) == len(ids)
    finally:
        for office in offices.values():
            await office.stop()
