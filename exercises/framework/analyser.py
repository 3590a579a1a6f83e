"""The exercise-independent machinery: one explicit state object per set.

An `ExerciseSpec` says what to measure (pure functions of a `Pose` and the body
context); `Analyser` feeds each frame through it, counts reps on the spec's signal
and judges every counted rep against the spec's fault rules. Time comes only from
the timestamps passed in.
"""

from __future__ import annotations

import math
import statistics
from collections import ChainMap, Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from exercises.framework.cues import CATALOG, Cue, Severity, view_cue
from exercises.framework.display import Measure, OverlayLabel
from exercises.framework.fallback import SignalFallback
from exercises.framework.holds import HoldSpec, HoldTimer, HoldWindow
from exercises.framework.reps import Phase, RepCounter, RepCounterConfig, RepWindow, held_near_peak_s
from exercises.framework.sides import SideVote
from exercises.framework.signature import Signature
from exercises.measures import features as F
from exercises.measures.back_outline import BACK_METRICS, back_edge, back_measures, back_missing_reason
from exercises.measures.calibration import BackCalibration
from exercises.measures.reference import TILT, SetReference, UsualTilt
from vision.landmarks import Side
from vision.pose import Pose

Metrics = Mapping[str, float]

VIEWS = ("side", "oblique", "front")
SIDE_VIEWS = frozenset({"side", "oblique"})
FRONTAL_VIEWS = frozenset({"front", "oblique"})


@dataclass(frozen=True)
class BodyContext:
    """What the analyser has learned about the camera and the body, frame by frame."""

    view: str  # side | oblique | front | unknown
    near: Side | None  # side nearer the camera
    facing: float  # +1 faces image-right, -1 image-left
    leg_scale_px: float  # slowly-decaying maximum of the leg length in pixels
    feet_seen: bool


@dataclass(frozen=True)
class FaultRule:
    """A cue raised on a rep when `test(rep_metrics)` is true; judged only in `views`."""

    cue: str
    check: str  # the name the report uses in checks performed / skipped
    views: frozenset[str]
    test: Callable[[Metrics], bool]
    needs: tuple[str, ...]  # rep metrics the test reads; a missing one skips the check
    limit: float | None = None  # for single-metric rules: the threshold, so charts can draw it
    evidence: str = "landmarks"  # what the judgement was made from, for the report (e.g. back_rules.OUTLINE)


# The check that says whether the back's profile was measured from the body's outline
# (exercises/measures/back_outline.py); the lower-back rules' evidence is exercises/framework/back_rules.py's.
BACK_PROFILE_CHECK = "back_profile"


def above(
    cue: str, check: str, views: frozenset[str], metric: str, limit: float, evidence: str = "landmarks"
) -> FaultRule:
    """A rule raising `cue` when the rep's `metric` exceeds `limit`."""
    return FaultRule(cue, check, views, lambda m: m[metric] > limit, (metric,), limit, evidence)


def below(
    cue: str, check: str, views: frozenset[str], metric: str, limit: float, evidence: str = "landmarks"
) -> FaultRule:
    """A rule raising `cue` when the rep's `metric` is under `limit`."""
    return FaultRule(cue, check, views, lambda m: m[metric] < limit, (metric,), limit, evidence)


@dataclass(frozen=True)
class RepResult:
    index: int
    start_s: float
    peak_s: float
    end_s: float
    side: str | None
    view: str
    metrics: dict[str, float | None]
    cues: tuple[str, ...]
    score: int
    # False when the person was out of sight for part of the rep (RepWindow.unseen_s):
    # counted, but its form is not judged from the part that was seen.
    judged: bool = True
    evidence: Mapping[str, str] = field(default_factory=dict)  # cue id -> what it was judged from


@dataclass(frozen=True)
class HoldResult:
    """One hold of a position (a plank, a stretch): how long, and the form during it."""

    index: int
    start_s: float
    end_s: float
    side: str | None
    view: str
    metrics: dict[str, float | None]  # the form held: medians over the hold (HoldSpec.summarise)
    cues: tuple[str, ...]
    score: int
    evidence: Mapping[str, str] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class PartialRep:
    start_s: float
    end_s: float
    reason: str


