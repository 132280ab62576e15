"""The delivery worker: claims due outbox rows, sends them, records what happened.

One round (:meth:`DeliveryWorker.run_once`) is three steps:

1. **Claim**, in one transaction: for each back office whose circuit breaker
   lets calls through, the due pending rows, each by a conditional UPDATE on
   its ``claims`` counter (``... WHERE id = :id AND claims = :seen``), which
   also counts the attempt and hides the row for ``claim_lease_s`` (a few
   seconds). While its sends are in flight the worker renews that lease
   (every ``renew_every_s``), so a slow back office is not sent a row twice.
   Two workers (or a worker restarted after SIGKILL) never send the same row
   at once; a row claimed by a worker that died is due again when its lease
   ends, seconds after the crash.
2. **Send**, concurrently, each with its idempotency key, through the back
   office's breaker (pybreaker: it opens after ``breaker_fail_max``
   consecutive failures; while open, that back office's rows are not claimed,
   so no attempt is counted; after ``breaker_reset_s`` one trial goes out).
3. **Record**, in one transaction, each result if the row is still ours:
   delivered (external reference, status ``acknowledged``), a retry at
   ``now + backoff`` (counters.handoff.after_failure) or a dead letter; with
   the status history and the audit log (sent, acknowledged, retried,
   dead_lettered).

Delivery is at least once (a send whose answer is lost is sent again); the
idempotency key makes the back office file it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pybreaker
from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.handoff import DeadLetter, DeliveryPolicy, Retry, after_failure
from counters.statuses import FINAL, RANK, Status, UnknownStatus, from_backoffice
from hall_server.backoffice.errors import BackOfficeError, PermanentError, RetryableError
from hall_server.backoffice.outbox import submission_of
from hall_server.backoffice.ports import BackOffice, Receipt, Report
from hall_server.backoffice.routes import Route
from hall_server.backoffice.status import StatusChange, apply_status, audit_row, move
from hall_server.db.models import NOT_DUE, ApplicationRow, OutboxRow
from hall_server.errors import HallError

log = logging.getLogger(__name__)

OnChange = Callable[[StatusChange], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Claimed:
    row_id: int
    claims: int
    attempts: int
    route: Route
    key: str
    application: ApplicationRow
    #: the move to ``sent`` made by this claim (None when a retry was already sent)
    sent: StatusChange | None = None

    @property
    def kind(self) -> str:
        return self.route.kind


class _Breaker:
    """A pybreaker breaker whose cool-down runs on the worker's clock, not the wall clock."""

    def __init__(self, kind: str, policy: DeliveryPolicy) -> None:
        # pybreaker's own timer would read the wall clock: give it one that never
        # ends and half-open the breaker here, on the time passed to run_once.
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=policy.breaker_fail_max,
            reset_timeout=10**9,
            exclude=[PermanentError],
            throw_new_error_on_trip=False,
            name=kind,
        )
        self.reset_s = policy.breaker_reset_s
        self.opened_at: datetime | None = None

    @property
    def state(self) -> str:
        return str(self.breaker.current_state)

    def allowance(self, now: datetime, batch: int) -> int:
        """How many rows may be sent now: all of a batch, one trial, or none."""
        state = self.state
        if state == pybreaker.STATE_CLOSED:
            self.opened_at = None
            return batch
        if state == pybreaker.STATE_OPEN:
            if self.opened_at is None:
                self.opened_at = now
            if now < self.opened_at + timedelta(seconds=self.reset_s):
                return 0
            self.breaker.half_open()
            # If the trial fails the breaker opens again: its cool-down starts then.
            self.opened_at = None
        return 1

    def note_state(self, now: datetime) -> None:
        """Start the cool-down of a breaker that opened during the round ending at ``now``."""
        if self.state == pybreaker.STATE_OPEN and self.opened_at is None:
            self.opened_at = now


