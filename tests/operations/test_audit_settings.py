"""The audit log's settings are checked when read (docs/trust.md)."""

from __future__ import annotations

import pytest

from hall_server.errors import InvalidInput
from hall_server.settings import Settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HALL_AUDIT_CHECKPOINT_INTERVAL_S", "0"),
        ("HALL_AUDIT_ORIGIN", ""),
        ("HALL_AUDIT_ORIGIN", "my hall"),
        ("HALL_AUDIT_ORIGIN", "a+b/audit"),
    ],
)
def test_a_bad_audit_setting_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(InvalidInput, match=name):
        Settings.from_env({name: value})


def test_the_audit_settings_are_read() -> None:
    settings = Settings.from_env(
        {
            "HALL_AUDIT_CHECKPOINT_INTERVAL_S": "5",
            "HALL_AUDIT_ORIGIN": "mpp.kendarikota.go.id/audit",
            "HALL_AUDIT_WITNESS_URL": "http://127.0.0.1:8700/add-checkpoint",
        }
    )
    assert settings.audit_checkpoint_interval_s == 5.0
    assert settings.audit_origin == "mpp.kendarikota.go.id/audit"
    assert settings.audit_witness_url == "http://127.0.0.1:8700/add-checkpoint"
