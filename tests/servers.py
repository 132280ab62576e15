"""Real PostgreSQL and Redis servers for the test session, on loopback.

Started once per session by tests/conftest.py when their binaries are
installed (``.ci/run`` installs Debian's postgresql and redis-server), and
exported as ``HALL_TEST_POSTGRES_URL`` and ``HALL_TEST_REDIS_URL``. Tests for
those backends skip when a URL is missing, except where skips are forbidden
(``.ci/run``, ``CI`` set or ``--no-skips``: tests/support/no_skips.py), where a
missing server is a failure: CI must prove every backend.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.waiting import wait_until_blocking


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, timeout: float = 20.0) -> None:
    def listening() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_until_blocking(listening, timeout, f"a server to listen on port {port}")


@dataclass
class Servers:
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    cleanup: list[str] = field(default_factory=list)
    pg_stop: list[str] | None = None

    def stop(self) -> None:
        if self.pg_stop:
            subprocess.run(self.pg_stop, capture_output=True, check=False)
        for proc in self.procs:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for path in self.cleanup:
            shutil.rmtree(path, ignore_errors=True)


def _pg_bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return str(Path(found[-1]).parent)
    initdb = shutil.which("initdb")
    return str(Path(initdb).parent) if initdb else None


def start_postgres(servers: Servers) -> str | None:
    bindir = _pg_bindir()
    if bindir is None:
        return None
    root = tempfile.mkdtemp(prefix="hall-pg-")
    servers.cleanup.append(root)
    data = os.path.join(root, "data")
    # PostgreSQL refuses to run as root; CI runs as root, so run it as "postgres".
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        os.chmod(root, 0o700)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(
        [*as_user, f"{bindir}/initdb", "-D", data, "-U", "hall", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *as_user,
            f"{bindir}/pg_ctl",
            "-D",
            data,
            "-o",
            options,
            "-l",
            f"{root}/log",
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    servers.pg_stop = [*as_user, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]
    _wait_for_port(port)
    return f"postgresql://hall@127.0.0.1:{port}/postgres"


def start_redis(servers: Servers) -> str | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    servers.procs.append(proc)
    _wait_for_port(port)
    return f"redis://127.0.0.1:{port}/0"


@contextlib.asynccontextmanager
async def fresh_postgres_database(prefix: str = "hall_test") -> AsyncIterator[str]:
    """A new, empty database on the session's PostgreSQL server, dropped afterwards.

    Skips the test when no server is available (a failure where skips are
    forbidden, as in CI: tests/support/no_skips.py).
    """
    import pytest
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from hall_server.db import create_engine

    base = os.environ.get("HALL_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("HALL_TEST_POSTGRES_URL is not set")
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
