"""The counter floor, with no event loop: a real (pure) hall, time passed in, output drained."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from avatars.model import Appearance, Identity, Role
from avatars.movement import MoveRules
from counters.bot import BotClerk
from counters.catalogue import load_catalogue
from counters.desk import CounterSession
from counters.floor import Floor, FloorPolicy
from counters.ports import Batch, CallClosed, CallOpened, CallStaffChanged
from hall_server.counters_setup import queue_rules
from hall_server.errors import HallError
from realtime.counter_seat import HallSeat
from realtime.hall import Hall, HallRules
from scenes.bundled import load_demo_scene
from scenes.spatial import Floorplan
from tests.helpers import NIB_FORM

SCENE = load_demo_scene()
FLOOR = Floorplan.from_scene(SCENE)
CATALOGUE = load_catalogue()
#: A Wednesday, 10:00 WITA: office hours.
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC).timestamp()
NIK = str(NIB_FORM["nik"])
OTHER_NIK = "7371011708850002"
ELDERLY_NIK = "7471011203500003"  # born 12 March 1950


class World:
    """One hall and its floor; the test is the clock."""

    def __init__(
        self,
        *,
        bots: str = "always",
        seed: int = 7,
        sims: int = 0,
        on_behalf: dict[str, int] | None = None,
        survey: Callable[[CounterSession], str | None] | None = None,
        **policy: Any,
    ):
        self.now = T0
        tokens = (f"tok{i}" for i in itertools.count())
        self.hall = Hall(
            "mpp-kendari",
            bounds=SCENE.bounds,
            floor=FLOOR,
            spawns=[(s.position[0], s.position[1], s.yaw_deg) for s in SCENE.spawns],
            rules=HallRules(move=MoveRules(max_speed_m_s=500.0)),
            new_token=lambda: next(tokens),
        )
        ids = (f"id{i}" for i in itertools.count())
        codes = (f"MPP-TEST{i:02d}" for i in itertools.count())
        self.walkers = Walkers(self, sims) if sims else None
        self.floor = Floor(
            counters=SCENE.counters,
            catalogue=CATALOGUE,
            rules=queue_rules(CATALOGUE),
            clerk=BotClerk(CATALOGUE),
            seat=HallSeat(self.hall, monotonic=lambda: self.now, wall=lambda: self.now),
            policy=FloorPolicy(bots=bots, **policy),
            rng=random.Random(seed),
            new_id=lambda: next(ids),
            new_tracking_code=lambda: next(codes),
            walkers=self.walkers,
            survey=survey,
        )
        self.batches: list[Batch] = []
        self.floor.restore([], [], [], on_behalf=on_behalf, now=self.now)
        self.drain()

    def drain(self) -> Batch:
        batch = self.floor.drain()
        self.batches.append(batch)
        return batch

    def enter(self, identity: Identity) -> int:
        avatar = self.hall.join(identity, Appearance.parse(None), now=self.now).avatar_id
        self.floor.entered(avatar, now=self.now)
        self.drain()
        return avatar

    def do(self, avatar: int, **msg: Any) -> Batch:
        try:
            self.floor.handle(avatar, msg, now=self.now)
        finally:
            batch = self.drain()
        return batch

    def refused(self, avatar: int, **msg: Any) -> str:
        with pytest.raises(HallError) as caught:
            self.do(avatar, **msg)
        return caught.value.code

    def wait(self, seconds: float) -> None:
        """Let time pass in the pump's half-second steps."""
        end = self.now + seconds
        while self.now < end:
            self.now += 0.5
            self.hall.tick(self.now)
            self.floor.step(self.now)
            self.drain()

    def walk(self, avatar: int, goal: tuple[float, float]) -> None:
        x, y, _ = self.hall.position(avatar)
        route = FLOOR.route((x, y), goal)
        assert route is not None
        for i, (wx, wy) in enumerate(route):
            self.now += 0.05
            self.hall.propose_move(avatar, wx, wy, 0.0, "walk", i + 1)
            self.hall.tick(self.now)

    def sent(self, avatar: int, kind: str) -> list[dict[str, Any]]:
        return [m for b in self.batches for a, m in b.messages if a == avatar and m["type"] == kind]

    def last(self, avatar: int, kind: str) -> dict[str, Any]:
        found = self.sent(avatar, kind)
        assert found, f"no {kind} for {avatar}"
        return found[-1]

    def audited(self) -> list[str]:
        kinds = [e.kind.value for b in self.batches for e in b.queue_events]
        return kinds + [e.kind for b in self.batches for e in b.desk_events]

    def counter_of(self, avatar: int) -> str:
        return str(self.last(avatar, "called")["counter"]["id"])

    def to_counter(self, avatar: int) -> dict[str, Any]:
        """Walk to the counter one was called to; the session starts at the next step."""
        called = self.last(avatar, "called")
        self.walk(avatar, tuple(called["counter"]["position"]))
        self.wait(0.5)
        return self.last(avatar, "counter_session")


