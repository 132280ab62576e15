"""The hall, the demo crowd and the calls as the counter floor sees them.

Adapters of the ports in :mod:`counters.ports`, for ``realtime/counter_hub.py``.
:class:`HallSeat` is where the floor's wall-clock time meets the hall's
monotonic clock: bots are placed with the monotonic clock, their chat lines
are stamped with Unix time (docs/architecture.md, "Clocks").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from avatars.crowd import Crowd
from avatars.model import Appearance, Identity
from counters.ports import Message
from realtime.calls.manager import CallManager
from realtime.hall import Hall
from scenes.model import Point


class HallSeat:
    """The :class:`counters.ports.Seat` of a :class:`~realtime.hall.Hall`."""

    def __init__(
        self,
        hall: Hall,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.hall = hall
        self._monotonic = monotonic
        self._wall = wall

    @property
    def hall_id(self) -> str:
        return self.hall.hall_id

    def identity_of(self, avatar_id: int) -> Identity:
        return self.hall.identity_of(avatar_id)

    def avatar_of(self, subject: str) -> int | None:
        return self.hall.avatar_of(subject)

    def connected(self, avatar_id: int) -> bool:
        hall = self.hall
        return hall.has(avatar_id) and (hall.is_attached(avatar_id) or hall.is_driven(avatar_id))

    def position(self, avatar_id: int) -> tuple[float, float]:
        x, y, _ = self.hall.position(avatar_id)
        return x, y

    def spawn_bot(
        self, identity: Identity, appearance: Appearance, at: tuple[float, float, float]
    ) -> int:
        joined = self.hall.join(
            identity, appearance, now=self._monotonic(), position=at, driven=True
        )
        return joined.avatar_id

    def remove(self, avatar_id: int) -> None:
        if self.hall.has(avatar_id):
            self.hall.leave(avatar_id)

    def open_channel(self, staff_avatar: int, members: list[int]) -> str:
        return self.hall.open_channel(staff_avatar, members)

    def add_to_channel(self, channel: str, avatar_id: int) -> None:
        self.hall.add_to_channel(channel, avatar_id)

    def close_channel(self, channel: str) -> None:
        self.hall.close_channel_for_all(channel)

    def pin(self, viewer: int, avatars: tuple[int, ...]) -> None:
        if not self.hall.has(viewer):
            return
        if avatars:
            self.hall.pin(viewer, avatars)
        else:
            self.hall.unpin(viewer)

    def say(self, avatar_id: int, channel: str, text: str, text_en: str) -> Message:
        event = self.hall.chat(avatar_id, channel, text, now=self._wall())
        return {**event.to_json(), "text_en": text_en}


class CrowdWalkers:
    """The :class:`counters.ports.Walkers` of the demo crowd."""

    def __init__(self, crowd: Crowd, hall: Hall, monotonic: Callable[[], float] = time.monotonic):
        self.crowd, self.hall, self._monotonic = crowd, hall, monotonic

    def avatar_ids(self) -> list[int]:
        return self.crowd.avatar_ids()

    def subject_of(self, avatar_id: int) -> str:
        return self.hall.subject_of(avatar_id)

    def send_to(self, avatar_id: int, goal: Point) -> None:
        self.crowd.send_to(avatar_id, goal)

    def release(self, avatar_id: int) -> None:
        self.crowd.release(avatar_id, self._monotonic())


class CallsView:
    """The :class:`counters.ports.CallView` of the call manager (its pure call book)."""

    def __init__(self, calls: CallManager) -> None:
        self.calls = calls

    def call_of(self, session_id: str) -> Mapping[str, Any] | None:
        call = self.calls.book.for_session(session_id)
        return None if call is None else call.to_json()
