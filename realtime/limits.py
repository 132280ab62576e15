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


class AddressBuckets:
    """One :class:`TokenBucket` per client address, for REST calls that cost CPU.

    Bounded: past ``max_addresses`` the longest-unused address is forgotten
    (its next call starts with a full burst), so a flood of made-up addresses
    cannot grow memory. The addresses are kept only here, never logged.
    """

    __slots__ = ("_buckets", "burst", "max_addresses", "rate")

    def __init__(self, rate: float, burst: float, max_addresses: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_addresses = max_addresses
        self._buckets: dict[str, TokenBucket] = {}

    def allow(self, address: str, now: float) -> bool:
        bucket = self._buckets.pop(address, None)
        if bucket is None:
            bucket = TokenBucket(rate=self.rate, burst=self.burst)
            if len(self._buckets) >= self.max_addresses:
                del self._buckets[next(iter(self._buckets))]
        self._buckets[address] = bucket  # re-inserted last: dict order is recency
        return bucket.allow(now)

    def retry_after_s(self, address: str) -> float:
        """Seconds until ``address`` has a whole token again (0 when it has one)."""
        bucket = self._buckets.get(address)
        if bucket is None or bucket.tokens >= 1.0:
            return 0.0
        return (1.0 - bucket.tokens) / self.rate
