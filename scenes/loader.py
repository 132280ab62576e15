"""Reading and checking ``hall-scene/1`` files.

:func:`check_scene` returns every problem of a decoded scene, each with the
JSON path of the offending value (``$.counters[2].lane[1]``): first those of
the JSON Schema (scenes/scene.schema.json), and only when there are none,
the semantic ones (duplicate ids, broken polygons, counters and lanes that an
avatar cannot reach...). :func:`parse_scene` and :func:`load_scene` return a
:class:`~scenes.model.Scene` or raise :class:`~hall_server.errors.SceneError`
carrying those problems. docs/scene-format.md lists every rule.

Reading the file in :func:`load_scene` (and the schema shipped next to this
module) is the only I/O of the package.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, cast

import jsonschema
import numpy as np

from hall_server.errors import SceneError
from scenes import geometry
from scenes.model import (
    Asset,
    Bounds,
    Counter,
    Floor,
    Obstacle,
    ObstacleKind,
    Point,
    Polygon,
    Portal,
    Scene,
    Seat,
    Spawn,
    Text,
    Zone,
    ZoneKind,
    heading,
)
from scenes.spatial import Floorplan

#: Avatar radius the checks assume; the hall's Floorplan should use the same.
CHECK_RADIUS_M = 0.25
#: Service points of two counters must be at least this far apart.
MIN_COUNTER_SPACING_M = 1.0
#: A desk obstacle must come within this distance of a counter's service point.
DESK_REACH_M = 1.0
#: A lane's first point must be within this distance of the service point.
MAX_LANE_START_M = 2.0
#: Polygons with less area than this are degenerate.
MIN_AREA_M2 = 1e-4

_ID_LISTS = ("floors", "obstacles", "spawns", "seats", "counters", "zones", "portals", "assets")
_POLYGON_LISTS = ("floors", "obstacles", "zones", "portals")
_ASSET_URL = re.compile(
    r"^(https?://[^\s/?#]+/[^\s?#]*|[^\s/\\?#:][^\s\\?#:]*)\.(glb|gltf)(\?[^\s#]*)?$"
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a scene: where (a JSON path) and what."""

    #: JSON path of the offending value, e.g. ``$.counters[2].lane[1]``.
    path: str
    #: Short English explanation naming the rule that failed.
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def load_scene(path: str | os.PathLike[str] | Traversable) -> Scene:
    """Read, check and parse the scene file at ``path``.

    Raises :class:`SceneError` when the file is not JSON or the scene has
    problems; ``OSError`` when the file cannot be read.
    """
    if isinstance(path, str | os.PathLike):
        path = Path(path)
    raw = path.read_bytes()
    source = str(path)
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        problem = Problem("$", f"not valid JSON: {exc}")
        raise SceneError(f"scene {source} is {problem.message}", [problem]) from exc
    return parse_scene(data, source)


def parse_scene(data: object, source: str = "<scene>") -> Scene:
    """Check decoded JSON ``data`` and return the scene, or raise :class:`SceneError`."""
    problems = check_scene(data)
    if problems:
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise SceneError(
            f"scene {source} has {len(problems)} problem(s): {shown}{more}",
            list(problems),
        )
    return _build(cast(Mapping[str, Any], data))


