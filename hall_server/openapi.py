"""The OpenAPI description says what the server really answers.

FastAPI declares a ``422 HTTPValidationError`` for every route with a
parameter, while this server answers every error as :class:`ErrorBody`
(``{"error": {"code", "message"}}``, hall_server/app.py's handlers) and
parses some bodies itself (sign-in, lookup: FastAPI's validation would echo
a NIK). :func:`describe_errors` rewrites the generated description: every
documented error status of each operation (:data:`ERRORS`) with the
:class:`ErrorBody` schema, and no ``HTTPValidationError`` anywhere. A 422
stays only where FastAPI's own validation of a query or body can fail (the
server then answers 422 ``bad_request`` as an :class:`ErrorBody`).
tests/e2e/test_openapi.py keeps :data:`ERRORS` and the routes in step.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from hall_server.errors_api import ErrorTextOut

_REF = "#/components/schemas/{model}"


class ErrorDetail(BaseModel):
    code: str = Field(description="A documented error code (docs/protocol.md, section 8)")
    message: str = Field(
        description="What went wrong, in English for developers; never echoes the input"
    )
    text: ErrorTextOut = Field(
        description="What went wrong and what to do, for a person (GET /api/v1/errors lists all)"
    )


class ErrorBody(BaseModel):
    """Every error answer of the REST API."""

    error: ErrorDetail


class Readiness(BaseModel):
    ready: bool
    problems: list[str] = Field(description='What is not ready: "database", "hall:<id>"')


_AUTH = {
    401: "`unauthenticated` or `token_expired`: no valid bearer token",
    403: "`forbidden`: the token's role may not do this",
}
_BAD_BODY = {400: "`bad_json`, `too_large` or `bad_request`: the body is not a valid request"}
_VALIDATION = "`bad_request`: a field or query parameter is invalid (the message names it)"
_NO_HALL = {404: "`unknown_hall`: no hall with this id"}
_NO_COUNTERS = {404: "`unknown_hall`: no hall with counters with this id"}
_NO_COUNTER = {404: "`unknown_hall` or `unknown_counter`: no such hall or counter"}

#: The error statuses of each operation, (METHOD, path) -> status -> description.
ERRORS: dict[tuple[str, str], dict[int, str]] = {
    ("POST", "/api/v1/auth/citizen/code"): {
        **_BAD_BODY,
        422: "`invalid_nik`: the NIK is not valid (the message says why)",
        429: "`rate_limited`: too many codes asked for this NIK, or from this address; "
        "wait a few minutes (`Retry-After`)",
    },
    ("POST", "/api/v1/auth/citizen/token"): {
        **_BAD_BODY,
        401: "`bad_code`: the code is wrong, used or expired",
        403: "`forbidden`: this account is disabled",
        422: "`invalid_nik`: the NIK is not valid",
        429: "`rate_limited`: too many wrong codes; ask for a new code",
    },
    ("POST", "/api/v1/auth/staff/token"): {
        **_BAD_BODY,
        401: "`bad_credentials`: wrong username or password",
        403: "`forbidden`: this account is disabled",
        429: "`rate_limited`: too many sign-ins from this address; wait `Retry-After` seconds",
    },
    ("POST", "/api/v1/auth/guest/token"): {
        400: "`bad_json`, `too_large`, `bad_request` or `bad_value`: not a valid request",
    },
    ("GET", "/api/v1/services"): {
        422: _VALIDATION,
        503: "`unavailable`: the catalogue is not loaded",
    },
    ("GET", "/api/v1/services/{code}"): {
        404: "`unknown_service`: no service has this code",
        422: _VALIDATION,
        503: "`unavailable`: the catalogue is not loaded",
    },
    ("POST", "/api/v1/applications/lookup"): {
        404: "`not_found`: no application matches this tracking code and NIK (also for a "
        "body that is not a valid lookup: the answer reveals nothing)",
    },
    ("GET", "/api/v1/halls/{hall_id}/dead-letters"): {**_AUTH},
    ("POST", "/api/v1/applications/{application_id}/retry"): {
        **_AUTH,
        404: "`unknown_application`: no handed-off application with this id",
        409: "`not_dead`: the application is not a dead letter",
    },
    ("GET", "/healthz"): {},
    ("GET", "/api/v1/errors"): {},
    ("GET", "/readyz"): {},
    ("GET", "/api/v1/halls"): {},
    ("GET", "/api/v1/halls/{hall_id}"): {**_NO_HALL},
    ("GET", "/api/v1/halls/{hall_id}/scene"): {**_NO_HALL},
    ("GET", "/api/v1/halls/{hall_id}/stats"): {**_AUTH, **_NO_HALL, 422: _VALIDATION},
    ("GET", "/api/v1/halls/{hall_id}/board"): {
        404: "`unknown_hall`: no hall with counters with this id",
    },
    ("POST", "/api/v1/halls/{hall_id}/announcements"): {**_AUTH, **_NO_HALL, 422: _VALIDATION},
    # The supervisors' figures and staffing (hall_server/kpi_api.py).
    ("GET", "/api/v1/halls/{hall_id}/kpi"): {**_AUTH, **_NO_COUNTERS, 422: _VALIDATION},
    ("GET", "/api/v1/halls/{hall_id}/kpi.csv"): {**_AUTH, **_NO_COUNTERS, 422: _VALIDATION},
    ("POST", "/api/v1/halls/{hall_id}/counters/{counter_id}/open"): {**_AUTH, **_NO_COUNTER},
    ("POST", "/api/v1/halls/{hall_id}/counters/{counter_id}/close"): {
        **_AUTH,
        **_NO_COUNTER,
        409: "`counter_busy`: the counter holds a ticket; finish, park or transfer it first",
    },
    ("PUT", "/api/v1/halls/{hall_id}/bot-staffing"): {
        **_AUTH,
        **_NO_COUNTERS,
        422: _VALIDATION,
    },
    ("PUT", "/api/v1/counter-sessions/{session_id}/documents/{requirement}"): {
        400: "`bad_value`: not a requirement of the session's service",
        401: _AUTH[401],
        403: "`forbidden` (staff may not upload) or `sign_in_required` (a guest may not file)",
        404: "`unknown_session`: no open counter session of yours with this id",
        413: "`too_large`: the file is larger than `HALL_DOCUMENT_MAX_BYTES`",
        415: "`unsupported_document`: not a JPEG, PNG, WebP or PDF (checked by content)",
        429: "`too_many_documents`: the session holds the most documents it takes",
    },
    ("GET", "/api/v1/halls/{hall_id}/path"): {
        400: "`bad_value` or `out_of_range`: a coordinate is not finite or outside the hall",
        404: "`unknown_hall`: no hall with this id; `no_path`: no walkable path joins the points",
        422: _VALIDATION,
        429: "`rate_limited`: too many paths from this address; wait `Retry-After` seconds",
    },
    ("GET", "/api/v1/documents/{document_id}"): {
        401: _AUTH[401],
        404: "`unknown_document`: no such document, or not one you may see",
    },  # Broker and pungli signals, for supervisors (hall_server/signals_api.py).
    ("GET", "/api/v1/halls/{hall_id}/signals"): {**_AUTH, **_NO_COUNTERS, 422: _VALIDATION},
    ("POST", "/api/v1/halls/{hall_id}/signals/{flag_id}/review"): {
        **_AUTH,
        **_BAD_BODY,
        404: "`unknown_hall` or `unknown_flag`: no such hall, or no such flag in it",
        409: "`flag_reviewed`: the flag was reviewed already",
        422: _VALIDATION,
    },
    ("POST", "/api/v1/halls/{hall_id}/signals/{flag_id}/resolve"): {
        **_AUTH,
        404: "`unknown_hall` or `unknown_flag`: no such hall, or no such flag in it",
        422: _VALIDATION,
    },
    ("GET", "/api/v1/audit/checkpoint"): {503: "`audit_no_checkpoint`: no checkpoint signed yet"},
    ("GET", "/api/v1/audit/key"): {},
    ("GET", "/api/v1/audit/proof/inclusion"): {
        400: "`audit_bad_size`: the size is beyond the tree, or the row beyond the size",
        404: "`audit_row_unsealed`: no such row, or not sealed yet",
        422: _VALIDATION,
    },
    ("GET", "/api/v1/audit/proof/consistency"): {
        400: "`audit_bad_size`: a size beyond the tree, or first > second",
        422: _VALIDATION,
    },
    ("GET", "/api/v1/audit/leaf"): {
        **_AUTH,
        404: "`audit_row_unsealed`: no such row",
        422: _VALIDATION,
    },
}

# The SKM survey, the IKM and complaints (hall_server/survey_api.py, complaints_api.py).
_NO_COMPLAINT = {404: "`unknown_complaint`: no complaint with this tracking code or id"}
_STAGE = {409: "`complaint_stage`: the complaint's stage does not allow this"}
ERRORS.update(
    {
        ("POST", "/api/v1/survey/responses"): {
            400: "`bad_survey_token` (not issued here, or expired) or `bad_value` (an answer)",
            409: "`survey_answered`: this transaction's survey was answered already",
            422: _VALIDATION,
        },
        ("GET", "/api/v1/halls/{hall_id}/ikm"): {
            400: "`bad_value`: period is not YYYY or YYYY-MM",
            **_NO_HALL,
            422: _VALIDATION,
        },
        ("GET", "/api/v1/halls/{hall_id}/ikm.csv"): {
            400: "`bad_value`: period is not YYYY or YYYY-MM",
            **_NO_HALL,
            422: _VALIDATION,
        },
        ("POST", "/api/v1/halls/{hall_id}/complaints"): {
            400: "`unknown_category` or `bad_value` (text length, unknown service)",
            401: "`unauthenticated` or `token_expired`: a token was sent and is not valid",
            **_NO_HALL,
            422: _VALIDATION,
            429: "`rate_limited`: too many complaints from this address; see `Retry-After`",
        },
        ("PUT", "/api/v1/complaints/{tracking_code}/photo"): {
            **_NO_COMPLAINT,
            409: "`complaint_stage`: a photo is taken once, before verification",
            413: "`too_large`: the photo is larger than `HALL_COMPLAINT_PHOTO_MAX_BYTES`",
            415: "`unsupported_document`: not a JPEG, PNG or WebP photo (checked by content)",
        },
        ("GET", "/api/v1/complaints/{tracking_code}"): {**_NO_COMPLAINT},
        ("POST", "/api/v1/complaints/{tracking_code}/replies"): {
            400: "`bad_value`: the text is empty or too long",
            **_NO_COMPLAINT,
            **_STAGE,
            422: _VALIDATION,
        },
        ("GET", "/api/v1/halls/{hall_id}/complaints/public"): {**_NO_HALL},
        ("GET", "/api/v1/halls/{hall_id}/complaints"): {
            400: "`bad_value`: not a stage",
            **_AUTH,
            **_NO_HALL,
            422: _VALIDATION,
        },
        ("POST", "/api/v1/halls/{hall_id}/complaints/{complaint_id}/actions"): {
            400: "`bad_value`: not an action, or a required note is missing",
            **_AUTH,
            404: "`unknown_hall` or `unknown_complaint`",
            **_STAGE,
            422: _VALIDATION,
        },
        ("POST", "/api/v1/halls/{hall_id}/complaints/{complaint_id}/forward"): {
            **_AUTH,
            404: "`unknown_hall` or `unknown_complaint`",
            409: "`already_forwarded`: forwarded already, or closed",
            503: "`lapor_unavailable`: no SP4N-LAPOR! is configured for this hall",
        },
        ("GET", "/api/v1/halls/{hall_id}/complaints/{complaint_id}/photo"): {
            **_AUTH,
            404: "`unknown_hall` or `unknown_complaint`: no such complaint or no photo",
        },
    }
)

#: Answers that are not an ErrorBody: (METHOD, path) -> status -> (description, model).
OTHER_BODIES: dict[tuple[str, str], dict[int, tuple[str, type[BaseModel]]]] = {
    ("GET", "/readyz"): {
        200: ("Ready", Readiness),
        503: ("Not ready: the problems are listed", Readiness),
    },
}


def _schemas(*models: type[BaseModel]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template=_REF)
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=model.__name__)}}}


#: What hall_server/request_guard.py and the catch-all handler answer for any operation.
_NUL = "`bad_value`: a NUL character in the path, the query or the body"
_BODY = "`too_large`: the body is larger than `HALL_LIMIT_MAX_BODY_BYTES`"
_INTERNAL = "`internal`: the server failed (a defect: it was logged)"


def _with_guard(key: tuple[str, str], errors: dict[int, str]) -> dict[int, str]:
    out = dict(errors)
    out[400] = f"{out[400]}; or {_NUL}" if 400 in out else _NUL
    if key[0] in ("POST", "PUT", "PATCH") and 413 not in out:
        out[413] = _BODY
    out.setdefault(500, _INTERNAL)
    return out


def describe_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a FastAPI-generated OpenAPI ``schema`` in place (and return it)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(_schemas(ErrorBody, Readiness))
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            key = (method.upper(), path)
            responses: dict[str, Any] = operation.setdefault("responses", {})
            responses.pop("422", None)  # FastAPI's HTTPValidationError: never answered
            for status, description in sorted(_with_guard(key, ERRORS.get(key, {})).items()):
                responses[str(status)] = {"description": description, "content": _json(ErrorBody)}
            for status, (description, model) in OTHER_BODIES.get(key, {}).items():
                responses[str(status)] = {"description": description, "content": _json(model)}
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema
