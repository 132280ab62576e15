"""``GET /api/v1/errors``: the text of every error code, for clients that translate codes.

Public and cacheable: the catalogue (hall_server/error_texts.py) changes only
with a new release, so the answer carries a strong ``ETag`` and a client that
sends it back in ``If-None-Match`` gets ``304 Not Modified``.
"""

from __future__ import annotations

import hashlib
import json

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from hall_server.error_texts import ERROR_TEXTS

#: A day: texts change only with a release, and a stale text is still a right one for its code.
MAX_AGE_S = 86_400


class ErrorTextOut(BaseModel):
    id: str = Field(description="What went wrong and what to do, in Bahasa Indonesia")
    en: str = Field(description="The same in English")


def errors_router() -> APIRouter:
    router = APIRouter(tags=["errors"])
    # Encoded once per app, not per request and not at import time.
    body = json.dumps(
        {code: dict(text) for code, text in sorted(ERROR_TEXTS.items())},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Cache-Control": f"public, max-age={MAX_AGE_S}", "ETag": etag}

    @router.get(
        "/api/v1/errors",
        response_model=dict[str, ErrorTextOut],
        responses={304: {"description": "Not modified: the ETag sent in If-None-Match matches"}},
    )
    async def error_texts(request: Request) -> Response:
        """Every error code with its text for a person: ``{code: {"id", "en"}}``."""
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    return router
