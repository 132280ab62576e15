from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avatars.nik import birth_date, check_nik, is_female, mask_nik, nik_digest
from hall_server.errors import InvalidNik

from .conftest import NIK, OTHER_NIK


def test_valid_nik_is_returned_as_16_digits_without_separators() -> None:
    assert check_nik(" 7471.0141.0190.0001 ") == NIK
    assert check_nik("7471 0141 0190 0001") == NIK
    assert check_nik(OTHER_NIK) == OTHER_NIK


def test_womans_nik_encodes_birth_day_plus_40() -> None:
    assert birth_date(NIK) == date(1990, 1, 1)
    assert is_female(NIK)
    assert not is_female(OTHER_NIK)
    assert birth_date(OTHER_NIK) == date(1985, 8, 17)


def test_birth_date_picks_the_latest_century_not_after_today() -> None:
    born_2005 = "7471011203050001"
    assert birth_date(born_2005, today=date(2025, 6, 1)) == date(2005, 3, 12)
    assert birth_date(OTHER_NIK, today=date(2025, 6, 1)) == date(1985, 8, 17)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("747101410190000", "16 digits, not 15"),
        ("74710141019000011", "16 digits, not 17"),
        ("74710141019O0001", "only digits"),
        ("７４７１０１４１０１９００００１", "only digits"),
        ("7471013201900001", "impossible birth day"),
        ("7471018101900001", "impossible birth day"),
        ("7471010001900001", "impossible birth day"),
        ("7471013002900001", "impossible birth date"),
        ("7471010113900001", "impossible birth date"),
        ("9971014101900001", "unknown province or regency"),
        ("7471014101900000", "cannot be all zeros"),
    ],
)
def test_bad_nik_is_rejected_with_a_reason_that_does_not_echo_it(value: str, reason: str) -> None:
    with pytest.raises(InvalidNik) as caught:
        check_nik(value)
    message = str(caught.value)
    assert reason in message
    assert caught.value.code == "invalid_nik"
    assert not re.search(r"\d{4,}", message)
    assert caught.value.__cause__ is None


@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_any_16_digits_are_accepted_or_rejected_without_leaking(value: str) -> None:
    try:
        assert check_nik(value) == value
    except InvalidNik as exc:
        assert value[:6] not in str(exc)
        assert value[-6:] not in str(exc)


def test_mask_shows_region_and_serial_only() -> None:
    assert mask_nik(NIK) == "7471********0001"


def test_nik_digest_is_keyed_hex_and_never_the_nik() -> None:
    digest = nik_digest(b"a" * 32, NIK)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == nik_digest(b"a" * 32, NIK)
    assert digest != nik_digest(b"b" * 32, NIK)
    assert NIK not in digest
