"""A finished service's survey token reaches a citizen whose connection was down when it ended."""

from __future__ import annotations

from avatars.model import Appearance
from counters.desk import CounterSession
from counters.floor import UNSENT_ENDED_KEEP_S
from tests.counters.test_floor import World, citizen, officer


def _survey(session: CounterSession) -> str:
    return f"survey-of-{session.session_id}"


def _served_while_away(world: World) -> tuple[int, str, str]:
    """An officer serves Siti at D2 and finishes while Siti's connection is down;
    returns her avatar, the session and her resume token."""
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="D2")
    joined = world.hall.join(citizen(), Appearance.parse(None), now=world.now)
    siti = joined.avatar_id
    world.floor.entered(siti, now=world.now)
    world.drain()
    world.do(siti, type="ticket_take", service="KK")
    world.wait(0.5)
    world.do(budi, type="call_next", counter_id="D2")
    world.wait(0.5)
    session = world.to_counter(siti)
    world.hall.detach(siti, now=world.now)
    world.do(budi, type="finish", counter_id="D2", outcome="served")
    return siti, str(session["session_id"]), joined.resume_token


def test_the_survey_waits_for_a_citizen_who_was_away_and_comes_on_their_return() -> None:
    world = World(bots="never", survey=_survey)
    siti, session_id, resume = _served_while_away(world)
    assert not world.sent(siti, "session_ended")  # nobody to send it to
    world.wait(30.0)
    world.hall.resume(resume, now=world.now)
    world.floor.entered(siti, now=world.now)
    world.drain()
    ended = world.last(siti, "session_ended")
    assert ended["session_id"] == session_id
    assert ended["survey_token"] == f"survey-of-{session_id}"
    # what the client needs to show the survey without the session in hand
    assert ended["service"] == "KK" and ended["counter_id"] == "D2"
    # once only: another return does not bring it again
    before = len(world.sent(siti, "session_ended"))
    world.floor.entered(siti, now=world.now)
    world.drain()
    assert len(world.sent(siti, "session_ended")) == before


def test_a_kept_survey_lapses_after_a_day_and_a_connected_citizen_gets_it_at_once() -> None:
    world = World(bots="never", survey=_survey)
    siti, _, resume = _served_while_away(world)
    world.now += UNSENT_ENDED_KEEP_S + 1
    world.hall.resume(resume, now=world.now)
    world.floor.entered(siti, now=world.now)
    world.drain()
    assert not world.sent(siti, "session_ended")

    other = World(bots="never", survey=_survey)
    budi = other.enter(officer())
    other.do(budi, type="counter_open", counter_id="D2")
    siti = other.enter(citizen())
    other.do(siti, type="ticket_take", service="KK")
    other.wait(0.5)
    other.do(budi, type="call_next", counter_id="D2")
    other.wait(0.5)
    other.to_counter(siti)
    other.do(budi, type="finish", counter_id="D2", outcome="served")
    assert other.last(siti, "session_ended")["survey_token"].startswith("survey-of-")
    assert "survey_token" not in other.last(budi, "session_ended")  # never the staff's copy


def test_a_transfer_offers_no_survey_the_service_it_goes_to_will() -> None:
    world = World(bots="never", survey=_survey)
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="D2")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KK")
    world.wait(0.5)
    world.do(budi, type="call_next", counter_id="D2")
    world.wait(0.5)
    world.to_counter(siti)
    world.do(budi, type="transfer", counter_id="D2", service="KTP-EL")
    ended = world.last(siti, "session_ended")
    assert (ended["outcome"], ended["reason"]) == ("referred", "transferred")
    assert "survey_token" not in ended


def test_a_citizen_who_does_nothing_at_a_bots_counter_frees_it_after_the_idle_time() -> None:
    world = World(bot_idle_s=300.0)
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KK")
    world.wait(0.5)
    session = world.to_counter(siti)
    assert session["staffed_by"] == "bot"
    world.wait(200.0)
    world.do(siti, type="form_update", fields={"nama_lengkap": "Siti"}, seq=2)  # a sign of life
    world.wait(250.0)
    assert not world.sent(siti, "session_ended")  # 250 s since the last action: still served
    world.wait(60.0)
    ended = world.last(siti, "session_ended")
    assert (ended["outcome"], ended["reason"]) == ("citizen_left", "idle")
    counter = world.floor.engine.counter(str(session["counter_id"]))
    assert counter.ticket_id != session["ticket_id"]  # the counter went on
