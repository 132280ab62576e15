"""Display names: what shows above an avatar and in an officer's queue."""

from __future__ import annotations

import re
import unicodedata

from hall_server.errors import InvalidInput

MAX_NAME_CHARS = 50
#: Eight or more digits in a row look like a NIK or phone number: personal data
#: that would then travel in tokens and snapshots to everyone nearby.
_LONG_NUMBER = re.compile(r"\d{8,}")


def check_display_name(value: str) -> str:
    """Return ``value`` trimmed, with runs of whitespace collapsed, or raise InvalidInput."""
    name = " ".join(value.split())
    if not name:
        raise InvalidInput("display name is empty", code="bad_value")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(
            f"display name is longer than {MAX_NAME_CHARS} characters", code="bad_value"
        )
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise InvalidInput("display name contains control characters", code="bad_value")
    if _LONG_NUMBER.search(name.replace(" ", "").replace(".", "").replace("-", "")):
        raise InvalidInput(
            "display name must not contain an identity or phone number", code="bad_value"
        )
    return name
