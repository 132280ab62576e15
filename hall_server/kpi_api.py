"""The supervisors' REST and feed: the hall's KPIs, the CSV export, remote staffing.

docs/protocol.md section 14 ("Supervisors") is the contract. Figures are for
supervisors and admins (no personal data: numbers, services, counters and
officers' display names); staffing (open, close, bot staffing) for
supervisors only, each act audited.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, WebSocket
from pydantic import BaseModel

from counters.kpi import csv_rows
from counters.tickets import Actor, ActorRole
from hall_server.auth.routes import require_role
from hall_server.auth.tokens import Claims
from hall_server.counter_store import CounterStore
from hall_server.error_texts import text_for
from hall_server.errors import Forbidden, HallError, NotFound
from hall_server.kpi_live import HallKpi

#: Roles that may read the figures, and the one that may change the staffing.
READERS = ("supervisor", "admin")
#: The feed pushes at most this often, and at least this often while anyone waits.
FEED_MIN_S = 1.0
FEED_REFRESH_S = 5.0

#: The days the figures can be asked for: the hall's own years (a day near the ends of
#: the calendar would overflow when its bounds are worked out).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)

DayParam = Annotated[
    date | None,
    Query(
        description="Local day, YYYY-MM-DD, 2000-01-01 to 2099-12-31 "
        "(default: today in HALL_TIMEZONE)",
        ge=FIRST_DAY,
        le=LAST_DAY,
    ),
]


class BotStaffing(BaseModel):
    bots: Literal["always", "off_hours", "never"]


def _kpi(request: Request | WebSocket, hall_id: str) -> HallKpi:
    found: HallKpi | None = getattr(request.app.state, "kpi", {}).get(hall_id)
    if found is None:
        raise NotFound("no hall with counters with this id", code="unknown_hall")
    return found


def _same_hall(claims: Claims, hall_id: str) -> None:
    if claims.hall is not None and claims.hall != hall_id:
        raise Forbidden("this token is for another hall")


def _counter_entry(figures: dict[str, Any], counter_id: str) -> dict[str, Any]:
    entry = next(c for c in figures["counters"] if c["counter_id"] == counter_id)
    return {**entry, "held_closed": counter_id in figures["held_closed"], "bots": figures["bots"]}


def kpi_router() -> APIRouter:
    router = APIRouter(tags=["supervisors"])

    @router.get("/api/v1/halls/{hall_id}/kpi")
    async def kpi(
        request: Request,
        hall_id: str,
        claims: Annotated[Claims, Depends(require_role(*READERS))],
        day: DayParam = None,
    ) -> dict[str, Any]:
        """The hall's figures for a day (supervisors and admins): per service, per
        counter, for the whole hall and per hour (docs/kpi.md)."""
        _same_hall(claims, hall_id)
        return await _kpi(request, hall_id).figures(day=day)

    @router.get(
        "/api/v1/halls/{hall_id}/kpi.csv",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}}}},
    )
    async def kpi_csv(
        request: Request,
        hall_id: str,
        claims: Annotated[Claims, Depends(require_role(*READERS))],
        day: DayParam = None,
    ) -> Response:
        """The day's figures as CSV: one row per service and one for the whole hall."""
        _same_hall(claims, hall_id)
        figures = await _kpi(request, hall_id).figures(day=day)
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(csv_rows(figures))
        name = f"kpi-{hall_id}-{figures['day']}.csv"
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def _staffing(
        request: Request, hall_id: str, counter_id: str, claims: Claims, *, open_: bool
    ) -> dict[str, Any]:
        _same_hall(claims, hall_id)
        live = _kpi(request, hall_id)
        floor = live.hub.floor
        actor = Actor(claims.subject, ActorRole.SUPERVISOR)
        if open_:
            await live.hub.operate(lambda now: floor.supervisor_open(counter_id, now))
        else:
            await live.hub.operate(lambda now: floor.supervisor_close(counter_id, actor, now))
        store = CounterStore(request.app.state.sessions, hall_id)
        await store.note(
            live.clock(),
            "supervisor",
            claims.subject,
            "counter_hold",
            counter=counter_id,
            held=not open_,
        )
        return _counter_entry(await live.figures(), counter_id)

    @router.post("/api/v1/halls/{hall_id}/counters/{counter_id}/open")
    async def open_counter(
        request: Request,
        hall_id: str,
        counter_id: str,
        claims: Annotated[Claims, Depends(require_role("supervisor"))],
    ) -> dict[str, Any]:
        """Open a counter remotely: a supervisor's hold ends, and a bot staffs it at once
        when bots are on duty (otherwise it waits, closed, for an officer). Audited."""
        return await _staffing(request, hall_id, counter_id, claims, open_=True)

    @router.post("/api/v1/halls/{hall_id}/counters/{counter_id}/close")
    async def close_counter(
        request: Request,
        hall_id: str,
        counter_id: str,
        claims: Annotated[Claims, Depends(require_role("supervisor"))],
    ) -> dict[str, Any]:
        """Close a counter remotely and hold it closed: no bot takes it until it is
        opened again (or an officer opens it). ``409 counter_busy`` while it holds a
        ticket. Audited."""
        return await _staffing(request, hall_id, counter_id, claims, open_=False)

    @router.put("/api/v1/halls/{hall_id}/bot-staffing")
    async def bot_staffing(
        request: Request,
        hall_id: str,
        body: BotStaffing,
        claims: Annotated[Claims, Depends(require_role("supervisor"))],
    ) -> dict[str, Any]:
        """When bots staff the counters no officer staffs, from now on (survives a
        restart; ``HALL_COUNTER_BOTS`` is the start value). Audited."""
        _same_hall(claims, hall_id)
        live = _kpi(request, hall_id)
        floor = live.hub.floor
        previous = floor.policy.bots
        await live.hub.operate(lambda now: floor.set_bots(body.bots, now))
        store = CounterStore(request.app.state.sessions, hall_id)
        await store.note(
            live.clock(),
            "supervisor",
            claims.subject,
            "bot_staffing_set",
            bots=body.bots,
            previous=previous,
        )
        figures = await live.figures()
        return {"bots": figures["bots"], "counters": figures["counters"]}

    @router.websocket("/ws/v1/halls/{hall_id}/kpi")
    async def kpi_feed(websocket: WebSocket, hall_id: str) -> None:
        """The figures as a feed for the dashboard (supervisors and admins)."""
        gateway = websocket.app.state.gateway
        address = websocket.client.host if websocket.client else "unknown"
        await websocket.accept()
        if not gateway.addresses.acquire(address):
            await gateway.refuse_too_many(websocket)
            return
        try:
            live = await _admit(websocket, hall_id)
            if live is not None:
                await _feed(websocket, live)
        finally:
            gateway.addresses.release(address)

    return router


