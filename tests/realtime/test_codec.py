import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hall_server.errors import InvalidInput
from realtime import codec

coords = st.floats(min_value=-300, max_value=300, allow_nan=False)
avatar = st.tuples(
    st.integers(min_value=0, max_value=2**32 - 1),
    coords,
    coords,
    st.floats(min_value=-720, max_value=720, allow_nan=False),
    st.integers(0, 255),
    st.integers(0, 255),
)


def _records(rows: list[tuple[int, float, float, float, int, int]]) -> np.ndarray:
    arr = np.array(rows, dtype=float).reshape(-1, 6)
    return codec.quantise(
        np.array([r[0] for r in rows], dtype=np.uint32),
        arr[:, 1:3],
        arr[:, 3],
        arr[:, 4].astype(np.uint8),
        arr[:, 5].astype(np.uint8),
    )


@given(
    st.lists(avatar, max_size=40),
    st.lists(avatar, max_size=40),
    st.lists(st.integers(0, 2**32 - 1), max_size=40),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_frame_round_trips_within_quantisation_error(entered, updated, left, full, tick):
    ent, upd = _records(entered), _records(updated)
    half = len(upd) // 2
    frame = codec.encode_frame(
        tick,
        entered=ent.tobytes(),
        updated=[upd[:half].tobytes(), upd[half:].tobytes()],
        left=np.array(left, dtype=np.uint32),
        full=full,
    )
    decoded = codec.decode_frame(frame)
    assert decoded.tick == tick and decoded.full == full
    assert decoded.left.tolist() == left
    for rows, got in ((entered, decoded.entered), (updated, decoded.updated)):
        assert got["id"].tolist() == [r[0] for r in rows]
        if rows:
            want = np.array([[r[1], r[2]] for r in rows])
            assert np.all(np.abs(codec.positions_m(got) - want) <= codec.POSITION_STEP_M / 2 + 1e-9)
            yaw_err = np.abs(
                (codec.yaw_deg(got) - np.array([r[3] for r in rows]) + 180) % 360 - 180
            )
            assert np.all(yaw_err <= codec.YAW_STEP_DEG / 2 + 1e-6)
            assert got["anim"].tolist() == [r[4] for r in rows]
            assert got["flags"].tolist() == [r[5] for r in rows]


def test_record_is_twelve_bytes_and_header_twelve_bytes():
    assert codec.RECORD_SIZE == 12
    assert codec.HEADER_SIZE == 12
    assert len(codec.encode_frame(1)) == 12


@pytest.mark.parametrize(
    "data",
    [b"", b"\x01", b"\x02" + bytes(11), codec.encode_frame(5, left=np.array([1], np.uint32))[:-1]],
)
def test_malformed_frame_is_rejected(data):
    with pytest.raises(InvalidInput):
        codec.decode_frame(data)


def test_positions_outside_the_int16_range_are_clamped_not_wrapped():
    rec = _records([(1, 1000.0, -1000.0, 0.0, 0, 0)])
    assert rec["x"][0] == 32767 and rec["y"][0] == -32767
