"""The bot answers the citizen's chat at its counter (issue 11: "the assistant answers in
the chat"), from the Standar Pelayanan and the state of the case, never by internal ids."""

from __future__ import annotations

from counters.catalogue import load_catalogue
from tests.counters.test_floor import NIB_FORM, World, citizen, officer

CATALOGUE = load_catalogue()
NIB = CATALOGUE.service("NIB")


def bot_lines_after(world: World, siti: int, text: str) -> list[str]:
    """What the bot says in the session's channel after the citizen writes ``text``."""
    session = world.last(siti, "counter_session")
    before = sum(len(b.chats) for b in world.batches)
    world.floor.channel_chat(session["channel"], siti, text, world.now)
    world.drain()
    chats = [c for b in world.batches for c in b.chats][before:]
    assert all(c["channel"] == session["channel"] for c in chats)
    return [c["text"] + " | " + c["text_en"] for c in chats]


def served_by_bot(service: str = "NIB") -> tuple[World, int]:
    world = World()
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service=service)
    world.wait(0.5)
    world.to_counter(siti)
    return world, siti


def test_a_question_about_the_fee_the_time_or_complaints_is_answered_from_the_standar():
    world, siti = served_by_bot()
    (fee,) = bot_lines_after(world, siti, "Berapa biayanya?")
    assert NIB.standar.fee.text.id in fee and NIB.standar.fee.text.en in fee
    (time,) = bot_lines_after(world, siti, "How long does it take?")
    assert NIB.standar.completion.text.en in time
    (complaint,) = bot_lines_after(world, siti, "Ada calo minta uang, saya mau lapor")
    assert NIB.standar.complaints.id in complaint
    (steps,) = bot_lines_after(world, siti, "Bagaimana caranya?")
    assert steps.startswith("Langkah: 1. " + NIB.standar.steps[0].id)


def test_anything_else_is_answered_with_what_the_case_still_needs_by_name():
    world, siti = served_by_bot()
    lines = bot_lines_after(world, siti, "Halo, saya mau daftar usaha")
    said = " ".join(lines)
    labels = {f.name: f.label for f in NIB.fields}
    assert labels["nama_usaha"].id in said and labels["nama_usaha"].en in said
    assert "nama_usaha" not in said and "ktp_el" not in said  # never internal ids
    assert "masih diperlukan" in said
    form = {k: v for k, v in NIB_FORM.items() if k != "nik"}
    world.do(siti, type="form_update", fields=form)
    said = " ".join(bot_lines_after(world, siti, "terus?"))
    assert "perlu diisi" not in said and "Dokumen yang masih diperlukan" in said


def test_an_officer_is_not_interrupted_by_the_bot():
    world = World(bots="never")
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="P1")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="NIB")
    world.do(budi, type="call_next", counter_id="P1")
    world.to_counter(siti)
    assert bot_lines_after(world, siti, "Berapa biayanya?") == []