@dataclass(frozen=True)
class FrameFeedback:
    timestamp_s: float
    has_pose: bool
    metrics: dict[str, float]
    signal: float
    phase: str  # rest | active | hold (a hold exercise in position) | no_person
    rep_count: int
    view: str
    side: str | None  # body side nearer the camera
    cue: Cue | None  # the one cue to show now
    rep: RepResult | None = None  # a rep counted at this frame
    partial: PartialRep | None = None  # a rep attempt rejected at this frame
    hold: HoldResult | None = None  # a hold that ended at this frame
    held_s: float = 0.0  # seconds held in the set so far: the holds that ended and the one under way
    # The back's edge in the picture, (n, 2) px shoulder -> hip (NaN rows where missing), when measured.
    back_px: np.ndarray | None = None


# The coarse postures the exercise-mismatch check compares (formcheck/exercise_check.py): a named exercise
# whose spec names one is checked against the posture `auto`'s vote sees; None = never checked.
# What `--exercise auto` recognises an exercise by is its `signature` (exercises/framework/signature.py).
POSTURES = ("feet_side_by_side", "split_stance", "lying")


@dataclass(frozen=True)
class ExerciseSpec:
    """Everything the rest of FormCheck knows about one exercise; registered in exercises.framework.registry."""

    name: str  # the id: CLI choice, report.json's `exercise`, history rows
    title: str  # headings, e.g. "Glute bridge"
    counter: RepCounterConfig
    signal: Callable[[Pose, BodyContext], float]
    frame_metrics: Callable[[Pose, BodyContext], dict[str, float]]
    summarise: Callable[[list[tuple[float, Metrics]], RepWindow, BodyContext], dict[str, float]]
    faults: tuple[FaultRule, ...]
    key_metric: str  # the metric charts and overlays show first
    preferred_views: frozenset[str]  # views the exercise is best judged from
    overlay: tuple[OverlayLabel, ...] = ()  # per-frame metrics drawn on the annotated video
    # The rep metrics a physiotherapist follows over weeks (history trends, tables, CSV), in order.
    measures: Mapping[str, Measure] = field(default_factory=dict)
    posture: str | None = None  # one of POSTURES, for the exercise-mismatch check
    # Position and movement `--exercise auto` recognises it by; None = only ever chosen by name.
    signature: Signature | None = None
    cues: tuple[Cue, ...] = ()  # cues of its own beyond exercises.framework.cues.CATALOG's shared ones
    aliases: tuple[str, ...] = ()  # other names for it in manifests and files (e.g. "glute_bridge")
    order: int = 100  # place in lists (CLI choices, history): lower first
    # Why a counted excursion of the signal was not this exercise (e.g. bending over to pick
    # something up drops the hips like a squat, with straight knees), judged on the rep's
    # summary; None = it was a rep.
    not_a_rep: Callable[[Metrics], str | None] = lambda metrics: None
    # A stand-in rep signal for frames where `signal` cannot be measured (e.g. the lower
    # legs out of the picture), mapped onto `signal`'s scale by `SignalFallback`.
    fallback_signal: Callable[[Pose, BodyContext], float] | None = None
    fallback_label: str = ""  # what the stand-in is measured from, for the report's warning
    # Where the person's back is in the picture (a direction), for the back's measures from the
    # outline (exercises/measures/back_outline.py: `lumbar_tilt_deg`, `back_curve_deg`, `lumbar_dip_trunk` and the
    # tilt's change from rest in every frame's metrics);
    # None: the back is not measured for this exercise.
    back: Callable[[BodyContext], np.ndarray] | None = None
    # Views the back's profile is measured in: side-on the outline's back edge is the spine's
    # profile; obliquely it is partly the flank (a squat seen at 45 deg read +10 to +30 deg of
    # lumbar tilt change on neutral reps), so an exercise opts in to oblique views.
    back_views: frozenset[str] = frozenset({"side"})
    # For exercises held rather than repeated (a plank, a stretch): when the position is held and
    # what is kept of each hold; its fault rules are judged on the holds' metrics as on reps'.
    hold: HoldSpec | None = None
    # Which side a rep or hold worked, voted per frame (the lunge's front leg, the kneeling leg of a
    # stretch); None: the side nearer the camera.
    side: SideVote | None = None
    # A rep's `hold_s` (the analyser's, exercises.framework.reps.held_near_peak_s): the time around the
    # peak that the rep signal stayed within this fraction of the rep's range of the peak.
    rep_hold_band: float = 0.15
    # The lower back's tilt at the bottom that ordinary sets read (with its source): told as information
    # when no reference set or calibration judges the set (report.json's `back_info`), never a cue.
    back_usual: UsualTilt | None = None

    @property
    def noun(self) -> str:
        """The name in a sentence: "a glute bridge"."""
        return self.title.lower()

    def limits(self, metric: str) -> dict[str, float]:
        """Cue id -> threshold of the rules led by `metric` (for reference lines)."""
        return {r.cue: r.limit for r in self.faults if r.needs[:1] == (metric,) and r.limit is not None}