def check_scene(data: object) -> list[Problem]:
    """Every problem of decoded JSON ``data``; an empty list means the scene is valid.

    Schema problems come first, sorted by path; semantic checks need a
    well-formed scene, so they run only when the schema passes.
    """
    problems = list(_non_finite(data, "$"))
    if problems:
        return problems
    validator = jsonschema.Draft202012Validator(scene_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        return [
            Problem(json_path(error.absolute_path), _shorten(error.message)) for error in errors
        ]
    return _Checker(cast(Mapping[str, Any], data)).run()


@functools.cache
def scene_schema() -> dict[str, Any]:
    """The ``hall-scene/1`` JSON Schema (draft 2020-12) shipped with this package."""
    text = resources.files("scenes").joinpath("scene.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def json_path(parts: Iterable[str | int]) -> str:
    """``["counters", 2, "lane"]`` → ``$.counters[2].lane``."""
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.match(part):
            path += f".{part}"
        else:
            path += f"[{json.dumps(part)}]"
    return path


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in a scene")


def _shorten(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _non_finite(value: object, path: str) -> Iterator[Problem]:
    if isinstance(value, float) and not math.isfinite(value):
        yield Problem(path, f"number {value} is not finite")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _non_finite(item, path + json_path([str(key)])[1:])
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _non_finite(item, f"{path}[{i}]")


# -- building the model (the data has passed the schema) --------------------------


def _point(raw: Any) -> Point:
    return (float(raw[0]), float(raw[1]))


def _polygon(raw: Any) -> Polygon:
    return tuple(_point(p) for p in raw)


def _text(raw: Any) -> Text:
    return Text(id=raw["id"], en=raw["en"])


def _build(data: Mapping[str, Any]) -> Scene:
    bounds = data["bounds"]
    (min_x, min_y), (max_x, max_y) = _point(bounds["min"]), _point(bounds["max"])
    return Scene(
        id=data["id"],
        name=_text(data["name"]),
        bounds=Bounds(min_x, min_y, max_x, max_y),
        floors=tuple(Floor(f["id"], _polygon(f["polygon"])) for f in data["floors"]),
        obstacles=tuple(
            Obstacle(o["id"], ObstacleKind(o["kind"]), _polygon(o["polygon"]))
            for o in data.get("obstacles", [])
        ),
        spawns=tuple(
            Spawn(s["id"], _point(s["position"]), float(s["yaw"])) for s in data["spawns"]
        ),
        seats=tuple(
            Seat(s["id"], _point(s["position"]), float(s["yaw"])) for s in data.get("seats", [])
        ),
        counters=tuple(
            Counter(
                id=c["id"],
                name=_text(c["name"]),
                position=_point(c["position"]),
                facing_deg=float(c["facing"]),
                services=tuple(c["services"]),
                lane=tuple(_point(p) for p in c["lane"]),
                zone=c["zone"],
            )
            for c in data.get("counters", [])
        ),
        zones=tuple(
            Zone(z["id"], ZoneKind(z["kind"]), _text(z["name"]), _polygon(z["polygon"]))
            for z in data.get("zones", [])
        ),
        portals=tuple(
            Portal(p["id"], _polygon(p["polygon"]), p["target_scene"], p["target_spawn"])
            for p in data.get("portals", [])
        ),
        assets=tuple(
            Asset(
                id=a["id"],
                url=a["url"],
                position=_point(a["position"]),
                yaw_deg=float(a.get("yaw", 0.0)),
                scale=float(a.get("scale", 1.0)),
                elevation_m=float(a.get("elevation", 0.0)),
            )
            for a in data.get("assets", [])
        ),
        aoi_cell_m=float(data["aoi_cell_m"]) if "aoi_cell_m" in data else None,
    )


# -- semantic checks ---------------------------------------------------------------


def _fmt(point: Point) -> str:
    return f"({point[0]:g}, {point[1]:g})"


class _Checker:
    """Runs every semantic check over one schema-valid scene."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.scene = _build(data)
        self.problems: list[Problem] = []
        self.r = CHECK_RADIUS_M

    def report(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def run(self) -> list[Problem]:
        self.check_ids()
        bounds_ok = self.check_bounds()
        self.check_polygons(bounds_ok)
        if bounds_ok:
            self.plan = Floorplan.from_scene(self.scene, avatar_radius_m=self.r)
            self.check_poses()
            self.check_counters()
            self.check_lanes()
            self.check_portals()
        self.check_zones()
        self.check_assets()
        return self.problems

    def check_ids(self) -> None:
        first_seen: dict[str, str] = {}
        scene = self.scene
        ids: dict[str, list[str]] = {
            "floors": [x.id for x in scene.floors],
            "obstacles": [x.id for x in scene.obstacles],
            "spawns": [x.id for x in scene.spawns],
            "seats": [x.id for x in scene.seats],
            "counters": [x.id for x in scene.counters],
            "zones": [x.id for x in scene.zones],
            "portals": [x.id for x in scene.portals],
            "assets": [x.id for x in scene.assets],
        }
        for name in _ID_LISTS:
            for i, item_id in enumerate(ids[name]):
                path = f"$.{name}[{i}].id"
                if item_id in first_seen:
                    self.report(
                        path, f"duplicate id {item_id!r}, first used at {first_seen[item_id]}"
                    )
                else:
                    first_seen[item_id] = path

    def check_bounds(self) -> bool:
        b = self.scene.bounds
        if b.min_x < b.max_x and b.min_y < b.max_y:
            return True
        self.report("$.bounds", "bounds.min must be below bounds.max on both axes")
        return False

    def check_polygons(self, bounds_ok: bool) -> None:
        groups: dict[str, tuple[Floor | Obstacle | Zone | Portal, ...]] = {
            "floors": self.scene.floors,
            "obstacles": self.scene.obstacles,
            "zones": self.scene.zones,
            "portals": self.scene.portals,
        }
        for name in _POLYGON_LISTS:
            for i, item in enumerate(groups[name]):
                path = f"$.{name}[{i}].polygon"
                polygon = item.polygon
                repeated = [
                    j for j in range(len(polygon)) if polygon[j] == polygon[(j + 1) % len(polygon)]
                ]
                for j in repeated:
                    self.report(f"{path}[{(j + 1) % len(polygon)}]", "repeats the previous vertex")
                if repeated:
                    continue
                if geometry.collinear(polygon):
                    self.report(path, f"{item.id!r} is degenerate: its vertices are on one line")
                    continue
                crossing = geometry.self_intersection(polygon)
                if crossing is None and abs(geometry.signed_area(polygon)) < MIN_AREA_M2:
                    self.report(path, f"{item.id!r} is degenerate: its area is almost zero")
                    continue
                if crossing is not None:
                    e1, e2 = crossing
                    self.report(path, f"{item.id!r} intersects itself: edges {e1} and {e2} meet")
                if bounds_ok:
                    for j, point in enumerate(polygon):
                        if not self.scene.bounds.contains(point):
                            self.report(
                                f"{path}[{j}]", f"vertex {_fmt(point)} is outside the bounds"
                            )

    def why_not_walkable(self, point: Point) -> str:
        """Plain-language reason a point fails Floorplan.is_walkable."""
        if not self.scene.bounds.contains(point):
            return "it is outside the bounds"
        if not any(geometry.contains(f.polygon, point) for f in self.scene.floors):
            return "it is not on the floor"
        for obstacle in self.scene.obstacles:
            distance = geometry.distance_to_polygon(point, obstacle.polygon)
            if distance == 0:
                return f"it is inside {obstacle.kind} {obstacle.id!r}"
            if distance < self.r:
                return f"it is {distance:.2f} m from {obstacle.kind} {obstacle.id!r} (< {self.r} m)"
        return f"it is within {self.r} m of the floor's edge"

    def why_blocked(self, start: Point, end: Point) -> str:
        """Plain-language reason a step fails Floorplan.step_blocked."""
        for obstacle in self.scene.obstacles:
            poly = obstacle.polygon
            distance = min(
                geometry.segment_distance(start, end, a, b) for a, b in geometry.edges(poly)
            )
            if distance == 0:
                return f"crosses {obstacle.kind} {obstacle.id!r}"
            if distance < self.r:
                return (
                    f"passes {distance:.2f} m from {obstacle.kind} {obstacle.id!r} (< {self.r} m)"
                )
        return "leaves the floor"

    def walkable(self, points: list[Point]) -> list[bool]:
        if not points:
            return []
        return [bool(w) for w in self.plan.is_walkable(np.array(points))]

    def blocked(self, start: Point, end: Point) -> bool:
        return bool(self.plan.step_blocked(np.array([start]), np.array([end]))[0])

    def check_poses(self) -> None:
        pose_lists: list[tuple[str, Sequence[Spawn | Seat]]] = [
            ("spawns", self.scene.spawns),
            ("seats", self.scene.seats),
        ]
        for name, poses in pose_lists:
            ok = self.walkable([pose.position for pose in poses])
            for i, (pose, walkable) in enumerate(zip(poses, ok, strict=True)):
                if not walkable:
                    what = name[:-1]
                    reason = self.why_not_walkable(pose.position)
                    self.report(
                        f"$.{name}[{i}].position",
                        f"{what} {pose.id!r} at {_fmt(pose.position)} is not walkable: {reason}",
                    )

    def check_counters(self) -> None:
        counters = self.scene.counters
        ok = self.walkable([c.position for c in counters])
        desks = [o for o in self.scene.obstacles if o.kind is ObstacleKind.DESK]
        zones = {z.id: z for z in self.scene.zones}
        for i, (counter, walkable) in enumerate(zip(counters, ok, strict=True)):
            path = f"$.counters[{i}]"
            if not walkable:
                reason = self.why_not_walkable(counter.position)
                self.report(
                    f"{path}.position",
                    f"service point of counter {counter.id!r} at {_fmt(counter.position)} "
                    f"is not walkable: {reason}",
                )
            for other in counters[:i]:
                gap = math.dist(counter.position, other.position)
                if gap < MIN_COUNTER_SPACING_M:
                    self.report(
                        f"{path}.position",
                        f"counter {counter.id!r} is {gap:.2f} m from counter {other.id!r} "
                        f"(counters need {MIN_COUNTER_SPACING_M} m)",
                    )
            self.check_desk(path, counter, desks)
            zone = zones.get(counter.zone)
            if zone is None:
                self.report(f"{path}.zone", f"zone {counter.zone!r} does not exist")
            elif not geometry.contains(zone.polygon, counter.position):
                self.report(
                    f"{path}.position",
                    f"service point of counter {counter.id!r} is outside its zone {zone.id!r}",
                )

    def check_desk(self, path: str, counter: Counter, desks: list[Obstacle]) -> None:
        near = [
            (geometry.distance_to_polygon(counter.position, d.polygon), d)
            for d in desks
            if geometry.distance_to_polygon(counter.position, d.polygon) <= DESK_REACH_M
        ]
        if not near:
            self.report(
                f"{path}.position",
                f"counter {counter.id!r} has no desk within {DESK_REACH_M} m of its service point",
            )
            return
        distance, desk = min(near, key=lambda pair: pair[0])
        if distance == 0:
            return  # inside the desk: reported as not walkable
        q = geometry.nearest_on_boundary(counter.position, desk.polygon)
        fx, fy = heading(counter.facing_deg)
        dx, dy = q[0] - counter.position[0], q[1] - counter.position[1]
        if dx * fx + dy * fy >= 0:
            self.report(
                f"{path}.facing",
                f"counter {counter.id!r} faces its desk {desk.id!r}; facing is the way the "
                "officer looks, from the desk towards the service point",
            )

    def check_lanes(self) -> None:
        min_gap = 2 * self.r
        served = self.walkable([c.position for c in self.scene.counters])
        for i, counter in enumerate(self.scene.counters):
            path = f"$.counters[{i}].lane"
            ok = self.walkable(list(counter.lane))
            for j, (point, walkable) in enumerate(zip(counter.lane, ok, strict=True)):
                if not walkable:
                    reason = self.why_not_walkable(point)
                    self.report(
                        f"{path}[{j}]", f"lane point {_fmt(point)} is not walkable: {reason}"
                    )
            first = counter.lane[0]
            if math.dist(first, counter.position) > MAX_LANE_START_M:
                self.report(
                    f"{path}[0]",
                    f"the lane of counter {counter.id!r} starts more than {MAX_LANE_START_M} m "
                    "from its service point",
                )
            legs = [counter.position, *counter.lane]
            fine = [served[i], *ok]
            for j in range(len(counter.lane)):
                start, end = legs[j], legs[j + 1]
                if math.dist(start, end) < min_gap:
                    self.report(
                        f"{path}[{j}]",
                        f"lane point is {math.dist(start, end):.2f} m from the previous one; "
                        f"waiting avatars need {min_gap} m",
                    )
                elif fine[j] and fine[j + 1] and self.blocked(start, end):
                    origin = "the service point" if j == 0 else f"lane point {j - 1}"
                    self.report(
                        f"{path}[{j}]",
                        f"the lane from {origin} to this point {self.why_blocked(start, end)}",
                    )
        self.check_lanes_apart(min_gap)

    def check_lanes_apart(self, min_gap: float) -> None:
        counters = self.scene.counters
        for i, counter in enumerate(counters):
            for other in counters[:i]:
                theirs = [other.position, *other.lane]
                for j, point in enumerate(counter.lane):
                    if any(math.dist(point, p) < min_gap for p in theirs):
                        self.report(
                            f"$.counters[{i}].lane[{j}]",
                            f"lane of counter {counter.id!r} runs into counter {other.id!r}'s lane",
                        )
                        break

    def check_zones(self) -> None:
        kinds = {zone.kind for zone in self.scene.zones}
        if self.scene.counters:
            for needed in (ZoneKind.TICKET_KIOSK, ZoneKind.WAITING):
                if needed not in kinds:
                    self.report(
                        "$.zones",
                        f"a scene with counters needs a zone of kind {needed.value!r}",
                    )

    def check_portals(self) -> None:
        spawns = {s.id: s for s in self.scene.spawns}
        for i, portal in enumerate(self.scene.portals):
            path = f"$.portals[{i}]"
            xs, ys = zip(*portal.polygon, strict=True)
            centre = (sum(xs) / len(xs), sum(ys) / len(ys))
            if not self.walkable([centre])[0]:
                self.report(
                    f"{path}.polygon",
                    f"portal {portal.id!r} cannot be entered: its centre {_fmt(centre)} "
                    f"is not walkable ({self.why_not_walkable(centre)})",
                )
            if portal.target_scene != self.scene.id:
                continue  # another scene's spawns are checked when that scene loads
            spawn = spawns.get(portal.target_spawn)
            if spawn is None:
                self.report(
                    f"{path}.target_spawn",
                    f"spawn {portal.target_spawn!r} does not exist in this scene",
                )
            elif geometry.contains(portal.polygon, spawn.position):
                self.report(
                    f"{path}.target_spawn",
                    f"spawn {spawn.id!r} lies inside portal {portal.id!r} itself",
                )

    def check_assets(self) -> None:
        for i, asset in enumerate(self.scene.assets):
            url = asset.url
            if not _ASSET_URL.match(url) or ".." in url.split("?")[0].split("/"):
                self.report(
                    f"$.assets[{i}].url",
                    "asset url must be an http(s) URL or a relative path without '..', "
                    "ending in .glb or .gltf",
                )
