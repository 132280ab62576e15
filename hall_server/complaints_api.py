"""Complaints (pengaduan) over HTTP: a citizen files and follows one; supervisors handle them.

Citizen side (signed in, a guest, or nobody at all):

- ``POST /api/v1/halls/{hall_id}/complaints`` files one and answers its tracking code;
- ``PUT /api/v1/complaints/{tracking_code}/photo`` adds a photo (raw body; checked by
  its content like a counter document), once, while the complaint is still received;
- ``GET /api/v1/complaints/{tracking_code}`` is the status page's data;
- ``POST /api/v1/complaints/{tracking_code}/replies`` adds the reporter's reply.

The tracking code is the only key a reporter needs, so an anonymous complaint
stays anonymous; it is random and carries nothing personal.

Supervisors (of the hall) list, act (verify, follow up, close), see the photo
and forward to SP4N-LAPOR!. The public list shows the complaints not marked
*rahasia*, without reporter, photo or code. Every step is an audit row
(hall_server/complaint_store.py). docs/protocol.md section 16.
"""

from __future__ import annotations

import secrets
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from counters import complaints as core
from counters.documents import UnsupportedDocument, describe
from counters.handoff import BackOfficeKind
from hall_server.address_limits import check_address_rate
from hall_server.auth.routes import require_role
from hall_server.auth.tokens import Claims
from hall_server.documents_api import SERVE_HEADERS, _read_body
from hall_server.errors import Conflict, Forbidden, InvalidInput, NotFound, Unavailable
from hall_server.trust_setup import Trust

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class ComplaintIn(BaseModel):
    category: str = Field(
        max_length=32, description="pungli, calo, staff_conduct, service_time, other"
    )
    text: str = Field(max_length=4000)
    rahasia: bool = Field(False, description="Hidden from the public list")
    anonim: bool = Field(False, description="The reporter is not kept: handlers cannot see who")
    service: str | None = Field(None, max_length=32)
    counter_id: str | None = Field(None, max_length=16)


class ReplyIn(BaseModel):
    text: str = Field(max_length=core.MAX_NOTE)


class ActionIn(BaseModel):
    action: str = Field(max_length=16, description="verify, follow_up or close")
    note: str | None = Field(None, max_length=core.MAX_NOTE)


def new_complaint_code() -> str:
    """Random, unambiguous, readable aloud; from the OS's CSPRNG (it is the reporter's key)."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    return f"ADU-{raw[:5]}-{raw[5:]}"


def _trust(request: Request) -> Trust:
    trust: Trust = request.app.state.trust
    return trust


async def _optional_claims(request: Request) -> Claims | None:
    """The caller's claims if they sent a token (a bad token is refused); None without one."""
    if not request.headers.get("authorization"):
        return None
    return await require_role()(request)


def _same_hall(request: Request, claims: Claims, hall_id: str) -> None:
    if hall_id not in request.app.state.specs:
        raise NotFound("no hall with this id", code="unknown_hall")
    if claims.hall is not None and claims.hall != hall_id:
        raise Forbidden("this token is for another hall")


