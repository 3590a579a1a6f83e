"""Lunge / split squat: front-knee depth, rear-hip extension, trunk lean, knees caving."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from exercises.framework.analyser import SIDE_VIEWS, BodyContext, ExerciseSpec, Metrics, above, below
from exercises.framework.back_rules import OnlyWhile, arching, lower_back
from exercises.framework.cues import Cue, Severity
from exercises.framework.display import Measure, OverlayLabel, between_shoulders
from exercises.framework.reps import RepCounterConfig, RepWindow
from exercises.framework.sides import SideVote
from exercises.framework.signature import signature
from exercises.helpers import (
    KNEES_CAVING,
    REFERENCE_CHANGE_DEG,
    SHALLOW_DEPTH,
    TRUNK_LEAN,
    TRUNK_LEAN_CUE,
    back_summary,
    hip_drop_pct,
    near_peak,
    percentile_of,
    standing_back,
    thigh_drop_pct,
)
from exercises.measures import features as F
from vision.landmarks import LEFT, RIGHT, Landmark, Side
from vision.pose import Pose


@dataclass(frozen=True)
class LungeThresholds:
    # Hip drop in % of leg length: a lunge to ~90 deg front knee drops the hips by
    # 35-55 %; a rep starts after 12 % and must reach 20 % to count. It ends back
    # within 20 % of the drop from standing: the user has stood up (or stepped back).
    counting: RepCounterConfig = RepCounterConfig(
        enter=12.0, min_range=20.0, unit="% leg", return_fraction=0.2, min_duration_s=0.6, max_duration_s=15.0
    )
    # Front knee bend at the bottom: ~90 deg is the usual target; under 65 deg the
    # front thigh is far from horizontal (a quarter lunge).
    shallow_front_knee_deg: float = 65.0
    # Trunk from vertical at the bottom: coaching guides ask for an upright trunk or
    # a slight lean (~10-20 deg), and upright lunges measured 5-15 deg in our clips;
    # beyond 25 deg the lean is deliberate or compensating (hip-hinge lunge).
    trunk_lean_deg: float = 25.0
    # Rear thigh vs trunk line at the bottom: 0 = in line; tight hip flexors keep it
    # in front of the trunk line (negative). -10 deg allows for landmark noise.
    rear_hip_extension_min_deg: float = -10.0
    # Front-knee frontal-plane projection angle (FPPA) > 10 deg: dynamic valgus
    # (Munro et al. 2012). Judged only square-on: in oblique views the bent knee's
    # projection mixes flexion into the angle.
    knee_valgus_deg: float = 10.0
    # The tight-hip-flexor lunge: the lower back arches at the bottom instead of the rear hip
    # extending. From the outline (side view): the lower back's tilt grows by > 12 deg from
    # standing before the rep (ordinary side-view lunges here: -10 to -6 deg) while the rear hip
    # is still flexed (rear hip extension under 0 deg).
    arching_lumbar_tilt_change_deg: float = 12.0
    # With the person's calibration: the same pattern with the lower back past three quarters
    # of their own full forward tilt at the bottom (exercises/measures/calibration.py).
    calibrated_arch_share: float = 0.75
    # With the person's reference set (a lunge set of theirs, side-on): the same pattern with the tilt at the
    # bottom more than 8 deg above the reference's median, deg (REFERENCE_CHANGE_DEG, exercises/helpers.py).
    reference_arch_change_deg: float = REFERENCE_CHANGE_DEG
    # Not a lunge: under 35 deg of front-knee bend at the bottom the hips went down by
    # bending over, not by lunging (a shallow lunge still bends the front knee 45+ deg).
    min_front_knee_flexion_deg: float = 35.0


T = LungeThresholds()

BACK = lower_back(
    arching(
        ref_change_deg=T.reference_arch_change_deg,
        share=T.calibrated_arch_share,
        change_deg=T.arching_lumbar_tilt_change_deg,
        only_while=OnlyWhile("rear_hip_extension_deg", below=0.0),  # the rear hip still flexed
    ),
)


def not_a_lunge(metrics: Metrics) -> str | None:
    knee = metrics.get("front_knee_flexion_deg", math.nan)
    if math.isfinite(knee) and knee < T.min_front_knee_flexion_deg:
        return f"front knee bent only {knee:.0f} deg: bending over, not a lunge"
    return None


def front_side(pose: Pose, ctx: BodyContext) -> Side | None:
    """The leg in front: the ankle further along the facing direction.

    Side/oblique views: along image x in the facing direction. Front view: the
    ankle lower in the image (nearer the camera) is in front.
    """
    la, ra = pose.px(Landmark.LEFT_ANKLE), pose.px(Landmark.RIGHT_ANKLE)
    if not (np.all(np.isfinite(la)) and np.all(np.isfinite(ra))):
        return None
    if ctx.view == "front":
        return LEFT if la[1] > ra[1] else RIGHT
    return LEFT if (la[0] - ra[0]) * ctx.facing > 0 else RIGHT


def rear_hip_extension_deg(pose: Pose, rear: Side, facing: float) -> float:
    """Rear thigh vs the trunk line, side view, degrees: 0 = in line, + = thigh behind the trunk.

    Proxy for hip-flexor length: the pelvis is not tracked, so a thigh that stays in
    front of the trunk line is read as the hip not reaching extension.
    """
    bend = 180.0 - F.hip_angle_deg(pose, rear)
    knee, hip = pose.px(rear.knee), pose.px(rear.hip)
    shoulder = pose.px(rear.shoulder)
    trunk_dir = hip - shoulder  # continuing the trunk line down past the hip
    cross = trunk_dir[0] * (knee - hip)[1] - trunk_dir[1] * (knee - hip)[0]
    # For someone facing image-right, a knee behind the trunk line is to its clockwise side.
    behind = cross * facing < 0
    return bend if behind else -bend


def frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    front = front_side(pose, ctx)
    if front is None:
        return {"hip_drop_pct": hip_drop_pct(pose, ctx)}
    flex = F.knee_flexion_deg if ctx.view == "side" else F.knee_flexion_world_deg
    return {
        "hip_drop_pct": hip_drop_pct(pose, ctx),
        "front_knee_flexion_deg": flex(pose, front),
        "rear_knee_flexion_deg": flex(pose, front.other),
        "rear_hip_extension_deg": rear_hip_extension_deg(pose, front.other, ctx.facing),
        "trunk_lean_deg": F.trunk_lean_deg(pose) if ctx.view == "side" else F.trunk_lean_world_deg(pose),
        "knee_valgus_deg": F.knee_valgus_deg(pose, front, use_world=ctx.view != "front"),
        "front_is_left": 1.0 if front is LEFT else 0.0,
    }


def summarise(frames: list[tuple[float, Metrics]], window: RepWindow, ctx: BodyContext) -> dict[str, float]:
    return {
        "front_knee_flexion_deg": near_peak(frames, window, "front_knee_flexion_deg"),
        "rear_hip_extension_deg": near_peak(frames, window, "rear_hip_extension_deg"),
        "trunk_lean_deg": near_peak(frames, window, "trunk_lean_deg", 0.4),
        "knee_valgus_deg": near_peak(frames, window, "knee_valgus_deg", 0.4),
        "max_trunk_lean_deg": percentile_of(frames, "trunk_lean_deg", 90),
        "hip_drop_pct": window.peak,
        **back_summary(frames, window, "hip_drop_pct"),
    }


def front_leg(metrics: Metrics) -> Side:
    """The front leg of this frame (it changes from rep to rep), from `front_is_left`."""
    return LEFT if metrics.get("front_is_left", 0.0) >= 0.5 else RIGHT


def rear_thigh_middle(pose: Pose, side: Side, metrics: Metrics) -> np.ndarray:
    rear = front_leg(metrics).other
    return (pose.px(rear.hip) + pose.px(rear.knee)) / 2


REAR_HIP_NOT_EXTENDED = Cue(
    "rear_hip_not_extended",
    Severity.WARN,
    "Tuck your pelvis and open the front of your back hip.",
    "A back thigh that never gets behind the trunk is the sign of tight hip flexors"
    " pulling the pelvis forward.",
)

SPEC = ExerciseSpec(
    name="lunge",
    title="Lunge",
    aliases=("split_squat",),
    order=20,
    posture="split_stance",  # the exercise-mismatch check
    signature=signature("standing", moves=("split_stance",), still=("hinge",)),  # `auto`: standing, feet split at depth
    counter=T.counting,
    signal=hip_drop_pct,
    fallback_signal=thigh_drop_pct,
    fallback_label="the hips and thighs (the lower legs were out of view)",
    frame_metrics=frame_metrics,
    summarise=summarise,
    side=SideVote("front_is_left"),  # the rep's front leg
    faults=(
        below("shallow_depth", "depth", SIDE_VIEWS, "front_knee_flexion_deg", T.shallow_front_knee_deg),
        above("trunk_lean", "trunk_lean", SIDE_VIEWS, "trunk_lean_deg", T.trunk_lean_deg),
        below(
            "rear_hip_not_extended",
            "rear_hip_extension",
            frozenset({"side"}),
            "rear_hip_extension_deg",
            T.rear_hip_extension_min_deg,
        ),
        above("knees_caving", "knees_caving", frozenset({"front"}), "knee_valgus_deg", T.knee_valgus_deg),
        *BACK.faults,
    ),
    cues=(REAR_HIP_NOT_EXTENDED, SHALLOW_DEPTH, TRUNK_LEAN_CUE, KNEES_CAVING, *BACK.cues),
    key_metric="front_knee_flexion_deg",
    overlay=(
        OverlayLabel("front_knee_flexion_deg", "front knee", lambda p, s, m: p.px(front_leg(m).knee)),
        # On the rear thigh, where the angle lives (the hip point is shared with the front leg).
        OverlayLabel("rear_hip_extension_deg", "rear hip", rear_thigh_middle),
        OverlayLabel("trunk_lean_deg", "trunk", between_shoulders),
    ),
    measures={
        "rear_hip_extension_deg": Measure(
            "Rear hip extension at the bottom", "Rear hip", "°", 0, "positive = back thigh behind the trunk", 0.0
        ),
        "trunk_lean_deg": TRUNK_LEAN,
    },
    back=standing_back,
    preferred_views=SIDE_VIEWS,
    not_a_rep=not_a_lunge,
)
