"""Display names: the one rule is :mod:`avatars.names` (also used by the hall's join)."""

from __future__ import annotations

from avatars.names import MAX_NAME_CHARS, check_display_name

__all__ = ["MAX_NAME_CHARS", "check_display_name"]
