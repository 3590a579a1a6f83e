"""Recognise which exercise a set is, and analyse it as that.

The analysers of every registered exercise that declares a `Signature` (exercises/framework/signature.py)
see every frame (they are cheap pure functions), and a vote on the body's position and movement decides
which one speaks:
- each frame's position: standing, kneeling, hinged forward (standing), on the back, on the side, on all
  fours, face down on straight legs (`frame_position`);
- the set's position: one of the lying positions when the body lay in more than `lying_share` of the
  frames (the most frequent of them), else standing, or kneeling when the hips never rose to standing
  height;
- the movements within that position, from bounded histograms over the whole set: the hips lifting (a
  bridge), a leg reaching out (a dead bug, a bird-dog), the trunk hinging forward (a deadlift), one leg
  swinging back at the hinge (a single-leg deadlift), the feet split at depth (a lunge).
The exercises declaring that position whose signature fits the movements are the candidates: exactly one
is named, with the reason in words; none or several is a plain "cannot tell" (`unsure`), and the user
picks the exercise by name. Adding an exercise in a position and with movements already measured here
touches only its own module.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass

from exercises.framework import registry
from exercises.framework.analyser import Analyser, BodyContext, ExerciseSpec, FrameFeedback, RepResult, SetState
from exercises.framework.signature import MOVEMENTS, POSITIONS
from exercises.measures import features as F
from exercises.measures.calibration import BackCalibration
from exercises.measures.reference import SetReference
from vision.landmarks import LEFT, RIGHT
from vision.pose import Pose


@dataclass(frozen=True)
class AutoThresholds:
    """Each threshold with its unit, reason and source. Measured 2026-12-06 on ../shared/videos (23 clips),
    ../shared/videos/programme (23) and ../shared/videos/back (4 deadlifts), docs/metrics.md#auto: the
    margins there are each class's nearest clip on either side."""

    # Trunk more than 55 deg from vertical (world landmarks) = lying, on all fours or hinged, not upright:
    # squats and lunges stay under ~50 deg even with a strong lean.
    lying_trunk_deg: float = 55.0
    # Share of frames lying (on the back, side, all fours or face down; a hinge is standing). Lying
    # exercises 0.47-1.0 (a hip thrust off a bench lies only around the top: 0.47); standing and
    # kneeling sets 0.00-0.18 (a single-leg deadlift's deepest frames).
    lying_share: float = 0.35
    # Only frames this deep into the movement (hip drop, % of leg) judge the stance:
    # standing still, both exercises look alike.
    deep_hip_drop_pct: float = 25.0
    # Front-back ankle gap / leg length at depth: a squat stance is ~0-0.3, a lunge
    # or split squat puts the feet ~0.7-1.2 leg lengths apart.
    split_stance_ratio: float = 0.5
    history: int = 3000  # frames of evidence kept in the stance and lying windows (bounded memory)
    # Frames with the trunk measured before `unsure` judges at all: ~1/3 s at 30 fps, and all of a 4 s
    # demo GIF at 3 fps (a position share needs few frames; the movement rule needs the set to be seen).
    min_frames: int = 10
    # --- a frame's position (picture, trunk lengths) ---
    # Face down: the nose below the ears by this many trunk lengths (medians: planks, all fours and
    # hinges -0.10 to -0.16; on the back +0.02 to +0.18; lying on the side facing the camera -0.03 to -0.06).
    face_down_trunks: float = -0.08
    # Face up: the nose above the ears by this much = on the back (pelvic tilts, dead bugs, bridges +0.09
    # to +0.18 on the floor; side-lying at most -0.01 (90th percentile)).
    face_up_trunks: float = 0.06
    # Knees above both hips and ankles by this many trunk lengths = lying on the back, knees bent:
    # bridges, pelvic tilts and dead bugs read +0.3 to +0.6; planks, all fours and side-lying -0.8 to +0.1.
    knees_up_trunks: float = 0.2
    # Hips this high above the ankles (trunk lengths) with the trunk horizontal: face down, a hinge on
    # standing legs (single-leg deadlift 0.9-1.6); not face down, a hip thrust off a bench (1.1).
    # Lying flat, side-lying, planks and all fours stay under ~0.8.
    hips_high_trunks: float = 0.9
    # Lying on the back filmed side-on, the hips are at most this high above the ankles (trunk lengths): a hip
    # thrust off a bench tops out at 1.15 (bridge_side_04), bridges and tilts on the floor at 0.5. Hips higher
    # than that, over the knees, under an upright trunk (all in the picture) stand on the feet: the trunk's
    # world angle was misread (squat_side_02's standing top, the head behind a barbell plate, read "on the
    # back" with the hips 2.3-5.0 above the ankles, knees 1.3-2.6 below the hips, trunk 10-50 deg from
    # upright). Filmed from the feet the trunk is foreshortened, so the hips read high in trunk lengths too,
    # but the picture does not show an upright trunk over standing legs. Measured 2026-12-07 over every
    # frame of the 46 clips whose frame_position was on the back.
    lying_hips_max_trunks: float = 1.5
    # Face down, not hinged: a thigh within this of vertical (deg, picture) = on all fours (the thighs
    # hang under the hips: medians 2-8 deg); both thighs further over = a plank (70-78 deg).
    all_fours_thigh_deg: float = 45.0
    # Hips above the ankles at the top of the movement (90th percentile of upright frames, trunk lengths):
    # squats, lunges and hinges rise to 1.27-2.5 (standing); half-kneeling stays at 0.64-0.69.
    standing_hip_rise_trunks: float = 1.0
    # --- movements within the set's position ---
    # Share of all frames hinged (face down, trunk horizontal, hips high): squats and lunges at most
    # 4 % (their hips drop as the trunk leans); single-leg deadlifts 25-43 %, the deeper deadlifts 35-37 %.
    hinge_share: float = 0.15
    # One leg swung back at the hinge: the two hip angles differ by more than this (deg, picture; median
    # of the hinged frames): single-leg deadlifts 52-82, two-legged deadlifts 4-26.
    one_leg_deg: float = 40.0
    # Hips lifting: the hips' height above the shoulders moves this much (trunk lengths, 10th to 90th
    # percentile of the frames in the position, world landmarks): bridges 0.22-0.43; pelvic tilts
    # 0.02-0.03, dead bugs 0.04-0.05 (on the back).
    hips_lift_trunks: float = 0.15
    # A leg reaching: one leg's opening (helpers.leg_opening_deg: hip angle and knee extension) moves this
    # much (deg, 10th to 90th percentile in the position): dead bugs 28-85 (heel slides 28), bird-dogs 76-90;
    # pelvic tilts 5-8, cat-cows 7-8, planks 1-17.
    leg_reach_deg: float = 20.0
    # The percentiles the movement ranges are read between: a movement held or repeated in a tenth of the
    # frames at each end counts; a glitch of a few frames does not.
    range_low_pct: float = 10.0
    range_high_pct: float = 90.0


