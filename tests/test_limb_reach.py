"""Bird-dog and dead bug on synthetic figures: one rep per reach, named by the reaching leg, heel slides too."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exercises.framework import registry
from exercises.framework.analyser import Analyser
from exercises.helpers import leg_opening_deg
from tests.synthetic import IMAGE, rep_profile, sequence
from vision.landmarks import LEFT, RIGHT, Landmark
from vision.pose import Pose

SEG = 150.0  # px per thigh, shin and half-trunk


def _at(origin: np.ndarray, deg: float) -> np.ndarray:
    """A point one segment from `origin` at `deg` (0 = image-right, counter-clockwise, y down)."""
    return origin + SEG * np.array([math.cos(math.radians(deg)), -math.sin(math.radians(deg))])


def figure(hip_deg: dict, knee_flex_deg: dict, t: float) -> Pose:
    """Trunk horizontal (shoulders image-right of the hips); each leg's trunk-thigh angle and knee bend given.

    At 90 deg the thigh hangs straight down (all fours); opening, it swings back toward 180 (in
    line with the trunk, pointing image-left). The shin turns from the thigh by the knee's bend.
    """
    hip = np.array([500.0, 400.0])
    shoulder = hip + np.array([2 * SEG, 0.0])
    xy = np.tile(shoulder, (33, 1))
    for side in (LEFT, RIGHT):
        thigh_dir = -hip_deg[side.name]  # the trunk points at 0 deg
        knee = _at(hip, thigh_dir)
        ankle = _at(knee, thigh_dir - knee_flex_deg[side.name])
        xy[side.hip], xy[side.knee], xy[side.ankle], xy[side.shoulder] = hip, knee, ankle, shoulder
        xy[side.heel], xy[side.toe] = ankle, ankle + np.array([0.0, 10.0])
        xy[side.elbow], xy[side.wrist] = shoulder + np.array([0.0, 80.0]), shoulder + np.array([0.0, 160.0])
    xy[Landmark.NOSE] = shoulder + np.array([60.0, -20.0])
    world = np.zeros((33, 3))
    world[:, :2] = (xy - hip) / 400.0
    return Pose(timestamp_s=t, xy_px=xy, visibility=np.ones(33), world_m=world, image_size_px=IMAGE)


def reaches(open_hip: bool = True, period_s: float = 2.0):
    """Alternating reaches, left leg first: the leg opens to straight (or, a heel slide, only the knee straightens)."""

    def make(t: float, fps: float) -> Pose:
        depth = rep_profile(t, period_s)
        reaching = "left" if int(t // (period_s + 0.6)) % 2 == 0 else "right"
        hips = {"left": 90.0, "right": 90.0}
        knees = {"left": 90.0, "right": 90.0}
        if open_hip:
            hips[reaching] += 85.0 * depth
        knees[reaching] -= 85.0 * depth
        return figure(hips, knees, t)

    return make


def test_the_leg_opening_of_a_drawn_leg():
    pose = figure({"left": 180.0, "right": 90.0}, {"left": 0.0, "right": 90.0}, 0.0)
    assert leg_opening_deg(pose, LEFT) == pytest.approx(180.0, abs=0.5)
    assert leg_opening_deg(pose, RIGHT) == pytest.approx(90.0, abs=0.5)


@pytest.mark.parametrize("exercise", ["bird_dog", "dead_bug"])
@pytest.mark.parametrize(("open_hip", "peak_deg"), [(True, 175.0), (False, 132.5)])
def test_one_rep_per_reach_named_by_the_reaching_leg(exercise, open_hip, peak_deg):
    analyser = Analyser(registry.get(exercise))
    for t, pose in sequence(reaches(open_hip), 4 * 2.6 - 0.3):
        analyser.update(pose, t)
    analyser.finish()
    reps = analyser.state.reps
    assert [r.side for r in reps] == ["left", "right", "left", "right"]
    for rep in reps:
        # The summary is the median over +-0.25 s of the peak: a few degrees under the very top.
        assert rep.metrics["leg_opening_deg"] == pytest.approx(peak_deg, abs=5.0)