# Points taken off a rep's 100 for each cue, by severity.
PENALTY = {Severity.INFO: 5, Severity.WARN: 15, Severity.ALERT: 25}
CUE_SHOW_S = 3.0
# Window of the running median on the rep signal: 0.2 s removes single-frame
# glitches at 25-60 fps and delays the signal by only ~0.1 s.
SIGNAL_MEDIAN_S = 0.2  # how long a rep's cue stays the current cue: long enough to read


# Live during a hold, its form is judged on this last stretch of it: long enough that one noisy frame
# decides nothing, short enough that the cue follows a change within a second.
HOLD_CUE_S = 1.0


# Names the analyser writes into the metrics itself: an exercise's function returning one would be
# overwritten (or overwrite the analyser's) without a word, as the bridge's own rep `hold_s` was.
# Per frame: the back's measures from the outline, their change from rest, the hold under way.
RESERVED_FRAME_METRICS = frozenset({*BACK_METRICS, "lumbar_tilt_change_deg", "hold_s"})
# Per rep: the time near the peak, the lower back's tilt as a share of the calibrated range and its
# change from the person's reference set.
REF_CHANGE = "lumbar_tilt_ref_change_deg"
RESERVED_REP_METRICS = frozenset({"hold_s", "lumbar_tilt_share", REF_CHANGE})


class ReservedMetric(ValueError):
    """An exercise's frame metrics or rep summary returned a name the analyser owns."""


def check_not_reserved(spec_name: str, what: str, metrics: Mapping[str, float], reserved: frozenset[str]) -> None:
    """Raise `ReservedMetric` naming the exercise and the key(s) when `metrics` has a name in `reserved`."""
    clash = reserved.intersection(metrics)
    if clash:
        raise ReservedMetric(
            f"{spec_name}: its {what} returned {', '.join(sorted(clash))}, a name the analyser owns; rename it"
        )


def score_rep(cues: tuple[str, ...], catalog: Mapping[str, Cue] = CATALOG) -> int:
    return max(0, 100 - sum(PENALTY[catalog[c].severity] for c in cues))


def finite_or_none(value: float) -> float | None:
    """A number for JSON and tables: NaN, inf and non-numbers are missing (None). The one such check."""
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def missing_if_not_finite(value: float) -> float:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else math.nan


class ContextTracker:
    """Estimates view, near side and body scale from recent frames.

    Majority votes and medians, so one bad frame changes nothing.
    """

    def __init__(self, window: int = 45, scale_half_life_s: float = 15.0) -> None:
        self._yaws: deque[float] = deque(maxlen=window)
        self._near: deque[str] = deque(maxlen=window)
        self._facing: deque[float] = deque(maxlen=window)
        self._scale = math.nan
        self._scale_t = math.nan
        self._half_life_s = scale_half_life_s

    def update(self, pose: Pose) -> BodyContext:
        # Image and world estimates fail differently (world depth is noisy, the image
        # one is fooled by shrugged shoulders), so their mean is kept.
        yaw = float(np.nanmean([F.facing_yaw_deg(pose), F.facing_yaw_2d_deg(pose)]))
        if math.isfinite(yaw):
            self._yaws.append(yaw)
        self._near.append(F.near_side(pose).name)
        self._facing.append(F.facing_sign(pose))
        self._update_scale(pose)
        near = Counter(self._near).most_common(1)[0][0]
        return BodyContext(
            view=self.view,
            near=Side(near),
            facing=1.0 if sum(self._facing) >= 0 else -1.0,
            leg_scale_px=self._scale,
            feet_seen=F.foot_in_view(pose),
        )

    def _update_scale(self, pose: Pose) -> None:
        # The leg looks shortest when bent toward the camera, so while it bends the scale is
        # a maximum that decays slowly. With both legs straight (standing between reps) the
        # leg's length now is the true scale: it follows a camera that zoomed or a person who
        # walked toward or away from it. Without a foot in view the ankles are guesses: kept.
        t = pose.timestamp_s
        if math.isfinite(self._scale):
            self._scale *= 0.5 ** (max(t - self._scale_t, 0.0) / self._half_life_s)
        self._scale_t = t
        length = F.leg_length_px(pose)
        if not (math.isfinite(length) and F.foot_in_view(pose)):
            return
        if F.legs_straight(pose) or not length <= self._scale:
            self._scale = length

    @property
    def view(self) -> str:
        if not self._yaws:
            return "unknown"
        yaw = statistics.median(self._yaws)
        # Degrees of body turn from facing the camera. Within 35 deg of side-on,
        # sagittal angles foreshorten by under 18 % (cos 35): judged as a side view.
        # Within 20 deg of square-on, frontal widths are within 6 % (cos 20): front.
        if yaw >= 55.0:
            return "side"
        if yaw <= 20.0:
            return "front"
        return "oblique"


