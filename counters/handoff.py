"""The hand-off of applications to back offices: who, with which key, when to retry (pure).

Delivery is at least once (a transactional outbox and a worker that retries)
and each submission carries an idempotency key that is the same on every
attempt, so the back office files it exactly once. This module decides; the
worker (hall_server/backoffice/worker.py) sends and stores::

    kind = backoffice_for(service)                       # "civil_registry" or "permits"
    key = idempotency_key(hall_id, application_id)       # "mpp:kendari:4f1c..."
    step = after_failure(policy, attempts=3, retryable=True, retry_after_s=None, rng=rng)
    if isinstance(step, Retry): next_at = now + step.delay_s
    else: ...                                            # DeadLetter: an officer must act

Time and randomness are passed in; nothing here reads a clock.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, cast

from tenacity import RetryCallState, wait_exponential

from counters.catalogue import Agency, Catalogue, Service


class BackOfficeKind(StrEnum):
    """The kinds of back office an application can be handed to."""

    #: Population documents (Dukcapil): KTP-el, KK, akta, pindah/datang.
    CIVIL_REGISTRY = "civil_registry"
    #: Business identification and permits (OSS-RBA through DPMPTSP).
    PERMITS = "permits"
    #: SP4N-LAPOR!, the national complaint channel: complaints forwarded (issue 14).
    LAPOR = "lapor"


_BY_AGENCY = {
    Agency.DUKCAPIL: BackOfficeKind.CIVIL_REGISTRY,
    Agency.DPMPTSP: BackOfficeKind.PERMITS,
}


def backoffice_for(service: Service) -> BackOfficeKind:
    """The back office that serves ``service``, from the catalogue's agency."""
    return _BY_AGENCY[service.agency]


def backoffice_kinds(catalogue: Catalogue) -> dict[str, BackOfficeKind]:
    """Service code -> back office, for every service of ``catalogue``."""
    return {service.code: backoffice_for(service) for service in catalogue}


def idempotency_key(hall_id: str, application_id: str) -> str:
    """The key sent with every attempt to deliver one application: stable, never reused."""
    return f"mpp:{hall_id}:{application_id}"


