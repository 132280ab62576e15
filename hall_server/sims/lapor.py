"""The simulated SP4N-LAPOR! (lapor.go.id): complaints forwarded by the hall.

The hall forwards a complaint as a submission of service ``PENGADUAN``
whose ``form`` holds the category, the text and the confidentiality
(``rahasia``, ``anonim``), never a reporter. Records follow LAPOR!'s stages
as the hall names them: ``received`` -> ``verified`` -> ``followed_up`` ->
``closed``. Same API shape as the civil-registry sim (``X-Api-Key``,
``POST /v1/applications``, ``GET /v1/applications/{reference}``, signed
callbacks). Run it with ``python -m hall_server.sims lapor``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from hall_server.sims.base import create_sim_app, iso
from hall_server.sims.config import SimConfig

SERVICES: Mapping[str, tuple[str, ...]] = {"PENGADUAN": ()}
#: Simulated hours each stage takes (LAPOR!: 3 working days to verify, 5 to follow up).
HOURS = {"verified": 24.0, "followed_up": 72.0, "closed": 240.0}


@dataclass(frozen=True)
class Lapor:
    """LAPOR!'s records and stages (no I/O)."""

    name: str = "lapor"
    api_key_header: str = "X-Api-Key"
    services: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: SERVICES)

    def reference(self, seq: int, now: float) -> str:
        return f"LPR-{datetime.fromtimestamp(now, UTC):%Y%m%d}-{seq:06d}"

    def accept(
        self,
        submission: dict[str, Any],
        *,
        reference: str,
        seq: int,
        now: float,
        rng: random.Random,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        form = submission["form"]
        record = {
            "reference": reference,
            "application_id": submission["application_id"],
            "tracking_code": submission["tracking_code"],
            "service": submission["service"],
            "category": form.get("category"),
            "rahasia": form.get("rahasia") == "true",
            "status": "received",
            "status_at": iso(now),
            "history": [{"status": "received", "at": iso(now)}],
        }
        plan = [
            {"after_h": HOURS[stage], "changes": {"status": stage}}
            for stage in ("verified", "followed_up", "closed")
        ]
        return record, plan

    def apply(
        self, record: dict[str, Any], changes: dict[str, Any], *, now: float
    ) -> dict[str, Any]:
        history = [*record["history"], {"status": changes["status"], "at": iso(now)}]
        return record | changes | {"status_at": iso(now), "history": history}


def create_app(config: SimConfig) -> FastAPI:
    """The LAPOR! sim's app."""
    return create_sim_app(config, Lapor())
