"""argon2id password hashing for staff accounts (argon2-cffi's defaults, RFC 9106)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so both cases take as long.
    return _hasher.hash("not a password: equalises timing for unknown users")


def hash_password(password: str) -> str:
    """A PHC-format argon2id hash of ``password`` (salted; CPU- and memory-hard)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; ``None`` (no such user) costs the same and fails."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with older parameters and should be replaced."""
    return _hasher.check_needs_rehash(password_hash)
