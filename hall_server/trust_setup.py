"""The survey's tokens and the complaints' clock, assembled from the settings at start-up.

The working-day calendar is Indonesia's national holidays from the
``holidays`` package (the lunar and Islamic ones move every year, so no
hand-kept table) plus the city's cuti bersama days (``HALL_EXTRA_HOLIDAYS``),
for the years around today. A sweep closes followed-up complaints whose
reporter stayed silent past the closing day (counters/complaints.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import holidays
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.complaints import ComplaintRules
from counters.workdays import WorkCalendar
from hall_server.complaint_store import ComplaintStore
from hall_server.localtime import hall_zone, utc_offset_s
from hall_server.settings import Settings
from hall_server.survey_tokens import SurveyTokens

log = logging.getLogger(__name__)


def work_calendar(settings: Settings, *, year: int) -> WorkCalendar:
    """Weekends, Indonesia's national holidays from ``year - 1`` to ``year + 2``, and
    ``HALL_EXTRA_HOLIDAYS``."""
    national = holidays.country_holidays("ID", years=range(year - 1, year + 3))
    return WorkCalendar.of([*national.keys(), *settings.extra_holiday_dates])


def complaint_rules(settings: Settings, *, now: float) -> ComplaintRules:
    zone = hall_zone(settings)
    year = datetime.fromtimestamp(now, UTC).astimezone(zone).year
    return ComplaintRules(
        verify_days=settings.complaint_verify_days,
        follow_up_days=settings.complaint_follow_up_days,
        close_after_days=settings.complaint_close_after_days,
        calendar=work_calendar(settings, year=year),
        utc_offset_s=utc_offset_s(zone),
    )


@dataclass
class Trust:
    """What the survey and complaint routes need (``app.state.trust``)."""

    tokens: SurveyTokens
    rules: ComplaintRules
    complaints: ComplaintStore
    sweep: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        if self.sweep is not None:
            self.sweep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.sweep


def start_trust(
    settings: Settings, secret: bytes, sessions: async_sessionmaker[AsyncSession]
) -> Trust:
    now = time.time()
    trust = Trust(
        tokens=SurveyTokens(secret, hall_zone(settings), settings.survey_token_ttl_s),
        rules=complaint_rules(settings, now=now),
        complaints=ComplaintStore(sessions),
    )

    async def sweep() -> None:
        while True:
            try:
                closed = await trust.complaints.close_silent(trust.rules, time.time())
                if closed:
                    log.info(
                        "complaints closed after the reporter's silence", extra={"count": closed}
                    )
            except Exception:
                log.exception("complaint sweep failed; trying again later")
            await asyncio.sleep(settings.complaint_sweep_s)

    trust.sweep = asyncio.create_task(sweep(), name="complaints:sweep")
    return trust
