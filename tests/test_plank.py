"""Plank on synthetic side-on figures: the hold's time from the position, hips sagging or piked judged side-on."""

from __future__ import annotations

import numpy as np
import pytest

from exercises.framework import registry
from exercises.framework.analyser import Analyser
from tests.synthetic import run_set, sequence, side_on_pose, squat_side
from vision.landmarks import LEFT, RIGHT, Landmark
from vision.pose import Pose


def plank(t: float, hip_drop_px: float = 0.0, knee_bend_px: float = 0.0) -> Pose:
    """A forearm plank facing image-right: shoulders, hips and ankles level (hips lowered by `hip_drop_px`)."""
    floor = 600.0
    shoulder = np.array([800.0, floor - 140.0])
    hip = np.array([580.0, floor - 120.0 + hip_drop_px])
    ankle = np.array([240.0, floor - 60.0])
    knee = (hip + ankle) / 2 + np.array([0.0, knee_bend_px])
    xy = np.tile(shoulder, (33, 1))
    for side in (LEFT, RIGHT):
        xy[side.shoulder], xy[side.hip], xy[side.knee], xy[side.ankle] = shoulder, hip, knee, ankle
        xy[side.elbow] = shoulder + np.array([0.0, 130.0])  # the forearm under the shoulder
        xy[side.wrist] = xy[side.elbow] + np.array([120.0, 0.0])
        xy[side.heel], xy[side.toe] = ankle + np.array([0.0, -10.0]), ankle + np.array([10.0, 50.0])
    xy[Landmark.NOSE] = shoulder + np.array([80.0, 10.0])
    return side_on_pose(xy, t, hip)


def session(hold_s: float, before_s: float = 1.0, after_s: float = 1.0, **plank_kw):
    """Standing, then down into the plank for `hold_s`, then up again."""

    def make(t: float, fps: float) -> Pose:
        if before_s <= t < before_s + hold_s:
            return plank(t, **plank_kw)
        return squat_side(0.0, 0.0, t)

    return make, before_s + hold_s + after_s


def analyse(make, duration_s: float) -> Analyser:
    return run_set("plank", make, duration_s)


@pytest.mark.parametrize(
    ("hold_s", "drop_px", "cues"),
    [
        (5.0, 0.0, ()),  # one straight line
        (12.0, 0.0, ()),
        (5.0, 60.0, ("hips_sagging",)),  # hips hanging below the shoulder-ankle line
        (5.0, -110.0, ("hips_piked",)),
    ],
)
def test_plank_hold_time_and_form(hold_s, drop_px, cues):
    make, duration = session(hold_s, hip_drop_px=drop_px)
    analyser = analyse(make, duration)
    assert analyser.state.reps == []
    (hold,) = analyser.state.holds
    assert hold.duration_s == pytest.approx(hold_s, abs=0.1)
    assert hold.start_s == pytest.approx(1.0, abs=0.05)
    assert hold.cues == cues
    assert hold.metrics["hold_s"] == pytest.approx(hold_s, abs=0.1)


def test_kneeling_plank_and_standing_are_not_a_plank():
    make, duration = session(5.0, knee_bend_px=150.0)
    assert analyse(make, duration).state.holds == []
    assert analyse(lambda t, fps: squat_side(0.0, 0.0, t), 5.0).state.holds == []


def test_a_short_loss_of_the_person_does_not_split_the_hold():
    make, duration = session(6.0)
    lost = lambda t, fps: None if 3.0 <= t < 3.3 else make(t, fps)  # noqa: E731
    (hold,) = analyse(lost, duration).state.holds
    assert hold.duration_s == pytest.approx(6.0, abs=0.1)


def test_the_hold_time_shows_live_and_a_sagging_plank_is_said_during_the_hold():
    make, duration = session(5.0, hip_drop_px=60.0)
    analyser = Analyser(registry.get("plank"))
    feedback = [analyser.update(pose, t) for t, pose in sequence(make, duration)]
    at_4s = next(fb for fb in feedback if fb.timestamp_s >= 4.0)
    assert at_4s.phase == "hold" and at_4s.metrics["hold_s"] == pytest.approx(3.0, abs=0.1)
    assert at_4s.cue is not None and at_4s.cue.code == "hips_sagging"
