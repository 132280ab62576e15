"""From audio levels to an avatar's speaking flag. Pure: levels and times in, changes out.

The level comes from the RTP header extension ``ssrc-audio-level`` (RFC 6464),
which browsers and aiortc put on every audio packet: a value in -dBov from 0
(loudest) to 127 (silence). Reading it costs nothing, where computing a level
ourselves would mean decoding every packet.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Louder than -45 dBov counts as voice (normal speech is around -20 to -30).
LOUD_DBOV = 45
#: The flag stays on this long after the last loud packet, so it does not flicker
#: between words.
HOLD_S = 0.4


@dataclass
class SpeakingDetector:
    """Turns a stream of (level, time) into on/off changes."""

    loud_dbov: int = LOUD_DBOV
    hold_s: float = HOLD_S
    speaking: bool = False
    _last_loud: float = float("-inf")

    def level(self, minus_dbov: int, now: float) -> bool | None:
        """Feed one packet's level; returns the new state if it changed, else None."""
        if minus_dbov <= self.loud_dbov:
            self._last_loud = now
            if not self.speaking:
                self.speaking = True
                return True
            return None
        return self.poll(now)

    def poll(self, now: float) -> bool | None:
        """Check the hold time without a packet (a sender that went quiet)."""
        if self.speaking and now - self._last_loud > self.hold_s:
            self.speaking = False
            return False
        return None
