"""Counter calls as plain data: who is in a call, its state, capacity and signalling checks.

Pure: no asyncio, no aiortc. :class:`CallBook` holds every call of a server
process and enforces the rules: one call per counter session, a citizen
accepts (and answers the recording question) before anything connects, the
process never takes more calls than it can relay on time, and a hand-over
changes the staff side of a call without touching the citizen's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hall_server.errors import Conflict, Forbidden, InvalidInput, LimitExceeded, NotFound

#: The largest SDP accepted (a browser's offer with audio and video is 4-7 KB).
MAX_SDP_BYTES = 16_384
#: The largest ICE candidate line.
MAX_CANDIDATE_BYTES = 512


class Side(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"


class CallState(StrEnum):
    #: Offered to the citizen, who has not accepted yet.
    INVITED = "invited"
    #: Accepted: legs connect, media flows between those that have.
    ACTIVE = "active"
    ENDED = "ended"


@dataclass
class Party:
    """One side of a call: who it is and (for a person) their avatar in the hall."""

    ref: str
    kind: str  # "citizen", "officer" or "bot"
    avatar: int | None

    @property
    def talks(self) -> bool:
        """A person in the hall, who has a media leg (a bot answers in the chat)."""
        return self.avatar is not None and self.kind != "bot"


@dataclass
class Call:
    call_id: str
    hall_id: str
    session_id: str
    ticket_id: str
    counter_id: str
    citizen: Party
    staff: Party
    invited_at: float
    state: CallState = CallState.INVITED
    #: The citizen's answer to "may this call be recorded?"; None until accepted.
    record: bool | None = None
    #: Whether the citizen wants video (it flows only when the staff side sends some too).
    video: bool = False
    started_at: float | None = None
    ended_at: float | None = None
    end_reason: str | None = None
    #: Staff who took part, in order (the audit trail of hand-overs).
    staff_history: list[str] = field(default_factory=list)

    def side_of(self, avatar: int) -> Side | None:
        if self.citizen.avatar == avatar:
            return Side.CITIZEN
        if self.staff.avatar == avatar and self.staff.talks:
            return Side.STAFF
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "session_id": self.session_id,
            "ticket_id": self.ticket_id,
            "counter_id": self.counter_id,
            "state": self.state.value,
            "staff": self.staff.kind,
            "recording": bool(self.record),
            "video": self.video,
        }


@dataclass(frozen=True, slots=True)
class RecordingFile:
    """A finished recording file, as the audit log describes it."""

    side: str
    path: str
    duration_s: float
    size_bytes: int
    sha256: str


class CallBook:
    """Every call of one server process, with its capacity."""

    def __init__(self, max_active: int) -> None:
        self.max_active = max_active
        self.calls: dict[str, Call] = {}
        self._by_session: dict[str, str] = {}

    # ----------------------------------------------------------- queries

    def get(self, call_id: object) -> Call:
        if not isinstance(call_id, str) or call_id not in self.calls:
            raise NotFound("no such call", code="unknown_call")
        return self.calls[call_id]

    def for_session(self, session_id: str) -> Call | None:
        call_id = self._by_session.get(session_id)
        return self.calls.get(call_id) if call_id else None

    def active(self) -> int:
        return sum(1 for c in self.calls.values() if c.state is CallState.ACTIVE)

    def of_avatar(self, call_id: object, avatar: int) -> tuple[Call, Side]:
        """The call and the caller's side in it; someone else's call looks unknown."""
        call = self.get(call_id)
        side = call.side_of(avatar)
        if side is None or call.state is CallState.ENDED:
            raise NotFound("no such call", code="unknown_call")
        return call, side

    # ----------------------------------------------------------- changes

    def invite(
        self,
        *,
        hall_id: str,
        session_id: str,
        ticket_id: str,
        counter_id: str,
        citizen: Party,
        staff: Party,
        now: float,
    ) -> Call:
        if session_id in self._by_session:
            raise Conflict("this counter session already has a call", code="call_exists")
        call = Call(
            call_id=secrets.token_urlsafe(12),
            hall_id=hall_id,
            session_id=session_id,
            ticket_id=ticket_id,
            counter_id=counter_id,
            citizen=citizen,
            staff=staff,
            invited_at=now,
            staff_history=[staff.ref],
        )
        self.calls[call.call_id] = call
        self._by_session[session_id] = call.call_id
        return call

    def accept(self, call: Call, avatar: int, record: object, video: object, now: float) -> None:
        if call.side_of(avatar) is not Side.CITIZEN:
            raise Forbidden("only the citizen accepts a counter call", code="forbidden")
        if call.state is not CallState.INVITED:
            raise Conflict("this call was already accepted", code="call_exists")
        if not isinstance(record, bool):
            # Consent is asked, never assumed: no answer is not a yes.
            raise InvalidInput(
                "record must be true or false: may this call be recorded?", code="bad_type"
            )
        if not isinstance(video, bool):
            raise InvalidInput("video must be true or false", code="bad_type")
        if self.active() >= self.max_active:
            raise LimitExceeded(
                "all call lines are busy; try again in a moment (the chat still works)",
                code="calls_busy",
            )
        call.state = CallState.ACTIVE
        call.record = record
        call.video = video
        call.started_at = now

    def hand_over(self, call: Call, staff: Party) -> Party:
        """Put ``staff`` on the staff side; returns who was there."""
        before = call.staff
        call.staff = staff
        call.staff_history.append(staff.ref)
        return before

    def end(self, call: Call, reason: str, now: float) -> bool:
        """End the call; False if it had already ended."""
        self._by_session.pop(call.session_id, None)
        self.calls.pop(call.call_id, None)
        if call.state is CallState.ENDED:
            return False
        call.state = CallState.ENDED
        call.ended_at = now
        call.end_reason = reason
        return True


def check_sdp(raw: object, kind: str = "offer") -> str:
    """An SDP from a client: text within the size limit that looks like an SDP offer."""
    if not isinstance(raw, str):
        raise InvalidInput("sdp must be a string", code="bad_type")
    if len(raw) > MAX_SDP_BYTES:
        raise InvalidInput(f"sdp is longer than {MAX_SDP_BYTES} bytes", code="bad_sdp")
    lines = raw.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "v=0":
        raise InvalidInput("sdp is not a session description (must start with v=0)", code="bad_sdp")
    if not any(line.startswith("m=audio ") for line in lines):
        raise InvalidInput("the offer has no audio (m=audio)", code="bad_sdp")
    if not any(line.startswith("a=fingerprint:") for line in lines):
        raise InvalidInput("the offer has no DTLS fingerprint", code="bad_sdp")
    return raw


@dataclass(frozen=True)
class Candidate:
    candidate: str
    sdp_mid: str | None
    sdp_mline_index: int | None


def check_candidate(raw: object) -> Candidate | None:
    """A trickled ICE candidate (as RTCIceCandidate.toJSON()); None for end-of-candidates."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidInput("candidate must be an object or null", code="bad_type")
    line = raw.get("candidate")
    if line == "":
        return None  # the browser's end-of-candidates
    if not isinstance(line, str) or len(line) > MAX_CANDIDATE_BYTES:
        raise InvalidInput("candidate.candidate must be a candidate line", code="bad_candidate")
    text = line.removeprefix("a=").removeprefix("candidate:")
    if len(text.split()) < 8:
        raise InvalidInput("candidate.candidate is not an ICE candidate line", code="bad_candidate")
    mid = raw.get("sdpMid")
    index = raw.get("sdpMLineIndex")
    if mid is not None and not isinstance(mid, str):
        raise InvalidInput("candidate.sdpMid must be a string", code="bad_type")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
        raise InvalidInput("candidate.sdpMLineIndex must be an integer", code="bad_type")
    return Candidate(text, mid, index)
