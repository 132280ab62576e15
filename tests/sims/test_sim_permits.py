"""The permit sim as a real process: user_key auth, OSS status codes, signed callbacks."""

from __future__ import annotations

import json
import time
from typing import Any

from hall_server.sims import webhooks
from hall_server.sims.permits import FINAL, plan_path
from tests.sims.support import SECRET, Receiver, SimProcess, StartSim
from tests.support.waiting import wait_until


def permit(service: str = "NIB", n: int = 1, **form: Any) -> dict[str, Any]:
    return {
        "service": service,
        "variant": None,
        "form": {"nik": "7471011708459901", "nama_usaha": "Warung Contoh", **form},
        "application_id": f"app-{n}",
        "tracking_code": f"TRK{n:04d}",
    }


async def final_record(sim: SimProcess, reference: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        response = await sim.http.get(f"/v1/applications/{reference}")
        assert response.status_code == 200
        record: dict[str, Any] = response.json()
        return record if record["kd_status"] in FINAL else None

    return await wait_until(done, what=f"{reference} to reach a final status")


async def submit(sim: SimProcess, body: dict[str, Any], key: str) -> dict[str, Any]:
    response = await sim.http.post("/v1/applications", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 202, response.text
    result: dict[str, Any] = response.json()
    return result


def codes(record: dict[str, Any]) -> list[str]:
    return [entry["kd_status"] for entry in record["riwayat"]]


def test_every_path_ends_in_a_final_code_once() -> None:
    for service in ("NIB", "PBG", "REKLAME"):
        for path in ("approved", "rejected", "correction", "inspection", "fiktif_positif"):
            steps = [s["changes"]["kd_status"] for s in plan_path(service, path, {"nib": "x"})]
            assert steps[-1] in FINAL
            assert not FINAL & set(steps[:-1])


async def test_requests_without_or_with_a_wrong_user_key_are_refused(start_sim: StartSim) -> None:
    sim = await start_sim("permits")
    for headers in ({"user_key": ""}, {"user_key": "wrong"}):
        response = await sim.http.post(
            "/v1/applications", json=permit(), headers={**headers, "Idempotency-Key": "k"}
        )
        assert response.status_code == 401
    assert (await sim.received())["received"] == []


async def test_nib_is_issued_and_each_status_is_called_back_signed(
    start_sim: StartSim, receiver: Receiver
) -> None:
    sim = await start_sim("permits")
    accepted = await submit(sim, permit(), "k1")
    assert accepted["kd_status"] == "09"
    record = await final_record(sim, accepted["id_permohonan"])
    assert codes(record) == ["09", "11", "20", "50"]
    assert len(record["nib"]) == 13 and record["nib"].isdigit()
    assert record["approved"] is True

    async def four() -> bool | None:
        return True if len(receiver.messages) >= 4 else None

    await wait_until(four, what="four callbacks")
    for headers, body in receiver.messages:
        assert webhooks.verify(SECRET, headers, body, now=time.time())
    data = [json.loads(body)["data"] for _, body in receiver.messages]
    assert [d["kd_status"] for d in data] == ["09", "11", "20", "50"]
    assert {"nib", "id_izin", "kd_izin", "kd_status", "tgl_status", "keterangan"} <= set(data[-1])


async def test_pbg_correction_stops_and_resumes_the_sla_clock(start_sim: StartSim) -> None:
    sim = await start_sim("permits")
    accepted = await submit(sim, permit("PBG", sim_outcome="correction"), "k1")
    record = await final_record(sim, accepted["id_permohonan"])
    assert codes(record) == ["09", "10", "41", "11", "42", "20", "45", "50"]
    assert record["id_izin"].startswith("PBG-")


async def test_lapsed_sla_grants_the_permit_by_default_and_rejection_gives_a_reason(
    start_sim: StartSim,
) -> None:
    sim = await start_sim("permits")
    lapsed = await submit(sim, permit("REKLAME", 1, sim_outcome="fiktif_positif"), "k1")
    rejected = await submit(sim, permit("PBG", 2, sim_outcome="rejected"), "k2")
    lapsed_record = await final_record(sim, lapsed["id_permohonan"])
    assert lapsed_record["kd_status"] == "57"
    assert lapsed_record["approved"] is True
    rejected_record = await final_record(sim, rejected["id_permohonan"])
    assert rejected_record["kd_status"] == "93"
    assert rejected_record["approved"] is False
    assert rejected_record["keterangan"]


async def test_permit_idempotency_replays_and_refuses_a_changed_body(start_sim: StartSim) -> None:
    sim = await start_sim("permits")
    first = await submit(sim, permit(), "same")
    again = await submit(sim, permit(), "same")
    assert first == again
    changed = await sim.http.post(
        "/v1/applications", json=permit(n=2), headers={"Idempotency-Key": "same"}
    )
    assert changed.status_code == 422
    assert changed.json()["error"]["code"] == "idempotency_conflict"
    assert (await sim.received())["posts_by_key"] == {"same": 3}
