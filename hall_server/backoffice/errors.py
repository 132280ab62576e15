"""Errors of the hand-off to back offices.

Tree (under :class:`hall_server.errors.HallError`)::

    HallError
    ├── BackOfficeError         backoffice_error
    │   ├── RetryableError      backoffice_timeout, backoffice_unreachable, backoffice_busy
    │   │                       (timeouts, transport errors, 5xx, 408, 429; carries retry_after_s)
    │   └── PermanentError      backoffice_refused, backoffice_unknown_reference,
    │                           backoffice_bad_response (any other 4xx; an unreadable answer)
    └── AuthError
        └── WebhookRejected     webhook_malformed, webhook_forged, webhook_stale, webhook_replayed

Messages name the HTTP status or the header at fault, never a body: a back
office may echo the citizen's data.
"""

from __future__ import annotations

from hall_server.errors import AuthError, HallError


class BackOfficeError(HallError):
    """A back office could not take a request."""

    code = "backoffice_error"
    http_status = 502

    def __init__(
        self, message: str, *, code: str | None = None, status_code: int | None = None
    ) -> None:
        super().__init__(message, code=code)
        #: The back office's HTTP status; None for timeouts and transport errors.
        self.status_code = status_code


class RetryableError(BackOfficeError):
    """Worth sending again unchanged later: a timeout, no connection, a 5xx, 408 or 429."""

    code = "backoffice_unreachable"
    http_status = 503

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, code=code, status_code=status_code)
        #: The back office's Retry-After in seconds, if it sent one.
        self.retry_after_s = retry_after_s


class PermanentError(BackOfficeError):
    """Sending it again cannot help: the back office refused the request (a 4xx)."""

    code = "backoffice_refused"
    http_status = 502


#: HTTP statuses of the webhook rejections, for the hall's callback endpoint.
WEBHOOK_HTTP_STATUS = {
    "webhook_malformed": 400,
    "webhook_forged": 401,
    "webhook_stale": 401,
    "webhook_replayed": 409,
}


class WebhookRejected(AuthError):
    """A callback failed verification: malformed headers, forged, stale or replayed."""

    code = "webhook_forged"

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)
        self.http_status = WEBHOOK_HTTP_STATUS.get(code, 401)
