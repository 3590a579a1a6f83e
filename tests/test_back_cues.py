"""Lower-back cues from the back's outline, on synthetic sets with a drawn lower-back tilt (no video, no model).

Each pose carries a trunk outline whose back edge slopes over the lumbar segment by a known
angle (exercises.measures.back_outline.lumbar_tilt_deg); the tables say which cue each exercise must raise
and from which evidence.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from exercises.framework import registry
from exercises.framework.analyser import Analyser
from exercises.framework.back_rules import OUTLINE, PROXY
from exercises.measures.back_outline import LUMBAR_FROM, lumbar_tilt_deg
from tests.synthetic import rep_profile, sequence, squat_side
from vision.landmarks import Landmark
from vision.outline import STATIONS, BackProfile, NoProfile, TrunkOutline
from vision.pose import Pose

BASE = 0.15  # back edge behind the shoulder-hip line, trunk lengths


def drawn_back(tilt_deg: float, trunk_px: float = 220.0) -> BackProfile:
    """A back edge, straight above the lumbar segment and sloping by `tilt_deg` over it (+ out, toward the back)."""
    stations = np.linspace(0.0, 1.0, STATIONS)
    offsets = BASE + np.where(stations > LUMBAR_FROM, (stations - LUMBAR_FROM) * math.tan(math.radians(tilt_deg)), 0.0)
    return BackProfile(stations, offsets, trunk_px, np.zeros((STATIONS, 2)))


def with_back(pose: Pose, tilt_deg: float | None) -> Pose:
    """`pose` with an outline whose edge away from the face is `drawn_back(tilt_deg)`; None: no outline."""
    if tilt_deg is None:
        return replace(pose, outline=NoProfile("no clear back edge on 60% of the trunk"))
    shoulder = (pose.px(Landmark.LEFT_SHOULDER) + pose.px(Landmark.RIGHT_SHOULDER)) / 2
    hip = (pose.px(Landmark.LEFT_HIP) + pose.px(Landmark.RIGHT_HIP)) / 2
    axis = (hip - shoulder) / np.linalg.norm(hip - shoulder)
    normal = np.array([-axis[1], axis[0]])
    facing = 1.0 if pose.px(Landmark.NOSE)[0] > shoulder[0] else -1.0
    back, front = drawn_back(tilt_deg), NoProfile("the back runs off the edge of the picture")
    plus_is_back = float(np.dot(normal, [-facing, 0.0])) >= 0
    outline = TrunkOutline(normal, back if plus_is_back else front, front if plus_is_back else back)
    return replace(pose, outline=outline)


def hinge_set(bottom_tilt_deg: float | None, standing_tilt_deg: float = 5.0):
    """Three hinges: trunk 0 -> 75 deg with soft knees; the lower back's tilt moves from standing to bottom."""

    def make(t: float, fps: float) -> Pose:
        depth = rep_profile(t, period_s=2.0)
        tilt = None if bottom_tilt_deg is None else standing_tilt_deg + (bottom_tilt_deg - standing_tilt_deg) * depth
        return with_back(squat_side(20.0, 75.0 * depth, t), tilt)

    return make


def squat_set(bottom_tilt_deg: float | None, standing_tilt_deg: float = 5.0):
    def make(t: float, fps: float) -> Pose:
        depth = rep_profile(t, period_s=1.6)
        tilt = None if bottom_tilt_deg is None else standing_tilt_deg + (bottom_tilt_deg - standing_tilt_deg) * depth
        return with_back(squat_side(110.0 * depth, 30.0 * depth, t), tilt)

    return make


def analyse(exercise: str, make) -> Analyser:
    analyser = Analyser(registry.get(exercise))
    for t, pose in sequence(make, 8.0):
        analyser.update(pose, t)
    analyser.finish()
    return analyser


@pytest.mark.parametrize("tilt", [-20.0, 0.0, 7.5, 30.0])
def test_the_lumbar_tilt_of_a_drawn_edge_is_its_angle(tilt):
    assert lumbar_tilt_deg(drawn_back(tilt)) == pytest.approx(tilt, rel=0.01, abs=0.01)


