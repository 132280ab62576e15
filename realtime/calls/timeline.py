"""One continuous RTP timeline out of packets from successive senders. Pure.

The server sends each leg its own RTP stream. Its timestamps must run on
smoothly when the other side of the call changes (an officer hands over to
another officer): the new sender's timestamps start anywhere, so each new
source is rebased to follow the last packet sent, plus the wall-clock gap.
"""

from __future__ import annotations

_WRAP = 1 << 32
_HALF = 1 << 31


class Timeline:
    """Maps (source, RTP timestamp, wall time) to a continuous output position."""

    def __init__(self, rate: int, min_gap: int) -> None:
        self.rate = rate
        #: Smallest step between two sources (one frame: 960 for 20 ms Opus).
        self.min_gap = min_gap
        self._source: object = None
        self._raw = 0
        self._unwrapped = 0
        self._offset = 0
        self._last_out: int | None = None
        self._last_wall = 0.0

    def map(self, source: object, raw: int, now: float) -> int:
        if source != self._source:
            if self._last_out is None:
                base = 0
            else:
                gap = max(self.min_gap, int((now - self._last_wall) * self.rate))
                base = self._last_out + gap
            self._source = source
            self._raw = raw
            self._unwrapped = 0
            self._offset = base
        else:
            delta = (raw - self._raw) % _WRAP
            if delta >= _HALF:  # an older packet, reordered on the way
                delta -= _WRAP
            self._unwrapped += delta
            self._raw = raw
        out = self._unwrapped + self._offset
        if self._last_out is None or out > self._last_out:
            self._last_out = out
            self._last_wall = now
        return out
