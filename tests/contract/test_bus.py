"""One contract, every Bus implementation: in-process and Redis (a real server)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest

from realtime.bus import Bus, InProcessBus, RedisBus, Subscription


@pytest.fixture(params=["in-process", "redis"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    redis_url = os.environ.get("HALL_TEST_REDIS_URL")  # set by tests/conftest.py
    if request.param == "redis" and not redis_url:
        pytest.skip("HALL_TEST_REDIS_URL is not set")
    impl: Bus = InProcessBus() if request.param == "in-process" else RedisBus(str(redis_url))
    yield impl
    await impl.close()


async def take(sub: Subscription, n: int, timeout: float = 5.0) -> list[dict[str, object]]:
    got: list[dict[str, object]] = []
    async with asyncio.timeout(timeout):
        async for payload in sub:
            got.append(payload)
            if len(got) == n:
                break
    return got


async def test_a_subscriber_receives_what_is_published_in_order(bus: Bus):
    sub = await bus.subscribe("hall.t1.chat")
    for i in range(20):
        await bus.publish("hall.t1.chat", {"n": i, "text": "Selamat datang di MPP"})
    got = await take(sub, 20)
    assert [p["n"] for p in got] == list(range(20))
    assert got[0]["text"] == "Selamat datang di MPP"
    await sub.close()


async def test_every_subscriber_of_a_topic_receives_a_copy(bus: Bus):
    a, b = await bus.subscribe("hall.t2.chat"), await bus.subscribe("hall.t2.chat")
    await bus.publish("hall.t2.chat", {"x": 1})
    assert await take(a, 1) == [{"x": 1}]
    assert await take(b, 1) == [{"x": 1}]
    await a.close()
    await b.close()


async def test_topics_are_separate(bus: Bus):
    other = await bus.subscribe("hall.t3.announce")
    mine = await bus.subscribe("hall.t3.chat")
    await bus.publish("hall.t3.chat", {"for": "chat"})
    assert await take(mine, 1) == [{"for": "chat"}]
    with pytest.raises(TimeoutError):
        await take(other, 1, timeout=0.3)
    await other.close()
    await mine.close()


async def test_payloads_come_back_as_json_would_carry_them(bus: Bus):
    sub = await bus.subscribe("hall.t4.chat")
    await bus.publish("hall.t4.chat", {"tuple": (1, 2), "nested": {"ok": True}, "f": 1.5})
    (got,) = await take(sub, 1)
    assert got == {"tuple": [1, 2], "nested": {"ok": True}, "f": 1.5}  # tuples become lists
    await sub.close()


async def test_a_payload_json_cannot_carry_is_refused_on_publish(bus: Bus):
    with pytest.raises((TypeError, ValueError)):
        await bus.publish("hall.t5.chat", {"nan": float("nan")})
    with pytest.raises(TypeError):
        await bus.publish("hall.t5.chat", {"obj": object()})


async def test_a_closed_subscription_ends_its_iteration(bus: Bus):
    sub = await bus.subscribe("hall.t6.chat")
    await sub.close()
    await bus.publish("hall.t6.chat", {"late": True})
    async with asyncio.timeout(2):
        assert [p async for p in sub] == []
