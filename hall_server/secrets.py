"""The hall's master secret: configured, or generated once for development.

The master secret keys token signatures, NIK digests and sign-in code
digests (each under its own derived key, see :func:`derive_key`). Changing it
signs everyone out *and* orphans every citizen account, because citizen
accounts are found by ``HMAC(key, NIK)``: treat it as long-lived.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from pathlib import Path

from hall_server.errors import InvalidInput
from hall_server.settings import Settings

logger = logging.getLogger(__name__)

#: Length of a generated development secret.
GENERATED_KEY_BYTES = 32
#: A production secret shorter than this is refused.
MIN_PRODUCTION_KEY_BYTES = 32
#: File under ``Settings.data_dir`` holding the generated development secret.
KEY_FILE_NAME = "secret.key"


def resolve_secret_key(settings: Settings) -> bytes:
    """Return the master secret, generating and persisting it in development.

    ``settings.secret_key`` wins when set (UTF-8 encoded). Otherwise, in
    development only, 32 random bytes are written once to
    ``data_dir/secret.key`` (mode 0600, ``data_dir`` created) and read back on
    later starts, so tokens and citizen accounts survive a restart. Call it once
    from the app factory; it touches the disk.

    Raises :class:`InvalidInput` in production without a secret (or with one
    shorter than 32 bytes), and when the key file is unreadable or corrupt.
    """
    if settings.secret_key:
        key = settings.secret_key.encode("utf-8")
        if settings.environment == "production" and len(key) < MIN_PRODUCTION_KEY_BYTES:
            raise InvalidInput(
                f"HALL_SECRET_KEY must be at least {MIN_PRODUCTION_KEY_BYTES} bytes in production"
            )
        return key
    if settings.environment != "development":
        raise InvalidInput("HALL_SECRET_KEY is required when HALL_ENVIRONMENT=production")
    return _load_or_create(settings.data_dir / KEY_FILE_NAME)


def derive_key(master: bytes, purpose: str) -> bytes:
    """Derive an independent key for one ``purpose`` ("token", "nik", ...).

    Keeps token signatures and NIK digests apart even though both come from
    one configured secret.
    """
    return hmac.new(master, b"hall-server/" + purpose.encode("ascii"), hashlib.sha256).digest()


def load_or_create_key_file(path: Path) -> bytes:
    """32 random bytes kept in ``path`` (mode 0600), generated on first use: how
    the development secret is kept, for other keys (the audit witness's)."""
    return _load_or_create(path)


def _load_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    # Write to a private temporary file, then hard-link it into place: the link
    # fails if another process won the race, and nobody ever reads a half-written key.
    key = secrets.token_bytes(GENERATED_KEY_BYTES)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(key)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return _read_key(path)
    finally:
        tmp.unlink(missing_ok=True)
    logger.warning("generated a development secret key in %s", path)
    return key


def _read_key(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) != GENERATED_KEY_BYTES:
        raise InvalidInput(
            f"{path} is corrupt: expected {GENERATED_KEY_BYTES} bytes;"
            " delete it to generate a new key (this signs everyone out)"
        )
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning("%s is readable by other users (mode %o); chmod 600 it", path, mode)
    return key
