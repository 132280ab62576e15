"""A pytest plugin that makes every skip a failure when skips are forbidden.

The backend tests (PostgreSQL, Redis, Chromium, aiortc) skip on a developer's
machine that lacks those servers, but a CI run that skipped them would prove
nothing while looking green. ``.ci/run`` sets ``HALL_TEST_NO_SKIPS=1`` itself,
so CI forbids skips whatever its environment; ``pytest --no-skips`` does the
same locally. Then a skip anywhere (``pytest.skip`` in a test or a fixture, a
``skipif`` mark, ``importorskip`` or a module-level skip at collection) is
reported as a failure with its reason, and the session ends non-zero.

Registered by tests/conftest.py (``pytest_plugins``); tests/test_no_skips.py
runs pytest on a file that skips to prove it.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

ENV = "HALL_TEST_NO_SKIPS"
_FORBIDDEN = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-skips",
        action="store_true",
        default=False,
        help=f"report every skipped test as a failure (CI sets {ENV}=1 for the same effect)",
    )


def skips_forbidden(config: pytest.Config) -> bool:
    """Whether this run forbids skips (``--no-skips``, ``HALL_TEST_NO_SKIPS=1`` or ``CI`` set)."""
    return bool(
        config.getoption("--no-skips")
        or os.environ.get(ENV, "") not in ("", "0")
        or os.environ.get("CI")
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.stash[_FORBIDDEN] = skips_forbidden(config)


def _why(longrepr: object) -> str:
    # A skip's longrepr is (path, line, "Skipped: reason").
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, line, reason = longrepr
        return f"{reason} ({path}:{line})"
    return str(longrepr)


def _as_failure(report: pytest.TestReport | pytest.CollectReport) -> None:
    report.outcome = "failed"
    report.longrepr = (
        f"skipped, but skips are forbidden in this run (--no-skips / {ENV}=1 / CI): "
        f"{_why(report.longrepr)}"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if (
        item.config.stash.get(_FORBIDDEN, False)
        and report.skipped
        and not hasattr(report, "wasxfail")
    ):
        _as_failure(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if collector.config.stash.get(_FORBIDDEN, False) and report.skipped:
        _as_failure(report)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A backstop: should any skip still reach the report, the run does not pass."""
    if not session.config.stash.get(_FORBIDDEN, False):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if skipped and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
