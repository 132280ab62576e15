"""``GET /api/v1/halls/{hall_id}/path``: a walkable path for "take me there" (scenes/paths.py).

Public, like the scene itself: a path says nothing about anyone. The search
is plain Python (about 10 ms in the demo hall, the first one also builds the
grid, about 0.2 s), so it runs in the worker threads, not on the event loop
that ticks the hall. Because it costs CPU that the tick shares (the GIL),
each client address has a token bucket (``HALL_LIMIT_PATH_REQUESTS_PER_S``,
``HALL_LIMIT_PATH_BURST``): a page asks for a path per tap, a flood gets
``rate_limited`` with ``Retry-After``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from hall_server.address_limits import check_address_rate
from hall_server.errors import NotFound
from hall_server.halls import HallSpec
from scenes.paths import find_path


def paths_router() -> APIRouter:
    router = APIRouter(tags=["halls"])

    @router.get("/api/v1/halls/{hall_id}/path")
    async def hall_path(
        request: Request,
        hall_id: str,
        from_x: Annotated[float, Query(description="Start, x in metres")],
        from_y: Annotated[float, Query(description="Start, y in metres")],
        to_x: Annotated[float, Query(description="Destination, x in metres")],
        to_y: Annotated[float, Query(description="Destination, y in metres")],
    ) -> dict[str, Any]:
        """A path along the walkable floor from a point to a destination:
        ``{"points": [[x, y], ...], "length_m"}``, starting at the (snapped) start.
        A destination inside an obstacle (a counter's desk, a kiosk) is moved to
        the nearest walkable point. Each straight leg passes the server's movement
        check; walk it in steps within the speed limit."""
        spec: HallSpec | None = request.app.state.specs.get(hall_id)
        if spec is None:
            raise NotFound("no hall with this id", code="unknown_hall")
        limits = request.app.state.settings.limits
        check_address_rate(request, "path", limits.path_requests_per_s, limits.path_burst)
        path = await run_in_threadpool(find_path, spec.floor, (from_x, from_y), (to_x, to_y))
        return path.to_json()

    return router
