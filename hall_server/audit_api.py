"""The verifiable audit log over HTTP, and the pump that seals and signs it.

Public (anyone may check the hall): ``GET /api/v1/audit/checkpoint`` (the
latest signed checkpoint, a C2SP signed note), ``GET /api/v1/audit/key`` (the
verifier key to pin), ``GET /api/v1/audit/proof/inclusion?row=ID&size=N`` and
``GET /api/v1/audit/proof/consistency?first=M&second=N``. The proofs are
hashes only. A row's content (who did what to which ticket) can be personal,
so ``GET /api/v1/audit/leaf?row=ID``, its canonical leaf, is for supervisors
and admins. docs/protocol.md section 15, docs/trust.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.exc import OperationalError

from hall_server.audit_log import AuditLog
from hall_server.auth.routes import require_role
from hall_server.auth.tokens import Claims

log = logging.getLogger(__name__)

_NOTE_HEADERS = {"Cache-Control": "no-cache"}
#: Largest row id or tree size asked about: the columns are 32-bit integers, and a
#: larger number would reach the database as an error rather than a bad request.
MAX_ID = 2**31 - 1


def _audit(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


def audit_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

    @router.get("/checkpoint", response_class=PlainTextResponse)
    async def checkpoint(request: Request) -> PlainTextResponse:
        """The latest checkpoint the hall signed, with witness cosignatures."""
        note = await _audit(request).latest_note()
        return PlainTextResponse(note, headers=_NOTE_HEADERS)

    @router.get("/key", response_class=PlainTextResponse)
    async def key(request: Request) -> PlainTextResponse:
        """The hall's verifier key (``name+keyid+base64``), to pin once."""
        return PlainTextResponse(_audit(request).verifier_key + "\n")

    @router.get("/proof/inclusion")
    async def inclusion(
        request: Request,
        row: Annotated[int, Query(ge=1, le=MAX_ID, description="audit row id")],
        size: Annotated[
            int | None,
            Query(ge=1, le=MAX_ID, description="tree size (default: the latest checkpoint's)"),
        ] = None,
    ) -> dict[str, Any]:
        """Proof that an audit row is in the tree of ``size`` leaves."""
        return await _audit(request).inclusion(row, size)

    @router.get("/proof/consistency")
    async def consistency(
        request: Request,
        first: Annotated[int, Query(ge=0, le=MAX_ID)],
        second: Annotated[int, Query(ge=0, le=MAX_ID)],
    ) -> dict[str, Any]:
        """Proof that the tree of ``first`` leaves is a prefix of that of ``second``."""
        return await _audit(request).consistency(first, second)

    @router.get("/leaf")
    async def leaf(
        request: Request,
        claims: Annotated[Claims, Depends(require_role("supervisor", "admin"))],
        row: Annotated[int, Query(ge=1, le=MAX_ID)],
    ) -> dict[str, Any]:
        """The canonical leaf of a row: its fields, which may be personal."""
        del claims
        return await _audit(request).leaf(row)

    return router


def start_audit_pump(
    audit: AuditLog, every_s: float, witness_url: str | None, timeout_s: float
) -> asyncio.Task[None]:
    """Seal and sign at start and then every ``every_s``; send the latest checkpoint
    to the witness, if one is configured, until it cosigned it."""

    async def pump() -> None:
        async with httpx.AsyncClient(timeout=timeout_s) as http:
            while True:
                try:
                    result = await audit.seal(datetime.now(UTC))
                    # Until the witness cosigned the latest checkpoint, offer it again each
                    # round: a witness that was down catches up without a new row.
                    if witness_url and result.size not in audit.cosignatures:
                        note = result.note or await audit.latest_note()
                        await _to_witness(http, audit, witness_url, result.size, note)
                except OperationalError as exc:
                    # A busy SQLite file or a database restart: the next round seals it all.
                    log.warning("audit seal deferred", extra={"error": type(exc.orig).__name__})
                except Exception:
                    log.exception("audit seal failed; trying again later")
                await asyncio.sleep(every_s)

    return asyncio.create_task(pump(), name="audit:seal")


async def _to_witness(
    http: httpx.AsyncClient, audit: AuditLog, url: str, size: int, note: str
) -> None:
    try:
        answer = await http.post(url, content=note, headers={"Content-Type": "text/plain"})
    except httpx.HTTPError as exc:
        log.warning("audit witness unreachable", extra={"error": type(exc).__name__})
        return
    if answer.status_code != 200:
        code = _code_of(answer)
        log.warning("audit witness refused a checkpoint", extra={"code": code, "size": size})
        return
    lines = [line for line in answer.text.splitlines() if line.startswith("\u2014 ")]
    audit.cosignatures[size] = lines


def _code_of(answer: httpx.Response) -> str:
    with contextlib.suppress(ValueError, AttributeError):
        error = answer.json().get("error")
        if isinstance(error, dict):
            return str(error.get("code", answer.status_code))
    return str(answer.status_code)


async def stop_audit_pump(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
