"""Dead letters hold citizens' application data: officers and supervisors handle them;
admins (accounts and configuration) and everyone else may neither read nor retry them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.server import RunningServer, running_server

HALL = "mpp-kendari"
LIST = f"/api/v1/halls/{HALL}/dead-letters"
RETRY = "/api/v1/applications/no-such-application/retry"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(tmp_path / "data", counter_bots="never") as srv:
        yield srv


async def test_only_officers_and_supervisors_read_and_retry_dead_letters(
    server: RunningServer,
) -> None:
    tokens = {
        "officer": await server.staff_token("petugas1"),
        "supervisor": await server.staff_token("supervisor"),
        "admin": await server.staff_token("admin"),
        "guest": await server.guest_token("Tamu"),
    }
    for role, token in tokens.items():
        auth = {"Authorization": f"Bearer {token}"}
        listed = await server.http.get(LIST, headers=auth)
        retried = await server.http.post(RETRY, headers=auth)
        if role in ("officer", "supervisor"):
            assert listed.status_code == 200 and listed.json() == [], role
            # Past the role check: the application does not exist.
            assert retried.status_code == 404, role
            assert retried.json()["error"]["code"] == "unknown_application"
        else:
            for answer in (listed, retried):
                assert answer.status_code == 403, role
                assert answer.json()["error"]["code"] == "forbidden"
    for answer in (await server.http.get(LIST), await server.http.post(RETRY)):
        assert answer.status_code == 401
