"""Faults and durability of both sims, as real processes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sims.support import Receiver, SimProcess, StartSim
from tests.support.waiting import wait_until

KINDS = ("civil-registry", "permits")


def body(kind: str, n: int = 1) -> dict[str, Any]:
    service, variant = ("KK", "BARU") if kind == "civil-registry" else ("NIB", None)
    return {
        "service": service,
        "variant": variant,
        "form": {"nik": "7471011708459901"},
        "application_id": f"app-{n}",
        "tracking_code": f"TRK{n:04d}",
    }


def is_final(kind: str, record: dict[str, Any]) -> bool:
    if kind == "civil-registry":
        return record["status"] in ("printed", "rejected")
    return bool(record["final"])


def reference(kind: str, record: dict[str, Any]) -> str:
    return str(record["reference" if kind == "civil-registry" else "id_permohonan"])


async def wait_final(sim: SimProcess, ref: str) -> None:
    async def done() -> bool | None:
        record = (await sim.http.get(f"/v1/applications/{ref}")).json()
        return True if is_final(sim.kind, record) else None

    await wait_until(done, what=f"{ref} to be final")


@pytest.mark.parametrize("kind", KINDS)
async def test_fail_rate_answers_5xx_and_records_nothing(kind: str, start_sim: StartSim) -> None:
    sim = await start_sim(kind, "--fail-rate", "1")
    for n in range(6):
        response = await sim.http.post(
            "/v1/applications", json=body(kind, n), headers={"Idempotency-Key": f"k{n}"}
        )
        assert response.status_code in (500, 503)
        assert response.json()["error"]["code"] == "injected_fault"
    assert (await sim.received())["received"] == []


@pytest.mark.parametrize("kind", KINDS)
async def test_partial_fail_rate_fails_some_and_accepts_the_rest(
    kind: str, start_sim: StartSim
) -> None:
    sim = await start_sim(kind)
    await sim.set_faults(fail_rate=0.5)
    statuses = []
    for n in range(20):
        response = await sim.http.post(
            "/v1/applications", json=body(kind, n), headers={"Idempotency-Key": f"k{n}"}
        )
        statuses.append(response.status_code)
    assert {500, 503} & set(statuses) and 202 in statuses
    assert set(statuses) <= {202, 500, 503}
    assert len((await sim.received())["received"]) == statuses.count(202)


@pytest.mark.parametrize("kind", KINDS)
async def test_down_refuses_everything_with_503_until_back_up(
    kind: str, start_sim: StartSim
) -> None:
    sim = await start_sim(kind)
    await sim.set_faults(down=True)
    assert (await sim.http.get("/admin/faults")).json()["down"] is True
    response = await sim.http.post(
        "/v1/applications", json=body(kind), headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert (await sim.http.get("/v1/applications/anything")).status_code == 503
    assert (await sim.received())["received"] == []
    await sim.set_faults(down=False)
    response = await sim.http.post(
        "/v1/applications", json=body(kind), headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 202


async def test_down_flag_starts_the_sim_down(start_sim: StartSim) -> None:
    sim = await start_sim("permits", "--down")
    response = await sim.http.post(
        "/v1/applications", json=body("permits"), headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 503


@pytest.mark.parametrize("kind", KINDS)
async def test_drop_webhooks_sends_no_callback(
    kind: str, start_sim: StartSim, receiver: Receiver
) -> None:
    sim = await start_sim(kind)
    await sim.set_faults(drop_webhooks=True)
    accepted = await sim.http.post(
        "/v1/applications", json=body(kind), headers={"Idempotency-Key": "k"}
    )
    await wait_final(sim, reference(kind, accepted.json()))

    async def all_dropped() -> list[dict[str, Any]] | None:
        log = (await sim.http.get("/admin/webhooks")).json()["webhooks"]
        return log if log and all(w["state"] == "dropped" for w in log) else None

    log = await wait_until(all_dropped, what="every webhook to be dropped")
    assert len(log) >= 3
    assert receiver.messages == []


async def test_timeout_that_was_processed_is_recorded_and_a_retry_replays_it(
    start_sim: StartSim,
) -> None:
    sim = await start_sim(
        "civil-registry", "--timeout-rate", "1", "--timeout-processed-rate", "1", "--hang-s", "5"
    )
    with pytest.raises(httpx.ReadTimeout):
        await sim.http.post(
            "/v1/applications", json=body(sim.kind), headers={"Idempotency-Key": "k"}, timeout=0.5
        )
    received = await sim.received()
    assert [r["idempotency_key"] for r in received["received"]] == ["k"]
    await sim.set_faults(timeout_rate=0)
    retry = await sim.http.post(
        "/v1/applications", json=body(sim.kind), headers={"Idempotency-Key": "k"}
    )
    assert retry.status_code == 202
    assert retry.json()["reference"] == received["received"][0]["reference"]
    assert (await sim.received())["posts_by_key"] == {"k": 2}


async def test_timeout_that_was_not_processed_records_nothing(start_sim: StartSim) -> None:
    sim = await start_sim(
        "permits", "--timeout-rate", "1", "--timeout-processed-rate", "0", "--hang-s", "5"
    )
    with pytest.raises(httpx.ReadTimeout):
        await sim.http.post(
            "/v1/applications", json=body(sim.kind), headers={"Idempotency-Key": "k"}, timeout=0.5
        )
    assert (await sim.received())["received"] == []


@pytest.mark.parametrize("kind", KINDS)
async def test_records_survive_a_restart_of_the_sim(kind: str, start_sim: StartSim) -> None:
    sim = await start_sim(kind)
    accepted = await sim.http.post(
        "/v1/applications", json=body(kind), headers={"Idempotency-Key": "k"}
    )
    ref = reference(kind, accepted.json())
    await sim.restart()
    received = await sim.received()
    assert [r["reference"] for r in received["received"]] == [ref]
    replay = await sim.http.post(
        "/v1/applications", json=body(kind), headers={"Idempotency-Key": "k"}
    )
    assert reference(kind, replay.json()) == ref
    await wait_final(sim, ref)
    second = await sim.http.post(
        "/v1/applications", json=body(kind, 2), headers={"Idempotency-Key": "k2"}
    )
    assert reference(kind, second.json()) != ref
