"""The scene model: frozen values parsed from a ``hall-scene/1`` file.

Everything here is plain data with tuples, built only by
:func:`scenes.loader.parse_scene` (which checks it first). Coordinates are
metres on a 2-D floor plan, x to the east and y to the north; angles are
degrees, 0 facing +y (north), counter-clockwise positive, so 90 faces west
and 270 faces east. docs/scene-format.md describes every field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

#: A point on the floor plan, ``(x, y)`` in metres.
Point = tuple[float, float]
#: A closed polygon given by its vertices (the last edge joins last to first).
Polygon = tuple[Point, ...]

FORMAT = "hall-scene/1"


class ObstacleKind(StrEnum):
    """What an obstacle is; all kinds block avatars alike."""

    WALL = "wall"
    DESK = "desk"
    SEAT = "seat"
    KIOSK = "kiosk"
    BOOTH = "booth"
    PILLAR = "pillar"
    PLANTER = "planter"
    SCREEN = "screen"


class ZoneKind(StrEnum):
    """What a zone of the hall is for."""

    LOBBY = "lobby"
    WAITING = "waiting"
    WING = "wing"
    INFO_DESK = "info_desk"
    TICKET_KIOSK = "ticket_kiosk"
    EXHIBITOR_BOOTH = "exhibitor_booth"
    CORRIDOR = "corridor"


def heading(yaw_deg: float) -> Point:
    """Unit vector an avatar with ``yaw_deg`` faces (0 → north, 90 → west)."""
    yaw = math.radians(yaw_deg)
    return (-math.sin(yaw), math.cos(yaw))


@dataclass(frozen=True, slots=True)
class Text:
    """A name in Bahasa Indonesia (``id``) and English (``en``)."""

    id: str
    en: str


@dataclass(frozen=True, slots=True)
class Bounds:
    """Axis-aligned box that contains every floor and obstacle, in metres."""

    min_x: float
    min_y: float
    max_x: float
    max_y: float

    @property
    def width_m(self) -> float:
        return self.max_x - self.min_x

    @property
    def depth_m(self) -> float:
        return self.max_y - self.min_y

    def contains(self, point: Point) -> bool:
        x, y = point
        return self.min_x <= x <= self.max_x and self.min_y <= y <= self.max_y


@dataclass(frozen=True, slots=True)
class Floor:
    """A walkable polygon; the walkable floor is the union of all of them."""

    id: str
    polygon: Polygon


@dataclass(frozen=True, slots=True)
class Obstacle:
    """A polygon avatars may not enter (inflated by the avatar radius)."""

    id: str
    kind: ObstacleKind
    polygon: Polygon


@dataclass(frozen=True, slots=True)
class Spawn:
    """Where an arriving avatar appears, and the way it faces."""

    id: str
    position: Point
    yaw_deg: float


@dataclass(frozen=True, slots=True)
class Seat:
    """A walkable point where an avatar may sit, and the way it faces when seated."""

    id: str
    position: Point
    yaw_deg: float


@dataclass(frozen=True, slots=True)
class Counter:
    """A service counter (loket) and its queue lane.

    ``position`` is the service point: where the citizen being served stands,
    just in front of the citizen side of the desk. ``facing_deg`` is the way
    the officer looks, from the desk across the service point towards the
    lane. ``lane`` lists where waiting citizens stand, first point nearest
    the counter.
    """

    id: str
    name: Text
    position: Point
    facing_deg: float
    services: tuple[str, ...]
    lane: tuple[Point, ...]
    zone: str

    def serves(self, service: str) -> bool:
        return service in self.services


@dataclass(frozen=True, slots=True)
class Zone:
    """A named area of the hall (lobby, waiting area, a wing, a booth...)."""

    id: str
    kind: ZoneKind
    name: Text
    polygon: Polygon


@dataclass(frozen=True, slots=True)
class Portal:
    """Entering ``polygon`` moves the avatar to ``target_spawn`` of ``target_scene``."""

    id: str
    polygon: Polygon
    target_scene: str
    target_spawn: str


@dataclass(frozen=True, slots=True)
class Asset:
    """A glTF model placed on the plan; the client fetches and renders it."""

    id: str
    url: str
    position: Point
    yaw_deg: float
    scale: float
    elevation_m: float


@dataclass(frozen=True, slots=True)
class Scene:
    """One hall: its floor plan, counters, zones, portals and 3-D assets."""

    id: str
    name: Text
    bounds: Bounds
    floors: tuple[Floor, ...]
    obstacles: tuple[Obstacle, ...]
    spawns: tuple[Spawn, ...]
    seats: tuple[Seat, ...]
    counters: tuple[Counter, ...]
    zones: tuple[Zone, ...]
    portals: tuple[Portal, ...]
    assets: tuple[Asset, ...]
    #: The side of an area-of-interest cell for this hall, metres (None: the server's
    #: default, 10): larger in a small hall, so that a visitor sees across it.
    aoi_cell_m: float | None = None

    def counter(self, counter_id: str) -> Counter:
        """The counter with this id; ``KeyError`` if there is none."""
        for counter in self.counters:
            if counter.id == counter_id:
                return counter
        raise KeyError(counter_id)

    def zone(self, zone_id: str) -> Zone:
        """The zone with this id; ``KeyError`` if there is none."""
        for zone in self.zones:
            if zone.id == zone_id:
                return zone
        raise KeyError(zone_id)

    def spawn(self, spawn_id: str) -> Spawn:
        """The spawn with this id; ``KeyError`` if there is none."""
        for spawn in self.spawns:
            if spawn.id == spawn_id:
                return spawn
        raise KeyError(spawn_id)

    def zones_of_kind(self, kind: ZoneKind) -> tuple[Zone, ...]:
        return tuple(zone for zone in self.zones if zone.kind is kind)

    def counters_for(self, service: str) -> tuple[Counter, ...]:
        """Counters that offer ``service`` (a code such as ``"KTP-EL"``), in file order."""
        return tuple(counter for counter in self.counters if counter.serves(service))
