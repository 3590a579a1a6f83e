"""The guided calibration's steps on synthetic (time, tilt, view) sequences with known answers."""

from __future__ import annotations

import math

import pytest

from exercises.measures.calibration import BackCalibration
from formcheck.calibration_guide import BACK, DONE, FORWARD, PROMPTS, REFUSED, STAND, CalibrationGuide, explain

FPS = 30.0


def frames(seconds: float, tilt, view: str = "side", start: float = 0.0) -> list[tuple[float, float, str]]:
    """(t, tilt, view) at 30 fps for `seconds` from `start`; `tilt` a number or a function of the time in the part."""
    n = round(seconds * FPS)
    return [(start + i / FPS, tilt(i / FPS) if callable(tilt) else tilt, view) for i in range(n)]


def run(guide: CalibrationGuide, sequence) -> list:
    return [guide.feed(*f) for f in sequence]


def a_good_calibration(view: str = "side") -> list[tuple[float, float, str]]:
    """Stand at +4 for 2 s, tilt forward to +14 and hold, then back to -6 and hold (known: range 20, neutral +4)."""
    stand = frames(2.5, 4.0, view)
    forward = frames(4.0, lambda s: 4.0 + 10.0 * min(s / 1.5, 1.0), view, start=2.5)
    back = frames(4.5, lambda s: 14.0 - 20.0 * min(s / 1.5, 1.0), view, start=6.5)
    return stand + forward + back


def test_the_steps_advance_on_frame_time_and_give_the_range() -> None:
    guide = CalibrationGuide()
    views = run(guide, a_good_calibration())
    steps = [v.step for v in views]
    # Stand until 2 s of measured back (t = 2.0), forward for 4 s, back for 4 s, then done.
    first = {step: next(i for i, s in enumerate(steps) if s == step) / FPS for step in (FORWARD, BACK, DONE)}
    assert first[FORWARD] == pytest.approx(2.0, abs=0.05)
    assert first[BACK] == pytest.approx(6.0, abs=0.05)
    assert first[DONE] == pytest.approx(10.0, abs=0.05)
    assert [v.prompt for v in views[:1]] == [PROMPTS[STAND]] and views[-1].prompt == "Done"
    assert [v.step_index for v in (views[0], views[70], views[200])] == [1, 2, 3]
    result = views[-1].calibration
    assert result is not None and views[-1].refusal is None
    assert result.neutral_deg == pytest.approx(4.0)
    assert result.anterior_deg == pytest.approx(14.0, abs=0.5)
    assert result.posterior_deg == pytest.approx(-6.0, abs=0.5)
    assert result.range_deg == pytest.approx(20.0, abs=1.0)


def test_progress_runs_from_0_to_1_within_each_step() -> None:
    guide = CalibrationGuide()
    views = run(guide, frames(1.0, 4.0))
    assert views[0].progress == 0.0 and views[-1].progress == pytest.approx(0.5, abs=0.03)


def test_standing_time_counts_only_frames_with_the_back_measured() -> None:
    guide = CalibrationGuide()
    sequence = frames(1.0, 4.0) + frames(3.0, math.nan, start=1.0) + frames(1.5, 4.0, start=4.0)
    views = run(guide, sequence)
    assert views[90].step == STAND and views[90].hint is not None  # not measured: the hint says why
    assert "lower back" in views[90].hint
    assert next(i for i, v in enumerate(views) if v.step == FORWARD) / FPS == pytest.approx(5.0, abs=0.1)


def test_a_pelvis_that_hardly_moves_is_refused_with_what_to_do() -> None:
    guide = CalibrationGuide()
    views = run(guide, frames(11.0, lambda s: 4.0 + 0.5 * math.sin(s * 3.0)))
    assert views[-1].step == REFUSED and views[-1].calibration is None
    assert "tilted only" in views[-1].refusal and "fully forward" in views[-1].refusal
    assert "press START again" in views[-1].refusal


@pytest.mark.parametrize("view", ["front", "oblique"])
def test_a_person_not_side_on_is_refused_with_the_view(view: str) -> None:
    guide = CalibrationGuide()
    views = run(guide, frames(21.0, 4.0, view))
    assert views[0].hint == "Turn your side to the camera."
    assert views[-1].step == REFUSED
    assert f"{view} view" in views[-1].refusal and "side faces the camera" in views[-1].refusal


def test_turning_away_while_tilting_is_refused_too() -> None:
    guide = CalibrationGuide()
    sequence = frames(2.5, 4.0) + [(t, tilt, "front") for t, tilt, _ in a_good_calibration()[75:]]
    views = run(guide, sequence)
    assert views[-1].step == REFUSED and "front view" in views[-1].refusal


def test_a_back_never_measured_is_refused_after_the_give_up_time() -> None:
    guide = CalibrationGuide()
    views = run(guide, frames(19.9, math.nan) + frames(0.5, math.nan, start=20.0))
    assert views[round(19.0 * FPS)].step == STAND
    assert views[-1].step == REFUSED and "measured for only 0.0 s" in views[-1].refusal


def test_stopping_before_the_end_is_refused_and_the_finished_state_stays() -> None:
    guide = CalibrationGuide()
    run(guide, frames(3.0, 4.0))
    assert guide.stop().step == REFUSED and "stopped before the end" in guide.stop().refusal
    done = CalibrationGuide()
    run(done, a_good_calibration())
    assert done.stop().step == DONE and done.feed(20.0, 0.0, "front").step == DONE


def test_the_explanation_gives_range_typical_range_and_neutral() -> None:
    text = explain(BackCalibration(4.0, 14.0, -4.0))
    assert text.startswith("Your pelvis tilts 18 deg between fully forward and fully back;")
    assert "healthy adults tilt 15-30 deg on request" in text and "Neutral is +4 deg" in text
    assert "small side" in explain(BackCalibration(0.0, 5.0, -4.0))
