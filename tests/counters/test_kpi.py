"""The KPI core against hand-computed answers (every expected number is worked out
in the comments from the event times, never from the code)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from counters.kpi import (
    CounterNow,
    Ended,
    KpiBook,
    KpiPolicy,
    TicketEvent,
    Transaction,
    Wait,
    csv_rows,
    percentile,
)

WITA = ZoneInfo("Asia/Makassar")
DAY = date(2026, 11, 25)


def t(hh: int, mm: int, ss: int = 0, day: date = DAY) -> float:
    """Unix time of a local WITA wall-clock time."""
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=WITA).timestamp()


def ev(kind: str, at: float, tid: str, **kw: Any) -> TicketEvent:
    return TicketEvent(kind=kind, at=at, ticket_id=tid, **kw)


def svc(summary: dict[str, Any], code: str) -> dict[str, Any]:
    return next(s for s in summary["services"] if s["service"] == code)


def book(*events: TicketEvent, targets: dict[str, float] | None = None) -> KpiBook:
    b = KpiBook(KpiPolicy(tz=WITA, target_s=900.0, targets=targets or {}))
    b.apply_all(events)
    return b


def morning() -> KpiBook:
    return book(
        # A: KTP-EL, walk-in 08:00, called 08:10 (wait 600), served 08:11-08:21 by a bot.
        ev("ticket_taken", t(8, 0), "A", service="KTP-EL", number="A-001", actor_role="citizen"),
        # B: KTP-EL, walk-in 08:05.
        ev("ticket_taken", t(8, 5), "B", service="KTP-EL", number="A-002", actor_role="citizen"),
        ev("called", t(8, 10), "A", service="KTP-EL", counter_id="D1", actor_role="bot"),
        ev("service_started", t(8, 11), "A", counter_id="D1", actor_role="bot"),
        # C: KK, walk-in 08:20; D: KK, walk-in 08:25.
        ev("ticket_taken", t(8, 20), "C", service="KK", number="B-001", actor_role="citizen"),
        ev("finished", t(8, 21), "A", counter_id="D1", actor_role="bot", outcome="served"),
        ev("ticket_taken", t(8, 25), "D", service="KK", number="B-002", actor_role="citizen"),
        # B called 08:30 at D2 (wait 1500), served 08:32-08:40 (480 s), parked 08:40-08:50,
        # back in the queue, called again 09:00 (not a second wait), served 09:02-09:06 (240 s).
        ev("called", t(8, 30), "B", service="KTP-EL", counter_id="D2", actor_role="officer"),
        ev("service_started", t(8, 32), "B", counter_id="D2", actor_role="officer"),
        ev("parked", t(8, 40), "B", counter_id="D2", actor_role="officer"),
        # E: KTP-EL, walk-in 08:40, still waiting at the end.
        ev("ticket_taken", t(8, 40), "E", service="KTP-EL", number="A-003", actor_role="citizen"),
        # D cancels 08:45 while waiting: left before service.
        ev("cancelled", t(8, 45), "D", service="KK", actor_role="citizen"),
        # C called 08:50 at D3 (wait 1800), no-show 08:55.
        ev("called", t(8, 50), "C", service="KK", counter_id="D3", actor_role="bot"),
        ev("unparked", t(8, 50), "B", service="KTP-EL", actor_role="officer"),
        ev("no_show", t(8, 55), "C", service="KK", counter_id="D3", actor_role="system"),
        ev("called", t(9, 0), "B", service="KTP-EL", counter_id="D2", actor_role="officer"),
        ev("service_started", t(9, 2), "B", counter_id="D2", actor_role="officer"),
        ev("finished", t(9, 6), "B", counter_id="D2", actor_role="officer", outcome="referred"),
    )


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([600.0, 1500.0], 50) == 600.0  # rank ceil(1.0) = 1
    assert percentile([600.0, 1500.0], 90) == 1500.0  # rank ceil(1.8) = 2
    assert percentile([5.0, 1.0, 4.0, 2.0, 3.0], 90) == 5.0  # rank ceil(4.5) = 5
    assert percentile([5.0, 1.0, 4.0, 2.0, 3.0], 50) == 3.0  # rank ceil(2.5) = 3


def test_a_morning_by_service_parked_time_excluded() -> None:
    s = morning().summary(now=t(9, 10), services=["KTP-EL", "KK", "AKTA-LAHIR"])
    assert s["day"] == "2026-11-25"
    ktp = svc(s, "KTP-EL")
    # Waits: A 600, B 1500. Target 900: A within, B not.
    assert ktp["called"] == 2
    assert ktp["wait_p50_s"] == 600.0 and ktp["wait_p90_s"] == 1500.0
    assert ktp["wait_avg_s"] == 1050.0 and ktp["wait_max_s"] == 1500.0
    assert ktp["within_target"] == 1 and ktp["within_target_pct"] == 50.0
    # E waits since 08:40: at 09:10 that is 1800 s; one waiting.
    assert ktp["waiting_now"] == 1 and ktp["longest_wait_now_s"] == 1800.0
    assert ktp["arrived"] == 3
    # A 600 s (bot); B 480 + 240 = 720 s (officer), the parked 10 min and the walk excluded.
    assert ktp["transactions"] == 2 and ktp["avg_service_s"] == 660.0
    assert ktp["by_bot"] == 1 and ktp["by_officer"] == 1 and ktp["bot_share_pct"] == 50.0
    assert ktp["served"] == 1 and ktp["outcomes"]["referred"] == 1
    # Served in the hour up to 09:10: A at 08:21.
    assert ktp["served_last_hour"] == 1
    kk = svc(s, "KK")
    assert kk["called"] == 1 and kk["wait_p50_s"] == 1800.0 and kk["within_target_pct"] == 0.0
    assert kk["no_shows"] == 1 and kk["left_before_service"] == 1
    assert kk["outcomes"]["cancelled"] == 1 and kk["waiting_now"] == 0
    assert kk["transactions"] == 0 and kk["avg_service_s"] is None
    # A service with nothing today is listed with empty figures.
    akta = svc(s, "AKTA-LAHIR")
    assert akta["called"] == 0 and akta["wait_p50_s"] is None and akta["waiting_now"] == 0
    hall = s["hall"]
    # Waits 600, 1500, 1800: p50 rank 2 = 1500, p90 rank 3 = 1800; within 1 of 3.
    assert hall["called"] == 3 and hall["wait_p50_s"] == 1500.0 and hall["wait_p90_s"] == 1800.0
    assert hall["within_target_pct"] == 33.3
    assert hall["arrived"] == 5 and hall["served"] == 1 and hall["no_shows"] == 1
    assert hall["left_before_service"] == 1 and hall["waiting_now"] == 1


def test_per_hour_series() -> None:
    s = morning().summary(now=t(9, 10))
    hours = s["hours"]
    assert [h["hour"] for h in hours] == list(range(10))  # 00:00 .. 09:10
    eight, nine = hours[8], hours[9]
    # 08:xx: arrivals A, B, C, D, E; calls A (600), B (1500), C (1800); A served, C no-show,
    # D cancelled; transactions none finished before 09:00 but A (600).
    assert eight["arrived"] == 5 and eight["called"] == 3
    assert eight["wait_p50_s"] == 1500.0 and eight["served"] == 1 and eight["no_shows"] == 1
    assert eight["left_before_service"] == 1 and eight["avg_service_s"] == 600.0
    # Waiting at 09:00: B (unparked 08:50, called at 09:00 exactly: not before 09:00) and E.
    assert eight["waiting_end"] == 2
    # 09:00-09:10: B's transaction (720 s) ends; E still waits.
    assert nine["called"] == 0 and nine["avg_service_s"] == 720.0 and nine["waiting_end"] == 1
    assert hours[3]["arrived"] == 0 and hours[3]["waiting_end"] == 0


def test_transfer_keeps_the_original_arrival_and_splits_the_transaction() -> None:
    b = book(
        ev("ticket_taken", t(8, 0), "F", service="KTP-EL", number="A-001", actor_role="citizen"),
        # Called 08:06 (wait 360), served 08:07-08:12 (300 s), transferred to KK at 08:12.
        ev("called", t(8, 6), "F", service="KTP-EL", counter_id="D1", actor_role="officer"),
        ev("service_started", t(8, 7), "F", counter_id="D1", actor_role="officer"),
        ev("transferred", t(8, 12), "F", service="KK", counter_id="D1", actor_role="officer"),
    )
    s = b.summary(now=t(8, 20), services=["KTP-EL", "KK"])
    ktp, kk = svc(s, "KTP-EL"), svc(s, "KK")
    assert ktp["called"] == 1 and ktp["wait_p50_s"] == 360.0
    assert ktp["transactions"] == 1 and ktp["avg_service_s"] == 300.0 and ktp["waiting_now"] == 0
    # In KK's queue since 08:12, but its wait runs from the original issue at 08:00: 1200 s.
    assert kk["waiting_now"] == 1 and kk["longest_wait_now_s"] == 1200.0
    b.apply_all(
        [
            # Called in KK at 08:30: not a second wait; served 08:31-08:35 (240 s).
            ev("called", t(8, 30), "F", service="KK", counter_id="D2", actor_role="officer"),
            ev("service_started", t(8, 31), "F", counter_id="D2", actor_role="officer"),
            ev("finished", t(8, 35), "F", counter_id="D2", actor_role="officer", outcome="served"),
        ]
    )
    s = b.summary(now=t(8, 40), services=["KTP-EL", "KK"])
    ktp, kk = svc(s, "KTP-EL"), svc(s, "KK")
    assert kk["called"] == 0 and kk["transactions"] == 1 and kk["avg_service_s"] == 240.0
    assert kk["served"] == 1 and ktp["served"] == 0
    assert s["hall"]["called"] == 1 and s["hall"]["arrived"] == 1
    assert s["hall"]["transactions"] == 2 and s["hall"]["avg_service_s"] == 270.0
    # A transfer while waiting moves the waiting count from one service to the other.
    b.apply(ev("ticket_taken", t(8, 41), "G", service="KTP-EL", actor_role="citizen"))
    b.apply(ev("transferred", t(8, 42), "G", service="KK", actor_role="officer"))
    s = b.summary(now=t(8, 43), services=["KTP-EL", "KK"])
    assert svc(s, "KTP-EL")["waiting_now"] == 0 and svc(s, "KK")["waiting_now"] == 1
    assert svc(s, "KK")["longest_wait_now_s"] == 120.0
    assert s["hours"][8]["waiting_end"] == 1


def test_a_day_boundary() -> None:
    nextday = date(2026, 11, 26)
    b = book(
        # Taken 23:50 on the 25th, called 00:10 on the 26th: a wait of 1200 s on the 26th.
        ev("ticket_taken", t(23, 50), "G", service="KK", actor_role="citizen"),
    )
    late = b.summary(now=t(23, 59))
    assert late["hall"]["waiting_now"] == 1 and late["hall"]["longest_wait_now_s"] == 540.0
    assert late["hours"][23]["waiting_end"] == 1
    b.apply_all(
        [
            ev(
                "called",
                t(0, 10, day=nextday),
                "G",
                service="KK",
                counter_id="D1",
                actor_role="bot",
            ),
            ev("service_started", t(0, 11, day=nextday), "G", counter_id="D1", actor_role="bot"),
            ev("finished", t(0, 20, day=nextday), "G", counter_id="D1", actor_role="bot"),
        ]
    )
    now = t(0, 30, day=nextday)
    today = b.summary(now=now)
    assert today["day"] == "2026-11-26"
    assert today["hall"]["arrived"] == 0 and today["hall"]["called"] == 1
    assert today["hall"]["wait_p50_s"] == 1200.0 and today["hall"]["served"] == 1
    assert today["hall"]["avg_service_s"] == 540.0 and today["hall"]["bot_share_pct"] == 100.0
    # The ticket was waiting at midnight: the first hour starts with it.
    assert today["hours"][0]["waiting_end"] == 0 and len(today["hours"]) == 1
    yesterday = b.summary(now=now, day=DAY)
    assert yesterday["day"] == "2026-11-25"
    assert yesterday["hall"]["arrived"] == 1 and yesterday["hall"]["called"] == 0
    assert yesterday["hall"]["served"] == 0 and yesterday["hall"]["waiting_now"] is None
    assert len(yesterday["hours"]) == 24 and yesterday["hours"][23]["waiting_end"] == 1
    assert yesterday["counters"] == []


def test_people_who_leave_and_bookings() -> None:
    b = book(
        # H: called 10:05 (wait 300), gone while called at 10:07: left before service.
        ev("ticket_taken", t(10, 0), "H", service="KK", actor_role="citizen"),
        ev("called", t(10, 5), "H", service="KK", counter_id="D1", actor_role="bot"),
        ev("citizen_left", t(10, 7), "H", service="KK", counter_id="D1", actor_role="system"),
        # I: called 10:10 (wait 600), served from 10:11, gone at 10:15: left during service,
        # no transaction.
        ev("ticket_taken", t(10, 0), "I", service="KK", actor_role="citizen"),
        ev("called", t(10, 10), "I", service="KK", counter_id="D1", actor_role="bot"),
        ev("service_started", t(10, 11), "I", counter_id="D1", actor_role="bot"),
        ev("citizen_left", t(10, 15), "I", service="KK", counter_id="D1", actor_role="system"),
        # J: booked at 07:00 for 10:30, checked in 10:20 (arrival), called 10:35: wait 900,
        # exactly the target, so within it.
        ev("appointment_booked", t(7, 0), "J", service="KK", actor_role="citizen"),
        ev("checked_in", t(10, 20), "J", service="KK", actor_role="citizen"),
        ev("called", t(10, 35), "J", service="KK", counter_id="D1", actor_role="bot"),
        # K: booked, never checked in: the end-of-day no-show is not a no-show of the queue.
        ev("appointment_booked", t(7, 0), "K", service="KK", actor_role="citizen"),
        ev("no_show", t(10, 40), "K", service="KK", actor_role="system"),
        # L: booked and cancelled before arriving: nobody left the queue.
        ev("appointment_booked", t(7, 0), "L", service="KK", actor_role="citizen"),
        ev("cancelled", t(10, 41), "L", service="KK", actor_role="citizen"),
    )
    kk = svc(b.summary(now=t(10, 45)), "KK")
    assert kk["arrived"] == 3 and kk["called"] == 3
    # Waits 300, 600, 900: all within 900.
    assert kk["within_target"] == 3 and kk["within_target_pct"] == 100.0
    assert kk["outcomes"]["citizen_left"] == 2 and kk["left_before_service"] == 1
    assert kk["no_shows"] == 0 and kk["outcomes"]["cancelled"] == 0
    assert kk["transactions"] == 0 and kk["waiting_now"] == 0


def test_per_service_targets() -> None:
    b = book(
        ev("ticket_taken", t(9, 0), "M", service="KTP-EL", actor_role="citizen"),
        ev("called", t(9, 20), "M", service="KTP-EL", counter_id="D1", actor_role="bot"),
        ev("ticket_taken", t(9, 0), "N", service="KK", actor_role="citizen"),
        ev("called", t(9, 20), "N", service="KK", counter_id="D2", actor_role="bot"),
        targets={"KTP-EL": 1800.0},
    )
    s = b.summary(now=t(9, 30))
    # Both waited 1200 s: within KTP-EL's 1800 s, not within the default 900 s of KK.
    assert svc(s, "KTP-EL")["target_s"] == 1800.0 and svc(s, "KTP-EL")["within_target"] == 1
    assert svc(s, "KK")["target_s"] == 900.0 and svc(s, "KK")["within_target"] == 0
    assert s["hall"]["within_target"] == 1 and s["hall"]["within_target_pct"] == 50.0


def test_counters_now() -> None:
    b = morning()
    b.apply(ev("called", t(9, 8), "E", service="KTP-EL", counter_id="D1", actor_role="bot"))
    counters = [
        CounterNow("D1", "open", "bot:D1", "E"),
        CounterNow("D2", "open", "account:7", None, staff_name="Budi"),
        CounterNow("D3", "paused", "account:8", None, staff_name="Ani"),
        CounterNow("D4", "closed", None, None),
    ]
    by_id = {c["counter_id"]: c for c in b.summary(now=t(9, 10), counters=counters)["counters"]}
    assert by_id["D1"]["state"] == "busy" and by_id["D1"]["staffed_by"] == "bot"
    assert by_id["D1"]["staff_name"] == "bot"
    assert by_id["D1"]["ticket"] == {
        "number": "A-003",
        "service": "KTP-EL",
        "state": "called",
        "for_s": 120.0,
    }
    # D1 served A (600 s, by the bot).
    assert by_id["D1"]["served"] == 1 and by_id["D1"]["avg_service_s"] == 600.0
    assert by_id["D2"]["state"] == "idle" and by_id["D2"]["staff_name"] == "Budi"
    # D2: B referred after 720 s of service.
    assert by_id["D2"]["transactions"] == 1 and by_id["D2"]["avg_service_s"] == 720.0
    assert by_id["D2"]["served"] == 0 and by_id["D2"]["by_bot"] == 0
    assert by_id["D3"]["state"] == "paused" and by_id["D3"]["no_shows"] == 1
    assert by_id["D4"] == {
        "counter_id": "D4",
        "state": "closed",
        "staffed_by": None,
        "staff_name": None,
        "ticket": None,
        "served": 0,
        "no_shows": 0,
        "transactions": 0,
        "avg_service_s": None,
        "by_bot": 0,
    }


def test_samples_are_drained_once_and_old_tickets_forgotten() -> None:
    b = morning()
    samples = b.drain_samples()
    assert sum(isinstance(s, Wait) for s in samples) == 3
    assert sum(isinstance(s, Transaction) for s in samples) == 2
    assert sorted(s.outcome for s in samples if isinstance(s, Ended)) == [
        "cancelled",
        "no_show",
        "referred",
        "served",
    ]
    assert b.drain_samples() == []
    # Forgetting what ended before 09:00 keeps B (ended 09:06) and E (waiting).
    b.forget_before(t(9, 0))
    s = b.summary(now=t(9, 10))
    assert s["hall"]["called"] == 1 and s["hall"]["waiting_now"] == 1
    assert s["hall"]["transactions"] == 1


def test_csv_rows() -> None:
    rows = csv_rows(morning().summary(now=t(9, 10), services=["KTP-EL", "KK"]))
    header, ktp, kk, total = rows
    assert header[:3] == ["day", "service", "arrived"]
    row = dict(zip(header, ktp, strict=True))
    assert row["service"] == "KTP-EL" and row["wait_p90_s"] == "1500.0"
    assert row["referred"] == "1" and row["bot_share_pct"] == "50.0"
    assert dict(zip(header, kk, strict=True))["no_shows"] == "1"
    assert dict(zip(header, total, strict=True))["service"] == "ALL"
    assert dict(zip(header, total, strict=True))["target_s"] == ""


def test_the_local_day_follows_the_timezone() -> None:
    b = book()
    # 23:30 UTC on the 24th is 07:30 WITA on the 25th.
    assert b.local_day(datetime(2026, 11, 24, 23, 30, tzinfo=UTC).timestamp()) == DAY
    start, end = b.day_bounds(DAY)
    assert start == datetime(2026, 11, 24, 16, 0, tzinfo=UTC).timestamp()
    assert end - start == 86400.0


def test_what_happens_at_this_very_instant_counts() -> None:
    # A finish at 09:00:00 asked about at 09:00:00: served, in hour 9.
    b = book(
        ev("ticket_taken", t(8, 50), "P", service="KK", actor_role="citizen"),
        ev("called", t(8, 55), "P", service="KK", counter_id="D1", actor_role="bot"),
        ev("service_started", t(8, 56), "P", counter_id="D1", actor_role="bot"),
        ev("finished", t(9, 0), "P", counter_id="D1", actor_role="bot", outcome="served"),
    )
    s = b.summary(now=t(9, 0))
    assert s["hall"]["served"] == 1 and s["hall"]["avg_service_s"] == 240.0
    assert len(s["hours"]) == 10 and s["hours"][9]["served"] == 1
    assert s["hall"]["served_last_hour"] == 1
