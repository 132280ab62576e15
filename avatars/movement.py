"""Server-side validation of client-proposed moves (pure, vectorised).

Clients propose where their avatar is; the server decides. A proposal is
accepted only if it is within the speed limit for the time since the
avatar's last accepted move, ends on the walkable floor and does not pass
through an obstacle or leave the floor on the way. A rejected proposal is
corrected: the avatar stays where it was and the client gets that position
back. Values that are not numbers, not finite or outside the hall's bounds
are errors, reported before they reach this module's batch check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from hall_server.errors import InvalidInput
from scenes.model import Bounds


class FloorQueries(Protocol):
    """What movement needs from a floor plan (scenes.spatial.Floorplan)."""

    def is_walkable(self, xy: NDArray[np.float64]) -> NDArray[np.bool_]: ...

    def step_blocked(
        self, start: NDArray[np.float64], end: NDArray[np.float64]
    ) -> NDArray[np.bool_]: ...


@dataclass(frozen=True, slots=True)
class MoveRules:
    """Tolerances of the speed check."""

    #: Highest walking speed accepted.
    max_speed_m_s: float = 3.0
    #: Allowance for jitter in the client's send timing (factor on the distance).
    jitter_factor: float = 1.5
    #: Distance always allowed per move, to absorb quantisation and rounding.
    slack_m: float = 0.05
    #: Time since the last accepted move counts at least this much (one tick).
    min_dt_s: float = 0.05
    #: ...and at most this much, so an idle avatar cannot teleport.
    max_dt_s: float = 0.5


def read_number(value: object, field: str) -> float:
    """A JSON number that is finite, or an error naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{field} must be a number", code="bad_type")
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        number = math.inf
    if not math.isfinite(number):
        raise InvalidInput(f"{field} must be finite", code="bad_value")
    return number


def check_proposal(x: object, y: object, yaw: object, bounds: Bounds) -> tuple[float, float, float]:
    """Check one proposal's values; return them as floats or raise InvalidInput.

    Out-of-bounds positions are errors (the client is confused or hostile);
    in-bounds positions that are not walkable are corrected by
    :func:`accept_steps` instead.
    """
    fx = read_number(x, "x")
    fy = read_number(y, "y")
    fyaw = read_number(yaw, "yaw")
    if not (bounds.min_x <= fx <= bounds.max_x and bounds.min_y <= fy <= bounds.max_y):
        raise InvalidInput("x, y lie outside the hall's bounds", code="out_of_range")
    if not -720.0 <= fyaw <= 720.0:
        raise InvalidInput("yaw must be within -720..720 degrees", code="out_of_range")
    return fx, fy, fyaw % 360.0


def accept_steps(
    floor: FloorQueries,
    rules: MoveRules,
    start: NDArray[np.float64],
    end: NDArray[np.float64],
    dt_s: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Which of N proposed steps (start -> end, after dt_s) are accepted.

    Vectorised over all proposals of a tick: one call per tick, no loop per
    avatar.
    """
    if len(start) == 0:
        return np.zeros(0, dtype=np.bool_)
    dt = np.clip(dt_s, rules.min_dt_s, rules.max_dt_s)
    allowed = rules.max_speed_m_s * dt * rules.jitter_factor + rules.slack_m
    distance = np.hypot(end[:, 0] - start[:, 0], end[:, 1] - start[:, 1])
    ok = np.isfinite(distance) & (distance <= allowed)
    # Staying put is always fine (turning on the spot, changing animation).
    still = distance == 0.0
    moving = ok & ~still
    if moving.any():
        idx = np.flatnonzero(moving)
        blocked = floor.step_blocked(start[idx], end[idx])
        ok[idx[blocked]] = False
    accepted: NDArray[np.bool_] = ok | still
    return accepted
