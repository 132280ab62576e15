"""The Merkle core against the published RFC 6962 vectors, and its proofs exhaustively.

Vectors: transparency-dev/merkle testonly/constants.go and reference_test.go
(the leaves, every root of sizes 0-8, node hashes, inclusion and
consistency proofs), the same that Google's certificate-transparency code
checks itself against. No event loop anywhere here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from counters.audit_tree import (
    EMPTY_ROOT,
    MerkleTree,
    ProofError,
    canonical_leaf,
    leaf_hash,
    node_hash,
    root_of,
    row_leaf_hash,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAF_HASHES = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]
LEVEL1 = [
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
]
INCLUSION = [
    (0, 1, []),
    (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def _tree(n: int = 8) -> MerkleTree:
    return MerkleTree(leaf_hash(x) for x in LEAVES[:n])


def test_leaf_and_node_hashes_match_the_vectors() -> None:
    assert [leaf_hash(x).hex() for x in LEAVES] == LEAF_HASHES
    level0 = [bytes.fromhex(h) for h in LEAF_HASHES]
    assert [node_hash(level0[i], level0[i + 1]).hex() for i in range(0, 8, 2)] == LEVEL1
    assert EMPTY_ROOT.hex() == ROOTS[0]


@pytest.mark.parametrize("size", range(9))
def test_the_root_of_every_size_matches_the_vectors(size: int) -> None:
    assert _tree().root(size).hex() == ROOTS[size]
    assert root_of([leaf_hash(x) for x in LEAVES[:size]]).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_vectors(index: int, size: int, proof: list[str]) -> None:
    made = _tree().inclusion_proof(index, size)
    assert [p.hex() for p in made] == proof
    verify_inclusion(leaf_hash(LEAVES[index]), index, size, made, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_vectors(first: int, second: int, proof: list[str]) -> None:
    made = _tree().consistency_proof(first, second)
    assert [p.hex() for p in made] == proof
    verify_consistency(
        first, second, bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second]), made
    )


def test_every_proof_of_a_larger_tree_verifies_and_a_wrong_one_does_not() -> None:
    # 70 leaves: past the 64-leaf memo, so remembered subtrees are exercised too.
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(70)]
    tree = MerkleTree(hashes)
    roots = [root_of(hashes[:n]) for n in range(71)]
    for size in range(1, 71):
        assert tree.root(size) == roots[size]
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            verify_inclusion(hashes[index], index, size, proof, roots[size])
            with pytest.raises(ProofError):
                verify_inclusion(hashes[index - 1 if index else 1], index, size, proof, roots[size])
        for first in range(0, size + 1):
            proof = tree.consistency_proof(first, size)
            verify_consistency(first, size, roots[first], roots[size], proof)
            if 0 < first < size:
                with pytest.raises(ProofError):
                    verify_consistency(first, size, roots[first - 1], roots[size], proof)
                with pytest.raises(ProofError):
                    verify_consistency(first, size, roots[first], roots[size], proof[:-1])


def test_a_proof_outside_the_tree_is_refused() -> None:
    tree = _tree(5)
    with pytest.raises(ProofError):
        tree.inclusion_proof(5, 5)
    with pytest.raises(ProofError):
        tree.consistency_proof(3, 6)
    with pytest.raises(ProofError):
        tree.root(6)
    with pytest.raises(ProofError):
        verify_consistency(0, 3, EMPTY_ROOT, tree.root(3), [b"x" * 32])


ROW = {
    "id": 7,
    "hall_id": "mpp-kendari",
    "at": datetime(2026, 11, 30, 10, 0, 0, 123456, tzinfo=UTC),
    "actor_role": "officer",
    "actor_ref": "officer-1",
    "action": "ticket_called",
    "ticket_id": "t1",
    "session_id": None,
    "application_id": None,
    "details": {"b": 1, "a": ["x", 2.5], "nama": "Siti Aminah"},
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", 8),
        ("hall_id", "mpp-kupang"),
        ("at", datetime(2026, 11, 30, 10, 0, 0, 123457, tzinfo=UTC)),
        ("actor_role", "bot"),
        ("actor_ref", "officer-2"),
        ("action", "ticket_served"),
        ("ticket_id", None),
        ("session_id", "s1"),
        ("application_id", "a1"),
        ("details", {"b": 1, "a": ["x", 2.5], "nama": "Siti Aminah", "c": None}),
    ],
)
def test_changing_any_field_of_a_row_changes_its_leaf(field: str, value: object) -> None:
    assert row_leaf_hash({**ROW, field: value}) != row_leaf_hash(ROW)


def test_the_leaf_is_canonical_json_whatever_the_key_order() -> None:
    shuffled = {**ROW, "details": {"a": ["x", 2.5], "nama": "Siti Aminah", "b": 1}}
    assert canonical_leaf(shuffled) == canonical_leaf(ROW)
    assert canonical_leaf(ROW).startswith(b'["hall-audit-leaf/v1",7,"mpp-kendari",')
