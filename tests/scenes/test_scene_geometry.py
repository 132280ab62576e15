"""Plain-Python geometry used by the checks."""

from __future__ import annotations

from scenes import geometry

SQUARE = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]


def test_square_is_simple_and_a_bowtie_is_not() -> None:
    assert geometry.self_intersection(SQUARE) is None
    assert geometry.self_intersection([(0, 0), (2, 2), (2, 0), (0, 2)]) == (0, 2)


def test_polygon_folding_back_on_itself_intersects_itself() -> None:
    assert geometry.self_intersection([(0, 0), (2, 0), (1, 0), (1, 1)]) is not None


def test_touching_segments_intersect() -> None:
    assert geometry.segments_intersect((0, 0), (1, 0), (1, 0), (1, 1))
    assert not geometry.segments_intersect((0, 0), (1, 0), (1.1, 0), (2, 0))


def test_segment_distance_of_parallel_segments() -> None:
    assert geometry.segment_distance((0, 0), (1, 0), (0, 0.5), (1, 0.5)) == 0.5


def test_winding_number_is_the_same_for_either_vertex_order() -> None:
    assert geometry.winding_number((1, 1), SQUARE) == 1
    assert geometry.winding_number((1, 1), SQUARE[::-1]) == -1
    assert geometry.winding_number((3, 1), SQUARE) == 0
    assert geometry.counter_clockwise(SQUARE[::-1]) == SQUARE[::-1][::-1]


def test_contains_counts_the_boundary() -> None:
    assert geometry.contains(SQUARE, (2.0, 1.0))
    assert not geometry.contains(SQUARE, (2.1, 1.0))
