"""The real server, started as `hall-server serve`, never logs a client's address:
not uvicorn's WebSocket accept lines, not in JSON logs, not in production."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.helpers import write_room
from tests.support.client import HallClient
from tests.support.waiting import wait_until


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    "env",
    [
        {"HALL_LOG_JSON": "true", "HALL_ENVIRONMENT": "production", "HALL_SECRET_KEY": "k" * 40},
        {"HALL_LOG_JSON": "false", "HALL_LOG_LEVEL": "DEBUG"},
    ],
    ids=["json-production", "text-debug"],
)
async def test_websocket_accept_and_refusal_lines_carry_no_client_address(tmp_path: Path, env):
    port = _free_port()
    scene = write_room(tmp_path / "room.json", [(5.0, 5.0)])
    log_path = tmp_path / "server.log"
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HALL_")},
        **env,
        "HALL_PORT": str(port),
        "HALL_DATA_DIR": str(tmp_path / "data"),
        "HALL_SCENE_FILES": str(scene),
    }
    command = [sys.executable, "-m", "hall_server.cli", "serve"]
    with log_path.open("wb") as log_file:
        server = subprocess.Popen(command, env=environ, stdout=log_file, stderr=log_file)
        try:
            client_ports = await _exercise(port)
        finally:
            server.terminate()
            server.wait(timeout=20)
    log = log_path.read_text()
    assert "WebSocket" in log or "websocket" in log.lower(), log  # the lines exist...
    for client_port in client_ports:
        assert f"127.0.0.1:{client_port}" not in log, log  # ...without the client's address
        assert f":{client_port}" not in log, log
    assert "?secret=" not in log  # nor a query string
    if env["HALL_LOG_JSON"] == "true":
        for line in log.splitlines():
            if line.startswith("{"):
                json.loads(line)


async def _exercise(port: int) -> list[int]:
    """Wait for the server; open an accepted socket, a refused one; their local ports."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:

        async def healthy() -> bool:
            try:
                return (await http.get("/healthz")).status_code < 500
            except httpx.TransportError:
                return False  # not listening yet

        # A busy machine: start-up runs migrations.
        await wait_until(healthy, 90, "the server to answer /healthz", interval=0.1)
        ports = []
        ws = await HallClient.connect(f"ws://127.0.0.1:{port}/ws/v1/halls/test-room?secret=1")
        ports.append(ws.ws.transport.get_extra_info("sockname")[1])
        await ws.send_raw(json.dumps({"type": "join", "token": "nope"}))
        await ws.closed(30)
        board = await HallClient.connect(f"ws://127.0.0.1:{port}/ws/v1/halls/no-such-hall/board")
        ports.append(board.ws.transport.get_extra_info("sockname")[1])
        await board.closed(30)
    return ports


@pytest.mark.parametrize(
    ("msg", "args", "expected"),
    [
        ('%s - "WebSocket %s" [accepted]', ("10.1.2.3:5123", "/ws?t=1"), '"WebSocket /ws"'),
        ('%s - "WebSocket %s" 403', ("[2001:db8::1]:443", "/ws/v1/x"), "client - "),
        ("%sWebSocket connection made", ("192.168.0.9:40000 - ",), "client - WebSocket"),
    ],
)
def test_the_filter_takes_addresses_out_of_uvicorn_lines(msg, args, expected):
    from hall_server.logs import ClientAddressFilter

    record = logging.LogRecord("uvicorn.error", logging.INFO, "x.py", 1, msg, args, None)
    assert ClientAddressFilter().filter(record)
    line = record.getMessage()
    assert expected in line
    assert not any(a in line for a in ("10.1.2.3", "2001:db8", "192.168", "t=1"))
