from __future__ import annotations

import base64
import json

import pytest

from hall_server.auth.tokens import MAX_TOKEN_CHARS, Claims, issue_token, verify_token
from hall_server.errors import AuthError, InvalidInput

SECRET = b"s" * 32
NOW = 1_750_000_000.0


def _payload(token: str) -> dict[str, object]:
    part = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def _with_payload(token: str, payload: dict[str, object]) -> str:
    header, _, signature = token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


def test_token_round_trips_its_claims() -> None:
    token = issue_token(
        SECRET, subject="account:7", role="officer", ttl_s=60, now=NOW, hall="kendari", name="Ani"
    )
    assert verify_token(SECRET, token, now=NOW + 59) == Claims(
        subject="account:7", role="officer", expires_at=int(NOW) + 60, hall="kendari", name="Ani"
    )


def test_token_without_hall_or_name_round_trips() -> None:
    token = issue_token(SECRET, subject="guest:ab", role="guest", ttl_s=60, now=NOW)
    claims = verify_token(SECRET, token, now=NOW)
    assert (claims.hall, claims.name) == (None, None)


def test_token_is_a_standard_hs256_jwt() -> None:
    token = issue_token(SECRET, subject="account:7", role="citizen", ttl_s=60, now=NOW)
    header = token.split(".")[0]
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))) == {
        "alg": "HS256",
        "typ": "JWT",
    }
    assert _payload(token)["exp"] == int(NOW) + 60


def test_token_expires_at_its_expiry_time() -> None:
    token = issue_token(SECRET, subject="account:7", role="citizen", ttl_s=60, now=NOW)
    with pytest.raises(AuthError) as caught:
        verify_token(SECRET, token, now=NOW + 60)
    assert caught.value.code == "token_expired"


def test_token_signed_with_another_secret_is_refused() -> None:
    token = issue_token(b"other" * 8, subject="account:7", role="citizen", ttl_s=60, now=NOW)
    with pytest.raises(AuthError) as caught:
        verify_token(SECRET, token, now=NOW)
    assert caught.value.code == "unauthenticated"


def test_token_with_tampered_role_is_refused() -> None:
    token = issue_token(SECRET, subject="account:7", role="citizen", ttl_s=60, now=NOW)
    forged = _with_payload(token, {**_payload(token), "role": "admin"})
    with pytest.raises(AuthError) as caught:
        verify_token(SECRET, forged, now=NOW)
    assert caught.value.code == "unauthenticated"


def test_token_with_tampered_signature_is_refused() -> None:
    token = issue_token(SECRET, subject="account:7", role="citizen", ttl_s=60, now=NOW)
    last = "A" if token[-1] != "A" else "B"
    with pytest.raises(AuthError):
        verify_token(SECRET, token[:-1] + last, now=NOW)


def test_unsigned_alg_none_token_is_refused() -> None:
    token = issue_token(SECRET, subject="account:7", role="admin", ttl_s=60, now=NOW)
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    _, payload, _ = token.split(".")
    with pytest.raises(AuthError):
        verify_token(SECRET, f"{none_header}.{payload}.", now=NOW)


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "a.b.c.d", "é.é.é", "x" * (MAX_TOKEN_CHARS + 1)],
)
def test_malformed_token_is_refused_as_unauthenticated(token: str) -> None:
    with pytest.raises(AuthError) as caught:
        verify_token(SECRET, token, now=NOW)
    assert caught.value.code == "unauthenticated"


def test_unknown_role_cannot_be_issued() -> None:
    with pytest.raises(InvalidInput):
        issue_token(SECRET, subject="account:7", role="root", ttl_s=60, now=NOW)