@dataclass(frozen=True, slots=True)
class Submission:
    """What the hall sends to a back office for one application.

    The adapters turn it into their wire format. ``form`` holds the citizen's
    data (a NIK among it): it is read from the application row when sending
    and never copied into the outbox or the logs.
    """

    application_id: str
    hall_id: str
    tracking_code: str
    service: str
    variant: str | None
    form: dict[str, str]
    checklist: dict[str, bool]
    #: The published fee; 0 for every civil-registry service (UU 24/2013 art. 79A).
    fee_idr: int
    #: When the citizen filed it (Unix seconds).
    filed_at: float

    def envelope(self) -> dict[str, Any]:
        """Everything but the form: what the outbox row keeps (no personal data)."""
        return {
            "application_id": self.application_id,
            "hall_id": self.hall_id,
            "tracking_code": self.tracking_code,
            "service": self.service,
            "variant": self.variant,
            "checklist": dict(self.checklist),
            "fee_idr": self.fee_idr,
            "filed_at": self.filed_at,
        }

    @classmethod
    def from_envelope(cls, envelope: dict[str, Any], form: dict[str, str]) -> Submission:
        return cls(
            application_id=str(envelope["application_id"]),
            hall_id=str(envelope["hall_id"]),
            tracking_code=str(envelope["tracking_code"]),
            service=str(envelope["service"]),
            variant=envelope.get("variant"),
            form=dict(form),
            checklist={str(k): bool(v) for k, v in dict(envelope.get("checklist", {})).items()},
            fee_idr=int(envelope.get("fee_idr", 0)),
            filed_at=float(envelope.get("filed_at", 0.0)),
        )


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How the worker delivers, retries and protects a back office."""

    #: Attempts (sends) before an application becomes a dead letter.
    max_attempts: int = 10
    #: First backoff window: the n-th retry waits random(0, min(cap, base * 2**(n-1))).
    backoff_base_s: float = 1.0
    #: Largest backoff window.
    backoff_cap_s: float = 300.0
    #: Longest Retry-After honoured; a longer one is cut to this.
    max_retry_after_s: float = 3600.0
    #: Consecutive failures that open a back office's circuit breaker.
    breaker_fail_max: int = 5
    #: Cool-down of an open breaker before one trial delivery (half-open).
    breaker_reset_s: float = 30.0
    #: Rows claimed per worker round.
    batch_size: int = 100
    #: Deliveries in flight at once per worker.
    concurrency: int = 16
    #: How long a claimed row is hidden from other workers. A live worker renews the
    #: lease of its rows in flight (every ``renew_every_s``), so a slow back office is not
    #: sent a row twice; a worker that died leaves rows due again this soon after.
    claim_lease_s: float = 5.0
    #: Pause of ``run_forever`` when there was nothing to do.
    idle_s: float = 0.5
    #: Poll the back office about delivered, unfinished applications not heard of for this long.
    reconcile_after_s: float = 900.0
    #: Applications polled per reconciliation round.
    reconcile_batch: int = 100

    @property
    def renew_every_s(self) -> float:
        """How often a worker renews the lease of its rows in flight: three times per lease,
        so one late renewal (a busy database) still comes before the lease ends."""
        return self.claim_lease_s / 3


#: HTTP statuses worth retrying: the request may succeed later unchanged.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def is_retryable(status_code: int | None, *, timed_out: bool = False) -> bool:
    """Retry timeouts and transport errors (``status_code=None``), every 5xx, 408 and 429.

    Any other 4xx means the request itself is wrong: sending it again cannot
    help, so it is never retried.
    """
    if timed_out or status_code is None:
        return True
    return status_code >= 500 or status_code in (408, 429)


def retry_after_s(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True, slots=True)
class _Attempt:
    attempt_number: int


def backoff_ceiling_s(policy: DeliveryPolicy, retry: int) -> float:
    """The backoff window of the ``retry``-th retry (1-based): min(cap, base * 2**(retry-1))."""
    wait = wait_exponential(multiplier=policy.backoff_base_s, max=policy.backoff_cap_s)
    # tenacity only reads attempt_number; a real RetryCallState would read the clock.
    return float(wait(cast(RetryCallState, _Attempt(max(1, retry)))))


def backoff_s(policy: DeliveryPolicy, retry: int, rng: random.Random) -> float:
    """Full-jitter delay of the ``retry``-th retry: uniform in [0, window].

    The same draw as tenacity's ``wait_random_exponential``, with the random
    source passed in so that tests and simulations are reproducible.
    """
    return rng.uniform(0.0, backoff_ceiling_s(policy, retry))


@dataclass(frozen=True, slots=True)
class Retry:
    """Send again after ``delay_s``."""

    delay_s: float


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """Stop: an officer must look at it (``reason``: "refused" or "attempts")."""

    reason: str


def after_failure(
    policy: DeliveryPolicy,
    *,
    attempts: int,
    retryable: bool,
    retry_after_s: float | None,
    rng: random.Random,
) -> Retry | DeadLetter:
    """What to do after the ``attempts``-th send failed.

    A permanent failure is a dead letter at once; a retryable one is retried
    after the larger of the full-jitter backoff and the back office's
    Retry-After (capped), until ``max_attempts`` sends have failed.
    """
    if not retryable:
        return DeadLetter("refused")
    if attempts >= policy.max_attempts:
        return DeadLetter("attempts")
    delay = backoff_s(policy, attempts, rng)
    if retry_after_s is not None and math.isfinite(retry_after_s):
        delay = max(delay, min(max(0.0, retry_after_s), policy.max_retry_after_s))
    return Retry(delay)
