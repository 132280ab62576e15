"""The citizen satisfaction survey (SKM) and its index (IKM), as PermenPAN-RB 14/2017 asks (pure).

Nine elements U1..U9, each answered 1..4. For a group of responses:

- NRR_i = the sum of the scores of element i / the number of respondents who answered i;
- SKM = the sum over i of NRR_i x 1/9 (the exact weight; the regulation prints it rounded
  as 0.11);
- IKM = SKM x 25 (25..100), rounded half up to 2 decimals, then graded:
  25.00-64.99 D, 65.00-76.60 C, 76.61-88.30 B, 88.31-100.00 A.

Arithmetic is exact (``Fraction``) until the one rounding, so a grade boundary is
never missed by a float's last bit. An element nobody in the group answered is
left out and the others share the weight (``elements`` says how many counted).

The number of respondents is judged against the Krejcie-Morgan sample size for
the period's number of transactions (:func:`krejcie_morgan`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, TypeVar

from hall_server.errors import InvalidInput

#: The nine elements, in the regulation's order.
ELEMENTS: tuple[str, ...] = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
#: Who served the transaction rated.
SERVED_BY = ("bot", "officer")

#: (lowest index of the grade, grade), highest first; the index is rounded to 2 decimals first.
GRADES: tuple[tuple[Decimal, str], ...] = (
    (Decimal("88.31"), "A"),
    (Decimal("76.61"), "B"),
    (Decimal("65.00"), "C"),
    (Decimal("25.00"), "D"),
)
#: What each grade means (the regulation's words, then English).
GRADE_NAMES: Mapping[str, tuple[str, str]] = {
    "A": ("sangat baik", "very good"),
    "B": ("baik", "good"),
    "C": ("kurang baik", "fair"),
    "D": ("tidak baik", "poor"),
}

#: One response: element -> score 1..4; an element left out was not answered.
Answers = Mapping[str, int]

K = TypeVar("K", bound=Hashable)


def validate_answers(raw: object) -> dict[str, int]:
    """A response as sent by a citizen: ``{"U1": 1..4, ...}``, at least one element.

    An element may be left out (or null); anything else is ``bad_value`` naming the element.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput("answers must be an object of U1..U9 to 1..4", code="bad_value")
    answers: dict[str, int] = {}
    for key, value in raw.items():
        if key not in ELEMENTS:
            raise InvalidInput(f"unknown survey element {str(key)[:8]!r}", code="bad_value")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
            raise InvalidInput(f"{key} must be a whole number from 1 to 4", code="bad_value")
        answers[key] = value
    if not answers:
        raise InvalidInput("answer at least one element, or skip the survey", code="bad_value")
    return answers


def grade_of(index: Decimal) -> str:
    """The grade of an index already rounded to 2 decimals (25.00..100.00)."""
    for lowest, grade in GRADES:
        if index >= lowest:
            return grade
    return "D"


