"""The audit log's Merkle tree at the database edge: sealing, checkpoints, proofs.

Rows of ``audit_log`` are written by many stores, in many transactions, on
several nodes. On PostgreSQL their ids come from a sequence and a lower id can
commit after a higher one, so "the tree in id order" would change as late rows
appear. Instead :meth:`AuditLog.seal` gives each committed row a leaf index
when it first sees it (``audit_leaves``: leaf index, row id, leaf hash, append
only), in id order within one seal; a row that commits late simply gets a
later index. A seal holds a PostgreSQL advisory lock for its transaction, so
two nodes never hand out the same index. After sealing, the hall signs a
checkpoint of the new tree (``audit_checkpoints``, append only). docs/trust.md.

The signing key is derived from the hall's master secret (hall_server/secrets.py)
so it is kept, backed up and shared between nodes exactly like it.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import exists, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.audit_note import Checkpoint, sign_checkpoint, verifier_key
from counters.audit_tree import MerkleTree, ProofError, canonical_leaf, row_leaf_hash
from counters.audit_verify import SealedLeaf
from hall_server.db.models import AuditCheckpointRow, AuditLeafRow, AuditRow
from hall_server.errors import InvalidInput, NotFound, Unavailable
from hall_server.secrets import derive_key

#: Rows sealed per transaction (a long backlog is sealed in several).
SEAL_BATCH = 5000
#: Key of the PostgreSQL advisory lock that serialises seals across nodes ("audi").
_SEAL_LOCK = 0x61756469


def audit_signing_key(master: bytes) -> Ed25519PrivateKey:
    """The hall's checkpoint key: an Ed25519 seed derived from the master secret."""
    return Ed25519PrivateKey.from_private_bytes(derive_key(master, "audit-ed25519"))


def row_fields(row: AuditRow) -> dict[str, Any]:
    """An audit row as the plain mapping :func:`counters.audit_tree.canonical_leaf` reads."""
    return {
        "id": row.id,
        "hall_id": row.hall_id,
        "at": row.at,
        "actor_role": row.actor_role,
        "actor_ref": row.actor_ref,
        "action": row.action,
        "ticket_id": row.ticket_id,
        "session_id": row.session_id,
        "application_id": row.application_id,
        "details": row.details,
    }


@dataclass(frozen=True, slots=True)
class SealResult:
    sealed: int
    size: int
    note: str | None  #: the checkpoint signed by this seal, if the tree grew


