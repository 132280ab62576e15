"""The demo hall's simulated citizens and the queue lanes they stand in (pure).

Exhibitors show the hall alive out of the box: simulated citizens take
numbers now and then, stand in their service's lane at their place in line,
walk up when called, are served by a bot for a while and wander off. Every
choice is drawn from the floor's seeded generator, so a demo run can be
repeated. Lanes are real too: a waiting citizen's ``wait_at`` is their spot.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from counters.ports import Walkers
from counters.queue import QueueEngine
from counters.tickets import Priority, Ticket, TicketState
from scenes.model import Counter, Point


class Lanes:
    """Each service queues in the lane of one counter that offers it (distinct where possible)."""

    def __init__(self, counters: Sequence[Counter], services: Iterable[str]) -> None:
        self._lanes: dict[str, tuple[Point, ...]] = {}
        used: set[str] = set()
        for code in sorted(services):
            offering = [c for c in counters if code in c.services and c.lane]
            free = [c for c in offering if c.id not in used] or offering
            if free:
                self._lanes[code] = free[0].lane
                used.add(free[0].id)

    def spot(self, ticket: Ticket, position: int) -> Point | None:
        """Where the ticket's citizen stands in line (1 = next), if the lane has room."""
        lane = self._lanes.get(ticket.service)
        if lane is None or position < 1 or position > len(lane):
            return None
        return lane[position - 1]


class DemoCitizens:
    """The simulated citizens' side of the queue; the floor calls :meth:`step` each turn."""

    def __init__(
        self,
        walkers: Walkers,
        counters: dict[str, Counter],
        services: Iterable[str],
        lanes: Lanes,
        rng: random.Random,
        *,
        ticket_chance: float,
        service_s: tuple[float, float],
    ) -> None:
        self.walkers = walkers
        self.counters = counters
        self.services = sorted(services)
        self.lanes = lanes
        self.rng = rng
        self.ticket_chance = ticket_chance
        self.service_s = service_s
        self._tickets: dict[int, str] = {}  # sim avatar -> ticket id
        self._goals: dict[int, Point] = {}  # sim avatar -> where it was sent
        self._done_at: dict[str, float] = {}  # ticket id -> when its bot finishes

    def served(self, ticket_id: str, now: float) -> None:
        """A bot starts serving a simulated citizen: it will take a while."""
        low, high = self.service_s
        self._done_at[ticket_id] = now + self.rng.uniform(low, high)

    def finished(self, ticket_id: str, now: float) -> bool:
        """The bot's service of this simulated citizen is over (asked once it is)."""
        done_at = self._done_at.get(ticket_id)
        if done_at is None or now < done_at:
            return False
        del self._done_at[ticket_id]
        return True

    def step(self, engine: QueueEngine, now: float) -> None:
        """Idle citizens may take a number; the others go where their ticket says."""
        walkers = self.walkers
        for avatar_id in walkers.avatar_ids():
            ticket_id = self._tickets.get(avatar_id)
            if ticket_id is None:
                if self.rng.random() < self.ticket_chance:
                    subject = walkers.subject_of(avatar_id)
                    service = self.rng.choice(self.services)
                    if engine.live_ticket(subject, service) is None:
                        t = engine.take_ticket(subject, service, Priority.REGULAR, now)
                        self._tickets[avatar_id] = t.ticket_id
                continue
            ticket = engine.ticket(ticket_id)
            goal: Point | None = None
            if ticket.state.is_final:
                del self._tickets[avatar_id]
                self._goals.pop(avatar_id, None)
                walkers.release(avatar_id)
            elif ticket.state in (TicketState.CALLED, TicketState.SERVING) and ticket.counter_id:
                goal = self.counters[ticket.counter_id].position
            elif ticket.state is TicketState.WAITING:
                goal = self.lanes.spot(ticket, engine.estimate(ticket_id, now).position)
            if goal is not None and self._goals.get(avatar_id) != goal:
                self._goals[avatar_id] = goal
                walkers.send_to(avatar_id, goal)
