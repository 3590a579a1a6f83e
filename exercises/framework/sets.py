"""Sets in one continuous recording: where each set starts and ends, and an analyser per set.

`SetSplitter` is fed one frame at a time (the smoothed pose and the frame's timestamp, never the clock) and
says when a set starts and when it ends, so a file and a live camera split alike. Per frame it measures:
- the body's position family: standing (upright on straight legs, or hinged over them) or on the floor
  (lying on the back, side or front, on all fours, kneeling), from `auto.frame_position`;
- how much the body moves: the second-largest range of the key landmarks over the last `move_window_s`, in
  trunk lengths (the second, so that one glitching landmark does not make a set, while one limb moving
  its knee and ankle, or elbow and wrist, does);
- whether the picture is frozen: the same picture as the frame before (the caller compares the pictures:
  `repeated`) for `picture_frozen_s`; or the median speed of the key landmarks over `frozen_window_s` below
  what a living body shows even when holding still (a plank, a stretch: the pose model's jitter on a breathing
  body), for pictures that are not bit-for-bit repeats (a frozen stream re-encoded). A repeated picture carries
  no movement: its landmarks are not measured at all, because the model's landmarks jitter on a repeated
  picture as much as on a person holding still (seen on joined sessions' gaps: 0.2 trunk lengths/s frame to
  frame on a small standing figure). A clip at 2-3 pictures a second (each picture repeated for up to 0.5 s)
  then moves from picture to picture and is not frozen.

A set starts when the body moves for `move_start_s` (its start is taken back `lead_s`, to where the movement
began), or when it settles on the floor or kneeling for
`settle_start_s` (a plank, a side plank, a stretch: holds are still by nature, so stillness alone cannot
close them; lying on the back is a rest too, so there a set needs the smaller movement `back_move_trunks`). A
set ends when the picture freezes, the person is lost, a body standing or lying on the back stays still for
`rest_end_s`, or the position family changes for `change_end_s`; its end is taken back to where that began.

`SetsAnalyser` runs a fresh analyser (e.g. `auto`'s) per set: when a set starts, the set's frames kept since
its start are replayed into it, so the first rep is not lost; each frame reaches it `lag_s` late, so that the
frames after the set's true end (seen only when the end is decided) never reach it. A set in which nothing
was counted (no rep, no hold) is not kept: a rest, walking or setting up. Memory is bounded: a few seconds
of poses and the kept sets' analysers.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from exercises.framework.analyser import FrameFeedback, SetAnalyser
from exercises.framework.auto import T as AUTO
from exercises.framework.auto import frame_position
from exercises.measures import features as F
from vision.landmarks import Landmark
from vision.pose import Pose


@dataclass(frozen=True)
class SplitThresholds:
    """Each value with its unit, reason and source. Measured 2026-12-06 on the smoothed poses of
    ../shared/videos (23 clips), ../shared/videos/programme (23 clips) and sessions joined from them by
    `formcheck build-sessions` (docs/sessions.md)."""

    # Frozen picture: the median landmark speed (trunk lengths/s, third-largest of the key landmarks) over
    # `frozen_window_s` below this. Living bodies holding still read 0.04 (a 3 fps clamshell GIF) to
    # 0.06-0.11 (planks at 30 fps) at their stillest; a repeated picture falls under 0.02 within 0.0-0.7 s
    # (joined sessions' gaps): nobody holds that still, so it is a stuck camera, a photo or an edit.
    frozen_speed: float = 0.02
    frozen_window_s: float = 0.5  # s: a median over 15 frames at 30 fps, 5 at 10 fps
    # A frozen picture this long ends a set (s): the shortest half-gap of joined sessions (1.5 s) leaves
    # ~0.8 s frozen after the window; clips' own frozen moments (a frozen opening) are longer than this too.
    frozen_end_s: float = 0.3
    # The same picture this long is frozen (s): longer than a slow clip holds one picture (plank_side_08 is
    # ~2.2 pictures a second in a 30 fps file: runs of 12-14 repeated frames, 0.47 s); over all 50 shared
    # clips the longest run of repeated pictures is that 0.47 s, then 0.40 s (single_leg_deadlift_side_01)
    # and 0.28 s, apart from squat_side_07's last 2.2 s, frozen after its last rep (measured 2026-12-07 with
    # vision.video.is_repeat at the analysis size). Shorter than a joined session's half-gap (1.5 s) and than
    # lag_s, so that the end is decided before a frame after it reaches the set's analyser.
    picture_frozen_s: float = 0.9
    # Moving: the key landmarks' range over `move_window_s` above this (trunk lengths). Squats and lunges
    # move 0.3-2.5 (medians), bridges 0.12-0.35, dead bugs 0.16-0.5; the pose model's jitter on a still
    # body stays near 0.03-0.1 (planks, a kneeling stretch).
    move_trunks: float = 0.15
    move_window_s: float = 1.0
    # Moving this long (s, summed since the body took its position) starts a set: about half a rep.
    move_start_s: float = 0.5
    # A set's start is taken back this far before the frame that first saw the body moving (s): the movement
    # began within the movement window. Standing still before the first rep is not part of the set (on the
    # floor the position taken starts it: `settle_start_s`).
    lead_s: float = 1.0
    # On the floor or kneeling, not frozen, this long (s) starts a set: a hold's position taken. (Lying still
    # on the back starts one too; it counts nothing and so is not kept: SetsAnalyser.)
    settle_start_s: float = 1.0
    # Lying on the back, moving: the range above this (trunk lengths). No exercise is held on the back, and
    # its smallest movement, a pelvic tilt, reads 0.05-0.13 while tilting (medians 0.046 and 0.086 over its
    # clips, pauses included); lying still reads ~0.02-0.03 (a tilt clip's pauses).
    back_move_trunks: float = 0.04
    # Standing or lying on the back without moving this long ends a set (s): longer than a pause between slow
    # reps (4.6 s between two pelvic tilts; standing sets pause 1-3 s at the top).
    rest_end_s: float = 6.0
    # Nobody found this long ends a set (s): stepped away (a rep's counter gives up after 1 s).
    lost_end_s: float = 2.0
    # The other position family (standing / on the floor) this long ends a set (s): a few frames of a lying
    # exercise read as upright when filmed from the feet; a change of exercise without rest takes longer.
    change_end_s: float = 3.0
    # Poses kept for the replay of a set's start (s): lead_s plus the time to decide, with room.
    buffer_s: float = 10.0
    # A frame reaches the set's analyser this late (s): the latest a set's end is decided after it happened
    # (a freeze: picture_frozen_s from the pictures; frozen_window_s / 2 + frozen_end_s from the landmarks), so
    # frames after the end never count.
    lag_s: float = 1.0


S = SplitThresholds()

KEY_LANDMARKS = (
    Landmark.NOSE,
    Landmark.LEFT_SHOULDER,
    Landmark.RIGHT_SHOULDER,
    Landmark.LEFT_WRIST,
    Landmark.RIGHT_WRIST,
    *F.LEG,  # hips, knees, ankles
)
STANDING, FLOOR = "standing", "floor"
# A set that ends because the body took the other position family starts the next at once, from the change:
# the new position held change_end_s is the next exercise under way or its set-up (a set-up counts nothing and
# is not kept). Waiting for movement after the decision would cut the next set's first 3 s: its first rep.
CHANGED = "the position changed"


def frame_family(pose: Pose) -> tuple[str | None, float]:
    """(floor, NaN) lying or on all fours, (standing, NaN) hinged over straight legs, (upright, the hips'
    height above the ankles in trunk lengths) upright (standing or kneeling: `Family` decides over a
    window); (None, NaN) when the trunk's angle cannot be measured."""
    lean = F.trunk_lean_world_deg(pose)
    if not math.isfinite(lean):
        return None, math.nan
    position = frame_position(pose, lean)
    if position == "hinge":
        return STANDING, math.nan
    if position != "upright":
        return FLOOR, math.nan
    return "upright", F.hip_rise_trunks(pose)


