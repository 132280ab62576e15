"""The signals' edge: read the hall's records as plain events, keep the flags in SQL.

:class:`SignalStore` turns what the hall already writes (tickets, their
sightings, counter sessions with their chat and on-behalf declarations,
applications with their contact phone) into the plain records of
:mod:`counters.signals`, and stores the flags the core returns. The
:class:`SignalPump` runs that every ``HALL_SIGNALS_SCAN_S``. Personal data is
made pseudonymous here, before the core sees it: a represented person's NIK,
a phone number, a network address and a device id become keyed hashes
(HMAC-SHA256 under a key derived from the hall's secret, cut to 16 hex
digits), which no one can turn back into the value, and which a supervisor
never needs to.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.signals import (
    Events,
    Filed,
    Flag,
    NoShow,
    OnBehalf,
    SaidLine,
    Thresholds,
    TicketTaken,
    detect,
    normalise_phone,
    still_new,
)
from hall_server.db.models import (
    Account,
    ApplicationRow,
    AuditRow,
    CounterSessionRow,
    SignalFlagRow,
    TicketRow,
    TicketSightingRow,
)
from hall_server.errors import Conflict, InvalidInput, NotFound
from hall_server.secrets import derive_key
from hall_server.settings import Settings

log = logging.getLogger(__name__)

#: The outcomes of a review; the flag itself is never acted on automatically.
OUTCOMES = ("confirmed", "dismissed")
#: The form field holding the contact phone in every service of the catalogue.
PHONE_FIELD = "no_hp"
#: Simulated demo citizens are not people.
_NOT_PEOPLE = ("sim:",)


def thresholds_from(settings: Settings) -> Thresholds:
    return Thresholds(
        on_behalf_people=settings.signals_on_behalf_people,
        on_behalf_window_s=settings.signals_on_behalf_window_s,
        tickets_per_account=settings.signals_tickets_per_account,
        tickets_per_device=settings.signals_tickets_per_device,
        tickets_per_address=settings.signals_tickets_per_address,
        tickets_window_s=settings.signals_tickets_window_s,
        phone_accounts=settings.signals_phone_accounts,
        phone_applications=settings.signals_phone_applications,
        phone_window_s=settings.signals_phone_window_s,
        no_shows=settings.signals_no_shows,
        no_show_window_s=settings.signals_no_show_window_s,
        money_lines=settings.signals_money_lines,
        money_window_s=settings.signals_money_window_s,
        weak_signs=settings.signals_weak_signs,
        weak_phone_accounts=settings.signals_weak_phone_accounts,
        weak_on_behalf_people=settings.signals_weak_on_behalf_people,
        weak_tickets=settings.signals_weak_tickets,
        weak_no_shows=settings.signals_weak_no_shows,
    )


class Pseudonyms:
    """Keyed hashes of personal values: the same value, the same reference; no way back."""

    def __init__(self, master: bytes) -> None:
        self._key = derive_key(master, "signals")

    def of(self, kind: str, value: str) -> str:
        digest = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kind}:{digest[:16]}"


def _ts(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


def _unix(at: datetime) -> float:
    return at.timestamp()


def _person(ref: str) -> bool:
    return not ref.startswith(_NOT_PEOPLE)


@dataclass(frozen=True, slots=True)
class Sighting:
    """From where one number was taken (hashed at the edge that saw the connection)."""

    ticket_id: str
    account: str
    at: float
    address_ref: str | None
    device_ref: str | None


class SignalStore:
    """One hall's signal records and flags in SQL."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hall_id: str,
        pseudonyms: Pseudonyms,
        *,
        free_services: Iterable[str],
        thresholds: Thresholds,
    ) -> None:
        self._sessions = sessions
        self.hall_id = hall_id
        self.pseudonyms = pseudonyms
        self.free_services = frozenset(free_services)
        self.thresholds = thresholds

    # ------------------------------------------------------------ reading

    async def events(self, now: float) -> Events:
        """The hall's records of the longest signal window before ``now``, as plain events."""
        since = _ts(now - self.thresholds.longest_window_s)
        hall = self.hall_id
        p = self.pseudonyms
        async with self._sessions() as db:
            tickets = (
                await db.execute(
                    select(
                        TicketRow.id,
                        TicketRow.citizen_ref,
                        TicketRow.service,
                        TicketRow.issued_at,
                        TicketRow.state,
                        TicketRow.updated_at,
                        TicketSightingRow.address_ref,
                        TicketSightingRow.device_ref,
                    )
                    .outerjoin(TicketSightingRow, TicketSightingRow.ticket_id == TicketRow.id)
                    .where(TicketRow.hall_id == hall, TicketRow.issued_at >= since)
                )
            ).all()
            sessions = (
                await db.scalars(
                    select(CounterSessionRow).where(
                        CounterSessionRow.hall_id == hall, CounterSessionRow.started_at >= since
                    )
                )
            ).all()
            applications = (
                await db.scalars(
                    select(ApplicationRow).where(
                        ApplicationRow.hall_id == hall, ApplicationRow.created_at >= since
                    )
                )
            ).all()
        taken, no_shows = [], []
        for tid, ref, service, issued, state, updated, address, device in tickets:
            if not _person(ref):
                continue
            taken.append(TicketTaken(tid, ref, service, _unix(issued), address, device))
            if state == "no_show":
                no_shows.append(NoShow(tid, ref, service, _unix(updated)))
        on_behalf, lines = [], []
        for s in sessions:
            data: dict[str, Any] = s.data
            declared = data.get("on_behalf")
            if declared and _person(str(data.get("citizen_ref", ""))):
                nik = (data.get("form") or {}).get("nik") or declared.get("nik_masked", "")
                on_behalf.append(
                    OnBehalf(
                        s.id, data["citizen_ref"], p.of("person", str(nik)), _unix(s.started_at)
                    )
                )
            if data.get("service") not in self.free_services:
                continue  # only free services' chat is read (the core checks it again)
            for line in data.get("transcript") or ():
                if line.get("speaker") != "officer":
                    continue
                lines.append(
                    SaidLine(
                        s.id,
                        str(line.get("speaker")),
                        s.staffed_by,
                        str(data.get("service")),
                        float(line.get("at", 0.0)),
                        str(line.get("text", "")),
                    )
                )
        filed = []
        for a in applications:
            if not _person(a.citizen_ref):
                continue
            raw = ((a.data or {}).get("form") or {}).get(PHONE_FIELD)
            phone = normalise_phone(raw) if isinstance(raw, str) else None
            filed.append(
                Filed(
                    a.id,
                    a.citizen_ref,
                    a.service,
                    p.of("phone", phone) if phone else None,
                    _unix(a.created_at),
                )
            )
        return Events(taken, no_shows, on_behalf, filed, lines)

    # ------------------------------------------------------------ writing

    async def sighted(self, sighting: Sighting) -> None:
        """Record from where a number was taken (once per ticket)."""
        async with self._sessions.begin() as db:
            if await db.get(TicketSightingRow, sighting.ticket_id) is None:
                db.add(
                    TicketSightingRow(
                        ticket_id=sighting.ticket_id,
                        hall_id=self.hall_id,
                        account=sighting.account,
                        at=_ts(sighting.at),
                        address_ref=sighting.address_ref,
                        device_ref=sighting.device_ref,
                    )
                )

    async def scan(self, now: float) -> int:
        """Run the core over the records and store its flags; the number of flags raised.

        An open flag of the same kind and subject is brought up to date; a
        flag whose events were all in reviewed flags already is not raised
        again (a dismissed question is not asked twice); new events raise a
        new flag.
        """
        events = await self.events(now)
        # In a worker thread: a month of a busy hall's records must not stall the tick.
        flags = await asyncio.to_thread(
            detect, events, free_services=self.free_services, thresholds=self.thresholds, now=now
        )
        try:
            return await self._store_flags(flags, now)
        except IntegrityError:
            # Another process scanning the same records stored the same open flag first
            # (the unique index on open flags); its flags stand, the next scan updates them.
            log.info("signal flags stored by another process", extra={"hall": self.hall_id})
            return 0

    async def _store_flags(self, flags: list[Flag], now: float) -> int:
        raised = 0
        async with self._sessions.begin() as db:
            for flag in flags:
                rows = (
                    await db.scalars(
                        select(SignalFlagRow).where(
                            SignalFlagRow.hall_id == self.hall_id,
                            SignalFlagRow.kind == flag.kind,
                            SignalFlagRow.subject == flag.subject,
                        )
                    )
                ).all()
                open_row = next((r for r in rows if r.status == "open"), None)
                if open_row is not None:
                    if list(flag.evidence) != list(open_row.evidence):
                        _fill(open_row, flag, now)
                    continue
                if not still_new(flag, (r.evidence for r in rows)):
                    continue
                row = SignalFlagRow(
                    hall_id=self.hall_id, status="open", raised_at=_ts(now), subject=flag.subject
                )
                _fill(row, flag, now)
                db.add(row)
                raised += 1
        return raised

    async def flags(self, status: str) -> list[dict[str, Any]]:
        async with self._sessions() as db:
            query = select(SignalFlagRow).where(SignalFlagRow.hall_id == self.hall_id)
            if status == "open":
                query = query.where(SignalFlagRow.status == "open")
            elif status == "reviewed":
                query = query.where(SignalFlagRow.status != "open")
            rows = (await db.scalars(query.order_by(SignalFlagRow.id.desc()))).all()
        return [flag_json(r) for r in rows]

    async def review(
        self, flag_id: int, outcome: str, note: str, *, supervisor: str, now: float
    ) -> dict[str, Any]:
        """A supervisor's finding on a flag, audited in the same transaction."""
        if outcome not in OUTCOMES:
            raise InvalidInput("outcome must be confirmed or dismissed", code="bad_value")
        async with self._sessions.begin() as db:
            row = await self._flag(db, flag_id)
            if row.status != "open":
                raise Conflict("this flag was already reviewed", code="flag_reviewed")
            row.status, row.note = outcome, note
            row.reviewed_at, row.reviewed_by = _ts(now), supervisor
            db.add(
                AuditRow.record(
                    hall_id=self.hall_id,
                    at=_ts(now),
                    actor_role="supervisor",
                    actor_ref=supervisor,
                    action="signal_reviewed",
                    details={
                        "flag": row.id,
                        "kind": row.kind,
                        "subject": row.subject,
                        "outcome": outcome,
                        "note": note,
                        "evidence": list(row.evidence),
                    },
                )
            )
            return flag_json(row)

    async def resolve(self, flag_id: int, *, supervisor: str, now: float) -> dict[str, Any]:
        """Who the flag's accounts are (display names), for a supervisor; audited.

        Only accounts can be resolved: addresses, devices, phones and the
        people filed for are keyed hashes that nobody can turn back.
        """
        async with self._sessions.begin() as db:
            row = await self._flag(db, flag_id)
            refs = {row.subject, *map(str, row.details.get("accounts", ()))}
            accounts = []
            for ref in sorted(r for r in refs if r.startswith("account:")):
                try:
                    found = await db.get(Account, int(ref.partition(":")[2]))
                except ValueError:
                    found = None
                if found is not None:
                    accounts.append(
                        {"ref": ref, "display_name": found.display_name, "role": found.role}
                    )
            db.add(
                AuditRow.record(
                    hall_id=self.hall_id,
                    at=_ts(now),
                    actor_role="supervisor",
                    actor_ref=supervisor,
                    action="signal_subject_resolved",
                    details={"flag": row.id, "refs": [a["ref"] for a in accounts]},
                )
            )
        return {"flag": flag_id, "accounts": accounts}

    async def _flag(self, db: AsyncSession, flag_id: int) -> SignalFlagRow:
        row = await db.get(SignalFlagRow, flag_id)
        if row is None or row.hall_id != self.hall_id:
            raise NotFound("no signal flag with this id in this hall", code="unknown_flag")
        return row


