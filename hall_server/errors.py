"""The one root exception of the hall and its documented error codes.

Every error the hall raises on purpose derives from :class:`HallError`. Each
carries a stable, documented ``code`` (see docs/protocol.md, "Error codes")
that the boundaries (REST handlers, the WebSocket pump, the CLI) translate
into an HTTP status, a WebSocket ``error`` message or an exit status. The
message is safe to show: it never contains personal data (NIK, names).

This module is pure: domain cores (scenes, avatars, counters, codecs) import
it without pulling in any I/O library.

Tree::

    HallError
    ├── InvalidInput            bad_request, bad_json, bad_type, bad_value, unknown_type, too_large
    │   └── InvalidNik          invalid_nik
    ├── SceneError              scene_invalid (carries every Problem with its JSON path)
    ├── AuthError               unauthenticated, token_expired, bad_credentials, bad_code
    ├── Forbidden               forbidden (the role may not do this)
    ├── LimitExceeded           rate_limited, hall_full, too_many_connections
    ├── NotFound                not_found, unknown_hall, resume_expired
    ├── Conflict                conflict, already_joined
    └── Unavailable             sign_in_unavailable (a needed service is not configured or down)
"""

from __future__ import annotations


class HallError(Exception):
    """Root of every error the hall raises on purpose.

    ``code`` is a stable machine-readable identifier; ``str(exc)`` is a short
    English explanation that names the problem (the field, the limit) and
    never contains personal data.
    """

    code: str = "internal"
    http_status: int = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


class InvalidInput(HallError):
    """The caller sent something malformed: wrong JSON, type, range or size."""

    code = "bad_request"
    http_status = 400


class InvalidNik(InvalidInput):
    """A NIK failed validation; the message gives the reason, never the NIK."""

    code = "invalid_nik"
    http_status = 422


class SceneError(HallError):
    """A scene file failed validation. ``problems`` lists each one."""

    code = "scene_invalid"
    http_status = 422

    def __init__(self, message: str, problems: list[object] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class AuthError(HallError):
    """The caller is not signed in, or the token or credentials are wrong."""

    code = "unauthenticated"
    http_status = 401


class Forbidden(HallError):
    """The caller's role may not do this."""

    code = "forbidden"
    http_status = 403


class LimitExceeded(HallError):
    """A configured limit was hit (rate, size, capacity)."""

    code = "rate_limited"
    http_status = 429

    def __init__(
        self, message: str, *, code: str | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message, code=code)
        #: When known, how long to wait; REST answers carry it as ``Retry-After``.
        self.retry_after_s = retry_after_s


class NotFound(HallError):
    """The named thing (hall, avatar, resume token) does not exist."""

    code = "not_found"
    http_status = 404


class Conflict(HallError):
    """The request conflicts with the current state."""

    code = "conflict"
    http_status = 409


class Unavailable(HallError):
    """A service the request needs is not configured or not reachable."""

    code = "unavailable"
    http_status = 503
