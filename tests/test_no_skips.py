"""The guard of .ci/run: where skips are forbidden, every kind of skip fails the run.

Runs pytest in a subprocess on a tiny test directory that skips in each way a
backend test can (in the test, in a fixture, by a skipif mark, by importorskip
at collection), with only tests/support/no_skips.py loaded: passing without
the guard, failing with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SKIPPING = """
import pytest


@pytest.fixture
def browser():
    pytest.skip("chromium is not installed")


def test_skips_in_the_test():
    pytest.skip("HALL_TEST_REDIS_URL is not set")


def test_skips_in_a_fixture(browser):
    pass


@pytest.mark.skipif(True, reason="no PostgreSQL")
def test_skipped_by_a_mark():
    pass


def test_that_runs():
    assert True
"""

SKIPPING_AT_COLLECTION = """
import pytest

pytest.importorskip("a_module_that_is_not_installed")


def test_never_collected():
    pass
"""


def run_pytest(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_skipping.py").write_text(SKIPPING)
    (tmp_path / "test_skipping_at_collection.py").write_text(SKIPPING_AT_COLLECTION)
    # Not the project's settings (its addopts, warnings as errors).
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    )
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "HALL_TEST_NO_SKIPS")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.support.no_skips",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            str(tmp_path / "pytest.ini"),
            "-q",
            "--continue-on-collection-errors",  # report every skip, not only the first
            str(tmp_path),
            *args,
        ],
        cwd=ROOT,  # so that tests.support.no_skips is importable
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_the_guard_the_skips_pass(tmp_path: Path) -> None:
    result = run_pytest(tmp_path)
    assert result.returncode == pytest.ExitCode.OK, result.stdout + result.stderr
    assert "1 passed, 4 skipped" in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("args", "env"),
    [
        ((), {"HALL_TEST_NO_SKIPS": "1"}),  # what .ci/run sets
        ((), {"CI": "true"}),
        (("--no-skips",), {}),
    ],
    ids=["HALL_TEST_NO_SKIPS", "CI", "--no-skips"],
)
def test_with_the_guard_every_skip_fails_the_run(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str]
) -> None:
    result = run_pytest(tmp_path, *args, **env)
    assert result.returncode != pytest.ExitCode.OK, result.stdout
    assert "skipped" not in result.stdout.splitlines()[-1], result.stdout
    for reason in ("HALL_TEST_REDIS_URL is not set", "chromium is not installed", "no PostgreSQL"):
        assert reason in result.stdout
    assert "a_module_that_is_not_installed" in result.stdout
    assert "skips are forbidden" in result.stdout


def test_ci_run_forbids_skips_itself() -> None:
    """Whatever the environment of the CI machine: .ci/run sets the switch before make test."""
    script = (ROOT / ".ci" / "run").read_text()
    assert "export HALL_TEST_NO_SKIPS=1" in script
    assert script.index("export HALL_TEST_NO_SKIPS=1") < script.index("make test")
