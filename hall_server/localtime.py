"""The halls' local time zone, from the settings (``HALL_TIMEZONE``)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hall_server.errors import InvalidInput
from hall_server.settings import Settings


def hall_zone(settings: Settings) -> ZoneInfo:
    """The zone named by ``HALL_TIMEZONE``; a name the system does not know is refused."""
    try:
        return ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "HALL_TIMEZONE must be an IANA time zone name, e.g. Asia/Makassar"
        ) from None


def utc_offset_s(zone: ZoneInfo) -> int:
    """The zone's offset from UTC now, in seconds (Indonesia keeps no daylight saving
    time, so this is the offset of every day)."""
    offset = datetime.now(UTC).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0
