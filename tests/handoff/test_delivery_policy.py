from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from counters.catalogue import load_catalogue
from counters.handoff import (
    BackOfficeKind,
    DeadLetter,
    DeliveryPolicy,
    Retry,
    after_failure,
    backoff_ceiling_s,
    backoff_s,
    backoffice_kinds,
    idempotency_key,
    is_retryable,
    retry_after_s,
)

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
policies = st.builds(
    DeliveryPolicy,
    max_attempts=st.integers(1, 20),
    backoff_base_s=st.floats(0.01, 10),
    backoff_cap_s=st.floats(0.01, 3600),
)


def test_population_services_go_to_the_civil_registry_and_permits_to_oss() -> None:
    kinds = backoffice_kinds(load_catalogue())
    assert kinds["KTP-EL"] == BackOfficeKind.CIVIL_REGISTRY
    assert kinds["AKTA-LAHIR"] == BackOfficeKind.CIVIL_REGISTRY
    assert kinds["NIB"] == BackOfficeKind.PERMITS


def test_the_idempotency_key_is_stable_per_application() -> None:
    assert idempotency_key("kendari", "a1") == idempotency_key("kendari", "a1") == "mpp:kendari:a1"
    assert idempotency_key("kendari", "a1") != idempotency_key("makassar", "a1")


@given(policies, st.integers(1, 64), st.integers(0, 2**32))
def test_full_jitter_backoff_stays_within_zero_and_the_cap(
    policy: DeliveryPolicy, retry: int, seed: int
) -> None:
    delay = backoff_s(policy, retry, random.Random(seed))
    assert 0 <= delay <= backoff_ceiling_s(policy, retry) <= policy.backoff_cap_s + 1e-9


def test_the_backoff_window_doubles_up_to_the_cap() -> None:
    policy = DeliveryPolicy(backoff_base_s=1, backoff_cap_s=10)
    assert [backoff_ceiling_s(policy, n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


@given(st.integers(100, 599))
def test_only_timeouts_5xx_408_and_429_are_retried(status: int) -> None:
    assert is_retryable(status) == (status >= 500 or status in (408, 429))


def test_timeouts_and_transport_errors_are_retried() -> None:
    assert is_retryable(None)
    assert is_retryable(400, timed_out=True)


@given(policies, st.integers(1, 30), st.booleans(), st.integers(0, 2**32))
def test_a_failure_is_retried_only_when_retryable_and_attempts_remain(
    policy: DeliveryPolicy, attempts: int, retryable: bool, seed: int
) -> None:
    step = after_failure(
        policy, attempts=attempts, retryable=retryable, retry_after_s=None, rng=random.Random(seed)
    )
    if retryable and attempts < policy.max_attempts:
        assert isinstance(step, Retry)
        assert 0 <= step.delay_s <= policy.backoff_cap_s + 1e-9
    else:
        assert isinstance(step, DeadLetter)
        assert step.reason == ("attempts" if retryable else "refused")


def test_retry_after_is_honoured_and_capped() -> None:
    policy = DeliveryPolicy(backoff_base_s=1, backoff_cap_s=2, max_retry_after_s=600)
    rng = random.Random(1)
    step = after_failure(policy, attempts=1, retryable=True, retry_after_s=120, rng=rng)
    assert step == Retry(120)
    step = after_failure(policy, attempts=1, retryable=True, retry_after_s=10**6, rng=rng)
    assert step == Retry(600)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_s("30", NOW) == 30
    assert retry_after_s("Mon, 30 Nov 2026 08:01:00 GMT", NOW) == 60
    assert retry_after_s("Mon, 30 Nov 2026 07:00:00 GMT", NOW) == 0
    assert retry_after_s("soon", NOW) is None
    assert retry_after_s(None, NOW) is None
