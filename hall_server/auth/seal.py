"""Sealing a citizen's NIK into their token, so the hall can file in their name.

A token is signed, not encrypted: anyone holding it can read its claims. The
hall still needs the signed-in citizen's NIK at the counter, where an
application is filed in that NIK and nobody else's (the form does not ask for
it again, so a broker cannot type someone else's). The NIK therefore travels
inside the token sealed with AES-256-GCM under a key derived from the hall's
secret: opaque to the holder, bound to this deployment, checked for
tampering. No server-side session table is needed, so any node can unseal it.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hall_server.errors import AuthError

_NONCE_BYTES = 12
#: Binds the ciphertext to its use: a sealed NIK cannot be replayed as another claim.
_AAD = b"hall:nik:v1"


class NikSeal:
    """Seals and unseals NIKs with one 32-byte key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the NIK seal key must be 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, nik: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        box = self._aead.encrypt(nonce, nik.encode("ascii"), _AAD)
        return base64.urlsafe_b64encode(nonce + box).rstrip(b"=").decode("ascii")

    def unseal(self, sealed: str) -> str:
        """The NIK; AuthError when the seal was tampered with or made by another key."""
        try:
            raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
            nik = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _AAD)
        except (binascii.Error, ValueError, InvalidTag):
            raise AuthError("token claims are malformed") from None
        return nik.decode("ascii")
