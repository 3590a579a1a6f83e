"""Measurements and rep summaries shared by the exercise specs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from exercises.framework.analyser import SIDE_VIEWS, BodyContext, Metrics
from exercises.framework.back_rules import BackRules, lower_back, rounding
from exercises.framework.cues import Cue, Severity
from exercises.framework.display import Measure
from exercises.framework.reps import RepCounterConfig, RepWindow
from exercises.framework.sides import SideVote
from exercises.measures import features as F
from exercises.measures.back_outline import FLOOR
from vision.landmarks import LEFT, RIGHT
from vision.pose import Pose

# Against the person's reference set (exercises/measures/reference.py): a rep's lower-back tilt at the bottom
# more than 8 deg from the reference's median, arched (+) or rounded (-), deg. Reason: larger than the
# minimal detectable change (MDC) of one rep against a reference median, measured 4.0-7.1 deg for the
# standing exercises on the shared clips (docs/metrics.md, Reliability; `formcheck bench-reliability` fails
# when a rule's margin is not above it); the labelled hinges of ../shared/videos/back differ by ~9-20 deg
# between the same person's neutral and rounded reps, their neutral reps by at most ~6 deg from their own
# median. Lying down (bridges) the MDC is larger: the bridge declares its own margin.
REFERENCE_CHANGE_DEG = 8.0

# Fault cues several exercises raise with the same meaning, declared once here for each to list.
SHALLOW_DEPTH = Cue(
    "shallow_depth",
    Severity.WARN,
    "Go a little deeper: hips down toward knee height.",
    "Short reps skip the range where the glutes and hips work hardest.",
)
TRUNK_LEAN_CUE = Cue(
    "trunk_lean",
    Severity.WARN,
    "Chest up: keep your trunk more upright.",
    "A big forward lean moves load from the hips to the lower back.",
)
KNEES_CAVING = Cue(
    "knees_caving",
    Severity.WARN,
    "Push your knees out over your toes.",
    "Knees that cave in shift load off the glutes and twist the hips and knees.",
)

# Trunk lean is a key measure of squats and lunges alike, read the same way.
TRUNK_LEAN = Measure("Trunk lean from vertical", "Trunk lean", "°", 0, "lower = more upright trunk")


def hip_drop_pct(pose: Pose, ctx: BodyContext) -> float:
    """Rep signal for squats and lunges: how far the hips have dropped, in % of the leg's length
    (exercises.measures.features.hip_drop_pct, with the leg's length the analyser keeps)."""
    return F.hip_drop_pct(pose, ctx.leg_scale_px)


def thigh_drop_pct(pose: Pose, ctx: BodyContext) -> float:
    """Stand-in rep signal when no foot is in view: the more level thigh's drop, % of leg length.

    50 x (1 - the thigh's vertical extent / its length), from world landmarks (so a zoom or
    a step toward the camera changes nothing): 0 with the thigh vertical (standing), 50
    with it level (hips at knee height), as the hips would have dropped by one thigh of
    the two-segment leg. The more level of the two thighs is the working one: in a lunge
    the rear thigh stays near vertical. The analyser maps it onto `hip_drop_pct`'s scale
    (exercises/framework/fallback.py), since the shins' tilt adds to the real drop.
    """
    drops = []
    for side in (LEFT, RIGHT):
        d = pose.world(side.knee) - pose.world(side.hip)
        length = float(np.linalg.norm(d))
        if length > 1e-6 and np.all(np.isfinite(d)):
            drops.append(50.0 * (1.0 - float(d[1]) / length))
    return max(drops) if drops else math.nan


def near_or_mean(pose: Pose, ctx: BodyContext, fn) -> float:
    """A per-side measure from the side facing the camera in side views, else the mean of both sides."""
    if ctx.view == "side" and ctx.near is not None:
        return fn(pose, ctx.near)
    values = [fn(pose, side) for side in (LEFT, RIGHT)]
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def series(frames: list[tuple[float, Metrics]], key: str) -> np.ndarray:
    return np.array([m.get(key, math.nan) for _, m in frames], dtype=float)


def near_peak(frames: list[tuple[float, Metrics]], window: RepWindow, key: str, half_width_s: float = 0.25) -> float:
    """Median of `key` within +-half_width_s of the rep's peak: robust to one noisy frame."""
    values = [m.get(key, math.nan) for t, m in frames if abs(t - window.peak_s) <= half_width_s]
    finite = [v for v in values if math.isfinite(v)]
    return float(np.median(finite)) if finite else math.nan


def percentile_of(frames: list[tuple[float, Metrics]], key: str, q: float) -> float:
    """q-th percentile of `key` over the rep (a robust maximum: one glitch frame does not decide)."""
    values = series(frames, key)
    values = values[np.isfinite(values)]
    return float(np.percentile(values, q)) if values.size else math.nan


def standing_back(ctx: BodyContext) -> np.ndarray:
    """Image direction of a standing person's back: away from where they face."""
    return np.array([-ctx.facing, 0.0])


def lying_back(ctx: BodyContext) -> np.ndarray:
    """Image direction of the back of a person lying on it: the floor."""
    return FLOOR


def ceiling(ctx: BodyContext) -> np.ndarray:
    """On all fours (or face down) the back faces up: away from the floor."""
    return -FLOOR


def _median(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.median(finite)) if finite else math.nan


def at_extreme(frames: list[tuple[float, Metrics]], window: RepWindow, signal: str, key: str) -> float:
    """Median of `key` over the frames of the rep's extreme: the rep signal within 15 % of its range from the peak.

    Not a fixed time around the peak: the back's shape matters for as long as the position
    is held, and a few frames there may lack a back edge.
    """
    band = window.peak - 0.15 * window.range
    return _median([m.get(key, math.nan) for _, m in frames if m.get(signal, -math.inf) >= band])


def back_summary(frames: list[tuple[float, Metrics]], window: RepWindow, signal: str) -> dict[str, float]:
    """Rep measures of the back at the rep's extreme (a bottom, a bridge's top), and the tilt's change from rest."""
    curve = at_extreme(frames, window, signal, "back_curve_deg")
    tilt = at_extreme(frames, window, signal, "lumbar_tilt_deg")
    return {
        "lumbar_tilt_deg": tilt,
        # Against the frames at rest before the rep (the analyser's per-frame change), not the
        # rep's own first frames: those are already on the way down.
        "lumbar_tilt_change_deg": at_extreme(frames, window, signal, "lumbar_tilt_change_deg"),
        "back_curve_deg": curve,
        "lumbar_dip_trunk": at_extreme(frames, window, signal, "lumbar_dip_trunk"),
    }


# How far a leg has opened out (deg): in the measures, where `auto` reads it too.
leg_opening_deg = F.leg_opening_deg


def reaching_leg_deg(pose: Pose, ctx: BodyContext) -> float:
    """Rep signal of the alternating limb exercises (bird-dog, dead bug): the more open leg of the two, deg.

    The reaching leg opens toward straight (`leg_opening_deg` ~160-180) from ~90, so the larger
    of the two rises once per reach whichever leg reaches.
    """
    angles = [leg_opening_deg(pose, side) for side in (LEFT, RIGHT)]
    finite = [a for a in angles if math.isfinite(a)]
    return max(finite) if finite else math.nan


def reaching_is_left(pose: Pose) -> float:
    """1.0 when the left leg is the more open one (the reaching leg), 0.0 the right, NaN unseen."""
    left, right = leg_opening_deg(pose, LEFT), leg_opening_deg(pose, RIGHT)
    if not (math.isfinite(left) and math.isfinite(right)):
        return math.nan
    return 1.0 if left > right else 0.0


# Reps of the alternating limb exercises (bird-dog, dead bug) on `reaching_leg_deg`: ~90 deg on all
# fours or in tabletop, 160-180 at full reach; a heel slide (the dead bug's regression) opens ~30,
# mostly at the knee. A rep starts 15 deg above the start position (landmark noise ~5 deg), must
# open 22 deg, ends back within 30 % of the range; a slow reach with a hold takes 2-6 s.
REACH_COUNTING = RepCounterConfig(
    enter=15.0, min_range=22.0, unit="deg", return_fraction=0.3, min_duration_s=0.5, max_duration_s=20.0
)


def reach_frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    return {"leg_opening_deg": reaching_leg_deg(pose, ctx), "reaching_is_left": reaching_is_left(pose)}


def reach_summary(frames: list[tuple[float, Metrics]], window: RepWindow, ctx: BodyContext) -> dict[str, float]:
    """A reach's measures: the leg's opening and the lower back at full reach."""
    return {
        "leg_opening_deg": near_peak(frames, window, "leg_opening_deg"),
        **back_summary(frames, window, "leg_opening_deg"),
    }


# A reach's side is the reaching leg's.
REACHING_SIDE = SideVote("reaching_is_left")


# The hip hinge, two-legged (exercises/library/deadlift.py) or on one leg
# (exercises/library/single_leg_deadlift.py): the same rep signal, measures and back rule.


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
    # Against their reference set: the lower back's tilt at the bottom more than 8 deg below the reference's
    # (REFERENCE_CHANGE_DEG, deg, its reason and source there). On the labelled clips the rounded reps sit
    # 9-19 deg under the same person's neutral median, side-on and at 45 deg.
    reference_round_change_deg: float = -REFERENCE_CHANGE_DEG


def trunk_lean_signal_deg(pose: Pose, ctx: BodyContext) -> float:
    """Rep signal: trunk lean from vertical; from world landmarks when not side-on (the picture foreshortens it)."""
    return F.trunk_lean_deg(pose) if ctx.view == "side" else F.trunk_lean_world_deg(pose)


def hinge_frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    return {
        "trunk_lean_deg": trunk_lean_signal_deg(pose, ctx),
        "knee_flexion_deg": near_or_mean(pose, ctx, F.knee_flexion_deg),
        "hip_angle_deg": near_or_mean(pose, ctx, F.hip_angle_deg),
    }


def hinge_summary(frames: list[tuple[float, Metrics]], window: RepWindow, ctx: BodyContext) -> dict[str, float]:
    return {
        "trunk_lean_deg": window.peak,
        "knee_flexion_deg": near_peak(frames, window, "knee_flexion_deg"),
        "hip_angle_deg": near_peak(frames, window, "hip_angle_deg"),
        **back_summary(frames, window, "trunk_lean_deg"),
    }


def hinge_back(t: HingeThresholds) -> BackRules:
    """The hinge's back rule: the lower back rounded at the bottom, against the calibration or from the outline.
    No proxy: in a hinge the hip angle says how far the person bent, not where."""
    return lower_back(
        rounding(
            ref_change_deg=t.reference_round_change_deg,
            share=t.calibrated_round_share,
            tilt_deg=t.rounded_lumbar_tilt_deg,
        ),
        views=SIDE_VIEWS,
    )


HINGE_LUMBAR_TILT = Measure(
    "Lower-back tilt at the bottom (outline)", "Low back", "°", 0, "above 0 = lower back keeps its curve", 0.0
)