async def _refuse(websocket: WebSocket, close: int, code: str, message: str) -> None:
    metrics = getattr(websocket.app.state, "metrics", None)
    if metrics is not None:
        metrics.errors.labels(code).inc()
    with contextlib.suppress(Exception):  # the client may be gone already
        error = {"type": "error", "code": code, "message": message, "text": text_for(code)}
        await websocket.send_text(json.dumps(error, ensure_ascii=False))
        await websocket.close(close, message[:120])


async def _admit(websocket: WebSocket, hall_id: str) -> HallKpi | None:
    """The first message must be ``{"type": "join", "token": ...}`` of a supervisor or
    an admin, within the join timeout; closes as the hall socket does otherwise."""
    settings = websocket.app.state.settings
    try:
        raw = await asyncio.wait_for(websocket.receive(), settings.join_timeout_s)
    except TimeoutError:
        await _refuse(websocket, 4010, "join_timeout", "send join with your token first")
        return None
    if raw["type"] == "websocket.disconnect":
        return None
    try:
        msg = json.loads(raw.get("text") or "")
    except ValueError:
        msg = None
    if not isinstance(msg, dict) or msg.get("type") != "join":
        await _refuse(
            websocket,
            4000,
            "bad_request",
            'the first message must be {"type": "join", "token": ...}',
        )
        return None
    token = msg.get("token")
    if not isinstance(token, str) or not token:
        await _refuse(websocket, 4001, "unauthenticated", "join needs a token")
        return None
    try:
        claims = websocket.app.state.auth.verify(token)
        if claims.role not in READERS:
            raise Forbidden(f"a {claims.role} may not see the hall's figures")
        _same_hall(claims, hall_id)
        return _kpi(websocket, hall_id)
    except HallError as exc:
        close = {401: 4001, 403: 4003, 404: 4004}.get(exc.http_status, 4000)
        await _refuse(websocket, close, exc.code, str(exc))
        return None


async def _feed(websocket: WebSocket, live: HallKpi) -> None:
    """The figures at once, then again when a ticket moved or a counter changed (at
    most once a second), and every few seconds anyway (the "now" figures move)."""

    async def push() -> None:
        loop = asyncio.get_running_loop()
        sent_version, sent_counters, sent_at = -1, None, 0.0
        while True:
            counters = [
                (c.counter_id, c.status, c.staffed_by, c.ticket_id)
                for c in await live.counters_now()
            ]
            stale = loop.time() - sent_at >= FEED_REFRESH_S
            if live.version != sent_version or counters != sent_counters or stale:
                sent_version, sent_counters, sent_at = live.version, counters, loop.time()
                await websocket.send_text(json.dumps({"type": "kpi", **await live.figures()}))
            await asyncio.sleep(FEED_MIN_S)

    async def until_gone() -> None:
        # Messages after the join are ignored; reading notices a dashboard that went away.
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass

    tasks = [asyncio.create_task(push()), asyncio.create_task(until_gone())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
