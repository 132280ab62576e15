"""The simulated civil registry (Dukcapil): identity checks and document applications.

Identity verification (``POST /v1/identity/verify``) answers element by
element, as Dukcapil's data-access service does: for each of NIK, full name,
birth date and birth place, "match" or "no_match" against a threshold (names
and places compared case- and punctuation-insensitively with difflib's ratio),
and never returns the record itself. The population is a handful of clearly
fictional people (names with "Contoh", serials 99xx) seeded into the sim's
own database.

Document applications (KTP-EL, KK, AKTA-LAHIR, AKTA-MATI, PINDAH-DATANG) go
``received`` -> ``verifying`` -> ``approved`` (with a document number) ->
``printed``, or ``received`` -> ``verifying`` -> ``rejected`` (with a reason).
Run it with ``python -m hall_server.sims civil-registry``.
"""

from __future__ import annotations

import difflib
import random
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from stdnum.exceptions import ValidationError
from stdnum.id import nik as stdnum_nik

from hall_server.errors import InvalidInput, InvalidNik
from hall_server.sims.base import Sim, create_sim_app, iso, json_body
from hall_server.sims.config import SimConfig
from hall_server.sims.store import SimStore

#: Similarity (difflib ratio, 0..1) at or above which a name or place matches.
MATCH_THRESHOLD = 0.85

#: Fictional people: NIK (valid by stdnum.id.nik, Kota Kendari 7471, serial 99xx),
#: full name, birth date, birth place. Women have 40 added to the NIK's day.
POPULATION: tuple[tuple[str, str, str, str], ...] = (
    ("7471011708459901", "Budi Contoh Santoso", "1945-08-17", "Kendari"),
    ("7471015203909902", "Siti Contoh Rahayu", "1990-03-12", "Makassar"),
    ("7471020101999903", "Andi Contoh Pratama", "1999-01-01", "Kendari"),
    ("7471034512859904", "Wa Ode Contoh Nurhayati", "1985-12-05", "Baubau"),
    ("7471041506709905", "La Ode Contoh Hamid", "1970-06-15", "Raha"),
    ("7471054107559906", "Dewi Contoh Lestari", "1955-07-01", "Kolaka"),
    ("7371012009959907", "Ahmad Contoh Fauzi", "1995-09-20", "Makassar"),
    ("7371016802889908", "Nur Contoh Aisyah", "1988-02-28", "Parepare"),
)

SERVICES: Mapping[str, tuple[str, ...]] = {
    "KTP-EL": ("BARU", "HILANG", "RUSAK", "PERUBAHAN"),
    "KK": ("BARU", "PERUBAHAN"),
    "AKTA-LAHIR": (),
    "AKTA-MATI": (),
    "PINDAH-DATANG": ("PINDAH", "DATANG"),
}

#: Document number code per service: the middle part of ``7471-LU-05062025-0001``.
DOCUMENT_CODES: Mapping[str, str] = {
    "KTP-EL": "KTP",
    "KK": "KK",
    "AKTA-LAHIR": "LU",
    "AKTA-MATI": "KM",
    "PINDAH-DATANG": "PDWNI",
}

#: Hours (simulated) each status lasts before the next.
HOURS = {"verifying": 1.0, "decided": 4.0, "printed": 2.0}

#: Rejection reason when the form's NIK does not validate.
REASON_INVALID_NIK = "NIK pada formulir tidak valid"
#: Rejection reason of a random or requested rejection.
REASON_MISMATCH = "Data tidak sesuai dengan database kependudukan"

_POPULATION_SCHEMA = """
CREATE TABLE IF NOT EXISTS population (
    nik TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    birth_place TEXT NOT NULL
);
"""


# The pure part ---------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Case-, accent-, punctuation- and spacing-insensitive form of a name or place."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", plain.casefold()).split())


def similar(a: str, b: str, threshold: float = MATCH_THRESHOLD) -> bool:
    return difflib.SequenceMatcher(None, normalise(a), normalise(b)).ratio() >= threshold


def verify_identity(
    claim: Mapping[str, str], record: tuple[str, str, str, str] | None
) -> dict[str, str]:
    """Per field "match"/"no_match" of a claim against a record (None: unknown NIK)."""
    if record is None:
        return {f: "no_match" for f in ("nik", "full_name", "birth_date", "birth_place")}
    _, name, born, place = record
    answer = {
        "nik": True,
        "full_name": similar(claim["full_name"], name),
        "birth_date": claim["birth_date"] == born,
        "birth_place": similar(claim["birth_place"], place),
    }
    return {f: "match" if ok else "no_match" for f, ok in answer.items()}


