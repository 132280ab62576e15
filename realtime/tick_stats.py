"""Tick statistics for ``GET /api/v1/halls/{id}/stats`` (pure).

A tick's duration alone hides a saturated event loop: a tick may take 9 ms
and still start only 13 times a second because the loop reaches it late.
So each tick is logged with when it was due and when it ran, and the
statistics give the achieved rate and how late ticks started next to their
durations (the hall's work, and apart from it the writing of the frames), over the ticks after ``since_tick`` (a window chosen by the
caller, e.g. a benchmark) or over all that are kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TickRecord:
    #: the hall's tick number
    tick: int
    #: when the tick ran and when it was due, on the runtime's clock (seconds)
    at_s: float
    due_s: float
    #: how long the tick's own work took, and writing its messages to the sockets
    took_s: float
    send_s: float = 0.0


def _percentiles(values: list[float]) -> dict[str, float | None]:
    values = sorted(values)

    def pct(q: float) -> float | None:
        if not values:
            return None
        return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 3)

    return {"p50": pct(0.5), "p99": pct(0.99), "max": pct(1.0)}


def tick_stats(
    records: Iterable[TickRecord], *, since_tick: int | None, tick_hz: float
) -> dict[str, Any]:
    """Durations, lateness (ms) and the achieved rate of the ticks after ``since_tick``."""
    window = [r for r in records if since_tick is None or r.tick > since_tick]
    rate = None
    if len(window) >= 2 and window[-1].at_s > window[0].at_s:
        rate = round((len(window) - 1) / (window[-1].at_s - window[0].at_s), 2)
    return {
        "ticks": len(window),
        "first_tick": window[0].tick if window else None,
        "last_tick": window[-1].tick if window else None,
        "tick_hz_planned": tick_hz,
        "tick_hz_achieved": rate,
        "tick_ms": _percentiles([r.took_s for r in window]),
        "send_ms": _percentiles([r.send_s for r in window]),
        # both together: how long a tick held the event loop
        "step_ms": _percentiles([r.took_s + r.send_s for r in window]),
        "tick_late_ms": _percentiles([max(0.0, r.at_s - r.due_s) for r in window]),
    }
