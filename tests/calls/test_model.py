"""Calls as plain data: consent, one call per session, capacity, hand-over, signalling checks."""

from __future__ import annotations

import pytest

from hall_server.errors import Conflict, Forbidden, InvalidInput, LimitExceeded, NotFound
from realtime.calls.model import (
    CallBook,
    CallState,
    Party,
    Side,
    check_candidate,
    check_sdp,
)
from realtime.calls.speaking import SpeakingDetector
from realtime.calls.timeline import Timeline

OFFER = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=fingerprint:sha-256 AB\r\n"
)


def invite(book: CallBook, session: str = "s1", citizen_avatar: int = 10):
    return book.invite(
        hall_id="h",
        session_id=session,
        ticket_id="t-" + session,
        counter_id="D1",
        citizen=Party("guest:1", "citizen", citizen_avatar),
        staff=Party("officer:1", "officer", 20),
        now=100.0,
    )


def test_a_call_starts_only_when_the_citizen_accepts_and_answers_the_recording_question():
    book = CallBook(max_active=5)
    call = invite(book)
    assert call.state is CallState.INVITED and book.active() == 0
    with pytest.raises(Forbidden):
        book.accept(call, 20, True, False, 101.0)  # the officer cannot accept for them
    with pytest.raises(InvalidInput, match="record"):
        book.accept(call, 10, None, False, 101.0)  # no answer is not a yes
    with pytest.raises(InvalidInput):
        book.accept(call, 10, "yes", False, 101.0)
    book.accept(call, 10, False, False, 101.0)
    assert call.state is CallState.ACTIVE and call.record is False and book.active() == 1
    with pytest.raises(Conflict):
        book.accept(call, 10, True, False, 102.0)


def test_one_call_per_session_and_someone_elses_call_looks_unknown():
    book = CallBook(max_active=5)
    call = invite(book)
    with pytest.raises(Conflict):
        invite(book)
    assert book.of_avatar(call.call_id, 10) == (call, Side.CITIZEN)
    assert book.of_avatar(call.call_id, 20) == (call, Side.STAFF)
    for who, cid in ((99, call.call_id), (10, "nope"), (10, 5)):
        with pytest.raises(NotFound):
            book.of_avatar(cid, who)


def test_capacity_is_per_process_and_frees_when_a_call_ends():
    book = CallBook(max_active=1)
    a, b = invite(book, "a", 10), invite(book, "b", 11)
    book.accept(a, 10, True, False, 1.0)
    with pytest.raises(LimitExceeded) as busy:
        book.accept(b, 11, True, False, 1.0)
    assert busy.value.code == "calls_busy"
    assert book.end(a, "hangup", 2.0) and not book.end(a, "hangup", 3.0)
    book.accept(b, 11, True, False, 4.0)
    assert book.for_session("a") is None and book.for_session("b") is b


def test_a_hand_over_changes_only_the_staff_side():
    book = CallBook(max_active=2)
    call = invite(book)
    before = book.hand_over(call, Party("bot:D1", "bot", 30))
    assert before.kind == "officer" and call.citizen.avatar == 10
    assert call.side_of(30) is None  # a bot has no media leg
    book.hand_over(call, Party("officer:2", "officer", 40))
    assert call.side_of(40) is Side.STAFF and call.staff_history == [
        "officer:1",
        "bot:D1",
        "officer:2",
    ]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (None, "bad_type"),
        (12, "bad_type"),
        ("hello", "bad_sdp"),
        ("v=0\r\n", "bad_sdp"),
        (OFFER.replace("m=audio", "m=video"), "bad_sdp"),
        (OFFER.replace("a=fingerprint", "a=nothing"), "bad_sdp"),
        (OFFER + "a=x\r\n" * 5000, "bad_sdp"),
    ],
)
def test_bad_offers_are_named(raw: object, code: str):
    with pytest.raises(InvalidInput) as err:
        check_sdp(raw)
    assert err.value.code == code


def test_a_good_offer_and_candidates_pass():
    assert check_sdp(OFFER) == OFFER
    line = "candidate:1 1 udp 2130706431 127.0.0.2 40000 typ host"
    c = check_candidate({"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0})
    assert c is not None and c.candidate == line.removeprefix("candidate:")
    assert check_candidate(None) is None and check_candidate({"candidate": ""}) is None
    for bad in (
        "x",
        {"candidate": 5},
        {"candidate": "candidate:1 2"},
        {"candidate": line, "sdpMLineIndex": True},
        {"candidate": line, "sdpMid": 1},
    ):
        with pytest.raises(InvalidInput):
            check_candidate(bad)


def test_the_timeline_runs_on_across_a_change_of_sender_with_the_wall_gap():
    tl = Timeline(48_000, 960)
    assert tl.map("a", 1_000_000, 0.0) == 0
    assert tl.map("a", 1_000_960, 0.02) == 960
    assert tl.map("a", 1_000_000 + 480, 0.03) == 480  # reordered: placed where it belongs
    # Wrapping at 2**32 is invisible.
    tl2 = Timeline(48_000, 960)
    tl2.map("x", 2**32 - 960, 0.0)
    assert tl2.map("x", 0, 0.02) == 960
    # A new sender 1.5 s later starts 1.5 s after the last packet, whatever its timestamps.
    assert tl.map("b", 7, 1.52) == 960 + 72_000
    assert tl.map("b", 7 + 960, 1.54) == 960 + 72_000 + 960


def test_speaking_turns_on_at_once_and_off_after_the_hold_time():
    d = SpeakingDetector(loud_dbov=45, hold_s=0.4)
    assert d.level(127, 0.0) is None  # silence
    assert d.level(20, 0.1) is True
    assert d.level(20, 0.12) is None
    assert d.level(127, 0.3) is None  # within the hold time
    assert d.poll(0.45) is None
    assert d.poll(0.53) is False
    assert d.level(90, 0.6) is None and not d.speaking


@pytest.mark.parametrize("module", ["model", "ogg", "speaking", "timeline"])
def test_the_call_cores_are_pure(module: str):
    """No event loop, no aiortc, no database in the cores: they take plain data and time."""
    import ast
    from pathlib import Path

    import realtime.calls

    source = Path(realtime.calls.__file__).with_name(f"{module}.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"asyncio", "aiortc", "aioice", "sqlalchemy", "redis", "fastapi", "av"}
