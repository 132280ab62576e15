"""The port of a back office, and the wire formats that adapt it to a real API.

The hall needs two things from a back office (:class:`BackOffice`): take a
submission under an idempotency key and answer with a reference
(:class:`Receipt`), and say where a reference stands (:class:`Report`).
:class:`WireFormat` is the small, replaceable mapping between those values and
one API's JSON; :data:`CIVIL_REGISTRY_WIRE` and :data:`PERMITS_WIRE` follow the
hall's simulated back offices and OSS field names (docs/handoff.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from counters.handoff import BackOfficeKind, Submission


@dataclass(frozen=True, slots=True)
class Receipt:
    """The back office has the submission."""

    #: Its reference for the application (used for status polls and callbacks).
    reference: str
    #: Its status at receipt, in its own words, if it said.
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """Where an application stands at the back office, in its own words."""

    reference: str
    #: "verifying", "printed"... (civil registry) or a kd_status code such as "45" (permits).
    status: str
    #: The back office's time of this status, if it said (to ignore older reports).
    reported_at: datetime | None = None
    #: What the citizen may see: a document number, a rejection reason.
    detail: dict[str, str] = field(default_factory=dict)


class BackOffice(Protocol):
    """A back office the hall hands applications to.

    ``submit`` must be safe to repeat with the same ``idempotency_key``: the
    back office files the application once and answers every repeat with the
    same receipt. Both methods raise :class:`~hall_server.backoffice.errors.RetryableError`
    when trying again later may help and :class:`~hall_server.backoffice.errors.PermanentError`
    when it cannot.
    """

    kind: BackOfficeKind

    async def submit(self, submission: Submission, idempotency_key: str) -> Receipt: ...

    async def status(self, reference: str) -> Report: ...


@dataclass(frozen=True, slots=True)
class WireFormat:
    """How one API spells submissions, receipts and reports."""

    #: Path of the submission endpoint (POST).
    submit_path: str
    #: Path of the status endpoint (GET), with ``{reference}``.
    status_path: str
    #: Header carrying the API key.
    api_key_header: str
    #: Submission -> request JSON.
    encode: Callable[[Submission], dict[str, Any]]
    #: Response JSON of a submission -> Receipt (KeyError/ValueError/TypeError if unreadable).
    receipt: Callable[[Mapping[str, Any]], Receipt]
    #: Response JSON of a status request, or a callback body -> Report.
    report: Callable[[Mapping[str, Any]], Report]


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time (naive means UTC) or Unix seconds; None if absent or unreadable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(data: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def _required(data: Mapping[str, Any], *keys: str) -> str:
    value = _text(data, *keys)
    if value is None:
        raise KeyError(keys[0])
    return value


def _common(submission: Submission) -> dict[str, Any]:
    return {
        "application_id": submission.application_id,
        "hall_id": submission.hall_id,
        "tracking_code": submission.tracking_code,
        "service": submission.service,
        "variant": submission.variant,
        "form": submission.form,
        "checklist": submission.checklist,
        "fee_idr": submission.fee_idr,
        "filed_at": datetime.fromtimestamp(submission.filed_at, UTC).isoformat(),
    }


def _unwrap(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A callback's record: ``{"type": ..., "timestamp": ..., "data": {...}}`` or the record itself."""
    inner = data.get("data")
    return inner if isinstance(inner, Mapping) else data


def _civil_receipt(data: Mapping[str, Any]) -> Receipt:
    return Receipt(_required(data, "reference", "id"), _text(data, "status"))


def _civil_report(data: Mapping[str, Any]) -> Report:
    data = _unwrap(data)
    detail = {k: v for k in ("document_number", "reason") if (v := _text(data, k)) is not None}
    return Report(
        _required(data, "reference", "id"),
        _required(data, "status"),
        parse_time(data.get("updated_at") or data.get("status_at")),
        detail,
    )


CIVIL_REGISTRY_WIRE = WireFormat(
    submit_path="/v1/applications",
    status_path="/v1/applications/{reference}",
    api_key_header="X-Api-Key",
    encode=_common,
    receipt=_civil_receipt,
    report=_civil_report,
)


def _permits_encode(submission: Submission) -> dict[str, Any]:
    # OSS name of the permit code; id_permohonan is the back office's to assign.
    return {**_common(submission), "kd_izin": submission.service}


def _permits_receipt(data: Mapping[str, Any]) -> Receipt:
    # id_permohonan is the back office's reference of the request; id_izin the permit issued.
    return Receipt(_required(data, "id_permohonan", "reference", "id"), _text(data, "kd_status"))


def _permits_report(data: Mapping[str, Any]) -> Report:
    data = _unwrap(data)
    detail = {
        name: v
        for key, name in (
            ("keterangan", "reason"),
            ("nib", "nib"),
            ("nomor_izin", "document_number"),
        )
        if (v := _text(data, key)) is not None
    }
    return Report(
        _required(data, "id_permohonan", "reference", "id"),
        _required(data, "kd_status", "status"),
        parse_time(data.get("tgl_status")),
        detail,
    )


PERMITS_WIRE = WireFormat(
    submit_path="/v1/applications",
    status_path="/v1/applications/{reference}",
    api_key_header="user_key",
    encode=_permits_encode,
    receipt=_permits_receipt,
    report=_permits_report,
)

#: SP4N-LAPOR! as the hall's sim speaks it: the civil registry's shape, LAPOR!'s stages.
LAPOR_WIRE = WireFormat(
    submit_path="/v1/applications",
    status_path="/v1/applications/{reference}",
    api_key_header="X-Api-Key",
    encode=_common,
    receipt=_civil_receipt,
    report=_civil_report,
)

#: The wire format of each kind by default.
WIRE_FORMATS: dict[BackOfficeKind, WireFormat] = {
    BackOfficeKind.CIVIL_REGISTRY: CIVIL_REGISTRY_WIRE,
    BackOfficeKind.PERMITS: PERMITS_WIRE,
    BackOfficeKind.LAPOR: LAPOR_WIRE,
}
