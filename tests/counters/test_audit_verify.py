"""The pure verifier and the signed-note format, on plain data (no database, no event loop)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from counters.audit_note import (
    Checkpoint,
    NoteError,
    cosign,
    open_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    verifier_key,
    verify_cosignature,
)
from counters.audit_tree import MerkleTree, row_leaf_hash
from counters.audit_verify import SealedLeaf, verify

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ORIGIN = "test.local/audit"
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _rows(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": i + 1,
            "hall_id": "mpp-kendari",
            "at": T0 + timedelta(seconds=i),
            "actor_role": "officer",
            "actor_ref": "officer-1",
            "action": "ticket_served",
            "ticket_id": f"t{i}",
            "session_id": None,
            "application_id": None,
            "details": {"n": i},
        }
        for i in range(n)
    ]


def _sealed(rows: list[dict[str, Any]]) -> list[SealedLeaf]:
    return [SealedLeaf(i, r["id"], row_leaf_hash(r), r) for i, r in enumerate(rows)]


def _checkpoint(leaves: list[SealedLeaf], size: int) -> Checkpoint:
    tree = MerkleTree(leaf.sealed_hash for leaf in leaves)
    return Checkpoint(ORIGIN, size, tree.root(size), T0)


def test_an_untouched_log_verifies() -> None:
    leaves = _sealed(_rows(6))
    report = verify(
        leaves, [_checkpoint(leaves, 3), _checkpoint(leaves, 6)], _checkpoint(leaves, 6)
    )
    assert report.ok and report.leaves == 6 and report.checkpoints_checked == 3


def test_each_kind_of_tampering_is_named_at_its_first_row() -> None:
    rows = _rows(6)
    leaves = _sealed(rows)
    signed = [_checkpoint(leaves, 3), _checkpoint(leaves, 6)]

    changed = list(leaves)
    changed[2] = SealedLeaf(2, 3, leaves[2].sealed_hash, {**rows[2], "actor_ref": "officer-9"})
    assert verify(changed, signed).problem.kind == "row_changed"  # type: ignore[union-attr]

    deleted = list(leaves)
    deleted[1] = SealedLeaf(1, 2, leaves[1].sealed_hash, None)
    problem = verify(deleted, signed).problem
    assert problem is not None and (problem.kind, problem.row_id) == ("row_deleted", 2)

    swapped = list(leaves)
    swapped[1] = SealedLeaf(1, 2, leaves[1].sealed_hash, {**rows[2], "id": 2})
    swapped[2] = SealedLeaf(2, 3, leaves[2].sealed_hash, {**rows[1], "id": 3})
    problem = verify(swapped, signed).problem
    assert problem is not None and (problem.kind, problem.row_id) == ("row_moved", 2)

    gap = leaves[:2] + leaves[3:]
    problem = verify(gap, signed).problem
    assert problem is not None and (problem.kind, problem.leaf) == ("leaf_missing", 2)

    cut = leaves[:4]
    problem = verify(cut, signed[:1], _checkpoint(leaves, 6)).problem
    assert problem is not None and problem.kind == "cut_short"

    resealed_row = {**rows[4], "details": {"n": 99}}
    resealed = list(leaves)
    resealed[4] = SealedLeaf(4, 5, row_leaf_hash(resealed_row), resealed_row)
    problem = verify(resealed, signed).problem
    assert problem is not None and (problem.kind, problem.leaf) == ("root_mismatch", 3)


def test_a_signed_note_round_trips_and_refuses_every_alteration() -> None:
    checkpoint = Checkpoint(ORIGIN, 7, hashlib.sha256(b"root").digest(), T0)
    note = sign_checkpoint(checkpoint, ORIGIN, KEY)
    assert note.startswith(f"{ORIGIN}\n7\n") and "\n\n\u2014 test.local/audit " in note
    assert open_checkpoint(note, ORIGIN, KEY.public_key()) == checkpoint
    name, public = parse_verifier_key(verifier_key(ORIGIN, KEY.public_key()))
    assert name == ORIGIN and open_checkpoint(note, name, public) == checkpoint

    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    for bad in (
        note.replace("\n7\n", "\n8\n"),  # the size changed
        sign_checkpoint(checkpoint, ORIGIN, other),  # another key
        sign_checkpoint(Checkpoint("elsewhere/audit", 7, checkpoint.root, T0), ORIGIN, KEY),
        "not a note",
    ):
        with pytest.raises(NoteError):
            open_checkpoint(bad, ORIGIN, KEY.public_key())
    with pytest.raises(NoteError):
        parse_verifier_key("test.local/audit+00000000+AAAA")


def test_a_cosignature_verifies_only_for_its_checkpoint_and_witness() -> None:
    witness = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32), T0), ORIGIN, KEY)
    line = cosign(note, "w.example/witness", witness, T0 + timedelta(minutes=1))
    cosigned = note + line + "\n"
    assert verify_cosignature(
        cosigned, "w.example/witness", witness.public_key()
    ) == T0 + timedelta(minutes=1)
    with pytest.raises(NoteError):
        verify_cosignature(
            cosigned.replace("\n3\n", "\n4\n"), "w.example/witness", witness.public_key()
        )
    with pytest.raises(NoteError):
        verify_cosignature(cosigned, "w.example/witness", KEY.public_key())