T = AutoThresholds()

LYING = ("on_back", "on_side", "all_fours", "prone")
# A frame's position -> the set positions (Signature.position) it belongs to.
FRAME_TO_SET_POSITIONS = {"upright": ("standing", "kneeling"), "hinge": ("standing",), **{p: (p,) for p in LYING}}


class Spread:
    """Values on a fixed grid of bins, over the whole set: a percentile costs O(bins), memory stays bounded
    however long the set (the live path reads the vote every frame)."""

    def __init__(self, lo: float, hi: float, step: float) -> None:
        self.lo, self.step = lo, step
        self.counts = [0] * (round((hi - lo) / step) + 1)
        self.n = 0

    def add(self, value: float) -> None:
        if not math.isfinite(value):
            return
        i = min(max(int((value - self.lo) / self.step), 0), len(self.counts) - 1)
        self.counts[i] += 1
        self.n += 1

    def percentile(self, q: float) -> float:
        """The value below which `q` % of the values fall (the middle of its bin); NaN when empty."""
        if not self.n:
            return math.nan
        rank = q / 100.0 * (self.n - 1)
        seen = 0
        for i, count in enumerate(self.counts):
            seen += count
            if seen > rank:
                return self.lo + (i + 0.5) * self.step
        return self.lo + (len(self.counts) - 0.5) * self.step

    def spread(self) -> float:
        """How far the values move: the `range_low_pct` to `range_high_pct` percentile range."""
        if self.n < 2:
            return math.nan
        return self.percentile(T.range_high_pct) - self.percentile(T.range_low_pct)


