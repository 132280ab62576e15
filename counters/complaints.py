"""Complaints (pengaduan) on the SP4N-LAPOR! clock (pure).

A citizen complains about pungli (an illegal levy), a calo (a broker), an
officer's conduct, the service time or anything else, with a text and an
optional photo. Confidentiality is LAPOR!'s: *rahasia* hides the complaint
from the public; *anonim* hides the reporter from those who handle it (the
hall then keeps no reporter at all, so nothing can leak).

Stages: received -> verified -> followed_up -> closed. The clock runs in
working days (:class:`counters.workdays.WorkCalendar`) on the hall's local
dates: verification is due 3 working days after receipt, follow-up 5 after
verification, and a followed-up complaint closes by itself 10 working days
after the follow-up when the reporter did not reply (all three numbers are
settings). A complaint past a deadline is *overdue* and flagged to supervisors.

Every function takes the time (``now``, Unix seconds) and returns or changes
plain data; every change appends a :class:`Step`, which the edge writes to the
audit log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from avatars.names import clean_chat_text
from counters.workdays import WorkCalendar
from hall_server.errors import Conflict, InvalidInput

CATEGORIES = ("pungli", "calo", "staff_conduct", "service_time", "other")
STAGES = ("received", "verified", "followed_up", "closed")
#: What a handler may do, and the stage it leads to.
ACTIONS: Mapping[str, str] = {
    "verify": "verified",
    "follow_up": "followed_up",
    "close": "closed",
}
MIN_TEXT = 10
MAX_TEXT = 4000
MAX_NOTE = 2000


@dataclass(frozen=True, slots=True)
class ComplaintRules:
    verify_days: int = 3
    follow_up_days: int = 5
    close_after_days: int = 10
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    #: the hall's offset from UTC: deadlines are the hall's local dates
    utc_offset_s: int = 8 * 3600

    def local_date(self, at: float) -> date:
        return (datetime.fromtimestamp(at, UTC) + timedelta(seconds=self.utc_offset_s)).date()


@dataclass(slots=True)
class Step:
    """One thing that happened to a complaint (also an audit row)."""

    at: float
    #: "received", "verified", "followed_up", "closed", "replied", "photo_added", "forwarded"
    kind: str
    #: "citizen", "system" or the handler's ref ("account:12")
    actor: str
    note: str | None = None


@dataclass(slots=True)
class Complaint:
    complaint_id: str
    tracking_code: str
    hall_id: str
    category: str
    text: str
    received_at: float
    rahasia: bool = False
    anonim: bool = False
    #: the signed-in reporter (``account:<id>``); None when anonymous or a guest
    reporter_ref: str | None = None
    service: str | None = None
    counter_id: str | None = None
    #: ``{media_type, size, sha256}`` of the photo, if one was sent (bytes stored apart)
    photo: dict[str, Any] | None = None
    stage: str = "received"
    steps: list[Step] = field(default_factory=list)
    #: the SP4N-LAPOR! reference once forwarded
    lapor_ref: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Complaint:
        values = dict(data)
        values["steps"] = [Step(**s) for s in values.get("steps", ())]
        return cls(**values)

    def last(self, kind: str) -> Step | None:
        for step in reversed(self.steps):
            if step.kind == kind:
                return step
        return None


def _text(value: object, name: str, low: int, high: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be text", code="bad_value")
    # As chat text (docs/protocol.md 8.1): no control, bidi-override or invisible
    # format characters, which would disguise a complaint in the public list.
    text = clean_chat_text(value)
    if not low <= len(text) <= high:
        raise InvalidInput(f"{name} must be {low} to {high} characters", code="bad_value")
    return text


def file(
    *,
    complaint_id: str,
    tracking_code: str,
    hall_id: str,
    category: object,
    text: object,
    rahasia: bool,
    anonim: bool,
    reporter_ref: str | None,
    service: str | None,
    counter_id: str | None,
    photo: dict[str, Any] | None,
    now: float,
) -> Complaint:
    """A new complaint, received now. An anonymous one keeps no reporter."""
    if category not in CATEGORIES:
        raise InvalidInput(
            "category must be one of " + ", ".join(CATEGORIES), code="unknown_category"
        )
    complaint = Complaint(
        complaint_id=complaint_id,
        tracking_code=tracking_code,
        hall_id=hall_id,
        category=str(category),
        text=_text(text, "text", MIN_TEXT, MAX_TEXT),
        received_at=now,
        rahasia=rahasia,
        anonim=anonim,
        reporter_ref=None if anonim else reporter_ref,
        service=service,
        counter_id=counter_id,
        photo=photo,
    )
    complaint.steps.append(Step(now, "received", "citizen"))
    return complaint


def act(complaint: Complaint, action: str, actor: str, note: object, now: float) -> Step:
    """A handler moves the complaint on: ``verify``, ``follow_up`` or ``close``.

    The follow-up's note is the answer the reporter reads, so it is required; so is
    the reason when a complaint is closed before it was followed up (not valid, a
    duplicate). A followed-up complaint the reporter replied to may be followed up again.
    """
    if action not in ACTIONS:
        raise InvalidInput("action must be verify, follow_up or close", code="bad_value")
    stage = complaint.stage
    target = ACTIONS[action]
    allowed = {
        "verify": stage == "received",
        "follow_up": stage == "verified" or (stage == "followed_up" and _replied(complaint)),
        "close": stage != "closed",
    }[action]
    if not allowed:
        raise Conflict(f"a complaint that is {stage} cannot be {target}", code="complaint_stage")
    needs_note = action == "follow_up" or (action == "close" and stage in ("received", "verified"))
    text = _text(note, "note", 1, MAX_NOTE) if needs_note or note not in (None, "") else None
    complaint.stage = target
    step = Step(now, target, actor, text)
    complaint.steps.append(step)
    return step


def _replied(complaint: Complaint) -> bool:
    """The reporter replied after the last follow-up."""
    followed = complaint.last("followed_up")
    replied = complaint.last("replied")
    return followed is not None and replied is not None and replied.at >= followed.at


def reply(complaint: Complaint, text: object, now: float) -> Step:
    """The reporter adds a line (through the tracking code). A reply after the
    follow-up stops the closing clock: the unit must answer again."""
    if complaint.stage == "closed":
        raise Conflict("this complaint is closed", code="complaint_stage")
    step = Step(now, "replied", "citizen", _text(text, "text", 1, MAX_NOTE))
    complaint.steps.append(step)
    return step


def attach_photo(complaint: Complaint, photo: dict[str, Any], now: float) -> Step:
    """The reporter adds the one photo a complaint may have, before it is verified."""
    if complaint.stage != "received" or complaint.photo is not None:
        raise Conflict("a photo can be added once, before verification", code="complaint_stage")
    complaint.photo = dict(photo)
    step = Step(now, "photo_added", "citizen")
    complaint.steps.append(step)
    return step


def forward(complaint: Complaint, actor: str, now: float) -> Step:
    """A handler forwards the complaint to SP4N-LAPOR! (once, while it is open)."""
    if complaint.stage == "closed" or complaint.last("forwarded") is not None:
        raise Conflict("this complaint cannot be forwarded again", code="already_forwarded")
    step = Step(now, "forwarded", actor, "lapor")
    complaint.steps.append(step)
    return step


def lapor_form(complaint: Complaint) -> dict[str, str]:
    """What SP4N-LAPOR! is sent: the complaint and its confidentiality, never its reporter."""
    return {
        "category": complaint.category,
        "text": complaint.text,
        "rahasia": "true" if complaint.rahasia else "false",
        "anonim": "true" if complaint.anonim else "false",
        "service": complaint.service or "",
        "counter_id": complaint.counter_id or "",
        "received_at": str(int(complaint.received_at)),
    }


def deadlines(complaint: Complaint, rules: ComplaintRules) -> dict[str, str | None]:
    """The local dates by which each stage is due (ISO), for the stages still ahead or met."""
    cal = rules.calendar
    received = rules.local_date(complaint.received_at)
    verified = complaint.last("verified")
    followed = complaint.last("followed_up")
    out: dict[str, str | None] = {
        "verify_by": cal.add_working_days(received, rules.verify_days).isoformat(),
        "follow_up_by": None,
        "closes_on": None,
    }
    if verified is not None:
        out["follow_up_by"] = cal.add_working_days(
            rules.local_date(verified.at), rules.follow_up_days
        ).isoformat()
    if followed is not None and complaint.stage == "followed_up" and not _replied(complaint):
        out["closes_on"] = cal.add_working_days(
            rules.local_date(followed.at), rules.close_after_days
        ).isoformat()
    return out


def overdue(complaint: Complaint, now: float, rules: ComplaintRules) -> str | None:
    """Which deadline has passed (``verification`` or ``follow_up``), or None.

    A deadline is met until the end of its day: overdue from the next local date on.
    """
    today = rules.local_date(now)
    due = deadlines(complaint, rules)
    if complaint.stage == "received" and today > date.fromisoformat(str(due["verify_by"])):
        return "verification"
    if (
        complaint.stage == "verified"
        and due["follow_up_by"] is not None
        and today > date.fromisoformat(due["follow_up_by"])
    ):
        return "follow_up"
    return None


def close_if_silent(complaint: Complaint, now: float, rules: ComplaintRules) -> Step | None:
    """Close a followed-up complaint once its closing day has passed with no reply."""
    closes_on = deadlines(complaint, rules)["closes_on"]
    if closes_on is None or rules.local_date(now) <= date.fromisoformat(closes_on):
        return None
    complaint.stage = "closed"
    step = Step(now, "closed", "system", "no_reply")
    complaint.steps.append(step)
    return step


def _day(at: float, rules: ComplaintRules) -> str:
    return rules.local_date(at).isoformat()


def reporter_view(complaint: Complaint, rules: ComplaintRules, now: float) -> dict[str, Any]:
    """The status page of the tracking code's holder: what they sent and every step,
    dated by day; never who handled it."""
    return {
        "tracking_code": complaint.tracking_code,
        "category": complaint.category,
        "text": complaint.text,
        "stage": complaint.stage,
        "rahasia": complaint.rahasia,
        "anonim": complaint.anonim,
        "has_photo": complaint.photo is not None,
        "forwarded_to_lapor": complaint.last("forwarded") is not None,
        "steps": [
            {
                "kind": s.kind,
                "date": _day(s.at, rules),
                "by": "citizen" if s.actor == "citizen" else "hall",
                "note": s.note if s.kind != "verified" else None,
            }
            for s in complaint.steps
            if s.kind != "forwarded"
        ],
        "deadlines": deadlines(complaint, rules),
        "can_reply": complaint.stage != "closed",
    }


def handler_view(complaint: Complaint, rules: ComplaintRules, now: float) -> dict[str, Any]:
    """What a supervisor works with: the whole complaint and its clock; the reporter
    only when not anonymous (an anonymous complaint has none stored)."""
    return {
        "complaint_id": complaint.complaint_id,
        "category": complaint.category,
        "text": complaint.text,
        "stage": complaint.stage,
        "rahasia": complaint.rahasia,
        "anonim": complaint.anonim,
        "reporter": complaint.reporter_ref,
        "service": complaint.service,
        "counter_id": complaint.counter_id,
        "photo": complaint.photo,
        "received_on": _day(complaint.received_at, rules),
        "steps": [
            {"kind": s.kind, "at": s.at, "actor": s.actor, "note": s.note} for s in complaint.steps
        ],
        "deadlines": deadlines(complaint, rules),
        "overdue": overdue(complaint, now, rules),
        "replied": _replied(complaint),
        "lapor_ref": complaint.lapor_ref,
        "forwarded": complaint.last("forwarded") is not None,
    }


def public_view(complaint: Complaint, rules: ComplaintRules) -> dict[str, Any] | None:
    """The public list's entry, or None for a *rahasia* complaint. No reporter, no
    photo, no tracking code; dates by day."""
    if complaint.rahasia:
        return None
    return {
        "category": complaint.category,
        "text": complaint.text,
        "stage": complaint.stage,
        "received_on": _day(complaint.received_at, rules),
        "service": complaint.service,
    }
