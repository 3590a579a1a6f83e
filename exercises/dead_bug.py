"""Dead bug (on the back, arms and legs in tabletop; lower one arm and the opposite leg): reps per reaching leg.

Side-on, the reaching leg's hip opens from ~90 deg (tabletop) toward straight; the rep's
side is that leg's. The same signal counts the regressed heel-slide version (feet on the
floor, one heel sliding out). The lower back staying down is measured where the view allows
(the lower back's tilt from the outline, toward the floor) and reported, not judged yet: no
labelled fault in the programme's clips sets a limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from exercises.analyser import SIDE_VIEWS, BodyContext, ExerciseSpec, Metrics
from exercises.common import back_summary, lying_back, near_peak, reaching_is_left, reaching_leg_deg, side_at_peak
from exercises.display import Measure, OverlayLabel, at_near
from exercises.reps import RepCounterConfig, RepWindow
from vision.pose import Pose


@dataclass(frozen=True)
class DeadBugThresholds:
    # Rep signal: the more open leg (common.leg_opening_deg: mean of hip angle and knee
    # extension), deg: ~90 on all fours or in tabletop, 160-180 at full reach; a heel slide
    # (dead bug's regression) opens it ~30 deg, mostly at the knee. A rep starts 15 deg above the
    # start position (landmark noise ~5 deg), must open 22 deg, ends back within 30 % of the range.
    counting: RepCounterConfig = RepCounterConfig(
        enter=15.0, min_range=22.0, unit="deg", return_fraction=0.3, min_duration_s=0.5, max_duration_s=20.0
    )


T = DeadBugThresholds()


def frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    return {"leg_opening_deg": reaching_leg_deg(pose, ctx), "reaching_is_left": reaching_is_left(pose)}


def summarise(frames: list[tuple[float, Metrics]], window: RepWindow, ctx: BodyContext) -> dict[str, float]:
    return {
        "leg_opening_deg": near_peak(frames, window, "leg_opening_deg"),
        **back_summary(frames, window, "leg_opening_deg"),
        "_side": side_at_peak(frames, window, "reaching_is_left"),
    }


SPEC = ExerciseSpec(
    name="dead_bug",
    title="Dead bug",
    order=80,
    posture=None,  # lying: `auto` lets the bridge speak for lying postures
    counter=T.counting,
    signal=reaching_leg_deg,
    frame_metrics=frame_metrics,
    summarise=summarise,
    faults=(),
    key_metric="leg_opening_deg",
    overlay=(OverlayLabel("leg_opening_deg", "leg", at_near("knee")),),
    measures={
        "leg_opening_deg": Measure("Reaching leg, lowered", "Reach", "°", 0, "180 = leg in line with trunk"),
    },
    back=lying_back,
    preferred_views=SIDE_VIEWS,
)
