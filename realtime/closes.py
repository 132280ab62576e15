"""WebSocket close codes of protocol v1 (documented in docs/protocol.md)."""

from __future__ import annotations

import enum


class CloseCode(enum.IntEnum):
    NORMAL = 1000  # the client sent "leave"
    GOING_AWAY = 1001  # the server is shutting down
    BAD_JOIN = 4000  # the first message was not a valid join
    UNAUTHENTICATED = 4001  # token missing, invalid or expired
    FORBIDDEN = 4003  # the token's role may not enter this hall
    UNKNOWN_HALL = 4004  # no hall with this id
    STALLED = 4008  # the client stopped reading; its mailbox did not drain in time
    HALL_FULL = 4009  # the hall has reached its avatar limit
    JOIN_TIMEOUT = 4010  # no join message within the join timeout
    SUPERSEDED = 4012  # the same session resumed on another connection
    HALL_MOVED = 4013  # another node serves this hall: ask where (error hall_moved, ws_url)
    ABUSIVE = 4029  # too many connections from one address, or a flood of messages
    INTERNAL = 1011  # the server failed unexpectedly
