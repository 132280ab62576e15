"""One rule for display names (REST sign-in, staff, WebSocket join) and the chat text rule."""

from __future__ import annotations

import pytest

from avatars.names import MAX_NAME_CHARS, check_display_name, clean_chat_text
from hall_server.errors import InvalidInput

NIK = "7471014101900001"


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Siti", "Siti"),
        ("  Siti   Aminah ", "Siti Aminah"),
        ("Siti\u00a0Aminah", "Siti Aminah"),  # a no-break space is a space
        ("Cafe\u0301", "Caf\u00e9"),  # NFC
        ("x" * MAX_NAME_CHARS, "x" * MAX_NAME_CHARS),
        ("Andi (sim)", "Andi (sim)"),
        ("Loket 12", "Loket 12"),
        (
            "\u0633\u0627\u0631\u0627",
            "\u0633\u0627\u0631\u0627",
        ),  # right-to-left script itself is fine
    ],
)
def test_a_good_name_is_trimmed_and_kept(raw, name):
    assert check_display_name(raw) == name


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "x" * (MAX_NAME_CHARS + 1),
        "Siti\nAminah",
        "Siti\tAminah",
        "Siti\u2028Aminah",
        f"Budi {NIK}",
        "Budi 7471-0141-0190-0001",
        "Budi 0812.3456.7890",
        "Budi\u202eidub",  # right-to-left override
        "Budi\u2067x\u2069",  # isolate
        "Bu\u200bdi",  # zero-width space
        "Bu\u200ddi",  # zero-width joiner: invisible in a name
        "Bu\u200edi",  # left-to-right mark
        "\ufeffBudi",
        "Budi\x00",
    ],
)
def test_a_bad_name_is_refused_as_bad_value(raw):
    with pytest.raises(InvalidInput) as refused:
        check_display_name(raw)
    assert refused.value.code == "bad_value"


def test_a_name_that_is_not_a_string_is_bad_type():
    with pytest.raises(InvalidInput) as refused:
        check_display_name(42)
    assert refused.value.code == "bad_type"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Permisi, loket KTP di mana?", "Permisi, loket KTP di mana?"),
        ("  halo  ", "halo"),
        ("baris satu\nbaris dua", "baris satu\nbaris dua"),
        ("baris\r\ndua", "baris\ndua"),
        ("harga \u202e001 ,9\u202c rupiah", "harga 001 ,9 rupiah"),
        ("a\u2066b\u2069c\u200fd\u061ce", "abcde"),
        ("bell\x07 tab\t esc\x1b[31m", "bell tab esc[31m"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        (
            "keluarga \U0001f468\u200d\U0001f469\u200d\U0001f467",
            "keluarga \U0001f468\u200d\U0001f469\u200d\U0001f467",
        ),
        ("\u202e", ""),
    ],
)
def test_chat_text_loses_control_and_bidi_characters(raw, clean):
    assert clean_chat_text(raw) == clean
