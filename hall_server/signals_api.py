"""Broker (calo) and pungli signals for supervisors: REST, and their start at the edge.

docs/protocol.md section 17 is the contract, docs/signals.md the meaning.
Flags are for supervisors only (admins neither: a flag points at people);
a review (confirmed or dismissed, with a note) and every look-up of who an
account is go into the audit log. Nothing here acts on a flag by itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.catalogue import Catalogue, FeeKind
from hall_server.auth.routes import require_role
from hall_server.auth.tokens import Claims
from hall_server.errors import Forbidden, NotFound
from hall_server.settings import Settings
from hall_server.signals_store import (
    Pseudonyms,
    Sighting,
    SignalPump,
    SignalStore,
    thresholds_from,
)
from realtime.counter_hub import CounterHub

#: Only supervisors review; flags name people's accounts.
REVIEWERS = ("supervisor",)


class Review(BaseModel):
    outcome: Literal["confirmed", "dismissed"]
    note: str = Field(default="", max_length=1000, description="What the supervisor found")


def free_services(catalogue: Catalogue) -> list[str]:
    """Civil-registry services that cost nothing by law: there, any fee talk is pungli."""
    return [s.code for s in catalogue if s.civil_registry and s.standar.fee.kind is FeeKind.FREE]


def start_signals(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    secret: bytes,
    catalogue: Catalogue,
    hall_ids: Iterable[str],
) -> SignalPump:
    """A store per hall with counters, and the pump (started).

    Every node keeps a store for every hall: any node answers the supervisors'
    REST calls, and the scan reads the database (two nodes raising the same flag
    store it once: a unique index on open flags). The sightings hook is attached
    to a hall's counters when this node starts them (:func:`attach_signals`).
    """
    pseudonyms = Pseudonyms(secret)
    free = free_services(catalogue)
    thresholds = thresholds_from(settings)
    stores = {
        hall_id: SignalStore(
            sessions, hall_id, pseudonyms, free_services=free, thresholds=thresholds
        )
        for hall_id in hall_ids
    }
    pump = SignalPump(stores, settings.signals_scan_s)
    pump.start()
    return pump


def attach_signals(pump: SignalPump, hub: CounterHub) -> None:
    """Record where each number of ``hub``'s hall is taken from (a hall this node now owns)."""
    store = pump.stores.get(hub.hall.hall_id)
    if store is not None:
        hub.on_ticket_taken = _sightings(hub, store, store.pseudonyms)


def _sightings(hub: CounterHub, store: SignalStore, pseudonyms: Pseudonyms) -> Any:
    async def taken(avatar_id: int, msg: dict[str, Any], address: str, device: str | None) -> None:
        subject = hub.hall.subject_of(avatar_id)
        service = msg.get("service")
        ticket = (
            hub.floor.engine.live_ticket(subject, service) if isinstance(service, str) else None
        )
        if ticket is None:
            return
        await store.sighted(
            Sighting(
                ticket.ticket_id,
                subject,
                ticket.issued_at,
                pseudonyms.of("address", address),
                pseudonyms.of("device", device) if device else None,
            )
        )

    return taken


def _store(request: Request, hall_id: str, claims: Claims) -> SignalStore:
    if claims.hall is not None and claims.hall != hall_id:
        raise Forbidden("this token is for another hall")
    pump: SignalPump | None = getattr(request.app.state, "signals", None)
    store = pump.stores.get(hall_id) if pump is not None else None
    if store is None:
        raise NotFound("no hall with counters with this id", code="unknown_hall")
    return store


def signals_router() -> APIRouter:
    router = APIRouter(tags=["supervisors"])

    @router.get("/api/v1/halls/{hall_id}/signals")
    async def list_flags(
        request: Request,
        hall_id: str,
        claims: Annotated[Claims, Depends(require_role(*REVIEWERS))],
        status: Annotated[Literal["open", "reviewed", "all"], Query()] = "open",
    ) -> dict[str, Any]:
        """Broker and pungli flags of the hall, newest first (supervisors): each with its
        evidence as pseudonymous references (docs/signals.md)."""
        store = _store(request, hall_id, claims)
        return {"hall_id": hall_id, "flags": await store.flags(status)}

    @router.post("/api/v1/halls/{hall_id}/signals/{flag_id}/review")
    async def review(
        request: Request,
        hall_id: str,
        flag_id: int,
        body: Review,
        claims: Annotated[Claims, Depends(require_role(*REVIEWERS))],
    ) -> dict[str, Any]:
        """The supervisor's finding: ``confirmed`` or ``dismissed``, with a note; audited.
        A reviewed flag cannot be reviewed again (``409 flag_reviewed``)."""
        store = _store(request, hall_id, claims)
        pump: SignalPump = request.app.state.signals
        return await store.review(
            flag_id, body.outcome, body.note, supervisor=claims.subject, now=pump.clock()
        )

    @router.post("/api/v1/halls/{hall_id}/signals/{flag_id}/resolve")
    async def resolve(
        request: Request,
        hall_id: str,
        flag_id: int,
        claims: Annotated[Claims, Depends(require_role(*REVIEWERS))],
    ) -> dict[str, Any]:
        """Who the flag's accounts are (display names), audited as
        ``signal_subject_resolved``. Hashed addresses, devices and phones stay hashed."""
        store = _store(request, hall_id, claims)
        pump: SignalPump = request.app.state.signals
        return await store.resolve(flag_id, supervisor=claims.subject, now=pump.clock())

    return router
