"""The KPI settings: the halls' time zone and the service-level targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from counters.catalogue import load_catalogue
from hall_server.counters_setup import queue_rules
from hall_server.errors import InvalidInput
from hall_server.localtime import hall_zone
from hall_server.settings import Settings


def test_defaults_are_wita_and_fifteen_minutes(tmp_path: Path) -> None:
    settings = Settings.from_env({}, data_dir=tmp_path)
    assert settings.timezone == "Asia/Makassar" and settings.kpi_target_s == 900.0
    assert settings.kpi_target_map == {}
    assert queue_rules(load_catalogue(), settings).utc_offset_s == 8 * 3600


def test_targets_per_service_and_another_zone(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "HALL_KPI_TARGETS": "KTP-EL=1200, KK = 600 ,",
            "HALL_KPI_TARGET_S": "300",
            "HALL_TIMEZONE": "Asia/Jakarta",
        },
        data_dir=tmp_path,
    )
    assert settings.kpi_target_map == {"KTP-EL": 1200.0, "KK": 600.0}
    assert settings.kpi_target_s == 300.0
    # The numbers' day follows the zone: WIB is UTC+7.
    assert queue_rules(load_catalogue(), settings).utc_offset_s == 7 * 3600


@pytest.mark.parametrize(
    "env",
    [
        {"HALL_KPI_TARGETS": "KK=abc"},
        {"HALL_KPI_TARGETS": "=600"},
        {"HALL_KPI_TARGETS": "KK=-1"},
        {"HALL_KPI_TARGETS": "KK=inf"},
        {"HALL_KPI_TARGET_S": "0"},
        {"HALL_TIMEZONE": " "},
    ],
)
def test_bad_values_are_refused_naming_the_setting(tmp_path: Path, env: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        Settings.from_env(env, data_dir=tmp_path)
    assert "HALL_" in str(caught.value)


def test_an_unknown_zone_is_refused_at_start(tmp_path: Path) -> None:
    settings = Settings.from_env({"HALL_TIMEZONE": "Mars/Olympus_Mons"}, data_dir=tmp_path)
    with pytest.raises(InvalidInput) as caught:
        hall_zone(settings)
    assert "HALL_TIMEZONE" in str(caught.value)
