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

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from hall_server.errors import LimitExceeded, NotFound
from hall_server.halls import HallSpec
from realtime.limits import AddressBuckets
from scenes.paths import find_path


def paths_router() -> APIRouter:
    router = APIRouter(tags=["halls"])

    def buckets_of(request: Request) -> AddressBuckets:
        # Made on first use from the frozen settings (nothing built at import time).
        buckets: AddressBuckets | None = getattr(request.app.state, "path_buckets", None)
        if buckets is None:
            limits = request.app.state.settings.limits
            buckets = AddressBuckets(limits.path_requests_per_s, limits.path_burst)
            request.app.state.path_buckets = buckets
        return buckets

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
        buckets = buckets_of(request)
        address = request.client.host if request.client else "unknown"
        if not buckets.allow(address, time.monotonic()):
            raise LimitExceeded(
                "too many paths asked from this address; wait and try again",
                retry_after_s=buckets.retry_after_s(address),
            )
        path = await run_in_threadpool(find_path, spec.floor, (from_x, from_y), (to_x, to_y))
        return path.to_json()

    return router
