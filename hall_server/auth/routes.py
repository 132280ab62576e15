"""HTTP sign-in endpoints and the bearer-token dependency for protected routes.

Mount with ``app.include_router(auth_router(), prefix="/api/v1/auth")``; the
routes use the :class:`AuthService` in ``app.state.auth``. Errors are raised
as HallError subclasses for the app's handler to translate.

A NIK travels only in POST bodies, never in a URL. Bodies are parsed here
rather than by FastAPI, because FastAPI's validation errors echo the
submitted body (and so the NIK) back in the response.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError

from hall_server.address_limits import check_address_rate
from hall_server.auth.service import AuthService
from hall_server.auth.tokens import ROLES, Claims
from hall_server.errors import AuthError, Forbidden, HallError, InvalidInput
from hall_server.settings import Limits

#: Largest sign-in request body accepted.
MAX_BODY_BYTES = 4096

M = TypeVar("M", bound=BaseModel)


class CitizenCodeRequest(BaseModel):
    nik: str = Field(max_length=64, description="16-digit NIK; spaces and dots are ignored")


class CodeSentResponse(BaseModel):
    sent: bool
    nik: str = Field(description="The NIK, masked: 7471********0001")
    expires_in_s: int


class CitizenTokenRequest(BaseModel):
    nik: str = Field(max_length=64)
    code: str = Field(max_length=16, description="The 6-digit code that was sent")
    display_name: str = Field(max_length=200)
    hall: str | None = Field(default=None, max_length=64, description="Limit the token to a hall")


class StaffTokenRequest(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    hall: str | None = Field(default=None, max_length=64)


class GuestTokenRequest(BaseModel):
    display_name: str = Field(max_length=200)
    role: Literal["guest", "spectator"] = "guest"
    hall: str | None = Field(default=None, max_length=64)


class TokenResponse(BaseModel):
    token: str
    role: str
    expires_at: int = Field(description="Unix time in seconds")


def auth_router() -> APIRouter:
    """The sign-in routes, to be mounted under ``/api/v1/auth``."""
    router = APIRouter(tags=["auth"])

    @router.post(
        "/citizen/code",
        status_code=202,
        response_model=CodeSentResponse,
        openapi_extra=_body_schema(CitizenCodeRequest),
    )
    async def citizen_code(request: Request) -> CodeSentResponse:
        limits = _limits(request)
        check_address_rate(
            request, "sign-in code", limits.sign_in_codes_per_hour / 3600, limits.sign_in_code_burst
        )
        body = await _parse(request, CitizenCodeRequest)
        sent = await _service(request).request_citizen_code(body.nik)
        return CodeSentResponse(sent=True, nik=sent.nik_masked, expires_in_s=sent.expires_in_s)

    @router.post(
        "/citizen/token",
        response_model=TokenResponse,
        openapi_extra=_body_schema(CitizenTokenRequest),
    )
    async def citizen_token(request: Request) -> TokenResponse:
        body = await _parse(request, CitizenTokenRequest)
        token, claims = await _service(request).citizen_token(
            body.nik, body.code, body.display_name, hall=body.hall
        )
        return _token_response(token, claims)

    @router.post(
        "/staff/token",
        response_model=TokenResponse,
        openapi_extra=_body_schema(StaffTokenRequest),
    )
    async def staff_token(request: Request) -> TokenResponse:
        limits = _limits(request)
        check_address_rate(
            request,
            "staff sign-in",
            limits.staff_signins_per_minute / 60,
            limits.staff_signin_burst,
        )
        body = await _parse(request, StaffTokenRequest)
        token, claims = await _service(request).officer_token(
            body.username, body.password, hall=body.hall
        )
        return _token_response(token, claims)

    @router.post(
        "/guest/token",
        response_model=TokenResponse,
        openapi_extra=_body_schema(GuestTokenRequest),
    )
    async def guest_token(request: Request) -> TokenResponse:
        body = await _parse(request, GuestTokenRequest)
        token, claims = _service(request).guest_token(body.display_name, body.role, hall=body.hall)
        return _token_response(token, claims)

    return router


def _limits(request: Request) -> Limits:
    """The server's limits (an app without settings, as in a test of these routes: the defaults)."""
    settings = getattr(request.app.state, "settings", None)
    return settings.limits if settings is not None else Limits()


def require_role(*roles: str) -> Callable[[Request], Awaitable[Claims]]:
    """Dependency: the caller's Claims, if their bearer token has one of ``roles``.

    No roles means any signed-in caller. Use as
    ``claims: Annotated[Claims, Depends(require_role("officer", "supervisor"))]``.
    Raises AuthError (unauthenticated, token_expired) or Forbidden.
    """
    unknown = set(roles) - ROLES
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    async def caller_claims(request: Request) -> Claims:
        header = request.headers.get("authorization")
        if not header:
            raise AuthError("sign in first: send 'Authorization: Bearer <token>'")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("the Authorization header must be 'Bearer <token>'")
        claims = _service(request).verify(token.strip())
        if roles and claims.role not in roles:
            raise Forbidden(f"a {claims.role} may not do this")
        return claims

    return caller_claims


def _service(request: Request) -> AuthService:
    auth = getattr(request.app.state, "auth", None)
    if not isinstance(auth, AuthService):
        raise HallError("sign-in is not available: app.state.auth is not set")
    return auth


async def _parse(request: Request, model: type[M]) -> M:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise InvalidInput(f"request body is larger than {MAX_BODY_BYTES} bytes", code="too_large")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        # Built from locations and messages only: the input may hold a NIK.
        errors = exc.errors(include_input=False, include_url=False, include_context=False)
        if any(e["type"] == "json_invalid" for e in errors):
            raise InvalidInput("request body is not valid JSON", code="bad_json") from None
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors
        )
        raise InvalidInput(problems, code="bad_request") from None


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def _token_response(token: str, claims: Claims) -> TokenResponse:
    return TokenResponse(token=token, role=claims.role, expires_at=claims.expires_at)
