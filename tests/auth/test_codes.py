from __future__ import annotations

import logging
import re

import pytest

from hall_server.auth.codes import CodeMessage, LogCodeSender, code_digest, new_code


def test_new_code_is_six_digits() -> None:
    codes = {new_code() for _ in range(200)}
    assert all(re.fullmatch(r"[0-9]{6}", code) for code in codes)
    assert len(codes) > 190


def test_code_digest_is_bound_to_one_citizen() -> None:
    assert code_digest(b"k", "aa", "123456") != code_digest(b"k", "bb", "123456")
    assert "123456" not in code_digest(b"k", "aa", "123456")


async def test_log_sender_logs_code_with_masked_nik_at_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    message = CodeMessage(
        nik_masked="7471********0001",
        nik_digest="ab" * 32,
        code="123456",
        expires_in_s=300,
        message_id="m1",
    )
    with caplog.at_level(logging.WARNING):
        await LogCodeSender().send(message)
    assert caplog.records[-1].levelno == logging.WARNING
    assert caplog.records[-1].getMessage() == "sign-in code for 7471********0001: 123456"
