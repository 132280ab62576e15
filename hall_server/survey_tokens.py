"""The SKM survey's one-time tokens: bound to a finished transaction, not to a person.

When a service finishes, the floor hands the citizen a token (in
``session_ended``) that says what the answers will rate: the hall, the
service, the counter, whether a bot or an officer finished it, and the
period (the month in the hall's time zone). It is signed (HMAC-SHA256 under
a key derived from the hall's secret key), so nothing is written when it is
issued, and it expires (``HALL_SURVEY_TOKEN_TTL_S``).

Answering needs the token only, no sign-in: the request that carries the
answers does not say who sends them. The token also names the counter
session, and only so that it can be used once: what is stored is a keyed
digest of it (:attr:`Offer.once`), in a table apart from the answers, with
no time and no link to them (hall_server/survey_api.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from counters.desk import CounterSession
from hall_server.errors import InvalidInput
from hall_server.secrets import derive_key


class BadSurveyToken(InvalidInput):
    """The token is not one the hall issued, or it has expired."""

    code = "bad_survey_token"
    http_status = 400


@dataclass(frozen=True, slots=True)
class Offer:
    """What a valid token says."""

    hall_id: str
    service: str
    counter_id: str
    served_by: str
    period: str
    #: keyed digest of the counter session: the once-only marker, never the id itself
    once: str


class SurveyTokens:
    def __init__(self, secret: bytes, zone: ZoneInfo, ttl_s: float) -> None:
        self._sign_key = derive_key(secret, "survey-token")
        self._once_key = derive_key(secret, "survey-once")
        self._zone = zone
        self._ttl_s = ttl_s

    def period_of(self, at: float) -> str:
        """The month (``YYYY-MM``) of ``at`` in the hall's zone: all the time an answer keeps."""
        return datetime.fromtimestamp(at, UTC).astimezone(self._zone).strftime("%Y-%m")

    def issue(self, hall_id: str, session: CounterSession, now: float) -> str:
        ended = session.ended_at if session.ended_at is not None else now
        body = {
            "h": hall_id,
            "s": session.session_id,
            "v": session.service,
            "c": session.counter_id,
            "b": "bot" if session.by_bot else "officer",
            "p": self.period_of(ended),
            "e": int(now + self._ttl_s),
        }
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(raw)}.{_b64(self._mac(raw))}"

    def check(self, token: object, now: float) -> Offer:
        """The offer of a token the hall issued and that has not expired, or ``bad_survey_token``."""
        if not isinstance(token, str) or len(token) > 1000 or token.count(".") != 1:
            raise BadSurveyToken("not a survey token", code="bad_survey_token")
        body_part, mac_part = token.split(".")
        try:
            raw = _unb64(body_part)
            mac = _unb64(mac_part)
        except ValueError:
            raise BadSurveyToken("not a survey token", code="bad_survey_token") from None
        if not hmac.compare_digest(mac, self._mac(raw)):
            raise BadSurveyToken("not a survey token", code="bad_survey_token")
        body = json.loads(raw)
        if float(body["e"]) < now:
            raise BadSurveyToken("this survey has expired", code="bad_survey_token")
        once = hmac.new(
            self._once_key, f"{body['h']}/{body['s']}".encode(), hashlib.sha256
        ).hexdigest()
        return Offer(body["h"], body["v"], body["c"], body["b"], body["p"], once)

    def _mac(self, raw: bytes) -> bytes:
        return hmac.new(self._sign_key, raw, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise ValueError("bad base64") from None
