"""/openapi.json says what the server does: the error statuses each route answers, each as
the ErrorBody the server sends, no FastAPI HTTPValidationError, and every request body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hall_server.app import create_app
from hall_server.openapi import ERRORS
from hall_server.settings import Settings
from tests.e2e.server import RunningServer, running_server

HALL = "mpp-kendari"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(tmp_path / "data", counter_bots="never") as srv:
        yield srv


def test_every_documented_route_has_its_error_statuses_listed(tmp_path: Path) -> None:
    # A new route must say which errors it answers (hall_server/openapi.py).
    spec = create_app(Settings.from_env({}, data_dir=tmp_path)).openapi()
    operations = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    assert operations == set(ERRORS)


async def test_no_route_declares_fastapis_validation_error_and_lookup_declares_its_body(
    server: RunningServer,
) -> None:
    spec = (await server.http.get("/openapi.json")).json()
    assert "HTTPValidationError" not in str(spec)
    assert "ValidationError" not in spec["components"]["schemas"]
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and path != "/readyz":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == error_ref, (method, path, status)
    lookup = spec["paths"]["/api/v1/applications/lookup"]["post"]
    body = lookup["requestBody"]["content"]["application/json"]["schema"]
    assert lookup["requestBody"]["required"] is True
    assert set(body["required"]) == {"tracking_code", "nik"}


async def test_bad_requests_get_a_status_and_body_the_description_declares(
    server: RunningServer,
) -> None:
    spec = (await server.http.get("/openapi.json")).json()
    officer = {"Authorization": f"Bearer {await server.staff_token('petugas1')}"}
    supervisor = {"Authorization": f"Bearer {await server.staff_token('supervisor')}"}
    guest = {"Authorization": f"Bearer {await server.guest_token('Tamu')}"}
    bad: list[tuple[str, str, str, dict[str, Any], int]] = [
        ("POST", "/api/v1/auth/guest/token", "/api/v1/auth/guest/token", {"content": b"{"}, 400),
        (
            "POST",
            "/api/v1/auth/citizen/code",
            "/api/v1/auth/citizen/code",
            {"json": {"nik": "1"}},
            422,
        ),
        (
            "POST",
            "/api/v1/auth/staff/token",
            "/api/v1/auth/staff/token",
            {"json": {"username": "petugas1", "password": "wrong"}},
            401,
        ),
        ("GET", "/api/v1/services", "/api/v1/services?lang=xx", {}, 422),
        ("GET", "/api/v1/services/{code}", "/api/v1/services/NOPE", {}, 404),
        (
            "POST",
            "/api/v1/applications/lookup",
            "/api/v1/applications/lookup",
            {"content": b"not json"},
            404,
        ),
        ("GET", "/api/v1/halls/{hall_id}", "/api/v1/halls/nope", {}, 404),
        ("GET", "/api/v1/halls/{hall_id}/board", "/api/v1/halls/nope/board", {}, 404),
        ("GET", "/api/v1/halls/{hall_id}/stats", f"/api/v1/halls/{HALL}/stats", {}, 401),
        (
            "GET",
            "/api/v1/halls/{hall_id}/stats",
            f"/api/v1/halls/{HALL}/stats?since_tick=-1",
            {"headers": supervisor},
            422,
        ),
        (
            "POST",
            "/api/v1/halls/{hall_id}/announcements",
            f"/api/v1/halls/{HALL}/announcements",
            {"json": {}, "headers": supervisor},
            422,
        ),
        (
            "POST",
            "/api/v1/applications/{application_id}/retry",
            "/api/v1/applications/nope/retry",
            {"headers": officer},
            404,
        ),
        (
            "GET",
            "/api/v1/halls/{hall_id}/dead-letters",
            f"/api/v1/halls/{HALL}/dead-letters",
            {"headers": guest},
            403,
        ),
    ]
    error_schema = {"$ref": "#/components/schemas/ErrorBody", "components": spec["components"]}
    for method, template, url, options, expected in bad:
        answer = await server.http.request(method, url, **options)
        assert answer.status_code == expected, (url, answer.text)
        declared = spec["paths"][template][method.lower()]["responses"]
        assert str(answer.status_code) in declared, (method, template, answer.status_code)
        jsonschema.validate(answer.json(), error_schema)
