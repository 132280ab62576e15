"""The cost of keeping the supervisors' figures live (issue 12's benchmark, the core).

``python -m bench.kpi_dashboard`` simulates a hall's day in the KPI core
(``counters/kpi.py``): 2,000 numbers over eight hours at 50 counters and 30
services, with parks, transfers, no-shows and cancellations, fed event by
event as the server feeds it. It reports:

- the cost of feeding one ticket event (what every counter batch adds);
- the cost of one dashboard frame (``KpiBook.summary``) at 10:00, 13:00 and
  at the end of the day, and its size as JSON (what a dashboard on the feed
  receives per push: at most one a second, at least one every 5 s);
- the baseline, measured in the same run: a frame computed the
  straightforward way, by replaying the day's events from the start into a
  fresh book for each frame (what a stateless endpoint over the audit log
  does, without the database).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from counters.kpi import CounterNow, KpiBook, KpiPolicy, TicketEvent

TZ = ZoneInfo("Asia/Makassar")


def simulated_day(
    day: date, *, tickets: int, counters: int, services: int, seed: int
) -> list[TicketEvent]:
    rng = random.Random(seed)
    codes = [f"S{i:02d}" for i in range(services)]
    opening = datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ).timestamp()
    events: list[TicketEvent] = []
    free_at = [opening] * counters
    for i in range(tickets):
        tid, service = f"t{i}", rng.choice(codes)
        arrive = opening + rng.uniform(0, 7 * 3600)
        events.append(TicketEvent("ticket_taken", arrive, tid, service, actor_role="citizen"))
        if rng.random() < 0.04:
            events.append(TicketEvent("cancelled", arrive + rng.uniform(60, 1800), tid, service))
            continue
        c = min(range(counters), key=lambda k: free_at[k])
        counter, role = f"D{c + 1}", "bot" if c % 3 == 0 else "officer"
        called = max(arrive + 30, free_at[c])
        events.append(TicketEvent("called", called, tid, service, counter, role))
        if rng.random() < 0.05:
            events.append(TicketEvent("no_show", called + 300, tid, service, counter, "system"))
            free_at[c] = called + 300
            continue
        start = called + rng.uniform(20, 120)
        events.append(TicketEvent("service_started", start, tid, service, counter, role))
        end = start + rng.uniform(120, 900)
        if rng.random() < 0.05:  # parked to fetch a document, served again later
            events.append(TicketEvent("parked", start + 60, tid, service, counter, role))
            events.append(TicketEvent("unparked", start + 600, tid, service, None, role))
            events.append(TicketEvent("called", start + 660, tid, service, counter, role))
            events.append(TicketEvent("service_started", start + 700, tid, service, counter, role))
            end += 700
        if rng.random() < 0.03:
            other = rng.choice(codes)
            events.append(TicketEvent("transferred", end, tid, other, counter, role))
            service = other
            events.append(TicketEvent("called", end + 600, tid, service, counter, role))
            events.append(TicketEvent("service_started", end + 660, tid, service, counter, role))
            end += 900
        events.append(TicketEvent("finished", end, tid, service, counter, role, outcome="served"))
        free_at[c] = end
    return sorted(events, key=lambda e: e.at)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--counters", type=int, default=50)
    parser.add_argument("--services", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    day = date(2026, 11, 25)
    events = simulated_day(
        day, tickets=args.tickets, counters=args.counters, services=args.services, seed=12
    )
    policy = KpiPolicy(tz=TZ)
    codes = [f"S{i:02d}" for i in range(args.services)]
    desks = [CounterNow(f"D{i + 1}", "open", "bot:x", None) for i in range(args.counters)]

    book = KpiBook(policy)
    started = time.perf_counter()
    book.apply_all(events)
    per_event_us = (time.perf_counter() - started) / len(events) * 1e6
    print(f"{len(events)} events, feeding: {per_event_us:.1f} us per event")

    print("time   | frame (ms, median) | frame bytes | baseline replay (ms, median)")
    for hh in (10, 13, 17):
        now = datetime(day.year, day.month, day.day, hh, 0, tzinfo=TZ).timestamp()
        upto = [e for e in events if e.at <= now]
        book = KpiBook(policy)
        book.apply_all(upto)
        frame, base = [], []
        size = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            figures = book.summary(now=now, services=codes, counters=desks)
            size = len(json.dumps(figures).encode())
            frame.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            fresh = KpiBook(policy)
            fresh.apply_all(upto)
            json.dumps(fresh.summary(now=now, services=codes, counters=desks))
            base.append(time.perf_counter() - t0)
        print(
            f"{hh:02d}:00  | {statistics.median(frame) * 1e3:18.1f} | {size:11d} |"
            f" {statistics.median(base) * 1e3:.1f}"
        )


if __name__ == "__main__":
    main()
