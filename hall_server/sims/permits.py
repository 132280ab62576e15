"""The simulated permit service (OSS-RBA / DPMPTSP): NIB, PBG and REKLAME applications.

Records and callbacks use the field names of the public OSS host-to-host
guide: ``id_permohonan`` (the back office's reference), ``kd_izin``, ``nib``,
``id_izin``, ``kd_status``, ``nm_status``, ``tgl_status``, ``keterangan``.
Callers authenticate with a ``user_key`` header.

Status codes (docs/backoffice-sims.md has the table; wording ours):

- 09 received, awaiting the document-completeness check; 10 documents
  incomplete, returned for correction; 11 documents complete;
- 20 validation;
- 41 SLA clock stopped (waiting for the applicant's correction), 42 resumed;
  43 stopped for a field inspection, 44 resumed;
- 45 verified by the technical agency;
- 50 approved (NIB or permit issued);
- 57 approved by default: the SLA lapsed without a decision (fiktif-positif, PP 28/2025);
- 90 rejected at the completeness check; 93 rejected by the technical agency.

Paths: NIB (issued by the system, low risk) 09 -> 11 -> 20 -> 50.
PBG and REKLAME 09 -> 11 -> 20 -> 45 -> 50, sometimes with a correction
(09 -> 10 -> 41 -> 11 -> 42 -> ...), a field inspection (... 20 -> 43 -> 44 -> 45 ...)
or an SLA lapse (... 20 -> 57). Rejections: 09 -> 90 (NIB) or ... 20 -> 93.
A form may ask for a path with ``sim_outcome``: "approved", "rejected",
"correction", "inspection" or "fiktif_positif".
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from hall_server.sims.base import create_sim_app
from hall_server.sims.config import SimConfig

SERVICES: Mapping[str, tuple[str, ...]] = {"NIB": (), "PBG": (), "REKLAME": ()}

#: kd_status -> nm_status (Bahasa Indonesia, as the back office would say it).
STATUS_NAMES: Mapping[str, str] = {
    "09": "Permohonan diterima, menunggu pemeriksaan kelengkapan dokumen",
    "10": "Dokumen belum lengkap, dikembalikan untuk perbaikan",
    "11": "Dokumen lengkap",
    "20": "Validasi",
    "41": "SLA dihentikan sementara: menunggu perbaikan pemohon",
    "42": "SLA dilanjutkan",
    "43": "SLA dihentikan sementara: pemeriksaan lapangan",
    "44": "SLA dilanjutkan",
    "45": "Terverifikasi oleh instansi teknis",
    "50": "Disetujui, izin terbit",
    "57": "Disetujui (fiktif-positif): SLA terlampaui",
    "90": "Ditolak: dokumen tidak memenuhi syarat",
    "93": "Ditolak oleh instansi teknis",
}

#: Final codes: no step follows them.
FINAL = frozenset({"50", "57", "90", "93"})
#: Final codes that grant the permit.
APPROVED = frozenset({"50", "57"})

#: Simulated working hours each step takes.
STEP_H = 2.0
#: The technical agency's SLA; past it without a decision the permit is granted (57).
SLA_H = 40.0

#: Shares of PBG/REKLAME paths when the form does not ask (rejection: ``reject_rate``).
PATH_SHARES = (("correction", 0.2), ("inspection", 0.2), ("fiktif_positif", 0.1))
PATHS = ("approved", "rejected", "correction", "inspection", "fiktif_positif")


def _step(
    code: str,
    keterangan: str | None = None,
    after_h: float = STEP_H,
    issued: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    changes = {"kd_status": code, "keterangan": keterangan, **(issued or {})}
    return {"after_h": after_h, "changes": changes}


def plan_path(service: str, path: str, issued: dict[str, str]) -> list[dict[str, Any]]:
    """The status steps after 09 for one service and path; ``issued`` holds nib/id_izin."""
    if service == "NIB":
        if path == "rejected":
            return [_step("90", "Data pelaku usaha tidak lengkap")]
        return [_step("11"), _step("20"), _step("50", "NIB terbit", issued=issued)]
    steps: list[dict[str, Any]] = []
    if path == "correction":
        steps += [
            _step("10", "Dokumen rencana teknis belum lengkap"),
            _step("41", "Menunggu perbaikan dokumen oleh pemohon", after_h=0.0),
            _step("11", "Perbaikan dokumen diterima"),
            _step("42", after_h=0.0),
        ]
    else:
        steps.append(_step("11"))
    steps.append(_step("20"))
    if path == "fiktif_positif":
        return [
            *steps,
            _step("57", "Izin terbit karena SLA terlampaui", after_h=SLA_H, issued=issued),
        ]
    if path == "inspection":
        steps += [
            _step("43", "Pemeriksaan lapangan dijadwalkan", after_h=0.5),
            _step("44", "Pemeriksaan lapangan selesai"),
        ]
    if path == "rejected":
        return [*steps, _step("93", "Tidak memenuhi persyaratan teknis")]
    return [*steps, _step("45"), _step("50", "Izin terbit", issued=issued)]


@dataclass(frozen=True)
class Permits:
    """The permit service's records and status steps (no I/O)."""

    reject_rate: float = 0.0
    name: str = "permits"
    api_key_header: str = "user_key"
    services: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: SERVICES)

    def reference(self, seq: int, now: float) -> str:
        return f"I-{datetime.fromtimestamp(now, UTC):%Y%m%d}{seq:07d}"

    def choose_path(self, service: str, form: Mapping[str, Any], rng: random.Random) -> str:
        # Always draw twice, so a form's hint does not shift later applications' outcomes.
        reject_roll, path_roll = rng.random(), rng.random()
        hint = form.get("sim_outcome")
        if hint in PATHS:
            return str(hint)
        if reject_roll < self.reject_rate:
            return "rejected"
        if service != "NIB":
            for path, share in PATH_SHARES:
                if path_roll < share:
                    return path
                path_roll -= share
        return "approved"

    def accept(
        self,
        submission: dict[str, Any],
        *,
        reference: str,
        seq: int,
        now: float,
        rng: random.Random,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        service = submission["service"]
        path = self.choose_path(service, submission["form"], rng)
        # NIB: 13 digits; permits: the OSS permit id. Fictional ranges (99...).
        issued = (
            {"nib": f"99{seq:011d}"} if service == "NIB" else {"id_izin": f"{service}-99{seq:08d}"}
        )
        record = {
            "id_permohonan": reference,
            "application_id": submission["application_id"],
            "tracking_code": submission["tracking_code"],
            "kd_izin": service,
            "nib": submission["form"].get("nib")
            if isinstance(submission["form"].get("nib"), str)
            else None,
            "id_izin": None,
        }
        record = self.apply(
            record | {"riwayat": []}, {"kd_status": "09", "keterangan": None}, now=now
        )
        return record, plan_path(service, path, issued)

    def apply(
        self, record: dict[str, Any], changes: dict[str, Any], *, now: float
    ) -> dict[str, Any]:
        code = changes["kd_status"]
        at = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S")
        update = {
            **changes,
            "nm_status": STATUS_NAMES[code],
            "tgl_status": at,
            "keterangan": changes.get("keterangan") or STATUS_NAMES[code],
            "final": code in FINAL,
            "approved": code in APPROVED,
        }
        entry = {"kd_status": code, "tgl_status": at, "keterangan": update["keterangan"]}
        return record | update | {"riwayat": [*record["riwayat"], entry]}


def create_app(config: SimConfig) -> FastAPI:
    """The permit sim's app."""
    return create_sim_app(config, Permits(reject_rate=config.reject_rate))
