from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counters.statuses import (
    CIVIL_REGISTRY,
    PERMITS,
    RANK,
    TEXTS,
    Status,
    UnknownStatus,
    can_move,
    from_backoffice,
    parse,
    text,
)

KINDS = {"civil_registry": sorted(CIVIL_REGISTRY), "permits": sorted(PERMITS)}
reports = st.one_of(
    *(st.tuples(st.just(kind), st.sampled_from(codes)) for kind, codes in KINDS.items())
)


def test_civil_registry_statuses_map_to_hall_statuses() -> None:
    assert from_backoffice("civil_registry", "received") == Status.ACKNOWLEDGED
    assert from_backoffice("civil_registry", "verifying") == Status.IN_PROGRESS
    assert from_backoffice("civil_registry", "approved") == Status.APPROVED
    assert from_backoffice("civil_registry", "printed") == Status.COMPLETED
    assert from_backoffice("civil_registry", "REJECTED") == Status.REJECTED


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("09", Status.IN_PROGRESS),
        ("9", Status.IN_PROGRESS),
        ("20", Status.IN_PROGRESS),
        ("32", Status.AWAITING_PAYMENT),
        ("10", Status.NEEDS_MORE),
        ("41", Status.NEEDS_MORE),
        ("43", Status.IN_PROGRESS),
        ("42", Status.IN_PROGRESS),
        ("45", Status.IN_PROGRESS),
        ("50", Status.COMPLETED),
        ("57", Status.COMPLETED),
        ("90", Status.REJECTED),
        ("93", Status.REJECTED),
    ],
)
def test_oss_status_codes_map_to_hall_statuses(code: str, status: Status) -> None:
    assert from_backoffice("permits", code) == status


def test_unknown_back_office_statuses_are_refused() -> None:
    with pytest.raises(UnknownStatus):
        from_backoffice("permits", "77")
    with pytest.raises(UnknownStatus):
        from_backoffice("civil_registry", "lost")
    with pytest.raises(UnknownStatus):
        from_backoffice("tax_office", "received")


@given(st.sampled_from(list(Status)), st.lists(reports, max_size=20))
def test_back_office_reports_never_move_an_application_backwards(
    start: Status, sequence: list[tuple[str, str]]
) -> None:
    current = start
    for kind, code in sequence:
        new = from_backoffice(kind, code)
        if can_move(current, new):
            if current != Status.DEAD_LETTER:
                assert RANK[new] >= RANK[current]
            current = new


@given(st.sampled_from([Status.COMPLETED, Status.REJECTED]), st.sampled_from(list(Status)))
def test_nothing_leaves_a_final_status(final: Status, new: Status) -> None:
    assert not can_move(final, new)
    assert not can_move(final, new, by_officer=True)


def test_a_duplicate_update_is_not_a_move() -> None:
    assert not can_move(Status.IN_PROGRESS, Status.IN_PROGRESS)


def test_a_late_acknowledgement_after_approval_is_ignored() -> None:
    assert not can_move(Status.APPROVED, Status.ACKNOWLEDGED)
    assert not can_move(Status.APPROVED, Status.IN_PROGRESS)


def test_the_sla_clock_may_stop_and_resume() -> None:
    assert can_move(Status.IN_PROGRESS, Status.NEEDS_MORE)
    assert can_move(Status.NEEDS_MORE, Status.IN_PROGRESS)


def test_only_an_officer_returns_a_dead_letter_to_the_queue() -> None:
    assert can_move(Status.SENT, Status.DEAD_LETTER)
    assert not can_move(Status.DEAD_LETTER, Status.QUEUED)
    assert can_move(Status.DEAD_LETTER, Status.QUEUED, by_officer=True)
    assert not can_move(Status.ACKNOWLEDGED, Status.DEAD_LETTER)


def test_a_back_office_status_overtakes_a_dead_letter() -> None:
    assert can_move(Status.DEAD_LETTER, Status.ACKNOWLEDGED)


def test_desk_statuses_read_as_filed() -> None:
    assert parse("completed") == Status.COMPLETED
    assert parse("awaiting_officer") == Status.FILED
    assert parse("in_progress") == Status.IN_PROGRESS


def test_every_status_has_a_text_in_both_languages() -> None:
    assert set(TEXTS) == set(Status)
    for status in Status:
        assert text(status, "id") and text(status, "en")
        assert text(status, "id") != text(status, "en")
