"""NIK (Nomor Induk Kependudukan) checks: pure, and never revealing the number.

A NIK is ``PP KK CC DDMMYY SSSS``: region of issue, birth date (women add 40
to the day), and a serial that is never 0000. Validation is delegated to
``stdnum.id.nik``, which also knows the region codes; this module adds the
checks stdnum leaves out (day 41..71 only, serial 0000) and turns each failure
into an :class:`~hall_server.errors.InvalidNik` whose message names the
reason but never the digits.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from stdnum import exceptions as stdnum_errors
from stdnum.id import nik as stdnum_nik

from hall_server.errors import InvalidNik

NIK_LENGTH = 16
#: Characters people type between digit groups; removed before checking.
_SEPARATORS = str.maketrans("", "", " .-\t")


def check_nik(value: str) -> str:
    """Return the NIK as 16 digits, or raise :class:`InvalidNik` with the reason."""
    nik = value.translate(_SEPARATORS)
    if not nik:
        raise InvalidNik("NIK is empty")
    if not (nik.isascii() and nik.isdigit()):
        raise InvalidNik("NIK must contain only digits")
    if len(nik) != NIK_LENGTH:
        raise InvalidNik(f"NIK must have {NIK_LENGTH} digits, not {len(nik)}")
    day = int(nik[6:8])
    # stdnum takes the day modulo 40, which would accept 81..99 as well.
    if not (1 <= day <= 31 or 41 <= day <= 71):
        raise InvalidNik("NIK has an impossible birth day (1-31, or 41-71 for women)")
    try:
        stdnum_nik.get_birth_date(nik)
    except stdnum_errors.ValidationError:
        raise InvalidNik("NIK has an impossible birth date") from None
    try:
        stdnum_nik.validate(nik)
    except stdnum_errors.ValidationError:
        # Birth date, digits and length passed above, so stdnum objects to the region.
        raise InvalidNik("NIK has an unknown province or regency code") from None
    if nik[12:] == "0000":
        raise InvalidNik("NIK serial number (the last 4 digits) cannot be all zeros")
    return nik


def mask_nik(nik: str) -> str:
    """Show only the region (4 digits) and the serial: ``7471********0001``."""
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:] if len(nik) > 8 else "*" * len(nik)


def birth_date(nik: str, *, today: date | None = None) -> date:
    """Birth date encoded in a checked NIK.

    The NIK holds a two-digit year. With ``today`` the latest century that
    puts the birth date on or before ``today`` is used (``05`` is 2005, not
    1905); without it, stdnum's choice (1900s first) stands.
    """
    nik = check_nik(nik)
    if today is None:
        return stdnum_nik.get_birth_date(nik)
    day, month, year = int(nik[6:8]) % 40, int(nik[8:10]), int(nik[10:12])
    for century in (2000, 1900):
        try:
            born = date(century + year, month, day)
        except ValueError:
            continue
        if born <= today:
            return born
    raise InvalidNik("NIK has a birth date in the future")


def is_female(nik: str) -> bool:
    """Whether a checked NIK is a woman's (birth day encoded as day + 40)."""
    return int(nik[6:8]) > 40


def nik_digest(secret: bytes, nik: str) -> str:
    """Hex HMAC-SHA256 of a checked NIK: how accounts and codes find a citizen."""
    return hmac.new(secret, nik.encode("ascii"), hashlib.sha256).hexdigest()
