"""Clamshell on synthetic side-lying figures seen from the front: reps of the top knee opening, the working hip."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exercises.framework import registry
from exercises.framework.analyser import Analyser
from tests.synthetic import IMAGE, bridge_side, rep_profile, sequence
from vision.landmarks import LEFT, RIGHT, Landmark
from vision.pose import Pose

THIGH_PX = 160.0


def lying(opening_deg: float, top: str, t: float) -> Pose:
    """Side-lying, head at image-right, knees bent forward (image-left); the top thigh opened by `opening_deg`."""
    upper, lower = (LEFT, RIGHT) if top == "left" else (RIGHT, LEFT)
    xy = np.tile(np.array([[640.0, 400.0]]), (33, 1))
    hips = {upper: np.array([600.0, 380.0]), lower: np.array([600.0, 420.0])}
    down_left = np.array([-math.cos(math.radians(20)), math.sin(math.radians(20))])  # thighs forward, slightly down
    for side, hip in hips.items():
        angle = math.radians(opening_deg) if side is upper else 0.0
        rot = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])  # opens upward
        knee = hip + THIGH_PX * (rot @ down_left)
        xy[side.hip], xy[side.knee] = hip, knee
        xy[side.ankle] = np.array([560.0, 470.0])  # feet together
        xy[side.shoulder] = hip + np.array([260.0, 0.0])
        xy[side.heel], xy[side.toe] = xy[side.ankle] + (10.0, 0.0), xy[side.ankle] + (-20.0, 0.0)
    xy[Landmark.NOSE] = np.array([950.0, 380.0])
    world = np.zeros((33, 3))
    world[:, :2] = (xy - xy[[LEFT.hip, RIGHT.hip]].mean(axis=0)) / 400.0
    return Pose(timestamp_s=t, xy_px=xy, visibility=np.ones(33), world_m=world, image_size_px=IMAGE)


@pytest.mark.parametrize(
    ("top", "peak_deg", "reps"),
    [("left", 30.0, 3), ("right", 30.0, 3), ("right", 45.0, 3), ("left", 9.0, 0)],
)
def test_clamshell_reps_and_working_hip(top, peak_deg, reps):
    analyser = Analyser(registry.get("clamshell"))
    for t, pose in sequence(lambda t, fps: lying(peak_deg * rep_profile(t, 2.0), top, t), 7.8):
        analyser.update(pose, t)
    analyser.finish()
    counted = analyser.state.reps
    assert len(counted) == reps
    for rep in counted:
        assert rep.side == top
        assert rep.metrics["knee_opening_deg"] == pytest.approx(peak_deg, abs=2.0)


def test_a_clamshell_filmed_side_on_is_asked_to_face_the_camera():
    """The view cue asks for a view the clamshell is judged from (front or oblique), not "turn side-on"."""
    analyser = Analyser(registry.get("clamshell"))
    feedback = [analyser.update(bridge_side(130.0, t), t) for t, _ in sequence(lambda t, fps: None, 1.5)]
    assert feedback[-1].view == "side"
    assert feedback[-1].cue is not None and feedback[-1].cue.message == "Face the camera for this exercise."
