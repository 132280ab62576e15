"""The hall's realtime state machine (sans I/O).

:class:`Hall` holds every avatar of one hall in numpy arrays indexed by a
slot, plus the per-viewer bookkeeping of what each client sees. Messages go
in as method calls with ``now`` passed explicitly; what must be sent comes
out of :meth:`Hall.tick` (one binary frame per viewer) and
:meth:`Hall.drain_control` (JSON control messages per avatar). The pump in
:mod:`realtime.endpoint` and :mod:`realtime.ticker` moves those bytes.

Each viewer's view is bounded (:mod:`realtime.view`): at most
``view_max_avatars`` others, the nearest of the bodies in its 3x3 cells,
with hysteresis, plus the avatars pinned for it (the staff of its counter).
A view is chosen again only when something in its cells changed, at most
once every ``view_reselect_ticks`` ticks (staggered over the viewers), or at
once when an avatar in it leaves the hall; all viewers due are chosen
together, whatever their cells, with a few array operations. A viewer keeps
only its view, an array of at most K + pins + 1 slots, so memory per
connection does not grow with the crowd.

A viewer's view after a frame is ``(view | entered | updated) - left``, or
exactly ``entered`` when the frame is FULL (sent when the previous frame was
never taken by a slow client).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from avatars.model import Anim, Appearance, Emote, Flag, Identity, Profile, Role
from avatars.movement import FloorQueries, MoveRules, accept_steps, check_proposal
from avatars.names import clean_chat_text
from hall_server.errors import Conflict, Forbidden, InvalidInput, LimitExceeded, NotFound
from realtime import codec, view
from realtime.interest import CellGrid
from scenes.model import Bounds

PROXIMITY = "proximity"
__all__ = ["PROXIMITY", "ChatEvent", "Hall", "HallRules", "Identity", "Joined", "TickResult"]


@dataclass(frozen=True, slots=True)
class HallRules:
    """The parts of the settings a hall runs by."""

    tick_hz: float = 20.0
    aoi_cell_m: float = 10.0
    chat_radius_m: float = 8.0
    resume_grace_s: float = 60.0
    max_avatars: int = 2000
    max_chat_chars: int = 500
    #: Most other avatars a viewer with a body is sent (docs/protocol.md section 6).
    view_max_avatars: int = 64
    #: Most avatars a spectator is sent, the nearest to the hall's centre; 0: all.
    spectator_max_avatars: int = 0
    #: A view is chosen again at most once per this many ticks (staggered over viewers).
    view_reselect_ticks: int = 4
    #: Avatars in view beyond the nearest quarter of K are updated once per this many
    #: ticks (staggered), with their latest state; the nearest at every tick.
    view_far_every_ticks: int = 4
    move: MoveRules = field(default_factory=MoveRules)


@dataclass(frozen=True, slots=True)
class Joined:
    avatar_id: int
    session_id: str
    resume_token: str
    resumed: bool


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """A chat line that passed checks; published on the bus, then delivered."""

    hall: str
    channel: str
    sender: int
    sender_name: str
    text: str
    x: float
    y: float
    ts: float
    #: The English text, when the speaker (a bot) says it in both languages.
    text_en: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "text_en": self.text_en,
            "hall": self.hall,
            "channel": self.channel,
            "sender": self.sender,
            "sender_name": self.sender_name,
            "text": self.text,
            "x": self.x,
            "y": self.y,
            "ts": self.ts,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ChatEvent:
        return cls(
            hall=str(data["hall"]),
            channel=str(data["channel"]),
            sender=int(data["sender"]),  # type: ignore[call-overload]
            sender_name=str(data["sender_name"]),
            text=str(data["text"]),
            x=float(data["x"]),  # type: ignore[arg-type]
            y=float(data["y"]),  # type: ignore[arg-type]
            ts=float(data["ts"]),  # type: ignore[arg-type]
            text_en=str(data["text_en"]) if data.get("text_en") else None,
        )


@dataclass(slots=True)
class _Avatar:
    slot: int
    avatar_id: int
    session_id: str
    resume_token: str
    identity: Identity
    profile_json: str
    attached: bool = True
    #: driven by the server (demo citizens, bots): a body that views nothing
    driven: bool = False
    detached_at: float = 0.0
    #: slots this viewer sees, sorted (itself included): at most K + 1
    view: NDArray[np.int32] = field(default_factory=lambda: _NO_SLOTS)
    #: per slot of ``view``: updated at every tick (itself, pins, the nearest K / 4)
    near: NDArray[np.bool_] = field(default_factory=lambda: _NO_FLAGS)
    #: avatar ids always in this viewer's view (the staff of its counter)
    pins: tuple[int, ...] = ()
    channels: set[str] = field(default_factory=set)
    #: restored from another node and not resumed yet: ``resume_token`` holds the token's key
    keyed: bool = False


@dataclass(slots=True)
class TickResult:
    #: avatar id -> binary frame, for attached viewers with something new
    frames: dict[int, bytes]
    #: avatar ids removed this tick because their resume grace ran out
    expired: list[int]
    #: moves accepted and corrected this tick
    accepted: int = 0
    corrected: int = 0


class Hall:
    """One hall's avatars, their movement and what each viewer sees.

    Call order for a connection: :meth:`join` (or :meth:`resume`), then any
    of :meth:`propose_move`, :meth:`chat`, :meth:`emote`; :meth:`detach` when
    the socket drops (the avatar stays, idle, for the grace period) or
    :meth:`leave`. After each call, and after each :meth:`tick`, drain
    :meth:`drain_control` and send what it returns.
    """

    def __init__(
        self,
        hall_id: str,
        *,
        bounds: Bounds,
        floor: FloorQueries,
        spawns: list[tuple[float, float, float]],
        rules: HallRules,
        new_token: Callable[[], str],
        welcome_extra: dict[str, object] | None = None,
    ) -> None:
        self.hall_id = hall_id
        self.bounds = bounds
        self.floor = floor
        self.rules = rules
        self.spawns = spawns or [
            ((bounds.min_x + bounds.max_x) / 2, (bounds.min_y + bounds.max_y) / 2, 0.0)
        ]
        self._new_token = new_token
        self._welcome_extra = welcome_extra or {}
        self.grid = CellGrid(
            (bounds.min_x, bounds.min_y), (bounds.max_x, bounds.max_y), rules.aoi_cell_m
        )
        self.tick_count = 0
        self._next_id = 1
        self._spawn_turn = 0
        cap = 64
        self.pos = np.zeros((cap, 2))
        self.yaw = np.zeros(cap)
        self.anim = np.zeros(cap, dtype=np.uint8)
        self.flags = np.zeros(cap, dtype=np.uint8)
        self.ids = np.zeros(cap, dtype=np.uint32)
        self.active = np.zeros(cap, dtype=np.bool_)
        self.attached = np.zeros(cap, dtype=np.bool_)
        self.body = np.zeros(cap, dtype=np.bool_)
        self.cell = np.full(cap, -1, dtype=np.int64)
        self.dirty = np.zeros(cap, dtype=np.bool_)
        self.last_move_at = np.zeros(cap)
        # The latest proposal of each avatar since the last tick, by slot: a dict entry
        # per move is several times cheaper than five numpy item writes, and moves
        # arrive 20 times a second per client; the tick turns them into arrays at once.
        self._proposals: dict[int, tuple[float, float, float, int, int]] = {}
        self._free: list[int] = list(range(cap - 1, -1, -1))
        self._freed_this_tick: list[int] = []
        self._avatars: dict[int, _Avatar] = {}  # by slot
        self._by_id: dict[int, int] = {}  # avatar id -> slot
        self._by_resume: dict[str, int] = {}  # resume token -> slot
        self._by_subject: dict[str, int] = {}  # subject -> slot (the latest avatar of that person)
        # The tick at which something last changed in each cell (one spare cell at the end,
        # which slots without a cell, -1, also index): views there are chosen again.
        self._changed_at = np.full(self.grid.size + 1, -1, dtype=np.int64)
        self._stale: set[int] = set()  # viewer slots whose view must be chosen at the next tick
        # per slot: the last tick it changed (far viewers get it on its turn)
        self._changed_tick = np.full(cap, _NEVER, dtype=np.int64)
        self._chosen_tick = np.full(cap, -1, dtype=np.int64)  # per viewer slot: view chosen at
        self._channels: dict[str, set[int]] = {}  # private channel -> member slots
        self._control: dict[int, list[str]] = {}  # avatar id -> JSON texts
        self._ended: list[tuple[str, str]] = []  # (session id, reason) of ended sessions
        #: avatar id -> (reply type, ref): the request being handled for that client
        self._replies: dict[int, tuple[str, int]] = {}
        self.bodies = 0

    # ------------------------------------------------------------------ joins

    def join(
        self,
        identity: Identity,
        appearance: Appearance,
        *,
        now: float,
        position: tuple[float, float, float] | None = None,
        driven: bool = False,
    ) -> Joined:
        """Add an avatar (or a body-less spectator) and queue its welcome.

        ``driven`` avatars are moved by the server itself (demo citizens,
        bots): they have a body that others see but no connection, no view
        and no welcome, and they never expire.
        """
        has_body = identity.role.has_body
        if has_body and self.bodies >= self.rules.max_avatars:
            raise LimitExceeded(
                f"the hall is full ({self.rules.max_avatars} avatars)", code="hall_full"
            )
        slot = self._take_slot()
        avatar_id = self._next_id
        self._next_id += 1
        x, y, yaw = position if position is not None else self._next_spawn()
        profile = Profile(avatar_id, identity.display_name, identity.role, appearance)
        av = _Avatar(
            slot=slot,
            avatar_id=avatar_id,
            session_id=self._new_token(),
            resume_token=self._new_token(),
            identity=identity,
            profile_json=json.dumps(profile.to_json(), ensure_ascii=False, separators=(",", ":")),
        )
        self._avatars[slot] = av
        self._by_id[avatar_id] = slot
        self._by_resume[av.resume_token] = slot
        self._by_subject[identity.subject] = slot
        self.pos[slot] = (x, y)
        self.yaw[slot] = yaw
        self.anim[slot] = Anim.IDLE
        self.flags[slot] = Flag.STAFF if identity.role.is_staff else 0
        self.ids[slot] = avatar_id
        self.active[slot] = True
        self.body[slot] = has_body
        self.dirty[slot] = False
        self._changed_tick[slot] = _NEVER
        self._proposals.pop(slot, None)
        self.last_move_at[slot] = now
        cell = int(self.grid.cells_of(self.pos[slot : slot + 1])[0])
        self.cell[slot] = cell
        if has_body:
            self.bodies += 1
            self._changed_at[cell] = self.tick_count + 1
        if driven:
            av.attached = False
            av.driven = True
        else:
            self._attach(av)
            self._welcome(av, resumed=False)
        return Joined(avatar_id, av.session_id, av.resume_token, resumed=False)

    def resume(
        self,
        resume_token: str,
        *,
        now: float,
        key: str | None = None,
        identity: Identity | None = None,
    ) -> Joined:
        """Re-attach a detached avatar by its resume token, where it stands.

        ``key``: the avatar was restored (:meth:`restore`) under this key (the
        token's digest) by a node taking the hall over; it is found by the key
        and keyed by ``resume_token`` again, with the fresh ``identity``.
        """
        slot = self._by_resume.get(key if key is not None else resume_token)
        if slot is None:
            raise NotFound("unknown or expired resume token", code="resume_expired")
        av = self._avatars[slot]
        if av.attached or av.driven:
            raise Conflict("this session is still connected", code="already_joined")
        if key is not None:
            del self._by_resume[key]
            av.resume_token, av.keyed = resume_token, False
            self._by_resume[resume_token] = slot
            if identity is not None:
                av.identity = identity
        av.attached = True
        self.flags[slot] &= ~np.uint8(Flag.IDLE)
        self.dirty[slot] = True
        self.last_move_at[slot] = now
        self._attach(av)
        self._welcome(av, resumed=True)
        return Joined(av.avatar_id, av.session_id, av.resume_token, resumed=True)

    def resumable(self) -> list[dict[str, object]]:
        """Every avatar a client may resume (the server-driven aside), where it stands:
        what another node needs to take the hall over (hall_server/cluster/presence.py)."""
        out: list[dict[str, object]] = []
        for slot, av in self._avatars.items():
            if av.driven:
                continue
            ident = av.identity
            out.append(
                {
                    "avatar_id": av.avatar_id,
                    "session_id": av.session_id,
                    "resume_token": av.resume_token,
                    # True: ``resume_token`` is already the key (restored, not resumed here)
                    "keyed": av.keyed,
                    "subject": ident.subject,
                    "role": ident.role.value,
                    "name": ident.display_name,
                    "token_role": ident.token_role,
                    "elderly": ident.elderly,
                    "profile": av.profile_json,
                    "x": float(self.pos[slot, 0]),
                    "y": float(self.pos[slot, 1]),
                    "yaw": float(self.yaw[slot]),
                }
            )
        return out

    def restore(
        self,
        identity: Identity,
        profile_json: str,
        *,
        avatar_id: int,
        session_id: str,
        resume_key: str,
        position: tuple[float, float, float],
        now: float,
    ) -> None:
        """Place a detached avatar taken over from another node, resumable under
        ``resume_key`` for the resume grace. Call before anyone else joins (ids)."""
        if avatar_id in self._by_id:
            raise Conflict("this avatar id is taken", code="conflict")
        joined = self.join(identity, Appearance(), now=now, position=position, driven=True)
        slot = self._by_id.pop(joined.avatar_id)
        av = self._avatars[slot]
        del self._by_resume[av.resume_token]
        av.avatar_id, av.session_id, av.resume_token = avatar_id, session_id, resume_key
        av.profile_json = profile_json
        av.driven, av.detached_at, av.keyed = False, now, True
        self.ids[slot] = avatar_id
        self.flags[slot] |= np.uint8(Flag.IDLE)
        self._by_id[avatar_id] = slot
        self._by_resume[resume_key] = slot
        self._next_id = max(self._next_id, avatar_id + 1)

    def detach(self, avatar_id: int, *, now: float) -> None:
        """The connection dropped: keep the avatar, shown idle, for the grace period."""
        slot = self._slot(avatar_id)
        av = self._avatars[slot]
        if not av.attached:
            return
        av.attached = False
        self.attached[slot] = False
        av.detached_at = now
        self.flags[slot] |= np.uint8(Flag.IDLE)
        self.dirty[slot] = True
        self._proposals.pop(slot, None)
        av.view, av.near = _NO_SLOTS, _NO_FLAGS
        self._stale.discard(slot)
        self._control.pop(avatar_id, None)

    def leave(self, avatar_id: int) -> None:
        """The avatar leaves for good: others see it leave at the next tick."""
        self._remove(self._slot(avatar_id), "left")

    # --------------------------------------------------------------- messages

    def propose_move(
        self, avatar_id: int, x: object, y: object, yaw: object, anim: object, seq: int
    ) -> None:
        """Record a proposed position; the latest proposal is checked at the next tick."""
        fx, fy, fyaw = check_proposal(x, y, yaw, self.bounds)
        if not isinstance(anim, str) or anim not in _ANIMS:
            raise InvalidInput(f"anim must be one of {', '.join(_ANIMS)}", code="bad_value")
        slot = self._slot(avatar_id)
        if not self.body[slot]:
            raise Forbidden("spectators have no body to move; they see the whole hall")
        self._proposals[slot] = (fx, fy, fyaw, _ANIMS[anim], seq)

    def chat(self, avatar_id: int, channel: str, text: object, *, now: float) -> ChatEvent:
        """Check a chat line; the caller publishes the event, then :meth:`deliver_chat`."""
        slot = self._slot(avatar_id)
        av = self._avatars[slot]
        if not isinstance(text, str):
            raise InvalidInput("text must be a string", code="bad_type")
        text = clean_chat_text(text)  # no control or bidi characters (docs/protocol.md)
        if not text:
            raise InvalidInput("text is empty", code="bad_value")
        if len(text) > self.rules.max_chat_chars:
            raise InvalidInput(
                f"text is longer than {self.rules.max_chat_chars} characters", code="too_large"
            )
        if channel == PROXIMITY:
            if not self.body[slot]:
                raise Forbidden("spectators cannot speak in the hall")
        elif channel not in av.channels:
            raise Forbidden("you are not a member of this channel", code="not_member")
        x, y = self.pos[slot]
        return ChatEvent(
            self.hall_id,
            channel,
            av.avatar_id,
            av.identity.display_name,
            text,
            float(x),
            float(y),
            now,
        )

    def deliver_chat(self, event: ChatEvent) -> int:
        """Queue a chat line for everyone who hears it; return how many do."""
        body: dict[str, object] = {
            "type": "chat",
            "channel": event.channel,
            "from": {"id": event.sender, "name": event.sender_name},
            "text": event.text,
            "ts": event.ts,
        }
        if event.text_en:
            body["text_en"] = event.text_en
        msg = _dumps(body)
        if event.channel == PROXIMITY:
            listeners = self.active & self.attached
            d = np.hypot(self.pos[:, 0] - event.x, self.pos[:, 1] - event.y)
            slots: Iterable[int] = np.flatnonzero(
                listeners & (d <= self.rules.chat_radius_m)
            ).tolist()
        else:
            slots = [s for s in self._channels.get(event.channel, ()) if self._avatars[s].attached]
        count = 0
        for s in slots:
            self._queue(self._avatars[s].avatar_id, msg)
            count += 1
        return count

    def emote(self, avatar_id: int, emote: object) -> None:
        """Show a gesture to everyone who sees the avatar."""
        if not isinstance(emote, str) or emote not in _EMOTES:
            raise InvalidInput(f"emote must be one of {', '.join(_EMOTES)}", code="bad_value")
        slot = self._slot(avatar_id)
        if not self.body[slot]:
            raise Forbidden("spectators have no body to gesture with")
        msg = _dumps({"type": "emote", "avatar": avatar_id, "emote": emote})
        for viewer in self._viewers_of(slot):
            self._queue(self._avatars[viewer].avatar_id, msg)

    def open_channel(self, opener_id: int, member_ids: list[int]) -> str:
        """Staff open a private channel with other avatars (counter sessions use this)."""
        opener = self._slot(opener_id)
        if not self._avatars[opener].identity.role.is_staff:
            raise Forbidden("only officers, guides and bots open private channels")
        slots = {opener} | {self._slot(m) for m in member_ids}
        channel = "private:" + self._new_token()[:16]
        self._channels[channel] = slots
        members = sorted(self._avatars[s].avatar_id for s in slots)
        opened = {"type": "channel_opened", "channel": channel, "members": members}
        msg = _dumps(opened)
        for s in slots:
            self._avatars[s].channels.add(channel)
            avatar_id = self._avatars[s].avatar_id
            self._queue(avatar_id, self._as_reply(avatar_id, opened) or msg)
        return channel

    def close_channel(self, closer_id: int, channel: str) -> None:
        slot = self._slot(closer_id)
        if channel not in self._avatars[slot].channels:
            raise Forbidden("you are not a member of this channel", code="not_member")
        if not self._avatars[slot].identity.role.is_staff:
            raise Forbidden("only staff close private channels")
        msg = _dumps({"type": "channel_closed", "channel": channel})
        for s in self._channels.pop(channel, set()):
            if s in self._avatars:
                self._avatars[s].channels.discard(channel)
                self._queue(self._avatars[s].avatar_id, msg)

    def set_speaking(self, avatar_id: int, speaking: bool) -> None:
        slot = self._slot(avatar_id)
        before = self.flags[slot]
        if speaking:
            self.flags[slot] |= np.uint8(Flag.SPEAKING)
        else:
            self.flags[slot] &= ~np.uint8(Flag.SPEAKING)
        self.dirty[slot] |= bool(before != self.flags[slot])

    def announce(self, text: dict[str, str]) -> None:
        """A hall-wide announcement (both languages) to every attached client."""
        msg = _dumps({"type": "announcement", "text": text})
        for av in self._avatars.values():
            if av.attached:
                self._queue(av.avatar_id, msg)

    # ------------------------------------------------------------------- tick

    def tick(self, now: float, lagging: set[int] | frozenset[int] = frozenset()) -> TickResult:
        """Advance one tick: expire, apply moves, choose views, encode frames.

        ``lagging`` names viewers whose previous frame was never taken; they
        get a FULL frame that replaces their view.
        """
        self.tick_count += 1
        expired = self._expire(now)
        accepted, corrected = self._apply_moves(now)
        self._update_cells()
        changes = self._choose_views()
        # Plain 12-byte items: taking rows of these is several times faster than of records.
        records = codec.quantise(self.ids, self.pos, self.yaw, self.anim, self.flags).view("V12")
        tick = self.tick_count
        every = max(1, self.rules.view_far_every_ticks)
        self._changed_tick[self.dirty] = tick
        # Far avatars are sent on their turn, with what changed since their last turn.
        turn = np.arange(len(self.active)) % every == tick % every
        far_due = turn & (self._changed_tick > tick - every)
        # Every viewer's view in one flat array: what each is sent is then picked and
        # encoded for all of them at once, and only sliced apart per viewer.
        viewers = [av for av in self._avatars.values() if av.attached]
        frames: dict[int, bytes] = {}
        if not viewers:
            self._end_tick()
            return TickResult(frames, expired, accepted, corrected)
        flat = np.concatenate([av.view for av in viewers])
        send = self.dirty[flat] & np.concatenate([av.near for av in viewers])
        send |= far_due[flat]
        sizes = np.fromiter((len(av.view) for av in viewers), dtype=np.int64, count=len(viewers))
        starts = np.cumsum(sizes) - sizes
        sent = np.zeros(len(flat) + 1, dtype=np.int32)  # records sent before each position
        np.cumsum(send, out=sent[1:])
        counts = (sent[starts + sizes] - sent[starts]).astype(np.int64)
        # Every viewer's frame of updates only, cut from one buffer: the usual frame.
        buf, stops = codec.update_frames(tick, records, flat[send], counts)
        fresh = self._entered_records(viewers, changes, flat, sizes, send, records)
        special = [
            i
            for i, av in enumerate(viewers)
            if av.slot in changes or (lagging and av.avatar_id in lagging)
        ]
        usual = counts > 0
        usual[special] = False
        ids = np.fromiter((av.avatar_id for av in viewers), dtype=np.int64, count=len(viewers))
        at = np.flatnonzero(usual)
        frames = dict(
            zip(
                ids[at].tolist(),
                map(
                    buf.__getitem__,
                    map(
                        slice,
                        (stops[at] - (counts[at] + 1) * codec.RECORD_SIZE).tolist(),
                        stops[at].tolist(),
                    ),
                ),
                strict=True,
            )
        )
        stops_list = stops.tolist()
        avatars = self._avatars
        counts_list = counts.tolist()
        for i in special:
            av = viewers[i]
            came, left = changes.get(av.slot, (_NO_SLOTS, _NO_SLOTS))
            if av.avatar_id in lagging:
                frame = codec.encode_frame(tick, entered=records.take(av.view).tobytes(), full=True)
            else:
                # this viewer's updates: its usual frame without the header
                n = counts_list[i]
                updated = buf[stops_list[i] - n * codec.RECORD_SIZE : stops_list[i]] if n else b""
                if not (updated or len(came) or len(left)):
                    continue
                frame = codec.encode_frame(
                    tick,
                    entered=fresh.get(av.slot, b""),
                    updated=(updated,),
                    left=self.ids[left] if len(left) else None,
                )
            if len(came):
                profiles = ",".join([avatars[s].profile_json for s in came.tolist()])
                self._queue(av.avatar_id, '{"type":"profiles","avatars":[' + profiles + "]}")
            frames[av.avatar_id] = frame
        self._end_tick()
        return TickResult(frames, expired, accepted, corrected)

    def _entered_records(
        self,
        viewers: list[_Avatar],
        changes: dict[int, tuple[NDArray[np.int32], NDArray[np.int32]]],
        flat: NDArray[np.int32],
        sizes: NDArray[np.int64],
        send: NDArray[np.bool_],
        records: NDArray[np.void],
    ) -> dict[int, bytes]:
        """The records of each changed viewer's entered avatars, but for those it is
        sent as updates anyway, by viewer slot: found for all viewers at once."""
        index = {av.slot: i for i, av in enumerate(viewers)}
        came = [(index[s], e) for s, (e, _) in changes.items() if len(e) and s in index]
        if not came:
            return {}
        cap = len(self.active) + 1
        lens = np.fromiter((len(e) for _, e in came), dtype=np.int64, count=len(came))
        entered = np.concatenate([e for _, e in came]).astype(np.int64)
        owner = np.repeat(np.fromiter((i for i, _ in came), np.int64, len(came)), lens)
        # every view is sorted, so the keys (viewer, slot) of all of them are too
        flat_keys = np.repeat(np.arange(len(viewers)), sizes) * cap + flat
        fresh = ~send[np.searchsorted(flat_keys, owner * cap + entered)]
        blob = records.take(entered[fresh]).tobytes()
        kept = np.bincount(np.repeat(np.arange(len(came)), lens)[fresh], minlength=len(came))
        ends = (np.cumsum(kept) * codec.RECORD_SIZE).tolist()
        out: dict[int, bytes] = {}
        a = 0
        for (i, _), b in zip(came, ends, strict=True):
            out[viewers[i].slot] = blob[a:b]
            a = b
        return out

    def _end_tick(self) -> None:
        self.dirty[:] = False
        self._free.extend(self._freed_this_tick)
        self._freed_this_tick.clear()

    # ---------------------------------------------------------------- views

    def pin(self, viewer_id: int, avatar_ids: Iterable[int]) -> None:
        """Always show ``avatar_ids`` to ``viewer_id`` (the staff of the counter it is
        queued for or served at), however far or however crowded; replaces earlier pins.

        Pinned avatars count within the viewer's K; ids not in the hall (or without a
        body) are ignored while absent and shown once they are there. The view changes
        at the next tick.
        """
        slot = self._slot(viewer_id)
        av = self._avatars[slot]
        pins = tuple(sorted({int(a) for a in avatar_ids} - {viewer_id}))
        if pins != av.pins:
            av.pins = pins
            self._stale.add(slot)

    def unpin(self, viewer_id: int) -> None:
        """Drop the viewer's pins (it left the queue, or its service ended); no-op if unknown."""
        slot = self._by_id.get(viewer_id)
        if slot is not None and self._avatars[slot].pins:
            self._avatars[slot].pins = ()
            self._stale.add(slot)

    def pinned(self, viewer_id: int) -> tuple[int, ...]:
        return self._avatars[self._slot(viewer_id)].pins

    def _viewers_of(self, slot: int) -> list[int]:
        """Attached viewers whose view holds ``slot`` (its cells' viewers, spectators and
        those that pin it are the only ones that can)."""
        near = self.attached & (self.grid.hood_mask[int(self.cell[slot])][self.cell] | ~self.body)
        maybe = set(np.flatnonzero(near).tolist())
        maybe.update(s for s, av in self._avatars.items() if av.pins and av.attached)
        out = []
        for viewer in maybe:
            seen = self._avatars[viewer].view
            at = int(np.searchsorted(seen, slot))
            if at < len(seen) and seen[at] == slot:
                out.append(viewer)
        return out

    def _choose_views(self) -> dict[int, tuple[NDArray[np.int32], NDArray[np.int32]]]:
        """Choose again the views that are due; (entered, left) slots per viewer changed."""
        tick = self.tick_count
        period = max(1, self.rules.view_reselect_ticks)
        hood_changed = self._changed_at[self.grid.hood_index].max(axis=1)
        anywhere = int(self._changed_at.max())
        gone: NDArray[np.bool_] | None = None
        if self._freed_this_tick:
            gone = np.zeros(len(self.active), dtype=np.bool_)
            gone[self._freed_this_tick] = True
        # Due on its turn if something changed around it since its view was chosen.
        watching = np.flatnonzero(self.attached)
        last = np.where(
            self.body[watching], hood_changed[np.maximum(self.cell[watching], 0)], anywhere
        )
        turn = (watching + tick) % period == 0
        due = set(watching[turn & (last > self._chosen_tick[watching])].tolist())
        due.update(s for s in self._stale if self.attached[s])
        self._stale.clear()
        if gone is not None:  # at once for views holding an avatar that left the hall
            due.update(s for s in watching.tolist() if gone[self._avatars[s].view].any())
        changes: dict[int, tuple[NDArray[np.int32], NDArray[np.int32]]] = {}
        ordered = sorted(due)
        bodies = [self._avatars[s] for s in ordered if self.body[s]]
        if bodies:  # all cells at once, their entered and left found at once too
            changes.update(self._select_bodies(bodies))
        spectators = [self._avatars[s] for s in ordered if not self.body[s]]
        if not spectators:
            return changes
        mark = np.zeros(len(self.active), dtype=np.bool_)  # scratch: faster than setdiff1d
        for av, new, near in self._select_spectators(spectators):
            old = av.view
            mark[old] = True
            entered = new[~mark[new]]
            mark[old] = False
            mark[new] = True
            left = old[~mark[old]]
            mark[new] = False
            av.view, av.near = new, near
            if len(entered) or len(left):
                changes[av.slot] = (entered, left)
        return changes

    def _select_bodies(
        self, group: list[_Avatar]
    ) -> dict[int, tuple[NDArray[np.int32], NDArray[np.int32]]]:
        """Choose again the views of viewers with a body, whatever their cells, from one
        padded matrix (a row per viewer over the bodies of its 3x3 cells, in slot order);
        sets them and returns (entered, left) slots per viewer whose view changed."""
        cap = len(self.active)
        live_slots = np.flatnonzero(self.body & self.active)
        by_cell = live_slots[np.argsort(self.cell[live_slots], kind="stable")]
        bounds = np.searchsorted(self.cell[by_cell], np.arange(self.grid.size + 2))
        k = self.rules.view_max_avatars
        near_n = max(1, k // 4)
        changes: dict[int, tuple[NDArray[np.int32], NDArray[np.int32]]] = {}
        for start in range(0, len(group), _SELECT_CHUNK):  # bounds the temporary matrices
            chunk = group[start : start + _SELECT_CHUNK]
            n = len(chunk)
            slots = np.fromiter((av.slot for av in chunk), dtype=np.int64, count=n)
            cells, cell_row = np.unique(self.cell[slots], return_inverse=True)
            cand, lens = _hood_candidates(by_cell, bounds, self.grid.hood_index[cells], cap)
            width = cand.shape[1]
            # padding (slot ``cap``) stands at infinity: its distance is inf, never chosen
            pos = np.concatenate((self.pos, np.full((1, 2), np.inf)))
            cx, cy = pos[cand, 0], pos[cand, 1]  # (cells, width) each
            own = self.pos[slots]
            d2 = cx[cell_row]
            d2 -= own[:, 0, None]
            np.square(d2, out=d2)
            dy = cy[cell_row]
            dy -= own[:, 1, None]
            np.square(dy, out=dy)
            d2 += dy
            n_real = lens[cell_row]
            # itself and its pins are added apart: never chosen among the candidates
            live = self.body & self.active
            room = np.full(n, k, dtype=np.int64)
            f_rows, f_slots = list(range(n)), slots.tolist()
            for row, av in enumerate(chunk):
                for pinned in av.pins[:k]:
                    s = self._by_id.get(pinned)
                    if s is not None and live[s]:
                        f_rows.append(row)
                        f_slots.append(s)
                        room[row] -= 1
            fr = np.array(f_rows, dtype=np.int64)
            fs = np.array(f_slots, dtype=np.int64)
            # column of each slot in each cell's row, -1 where it is not a candidate there
            col_of = np.full((len(cells), cap + 1), -1, dtype=np.int32)
            col_of[np.arange(len(cells))[:, None], cand] = np.arange(width, dtype=np.int32)
            fc = col_of[cell_row[fr], fs]
            inside = fc >= 0
            d2[fr[inside], fc[inside]] = np.inf
            # what each viewer sees now: sorted keys row * cap + slot, and as a mask
            views = [av.view for av in chunk]
            sizes = np.fromiter((len(v) for v in views), dtype=np.int64, count=n)
            old_rows = np.repeat(np.arange(n), sizes)
            old_slots = np.concatenate(views) if len(old_rows) else old_rows
            old_keys = old_rows * cap + old_slots
            old_cols = col_of[cell_row[old_rows], old_slots]
            current = np.zeros(d2.shape, dtype=np.bool_)
            current[old_rows[old_cols >= 0], old_cols[old_cols >= 0]] = True
            rows, cols, close = view.choose_rows(d2, n_real, current, room, k, near_n)
            picked = cand[cell_row[rows], cols]
            new_keys = np.concatenate((rows * cap + picked, fr * cap + fs))
            new_near = np.concatenate((close, np.ones(len(fs), dtype=np.bool_)))
            # keys are unique: sort them with the near flag in the lowest bit (a sort of
            # values, several times faster than a stable argsort and two gathers)
            packed = np.sort(new_keys * 2 + new_near)
            new_keys, new_near = packed >> 1, (packed & 1).astype(np.bool_)
            new_slots = (new_keys % cap).astype(np.int32)
            # entered: new keys not in the old; left: old keys not in the new (marks over
            # every (row, slot): np.zeros maps zeroed pages, only those written are touched)
            mark = np.zeros(n * cap, dtype=np.bool_)
            mark[old_keys] = True
            came = ~mark[new_keys]
            mark[old_keys] = False
            mark[new_keys] = True
            gone = ~mark[old_keys]
            row_starts = np.arange(n + 1) * cap
            nb = np.searchsorted(new_keys, row_starts).tolist()
            eb = np.searchsorted(new_keys[came], row_starts).tolist()
            lb = np.searchsorted(old_keys[gone], row_starts).tolist()
            entered_all = new_slots[came]
            left_all = (old_keys[gone] % cap).astype(np.int32)
            for row, av in enumerate(chunk):
                av.view = new_slots[nb[row] : nb[row + 1]]
                av.near = new_near[nb[row] : nb[row + 1]]
                if eb[row] != eb[row + 1] or lb[row] != lb[row + 1]:
                    changes[av.slot] = (
                        entered_all[eb[row] : eb[row + 1]],
                        left_all[lb[row] : lb[row + 1]],
                    )
            self._chosen_tick[slots] = self.tick_count
        return changes

    def _select_spectators(
        self, group: list[_Avatar]
    ) -> Iterable[tuple[_Avatar, NDArray[np.int32], NDArray[np.bool_]]]:
        """New views for spectators (viewers without a body): every body is a candidate,
        the nearest to the hall's centre are chosen."""
        live = self.body & self.active
        candidates = np.flatnonzero(live)
        k = self.rules.spectator_max_avatars or len(candidates)
        near_n = max(1, k // 4)
        b = self.bounds
        centre = np.array([(b.min_x + b.max_x) / 2, (b.min_y + b.max_y) / 2])
        col = np.full(len(self.active), -1, dtype=np.int64)
        col[candidates] = np.arange(len(candidates))
        cxy = self.pos[candidates]
        for start in range(0, len(group), _SELECT_CHUNK):  # bounds the temporary matrices
            chunk = group[start : start + _SELECT_CHUNK]
            n = len(chunk)
            slots = np.fromiter((av.slot for av in chunk), dtype=np.int64, count=n)
            origin = np.broadcast_to(centre, (n, 2))
            d2 = np.square(origin[:, 0, None] - cxy[None, :, 0])
            d2 += np.square(origin[:, 1, None] - cxy[None, :, 1])
            # what each viewer sees now, as one mask over its candidates
            views = [av.view for av in chunk]
            sizes = np.fromiter((len(v) for v in views), dtype=np.int64, count=n)
            rows = np.repeat(np.arange(n), sizes)
            cols = col[np.concatenate(views)] if len(rows) else rows
            current = np.zeros(d2.shape, dtype=np.bool_)
            current[rows[cols >= 0], cols[cols >= 0]] = True
            # itself and its pins are added apart: never chosen among the candidates
            forced: list[tuple[int, int]] = [(r, s) for r, s in enumerate(slots.tolist())]
            room = np.full(n, k, dtype=np.int64)
            for row, av in enumerate(chunk):
                for pinned in av.pins[:k]:
                    s = self._by_id.get(pinned)
                    if s is not None and live[s]:
                        forced.append((row, s))
                        room[row] -= 1
            f_rows = np.array([r for r, _ in forced], dtype=np.int64)
            f_slots = np.array([s for _, s in forced], dtype=np.int64)
            keep = self.body[f_slots]  # a spectator is not in its own view
            f_rows, f_slots = f_rows[keep], f_slots[keep]
            f_cols = col[f_slots]
            inside = f_cols >= 0
            d2[f_rows[inside], f_cols[inside]] = np.inf
            chosen, near = view.choose(d2, current, room, k, near_n)
            chosen[f_rows[inside], f_cols[inside]] = True
            near[f_rows[inside], f_cols[inside]] = True
            outside: dict[int, list[int]] = {r: [] for r in f_rows[~inside].tolist()}  # far pins
            for r, s in zip(f_rows[~inside].tolist(), f_slots[~inside].tolist(), strict=True):
                outside[r].append(s)
            nz_rows, nz_cols = np.nonzero(chosen)
            picked_all = candidates[nz_cols].astype(np.int32)
            near_all = near[nz_rows, nz_cols]
            ends = np.cumsum(np.bincount(nz_rows, minlength=n)).tolist()
            a = 0
            for row, av in enumerate(chunk):
                b = ends[row]
                picked, close = picked_all[a:b], near_all[a:b]
                a = b
                extra = outside.get(row)
                if extra:
                    picked = np.concatenate((picked, np.array(extra, dtype=np.int32)))
                    close = np.concatenate((close, np.ones(len(extra), dtype=np.bool_)))
                    order = np.argsort(picked, kind="stable")
                    picked, close = picked[order], close[order]
                yield av, picked, close
            self._chosen_tick[slots] = self.tick_count

    @property
    def has_output(self) -> bool:
        """Something waits in :meth:`drain_ended` or :meth:`drain_control`."""
        return bool(self._control or self._ended)

    def drain_ended(self) -> list[tuple[str, str]]:
        """Sessions that ended since the last call: (session id, reason)."""
        out, self._ended = self._ended, []
        return out

    def sessions(self) -> list[str]:
        """Session ids of every connected or resumable avatar (not the driven ones)."""
        return [av.session_id for av in self._avatars.values() if not av.driven]

    def drain_control(self) -> dict[int, list[str]]:
        """JSON texts to send, by avatar id, in order. Empties the queue."""
        out, self._control = self._control, {}
        return out

    # ---------------------------------------------------------------- queries

    def avatar_ids(self) -> list[int]:
        return [av.avatar_id for av in self._avatars.values()]

    def position(self, avatar_id: int) -> tuple[float, float, float]:
        slot = self._slot(avatar_id)
        return float(self.pos[slot, 0]), float(self.pos[slot, 1]), float(self.yaw[slot])

    def visible_ids(self, avatar_id: int) -> set[int]:
        """The avatar ids this viewer currently sees (itself included)."""
        return {int(self.ids[s]) for s in self._avatars[self._slot(avatar_id)].view.tolist()}

    def role_of(self, avatar_id: int) -> Role:
        return self._avatars[self._slot(avatar_id)].identity.role

    def is_attached(self, avatar_id: int) -> bool:
        return self._avatars[self._slot(avatar_id)].attached

    def has(self, avatar_id: int) -> bool:
        return avatar_id in self._by_id

    def is_driven(self, avatar_id: int) -> bool:
        """Moved by the server (a bot, a demo citizen): present without a connection."""
        return self._avatars[self._slot(avatar_id)].driven

    def subject_of(self, avatar_id: int) -> str:
        return self._avatars[self._slot(avatar_id)].identity.subject

    def identity_of(self, avatar_id: int) -> Identity:
        return self._avatars[self._slot(avatar_id)].identity

    def avatar_of(self, subject: str) -> int | None:
        """The avatar of this person in the hall (attached or within its resume grace)."""
        slot = self._by_subject.get(subject)
        return None if slot is None else self._avatars[slot].avatar_id

    def send(self, avatar_id: int, message: Mapping[str, object]) -> None:
        """Queue a control message for one avatar (dropped if it is not connected)."""
        slot = self._by_id.get(avatar_id)
        if slot is not None and self._avatars[slot].attached:
            self._queue(avatar_id, self._as_reply(avatar_id, message) or _dumps(message))

    def replying(self, avatar_id: int, reply_type: str, ref: int | None) -> None:
        """While a client's request is handled, its reply (the first message of
        ``reply_type`` to it) carries ``ref``; ``ref=None`` ends the request."""
        if ref is None:
            self._replies.pop(avatar_id, None)
        else:
            self._replies[avatar_id] = (reply_type, ref)

    def _as_reply(self, avatar_id: int, message: Mapping[str, object]) -> str | None:
        expected = self._replies.get(avatar_id)
        if expected is None or message.get("type") != expected[0]:
            return None
        del self._replies[avatar_id]
        return _dumps({**message, "ref": expected[1]})

    def add_to_channel(self, channel: str, avatar_id: int) -> None:
        """Add an avatar to a private channel (a counter session's new staff member)."""
        slot = self._slot(avatar_id)
        members = self._channels.get(channel)
        if members is None:
            raise NotFound("no such channel", code="unknown_channel")
        members.add(slot)
        self._avatars[slot].channels.add(channel)
        ids = sorted(self._avatars[s].avatar_id for s in members)
        self._queue(
            avatar_id, _dumps({"type": "channel_opened", "channel": channel, "members": ids})
        )

    def close_channel_for_all(self, channel: str) -> None:
        """The server closes a private channel (its counter session ended)."""
        msg = _dumps({"type": "channel_closed", "channel": channel})
        for s in self._channels.pop(channel, set()):
            if s in self._avatars:
                self._avatars[s].channels.discard(channel)
                self._queue(self._avatars[s].avatar_id, msg)

    def avatar_for_resume(self, resume_token: str) -> int | None:
        slot = self._by_resume.get(resume_token)
        return None if slot is None else self._avatars[slot].avatar_id

    def counts(self) -> tuple[int, int]:
        """(avatars with a body, attached connections)."""
        return self.bodies, int(self.attached.sum())

    # --------------------------------------------------------------- internal

    def _slot(self, avatar_id: int) -> int:
        slot = self._by_id.get(avatar_id)
        if slot is None:
            raise NotFound("no such avatar in this hall")
        return slot

    def _queue(self, avatar_id: int, text: str) -> None:
        self._control.setdefault(avatar_id, []).append(text)

    def _next_spawn(self) -> tuple[float, float, float]:
        spawn = self.spawns[self._spawn_turn % len(self.spawns)]
        self._spawn_turn += 1
        return spawn

    def _take_slot(self) -> int:
        if not self._free:
            self._grow()
        return self._free.pop()

    def _grow(self) -> None:
        old = len(self.active)
        new = old * 2
        for name in (
            "pos",
            "yaw",
            "anim",
            "flags",
            "ids",
            "active",
            "attached",
            "body",
            "cell",
            "dirty",
            "last_move_at",
            "_changed_tick",
            "_chosen_tick",
        ):
            arr = getattr(self, name)
            grown = np.zeros((new, *arr.shape[1:]), dtype=arr.dtype)
            grown[:old] = arr
            setattr(self, name, grown)
        self.cell[old:] = -1
        self._changed_tick[old:] = _NEVER
        self._free.extend(range(new - 1, old - 1, -1))

    def _attach(self, av: _Avatar) -> None:
        """Connect a viewer: its view is chosen at once, for its welcome."""
        self.attached[av.slot] = True
        av.view = _NO_SLOTS
        if self.body[av.slot]:
            self._select_bodies([av])
            return
        for chosen, picked, near in self._select_spectators([av]):
            chosen.view, chosen.near = picked, near

    def _welcome(self, av: _Avatar, *, resumed: bool) -> None:
        slot = av.slot
        neighbours = []
        for s in av.view.tolist():
            if s == slot:
                continue
            other = self._avatars[s]
            neighbours.append({**json.loads(other.profile_json), **self._state_json(s)})
        self._queue(
            av.avatar_id,
            _dumps(
                {
                    "type": "welcome",
                    "protocol": 1,
                    "protocol_version": "1.1",
                    "session_id": av.session_id,
                    "resume_token": av.resume_token,
                    "resumed": resumed,
                    "hall": self.hall_id,
                    **self._welcome_extra,
                    "tick": self.tick_count,
                    "you": {**json.loads(av.profile_json), **self._state_json(slot)},
                    "neighbours": neighbours,
                }
            ),
        )

    def _state_json(self, slot: int) -> dict[str, object]:
        return {
            "x": round(float(self.pos[slot, 0]), 2),
            "y": round(float(self.pos[slot, 1]), 2),
            "yaw": round(float(self.yaw[slot]), 1),
            "anim": Anim(int(self.anim[slot])).name.lower(),
            "flags": int(self.flags[slot]),
        }

    def _remove(self, slot: int, reason: str) -> None:
        av = self._avatars.pop(slot)
        if not av.driven:
            self._ended.append((av.session_id, reason))
        self._by_id.pop(av.avatar_id, None)
        self._by_resume.pop(av.resume_token, None)
        if self._by_subject.get(av.identity.subject) == slot:
            del self._by_subject[av.identity.subject]
        cell = int(self.cell[slot])
        self._stale.discard(slot)
        if self.body[slot]:
            self.bodies -= 1
            # Viewers that see it are found at the tick (their view holds a freed slot).
            self._changed_at[cell] = self.tick_count + 1
        for channel in av.channels:
            members = self._channels.get(channel)
            if members is not None:
                members.discard(slot)
        self._control.pop(av.avatar_id, None)
        self.active[slot] = False
        self.attached[slot] = False
        self.body[slot] = False
        self._proposals.pop(slot, None)
        self.dirty[slot] = False
        self.cell[slot] = -1
        # The slot's id stays readable until the tick has sent the "left" events.
        self._freed_this_tick.append(slot)

    def _expire(self, now: float) -> list[int]:
        limit = now - self.rules.resume_grace_s
        gone = [
            s
            for s, av in self._avatars.items()
            if not (av.attached or av.driven) and av.detached_at <= limit
        ]
        expired = [self._avatars[s].avatar_id for s in gone]
        for slot in gone:
            self._remove(slot, "expired")
        return expired

    def _apply_moves(self, now: float) -> tuple[int, int]:
        proposals, self._proposals = self._proposals, {}
        if not proposals:
            return 0, 0
        # only avatars still in the hall have proposals (leaving drops them)
        idx = np.fromiter(proposals, dtype=np.int64, count=len(proposals))
        values = np.array(list(proposals.values()), dtype=np.float64)  # x, y, yaw, anim, seq
        ok = accept_steps(
            self.floor,
            self.rules.move,
            self.pos[idx],
            values[:, :2],
            now - self.last_move_at[idx],
        )
        good = idx[ok]
        self.pos[good] = values[ok, :2]
        self.yaw[good] = values[ok, 2]
        self.anim[good] = values[ok, 3].astype(np.uint8)
        self.last_move_at[good] = now
        self.dirty[good] = True
        bad = idx[~ok]
        for slot in bad.tolist():  # only the rejected few
            av = self._avatars[slot]
            self._queue(
                av.avatar_id,
                _dumps(
                    {
                        "type": "correction",
                        "seq": proposals[slot][4],
                        **self._state_json(slot),
                    }
                ),
            )
        return len(good), len(bad)

    def _update_cells(self) -> None:
        """Record each avatar's cell and which cells changed this tick (vectorised)."""
        live = np.flatnonzero(self.active)
        if len(live) == 0:
            return
        new_cells = self.grid.cells_of(self.pos[live])
        moved = new_cells != self.cell[live]
        left_from = self.cell[live[moved]]
        self.cell[live] = new_cells
        tick = self.tick_count
        self._changed_at[left_from] = tick
        self._changed_at[self.cell[np.flatnonzero(self.dirty & self.body & self.active)]] = tick


_ANIMS: dict[str, int] = {a.name.lower(): int(a) for a in Anim}
_EMOTES = tuple(e.value for e in Emote)


_NO_SLOTS: NDArray[np.int32] = np.zeros(0, dtype=np.int32)
_NEVER = -(2**40)
_NO_FLAGS: NDArray[np.bool_] = np.zeros(0, dtype=np.bool_)
#: Viewers chosen together at most (a chunk's distance matrix is this x candidates).
_SELECT_CHUNK = 256


def _hood_candidates(
    by_cell: NDArray[np.int64], bounds: NDArray[np.intp], hoods: NDArray[np.int64], cap: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Each cell's candidates, the slots in its 3x3 cells (``hoods``, rows of
    ``hood_index``), as one row each: sorted, padded with ``cap``; and their counts.

    ``by_cell``: the live bodies' slots ordered by cell; cell ``c``'s are
    ``by_cell[bounds[c] : bounds[c + 1]]``. All rows at once, without a loop per cell.
    """
    starts = bounds[hoods].ravel()
    counts = bounds[hoods + 1].ravel() - starts
    lens = counts.reshape(hoods.shape).sum(axis=1)
    total = int(lens.sum())
    # position of each candidate in by_cell: a run from each neighbour cell's start
    run_at = np.cumsum(counts) - counts
    at = np.arange(total) - np.repeat(run_at - starts, counts)
    row = np.repeat(np.arange(len(hoods)), lens)
    keys = np.sort(row * (cap + 1) + by_cell[at])  # sorted by row, then slot
    width = max(1, int(lens.max()) if len(lens) else 1)
    cand = np.full((len(hoods), width), cap, dtype=np.int64)
    col = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens)
    cand[row, col] = keys - row * (cap + 1)
    return cand, lens


def _dumps(obj: Mapping[str, object]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
