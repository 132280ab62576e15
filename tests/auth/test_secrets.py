from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hall_server.errors import InvalidInput
from hall_server.secrets import derive_key, resolve_secret_key
from hall_server.settings import Settings


def test_configured_secret_is_used_as_is(tmp_path: Path) -> None:
    settings = Settings(secret_key="configured-secret", data_dir=tmp_path)
    assert resolve_secret_key(settings) == b"configured-secret"
    assert not (tmp_path / "secret.key").exists()


def test_development_secret_is_generated_once_private_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = resolve_secret_key(settings)
    path = tmp_path / "data" / "secret.key"
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_secret_key(settings) == first
    assert list(path.parent.iterdir()) == [path]


def test_development_secrets_differ_between_data_dirs(tmp_path: Path) -> None:
    a = resolve_secret_key(Settings(data_dir=tmp_path / "a"))
    b = resolve_secret_key(Settings(data_dir=tmp_path / "b"))
    assert a != b


def test_corrupt_key_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_bytes(b"short")
    with pytest.raises(InvalidInput, match="corrupt"):
        resolve_secret_key(Settings(data_dir=tmp_path))


def test_production_refuses_a_short_secret(tmp_path: Path) -> None:
    settings = Settings(environment="production", secret_key="short", data_dir=tmp_path)
    with pytest.raises(InvalidInput, match="at least 32 bytes"):
        resolve_secret_key(settings)


def test_derived_keys_differ_by_purpose() -> None:
    assert derive_key(b"m", "token") != derive_key(b"m", "nik")
    assert len(derive_key(b"m", "token")) == 32
