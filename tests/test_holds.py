"""Hold timing on synthetic in-position sequences with known answers: starts, gaps, too-short holds, the end."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exercises.framework.holds import HoldTimer, median_metrics
from exercises.framework.reps import RepWindow, held_near_peak_s
from exercises.framework.sides import SideVote
from tests.synthetic import bridge_side, run_set

FPS = 30.0


def run(pattern: list[tuple[float, bool | None]], min_s: float = 1.0, gap_s: float = 0.6) -> list[tuple[float, float]]:
    """Feed (seconds, in position?) stretches at FPS; the holds found, as (start_s, end_s)."""
    timer, t, holds = HoldTimer(min_s, gap_s), 0.0, []
    for length_s, state in pattern:
        for _ in range(round(length_s * FPS)):
            if (window := timer.update(t, state)) is not None:
                holds.append((window.start_s, window.end_s))
            t += 1 / FPS
    if (window := timer.finish()) is not None:
        holds.append((window.start_s, window.end_s))
    return holds


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # One hold, ended by leaving the position: from its first to its last frame in position.
        ([(1.0, False), (5.0, True), (2.0, False)], [(1.0, 6.0)]),
        # A glitch shorter than the gap does not split it.
        ([(3.0, True), (0.4, False), (3.0, True), (1.0, False)], [(0.0, 6.4)]),
        # Frames that cannot tell (nobody found) are like frames out of position: short ones bridged ...
        ([(3.0, True), (0.3, None), (2.0, True)], [(0.0, 5.3)]),
        # ... a longer loss ends the hold; each part long enough is a hold of its own.
        ([(3.0, True), (1.0, False), (2.0, True), (1.0, False)], [(0.0, 3.0), (4.0, 6.0)]),
        # Passing through the position is not a hold.
        ([(1.0, False), (0.5, True), (2.0, False)], []),
        # A hold still under way when the set ends is kept.
        ([(1.0, False), (4.0, True)], [(1.0, 5.0)]),
        ([(2.0, False)], []),
    ],
)
def test_holds_from_in_position_frames(pattern, expected):
    holds = run(pattern)
    assert len(holds) == len(expected)
    for (start, end), (want_start, want_end) in zip(holds, expected, strict=True):
        assert start == pytest.approx(want_start, abs=1.5 / FPS)
        assert end == pytest.approx(want_end, abs=1.5 / FPS)


def test_elapsed_follows_the_hold_under_way():
    timer = HoldTimer(min_s=1.0, gap_s=0.6)
    assert timer.elapsed_s() == 0.0 and not timer.holding
    timer.update(10.0, True)
    timer.update(12.5, True)
    timer.update(12.8, False)  # out of position, within the gap: still holding, no time added
    assert timer.holding and timer.elapsed_s() == pytest.approx(2.5)


def test_median_metrics_ignores_missing_values():
    frames = [(0.0, {"a": 1.0, "b": math.nan}), (0.1, {"a": 3.0}), (0.2, {"a": 100.0, "b": 4.0})]
    held = median_metrics(frames)
    assert held["a"] == 3.0 and held["b"] == 4.0
    assert math.isnan(median_metrics([(0.0, {"c": math.nan})])["c"])


def plateau(hold_s: float, rise_s: float = 1.0, fps: float = FPS) -> list[tuple[float, float]]:
    """0 -> 10 over `rise_s`, held at 10 for `hold_s`, back to 0 over `rise_s`."""
    out, t = [], 0.0
    while t <= 2 * rise_s + hold_s:
        if t < rise_s:
            v = 10.0 * t / rise_s
        elif t < rise_s + hold_s:
            v = 10.0
        else:
            v = 10.0 * max(0.0, 1.0 - (t - rise_s - hold_s) / rise_s)
        out.append((t, v))
        t += 1 / fps
    return out


@pytest.mark.parametrize("hold_s", [0.0, 0.5, 2.0, 4.0])
def test_a_rep_hold_is_the_time_near_its_peak(hold_s):
    samples = plateau(hold_s)
    end = samples[-1][0]
    window = RepWindow(0.0, 1.0 + hold_s / 2, end, 0.0, 10.0, True)
    # Within 15 % of the range of the peak: the plateau plus 0.15 s of each 1 s ramp.
    assert held_near_peak_s(samples, window) == pytest.approx(hold_s + 0.3, abs=2 / FPS)


def test_missing_samples_do_not_end_or_lengthen_a_rep_hold():
    samples = [(t, math.nan if 1.5 < t < 2.0 else v) for t, v in plateau(2.0)]
    window = RepWindow(0.0, 2.0, samples[-1][0], 0.0, 10.0, True)
    assert held_near_peak_s(samples, window) == pytest.approx(2.3, abs=2 / FPS)


def test_a_side_vote_counts_the_frames_near_the_peak_of_a_rep_and_every_frame_of_a_hold():
    vote = SideVote("top_is_left")
    # Left for the 0.4 s around the peak at 2 s, right before and after it (a misread start and end).
    frames = [(t / 10, {"top_is_left": 1.0 if abs(t / 10 - 2.0) <= 0.4 else 0.0}) for t in range(0, 41)]
    window = RepWindow(0.0, 2.0, 4.0, 0.0, 10.0, True)
    assert vote.of_rep(frames, window) == "left"
    assert vote.of_frames(frames) == "right"  # a hold: the whole of it votes
    assert vote.of_frames([(0.0, {"top_is_left": math.nan}), (0.1, {})]) is None  # nobody voted: the near side


def bridge_with_a_shelf(top_s: float, shelf_s: float):
    """One glute bridge, 130 -> 180 deg (a 50 deg range): `top_s` at the top, then `shelf_s` at 174 deg,
    12 % of the range below it (inside a 15 % band, outside a 10 % one), then down again."""
    rest, ramp = 1.0, 0.5
    marks = np.cumsum([rest, ramp, top_s, shelf_s, ramp])

    def angle(t: float) -> float:
        if t < marks[0] or t >= marks[4]:
            return 130.0
        if t < marks[1]:
            return 130.0 + 50.0 * (t - marks[0]) / ramp
        if t < marks[2]:
            return 180.0
        if t < marks[3]:
            return 174.0
        return 174.0 - 44.0 * (t - marks[3]) / ramp

    return (lambda t, fps: bridge_side(angle(t), t)), marks[4] + rest


def test_the_bridge_times_its_hold_with_its_own_band():
    """One definition of a rep's hold (the analyser's), with the band the bridge declares: 10 % of the range.

    Before, the bridge's summary timed 10 % and the analyser overwrote it with its 15 % band."""
    make, duration = bridge_with_a_shelf(top_s=0.5, shelf_s=1.5)
    (rep,) = run_set("bridge", make, duration).state.reps
    # The top and the ramps' last 5 deg (0.05 s each way): not the shelf 6 deg below.
    assert rep.metrics["hold_s"] == pytest.approx(0.5, abs=0.15)
