"""The sim's own durable records, in one SQLite file (stdlib ``sqlite3``).

A sim is a test double with modest traffic, so one connection used from the
event loop's thread is enough: each method is a short transaction, and the
check-then-insert of an idempotency key runs without an ``await`` in between,
so two requests with the same key cannot both insert.

Tables:

- ``submissions``: every accepted submission: its idempotency key, the hash of
  its body, how many times the key was POSTed, the original response (replayed
  on a retry), the back office's record (what GET returns) and the remaining
  status steps with the time of the next one.
- ``webhooks``: every status callback: pending, sent, failed (out of attempts)
  or dropped (``drop_webhooks`` fault, or no callback URL configured).
- any table a sim adds with :meth:`SimStore.execute_script` (the civil
  registry's population).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    idempotency_key TEXT NOT NULL UNIQUE,
    request_hash TEXT NOT NULL,
    posts INTEGER NOT NULL DEFAULT 1,
    response_status INTEGER NOT NULL,
    response_json TEXT NOT NULL,
    body_json TEXT NOT NULL,
    received_at REAL NOT NULL,
    record_json TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    next_at REAL
);
CREATE INDEX IF NOT EXISTS submissions_next_at ON submissions (next_at);
CREATE TABLE IF NOT EXISTS webhooks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    reference TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    last_error TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS webhooks_due ON webhooks (state, next_at);
"""


@dataclass(frozen=True, slots=True)
class Submission:
    """One accepted submission as stored."""

    seq: int
    reference: str
    idempotency_key: str
    request_hash: str
    posts: int
    response_status: int
    response: dict[str, Any]
    body: dict[str, Any]
    received_at: float
    record: dict[str, Any]
    plan: list[dict[str, Any]]
    next_at: float | None


@dataclass(frozen=True, slots=True)
class Webhook:
    """One status callback as stored."""

    id: str
    reference: str
    body: str
    state: str
    attempts: int
    next_at: float
    last_error: str | None
    created_at: float


class SimStore:
    """Durable records of one sim; call :meth:`close` when done."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def execute_script(self, script: str) -> None:
        self._db.executescript(script)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return list(self._db.execute(sql, params))

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self._db.execute(sql, params)

    # Submissions ---------------------------------------------------------------------

    def by_key(self, key: str) -> Submission | None:
        rows = self.query("SELECT * FROM submissions WHERE idempotency_key = ?", (key,))
        return _submission(rows[0]) if rows else None

    def by_reference(self, reference: str) -> Submission | None:
        rows = self.query("SELECT * FROM submissions WHERE reference = ?", (reference,))
        return _submission(rows[0]) if rows else None

    def count_post(self, key: str) -> None:
        self.execute("UPDATE submissions SET posts = posts + 1 WHERE idempotency_key = ?", (key,))

    def next_seq(self) -> int:
        row = self.query("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM submissions")[0]
        return int(row["n"])

    def insert(
        self,
        *,
        reference: str,
        key: str,
        request_hash: str,
        response_status: int,
        response: dict[str, Any],
        body: dict[str, Any],
        received_at: float,
        record: dict[str, Any],
        plan: list[dict[str, Any]],
        next_at: float | None,
        webhook: Webhook | None,
    ) -> None:
        """Store an accepted submission and its first callback in one transaction."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO submissions (reference, idempotency_key, request_hash,"
                " response_status, response_json, body_json, received_at, record_json,"
                " plan_json, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    reference,
                    key,
                    request_hash,
                    response_status,
                    json.dumps(response),
                    json.dumps(body),
                    received_at,
                    json.dumps(record),
                    json.dumps(plan),
                    next_at,
                ),
            )
            if webhook is not None:
                self._insert_webhook(webhook)

    def all_submissions(self) -> list[Submission]:
        return [_submission(r) for r in self.query("SELECT * FROM submissions ORDER BY seq")]

    def due(self, now: float, limit: int = 100) -> list[Submission]:
        rows = self.query(
            "SELECT * FROM submissions WHERE next_at IS NOT NULL AND next_at <= ?"
            " ORDER BY next_at LIMIT ?",
            (now, limit),
        )
        return [_submission(r) for r in rows]

    def advance(
        self,
        reference: str,
        record: dict[str, Any],
        plan: list[dict[str, Any]],
        next_at: float | None,
        webhook: Webhook | None,
    ) -> None:
        """Store a status change and its callback in one transaction."""
        with self._transaction():
            self._db.execute(
                "UPDATE submissions SET record_json = ?, plan_json = ?, next_at = ?"
                " WHERE reference = ?",
                (json.dumps(record), json.dumps(plan), next_at, reference),
            )
            if webhook is not None:
                self._insert_webhook(webhook)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # Webhooks ------------------------------------------------------------------------

    def _insert_webhook(self, w: Webhook) -> None:
        self._db.execute(
            "INSERT INTO webhooks (id, reference, body, state, attempts, next_at, last_error,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (w.id, w.reference, w.body, w.state, w.attempts, w.next_at, w.last_error, w.created_at),
        )

    def due_webhooks(self, now: float, limit: int = 50) -> list[Webhook]:
        rows = self.query(
            "SELECT * FROM webhooks WHERE state = 'pending' AND next_at <= ? ORDER BY seq LIMIT ?",
            (now, limit),
        )
        return [_webhook(r) for r in rows]

    def webhook_attempted(
        self, msg_id: str, *, state: str, next_at: float, error: str | None
    ) -> None:
        self.execute(
            "UPDATE webhooks SET state = ?, attempts = attempts + 1, next_at = ?, last_error = ?"
            " WHERE id = ?",
            (state, next_at, error, msg_id),
        )

    def all_webhooks(self) -> list[Webhook]:
        return [_webhook(r) for r in self.query("SELECT * FROM webhooks ORDER BY seq")]


def _submission(row: sqlite3.Row) -> Submission:
    return Submission(
        seq=row["seq"],
        reference=row["reference"],
        idempotency_key=row["idempotency_key"],
        request_hash=row["request_hash"],
        posts=row["posts"],
        response_status=row["response_status"],
        response=json.loads(row["response_json"]),
        body=json.loads(row["body_json"]),
        received_at=row["received_at"],
        record=json.loads(row["record_json"]),
        plan=json.loads(row["plan_json"]),
        next_at=row["next_at"],
    )


def _webhook(row: sqlite3.Row) -> Webhook:
    return Webhook(
        id=row["id"],
        reference=row["reference"],
        body=row["body"],
        state=row["state"],
        attempts=row["attempts"],
        next_at=row["next_at"],
        last_error=row["last_error"],
        created_at=row["created_at"],
    )
