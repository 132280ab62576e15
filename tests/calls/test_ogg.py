"""The Ogg Opus writer, without an event loop: pages, CRC, lacing, granules, gaps, decoding."""

from __future__ import annotations

import fractions
import struct
from pathlib import Path

import av
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from realtime.calls.ogg import SILENCE, OggOpusWriter, ogg_crc, opus_samples


def pages(data: bytes) -> list[tuple[int, int, int, list[bytes]]]:
    """Parse Ogg pages: (flags, granule, sequence, packets), checking each CRC."""
    out = []
    pos = 0
    carry = b""
    while pos < len(data):
        assert data[pos : pos + 4] == b"OggS"
        _, _version, flags, granule, _serial, seq, crc, n = struct.unpack_from(
            "<4sBBqIIIB", data, pos
        )
        lacing = data[pos + 27 : pos + 27 + n]
        size = 27 + n + sum(lacing)
        page = bytearray(data[pos : pos + size])
        page[22:26] = b"\0\0\0\0"
        assert ogg_crc(bytes(page)) == crc
        body = data[pos + 27 + n : pos + size]
        packets, off = [], 0
        for lace in lacing:
            carry += body[off : off + lace]
            off += lace
            if lace < 255:
                packets.append(carry)
                carry = b""
        out.append((flags, granule, seq, packets))
        pos += size
    return out


def test_the_crc_matches_the_ogg_reference_value():
    # The CRC of a known page header from the Ogg spec's generator (0x04C11DB7, no reflection).
    assert ogg_crc(b"") == 0
    assert ogg_crc(b"OggS") == 0x5FB0A94F


def test_opus_samples_reads_the_toc_byte():
    assert opus_samples(bytes([0xF8])) == 960  # CELT FB 20 ms, one frame
    assert opus_samples(bytes([0xFC])) == 960  # the same, stereo
    assert opus_samples(bytes([0xF9, 0])) == 1920  # code 1: two frames
    assert opus_samples(bytes([0x79])) == 2 * 960  # hybrid FB 20 ms (config 15), two frames
    assert opus_samples(bytes([0x1B, 3])) == 3 * 2880  # SILK 60 ms, code 3 with 3 frames
    assert opus_samples(b"") == 0


@given(st.lists(st.binary(min_size=1, max_size=700), min_size=1, max_size=120))
def test_every_packet_comes_back_in_order_and_granules_never_go_back(packets: list[bytes]):
    packets = [bytes([0xF8]) + p for p in packets]  # 20 ms each
    w = OggOpusWriter(serial=7)
    data = w.start()
    for i, p in enumerate(packets):
        data += w.add(p, i * 960)
    data += w.finish()
    parsed = pages(data)
    assert parsed[0][0] == 0x02 and parsed[-1][0] & 0x04
    assert [seq for _, _, seq, _ in parsed] == list(range(len(parsed)))
    got = [p for *_, ps in parsed for p in ps]
    assert got[0].startswith(b"OpusHead") and got[1].startswith(b"OpusTags")
    assert got[2:] == packets
    granules = [g for _, g, _, _ in parsed]
    assert granules == sorted(granules)
    assert granules[-1] == len(packets) * 960


def _tone_packets(seconds: float, freq: float) -> list[bytes]:
    enc = av.CodecContext.create("libopus", "w")
    enc.sample_rate, enc.layout, enc.format = 48_000, "stereo", "s16"
    out = []
    for i in range(int(seconds * 50)):
        t = (np.arange(960) + i * 960) / 48_000
        pcm = (0.3 * np.sin(2 * np.pi * freq * t) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(np.repeat(pcm, 2).reshape(1, -1), "s16", "stereo")
        frame.sample_rate, frame.pts = 48_000, i * 960
        frame.time_base = fractions.Fraction(1, 48_000)
        out += [bytes(p) for p in enc.encode(frame)]
    return out


def test_a_file_with_a_gap_decodes_to_wall_time_with_silence_in_the_gap(tmp_path: Path):
    tone = _tone_packets(1.0, 440)
    w = OggOpusWriter(serial=1)
    data = w.start()
    pos = 9600  # the first packet came 0.2 s after the recording began
    for p in tone:
        data += w.add(p, pos)
        pos += 960
    pos += 48_000  # a hand-over: one second with no packets
    for p in tone:
        data += w.add(p, pos)
        pos += 960
    data += w.finish()
    path = tmp_path / "call.ogg"
    path.write_bytes(data)
    with av.open(str(path)) as container:
        pcm = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    assert abs(len(pcm) / 48_000 - 3.2) < 0.05
    rms = lambda a: float(np.sqrt(np.mean(np.square(a.astype(np.float64)))))  # noqa: E731
    assert rms(pcm[:9000]) < 1e-3  # the lead-in is silent
    assert rms(pcm[int(1.4 * 48_000) : int(2.0 * 48_000)]) < 1e-3  # so is the gap
    assert rms(pcm[int(0.5 * 48_000) : int(1.0 * 48_000)]) > 0.1
    assert w.samples == pos and SILENCE in [p for *_, ps in pages(data) for p in ps]


def test_a_reordered_packet_never_moves_the_granule_back():
    w = OggOpusWriter(serial=1)
    w.start()
    w.add(bytes([0xF8, 1]), 960 * 10)
    w.add(bytes([0xF8, 2]), 960 * 5)  # late: follows on instead
    data = w.finish()
    assert pages(data)[-1][1] == 960 * 12
