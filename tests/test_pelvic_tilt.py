"""Supine pelvic tilt on a synthetic lying figure: reps of the hip opening a few degrees, bridging up flagged."""

from __future__ import annotations

import pytest

from exercises.framework.analyser import Analyser
from tests.synthetic import bridge_side, rep_profile, run_set, squat_side

REST_DEG = 120.0  # shoulder-hip-knee angle lying with the knees bent


def analyse(make, duration_s: float) -> Analyser:
    return run_set("pelvic_tilt", make, duration_s)


@pytest.mark.parametrize(
    ("opening_deg", "reps", "cues"),
    [
        (10.0, 3, ()),  # a tilt: the hip opens ~10 deg, the hips stay down
        (15.0, 3, ()),
        (3.0, 0, ()),  # landmark noise, not a tilt
        (55.0, 3, ("pelvic_tilt_bridging",)),  # the hips lifted into a bridge
    ],
)
def test_tilts_counted_and_bridging_flagged(opening_deg, reps, cues):
    make = lambda t, fps: bridge_side(REST_DEG + opening_deg * rep_profile(t, 2.0), t)  # noqa: E731
    counted = analyse(make, 3 * 2.6 + 0.3).state.reps
    assert len(counted) == reps
    for rep in counted:
        assert rep.metrics["tilt_range_deg"] == pytest.approx(opening_deg, abs=1.5)
        assert rep.cues == cues


def test_standing_hip_movement_is_not_a_tilt():
    make = lambda t, fps: squat_side(40.0 * rep_profile(t, 2.0), 30.0 * rep_profile(t, 2.0), t)  # noqa: E731
    assert analyse(make, 8.0).state.reps == []