class Walkers:
    """The demo crowd as the floor sees it: walkers that arrive where they are sent."""

    def __init__(self, world: World, n: int) -> None:
        self.world = world
        self.ids = [
            world.hall.join(
                Identity(f"sim:{i}", Role.CITIZEN, f"Warga {i}", token_role="bot"),
                Appearance.parse(None),
                now=world.now,
                driven=True,
            ).avatar_id
            for i in range(n)
        ]
        self.goals: dict[int, tuple[float, float]] = {}

    def avatar_ids(self) -> list[int]:
        return list(self.ids)

    def subject_of(self, avatar_id: int) -> str:
        return self.world.hall.subject_of(avatar_id)

    def send_to(self, avatar_id: int, goal: tuple[float, float]) -> None:
        self.goals[avatar_id] = goal

    def release(self, avatar_id: int) -> None:
        self.goals.pop(avatar_id, None)


def citizen(n: int = 1, nik: str | None = NIK, elderly: bool = False) -> Identity:
    return Identity(
        f"account:{n}", Role.CITIZEN, "Siti", token_role="citizen", elderly=elderly, nik=nik
    )


def guest(n: int = 1) -> Identity:
    return Identity(f"guest:{n:04x}", Role.CITIZEN, "Tamu", token_role="guest")


def officer(n: int = 9, role: str = "officer") -> Identity:
    return Identity(f"account:{n}", Role.OFFICER, "Budi", token_role=role)


# ------------------------------------------------------------ the core as it was


def test_a_bot_calls_the_next_number_and_recalls_a_citizen_who_does_not_come():
    world = World(recall_after_s=90.0)
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KK")
    world.wait(0.5)
    called = world.last(siti, "called")
    assert called["recalls"] == 0
    world.wait(89.0)
    assert world.last(siti, "called")["recalls"] == 0
    world.wait(2.0)
    assert world.last(siti, "called")["recalls"] == 1
    assert "recalled" in world.audited()


def test_a_bot_serves_a_signed_in_citizen_to_completion_in_their_own_name():
    world = World()
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="NIB")
    world.wait(0.5)
    session = world.to_counter(siti)
    assert session["staffed_by"] == "bot" and session["form"]["nik"] == NIK
    form = {k: v for k, v in NIB_FORM.items() if k != "nik"}
    world.do(siti, type="form_update", fields=form, seq=5)
    assert world.last(siti, "form_result")["errors"] == {}
    world.do(siti, type="documents_show", requirements=["ktp_el", "kontak", "data_usaha"])
    filed = world.last(siti, "application_filed")
    assert filed["status"] == "queued" and filed["review"] == "none"
    application = next(a for b in world.batches for a in b.applications)
    assert application.form["nik"] == NIK and application.status == "completed"
    assert world.last(siti, "session_ended")["outcome"] == "served"


def test_an_officer_takes_a_counter_from_a_bot_with_the_whole_case_the_channel_and_the_call():
    world = World()
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="REKLAME")
    world.wait(0.5)
    counter = world.counter_of(siti)
    session = world.to_counter(siti)
    world.do(siti, type="form_update", fields={"nama_lengkap": "Siti Aminah"})
    budi = world.enter(officer())
    batch = world.do(budi, type="counter_open", counter_id=counter, seq=3)
    case = world.last(budi, "counter_session")
    assert case["session_id"] == session["session_id"] and case["channel"] == session["channel"]
    assert case["form"]["nama_lengkap"] == "Siti Aminah"
    assert case["identity"] == {"verified": True, "on_behalf_filings": 0, "name": "Siti"}
    # The bot offered no call; the officer brings one (the citizen is asked first).
    assert any(isinstance(c, CallOpened) and c.staff.kind == "officer" for c in batch.calls)
    assert not any(isinstance(c, CallStaffChanged) for c in batch.calls)
    assert world.last(budi, "counter_state") == {
        "type": "counter_state",
        "counter_id": counter,
        "status": "open",
        "staffed_by": "officer",
        "ticket_id": session["ticket_id"],
        "ref": 3,
    }
    assert not world.hall.has(world.floor._bots.get(counter, -1))


