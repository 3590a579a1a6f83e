"""Half-kneeling hip-flexor stretch, synthetic figures: a hold per kneeling side, trunk lean judged, rocks as reps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exercises.framework.analyser import Analyser
from tests.synthetic import SCALE, rep_profile, run_set, side_on_pose, squat_side
from vision.landmarks import LEFT, RIGHT, Landmark
from vision.pose import Pose

THIGH, SHIN, TRUNK = 0.45, 0.45, 0.55
FLOOR = 650.0


def half_kneeling(t: float, kneeling: str, shift_deg: float = 0.0, lean_deg: float = 10.0) -> Pose:
    """Facing image-right, the `kneeling` leg's knee on the floor; the hip shifted forward so that the
    rear thigh is `shift_deg` behind vertical; the trunk leaning forward by `lean_deg`."""
    rear, front = (LEFT, RIGHT) if kneeling == "left" else (RIGHT, LEFT)
    rear_knee = np.array([500.0, FLOOR])
    s = math.radians(shift_deg)
    hip = rear_knee + THIGH * SCALE * np.array([math.sin(s), -math.cos(s)])
    front_knee = np.array([hip[0] + THIGH * SCALE, hip[1]])  # front hip flexed ~90
    front_ankle = np.array([front_knee[0], FLOOR + 30.0])
    rear_ankle = rear_knee + np.array([-SHIN * SCALE, 0.0])  # shin along the floor
    lean = math.radians(lean_deg)
    shoulder = hip + TRUNK * SCALE * np.array([math.sin(lean), -math.cos(lean)])
    xy = np.tile(shoulder, (33, 1))
    for side, knee, ankle in ((rear, rear_knee, rear_ankle), (front, front_knee, front_ankle)):
        xy[side.hip], xy[side.knee], xy[side.ankle], xy[side.shoulder] = hip, knee, ankle, shoulder
        xy[side.heel], xy[side.toe] = ankle + np.array([-10.0, 0.0]), ankle + np.array([40.0, 0.0])
        xy[side.elbow], xy[side.wrist] = shoulder + np.array([0.0, 120.0]), shoulder + np.array([20.0, 230.0])
    xy[Landmark.NOSE] = shoulder + np.array([50.0, -60.0])
    return side_on_pose(xy, t, hip)


def analyse(make, duration_s: float) -> Analyser:
    return run_set("hip_flexor_stretch", make, duration_s)


@pytest.mark.parametrize(
    ("kneeling", "lean_deg", "cues"),
    [("left", 10.0, ()), ("right", 10.0, ()), ("left", 35.0, ("trunk_lean",))],
)
def test_static_stretch_is_one_hold_on_the_kneeling_side(kneeling, lean_deg, cues):
    def make(t: float, fps: float) -> Pose:
        if 1.0 <= t < 9.0:
            return half_kneeling(t, kneeling, shift_deg=12.0, lean_deg=lean_deg)
        return squat_side(0.0, 0.0, t)

    analyser = analyse(make, 10.0)
    (hold,) = analyser.state.holds
    assert hold.duration_s == pytest.approx(8.0, abs=0.1)
    assert hold.side == kneeling
    assert hold.cues == cues
    assert hold.metrics["rear_thigh_behind_deg"] == pytest.approx(12.0, abs=1.5)


def test_each_side_held_in_turn_is_a_hold_each():
    def make(t: float, fps: float) -> Pose:
        if t < 5.0:
            return half_kneeling(t, "left", shift_deg=10.0)
        if t < 6.5:
            return squat_side(0.0, 0.0, t)  # stands up and changes legs
        return half_kneeling(t, "right", shift_deg=10.0)

    holds = analyse(make, 11.0).state.holds
    assert [h.side for h in holds] == ["left", "right"]
    assert [round(h.duration_s) for h in holds] == [5, 4]


def test_rocking_forward_and_back_counts_each_shift():
    make = lambda t, fps: half_kneeling(t, "right", shift_deg=20.0 * rep_profile(t, 2.5))  # noqa: E731
    analyser = analyse(make, 3 * 3.1)
    assert len(analyser.state.reps) == 3
    assert all(r.side == "right" for r in analyser.state.reps)
    assert all(r.metrics["rear_thigh_behind_deg"] == pytest.approx(20.0, abs=1.5) for r in analyser.state.reps)
