"""The broker (calo) and pungli signals core: each signal, its evidence, its threshold."""

from __future__ import annotations

import pytest

from counters.signals import (
    DAY_S,
    Events,
    Filed,
    Flag,
    NoShow,
    OnBehalf,
    SaidLine,
    Thresholds,
    TicketTaken,
    detect,
    money_words,
    normalise_phone,
    still_new,
)

T0 = 1_795_536_000.0  # a morning in Kendari
FREE = ("KTP-EL", "KK", "AKTA-LAHIR")
LOW = Thresholds(
    on_behalf_people=3,
    tickets_per_account=3,
    tickets_per_device=4,
    tickets_per_address=5,
    phone_accounts=3,
    phone_applications=5,
    no_shows=2,
)


def flags(events: Events, thresholds: Thresholds = LOW, now: float = T0 + 60 * DAY_S) -> list[Flag]:
    return detect(events, free_services=FREE, thresholds=thresholds, now=now)


def kinds(found: list[Flag]) -> list[tuple[str, str]]:
    return [(f.kind, f.subject) for f in found]


def taken(
    n: int, *, account: str = "account:7", step_s: float = 600.0, **where: str
) -> list[TicketTaken]:
    services = ("KTP-EL", "KK", "AKTA-LAHIR", "NIB")
    return [
        TicketTaken(f"t{n}-{i}-{account}", account, services[i % 4], T0 + i * step_s, **where)
        for i in range(n)
    ]


# ------------------------------------------------------------------ numbers taken


def test_many_numbers_from_one_account_raise_a_flag_with_the_tickets_as_evidence():
    [flag] = flags(Events(tickets=taken(3)))
    assert (flag.kind, flag.subject, flag.count, flag.threshold) == (
        "tickets_account",
        "account:7",
        3,
        3,
    )
    assert flag.evidence == (
        "ticket:t3-0-account:7",
        "ticket:t3-1-account:7",
        "ticket:t3-2-account:7",
    )
    assert flag.window_s == DAY_S
    assert (flag.first_at, flag.last_at) == (T0, T0 + 1200.0)
    assert flag.details == {"services": ["AKTA-LAHIR", "KK", "KTP-EL"]}


def test_one_number_fewer_than_the_threshold_raises_nothing():
    assert flags(Events(tickets=taken(2))) == []


def test_numbers_spread_wider_than_the_window_are_not_counted_together():
    # Three numbers, one a day: an ordinary citizen coming back, never three in 24 h.
    assert flags(Events(tickets=taken(3, step_s=DAY_S + 1))) == []


def test_the_densest_window_is_found_even_if_it_is_not_the_latest():
    burst = taken(3, step_s=60.0)
    later = [TicketTaken("late", "account:7", "KK", T0 + 10 * DAY_S)]
    [flag] = flags(Events(tickets=[*later, *burst]))
    assert flag.count == 3 and "ticket:late" not in flag.evidence


def test_events_after_now_are_ignored():
    assert flags(Events(tickets=taken(3)), now=T0 + 60.0) == []


def test_one_device_for_many_accounts_is_flagged_with_the_accounts():
    tickets = [
        TicketTaken(f"t{i}", f"account:{i}", "KTP-EL", T0 + i, device="device:abc")
        for i in range(4)
    ]
    [flag] = flags(Events(tickets=tickets))
    assert (flag.kind, flag.subject, flag.count) == ("tickets_device", "device:abc", 4)
    assert flag.details["accounts"] == ["account:0", "account:1", "account:2", "account:3"]


def test_one_address_needs_more_numbers_than_one_device():
    tickets = [
        TicketTaken(f"t{i}", f"account:{i}", "KK", T0 + i, address="address:x") for i in range(4)
    ]
    assert flags(Events(tickets=tickets)) == []
    tickets.append(TicketTaken("t9", "account:9", "KK", T0 + 9, address="address:x"))
    assert kinds(flags(Events(tickets=tickets))) == [("tickets_address", "address:x")]


# ------------------------------------------------------------------ on behalf


def test_filing_on_behalf_of_many_different_people_is_flagged():
    records = [OnBehalf(f"s{i}", "account:3", f"person:{i}", T0 + i * DAY_S) for i in range(3)]
    [flag] = flags(Events(on_behalf=records))
    assert (flag.kind, flag.subject, flag.count) == ("on_behalf_many", "account:3", 3)
    assert flag.evidence == ("session:s0", "session:s1", "session:s2")
    assert flag.details == {"declarations": 3}