@dataclass
class SetState:
    reps: list[RepResult] = field(default_factory=list)
    holds: list[HoldResult] = field(default_factory=list)
    partials: list[PartialRep] = field(default_factory=list)
    views: Counter = field(default_factory=Counter)
    sides: Counter = field(default_factory=Counter)
    frames: int = 0
    frames_with_pose: int = 0
    last_t: float = math.nan
    # Time ranges (start_s, end_s) counted on the spec's fallback signal.
    fallback_spans: list[tuple[float, float]] = field(default_factory=list)
    # Why the back's profile was missing, frames per reason (exercises with a `back` only).
    back_missing: Counter = field(default_factory=Counter)
    back_frames: int = 0  # frames with the back's profile measured

    def counting(self, feedback: FrameFeedback | None) -> bool:
        """Something counted: a rep or a hold done, or a hold under way at `feedback` (the last frame's)."""
        return bool(self.reps or self.holds) or (feedback is not None and feedback.phase == "hold")

    def note_fallback(self, t_s: float, max_gap_s: float = 0.5) -> None:
        if self.fallback_spans and t_s - self.fallback_spans[-1][1] <= max_gap_s:
            self.fallback_spans[-1] = (self.fallback_spans[-1][0], t_s)
        else:
            self.fallback_spans.append((t_s, t_s))


class RestReference:
    """A per-frame measure against its median over the last frames at rest (between reps).

    The lower back's tilt change: the overlay colours it while a rep is under way, and each rep
    is judged on its median over the rep's extreme (exercises.helpers.back_summary).
    """

    def __init__(self, frames: int = 60, min_frames: int = 10) -> None:
        self._rest: deque[float] = deque(maxlen=frames)
        # Fewer frames at rest than this (a set filmed from mid-rep) are no reference: no change is measured.
        self._min_frames = min_frames

    def change(self, value: float, phase: Phase) -> float:
        if not math.isfinite(value):
            return math.nan
        if phase is Phase.REST:
            self._rest.append(value)
        return value - statistics.median(self._rest) if len(self._rest) >= self._min_frames else math.nan


