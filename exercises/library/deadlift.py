"""Hip hinge (kettlebell, Romanian or conventional deadlift): reps on trunk lean, the back kept neutral.

The hinge is where a rounded lower back does the most harm: the trunk is near
horizontal and the load hangs from the shoulders, so the lumbar spine must hold its
curve while the hips do the work. The rounding check reads the back's outline
(exercises/measures/back_outline.py); there is no landmark proxy for it in a hinge (the hip angle says
how far the person bent, not where), so without the outline the check is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from exercises.framework.analyser import SIDE_VIEWS, BodyContext, ExerciseSpec, Metrics
from exercises.framework.back_rules import lower_back, rounding
from exercises.framework.display import Measure, OverlayLabel, at_near, between_shoulders
from exercises.framework.reps import RepCounterConfig, RepWindow
from exercises.helpers import TRUNK_LEAN, back_summary, near_or_mean, near_peak, standing_back
from exercises.measures import features as F
from vision.pose import Pose


@dataclass(frozen=True)
class HingeThresholds:
    # Rep signal: trunk lean from vertical, deg (0 standing). A kettlebell deadlift or RDL
    # takes the trunk 40-90 deg forward; a rep starts 15 deg from upright (well above the
    # ~3-5 deg of sway standing), must reach 25 deg, and ends back within 30 % of the range.
    # Under 0.6 s is a bounce, over 20 s is not one rep.
    counting: RepCounterConfig = RepCounterConfig(
        enter=15.0, min_range=25.0, unit="deg", return_fraction=0.3, min_duration_s=0.6, max_duration_s=20.0
    )
    # Rounding at the bottom: a neutral lumbar spine keeps its curve, so the lower back's edge
    # slopes out toward the buttocks (`lumbar_tilt_deg` > 0: +2 to +10 deg on the labelled
    # neutral hinges of ../shared/videos/back, side-on and at 45 deg); a flexed one loses it and
    # the edge turns in (-4 to -14 deg on the rounded ones). -1 deg: the curve gone, with a
    # degree of tolerance for the edge's noise. Measured 2026-12-04 (docs/metrics.md).
    rounded_lumbar_tilt_deg: float = -1.0
    # With the person's calibration (exercises/measures/calibration.py): rounded past half of their own
    # full voluntary tuck; a hinge should stay near neutral.
    calibrated_round_share: float = -0.5


T = HingeThresholds()

# No proxy: in a hinge the hip angle says how far the person bent, not where.
BACK = lower_back(rounding(share=T.calibrated_round_share, tilt_deg=T.rounded_lumbar_tilt_deg), views=SIDE_VIEWS)


def trunk_lean_signal_deg(pose: Pose, ctx: BodyContext) -> float:
    """Rep signal: trunk lean from vertical; from world landmarks when not side-on (the picture foreshortens it)."""
    return F.trunk_lean_deg(pose) if ctx.view == "side" else F.trunk_lean_world_deg(pose)


def frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    return {
        "trunk_lean_deg": trunk_lean_signal_deg(pose, ctx),
        "knee_flexion_deg": near_or_mean(pose, ctx, F.knee_flexion_deg),
        "hip_angle_deg": near_or_mean(pose, ctx, F.hip_angle_deg),
    }


def summarise(frames: list[tuple[float, Metrics]], window: RepWindow, ctx: BodyContext) -> dict[str, float]:
    return {
        "trunk_lean_deg": window.peak,
        "knee_flexion_deg": near_peak(frames, window, "knee_flexion_deg"),
        "hip_angle_deg": near_peak(frames, window, "hip_angle_deg"),
        **back_summary(frames, window, "trunk_lean_deg"),
    }


SPEC = ExerciseSpec(
    name="deadlift",
    title="Hip hinge (deadlift)",
    aliases=("hip_hinge", "kettlebell_deadlift", "romanian_deadlift", "rdl"),
    order=40,
    # Not recognised by `auto`: standing with the feet side by side, a hinge and a squat share a posture.
    posture=None,
    counter=T.counting,
    signal=trunk_lean_signal_deg,
    frame_metrics=frame_metrics,
    summarise=summarise,
    faults=BACK.faults,
    key_metric="lumbar_tilt_deg",
    overlay=(
        OverlayLabel("trunk_lean_deg", "trunk", between_shoulders),
        OverlayLabel("knee_flexion_deg", "knee", at_near("knee")),
        OverlayLabel("lumbar_tilt_deg", "low back", at_near("hip")),
    ),
    measures={
        "lumbar_tilt_deg": Measure(
            "Lower-back tilt at the bottom (outline)", "Low back", "°", 0, "above 0 = lower back keeps its curve", 0.0
        ),
        "trunk_lean_deg": TRUNK_LEAN,
    },
    cues=BACK.cues,
    back=standing_back,
    back_views=SIDE_VIEWS,
    preferred_views=SIDE_VIEWS,
)
