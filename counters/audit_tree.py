"""The audit log as an append-only Merkle tree (RFC 9162 section 2.1).

Each audit row is one leaf. Hashes are domain-separated as in RFC 9162 (and
RFC 6962 before it): a leaf hashes as ``SHA-256(0x00 || leaf)``, an inner
node as ``SHA-256(0x01 || left || right)``, so no leaf can pass for a node.
The tree of ``n`` leaves splits at the largest power of two below ``n``;
the empty tree's hash is ``SHA-256("")``.

A small implementation rather than a library: the Python packages for this
are unmaintained or pull in a web of dependencies, and the whole algorithm is
a page. tests/counters/test_audit_tree.py checks it against the published
RFC 6962 vectors of transparency-dev/merkle (roots of every size 0-8, node
hashes, inclusion and consistency proofs).

Pure: plain bytes in, plain bytes out, no I/O (tests/test_pure_imports.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

#: Length of every hash in the tree (SHA-256).
HASH_BYTES = 32
#: Root hash of the empty tree: SHA-256 of nothing.
EMPTY_ROOT = hashlib.sha256(b"").digest()
#: Perfect subtrees at least this big are remembered by :class:`MerkleTree`: a
#: proof then costs a few dozen hashes instead of rehashing the whole log,
#: for 1/64 of the memory of the leaf hashes.
_MEMO_MIN = 64
#: Version prefix of the canonical leaf of an audit row (changes if the encoding does).
LEAF_FORMAT = "hall-audit-leaf/v1"


class ProofError(ValueError):
    """A proof or tree size does not fit (out of range, wrong length) or does not verify."""


def leaf_hash(leaf: bytes) -> bytes:
    """RFC 9162 leaf hash: ``SHA-256(0x00 || leaf)``."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n`` >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(hashes: Sequence[bytes]) -> bytes:
    """MTH of the leaves whose leaf hashes are ``hashes`` (no memo; for checks)."""
    return MerkleTree(hashes).root(len(hashes))


class MerkleTree:
    """Leaf hashes of an append-only log, with the proofs of RFC 9162.

    Only :meth:`append` changes it. Hashes of complete, aligned subtrees of at
    least 64 leaves are remembered (they can never change once complete), so
    roots and proofs of a long log cost O(log^2 n) hashes after the first.
    """

    def __init__(self, hashes: Iterable[bytes] = ()) -> None:
        self._leaves: list[bytes] = []
        self._memo: dict[tuple[int, int], bytes] = {}
        self.extend(hashes)

    def __len__(self) -> int:
        return len(self._leaves)

    def append(self, hashed_leaf: bytes) -> None:
        """Add one leaf by its leaf hash (see :func:`leaf_hash`)."""
        if len(hashed_leaf) != HASH_BYTES:
            raise ValueError("a leaf hash is 32 bytes")
        self._leaves.append(hashed_leaf)

    def extend(self, hashes: Iterable[bytes]) -> None:
        for h in hashes:
            self.append(h)

    def leaf(self, index: int) -> bytes:
        return self._leaves[index]

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (all by default)."""
        size = len(self._leaves) if size is None else size
        self._check_size(size)
        return self._hash(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 9162 section 2.1.3.1."""
        self._check_size(size)
        if not 0 <= index < size:
            raise ProofError(f"leaf {index} is not in a tree of size {size}")
        proof: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                proof.append(self._hash(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self._hash(lo, lo + k))
                lo += k
        proof.reverse()  # the recursion appends from the leaf upwards
        return proof

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """PROOF(first, D[0:second]) of RFC 9162 section 2.1.4.1."""
        self._check_size(second)
        if not 0 <= first <= second:
            raise ProofError(f"no consistency proof from size {first} to size {second}")
        if first in (0, second):
            return []
        return self._subproof(first, 0, second, True)

    def _subproof(self, m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        # SUBPROOF(m, D[lo:hi], whole) of RFC 9162, with m counted from lo.
        n = hi - lo
        if m == n:
            return [] if whole else [self._hash(lo, hi)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, lo, lo + k, whole), self._hash(lo + k, hi)]
        return [*self._subproof(m - k, lo + k, hi, False), self._hash(lo, lo + k)]

    def _hash(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 1:
            return self._leaves[lo]
        perfect = n >= _MEMO_MIN and n & (n - 1) == 0
        if perfect and (lo, n) in self._memo:
            return self._memo[lo, n]
        k = _split(n)
        h = node_hash(self._hash(lo, lo + k), self._hash(lo + k, hi))
        if perfect:
            self._memo[lo, n] = h
        return h

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= len(self._leaves):
            raise ProofError(f"tree size {size} is beyond the {len(self._leaves)} leaves")


def verify_inclusion(
    hashed_leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof (RFC 9162 section 2.1.3.2); raise :class:`ProofError` if bad."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    fn, sn = index, size - 1
    r = hashed_leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    if r != root:
        raise ProofError("the inclusion proof does not lead to the root")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check a consistency proof (RFC 9162 section 2.1.4.2); raise :class:`ProofError` if bad."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if first == second:
        if proof:
            raise ProofError("a proof between equal sizes is empty")
        if first_root != second_root:
            raise ProofError("equal sizes with different roots")
        return
    if first == 0:
        if proof:
            raise ProofError("a proof from the empty tree is empty")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is a node of the second tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != first_root or sr != second_root:
        raise ProofError("the consistency proof does not lead to both roots")


def canonical_leaf(row: Mapping[str, Any]) -> bytes:
    """The bytes an audit row contributes to the tree: every field, so that a
    change to any of them changes the leaf.

    A JSON array in a fixed field order (the details as JSON with sorted keys,
    no spaces, UTF-8), after a version tag; ``at`` as UTC with microseconds,
    the precision both databases keep.
    """
    at = row["at"]
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise ValueError("an audit row's 'at' is an aware datetime")
    fields = [
        LEAF_FORMAT,
        int(row["id"]),
        row["hall_id"],
        at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        row["actor_role"],
        row["actor_ref"],
        row["action"],
        row["ticket_id"],
        row["session_id"],
        row["application_id"],
        row["details"],
    ]
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def row_leaf_hash(row: Mapping[str, Any]) -> bytes:
    """Leaf hash of an audit row (:func:`leaf_hash` of :func:`canonical_leaf`)."""
    return leaf_hash(canonical_leaf(row))
