"""The SKM/IKM core against hand-computed answers (PermenPAN-RB 14/2017; docs/survey-and-complaints.md)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from counters.skm import (
    ELEMENTS,
    Response,
    grade_of,
    index_by,
    index_of,
    krejcie_morgan,
    report,
    validate_answers,
)
from hall_server.errors import InvalidInput


def all_(score: int) -> dict[str, int]:
    return dict.fromkeys(ELEMENTS, score)


def test_one_respondent_all_fours_is_100_a_and_all_ones_25_d() -> None:
    best = index_of([all_(4)])
    assert (best.ikm, best.grade, best.respondents, best.elements) == (Decimal("100.00"), "A", 1, 9)
    worst = index_of([all_(1)])
    assert (worst.ikm, worst.grade) == (Decimal("25.00"), "D")


def test_mixed_scores_worked_by_hand() -> None:
    # One respondent: U1..U5 = 4 (20), U6..U9 = 3 (12): sum of NRR 32, SKM 32/9 = 3.5555...
    # IKM = 25 x 32/9 = 88.888... -> 88.89, grade A.
    answers = {e: (4 if i < 5 else 3) for i, e in enumerate(ELEMENTS)}
    assert index_of([answers]).ikm == Decimal("88.89")
    assert index_of([answers]).grade == "A"
    # Two respondents, all 3 and all 2: every NRR = 5/2, SKM 2.5, IKM 62.50, grade D.
    two = index_of([all_(3), all_(2)])
    assert two.nrr["U7"] == Fraction(5, 2)
    assert (two.ikm, two.grade) == (Decimal("62.50"), "D")


def test_rounding_is_half_up_from_the_exact_value() -> None:
    # Eight respondents: one all 4, seven all 3: NRR = (4 + 21) / 8 = 3.125 for each element,
    # IKM = 78.125 exactly -> 78.13 (half up; half-even would give 78.12).
    index = index_of([all_(4)] + [all_(3)] * 7)
    assert index.nrr["U1"] == Fraction(25, 8)
    assert index.ikm == Decimal("78.13")
    assert index.grade == "B"


def test_the_weight_is_the_exact_ninth_not_0_11() -> None:
    # All 4: with the printed weight 0.11 the sum would be 3.96 x 25 = 99.00; exact gives 100.
    assert index_of([all_(4)]).ikm == Decimal("100.00")


def test_nrr_counts_only_those_who_answered_the_element() -> None:
    # U1: 4 and 2 -> NRR 3; U2: 2 (one answer) -> NRR 2; others unanswered: two elements count.
    # SKM = (3 + 2) / 2 = 2.5 -> IKM 62.50 D.
    index = index_of([{"U1": 4, "U2": 2}, {"U1": 2}])
    assert index.nrr == {"U1": Fraction(3), "U2": Fraction(2)}
    assert (index.elements, index.ikm, index.grade) == (2, Decimal("62.50"), "D")


@pytest.mark.parametrize(
    ("ikm", "grade"),
    [
        ("25.00", "D"),
        ("64.99", "D"),
        ("65.00", "C"),
        ("76.60", "C"),
        ("76.61", "B"),
        ("88.30", "B"),
        ("88.31", "A"),
        ("100.00", "A"),
    ],
)
def test_grade_boundaries(ikm: str, grade: str) -> None:
    assert grade_of(Decimal(ikm)) == grade


def test_a_boundary_reached_by_rounding() -> None:
    # One respondent with a sum of 31: 25 x 31/9 = 86.111 -> 86.11 B; a sum of 27: 75.00 C;
    # a sum of 24: 66.666... -> 66.67 C; a sum of 23: 63.888... -> 63.89 D.
    def one(total: int) -> dict[str, int]:
        scores = [1] * 9
        i = 0
        while sum(scores) < total:
            scores[i % 9] += 1
            i += 1
        return dict(zip(ELEMENTS, scores, strict=True))

    assert (index_of([one(31)]).ikm, index_of([one(31)]).grade) == (Decimal("86.11"), "B")
    assert (index_of([one(27)]).ikm, index_of([one(27)]).grade) == (Decimal("75.00"), "C")
    assert (index_of([one(24)]).ikm, index_of([one(24)]).grade) == (Decimal("66.67"), "C")
    assert (index_of([one(23)]).ikm, index_of([one(23)]).grade) == (Decimal("63.89"), "D")


def test_no_responses_has_no_index() -> None:
    index = index_of([])
    assert (index.respondents, index.ikm, index.grade) == (0, None, None)


@pytest.mark.parametrize(
    ("population", "sample"),
    # The published Krejcie-Morgan table.
    [(0, 0), (10, 10), (50, 44), (100, 80), (200, 132), (500, 217), (1000, 278), (10000, 370)],
)
def test_krejcie_morgan_matches_the_table(population: int, sample: int) -> None:
    assert krejcie_morgan(population) == sample


def test_validate_answers() -> None:
    assert validate_answers({"U1": 4, "U9": 1, "U3": None}) == {"U1": 4, "U9": 1}
    for bad in ({"U1": 5}, {"U1": 0}, {"U1": True}, {"U1": "4"}, {"U10": 3}, {}, [], {"U2": None}):
        with pytest.raises(InvalidInput):
            validate_answers(bad)


def test_breakdowns_and_withheld_small_groups() -> None:
    r = [
        Response("ktp", "A1", "bot", "2026-11", all_(4)),
        Response("ktp", "A1", "bot", "2026-11", all_(4)),
        Response("ktp", "A2", "officer", "2026-11", all_(2)),
    ]
    by_who = index_by(r, lambda x: x.served_by)
    assert by_who["bot"].ikm == Decimal("100.00")
    assert by_who["officer"].ikm == Decimal("50.00")
    out = report(r, {"ktp": 100, "akta": 10}, min_group=2)
    # Overall: NRR 10/3 each, IKM 25 x 10/3 = 83.33 B; 3 respondents against 80 needed for 110?
    # Krejcie-Morgan(110) = 86.
    assert out["overall"]["ikm"] == "83.33"
    assert out["overall"]["grade"] == "B"
    assert out["overall"]["sample"] == {
        "respondents": 3,
        "transactions": 110,
        "needed": 86,
        "enough": False,
    }
    counters = {c["counter_id"]: c for c in out["by_counter"]}
    assert counters["A1"]["ikm"] == "100.00"
    # One respondent at A2: the count shows, the index does not (the officer could tell who).
    assert counters["A2"]["respondents"] == 1
    assert counters["A2"]["ikm"] is None and counters["A2"]["withheld"] is True
    services = {s["service"]: s for s in out["by_service"]}
    assert services["akta"]["respondents"] == 0
    assert services["akta"]["sample"]["needed"] == 10