class Analyser:
    """Feed it frames in time order; ask for the set summary at the end."""

    def __init__(
        self, spec: ExerciseSpec, calibration: BackCalibration | None = None, reference: SetReference | None = None
    ) -> None:
        self.spec = spec
        # The cues this analyser can raise: the spec's own (registered or not) and the shared ones.
        self._cues: Mapping[str, Cue] = ChainMap({c.code: c for c in spec.cues}, CATALOG)
        # The person's own pelvic-tilt range (exercises/measures/calibration.py): reps' lower-back tilt is
        # then also read as a share of it (`lumbar_tilt_share`), which the calibrated rules judge.
        self.calibration = calibration
        # The person's reference set of this exercise (exercises/measures/reference.py): reps' lower-back tilt
        # is then also read as its change from the reference's (`lumbar_tilt_ref_change_deg`), in the
        # reference's view only. A reference of another exercise says nothing about this one: ignored.
        self.reference = reference if reference is not None and reference.exercise == spec.name else None
        self._reference_used = 0  # reps judged against it
        self._reference_other_views: Counter = Counter()  # rep views where the tilt was measured but not used
        self.counter = RepCounter(spec.counter)
        self.context = ContextTracker()
        self.state = SetState()
        # Recent per-frame metrics, enough to cover the longest rep.
        self._recent: deque[tuple[float, Metrics]] = deque()
        self._signal_recent: deque[tuple[float, float]] = deque()
        self._signals: deque[tuple[float, float]] = deque()  # the rep signal beside `_recent`
        self._ctx: BodyContext | None = None
        self._fallback = SignalFallback()
        self._rest_back = RestReference()
        self._hold_timer = HoldTimer(spec.hold.min_s, spec.hold.gap_s) if spec.hold else None
        self._hold_frames: list[tuple[float, Metrics]] = []  # the frames of the hold under way
        self._cue: Cue | None = None
        self._cue_until_s = -math.inf

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def body_context(self) -> BodyContext | None:
        """What the last frame with a person told about the view and the body (None before any)."""
        return self._ctx

    @property
    def recognition(self) -> Recognition | None:
        """None: a named exercise is not recognised (see SetAnalyser.recognition)."""
        return None

    def update(self, pose: Pose | None, t_s: float) -> FrameFeedback:
        st = self.state
        st.frames += 1
        st.last_t = t_s
        if pose is None:
            return self._no_pose(t_s)
        st.frames_with_pose += 1
        ctx = self.context.update(pose)
        self._ctx = ctx
        st.views[ctx.view] += 1
        # Absurd landmarks (huge or infinite) can overflow a measure: that is "missing", never inf.
        edge = self._back_edge(pose, ctx)
        own = self.spec.frame_metrics(pose, ctx)
        check_not_reserved(self.spec.name, "frame_metrics", own, RESERVED_FRAME_METRICS)
        measured = own | (back_measures(edge) if self.spec.back else {})
        metrics = {k: missing_if_not_finite(v) for k, v in measured.items()}
        if self.spec.back is not None:
            metrics["lumbar_tilt_change_deg"] = self._rest_back.change(metrics["lumbar_tilt_deg"], self.counter.phase)
        signal = self._despike(t_s, self._signal(pose, ctx, t_s))
        self._remember(t_s, metrics, signal)
        window = self.counter.update(t_s, signal)
        rep, partial = self._close(window, ctx) if window else (None, None)
        hold = self._hold_update(t_s, metrics, ctx)
        return FrameFeedback(
            timestamp_s=t_s,
            has_pose=True,
            metrics=metrics,
            signal=signal,
            phase=self._phase(),
            rep_count=self.counter.count,
            view=ctx.view,
            side=ctx.near.name if ctx.near else None,
            cue=self._current_cue(t_s, pose, ctx),
            rep=rep,
            partial=partial,
            hold=hold,
            held_s=self._held_s(),
            back_px=edge.points_px if edge is not None else None,
        )

    def _held_s(self) -> float:
        under_way = self._hold_timer.elapsed_s() if self._hold_timer is not None else 0.0
        return sum(h.duration_s for h in self.state.holds) + under_way

    def _phase(self) -> str:
        if self._hold_timer is not None and self._hold_timer.holding:
            return "hold"
        return self.counter.phase.value

    def _hold_update(self, t_s: float, metrics: dict[str, float], ctx: BodyContext | None) -> HoldResult | None:
        """Time the position of a hold exercise; the frame's `hold_s` is the hold under way so far."""
        hold, timer = self.spec.hold, self._hold_timer
        if hold is None or timer is None:
            return None
        was_holding = timer.holding
        window = timer.update(t_s, hold.in_position(metrics) if metrics else None)
        if metrics:
            metrics["hold_s"] = timer.elapsed_s()
        if timer.holding:
            self._hold_frames.append((t_s, metrics))
            return None
        if not was_holding:
            return None
        frames, self._hold_frames = self._hold_frames, []
        return self._close_hold(window, frames, ctx) if window is not None else None

    def _close_hold(
        self, window: HoldWindow, frames: list[tuple[float, Metrics]], ctx: BodyContext | None
    ) -> HoldResult:
        hold = self.spec.hold
        assert hold is not None
        held = [(t, m) for t, m in frames if t <= window.end_s]  # not the frames after the position was lost
        metrics = hold.summarise(held) | {"hold_s": window.duration_s}
        view = ctx.view if ctx is not None else self.context.view
        cues, evidence = self._judge(view, metrics)
        result = HoldResult(
            index=len(self.state.holds) + 1,
            start_s=window.start_s,
            end_s=window.end_s,
            side=self._voted_side(held) or (ctx.near.name if ctx is not None and ctx.near else None),
            view=view,
            metrics={k: finite_or_none(v) for k, v in metrics.items()},
            cues=cues,
            score=score_rep(cues, self._cues),
            evidence=evidence,
        )
        self.state.holds.append(result)
        if result.side:
            self.state.sides[result.side] += 1
        self._show(cues, window.end_s)
        return result

    def _back_edge(self, pose: Pose, ctx: BodyContext):
        """The back's edge of the outline in the views the exercise measures it in (`spec.back_views`)."""
        if self.spec.back is None:
            return None
        if ctx.view not in self.spec.back_views:
            self.state.back_missing[f"not measured in a {ctx.view} view"] += 1
            return None
        edge = back_edge(pose, self.spec.back(ctx))
        if edge is None:
            self.state.back_missing[back_missing_reason(pose, self.spec.back(ctx))] += 1
        else:
            self.state.back_frames += 1
        return edge

    def _no_pose(self, t_s: float) -> FrameFeedback:
        window = self.counter.update(t_s, math.nan)
        partial = None
        if window is not None:
            partial = PartialRep(window.start_s, window.end_s, window.reason or "")
            self.state.partials.append(partial)
        hold = self._hold_update(t_s, {}, self._ctx)
        return FrameFeedback(
            timestamp_s=t_s,
            has_pose=False,
            metrics={},
            signal=math.nan,
            phase="no_person",
            rep_count=self.counter.count,
            view=self.context.view,
            side=None,
            cue=CATALOG["no_person"],
            partial=partial,
            hold=hold,
            held_s=self._held_s(),
        )

    def _signal(self, pose: Pose, ctx: BodyContext, t_s: float) -> float:
        value = missing_if_not_finite(self.spec.signal(pose, ctx))
        if self.spec.fallback_signal is None:
            return value
        stand_in = missing_if_not_finite(self.spec.fallback_signal(pose, ctx))
        value, used = self._fallback.update(t_s, value, stand_in)
        if used:
            self.state.note_fallback(t_s)
        return value

    def _despike(self, t_s: float, value: float) -> float:
        """Median of the last `SIGNAL_MEDIAN_S` of the signal: one glitched frame (a
        landmark flipping sides for a frame) must not end or start a rep."""
        self._signal_recent.append((t_s, value))
        while self._signal_recent and self._signal_recent[0][0] < t_s - SIGNAL_MEDIAN_S:
            self._signal_recent.popleft()
        finite = [v for _, v in self._signal_recent if math.isfinite(v)]
        if not math.isfinite(value) or not finite:
            return value
        return float(statistics.median(finite))

    def _remember(self, t_s: float, metrics: Metrics, signal: float) -> None:
        self._recent.append((t_s, metrics))
        self._signals.append((t_s, signal))
        horizon = self.spec.counter.max_duration_s + 2.0
        while self._recent and self._recent[0][0] < t_s - horizon:
            self._recent.popleft()
            self._signals.popleft()

    def _close(self, window: RepWindow, ctx: BodyContext) -> tuple[RepResult | None, PartialRep | None]:
        rep_metrics: dict[str, float] = {}
        frames = [(t, m) for t, m in self._recent if window.start_s <= t <= window.end_s]
        if window.counted:
            rep_metrics = self.spec.summarise(frames, window, ctx)
            check_not_reserved(self.spec.name, "summarise", rep_metrics, RESERVED_REP_METRICS)
            rep_metrics["hold_s"] = held_near_peak_s(list(self._signals), window, self.spec.rep_hold_band)
            if self.calibration is not None and "lumbar_tilt_deg" in rep_metrics:
                rep_metrics["lumbar_tilt_share"] = self.calibration.share(rep_metrics["lumbar_tilt_deg"])
            self._against_reference(rep_metrics, self._set_view())
            reason = self.spec.not_a_rep(rep_metrics)
            if reason is not None:
                window = self.counter.reject(window, reason)
        if not window.counted:
            partial = PartialRep(window.start_s, window.end_s, window.reason or "")
            self.state.partials.append(partial)
            return None, partial
        judged = window.unseen_s == 0.0
        cues, evidence = self._judge(ctx.view, rep_metrics) if judged else ((), {})
        side = self._voted_side(frames, window)
        rep = RepResult(
            index=len(self.state.reps) + 1,
            start_s=window.start_s,
            peak_s=window.peak_s,
            end_s=window.end_s,
            side=side or (ctx.near.name if ctx.near else None),
            view=ctx.view,
            metrics={k: finite_or_none(v) for k, v in rep_metrics.items()},
            cues=cues,
            score=score_rep(cues, self._cues),
            judged=judged,
            evidence=evidence,
        )
        self.state.reps.append(rep)
        if rep.side:
            self.state.sides[rep.side] += 1
        self._show(cues, window.end_s)
        return rep, None

    def _set_view(self) -> str:
        """The set's main view so far: what a reference's view is (report.json's `view` of its set). Not the
        rep's own `view`, the view as the rep ends: standing up from a hinge filmed at 45 deg reads side-on."""
        seen = [(n, v) for v, n in self.state.views.items() if v in VIEWS]
        return max(seen)[1] if seen else "unknown"

    def _against_reference(self, rep_metrics: dict[str, float], view: str) -> None:
        """The rep's tilt minus the reference's, when both were measured and the set is seen from its view."""
        tilt = finite_or_none(rep_metrics.get(TILT, math.nan))
        reference = self.reference
        if reference is None or tilt is None or reference.tilt_deg is None:
            return
        if view != reference.view:
            self._reference_other_views[view] += 1
            return
        rep_metrics[REF_CHANGE] = tilt - reference.tilt_deg
        self._reference_used += 1

    def reference_use(self) -> tuple[bool, str | None]:
        """Whether the reference set judged the outline of any rep so far, and if not, why (for the report)."""
        reference = self.reference
        if reference is None:
            return False, None
        if self._reference_used:
            return True, None
        if reference.tilt_deg is None:
            return False, "your reference set has no lower-back measure; set one filmed side-on"
        if self._reference_other_views:
            seen = self._reference_other_views.most_common(1)[0][0]
            return False, (
                f"your reference was filmed {view_words(reference.view)}; this set is {view_words(seen)}, so the"
                " outline is judged against the set itself"
            )
        return False, "the lower back's outline was not measured on any rep of this set"

    def _voted_side(self, frames: list[tuple[float, Metrics]], rep: RepWindow | None = None) -> str | None:
        """The side the spec's vote names for a rep (its frames near the peak) or a hold (all its frames)."""
        vote = self.spec.side
        if vote is None:
            return None
        return vote.of_rep(frames, rep) if rep is not None else vote.of_frames(frames)

    def _judge(self, view: str, metrics: Metrics) -> tuple[tuple[str, ...], dict[str, str]]:
        """The cues the fault rules raise on a rep's or a hold's metrics, each with its evidence."""
        evidence: dict[str, str] = {}
        for rule in self.spec.faults:  # one cue once, with the evidence of the first rule that raised it
            if self._applies(rule, view, metrics):
                evidence.setdefault(rule.cue, rule.evidence)
        return tuple(evidence), evidence

    def _show(self, cues: tuple[str, ...], t_s: float) -> None:
        """Make the worst of `cues` the current cue for `CUE_SHOW_S`."""
        if cues:
            worst = max(cues, key=lambda c: PENALTY[self._cues[c].severity])
            self._cue, self._cue_until_s = self._cues[worst], t_s + CUE_SHOW_S

    @staticmethod
    def _applies(rule: FaultRule, view: str, metrics: Metrics) -> bool:
        if view not in rule.views:
            return False
        if any(finite_or_none(metrics.get(k, math.nan)) is None for k in rule.needs):
            return False
        return bool(rule.test(metrics))

    def _current_cue(self, t_s: float, pose: Pose, ctx: BodyContext) -> Cue | None:
        if t_s <= self._cue_until_s:
            return self._cue
        if self._hold_timer is not None and self._hold_timer.holding:
            return self._holding_cue(t_s, ctx)
        if self.counter.phase is Phase.ACTIVE:
            return None  # never distract mid-rep with set-up advice
        if pose.people_detected > 1:
            return CATALOG["one_person"]
        if not ctx.feet_seen:
            return CATALOG["step_back"]
        if ctx.view not in self.spec.preferred_views and ctx.view != "unknown":
            return view_cue(self.spec.preferred_views)
        return None

    def _holding_cue(self, t_s: float, ctx: BodyContext) -> Cue | None:
        """During a hold, the form of its last `HOLD_CUE_S` judged as a hold's: a plank sagging now is said now."""
        hold = self.spec.hold
        assert hold is not None
        recent = [(t, m) for t, m in self._hold_frames if t >= t_s - HOLD_CUE_S]
        cues, _ = self._judge(ctx.view, hold.summarise(recent))
        return self._cues[max(cues, key=lambda c: PENALTY[self._cues[c].severity])] if cues else None

    def finish(self) -> RepResult | None:
        """End of the set; returns a rep that the last frames completed, if any."""
        last_raw = self._signal_recent[-1][1] if self._signal_recent else math.nan
        window = self.counter.finish(self.state.last_t if math.isfinite(self.state.last_t) else 0.0, last_raw)
        if self._hold_timer is not None:
            held = self._hold_timer.finish()
            frames, self._hold_frames = self._hold_frames, []
            if held is not None:
                self._close_hold(held, frames, self._ctx)
        if window is not None and self._ctx is not None:
            return self._close(window, self._ctx)[0]
        return None

    def checks(self) -> tuple[list[str], list[dict[str, str]]]:
        """Which checks the views seen allowed, and which were skipped with the reason."""
        seen_views = {v for v in self.state.views if v in VIEWS}
        performed, skipped = [], []
        for rule in self.spec.faults:
            if rule.check in performed or any(s["check"] == rule.check for s in skipped):
                continue
            if seen_views & rule.views:
                performed.append(rule.check)
            else:
                allowed = " or ".join(sorted(rule.views))
                seen = ", ".join(sorted(seen_views)) or "no usable"
                skipped.append(
                    {"check": rule.check, "reason": f"needs a {allowed} view; this video showed {seen} view"}
                )
        if self.spec.back is not None:
            self._back_check(performed, skipped)
        return performed, skipped

    def _back_check(self, performed: list[str], skipped: list[dict[str, str]]) -> None:
        """The back's profile from the outline: measured, or why not (the lower-back cues then use proxies)."""
        if self.state.back_frames:
            performed.append(BACK_PROFILE_CHECK)
            return
        top = self.state.back_missing.most_common(1)
        why = top[0][0] if top else "no frames with a person"
        skipped.append(
            {
                "check": BACK_PROFILE_CHECK,
                "reason": f"the back's outline could not be measured ({why}); lower-back cues used landmark proxies",
            }
        )


