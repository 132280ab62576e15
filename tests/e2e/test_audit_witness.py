"""The verifiable audit log through the running hall and a real witness, on loopback.

The hall (uvicorn, in this loop) seals and signs every 0.2 s and POSTs its
checkpoints to ``hall-server witness`` (a subprocess). The witness cosigns a
checkpoint that extends the last one it cosigned, checking the consistency
proof it fetches from the hall, and refuses an older one, a forked one and
one the hall did not sign, with their documented codes. The proofs the hall
serves verify against its signed roots.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from counters.audit_note import (
    Checkpoint,
    open_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    verifier_key,
    verify_cosignature,
)
from counters.audit_tree import leaf_hash, verify_consistency, verify_inclusion
from hall_server.audit_log import audit_signing_key
from hall_server.cli import main
from hall_server.db import create_engine, make_sessionmaker
from hall_server.db.models import AuditRow
from tests.e2e.server import running_server
from tests.support.waiting import wait_until

SECRET = "an e2e test hall secret, 32 byte"
ORIGIN = "hall.local/audit"
HALL_KEY = audit_signing_key(SECRET.encode())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def witness_process(port: int, key_file: Path, log_url: str) -> Iterator[subprocess.Popen[str]]:
    """``hall-server witness`` on a loopback port, stopped (by its own handle) afterwards."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hall_server.cli",
            "witness",
            "--listen",
            f"127.0.0.1:{port}",
            "--key",
            str(key_file),
            "--log",
            log_url,
            "--log-key",
            verifier_key(ORIGIN, HALL_KEY.public_key()),
            "--name",
            "ombudsman.example/witness",
        ],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


async def _write_rows(db_file: Path, n: int) -> list[int]:
    engine = create_engine(f"sqlite+aiosqlite:///{db_file}")
    try:
        rows = [
            AuditRow.record(
                hall_id="mpp-kendari",
                at=datetime.now(UTC),
                actor_role="officer",
                actor_ref="officer-7",
                action="ticket_served",
                ticket_id=f"e2e-{i}",
                details={"i": i},
            )
            for i in range(n)
        ]
        async with make_sessionmaker(engine).begin() as db:
            db.add_all(rows)
        return [row.id for row in rows]
    finally:
        await engine.dispose()


def _b64(items: list[str]) -> list[bytes]:
    return [base64.b64decode(x) for x in items]


