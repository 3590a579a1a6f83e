"""Half-kneeling hip-flexor stretch: a hold per side (the kneeling leg's hip is stretched).

The position: one knee down (the rear leg), the other foot forward with hip and knee bent,
trunk upright. Each hold's side is the kneeling leg's. The stretch itself is the rear thigh
getting behind the vertical while the trunk stays upright (`rear_thigh_behind_deg`, world
landmarks, so any view): done with the lower back instead, the trunk leans or the lower back
arches and the thigh stays put. The dynamic version rocks forward and back: each forward
shift is a rep on the same measure, and how long it was held at the front is its `hold_s`.
The lower back's tilt from the outline is reported, not judged: no labelled arching in the
programme's clips sets a limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from exercises.framework.analyser import SIDE_VIEWS, VIEWS, BodyContext, ExerciseSpec, Metrics, above
from exercises.framework.display import Measure, OverlayLabel, at_near, between_shoulders
from exercises.framework.holds import Frames, HoldSpec, median_metrics
from exercises.framework.reps import RepCounterConfig, RepWindow
from exercises.framework.sides import SideVote
from exercises.framework.signature import signature
from exercises.helpers import TRUNK_LEAN, TRUNK_LEAN_CUE, near_peak, standing_back
from exercises.measures import features as F
from vision.landmarks import LEFT, RIGHT, Side
from vision.pose import Pose


@dataclass(frozen=True)
class HipFlexorStretchThresholds:
    # In position (half-kneeling): both knees bent at least this, deg (world; the programme's clips
    # read 90-130 on both knees while kneeling, standing knees 5-15).
    knee_flexion_deg: float = 50.0
    # ... the front hip flexed at least this, deg (180 - trunk-thigh angle; ~80-90 in the clips) ...
    front_hip_flexion_deg: float = 45.0
    # ... and the trunk within this of vertical, deg (world): 5-30 in the clips; on all fours ~90.
    max_trunk_lean_deg: float = 50.0
    # Rep signal of the dynamic stretch: the rear thigh behind vertical, deg. Upright half-kneeling
    # reads -5 to +5, a forward shift 15-25 more: a rep starts 5 deg up, must reach 8 deg of range.
    # A rock forward and back takes 2-5 s (the programme's dynamic clip); deepening the static stretch
    # and staying there (the static clip: +15 deg held 8 s) is a hold, not a rep: given up after 6 s.
    # The stretch is the rear hip's extension: a rep's peak must put the rear thigh behind vertical, 5 deg
    # (the dynamic clip's reps peak at +20; seen: that clip shown at 405x720 in a joined session read a
    # "rep" peaking at -12, the thigh in front of the hip).
    counting: RepCounterConfig = RepCounterConfig(
        enter=5.0,
        min_range=8.0,
        unit="deg",
        return_fraction=0.35,
        min_duration_s=0.8,
        max_duration_s=6.0,
        min_peak=5.0,
    )
    # The trunk leaning forward more than this while shifted, deg from vertical (world): the stretch
    # taken by leaning instead of opening the hip. Upright half-kneeling reads 5-20 in the clips; the
    # labelled forward-leaning shifts (~15-20 deg by eye) read 27-28 at the front.
    trunk_lean_deg: float = 25.0
    # A hold is the position kept at least this long.
    min_hold_s: float = 2.0


T = HipFlexorStretchThresholds()


def kneeling_leg(pose: Pose) -> Side | None:
    """The rear (kneeling) leg: the one whose knee is lower in the picture (on the floor)."""
    left, right = pose.px(LEFT.knee)[1], pose.px(RIGHT.knee)[1]
    if not (math.isfinite(left) and math.isfinite(right)):
        return None
    return LEFT if left > right else RIGHT


def _other(side: Side) -> Side:
    return RIGHT if side is LEFT else LEFT


def rear_thigh_behind_deg(pose: Pose, ctx: BodyContext) -> float:
    """The rear thigh's angle behind vertical, deg (world): 0 knee under the hip, + knee behind it.

    "Behind" is away from the front knee (the direction the person faces in the stance), so
    it reads the same from any side and from the front.
    """
    rear = kneeling_leg(pose)
    if rear is None:
        return math.nan
    forward = pose.world(_other(rear).knee) - pose.world(rear.knee)
    forward = np.array([forward[0], 0.0, forward[2]])
    n = float(np.linalg.norm(forward))
    thigh = pose.world(rear.hip) - pose.world(rear.knee)  # knee -> hip
    if not (n > 1e-6 and np.all(np.isfinite(thigh))):
        return math.nan
    ahead = float(np.dot(thigh, forward / n))  # the hip ahead of the knee = the thigh behind vertical
    return math.degrees(math.atan2(ahead, -float(thigh[1])))  # world y points down


def kneeling_is_left(pose: Pose) -> float:
    rear = kneeling_leg(pose)
    return math.nan if rear is None else float(rear is LEFT)


def frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    rear = kneeling_leg(pose)
    front = _other(rear) if rear is not None else None
    return {
        "rear_thigh_behind_deg": rear_thigh_behind_deg(pose, ctx),
        "trunk_lean_deg": F.trunk_lean_world_deg(pose),
        "rear_knee_flexion_deg": F.knee_flexion_world_deg(pose, rear) if rear else math.nan,
        "front_knee_flexion_deg": F.knee_flexion_world_deg(pose, front) if front else math.nan,
        "front_hip_flexion_deg": 180.0 - F.hip_angle_world_deg(pose, front) if front else math.nan,
        "kneeling_is_left": kneeling_is_left(pose),
    }


def half_kneeling(m: Metrics) -> bool | None:
    keys = ("rear_knee_flexion_deg", "front_knee_flexion_deg", "front_hip_flexion_deg", "trunk_lean_deg")
    rear_knee, front_knee, front_hip, trunk = (m.get(k, math.nan) for k in keys)
    if not all(math.isfinite(v) for v in (rear_knee, front_knee, front_hip, trunk)):
        return None
    knees = min(rear_knee, front_knee) >= T.knee_flexion_deg
    return knees and front_hip >= T.front_hip_flexion_deg and trunk <= T.max_trunk_lean_deg


def summarise(frames: list[tuple[float, Metrics]], window: RepWindow, ctx: BodyContext) -> dict[str, float]:
    return {
        "rear_thigh_behind_deg": window.peak,
        "trunk_lean_deg": near_peak(frames, window, "trunk_lean_deg"),
    }


def hold_summary(frames: Frames) -> dict[str, float]:
    held = median_metrics(frames)
    return {k: held[k] for k in ("rear_thigh_behind_deg", "trunk_lean_deg", "lumbar_tilt_deg") if k in held}


SPEC = ExerciseSpec(
    name="hip_flexor_stretch",
    title="Hip-flexor stretch",
    aliases=("half_kneeling_hip_flexor_stretch",),
    order=85,
    signature=signature("kneeling"),  # `auto`: the one exercise kneeling upright
    counter=T.counting,
    signal=rear_thigh_behind_deg,
    frame_metrics=frame_metrics,
    summarise=summarise,
    # Trunk lean is judged in every view: it is an angle from world landmarks.
    faults=(above("trunk_lean", "trunk_lean", frozenset(VIEWS), "trunk_lean_deg", T.trunk_lean_deg),),
    cues=(TRUNK_LEAN_CUE,),
    key_metric="rear_thigh_behind_deg",
    overlay=(
        OverlayLabel("rear_thigh_behind_deg", "rear thigh", at_near("knee")),
        OverlayLabel("trunk_lean_deg", "trunk", between_shoulders),
        OverlayLabel("hold_s", "hold", at_near("shoulder")),
    ),
    measures={
        "rear_thigh_behind_deg": Measure(
            "Rear thigh behind vertical", "Rear thigh", "°", 0, "higher = more hip opening"
        ),
        "trunk_lean_deg": TRUNK_LEAN,
        "hold_s": Measure("Time held", "Held", " s", 1, "higher = longer hold"),
    },
    back=standing_back,
    hold=HoldSpec(in_position=half_kneeling, summarise=hold_summary, min_s=T.min_hold_s),
    side=SideVote("kneeling_is_left"),  # a rep's and a hold's side: the kneeling leg
    preferred_views=SIDE_VIEWS,
)
