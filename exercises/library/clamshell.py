"""Clamshell (side-lying, knees bent, feet together): the top knee opens; reps per working hip.

Filmed from the front (the person lying facing the camera), the two thighs fan apart at
the hips as the top knee lifts: the knee opening is the angle between the thighs
(hip -> knee of each leg) in the picture. The working hip is the top one (higher in the
picture). The pelvis rolling back is not judged yet: from the front it is a turn in the
picture's depth, which the landmarks' depth estimate does not resolve at this size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from exercises.framework.analyser import FRONTAL_VIEWS, BodyContext, ExerciseSpec, Metrics
from exercises.framework.display import Measure, OverlayLabel, at_near
from exercises.framework.reps import RepCounterConfig, RepWindow
from exercises.framework.sides import SideVote
from exercises.framework.signature import signature
from exercises.measures.geometry import angle_between_deg
from vision.landmarks import LEFT, RIGHT
from vision.pose import Pose


@dataclass(frozen=True)
class ClamshellThresholds:
    # Rep signal: knee opening, deg between the thighs. Closed ~0-10 deg (knees stacked, landmark
    # noise ~3 deg), open 20-45 deg (a banded clamshell opens less: ~20-30 deg in the programme's
    # clips). A rep starts 8 deg above the closed position, must open by 12 deg, ends back within
    # 30 % of the range. 0.4 s: the programme's GIF clips have 3-10 frames a second.
    counting: RepCounterConfig = RepCounterConfig(
        enter=8.0, min_range=12.0, unit="deg", return_fraction=0.3, min_duration_s=0.4, max_duration_s=20.0
    )


T = ClamshellThresholds()


def knee_opening_deg(pose: Pose, ctx: BodyContext) -> float:
    """Angle between the two thighs (hip -> knee) in the picture, deg: 0 with the knees stacked."""
    thighs = [pose.px(side.knee) - pose.px(side.hip) for side in (LEFT, RIGHT)]
    if not all(math.isfinite(float(v[0])) and math.isfinite(float(v[1])) for v in thighs):
        return math.nan
    return angle_between_deg(thighs[0], thighs[1])


def top_is_left(pose: Pose) -> float:
    """1.0 when the left hip is the top one (higher in the picture: the left hip works), else 0.0."""
    left, right = pose.px(LEFT.hip)[1], pose.px(RIGHT.hip)[1]
    if not (math.isfinite(left) and math.isfinite(right)):
        return math.nan
    return 1.0 if left < right else 0.0


def frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    return {"knee_opening_deg": knee_opening_deg(pose, ctx), "top_is_left": top_is_left(pose)}


def summarise(frames: list[tuple[float, Metrics]], window: RepWindow, ctx: BodyContext) -> dict[str, float]:
    return {"knee_opening_deg": window.peak, "knee_opening_range_deg": window.range}


SPEC = ExerciseSpec(
    name="clamshell",
    title="Clamshell",
    order=60,
    signature=signature("on_side"),  # `auto`: the one exercise lying on the side
    counter=T.counting,
    signal=knee_opening_deg,
    frame_metrics=frame_metrics,
    summarise=summarise,
    side=SideVote("top_is_left"),  # the working (top) hip
    faults=(),
    key_metric="knee_opening_deg",
    overlay=(OverlayLabel("knee_opening_deg", "opening", at_near("knee")),),
    measures={
        "knee_opening_deg": Measure("Knee opening at the top", "Opening", "°", 0, "higher = wider opening"),
    },
    preferred_views=FRONTAL_VIEWS,
)
