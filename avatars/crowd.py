"""Simulated citizens for the demo hall (pure: the random generator and time are passed in).

They join as server-driven avatars and propose their moves through the same
:meth:`realtime.hall.Hall.propose_move` and batch validation as remote
clients, so clients cannot tell them apart. Each walks a route from the
floor plan to a realistic destination (the ticket kiosk, a seat in the
waiting area, a counter's queue lane, an exhibitor booth, the information
desk), lingers there, and picks the next one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from avatars.model import Appearance, Identity, Role
from scenes.model import Point, Scene, ZoneKind
from scenes.spatial import Floorplan

if TYPE_CHECKING:
    from realtime.hall import Hall

#: Given names common across Indonesia, for the demo's simulated visitors.
NAMES = (
    "Andi",
    "Siti",
    "Budi",
    "Dewi",
    "Rahmat",
    "Nurul",
    "Wayan",
    "Made",
    "Agus",
    "Sri",
    "Hasan",
    "Fitri",
    "Yusuf",
    "Rina",
    "Ilham",
    "Putri",
    "Ketut",
    "Lestari",
    "Bayu",
    "Ayu",
    "Fajar",
    "Intan",
    "Dimas",
    "Wulan",
    "Arif",
    "Sari",
    "Taufik",
    "Mega",
    "Yogi",
    "Indah",
)
_PALETTE = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
#: (kind of destination, weight, seconds spent there: low, high)
_PLAN = (
    ("kiosk", 2, 4, 10),
    ("seat", 4, 20, 60),
    ("counter", 3, 15, 40),
    ("booth", 2, 10, 30),
    ("info", 1, 5, 15),
)


@dataclass(slots=True)
class _Walker:
    avatar_id: int
    x: float
    y: float
    yaw: float
    speed: float
    route: list[Point] = field(default_factory=list)
    linger_until: float = 0.0
    resting_anim: str = "idle"
    seat: int | None = None
    seq: int = 0
    #: sent somewhere by the hall (a queue lane, a counter): stays there until released
    busy: bool = False


class Crowd:
    """Drives ``count`` simulated citizens around a scene."""

    def __init__(
        self, scene: Scene, floor: Floorplan, rng: np.random.Generator, count: int
    ) -> None:
        self.scene = scene
        self.floor = floor
        self.rng = rng
        self.count = count
        self.walkers: list[_Walker] = []
        self._taken_seats: set[int] = set()
        self._targets = self._destinations()
        self._last_step = 0.0

    def populate(self, hall: Hall, now: float) -> None:
        """Join the simulated citizens, spread over the walkable floor."""
        starts = self.floor.random_walkable(self.rng, self.count)
        for i in range(self.count):
            name = f"{NAMES[i % len(NAMES)]} (sim)"
            colors = {"top": _PALETTE[i % len(_PALETTE)], "bottom": "#333333"}
            x, y = float(starts[i, 0]), float(starts[i, 1])
            joined = hall.join(
                Identity(f"sim:{i}", Role.CITIZEN, name),
                Appearance.parse({"colors": colors}),
                now=now,
                position=(x, y, 0.0),
                driven=True,
            )
            speed = float(self.rng.uniform(0.9, 1.4))
            walker = _Walker(joined.avatar_id, x, y, 0.0, speed)
            walker.linger_until = now + float(self.rng.uniform(0, 5))
            self.walkers.append(walker)
        self._last_step = now

    def step(self, hall: Hall, now: float) -> None:
        """Advance every walker to ``now`` and propose its new position."""
        dt = min(0.25, max(0.0, now - self._last_step))
        self._last_step = now
        for w in self.walkers:
            if not w.route:
                if w.busy or now < w.linger_until:
                    continue
                self._choose_next(w, now)
                if not w.route:
                    continue
            budget = w.speed * dt
            while budget > 0 and w.route:
                tx, ty = w.route[0]
                dx, dy = tx - w.x, ty - w.y
                dist = float(np.hypot(dx, dy))
                if dist > 1e-9:
                    w.yaw = float(np.degrees(np.arctan2(-dx, dy))) % 360.0
                if dist <= budget:
                    w.x, w.y = tx, ty
                    budget -= dist
                    w.route.pop(0)
                else:
                    w.x += dx / dist * budget
                    w.y += dy / dist * budget
                    budget = 0
            anim = "walk" if w.route else w.resting_anim
            w.seq += 1
            hall.propose_move(w.avatar_id, w.x, w.y, w.yaw, anim, w.seq)

    def avatar_ids(self) -> list[int]:
        return [w.avatar_id for w in self.walkers]

    def send_to(self, avatar_id: int, goal: Point, *, resting_anim: str = "idle") -> bool:
        """Walk this citizen to ``goal`` and keep it there until :meth:`release`."""
        w = self._walker(avatar_id)
        route = self.floor.route((w.x, w.y), goal)
        if route is None:
            return False
        if w.seat is not None:
            self._taken_seats.discard(w.seat)
            w.seat = None
        w.route, w.busy, w.resting_anim = route, True, resting_anim
        return True

    def arrived(self, avatar_id: int) -> bool:
        return not self._walker(avatar_id).route

    def position(self, avatar_id: int) -> Point:
        w = self._walker(avatar_id)
        return w.x, w.y

    def release(self, avatar_id: int, now: float) -> None:
        """Back to wandering about the hall."""
        w = self._walker(avatar_id)
        w.busy = False
        w.linger_until = now + float(self.rng.uniform(1, 4))

    def _walker(self, avatar_id: int) -> _Walker:
        for w in self.walkers:
            if w.avatar_id == avatar_id:
                return w
        raise KeyError(avatar_id)

    def _choose_next(self, w: _Walker, now: float) -> None:
        if w.seat is not None:
            self._taken_seats.discard(w.seat)
            w.seat = None
        kinds = [k for k in _PLAN if self._targets[k[0]]]
        weights = np.array([k[1] for k in kinds], dtype=float)
        kind, _, low, high = kinds[int(self.rng.choice(len(kinds), p=weights / weights.sum()))]
        options = self._targets[kind]
        pick = int(self.rng.integers(len(options)))
        if kind == "seat":
            free = [i for i in range(len(options)) if i not in self._taken_seats]
            if not free:
                return
            pick = free[int(self.rng.integers(len(free)))]
        goal = options[pick]
        route = self.floor.route((w.x, w.y), goal)
        if route is None:
            w.linger_until = now + 1.0
            return
        w.route = route
        w.resting_anim = "sit" if kind == "seat" else "idle"
        if kind == "seat":
            self._taken_seats.add(pick)
            w.seat = pick
        # Lingering starts when the walker arrives; the route length sets that time.
        length = float(np.sum(np.hypot(*np.diff(np.array([(w.x, w.y), *route]), axis=0).T)))
        w.linger_until = now + length / w.speed + float(self.rng.uniform(low, high))

    def _destinations(self) -> dict[str, list[Point]]:
        def spot(p: Point) -> Point:
            q = self.floor.nearest_walkable(np.array([p], dtype=float))[0]
            return float(q[0]), float(q[1])

        def centre(kind: ZoneKind) -> list[Point]:
            zones = self.scene.zones_of_kind(kind)
            return [spot(tuple(np.mean(np.array(z.polygon), axis=0))) for z in zones]

        lanes = [spot(c.lane[min(len(c.lane) - 1, 2)]) for c in self.scene.counters if c.lane]
        return {
            "kiosk": centre(ZoneKind.TICKET_KIOSK),
            "seat": [s.position for s in self.scene.seats],
            "counter": lanes,
            "booth": centre(ZoneKind.EXHIBITOR_BOOTH),
            "info": centre(ZoneKind.INFO_DESK),
        }