def on_back(pose: Pose) -> bool:
    """Lying on the back (`auto.frame_position`): a rest position as much as the bridges' and tilts'."""
    lean = F.trunk_lean_world_deg(pose)
    return math.isfinite(lean) and frame_position(pose, lean) == "on_back"


class Family:
    """The body's position family now: standing or floor (kneeling counts as floor: a stretch's hold).

    Upright frames are kneeling only when the hips stayed low over the whole window: a squat's or a lunge's
    bottom is as low as kneeling (hips 0.6-0.9 trunk lengths above the ankles) but it rises again within a
    rep (standing 1.27-2.5 at the top; half-kneeling stays at 0.64-0.69: auto's standing_hip_rise_trunks)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._rises: deque[tuple[float, float]] = deque()

    def restart(self) -> None:
        """Forget the window (a frozen picture: what came before it was another moment, or another clip)."""
        self._rises.clear()

    def update(self, pose: Pose | None, t_s: float) -> str | None:
        if pose is None:
            return None
        family, rise = frame_family(pose)
        if family != "upright":
            return family
        if math.isfinite(rise):
            self._rises.append((t_s, rise))
        _trim(self._rises, t_s - self.window_s)
        top = max((r for _, r in self._rises), default=math.inf)
        return FLOOR if top < AUTO.standing_hip_rise_trunks else STANDING


class Motion:
    """How much the body moves and whether the picture is frozen, over short windows of frames."""

    def __init__(self, thresholds: SplitThresholds = S) -> None:
        self.s = thresholds
        self._points: deque[tuple[float, np.ndarray, float]] = deque()  # (t, key landmarks px, trunk px)
        self._speeds: deque[tuple[float, float]] = deque()  # (t, trunk lengths / s)

    def add(self, pose: Pose | None, t_s: float, repeated: bool = False) -> None:
        """One frame's pose (None: nobody, or a frozen picture: the windows start again); `repeated`: the same
        picture as the frame before, whose landmarks are the model's jitter only and are not measured."""
        if pose is None:
            self._points.clear()
            self._speeds.clear()
            return
        if not repeated:
            points, trunk = pose.xy_px[list(KEY_LANDMARKS)], F.trunk_px(pose)
            if self._points and trunk > 0 and t_s > self._points[-1][0]:
                t0, before, _ = self._points[-1]
                step = np.sort(np.linalg.norm(points - before, axis=1))[-3] / trunk / (t_s - t0)
                self._speeds.append((t_s, float(step)))
            self._points.append((t_s, points, trunk))
        _trim(self._points, t_s - self.s.move_window_s)
        _trim(self._speeds, t_s - self.s.frozen_window_s)

    def frames(self) -> int:
        """Frames held in the movement window (bounded by its length)."""
        return len(self._points)

    def moved_trunks(self) -> float:
        """The key landmarks' second-largest range over the window, in trunk lengths (NaN: too few frames)."""
        if len(self._points) < 2:
            return math.nan
        trunk = statistics.median(p[2] for p in self._points)
        if trunk <= 0:
            return math.nan
        stack = np.stack([p[1] for p in self._points])
        ranges = np.linalg.norm(stack.max(axis=0) - stack.min(axis=0), axis=1)
        return float(np.sort(ranges)[-2] / trunk)

    def frozen(self) -> bool:
        """The picture has not changed (a living body always moves a little) over the frozen window."""
        if len(self._speeds) < 2:
            return False
        return statistics.median(s for _, s in self._speeds) < self.s.frozen_speed


