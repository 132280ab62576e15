"""HTTP read access to the service catalogue: what each service needs, costs and gives.

Mount with ``app.include_router(services_router())``; the routes read the
:class:`~counters.catalogue.Catalogue` in ``app.state.catalogue`` (set by the
lifespan) and raise HallError subclasses for the app's handler to translate.
Every text comes in one language, ``?lang=id`` (the default) or ``?lang=en``.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from counters.catalogue import Catalogue, Lang
from hall_server.errors import Unavailable


class RequirementOut(BaseModel):
    id: str
    text: str
    accepts: list[str] = Field(description="Document ids any one of which satisfies it")
    conditional: bool = Field(description="Needed only in the case the text names")
    variants: list[str] = Field(description="Variants it applies to; empty: all")


class CompletionOut(BaseModel):
    text: str
    max_working_days: int | None = Field(
        description="Published limit in working days (0: same day); null when not confirmed"
    )


class FeeOut(BaseModel):
    kind: Literal["free", "fixed", "levy"]
    amount_idr: int | None = Field(description="0 when free; null for a levy set by formula")
    text: str = Field(description="What is paid and why, or the levy's formula")


class StandarPelayananOut(BaseModel):
    """The six public components of the service standard (PermenPAN-RB 15/2014)."""

    requirements: list[RequirementOut]
    steps: list[str]
    completion: CompletionOut
    fee: FeeOut
    product: str
    complaints: str


class OptionOut(BaseModel):
    value: str
    label: str


class FormFieldOut(BaseModel):
    name: str
    type: Literal[
        "text", "nik", "date", "phone", "email", "select", "number", "boolean", "document"
    ]
    label: str
    help: str | None = None
    required: bool
    variants: list[str] = Field(description="Variants that ask for it; empty: all")
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_hint: str | None = None
    min: float | None = None
    max: float | None = None
    integer: bool | None = None
    min_date: str | None = Field(default=None, description="ISO date or today[+-]N(d|y)")
    max_date: str | None = Field(default=None, description="ISO date or today[+-]N(d|y)")
    options: list[OptionOut] | None = None
    must_be_true: bool | None = None


class VariantOut(BaseModel):
    code: str
    name: str
    bot: Literal["complete", "file", "officer"]


class ServiceOut(BaseModel):
    code: str = Field(description="Service code, as counters of a scene list it")
    group: str = Field(description="Ticket letter of the service's queue")
    agency: Literal["dukcapil", "dpmptsp"]
    civil_registry: bool = Field(description="A population document: free by law")
    name: str
    summary: str
    variants: list[VariantOut]
    standar: StandarPelayananOut
    fields: list[FormFieldOut]
    counters: list[str] = Field(description="Counter ids of the demo hall that serve it")
    bot: Literal["complete", "file", "officer"] = Field(
        description="complete: a bot may serve it to the end; file: a bot files, an officer "
        "decides; officer: an officer serves it"
    )
    avg_service_min: float


class ServiceListOut(BaseModel):
    lang: Literal["id", "en"]
    services: list[ServiceOut]


LangQuery = Query(default="id", description="Language of every text: id (default) or en")


def services_router() -> APIRouter:
    """The catalogue routes: ``GET /api/v1/services`` and ``GET /api/v1/services/{code}``."""
    router = APIRouter(prefix="/api/v1/services", tags=["services"])

    @router.get("", response_model=ServiceListOut)
    async def list_services(request: Request, lang: Lang = LangQuery) -> ServiceListOut:
        """Every service with its Standar Pelayanan, form and counters."""
        services = [ServiceOut.model_validate(s) for s in _catalogue(request).to_json(lang)]
        return ServiceListOut(lang=lang, services=services)

    @router.get(
        "/{code}",
        response_model=ServiceOut,
        responses={404: {"description": "unknown_service: no service has this code"}},
    )
    async def get_service(request: Request, code: str, lang: Lang = LangQuery) -> ServiceOut:
        """One service; 404 ``unknown_service`` if the code is not in the catalogue."""
        return ServiceOut.model_validate(_catalogue(request).service(code).to_json(lang))

    return router


def _catalogue(request: Request) -> Catalogue:
    catalogue = getattr(request.app.state, "catalogue", None)
    if not isinstance(catalogue, Catalogue):
        raise Unavailable("the service catalogue is not loaded")
    return catalogue
