from __future__ import annotations

import dataclasses

import pytest

from counters.handoff import Submission
from hall_server.backoffice import (
    CIVIL_REGISTRY_WIRE,
    BackOfficeConfig,
    CivilRegistryClient,
    PermanentError,
    PermitsClient,
    RetryableError,
)
from hall_server.listen import listening_socket
from tests.handoff.fake_backoffice import FakeBackOffice, serve

SUBMISSION = Submission(
    application_id="app-1",
    hall_id="kendari",
    tracking_code="TRK00001",
    service="KTP-EL",
    variant=None,
    form={"full_name": "Warga"},
    checklist={"kk": True},
    fee_idr=0,
    filed_at=1_700_000_000.0,
)


async def test_a_submission_carries_the_idempotency_key_and_the_api_key(
    fake: tuple[FakeBackOffice, str],
) -> None:
    office, url = fake
    client = CivilRegistryClient(BackOfficeConfig(url, api_key="secret-key"))
    try:
        first = await client.submit(SUBMISSION, "mpp:kendari:app-1")
        again = await client.submit(SUBMISSION, "mpp:kendari:app-1")
    finally:
        await client.aclose()
    assert first == again
    assert first.status == "received"
    assert office.filed == {"mpp:kendari:app-1": first.reference}
    assert office.bodies[first.reference]["tracking_code"] == "TRK00001"


async def test_the_permits_client_sends_its_key_as_user_key() -> None:
    office = FakeBackOffice(api_key_header="user_key", status_field="kd_status")
    async with serve(office.app()) as url:
        client = PermitsClient(BackOfficeConfig(url, api_key="secret-key"))
        try:
            receipt = await client.submit(SUBMISSION, "mpp:kendari:app-1")
        finally:
            await client.aclose()
    assert office.bodies[receipt.reference]["kd_izin"] == "KTP-EL"


async def test_a_wrong_api_key_is_a_permanent_error(fake: tuple[FakeBackOffice, str]) -> None:
    _, url = fake
    client = CivilRegistryClient(BackOfficeConfig(url, api_key="wrong"))
    try:
        with pytest.raises(PermanentError) as caught:
            await client.submit(SUBMISSION, "k")
    finally:
        await client.aclose()
    assert caught.value.status_code == 401
    assert caught.value.code == "backoffice_refused"


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
async def test_5xx_408_and_429_are_retryable_with_their_retry_after(
    fake: tuple[FakeBackOffice, str], status: int
) -> None:
    _, url = fake
    wire = dataclasses.replace(CIVIL_REGISTRY_WIRE, status_path="/status/{reference}")
    client = CivilRegistryClient(BackOfficeConfig(url), wire)
    try:
        with pytest.raises(RetryableError) as caught:
            await client.status(str(status))
    finally:
        await client.aclose()
    assert caught.value.status_code == status


@pytest.mark.parametrize("status", [400, 403, 409, 422])
async def test_other_4xx_are_permanent(fake: tuple[FakeBackOffice, str], status: int) -> None:
    _, url = fake
    wire = dataclasses.replace(CIVIL_REGISTRY_WIRE, status_path="/status/{reference}")
    client = CivilRegistryClient(BackOfficeConfig(url), wire)
    try:
        with pytest.raises(PermanentError):
            await client.status(str(status))
    finally:
        await client.aclose()


async def test_retry_after_is_read_from_the_answer(fake: tuple[FakeBackOffice, str]) -> None:
    _, url = fake
    wire = dataclasses.replace(
        CIVIL_REGISTRY_WIRE, status_path="/status/503?retry_after={reference}"
    )
    client = CivilRegistryClient(BackOfficeConfig(url), wire)
    try:
        with pytest.raises(RetryableError) as caught:
            await client.status("42")
    finally:
        await client.aclose()
    assert caught.value.retry_after_s == 42


async def test_a_timeout_is_retryable(fake: tuple[FakeBackOffice, str]) -> None:
    office, url = fake
    office.force = "hang-after"
    client = CivilRegistryClient(BackOfficeConfig(url, api_key="secret-key", timeout_s=0.2))
    try:
        with pytest.raises(RetryableError) as caught:
            await client.submit(SUBMISSION, "k")
    finally:
        await client.aclose()
    assert caught.value.code == "backoffice_timeout"


async def test_a_back_office_that_is_not_listening_is_retryable() -> None:
    sock = listening_socket("127.0.0.1", 0, None)
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    client = CivilRegistryClient(BackOfficeConfig(f"http://127.0.0.1:{port}"))
    try:
        with pytest.raises(RetryableError) as caught:
            await client.submit(SUBMISSION, "k")
    finally:
        await client.aclose()
    assert caught.value.code == "backoffice_unreachable"


async def test_an_unknown_reference_is_reported_as_such(fake: tuple[FakeBackOffice, str]) -> None:
    _, url = fake
    client = CivilRegistryClient(BackOfficeConfig(url))
    try:
        with pytest.raises(PermanentError) as caught:
            await client.status("REF-404")
    finally:
        await client.aclose()
    assert caught.value.code == "backoffice_unknown_reference"
