"""Supine pelvic tilt (on the back, knees bent, feet flat): tilt the pelvis back, flattening the lower back.

Tilting the pelvis back with the thighs still is extension at the hip joint: the
shoulder-hip-knee angle opens by a few degrees (~10 in the programme's clearest clip) while
the hips stay on the floor. That opening is the rep signal (side-on, both hips' mean).
Bridging up instead (the hips leaving the floor) opens it by far more: a rep whose range
exceeds `bridging_deg` is flagged. The lower back's tilt from the outline is reported, not
judged: it is often lost lying (arms along the body, the floor's edge), and the programme's
clips set no limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from exercises.framework.analyser import SIDE_VIEWS, BodyContext, ExerciseSpec, Metrics, above
from exercises.framework.cues import Cue, Severity
from exercises.framework.display import Measure, OverlayLabel, at_near
from exercises.framework.reps import RepCounterConfig, RepWindow
from exercises.framework.signature import signature
from exercises.helpers import back_summary, lying_back, near_or_mean
from exercises.measures import features as F
from vision.pose import Pose


@dataclass(frozen=True)
class PelvicTiltThresholds:
    # Lying: the trunk at least this far from vertical, deg (world; lying reads 75-90).
    min_trunk_from_vertical_deg: float = 55.0
    # Rep signal: the hip angle, deg. At rest 120-123 with ~2 deg of landmark noise, a tilt opens it
    # to 130-131 in the programme's clip: a rep starts 4 deg up and must open 6.
    counting: RepCounterConfig = RepCounterConfig(
        enter=4.0, min_range=6.0, unit="deg", return_fraction=0.35, min_duration_s=0.6, max_duration_s=8.0
    )
    # A rep opening the hip by more than this, deg, lifted the hips: a bridge, not a tilt (a bridge
    # opens it by 40-60; a tilt by 5-12).
    bridging_deg: float = 25.0


T = PelvicTiltThresholds()


def hip_opening_deg(pose: Pose, ctx: BodyContext) -> float:
    """Rep signal: the shoulder-hip-knee angle, deg (side view); NaN unless lying."""
    if not F.trunk_lean_world_deg(pose) >= T.min_trunk_from_vertical_deg:
        return math.nan
    return near_or_mean(pose, ctx, F.hip_angle_deg)


def frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    return {"hip_angle_deg": hip_opening_deg(pose, ctx)}


def summarise(frames: list[tuple[float, Metrics]], window: RepWindow, ctx: BodyContext) -> dict[str, float]:
    return {"tilt_range_deg": window.range, **back_summary(frames, window, "hip_angle_deg")}


CUES = (
    Cue(
        "pelvic_tilt_bridging",
        Severity.WARN,
        "Keep your hips on the floor: tilt the pelvis back, don't lift it.",
        "Lifting the hips turns the tilt into a bridge; the tilt trains control of the pelvis itself.",
    ),
)

SPEC = ExerciseSpec(
    name="pelvic_tilt",
    title="Pelvic tilt",
    aliases=("posterior_pelvic_tilt",),
    order=65,
    signature=signature("on_back", still=("hips_lift", "leg_reach")),  # `auto`: on the back, hips and legs stay put
    counter=T.counting,
    signal=hip_opening_deg,
    frame_metrics=frame_metrics,
    summarise=summarise,
    faults=(above("pelvic_tilt_bridging", "hips_on_floor", SIDE_VIEWS, "tilt_range_deg", T.bridging_deg),),
    cues=CUES,
    key_metric="tilt_range_deg",
    overlay=(OverlayLabel("hip_angle_deg", "hip", at_near("hip")),),
    measures={"tilt_range_deg": Measure("Hip opening of the tilt", "Tilt", "°", 0, "higher = fuller tilt")},
    back=lying_back,
    preferred_views=SIDE_VIEWS,
)
