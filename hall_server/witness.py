"""A small witness for the hall's audit checkpoints (``hall-server witness``).

Run by someone other than the hall (an inspectorate, an ombudsman, a
university). The hall POSTs each new signed checkpoint to
``/add-checkpoint``; the witness cosigns it only if

* the hall's signature verifies under the pinned hall key (else 403
  ``witness_bad_signature``; a body that is no checkpoint: 400 ``bad_request``),
* it is not older than the last checkpoint the witness cosigned (else 409
  ``witness_stale``),
* and it extends that one: the witness fetches a consistency proof from the
  hall's ``/api/v1/audit/proof/consistency`` and checks it against the old
  root it kept and the new root (else 409 ``witness_inconsistent``; the hall
  not answering: 502 ``witness_log_unreachable``).

Once it cosigned, a hall that rewrote its history can no longer show the
witness a checkpoint it will sign: the split is visible to anyone who compares
the two. State (the last cosigned note) is one JSON file, written atomically;
the key is a 32-byte Ed25519 seed file, generated on first start (mode 0600).
Answers are the cosignature line (text), or an error as the hall sends them,
``{"error": {"code", "message", "text"}}``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from counters.audit_note import (
    Checkpoint,
    NoteError,
    cosign,
    open_checkpoint,
    parse_checkpoint,
    parse_verifier_key,
    split_note,
    verifier_key,
)
from counters.audit_tree import ProofError, verify_consistency
from hall_server.error_texts import text_for
from hall_server.errors import Conflict, Forbidden, HallError, InvalidInput, Unavailable

#: Largest checkpoint accepted (a checkpoint is a few hundred bytes).
MAX_NOTE_BYTES = 8192


@dataclass(frozen=True, slots=True)
class WitnessConfig:
    name: str
    key: Ed25519PrivateKey
    state_file: Path
    log_url: str
    log_name: str
    log_key: Ed25519PublicKey
    timeout_s: float = 10.0


def witness_config(
    *, name: str, key_file: Path, state_file: Path, log_url: str, log_vkey: str
) -> WitnessConfig:
    from hall_server.secrets import load_or_create_key_file

    seed = load_or_create_key_file(key_file)
    try:
        log_name, log_key = parse_verifier_key(log_vkey)
    except NoteError as exc:
        raise InvalidInput(f"--log-key: {exc}") from None
    return WitnessConfig(
        name=name,
        key=Ed25519PrivateKey.from_private_bytes(seed),
        state_file=state_file,
        log_url=log_url.rstrip("/"),
        log_name=log_name,
        log_key=log_key,
    )


class Witness:
    """Cosigns the hall's checkpoints that extend the last one it cosigned."""

    def __init__(self, config: WitnessConfig) -> None:
        self.config = config
        self._lock = asyncio.Lock()

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.config.name, self.config.key.public_key())

    def last(self) -> tuple[Checkpoint, str] | None:
        try:
            state = json.loads(self.config.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        note = str(state["note"])
        return open_checkpoint(note, self.config.log_name, self.config.log_key), note

    async def add(self, note: str, http: httpx.AsyncClient) -> str:
        """The cosignature line for ``note``, or a :class:`HallError` saying why not."""
        try:
            parse_checkpoint(split_note(note)[0])
        except NoteError as exc:
            raise InvalidInput(f"not a signed checkpoint: {exc}") from None
        try:
            new = open_checkpoint(note, self.config.log_name, self.config.log_key)
        except NoteError as exc:
            raise Forbidden(str(exc), code="witness_bad_signature") from None
        async with self._lock:
            last = self.last()
            if last is not None:
                old = last[0]
                if new.size < old.size:
                    raise Conflict(
                        f"this witness already cosigned size {old.size}; {new.size} is older",
                        code="witness_stale",
                    )
                proof = await self._proof(http, old.size, new.size)
                try:
                    verify_consistency(old.size, new.size, old.root, new.root, proof)
                except ProofError as exc:
                    raise Conflict(
                        f"size {new.size} does not extend the cosigned size {old.size}: {exc}",
                        code="witness_inconsistent",
                    ) from None
            line = cosign(note, self.config.name, self.config.key, datetime.now(UTC))
            self._save(note)
            return line

    async def _proof(self, http: httpx.AsyncClient, first: int, second: int) -> list[bytes]:
        if first in (0, second):
            return []
        url = f"{self.config.log_url}/api/v1/audit/proof/consistency"
        try:
            answer = await http.get(url, params={"first": first, "second": second})
            if answer.status_code != 200:
                # The hall cannot prove the new size extends the old: it does not.
                raise Conflict(
                    f"the hall gave no consistency proof from {first} to {second}"
                    f" (HTTP {answer.status_code})",
                    code="witness_inconsistent",
                )
            return [base64.b64decode(p, validate=True) for p in answer.json()["proof"]]
        except (httpx.HTTPError, ValueError, KeyError, TypeError, binascii.Error):
            raise Unavailable(
                "the hall did not answer the consistency proof request",
                code="witness_log_unreachable",
            ) from None

    def _save(self, note: str) -> None:
        path = self.config.state_file
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps({"note": note}), encoding="utf-8")
        tmp.replace(path)  # atomic: a crash leaves the old state or the new, never half


def witness_app(witness: Witness) -> FastAPI:
    """The witness's HTTP API: ``POST /add-checkpoint``, ``GET /checkpoint``, ``GET /key``."""
    clients: dict[str, httpx.AsyncClient] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=witness.config.timeout_s) as http:
            clients["http"] = http
            yield

    app = FastAPI(
        title="Audit witness", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )

    @app.exception_handler(HallError)
    async def hall_error(request: Request, exc: HallError) -> JSONResponse:
        error = {"code": exc.code, "message": exc.message, "text": text_for(exc.code)}
        return JSONResponse({"error": error}, exc.http_status)

    @app.post("/add-checkpoint", response_class=PlainTextResponse)
    async def add_checkpoint(request: Request) -> PlainTextResponse:
        body = await request.body()
        if len(body) > MAX_NOTE_BYTES:
            raise InvalidInput("a checkpoint is at most 8 KiB", code="too_large")
        try:
            note = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("a checkpoint is UTF-8 text") from None
        line = await witness.add(note, clients["http"])
        return PlainTextResponse(line + "\n")

    @app.get("/checkpoint", response_class=PlainTextResponse)
    async def checkpoint() -> PlainTextResponse:
        last = witness.last()
        if last is None:
            raise Unavailable("nothing cosigned yet", code="witness_empty")
        return PlainTextResponse(last[1])

    @app.get("/key", response_class=PlainTextResponse)
    async def key() -> PlainTextResponse:
        return PlainTextResponse(witness.verifier_key + "\n")

    return app


def serve_witness(config: WitnessConfig, host: str, port: int) -> None:
    import sys

    import uvicorn

    witness = Witness(config)
    print(f"witness {witness.verifier_key} on http://{host}:{port}/", file=sys.stderr, flush=True)
    uvicorn.run(witness_app(witness), host=host, port=port, log_level="warning")
