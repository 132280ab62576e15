"""The pure rate-limit parts (realtime/limits.py), time passed in."""

from __future__ import annotations

from realtime.limits import AddressBuckets, TokenBucket


def test_a_bucket_allows_its_burst_then_refills_at_its_rate():
    bucket = TokenBucket(rate=2.0, burst=3)
    assert [bucket.allow(10.0) for _ in range(4)] == [True, True, True, False]
    assert not bucket.allow(10.4)  # 0.8 of a token
    assert bucket.allow(10.6)  # 1.2 tokens


def test_addresses_have_their_own_buckets_and_a_retry_time():
    buckets = AddressBuckets(rate=0.5, burst=2)
    assert buckets.allow("a", 0.0) and buckets.allow("a", 0.0)
    assert not buckets.allow("a", 0.0)
    assert buckets.retry_after_s("a") == 2.0  # one whole token at 0.5 a second
    assert buckets.allow("b", 0.0)  # another address is not held back
    assert buckets.retry_after_s("b") == 0.0
    assert buckets.allow("a", 2.0)


def test_a_flood_of_addresses_cannot_grow_memory_and_forgets_the_longest_unused():
    buckets = AddressBuckets(rate=1.0, burst=1, max_addresses=3)
    for name in ("a", "b", "c"):
        assert buckets.allow(name, 0.0)
    assert not buckets.allow("a", 0.0)  # "a" is now the most recently used
    assert buckets.allow("d", 0.0)  # forgets "b", the longest unused
    assert len(buckets._buckets) == 3
    assert not buckets.allow("a", 0.0)  # "a" was kept: still empty
    assert buckets.allow("b", 0.0)  # "b" was forgotten: a full burst again