def _fill(row: SignalFlagRow, flag: Flag, now: float) -> None:
    row.kind, row.count, row.threshold, row.window_s = (
        flag.kind,
        flag.count,
        flag.threshold,
        flag.window_s,
    )
    row.first_at, row.last_at = _ts(flag.first_at), _ts(flag.last_at)
    row.evidence, row.details = list(flag.evidence), dict(flag.details)
    row.updated_at = _ts(now)


def flag_json(row: SignalFlagRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "subject": row.subject,
        "status": row.status,
        "count": row.count,
        "threshold": row.threshold,
        "window_s": row.window_s,
        "first_at": _unix(row.first_at),
        "last_at": _unix(row.last_at),
        "evidence": list(row.evidence),
        "details": dict(row.details),
        "raised_at": _unix(row.raised_at),
        "reviewed_at": _unix(row.reviewed_at) if row.reviewed_at else None,
        "reviewed_by": row.reviewed_by,
        "note": row.note,
    }


class SignalPump:
    """Scans every hall's records every ``interval_s`` (thin: the core decides)."""

    def __init__(
        self,
        stores: dict[str, SignalStore],
        interval_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.stores = stores
        self.interval_s = interval_s
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval_s > 0 and self.stores:
            self._task = asyncio.create_task(self._loop(), name="signals")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def scan_all(self) -> int:
        raised = 0
        for store in self.stores.values():
            raised += await store.scan(self.clock())
        return raised

    async def _loop(self) -> None:
        while True:
            try:
                raised = await self.scan_all()
                if raised:
                    log.info("signal flags raised", extra={"flags": raised})
            except Exception:  # a failed scan must never stop the hall; the next one retries
                log.exception("signal scan failed")
            await asyncio.sleep(self.interval_s)
