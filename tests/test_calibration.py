"""A person's pelvic-tilt calibration: measured from a side-on clip, stored per user, judging their reps.

Synthetic: the calibration clip and the sets are poses whose drawn back edge tilts by known
angles (tests/test_back_cues.py), so the expected calibration and cues are known exactly.
"""

from __future__ import annotations

import json
import math

import pytest

from exercises.framework import registry
from exercises.framework.analyser import Analyser
from exercises.framework.back_rules import CALIBRATED
from exercises.measures.calibration import BackCalibration, CalibrationError, calibrate
from tests.synthetic import rep_profile, sequence, squat_side
from tests.test_back_cues import with_back


def tilt_clip(neutral: float, forward: float, back: float, duration_s: float = 8.0):
    """(t, tilt) of a calibration: 2 s neutral, then forward and back tilts, twice, as smooth swings."""
    samples = []
    for i in range(int(duration_s * 30)):
        t = i / 30
        if t < 2.0:
            tilt = neutral
        else:
            swing = math.sin(2 * math.pi * (t - 2.0) / 3.0)  # + forward, - back, one cycle per 3 s
            tilt = neutral + swing * ((forward - neutral) if swing > 0 else (neutral - back))
        samples.append((t, tilt))
    return samples


def test_the_calibration_finds_neutral_and_the_full_tilts():
    cal = calibrate(tilt_clip(neutral=6.0, forward=22.0, back=-8.0))
    assert cal.neutral_deg == pytest.approx(6.0, abs=0.01)
    assert cal.anterior_deg == pytest.approx(22.0, abs=0.5)  # the 95th percentile of a sine's top
    assert cal.posterior_deg == pytest.approx(-8.0, abs=0.5)
    assert cal.range_deg == pytest.approx(30.0, abs=1.0)
    assert cal.share(6.0) == 0.0
    assert cal.share(cal.anterior_deg) == pytest.approx(1.0)
    assert cal.share(cal.posterior_deg) == pytest.approx(-1.0)


@pytest.mark.parametrize(
    ("samples", "says"),
    [
        (tilt_clip(6.0, 8.0, 4.0), "tilted only"),
        (tilt_clip(6.0, 22.0, -8.0, duration_s=2.0), "measured for only"),
        ([(t, math.nan) for t, _ in tilt_clip(6.0, 22.0, -8.0)], "measured for only"),
    ],
)
def test_a_clip_that_is_no_calibration_says_what_to_do(samples, says):
    with pytest.raises(CalibrationError, match=says):
        calibrate(samples)


def held_arch_squats(tilt_deg: float):
    """Squats with the lower back held at one tilt throughout: no change from standing to the bottom."""

    def make(t: float, fps: float):
        depth = rep_profile(t, period_s=1.6)
        return with_back(squat_side(110.0 * depth, 30.0 * depth, t), tilt_deg)

    return make


def analyse(make, calibration: BackCalibration | None) -> Analyser:
    analyser = Analyser(registry.get("squat"), calibration=calibration)
    for t, pose in sequence(make, 7.0):
        analyser.update(pose, t)
    analyser.finish()
    return analyser


PERSON = BackCalibration(neutral_deg=4.0, anterior_deg=20.0, posterior_deg=-10.0)


@pytest.mark.parametrize(
    ("tilt", "calibration", "arched"),
    [
        # An arch held through the whole set: the set's own reference sees no change.
        (18.0, None, False),
        # Against the person's calibration it is 7/8 of their full forward tilt: arched.
        (18.0, PERSON, True),
        # Near their own neutral: not arched, calibrated or not.
        (6.0, PERSON, False),
        (6.0, None, False),
    ],
)
def test_an_arch_held_through_the_set_is_seen_only_against_the_calibration(tilt, calibration, arched):
    analyser = analyse(held_arch_squats(tilt), calibration)
    assert len(analyser.state.reps) >= 2
    for rep in analyser.state.reps:
        assert ("lower_back_arching" in rep.cues) is arched, rep
        if calibration is not None:
            assert rep.metrics["lumbar_tilt_share"] == pytest.approx(calibration.share(tilt), abs=0.05)


def calibration_movement(t: float):
    """The calibration clip as a person would film it: standing side-on, tall, then tilting the pelvis."""
    tilt = dict(tilt_clip(neutral=6.0, forward=22.0, back=-8.0, duration_s=9.0))
    nearest = min(tilt, key=lambda s: abs(s - t))
    return with_back(squat_side(0.0, 0.0, t), tilt[nearest])


def test_calibrate_stores_it_and_analyse_judges_against_it(monkeypatch, tmp_path, capsys):
    from formcheck import cli, pipeline
    from formcheck.history.store import open_history
    from tests.synthetic import ScriptedEstimator, pattern_video

    video = pattern_video(tmp_path / "tilts.mp4", 8.0, "320x240")
    monkeypatch.setattr(pipeline, "PoseEstimator", lambda config: ScriptedEstimator(calibration_movement))
    assert cli.main(["calibrate", str(video), "--user", "ann"]) == 0
    assert "+6 deg standing tall, +22 tilted fully forward, -8 fully back" in capsys.readouterr().out
    with open_history() as history:
        cal = history.latest_calibration("ann")
        assert history.latest_calibration("me") is None
    assert (cal.neutral_deg, cal.anterior_deg, cal.posterior_deg) == pytest.approx((6.0, 22.0, -8.0), abs=1.0)

    # Squats with the arch held at +19 deg all set long: 0.8 of ann's forward tilt, invisible to the set itself.
    def held(t: float):
        return held_arch_squats(19.0)(t, 30.0)

    monkeypatch.setattr(pipeline, "PoseEstimator", lambda config: ScriptedEstimator(held))
    squats = pattern_video(tmp_path / "squats.mp4", 7.0, "320x240")
    for user, arched in (("ann", True), ("bob", False)):
        out = tmp_path / user
        assert cli.main(["analyse", str(squats), "--exercise", "squat", "--user", user, "--out", str(out)]) == 0
        report = json.loads((out / "report.json").read_text())
        assert report["back_reference"]["calibrated"] is arched
        assert report["rep_count"] >= 2
        for rep in report["reps"]:
            assert ("lower_back_arching" in rep["cues"]) is arched
            if arched:
                assert rep["evidence"]["lower_back_arching"] == CALIBRATED
    assert "lower back: uncalibrated" in capsys.readouterr().out

    # The history lists the calibration and the printable report has its range, a mobility measure.
    assert cli.main(["history"]) == 0
    assert "calibration ann" in capsys.readouterr().out
    with open_history() as history:
        from formcheck.history.report import render_report

        html = render_report(history)
    assert "Pelvic tilt (calibrations)" in html and "<td>ann</td>" in html


def test_a_clip_without_tilting_is_refused_in_plain_words(monkeypatch, tmp_path, capsys):
    from formcheck import cli, pipeline
    from tests.synthetic import ScriptedEstimator, pattern_video

    video = pattern_video(tmp_path / "still.mp4", 5.0, "320x240")
    still = held_arch_squats(6.0)  # squats with the lower back as it is: no tilting
    monkeypatch.setattr(pipeline, "PoseEstimator", lambda config: ScriptedEstimator(lambda t: still(t, 30.0)))
    assert cli.main(["calibrate", str(video)]) == 2
    assert "still.mp4 is not a calibration: the pelvis tilted only 0 deg" in capsys.readouterr().err