def test_the_elderly_priority_is_read_from_the_nik_and_cannot_be_declared():
    world = World(bots="never")
    young = world.enter(citizen(1))
    assert world.refused(young, type="ticket_take", service="KK", priority="elderly") == (
        "not_elderly"
    )
    old = world.enter(citizen(2, ELDERLY_NIK, elderly=True))
    world.do(old, type="ticket_take", service="KK", priority="elderly")
    assert world.last(old, "ticket")["priority"] == "elderly"


def test_a_booking_joins_the_queue_at_its_booked_time_on_check_in():
    world = World(bots="never")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="AKTA-LAHIR", appointment_at=world.now + 600)
    booked = world.last(siti, "ticket")
    assert booked["state"] == "booked" and booked["number"] is None
    world.wait(300)
    world.do(siti, type="check_in", ticket_id=booked["ticket_id"])
    assert world.last(siti, "ticket")["state"] == "waiting"
    assert world.refused(
        siti, type="ticket_take", service="KK", appointment_at=world.now + 91 * 86400
    ) == ("out_of_range")


def test_demo_citizens_with_the_same_seed_take_the_same_numbers():
    def numbers(seed: int) -> list[tuple[str, str]]:
        world = World(seed=seed, sims=8, sim_ticket_chance=0.2)
        world.wait(20)
        return [
            (e.ticket.service, e.ticket.number or "")
            for b in world.batches
            for e in b.queue_events
            if e.kind.value == "ticket_taken" and e.ticket is not None
        ]

    first = numbers(3)
    assert first and first == numbers(3)
    assert first != numbers(4)


# ------------------------------------------------------------------ the fixes


def test_a_citizen_who_leaves_while_served_ends_with_citizen_left_and_the_bot_goes_on():
    world = World(citizen_left_s=60.0)
    siti = world.enter(citizen(1))
    world.do(siti, type="ticket_take", service="KK")
    world.wait(0.5)
    counter = world.counter_of(siti)
    world.to_counter(siti)
    andi = world.enter(citizen(2, OTHER_NIK))
    world.do(andi, type="ticket_take", service="KK")
    world.hall.detach(siti, now=world.now)  # the tab closed
    world.wait(59)
    assert world.floor.engine.counter(counter).ticket_id is not None
    world.wait(2)
    assert "citizen_left" in world.audited()
    ended = [e for b in world.batches for e in b.desk_events if e.kind == "session_ended"]
    assert ended[-1].details["outcome"] == "citizen_left"
    world.wait(1)
    assert world.floor.engine.ticket(world.last(andi, "ticket")["ticket_id"]).state.value in (
        "called",
        "serving",
    )


def test_a_called_citizen_who_left_the_hall_frees_the_counter_without_waiting_for_no_show():
    world = World(citizen_left_s=30.0)
    siti = world.enter(citizen(1))
    world.do(siti, type="ticket_take", service="PBG")
    world.wait(0.5)
    counter = world.counter_of(siti)
    world.hall.leave(siti)
    world.wait(31)
    assert world.floor.engine.counter(counter).ticket_id is None
    ticket = next(t for t in world.floor.engine.tickets() if t.citizen_ref == "account:1")
    assert ticket.outcome is not None and ticket.outcome.value == "citizen_left"


def test_an_officer_who_drops_gets_the_counter_back_within_the_grace_period():
    world = World(officer_grace_s=120.0)
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="D1")
    world.hall.detach(budi, now=world.now)
    world.wait(100)
    assert world.floor.engine.counter("D1").staffed_by == "account:9"
    again = world.enter(officer())
    assert world.last(again, "counter_state")["staffed_by"] == "officer"
    world.wait(60)
    assert world.floor.engine.counter("D1").staffed_by == "account:9"


def test_an_officer_who_does_not_come_back_hands_the_counter_and_its_session_to_a_bot():
    world = World(officer_grace_s=120.0)
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="D1")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KTP-EL")
    world.do(budi, type="call_next", counter_id="D1")
    session = world.to_counter(siti)
    assert session["staffed_by"] == "officer"
    world.hall.detach(budi, now=world.now)
    world.wait(121)
    assert world.floor.engine.counter("D1").staffed_by == "bot:D1"
    handed = world.last(siti, "counter_session")
    assert handed["staffed_by"] == "bot" and handed["session_id"] == session["session_id"]
    assert "counter_handed_over" in world.audited()
    # The officer's call ends with them; the bot offers none.
    calls = [c for b in world.batches for c in b.calls]
    assert [type(c).__name__ for c in calls] == ["CallOpened", "CallClosed"]
    assert calls[1] == CallClosed(session["session_id"], reason="officer_left")


