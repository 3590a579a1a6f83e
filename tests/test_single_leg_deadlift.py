"""Single-leg deadlift on synthetic hinges: reps counted, the standing leg named per rep, a rounded back flagged."""

from __future__ import annotations

from dataclasses import replace

import pytest

from exercises.framework import registry
from exercises.framework.analyser import Analyser
from exercises.framework.back_rules import OUTLINE
from tests.synthetic import rep_profile, sequence, squat_side
from tests.test_back_cues import with_back
from vision.landmarks import LEFT, RIGHT


def one_leg_hinges(standing: str, bottom_tilt_deg: float, period_s: float = 2.0):
    """Hinges to 75 deg on one leg: the other leg's ankle rises behind as the trunk tips."""
    lifted = RIGHT if standing == "left" else LEFT

    def make(t: float, fps: float):
        depth = rep_profile(t, period_s=period_s)
        pose = squat_side(15.0, 75.0 * depth, t)
        xy = pose.xy_px.copy()
        for lm in (lifted.ankle, lifted.heel, lifted.toe):
            xy[lm] = xy[lm] + (-250.0 * depth - 20.0, -250.0 * depth - 20.0)  # back and up
        return with_back(replace(pose, xy_px=xy), 6.0 + (bottom_tilt_deg - 6.0) * depth)

    return make


@pytest.mark.parametrize(
    ("standing", "bottom_tilt_deg", "rounded"),
    [("left", 6.0, False), ("right", 6.0, False), ("right", -8.0, True), ("left", -8.0, True)],
)
def test_reps_sides_and_the_back(standing, bottom_tilt_deg, rounded):
    analyser = Analyser(registry.get("single_leg_deadlift"))
    for t, pose in sequence(one_leg_hinges(standing, bottom_tilt_deg), 7.8):
        analyser.update(pose, t)
    analyser.finish()
    reps = analyser.state.reps
    assert len(reps) == 3
    assert {r.side for r in reps} == {standing}
    for rep in reps:
        assert ("lower_back_rounding" in rep.cues) is rounded
        if rounded:
            assert rep.evidence["lower_back_rounding"] == OUTLINE


def test_it_is_found_by_the_manifest_names():
    assert registry.get("single_leg_rdl").name == "single_leg_deadlift"
    assert registry.get("single_leg_deadlift").posture is None  # named only: `auto` cannot tell it from a squat