class LyingMovement:
    """The movements measured while in one lying position: the hips' height above the shoulders and each
    leg's opening."""

    def __init__(self) -> None:
        self.hip_lift = Spread(-3.0, 3.0, 0.01)
        self.legs = (Spread(0.0, 200.0, 1.0), Spread(0.0, 200.0, 1.0))

    def add(self, pose: Pose) -> None:
        self.hip_lift.add(F.hip_lift_trunks(pose))
        for spread, side in zip(self.legs, (LEFT, RIGHT), strict=True):
            spread.add(F.leg_opening_deg(pose, side))

    def seen(self) -> dict[str, float]:
        legs = [s.spread() for s in self.legs if s.n >= 2]
        return {"hips_lift": self.hip_lift.spread(), "leg_reach": max(legs) if legs else math.nan}


class ExerciseVote:
    """Position and movement evidence for the classification, accumulated frame by frame."""

    def __init__(self) -> None:
        self.candidates = registry.candidates()  # fixed for the set (and kept off the per-frame path)
        self.lying: deque[bool] = deque(maxlen=T.history)  # trunk over 55 deg (the mismatch check's posture)
        self.stance: deque[float] = deque(maxlen=T.history)
        self.positions: Counter[str] = Counter()  # frames per position (frame_position), whole set
        self.upright_hip_rise = Spread(-2.0, 4.0, 0.01)  # per upright frame, trunk lengths
        self.hinge_legs = Spread(0.0, 180.0, 1.0)  # per hinged frame: the hip angles' difference, deg
        self.lying_moves = {p: LyingMovement() for p in LYING}
        # The vote as of the last frame added, worked out on the first read after it: the analyser's
        # name, spec and state all ask for it, several times a frame.
        self._posture_scores: dict[str, float] | None = None
        self._verdict: Verdict | None = None
        self._stance_median: float | None = None

    @property
    def frames(self) -> int:
        return sum(self.positions.values())

    def position_of(self, pose: Pose) -> str | None:
        """The frame's position (frame_position), None when the trunk's angle cannot be measured."""
        # World landmarks: a bridge filmed from the feet shows the trunk end-on, upright in the image.
        lean = F.trunk_lean_world_deg(pose)
        return frame_position(pose, lean) if math.isfinite(lean) else None

    def add(self, pose: Pose, ctx: BodyContext | None, position: str | None = "") -> None:
        """One frame; `position`: its `position_of`, when the caller has it already."""
        self._posture_scores, self._verdict, self._stance_median = None, None, None
        if position == "":
            position = self.position_of(pose)
        if position is not None:
            self.lying.append(position != "upright")
            self.positions[position] += 1
            if position in self.lying_moves:
                self.lying_moves[position].add(pose)
            elif position == "hinge":
                self.hinge_legs.add(abs(F.hip_angle_deg(pose, LEFT) - F.hip_angle_deg(pose, RIGHT)))
            else:
                self.upright_hip_rise.add(F.hip_rise_trunks(pose))
        if ctx is not None and F.hip_drop_pct(pose, ctx.leg_scale_px) > T.deep_hip_drop_pct:
            ratio = F.sagittal_stance_ratio(pose)
            if math.isfinite(ratio):
                self.stance.append(ratio)

    def _stance(self) -> float:
        if self._stance_median is None:
            self._stance_median = statistics.median(self.stance) if self.stance else math.nan
        return self._stance_median

    # --- the coarse posture (lying / feet side by side / split), for the exercise-mismatch check ---

    def posture_scores(self) -> dict[str, float]:
        """Rough shares of each posture (see analyser.POSTURES) that add up to 1."""
        if self._posture_scores is None:
            self._posture_scores = self._count_posture_scores()
        return dict(self._posture_scores)  # a copy: the cached one is kept for the frame's other reads

    def _count_posture_scores(self) -> dict[str, float]:
        lying = sum(self.lying) / len(self.lying) if self.lying else 0.0
        standing = 1.0 - lying
        # A soft step around the threshold, so the score says how clear it was.
        split = 1.0 / (1.0 + math.exp(-(self._stance() - T.split_stance_ratio) / 0.08)) if self.stance else 0.5
        return {"feet_side_by_side": standing * (1 - split), "split_stance": standing * split, "lying": lying}

    def best_posture(self) -> str:
        scores = self.posture_scores()
        if self.lying and sum(self.lying) / len(self.lying) > T.lying_share:
            return "lying"
        return max(("feet_side_by_side", "split_stance"), key=scores.__getitem__)

    def posture_reason(self) -> str:
        """The coarse posture in words (the exercise-mismatch check's reason)."""
        lying = sum(self.lying) / len(self.lying) if self.lying else 0.0
        if lying > T.lying_share:
            return f"lying down in {lying:.0%} of frames"
        if not self.stance:
            return "standing; never deep enough to judge the stance"
        stance = self._stance()
        kind = "split" if stance > T.split_stance_ratio else "side by side"
        return f"standing; feet {stance:.2f} leg lengths apart front-to-back at depth: {kind}"

    # --- the exercise: position, then movement ---

    def verdict(self) -> Verdict:
        if self._verdict is None:
            self._verdict = self._judge()
        return self._verdict

    def _judge(self) -> Verdict:
        total = self.frames
        lying = sum(self.positions[p] for p in LYING)
        if total and lying / total > T.lying_share:
            position = max(LYING, key=self.positions.__getitem__)
            share = self.positions[position] / total
            measured = self.lying_moves[position].seen()
            seen = {
                "hips_lift": _above(measured["hips_lift"], T.hips_lift_trunks),
                "leg_reach": _above(measured["leg_reach"], T.leg_reach_deg),
            }
        else:
            hinged = self.positions["hinge"] / total if total else 0.0
            top = self.upright_hip_rise.percentile(90)
            kneeling = (
                hinged <= T.hinge_share and self.upright_hip_rise.n >= T.min_frames and top < T.standing_hip_rise_trunks
            )
            position = "kneeling" if kneeling else "standing"
            share = (total - lying) / total if total else 0.0
            measured = {"hinge": hinged, "standing_hips": top}
            seen = {}
            if position == "standing":
                legs = self.hinge_legs.percentile(50) if self.hinge_legs.n >= T.min_frames else math.nan
                stance = self._stance()
                measured.update(one_leg=legs, split_stance=stance)
                seen = {
                    "hinge": hinged > T.hinge_share,
                    "one_leg": _above(legs, T.one_leg_deg),
                    "split_stance": _above(stance, T.split_stance_ratio),
                }
        here = tuple(s for s in self.candidates if s.signature is not None and s.signature.position == position)
        fits = tuple(s for s in here if s.signature is not None and s.signature.fits(seen))
        return Verdict(position, share, measured, seen, here, fits)

    def scores(self) -> dict[str, float]:
        """Each recognisable exercise's score: its position's share of the frames if its movements fit, else 0."""
        verdict = self.verdict()
        return {s.name: (verdict.share if s in verdict.fits else 0.0) for s in self.candidates}

    def best(self) -> str:
        """The recognised exercise: the one whose position and movement fit; when none or several do, the
        first declaring the position (or the first candidate), judged but flagged by `unsure`."""
        verdict = self.verdict()
        for group in (verdict.fits, verdict.here, self.candidates):
            if group:
                return group[0].name
        raise ValueError("no registered exercise declares a signature: nothing for auto to recognise")

    def reason(self) -> str:
        verdict = self.verdict()
        said = verdict.words()
        if len(verdict.fits) == 1:
            return f"{said}: {verdict.fits[0].noun}"
        return said

    def unsure(self) -> str | None:
        """What was seen, when no one exercise fits the position and movement (pick it by name); else None."""
        if self.frames < T.min_frames:
            return None
        verdict = self.verdict()
        if len(verdict.fits) == 1:
            return None
        if not verdict.here:
            return f"{POSITIONS[verdict.position]}: no exercise FormCheck recognises is done in this position"
        nouns = " or ".join(f"a {s.noun}" for s in (verdict.fits or verdict.here))
        if verdict.fits:
            return f"{verdict.words()}: could be {nouns}"
        return f"{verdict.words()}: not the movement of {nouns}"


