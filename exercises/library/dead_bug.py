"""Dead bug (on the back, arms and legs in tabletop; lower one arm and the opposite leg): reps per reaching leg.

Side-on, the reaching leg opens from ~90 deg (tabletop) toward straight
(exercises.helpers.reaching_leg_deg); the rep's side is that leg's. The same signal counts
the regressed heel-slide version (feet on the floor, one heel sliding out). The lower back
staying down is measured where the view allows (its tilt from the outline, toward the
floor) and reported, not judged yet: no labelled fault in the programme's clips sets a limit.
"""

from __future__ import annotations

from exercises.framework.analyser import SIDE_VIEWS, ExerciseSpec
from exercises.framework.display import Measure, OverlayLabel, at_near
from exercises.framework.signature import signature
from exercises.helpers import (
    REACH_COUNTING,
    REACHING_SIDE,
    lying_back,
    reach_frame_metrics,
    reach_summary,
    reaching_leg_deg,
)

SPEC = ExerciseSpec(
    name="dead_bug",
    title="Dead bug",
    order=80,
    signature=signature("on_back", moves=("leg_reach",), still=("hips_lift",)),  # `auto`: on the back, a leg reaches
    counter=REACH_COUNTING,
    signal=reaching_leg_deg,
    frame_metrics=reach_frame_metrics,
    summarise=reach_summary,
    side=REACHING_SIDE,
    faults=(),
    key_metric="leg_opening_deg",
    overlay=(OverlayLabel("leg_opening_deg", "leg", at_near("knee")),),
    measures={"leg_opening_deg": Measure("Reaching leg, lowered", "Reach", "°", 0, "180 = leg in line with trunk")},
    back=lying_back,
    preferred_views=SIDE_VIEWS,
)
