"""codec.update_frames: many viewers' frames of updates at once, the same bytes as one by one."""

from __future__ import annotations

import numpy as np

from realtime import codec


def test_each_viewers_slice_is_its_header_and_records_and_empty_without_updates() -> None:
    rng = np.random.default_rng(3)
    records = codec.quantise(
        np.arange(1, 41, dtype=np.uint32),
        rng.uniform(-50, 50, (40, 2)),
        rng.uniform(0, 360, 40),
        rng.integers(0, 6, 40).astype(np.uint8),
        rng.integers(0, 16, 40).astype(np.uint8),
    ).view("V12")
    counts = np.array([3, 0, 5, 0, 0, 12, 1], dtype=np.int64)
    taken = rng.integers(0, 40, int(counts.sum())).astype(np.int32)
    buf, ends = codec.update_frames(2**32 + 7, records, taken, counts)
    start, used = 0, 0
    for n, end in zip(counts.tolist(), ends.tolist(), strict=True):
        frame = buf[start:end]
        if n == 0:
            assert frame == b""
        else:
            mine = taken[used : used + n]
            assert frame == codec.header_of_updates(2**32 + 7, n) + records.take(mine).tobytes()
            decoded = codec.decode_frame(frame)
            assert decoded.tick == 7 and not decoded.full
            assert decoded.updated["id"].tolist() == (mine + 1).tolist()
        start, used = end, used + n


def test_no_viewers_no_bytes() -> None:
    records = np.zeros(4, dtype=codec.RECORD).view("V12")
    buf, ends = codec.update_frames(1, records, np.zeros(0, dtype=np.int32), np.zeros(0, np.int64))
    assert buf == b"" and len(ends) == 0