@pytest.mark.parametrize(
    ("exercise", "make", "cue", "expected", "evidence"),
    [
        # A hinge keeps the lower back's curve (tilt > 0 at the bottom); flat or turned in is rounded.
        ("deadlift", hinge_set(8.0), "lower_back_rounding", False, None),
        ("deadlift", hinge_set(2.0), "lower_back_rounding", False, None),
        ("deadlift", hinge_set(-4.0), "lower_back_rounding", True, OUTLINE),
        ("deadlift", hinge_set(-12.0), "lower_back_rounding", True, OUTLINE),
        # Without an outline a hinge has no rounding proxy: not judged.
        ("deadlift", hinge_set(None), "lower_back_rounding", False, None),
        # Squats tolerate some tuck at depth; clearly tucked (< -10 deg) is a butt wink.
        ("squat", squat_set(-4.0), "lower_back_rounding", False, None),
        ("squat", squat_set(-16.0), "lower_back_rounding", True, OUTLINE),
        # Hollow-back squat: the arch grows by > 20 deg from standing, or is beyond +28 deg.
        ("squat", squat_set(20.0), "lower_back_arching", False, None),
        ("squat", squat_set(30.0), "lower_back_arching", True, OUTLINE),
        ("squat", squat_set(31.0, standing_tilt_deg=30.0), "lower_back_arching", True, OUTLINE),
    ],
)
def test_lower_back_cues_from_the_outline(exercise, make, cue, expected, evidence):
    analyser = analyse(exercise, make)
    reps = analyser.state.reps
    assert len(reps) >= 3
    for rep in reps:
        assert (cue in rep.cues) is expected, rep
        if expected:
            assert rep.evidence[cue] == evidence


def test_a_set_without_an_outline_says_why_and_falls_back_to_the_proxy():
    # A very deep squat folds the trunk onto the thighs (hip angle < 25 deg): the landmark proxy's rounding.
    def make(t: float, fps: float) -> Pose:
        depth = rep_profile(t, period_s=1.6)
        return with_back(squat_side(150.0 * depth, 70.0 * depth, t), None)

    analyser = analyse("squat", make)
    rounded = [r for r in analyser.state.reps if "lower_back_rounding" in r.cues]
    assert rounded and all(r.evidence["lower_back_rounding"] == PROXY for r in rounded)
    performed, skipped = analyser.checks()
    reasons = {s["check"]: s["reason"] for s in skipped}
    assert "no clear back edge" in reasons["back_profile"]
    assert "back_profile" not in performed


def test_the_back_is_measured_side_on_only_unless_the_exercise_allows_oblique():
    assert registry.get("squat").back_views == frozenset({"side"})
    assert "oblique" in registry.get("deadlift").back_views


def test_an_arm_along_the_back_is_not_taken_for_the_back():
    from exercises.framework.analyser import BodyContext
    from exercises.helpers import standing_back
    from exercises.measures.back_outline import back_edge

    pose = with_back(squat_side(0.0, 0.0, 0.0), 5.0)
    edge = pose.outline.toward(np.array([-1.0, 0.0]))  # squat_side faces image-right: the back is to the left
    # The edge's points: BASE trunk lengths behind the shoulder-hip line, down the trunk.
    shoulder, hip = pose.px(Landmark.RIGHT_SHOULDER), pose.px(Landmark.RIGHT_HIP)
    trunk = float(np.linalg.norm(hip - shoulder))
    points = shoulder + np.linspace(0, 1, STATIONS)[:, None] * (hip - shoulder) + np.array([-BASE * trunk, 0.0])
    edge = replace(edge, points_px=points, trunk_px=trunk)
    ctx = BodyContext(view="side", near=None, facing=1.0, leg_scale_px=400.0, feet_seen=True)
    arm_behind = pose.xy_px.copy()
    for side in ("LEFT", "RIGHT"):  # both arms hanging right along the back edge, elbow at mid-trunk
        arm_behind[Landmark[f"{side}_ELBOW"]] = points[10]
        arm_behind[Landmark[f"{side}_WRIST"]] = points[20]
        arm_behind[Landmark[f"{side}_SHOULDER"]] = points[0] + np.array([BASE * trunk, 0.0])
    clear = replace(pose, outline=TrunkOutline(np.array([-1.0, 0.0]), edge, edge))
    covered = replace(clear, xy_px=arm_behind)
    assert np.isfinite(back_edge(clear, standing_back(ctx)).offsets).all()
    hidden = ~np.isfinite(back_edge(covered, standing_back(ctx)).offsets)
    assert hidden[10:].all()  # the forearm and the upper arm's lower half lie on the edge
