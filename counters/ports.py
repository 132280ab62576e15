"""What the counter floor needs from outside, and what it hands back (pure).

The floor (:mod:`counters.floor`) decides; it does no I/O. It reads the hall
through a :class:`Seat` (who is where, who is connected) and places its bots
and private channels through it; the demo crowd through :class:`Walkers`; the
state of counter calls through :class:`CallView`. Everything else it does is
collected in a :class:`Batch` that the pump (``realtime/counter_hub.py``)
drains after every operation: write to the store in one transaction, then
send the messages, publish the chat lines and the board, and tell the call
desk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from avatars.model import Appearance, Identity
from counters.desk import Application, CounterSession, DeskEvent
from counters.tickets import QueueEvent
from scenes.model import Point

#: A JSON object sent to one client.
Message = dict[str, Any]


class Seat(Protocol):
    """The hall as the floor sees it (``realtime.counter_hub.HallSeat`` adapts the hall)."""

    @property
    def hall_id(self) -> str: ...

    def identity_of(self, avatar_id: int) -> Identity: ...

    def avatar_of(self, subject: str) -> int | None:
        """This person's avatar, connected or within its resume grace; None if gone."""

    def connected(self, avatar_id: int) -> bool:
        """The avatar exists and has a live connection (or is server-driven)."""

    def position(self, avatar_id: int) -> tuple[float, float]: ...

    def spawn_bot(
        self, identity: Identity, appearance: Appearance, at: tuple[float, float, float]
    ) -> int:
        """Place a bot clerk's avatar; return its id."""

    def remove(self, avatar_id: int) -> None:
        """Take an avatar out of the hall (a bot that leaves its counter)."""

    def open_channel(self, staff_avatar: int, members: list[int]) -> str: ...

    def add_to_channel(self, channel: str, avatar_id: int) -> None: ...

    def close_channel(self, channel: str) -> None: ...

    def pin(self, viewer: int, avatars: tuple[int, ...]) -> None:
        """Always show these avatars to this viewer (its counter's staff); () unpins."""

    def say(self, avatar_id: int, channel: str, text: str, text_en: str) -> Message:
        """A bot's line in a channel; returns the chat payload to publish on the bus."""


class Walkers(Protocol):
    """The simulated citizens of the demo hall (``avatars.crowd.Crowd``, adapted)."""

    def avatar_ids(self) -> list[int]: ...

    def subject_of(self, avatar_id: int) -> str: ...

    def send_to(self, avatar_id: int, goal: Point) -> None: ...

    def release(self, avatar_id: int) -> None: ...


class CallView(Protocol):
    """What the floor shows of a counter session's call (None: no call)."""

    def call_of(self, session_id: str) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class CallParty:
    """One side of a counter call: who (pseudonymous ref), what kind, which avatar."""

    ref: str
    kind: str  # "citizen", "officer" or "bot"
    avatar: int | None


@dataclass(frozen=True, slots=True)
class CallOpened:
    session_id: str
    ticket_id: str
    counter_id: str
    citizen: CallParty
    staff: CallParty


@dataclass(frozen=True, slots=True)
class CallStaffChanged:
    session_id: str
    staff: CallParty


@dataclass(frozen=True, slots=True)
class CallClosed:
    session_id: str
    #: ``session_ended``, or ``officer_left`` when a bot takes the session over
    reason: str = "session_ended"


CallEvent = CallOpened | CallStaffChanged | CallClosed


@dataclass(slots=True)
class Batch:
    """What one floor operation produced, drained by :meth:`counters.floor.Floor.drain`.

    The pump writes the first five fields in one transaction, then (and only
    then) sends ``messages`` in order, publishes ``chats`` and ``board``, and
    forwards ``calls``.
    """

    queue_events: list[QueueEvent] = field(default_factory=list)
    desk_events: list[DeskEvent] = field(default_factory=list)
    sessions: dict[str, CounterSession] = field(default_factory=dict)
    applications: list[Application] = field(default_factory=list)
    #: actor ref -> role, for the audit rows of desk events
    actor_roles: dict[str, str] = field(default_factory=dict)
    messages: list[tuple[int, Message]] = field(default_factory=list)
    chats: list[Message] = field(default_factory=list)
    calls: list[CallEvent] = field(default_factory=list)
    #: the "now serving" board, when it changed
    board: Message | None = None

    @property
    def writes(self) -> bool:
        return bool(self.queue_events or self.desk_events or self.sessions or self.applications)
