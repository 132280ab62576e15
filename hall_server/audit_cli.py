"""``hall-server audit ...`` and ``hall-server witness``: the verifiable audit log on the
command line (docs/trust.md).

``audit verify [--checkpoint FILE] [--key VKEY]`` recomputes the tree from the
database and exits 1 naming the first bad row (changed, deleted, reordered,
cut short) or a checkpoint that does not verify; 0 when all is well.
``audit checkpoint`` prints the latest signed checkpoint (save it with ``>``),
``audit seal`` seals and signs now, ``audit key`` prints the verifier key.
``audit check --log URL --key VKEY`` is for outsiders, with HTTP only: the
latest checkpoint's signature, its consistency with a saved one, a row's
inclusion.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hall_server.errors import InvalidInput


def add_audit_commands(sub: Any) -> None:
    audit = sub.add_parser("audit", help="check or save the audit log's signed checkpoints")
    commands = audit.add_subparsers(title="audit commands")

    verify = commands.add_parser(
        "verify", help="recompute the audit tree from the database; exit 1 on tampering"
    )
    verify.add_argument("--checkpoint", type=Path, help="a checkpoint saved earlier to check too")
    verify.add_argument(
        "--key", help="the hall's verifier key (NAME+ID+KEY); default: from the hall's secret"
    )
    verify.add_argument("--database-url")
    verify.set_defaults(run=_verify)

    checkpoint = commands.add_parser("checkpoint", help="print the latest signed checkpoint")
    checkpoint.add_argument("--database-url")
    checkpoint.set_defaults(run=_checkpoint)

    seal = commands.add_parser("seal", help="seal new audit rows and sign a checkpoint now")
    seal.add_argument("--database-url")
    seal.set_defaults(run=_seal)

    check = commands.add_parser(
        "check", help="check a hall from outside: its signed checkpoint and proofs over HTTP"
    )
    check.add_argument("--log", required=True, help="the hall's base URL (http://host:port)")
    check.add_argument("--key", required=True, help="the hall's verifier key, pinned")
    check.add_argument(
        "--checkpoint", type=Path, help="a checkpoint saved earlier: is today's consistent?"
    )
    check.add_argument("--row", type=int, help="an audit row id: is it in today's tree?")
    check.add_argument("--save", type=Path, help="save today's checkpoint to this file")
    check.set_defaults(run=_check)

    key = commands.add_parser("key", help="print the hall's verifier key")
    key.set_defaults(run=_key)

    witness = sub.add_parser("witness", help="run a witness that cosigns a hall's checkpoints")
    witness.add_argument("--listen", default="127.0.0.1:8700", help="HOST:PORT")
    witness.add_argument("--key", type=Path, required=True, help="the witness's key file")
    witness.add_argument(
        "--state", type=Path, help="file of the last cosigned checkpoint (default: KEY.state)"
    )
    witness.add_argument("--log", required=True, help="the hall's base URL (http://host:port)")
    witness.add_argument("--log-key", required=True, help="the hall's verifier key to pin")
    witness.add_argument("--name", default="witness.local", help="the witness's key name")
    witness.set_defaults(run=_witness)


def _settings(args: argparse.Namespace) -> Any:
    from hall_server.settings import Settings

    return Settings.from_env(database_url=getattr(args, "database_url", None))


def _audit_key(settings: Any) -> Any:
    from hall_server.audit_log import audit_signing_key
    from hall_server.secrets import resolve_secret_key

    return audit_signing_key(resolve_secret_key(settings))


async def _with_sessions(settings: Any, job: Any) -> Any:
    from hall_server.db.engine import create_engine, make_sessionmaker

    engine = create_engine(settings.resolved_database_url)
    try:
        return await job(make_sessionmaker(engine))
    finally:
        await engine.dispose()


def _verify(args: argparse.Namespace) -> int:
    from counters.audit_note import NoteError, open_checkpoint, parse_verifier_key
    from counters.audit_verify import verify
    from hall_server.audit_log import read_snapshot

    settings = _settings(args)
    if args.key:
        try:
            name, public = parse_verifier_key(args.key)
        except NoteError as exc:
            raise InvalidInput(f"--key: {exc}") from None
    else:
        name, public = settings.audit_origin, _audit_key(settings).public_key()
    saved = None
    if args.checkpoint:
        try:
            saved = open_checkpoint(args.checkpoint.read_text(encoding="utf-8"), name, public)
        except (OSError, NoteError) as exc:
            print(f"FAIL [saved_checkpoint]: {args.checkpoint}: {exc}")
            return 1
    snapshot = asyncio.run(_with_sessions(settings, read_snapshot))
    signed = []
    for note in snapshot.notes:
        try:
            signed.append(open_checkpoint(note, name, public))
        except NoteError as exc:
            print(f"FAIL [bad_checkpoint]: a checkpoint in the database does not verify: {exc}")
            return 1
    report = verify(snapshot.leaves, signed, saved)
    if report.problem is not None:
        print(f"FAIL [{report.problem.kind}]: {report.problem.message}")
        return 1
    print(
        f"ok: {report.leaves} leaves, root {report.root.hex()},"
        f" {report.checkpoints_checked} checkpoint(s) checked,"
        f" {snapshot.unsealed} row(s) not sealed yet"
    )
    return 0


def _checkpoint(args: argparse.Namespace) -> int:
    from hall_server.audit_log import AuditLog

    settings = _settings(args)

    async def latest(sessions: Any) -> str:
        audit = AuditLog(sessions, key=_audit_key(settings), origin=settings.audit_origin)
        note: str = await audit.latest_note()
        return note

    sys.stdout.write(asyncio.run(_with_sessions(settings, latest)))
    return 0


def _seal(args: argparse.Namespace) -> int:
    from hall_server.audit_log import AuditLog
    from hall_server.db.migrate import upgrade

    settings = _settings(args)

    async def seal(sessions: Any) -> Any:
        audit = AuditLog(sessions, key=_audit_key(settings), origin=settings.audit_origin)
        return await audit.seal(datetime.now(UTC))

    asyncio.run(upgrade(settings.resolved_database_url))
    result = asyncio.run(_with_sessions(settings, seal))
    print(f"sealed {result.sealed} row(s); the tree has {result.size} leaves")
    return 0


def _check(args: argparse.Namespace) -> int:
    import base64

    import httpx

    from counters.audit_note import NoteError, open_checkpoint, parse_verifier_key
    from counters.audit_tree import ProofError, verify_consistency, verify_inclusion

    try:
        name, public = parse_verifier_key(args.key)
    except NoteError as exc:
        raise InvalidInput(f"--key: {exc}") from None
    with httpx.Client(base_url=args.log.rstrip("/"), timeout=30) as http:

        def get(path: str, **params: int) -> httpx.Response:
            answer = http.get(path, params=params)
            answer.raise_for_status()
            return answer

        try:
            note = get("/api/v1/audit/checkpoint").text
            today = open_checkpoint(note, name, public)
            print(f"checkpoint: {today.size} leaves, signed {today.time:%Y-%m-%dT%H:%M:%SZ}")
            if args.checkpoint:
                old = open_checkpoint(args.checkpoint.read_text(encoding="utf-8"), name, public)
                if old.size > today.size:
                    raise ProofError(f"the saved checkpoint has {old.size} leaves: cut short")
                proof = get("/api/v1/audit/proof/consistency", first=old.size, second=today.size)
                hashes = [base64.b64decode(p) for p in proof.json()["proof"]]
                verify_consistency(old.size, today.size, old.root, today.root, hashes)
                print(f"consistent with the saved checkpoint of {old.size} leaves")
            if args.row is not None:
                found = get("/api/v1/audit/proof/inclusion", row=args.row, size=today.size).json()
                verify_inclusion(
                    base64.b64decode(found["leaf_hash"]),
                    found["leaf_index"],
                    today.size,
                    [base64.b64decode(p) for p in found["proof"]],
                    today.root,
                )
                print(f"row {args.row} is leaf {found['leaf_index']}")
        except (NoteError, ProofError, OSError) as exc:
            print(f"FAIL: {exc}")
            return 1
        except httpx.HTTPError as exc:
            print(f"FAIL: the hall did not answer: {exc}")
            return 1
    if args.save:
        args.save.write_text(note, encoding="utf-8")
    return 0


def _key(args: argparse.Namespace) -> int:
    from counters.audit_note import verifier_key

    settings = _settings(args)
    print(verifier_key(settings.audit_origin, _audit_key(settings).public_key()))
    return 0


def _witness(args: argparse.Namespace) -> int:
    from hall_server.witness import serve_witness, witness_config

    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit():
        raise InvalidInput("--listen is HOST:PORT")
    config = witness_config(
        name=args.name,
        key_file=args.key,
        state_file=args.state or args.key.with_name(args.key.name + ".state"),
        log_url=args.log,
        log_vkey=args.log_key,
    )
    serve_witness(config, host, int(port))
    return 0
