"""Standard Webhooks signing and the pure fault decision (no processes)."""

from __future__ import annotations

import random

import pytest

from hall_server.sims import webhooks
from hall_server.sims.faults import Faults, Outcome, decide

# The example of the Standard Webhooks reference libraries.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
BODY = b'{"test": 2432232314}'
TIMESTAMP = 1614265330


def test_signature_matches_the_standard_webhooks_reference_example() -> None:
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert webhooks.sign(SECRET, MSG_ID, TIMESTAMP, BODY) == expected


def test_verify_accepts_a_fresh_signature_and_refuses_forged_or_stale_ones() -> None:
    headers = webhooks.headers(SECRET, MSG_ID, TIMESTAMP, BODY)
    assert webhooks.verify(SECRET, headers, BODY, now=TIMESTAMP + 10)
    assert not webhooks.verify(SECRET, headers, BODY + b" ", now=TIMESTAMP)
    assert not webhooks.verify("whsec_b3RoZXI=", headers, BODY, now=TIMESTAMP)
    assert not webhooks.verify(SECRET, headers, BODY, now=TIMESTAMP + 301)
    assert not webhooks.verify(SECRET, {**headers, "webhook-id": "msg_other"}, BODY, now=TIMESTAMP)


def test_plain_text_secret_is_used_as_utf8_key() -> None:
    assert webhooks.secret_key("hall-secret") == b"hall-secret"
    with pytest.raises(ValueError):
        webhooks.secret_key("whsec_not base64!")


def test_no_faults_serves_every_request() -> None:
    rng = random.Random(1)
    assert {decide(Faults(), rng) for _ in range(1000)} == {Outcome.SERVE}


def test_fault_shares_follow_the_rates_with_a_seeded_generator() -> None:
    faults = Faults(fail_rate=0.3, timeout_rate=0.1)
    rng = random.Random(5)
    outcomes = [decide(faults, rng) for _ in range(10_000)]
    failed = sum(o in (Outcome.FAIL_500, Outcome.FAIL_503) for o in outcomes)
    hung = sum(o in (Outcome.HANG_PROCESSED, Outcome.HANG_UNPROCESSED) for o in outcomes)
    assert 2700 < failed < 3300
    assert 800 < hung < 1200
    assert {Outcome.HANG_PROCESSED, Outcome.HANG_UNPROCESSED} <= set(outcomes)
    again = random.Random(5)
    assert [decide(faults, again) for _ in range(10_000)] == outcomes


def test_fault_updates_are_checked() -> None:
    assert Faults().updated({"down": True}).down
    for bad in ({"fail_rate": 2}, {"down": "yes"}, {"nope": 1}, {"slow_ms": -1}):
        with pytest.raises(ValueError):
            Faults().updated(bad)
