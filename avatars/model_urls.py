"""Which avatar model URLs a client may ask every viewer to load (pure).

A viewer's 3D client fetches the ``model_url`` of every avatar it sees, so a
URL to any host would make every viewer's client call that host (leaking its
address) and ``javascript:`` or ``../`` URLs are worse. Only two kinds pass:

- the hall's own assets: ``assets/...`` or ``/assets/...`` (served by the hall
  server at ``/assets/``), a normalised path: segments of letters, digits,
  ``.``, ``_`` and ``-``, no empty, ``.`` or ``..`` segment, no percent
  escapes, query or fragment;
- a URL under a prefix of the operator's allow-list (``HALL_MODEL_URL_ALLOW``,
  comma-separated ``http(s)://host/path/`` prefixes), followed by such a path.

Either must name a ``.glb``, ``.gltf`` or ``.vrm`` file, in at most 300
characters. Anything else is ``bad_value``.
"""

from __future__ import annotations

import re

from hall_server.errors import InvalidInput

MAX_MODEL_URL_CHARS = 300
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
_EXTENSIONS = (".glb", ".gltf", ".vrm")
#: An allow-list prefix: a scheme and host, a path ending in "/".
_PREFIX = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~-]+)*/$")


def is_allowed_prefix(prefix: str) -> bool:
    """A well-formed allow-list entry (checked when settings are read)."""
    return bool(_PREFIX.match(prefix)) and "/../" not in prefix and "/./" not in prefix


def check_model_url(raw: object, allowed_prefixes: tuple[str, ...] = ()) -> str:
    """``raw`` if it is an allowed model URL, else InvalidInput (bad_type, bad_value)."""
    if not isinstance(raw, str):
        raise InvalidInput("appearance.model_url must be a string", code="bad_type")
    if not 1 <= len(raw) <= MAX_MODEL_URL_CHARS:
        raise InvalidInput(
            f"appearance.model_url must be 1..{MAX_MODEL_URL_CHARS} characters", code="bad_value"
        )
    if not raw.endswith(_EXTENSIONS):
        raise InvalidInput(
            "appearance.model_url must name a .glb, .gltf or .vrm file", code="bad_value"
        )
    if raw.startswith(("assets/", "/assets/")):
        path = raw.removeprefix("/").removeprefix("assets/")
    else:
        prefix = next((p for p in allowed_prefixes if raw.startswith(p)), None)
        if prefix is None:
            raise InvalidInput(
                "appearance.model_url must be one of the hall's assets (/assets/...)"
                + (" or under an allowed address" if allowed_prefixes else ""),
                code="bad_value",
            )
        path = raw[len(prefix) :]
    if not all(_SEGMENT.match(segment) for segment in path.split("/")):
        raise InvalidInput(
            "appearance.model_url must be a plain path (no '..', '//', escapes or queries)",
            code="bad_value",
        )
    return raw
