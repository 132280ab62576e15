"""What an HTTP client gets when the server fails or is given days and periods out of
range: the documented error body, never a plain-text 500 (docs/protocol.md section 8)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.e2e.server import running_server

HALL = "mpp-kendari"


def _add_failing_route(app: FastAPI) -> None:
    @app.get("/api/v1/test-only/boom/{secret}")
    async def boom(secret: str) -> None:
        raise RuntimeError("a defect")


async def test_an_unexpected_exception_answers_the_documented_internal_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    async with running_server(tmp_path / "data", prepare=_add_failing_route) as server:
        r = await server.http.get("/api/v1/test-only/boom/7471014101900011")
        assert r.status_code == 500
        assert r.headers["content-type"].startswith("application/json")
        error = r.json()["error"]
        assert error["code"] == "internal" and set(error["text"]) == {"id", "en"}
        # the same keep-alive connection still answers
        assert (await server.http.get("/healthz")).status_code == 200
        metrics = (await server.http.get("/metrics")).text
        assert 'code="internal"' in metrics
    logged = [
        r.getMessage() + json.dumps(r.__dict__, default=str)
        for r in caplog.records
        if not r.name.startswith(("httpx", "httpcore"))
    ]
    # logged with the route's template, never the URL with what the client put in it
    assert any("/api/v1/test-only/boom/{secret}" in line for line in logged)
    assert not any("7471014101900011" in line for line in logged)


async def test_the_ikm_and_the_kpi_refuse_years_outside_2000_to_2099(tmp_path: Path):
    async with running_server(tmp_path / "data") as server:
        for period in ("9999", "0000", "0001-01", "9999-12", "1999", "2100"):
            for path in ("ikm", "ikm.csv"):
                r = await server.http.get(f"/api/v1/halls/{HALL}/{path}?period={period}")
                assert r.status_code == 400, (period, path, r.text)
                assert r.json()["error"]["code"] == "bad_value"
        token = await server.staff_token("supervisor")
        headers = {"Authorization": f"Bearer {token}"}
        for day in ("9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"):
            for path in ("kpi", "kpi.csv"):
                r = await server.http.get(f"/api/v1/halls/{HALL}/{path}?day={day}", headers=headers)
                assert r.status_code == 422, (day, path, r.text)
                assert r.json()["error"]["code"] == "bad_request"
        r = await server.http.get(f"/api/v1/halls/{HALL}/kpi?day=2099-12-31", headers=headers)
        assert r.status_code == 200
