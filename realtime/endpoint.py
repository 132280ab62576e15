"""The hall WebSocket endpoint: a pump between the socket and the hall.

Decode a message, check size, rate and shape, call the hall, flush what it
queued. Every error a client can cause becomes an ``error`` message with a
documented code; only a bad join, an abusive client or a stalled one is
closed, each with its documented close code.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
import json
import logging
import math
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from avatars.model import Appearance, check_display_name
from counters.commands import COMMANDS
from hall_server.error_texts import text_for
from hall_server.errors import (
    AuthError,
    Conflict,
    Forbidden,
    HallError,
    InvalidInput,
    LimitExceeded,
    NotFound,
)
from hall_server.metrics import Metrics
from hall_server.settings import Limits
from realtime.asgi import AsgiSocket
from realtime.calls.manager import CallManager
from realtime.calls.model import MAX_SDP_BYTES
from realtime.closes import CloseCode
from realtime.counter_hub import CounterHub
from realtime.hall import PROXIMITY, Identity
from realtime.limits import AddressCounter, TokenBucket
from realtime.runtime import Connection, HallRuntime

log = logging.getLogger(__name__)

#: Verifies a token; returns who it is and the hall the token is limited to (or None).
Authenticate = Callable[[str], tuple[Identity, str | None]]


class Refusable(Protocol):
    """A WebSocket that can be refused: ours (AsgiSocket) or Starlette's."""

    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


@dataclass
class _Client:
    runtime: HallRuntime
    conn: Connection
    bucket: TokenBucket
    #: the hall's counters, when it has any
    counters: CounterHub | None = None
    #: the reader task holds a message: nothing is handled inline meanwhile
    busy: bool = False
    #: the client's network address and the device id its join named (for the signals)
    address: str = "unknown"
    device: str | None = None


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


class _NotFinite(ValueError):
    """A JSON number too large for a 64-bit float (docs/protocol.md section 8)."""


def _finite_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise _NotFinite(literal)
    return value


def _finite_int(literal: str) -> int:
    # Over 300 digits cannot be a float (about 1.8e308) anywhere it is used.
    if len(literal) > 301:
        raise _NotFinite(literal)
    return int(literal)


#: Built once: json.loads with keyword arguments builds a new decoder per message.
_DECODER = json.JSONDecoder(
    parse_constant=_no_constants, parse_float=_finite_float, parse_int=_finite_int
)
#: The fast path for a flat object (a move is one, 20 a second per client): the C
#: scanner without number hooks, which call back into Python for every number, and
#: without ``decode``'s whitespace handling; its numbers are checked after. Anything
#: else (nesting, whitespace around, a long text) takes ``_DECODER``, so both paths
#: refuse exactly the same texts with the same codes.
_scan_flat: Callable[[str, int], tuple[object, int]] = json.JSONDecoder(
    parse_constant=_no_constants
).scan_once  # type: ignore[attr-defined]  # set by __init__, undeclared in typeshed
#: Within this length no integer literal can exceed int()'s 4,300-digit limit.
_FLAT_MAX_CHARS = 4000
#: Integer literals of over 301 characters are refused (``_finite_int``): from
#: 10**301 up, or, with the minus sign, from -10**300 down.
_HUGE_INT, _HUGE_NEGATIVE = 10**301, -(10**300)


def _decode(text: str) -> object:
    if len(text) <= _FLAT_MAX_CHARS:
        try:
            value, end = _scan_flat(text, 0)
        except (StopIteration, ValueError, RecursionError):
            value, end = None, -1  # the full decoder says what is wrong
        if end == len(text) and type(value) is dict:
            for item in value.values():
                kind = type(item)
                if kind is float:
                    if math.isinf(item):
                        raise _NotFinite("")
                elif kind is int:
                    if not _HUGE_NEGATIVE < item < _HUGE_INT:
                        raise _NotFinite("")
                elif kind is dict or kind is list:
                    break  # nested: the full decoder checks every number
            else:
                return value
    return _DECODER.decode(text)


