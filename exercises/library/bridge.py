"""Glute bridge / hip thrust: hip extension at the top, hold time, lumbar-arching proxy, knees caving."""

from __future__ import annotations

import math
from dataclasses import dataclass

from exercises.framework.analyser import SIDE_VIEWS, BodyContext, ExerciseSpec, Metrics, above, below
from exercises.framework.back_rules import Proxy, arching, lower_back
from exercises.framework.cues import Cue, Severity
from exercises.framework.display import Measure, OverlayLabel, at_near
from exercises.framework.reps import RepCounterConfig, RepWindow
from exercises.framework.signature import signature
from exercises.helpers import KNEES_CAVING, back_summary, lying_back, near_or_mean, near_peak
from exercises.measures import features as F
from vision.landmarks import LEFT, RIGHT, Landmark
from vision.pose import Pose


@dataclass(frozen=True)
class BridgeThresholds:
    # Rep signal: the signed trunk-thigh (shoulder-hip-knee) angle, deg: 180 + hip
    # extension, so it keeps rising when the hips pass the straight line (an unsigned
    # angle folds back there and a top with the back arched would look like the way
    # down). Lying down it is ~110-150 deg, at the top ~170-195. A rep starts 12 deg above the floor value;
    # frog pumps move only ~30 deg by design, so 20 deg is the minimum rep. Back
    # within 30 % of the range from the floor ends it.
    counting: RepCounterConfig = RepCounterConfig(
        enter=12.0, min_range=20.0, unit="deg", return_fraction=0.3, min_duration_s=0.5, max_duration_s=20.0
    )
    # Top of the rep: the hip should reach a straight shoulder-hip-knee line (0 deg).
    # Stopping > 15 deg short (> 165 deg angle) is not full extension; 15 deg covers
    # landmark noise of the hip and shoulder points.
    min_hip_extension_deg: float = -15.0
    # Hips pushed > 10 deg beyond the line: the hip joint gives ~10-20 deg of
    # extension with the knees bent, so more comes from arching the lower back.
    max_hip_extension_deg: float = 10.0
    # Time within 10 % of the rep's range from its top counts as the hold (the rep's `hold_s`, timed by
    # the analyser): 10 % of a 30-60 deg bridge is 3-6 deg, the squeeze at the top, not the way up.
    hold_band_fraction: float = 0.1
    # Shorter than 0.3 s at the top is a bounce, not a squeeze (info only).
    min_hold_s: float = 0.3
    knee_valgus_deg: float = 10.0  # front view (camera at the feet): knees drifting in
    # The top reached by arching: the lower back's edge (outline, side view, toward the floor)
    # tilting > 25 deg more at the top than lying before the rep. Ordinary bridges here read
    # -20 to +11 deg (the floor and the arms beside the trunk blur the edge lying down), so only
    # a change clearly beyond them is called.
    arching_lumbar_tilt_change_deg: float = 25.0
    # With the person's calibration: the top reached with the lower back past three quarters of
    # their own full forward tilt (exercises/measures/calibration.py).
    calibrated_arch_share: float = 0.75
    # With the person's reference set (a bridge set of theirs, side-on): the tilt at the top more than 13 deg
    # above the reference's median, deg. Wider than the standing exercises' REFERENCE_CHANGE_DEG (8): lying
    # down the outline's tilt is noisier, and a margin must exceed the minimal detectable change of one rep
    # against a reference median, 12.4 deg on the shared side-on bridges (3 sets, 17 reps; docs/metrics.md,
    # Reliability, `formcheck bench-reliability`, 2026-12-06).
    reference_arch_change_deg: float = 13.0


T = BridgeThresholds()

BACK = lower_back(
    arching(
        ref_change_deg=T.reference_arch_change_deg,
        share=T.calibrated_arch_share,
        change_deg=T.arching_lumbar_tilt_change_deg,
        # Beside the outline, in side and oblique views: lying down, the floor and the arms blur the
        # outline's edge (ordinary tops changed -20 to +11 deg, hence its loose +25), so a rep it passes
        # is not cleared of an arch the hips show (pushed past the extension the hip joint gives).
        proxy=Proxy("hip_extension_deg", T.max_hip_extension_deg, SIDE_VIEWS, beside_outline=True),
    ),
)


