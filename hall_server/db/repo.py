"""The queries the app needs, as async functions over an ``AsyncSession``.

The caller owns the unit of work: open ``async with sessionmaker.begin() as
db:`` and pass ``db``; nothing here commits. Functions that report an outcome
the caller must persist before raising (a wrong code still counts an attempt)
return it instead of raising, because raising inside ``begin()`` rolls back.

Times are timezone-aware UTC datetimes passed in by the caller.
"""

from __future__ import annotations

import enum
import hmac
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hall_server.db.models import STAFF_ROLES, Account, Hall, HallSession, SignInCode
from hall_server.errors import Conflict, NotFound

# -- accounts ---------------------------------------------------------------


async def get_citizen(db: AsyncSession, nik_digest: str) -> Account | None:
    """The citizen account with this NIK digest, if any."""
    result = await db.execute(
        select(Account).where(Account.nik_digest == nik_digest, Account.role == "citizen")
    )
    return result.scalar_one_or_none()


async def get_or_create_citizen(
    db: AsyncSession, nik_digest: str, *, display_name: str, now: datetime
) -> Account:
    """The citizen with this NIK digest, created on first sign-in.

    An existing account keeps its display name. Safe against two first
    sign-ins racing: the loser of the unique constraint reads the winner's row.
    """
    account = await get_citizen(db, nik_digest)
    if account is not None:
        return account
    account = Account(
        role="citizen", nik_digest=nik_digest, display_name=display_name, created_at=now
    )
    try:
        async with db.begin_nested():
            db.add(account)
    except IntegrityError:
        existing = await get_citizen(db, nik_digest)
        if existing is None:
            raise
        return existing
    return account


async def get_staff(db: AsyncSession, username: str) -> Account | None:
    """The staff account (officer, supervisor, admin) with this username, if any."""
    result = await db.execute(
        select(Account).where(Account.username == username, Account.role.in_(STAFF_ROLES))
    )
    return result.scalar_one_or_none()


async def count_staff(db: AsyncSession) -> int:
    """How many staff accounts exist (disabled ones included)."""
    result = await db.execute(
        select(func.count()).select_from(Account).where(Account.role.in_(STAFF_ROLES))
    )
    return int(result.scalar_one())


async def create_staff(
    db: AsyncSession,
    *,
    username: str,
    password_hash: str,
    role: str,
    display_name: str,
    now: datetime,
) -> Account:
    """Add a staff account; ``password_hash`` comes from ``auth.passwords``.

    Raises :class:`Conflict` if the username is taken.
    """
    if role not in STAFF_ROLES:
        raise ValueError(f"not a staff role: {role!r}")
    account = Account(
        role=role,
        username=username,
        password_hash=password_hash,
        display_name=display_name,
        created_at=now,
    )
    try:
        async with db.begin_nested():
            db.add(account)
    except IntegrityError:
        raise Conflict(f"username {username!r} is already taken") from None
    return account


# -- halls and sessions -----------------------------------------------------


async def upsert_hall(
    db: AsyncSession, *, hall_id: str, name: str, scene_id: str, now: datetime
) -> Hall:
    """Create the hall or update its name and scene; ``created_at`` is kept."""
    hall = await db.get(Hall, hall_id)
    if hall is None:
        hall = Hall(id=hall_id, name=name, scene_id=scene_id, created_at=now)
        db.add(hall)
    else:
        hall.name = name
        hall.scene_id = scene_id
    await db.flush()
    return hall


async def record_session_start(
    db: AsyncSession,
    *,
    session_id: str,
    hall_id: str,
    role: str,
    resume_token_digest: str,
    now: datetime,
    account_id: int | None = None,
) -> HallSession:
    """Record that someone joined a hall (``account_id`` None for guests)."""
    session = HallSession(
        id=session_id,
        account_id=account_id,
        hall_id=hall_id,
        role=role,
        resume_token_digest=resume_token_digest,
        started_at=now,
    )
    db.add(session)
    await db.flush()
    return session


async def record_session_end(
    db: AsyncSession, session_id: str, *, reason: str, now: datetime
) -> None:
    """Close a session. Ending an ended session keeps the first end.

    Raises :class:`NotFound` if there is no such session.
    """
    session = await db.get(HallSession, session_id)
    if session is None:
        raise NotFound("no such session")
    if session.ended_at is None:
        session.ended_at = now
        session.end_reason = reason
        await db.flush()


# -- sign-in codes ----------------------------------------------------------


class CodeCheck(enum.Enum):
    """Outcome of :func:`consume_sign_in_code`."""

    #: The code matched and is now used.
    OK = "ok"
    #: The code did not match; the attempt was counted.
    WRONG = "wrong"
    #: No unused code for this NIK (never requested, used, or superseded).
    MISSING = "missing"
    #: The latest code has expired.
    EXPIRED = "expired"
    #: The latest code has had its maximum number of attempts.
    EXHAUSTED = "exhausted"


async def count_recent_codes(db: AsyncSession, nik_digest: str, *, since: datetime) -> int:
    """How many codes were issued for this NIK digest at or after ``since``."""
    result = await db.execute(
        select(func.count())
        .select_from(SignInCode)
        .where(SignInCode.nik_digest == nik_digest, SignInCode.created_at >= since)
    )
    return int(result.scalar_one())


async def store_sign_in_code(
    db: AsyncSession, *, nik_digest: str, code_digest: str, expires_at: datetime, now: datetime
) -> SignInCode:
    """Store a new code digest; earlier unused codes for the NIK stop working."""
    await db.execute(
        update(SignInCode)
        .where(SignInCode.nik_digest == nik_digest, SignInCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = SignInCode(
        nik_digest=nik_digest,
        code_digest=code_digest,
        created_at=now,
        expires_at=expires_at,
        attempts=0,
    )
    db.add(code)
    await db.flush()
    return code


async def consume_sign_in_code(
    db: AsyncSession, *, nik_digest: str, code_digest: str, now: datetime, max_attempts: int = 5
) -> CodeCheck:
    """Check a code against the latest unused one for this NIK digest.

    Each check counts an attempt, atomically, so parallel guesses cannot
    exceed ``max_attempts``. A matching code is marked used and never
    matches again. The caller must commit even when the result is not OK.
    """
    result = await db.execute(
        select(SignInCode)
        .where(SignInCode.nik_digest == nik_digest, SignInCode.used_at.is_(None))
        .order_by(SignInCode.id.desc())
        .limit(1)
    )
    row = result.scalar_one_or_none()
    if row is None:
        return CodeCheck.MISSING
    if row.expires_at <= now:
        return CodeCheck.EXPIRED
    counted = await db.execute(
        update(SignInCode)
        .where(
            SignInCode.id == row.id,
            SignInCode.attempts < max_attempts,
            SignInCode.used_at.is_(None),
        )
        .values(attempts=SignInCode.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(counted) != 1:
        return CodeCheck.EXHAUSTED
    if not hmac.compare_digest(row.code_digest, code_digest):
        return CodeCheck.WRONG
    used = await db.execute(
        update(SignInCode)
        .where(SignInCode.id == row.id, SignInCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return CodeCheck.OK if _rowcount(used) == 1 else CodeCheck.MISSING


def _rowcount(result: Result[Any]) -> int:
    # DML statements return a CursorResult, which knows how many rows matched.
    return cast(CursorResult[Any], result).rowcount
