"""Documents at the counter over HTTP: a citizen uploads, the owner and the staff read.

``PUT /api/v1/counter-sessions/{session_id}/documents/{requirement}`` takes the
raw file as the body (a phone's ``fetch`` with a Blob: no multipart parser),
checks it (size, then type by content: counters/documents.py), stores it
(hall_server/document_store.py) and hands it to the counter floor, where it
counts as shown, like ``documents_show``. ``GET /api/v1/documents/{document_id}``
serves it to its owner and to the staff of its session only, never cached,
never sniffed, sandboxed. docs/protocol.md section 11.5.

The document id is random and unguessable; logs and metrics name the route
template only (hall_server/app.py), never the id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from counters.documents import DocumentTooLarge, describe
from hall_server.auth.routes import require_role
from hall_server.auth.tokens import Claims
from hall_server.document_store import DocumentStore
from hall_server.errors import HallError, NotFound
from realtime.counter_hub import CounterHub

log = logging.getLogger(__name__)

#: Headers of a served document: private, not cached, not sniffed into HTML, and
#: sandboxed should a browser render it as a page anyway.
SERVE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
    "Content-Disposition": "inline",
}


class DocumentOut(BaseModel):
    document_id: str
    requirement: str
    media_type: str
    size: int
    sha256: str


def new_document_id() -> str:
    """128 random bits as hex: a document id is filed as a form value, and the form
    rule (counters/forms.py) wants a letter or digit first, which ``token_urlsafe``
    breaks about 3 % of the time (a leading ``-`` or ``_``)."""
    return secrets.token_hex(16)


def documents_router() -> APIRouter:
    router = APIRouter(tags=["counters"])

    @router.put("/api/v1/counter-sessions/{session_id}/documents/{requirement}", status_code=201)
    async def upload_document(
        request: Request,
        session_id: str,
        requirement: str,
        claims: Annotated[Claims, Depends(require_role("citizen", "guest"))],
    ) -> DocumentOut:
        """Upload a document (a JPEG, PNG or WebP photo, or a PDF) for one requirement of your
        counter session: the raw file is the body. It counts as shown in the session."""
        hub = _hub_of(request, session_id)
        subject = claims.subject
        # Checked before the body is read: a stranger's upload is not even received.
        hub.floor.document_session(session_id, subject, requirement)
        max_bytes: int = request.app.state.settings.document_max_bytes
        data = await _read_body(request, max_bytes)
        info = describe(new_document_id(), requirement, data, max_bytes)
        store: DocumentStore = request.app.state.documents
        await store.put(
            info,
            hall_id=hub.hall.hall_id,
            session_id=session_id,
            citizen_ref=subject,
            data=data,
            at=time.time(),
        )
        try:
            await hub.document_added(session_id, subject, {**info.to_json(), "sha256": info.sha256})
        except HallError:
            # The session ended while the file was on its way: keep nothing of it.
            await store.delete(info.document_id)
            raise
        return DocumentOut(**info.to_json(), sha256=info.sha256)

    @router.get("/api/v1/documents/{document_id}", response_class=Response)
    async def get_document(
        request: Request,
        document_id: str,
        claims: Annotated[Claims, Depends(require_role())],
    ) -> Response:
        """A document, for its owner and for the officer serving its session (a supervisor:
        any). Anyone else gets the same 404 as for an id that does not exist."""
        store: DocumentStore = request.app.state.documents
        doc = await store.get(document_id)
        if doc is None or not _may_view(request, claims, doc.citizen_ref, doc.session_id):
            raise NotFound("no such document", code="unknown_document")
        return Response(doc.data, media_type=doc.info.media_type, headers=SERVE_HEADERS)

    return router


def _hub_of(request: Request, session_id: str) -> CounterHub:
    hubs: dict[str, CounterHub] = request.app.state.counters
    for hub in hubs.values():
        if hub.has_session(session_id):
            return hub
    raise NotFound("no open counter session of yours with this id", code="unknown_session")


def _may_view(request: Request, claims: Claims, owner: str, session_id: str) -> bool:
    role = str(claims.role)
    if role == "citizen":
        return claims.subject == owner
    hubs: dict[str, CounterHub] = request.app.state.counters
    return any(
        hub.floor.may_view_documents(session_id, claims.subject, role) for hub in hubs.values()
    )


async def _read_body(request: Request, max_bytes: int) -> bytes:
    """The raw body, refused with ``too_large`` as soon as it passes ``max_bytes``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise DocumentTooLarge(f"the file is larger than {max_bytes} bytes", code="too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise DocumentTooLarge(f"the file is larger than {max_bytes} bytes", code="too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def start_document_sweep(store: DocumentStore, every_s: float) -> asyncio.Task[None]:
    """Delete documents past their retention, at start and then every ``every_s``
    (the same loop as the call recordings', hall_server/calls_setup.py)."""

    async def sweep() -> None:
        while True:
            try:
                deleted = await store.delete_expired(time.time())
                if deleted:
                    log.info("expired documents deleted", extra={"count": deleted})
            except Exception:
                log.exception("document retention sweep failed; trying again later")
            await asyncio.sleep(every_s)

    return asyncio.create_task(sweep(), name="documents:retention")


async def stop_document_sweep(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