def test_without_bots_an_officer_gone_for_good_closes_the_counter_and_requeues_the_citizen():
    world = World(bots="never", officer_grace_s=120.0)
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="D1")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KTP-EL")
    world.do(budi, type="call_next", counter_id="D1")
    world.to_counter(siti)
    world.hall.leave(budi)
    world.wait(121)
    assert world.floor.engine.counter("D1").status.value == "closed"
    ticket = world.last(siti, "ticket")
    assert ticket["state"] == "waiting" and ticket["position"] == 1
    assert world.last(siti, "session_ended")["outcome"] == "returned"


def test_a_citizen_who_enters_again_gets_the_live_ticket_back_and_a_second_take_returns_it():
    world = World(bots="never")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KK", seq=1)
    first = world.last(siti, "ticket")
    world.hall.leave(siti)
    again = world.enter(citizen())  # a reload: a new connection, a new avatar
    back = world.last(again, "ticket")
    assert back["ticket_id"] == first["ticket_id"] and back["position"] == 1
    world.do(again, type="ticket_take", service="KK", seq=2)
    replies = [m for m in world.sent(again, "ticket") if m.get("ref") == 2]
    assert len(replies) == 1 and replies[0]["ticket_id"] == first["ticket_id"]
    assert len([t for t in world.floor.engine.tickets() if t.citizen_ref == "account:1"]) == 1


def test_a_reply_to_a_request_carries_its_seq_as_ref_exactly_once():
    world = World(bots="never")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KK", seq=41)
    tickets = world.sent(siti, "ticket")
    assert len(tickets) == 1 and tickets[0]["ref"] == 41


def test_a_guest_may_take_a_number_and_ask_but_not_file():
    world = World()
    tamu = world.enter(guest())
    world.do(tamu, type="ticket_take", service="NIB")
    world.wait(0.5)
    session = world.to_counter(tamu)
    assert "nik" not in session["form"]
    assert world.refused(tamu, type="form_update", fields={"nama_lengkap": "X"}) == (
        "sign_in_required"
    )
    assert world.refused(tamu, type="documents_show", requirements=["ktp_el"]) == (
        "sign_in_required"
    )
    assert not [a for b in world.batches for a in b.applications]


def test_a_citizen_cannot_put_another_persons_nik_in_the_form():
    world = World()
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="NIB")
    world.wait(0.5)
    world.to_counter(siti)
    code = world.refused(siti, type="form_update", fields={**NIB_FORM, "nik": OTHER_NIK})
    assert code == "nik_from_sign_in"
    assert not [a for b in world.batches for a in b.applications]


def test_filing_on_behalf_is_declared_audited_and_never_completed_by_a_bot():
    world = World()
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="NIB")
    world.wait(0.5)
    world.to_counter(siti)
    assert (
        world.refused(siti, type="on_behalf", relationship="parent_of_child", nik="123")
        == "invalid_nik"
    )
    assert world.refused(siti, type="on_behalf", relationship="boss", nik=OTHER_NIK) == "bad_value"
    world.do(siti, type="on_behalf", relationship="power_of_attorney", nik=OTHER_NIK)
    declared = world.last(siti, "counter_session")["on_behalf"]
    assert declared == {"relationship": "power_of_attorney", "nik": "7371********0002"}
    form = {k: v for k, v in NIB_FORM.items() if k != "nik"}
    world.do(siti, type="form_update", fields=form)
    world.do(siti, type="documents_show", requirements=["ktp_el", "kontak", "data_usaha"])
    application = next(a for b in world.batches for a in b.applications)
    assert application.form["nik"] == OTHER_NIK and application.on_behalf == "power_of_attorney"
    assert application.status == "awaiting_officer"  # NIB is bot-complete, but not on behalf
    assert world.last(siti, "application_filed")["review"] == "officer"
    events = [e for b in world.batches for e in b.desk_events if e.kind == "on_behalf_declared"]
    assert events and OTHER_NIK not in str(events[0].details)


def test_a_declared_priority_is_audited_and_confirmed_or_withdrawn_at_the_counter():
    world = World(bots="never")
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="D2")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KK", priority="pregnant")
    taken = next(e for b in world.batches for e in b.queue_events if e.kind.value == "ticket_taken")
    assert taken.details["priority"] == "pregnant"
    world.do(budi, type="call_next", counter_id="D2")
    world.do(budi, type="priority_review", counter_id="D2", confirmed=False)
    assert world.last(siti, "ticket")["priority"] == "regular"
    assert "priority_reviewed" in world.audited()