def test_a_parent_filing_again_and_again_for_the_same_two_children_is_not_flagged():
    records = [OnBehalf(f"s{i}", "account:3", f"person:{i % 2}", T0 + i * DAY_S) for i in range(6)]
    assert flags(Events(on_behalf=records)) == []


# ------------------------------------------------------------------ phones


def test_one_phone_on_applications_of_many_accounts_is_flagged():
    records = [Filed(f"a{i}", f"account:{i}", "KK", "phone:p", T0 + i) for i in range(3)]
    [flag] = flags(Events(filed=records))
    assert (flag.kind, flag.subject, flag.count) == ("shared_phone", "phone:p", 3)
    assert flag.details["counted"] == "accounts"
    assert flag.evidence == ("application:a0", "application:a1", "application:a2")


def test_a_family_sharing_a_phone_is_not_flagged_until_very_many_applications():
    family = [Filed(f"a{i}", f"account:{i % 2}", "KK", "phone:p", T0 + i) for i in range(4)]
    assert flags(Events(filed=family)) == []
    family.append(Filed("a9", "account:1", "KK", "phone:p", T0 + 9))
    [flag] = flags(Events(filed=family))
    assert (flag.count, flag.threshold, flag.details["counted"]) == (5, 5, "applications")


def test_one_account_giving_its_own_phone_on_many_applications_is_not_a_shared_phone():
    records = [Filed(f"a{i}", "account:1", "NIB", "phone:p", T0 + i) for i in range(9)]
    assert flags(Events(filed=records)) == []


def test_applications_without_a_phone_are_never_grouped():
    records = [Filed(f"a{i}", f"account:{i}", "KK", None, T0 + i) for i in range(9)]
    assert flags(Events(filed=records)) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0812-3456-7890", "081234567890"),
        ("+62 812 3456 7890", "081234567890"),
        ("6281234567890", "081234567890"),
        ("81234567890", "081234567890"),
        ("12", None),
        ("abc", None),
    ],
)
def test_phone_numbers_written_differently_are_one_number(raw: str, expected: str | None):
    assert normalise_phone(raw) == expected


# ------------------------------------------------------------------ no-shows


def test_repeated_no_shows_are_flagged_with_the_tickets():
    records = [NoShow(f"t{i}", "account:5", "KTP-EL", T0 + i * DAY_S) for i in range(2)]
    [flag] = flags(Events(no_shows=records))
    assert (flag.kind, flag.subject, flag.count) == ("no_shows", "account:5", 2)
    assert flag.evidence == ("ticket:t0", "ticket:t1")


def test_no_shows_weeks_apart_are_not_flagged():
    records = [NoShow(f"t{i}", "account:5", "KTP-EL", T0 + i * 15 * DAY_S) for i in range(3)]
    assert flags(Events(no_shows=records)) == []


# ------------------------------------------------------------------ officers' chat


def line(
    text: str, *, speaker: str = "officer", service: str = "KTP-EL", at: float = T0
) -> SaidLine:
    return SaidLine("s1", speaker, "account:2", service, at, text)


def test_an_officer_asking_for_money_in_a_free_service_is_flagged_with_the_words():
    [flag] = flags(Events(lines=[line("Kalau mau cepat, siapkan uang rokok 50rb ya")]))
    assert (flag.kind, flag.subject, flag.count) == ("officer_money_talk", "account:2", 1)
    assert flag.evidence == ("session:s1",)
    assert flag.details["words"] == ["amount", "uang rokok"]
    assert flag.details["lines"] == ["Kalau mau cepat, siapkan uang rokok 50rb ya"]


def test_the_citizens_own_words_never_raise_the_flag():
    assert (
        flags(Events(lines=[line("Berapa biayanya? Saya transfer saja?", speaker="citizen")])) == []
    )


def test_a_bots_words_never_raise_the_flag():
    assert flags(Events(lines=[line("Biaya layanan ini Rp 50.000", speaker="bot")])) == []


def test_fee_talk_in_a_paid_service_is_legitimate():
    said = line("Retribusi PBG dibayar lewat transfer ke rekening kas daerah", service="PBG")
    assert flags(Events(lines=[said])) == []


