"""Recompute the audit tree from what a database holds and find the first bad row.

The sealing step (hall_server/audit_log.py) gives each committed audit row a
leaf index and records the leaf hash it had then; the hall signs checkpoints
(size, root) of that tree. :func:`verify` takes all of it as plain data and
checks, in leaf order:

1. leaf indexes run 0, 1, 2, ... without a gap (a sealed leaf deleted);
2. the row of each leaf still exists (a row deleted);
3. the row's leaf hash, recomputed from its fields now, equals the sealed one
   (a row changed; "moved" when its content is sealed at another position,
   as when two rows swap ids);
4. every checkpoint the hall signed, and the saved one given, is no larger
   than the tree (else the log was cut short) and its root equals the root
   recomputed over that many leaves. An attacker who rewrote the sealed hashes
   as well is caught here: only the signing key could make the roots agree.

Pure: plain data in, a report out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from counters.audit_note import Checkpoint
from counters.audit_tree import MerkleTree, ProofError, row_leaf_hash, verify_consistency


@dataclass(frozen=True, slots=True)
class SealedLeaf:
    """One row of the seal table with the audit row it points at (None: row gone)."""

    index: int
    row_id: int
    sealed_hash: bytes
    row: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class Problem:
    """The first thing found wrong. ``kind``: leaf_missing, row_deleted, row_changed,
    row_moved, cut_short, root_mismatch, inconsistent."""

    kind: str
    leaf: int | None
    row_id: int | None
    message: str


@dataclass(frozen=True, slots=True)
class Report:
    leaves: int
    root: bytes
    checkpoints_checked: int
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(
    leaves: Sequence[SealedLeaf],
    signed: Sequence[Checkpoint],
    saved: Checkpoint | None = None,
) -> Report:
    """Check the sealed leaves against their rows and against the checkpoints.

    ``leaves`` in leaf-index order; ``signed``: the checkpoints whose signatures
    already verified (hall_server checks them with the hall's key); ``saved``:
    one kept outside the database (a file, a witness).
    """
    tree = MerkleTree(leaf.sealed_hash for leaf in leaves)
    problem = _first_bad_leaf(leaves)
    checked = 0
    good = 0  # the largest checkpoint size found to match: a bad leaf lies beyond it
    if problem is None:
        for checkpoint in sorted(signed, key=lambda c: c.size):
            problem = _against(tree, leaves, checkpoint, good, "a checkpoint signed by the hall")
            checked += 1
            if problem:
                break
            good = checkpoint.size
    if problem is None and saved is not None:
        below = max((c.size for c in signed if c.size <= saved.size), default=0)
        problem = _against(tree, leaves, saved, below, "the saved checkpoint")
        checked += 1
        latest = max(signed, key=lambda c: c.size, default=None)
        if problem is None and latest is not None and latest.size >= saved.size:
            try:
                verify_consistency(
                    saved.size,
                    latest.size,
                    saved.root,
                    latest.root,
                    tree.consistency_proof(saved.size, latest.size),
                )
            except ProofError as exc:  # cannot fail once both roots matched; kept as a check
                problem = Problem("inconsistent", None, None, str(exc))
    return Report(len(tree), tree.root(), checked, problem)


def _first_bad_leaf(leaves: Sequence[SealedLeaf]) -> Problem | None:
    for position, leaf in enumerate(leaves):
        if leaf.index != position:
            after = f" (after row {leaves[position - 1].row_id})" if position else ""
            return Problem(
                "leaf_missing",
                position,
                leaf.row_id,
                f"leaf {position}{after} is missing from the seal table",
            )
        if leaf.row is None:
            return Problem("row_deleted", position, leaf.row_id, f"row {leaf.row_id} was deleted")
        if row_leaf_hash(leaf.row) != leaf.sealed_hash:
            moved = _sealed_elsewhere(leaf, leaves)
            if moved is not None:
                return Problem(
                    "row_moved",
                    position,
                    leaf.row_id,
                    f"row {leaf.row_id} holds what was sealed as row {moved}: rows were reordered",
                )
            return Problem(
                "row_changed",
                position,
                leaf.row_id,
                f"row {leaf.row_id} was changed after it was sealed",
            )
    return None


def _sealed_elsewhere(leaf: SealedLeaf, leaves: Sequence[SealedLeaf]) -> int | None:
    """The row id whose sealed hash this row's content has, under that id."""
    assert leaf.row is not None
    for other in leaves:
        moved = {**leaf.row, "id": other.row_id}
        if other.row_id != leaf.row_id and row_leaf_hash(moved) == other.sealed_hash:
            return other.row_id
    return None


def _against(
    tree: MerkleTree,
    leaves: Sequence[SealedLeaf],
    checkpoint: Checkpoint,
    good: int,
    what: str,
) -> Problem | None:
    stamp = f"{checkpoint.time:%Y-%m-%dT%H:%M:%SZ}"
    if checkpoint.size > len(tree):
        last = f" after row {leaves[-1].row_id}" if leaves else ""
        return Problem(
            "cut_short",
            len(tree),
            None,
            f"the log was cut short: {what} ({stamp}) has {checkpoint.size} leaves,"
            f" the database {len(tree)}; leaf {len(tree)}{last} and later are gone",
        )
    if checkpoint.size and tree.root(checkpoint.size) != checkpoint.root:
        # Only roots are signed, so the exact leaf cannot be told: it lies after the
        # last checkpoint that matched and within this one.
        first = min(good, checkpoint.size - 1)
        row = leaves[first].row_id
        return Problem(
            "root_mismatch",
            first,
            row,
            f"the first {checkpoint.size} leaves do not match {what} ({stamp}):"
            f" the seal table was rewritten between leaf {first} (row {row})"
            f" and leaf {checkpoint.size - 1} (row {leaves[checkpoint.size - 1].row_id})",
        )
    return None
