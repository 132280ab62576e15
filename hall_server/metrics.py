"""Prometheus metrics, built per app (never at import time).

Labels carry hall ids, message types and error codes only: never a NIK, a
name, an address or a token.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

#: Waits of citizens (seconds): a minute to two hours, the service-level targets inside.
WAIT_BUCKETS = (60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0, 5400.0, 7200.0)
#: Transaction (service) times at a counter (seconds).
SERVICE_BUCKETS = (30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0)

TICK_BUCKETS = (0.001, 0.002, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.035, 0.05, 0.1, 0.25)


class Metrics:
    """The hall's metrics in their own registry (one per app instance)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.connections = Gauge(
            "hall_ws_connections", "Open WebSocket connections", ["hall"], registry=r
        )
        self.avatars = Gauge(
            "hall_avatars", "Avatars with a body in the hall", ["hall"], registry=r
        )
        self.tick_seconds = Histogram(
            "hall_tick_seconds",
            "Duration of one hall tick",
            ["hall"],
            buckets=TICK_BUCKETS,
            registry=r,
        )
        self.tick_send_seconds = Histogram(
            "hall_tick_send_seconds",
            "Time one tick spent writing its messages to the clients' sockets",
            ["hall"],
            buckets=TICK_BUCKETS,
            registry=r,
        )
        self.messages_in = Counter(
            "hall_messages_in_total", "Messages received from clients", ["type"], registry=r
        )
        self.messages_out = Counter(
            "hall_messages_out_total", "Messages sent to clients", ["kind"], registry=r
        )
        self.bytes_in = Counter("hall_bytes_in_total", "Bytes received from clients", registry=r)
        self.bytes_out = Counter("hall_bytes_out_total", "Bytes sent to clients", registry=r)
        self.errors = Counter(
            "hall_errors_total", "Errors reported to clients, by code", ["code"], registry=r
        )
        self.closes = Counter(
            "hall_ws_closes_total",
            "WebSocket closes initiated by the server, by close code",
            ["code"],
            registry=r,
        )
        self.moves = Counter(
            "hall_moves_total", "Proposed moves by outcome", ["outcome"], registry=r
        )
        self.http_requests = Counter(
            "hall_http_requests_total",
            "HTTP requests by route template and status",
            ["route", "status"],
            registry=r,
        )

        self.calls_active = Gauge(
            "hall_calls_active", "Counter calls accepted and not yet ended", registry=r
        )
        self.call_peers = Gauge(
            "hall_call_peers", "WebRTC peer connections held for counter calls", registry=r
        )
        # The supervisors' figures (counters/kpi.py), the same samples as the dashboard:
        # labelled by hall, service code and outcome only (no ticket numbers, no people).
        self.kpi_arrivals = Counter(
            "hall_kpi_arrivals_total",
            "Tickets that joined the queue (walk-ins, bookings checked in)",
            ["hall", "service"],
            registry=r,
        )
        self.kpi_wait_seconds = Histogram(
            "hall_kpi_wait_seconds",
            "Wait from arrival to the first call, per ticket (docs/kpi.md)",
            ["hall", "service"],
            buckets=WAIT_BUCKETS,
            registry=r,
        )
        self.kpi_service_seconds = Histogram(
            "hall_kpi_service_seconds",
            "Transaction time at a counter, parked time excluded (docs/kpi.md)",
            ["hall", "service"],
            buckets=SERVICE_BUCKETS,
            registry=r,
        )
        self.kpi_outcomes = Counter(
            "hall_kpi_outcomes_total",
            "How tickets ended: served, referred, rejected, citizen_left, no_show, cancelled",
            ["hall", "service", "outcome"],
            registry=r,
        )
        self.kpi_waiting = Gauge(
            "hall_kpi_waiting", "Tickets waiting now", ["hall", "service"], registry=r
        )
        #: called before every exposition (see :meth:`on_scrape`)
        self._before_scrape: list[Callable[[], None]] = []

    def on_scrape(self, flush: Callable[[], None]) -> None:
        """Call ``flush`` before every exposition: for counts kept in plain ints on a
        hot path (a Prometheus ``inc()`` takes a lock, about 1.5 us) and added here."""
        self._before_scrape.append(flush)

    def exposition(self) -> bytes:
        for flush in self._before_scrape:
            flush()
        return generate_latest(self.registry)
