"""Recognise which exercise a set is, and analyse it as that.

The analysers of every registered exercise that declares a posture see every frame (they
are cheap pure functions), and a vote on posture decides which one speaks:
- lying (trunk near horizontal most of the time) -> `lying` (the glute bridge);
- standing, with the feet split front-to-back at the bottom of the movement -> `split_stance` (lunge);
- standing, feet side by side at the bottom -> `feet_side_by_side` (squat).
When several exercises share a posture, the first in the registry's order speaks for it.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass

from exercises import features as F
from exercises import registry
from exercises.analyser import Analyser, BodyContext, ExerciseSpec, FrameFeedback, RepResult, SetState
from exercises.calibration import BackCalibration
from exercises.common import hip_drop_pct
from vision.pose import Pose


@dataclass(frozen=True)
class AutoThresholds:
    # Trunk more than 55 deg from vertical = lying or hip-thrusting, not standing:
    # squats and lunges stay under ~50 deg even with a strong lean.
    lying_trunk_deg: float = 55.0
    # Share of frames with the trunk that far over. Bridges lie the whole set; hip
    # thrusts (shoulders on a bench) are horizontal only around the top, about half
    # the set; squats and lunges reach it, if ever, only for moments at depth.
    lying_share: float = 0.35
    # Only frames this deep into the movement (hip drop, % of leg) judge the stance:
    # standing still, both exercises look alike.
    deep_hip_drop_pct: float = 25.0
    # Front-back ankle gap / leg length at depth: a squat stance is ~0-0.3, a lunge
    # or split squat puts the feet ~0.7-1.2 leg lengths apart.
    split_stance_ratio: float = 0.5
    history: int = 3000  # frames of evidence kept (memory stays bounded on long sessions)


T = AutoThresholds()


class ExerciseVote:
    """Posture evidence for the classification, accumulated frame by frame."""

    def __init__(self) -> None:
        # Which exercise speaks for each posture, fixed for the set (and kept off the per-frame path).
        self.speakers = speaker_per_posture()
        self.lying: deque[bool] = deque(maxlen=T.history)
        self.stance: deque[float] = deque(maxlen=T.history)

    def add(self, pose: Pose, ctx: BodyContext | None) -> None:
        # World landmarks: a bridge filmed from the feet shows the trunk end-on, upright in the image.
        lean = F.trunk_lean_world_deg(pose)
        if math.isfinite(lean):
            self.lying.append(lean > T.lying_trunk_deg)
        if ctx is not None and hip_drop_pct(pose, ctx) > T.deep_hip_drop_pct:
            ratio = F.sagittal_stance_ratio(pose)
            if math.isfinite(ratio):
                self.stance.append(ratio)

    def posture_scores(self) -> dict[str, float]:
        """Rough shares of each posture (see analyser.POSTURES) that add up to 1."""
        lying = sum(self.lying) / len(self.lying) if self.lying else 0.0
        standing = 1.0 - lying
        if not self.stance:
            split = 0.5
        else:
            stance = statistics.median(self.stance)
            # A soft step around the threshold, so the score says how clear it was.
            split = 1.0 / (1.0 + math.exp(-(stance - T.split_stance_ratio) / 0.08))
        return {"feet_side_by_side": standing * (1 - split), "split_stance": standing * split, "lying": lying}

    def best_posture(self) -> str:
        scores = self.posture_scores()
        if self.lying and sum(self.lying) / len(self.lying) > T.lying_share:
            return "lying"
        return max(("feet_side_by_side", "split_stance"), key=scores.__getitem__)

    def scores(self) -> dict[str, float]:
        """Each recognisable exercise's score: its posture's share."""
        postures = self.posture_scores()
        return {spec.name: postures[spec.posture] for spec in self.speakers.values()}

    def best(self) -> str:
        """The recognised exercise: the one speaking for the best posture (else the best-scored one)."""
        posture = self.best_posture()
        if posture in self.speakers:
            return self.speakers[posture].name
        scores = self.scores()
        return max(scores, key=scores.__getitem__)

    def reason(self) -> str:
        lying = sum(self.lying) / len(self.lying) if self.lying else 0.0
        if lying > T.lying_share:
            return f"lying down in {lying:.0%} of frames"
        def named(posture: str) -> str:
            return f" ({self.speakers[posture].noun})" if posture in self.speakers else ""

        if not self.stance:
            return f"standing; never deep enough to judge the stance, so {self.best()} by default"
        stance = statistics.median(self.stance)
        kind = "split" if stance > T.split_stance_ratio else "side by side"
        posture = "split_stance" if stance > T.split_stance_ratio else "feet_side_by_side"
        return f"standing; feet {stance:.2f} leg lengths apart front-to-back at depth: {kind}{named(posture)}"


def speaker_per_posture() -> dict[str, ExerciseSpec]:
    """Posture -> the exercise `auto` names for it: the first registered with that posture."""
    speakers: dict[str, ExerciseSpec] = {}
    for spec in registry.candidates():
        speakers.setdefault(spec.posture or "", spec)
    return speakers


class AutoAnalyser:
    """Same interface as `Analyser` (a `SetAnalyser`); delegates to the analyser of the recognised exercise."""

    def __init__(self, calibration: BackCalibration | None = None) -> None:
        self.vote = ExerciseVote()
        self.calibration = calibration
        self.analysers = {spec.name: Analyser(spec, calibration) for spec in self.vote.speakers.values()}
        if not self.analysers:
            raise ValueError("no registered exercise declares a posture: nothing for auto to recognise")

    @property
    def current(self) -> Analyser:
        return self.analysers[self.vote.best()]

    @property
    def name(self) -> str:
        return self.current.name

    @property
    def spec(self) -> ExerciseSpec:
        return self.current.spec

    @property
    def state(self) -> SetState:
        return self.current.state

    @property
    def body_context(self) -> BodyContext | None:
        # The view and the body are the same whichever exercise speaks.
        return next(iter(self.analysers.values())).body_context

    def update(self, pose: Pose | None, t_s: float) -> FrameFeedback:
        feedback = {name: a.update(pose, t_s) for name, a in self.analysers.items()}
        if pose is not None:
            self.vote.add(pose, self.body_context)
        return feedback[self.vote.best()]

    def finish(self) -> RepResult | None:
        results = {name: a.finish() for name, a in self.analysers.items()}
        return results[self.vote.best()]

    def checks(self):
        return self.current.checks()
