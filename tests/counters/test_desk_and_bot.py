"""Counter sessions and the bot clerk, without an event loop."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from counters.bot import BotClerk, OfficeHours
from counters.catalogue import load_catalogue
from counters.desk import CounterSession, Desk
from hall_server.errors import Conflict, Forbidden, InvalidInput
from tests.helpers import NIB_FORM

CATALOGUE = load_catalogue()
TODAY = date(2026, 11, 23)
# Monday 23 November 2026, 21:00 WITA (13:00 UTC): after office hours.
EVENING = datetime(2026, 11, 23, 13, 0, tzinfo=UTC).timestamp()


def make_desk() -> Desk:
    counter = itertools.count(1)
    return Desk(CATALOGUE, new_id=lambda: f"id{next(counter)}")


def start(desk: Desk, service: str = "NIB", staffed_by: str = "bot:P1") -> CounterSession:
    return desk.start(
        ticket_id="t1",
        ticket_number="G-001",
        service=service,
        counter_id="P1",
        citizen_ref="account:7",
        staffed_by=staffed_by,
        now=EVENING,
    )


def test_a_bot_completes_a_bot_capable_service_and_logs_every_step():
    desk = make_desk()
    session = start(desk)
    assert desk.update_form(session.session_id, "bot:P1", NIB_FORM, today=TODAY, now=EVENING) == {}
    desk.show(session.session_id, "bot:P1", ["ktp_el", "kontak", "data_usaha"], EVENING)
    app = desk.submit(session.session_id, "bot:P1", EVENING, today=TODAY, tracking_code="TRK-1")
    assert (
        app.status == "completed" and app.fee_idr == 0 and app.form["nama_usaha"] == "Warung Sinar"
    )
    desk.end(session.session_id, "bot:P1", "served", None, EVENING)
    kinds = [e.kind for e in desk.events_to_send()]
    assert kinds == [
        "session_started",
        "form_updated",
        "documents_shown",
        "application_filed",
        "session_ended",
    ]


def test_invalid_fields_are_named_and_not_stored():
    desk = make_desk()
    session = start(desk)
    errors = desk.update_form(
        session.session_id,
        "bot:P1",
        {**NIB_FORM, "nik": "7471014101900000", "no_hp": "12"},
        today=TODAY,
        now=EVENING,
    )
    assert set(errors) == {"nik", "no_hp"}
    assert "7471014101900000" not in str(errors)
    assert "nik" not in session.form and session.form["nama_usaha"] == "Warung Sinar"


def test_submitting_with_documents_missing_is_refused():
    desk = make_desk()
    session = start(desk)
    desk.update_form(session.session_id, "bot:P1", NIB_FORM, today=TODAY, now=EVENING)
    with pytest.raises(InvalidInput) as err:
        desk.submit(session.session_id, "bot:P1", EVENING, today=TODAY, tracking_code="T")
    assert err.value.code == "missing_documents"


def test_a_bot_files_but_does_not_decide_a_lost_ktp_and_never_takes_a_first_ktp():
    desk = make_desk()
    session = start(desk, service="KTP-EL", staffed_by="bot:D1")
    form = {
        "variant": "HILANG",
        "nik": "7471014101900001",
        "nama_lengkap": "Siti Aminah",
        "tanggal_lahir": "1990-01-01",
        "no_kk": "7471010101010001",
        "dokumen_kehilangan": "doc-123",
        "no_hp": "081234567890",
        "konfirmasi": True,
    }
    assert desk.update_form(session.session_id, "bot:D1", form, today=TODAY, now=EVENING) == {}
    desk.show(session.session_id, "bot:D1", ["kk", "surat_kehilangan"], EVENING)
    app = desk.submit(session.session_id, "bot:D1", EVENING, today=TODAY, tracking_code="TRK-2")
    assert app.status == "awaiting_officer"
    other = desk.start(
        ticket_id="t2",
        ticket_number="A-002",
        service="KTP-EL",
        counter_id="D2",
        citizen_ref="account:8",
        staffed_by="bot:D2",
        now=EVENING,
    )
    desk.update_form(
        other.session_id, "bot:D2", {**form, "variant": "BARU"}, today=TODAY, now=EVENING
    )
    desk.show(other.session_id, "bot:D2", ["kk"], EVENING)
    with pytest.raises(Forbidden):
        desk.submit(other.session_id, "bot:D2", EVENING, today=TODAY, tracking_code="T")


def test_hand_over_keeps_the_whole_case():
    desk = make_desk()
    session = start(desk)
    desk.say(session.session_id, "citizen", "Saya mau daftar NIB", EVENING)
    desk.update_form(
        session.session_id, "bot:P1", {"nama_usaha": "Warung Sinar"}, today=TODAY, now=EVENING
    )
    desk.hand_over(session.session_id, "account:3", EVENING + 60)
    after = desk.get(session.session_id)
    assert after.staffed_by == "account:3" and not after.by_bot
    assert after.form == {"nama_usaha": "Warung Sinar"}
    assert [line.text for line in after.transcript] == ["Saya mau daftar NIB"]
    assert after.handovers == [(EVENING + 60, "bot:P1", "account:3")]
    with pytest.raises(Conflict):
        desk.hand_over(session.session_id, "account:3", EVENING + 61)
    assert CounterSession.from_json(after.to_json()) == after


def test_a_rejection_needs_a_reason():
    desk = make_desk()
    session = start(desk, staffed_by="account:3")
    with pytest.raises(InvalidInput):
        desk.end(session.session_id, "account:3", "rejected", None, EVENING)
    desk.end(session.session_id, "account:3", "rejected", "dokumen tidak lengkap", EVENING)


def test_the_bot_says_honestly_when_an_officer_will_decide():
    clerk = BotClerk(CATALOGUE, OfficeHours())
    desk = make_desk()
    session = start(desk, service="KTP-EL", staffed_by="bot:D1")
    greeting = clerk.greet(session, nik_verified=True)
    assert any("terverifikasi" in line["id"] for line in greeting)
    assert all(set(line) == {"id", "en"} for line in greeting)
    # Friday evening: the next shift is Monday 08:00 WITA.
    friday_evening = datetime(2026, 11, 27, 13, 0, tzinfo=UTC).timestamp()
    told = clerk.needs_officer(session, friday_evening)[0]
    assert "Senin 30-11-2026 pukul 08.00 WITA" in told["id"]
    assert "Monday 2026-11-30 at 08:00 WITA" in told["en"]


def test_office_hours_follow_local_time():
    hours = OfficeHours()
    monday_9_wita = datetime(2026, 11, 23, 1, 0, tzinfo=UTC).timestamp()
    assert hours.is_open(monday_9_wita)
    assert not hours.is_open(EVENING)
    assert hours.next_opening(EVENING).strftime("%Y-%m-%d %H:%M") == "2026-11-24 08:00"
