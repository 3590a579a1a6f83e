"""Squat: depth, trunk lean, lower-back proxies, knees caving, heels lifting."""

from __future__ import annotations

import math
from dataclasses import dataclass

from exercises import features as F
from exercises.analyser import BodyContext, ExerciseSpec, FaultRule, Metrics
from exercises.common import hip_drop_pct, near_or_mean, near_peak, percentile_of
from exercises.reps import RepCounterConfig, RepWindow
from vision.landmarks import LEFT, RIGHT
from vision.pose import Pose

SIDE_VIEWS = frozenset({"side", "oblique"})
FRONTAL_VIEWS = frozenset({"front", "oblique"})


@dataclass(frozen=True)
class SquatThresholds:
    # Rep counting on hip drop (% of leg length). Standing is ~0-10 %, a parallel
    # squat ~45-60 %; a rep starts after a 15 % drop (well above landmark jitter of
    # ~2-3 %) and must reach 25 % to count: a quarter squat or less is a partial rep.
    enter_pct: float = 15.0
    min_range_pct: float = 25.0
    # A rep ends when the hips are back within 25 % of the drop from standing: the
    # user is nearly upright again (finishing the rep), not merely on the way up.
    return_fraction: float = 0.25
    # 0.6 s: faster than any controlled squat (bodyweight squats take 1.5-4 s).
    min_duration_s: float = 0.6
    # 20 s covers slow tempo squats with long bottom holds.
    max_duration_s: float = 20.0
    # Depth: hip height above the knee at the bottom, as a share of thigh length.
    # 0 = hip crease level with the knee (parallel). Above +0.25 the thigh is still
    # >15 deg above horizontal: "well above parallel" (NSCA parallel-squat definition).
    shallow_depth_ratio: float = 0.25
    # Knee flexion backs up the depth ratio in oblique views: under 80 deg of knee
    # bend the thighs cannot be near parallel (parallel squats need ~100-120 deg).
    shallow_knee_flexion_deg: float = 80.0
    # Trunk lean from vertical at the bottom: bodyweight back/front squats stay
    # under ~45-50 deg; beyond 55 deg the squat turns into a hip hinge that loads the
    # lower back (Schoenfeld 2010, squat kinematics review).
    trunk_lean_deg: float = 55.0
    # Knee valgus: frontal-plane projection angle > 10 deg flags dynamic valgus
    # (Munro et al. 2012 screening cut-off for bilateral/single-leg squats).
    knee_valgus_deg: float = 10.0
    # Heel rise: the heel->toe line tilting > 10 deg more than when standing means
    # the heel has left the floor (a flat foot stays within a few degrees).
    heel_rise_deg: float = 10.0
    # Lockout arch proxy: shoulders > 10 deg behind the hips when standing tall.
    lockout_lean_back_deg: float = 10.0
    # Rounding proxy: trunk-thigh angle under 35 deg at the bottom means > 145 deg of
    # hip flexion; the hip joint gives ~120 deg (AAOS norms), the rest comes from
    # the pelvis tucking under and the lumbar spine flexing ("butt wink").
    min_hip_angle_deg: float = 35.0


T = SquatThresholds()


def frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    knee = near_or_mean(pose, ctx, F.knee_flexion_deg)
    if ctx.view != "side":
        knee = near_or_mean(pose, ctx, F.knee_flexion_world_deg)
    side = ctx.near or LEFT
    thigh = F.distance(pose.px(side.hip), pose.px(side.knee))
    depth = (pose.px(side.knee)[1] - pose.px(side.hip)[1]) / thigh if thigh > 1e-6 else math.nan
    return {
        "hip_drop_pct": hip_drop_pct(pose, ctx),
        "knee_flexion_deg": knee,
        "depth_ratio": depth,
        "trunk_lean_deg": F.trunk_lean_deg(pose) if ctx.view == "side" else F.trunk_lean_world_deg(pose),
        "hip_angle_deg": near_or_mean(pose, ctx, F.hip_angle_deg),
        "knee_valgus_deg": max(
            F.knee_valgus_deg(pose, LEFT, use_world=ctx.view != "front"),
            F.knee_valgus_deg(pose, RIGHT, use_world=ctx.view != "front"),
        ),
        "heel_rise_deg": F.heel_rise_deg(pose, side),
        "trunk_back_deg": F.trunk_backward_deg(pose, ctx.facing),
    }


def summarise(frames: list[tuple[float, Metrics]], window: RepWindow, ctx: BodyContext) -> dict[str, float]:
    # The heel angle at the start of the rep is this foot's "flat" on this floor and camera.
    heel_standing = frames[0][1].get("heel_rise_deg", math.nan) if frames else math.nan
    return {
        "knee_flexion_deg": near_peak(frames, window, "knee_flexion_deg"),
        "depth_ratio": near_peak(frames, window, "depth_ratio"),
        "trunk_lean_deg": percentile_of(frames, "trunk_lean_deg", 90),
        "hip_angle_deg": percentile_of(frames, "hip_angle_deg", 10),
        "knee_valgus_deg": near_peak(frames, window, "knee_valgus_deg", 0.4),
        "heel_rise_deg": percentile_of(frames, "heel_rise_deg", 90) - heel_standing,
        "lockout_lean_back_deg": max(
            (m.get("trunk_back_deg", math.nan) for t, m in frames if t >= window.end_s - 0.3), default=math.nan
        ),
        "hip_drop_pct": window.peak,
    }


def _shallow(m: Metrics) -> bool:
    return m["depth_ratio"] > T.shallow_depth_ratio or m["knee_flexion_deg"] < T.shallow_knee_flexion_deg


SPEC = ExerciseSpec(
    name="squat",
    counter=RepCounterConfig(
        enter=T.enter_pct,
        min_range=T.min_range_pct,
        unit="% leg",
        return_fraction=T.return_fraction,
        min_duration_s=T.min_duration_s,
        max_duration_s=T.max_duration_s,
    ),
    signal=hip_drop_pct,
    frame_metrics=frame_metrics,
    summarise=summarise,
    faults=(
        FaultRule("shallow_depth", "depth", SIDE_VIEWS, _shallow, ("depth_ratio", "knee_flexion_deg")),
        FaultRule(
            "trunk_lean",
            "trunk_lean",
            SIDE_VIEWS,
            lambda m: m["trunk_lean_deg"] > T.trunk_lean_deg,
            ("trunk_lean_deg",),
        ),
        FaultRule(
            "knees_caving",
            "knees_caving",
            FRONTAL_VIEWS,
            lambda m: m["knee_valgus_deg"] > T.knee_valgus_deg,
            ("knee_valgus_deg",),
        ),
        FaultRule(
            "heels_lifting",
            "heels",
            frozenset({"side"}),
            lambda m: m["heel_rise_deg"] > T.heel_rise_deg,
            ("heel_rise_deg",),
        ),
        FaultRule(
            "lower_back_arching",
            "lower_back",
            frozenset({"side"}),
            lambda m: m["lockout_lean_back_deg"] > T.lockout_lean_back_deg,
            ("lockout_lean_back_deg",),
        ),
        FaultRule(
            "lower_back_rounding",
            "lower_back",
            frozenset({"side"}),
            lambda m: m["hip_angle_deg"] < T.min_hip_angle_deg,
            ("hip_angle_deg",),
        ),
    ),
    key_metric="knee_flexion_deg",
    display_metrics=("knee_flexion_deg", "trunk_lean_deg", "hip_angle_deg"),
    preferred_views=SIDE_VIEWS,
)