def hip_extension_signal_deg(pose: Pose, ctx: BodyContext) -> float:
    """Signed hip extension; from world landmarks when seen from the feet (see features)."""
    lms = (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP, Landmark.LEFT_KNEE)
    if not (F.seen(pose, *lms) or F.seen(pose, Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE)):
        return math.nan
    return near_or_mean(pose, ctx, F.hip_extension_world_deg if ctx.view == "front" else F.hip_extension_deg)


def hip_angle_signal(pose: Pose, ctx: BodyContext) -> float:
    """Rep signal: signed trunk-thigh angle, 180 + hip extension (above 180 = hips beyond the line)."""
    return 180.0 + hip_extension_signal_deg(pose, ctx)


def frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    extension = hip_extension_signal_deg(pose, ctx)
    return {
        "hip_angle_deg": 180.0 + extension,
        "hip_extension_deg": extension,
        "knee_flexion_deg": near_or_mean(pose, ctx, F.knee_flexion_deg),
        "knee_valgus_deg": max(F.knee_valgus_deg(pose, LEFT, False), F.knee_valgus_deg(pose, RIGHT, False)),
    }


def summarise(frames: list[tuple[float, Metrics]], window: RepWindow, ctx: BodyContext) -> dict[str, float]:
    return {
        "hip_extension_deg": near_peak(frames, window, "hip_extension_deg", 0.2),
        "knee_valgus_deg": near_peak(frames, window, "knee_valgus_deg", 0.3),
        "hip_angle_range_deg": window.range,
        **back_summary(frames, window, "hip_angle_deg"),
    }


HIPS_NOT_EXTENDED = Cue(
    "hips_not_extended",
    Severity.WARN,
    "Squeeze your glutes and push your hips all the way up.",
    "Stopping short of full hip extension leaves the glutes idle; the lower back tends to do the work instead.",
)

SHORT_HOLD = Cue(
    "short_hold",
    Severity.INFO,
    "Hold the top for a moment and squeeze.",
    "A short pause at the top trains the glutes to hold the hips extended.",
)

SPEC = ExerciseSpec(
    name="bridge",
    title="Glute bridge",
    aliases=("glute_bridge", "hip_thrust"),
    order=30,
    posture="lying",  # the exercise-mismatch check
    signature=signature("on_back", moves=("hips_lift",)),  # `auto`: on the back, the hips lift
    counter=T.counting,
    signal=hip_angle_signal,
    frame_metrics=frame_metrics,
    summarise=summarise,
    rep_hold_band=T.hold_band_fraction,
    faults=(
        below("hips_not_extended", "hip_extension", SIDE_VIEWS, "hip_extension_deg", T.min_hip_extension_deg),
        *BACK.faults,
        below("short_hold", "hold", SIDE_VIEWS, "hold_s", T.min_hold_s),
        above("knees_caving", "knees_caving", frozenset({"front"}), "knee_valgus_deg", T.knee_valgus_deg),
    ),
    cues=(HIPS_NOT_EXTENDED, SHORT_HOLD, KNEES_CAVING, *BACK.cues),
    key_metric="hip_extension_deg",
    overlay=(
        OverlayLabel("hip_extension_deg", "hip ext", at_near("hip")),
        OverlayLabel("knee_flexion_deg", "knee", at_near("knee")),
    ),
    measures={
        "hip_extension_deg": Measure(
            "Peak hip extension", "Hip ext.", "°", 0, "0 = trunk and thigh in line; higher = fuller", 0.0
        ),
        "hold_s": Measure("Hold at the top", "Hold", " s", 1, "longer = longer squeeze at the top"),
    },
    back=lying_back,
    preferred_views=SIDE_VIEWS,
)
