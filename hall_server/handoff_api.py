"""REST endpoints of the hand-off: signed callbacks, the citizen's lookup, dead letters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from counters.handoff import BackOfficeKind
from hall_server.auth.routes import require_role
from hall_server.auth.tokens import Claims
from hall_server.backoffice import WIRE_FORMATS, dead_letters, lookup, receive_webhook, retry_dead
from hall_server.errors import AuthError, NotFound


class LookupRequest(BaseModel):
    tracking_code: str = Field(min_length=1, max_length=40)
    nik: str = Field(min_length=1, max_length=40, description="The applicant's NIK (never echoed)")


def handoff_router() -> APIRouter:
    router = APIRouter(tags=["applications"])

    async def take_callback(request: Request, kind: str, hall_id: str | None) -> Response:
        handoff = request.app.state.handoff
        found = handoff.callback_route(kind, hall_id)
        if found is None or not found[1].webhook_secret or kind not in WIRE_FORMATS:
            raise AuthError(
                "callbacks from this back office are not accepted", code="webhook_forged"
            )
        route, config = found
        body = await request.body()
        async with request.app.state.sessions.begin() as db:
            change = await receive_webhook(
                db,
                kind=kind,
                wire=WIRE_FORMATS[BackOfficeKind(kind)],
                secret=config.webhook_secret,
                headers=dict(request.headers),
                body=body,
                now=datetime.now(UTC),
                tolerance_s=request.app.state.settings.webhook_tolerance_s,
                route=route,
            )
        if change is not None:
            await handoff.tell(change)
        return Response(status_code=204)

    @router.post("/api/v1/backoffice/webhooks/{kind}", status_code=204, include_in_schema=False)
    async def webhook(request: Request, kind: str) -> Response:
        """A signed status callback (Standard Webhooks) of a deployment-wide back office."""
        return await take_callback(request, kind, None)

    @router.post(
        "/api/v1/halls/{hall_id}/backoffice/webhooks/{kind}",
        status_code=204,
        include_in_schema=False,
    )
    async def hall_webhook(request: Request, hall_id: str, kind: str) -> Response:
        """A signed status callback of the back office serving ``hall_id`` (per-hall or not)."""
        return await take_callback(request, kind, hall_id)

    @router.post(
        "/api/v1/applications/lookup",
        # The body is parsed here (a bad one gets the same 404 as a wrong NIK), so
        # FastAPI would not declare it.
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": LookupRequest.model_json_schema()}},
            }
        },
    )
    async def lookup_application(request: Request) -> dict[str, Any]:
        """Where an application stands, by tracking code and the applicant's NIK.

        An unknown code and a NIK that does not match get the same answer, so
        the lookup reveals nothing to someone who only has one of them.
        """
        try:
            body = LookupRequest.model_validate(await request.json())
        except Exception:
            raise NotFound("no application matches this tracking code and NIK") from None
        digest = request.app.state.auth.nik_digest_of(body.nik)
        async with request.app.state.sessions() as db:
            found = await lookup(db, body.tracking_code.strip().upper(), digest) if digest else None
        if found is None:
            raise NotFound("no application matches this tracking code and NIK")
        return {
            "tracking_code": found.tracking_code,
            "service": found.service,
            "status": found.status.value,
            "text": found.text,
            "filed_at": found.filed_at.isoformat(),
            "updated_at": found.updated_at.isoformat(),
            "history": [
                {"at": h.at.isoformat(), "status": h.status.value, "text": h.text}
                for h in found.history
            ],
        }

    @router.get("/api/v1/halls/{hall_id}/dead-letters")
    async def list_dead_letters(
        request: Request,
        hall_id: str,
        _claims: Annotated[Claims, Depends(require_role("officer", "supervisor"))],
    ) -> list[dict[str, Any]]:
        """Applications the hall gave up delivering (officers and supervisors only: they
        hold citizens' applications; an admin manages accounts, not applications)."""
        async with request.app.state.sessions() as db:
            rows = await dead_letters(db, hall_id)
        return [
            {
                "application_id": r.application_id,
                "backoffice": r.backoffice,
                "attempts": r.attempts,
                "last_error": r.last_error,
                "updated_at": r.updated_at.isoformat(),
            }
            for r in rows
        ]

    @router.post("/api/v1/applications/{application_id}/retry", status_code=202)
    async def retry_dead_letter(
        request: Request,
        application_id: str,
        claims: Annotated[Claims, Depends(require_role("officer", "supervisor"))],
    ) -> dict[str, str]:
        """Send a dead letter again (same idempotency key: still filed only once).

        Officers and supervisors only, like the list."""
        async with request.app.state.sessions.begin() as db:
            change = await retry_dead(
                db, application_id, officer=claims.subject, now=datetime.now(UTC)
            )
        if change is not None:
            await request.app.state.handoff.tell(change)
        return {"application_id": application_id, "state": "pending"}

    return router
