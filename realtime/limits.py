"""Per-client rate limiting and per-address connection counting (pure, time passed in)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class TokenBucket:
    """Allows ``rate`` messages per second with bursts up to ``burst``.

    ``strikes`` counts refusals within the last ``strike_window_s``; the pump
    closes a client as abusive when it reaches the configured limit.
    """

    rate: float
    burst: float
    tokens: float = -1.0
    updated_at: float = 0.0
    strikes: int = 0
    strike_window_start: float = 0.0
    strike_window_s: float = 10.0

    def allow(self, now: float) -> bool:
        if self.tokens < 0:
            self.tokens = self.burst
            self.updated_at = now
        self.tokens = min(self.burst, self.tokens + (now - self.updated_at) * self.rate)
        self.updated_at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        if now - self.strike_window_start > self.strike_window_s:
            self.strike_window_start = now
            self.strikes = 0
        self.strikes += 1
        return False


class AddressCounter:
    """Open connections per client address, against one limit.

    Shared by every WebSocket route (the hall socket and the board feed), so
    that no route is a way around the limit.
    """

    __slots__ = ("_counts", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._counts: dict[str, int] = {}

    def acquire(self, address: str) -> bool:
        """Count one more connection from ``address``; False (not counted) at the limit."""
        count = self._counts.get(address, 0)
        if count >= self.limit:
            return False
        self._counts[address] = count + 1
        return True

    def release(self, address: str) -> None:
        count = self._counts.get(address, 0) - 1
        if count > 0:
            self._counts[address] = count
        else:
            self._counts.pop(address, None)
