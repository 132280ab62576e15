from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hall_server.auth.routes import auth_router, require_role
from hall_server.auth.service import AuthService
from hall_server.auth.staff import create_staff
from hall_server.auth.tokens import Claims
from hall_server.errors import HallError

from .conftest import NIK, RecordingSender


def _app(auth: AuthService) -> FastAPI:
    app = FastAPI()
    app.state.auth = auth

    @app.exception_handler(HallError)
    async def hall_error(_request: Request, exc: HallError) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": exc.code, "message": str(exc)}}, status_code=exc.http_status
        )

    app.include_router(auth_router(), prefix="/api/v1/auth")

    @app.get("/counter")
    async def counter(
        claims: Annotated[Claims, Depends(require_role("officer", "supervisor"))],
    ) -> dict[str, str]:
        return {"subject": claims.subject}

    return app


@pytest.fixture
async def client(auth: AuthService) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(auth))
    async with httpx.AsyncClient(transport=transport, base_url="http://hall") as client:
        yield client


async def test_citizen_gets_a_code_then_a_token(
    client: httpx.AsyncClient, sender: RecordingSender
) -> None:
    sent = await client.post("/api/v1/auth/citizen/code", json={"nik": NIK})
    assert sent.status_code == 202
    assert sent.json() == {"sent": True, "nik": "7471********0001", "expires_in_s": 300}
    got = await client.post(
        "/api/v1/auth/citizen/token",
        json={"nik": NIK, "code": sender.last_code, "display_name": "Ani"},
    )
    assert got.status_code == 200
    body = got.json()
    assert body["role"] == "citizen"
    assert isinstance(body["expires_at"], int)
    assert NIK not in got.text


async def test_invalid_nik_gets_422_with_a_reason_and_no_digits(client: httpx.AsyncClient) -> None:
    bad = "7471014101900000"
    response = await client.post("/api/v1/auth/citizen/code", json={"nik": bad})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_nik"
    assert bad not in response.text


async def test_malformed_body_is_refused_without_echoing_the_nik(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/v1/auth/citizen/token", json={"nik": NIK, "code": 123})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert "code" in error["message"] and "display_name" in error["message"]
    assert NIK not in response.text


async def test_body_that_is_not_json_is_bad_json(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/citizen/code", content=b"nik=" + NIK.encode())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_json"
    assert NIK not in response.text


async def test_wrong_code_is_401_bad_code(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/auth/citizen/code", json={"nik": NIK})
    response = await client.post(
        "/api/v1/auth/citizen/token", json={"nik": NIK, "code": "000000", "display_name": "Ani"}
    )
    # One in a million the random code is 000000; then this is a 200.
    assert response.status_code in (401, 200)
    if response.status_code == 401:
        assert response.json()["error"]["code"] == "bad_code"


async def test_officer_reaches_a_protected_route_with_the_staff_token(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await create_staff(
        sessions, username="petugas1", password="correct horse battery", role="officer"
    )
    signed_in = await client.post(
        "/api/v1/auth/staff/token",
        json={"username": "petugas1", "password": "correct horse battery"},
    )
    assert signed_in.status_code == 200
    assert signed_in.json()["role"] == "officer"
    token = signed_in.json()["token"]
    response = await client.get("/counter", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["subject"].startswith("account:")


async def test_wrong_staff_password_is_401_bad_credentials(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/staff/token", json={"username": "nobody", "password": "whatever it is"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_credentials"


async def test_guest_is_forbidden_at_the_counter(client: httpx.AsyncClient) -> None:
    signed_in = await client.post(
        "/api/v1/auth/guest/token", json={"display_name": "Tamu", "role": "spectator"}
    )
    assert signed_in.status_code == 200
    assert signed_in.json()["role"] == "spectator"
    token = signed_in.json()["token"]
    response = await client.get("/counter", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


async def test_guest_cannot_choose_a_staff_role(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/guest/token", json={"display_name": "Tamu", "role": "admin"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer x.y.z"},
    ],
)
async def test_protected_route_without_a_valid_token_is_401(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/counter", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


async def test_openapi_documents_the_request_bodies(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    body = schema["paths"]["/api/v1/auth/citizen/token"]["post"]["requestBody"]
    assert set(body["content"]["application/json"]["schema"]["properties"]) >= {
        "nik",
        "code",
        "display_name",
    }


def test_require_role_rejects_unknown_roles() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        require_role("root")
