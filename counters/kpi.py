"""The supervisors' KPIs of one hall, from its ticket events (pure).

:class:`KpiBook` takes the queue engine's ticket events as plain
:class:`TicketEvent` values (live from the floor's batches, or replayed from
the audit log after a restart), keeps for each ticket where it stands, and
records a sample whenever a figure is decided: an arrival, a wait (the first
call), a transaction (service time) and an end (an outcome). A summary for a
local day is computed from those samples and the current state, with ``now``
given. Definitions (docs/kpi.md) follow Qmatic's where it has one:

- **wait**: from arrival (the walk-in's issue time, or a booking's check-in)
  until the ticket is first called, once per ticket, counted on the day of
  the call under the service it was called for. A transferred ticket keeps its
  original arrival (the queue rules keep its issue time), so its time waiting
  in the new queue counts in "longest wait now" from that arrival, and its
  second call is not a second wait.
- **transaction (service) time**: the time the ticket was being served
  (service started until finish), summed over its serving spells within one
  service: parked time, the time it waited after going back to the queue and
  the walk to the counter are not service time. A transfer ends the
  transaction of the old service.
- **service level**: the share of today's waits at or below the service's
  target.

No I/O and no clock: every figure is computed for a ``now`` passed in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

__all__ = [
    "OUTCOMES",
    "Arrival",
    "CounterNow",
    "Ended",
    "KpiBook",
    "KpiPolicy",
    "Sample",
    "TicketEvent",
    "Transaction",
    "Wait",
    "percentile",
]

#: How a ticket that arrived can end. ``no_show``: called and never came;
#: ``citizen_left``: gone from the hall while called or served.
OUTCOMES = ("served", "referred", "rejected", "citizen_left", "no_show", "cancelled")

#: The kinds of ticket event that move a ticket (others are ignored).
TICKET_KINDS = frozenset(
    {
        "ticket_taken",
        "appointment_booked",
        "checked_in",
        "called",
        "called_out_of_order",
        "recalled",
        "service_started",
        "parked",
        "unparked",
        "transferred",
        "cancelled",
        "no_show",
        "finished",
        "citizen_left",
        "returned_to_queue",
    }
)


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """One ticket transition, as the KPIs need it (from a QueueEvent or an audit row)."""

    kind: str
    at: float
    ticket_id: str
    #: the ticket's service after the event, when the event says (for a transfer: the new one)
    service: str | None = None
    #: the counter of the event (a call, a start, a finish); None for a queue move
    counter_id: str | None = None
    #: who acted: "bot", "officer", "supervisor", "citizen" or "system"
    actor_role: str = "system"
    number: str | None = None
    #: for ``finished``: served, referred or rejected
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class CounterNow:
    """A counter as it is now (from the floor's counter states)."""

    counter_id: str
    #: "open", "paused" or "closed"
    status: str
    #: officer reference or "bot:<counter>"; None when closed
    staffed_by: str | None = None
    ticket_id: str | None = None
    #: the officer's display name, when known
    staff_name: str | None = None


@dataclass(frozen=True, slots=True)
class KpiPolicy:
    """The hall's local time and its service-level targets."""

    tz: tzinfo
    #: service-level target for a service without its own (seconds of wait)
    target_s: float = 900.0
    #: service code -> target (seconds)
    targets: Mapping[str, float] = field(default_factory=dict)

    def target_for(self, service: str) -> float:
        return float(self.targets.get(service, self.target_s))


@dataclass(frozen=True, slots=True)
class Arrival:
    at: float
    ticket_id: str
    service: str


@dataclass(frozen=True, slots=True)
class Wait:
    at: float
    ticket_id: str
    service: str
    counter_id: str | None
    wait_s: float


@dataclass(frozen=True, slots=True)
class Transaction:
    at: float
    ticket_id: str
    service: str
    counter_id: str | None
    service_s: float
    #: who finished it: "bot" or "officer" (supervisors count as officers)
    staff: str


@dataclass(frozen=True, slots=True)
class Ended:
    at: float
    ticket_id: str
    service: str
    counter_id: str | None
    outcome: str
    #: the ticket ended before anyone served it (cancelled, no-show, left while called)
    before_service: bool


Sample = Arrival | Wait | Transaction | Ended


@dataclass(slots=True)
class _Track:
    """Where one ticket stands, as far as the KPIs care."""

    service: str
    state: str = "unknown"
    number: str | None = None
    arrival: float | None = None
    called: bool = False
    counter_id: str | None = None
    serving_since: float | None = None
    #: serving seconds of the current transaction (spells before a park or a return)
    served_s: float = 0.0
    last_at: float = 0.0
    #: the state changed at (for the "since" of a counter's ticket)
    since: float = 0.0


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


def _staff_kind(role: str) -> str | None:
    if role == "bot":
        return "bot"
    if role in ("officer", "supervisor"):
        return "officer"
    return None


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


class KpiBook:
    """One hall's ticket figures; feed it every ticket event in order, ask for a day."""

    def __init__(self, policy: KpiPolicy) -> None:
        self.policy = policy
        self._tickets: dict[str, _Track] = {}
        self._samples: list[Sample] = []
        #: the samples' running totals per local day (a frame is then O(groups), not
        #: O(samples): the dashboard asks every second)
        self._days: dict[date, _Day] = {}
        self._current: _Day | None = None
        #: (at, service, +1/-1): the number waiting per service over time, for the chart
        self._waiting_log: list[tuple[float, str, int, str]] = []
        self._new: list[Sample] = []

    # ------------------------------------------------------------- feeding

    def apply_all(self, events: Iterable[TicketEvent]) -> None:
        for event in events:
            self.apply(event)

    def apply(self, e: TicketEvent) -> None:
        """Take one ticket event; events of other kinds are ignored."""
        if e.kind not in TICKET_KINDS:
            return
        tr = self._tickets.get(e.ticket_id)
        if tr is None:
            tr = _Track(service=e.service or "?")
            self._tickets[e.ticket_id] = tr
        if e.number:
            tr.number = e.number
        kind, at = e.kind, e.at
        tr.last_at = at
        staff = _staff_kind(e.actor_role)
        before = tr.state
        if kind == "ticket_taken" or kind == "checked_in":
            tr.service = e.service or tr.service
            tr.arrival = at
            self._set_state(tr, "waiting", at, e.ticket_id)
            self._add(Arrival(at, e.ticket_id, tr.service))
        elif kind == "appointment_booked":
            tr.service = e.service or tr.service
            self._set_state(tr, "booked", at, e.ticket_id)
        elif kind in ("called", "called_out_of_order") or (
            kind == "unparked" and e.counter_id is not None
        ):
            tr.counter_id = e.counter_id
            self._set_state(tr, "called", at, e.ticket_id)
            if not tr.called and tr.arrival is not None:
                self._add(Wait(at, e.ticket_id, tr.service, e.counter_id, at - tr.arrival))
            tr.called = True
        elif kind == "unparked":
            self._set_state(tr, "waiting", at, e.ticket_id)
        elif kind == "service_started":
            tr.counter_id = e.counter_id or tr.counter_id
            tr.serving_since = at
            self._set_state(tr, "serving", at, e.ticket_id)
        elif kind in ("parked", "returned_to_queue"):
            self._stop_serving(tr, at)
            self._set_state(tr, "parked" if kind == "parked" else "waiting", at, e.ticket_id)
        elif kind == "transferred":
            self._stop_serving(tr, at)
            if tr.served_s > 0:
                self._add(
                    Transaction(
                        at, e.ticket_id, tr.service, tr.counter_id, tr.served_s, staff or "officer"
                    )
                )
            tr.served_s = 0.0
            if before == "waiting":
                self._waiting_log.append((at, tr.service, -1, e.ticket_id))
                tr.state = "moved"
            tr.service = e.service or tr.service
            tr.counter_id = None
            self._set_state(tr, "waiting", at, e.ticket_id)
        elif kind == "finished":
            self._stop_serving(tr, at)
            self._add(
                Transaction(
                    at, e.ticket_id, tr.service, tr.counter_id, tr.served_s, staff or "officer"
                )
            )
            outcome = e.outcome if e.outcome in ("served", "referred", "rejected") else "served"
            self._add(Ended(at, e.ticket_id, tr.service, tr.counter_id, outcome, False))
            self._set_state(tr, "done", at, e.ticket_id)
        elif kind == "citizen_left":
            was_served = tr.state == "serving"
            self._stop_serving(tr, at)
            self._add(
                Ended(at, e.ticket_id, tr.service, tr.counter_id, "citizen_left", not was_served)
            )
            self._set_state(tr, "done", at, e.ticket_id)
        elif kind == "no_show":
            if before != "booked":  # a booking never checked in never arrived
                self._add(Ended(at, e.ticket_id, tr.service, tr.counter_id, "no_show", True))
            self._set_state(tr, "no_show", at, e.ticket_id)
        elif kind == "cancelled":
            if before not in ("booked", "unknown"):
                counter = tr.counter_id if before == "called" else None
                self._add(Ended(at, e.ticket_id, tr.service, counter, "cancelled", True))
            self._set_state(tr, "cancelled", at, e.ticket_id)
        if tr.state not in ("called", "serving"):
            tr.counter_id = None if tr.state in ("waiting", "parked") else tr.counter_id

    def _set_state(self, tr: _Track, state: str, at: float, ticket_id: str) -> None:
        if tr.state == state:
            return
        if tr.state == "waiting":
            self._waiting_log.append((at, tr.service, -1, ticket_id))
        if state == "waiting":
            self._waiting_log.append((at, tr.service, 1, ticket_id))
        tr.state = state
        tr.since = at

    def _stop_serving(self, tr: _Track, at: float) -> None:
        if tr.serving_since is not None:
            tr.served_s += max(0.0, at - tr.serving_since)
            tr.serving_since = None

    def _add(self, sample: Sample) -> None:
        self._samples.append(sample)
        self._day_of(sample.at).add(sample, self.policy)
        self._new.append(sample)

    def drain_samples(self) -> list[Sample]:
        """The samples recorded since the last drain (for the Prometheus metrics)."""
        new, self._new = self._new, []
        return new

    def forget_before(self, at: float) -> None:
        """Drop tickets that ended before ``at``, with their samples (memory stays bounded)."""
        final = ("done", "no_show", "cancelled")
        gone = {tid for tid, tr in self._tickets.items() if tr.state in final and tr.last_at < at}
        if not gone:
            return
        for tid in gone:
            del self._tickets[tid]
        self._samples = [s for s in self._samples if s.ticket_id not in gone]
        # Count the days again without them (once a day, at midnight).
        self._days, self._current = {}, None
        for sample in self._samples:
            self._day_of(sample.at).add(sample, self.policy)
        self._waiting_log = [w for w in self._waiting_log if w[3] not in gone]

    def _day_of(self, at: float) -> _Day:
        current = self._current
        if current is not None and current.start <= at < current.end:
            return current
        day = self.local_day(at)
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = _Day(*self.day_bounds(day))
        self._current = found
        return found

    # -------------------------------------------------------------- days

    def local_day(self, at: float) -> date:
        return datetime.fromtimestamp(at, self.policy.tz).date()

    def day_bounds(self, day: date) -> tuple[float, float]:
        """Unix times of the local midnight that starts ``day`` and of the next."""
        start = datetime.combine(day, time(0), tzinfo=self.policy.tz).timestamp()
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.policy.tz)
        return start, end.timestamp()

    # ------------------------------------------------------------ figures

    def waiting_counts(self) -> dict[str, int]:
        """Service -> tickets waiting now (not booked, called, served or parked)."""
        out: dict[str, int] = {}
        for tr in self._tickets.values():
            if tr.state == "waiting":
                out[tr.service] = out.get(tr.service, 0) + 1
        return out

    def summary(
        self,
        *,
        now: float,
        day: date | None = None,
        services: Sequence[str] = (),
        counters: Sequence[CounterNow] = (),
    ) -> dict[str, Any]:
        """The dashboard's figures for the local ``day`` (default: today at ``now``).

        ``services`` lists the services to report even when nothing happened
        (the catalogue's order); ``counters`` the counters as they are now.
        "Now" figures (waiting, longest wait, served in the last hour, counter
        states) are given for today only (``None`` for another day).
        """
        today = self.local_day(now)
        day = day or today
        is_today = day == today
        start, end = self.day_bounds(day)
        upto = min(end, now) if is_today else end
        n_hours = min(25, int((min(upto, end - 1e-6) - start) // 3600.0) + 1) if upto > start else 0
        totals = self._days.get(day)
        if totals is None:
            totals = _Day(start, end)  # nothing was counted on that day
        elif totals.latest > now:
            # Asked about a moment before the latest sample: count the day's samples up
            # to and including now (one finished at this very instant counts).
            totals = _Day(start, end)
            for sample in self._samples:
                if start <= sample.at < end and sample.at <= now:
                    totals.add(sample, self.policy)
        hall = totals.hall
        per_service = {code: _Acc() for code in services} | totals.services
        per_counter = totals.counters
        per_hour = totals.hours[:n_hours]
        if is_today:
            # Served in the hour up to now: the latest samples, newest first.
            recent = now - 3600.0
            hall.served_recently = 0
            for acc in per_service.values():
                acc.served_recently = 0
            for sample in reversed(self._samples):
                if sample.at <= recent:
                    break
                if sample.at <= now and isinstance(sample, Ended) and sample.outcome == "served":
                    hall.served_recently += 1
                    per_service[sample.service].served_recently += 1
        waiting: dict[str, list[_Track]] = {}
        if is_today:
            for tr in self._tickets.values():
                if tr.state == "waiting":
                    waiting.setdefault(tr.service, []).append(tr)
        for code in sorted(waiting):
            per_service.setdefault(code, _Acc())
        ordered = list(dict.fromkeys([*services, *sorted(per_service)]))
        return {
            "day": day.isoformat(),
            "timezone": str(self.policy.tz),
            "now": round(now, 3),
            "day_start": start,
            "hall": hall.figures(
                [tr for trs in waiting.values() for tr in trs],
                now=now,
                is_today=is_today,
                target_s=None,
            ),
            "services": [
                {"service": code}
                | per_service[code].figures(
                    waiting.get(code, []),
                    now=now,
                    is_today=is_today,
                    target_s=self.policy.target_for(code),
                )
                for code in ordered
            ],
            "counters": self._counters(per_counter, counters, now) if is_today else [],
            "hours": self._hours(per_hour, start, end),
        }

    def _counters(
        self, per_counter: Mapping[str | None, _Acc], counters: Sequence[CounterNow], now: float
    ) -> list[dict[str, Any]]:
        out = []
        empty = _Acc()
        for c in counters:
            acc = per_counter.get(c.counter_id, empty)
            staffed = c.staffed_by or ""
            kind = "bot" if staffed.startswith("bot:") else ("officer" if staffed else None)
            if c.status == "closed":
                state = "closed"
            elif c.ticket_id is not None:
                state = "busy"
            else:
                state = "paused" if c.status == "paused" else "idle"
            ticket = None
            tr = self._tickets.get(c.ticket_id) if c.ticket_id else None
            if tr is not None:
                ticket = {
                    "number": tr.number,
                    "service": tr.service,
                    "state": tr.state,
                    "for_s": _r(now - tr.since),
                }
            out.append(
                {
                    "counter_id": c.counter_id,
                    "state": state,
                    "staffed_by": kind,
                    "staff_name": "bot" if kind == "bot" else (c.staff_name if kind else None),
                    "ticket": ticket,
                    "served": acc.outcomes["served"],
                    "no_shows": acc.outcomes["no_show"],
                    "transactions": acc.tx_n,
                    "avg_service_s": _r(acc.tx_sum / acc.tx_n) if acc.tx_n else None,
                    "by_bot": acc.bot,
                }
            )
        return out

    def _hours(self, per_hour: Sequence[_Acc], start: float, end: float) -> list[dict[str, Any]]:
        """One entry per hour (3600 s) from local midnight to the hour holding now."""
        # The waiting count at each hour's end: one pass over the changes in time order.
        log = sorted(self._waiting_log)
        waiting, i = 0, 0
        hours = []
        for h, acc in enumerate(per_hour):
            lo, hi = start + h * 3600.0, min(start + (h + 1) * 3600.0, end)
            while i < len(log) and log[i][0] < hi:
                waiting += log[i][2]
                i += 1
            hours.append(
                {
                    "hour": h,
                    "start": lo,
                    "arrived": acc.arrived,
                    "called": len(acc.waits),
                    "served": acc.outcomes["served"],
                    "no_shows": acc.outcomes["no_show"],
                    "left_before_service": acc.left_before,
                    "wait_p50_s": _r(percentile(acc.waits, 50)),
                    "wait_p90_s": _r(percentile(acc.waits, 90)),
                    "avg_service_s": _r(acc.tx_sum / acc.tx_n) if acc.tx_n else None,
                    "waiting_end": waiting,
                }
            )
        return hours


class _Day:
    """One local day's running totals: the hall, each service, counter and hour."""

    __slots__ = ("counters", "end", "hall", "hours", "latest", "services", "start")

    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end
        self.hall = _Acc()
        self.services: dict[str, _Acc] = {}
        self.counters: dict[str | None, _Acc] = {}
        self.hours = [_Acc() for _ in range(25)]
        #: the latest sample counted
        self.latest = start

    def add(self, sample: Sample, policy: KpiPolicy) -> None:
        within = isinstance(sample, Wait) and sample.wait_s <= policy.target_for(sample.service)
        self.latest = max(self.latest, sample.at)
        self.hall.add(sample, within)
        acc = self.services.get(sample.service)
        if acc is None:
            acc = self.services[sample.service] = _Acc()
        acc.add(sample, within)
        h = int((sample.at - self.start) // 3600.0)
        if 0 <= h < 25:
            self.hours[h].add(sample, within)
        if not isinstance(sample, Arrival):
            c = self.counters.get(sample.counter_id)
            if c is None:
                c = self.counters[sample.counter_id] = _Acc()
            c.add(sample, within)


class _Acc:
    """Running totals of one group of samples (a service, a counter, an hour, the hall)."""

    __slots__ = (
        "arrived",
        "bot",
        "left_before",
        "outcomes",
        "served_recently",
        "tx_n",
        "tx_sum",
        "waits",
        "within",
    )

    def __init__(self) -> None:
        self.arrived = 0
        self.waits: list[float] = []
        self.within = 0
        self.tx_n = 0
        self.tx_sum = 0.0
        self.bot = 0
        self.outcomes = dict.fromkeys(OUTCOMES, 0)
        self.left_before = 0
        self.served_recently = 0

    def add(self, s: Sample, within: bool) -> None:
        if isinstance(s, Wait):
            self.waits.append(s.wait_s)
            self.within += within
        elif isinstance(s, Transaction):
            self.tx_n += 1
            self.tx_sum += s.service_s
            self.bot += s.staff == "bot"
        elif isinstance(s, Ended):
            self.outcomes[s.outcome] += 1
            self.left_before += s.before_service and s.outcome != "no_show"
        else:
            self.arrived += 1

    def figures(
        self,
        waiting: Sequence[_Track],
        *,
        now: float,
        is_today: bool,
        target_s: float | None,
    ) -> dict[str, Any]:
        waits, n, tx = self.waits, len(self.waits), self.tx_n
        longest = max((now - t.arrival for t in waiting if t.arrival is not None), default=None)
        return {
            "waiting_now": len(waiting) if is_today else None,
            "longest_wait_now_s": _r(longest) if is_today else None,
            "arrived": self.arrived,
            "called": n,
            "wait_p50_s": _r(percentile(waits, 50)),
            "wait_p90_s": _r(percentile(waits, 90)),
            "wait_avg_s": _r(sum(waits) / n) if n else None,
            "wait_max_s": _r(max(waits, default=None)),
            "wait_sum_s": _r(sum(waits), 3),
            "target_s": target_s,
            "within_target": self.within,
            "within_target_pct": _r(100.0 * self.within / n) if n else None,
            "served_last_hour": self.served_recently if is_today else None,
            "outcomes": dict(self.outcomes),
            "served": self.outcomes["served"],
            "no_shows": self.outcomes["no_show"],
            "left_before_service": self.left_before,
            "transactions": tx,
            "avg_service_s": _r(self.tx_sum / tx) if tx else None,
            "service_sum_s": _r(self.tx_sum, 3),
            "by_bot": self.bot,
            "by_officer": tx - self.bot,
            "bot_share_pct": _r(100.0 * self.bot / tx) if tx else None,
        }


#: Columns of the CSV export, one row per service and one for the whole hall.
CSV_COLUMNS = (
    "day",
    "service",
    "arrived",
    "called",
    "wait_p50_s",
    "wait_p90_s",
    "wait_avg_s",
    "wait_max_s",
    "target_s",
    "within_target",
    "within_target_pct",
    "served",
    "referred",
    "rejected",
    "citizen_left",
    "no_shows",
    "cancelled",
    "left_before_service",
    "transactions",
    "avg_service_s",
    "by_bot",
    "by_officer",
    "bot_share_pct",
)


def csv_rows(summary: Mapping[str, Any]) -> list[list[str]]:
    """The day's summary as CSV rows (header first): each service, then ``ALL``."""
    rows = [list(CSV_COLUMNS)]
    entries = [*summary["services"], {**summary["hall"], "service": "ALL"}]
    for entry in entries:
        values = {**entry, **{k: v for k, v in entry["outcomes"].items() if k != "no_show"}}
        values["day"] = summary["day"]
        rows.append(["" if values.get(c) is None else str(values.get(c)) for c in CSV_COLUMNS])
    return rows
