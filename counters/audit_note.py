"""Signed checkpoints of the audit tree, in the C2SP formats.

A checkpoint (C2SP tlog-checkpoint) is a short text: the log's origin line,
the tree size, the base64 root hash, then extension lines; here one,
``time <RFC 3339 UTC>``, the moment the hall signed it::

    hall.example/audit
    42
    qSk3tL9...=
    time 2026-11-30T19:30:00Z

It travels as a C2SP signed note: the text, an empty line, and one line per
signature, ``— <key name> <base64(key id || signature)>``. The key id is
the first 4 bytes of ``SHA-256(name || "\\n" || 0x01 || Ed25519 public key)``
and the signature an Ed25519 signature of the text. A witness adds its own
line (C2SP tlog-cosignature): key id ``SHA-256(name || "\\n" || 0x04 ||
key)[:4]``, then an 8-byte big-endian UNIX time and the signature of
``"cosignature/v1\\ntime <t>\\n" || text``.

A verifier key is written as in the Go note package, ``<name>+<hex key
id>+<base64(0x01 || public key)>``: what an outsider pins.

Pure: parsing and signing of plain values, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from counters.audit_tree import HASH_BYTES

#: Signature type byte of Ed25519 in a C2SP note key id.
_ED25519 = b"\x01"
#: Signature type byte of an Ed25519 cosignature (C2SP tlog-cosignature).
_COSIGNATURE = b"\x04"
#: Starts every signature line.
_DASH = "\u2014 "


class NoteError(ValueError):
    """A checkpoint or note that does not parse, or whose signature does not verify."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a checkpoint says: this log had ``size`` leaves with root ``root`` at ``time``."""

    origin: str
    size: int
    root: bytes
    time: datetime

    def body(self) -> str:
        """The checkpoint text that is signed (ends with a newline)."""
        stamp = self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        root = base64.b64encode(self.root).decode("ascii")
        return f"{self.origin}\n{self.size}\n{root}\ntime {stamp}\n"


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public: Ed25519PublicKey, kind: bytes = _ED25519) -> bytes:
    """The 4-byte key id of a C2SP note signature line."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + kind + _raw_public(public)).digest()[:4]


def verifier_key(name: str, public: Ed25519PublicKey) -> str:
    """The public verifier key an outsider pins: ``name+keyid+base64(0x01||key)``."""
    encoded = base64.b64encode(_ED25519 + _raw_public(public)).decode("ascii")
    return f"{name}+{key_id(name, public).hex()}+{encoded}"


def parse_verifier_key(vkey: str) -> tuple[str, Ed25519PublicKey]:
    """``(name, public key)`` of a verifier key; raise :class:`NoteError` if malformed."""
    name, plus, rest = vkey.strip().partition("+")
    hex_id, plus2, encoded = rest.partition("+")
    try:
        raw = base64.b64decode(encoded, validate=True)
        if not (name and plus and plus2) or len(raw) != 33 or raw[:1] != _ED25519:
            raise ValueError(vkey)
        public = Ed25519PublicKey.from_public_bytes(raw[1:])
    except (ValueError, binascii.Error):
        raise NoteError("not a verifier key: want NAME+KEYID+BASE64") from None
    if key_id(name, public).hex() != hex_id:
        raise NoteError("the verifier key's id does not match its key")
    return name, public


def sign_checkpoint(checkpoint: Checkpoint, name: str, key: Ed25519PrivateKey) -> str:
    """The signed note of ``checkpoint``, signed by ``key`` under ``name``."""
    body = checkpoint.body()
    sig = key.sign(body.encode("utf-8"))
    line = base64.b64encode(key_id(name, key.public_key()) + sig).decode("ascii")
    return f"{body}\n{_DASH}{name} {line}\n"


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """``(body, [(key name, signature bytes), ...])`` of a signed note."""
    body, sep, sigs = note.partition("\n\n")
    if not sep:
        raise NoteError("a signed note has its text, an empty line, then signatures")
    out: list[tuple[str, bytes]] = []
    for line in sigs.split("\n"):
        if not line:
            continue
        if not line.startswith(_DASH):
            raise NoteError("a signature line starts with an em dash")
        name, _, encoded = line[len(_DASH) :].partition(" ")
        try:
            out.append((name, base64.b64decode(encoded, validate=True)))
        except binascii.Error:
            raise NoteError("a signature is not base64") from None
    return body + "\n", out


def parse_checkpoint(body: str) -> Checkpoint:
    """The checkpoint in a note's text (:meth:`Checkpoint.body`)."""
    lines = body.split("\n")
    if len(lines) < 5 or lines[-1] != "":
        raise NoteError("a checkpoint has an origin, a size, a root and a time line")
    origin, size, root, stamp = lines[0], lines[1], lines[2], lines[3]
    try:
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise ValueError(size)
        raw_root = base64.b64decode(root, validate=True)
        if len(raw_root) != HASH_BYTES or not stamp.startswith("time "):
            raise ValueError(root)
        at = datetime.strptime(stamp[5:], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (ValueError, binascii.Error):
        raise NoteError("the checkpoint's size, root or time does not parse") from None
    checkpoint = Checkpoint(origin=origin, size=int(size), root=raw_root, time=at)
    if checkpoint.body() != body:
        raise NoteError("the checkpoint is not in its canonical form")
    return checkpoint


def open_checkpoint(note: str, name: str, public: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint of a signed note once ``name``'s signature on it verifies."""
    body, sigs = split_note(note)
    want = key_id(name, public)
    for signer, sig in sigs:
        if signer == name and sig[:4] == want:
            try:
                public.verify(sig[4:], body.encode("utf-8"))
            except InvalidSignature:
                raise NoteError(f"the signature of {name} does not verify") from None
            checkpoint = parse_checkpoint(body)
            if checkpoint.origin != name:  # the key signs its own log's checkpoints only
                raise NoteError(f"the checkpoint is of {checkpoint.origin}, not {name}")
            return checkpoint
    raise NoteError(f"the note carries no signature by {name}")


def _cosigned_message(body: str, at: int) -> bytes:
    return f"cosignature/v1\ntime {at}\n".encode() + body.encode("utf-8")


def cosign(note: str, name: str, key: Ed25519PrivateKey, at: datetime) -> str:
    """A witness's cosignature line for the checkpoint in ``note`` (no trailing newline)."""
    body, _ = split_note(note)
    seconds = int(at.timestamp())
    sig = key.sign(_cosigned_message(body, seconds))
    kid = key_id(name, key.public_key(), _COSIGNATURE)
    return f"{_DASH}{name} " + base64.b64encode(kid + struct.pack(">Q", seconds) + sig).decode()


def verify_cosignature(note: str, name: str, public: Ed25519PublicKey) -> datetime:
    """When ``name`` cosigned ``note``; raise :class:`NoteError` if it did not."""
    body, sigs = split_note(note)
    want = key_id(name, public, _COSIGNATURE)
    for signer, sig in sigs:
        if signer == name and sig[:4] == want and len(sig) == 4 + 8 + 64:
            (seconds,) = struct.unpack(">Q", sig[4:12])
            try:
                public.verify(sig[12:], _cosigned_message(body, seconds))
            except InvalidSignature:
                raise NoteError(f"the cosignature of {name} does not verify") from None
            return datetime.fromtimestamp(seconds, UTC)
    raise NoteError(f"the note carries no cosignature by {name}")