@dataclass(frozen=True)
class Verdict:
    """The set's position, what was measured and seen of the movements there, and which exercises fit."""

    position: str
    share: float  # of all frames in the position (standing: all upright and hinged frames)
    measured: dict[str, float]
    seen: dict[str, bool | None]
    here: tuple[ExerciseSpec, ...]  # the candidates declaring the position
    fits: tuple[ExerciseSpec, ...]  # those whose movements fit

    def words(self) -> str:
        parts = [f"{POSITIONS[self.position]} in {self.share:.0%} of frames"]
        m = self.measured
        for name, seen in self.seen.items():
            if name == "one_leg" and not self.seen.get("hinge"):
                continue  # the legs at the hinge say nothing without a hinge
            if name == "split_stance" and self.seen.get("hinge"):
                continue  # nor the stance at depth of a hinge
            parts.append(_movement_words(name, seen, m.get(name, math.nan)))
        return "; ".join(parts)


def _movement_words(name: str, seen: bool | None, value: float) -> str:
    if name == "hinge":
        return f"hinged forward in {value:.0%} of frames" if seen else f"no hip hinge ({value:.0%} of frames)"
    if name == "one_leg":
        if seen is None:
            return "the legs not measured at the hinge"
        return f"the hips {value:.0f} deg apart at the hinge: {'one leg swung back' if seen else 'both legs alike'}"
    if name == "split_stance":
        if seen is None:
            return "never deep enough to judge the stance"
        return f"feet {value:.2f} leg lengths apart front-to-back at depth: {'split' if seen else 'side by side'}"
    if name == "hips_lift":
        if seen is None:
            return "the hips not measured"
        return f"the hips {'lifted' if seen else 'stayed down'} ({value:.2f} trunk lengths)"
    if name == "leg_reach":
        if seen is None:
            return "the legs not measured"
        return f"{'a leg reached out' if seen else 'the legs stayed put'} ({value:.0f} deg)"
    return f"{MOVEMENTS[name]}: {'yes' if seen else 'no'}"


