"""The civil-registry sim as a real process: auth, identity checks, documents, callbacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from hall_server.sims import webhooks
from tests.sims.support import SECRET, Receiver, SimProcess, StartSim
from tests.support.waiting import wait_until

BUDI = {
    "nik": "7471011708459901",
    "full_name": "Budi Contoh Santoso",
    "birth_date": "1945-08-17",
    "birth_place": "Kendari",
}


def application(n: int = 1, **form: Any) -> dict[str, Any]:
    return {
        "service": "KK",
        "variant": "BARU",
        "form": {"nik": BUDI["nik"], "nama_lengkap": BUDI["full_name"], **form},
        "application_id": f"app-{n}",
        "tracking_code": f"TRK{n:04d}",
    }


def signed_by_secret(headers: dict[str, str], body: bytes) -> bool:
    """Recompute the signature by hand, independently of hall_server.sims.webhooks."""
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return headers["webhook-signature"] == expected


async def status_of(sim: SimProcess, reference: str, final: set[str]) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        response = await sim.http.get(f"/v1/applications/{reference}")
        assert response.status_code == 200
        record: dict[str, Any] = response.json()
        return record if record["status"] in final else None

    return await wait_until(done, what=f"{reference} to reach {final}")


async def test_requests_without_or_with_a_wrong_api_key_are_refused(start_sim: StartSim) -> None:
    sim = await start_sim("civil-registry")
    for headers in ({"X-Api-Key": ""}, {"X-Api-Key": "wrong"}):
        verify = await sim.http.post("/v1/identity/verify", json=BUDI, headers=headers)
        submit = await sim.http.post(
            "/v1/applications", json=application(), headers={**headers, "Idempotency-Key": "k"}
        )
        admin = await sim.http.get("/admin/received", headers=headers)
        for response in (verify, submit, admin):
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "unauthenticated"
    assert (await sim.received())["received"] == []


async def test_identity_check_answers_per_field_and_never_returns_the_record(
    start_sim: StartSim,
) -> None:
    sim = await start_sim("civil-registry")
    fields = {"nik", "full_name", "birth_date", "birth_place", "threshold"}

    exact = await sim.http.post("/v1/identity/verify", json=BUDI)
    assert exact.status_code == 200
    assert exact.json() == {
        "nik": "match",
        "full_name": "match",
        "birth_date": "match",
        "birth_place": "match",
        "threshold": 0.85,
    }

    typo = {**BUDI, "full_name": "BUDI CONTOH SANTOSA", "birth_date": "1945-08-18"}
    answer = (await sim.http.post("/v1/identity/verify", json=typo)).json()
    assert set(answer) == fields
    assert (answer["full_name"], answer["birth_date"]) == ("match", "no_match")

    stranger = {**BUDI, "full_name": "Rudi Lain Orang", "birth_place": "Jakarta"}
    response = await sim.http.post("/v1/identity/verify", json=stranger)
    answer = response.json()
    assert (answer["full_name"], answer["birth_place"]) == ("no_match", "no_match")
    assert "Budi" not in response.text and "Kendari" not in response.text

    unknown = {**BUDI, "nik": "7471011708459999"}
    answer = (await sim.http.post("/v1/identity/verify", json=unknown)).json()
    assert {answer[f] for f in fields - {"threshold"}} == {"no_match"}


async def test_identity_check_refuses_an_invalid_nik_without_echoing_it(
    start_sim: StartSim,
) -> None:
    sim = await start_sim("civil-registry")
    response = await sim.http.post("/v1/identity/verify", json={**BUDI, "nik": "7471013208459901"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_nik"
    assert "7471013208459901" not in response.text
    missing = await sim.http.post("/v1/identity/verify", json={"nik": BUDI["nik"]})
    assert missing.status_code == 400
    assert "full_name" in missing.json()["error"]["message"]


async def test_same_idempotency_key_and_body_replays_the_original_response(
    start_sim: StartSim,
) -> None:
    sim = await start_sim("civil-registry")
    headers = {"Idempotency-Key": "hall-app-1"}
    first = await sim.http.post("/v1/applications", json=application(), headers=headers)
    second = await sim.http.post("/v1/applications", json=application(), headers=headers)
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    received = await sim.received()
    assert [r["idempotency_key"] for r in received["received"]] == ["hall-app-1"]
    assert received["posts_by_key"] == {"hall-app-1": 2}


async def test_same_idempotency_key_with_another_body_is_a_conflict(start_sim: StartSim) -> None:
    sim = await start_sim("civil-registry")
    headers = {"Idempotency-Key": "hall-app-1"}
    await sim.http.post("/v1/applications", json=application(1), headers=headers)
    other = await sim.http.post("/v1/applications", json=application(2), headers=headers)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_conflict"
    received = await sim.received()
    assert len(received["received"]) == 1
    assert received["received"][0]["body"]["application_id"] == "app-1"


async def test_submission_needs_an_idempotency_key_and_a_valid_envelope(
    start_sim: StartSim,
) -> None:
    sim = await start_sim("civil-registry")
    no_key = await sim.http.post("/v1/applications", json=application())
    assert no_key.status_code == 400
    assert no_key.json()["error"]["code"] == "idempotency_key_required"
    for bad, name in (
        ({**application(), "service": "NIB"}, "service"),
        ({**application(), "variant": "LAIN"}, "variant"),
        ({**application(), "form": []}, "form"),
        ({**application(), "tracking_code": ""}, "tracking_code"),
    ):
        response = await sim.http.post(
            "/v1/applications", json=bad, headers={"Idempotency-Key": name}
        )
        assert response.status_code == 400
        assert name in response.json()["error"]["message"]
    assert (await sim.received())["received"] == []


async def test_application_is_printed_and_each_status_is_called_back_signed(
    start_sim: StartSim, receiver: Receiver
) -> None:
    sim = await start_sim("civil-registry")
    accepted = await sim.http.post(
        "/v1/applications", json=application(), headers={"Idempotency-Key": "k1"}
    )
    assert accepted.status_code == 202
    assert accepted.json()["status"] == "received"
    reference = accepted.json()["reference"]

    record = await status_of(sim, reference, {"printed"})
    assert [h["status"] for h in record["history"]] == [
        "received",
        "verifying",
        "approved",
        "printed",
    ]
    assert record["document_number"].startswith("7471-KK-")
    assert record["reason"] is None

    async def four_callbacks() -> bool | None:
        return True if len(receiver.messages) >= 4 else None

    await wait_until(four_callbacks, what="four callbacks")
    statuses = []
    for headers, body in receiver.messages:
        assert signed_by_secret(headers, body)
        assert webhooks.verify(SECRET, headers, body, now=time.time())
        message = json.loads(body)
        assert message["type"] == "civil-registry.application.status"
        assert message["data"]["reference"] == reference
        assert message["data"]["tracking_code"] == "TRK0001"
        statuses.append(message["data"]["status"])
    assert statuses == ["received", "verifying", "approved", "printed"]
    assert len({h["webhook-id"] for h, _ in receiver.messages}) == 4


async def test_rejected_application_ends_with_a_reason(start_sim: StartSim) -> None:
    sim = await start_sim("civil-registry")
    response = await sim.http.post(
        "/v1/applications",
        json=application(sim_outcome="rejected"),
        headers={"Idempotency-Key": "k1"},
    )
    record = await status_of(sim, response.json()["reference"], {"printed", "rejected"})
    assert record["status"] == "rejected"
    assert record["reason"]
    assert record["document_number"] is None


async def test_unknown_reference_is_not_found(start_sim: StartSim) -> None:
    sim = await start_sim("civil-registry")
    response = await sim.http.get("/v1/applications/DKC-20250101-999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
