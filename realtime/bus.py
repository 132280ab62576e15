"""Publish and subscribe hall events between the parts of a deployment.

:class:`Bus` is the interface. :class:`InProcessBus` is the embedded default;
it serialises every payload to JSON bytes on publish and parses them on
delivery, exactly as :class:`RedisBus` does over the network, so a payload
that would not survive Redis does not survive in process either, and the
two cannot drift apart. ``tests/contract/test_bus.py`` runs one suite over
both.

Delivery is at most once and in publish order per subscriber. A subscriber
that falls more than ``max_pending`` messages behind loses the oldest ones
(counted in ``dropped``) rather than growing without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any, Protocol

Payload = dict[str, Any]


def encode(payload: Payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def decode(data: bytes | str) -> Payload:
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError("bus payloads are JSON objects")
    return value


class Subscription(Protocol):
    """Messages of one topic, as an async iterator; close it when done."""

    def __aiter__(self) -> AsyncIterator[Payload]: ...

    async def close(self) -> None: ...


class Bus(Protocol):
    """Topic-based publish/subscribe of JSON-object payloads."""

    async def publish(self, topic: str, payload: Payload) -> None:
        """Send ``payload`` to every current subscriber of ``topic``."""

    async def subscribe(self, topic: str) -> Subscription:
        """Start receiving ``topic``; messages published after this returns arrive."""

    async def close(self) -> None:
        """Release connections; subscriptions end."""


class _Queue:
    def __init__(self, bus: InProcessBus, topic: str, max_pending: int) -> None:
        self._bus = bus
        self.topic = topic
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._max_pending = max_pending
        self.dropped = 0

    def _offer(self, data: bytes | None) -> None:
        if data is not None and self._queue.qsize() >= self._max_pending:
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(data)

    async def __aiter__(self) -> AsyncIterator[Payload]:
        while True:
            data = await self._queue.get()
            if data is None:
                return
            yield decode(data)

    async def close(self) -> None:
        self._bus._unsubscribe(self)
        self._offer(None)


class InProcessBus:
    """The embedded bus: one process, no external service."""

    def __init__(self, max_pending: int = 10_000) -> None:
        self._subs: dict[str, set[_Queue]] = {}
        self._max_pending = max_pending

    async def publish(self, topic: str, payload: Payload) -> None:
        data = encode(payload)
        for sub in list(self._subs.get(topic, ())):
            sub._offer(data)

    async def subscribe(self, topic: str) -> Subscription:
        sub = _Queue(self, topic, self._max_pending)
        self._subs.setdefault(topic, set()).add(sub)
        return sub

    def _unsubscribe(self, sub: _Queue) -> None:
        self._subs.get(sub.topic, set()).discard(sub)

    async def close(self) -> None:
        for subs in list(self._subs.values()):
            for sub in list(subs):
                await sub.close()


class _RedisSubscription:
    def __init__(self, pubsub: Any) -> None:
        self._pubsub = pubsub

    async def __aiter__(self) -> AsyncIterator[Payload]:
        async for message in self._pubsub.listen():
            if message.get("type") == "message":
                yield decode(message["data"])

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._pubsub.unsubscribe()
        await self._pubsub.aclose()


class RedisBus:
    """The networked bus: Redis PUBLISH/SUBSCRIBE, for several processes or machines."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis  # imported here: only deployments that use Redis need it

        self._client = redis.from_url(url)
        self._subs: list[_RedisSubscription] = []

    async def publish(self, topic: str, payload: Payload) -> None:
        await self._client.publish(topic, encode(payload))

    async def subscribe(self, topic: str) -> Subscription:
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(topic)
        sub = _RedisSubscription(pubsub)
        self._subs.append(sub)
        return sub

    async def close(self) -> None:
        for sub in self._subs:
            await sub.close()
        self._subs.clear()
        await self._client.aclose()