def _trim(window: deque, oldest_s: float) -> None:
    while window and window[0][0] < oldest_s:
        window.popleft()


@dataclass(frozen=True)
class SetEvent:
    """A set started (`kind` "start") or ended ("end") at `start_s`/`end_s`, decided at `at_s`; `why` in words."""

    kind: str
    start_s: float
    end_s: float | None
    at_s: float
    why: str


class _Run:
    """Since when a condition has held (None: it does not hold now)."""

    def __init__(self) -> None:
        self.since: float | None = None

    def update(self, holds: bool, t_s: float) -> None:
        if not holds:
            self.since = None
        elif self.since is None:
            self.since = t_s

    def lasted(self, t_s: float, at_least_s: float) -> bool:
        return self.since is not None and t_s - self.since >= at_least_s


class SetSplitter:
    """Decides set starts and ends, frame by frame (pure: the pose and the frame's time only)."""

    def __init__(self, thresholds: SplitThresholds = S) -> None:
        self.s = thresholds
        self.motion = Motion(thresholds)
        self.family_now = Family(thresholds.change_end_s)
        self.start_s: float | None = None  # the open set's start; None between sets
        self.family: str | None = None  # the open set's position family
        self._since: float | None = None  # between sets: when the body took its current position
        self._since_family: str | None = None
        self._moving_s = 0.0
        self._first_move: float | None = None
        self._last_t: float | None = None
        self._frozen, self._lost, self._still, self._other = _Run(), _Run(), _Run(), _Run()
        self._repeat = _Run()  # the same picture as the frame before

    @property
    def in_set(self) -> bool:
        return self.start_s is not None

    def update(self, pose: Pose | None, t_s: float, repeated: bool = False) -> list[SetEvent]:
        """One frame; the set starts and ends it decided (an end and the next start may come together).
        `repeated`: the frame is the same picture as the one before (False where pictures are not compared)."""
        dt = 0.0 if self._last_t is None else max(0.0, t_s - self._last_t)
        self._last_t = t_s
        self._repeat.update(repeated, t_s)
        # A picture frozen this long is no movement: the windows start again, so the cut to the next frozen
        # picture (another clip, another place in the room) does not read as a body moving. It is frozen whether
        # or not the model found somebody on it.
        picture_frozen = self._repeat.lasted(t_s, self.s.picture_frozen_s)
        self.motion.add(None if picture_frozen else pose, t_s, repeated)
        if picture_frozen:
            self.family_now.restart()
        family = self.family_now.update(pose, t_s)
        landmarks_frozen = pose is not None and self.motion.frozen()
        frozen = picture_frozen or landmarks_frozen
        moved = self.motion.moved_trunks()
        lying_on_back = pose is not None and on_back(pose)
        limit = self.s.back_move_trunks if lying_on_back else self.s.move_trunks
        moving = math.isfinite(moved) and moved > limit
        # At rest: standing or lying on the back, not moving (on the floor otherwise a hold may be under way).
        still = (family == STANDING or lying_on_back) and math.isfinite(moved) and not moving
        self._frozen.update(landmarks_frozen, t_s)
        self._lost.update(pose is None, t_s)
        events: list[SetEvent] = []
        if self.in_set:
            self._still.update(still, t_s)
            self._other.update(family is not None and family != self.family, t_s)
            ended = self._end(t_s)
            if ended is not None:
                events.append(ended)
                if ended.why == CHANGED:  # the new position, held change_end_s, is the next set's start
                    events.append(self._open(float(ended.end_s), CHANGED, family, t_s))  # type: ignore[arg-type]
        if not self.in_set:
            started = self._start(pose is None or frozen, family, moving, lying_on_back, dt, t_s)
            if started is not None:
                events.append(started)
        return events

    def _end(self, t_s: float) -> SetEvent | None:
        """The open set's end when one of the signs of a gap has lasted long enough."""
        s, start = self.s, self.start_s
        assert start is not None
        if self._repeat.lasted(t_s, s.picture_frozen_s):
            end, why = self._repeat.since, "the picture froze"  # the first repeated picture
        elif self._frozen.lasted(t_s, s.frozen_end_s):
            end, why = self._frozen.since - s.frozen_window_s / 2, "the picture froze"  # type: ignore[operator]
        elif self._lost.lasted(t_s, s.lost_end_s):
            end, why = self._lost.since, "nobody in view"
        elif self._still.lasted(t_s, s.rest_end_s):
            end, why = self._still.since - s.move_window_s, "at rest"  # type: ignore[operator]
        elif self._other.lasted(t_s, s.change_end_s):
            end, why = self._other.since, CHANGED
        else:
            return None
        end = max(start, float(end))  # type: ignore[arg-type]
        self.start_s, self.family = None, None
        self._reset_gap(None if why in ("the picture froze", "nobody in view") else end, None)
        return SetEvent("end", start, end, t_s, why)

    def _reset_gap(self, since: float | None, family: str | None) -> None:
        self._since, self._since_family = since, family
        self._moving_s, self._first_move = 0.0, None

    def _start(
        self, gap: bool, family: str | None, moving: bool, lying_on_back: bool, dt: float, t_s: float
    ) -> SetEvent | None:
        """A set's start when the body has moved, or settled in a hold's position (on the floor but not on the
        back, or kneeling), long enough."""
        s = self.s
        if gap:
            self._reset_gap(None, None)
            return None
        if family is not None and family != self._since_family:
            if self._since_family is None:  # the first position measured since the gap began
                self._since_family = family
            else:  # another position taken: the set-up starts again from here
                self._reset_gap(t_s, family)
        if self._since is None:
            self._since = t_s
        if moving:
            self._moving_s += dt
            self._first_move = t_s if self._first_move is None else self._first_move
        oldest = t_s - s.buffer_s + s.lag_s
        if self._moving_s >= s.move_start_s and self._first_move is not None:
            start, why = max(self._since, self._first_move - s.lead_s, oldest), "moving"
        elif self._since_family == FLOOR and not lying_on_back and t_s - self._since >= s.settle_start_s:
            start, why = max(self._since, oldest), "settled on the floor or kneeling"
        else:
            return None
        return self._open(start, why, self._since_family or STANDING, t_s)

    def _open(self, start: float, why: str, family: str, t_s: float) -> SetEvent:
        self.start_s, self.family = start, family
        self._still.since = self._other.since = None
        return SetEvent("start", start, None, t_s, why)