class AuditLog:
    """Seals audit rows into the tree, signs checkpoints and serves proofs.

    Keeps the leaf hashes in memory (32 bytes a row), extended from the seal
    table as it grows, whichever node sealed them.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, key: Ed25519PrivateKey, origin: str
    ) -> None:
        self._sessions = sessions
        self._key = key
        self.origin = origin
        self._tree = MerkleTree()
        self._lock = asyncio.Lock()
        #: Cosignature lines of witnesses, by the tree size they cosigned.
        self.cosignatures: dict[int, list[str]] = {}

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.origin, self._key.public_key())

    async def seal(self, now: datetime) -> SealResult:
        """Seal every committed row not sealed yet, then sign a checkpoint if the tree grew
        (or if none was ever signed: the empty tree's)."""
        async with self._lock:
            sealed = 0
            try:
                while True:
                    batch, result = await self._seal_batch(now)
                    sealed += batch
                    if batch < SEAL_BATCH:
                        return SealResult(sealed, result.size, result.note)
            except BaseException:
                self._tree = MerkleTree()  # it may hold leaves of a rolled-back seal
                raise

    async def _seal_batch(self, now: datetime) -> tuple[int, SealResult]:
        async with self._sessions.begin() as db:
            if db.get_bind().dialect.name == "postgresql":
                await db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SEAL_LOCK})
            await self._load(db)
            rows = (
                await db.scalars(
                    select(AuditRow)
                    .where(~exists().where(AuditLeafRow.row_id == AuditRow.id))
                    .order_by(AuditRow.id)
                    .limit(SEAL_BATCH)
                )
            ).all()
            for row in rows:
                hashed = row_leaf_hash(row_fields(row))
                db.add(
                    AuditLeafRow(
                        leaf_index=len(self._tree), row_id=row.id, leaf_hash=hashed, sealed_at=now
                    )
                )
                self._tree.append(hashed)
            size = len(self._tree)
            latest = await db.scalar(select(func.max(AuditCheckpointRow.tree_size)))
            note = None
            if latest is None or size > latest:
                checkpoint = Checkpoint(
                    origin=self.origin,
                    size=size,
                    root=self._tree.root(),
                    time=now.astimezone(UTC).replace(microsecond=0),
                )
                note = sign_checkpoint(checkpoint, self.origin, self._key)
                db.add(
                    AuditCheckpointRow(
                        tree_size=size, root_hash=checkpoint.root, signed_at=now, note=note
                    )
                )
            return len(rows), SealResult(len(rows), size, note)

    async def _load(self, db: AsyncSession) -> None:
        """Extend the in-memory tree with leaves sealed since (by any node)."""
        found = await db.execute(
            select(AuditLeafRow.leaf_index, AuditLeafRow.leaf_hash)
            .where(AuditLeafRow.leaf_index >= len(self._tree))
            .order_by(AuditLeafRow.leaf_index)
        )
        for index, hashed in found:
            if index != len(self._tree):
                # A gap in the seal table: someone deleted a leaf. `audit verify` names
                # it; serving proofs past it would only mislead.
                break
            self._tree.append(bytes(hashed))

    async def latest_note(self) -> str:
        """The latest signed checkpoint, with any witness cosignatures."""
        async with self._sessions() as db:
            row = (
                await db.scalars(
                    select(AuditCheckpointRow)
                    .order_by(AuditCheckpointRow.tree_size.desc())
                    .limit(1)
                )
            ).first()
        if row is None:
            raise Unavailable(
                "the hall has not signed a checkpoint yet", code="audit_no_checkpoint"
            )
        extra = "".join(line + "\n" for line in self.cosignatures.get(row.tree_size, []))
        return row.note + extra

    async def _refreshed(self) -> tuple[MerkleTree, int]:
        """The tree brought up to date, and the size of the latest signed checkpoint."""
        async with self._lock, self._sessions() as db:
            await self._load(db)
            latest = await db.scalar(select(func.max(AuditCheckpointRow.tree_size)))
        return self._tree, min(latest or 0, len(self._tree))

    async def inclusion(self, row_id: int, size: int | None) -> dict[str, Any]:
        """Proof that row ``row_id`` is leaf ``i`` of the tree of ``size`` leaves
        (default: the latest checkpoint's). Hashes only: no field of the row."""
        tree, latest = await self._refreshed()
        async with self._sessions() as db:
            index = await db.scalar(
                select(AuditLeafRow.leaf_index).where(AuditLeafRow.row_id == row_id)
            )
        if index is None:
            raise NotFound(
                f"audit row {row_id} does not exist or is not sealed yet",
                code="audit_row_unsealed",
            )
        size = latest if size is None else size
        try:
            proof = tree.inclusion_proof(index, size)
        except ProofError as exc:
            raise InvalidInput(str(exc), code="audit_bad_size") from None
        return {
            "row": row_id,
            "leaf_index": index,
            "tree_size": size,
            "leaf_hash": _b64(tree.leaf(index)),
            "proof": [_b64(p) for p in proof],
        }

    async def consistency(self, first: int, second: int) -> dict[str, Any]:
        """Proof that the tree of ``first`` leaves is a prefix of the tree of ``second``."""
        tree, _ = await self._refreshed()
        try:
            proof = tree.consistency_proof(first, second)
        except ProofError as exc:
            raise InvalidInput(str(exc), code="audit_bad_size") from None
        return {"first": first, "second": second, "proof": [_b64(p) for p in proof]}

    async def leaf(self, row_id: int) -> dict[str, Any]:
        """The canonical leaf of a row (its fields: for staff only)."""
        async with self._sessions() as db:
            row = await db.get(AuditRow, row_id)
            index = await db.scalar(
                select(AuditLeafRow.leaf_index).where(AuditLeafRow.row_id == row_id)
            )
        if row is None:
            raise NotFound(f"audit row {row_id} does not exist", code="audit_row_unsealed")
        leaf = canonical_leaf(row_fields(row))
        return {"row": row_id, "leaf_index": index, "leaf": leaf.decode("utf-8")}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything `audit verify` reads from the database, in plain data."""

    leaves: Sequence[SealedLeaf]
    notes: Sequence[str]
    unsealed: int


async def read_snapshot(sessions: async_sessionmaker[AsyncSession]) -> Snapshot:
    """The seal table joined to the rows, the signed notes, and the count of rows
    not sealed yet, read in one transaction."""
    async with sessions() as db, db.begin():
        seals = (await db.execute(select(AuditLeafRow).order_by(AuditLeafRow.leaf_index))).scalars()
        by_row = {r.id: r for r in (await db.scalars(select(AuditRow))).all()}
        leaves = [
            SealedLeaf(
                index=s.leaf_index,
                row_id=s.row_id,
                sealed_hash=bytes(s.leaf_hash),
                row=row_fields(by_row[s.row_id]) if s.row_id in by_row else None,
            )
            for s in seals
        ]
        sealed_ids = {leaf.row_id for leaf in leaves}
        notes = (
            await db.scalars(select(AuditCheckpointRow.note).order_by(AuditCheckpointRow.tree_size))
        ).all()
    return Snapshot(leaves, list(notes), len(set(by_row) - sealed_ids))
