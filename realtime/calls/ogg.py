"""Ogg Opus files written from Opus packets as they arrive, without decoding (RFC 7845).

A recorded call direction is a stream of Opus packets taken straight off the
wire; re-encoding them would cost a tenth of a core per stream, so they are
put into Ogg pages as they are. Pure: bytes in, bytes out; the caller writes
the bytes to a file.
"""

from __future__ import annotations

import struct

#: Opus always counts time at 48 kHz, whatever the input rate was.
RATE = 48_000
#: A page is closed after this many samples (1 s) so a crash loses little.
PAGE_SAMPLES = RATE
_MAX_SEGMENTS = 255
#: An Opus packet with one empty 20 ms CELT frame (TOC config 31, code 0): silence.
SILENCE = bytes([0xF8])
SILENCE_SAMPLES = 960
#: Gaps longer than an hour are not filled (the granule still jumps).
MAX_FILL_FRAMES = 3600 * 50


def _crc_table() -> tuple[int, ...]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
        table.append(r & 0xFFFFFFFF)
    return tuple(table)


_CRC = _crc_table()


def ogg_crc(data: bytes) -> int:
    """Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC[((crc >> 24) ^ byte) & 0xFF]
    return crc


def opus_samples(packet: bytes) -> int:
    """Samples (at 48 kHz) in one Opus packet, from its TOC byte (RFC 6716 section 3.1)."""
    if not packet:
        return 0
    toc = packet[0]
    config = toc >> 3
    if config < 12:  # SILK: 10, 20, 40, 60 ms
        frame = (480, 960, 1920, 2880)[config & 3]
    elif config < 16:  # hybrid: 10, 20 ms
        frame = (480, 960)[config & 1]
    else:  # CELT: 2.5, 5, 10, 20 ms
        frame = (120, 240, 480, 960)[config & 3]
    code = toc & 3
    if code == 0:
        count = 1
    elif code in (1, 2):
        count = 2
    else:
        count = packet[1] & 0x3F if len(packet) > 1 else 0
    return frame * count


def opus_head(channels: int = 2, pre_skip: int = 0) -> bytes:
    """The identification header; WebRTC negotiates Opus as 2 channels."""
    return b"OpusHead" + struct.pack("<BBHIhB", 1, channels, pre_skip, RATE, 0, 0)


def opus_tags(vendor: str = "hall-server") -> bytes:
    raw = vendor.encode()
    return b"OpusTags" + struct.pack("<I", len(raw)) + raw + struct.pack("<I", 0)


class OggOpusWriter:
    """Turns Opus packets with their sample positions into Ogg pages.

    ``start()`` returns the two header pages, ``add()`` returns pages when
    one is full (empty bytes otherwise) and ``finish()`` the last page. The
    position (``granule``) of a packet is where it starts, in samples since
    the recording began, so that a gap on the wire (a hand-over) stays a gap.
    """

    def __init__(self, serial: int, channels: int = 2) -> None:
        self.serial = serial & 0xFFFFFFFF
        self.channels = channels
        self._seq = 0
        self._packets: list[bytes] = []
        self._segments = 0
        self._granule = 0  # end of the last packet added, in samples
        self._page_start = 0
        self.samples = 0
        self.packets = 0

    def start(self) -> bytes:
        head = self._page([opus_head(self.channels)], granule=0, flags=0x02)
        return head + self._page([opus_tags()], granule=0, flags=0)

    def add(self, packet: bytes, position: int) -> bytes:
        """Add one packet that starts ``position`` samples after the recording began."""
        if not packet:
            return b""
        # A position behind the previous packet's end (reordering) would make the
        # granule go backwards, which Ogg forbids: such a packet follows on.
        start = max(position, self._granule)
        out = b""
        # A gap on the wire (a hand-over, a sender that paused) is filled with empty
        # 20 ms frames, which decoders play as silence: the file keeps wall time.
        gap = min((start - self._granule) // SILENCE_SAMPLES, MAX_FILL_FRAMES)
        if gap > 0:
            for _ in range(gap):
                out += self._append(SILENCE, self._granule)
            start = max(position, self._granule)
        return out + self._append(packet, start)

    def _append(self, packet: bytes, start: int) -> bytes:
        out = b""
        needed = len(packet) // 255 + 1
        if self._segments + needed > _MAX_SEGMENTS or (
            self._packets and start - self._page_start >= PAGE_SAMPLES
        ):
            out = self._flush(flags=0)
        if not self._packets:
            self._page_start = start
        self._packets.append(packet)
        self._segments += needed
        self._granule = start + opus_samples(packet)
        self.samples = self._granule
        self.packets += 1
        return out

    def finish(self) -> bytes:
        """The last page (end of stream); an empty one if nothing is pending."""
        return self._flush(flags=0x04, force=True)

    def _flush(self, *, flags: int, force: bool = False) -> bytes:
        if not self._packets and not force:
            return b""
        page = self._page(self._packets, granule=self._granule, flags=flags)
        self._packets = []
        self._segments = 0
        return page

    def _page(self, packets: list[bytes], *, granule: int, flags: int) -> bytes:
        lacing = bytearray()
        for p in packets:
            lacing += b"\xff" * (len(p) // 255) + bytes([len(p) % 255])
        header = struct.pack(
            "<4sBBqIIIB", b"OggS", 0, flags, granule, self.serial, self._seq, 0, len(lacing)
        )
        self._seq += 1
        page = bytearray(header + bytes(lacing) + b"".join(packets))
        struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
        return bytes(page)
