"""Cat-cow (on all fours, round the back up, then let it sag into an arch): cycles, the spine's range.

Counted on the lower back's rounding from the body's outline, side-on (minus
`lumbar_tilt_deg` toward the ceiling: + rounded, the cat; - arched, the cow): one rep per
cat, between two cows. Measured only on all fours (trunk near level), so kneeling up or
sitting back between cycles is not a rep. Each cycle reports the cat's rounding and the
cow's arch, the two ends of the range a physiotherapist follows; a cycle done in under
`rushed_s` is flagged: the movement is meant to be slow and breath-paced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from exercises.framework.analyser import SIDE_VIEWS, BodyContext, ExerciseSpec, Metrics, below
from exercises.framework.cues import Cue, Severity
from exercises.framework.display import Measure, OverlayLabel, at_near
from exercises.framework.reps import RepCounterConfig, RepWindow
from exercises.framework.signature import signature
from exercises.helpers import ceiling
from exercises.measures import features as F
from exercises.measures.back_outline import back_edge, lumbar_tilt_deg
from vision.pose import Pose


@dataclass(frozen=True)
class CatCowThresholds:
    # On all fours: the trunk at least this far from vertical, deg (world). All fours reads 70-90 in
    # the programme's clips; kneeling up 3-20.
    min_trunk_from_vertical_deg: float = 55.0
    # Rep signal: rounding, deg. The programme's clips swing from -28..-40 (cow) to +19..+20 (cat);
    # a rep starts 10 deg up from the cow, must span 20 deg. The outline is lost for up to ~3.5 s
    # in a deep, held cat (one clip): holes up to 4 s are bridged.
    counting: RepCounterConfig = RepCounterConfig(
        enter=10.0, min_range=20.0, unit="deg", return_fraction=0.35, min_duration_s=1.0, max_duration_s=20.0,
        max_lost_s=4.0,
    )
    # A whole cycle (cow -> cat -> cow) faster than this, s, is rushed. The programme's clips take
    # 5-8 s; yoga and physiotherapy instructions pace it with a slow breath (~2 s in, ~2 s out).
    rushed_s: float = 3.0


T = CatCowThresholds()


def rounding_deg(pose: Pose, ctx: BodyContext) -> float:
    """Rep signal: the lower back's rounding from the outline, deg (+ cat, - cow); NaN off all fours or unseen."""
    if ctx.view not in SIDE_VIEWS or not F.trunk_lean_world_deg(pose) >= T.min_trunk_from_vertical_deg:
        return math.nan
    edge = back_edge(pose, ceiling(ctx))
    return -lumbar_tilt_deg(edge) if edge is not None else math.nan


def frame_metrics(pose: Pose, ctx: BodyContext) -> dict[str, float]:
    return {"rounding_deg": rounding_deg(pose, ctx)}


def summarise(frames: list[tuple[float, Metrics]], window: RepWindow, ctx: BodyContext) -> dict[str, float]:
    return {
        "cat_rounding_deg": window.peak,
        "cow_arch_deg": -window.valley,
        "spine_range_deg": window.range,
        "cycle_s": window.end_s - window.start_s,
    }


CUES = (
    Cue(
        "cat_cow_rushed",
        Severity.INFO,
        "Slow down: round and arch with a slow breath, one part of the back at a time.",
        "Moving slowly lets every segment of the lower back take its share of the range.",
    ),
)

SPEC = ExerciseSpec(
    name="cat_cow",
    title="Cat-cow",
    aliases=("cat-cow",),
    order=75,
    signature=signature("all_fours", still=("leg_reach",)),  # `auto`: on all fours, the limbs stay put
    counter=T.counting,
    signal=rounding_deg,
    frame_metrics=frame_metrics,
    summarise=summarise,
    faults=(below("cat_cow_rushed", "pace", SIDE_VIEWS, "cycle_s", T.rushed_s),),
    cues=CUES,
    key_metric="spine_range_deg",
    overlay=(OverlayLabel("rounding_deg", "round", at_near("hip")),),
    measures={
        "spine_range_deg": Measure("Lower-back range, cat to cow", "Range", "°", 0, "higher = more mobile"),
        "cat_rounding_deg": Measure("Rounding in the cat", "Cat", "°", 0, "higher = rounder"),
        "cow_arch_deg": Measure("Arch in the cow", "Cow", "°", 0, "higher = more arched"),
    },
    back=ceiling,
    preferred_views=SIDE_VIEWS,
)