class DeliveryWorker:
    """Delivers one hall's (or every hall's) outbox to its back offices.

    ``clients`` maps a back-office kind ("civil_registry", "permits") to its
    adapter for every hall, or a :class:`Route` (a kind for some halls) to the
    adapter of that route; rows no route serves wait. Each route has its own
    circuit breaker. ``clock`` is read only by :meth:`run_forever`; ``rng``
    draws the backoff jitter. ``on_change`` is awaited after each commit for
    every status change (to tell a citizen in the hall).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clients: Mapping[str, BackOffice] | Mapping[Route, BackOffice],
        policy: DeliveryPolicy,
        clock: Callable[[], datetime],
        rng: random.Random,
        *,
        hall_id: str | None = None,
        on_change: OnChange | None = None,
    ) -> None:
        self._sessions = sessions
        self.clients: dict[Route, BackOffice] = {
            (key if isinstance(key, Route) else Route(key)): client
            for key, client in clients.items()
        }
        self.policy = policy
        self._clock = clock
        self._rng = rng
        self.hall_id = hall_id
        self._on_change = on_change
        self.breakers = {route: _Breaker(route.name, policy) for route in self.clients}
        self._wake = asyncio.Event()

    def breaker_state(self, route: str | Route) -> str:
        """ "closed", "open" or "half-open"."""
        return self.breakers[route if isinstance(route, Route) else Route(route)].state

    def wake(self) -> None:
        """Start the next round now: an application was just filed in this process.

        Without it :meth:`run_forever` finds new rows within ``idle_s``.
        """
        self._wake.set()

    def route_of(self, kind: str, hall_id: str) -> Route | None:
        """The route serving ``hall_id``'s applications of ``kind``, if any."""
        for route in self.clients:
            if route.kind == kind and route.serves(hall_id):
                return route
        return None

    async def run_once(self, now: datetime) -> int:
        """One round: claim due rows, send them, record the results. Returns rows sent."""
        claimed = await self._claim(now)
        if not claimed:
            return 0
        # The citizen hears of every status change: "sent" too, not only the answers.
        await self._notify([c.sent for c in claimed if c.sent is not None])
        limit = asyncio.Semaphore(self.policy.concurrency)

        async def send(item: _Claimed) -> Receipt | BaseException:
            async with limit:
                return await self._send(item)

        done = asyncio.Event()
        renewing = asyncio.create_task(self._renew(claimed, now, done))
        try:
            results = await asyncio.gather(*(send(item) for item in claimed))
        finally:
            # Not cancelled: a renewal is never cut off inside its transaction.
            done.set()
            await renewing
        for breaker in self.breakers.values():
            breaker.note_state(now)
        changes = await self._record(claimed, results, now)
        await self._notify(changes)
        return len(claimed)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; pause ``idle_s`` (or until :meth:`wake`) when a
        round had nothing to do.

        Also reconciles (polls) every ``reconcile_after_s / 4``. A failing round
        is logged and the next one starts after the pause.
        """
        next_reconcile = self._clock()
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                self._wake.clear()
                now = self._clock()
                sent = 0
                try:
                    sent = await self.run_once(now)
                    if now >= next_reconcile:
                        next_reconcile = now + timedelta(seconds=self.policy.reconcile_after_s / 4)
                        await self.reconcile_once(now)
                except Exception:
                    log.exception("delivery round failed")
                if sent == 0:
                    woken = asyncio.ensure_future(self._wake.wait())
                    await asyncio.wait(
                        (stopping, woken),
                        timeout=self.policy.idle_s,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    woken.cancel()
        finally:
            stopping.cancel()

    async def reconcile_once(self, now: datetime) -> int:
        """Poll the back office about delivered, unfinished applications not heard of lately.

        A lost callback is caught up here. Returns how many were polled.
        """
        quiet_since = now - timedelta(seconds=self.policy.reconcile_after_s)
        query = (
            select(OutboxRow.hall_id, OutboxRow.backoffice, OutboxRow.external_ref)
            .join(ApplicationRow, ApplicationRow.id == OutboxRow.application_id)
            .where(
                OutboxRow.state == "delivered",
                OutboxRow.external_ref.is_not(None),
                OutboxRow.heard_at < quiet_since,
                ApplicationRow.status.not_in([s.value for s in FINAL]),
            )
            .order_by(OutboxRow.heard_at)
            .limit(self.policy.reconcile_batch)
        )
        if self.hall_id is not None:
            query = query.where(OutboxRow.hall_id == self.hall_id)
        async with self._sessions() as db:
            due = [
                (r.hall_id, r.backoffice, r.external_ref) for r in (await db.execute(query)).all()
            ]
        polled = 0
        changes: list[StatusChange] = []
        for hall_id, kind, ref in due:
            route = self.route_of(kind, hall_id)
            if route is None or ref is None or self.breakers[route].allowance(now, 1) == 0:
                continue
            breaker = self.breakers[route]
            polled += 1
            try:
                with breaker.breaker.calling():
                    report: Report = await self.clients[route].status(ref)
            except HallError as exc:
                log.warning("status poll failed", extra={"backoffice": kind, "code": exc.code})
                continue
            finally:
                breaker.note_state(now)
            try:
                async with self._sessions.begin() as db:
                    change = await apply_status(
                        db,
                        external_ref=ref,
                        kind=kind,
                        route=route,
                        status=report.status,
                        source="poll",
                        now=now,
                        reported_at=report.reported_at,
                        detail=report.detail,
                    )
            except HallError as exc:
                log.warning("status poll unusable", extra={"backoffice": kind, "code": exc.code})
                continue
            if change is not None:
                changes.append(change)
        await self._notify(changes)
        return polled

    async def _claim(self, now: datetime) -> list[_Claimed]:
        lease_until = now + timedelta(seconds=self.policy.claim_lease_s)
        claimed: list[_Claimed] = []
        # Anything due at all? A read takes no write lock (SQLite), so an idle
        # hall polling every idle_s does not get in the way of its writers.
        anything = select(OutboxRow.id).where(
            OutboxRow.state == "pending", OutboxRow.next_attempt_at <= now
        )
        if self.hall_id is not None:
            anything = anything.where(OutboxRow.hall_id == self.hall_id)
        async with self._sessions() as db:
            if await db.scalar(anything.limit(1)) is None:
                return claimed
        async with self._sessions.begin() as db:
            for route, breaker in self.breakers.items():
                allowance = breaker.allowance(now, self.policy.batch_size)
                if allowance == 0:
                    continue
                due = (
                    select(OutboxRow.id)
                    .where(
                        OutboxRow.state == "pending",
                        route.where(),
                        OutboxRow.next_attempt_at <= now,
                    )
                    .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                    .limit(allowance)
                )
                if self.hall_id is not None:
                    due = due.where(OutboxRow.hall_id == self.hall_id)
                # One conditional UPDATE: a row another worker claimed meanwhile no
                # longer matches (its next_attempt_at moved to the lease's end).
                # A write first also takes SQLite's write lock at once.
                claim = (
                    update(OutboxRow)
                    .where(
                        OutboxRow.id.in_(due),
                        OutboxRow.state == "pending",
                        OutboxRow.next_attempt_at <= now,
                    )
                    .values(
                        claims=OutboxRow.claims + 1,
                        attempts=OutboxRow.attempts + 1,
                        next_attempt_at=lease_until,
                        updated_at=now,
                    )
                    .returning(
                        OutboxRow.id,
                        OutboxRow.claims,
                        OutboxRow.attempts,
                        OutboxRow.application_id,
                        OutboxRow.idempotency_key,
                    )
                    .execution_options(synchronize_session=False)
                )
                rows = (await db.execute(claim)).all()
                if not rows:
                    continue
                applications = {
                    a.id: a
                    for a in await db.scalars(
                        select(ApplicationRow).where(
                            ApplicationRow.id.in_([r.application_id for r in rows])
                        )
                    )
                }
                for row_id, claims, attempts, application_id, key in rows:
                    application = applications[application_id]
                    sent = move(db, application, Status.SENT, actor="handoff", at=now)
                    claimed.append(
                        _Claimed(row_id, claims, attempts, route, key, application, sent)
                    )
                    db.add(
                        audit_row(
                            application.hall_id,
                            now,
                            "sent",
                            application.id,
                            {"backoffice": route.kind, "attempt": attempts},
                        )
                    )
        return claimed

    async def _renew(self, claimed: Sequence[_Claimed], now: datetime, done: asyncio.Event) -> None:
        """Keep the lease of ``claimed`` rows while their sends are in flight, until ``done``.

        The lease stays short (a crashed worker's rows are due again within
        seconds) without a slow back office being sent a row twice. Times
        follow the round's ``now`` plus the time elapsed since, so a worker
        driven by a test's clock renews on that clock. Only rows still ours
        (same ``claims``, still pending) are renewed.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        keys = [(item.row_id, item.claims) for item in claimed]
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=self.policy.renew_every_s)
            if done.is_set():
                return
            elapsed = loop.time() - started
            until = now + timedelta(seconds=elapsed + self.policy.claim_lease_s)
            try:
                async with self._sessions.begin() as db:
                    await db.execute(
                        update(OutboxRow)
                        .where(
                            tuple_(OutboxRow.id, OutboxRow.claims).in_(keys),
                            OutboxRow.state == "pending",
                        )
                        .values(next_attempt_at=until)
                        .execution_options(synchronize_session=False)
                    )
            except Exception as exc:
                # The next renewal may succeed; if none does the rows are sent again
                # after the lease (the idempotency key keeps that to one filing).
                log.warning("lease renewal failed", extra={"error": type(exc).__name__})

    async def _send(self, item: _Claimed) -> Receipt | BaseException:
        client = self.clients[item.route]
        try:
            with self.breakers[item.route].breaker.calling():
                return await client.submit(submission_of(item.application), item.key)
        except Exception as exc:  # recorded as this row's failure, never crashes the round
            return exc

    async def _record(
        self, claimed: Sequence[_Claimed], results: Sequence[Receipt | BaseException], now: datetime
    ) -> list[StatusChange]:
        changes: list[StatusChange] = []
        by_row = {
            item.row_id: (item, result) for item, result in zip(claimed, results, strict=True)
        }
        async with self._sessions.begin() as db:
            # Which rows are still ours? A callback, an officer or (after the lease)
            # another worker may have moved some meanwhile. One conditional UPDATE
            # for the whole batch; as a write it also takes SQLite's write lock
            # first, so the reads below cannot be overtaken by another writer.
            mine = (
                await db.execute(
                    update(OutboxRow)
                    .where(
                        tuple_(OutboxRow.id, OutboxRow.claims).in_(
                            [(item.row_id, item.claims) for item in claimed]
                        ),
                        OutboxRow.state == "pending",
                    )
                    .values(updated_at=now)
                    .returning(OutboxRow.id)
                    .execution_options(synchronize_session=False)
                )
            ).scalars()
            ours = sorted(mine)
            if not ours:
                return changes
            rows = {
                r.id: r
                for r in await db.scalars(
                    select(OutboxRow)
                    .where(OutboxRow.id.in_(ours))
                    .execution_options(populate_existing=True)
                )
            }
            applications = {
                a.id: a
                for a in await db.scalars(
                    select(ApplicationRow)
                    .where(ApplicationRow.id.in_([rows[i].application_id for i in ours]))
                    .execution_options(populate_existing=True)
                )
            }
            # Everything is written at the commit: one flush, statements batched.
            for row_id in ours:
                item, result = by_row[row_id]
                row = rows[row_id]
                change = self._record_one(
                    db, row, applications[row.application_id], item, result, now
                )
                if change is not None:
                    changes.append(change)
        return changes

    def _record_one(
        self,
        db: AsyncSession,
        row: OutboxRow,
        application: ApplicationRow,
        item: _Claimed,
        result: Receipt | BaseException,
        now: datetime,
    ) -> StatusChange | None:
        base = {"backoffice": item.kind, "attempt": item.attempts}
        row.updated_at = now
        if isinstance(result, Receipt):
            row.state, row.external_ref, row.heard_at, row.last_error = (
                "delivered",
                result.reference[:128],
                now,
                None,
            )
            row.next_attempt_at = NOT_DUE
            status = Status.ACKNOWLEDGED
            if result.status is not None:
                with contextlib.suppress(UnknownStatus):
                    status = max(
                        status, from_backoffice(item.kind, result.status), key=RANK.__getitem__
                    )
            db.add(audit_row(application.hall_id, now, "acknowledged", application.id, base))
            return move(db, application, status, actor=f"backoffice:{item.kind}", at=now, detail={})
        retryable = isinstance(result, RetryableError) or not isinstance(result, BackOfficeError)
        code = result.code if isinstance(result, HallError) else type(result).__name__
        error = (str(result) if isinstance(result, HallError) else code)[:200]
        retry_after = result.retry_after_s if isinstance(result, RetryableError) else None
        step = after_failure(
            self.policy,
            attempts=item.attempts,
            retryable=retryable,
            retry_after_s=retry_after,
            rng=self._rng,
        )
        row.last_error = error
        if isinstance(step, Retry):
            row.next_attempt_at = now + timedelta(seconds=step.delay_s)
            db.add(
                audit_row(
                    application.hall_id,
                    now,
                    "retried",
                    application.id,
                    {**base, "error": code, "delay_s": round(step.delay_s, 3)},
                )
            )
            return None
        assert isinstance(step, DeadLetter)
        row.state = "dead"
        row.next_attempt_at = NOT_DUE
        db.add(
            audit_row(
                application.hall_id,
                now,
                "dead_lettered",
                application.id,
                {**base, "error": code, "reason": step.reason},
            )
        )
        return move(
            db,
            application,
            Status.DEAD_LETTER,
            actor="handoff",
            at=now,
            detail={"reason": step.reason},
        )

    async def _notify(self, changes: Sequence[StatusChange]) -> None:
        if self._on_change is None:
            return
        for change in changes:
            try:
                await self._on_change(change)
            except Exception:
                log.exception("status change listener failed")
