"""Recognise which exercise a set is, and analyse it as that.

The analysers of every registered exercise that declares a posture see every frame (they
are cheap pure functions), and a vote on posture decides which one speaks:
- lying (trunk near horizontal most of the time) -> `lying` (the glute bridge);
- standing, with the feet split front-to-back at the bottom of the movement -> `split_stance` (lunge);
- standing, feet side by side at the bottom -> `feet_side_by_side` (squat).
When several exercises share a posture, the first in the registry's order speaks for it.

Bodies in none of these positions (the rest of a back-care programme: a plank, all fours, lying on
the side, a hip hinge on straight legs, kneeling on one knee) are not forced into one: `unsure()`
says plainly what was seen and that the exercise must be picked by name.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass

from exercises.framework import registry
from exercises.framework.analyser import Analyser, BodyContext, ExerciseSpec, FrameFeedback, RepResult, SetState
from exercises.measures import features as F
from exercises.measures.calibration import BackCalibration
from exercises.measures.reference import SetReference
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
    # --- positions auto does not recognise (measured on the programme's clips, docs/metrics.md#auto) ---
    # Frames with the trunk measured before `unsure` judges at all: ~1/3 s at 30 fps, and all of a 4 s
    # demo GIF at 3 fps (a posture share needs few frames; the movement rule needs the set to be seen).
    min_frames: int = 10
    # Face down: the nose below the ears by this many trunk lengths (medians: planks, all fours and
    # hinges -0.10 to -0.16; on the back +0.03 to +0.18; lying on the side facing the camera -0.03 to -0.06).
    face_down_trunks: float = -0.08
    # Knees above both hips and ankles by this many trunk lengths = lying on the back, knees bent:
    # bridges, pelvic tilts and dead bugs read +0.3 to +0.6; planks, all fours and side-lying -0.8 to +0.1.
    knees_up_trunks: float = 0.2
    # Hips this high above the ankles (trunk lengths) with the trunk horizontal: face down, a hinge on
    # straight legs (single-leg deadlift 0.9-1.6); not face down, a hip thrust off a bench (1.1).
    # Lying flat, side-lying, planks and all fours stay under ~0.8.
    hips_high_trunks: float = 0.9
    # On the back with a hand above the shoulders by more than this (trunk lengths), or the ankles above
    # the hips by more than `feet_up_trunks`: arms or legs raised (a dead bug: every frame of its clip;
    # bridges and pelvic tilts at most 5 % of frames, hands behind the head).
    hand_up_trunks: float = 0.3
    feet_up_trunks: float = 0.15
    # Share of the lying frames that must be on the back, limbs down, for a bridge.
    supine_share: float = 0.5
    # Share of all frames hinged: squats and lunges at most 4 % (their hips drop as the trunk leans);
    # a hinge set spends 25-45 % of its frames there.
    hinge_share: float = 0.15
    # Hips above the ankles at the top of the movement (90th percentile of upright frames, trunk lengths):
    # squats and lunges rise to 1.26-2.5 (standing); half-kneeling stays at 0.64-0.70.
    standing_hip_rise_trunks: float = 1.0


T = AutoThresholds()


class ExerciseVote:
    """Posture evidence for the classification, accumulated frame by frame."""

    def __init__(self) -> None:
        # Which exercise speaks for each posture, fixed for the set (and kept off the per-frame path).
        self.speakers = speaker_per_posture()
        self.lying: deque[bool] = deque(maxlen=T.history)
        self.stance: deque[float] = deque(maxlen=T.history)
        self.lying_kind: deque[str] = deque(maxlen=T.history)  # per lying frame: see _lying_kind
        self.hip_rise: deque[float] = deque(maxlen=T.history)  # per upright frame, trunk lengths
        # The vote as of the last frame added, worked out on the first read after it: the analyser's
        # name, spec and state all ask for it, several times a frame, and each answer is a median and a
        # share over up to `T.history` frames.
        self._posture_scores: dict[str, float] | None = None
        self._best: str | None = None

    def add(self, pose: Pose, ctx: BodyContext | None) -> None:
        self._posture_scores, self._best = None, None
        # World landmarks: a bridge filmed from the feet shows the trunk end-on, upright in the image.
        lean = F.trunk_lean_world_deg(pose)
        if math.isfinite(lean):
            self.lying.append(lean > T.lying_trunk_deg)
            if lean > T.lying_trunk_deg:
                self.lying_kind.append(_lying_kind(pose))
            else:
                self.hip_rise.append(F.hip_rise_trunks(pose))
        if ctx is not None and F.hip_drop_pct(pose, ctx.leg_scale_px) > T.deep_hip_drop_pct:
            ratio = F.sagittal_stance_ratio(pose)
            if math.isfinite(ratio):
                self.stance.append(ratio)

    def posture_scores(self) -> dict[str, float]:
        """Rough shares of each posture (see analyser.POSTURES) that add up to 1."""
        if self._posture_scores is None:
            self._posture_scores = self._count_posture_scores()
        return dict(self._posture_scores)  # a copy: the cached one is kept for the frame's other reads

    def _count_posture_scores(self) -> dict[str, float]:
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
        if self._best is None:
            self._best = self._choose_best()
        return self._best

    def _choose_best(self) -> str:
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


    def unsure(self) -> str | None:
        """What was seen, when it is none of the positions auto recognises (pick the exercise by name); else None."""
        if len(self.lying) < T.min_frames:
            return None
        kinds = Counter(self.lying_kind)
        if self.best_posture() == "lying":
            if kinds["supine"] >= T.supine_share * len(self.lying_kind):
                return None
            lying = self.speakers.get("lying")
            unlike = f", not on the back as in a {lying.noun}" if lying else ""
            return f"{LYING_WORDS[max(LYING_WORDS, key=kinds.__getitem__)]}{unlike}"
        if kinds["hinge"] > T.hinge_share * len(self.lying):
            return LYING_WORDS["hinge"]
        if len(self.hip_rise) >= T.min_frames and _percentile(self.hip_rise, 90) < T.standing_hip_rise_trunks:
            return "kneeling or sitting: the hips never rose to standing height"
        return None


LYING_WORDS = {
    "hinge": "bending forward to horizontal on straight legs (a hip hinge)",
    "prone": "face down or on all fours",
    "side": "lying on the side",
    "limbs_up": "on the back with the arms or legs raised",
}


def _lying_kind(pose: Pose) -> str:
    """A frame with the trunk near horizontal: supine (on the back: knees bent, or hips up off a bench),
    limbs_up (on the back, arms or legs raised), hinge (face down over straight legs), prone (face down:
    plank, all fours) or side."""
    hip_rise = F.hip_rise_trunks(pose)
    if F.face_rise_trunks(pose) < T.face_down_trunks:
        return "hinge" if hip_rise > T.hips_high_trunks else "prone"
    if hip_rise <= T.hips_high_trunks and F.knee_rise_trunks(pose) <= T.knees_up_trunks:
        return "side"
    if F.hand_rise_trunks(pose) > T.hand_up_trunks or -hip_rise > T.feet_up_trunks:
        return "limbs_up"
    return "supine"


def _percentile(values: deque[float], q: float) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(statistics.quantiles(finite, n=100)[q - 1]) if len(finite) > 1 else math.nan


def speaker_per_posture() -> dict[str, ExerciseSpec]:
    """Posture -> the exercise `auto` names for it: the first registered with that posture."""
    speakers: dict[str, ExerciseSpec] = {}
    for spec in registry.candidates():
        speakers.setdefault(spec.posture or "", spec)
    return speakers


class AutoAnalyser:
    """Same interface as `Analyser` (a `SetAnalyser`); delegates to the analyser of the recognised exercise."""

    def __init__(
        self, calibration: BackCalibration | None = None, references: Mapping[str, SetReference] | None = None
    ) -> None:
        """`references`: the person's reference set per exercise; the recognised exercise's one judges its reps."""
        self.vote = ExerciseVote()
        self.calibration = calibration
        refs = references or {}
        self.analysers = {
            spec.name: Analyser(spec, calibration, refs.get(spec.name)) for spec in self.vote.speakers.values()
        }
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
    def reference(self) -> SetReference | None:
        return self.current.reference

    def reference_use(self) -> tuple[bool, str | None]:
        return self.current.reference_use()

    @property
    def recognition(self) -> ExerciseVote:
        return self.vote

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

    def unsure(self) -> str | None:
        """Why auto cannot tell which exercise this set is (the user must pick it by name), or None.

        Either the body was in none of the positions it recognises (`ExerciseVote.unsure`), or it was in
        one but the movement never came: a set in which the recognised exercise counted nothing."""
        seen = self.vote.unsure()
        if seen is not None or len(self.vote.lying) < T.min_frames:
            return seen
        current = self.current
        if current.state.reps or current.state.holds:
            return None
        return f"{self.vote.reason()}, but no {current.spec.noun} rep was seen"
