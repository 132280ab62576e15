"""The complaints core and the working-day calendar, with dates worked out by hand."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from counters.complaints import (
    Complaint,
    ComplaintRules,
    act,
    close_if_silent,
    deadlines,
    file,
    handler_view,
    overdue,
    public_view,
    reply,
    reporter_view,
)
from counters.workdays import WorkCalendar
from hall_server.errors import Conflict, InvalidInput

WITA = ZoneInfo("Asia/Makassar")
# December 2026: the 25th (a Friday) is Christmas. Weekends: 5-6, 12-13, 19-20, 26-27.
CAL = WorkCalendar.of([date(2026, 12, 25)])
RULES = ComplaintRules(calendar=CAL, utc_offset_s=8 * 3600)


def at(day: int, hh: int = 10, month: int = 12) -> float:
    return datetime(2026, month, day, hh, 0, tzinfo=WITA).timestamp()


def new(now: float, **kw: object) -> Complaint:
    args: dict[str, object] = {
        "complaint_id": "c1",
        "tracking_code": "LPR-AAAAA-BBBBB",
        "hall_id": "kendari",
        "category": "pungli",
        "text": "Petugas meminta uang untuk KTP",
        "rahasia": False,
        "anonim": False,
        "reporter_ref": "account:7",
        "service": "ktp",
        "counter_id": "A1",
        "photo": None,
        "now": now,
    }
    args.update(kw)
    return file(**args)  # type: ignore[arg-type]


def test_working_days_skip_weekends_and_holidays() -> None:
    # Friday 4 Dec + 3 working days: Mon 7, Tue 8, Wed 9.
    assert CAL.add_working_days(date(2026, 12, 4), 3) == date(2026, 12, 9)
    # Wednesday 23 Dec + 3: Thu 24, (Fri 25 Christmas, weekend), Mon 28, Tue 29.
    assert CAL.add_working_days(date(2026, 12, 23), 3) == date(2026, 12, 29)
    # Saturday 5 Dec + 1: Monday 7.
    assert CAL.add_working_days(date(2026, 12, 5), 1) == date(2026, 12, 7)
    assert CAL.working_days_between(date(2026, 12, 23), date(2026, 12, 29)) == 3


def test_deadlines_and_overdue_verification() -> None:
    c = new(at(23))  # Wednesday 23 Dec
    assert deadlines(c, RULES)["verify_by"] == "2026-12-29"
    # Until the end of the due day it is not overdue; the next morning it is.
    assert overdue(c, at(29, 23), RULES) is None
    assert overdue(c, at(30, 8), RULES) == "verification"
    act(c, "verify", "account:2", None, at(30, 9))
    assert overdue(c, at(30, 10), RULES) is None
    # Verified Wednesday 30 Dec: 5 working days -> Thu 31, (1 Jan New Year is not in this
    # test calendar) Fri 1, Mon 4, Tue 5, Wed 6 Jan 2027.
    assert deadlines(c, RULES)["follow_up_by"] == "2027-01-06"


def test_received_late_in_the_evening_counts_by_the_halls_date() -> None:
    # 23:30 WITA on Friday 4 Dec is 15:30 UTC the same day; the local date decides.
    c = new(datetime(2026, 12, 4, 23, 30, tzinfo=WITA).timestamp())
    assert deadlines(c, RULES)["verify_by"] == "2026-12-09"


def test_stages_in_order_and_closing_after_silence() -> None:
    c = new(at(1))  # Tuesday 1 Dec
    with pytest.raises(Conflict):
        act(c, "follow_up", "account:2", "done", at(1, 11))
    act(c, "verify", "account:2", None, at(2))
    with pytest.raises(InvalidInput):
        act(c, "follow_up", "account:2", "", at(3))  # the reporter's answer is required
    act(c, "follow_up", "account:2", "Petugas telah ditegur", at(3))  # Thursday 3 Dec
    # 10 working days after Thu 3 Dec: 4, 7, 8, 9, 10, 11, 14, 15, 16, 17 -> closes after 17 Dec.
    assert deadlines(c, RULES)["closes_on"] == "2026-12-17"
    assert close_if_silent(c, at(17, 22), RULES) is None
    step = close_if_silent(c, at(18, 8), RULES)
    assert step is not None and step.actor == "system" and c.stage == "closed"
    with pytest.raises(Conflict):
        reply(c, "masih", at(18, 9))


def test_a_reply_stops_the_closing_clock_and_allows_a_new_follow_up() -> None:
    c = new(at(1))
    act(c, "verify", "account:2", None, at(2))
    act(c, "follow_up", "account:2", "Sudah ditangani", at(3))
    with pytest.raises(Conflict):
        act(c, "follow_up", "account:2", "lagi", at(3, 11))  # no reply yet
    reply(c, "Belum selesai, masih diminta uang", at(4))
    assert deadlines(c, RULES)["closes_on"] is None
    assert close_if_silent(c, at(31), RULES) is None
    act(c, "follow_up", "account:2", "Petugas dipindahkan", at(7))
    assert deadlines(c, RULES)["closes_on"] is not None


def test_closing_early_needs_a_reason() -> None:
    c = new(at(1))
    with pytest.raises(InvalidInput):
        act(c, "close", "account:2", None, at(2))
    act(c, "close", "account:2", "Laporan ganda", at(2))
    assert c.stage == "closed"


def test_confidentiality() -> None:
    anon = new(at(1), anonim=True, rahasia=True)
    assert anon.reporter_ref is None  # never stored, so never shown
    assert handler_view(anon, RULES, at(1))["reporter"] is None
    assert public_view(anon, RULES) is None  # rahasia: not in the public list
    open_ = new(at(1))
    assert handler_view(open_, RULES, at(1))["reporter"] == "account:7"
    public = public_view(open_, RULES)
    assert public is not None and "reporter" not in public and "tracking_code" not in public


def test_reporter_view_hides_handlers() -> None:
    c = new(at(1))
    act(c, "verify", "account:2", None, at(2))
    view = reporter_view(c, RULES, at(2))
    assert [s["kind"] for s in view["steps"]] == ["received", "verified"]
    assert all(s["by"] in ("citizen", "hall") for s in view["steps"])
    assert "account:2" not in str(view)


def test_bad_input() -> None:
    with pytest.raises(InvalidInput) as info:
        new(at(1), category="gossip")
    assert info.value.code == "unknown_category"
    with pytest.raises(InvalidInput):
        new(at(1), text="short")
    with pytest.raises(InvalidInput):
        new(at(1), text="x" * 4001)


def test_complaint_text_loses_controls_bidi_overrides_and_invisible_characters() -> None:
    # What would disguise a complaint in the public list: an ANSI escape, a right-to-left
    # override that reverses what follows, zero-width spaces; line breaks stay.
    c = new(at(1), text="Petugas \x1b[31mmeminta\u202e uang\u200b\n untuk KTP")
    assert c.text == "Petugas [31mmeminta uang\n untuk KTP"
    with pytest.raises(InvalidInput) as info:  # nothing left but invisible characters
        new(at(1), text="\u200b" * 20 + "\u202e" * 5)
    assert info.value.code == "bad_value"
    r = reply(new(at(1)), "Terima kasih\u202e, sudah", at(2))
    assert r.note == "Terima kasih, sudah"


def test_round_trip() -> None:
    c = new(at(1))
    act(c, "verify", "account:2", None, at(2))
    assert Complaint.from_json(c.to_json()) == c
