"""Cat-cow on a synthetic all-fours figure with a drawn lower back: cycles from the outline, range and pace."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from exercises.framework import registry
from exercises.framework.analyser import Analyser
from tests.synthetic import rep_profile, run_set, side_on_pose
from tests.test_back_cues import drawn_back
from vision.landmarks import LEFT, RIGHT, Landmark
from vision.outline import NoProfile, TrunkOutline
from vision.pose import Pose


def all_fours(t: float, tilt_deg: float | None, kneel_up: bool = False) -> Pose:
    """Facing image-right, hands under the shoulders, knees under the hips; the back edge (toward the
    ceiling) sloping by `tilt_deg` over the lower back (+ arched, the cow); None: no outline."""
    hip = np.array([500.0, 420.0])
    shoulder = hip + (np.array([0.0, -220.0]) if kneel_up else np.array([220.0, 0.0]))
    xy = np.tile(shoulder, (33, 1))
    for side in (LEFT, RIGHT):
        knee, ankle = hip + np.array([0.0, 180.0]), hip + np.array([-160.0, 190.0])
        xy[side.hip], xy[side.knee], xy[side.ankle], xy[side.shoulder] = hip, knee, ankle, shoulder
        xy[side.heel], xy[side.toe] = ankle, ankle + np.array([-10.0, 5.0])
        xy[side.elbow], xy[side.wrist] = shoulder + np.array([0.0, 90.0]), shoulder + np.array([0.0, 180.0])
    xy[Landmark.NOSE] = shoulder + np.array([70.0, 10.0])
    pose = side_on_pose(xy, t, hip)
    if tilt_deg is None:
        return replace(pose, outline=NoProfile("no clear back edge"))
    axis = (hip - shoulder) / np.linalg.norm(hip - shoulder)
    normal = np.array([-axis[1], axis[0]])
    back, front = drawn_back(tilt_deg), NoProfile("the belly's edge is not used")
    up_is_plus = float(np.dot(normal, [0.0, -1.0])) >= 0
    return replace(pose, outline=TrunkOutline(normal, back if up_is_plus else front, front if up_is_plus else back))


def cycles(period_s: float, cow_deg: float = 30.0, cat_deg: float = 20.0):
    """Cow (arched) at rest, rounding up into the cat and back, one cycle every period + 0.6 s."""
    return lambda t, fps: all_fours(t, cow_deg - (cow_deg + cat_deg) * rep_profile(t, period_s))


def analyse(make, duration_s: float) -> Analyser:
    return run_set("cat_cow", make, duration_s)


@pytest.mark.parametrize(("period_s", "cues"), [(6.0, ()), (2.0, ("cat_cow_rushed",))])
def test_cycles_counted_with_their_range_and_pace(period_s, cues):
    analyser = analyse(cycles(period_s), 3 * (period_s + 0.6) + 0.3)
    reps = analyser.state.reps
    assert len(reps) == 3
    for rep in reps:
        assert rep.metrics["cat_rounding_deg"] == pytest.approx(20.0, abs=2.0)
        assert rep.metrics["cow_arch_deg"] == pytest.approx(30.0, abs=2.0)
        assert rep.metrics["spine_range_deg"] == pytest.approx(50.0, abs=3.0)
        assert rep.cues == cues


def test_a_small_wobble_of_the_back_is_not_a_cycle():
    assert analyse(cycles(4.0, cow_deg=5.0, cat_deg=5.0), 14.0).state.reps == []


def test_without_an_outline_nothing_is_counted_and_the_reason_is_kept():
    analyser = analyse(lambda t, fps: all_fours(t, None), 6.0)
    assert analyser.state.reps == []
    assert analyser.state.back_missing.most_common(1)[0][0] == "no clear back edge"


def test_kneeling_up_between_cycles_is_not_a_cycle():
    def make(t: float, fps: float) -> Pose:
        return all_fours(t, -20.0 if 2.0 <= t < 4.0 else 30.0, kneel_up=2.0 <= t < 4.0)

    assert analyse(make, 7.0).state.reps == []


def test_rounding_sign():
    analyser = Analyser(registry.get("cat_cow"))
    cat = analyser.update(all_fours(0.0, -15.0), 0.0)
    assert cat.metrics["rounding_deg"] == pytest.approx(15.0, abs=1.0)
    assert math.isfinite(cat.signal)