async def test_a_witness_cosigns_a_growing_log_and_refuses_a_forked_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _free_port()
    async with running_server(
        tmp_path / "hall",
        secret_key=SECRET,
        audit_checkpoint_interval_s=0.2,
        audit_witness_url=f"http://127.0.0.1:{port}/add-checkpoint",
    ) as server:
        hall = server.http

        async def checkpoint() -> Checkpoint | None:
            r = await hall.get("/api/v1/audit/checkpoint")
            return open_checkpoint(r.text, ORIGIN, HALL_KEY.public_key()) if r.is_success else None

        async def has_checkpoint() -> bool:
            return await checkpoint() is not None

        await wait_until(has_checkpoint, 60, "the hall's first checkpoint")
        first = await checkpoint()
        assert first is not None
        first_note = (await hall.get("/api/v1/audit/checkpoint")).text
        assert (await hall.get("/api/v1/audit/key")).text.strip() == verifier_key(
            ORIGIN, HALL_KEY.public_key()
        )

        with witness_process(port, tmp_path / "witness.key", server.base) as proc:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as witness:

                async def witness_key() -> str:
                    if proc.poll() is not None:
                        raise AssertionError(f"the witness exited: {proc.stdout.read()}")  # type: ignore[union-attr]
                    try:
                        r = await witness.get("/key")
                    except httpx.TransportError:
                        return ""
                    return r.text.strip() if r.is_success else ""

                await wait_until(witness_key, 60, "the witness to listen")
                wkey = await witness_key()
                wname, wpublic = parse_verifier_key(wkey)

                ids = await _write_rows(tmp_path / "hall" / "hall.db", 3)

                seen: list[Checkpoint] = []

                async def cosigned() -> bool:
                    note = (await hall.get("/api/v1/audit/checkpoint")).text
                    cp = open_checkpoint(note, ORIGIN, HALL_KEY.public_key())
                    if cp.size < first.size + 3 or wname not in note:
                        return False
                    verify_cosignature(note, wname, wpublic)
                    seen.append(cp)
                    return True

                await wait_until(cosigned, 60, "the witness to cosign the new rows")
                grown = seen[-1]

                # The proofs the hall serves verify against its signed roots.
                proof = (
                    await hall.get(
                        "/api/v1/audit/proof/consistency",
                        params={"first": first.size, "second": grown.size},
                    )
                ).json()
                verify_consistency(
                    first.size, grown.size, first.root, grown.root, _b64(proof["proof"])
                )
                inclusion = (
                    await hall.get("/api/v1/audit/proof/inclusion", params={"row": ids[1]})
                ).json()
                assert inclusion["tree_size"] == grown.size
                verify_inclusion(
                    base64.b64decode(inclusion["leaf_hash"]),
                    inclusion["leaf_index"],
                    grown.size,
                    _b64(inclusion["proof"]),
                    grown.root,
                )
                # Staff may read the row's leaf, and it hashes to the proven leaf.
                assert (
                    await hall.get("/api/v1/audit/leaf", params={"row": ids[1]})
                ).status_code == 401
                token = await server.staff_token("supervisor")
                leaf = (
                    await hall.get(
                        "/api/v1/audit/leaf",
                        params={"row": ids[1]},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                ).json()
                assert leaf_hash(leaf["leaf"].encode()) == base64.b64decode(inclusion["leaf_hash"])
                assert '"e2e-1"' in leaf["leaf"]

                async def refused(body: str) -> tuple[int, str]:
                    r = await witness.post("/add-checkpoint", content=body)
                    return r.status_code, r.json()["error"]["code"]

                # An older checkpoint than the one it cosigned.
                if first.size < grown.size:
                    assert await refused(first_note) == (409, "witness_stale")
                # A fork: the hall's key signs a different history of the same size, or a
                # longer one the hall cannot prove extends it.
                for size in (grown.size, grown.size + 10):
                    fork = Checkpoint(ORIGIN, size, hashlib.sha256(b"forged").digest(), grown.time)
                    forged = sign_checkpoint(fork, ORIGIN, HALL_KEY)
                    assert await refused(forged) == (409, "witness_inconsistent")
                # Signed by someone else, and not a checkpoint at all.
                impostor = sign_checkpoint(grown, ORIGIN, audit_signing_key(b"x" * 32))
                assert await refused(impostor) == (403, "witness_bad_signature")
                assert await refused("hello") == (400, "bad_request")
                # Its state is still the checkpoint it cosigned.
                kept = (await witness.get("/checkpoint")).text
                assert open_checkpoint(kept, ORIGIN, HALL_KEY.public_key()).size >= grown.size

        # An outsider with HTTP only: today's checkpoint extends the one saved earlier, and
        # the row is in it; a saved checkpoint of a forked history is caught.
        saved = tmp_path / "saved.txt"
        saved.write_text(first_note, encoding="utf-8")
        vkey = verifier_key(ORIGIN, HALL_KEY.public_key())
        outsider = ["audit", "check", "--log", server.base, "--key", vkey]
        capsys.readouterr()
        code = await asyncio.to_thread(
            main, [*outsider, "--checkpoint", str(saved), "--row", str(ids[1])]
        )
        out = capsys.readouterr().out
        assert code == 0, out
        assert f"row {ids[1]} is leaf" in out and "consistent with the saved checkpoint" in out
        fork = Checkpoint(ORIGIN, grown.size, hashlib.sha256(b"forged").digest(), grown.time)
        saved.write_text(sign_checkpoint(fork, ORIGIN, HALL_KEY), encoding="utf-8")
        code = await asyncio.to_thread(main, [*outsider, "--checkpoint", str(saved)])
        assert code == 1
        assert "FAIL" in capsys.readouterr().out

        # Bad requests to the hall get their documented codes.
        r = await hall.get("/api/v1/audit/proof/inclusion", params={"row": 999999})
        assert (r.status_code, r.json()["error"]["code"]) == (404, "audit_row_unsealed")
        r = await hall.get("/api/v1/audit/proof/consistency", params={"first": 5, "second": 10**6})
        assert (r.status_code, r.json()["error"]["code"]) == (400, "audit_bad_size")
        r = await hall.get("/api/v1/audit/proof/inclusion", params={"row": "9" * 40})
        assert (r.status_code, r.json()["error"]["code"]) == (422, "bad_request")
