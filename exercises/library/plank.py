"""Plank (forearm or straight-arm): a hold; the body kept in one line, hips neither sagging nor piked.

The position is recognised from world landmarks, so it holds whatever the camera angle (a
tutorial cross-fading from side-on to head-on is the same plank): trunk and legs near
horizontal, an upper arm under the shoulder (the body rests on the arms, not lying prone),
knees straight. The hips' sag is the shoulder-hip-ankle line's bend, judged side-on only:
head-on it is a bend in the picture's depth. Sagging hips are the lower back arching (the
pelvis tipping forward); piked hips take the load off the trunk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from exercises.framework.analyser import SIDE_VIEWS, BodyContext, ExerciseSpec, Metrics, above, below
from exercises.framework.cues import Cue, Severity
from exercises.framework.display import Measure, OverlayLabel, at_near
from exercises.framework.holds import HoldSpec
from exercises.framework.reps import NO_REPS
from exercises.framework.signature import signature
from exercises.measures import features as F
from exercises.measures.back_outline import FLOOR
from exercises.measures.geometry import angle_between_deg, joint_angle_deg, midpoint, signed_distance_to_line_px
from vision.landmarks import LEFT, RIGHT
from vision.pose import Pose

DOWN = np.array([0.0, 1.0, 0.0])  # world y points down


@dataclass(frozen=True)
class PlankThresholds:
    # In position: trunk and legs at least this far from vertical, deg (world). Side-on planks
    # read 85-90 deg; the head-on view of a plank (depth estimated) 59; standing, kneeling and
    # half-kneeling people 5-40 deg (the programme's clips).
    lying_from_vertical_deg: float = 50.0
    # ... and at most this: a forward fold (hips above the shoulders) reads 130+ for the trunk.
    max_from_vertical_deg: float = 120.0
    # An upper arm within this of straight down under its shoulder, deg: the body rests on the
    # forearms or hands (lying prone, the arms lie along the body or overhead, ~90 deg).
    arm_from_vertical_deg: float = 45.0
    # Knees straighter than this, deg (world): a plank on the knees is a different, easier hold.
    knee_flexion_deg: float = 45.0
    # Hips below the shoulder-ankle line by more than this, deg of bend at the hip: sagging. The hip
    # joint sits above that line in a straight plank (the shoulders ride on the forearms): the
    # programme's six straight planks read -4 to -15 deg, so +10 is 14 deg or more below the
    # saggiest of them. Source: the coaching cue "one straight line from shoulders to heels",
    # measured on those clips; no labelled sag yet.
    sag_deg: float = 10.0
    # Hips above the line by more than this: piked. Straight planks -4 to -15, the walk-back into a
    # plank -22; a slight pike is the usual beginner's plank and no risk to the back.
    pike_deg: float = 30.0
    # Holds shorter than this are passing through the position (walking out into a push-up).
    min_hold_s: float = 1.0


T = PlankThresholds()


def _from_vertical_deg(top: np.ndarray, bottom: np.ndarray) -> float:
    """Angle of the world segment top -> bottom's reverse from straight up, deg: 0 upright, 90 level."""
    return angle_between_deg(top - bottom, -DOWN)


def trunk_from_vertical_deg(pose: Pose, ctx: BodyContext) -> float:
    return F.trunk_lean_world_deg(pose)


def legs_from_vertical_deg(pose: Pose) -> float:
    """Mid-hip above mid-ankle, world: 0 standing, 90 with the legs level."""
    hip = midpoint(pose.world(LEFT.hip), pose.world(RIGHT.hip))
    ankle = midpoint(pose.world(LEFT.ankle), pose.world(RIGHT.ankle))
    return _from_vertical_deg(hip, ankle)


def arm_from_vertical_deg(pose: Pose) -> float:
    """The more vertical upper arm's angle from straight down (shoulder -> elbow), world, deg."""
    angles = [angle_between_deg(pose.world(s.elbow) - pose.world(s.shoulder), DOWN) for s in (LEFT, RIGHT)]
    finite = [a for a in angles if math.isfinite(a)]
    return min(finite) if finite else math.nan