def _above(value: float, limit: float) -> bool | None:
    return None if not math.isfinite(value) else value > limit


def frame_position(pose: Pose, lean_deg: float) -> str:
    """One frame's position: upright (standing or kneeling; the set decides which), hinge (face down over
    standing legs, or the trunk level in the picture over them), on_back (face up, or knees bent up, or hips
    high off a bench), on_side, all_fours (face down, a thigh hanging under the hips) or prone (face down, legs
    out straight). A trunk upright in the picture over the knees and the hips far above the ankles is upright
    whatever its world angle (`lying_hips_max_trunks`)."""
    if lean_deg <= T.lying_trunk_deg:
        return "upright"
    hip_rise = F.hip_rise_trunks(pose)
    if F.face_rise_trunks(pose) < T.face_down_trunks:
        if hip_rise > T.hips_high_trunks:
            return "hinge"
        thighs = [F.thigh_from_vertical_deg(pose, side) for side in (LEFT, RIGHT)]
        finite = [a for a in thighs if math.isfinite(a)]
        return "all_fours" if finite and min(finite) < T.all_fours_thigh_deg else "prone"
    if on_the_feet(pose, hip_rise):
        return "upright"
    if (
        hip_rise > T.hips_high_trunks
        or F.knee_rise_trunks(pose) > T.knees_up_trunks
        or F.face_rise_trunks(pose) > T.face_up_trunks
    ):
        return "on_back"
    return "on_side"