def test_the_bot_names_missing_documents_as_the_standar_pelayanan_does():
    world = World()
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="NIB")
    world.wait(0.5)
    world.to_counter(siti)
    form = {k: v for k, v in NIB_FORM.items() if k != "nik"}
    world.do(siti, type="form_update", fields=form)
    world.do(siti, type="documents_show", requirements=["kontak"])
    lines = [c["text"] + " " + c["text_en"] for b in world.batches for c in b.chats]
    missing = next(line for line in lines if "masih diperlukan" in line)
    assert "ktp_el" not in missing and "data_usaha" not in missing
    assert "KTP" in missing


def test_staff_commands_from_a_citizen_are_refused_with_staff_only():
    world = World()
    siti = world.enter(citizen())
    assert world.refused(siti, type="call_next", counter_id="D1") == "staff_only"
    budi = world.enter(officer())
    assert world.refused(budi, type="ticket_take", service="KK") == "citizen_only"


def test_a_session_with_a_bot_offers_no_call():
    world = World()
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KK")
    world.wait(0.5)
    world.to_counter(siti)
    assert [c for b in world.batches for c in b.calls] == []


def test_a_session_with_an_officer_offers_a_call():
    world = World(bots="never")
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="D1")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KTP-EL")
    world.do(budi, type="call_next", counter_id="D1")
    world.to_counter(siti)
    opened = [c for b in world.batches for c in b.calls if isinstance(c, CallOpened)]
    assert len(opened) == 1 and opened[0].staff.kind == "officer"


def test_an_officer_who_submits_is_told_the_tracking_code():
    world = World(bots="never")
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="P1")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="NIB")
    world.do(budi, type="call_next", counter_id="P1")
    world.to_counter(siti)
    form = {k: v for k, v in NIB_FORM.items() if k != "nik"}
    world.do(siti, type="form_update", fields=form)
    world.do(
        budi,
        type="documents_shown",
        counter_id="P1",
        requirements=["ktp_el", "kontak", "data_usaha"],
    )
    world.do(budi, type="submit", counter_id="P1", seq=8)
    told = world.last(budi, "application_filed")
    assert told["tracking_code"] == world.last(siti, "application_filed")["tracking_code"]
    assert world.last(budi, "counter_state")["ref"] == 8


def test_a_hand_over_from_a_bot_serving_a_demo_citizen_carries_a_channel():
    world = World(sims=4, sim_ticket_chance=1.0)
    world.wait(1.0)
    sim_tickets = [t for t in world.floor.engine.tickets() if t.state.value == "called"]
    assert sim_tickets
    t = sim_tickets[0]
    counter = next(c for c in SCENE.counters if c.id == t.counter_id)
    sim = world.hall.avatar_of(t.citizen_ref)
    assert sim is not None
    world.walk(sim, counter.position)
    world.wait(0.5)
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id=counter.id)
    case = world.last(budi, "counter_session")
    assert case["channel"] is not None and case["staffed_by"] == "officer"


def test_the_officer_sees_how_often_the_account_filed_on_behalf_of_others():
    world = World(on_behalf={"account:1": 4})  # as restored from the audit log
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="REKLAME")
    world.wait(0.5)
    counter = world.counter_of(siti)
    world.to_counter(siti)
    world.do(siti, type="on_behalf", relationship="family_member", nik=OTHER_NIK)
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id=counter)
    case = world.last(budi, "counter_session")
    assert case["identity"]["on_behalf_filings"] == 5
    assert "on_behalf_filings" not in world.last(siti, "counter_session").get("identity", {})


def test_a_citizen_always_sees_the_staff_of_their_counter_in_a_crowded_hall():
    world = World(bots="never")
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="D2")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="KK")
    world.wait(0.5)
    assert world.hall.pinned(siti) == (budi,)  # waiting: the staff of the counters serving KK
    world.do(budi, type="call_next", counter_id="D2")
    world.wait(0.5)
    assert world.hall.pinned(siti) == (budi,)
    world.to_counter(siti)
    world.do(budi, type="finish", counter_id="D2", outcome="served")
    world.wait(0.5)
    assert world.hall.pinned(siti) == ()


def test_the_board_of_a_hall_where_nothing_happened_yet_is_empty():
    # Before the first turn the engine has seen no time at all (it used to answer NaN).
    world = World(bots="never")
    assert world.floor.board == {"hall": "mpp-kendari", "now_serving": [], "waiting": {}}
