"""Hip hinge (kettlebell, Romanian or conventional deadlift): reps on trunk lean, the back kept neutral.

The hinge is where a rounded lower back does the most harm: the trunk is near
horizontal and the load hangs from the shoulders, so the lumbar spine must hold its
curve while the hips do the work. The rounding check reads the back's outline
(exercises/measures/back_outline.py); there is no landmark proxy for it in a hinge (the hip angle says
how far the person bent, not where), so without the outline the check is skipped.
"""

from __future__ import annotations

from exercises.framework.analyser import SIDE_VIEWS, ExerciseSpec
from exercises.framework.display import OverlayLabel, at_near, between_shoulders
from exercises.framework.signature import signature
from exercises.helpers import (
    HINGE_LUMBAR_TILT,
    TRUNK_LEAN,
    HingeThresholds,
    hinge_back,
    hinge_frame_metrics,
    hinge_summary,
    standing_back,
    trunk_lean_signal_deg,
)

T = HingeThresholds()
BACK = hinge_back(T)

SPEC = ExerciseSpec(
    name="deadlift",
    title="Hip hinge (deadlift)",
    aliases=("hip_hinge", "kettlebell_deadlift", "romanian_deadlift", "rdl"),
    order=40,
    signature=signature("standing", moves=("hinge",), still=("one_leg",)),  # `auto`: a hinge on both legs
    counter=T.counting,
    signal=trunk_lean_signal_deg,
    frame_metrics=hinge_frame_metrics,
    summarise=hinge_summary,
    faults=BACK.faults,
    key_metric="lumbar_tilt_deg",
    overlay=(
        OverlayLabel("trunk_lean_deg", "trunk", between_shoulders),
        OverlayLabel("knee_flexion_deg", "knee", at_near("knee")),
        OverlayLabel("lumbar_tilt_deg", "low back", at_near("hip")),
    ),
    measures={
        "lumbar_tilt_deg": HINGE_LUMBAR_TILT,
        "trunk_lean_deg": TRUNK_LEAN,
    },
    cues=BACK.cues,
    back=standing_back,
    back_views=SIDE_VIEWS,
    preferred_views=SIDE_VIEWS,
)
