"""The SKM survey over HTTP: answer with a one-time token; the IKM, public, as JSON and CSV.

``POST /api/v1/survey/responses`` takes ``{token, answers}`` and no sign-in:
the token (hall_server/survey_tokens.py) says what is rated; the stored row
says the same and nothing else (no session, no account, the month only). The
token's once-only digest goes to a table of its own, with no time and no link
to the answers. Nothing of a response is logged.

``GET /api/v1/halls/{hall_id}/ikm`` (and ``ikm.csv``) is public, as the
regulation wants the results published: the IKM of the hall, per service,
per counter, bot versus officer and per month, with respondents against the
Krejcie-Morgan sample for the period's transactions. Groups smaller than
``HALL_SURVEY_MIN_GROUP`` show their count only, to everyone, supervisors
included. docs/protocol.md section 16.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from counters.floor import SURVEYED_OUTCOMES
from counters.skm import ELEMENTS, report, validate_answers
from counters.skm import Response as SkmResponse
from hall_server.db.models import (
    CounterSessionRow,
    SurveyResponseRow,
    SurveyUsedRow,
    TicketRow,
)
from hall_server.errors import Conflict, InvalidInput, NotFound
from hall_server.localtime import hall_zone
from hall_server.trust_setup import Trust

#: A year from 2000 to 2099, or a month of one: the hall's own years (and no year
#: whose bounds overflow datetime once moved to UTC).
_PERIOD = re.compile(r"^20\d{2}(-(0[1-9]|1[0-2]))?$")

PeriodParam = Annotated[
    str | None,
    Query(
        description="YYYY (a year, 2000-2099) or YYYY-MM (a month), in HALL_TIMEZONE; "
        "default: this year"
    ),
]


class SurveyAnswer(BaseModel):
    token: str = Field(max_length=1000, description="The survey_token of session_ended")
    answers: dict[str, int | None] = Field(description='{"U1": 1..4, ..., "U9": 1..4}')


def _trust(request: Request) -> Trust:
    trust: Trust = request.app.state.trust
    return trust


def survey_router() -> APIRouter:
    router = APIRouter(tags=["survey"])

    @router.post("/api/v1/survey/responses", status_code=201)
    async def answer(request: Request, body: SurveyAnswer) -> dict[str, bool]:
        """Answer the SKM survey of a finished transaction, once, with its token (no sign-in)."""
        offer = _trust(request).tokens.check(body.token, time.time())
        answers = validate_answers(body.answers)
        sessions = request.app.state.sessions
        try:
            async with sessions.begin() as db:
                db.add(SurveyUsedRow(digest=offer.once))
                await db.flush()
                db.add(
                    SurveyResponseRow(
                        id=secrets.token_hex(16),
                        hall_id=offer.hall_id,
                        service=offer.service,
                        counter_id=offer.counter_id,
                        served_by=offer.served_by,
                        period=offer.period,
                        answers=answers,
                    )
                )
        except IntegrityError:
            raise Conflict(
                "this transaction's survey was answered already", code="survey_answered"
            ) from None
        return {"recorded": True}

    @router.get("/api/v1/halls/{hall_id}/ikm")
    async def ikm(request: Request, hall_id: str, period: PeriodParam = None) -> dict[str, Any]:
        """The hall's IKM for a year or a month (public)."""
        return await _ikm(request, hall_id, period)

    @router.get(
        "/api/v1/halls/{hall_id}/ikm.csv",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}}}},
    )
    async def ikm_csv(request: Request, hall_id: str, period: PeriodParam = None) -> Response:
        """The IKM as CSV (public): one row per group, with every element's NRR."""
        figures = await _ikm(request, hall_id, period)
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(csv_rows(figures))
        name = f"ikm-{hall_id}-{figures['period']}.csv"
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return router


def _check_hall(request: Request, hall_id: str) -> None:
    if hall_id not in request.app.state.specs:
        raise NotFound("no hall with this id", code="unknown_hall")


def _period_bounds(period: str, request: Request) -> tuple[datetime, datetime]:
    zone = hall_zone(request.app.state.settings)
    year = int(period[:4])
    if len(period) == 4:
        start, end = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
    else:
        month = int(period[5:])
        start = datetime(year, month, 1, tzinfo=zone)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


async def _ikm(request: Request, hall_id: str, period: str | None) -> dict[str, Any]:
    _check_hall(request, hall_id)
    settings = request.app.state.settings
    if period is None:
        period = datetime.now(UTC).astimezone(hall_zone(settings)).strftime("%Y")
    if not _PERIOD.match(period):
        raise InvalidInput("period must be YYYY or YYYY-MM, from 2000 to 2099", code="bad_value")
    start, end = _period_bounds(period, request)
    async with request.app.state.sessions() as db:
        rows = (
            await db.scalars(
                select(SurveyResponseRow).where(
                    SurveyResponseRow.hall_id == hall_id,
                    SurveyResponseRow.period.startswith(period, autoescape=True),
                )
            )
        ).all()
        counted = (
            await db.execute(
                select(TicketRow.service, func.count())
                .select_from(CounterSessionRow)
                .join(TicketRow, TicketRow.id == CounterSessionRow.ticket_id)
                .where(
                    CounterSessionRow.hall_id == hall_id,
                    CounterSessionRow.outcome.in_(sorted(SURVEYED_OUTCOMES)),
                    CounterSessionRow.ended_at >= start,
                    CounterSessionRow.ended_at < end,
                )
                .group_by(TicketRow.service)
            )
        ).all()
    responses = [
        SkmResponse(r.service, r.counter_id, r.served_by, r.period, dict(r.answers)) for r in rows
    ]
    transactions = {str(service): int(n) for service, n in counted}
    return {
        "hall": hall_id,
        "period": period,
        "min_group": settings.survey_min_group,
        **report(responses, transactions, min_group=settings.survey_min_group),
    }


def csv_rows(figures: dict[str, Any]) -> list[list[str]]:
    """Header, then one row per group: the hall, each service, counter, bot/officer, month."""
    header = ["period", "group", "key", "respondents", "ikm", "grade", *ELEMENTS]
    header += ["transactions", "sample_needed"]
    rows = [header]

    def row(group: str, key: str, entry: dict[str, Any]) -> list[str]:
        nrr = entry.get("nrr", {})
        sample = entry.get("sample", {})
        return [
            figures["period"],
            group,
            key,
            str(entry["respondents"]),
            entry["ikm"] or "",
            entry["grade"] or "",
            *(f"{nrr[e]:.3f}" if e in nrr else "" for e in ELEMENTS),
            str(sample.get("transactions", "")),
            str(sample.get("needed", "")),
        ]

    rows.append(row("hall", figures["hall"], figures["overall"]))
    for entry in figures["by_service"]:
        rows.append(row("service", entry["service"], entry))
    for entry in figures["by_counter"]:
        rows.append(row("counter", entry["counter_id"], entry))
    for entry in figures["by_served_by"]:
        rows.append(row("served_by", entry["served_by"], entry))
    for entry in figures["by_period"]:
        rows.append(row("month", entry["period"], entry))
    return rows