@dataclass
class FoundSet:
    """One set of the recording: its time span, the analyser that saw its frames only, why it ended."""

    start_s: float
    analyser: SetAnalyser
    end_s: float | None = None  # None while it is under way
    ended_by: str | None = None
    started_by: str = ""
    feedback: FrameFeedback | None = None  # its analyser's on the last frame fed (lag_s behind the stream)

    @property
    def counted(self) -> bool:
        state = self.analyser.state
        return bool(state.reps or state.holds)


@dataclass
class SetsAnalyser:
    """The splitter and a fresh analyser per set (`make_analyser`, e.g. `AutoAnalyser`), fed frame by frame."""

    make_analyser: Callable[[], SetAnalyser]
    thresholds: SplitThresholds = S
    splitter: SetSplitter = field(init=False)
    sets: list[FoundSet] = field(default_factory=list)  # closed sets that counted something, in time order
    current: FoundSet | None = None  # the set under way (its analyser `lag_s` behind the stream)
    dropped: int = 0  # sets that counted nothing (rest, walking, setting up), not kept

    def __post_init__(self) -> None:
        self.splitter = SetSplitter(self.thresholds)
        self._recent: deque[tuple[float, Pose | None]] = deque()  # the last buffer_s of frames
        self._pending: deque[tuple[float, Pose | None]] = deque()  # the open set's frames not yet fed

    def update(self, pose: Pose | None, t_s: float, repeated: bool = False) -> list[SetEvent]:
        """One frame (`repeated`: the same picture as the one before, as for `SetSplitter.update`)."""
        self._recent.append((t_s, pose))
        _trim(self._recent, t_s - self.thresholds.buffer_s)
        if self.current is not None:
            self._pending.append((t_s, pose))
        events = self.splitter.update(pose, t_s, repeated)
        for event in events:
            if event.kind == "end":
                assert event.end_s is not None
                self._close(event.end_s, event.why)
            else:
                self._open(event)
        self._feed(t_s - self.thresholds.lag_s)
        return events

    def buffered_s(self) -> float:
        """The time span of the poses kept for a set's replay (at most buffer_s)."""
        return self._recent[-1][0] - self._recent[0][0] if self._recent else 0.0

    def _open(self, event: SetEvent) -> None:
        self.current = FoundSet(event.start_s, self.make_analyser(), started_by=event.why)
        self._pending = deque((t, p) for t, p in self._recent if t >= event.start_s)

    def _feed(self, until_s: float) -> None:
        if self.current is None:
            return
        while self._pending and self._pending[0][0] <= until_s:
            t, pose = self._pending.popleft()
            self.current.feedback = self.current.analyser.update(pose, t)

    def _close(self, end_s: float, why: str) -> None:
        current = self.current
        if current is None:
            return
        self._feed(end_s)
        self._pending.clear()
        current.analyser.finish()
        current.end_s, current.ended_by = end_s, why
        if current.counted:
            self.sets.append(current)
        else:
            self.dropped += 1
        self.current = None

    def finish(self, last_s: float) -> list[FoundSet]:
        """The recording ended at `last_s` (its last frame's time): the open set closes there; the kept sets."""
        if self.current is not None:
            self._feed(last_s)
            self._close(last_s, "the recording ended")
        return self.sets
