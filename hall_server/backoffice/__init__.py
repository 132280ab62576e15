"""Hand-off of applications to the civil-registry and permit back offices.

- :mod:`.ports`: the :class:`BackOffice` port, receipts, reports and wire formats.
- :mod:`.clients`: the httpx adapters (:class:`CivilRegistryClient`, :class:`PermitsClient`).
- :mod:`.outbox`: :func:`add_to_outbox` (in the application's transaction), dead letters.
- :mod:`.worker`: :class:`DeliveryWorker` (delivery, retries, breakers, reconciliation).
- :mod:`.webhooks`: signed callbacks (Standard Webhooks), verified and de-duplicated.
- :mod:`.status`: status changes, back-office reports, the citizen's lookup.

The decisions (which back office, the idempotency key, when to retry, the
statuses) are pure and live in counters/handoff.py and counters/statuses.py.
docs/handoff.md describes the whole.
"""

from hall_server.backoffice.clients import (
    BackOfficeConfig,
    CivilRegistryClient,
    HttpBackOffice,
    PermitsClient,
    client_for,
)
from hall_server.backoffice.errors import (
    BackOfficeError,
    PermanentError,
    RetryableError,
    WebhookRejected,
)
from hall_server.backoffice.outbox import add_to_outbox, dead_letters, retry_dead, submission_of
from hall_server.backoffice.ports import (
    CIVIL_REGISTRY_WIRE,
    PERMITS_WIRE,
    WIRE_FORMATS,
    BackOffice,
    Receipt,
    Report,
    WireFormat,
)
from hall_server.backoffice.status import Lookup, StatusChange, apply_status, lookup
from hall_server.backoffice.webhooks import receive_webhook, sign, verify_webhook
from hall_server.backoffice.worker import DeliveryWorker

__all__ = [
    "CIVIL_REGISTRY_WIRE",
    "PERMITS_WIRE",
    "WIRE_FORMATS",
    "BackOffice",
    "BackOfficeConfig",
    "BackOfficeError",
    "CivilRegistryClient",
    "DeliveryWorker",
    "HttpBackOffice",
    "Lookup",
    "PermanentError",
    "PermitsClient",
    "Receipt",
    "Report",
    "RetryableError",
    "StatusChange",
    "WebhookRejected",
    "WireFormat",
    "add_to_outbox",
    "apply_status",
    "client_for",
    "dead_letters",
    "lookup",
    "receive_webhook",
    "retry_dead",
    "sign",
    "submission_of",
    "verify_webhook",
]
