"""Session set-up: real backend servers when installed (see tests/servers.py)."""

from __future__ import annotations

import os

import pytest

from tests.servers import Servers, start_postgres, start_redis

_servers = Servers()


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get("HALL_TEST_POSTGRES_URL"):
        url = start_postgres(_servers)
        if url:
            os.environ["HALL_TEST_POSTGRES_URL"] = url
    if not os.environ.get("HALL_TEST_REDIS_URL"):
        url = start_redis(_servers)
        if url:
            os.environ["HALL_TEST_REDIS_URL"] = url
    if os.environ.get("CI"):
        missing = [
            n for n in ("HALL_TEST_POSTGRES_URL", "HALL_TEST_REDIS_URL") if not os.environ.get(n)
        ]
        if missing:
            raise pytest.UsageError(f"CI must test every backend; not available: {missing}")


def pytest_unconfigure(config: pytest.Config) -> None:
    _servers.stop()