def hip_sag_deg(pose: Pose, ctx: BodyContext) -> float:
    """Bend of the near side's shoulder-hip-ankle line at the hip, deg (picture): + hips below the line
    (toward the floor, the lower back arching), - above it (piked), 0 in one line. Side views only."""
    if ctx.view not in SIDE_VIEWS or ctx.near is None:
        return math.nan
    side = ctx.near
    shoulder, hip, ankle = pose.px(side.shoulder), pose.px(side.hip), pose.px(side.ankle)
    bend = 180.0 - joint_angle_deg(shoulder, hip, ankle)
    # With the line oriented image-left -> image-right, a positive distance is above it (image up).
    a, b = (shoulder, ankle) if shoulder[0] <= ankle[0] else (ankle, shoulder)
    offset = signed_distance_to_line_px(hip, a, b)
    if not (math.isfinite(bend) and math.isfinite(offset)):
        return math.nan
    return -bend if offset > 0 else bend


def frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    knees = [F.knee_flexion_world_deg(pose, s) for s in (LEFT, RIGHT)]
    return {
        "hip_sag_deg": hip_sag_deg(pose, ctx),
        "trunk_from_vertical_deg": trunk_from_vertical_deg(pose, ctx),
        "legs_from_vertical_deg": legs_from_vertical_deg(pose),
        "arm_from_vertical_deg": arm_from_vertical_deg(pose),
        "knee_flexion_deg": float(np.nanmax(knees)) if any(math.isfinite(k) for k in knees) else math.nan,
    }


def in_plank(m: Metrics) -> bool | None:
    """Whether the frame shows a plank (None: the landmarks needed were not measured)."""
    keys = ("trunk_from_vertical_deg", "legs_from_vertical_deg", "arm_from_vertical_deg", "knee_flexion_deg")
    values = [m.get(k, math.nan) for k in keys]
    if not all(math.isfinite(v) for v in values):
        return None
    trunk, legs, arm, knee = values
    level = all(T.lying_from_vertical_deg <= v <= T.max_from_vertical_deg for v in (trunk, legs))
    return level and arm <= T.arm_from_vertical_deg and knee <= T.knee_flexion_deg


CUES = (
    Cue(
        "hips_sagging",
        Severity.ALERT,
        "Lift your hips a little: one straight line from shoulders to heels.",
        "Sagging hips hang the body's weight on the lower back, arching it; the trunk muscles should hold it.",
    ),
    Cue(
        "hips_piked",
        Severity.INFO,
        "Lower your hips into line with your shoulders and heels.",
        "Piked hips take the work off the trunk muscles the plank is for.",
    ),
)

SPEC = ExerciseSpec(
    name="plank",
    title="Plank",
    aliases=("forearm_plank",),
    order=90,
    signature=signature("prone"),  # `auto`: the one exercise face down on straight legs
    counter=NO_REPS,
    signal=hip_sag_deg,
    frame_metrics=frame_metrics,
    summarise=lambda frames, window, ctx: {},  # never called: a plank has no reps
    faults=(
        above("hips_sagging", "hip_sag", SIDE_VIEWS, "hip_sag_deg", T.sag_deg),
        below("hips_piked", "hip_sag", SIDE_VIEWS, "hip_sag_deg", -T.pike_deg),
    ),
    cues=CUES,
    key_metric="hold_s",
    overlay=(OverlayLabel("hip_sag_deg", "sag", at_near("hip")), OverlayLabel("hold_s", "hold", at_near("shoulder"))),
    measures={
        "hold_s": Measure("Time held", "Held", " s", 1, "higher = longer hold"),
        "hip_sag_deg": Measure("Hip sag", "Sag", "°", 0, "+ hips low, - piked, 0 = one line", reference=0.0),
    },
    back=lambda ctx: -FLOOR,  # face down: the back faces the ceiling
    hold=HoldSpec(in_position=in_plank, min_s=T.min_hold_s),
    preferred_views=SIDE_VIEWS,
)
