"""The binary snapshot frame: pure encoding and decoding.

Layout (all little-endian), documented in docs/protocol.md, "Snapshot frame"::

    header  12 bytes  u8 kind (=1), u8 flags (bit 0: FULL), u32 tick,
                      u16 n_entered, u16 n_updated, u16 n_left
    entered n_entered x 12-byte avatar record
    updated n_updated x 12-byte avatar record
    left    n_left    x u32 avatar id

    avatar record     u32 id, i16 x (cm), i16 y (cm), u16 yaw (1/65536 turn),
                      u8 anim, u8 flags

Records are built for many avatars at once with a numpy structured array,
once per tick, and each viewer's frame is cut from one buffer that holds
every viewer's frame (:func:`update_frames`).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hall_server.errors import InvalidInput

KIND_SNAPSHOT = 1
FLAG_FULL = 1

RECORD = np.dtype(
    [
        ("id", "<u4"),
        ("x", "<i2"),
        ("y", "<i2"),
        ("yaw", "<u2"),
        ("anim", "u1"),
        ("flags", "u1"),
    ]
)
RECORD_SIZE = RECORD.itemsize  # 12
_HEADER = struct.Struct("<BBIHHH")
HEADER_SIZE = _HEADER.size  # 12
#: The header as a numpy record (the same 12 bytes), to build many headers at once.
HEADER = np.dtype(
    [
        ("kind", "u1"),
        ("flags", "u1"),
        ("tick", "<u4"),
        ("n_entered", "<u2"),
        ("n_updated", "<u2"),
        ("n_left", "<u2"),
    ]
)
#: Positions are int16 centimetres: the hall must lie within +-327.67 m.
MAX_COORD_M = 327.67
#: Quantisation error bounds (half a step), used by tests and documented.
POSITION_STEP_M = 0.01
YAW_STEP_DEG = 360.0 / 65536.0


def quantise(
    ids: NDArray[np.uint32],
    xy: NDArray[np.float64],
    yaw_deg: NDArray[np.float64],
    anim: NDArray[np.uint8],
    flags: NDArray[np.uint8],
) -> NDArray[np.void]:
    """Build one record per avatar from float state (vectorised)."""
    out = np.empty(len(ids), dtype=RECORD)
    out["id"] = ids
    cm = np.rint(np.clip(xy, -MAX_COORD_M, MAX_COORD_M) * 100.0)
    out["x"] = cm[:, 0]
    out["y"] = cm[:, 1]
    out["yaw"] = np.rint(np.mod(yaw_deg, 360.0) / YAW_STEP_DEG).astype(np.int64) % 65536
    out["anim"] = anim
    out["flags"] = flags
    return out


def encode_frame(
    tick: int,
    *,
    entered: bytes = b"",
    updated: Sequence[bytes] = (),
    left: NDArray[np.uint32] | None = None,
    full: bool = False,
) -> bytes:
    """Assemble a frame from pre-encoded record bytes (shared between viewers)."""
    n_updated = sum(len(block) for block in updated) // RECORD_SIZE
    left_bytes = b"" if left is None else np.asarray(left, dtype="<u4").tobytes()
    header = _HEADER.pack(
        KIND_SNAPSHOT,
        FLAG_FULL if full else 0,
        tick & 0xFFFFFFFF,
        len(entered) // RECORD_SIZE,
        n_updated,
        len(left_bytes) // 4,
    )
    return b"".join((header, entered, *updated, left_bytes))


def header_of_updates(tick: int, n_updated: int) -> bytes:
    """The header of a frame holding ``n_updated`` updates only (the common frame)."""
    return _HEADER.pack(KIND_SNAPSHOT, 0, tick & 0xFFFFFFFF, 0, n_updated, 0)


def update_frames(
    tick: int, records: NDArray[np.void], taken: NDArray[np.int32], counts: NDArray[np.int64]
) -> tuple[bytes, NDArray[np.int64]]:
    """The frames of updates only of many viewers at once, back to back in one bytes.

    ``records``: every avatar's record (12-byte items, by slot); ``taken``: the
    slots every viewer is sent, in viewer order, ``counts[i]`` of them for
    viewer ``i``. Returns the bytes and where each viewer's frame ends: viewer
    ``i``'s is ``out[ends[i - 1] : ends[i]]``, empty when it has no update (the
    same bytes as :func:`header_of_updates` + its records). One gather and one
    copy for all viewers instead of a header and a join per viewer.
    """
    has = counts > 0
    units = counts + has  # a frame is its header and its records, all 12 bytes
    ends = np.cumsum(units)
    total = int(ends[-1]) if len(ends) else 0
    head_at = (ends - units)[has]
    headers = np.zeros(len(head_at), dtype=HEADER)
    headers["kind"] = KIND_SNAPSHOT
    headers["tick"] = tick & 0xFFFFFFFF
    headers["n_updated"] = counts[has]
    # what goes at each 12 bytes of the output: a record by slot, or a header after them
    source = np.concatenate((records, headers.view("V12")))
    which = np.empty(total, dtype=np.intp)
    body = np.ones(total, dtype=np.bool_)
    body[head_at] = False
    which[body] = taken
    which[head_at] = np.arange(len(records), len(source))
    return source.take(which).tobytes(), ends * RECORD_SIZE


@dataclass(frozen=True, slots=True)
class Frame:
    """A decoded snapshot frame (what a client reads)."""

    tick: int
    full: bool
    entered: NDArray[np.void]
    updated: NDArray[np.void]
    left: NDArray[np.uint32]


def decode_frame(data: bytes) -> Frame:
    """Parse a frame, checking every length; raise InvalidInput if malformed."""
    if len(data) < HEADER_SIZE:
        raise InvalidInput("snapshot frame shorter than its header", code="bad_frame")
    kind, flags, tick, n_entered, n_updated, n_left = _HEADER.unpack_from(data)
    if kind != KIND_SNAPSHOT:
        raise InvalidInput(f"unknown frame kind {kind}", code="bad_frame")
    expected = HEADER_SIZE + (n_entered + n_updated) * RECORD_SIZE + n_left * 4
    if len(data) != expected:
        raise InvalidInput(
            f"snapshot frame is {len(data)} bytes, header says {expected}", code="bad_frame"
        )
    body = np.frombuffer(data, dtype=RECORD, count=n_entered + n_updated, offset=HEADER_SIZE)
    left = np.frombuffer(
        data, dtype="<u4", count=n_left, offset=HEADER_SIZE + (n_entered + n_updated) * RECORD_SIZE
    )
    return Frame(
        tick=tick,
        full=bool(flags & FLAG_FULL),
        entered=body[:n_entered],
        updated=body[n_entered:],
        left=left.astype(np.uint32),
    )


def positions_m(records: NDArray[np.void]) -> NDArray[np.float64]:
    """(N, 2) positions in metres from records."""
    return np.stack([records["x"], records["y"]], axis=1).astype(np.float64) / 100.0


def yaw_deg(records: NDArray[np.void]) -> NDArray[np.float64]:
    return records["yaw"].astype(np.float64) * YAW_STEP_DEG
