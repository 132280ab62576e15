"""Fault injection: what a misbehaving back office does to a request.

:class:`Faults` is the set of faults in force (flags at start, then
``POST /admin/faults``). :func:`decide` is pure: given the faults and a
random generator it says what happens to one request, before the sim does
anything with it. A 5xx is answered before anything is recorded. A timeout
hangs past the client's timeout; for a share of them (``timeout_processed_rate``)
the submission IS processed and recorded first and only the response is lost,
as happens with real back offices, so a client that retries without an
idempotency key would file twice.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class Faults:
    """Faults in force; all off by default."""

    #: Share of requests answered 500 or 503 (half each), before anything is recorded.
    fail_rate: float = 0.0
    #: Share of requests that hang for ``hang_s`` (past the client's timeout).
    timeout_rate: float = 0.0
    #: Share of those timeouts whose submission is processed before the hang.
    timeout_processed_rate: float = 0.5
    #: How long a timed-out request hangs before the (unread) answer.
    hang_s: float = 30.0
    #: Extra delay of every request, in milliseconds.
    slow_ms: int = 0
    #: Refuse every request with 503 (Retry-After: 1).
    down: bool = False
    #: Record status webhooks as dropped instead of sending them.
    drop_webhooks: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, changes: dict[str, Any]) -> Faults:
        """A copy with ``changes`` applied; ValueError naming a bad key or value."""
        known = set(self.as_dict())
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"unknown fault {key!r}")
            current = getattr(self, key)
            if isinstance(current, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"{key} must be true or false")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{key} must be a number")
            elif key.endswith("_rate") and not 0 <= value <= 1:
                raise ValueError(f"{key} must be between 0 and 1")
            elif value < 0:
                raise ValueError(f"{key} must not be negative")
        typed: dict[str, Any] = {k: (int(v) if k == "slow_ms" else v) for k, v in changes.items()}
        return replace(self, **typed)


class Outcome(StrEnum):
    """What happens to one request."""

    SERVE = "serve"
    #: Answer 500 Internal Server Error; nothing recorded.
    FAIL_500 = "fail_500"
    #: Answer 503 Service Unavailable with Retry-After; nothing recorded.
    FAIL_503 = "fail_503"
    #: Hang, then answer 504; nothing recorded.
    HANG_UNPROCESSED = "hang_unprocessed"
    #: Process and record the request, then hang before answering.
    HANG_PROCESSED = "hang_processed"


def decide(faults: Faults, rng: random.Random) -> Outcome:
    """What a request meets; ``down`` is checked by the caller, before authentication."""
    roll = rng.random()
    if roll < faults.fail_rate:
        return Outcome.FAIL_500 if rng.random() < 0.5 else Outcome.FAIL_503
    if roll < faults.fail_rate + faults.timeout_rate:
        if rng.random() < faults.timeout_processed_rate:
            return Outcome.HANG_PROCESSED
        return Outcome.HANG_UNPROCESSED
    return Outcome.SERVE
