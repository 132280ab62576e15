"""Benchmark of the queue engine: ``python -m bench.queue_engine``.

Two parts, both on one core in this process (the engine is pure):

1. **Throughput.** A realistic counter mix against a hall with a few hundred
   tickets waiting: every step issues one ticket, and one of five counters
   finishes its citizen (start_service + finish) and calls the next, so the
   queue stays at its starting length. Each engine method call counts as one
   operation; the events are drained as the edge would. Also timed: one
   ``estimates_changed`` over the whole hall (the edge calls it about once
   a second, not per operation).

2. **Wait-estimate accuracy on a simulated day.** 08:00-15:00 WITA with
   Poisson arrivals at these rates (tickets per hour, all services)::

       08 09 10 11 12 13 14
       20 30 34 28 22 26 18

   Services and their share of arrivals: KTP-EL 50 % (mean 6 min), KK 30 %
   (10 min), AKTA 20 % (12 min); service times lognormal with sigma 0.5
   around those means (the catalogue's prior is the same mean). 15 % of
   citizens are in a priority class (UU 25/2009 art. 29). Five counters:
   L1, L2 call KTP-EL; L3 KTP-EL and KK; L4 KK and AKTA; L5 AKTA and KK. A
   free counter calls at once; the citizen walks up in 20-60 s. At every
   arrival the new ticket's estimate is recorded and later compared with its
   true wait (call time - enqueue time). The same day (same seed) is run
   twice, once with the blended estimator and once with the plain
   queue-length one (``history_weight=0``); calls never depend on estimates,
   so both runs see the same queue. Mean absolute error and the share of
   true waits inside ``[low_s, high_s]`` are printed per estimator, over
   several days.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import math
import random
import statistics
import time
from dataclasses import dataclass, replace

from counters.queue import QueueEngine
from counters.tickets import Actor, ActorRole, Outcome, Priority, QueueRules, ServiceRule

T0 = 1_763_856_000.0  # 2025-11-23 08:00 WITA
RATE_PER_HOUR = (20, 30, 34, 28, 22, 26, 18)
SERVICE_MIX = (("KTP-EL", 0.5, 360.0), ("KK", 0.3, 600.0), ("AKTA", 0.2, 720.0))
PRIORITY_MIX = (
    (Priority.REGULAR, 0.85),
    (Priority.ELDERLY, 0.08),
    (Priority.DISABLED, 0.02),
    (Priority.PREGNANT, 0.03),
    (Priority.SMALL_CHILDREN, 0.02),
)
PROFILES = {
    "L1": ("KTP-EL",),
    "L2": ("KTP-EL",),
    "L3": ("KTP-EL", "KK"),
    "L4": ("KK", "AKTA"),
    "L5": ("AKTA", "KK"),
}
SIGMA = 0.5
RULES = QueueRules(
    services=(
        ServiceRule("KTP-EL", "A", 360.0),
        ServiceRule("KK", "B", 600.0),
        ServiceRule("AKTA", "C", 720.0),
    ),
)


def officer(counter: str) -> Actor:
    return Actor(f"officer:{counter}", ActorRole.OFFICER)


# ------------------------------------------------------------------ throughput


def throughput(waiting: int, steps: int) -> tuple[float, int]:
    """Operations per second for the take/call/start/finish mix."""
    ids = itertools.count()
    q = QueueEngine(RULES, new_id=lambda: f"t{next(ids)}")
    staff = {c: officer(c) for c in PROFILES}
    now = T0
    for c, profile in PROFILES.items():
        q.open_counter(c, profile, staff[c], now=now)
    rng = random.Random(1)
    services = [s for s, _, _ in SERVICE_MIX]
    weights = [w for _, w, _ in SERVICE_MIX]
    pris = [p for p, _ in PRIORITY_MIX]
    pw = [w for _, w in PRIORITY_MIX]
    plan = [
        (rng.choices(services, weights)[0], rng.choices(pris, pw)[0])
        for _ in range(waiting + steps)
    ]
    for i in range(waiting):
        q.take_ticket(f"c{i}", plan[i][0], plan[i][1], now=now)
    for c in PROFILES:
        q.call_next(c, staff[c], now=now)
        q.start_service(c, staff[c], now=now)
    q.events_to_send()
    counters = list(PROFILES)
    ops = 0
    start = time.perf_counter()
    for k in range(steps):
        now += 0.5
        service, priority = plan[waiting + k]
        q.take_ticket(f"c{waiting + k}", service, priority, now=now)
        c = counters[k % 5]
        actor = staff[c]
        if q.counter(c).ticket_id is not None:
            q.finish(c, actor, Outcome.SERVED, now=now)
            ops += 1
        if q.call_next(c, actor, now=now) is not None:
            q.start_service(c, actor, now=now)
            ops += 1
        ops += 2
        q.events_to_send()
    elapsed = time.perf_counter() - start
    return ops / elapsed, len(q.estimates(now))


def estimates_changed_ms(waiting: int) -> float:
    ids = itertools.count()
    q = QueueEngine(RULES, new_id=lambda: f"t{next(ids)}")
    for c, profile in PROFILES.items():
        q.open_counter(c, profile, officer(c), now=T0)
    rng = random.Random(2)
    for i in range(waiting):
        q.take_ticket(f"c{i}", rng.choice(list(RULES.services)).code, Priority.REGULAR, now=T0)
    rounds = 20
    start = time.perf_counter()
    for r in range(rounds):
        q.estimates_changed(T0 + r)
    return (time.perf_counter() - start) / rounds * 1000


# -------------------------------------------------------------------- accuracy


@dataclass
class DayResult:
    abs_errors: list[float]
    abs_errors_regular: list[float]
    abs_errors_priority: list[float]
    inside: int
    tickets: int
    mean_wait_s: float


def simulate_day(seed: int, rules: QueueRules) -> DayResult:
    """One day of the hall; returns each ticket's estimate error at arrival."""
    rng = random.Random(seed)
    ids = itertools.count()
    q = QueueEngine(rules, new_id=lambda: f"t{next(ids)}")
    staff = {c: officer(c) for c in PROFILES}
    means = {s: m for s, _, m in SERVICE_MIX}
    # Events: (time, order, kind, payload); "arrive" carries (service, priority).
    agenda: list[tuple[float, int, str, str]] = []
    order = itertools.count()
    t = T0
    end = T0 + len(RATE_PER_HOUR) * 3600
    arrivals: list[tuple[float, str, Priority]] = []
    while True:
        hour = int((t - T0) // 3600)
        if hour >= len(RATE_PER_HOUR):
            break
        t += rng.expovariate(RATE_PER_HOUR[hour] / 3600)
        if t >= end:
            break
        service = rng.choices([s for s, _, _ in SERVICE_MIX], [w for _, w, _ in SERVICE_MIX])[0]
        priority = rng.choices([p for p, _ in PRIORITY_MIX], [w for _, w in PRIORITY_MIX])[0]
        arrivals.append((t, service, priority))
    for i, (at, _, _) in enumerate(arrivals):
        heapq.heappush(agenda, (at, next(order), "arrive", str(i)))
    for c, profile in PROFILES.items():
        q.open_counter(c, profile, staff[c], now=T0)
    predicted: dict[str, tuple[float, float, float, bool]] = {}
    waits: dict[str, float] = {}

    def try_call(c: str, now: float) -> None:
        ticket = q.call_next(c, staff[c], now=now)
        if ticket is None:
            return
        waits[ticket.ticket_id] = now - ticket.enqueued_at
        heapq.heappush(agenda, (now + rng.uniform(20, 60), next(order), "arrived", c))

    while agenda:
        now, _, kind, payload = heapq.heappop(agenda)
        if kind == "arrive":
            _, service, priority = arrivals[int(payload)]
            ticket = q.take_ticket(f"cit{payload}", service, priority, now=now)
            est = q.estimate(ticket.ticket_id, now)
            predicted[ticket.ticket_id] = (
                est.expected_s,
                est.low_s,
                est.high_s,
                priority.is_priority,
            )
            for c in PROFILES:
                if q.counter(c).ticket_id is None:
                    try_call(c, now)
        elif kind == "arrived":
            q.start_service(payload, staff[payload], now=now)
            service = q.ticket(q.counter(payload).ticket_id or "").service
            mean = means[service]
            duration = rng.lognormvariate(math.log(mean) - SIGMA**2 / 2, SIGMA)
            heapq.heappush(agenda, (now + duration, next(order), "done", payload))
        else:
            q.finish(payload, staff[payload], Outcome.SERVED, now=now)
            try_call(payload, now)
        q.events_to_send()
    errors: list[float] = []
    reg: list[float] = []
    pri: list[float] = []
    inside = 0
    for tid, (expected, low, high, is_priority) in predicted.items():
        true = waits[tid]
        err = abs(expected - true)
        errors.append(err)
        (pri if is_priority else reg).append(err)
        inside += low <= true <= high
    return DayResult(errors, reg, pri, inside, len(predicted), statistics.fmean(waits.values()))


def accuracy(days: int) -> list[tuple[str, float, float, float, float, float]]:
    rows = []
    for name, rules in (
        ("blended (QL + recent history)", RULES),
        ("queue length only", replace(RULES, history_weight=0.0)),
    ):
        results = [simulate_day(seed, rules) for seed in range(days)]
        all_err = [e for r in results for e in r.abs_errors]
        reg = [e for r in results for e in r.abs_errors_regular]
        pri = [e for r in results for e in r.abs_errors_priority]
        inside = sum(r.inside for r in results) / sum(r.tickets for r in results)
        mean_wait = statistics.fmean(r.mean_wait_s for r in results)
        rows.append(
            (
                name,
                statistics.fmean(all_err) / 60,
                statistics.fmean(reg) / 60,
                statistics.fmean(pri) / 60,
                inside * 100,
                mean_wait / 60,
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000, help="steps per throughput run")
    parser.add_argument("--days", type=int, default=10, help="simulated days for accuracy")
    args = parser.parse_args()

    print("## Throughput (one core)\n")
    print("| waiting tickets | ops/s (take, call_next, start, finish) |")
    print("|---:|---:|")
    for waiting in (100, 300, 1000):
        best = max(throughput(waiting, args.steps)[0] for _ in range(3))
        print(f"| {waiting} | {best:,.0f} |")
    print()
    print("| waiting tickets | estimates_changed over the hall (ms) |")
    print("|---:|---:|")
    for waiting in (100, 300, 1000):
        print(f"| {waiting} | {estimates_changed_ms(waiting):.1f} |")
    print()
    print(f"## Wait estimate at arrival vs true wait ({args.days} simulated days)\n")
    print(
        "| estimator | MAE all (min) | MAE regular (min) | MAE priority (min)"
        " | true wait in [low, high] | mean true wait (min) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, mae, mae_r, mae_p, inside, mean_wait in accuracy(args.days):
        print(
            f"| {name} | {mae:.2f} | {mae_r:.2f} | {mae_p:.2f} | {inside:.0f} % | {mean_wait:.1f} |"
        )


if __name__ == "__main__":
    main()
