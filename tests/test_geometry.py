import math

import numpy as np
import pytest

from exercises.measures import features as F
from exercises.measures import geometry as G
from tests import synthetic as S
from vision.landmarks import LEFT, RIGHT

P = np.array


@pytest.mark.parametrize(
    ("a", "joint", "c", "expected"),
    [
        (P([0, 1]), P([0, 0]), P([1, 0]), 90.0),
        (P([-1, 0]), P([0, 0]), P([1, 0]), 180.0),
        (P([1, 1]), P([0, 0]), P([1, 0]), 45.0),
        (P([1, 0, 0]), P([0, 0, 0]), P([0, 0, 1]), 90.0),
    ],
)
def test_joint_angle_known(a, joint, c, expected):
    assert G.joint_angle_deg(a, joint, c) == pytest.approx(expected)
    assert G.flexion_deg(a, joint, c) == pytest.approx(180.0 - expected)


def test_degenerate_and_missing_points_give_nan():
    assert math.isnan(G.joint_angle_deg(P([0, 0]), P([0, 0]), P([1, 0])))
    assert math.isnan(G.joint_angle_deg(P([np.nan, 0]), P([0, 0]), P([1, 0])))
    assert math.isnan(G.segment_from_horizontal_deg(P([1, 1]), P([1, 1])))


def test_segment_angles_and_signed_distance():
    assert G.segment_from_vertical_deg(P([0, -10]), P([0, 0])) == pytest.approx(0.0)
    assert G.segment_from_vertical_deg(P([10, -10]), P([0, 0])) == pytest.approx(45.0)
    assert G.segment_from_horizontal_deg(P([0, 0]), P([10, -10])) == pytest.approx(45.0)
    # A point above a left-to-right line (smaller y) is on the positive side.
    assert G.signed_distance_to_line_px(P([5, -3]), P([0, 0]), P([10, 0])) == pytest.approx(3.0)
    assert G.signed_distance_to_line_px(P([5, 3]), P([0, 0]), P([10, 0])) == pytest.approx(-3.0)


@pytest.mark.parametrize("knee", [0.0, 45.0, 90.0, 120.0])
@pytest.mark.parametrize("lean", [0.0, 30.0])
def test_squat_figure_angles_are_recovered(knee, lean):
    pose = S.squat_side(knee, lean, 0.0)
    assert F.knee_flexion_deg(pose, RIGHT) == pytest.approx(knee, abs=1e-6)
    assert F.knee_flexion_world_deg(pose, LEFT) == pytest.approx(knee, abs=1e-6)
    assert F.trunk_lean_deg(pose) == pytest.approx(lean, abs=1e-6)
    assert F.trunk_lean_world_deg(pose) == pytest.approx(lean, abs=1e-6)


def test_views_of_synthetic_figures():
    assert F.facing_yaw_2d_deg(S.squat_side(30, 10, 0)) == pytest.approx(90.0, abs=1)
    assert F.facing_yaw_deg(S.squat_side(30, 10, 0)) == pytest.approx(90.0, abs=1)
    assert F.facing_yaw_2d_deg(S.squat_front(30, 0, 0)) < 20
    assert F.facing_sign(S.squat_side(30, 10, 0)) == 1.0


@pytest.mark.parametrize("angle", [140.0, 150.0, 170.0, 180.0, 190.0, 195.0])
def test_bridge_hip_extension_is_signed(angle):
    # Below 180 the hips sag under the shoulder-knee line (negative), above it they are pushed over it.
    assert F.hip_extension_deg(S.bridge_side(angle, 0.0), RIGHT) == pytest.approx(angle - 180.0, abs=0.5)
    # The same from world landmarks, as used when the camera is at the feet.
    assert F.hip_extension_world_deg(S.bridge_side(angle, 0.0), RIGHT) == pytest.approx(angle - 180.0, abs=0.5)


def test_bridge_signal_keeps_rising_through_the_straight_line():
    """An unsigned trunk-thigh angle folds back at 180; the rep signal must not."""
    from exercises.framework.analyser import ContextTracker
    from exercises.library.bridge import hip_angle_signal

    angles = np.arange(150.0, 200.0, 2.0)
    tracker = ContextTracker()
    signal = [hip_angle_signal(pose, tracker.update(pose)) for pose in (S.bridge_side(a, 0.0) for a in angles)]
    assert np.all(np.diff(signal) > 0)
    assert signal[-1] == pytest.approx(angles[-1], abs=0.5)


def test_knee_ankle_width_ratio_detects_caving():
    assert F.knee_ankle_width_ratio(S.squat_front(90, 0, 0)) > 1.0
    assert F.knee_ankle_width_ratio(S.squat_front(90, 70, 0)) < 0.92


def test_depth_ratio_levels():
    from exercises.framework.analyser import ContextTracker

    tracker = ContextTracker()
    tracker.update(S.squat_side(0, 0, 0.0))  # standing sets the leg scale
    deep = S.squat_side(160, 40, 0.1)  # thigh 6 deg below horizontal
    ctx = tracker.update(deep)
    assert F.hip_above_knee_ratio(deep, ctx.leg_scale_px) < 0.0
    shallow = S.squat_side(50, 20, 0.2)
    assert F.hip_above_knee_ratio(shallow, tracker.update(shallow).leg_scale_px) > 0.35


@pytest.mark.parametrize("knee", [0.0, 60.0, 100.0, 130.0])
def test_world_depth_and_heel_agree_with_the_picture_side_on(knee):
    """Side-on, with no perspective, the 3D measures read what the picture reads."""
    pose = S.squat_side(knee, 20.0, 0.0)
    scale_px = (S.SHIN + S.THIGH) * S.SCALE
    assert F.hip_above_knee_world_ratio(pose) == pytest.approx(F.hip_above_knee_ratio(pose, scale_px), abs=0.01)
    assert F.heel_rise_world_deg(pose, RIGHT) == pytest.approx(F.heel_rise_deg(pose, RIGHT), abs=0.5)
    if knee == 0.0:
        assert F.hip_above_knee_world_ratio(pose) == pytest.approx(1.0, abs=0.01)
