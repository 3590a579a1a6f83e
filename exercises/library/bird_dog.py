"""Bird-dog (on all fours, reach one arm forward and the opposite leg back): reps per reaching leg.

Side-on, the reaching leg opens from ~90 deg (thigh under the hip, knee bent) toward a
straight line with the trunk (exercises.helpers.reaching_leg_deg); the rep's side is that
leg's. The lower back's tilt from the outline (toward the ceiling) is reported, not judged
yet: no labelled fault in the programme's clips sets a limit. Reach height and the hips
staying level are not judged yet.
"""

from __future__ import annotations

from exercises.framework.analyser import SIDE_VIEWS, ExerciseSpec
from exercises.framework.display import Measure, OverlayLabel, at_near
from exercises.framework.signature import signature
from exercises.helpers import (
    REACH_COUNTING,
    REACHING_SIDE,
    ceiling,
    reach_frame_metrics,
    reach_summary,
    reaching_leg_deg,
)

SPEC = ExerciseSpec(
    name="bird_dog",
    title="Bird-dog",
    order=70,
    signature=signature("all_fours", moves=("leg_reach",)),  # `auto`: on all fours, a leg reaches back
    counter=REACH_COUNTING,
    signal=reaching_leg_deg,
    frame_metrics=reach_frame_metrics,
    summarise=reach_summary,
    side=REACHING_SIDE,
    faults=(),
    key_metric="leg_opening_deg",
    overlay=(OverlayLabel("leg_opening_deg", "leg", at_near("knee")),),
    measures={"leg_opening_deg": Measure("Leg at full reach", "Reach", "°", 0, "180 = leg in line with trunk")},
    back=ceiling,
    preferred_views=SIDE_VIEWS,
)