def complaints_router() -> APIRouter:
    router = APIRouter(tags=["complaints"])

    @router.post("/api/v1/halls/{hall_id}/complaints", status_code=201)
    async def file_complaint(
        request: Request,
        hall_id: str,
        body: ComplaintIn,
        claims: Annotated[Claims | None, Depends(_optional_claims)],
    ) -> dict[str, Any]:
        """File a complaint (signed in or not). Answers the tracking code: the only way
        to follow it, so keep it."""
        if hall_id not in request.app.state.specs:
            raise NotFound("no hall with this id", code="unknown_hall")
        if body.service is not None and body.service not in request.app.state.catalogue.codes:
            raise InvalidInput("unknown service", code="bad_value")
        limits = request.app.state.settings.limits
        check_address_rate(
            request, "complaint", limits.complaints_per_hour / 3600.0, limits.complaint_burst
        )
        trust = _trust(request)
        now = time.time()
        citizen = claims is not None and claims.role == "citizen"
        complaint = core.file(
            complaint_id=secrets.token_hex(12),
            tracking_code=new_complaint_code(),
            hall_id=hall_id,
            category=body.category,
            text=body.text,
            rahasia=body.rahasia,
            anonim=body.anonim,
            reporter_ref=claims.subject if citizen and claims is not None else None,
            service=body.service,
            counter_id=body.counter_id,
            photo=None,
            now=now,
        )
        await trust.complaints.add(complaint)
        return {
            "tracking_code": complaint.tracking_code,
            **core.reporter_view(complaint, trust.rules, now),
        }

    @router.put("/api/v1/complaints/{tracking_code}/photo")
    async def add_photo(request: Request, tracking_code: str) -> dict[str, Any]:
        """Add one photo (JPEG, PNG or WebP; the raw file is the body) to a complaint
        that is still received."""
        trust = _trust(request)
        complaint = await trust.complaints.by_code(tracking_code)
        if complaint.stage != "received" or complaint.photo is not None:
            # Checked before the body is read; checked again in the transaction.
            raise Conflict("a photo can be added once, before verification", code="complaint_stage")
        max_bytes: int = request.app.state.settings.complaint_photo_max_bytes
        data = await _read_body(request, max_bytes)
        info = describe("photo", "complaint", data, max_bytes)
        if not info.media_type.startswith("image/"):
            raise UnsupportedDocument(
                "a complaint takes a photo (JPEG, PNG or WebP)", code="unsupported_document"
            )
        photo = {"media_type": info.media_type, "size": info.size, "sha256": info.sha256}
        await trust.complaints.set_photo(tracking_code, photo, data)
        return {"has_photo": True, **photo}

    @router.get("/api/v1/complaints/{tracking_code}")
    async def status(request: Request, tracking_code: str) -> dict[str, Any]:
        """Where a complaint stands, for whoever holds its tracking code."""
        trust = _trust(request)
        complaint = await trust.complaints.by_code(tracking_code)
        return core.reporter_view(complaint, trust.rules, time.time())

    @router.post("/api/v1/complaints/{tracking_code}/replies", status_code=201)
    async def reply(request: Request, tracking_code: str, body: ReplyIn) -> dict[str, Any]:
        """The reporter's reply (for example after the follow-up: not solved yet)."""
        trust = _trust(request)
        now = time.time()
        complaint, _ = await trust.complaints.change(
            tracking_code=tracking_code, change=lambda c: core.reply(c, body.text, now)
        )
        return core.reporter_view(complaint, trust.rules, now)

    @router.get("/api/v1/halls/{hall_id}/complaints/public")
    async def public_list(request: Request, hall_id: str) -> dict[str, Any]:
        """Complaints not marked rahasia (public, as LAPOR! publishes them): category,
        text, stage and the day received; never the reporter, the photo or the code."""
        if hall_id not in request.app.state.specs:
            raise NotFound("no hall with this id", code="unknown_hall")
        trust = _trust(request)
        shown = [core.public_view(c, trust.rules) for c in await trust.complaints.of_hall(hall_id)]
        return {"complaints": [c for c in shown if c is not None]}

    @router.get("/api/v1/halls/{hall_id}/complaints")
    async def handler_list(
        request: Request,
        hall_id: str,
        claims: Annotated[Claims, Depends(require_role("supervisor", "admin"))],
        stage: Annotated[str | None, Query(max_length=16)] = None,
    ) -> dict[str, Any]:
        """The hall's complaints for supervisors, newest first, with their deadlines and
        which are overdue."""
        _same_hall(request, claims, hall_id)
        if stage is not None and stage not in core.STAGES:
            raise InvalidInput("stage must be one of " + ", ".join(core.STAGES), code="bad_value")
        trust = _trust(request)
        now = time.time()
        items = [
            core.handler_view(c, trust.rules, now)
            for c in await trust.complaints.of_hall(hall_id, stage=stage)
        ]
        return {"complaints": items, "overdue": sum(1 for c in items if c["overdue"])}

    @router.post("/api/v1/halls/{hall_id}/complaints/{complaint_id}/actions")
    async def act(
        request: Request,
        hall_id: str,
        complaint_id: str,
        body: ActionIn,
        claims: Annotated[Claims, Depends(require_role("supervisor"))],
    ) -> dict[str, Any]:
        """Move a complaint on: ``verify``, ``follow_up`` (the note is the answer the
        reporter reads) or ``close`` (a reason when closed before the follow-up)."""
        _same_hall(request, claims, hall_id)
        trust = _trust(request)
        now = time.time()
        complaint, _ = await trust.complaints.change(
            hall_id=hall_id,
            complaint_id=complaint_id,
            change=lambda c: core.act(c, body.action, claims.subject, body.note, now),
        )
        return core.handler_view(complaint, trust.rules, now)

    @router.post("/api/v1/halls/{hall_id}/complaints/{complaint_id}/forward")
    async def forward_to_lapor(
        request: Request,
        hall_id: str,
        complaint_id: str,
        claims: Annotated[Claims, Depends(require_role("supervisor"))],
    ) -> dict[str, Any]:
        """Forward a complaint to SP4N-LAPOR! through the hand-off outbox (once): its
        category, text and confidentiality, never its reporter."""
        _same_hall(request, claims, hall_id)
        handoff = request.app.state.handoff
        if handoff.worker.route_of(str(BackOfficeKind.LAPOR), hall_id) is None:
            raise Unavailable(
                "SP4N-LAPOR! is not configured for this hall", code="lapor_unavailable"
            )
        trust = _trust(request)
        now = time.time()
        complaint = await trust.complaints.forward(hall_id, complaint_id, claims.subject, now)
        handoff.filed()
        return core.handler_view(complaint, trust.rules, now)

    @router.get("/api/v1/halls/{hall_id}/complaints/{complaint_id}/photo", response_class=Response)
    async def photo(
        request: Request,
        hall_id: str,
        complaint_id: str,
        claims: Annotated[Claims, Depends(require_role("supervisor", "admin"))],
    ) -> Response:
        """A complaint's photo, for the hall's supervisors only."""
        _same_hall(request, claims, hall_id)
        media_type, data = await _trust(request).complaints.photo(hall_id, complaint_id)
        return Response(data, media_type=media_type, headers=SERVE_HEADERS)

    return router
