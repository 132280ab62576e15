"""Per-client-address token buckets for REST calls that cost the hall something.

A walking path costs CPU the tick shares; a complaint can be filed without
signing in, so a flood would fill the database. Each kind of call has its own
buckets (realtime/limits.py ``AddressBuckets``), made on first use from the
frozen settings. The address is only a key here: never logged, never stored.
"""

from __future__ import annotations

import time

from fastapi import Request

from hall_server.errors import LimitExceeded
from realtime.limits import AddressBuckets


def check_address_rate(request: Request, kind: str, rate: float, burst: float) -> None:
    """Count one ``kind`` call from the request's address; ``rate_limited`` past its bucket."""
    registry: dict[str, AddressBuckets] | None = getattr(request.app.state, "address_buckets", None)
    if registry is None:
        registry = {}
        request.app.state.address_buckets = registry
    buckets = registry.get(kind)
    if buckets is None:
        buckets = registry[kind] = AddressBuckets(rate, burst)
    address = request.client.host if request.client else "unknown"
    if not buckets.allow(address, time.monotonic()):
        raise LimitExceeded(
            f"too many {kind} requests from this address; wait and try again",
            retry_after_s=buckets.retry_after_s(address),
        )