def check_claim(body: Any) -> dict[str, str]:
    """The four fields of a verification request; InvalidInput/InvalidNik naming the field."""
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", code="bad_type")
    for name in ("nik", "full_name", "birth_date", "birth_place"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            raise InvalidInput(f"{name} must be a non-empty string", code="bad_value")
    try:
        nik = stdnum_nik.validate(body["nik"])
    except ValidationError as exc:
        raise InvalidNik(f"nik is not a valid NIK: {exc}") from None
    try:
        date.fromisoformat(body["birth_date"])
    except ValueError:
        raise InvalidInput("birth_date must be a date YYYY-MM-DD", code="bad_value") from None
    return {
        "nik": str(nik),
        "full_name": body["full_name"],
        "birth_date": body["birth_date"],
        "birth_place": body["birth_place"],
    }


@dataclass(frozen=True)
class CivilRegistry:
    """The civil registry's records and status steps (no I/O)."""

    reject_rate: float = 0.0
    name: str = "civil-registry"
    api_key_header: str = "X-Api-Key"
    services: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: SERVICES)

    def reference(self, seq: int, now: float) -> str:
        return f"DKC-{datetime.fromtimestamp(now, UTC):%Y%m%d}-{seq:06d}"

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
        reason = self._rejection(form, rng)
        record = {
            "reference": reference,
            "application_id": submission["application_id"],
            "tracking_code": submission["tracking_code"],
            "service": submission["service"],
            "variant": submission["variant"],
            "status": "received",
            "status_at": iso(now),
            "document_number": None,
            "reason": None,
            "history": [{"status": "received", "at": iso(now)}],
        }
        decided: dict[str, Any]
        if reason is None:
            code = DOCUMENT_CODES[submission["service"]]
            number = f"7471-{code}-{datetime.fromtimestamp(now, UTC):%d%m%Y}-{seq:04d}"
            decided = {"status": "approved", "document_number": number}
        else:
            decided = {"status": "rejected", "reason": reason}
        plan = [
            {"after_h": HOURS["verifying"], "changes": {"status": "verifying"}},
            {"after_h": HOURS["decided"], "changes": decided},
        ]
        if reason is None:
            plan.append({"after_h": HOURS["printed"], "changes": {"status": "printed"}})
        return record, plan

    def _rejection(self, form: Mapping[str, Any], rng: random.Random) -> str | None:
        # Always draw, so a form's hint does not shift the outcomes of later applications.
        unlucky = rng.random() < self.reject_rate
        nik = form.get("nik")
        if nik is not None and not (isinstance(nik, str) and stdnum_nik.is_valid(nik)):
            return REASON_INVALID_NIK
        hint = form.get("sim_outcome")
        if hint == "rejected":
            return REASON_MISMATCH
        if hint == "approved":
            return None
        return REASON_MISMATCH if unlucky else None

    def apply(
        self, record: dict[str, Any], changes: dict[str, Any], *, now: float
    ) -> dict[str, Any]:
        history = [*record["history"], {"status": changes["status"], "at": iso(now)}]
        return record | changes | {"status_at": iso(now), "history": history}


# The I/O part ----------------------------------------------------------------------------


def seed_population(store: SimStore) -> None:
    """Create the population table and add the fictional people (idempotent)."""
    store.execute_script(_POPULATION_SCHEMA)
    for row in POPULATION:
        store.execute("INSERT OR IGNORE INTO population VALUES (?, ?, ?, ?)", row)


def _routes(app: FastAPI, sim: Callable[[], Sim]) -> None:
    @app.post("/v1/identity/verify")
    async def verify(request: Request) -> Response:
        async def handler() -> Response:
            claim = check_claim(await json_body(request))
            rows = sim().store.query("SELECT * FROM population WHERE nik = ?", (claim["nik"],))
            record = (
                (
                    rows[0]["nik"],
                    rows[0]["full_name"],
                    rows[0]["birth_date"],
                    rows[0]["birth_place"],
                )
                if rows
                else None
            )
            answer = verify_identity(claim, record)
            return JSONResponse({**answer, "threshold": MATCH_THRESHOLD})

        return await sim().guarded(request, handler)


def create_app(config: SimConfig) -> FastAPI:
    """The civil-registry sim's app."""
    return create_sim_app(
        config,
        CivilRegistry(reject_rate=config.reject_rate),
        on_start=seed_population,
        routes=_routes,
    )
