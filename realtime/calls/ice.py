"""ICE at the edge: which ICE servers, and which local addresses a peer offers.

aioice leaves loopback addresses out of its host candidates, and offers
every other address of the machine. A hall server usually wants to choose:
the address its citizens can reach, or 127.0.0.x when everything runs on one
machine (tests, a demo laptop). :func:`host_addresses` sets the addresses for
candidates gathered in the current context, that is around
``setLocalDescription`` (a ContextVar, so a test can run server and client
peers in one process, each on its own loopback address); :func:`install`
routes aioice's address lookup through it, once per process.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence
from typing import Any

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer

_ADDRESSES: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar(
    "hall_ice_addresses", default=None
)
_original: Any = None


def install() -> None:
    """Route aioice's host-address lookup through :data:`_ADDRESSES` (idempotent)."""
    global _original
    if _original is not None:
        return
    _original = aioice.ice.get_host_addresses

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        chosen = _ADDRESSES.get()
        if chosen is None:
            return list(_original(use_ipv4, use_ipv6))
        return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = get_host_addresses


@contextlib.contextmanager
def host_addresses(addresses: Sequence[str] | None) -> Iterator[None]:
    install()
    token = _ADDRESSES.set(tuple(addresses) if addresses else None)
    try:
        yield
    finally:
        _ADDRESSES.reset(token)


def rtc_configuration(ice_servers: Sequence[dict[str, Any]]) -> RTCConfiguration:
    """An aiortc configuration with exactly these ICE servers.

    An empty list means none at all: aiortc falls back to a public Google STUN
    server only when given ``None``, and a hall may have no internet.
    """
    servers = [
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in ice_servers
    ]
    return RTCConfiguration(iceServers=servers)