@pytest.mark.parametrize(
    "text",
    [
        "Ada biaya administrasi",
        "BIAYA!!! harus dibayar",
        "siapkan u4ng dulu",
        "uaaang pelicin",
        "u-a-n-g rokok",
        "Transfer ke rekening saya",
        "no rek saya 1234",
        "pembayarannya di saya",
        "ongkos cetak 20 ribu",
        "Rp 100.000 saja",
        "There is a small fee",
        "Please pay me in cash",
        "send it to my bank account",
        "m0ney first",
    ],
)
def test_money_words_are_heard_through_case_punctuation_and_obfuscation(text: str):
    assert money_words(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Layanan ini gratis, tidak ada biaya apa pun.",
        "Tanpa bayar, Bu.",
        "Biayanya nol rupiah.",
        "Biaya: Rp0",
        "No fee, this service is free of charge.",
        "Silakan tunggu, dokumen Ibu sedang saya periksa.",
        "Bagian keuangan ada di lantai dua.",
        "Bawa payung, sedang hujan.",
        "Tipe dokumen apa yang Bapak bawa?",
        "",
    ],
)
def test_honest_words_in_a_free_service_are_not_money_talk(text: str):
    assert money_words(text) == [], text


# ------------------------------------------------------------------ review memory


def test_a_reviewed_flag_is_not_raised_again_for_the_same_events_but_new_ones_raise_it():
    [flag] = flags(Events(tickets=taken(3)))
    assert not still_new(flag, [flag.evidence])
    [again] = flags(Events(tickets=taken(4)))
    assert still_new(again, [flag.evidence])


def test_flags_come_in_a_stable_order_of_kind_then_subject():
    events = Events(
        tickets=[*taken(3, account="account:9"), *taken(3, account="account:1")],
        no_shows=[NoShow(f"n{i}", "account:1", "KK", T0 + i) for i in range(2)],
    )
    assert kinds(flags(events)) == [
        ("tickets_account", "account:1"),
        ("tickets_account", "account:9"),
        ("no_shows", "account:1"),
    ]


def test_thresholds_below_one_are_refused():
    with pytest.raises(ValueError):
        Thresholds(no_shows=0)


# ------------------------------------------------------------------ weak signs together

WEAK = Thresholds()  # the defaults: each weak sign below its own signal's threshold


def weak_account_events(account: str = "account:b") -> Events:
    """One account with three weak signs: a phone shared with one other account, three
    people filed for, four numbers in one day; each alone is below its own signal."""
    days = [T0 + d * DAY_S for d in range(3)]
    tickets = [
        TicketTaken(f"t{i}", account, ("KTP-EL", "KK", "AKTA-LAHIR", "KK")[i], days[0] + i * 600)
        for i in range(4)
    ]
    on_behalf = [OnBehalf(f"s{i}", account, f"person:{i}", days[i]) for i in range(3)]
    filed = [
        Filed("a1", account, "KK", "phone:p", days[1]),
        Filed("a2", "account:other", "KTP-EL", "phone:p", days[2]),
    ]
    return Events(tickets=tickets, on_behalf=on_behalf, filed=filed)


def test_an_account_with_several_weak_signs_at_once_is_flagged_with_all_their_evidence():
    found = flags(weak_account_events(), WEAK)
    assert kinds(found) == [("weak_signs", "account:b")]
    [flag] = found
    assert (flag.count, flag.threshold) == (3, 3)
    assert flag.details["signs"] == ["on_behalf", "shared_phone", "tickets"]
    for ref in ("ticket:t0", "ticket:t3", "session:s0", "session:s2", "application:a1"):
        assert ref in flag.evidence
    # The other account shares only the phone: one weak sign, no flag.
    assert "account:other" not in {f.subject for f in found}


def test_one_weak_sign_fewer_raises_nothing():
    events = weak_account_events()
    assert (
        flags(
            Events(tickets=events.tickets[:3], on_behalf=events.on_behalf, filed=events.filed), WEAK
        )
        == []
    )


def test_a_family_sharing_a_phone_is_not_flagged_by_the_weak_signs():
    # Two parents give one phone; one files for two children, once more for one of them;
    # a busy morning of three numbers; one missed call. Ordinary, all of it.
    filed = [
        Filed(f"a{i}", f"account:{i % 2}", "KK", "phone:home", T0 + i * DAY_S) for i in range(4)
    ]
    on_behalf = [
        OnBehalf(f"s{i}", "account:0", person, T0 + i * DAY_S)
        for i, person in enumerate(("person:kid1", "person:kid2", "person:kid1"))
    ]
    tickets = taken(3, account="account:0")
    no_shows = [NoShow("t3-0-account:0", "account:0", "KTP-EL", T0 + 3600)]
    events = Events(tickets=tickets, on_behalf=on_behalf, filed=filed, no_shows=no_shows)
    assert flags(events, WEAK) == []


def test_weak_sign_thresholds_below_one_are_refused():
    with pytest.raises(ValueError):
        Thresholds(weak_signs=0)
