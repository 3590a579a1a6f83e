"""The rep counter on hand-made signals: exact counts and partial reps, in a table."""

import math

import numpy as np
import pytest

from exercises.framework.reps import RepCounter, RepCounterConfig

CFG = RepCounterConfig(enter=15.0, min_range=25.0, return_fraction=0.25, min_duration_s=0.6, max_duration_s=20.0)
FPS = 30.0


def wave(depths: list[float], period_s: float = 2.0, rest_s: float = 0.5, start: float = 0.0) -> list[float]:
    """Rest, then one cosine bump per depth, each followed by rest."""
    out = [start] * int(rest_s * FPS)
    for depth in depths:
        n = int(period_s * FPS)
        out += [start + depth * (0.5 - 0.5 * math.cos(2 * math.pi * i / n)) for i in range(n)]
        out += [start] * int(rest_s * FPS)
    return out


def count(values: list[float]) -> tuple[int, list]:
    counter = RepCounter(CFG)
    windows = []
    for i, v in enumerate(values):
        w = counter.update(i / FPS, v)
        if w:
            windows.append(w)
    end = counter.finish(len(values) / FPS, values[-1] if values else math.nan)
    if end:
        windows.append(end)
    return counter.count, windows


rng = np.random.default_rng(7)
CASES = {
    "five clean reps": (wave([50] * 5), 5, 0),
    "jitter of 3 around rest": (list(np.array(wave([50] * 4)) + rng.normal(0, 3, len(wave([50] * 4)))), 4, 0),
    "hover at the enter threshold": ([0.0] * 15 + [14.0, 16.0, 14.0, 16.0, 13.0] * 10 + [0.0] * 15, 0, None),
    "half reps are partial": (wave([50, 20, 50, 18]), 2, 2),
    "a much shorter rep is partial": (wave([60, 60, 28, 60]), 3, 1),
    "too quick": (wave([50], period_s=0.3), 0, 1),
    "starts at the bottom": ([50.0 - i for i in range(50)] + wave([50] * 2), 2, 0),
    "ends at the bottom": (wave([50] * 2) + [i * 2.0 for i in range(25)], 2, 1),
    "ends just back up": (wave([50] * 2) + wave([50], rest_s=0.0)[:58], 3, 0),
    "ends still rising": (wave([50] * 2) + wave([50], rest_s=0.0)[:50], 2, 1),
    # Standing (0), then stepping into a split stance (hips 14 lower) and four reps from there:
    # the resting level moved, so each rep ends at the trough before the next.
    "rest level moves up": ([0.0] * 30 + [14.0 * i / 30 for i in range(30)] + wave([32] * 4, start=14.0), 4, 0),
    # A bounce at the bottom (50 -> 40 -> 50) is one rep, not two.
    "bounce at the bottom": (
        [0.0] * 15 + [50 * i / 30 for i in range(30)] + [50, 45, 40, 45, 50] + [50 - 50 * i / 30 for i in range(31)],
        1,
        0,
    ),
    # Held down for longer than any rep (25 s), then two reps: given up, then counted afresh.
    "held too long": ([0.0] * 15 + [50.0] * int(25 * FPS) + [0.0] * 30 + wave([50] * 2), 2, 1),
}


@pytest.mark.parametrize(("values", "reps", "partials"), CASES.values(), ids=CASES.keys())
def test_counts(values, reps, partials):
    n, windows = count(values)
    assert n == reps
    if partials is not None:
        assert sum(not w.counted for w in windows) == partials


def holed(values: list[float], start: int, stop: int) -> list[float]:
    return [math.nan if start <= i < stop else v for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("hole", "reps", "unseen_s"),
    [
        ((70, 80), 3, [0.0, 0.0, 0.0]),  # 0.33 s: a blink of the model, nothing to say
        ((40, 80), 3, [1.33, 0.0, 0.0]),  # 1.3 s over the bottom of rep 1: counted, not judged
        ((20, 50), 3, [1.0, 0.0, 0.0]),  # rep 1 begins unseen, its top and return are seen
        ((40, 160), 1, [0.0]),  # 4 s: the person left; rep 1 abandoned, rep 2 never seen
    ],
)
def test_holes_are_bridged_up_to_max_lost_and_say_how_long_the_rep_was_unseen(hole, reps, unseen_s):
    n, windows = count(holed(wave([50] * 3), *hole))
    assert n == reps
    assert [w.unseen_s for w in windows if w.counted] == pytest.approx(unseen_s, abs=0.05)


def test_a_long_hole_abandons_the_rep_in_progress():
    _, windows = count(holed(wave([50] * 3), 40, 160))
    assert [w.reason for w in windows if not w.counted] == ["person lost mid-rep"]


def test_sparse_samples_are_not_a_gap():
    """A busy live machine analyses only some frames: 3 samples a second still count every rep."""
    values = wave([50] * 4, period_s=3.0)
    counter = RepCounter(CFG)
    for i in range(0, len(values), 10):  # every 10th frame at 30 fps, 0.33 s apart
        counter.update(i / FPS, values[i])
    assert counter.count == 4


def test_replay_is_identical():
    values = list(np.array(wave([50, 20, 45, 60])) + rng.normal(0, 2, len(wave([50, 20, 45, 60]))))
    assert count(values) == count(values)


@pytest.mark.parametrize(("last_raw", "counted"), [(3.0, True), (10.0, False), (math.nan, False)])
def test_end_of_stream_uses_the_last_raw_sample_with_half_the_band(last_raw, counted):
    """A smoothed signal lags; at the end the raw sample decides, within half the return band (6.25 here)."""
    counter = RepCounter(CFG)
    for i, v in enumerate(wave([50])[:-20][: int(0.5 * FPS) + 45]):  # stop at ~70 % of the way back up
        counter.update(i / FPS, v)
    window = counter.finish(3.0, last_raw)
    assert window is not None
    assert window.counted is counted


def test_a_rejected_rep_is_taken_back():
    counter = RepCounter(CFG)
    windows = [w for i, v in enumerate(wave([50] * 2)) if (w := counter.update(i / FPS, v))]
    assert counter.count == 2
    taken = counter.reject(windows[-1], "not this exercise")
    assert (counter.count, taken.counted, taken.reason) == (1, False, "not this exercise")
    # The next rep is judged against the reps still counted.
    for i, v in enumerate(wave([50])):
        counter.update(10 + i / FPS, v)
    assert counter.count == 2


@pytest.mark.parametrize(("start", "counted"), [(-30.0, False), (0.0, True)], ids=["peak below", "peak above"])
def test_a_rep_must_reach_the_lowest_peak_when_one_is_set(start, counted):
    """Same range (50), from a resting level of -30 (peak +20) or 0 (peak +50), with min_peak 30."""
    from dataclasses import replace

    counter = RepCounter(replace(CFG, min_peak=30.0))
    values = wave([50], start=start)
    windows = [w for i, v in enumerate(values) if (w := counter.update(i / FPS, v))]
    assert counter.count == int(counted) and len(windows) == 1
    assert windows[0].reason == (None if counted else "the peak (20 deg) never reached 30 deg")