def on_the_feet(pose: Pose, hip_rise: float) -> bool:
    """Standing on the feet by the picture: the hips far above the ankles, the knees below the hips, the trunk
    upright over them (`lying_hips_max_trunks`)."""
    return (
        hip_rise > T.lying_hips_max_trunks
        and F.knee_rise_trunks(pose) < 0.0
        and F.trunk_lean_deg(pose) <= T.lying_trunk_deg
    )


class AutoAnalyser:
    """Same interface as `Analyser` (a `SetAnalyser`); delegates to the analyser of the recognised exercise."""

    def __init__(
        self, calibration: BackCalibration | None = None, references: Mapping[str, SetReference] | None = None
    ) -> None:
        """`references`: the person's reference set per exercise; the recognised exercise's one judges its reps."""
        self.vote = ExerciseVote()
        self.calibration = calibration
        refs = references or {}
        self.analysers = {spec.name: Analyser(spec, calibration, refs.get(spec.name)) for spec in self.vote.candidates}
        if not self.analysers:
            raise ValueError("no registered exercise declares a signature: nothing for auto to recognise")
        # Only the analysers of exercises done in a position the body has taken so far see the frames: an
        # analyser joins on the first frame in its position (before it, no rep of its exercise could have
        # been under way), so the per-frame cost is that of the few plausible exercises, not of all.
        self.active: dict[str, Analyser] = {}
        self._joining = {
            frame: tuple(s.name for s in self.vote.candidates if s.signature and s.signature.position in positions)
            for frame, positions in FRAME_TO_SET_POSITIONS.items()
        }

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
        # The view and the body are the same whichever exercise speaks: the longest-running analyser's.
        return next(iter(self.active.values()), self.current).body_context

    def _join(self, name: str) -> None:
        if name not in self.active:
            self.active[name] = self.analysers[name]

    def update(self, pose: Pose | None, t_s: float) -> FrameFeedback:
        position = self.vote.position_of(pose) if pose is not None else None
        for name in self._joining.get(position or "", ()):
            self._join(name)
        feedback = {name: a.update(pose, t_s) for name, a in self.active.items()}
        if pose is not None:
            self.vote.add(pose, self.body_context, position)
        best = self.vote.best()
        if best not in feedback:  # named before the body took its position (a fallback): it joins now
            self._join(best)
            feedback[best] = self.active[best].update(pose, t_s)
        return feedback[best]

    def finish(self) -> RepResult | None:
        self._join(self.vote.best())
        results = {name: a.finish() for name, a in self.active.items()}
        return results[self.vote.best()]

    def checks(self):
        return self.current.checks()

    def unsure(self) -> str | None:
        """Why auto cannot tell which exercise this set is (the user must pick it by name), or None.

        Either no one exercise fits the position and movement seen (`ExerciseVote.unsure`), or one does but
        its movement never came: a set in which the recognised exercise counted no rep and no hold."""
        seen = self.vote.unsure()
        if seen is not None or self.vote.frames < T.min_frames:
            return seen
        current = self.current
        if current.state.reps or current.state.holds:
            return None
        return f"{self.vote.reason()}, but no {current.spec.noun} rep was seen"
