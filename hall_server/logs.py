"""Logging set-up: plain text for people, one JSON object per line for machines.

Log records never carry personal data: code that logs a NIK masks it first
(avatars.nik.mask_nik), and the access log records route templates,
not URLs or client addresses, and :class:`ClientAddressFilter` takes them
out of uvicorn's own lines.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD:
                out[key] = (
                    value if isinstance(value, int | float | str | bool | None) else str(value)
                )
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


#: "127.0.0.1:5123", "[::1]:5123", "::1:5123", optionally followed by uvicorn's " - "
_ADDRESS = re.compile(r"^\[?[0-9A-Fa-f.:]*[.:][0-9A-Fa-f.:]*\]?:\d{1,5}( - )?$")


class ClientAddressFilter(logging.Filter):
    """Takes client addresses (and query strings) out of uvicorn's own lines.

    uvicorn names the client in every WebSocket line, e.g. ``'%s - "WebSocket
    %s" [accepted]'`` with ``127.0.0.1:5123`` and the path with its query, and
    in its TRACE lines. The address becomes ``client`` and the query is cut;
    the rest of the line stays (a refusal, a 403, is worth seeing).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args:
            record.args = tuple(_redact(arg) for arg in args)
        return True


def _redact(arg: object) -> object:
    if not isinstance(arg, str):
        return arg
    if _ADDRESS.match(arg):
        return "client - " if arg.endswith(" - ") else "client"
    if arg.startswith("/") and "?" in arg:
        return arg.split("?", 1)[0]
    return arg


def install_client_address_filter() -> None:
    """Add :class:`ClientAddressFilter` to uvicorn's loggers, once (idempotent):
    called where uvicorn is configured, so tests' servers get it too."""
    for name in ("uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, ClientAddressFilter) for f in logger.filters):
            logger.addFilter(ClientAddressFilter())


def configure(level: str = "INFO", *, json_lines: bool = False) -> None:
    """Configure the root logger once, at the edge (the CLI)."""
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    install_client_address_filter()
