"""Every HTTP request is bounded before a route sees it: body size, NUL characters, and
the sign-in routes per address (docs/protocol.md sections 3 and 8), on SQLite and on
PostgreSQL (where a NUL used to end as a database error)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_server
from tests.servers import fresh_postgres_database

HALL = "mpp-kendari"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    async with fresh_postgres_database("hall_guard") as url:
        yield url


async def test_a_large_body_is_refused_before_it_is_read_whole(tmp_path: Path):
    async with running_server(tmp_path / "data", max_body_bytes=4096) as server:
        big = {"text": "x" * 10_000, "category": "other"}
        r = await server.http.post(f"/api/v1/halls/{HALL}/complaints", json=big)
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"

        # streamed without a declared length: refused once the bytes read pass the limit
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(100):
                yield b"x" * 1000

        async with httpx.AsyncClient(base_url=server.http.base_url) as fresh:
            r = await fresh.post(
                f"/api/v1/halls/{HALL}/complaints",
                content=chunks(),
                headers={"content-type": "application/json"},
            )
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
        # within the limit, the route answers as usual
        r = await server.http.post(
            f"/api/v1/halls/{HALL}/complaints",
            json={"category": "other", "text": "Antrean lama sekali hari ini.", "anonymous": True},
        )
        assert r.status_code == 201, r.text


async def test_a_nul_character_anywhere_is_bad_value_on_every_backend(
    tmp_path: Path, database_url: str | None
):
    async with running_server(tmp_path / "data", database_url=database_url) as server:
        for method, url, body in [
            ("GET", "/api/v1/complaints/ADU-%00AAAA", None),
            ("GET", "/api/v1/applications/abc%00def", None),
            ("GET", f"/api/v1/halls/{HALL}/ikm?period=2026%00", None),
            ("POST", "/api/v1/auth/staff/token", {"username": "petugas1\u0000", "password": "x"}),
            ("POST", "/api/v1/applications/lookup", {"tracking_code": "MPP-\u0000"}),
        ]:
            r = await server.http.request(method, url, json=body)
            assert r.status_code == 400, (url, r.status_code, r.text)
            assert r.json()["error"]["code"] == "bad_value"


async def test_staff_sign_ins_and_sign_in_codes_are_limited_per_address(tmp_path: Path):
    async with running_server(
        tmp_path / "data",
        staff_signin_burst=3,
        staff_signins_per_minute=1.0,
        sign_in_code_burst=2,
        sign_in_codes_per_hour=1.0,
    ) as server:
        wrong = {"username": "petugas1", "password": "not-the-password"}
        codes = [
            (await server.http.post("/api/v1/auth/staff/token", json=wrong)).status_code
            for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        r = await server.http.post("/api/v1/auth/staff/token", json=wrong)
        assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["retry-after"]) > 0
        niks = ["7471014101900011", "7371011708850002", "7471011203500003"]
        sent = [
            (await server.http.post("/api/v1/auth/citizen/code", json={"nik": n})).status_code
            for n in niks
        ]
        assert sent == [202, 202, 429]