def round_index(value: Fraction) -> Decimal:
    """Half up to 2 decimals, exactly (no float on the way)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    # Decimal division keeps 28 significant digits: far more than the 2 kept.
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Index:
    """The IKM of a group of responses."""

    respondents: int
    #: NRR per element answered by someone (exact)
    nrr: Mapping[str, Fraction]
    #: how many elements counted (9 unless nobody answered one)
    elements: int
    #: the converted index (25..100), 2 decimals; None without any response
    ikm: Decimal | None
    grade: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "respondents": self.respondents,
            "nrr": {e: round(float(v), 3) for e, v in sorted(self.nrr.items())},
            "elements": self.elements,
            "ikm": str(self.ikm) if self.ikm is not None else None,
            "grade": self.grade,
        }


def index_of(responses: Iterable[Answers]) -> Index:
    """The IKM of ``responses`` exactly as the regulation computes it."""
    sums = dict.fromkeys(ELEMENTS, 0)
    counts = dict.fromkeys(ELEMENTS, 0)
    respondents = 0
    for answers in responses:
        respondents += 1
        for element, score in answers.items():
            sums[element] += score
            counts[element] += 1
    nrr = {e: Fraction(sums[e], counts[e]) for e in ELEMENTS if counts[e]}
    if not nrr:
        return Index(respondents, {}, 0, None, None)
    skm = sum(nrr.values(), Fraction(0)) / len(nrr)
    ikm = round_index(skm * 25)
    return Index(respondents, nrr, len(nrr), ikm, grade_of(ikm))


def krejcie_morgan(population: int) -> int:
    """Respondents needed for ``population`` transactions (Krejcie & Morgan 1970).

    s = X^2 N P (1 - P) / (d^2 (N - 1) + X^2 P (1 - P)), with X^2 = 3.841 (95 %),
    P = 0.5 and d = 0.05, rounded to the nearest (half up) as the published table is:
    50 -> 44 (44.3), 100 -> 80 (79.5), 1,000 -> 278, 10,000 -> 370.
    """
    if population <= 0:
        return 0
    chi2 = Fraction(3841, 1000)
    p = Fraction(1, 2)
    d = Fraction(5, 100)
    s = chi2 * population * p * (1 - p) / (d * d * (population - 1) + chi2 * p * (1 - p))
    return min(population, math.floor(s + Fraction(1, 2)))


@dataclass(frozen=True, slots=True)
class Response:
    """A stored response: the answers and what they rate, never who gave them."""

    service: str
    counter_id: str
    served_by: str  # "bot" or "officer"
    period: str  # "YYYY-MM" in the hall's time zone
    answers: Answers


def index_by(responses: Sequence[Response], key: Callable[[Response], K]) -> dict[K, Index]:
    """The IKM of each group of ``responses`` (by service, counter, bot vs officer, period)."""
    groups: dict[K, list[Answers]] = {}
    for r in responses:
        groups.setdefault(key(r), []).append(r.answers)
    return {k: index_of(v) for k, v in groups.items()}


@dataclass(frozen=True, slots=True)
class Sample:
    """Respondents against the Krejcie-Morgan sample for the period's transactions."""

    respondents: int
    transactions: int
    needed: int

    @property
    def enough(self) -> bool:
        return self.respondents >= self.needed

    def to_json(self) -> dict[str, Any]:
        return {
            "respondents": self.respondents,
            "transactions": self.transactions,
            "needed": self.needed,
            "enough": self.enough,
        }


def sample_of(respondents: int, transactions: int) -> Sample:
    return Sample(respondents, transactions, krejcie_morgan(transactions))


def report(
    responses: Sequence[Response],
    transactions: Mapping[str, int],
    *,
    min_group: int,
) -> dict[str, Any]:
    """Everything the IKM page, the dashboard and the CSV show, for one period's responses.

    ``transactions`` is the number of finished transactions per service in the same
    period. A breakdown group (a counter, a service, bot or officer) with fewer than
    ``min_group`` respondents shows its count but no index: with one or two answers
    an officer could guess whose rating it was.
    """

    def shown(index: Index) -> dict[str, Any]:
        data = index.to_json()
        if index.respondents < min_group:
            data.update(nrr={}, ikm=None, grade=None, withheld=True)
        else:
            data["withheld"] = False
        return data

    total = sum(transactions.values())
    overall = index_of(r.answers for r in responses)
    by_service = index_by(responses, lambda r: r.service)
    services = sorted(set(by_service) | set(transactions))
    return {
        "overall": {
            **shown(overall),
            "sample": sample_of(overall.respondents, total).to_json(),
        },
        "by_service": [
            {
                "service": s,
                **shown(by_service.get(s, index_of(()))),
                "sample": sample_of(
                    by_service[s].respondents if s in by_service else 0, transactions.get(s, 0)
                ).to_json(),
            }
            for s in services
        ],
        "by_counter": [
            {"counter_id": c, **shown(i)}
            for c, i in sorted(index_by(responses, lambda r: r.counter_id).items())
        ],
        "by_served_by": [
            {"served_by": b, **shown(i)}
            for b, i in sorted(index_by(responses, lambda r: r.served_by).items())
        ],
        "by_period": [
            {"period": p, **shown(i)}
            for p, i in sorted(index_by(responses, lambda r: r.period).items())
        ],
    }