def parse_message(text: str) -> dict[str, Any]:
    """A client message: a JSON object with a string ``type``. ``NaN``/``Infinity``
    literals are not JSON (bad_json); a number too large to be finite is bad_value,
    for the whole message, whichever field holds it."""
    try:
        value = _decode(text)
    except _NotFinite:
        raise InvalidInput(
            "numbers must be finite (at most about 1.8e308)", code="bad_value"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"message is not valid JSON: {exc}", code="bad_json") from None
    if not isinstance(value, dict):
        raise InvalidInput("message must be a JSON object", code="bad_type")
    if not isinstance(value.get("type"), str):
        raise InvalidInput("message needs a string field 'type'", code="bad_type")
    # A frame is valid UTF-8, so a lone surrogate can only come from a \uD8xx..\uDFxx
    # escape; such a string cannot be encoded to send on. Checked only then.
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise InvalidInput("strings must not hold unpaired surrogates", code="bad_value")
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(value: object) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


#: Refusals made before a message is parsed (docs/protocol.md section 8): their error
#: still carries the message's ``seq`` as ``ref`` when it has one.
_REFUSED_UNREAD = frozenset({"rate_limited", "too_large"})


def _seq_of(text: str) -> object:
    """The ``seq`` of a message refused unread, if it is a JSON object with one."""
    try:
        return parse_message(text).get("seq")
    except HallError:
        return None


def _seq(msg: dict[str, Any]) -> int:
    seq = msg.get("seq", 0)
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < 2**53:
        raise InvalidInput("seq must be a non-negative integer", code="bad_type")
    return seq


