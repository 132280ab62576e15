"""The signals' edge on a real database: the hall's rows read as events, flags kept, reviews remembered."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.signals import Thresholds
from hall_server.db import repo
from hall_server.db.models import (
    ApplicationRow,
    AuditRow,
    CounterSessionRow,
    SignalFlagRow,
    TicketRow,
)
from hall_server.errors import Conflict
from hall_server.signals_store import Pseudonyms, Sighting, SignalStore

Sessions = async_sessionmaker[AsyncSession]
HALL = "kendari"
T0 = 1_795_536_000.0
#: weak_signs off: these tests count the flags of each single signal (the weak-signs
#: flag has its own tests in tests/counters/test_signals.py)
LOW = Thresholds(
    on_behalf_people=3, phone_accounts=3, no_shows=2, tickets_per_address=3, weak_signs=99
)
NIKS = ("7471014501900011", "7471014501900012", "7471014501900013", "7471014501900014")


def ts(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


class Rows:
    def __init__(self) -> None:
        self.n = 0

    def ticket(self, citizen: str, service: str, at: float, state: str = "done") -> TicketRow:
        self.n += 1
        return TicketRow(
            id=f"t{self.n}",
            hall_id=HALL,
            number=f"A-{self.n:03d}",
            service=service,
            state=state,
            citizen_ref=citizen,
            issued_at=ts(at),
            updated_at=ts(at + 600),
            data={},
        )

    def session(
        self, ticket: TicketRow, *, on_behalf: str | None = None, lines: list[Any] | None = None
    ) -> CounterSessionRow:
        data: dict[str, Any] = {
            "citizen_ref": ticket.citizen_ref,
            "service": ticket.service,
            "form": {"nik": on_behalf} if on_behalf else {},
            "on_behalf": {"relationship": "power_of_attorney", "nik_masked": "7471********0000"}
            if on_behalf
            else None,
            "transcript": lines or [],
        }
        return CounterSessionRow(
            id=f"s-{ticket.id}",
            hall_id=HALL,
            ticket_id=ticket.id,
            counter_id="D1",
            staffed_by="account:99",
            started_at=ticket.issued_at,
            data=data,
        )

    def application(self, ticket: TicketRow, phone: str) -> ApplicationRow:
        return ApplicationRow(
            id=f"a-{ticket.id}",
            hall_id=HALL,
            tracking_code=f"MPP-{ticket.id}",
            service=ticket.service,
            ticket_id=ticket.id,
            session_id=f"s-{ticket.id}",
            citizen_ref=ticket.citizen_ref,
            status="queued",
            fee_idr=0,
            created_at=ticket.issued_at,
            updated_at=ticket.issued_at,
            data={"form": {"no_hp": phone}},
        )


async def seed(sessions: Sessions, rows: Rows) -> None:
    async with sessions.begin() as db:
        await repo.upsert_hall(db, hall_id=HALL, name="MPP", scene_id="demo", now=ts(T0))
    async with sessions.begin() as db:
        # account:1 files on behalf of three people; two phones written two ways are one.
        for i, nik in enumerate(NIKS[:3]):
            t = rows.ticket("account:1", "KK", T0 + i * 3600)
            db.add(t)
            await db.flush()
            db.add(rows.session(t, on_behalf=nik))
            await db.flush()
            db.add(rows.application(t, "0812-1111-2222"))
        for i, account in enumerate(("account:2", "account:3")):
            t = rows.ticket(account, "KTP-EL", T0 + 100 + i)
            db.add(t)
            await db.flush()
            db.add(rows.session(t))
            await db.flush()
            db.add(rows.application(t, "+62 812 1111 2222"))
        # account:4 did not show up twice; a simulated demo citizen's no-shows do not count.
        for citizen in ("account:4", "account:4", "sim:1", "sim:1"):
            db.add(rows.ticket(citizen, "KTP-EL", T0 + 200, state="no_show"))
        # An officer asks for money in KTP-EL (free) and explains a levy in PBG (paid).
        for service, text in (
            ("KTP-EL", "Siapkan uang rokok"),
            ("PBG", "Retribusi dibayar lewat bank"),
        ):
            t = rows.ticket("account:5", service, T0 + 300)
            db.add(t)
            await db.flush()
            said = [
                {"at": T0 + 301, "speaker": "citizen", "text": "Berapa biayanya?"},
                {"at": T0 + 302, "speaker": "officer", "text": text},
            ]
            db.add(rows.session(t, lines=said))


def store(sessions: Sessions) -> SignalStore:
    return SignalStore(
        sessions,
        HALL,
        Pseudonyms(b"k" * 32),
        free_services=("KTP-EL", "KK"),
        thresholds=LOW,
    )


async def stored(sessions: Sessions) -> list[SignalFlagRow]:
    async with sessions() as db:
        return list((await db.scalars(select(SignalFlagRow).order_by(SignalFlagRow.id))).all())


async def test_the_halls_rows_raise_each_flag_once_with_pseudonymous_evidence(
    sessions: Sessions,
) -> None:
    await seed(sessions, Rows())
    signals = store(sessions)
    assert await signals.scan(T0 + 86400) == 4
    flags = {f.kind: f for f in await stored(sessions)}
    assert set(flags) == {"on_behalf_many", "shared_phone", "no_shows", "officer_money_talk"}
    assert flags["on_behalf_many"].subject == "account:1"
    assert flags["on_behalf_many"].evidence == ["session:s-t1", "session:s-t2", "session:s-t3"]
    phone = flags["shared_phone"]
    assert phone.subject.startswith("phone:") and phone.count == 3
    assert phone.details["accounts"] == ["account:1", "account:2", "account:3"]
    assert flags["no_shows"].subject == "account:4" and flags["no_shows"].count == 2
    money = flags["officer_money_talk"]
    assert money.subject == "account:99" and money.details["services"] == ["KTP-EL"]
    everything = json.dumps([flag_row_json(f) for f in flags.values()])
    for secret in (*NIKS, "0812-1111-2222", "081211112222", "Berapa biayanya"):
        assert secret not in everything
    # A second scan finds the same events: nothing new, the same four flags.
    assert await signals.scan(T0 + 86400 + 60) == 0
    assert len(await stored(sessions)) == 4


async def test_a_reviewed_flag_is_not_raised_again_until_new_events_come(
    sessions: Sessions,
) -> None:
    rows = Rows()
    await seed(sessions, rows)
    signals = store(sessions)
    await signals.scan(T0 + 86400)
    flag = next(f for f in await stored(sessions) if f.kind == "on_behalf_many")
    reviewed = await signals.review(
        flag.id,
        "dismissed",
        "A notary with a power of attorney",
        supervisor="account:50",
        now=T0 + 90000,
    )
    assert reviewed["status"] == "dismissed" and reviewed["reviewed_by"] == "account:50"
    with pytest.raises(Conflict) as refused:
        await signals.review(flag.id, "confirmed", "", supervisor="account:50", now=T0 + 90001)
    assert refused.value.code == "flag_reviewed"
    assert await signals.scan(T0 + 90100) == 0
    async with sessions() as db:
        [audit] = (
            await db.scalars(select(AuditRow).where(AuditRow.action == "signal_reviewed"))
        ).all()
        assert audit.actor_ref == "account:50" and audit.details["outcome"] == "dismissed"

    # A fourth person filed for: a new question for a supervisor.
    async with sessions.begin() as db:
        t = rows.ticket("account:1", "KK", T0 + 5 * 3600)
        db.add(t)
        await db.flush()
        db.add(rows.session(t, on_behalf=NIKS[3]))
    assert await signals.scan(T0 + 90200) == 1
    again = [f for f in await stored(sessions) if f.kind == "on_behalf_many"]
    assert [f.status for f in again] == ["dismissed", "open"] and again[1].count == 4


async def test_numbers_from_one_address_are_counted_by_its_hash(sessions: Sessions) -> None:
    rows = Rows()
    await seed(sessions, rows)
    signals = store(sessions)
    address = signals.pseudonyms.of("address", "203.0.113.7")
    async with sessions.begin() as db:
        taken = [
            rows.ticket(f"account:{20 + i}", "KK", T0 + 400 + i, state="waiting") for i in range(3)
        ]
        db.add_all(taken)
    for t in taken:
        await signals.sighted(Sighting(t.id, t.citizen_ref, T0 + 400, address, None))
        await signals.sighted(Sighting(t.id, t.citizen_ref, T0 + 401, address, None))  # once
    await signals.scan(T0 + 86400)
    [flag] = [f for f in await stored(sessions) if f.kind == "tickets_address"]
    assert flag.subject == address and "203.0.113.7" not in address
    assert flag.details["accounts"] == ["account:20", "account:21", "account:22"]


def flag_row_json(row: SignalFlagRow) -> dict[str, Any]:
    return {"subject": row.subject, "evidence": row.evidence, "details": row.details}


async def test_one_open_flag_per_question_even_when_two_processes_scan_at_once(
    sessions: Sessions,
) -> None:
    await seed(sessions, Rows())
    first, second = store(sessions), store(sessions)
    raised = await asyncio.gather(first.scan(T0 + 86400), second.scan(T0 + 86400))
    assert sum(raised) == 4  # each flag raised by exactly one of them
    flags = await stored(sessions)
    assert sorted(f.kind for f in flags) == sorted(
        ["on_behalf_many", "shared_phone", "no_shows", "officer_money_talk"]
    )
    # The schema itself refuses a second open flag for one question; reviewed ones may pile up.
    copy = flags[0]
    with pytest.raises(IntegrityError):
        async with sessions.begin() as db:
            db.add(
                SignalFlagRow(
                    hall_id=copy.hall_id,
                    kind=copy.kind,
                    subject=copy.subject,
                    status="open",
                    count=1,
                    threshold=1,
                    window_s=1.0,
                    first_at=copy.first_at,
                    last_at=copy.last_at,
                    evidence=[],
                    details={},
                    raised_at=copy.raised_at,
                    updated_at=copy.updated_at,
                )
            )