def view_words(view: str) -> str:
    """A view in a sentence: "side-on", "at 45 deg (oblique)", "from the front"."""
    return {"side": "side-on", "oblique": "at about 45 deg (oblique)", "front": "from the front"}.get(view, view)


class Recognition(Protocol):
    """What `--exercise auto`'s vote on position and movement makes of the set so far (auto.ExerciseVote).

    Read as often as needed: the vote is worked out at most once per frame, not on every read.
    """

    def best(self) -> str: ...  # the exercise it names

    def scores(self) -> dict[str, float]: ...  # each recognisable exercise's score

    def reason(self) -> str: ...  # what it saw, in words

    def unsure(self) -> str | None: ...  # what was seen when no one exercise fits it, else None


class SetAnalyser(Protocol):
    """What the pipeline, the reports and the app need from an analyser of one set.

    `Analyser` (one named exercise) and `exercises.framework.auto.AutoAnalyser` (recognises which) both are.
    """

    @property
    def name(self) -> str: ...

    @property
    def spec(self) -> ExerciseSpec: ...

    @property
    def state(self) -> SetState: ...

    @property
    def body_context(self) -> BodyContext | None: ...

    @property
    def calibration(self) -> BackCalibration | None: ...

    @property
    def reference(self) -> SetReference | None:
        """The person's reference set of this exercise handed to the analyser, or None."""
        ...

    def reference_use(self) -> tuple[bool, str | None]: ...

    @property
    def recognition(self) -> Recognition | None:
        """The vote that names the exercise as the set goes (`auto`), or None for an exercise named by the user."""
        ...

    def update(self, pose: Pose | None, t_s: float) -> FrameFeedback: ...

    def finish(self) -> RepResult | None: ...

    def checks(self) -> tuple[list[str], list[dict[str, str]]]: ...