class Gateway:
    """Accepts hall WebSocket connections and pumps them.

    Messages come in two ways. With a :class:`~realtime.asgi.Direct` side
    (our uvicorn protocol), the transport offers each message to
    :meth:`_receive_now` as it is parsed, and messages whose handler never
    waits (:data:`_INLINE`: moves, nearly all the traffic) are handled right
    there, without waking a task. Everything else, and everything without a
    direct side, goes through the ASGI queue to the connection's reader task
    (:meth:`_read`), which dispatches through :data:`_HANDLERS`. Order is
    kept: nothing is handled inline while the reader holds or handles a
    message.
    """

    def __init__(
        self,
        runtimes: dict[str, HallRuntime],
        *,
        counters: Mapping[str, CounterHub] | None = None,
        authenticate: Authenticate,
        limits: Limits,
        join_timeout_s: float,
        metrics: Metrics,
        model_url_prefixes: tuple[str, ...] = (),
        locate: Callable[[str], str | None] | None = None,
    ) -> None:
        self.runtimes = runtimes
        #: a hall this node does not serve -> its owner's WebSocket base URL (many nodes)
        self.locate = locate
        self.counters = dict(counters or {})
        #: the operator's allow-list for appearance.model_url (HALL_MODEL_URL_ALLOW)
        self.model_url_prefixes = model_url_prefixes
        self.authenticate = authenticate
        self.limits = limits
        self.join_timeout_s = join_timeout_s
        self.metrics = metrics
        #: connections per client address, shared with the board feed (hall_server.app)
        self.addresses = AddressCounter(limits.max_connections_per_address)
        # Counted in plain ints per message and added to Prometheus when it scrapes:
        # two inc() per message were about 3.5 % of the core at 10,000 moves a second.
        self._messages_in = {t: metrics.messages_in.labels(t) for t in (*_KNOWN, "other")}
        self._counted: dict[str, int] = {}
        self._bytes_counted = 0
        metrics.on_scrape(self._add_counts)

    async def serve(self, ws: AsgiSocket, hall_id: str) -> None:
        address = ws.host
        await ws.accept()
        if not self.addresses.acquire(address):
            await self.refuse_too_many(ws)
            return
        self.metrics.connections.labels(hall_id).inc()
        try:
            await self._serve(ws, hall_id)
        finally:
            self.metrics.connections.labels(hall_id).dec()
            self.addresses.release(address)

    async def refuse_too_many(self, ws: Refusable) -> None:
        """Refuse a connection over its address's limit (any WebSocket route)."""
        await self._refuse(
            ws, CloseCode.ABUSIVE, "too_many_connections", "too many connections from your address"
        )

    async def _serve(self, ws: AsgiSocket, hall_id: str) -> None:
        runtime = self.runtimes.get(hall_id)
        base = self.locate(hall_id) if runtime is None and self.locate is not None else None
        if base is not None:
            # Another node owns the hall: say where ("" while it changes hands: retry soon).
            url = f"{base}/ws/v1/halls/{hall_id}" if base else None
            await self._refuse(
                ws, CloseCode.HALL_MOVED, "hall_moved", "another node serves this hall", ws_url=url
            )
            return
        if runtime is None:
            await self._refuse(ws, CloseCode.UNKNOWN_HALL, "unknown_hall", "no hall with this id")
            return
        client = await self._join(ws, runtime)
        if client is None:
            return
        left = False
        direct = client.conn.direct
        if direct is not None:
            direct.set_receiver(functools.partial(self._receive_now, client))
        try:
            left = await self._read(ws, client)
            if left:
                runtime.close(client.conn, CloseCode.NORMAL, "goodbye")
        finally:
            if direct is not None:
                direct.set_receiver(None)
            runtime.release(client.conn, left=left)
            runtime.flush()
            if client.conn.closer is not None:
                await client.conn.closer

    async def _join(self, ws: AsgiSocket, runtime: HallRuntime) -> _Client | None:
        try:
            text = await asyncio.wait_for(self._receive_text(ws), self.join_timeout_s)
        except TimeoutError:
            await self._refuse(
                ws, CloseCode.JOIN_TIMEOUT, "join_timeout", "no join message in time"
            )
            return None
        except HallError:
            await self._refuse(
                ws, CloseCode.BAD_JOIN, "bad_request", "the first message must be a join"
            )
            return None
        if text is None:  # gone before joining
            return None
        try:
            msg = parse_message(text)
            if msg["type"] != "join":
                raise InvalidInput("the first message must be a join", code="bad_request")
            token = msg.get("token")
            if not isinstance(token, str):
                raise AuthError("join needs a token", code="unauthenticated")
            identity, token_hall = self.authenticate(token)
            if token_hall is not None and token_hall != runtime.hall.hall_id:
                raise Forbidden("this token is for another hall")
            if "display_name" in msg:
                name = check_display_name(msg["display_name"])
                identity = dataclasses.replace(identity, display_name=name)
            appearance = Appearance.parse(msg.get("appearance"), self.model_url_prefixes)
            hall, now = runtime.hall, runtime.clock()
            resume = msg.get("resume_token")
            avatar_id = hall.avatar_for_resume(resume) if isinstance(resume, str) else None
            key = None
            if avatar_id is None and isinstance(resume, str):
                # Taken over from another node: restored under the token's digest.
                key = hashlib.sha256(resume.encode()).hexdigest()
                avatar_id = hall.avatar_for_resume(key)
            if avatar_id is not None and hall.subject_of(avatar_id) == identity.subject:
                old = runtime.connections.get(avatar_id)
                if old is not None:
                    runtime.close(old, CloseCode.SUPERSEDED, "resumed on another connection")
                    runtime.release(old, left=False)
                joined = hall.resume(
                    resume,  # type: ignore[arg-type]
                    now=now,
                    key=key,
                    identity=identity if key is not None else None,
                )
            else:
                joined = hall.join(identity, appearance, now=now)
        except HallError as exc:
            code = {
                "unauthenticated": CloseCode.UNAUTHENTICATED,
                "token_expired": CloseCode.UNAUTHENTICATED,
                "forbidden": CloseCode.FORBIDDEN,
                "hall_full": CloseCode.HALL_FULL,
            }.get(exc.code, CloseCode.BAD_JOIN)
            await self._refuse(ws, code, exc.code, str(exc))
            return None
        conn = runtime.attach(joined.avatar_id, ws, ws.direct)
        counters = self.counters.get(runtime.hall.hall_id)
        if counters is not None:
            # Their ticket, call, counter session or counter, whichever connection they use.
            await counters.entered(joined.avatar_id)
        if not joined.resumed:
            runtime.record(
                runtime.journal.started(
                    session_id=joined.session_id,
                    hall_id=runtime.hall.hall_id,
                    role=identity.role.value,
                    subject=identity.subject,
                    resume_token=joined.resume_token,
                )
            )
        limits = self.limits
        device = msg.get("device")
        return _Client(
            runtime,
            conn,
            TokenBucket(limits.messages_per_s, limits.message_burst),
            counters=counters,
            address=ws.host,
            device=device if isinstance(device, str) and 0 < len(device) <= 128 else None,
        )

    async def _read(self, ws: AsgiSocket, client: _Client) -> bool:
        """Pump messages until the socket closes; True if the client left."""
        runtime, conn = client.runtime, client.conn
        while conn.closer is None:
            raw = await ws.receive()
            if raw["type"] != "websocket.receive":
                return False
            text, data = raw.get("text"), raw.get("bytes")
            ref: object = None
            client.busy = True
            try:
                msg = self._admit(client, text, len(text or "") or len(data or b""))
                if msg is None:
                    return False
                ref = msg.get("seq")
                if msg["type"] == "leave":
                    return True
                handler = _HANDLERS.get(msg["type"])
                if handler is None:
                    raise InvalidInput(
                        f"unknown message type {msg['type'][:40]!r}", code="unknown_type"
                    )
                reply = _REPLIES.get(msg["type"])
                if reply is not None and isinstance(ref, int) and not isinstance(ref, bool):
                    runtime.hall.replying(client.conn.avatar_id, reply, ref)
                    try:
                        await handler(client, msg)
                    finally:
                        runtime.hall.replying(client.conn.avatar_id, reply, None)
                else:
                    await handler(client, msg)
            except HallError as exc:
                if ref is None and text is not None and exc.code in _REFUSED_UNREAD:
                    ref = _seq_of(text)  # refused before it was read: still answer its seq
                self._fail(client, exc, ref)
            except Exception:
                log.exception("message handler failed")
                self._fail(client, HallError("internal error; the message was ignored"), ref)
            finally:
                client.busy = False
            runtime.flush()
        return False

    def _parse_within_limits(self, text: str, size: int) -> dict[str, Any]:
        limit = self.limits.max_message_bytes
        if size <= limit:
            return parse_message(text)
        if size <= MAX_SIGNALLING_BYTES:
            try:
                msg = parse_message(text)
            except HallError:
                raise self._too_large(size, limit) from None
            if msg["type"] in _SIGNALLING:
                return msg
        raise self._too_large(size, limit)

    @staticmethod
    def _too_large(size: int, limit: int) -> InvalidInput:
        return InvalidInput(f"message is {size} bytes; the limit is {limit}", code="too_large")

    def _receive_now(self, client: _Client, data: str | bytes) -> bool:
        """A message as it arrives (direct side): handle it here if its handler
        never waits and the reader task has nothing in hand; else return False
        and the reader task gets it, in order."""
        conn = client.conn
        if conn.closer is not None:
            return True  # closing: what the client still sends is dropped, as by the reader
        if client.busy or not isinstance(data, str):
            return False
        if len(data) > self.limits.max_message_bytes:
            return False
        try:
            msg = parse_message(data)
        except HallError:
            return False  # the reader reports it, after the bucket as for any message
        inline = _INLINE.get(msg["type"])
        if inline is None:
            return False
        ref = msg.get("seq")
        try:
            if self._admit(client, data, len(data), msg) is None:
                return True
            inline(client, msg)
        except HallError as exc:
            self._fail(client, exc, ref)
        except Exception:
            log.exception("message handler failed")
            self._fail(client, HallError("internal error; the message was ignored"), ref)
        client.runtime.flush()
        return True

    def _admit(
        self,
        client: _Client,
        text: str | None,
        size: int,
        parsed: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Count, rate-limit, check and parse one message; None when the client
        was closed for flooding. Raises HallError for a message to refuse."""
        self._bytes_counted += size
        runtime = client.runtime
        if not client.bucket.allow(runtime.clock()):
            if client.bucket.strikes >= self.limits.abuse_strikes:
                self._fail(client, LimitExceeded("flooding: closed", code="rate_limited"), None)
                runtime.close(client.conn, CloseCode.ABUSIVE, "too many messages")
                return None
            raise LimitExceeded(
                f"more than {self.limits.messages_per_s:g} messages per second",
                code="rate_limited",
            )
        if text is None:
            raise InvalidInput("send JSON text frames, not binary", code="bad_type")
        # Call signalling carries SDP (4-7 KB from a browser), so it has a larger
        # limit of its own; every other message keeps the small one.
        msg = parsed if parsed is not None else self._parse_within_limits(text, size)
        kind = msg["type"] if msg["type"] in _KNOWN else "other"
        self._counted[kind] = self._counted.get(kind, 0) + 1
        return msg

    def _add_counts(self) -> None:
        counted, self._counted = self._counted, {}
        for kind, n in counted.items():
            self._messages_in[kind].inc(n)
        if self._bytes_counted:
            self.metrics.bytes_in.inc(self._bytes_counted)
            self._bytes_counted = 0

    def _fail(self, client: _Client, exc: HallError, ref: object) -> None:
        self.metrics.errors.labels(exc.code).inc()
        body: dict[str, Any] = {
            "type": "error",
            "code": exc.code,
            "message": str(exc),
            "text": text_for(exc.code),  # what a person reads, in Bahasa Indonesia and English
        }
        if isinstance(ref, int) and not isinstance(ref, bool):
            body["ref"] = ref
        client.conn.send_control([json.dumps(body, ensure_ascii=False)])

    async def _receive_text(self, ws: AsgiSocket) -> str | None:
        """The first message's text; None if the client went away."""
        raw = await ws.receive()
        if raw["type"] != "websocket.receive":
            return None
        text = raw.get("text")
        if text is None or len(text) > self.limits.max_message_bytes:
            raise InvalidInput("the join must be a JSON text frame within the size limit")
        return str(text)

    async def _refuse(
        self, ws: Refusable, close: CloseCode, code: str, message: str, **extra: object
    ) -> None:
        self.metrics.errors.labels(code).inc()
        self.metrics.closes.labels(str(int(close))).inc()
        try:
            error: dict[str, object] = {
                "type": "error",
                "code": code,
                "message": message,
                "text": text_for(code),
            }
            error.update(extra)
            await ws.send_text(json.dumps(error, ensure_ascii=False))
            await ws.close(int(close), message[:120])
        except Exception:  # the client may already be gone
            log.debug("refused client already gone", exc_info=True)


def _move(client: _Client, msg: dict[str, Any]) -> None:
    client.runtime.hall.propose_move(
        client.conn.avatar_id,
        msg.get("x"),
        msg.get("y"),
        msg.get("yaw", 0.0),
        msg.get("anim", "walk"),
        _seq(msg),
    )


async def _on_move(client: _Client, msg: dict[str, Any]) -> None:
    _move(client, msg)


async def _on_chat(client: _Client, msg: dict[str, Any]) -> None:
    channel = msg.get("channel", PROXIMITY)
    if not isinstance(channel, str):
        raise InvalidInput("channel must be a string", code="bad_type")
    runtime = client.runtime
    # Every `ts` a client receives is Unix time (docs/architecture.md, "Clocks").
    event = runtime.hall.chat(client.conn.avatar_id, channel, msg.get("text"), now=time.time())
    await runtime.bus.publish(runtime.chat_topic, event.to_json())


async def _on_emote(client: _Client, msg: dict[str, Any]) -> None:
    client.runtime.hall.emote(client.conn.avatar_id, msg.get("emote"))


async def _on_ping(client: _Client, msg: dict[str, Any]) -> None:
    reply: dict[str, Any] = {"type": "pong", "server_time": round(time.time(), 4)}
    if "t" in msg:
        reply["t"] = msg["t"] if isinstance(msg["t"], int | float | str) else None
    seq = msg.get("seq")
    if isinstance(seq, int) and not isinstance(seq, bool):
        reply["ref"] = seq
    client.conn.send_control([json.dumps(reply)])


async def _on_channel_open(client: _Client, msg: dict[str, Any]) -> None:
    members = msg.get("with")
    if not isinstance(members, list) or not members or len(members) > 8:
        raise InvalidInput("with must be a list of 1..8 avatar ids", code="bad_type")
    if not all(isinstance(m, int) and not isinstance(m, bool) for m in members):
        raise InvalidInput("with must hold avatar ids (integers)", code="bad_type")
    client.runtime.hall.open_channel(client.conn.avatar_id, members)


async def _on_channel_close(client: _Client, msg: dict[str, Any]) -> None:
    channel = msg.get("channel")
    if not isinstance(channel, str):
        raise InvalidInput("channel must be a string", code="bad_type")
    client.runtime.hall.close_channel(client.conn.avatar_id, channel)


async def _on_join(client: _Client, msg: dict[str, Any]) -> None:
    raise Conflict("already joined: send join only once per connection", code="already_joined")


def _hub(client: _Client) -> CounterHub:
    hub = client.counters
    if hub is None:
        raise NotFound("this hall has no counters", code="no_counters")
    return hub


async def _on_counter_command(client: _Client, msg: dict[str, Any]) -> None:
    hub = _hub(client)
    await hub.command(client.conn.avatar_id, msg)
    if msg["type"] == "ticket_take" and hub.on_ticket_taken is not None:
        # From where the number was taken: the broker signals (hall_server/signals_api.py).
        await hub.on_ticket_taken(client.conn.avatar_id, msg, client.address, client.device)


def _calls(client: _Client) -> CallManager:
    calls = _hub(client).calls
    if calls is None:
        raise NotFound("calls are switched off on this server", code="calls_disabled")
    return calls


async def _on_call_accept(client: _Client, msg: dict[str, Any]) -> None:
    await _calls(client).accept(client.runtime.hall.hall_id, client.conn.avatar_id, msg)


async def _on_call_offer(client: _Client, msg: dict[str, Any]) -> None:
    await _calls(client).offer(client.runtime.hall.hall_id, client.conn.avatar_id, msg)


async def _on_call_ice(client: _Client, msg: dict[str, Any]) -> None:
    await _calls(client).candidate(client.runtime.hall.hall_id, client.conn.avatar_id, msg)


async def _on_call_hangup(client: _Client, msg: dict[str, Any]) -> None:
    await _calls(client).hangup(client.runtime.hall.hall_id, client.conn.avatar_id, msg)


_HANDLERS = {
    # One table of counter commands serves this gateway and the floor (counters/commands.py).
    **dict.fromkeys(COMMANDS, _on_counter_command),
    "join": _on_join,
    "move": _on_move,
    "chat": _on_chat,
    "emote": _on_emote,
    "ping": _on_ping,
    "channel_open": _on_channel_open,
    "channel_close": _on_channel_close,
    "call_accept": _on_call_accept,
    "call_offer": _on_call_offer,
    "call_ice": _on_call_ice,
    "call_hangup": _on_call_hangup,
}

#: Requests answered through the hall (not by the counters, which add ``ref`` themselves):
#: the answer's type, which then carries the request's ``seq`` as ``ref``.
_REPLIES = {
    "channel_open": "channel_opened",
    "call_accept": "call_accepted",
    "call_offer": "call_answer",
}

#: Message types that may exceed ``max_message_bytes``, up to MAX_SIGNALLING_BYTES.
_SIGNALLING = frozenset({"call_offer", "call_ice"})
#: An SDP offer plus its JSON envelope.
MAX_SIGNALLING_BYTES = MAX_SDP_BYTES + 1024


#: Handlers that never wait, run as the message arrives (see :class:`Gateway`); each
#: also has its ``_HANDLERS`` entry, used when the message comes through the reader.
_INLINE: dict[str, Callable[[_Client, dict[str, Any]], None]] = {"move": _move}

_KNOWN = frozenset(_HANDLERS) | {"leave"}


def new_token() -> str:
    return secrets.token_urlsafe(24)
