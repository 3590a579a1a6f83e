"""Single-leg deadlift (single-leg RDL): a hip hinge on one leg, reps per standing leg, the back kept neutral.

Counted and judged as the two-legged hinge (exercises/library/deadlift.py; both take the hinge from
exercises/helpers.py: trunk lean, the lower back's tilt from the outline at the bottom); each rep
also says which leg stood: the one whose ankle is lower in the picture at the bottom, the other
leg being lifted behind. Hips level and a soft standing knee are not judged: side-on, hip rotation hides in the
picture's depth, and a few degrees of knee bend are within the landmarks' noise.
"""

from __future__ import annotations

import math

from exercises.framework.analyser import SIDE_VIEWS, BodyContext, ExerciseSpec
from exercises.framework.display import Measure, OverlayLabel, at_near, between_shoulders
from exercises.framework.sides import SideVote
from exercises.framework.signature import signature
from exercises.helpers import (
    HINGE_LUMBAR_TILT,
    HingeThresholds,
    hinge_back,
    hinge_frame_metrics,
    hinge_summary,
    standing_back,
    trunk_lean_signal_deg,
)
from vision.landmarks import LEFT, RIGHT
from vision.pose import Pose


def standing_is_left(pose: Pose) -> float:
    """1.0 when the left ankle is the lower one in the picture (standing on the left leg), else 0.0; NaN unseen."""
    left, right = pose.px(LEFT.ankle)[1], pose.px(RIGHT.ankle)[1]
    if not (math.isfinite(left) and math.isfinite(right)):
        return math.nan
    return 1.0 if left > right else 0.0


T = HingeThresholds()  # the two-legged hinge's limits: the same spine
BACK = hinge_back(T)


def frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    return hinge_frame_metrics(pose, ctx) | {"standing_is_left": standing_is_left(pose)}


SPEC = ExerciseSpec(
    name="single_leg_deadlift",
    title="Single-leg deadlift",
    aliases=("single_leg_rdl", "single-leg deadlift"),
    order=45,
    signature=signature("standing", moves=("hinge", "one_leg")),  # `auto`: a hinge, one leg swung back
    counter=T.counting,
    signal=trunk_lean_signal_deg,
    frame_metrics=frame_metrics,
    summarise=hinge_summary,
    side=SideVote("standing_is_left"),  # the standing leg
    faults=BACK.faults,  # the hinge's back rule: the same spine, the same limits
    key_metric="lumbar_tilt_deg",
    overlay=(
        OverlayLabel("trunk_lean_deg", "trunk", between_shoulders),
        OverlayLabel("lumbar_tilt_deg", "low back", at_near("hip")),
    ),
    measures={
        "lumbar_tilt_deg": HINGE_LUMBAR_TILT,
        "trunk_lean_deg": Measure("Trunk lean at the bottom", "Trunk", "°", 0, "higher = deeper hinge"),
    },
    cues=BACK.cues,
    back=standing_back,
    back_views=SIDE_VIEWS,
    preferred_views=SIDE_VIEWS,
)
