"""The signals' settings: read from HALL_SIGNALS_*, refused when they cannot work."""

from __future__ import annotations

import pytest

from hall_server.errors import InvalidInput
from hall_server.settings import Settings
from hall_server.signals_store import thresholds_from


def test_thresholds_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "HALL_SIGNALS_NO_SHOWS": "4",
            "HALL_SIGNALS_PHONE_ACCOUNTS": "5",
            "HALL_SIGNALS_SCAN_S": "0",
            "HALL_SIGNALS_WEAK_SIGNS": "2",
        }
    )
    thresholds = thresholds_from(settings)
    assert (thresholds.no_shows, thresholds.phone_accounts) == (4, 5)
    assert thresholds.weak_signs == 2
    assert settings.signals_scan_s == 0  # off


@pytest.mark.parametrize(
    "env",
    [
        {"HALL_SIGNALS_NO_SHOWS": "0"},
        {"HALL_SIGNALS_TICKETS_WINDOW_S": "0"},
        {"HALL_SIGNALS_SCAN_S": "-1"},
        {"HALL_SIGNALS_WEAK_SIGNS": "0"},
    ],
)
def test_values_that_cannot_work_are_refused_by_name(env: dict[str, str]) -> None:
    with pytest.raises(InvalidInput, match="HALL_SIGNALS_"):
        Settings.from_env(env)
