"""Wait estimates (pure): queue length blended with recent delay history.

Estimators from Ibrahim & Whitt (MSOM 2009), adapted to a hall where
priority tickets overtake regular ones and counters serve several services:

* queue length (QL): a ticket at ``position`` p in its service's effective
  order, with ``idle`` of the ``c`` open counters offering that service
  free, waits about ``max(0, p - idle) x mean service time / c``; the mean
  service time is that of the last finished services, starting from the
  catalogue's figure;
* delay history: how fast the service's queue has advanced lately (calls
  per second over its last first calls), giving ``(p - idle) / rate``; until
  a service has a few calls, the wait of the last ticket to enter service
  (LES) averaged with exponentially smoothed recent waits, minus what the
  ticket has already waited.

The history sees what QL cannot (counters shared with other services,
officers slower or faster than the catalogue says), QL reacts at once to a
change of counters or queue length. The blend weighs the history by how
many samples it has, up to ``QueueRules.history_weight`` (0.3: the best of
the weights tried in the simulated days of ``bench/queue_engine.py``, where
the blend's mean absolute error is about 11 % below plain QL).

The range ``[low_s, high_s]`` is an honesty band, not a promise: it held
about 80-85 % of true waits in those simulated days.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

__all__ = ["Estimate", "ServiceTimes", "WaitHistory", "blend", "call_rate"]

#: calls needed before the queue's advance speed is trusted
MIN_CALLS_FOR_RATE = 5

#: z of the two-sided ~80 % band of a normal distribution
_Z80 = 1.2816
#: coefficient of variation assumed for the catalogue's prior service time
_PRIOR_CV = 0.6


@dataclass(frozen=True, slots=True)
class Estimate:
    """A waiting ticket's place and wait, in seconds from now; never negative."""

    #: 1 = the next to be called for this service (in the effective order)
    position: int
    low_s: float
    expected_s: float
    high_s: float


class ServiceTimes:
    """Durations of the last finished services of one service, with a prior.

    The mean and spread are those of the last ``window`` samples, each
    blended with the catalogue's average as ``prior_n`` pseudo-samples, so a
    quiet morning starts from the published figure and moves to the
    measured one as services finish.
    """

    __slots__ = ("_cache", "_samples", "default_s", "prior_n", "window")

    def __init__(self, default_s: float, window: int, prior_n: float) -> None:
        self.default_s = default_s
        self.window = window
        self.prior_n = prior_n
        self._samples: list[tuple[float, int, float]] = []
        self._cache: tuple[float, float] | None = None

    def add(self, finished_at: float, seq: int, duration_s: float) -> None:
        """Add one service, kept in ``(finished_at, seq)`` order like :class:`WaitHistory`."""
        bisect.insort(self._samples, (finished_at, seq, max(0.0, duration_s)))
        if len(self._samples) > self.window:
            del self._samples[0]
        self._cache = None

    def __len__(self) -> int:
        return len(self._samples)

    def stats(self) -> tuple[float, float]:
        """(mean, standard deviation) in seconds."""
        if self._cache is None:
            n = len(self._samples)
            w = self.prior_n
            xs = [x for _, _, x in self._samples]
            mean = (w * self.default_s + sum(xs)) / (w + n)
            prior_var = (_PRIOR_CV * self.default_s) ** 2 + (self.default_s - mean) ** 2
            var = (w * prior_var + sum((x - mean) ** 2 for x in xs)) / (w + n)
            self._cache = (mean, math.sqrt(var))
        return self._cache


class WaitHistory:
    """The waits of the last tickets to be called, in call order.

    Samples are kept sorted by ``(called_at, seq)`` so that a history rebuilt
    from persisted tickets equals the one built live.
    """

    __slots__ = ("_cache", "_samples", "smoothing", "window")

    def __init__(self, window: int, smoothing: float) -> None:
        self.window = window
        self.smoothing = smoothing
        self._samples: list[tuple[float, int, float]] = []
        self._cache: tuple[float, float] | None = None

    def add(self, called_at: float, seq: int, wait_s: float) -> None:
        bisect.insort(self._samples, (called_at, seq, max(0.0, wait_s)))
        if len(self._samples) > self.window:
            del self._samples[0]
        self._cache = None

    def __len__(self) -> int:
        return len(self._samples)

    def call_times(self) -> list[float]:
        return [at for at, _, _ in self._samples]

    def stats(self) -> tuple[float, float]:
        """(recent delay, its mean absolute deviation) in seconds.

        The recent delay is the mean of the last wait (LES) and the
        exponentially smoothed waits; requires at least one sample.
        """
        if self._cache is None:
            a = self.smoothing
            smooth = self._samples[0][2]
            dev = 0.0
            for _, _, w in self._samples[1:]:
                dev = a * abs(w - smooth) + (1 - a) * dev
                smooth = a * w + (1 - a) * smooth
            les = self._samples[-1][2]
            self._cache = ((les + smooth) / 2, dev)
        return self._cache


def call_rate(histories: list[WaitHistory], now: float, window: int) -> float | None:
    """How fast a service's queue advances: calls per second over its last ``window``
    first calls (all tiers), measured up to ``now``; None with too few calls."""
    stamps = sorted(at for h in histories for at in h.call_times())[-window:]
    if len(stamps) < MIN_CALLS_FOR_RATE or now <= stamps[0]:
        return None
    return (len(stamps) - 1) / (now - stamps[0])


def blend(
    *,
    position: int,
    idle: int,
    counters: int,
    service: ServiceTimes,
    history: WaitHistory | None,
    waited_s: float,
    history_weight: float,
    call_rate: float | None = None,
) -> Estimate:
    """The estimate for one waiting ticket.

    The history term is ``ahead / call_rate`` (the queue's recent advance
    speed) once the service has enough calls, else the recent delay (LES
    and smoothed waits) minus what the ticket has already waited.

    ``counters`` is the number of open counters offering the service (the
    caller passes 1 when none is open: the estimate then assumes one will
    open), ``idle`` how many of them hold no ticket, ``waited_s`` how long
    the ticket has waited so far.
    """
    mean_s, sd_s = service.stats()
    c = max(1, counters)
    ahead = max(0, position - idle)
    ql = ahead * mean_s / c
    sigma_ql = math.sqrt(ahead) * sd_s / c
    if history is not None and len(history) > 0 and history_weight > 0:
        delay, dev = history.stats()
        k = len(history)
        w = history_weight * k / (k + 3)
        if call_rate is not None and call_rate > 0:
            hist = ahead / call_rate
        else:
            hist = max(0.0, delay - waited_s)
        expected = (1 - w) * ql + w * hist
        sigma = (1 - w) * sigma_ql + w * dev + 0.5 * abs(ql - hist) * w
    else:
        expected = ql
        sigma = sigma_ql
    expected = max(0.0, expected)
    if ahead == 0:
        # Next in line at an idle counter: the only unknown is when it calls.
        return Estimate(position, 0.0, expected, expected)
    spread = _Z80 * sigma + 0.1 * expected
    return Estimate(position, max(0.0, expected - spread), expected, expected + spread)
