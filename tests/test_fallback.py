"""The stand-in rep signal's mapping onto the primary one, on made-up pairs with known relations."""

import math

import pytest

from exercises.framework.fallback import SignalFallback


def learnt(pairs: list[tuple[float, float]], stand_in: float) -> tuple[float, bool]:
    fallback = SignalFallback()
    for i, (primary, other) in enumerate(pairs):
        assert fallback.update(i / 30, primary, other) == (primary, False)
    return fallback.update(len(pairs) / 30, math.nan, stand_in)


RAMP = [i % 40 for i in range(200)]  # a few reps' worth of range


@pytest.mark.parametrize(
    ("pairs", "stand_in", "expected"),
    [
        ([(5 + 1.2 * s, s) for s in RAMP], 30.0, 5 + 1.2 * 30),  # a straight-line relation is learnt
        ([(3.0 + s, s) for s in [0.0, 1.0, 0.5] * 20], 20.0, 23.0),  # no range seen: offset only
        # A 10x gain is a fit to noise: clipped to 1.6, the line still through the means (19.5 -> 195).
        ([(10 * s, s) for s in RAMP], 10.0, 195 + 1.6 * (10.0 - 19.5)),
        ([], 12.0, 12.0),  # never seen both: the stand-in as it is
    ],
    ids=["linear", "offset only", "gain clipped", "no pairs"],
)
def test_mapping(pairs, stand_in, expected):
    value, used = learnt(pairs, stand_in)
    assert used
    assert value == pytest.approx(expected, abs=1e-6)


def test_nothing_measurable_is_missing():
    assert math.isnan(SignalFallback().update(0.0, math.nan, math.nan)[0])


def test_old_pairs_are_forgotten():
    fallback = SignalFallback()
    for i, s in enumerate(RAMP):
        fallback.update(i / 30, 100 + s, s)  # a relation long ago...
    for i, s in enumerate(RAMP):
        fallback.update(60 + i / 30, s, s)  # ...replaced by another more than 30 s later
    assert fallback.update(70.0, math.nan, 20.0)[0] == pytest.approx(20.0)
