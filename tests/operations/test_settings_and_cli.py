"""Settings are read once from HALL_* then flags; the CLI checks scenes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hall_server.cli import main
from hall_server.errors import InvalidInput
from hall_server.settings import Settings
from scenes.bundled import demo_scene_path

BROKEN = Path(__file__).parent.parent / "scenes" / "data" / "broken.json"


def test_environment_then_flags_make_frozen_settings():
    s = Settings.from_env(
        {
            "HALL_PORT": "9000",
            "HALL_TICK_HZ": "10",
            "HALL_LIMIT_MAX_MESSAGE_BYTES": "2048",
            "HALL_LOG_JSON": "yes",
            "HALL_SCENE_FILES": "a.json:b.json",
        },
        port=9100,
    )
    assert (s.port, s.tick_hz, s.limits.max_message_bytes, s.log_json) == (9100, 10.0, 2048, True)
    assert s.scene_files == (Path("a.json"), Path("b.json"))
    with pytest.raises(AttributeError):
        s.port = 1  # type: ignore[misc]


def test_the_default_database_is_a_sqlite_file_under_the_data_dir():
    s = Settings.from_env({"HALL_DATA_DIR": "/srv/hall"})
    assert s.resolved_database_url == "sqlite+aiosqlite:////srv/hall/hall.db"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"HALL_PORT": "eighty"}, "HALL_PORT"),
        ({"HALL_TICK_HZ": "1000"}, "HALL_TICK_HZ"),
        ({"HALL_LOG_JSON": "maybe"}, "HALL_LOG_JSON"),
        ({"HALL_ENVIRONMENT": "production"}, "HALL_SECRET_KEY"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_variable(env, named):
    with pytest.raises(InvalidInput) as err:
        Settings.from_env(env)
    assert named in str(err.value)


def test_check_scene_accepts_the_demo_hall(capsys):
    assert main(["check-scene", str(demo_scene_path())]) == 0
    assert "ok (mpp-kendari" in capsys.readouterr().out


def test_check_scene_lists_every_problem_with_its_path_and_exits_non_zero(capsys):
    assert main(["check-scene", "--json", str(BROKEN)]) == 1
    report = json.loads(capsys.readouterr().out)
    paths = [p["path"] for p in report["problems"]]
    assert len(paths) >= 4 and all(p.startswith("$") for p in paths)


def test_the_installed_command_has_help():
    out = subprocess.run(
        [sys.executable, "-m", "hall_server.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("serve", "check-scene", "migrate", "add-staff"):
        assert command in out


def test_add_staff_creates_an_account_that_can_sign_in(tmp_path, monkeypatch):
    monkeypatch.setenv("HALL_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("kata-sandi-yang-panjang\n"))
    assert main(["add-staff", "budi", "--role", "officer"]) == 0
    assert main(["add-staff", "budi"]) == 2  # the username is taken: a clear error, exit 2
