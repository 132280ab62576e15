"""Which halls this server runs, and how a running hall is assembled."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from avatars.crowd import Crowd
from avatars.model import AVATAR_ROLE_FOR_TOKEN_ROLE, Identity
from avatars.movement import MoveRules
from hall_server.auth.tokens import Claims
from hall_server.cluster import presence
from hall_server.errors import Forbidden
from hall_server.metrics import Metrics
from hall_server.settings import Settings
from realtime.bus import Bus
from realtime.endpoint import new_token
from realtime.hall import Hall, HallRules
from realtime.journal import Journal
from realtime.runtime import HallRuntime
from scenes.bundled import demo_scene_path
from scenes.loader import load_scene
from scenes.model import Scene
from scenes.spatial import Floorplan


@dataclass(frozen=True, slots=True)
class HallSpec:
    """A hall to run: its id, names, and the scene it is laid out by."""

    hall_id: str
    name: dict[str, str]
    scene_id: str
    scene_path: Path
    scene: Scene
    floor: Floorplan


def load_hall_specs(settings: Settings) -> dict[str, HallSpec]:
    """One hall per configured scene file (the bundled demo scene by default)."""
    paths = settings.scene_files or (demo_scene_path(),)
    specs: dict[str, HallSpec] = {}
    for path in paths:
        scene = load_scene(path)
        specs[scene.id] = HallSpec(
            hall_id=scene.id,
            name={"id": scene.name.id, "en": scene.name.en},
            scene_id=scene.id,
            scene_path=Path(path),
            scene=scene,
            floor=Floorplan.from_scene(scene),
        )
    return specs


def hall_rules(settings: Settings, scene: Scene | None = None) -> HallRules:
    return HallRules(
        tick_hz=settings.tick_hz,
        aoi_cell_m=aoi_cell_of(settings, scene),
        chat_radius_m=settings.chat_radius_m,
        resume_grace_s=settings.resume_grace_s,
        max_avatars=settings.limits.max_avatars_per_hall,
        max_chat_chars=settings.limits.max_chat_chars,
        view_max_avatars=settings.view_max_avatars,
        spectator_max_avatars=settings.view_spectator_max_avatars,
        move=MoveRules(max_speed_m_s=settings.max_speed_m_s),
    )


#: The area-of-interest cell of a scene that names none, metres.
DEFAULT_AOI_CELL_M = 10.0


def aoi_cell_of(settings: Settings, scene: Scene | None) -> float:
    """The area-of-interest cell: the server's if set, else the scene's, else 10 m."""
    if settings.aoi_cell_m is not None:
        return settings.aoi_cell_m
    if scene is not None and scene.aoi_cell_m is not None:
        return scene.aoi_cell_m
    return DEFAULT_AOI_CELL_M


def build_runtime(
    spec: HallSpec,
    settings: Settings,
    *,
    bus: Bus,
    metrics: Metrics,
    journal: Journal | None = None,
    restore: list[dict[str, Any]] | None = None,
) -> HallRuntime:
    """Assemble a hall and its runtime; the demo crowd joins when configured.

    ``restore``: the avatars of the hall's previous owner (hall_server/cluster/presence.py),
    placed detached before anyone else joins so their avatar ids stay theirs.
    """
    scene = spec.scene
    hall = Hall(
        spec.hall_id,
        bounds=scene.bounds,
        floor=spec.floor,
        spawns=[(s.position[0], s.position[1], s.yaw_deg) for s in scene.spawns],
        rules=hall_rules(settings, scene),
        new_token=new_token,
        welcome_extra={
            "scene": {"id": spec.scene_id, "url": f"/api/v1/halls/{spec.hall_id}/scene"},
            "tick_hz": settings.tick_hz,
            "aoi_cell_m": aoi_cell_of(settings, scene),
            "chat_radius_m": settings.chat_radius_m,
            "view_max_avatars": settings.view_max_avatars,
        },
    )
    if restore:
        presence.restore(hall, restore, now=time.monotonic())
    crowd = None
    if settings.demo_citizens > 0:
        crowd = Crowd(scene, spec.floor, np.random.default_rng(), settings.demo_citizens)
        crowd.populate(hall, time.monotonic())
    return HallRuntime(
        hall,
        bus=bus,
        metrics=metrics,
        stall_close_s=settings.stall_close_s,
        driver=crowd,
        journal=journal,
    )


def identity_from_claims(claims: Claims, nik: str | None = None) -> Identity:
    """The avatar identity a verified token grants (``nik``: the citizen's, unsealed)."""
    role = AVATAR_ROLE_FOR_TOKEN_ROLE.get(str(claims.role))
    if role is None:
        raise Forbidden("this role cannot enter a hall")
    return Identity(
        claims.subject,
        role,
        claims.name or "Tamu",
        token_role=str(claims.role),
        elderly=claims.elderly,
        nik=nik,
    )
