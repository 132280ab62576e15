"""Session set-up: real backend servers when installed (see tests/servers.py).

Skips are failures when forbidden (tests/support/no_skips.py: CI, ``.ci/run``
and ``--no-skips``), so a run that could not reach a backend cannot pass.
"""

from __future__ import annotations

import os

import pytest

from tests.servers import Servers, start_postgres, start_redis

pytest_plugins = ["tests.support.no_skips"]

_servers = Servers()


def pytest_configure(config: pytest.Config) -> None:
    # Imported here, once pytest_plugins has loaded it (and rewritten its asserts).
    from tests.support.no_skips import skips_forbidden

    if not os.environ.get("HALL_TEST_POSTGRES_URL"):
        url = start_postgres(_servers)
        if url:
            os.environ["HALL_TEST_POSTGRES_URL"] = url
    if not os.environ.get("HALL_TEST_REDIS_URL"):
        url = start_redis(_servers)
        if url:
            os.environ["HALL_TEST_REDIS_URL"] = url
    if skips_forbidden(config):
        missing = [
            n for n in ("HALL_TEST_POSTGRES_URL", "HALL_TEST_REDIS_URL") if not os.environ.get(n)
        ]
        if missing:
            raise pytest.UsageError(
                f"this run forbids skips (CI): every backend must be tested; not available: {missing}"
            )


def pytest_unconfigure(config: pytest.Config) -> None:
    _servers.stop()
