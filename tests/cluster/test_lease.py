"""The lease core's rules, without an event loop or a database: fencing refuses a stale owner."""

from __future__ import annotations

import pytest

from hall_server.cluster.lease import Lease, LeaseHeld, StaleOwner
from hall_server.cluster.placement import fair_share, plan

TTL = 5.0


def test_acquire_gives_a_new_token_and_another_node_cannot_take_an_unexpired_lease() -> None:
    free = Lease("h1")
    a = free.acquire("A", "ws://a", now=100.0, ttl_s=TTL)
    assert (a.owner, a.token, a.expires_at) == ("A", 1, 105.0)
    with pytest.raises(LeaseHeld):
        a.acquire("B", "ws://b", now=104.9, ttl_s=TTL)
    b = a.acquire("B", "ws://b", now=105.0, ttl_s=TTL)  # expired: taken, token bumped
    assert (b.owner, b.token) == ("B", 2)


def test_a_paused_owner_whose_hall_was_taken_over_can_neither_write_nor_renew() -> None:
    a = Lease("h1").acquire("A", "ws://a", now=0.0, ttl_s=TTL)
    a.check("A", a.token)  # the owner writes
    # A is paused (GC, a stopped VM) past its expiry; B takes the hall over.
    b = a.acquire("B", "ws://b", now=7.0, ttl_s=TTL)
    b.check("B", b.token)
    with pytest.raises(StaleOwner):
        b.check("A", a.token)  # A wakes up and writes under its old token: refused
    with pytest.raises(StaleOwner):
        b.renew("A", a.token, now=8.0, ttl_s=TTL)
    with pytest.raises(StaleOwner):
        b.release("A", a.token)
    # Even if A took the hall back later, its old token stays stale.
    again = b.release("B", b.token).acquire("A", "ws://a", now=9.0, ttl_s=TTL)
    assert again.token == 3
    with pytest.raises(StaleOwner):
        again.check("A", a.token)


def test_tokens_only_grow_through_release_and_take() -> None:
    lease = Lease("h1")
    seen = []
    for i, node in enumerate(["A", "B", "A", "C"]):
        lease = lease.acquire(node, "", now=float(i), ttl_s=TTL)
        seen.append(lease.token)
        lease = lease.release(node, lease.token)
        assert lease.owner is None and lease.free_at(float(i))
    lease = lease.take("D", "", now=10.0, ttl_s=TTL)
    seen.append(lease.token)
    assert seen == sorted(set(seen)) == [1, 2, 3, 4, 5]


def test_an_expired_lease_nobody_took_is_renewed_by_its_owner() -> None:
    a = Lease("h1").acquire("A", "", now=0.0, ttl_s=TTL)
    renewed = a.renew("A", a.token, now=6.0, ttl_s=TTL)
    assert renewed.held_by("A", 10.9) and renewed.token == a.token


def _held(hall: str, node: str | None, now: float = 0.0) -> Lease:
    return Lease(hall, node, "", 1, now + TTL) if node else Lease(hall)


def test_placement_takes_a_fair_share_and_evens_out() -> None:
    halls = ["h1", "h2", "h3", "h4"]
    assert fair_share(4, 3) == 2
    # Three nodes start at once: the first takes its share, not all.
    first = plan("A", [_held(h, None) for h in halls], ["A", "B", "C"], now=0.0)
    assert first.take == ("h1", "h2") and first.give_up == ()
    # A node alone took all four; two more arrive: it gives one up per round.
    alone = [_held(h, "A") for h in halls]
    moves = plan("A", alone, ["A", "B", "C"], now=0.0)
    assert len(moves.give_up) == 1 and moves.take == ()
    # Settled at 2-1-1: nobody moves.
    settled = [_held("h1", "A"), _held("h2", "A"), _held("h3", "B"), _held("h4", "C")]
    for node in "ABC":
        assert plan(node, settled, ["A", "B", "C"], now=0.0) == plan(node, [], [], now=0.0)


def test_placement_after_a_death_the_others_take_its_halls_once_expired() -> None:
    # A died: its leases expire at 5.0; B and C are live and renew theirs.
    rows = [_held("h1", "A"), _held("h2", "A"), _held("h3", "B", 50.0), _held("h4", "C", 50.0)]
    assert plan("B", rows, ["B", "C"], now=4.0).take == ()
    assert plan("B", rows, ["B", "C"], now=5.0).take == ("h1",)
    assert plan("C", rows, ["B", "C"], now=5.0).take == ("h1",)  # a race the database settles


def test_a_draining_node_gives_everything_up_and_takes_nothing() -> None:
    rows = [_held("h1", "A"), _held("h2", None)]
    moves = plan("A", rows, ["A", "B"], now=0.0, draining=True)
    assert moves.take == () and moves.give_up == ("h1",)
