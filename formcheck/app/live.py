"""Live camera sessions for the app, without any Streamlit calls.

streamlit-webrtc runs `LiveVideoProcessor.recv_queued` on its own worker thread. That
thread owns the pose model and the analyser; the page only ever reads a frozen
`LiveSnapshot` published under a lock, so a slow page never slows the camera and a slow
frame never blocks the page. When frames arrive faster than they can be analysed, only
the newest is processed and the rest are dropped: late feedback is worse than
feedback on fewer frames (the analysers work from timestamps, not frame counts).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from exercises.framework.analyser import FrameFeedback, RepResult
from exercises.framework.cues import Cue
from formcheck.calibrate import DEFAULT_USER, STANDING, app_calibration
from formcheck.calibration_guide import CalibrationGuide, GuideView, explain
from formcheck.live_sets import LiveSets, SetsView
from formcheck.overlay import counter_reading, render_calibration
from formcheck.pipeline import FrameProcessor
from formcheck.recorder import SetRecorder
from formcheck.reference import app_references
from formcheck.routine import Routine
from formcheck.routine_walk import EXERCISE, FINISHED, MET, REST, START, RoutineWalk, WalkView
from vision.estimator import EstimatorConfig
from vision.video import VideoInfo

log = logging.getLogger(__name__)

Clock = Callable[[], float]
ProcessorFactory = Callable[[str], FrameProcessor]

# How often the processing rate goes to the log.
FPS_LOG_EVERY_S = 5.0
# Live frames are analysed at no more than this (longest side): enough for pose, and
# the cost of pose estimation hardly depends on it.
LIVE_MAX_SIDE_PX = 640
# The camera path tracks one person and searches the frame for others this often (seconds of
# frame time; every frame while several are in view): a search costs ~50 % more than tracking,
# and the set-up guidance only needs to learn within a second that someone else walked in.
LIVE_PEOPLE_SEARCH_EVERY_S = 1.0
# How often (frame time) `auto`'s position check is read for the page: it looks over the whole set so far.
UNSURE_EVERY_S = 1.0
# The guided calibration's live trace of the lower back's tilt: this many seconds of frame time.
TRACE_S = 15.0


def live_processor(exercise: str, model_path: Path | None = None, person: str = DEFAULT_USER) -> FrameProcessor:
    """The camera stream's processor: as for a video file, but searching for other people once a second; the
    lower back judged against `person`'s calibration and reference sets."""
    config = EstimatorConfig(recount_people_every_s=LIVE_PEOPLE_SEARCH_EVERY_S)
    if model_path is not None:
        config = dataclasses.replace(config, model_path=Path(model_path))
    # Read once per stream, on the stream's worker thread before its first frame, not per frame.
    return FrameProcessor(
        exercise, config=config, calibration=app_calibration(person), references=app_references(person)
    )


class CueHolder:
    """Turns the analyser's frame-by-frame cue into one a person can read.

    A cue, once shown, stays at least `min_show_s`; it goes only after the analyser has
    stopped asking for it for `release_s` (one missed frame does not blank it); and the
    same cue does not come back within `cooldown_s` of going. So the text never
    flickers, and a spoken cue is not repeated every second. Times are frame times.
    """

    def __init__(self, min_show_s: float = 2.5, release_s: float = 1.0, cooldown_s: float = 4.0) -> None:
        self.min_show_s = min_show_s
        self.release_s = release_s
        self.cooldown_s = cooldown_s
        self._current: Cue | None = None
        self._shown_at = -math.inf
        self._last_seen = -math.inf
        self._cleared_at: dict[str, float] = {}
        self.serial = 0  # goes up each time a cue is newly shown (the page speaks it once)

    @property
    def current(self) -> Cue | None:
        return self._current

    def update(self, cue: Cue | None, t_s: float) -> Cue | None:
        current = self._current
        if current is not None:
            if cue is not None and cue.code == current.code:
                self._last_seen = t_s
                return current
            if t_s - self._shown_at < self.min_show_s or t_s - self._last_seen < self.release_s:
                return current
            self._cleared_at[current.code] = t_s
            self._current = None
        if cue is not None and t_s - self._cleared_at.get(cue.code, -math.inf) >= self.cooldown_s:
            self._current, self._shown_at, self._last_seen = cue, t_s, t_s
            self.serial += 1
        return self._current


class RateMeter:
    """Events per second over a sliding window of wall-clock time."""

    def __init__(self, clock: Clock = time.monotonic, window_s: float = 2.0) -> None:
        self._clock = clock
        self._window_s = window_s
        self._times: deque[float] = deque()

    def tick(self) -> None:
        now = self._clock()
        self._times.append(now)
        self._trim(now)

    def rate(self) -> float:
        # Events in the last window over the window: frames arrive in bursts when the
        # machine is busy, and a burst must not read as thousands per second.
        self._trim(self._clock())
        return len(self._times) / self._window_s

    def _trim(self, now: float) -> None:
        while self._times and self._times[0] < now - self._window_s:
            self._times.popleft()


@dataclass(frozen=True)
class LiveSnapshot:
    """What the page shows; a frozen copy, safe to read from any thread."""

    exercise: str
    rep_count: int = 0
    counter: tuple[str, str] = ("Reps", "0")  # the big number shown: reps, or a hold's time (counter_reading)
    phase: str = "rest"
    has_pose: bool = False
    view: str = "unknown"
    cue: Cue | None = None
    cue_serial: int = 0
    last_rep: RepResult | None = None
    processed_fps: float = 0.0
    received_fps: float = 0.0
    frames_processed: int = 0
    frames_dropped: int = 0
    longest_gap_s: float = 0.0  # longest time between two analysed frames (the rep counter gives up after 0.7 s)
    active: bool = True
    routine: WalkView | None = None  # the routine under way, when the stream walks one
    # With `auto`: why it cannot tell the exercise from the body's position so far (ExerciseVote.unsure), if so.
    unsure: str | None = None
    # The guided lower-back calibration, when the stream runs one: its step and prompt, and the lower back's
    # tilt over the last TRACE_S seconds, (frame time s, deg or NaN) oldest first.
    calibrate_user: str | None = None  # whose calibration the stream guides (None: an exercise or a routine)
    calibration: GuideView | None = None
    tilt_trace: tuple[tuple[float, float], ...] = ()
    # With `auto` (no routine): the sets found so far, the one under way (formcheck.live_sets).
    sets: SetsView | None = None


class FrameClock:
    """Analyser time for live frames: the frame's own time when it has one, else when it
    was captured here, rebased to start at 0 and forced to increase (MediaPipe's video
    mode and the rep counter both need increasing times)."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._origin: float | None = None
        self._last = -math.inf

    def __call__(self, frame_time: float | None, capture_time: float | None = None) -> float:
        raw = frame_time if frame_time is not None and math.isfinite(frame_time) else None
        if raw is None:
            raw = capture_time if capture_time is not None else self._clock()
        if self._origin is None:
            self._origin = raw
        t = raw - self._origin
        if t <= self._last:
            t = self._last + 1e-3
        self._last = t
        return t


class LiveSession:
    """One camera stream: its own FrameProcessor (model, smoother, analyser), created for
    the stream and closed when it ends.

    With a routine, the stream walks through its steps (formcheck.routine_walk): one set per step,
    each ended when its target is met (or the user skips it), a rest timed on the frames between
    them, and at the end a session report with every step's set.

    With `auto` (and no routine), the stream is a session of sets (formcheck.live_sets): the one set splitter
    finds each set, names and counts it with its own analyser, and at the end the session report lists them.

    With `calibrate_user`, the stream guides that person's lower-back calibration instead
    (formcheck.calibration_guide): a standing analyser measures the back, nothing is counted, and the
    report's `calibration` says the outcome (the page stores it).

    `person` is who exercises: the default processor judges the lower back against their calibration and
    reference sets, and the page keeps a finished set as their reference."""

    def __init__(
        self,
        exercise: str,
        model_path: Path | None = None,
        processor_factory: Callable[..., FrameProcessor] | None = None,
        clock: Clock = time.monotonic,
        cue_holder: CueHolder | None = None,
        routine: Routine | None = None,
        calibrate_user: str | None = None,
        person: str = DEFAULT_USER,
    ) -> None:
        self.person = person
        processor_factory = processor_factory or functools.partial(live_processor, person=person)
        self._walk = RoutineWalk(routine) if routine is not None else None
        exercise = routine.steps[0].exercise if routine is not None else exercise
        self.calibrate_user = calibrate_user
        self._guide = CalibrationGuide() if calibrate_user is not None else None
        self._guide_view: GuideView | None = None
        self._trace: deque[tuple[float, float]] = deque()
        exercise = STANDING if calibrate_user is not None else exercise  # the view, the side and the back's edge
        self.exercise = exercise
        self._clock = clock
        self._frame_clock = FrameClock(clock)
        self._processor = processor_factory(exercise, model_path)
        self._sets = self._auto_sets() if exercise == "auto" and routine is None else None
        self._cues = cue_holder or CueHolder()
        # The set under way: its records (compact columns: a set may run for an hour) and its end.
        self._recorder = SetRecorder(self._processor.analyser, exercise)
        self._analysed = 0  # frames analysed in the whole stream (a routine's sets each keep their own records)
        self._frames_received = 0
        self._size = (0, 0)
        self._work_lock = threading.Lock()  # the processor: one frame at a time, never after close
        self._snap_lock = threading.Lock()  # the snapshot: held only to swap a reference
        self._closed = False
        self._processed = RateMeter(clock)
        self._received = RateMeter(clock)
        self._dropped = 0
        self._longest_gap = 0.0
        self._last_t: float | None = None  # the last analysed frame's time
        self._last_rep: RepResult | None = None
        self._next_log = clock() + FPS_LOG_EVERY_S
        self._snapshot = LiveSnapshot(exercise=self._processor.analyser.name, calibrate_user=calibrate_user)
        self._unsure: str | None = None
        self._unsure_at_s = -math.inf
        self._report: dict | None = None

    def _auto_sets(self) -> LiveSets:
        processor = self._processor
        return LiveSets(lambda: processor.new_analyser("auto"), lambda: _live_info(*self._size))

    @property
    def closed(self) -> bool:
        return self._closed

    def snapshot(self) -> LiveSnapshot:
        with self._snap_lock:
            return self._snapshot

    def received(self, count: int = 1) -> None:
        """Frames that arrived, processed or not (the received rate; a report with no frame analysed says how many)."""
        for _ in range(count):
            self._received.tick()
        self._frames_received += count  # only the stream's worker thread writes it; close() only reads

    def skip_step(self) -> None:
        with self._work_lock:
            if self._walk is not None:
                self._walk.skip()

    def dropped(self, count: int) -> None:
        with self._work_lock:
            self._dropped += count

    def warm_up(self, size: tuple[int, int] = (480, 640)) -> None:
        """Run the pose model once on a blank frame: its first inference is several times
        slower than the rest and would otherwise stall the first second of the set."""
        estimator = getattr(self._processor, "estimator", None)
        with self._work_lock:
            if estimator is not None and not self._closed:
                estimator.estimate(np.zeros((*size, 3), np.uint8), 0.0)

    def process(self, rgb: np.ndarray, frame_time: float | None) -> np.ndarray:
        """Analyse one frame; returns it with the overlay drawn (unchanged after close)."""
        capture = self._clock()
        with self._work_lock:
            if self._closed:
                return rgb
            rgb = self._fit(rgb)
            t = self._frame_clock(frame_time, capture)
            if self._last_t is not None:
                self._longest_gap = max(self._longest_gap, t - self._last_t)
            self._last_t = t
            if self._sets is not None:
                out, held = self._sets_on(rgb, t)
            else:
                out, held = self._analyse(rgb, t)
            self._processed.tick()
            self._check_position(t)
            self._publish(held)
        self._log_rate()
        return out

    def _sets_on(self, rgb: np.ndarray, t_s: float) -> tuple[np.ndarray, FrameFeedback]:
        """An auto session's frame: the sets' splitter and the set under way see its pose (formcheck.live_sets)."""
        sets = self._sets
        assert sets is not None
        pose = self._processor.pose(rgb, t_s)
        sets.feed(pose, t_s, rgb)
        self._analysed += 1
        shown = sets.shown(pose, t_s)
        held = dataclasses.replace(shown, cue=self._cues.update(shown.cue, t_s))
        current = sets.current  # its last rep, once its exercise is named (before, the rep of a passing guess)
        reps = current.inner.state.reps if current is not None and current.recognised() is not None else []
        self._last_rep = reps[-1] if reps else None
        return sets.render(rgb, pose, held), held

    def _analyse(self, rgb: np.ndarray, t: float) -> tuple[np.ndarray, FrameFeedback]:
        """One set's frame (an exercise, a routine's step, the calibration): the processor's analyser sees it."""
        pose, fb = self._processor.process(rgb, t)
        self._recorder.add(pose, fb, rgb)
        self._analysed += 1
        self._last_rep = fb.rep or self._last_rep
        if self._guide is not None:
            held = self._guide_on(fb, t)
            return render_calibration(rgb, pose, held, self._guide_view.prompt if self._guide_view else ""), held
        shown = self._walk_on(fb) if self._walk is not None else fb
        held = dataclasses.replace(shown, cue=self._cues.update(shown.cue, t))
        return self._processor.render(rgb, pose, held), held

    def _guide_on(self, fb: FrameFeedback, t_s: float) -> FrameFeedback:
        """The calibration's next move at this frame (its prompt replaces the cues; nothing is counted)."""
        guide = self._guide
        assert guide is not None
        tilt = fb.metrics.get("lumbar_tilt_deg", math.nan) if fb.has_pose else math.nan
        self._guide_view = guide.feed(t_s, tilt, fb.view if fb.has_pose else "unknown")
        self._trace.append((t_s, tilt))
        while self._trace and self._trace[0][0] < t_s - TRACE_S:
            self._trace.popleft()
        return dataclasses.replace(fb, rep_count=0, held_s=0.0, cue=None, rep=None, hold=None)

    def _calibration_outcome(self) -> dict:
        """The guided calibration at the stream's end, for the page: the user, Done or refused and why."""
        guide = self._guide
        assert guide is not None and self.calibrate_user is not None
        view = self._guide_view = guide.stop()
        result = view.calibration
        return {
            "user": self.calibrate_user,
            "step": view.step,
            "calibration": dataclasses.asdict(result) if result is not None else None,
            "range_deg": result.range_deg if result is not None else None,
            "explanation": explain(result) if result is not None else None,
            "refusal": view.refusal,
        }

    def _check_position(self, t_s: float) -> None:
        """With `auto`, whether the body's position so far is one it recognises at all (once a second)."""
        if self._sets is not None:  # each set has its own vote: the set under way's speaks (formcheck.live_sets)
            return
        vote = self._processor.analyser.recognition
        if vote is not None and t_s - self._unsure_at_s >= UNSURE_EVERY_S:
            self._unsure, self._unsure_at_s = vote.unsure(), t_s

    def _walk_on(self, fb: FrameFeedback) -> FrameFeedback:
        """The routine's next move at this frame, and the feedback to show: between steps nothing is counted."""
        walk = self._walk
        assert walk is not None
        event = walk.feed(fb)
        if event == MET:
            walk.finish_step(self._set_report())
            # During a rest the next exercise's analyser only draws the person; its set starts afresh at START.
            self._new_set(walk.step.exercise if walk.step else self._processor.analyser.name)
        elif event == START:
            walk.started()
            self._new_set(walk.step.exercise if walk.step else self._processor.analyser.name)
        if walk.phase == EXERCISE:
            return fb
        return dataclasses.replace(fb, rep_count=0, held_s=0.0, phase="rest", cue=None, rep=None, hold=None)

    def _new_set(self, exercise: str) -> None:
        self._processor.restart(exercise)
        self._recorder = SetRecorder(self._processor.analyser, exercise)
        self._last_rep = None

    def _set_report(self) -> dict:
        """End the set under way (the analyser's last rep or hold closes) and build its report."""
        from formcheck.report import build_report

        return build_report(self._recorder.finish(_live_info(*self._size)))

    def _routine_report(self) -> dict:
        """The routine session: the outcome of each step against its target, and every step's set."""
        walk = self._walk
        assert walk is not None
        if walk.phase == EXERCISE:  # the step under way when STOP came: what was done of it counts
            walk.finish_step(self._set_report())
        return walk.session()

    def _session_report(self) -> dict:
        """At the stream's end: the routine's session, the auto session's sets, or the one set's report."""
        if self._walk is not None:
            return self._routine_report()
        if self._sets is not None:
            return self._sets.finish(self._last_t or 0.0)
        return self._set_report()

    def _mark_no_frames(self, report: dict) -> None:
        """A stream that ended before any frame was analysed is a failed connection, not a set of 0 reps."""
        received = self._frames_received
        report["no_frames"] = True
        report["frames_received"] = received
        report["no_frames_reason"] = (
            f"The camera stream ended after {received} frame{'s' if received != 1 else ''} arrived,"
            " before any could be analysed."
            if received
            else "The camera stream ended before any video reached FormCheck."
        )
        log.warning("live %s ended with no frame analysed (%d received)", self.exercise, received)

    def _fit(self, rgb: np.ndarray) -> np.ndarray:
        """Every frame at the first frame's size (longest side at most LIVE_MAX_SIDE_PX).

        WebRTC changes the resolution mid-stream as bandwidth and CPU allow; the
        analysers measure in pixels against a slowly-decaying body scale, so a sudden
        half-size frame would read as the person shrinking."""
        import cv2

        height, width = rgb.shape[:2]
        if self._size == (0, 0):
            scale = min(1.0, LIVE_MAX_SIDE_PX / max(width, height))
            self._size = (round(width * scale) // 2 * 2, round(height * scale) // 2 * 2)
            log.info("live %s: analysing at %dx%d (camera sends %dx%d)", self.exercise, *self._size, width, height)
        if (width, height) == self._size:
            return rgb
        return cv2.resize(rgb, self._size, interpolation=cv2.INTER_AREA if width > self._size[0] else cv2.INTER_LINEAR)

    def _publish(self, fb: FrameFeedback) -> None:
        snap = LiveSnapshot(
            exercise=self._processor.analyser.name,
            rep_count=fb.rep_count,
            counter=counter_reading(fb, self._processor.analyser.spec),
            phase=fb.phase,
            has_pose=fb.has_pose,
            view=fb.view,
            cue=fb.cue,
            cue_serial=self._cues.serial,
            last_rep=self._last_rep,
            processed_fps=self._processed.rate(),
            received_fps=self._received.rate(),
            frames_processed=self._analysed,
            frames_dropped=self._dropped,
            longest_gap_s=self._longest_gap,
            active=not self._closed,
            unsure=self._unsure,
            calibrate_user=self.calibrate_user,
            calibration=self._guide_view,
            tilt_trace=tuple(self._trace) if self._guide is not None else (),
        )
        if self._walk is not None:
            view = self._walk.view()
            snap = dataclasses.replace(snap, routine=view, counter=routine_counter(view, snap))
        if self._sets is not None:
            sets = self._sets.view()
            current = self._sets.current
            exercise = current.name if current is not None and sets.title is not None else "auto"
            snap = dataclasses.replace(snap, sets=sets, counter=sets.counter, unsure=sets.unsure, exercise=exercise)
        with self._snap_lock:
            self._snapshot = snap

    def _log_rate(self) -> None:
        now = self._clock()
        if now >= self._next_log:
            self._next_log = now + FPS_LOG_EVERY_S
            snap = self.snapshot()
            log.info(
                "live %s: %.1f fps processed of %.1f received, %d dropped so far, longest gap %.2f s",
                snap.exercise,
                snap.processed_fps,
                snap.received_fps,
                snap.frames_dropped,
                snap.longest_gap_s,
            )

    def close(self) -> dict:
        """End the set: finish the analyser, release the model; returns the set's report.

        Safe to call twice and from any thread (the page and the stream's end both may)."""
        with self._work_lock:
            if not self._closed:
                self._closed = True
                self._report = self._session_report()
                self._processor.close()
                report = self._report
                if self._guide is not None:
                    report["calibration"] = self._calibration_outcome()
                if not self._analysed:
                    self._mark_no_frames(report)
                log.info(
                    "live %s ended: %d reps, pose in %d of %d frames; not counted: %s",
                    self.exercise,
                    report["rep_count"],
                    report["frames_with_pose"],
                    report["frames"],
                    [(p["start_s"], p["end_s"], p["reason"]) for p in report["partial_reps"]] or "none",
                )
                with self._snap_lock:
                    self._snapshot = dataclasses.replace(
                        self._snapshot, active=False, rep_count=self._report["rep_count"], calibration=self._guide_view
                    )
            assert self._report is not None
            return self._report


def routine_counter(view: WalkView, snap: LiveSnapshot) -> tuple[str, str]:
    """The big number while a routine runs: the step's own counter, the rest's countdown, or the steps done."""
    if view.phase == REST:
        return "Rest", f"{math.ceil(view.rest_left_s):.0f} s"
    if view.phase == FINISHED:
        return "Steps done", f"{view.steps_met} of {view.steps}"
    return snap.counter


def _live_info(width: int, height: int) -> VideoInfo:
    return VideoInfo(
        path="live camera",
        width=width,
        height=height,
        source_width=width,
        source_height=height,
        fps=math.nan,
        duration_s=None,
        frame_count=None,
        rotation_deg=0,
        codec="webrtc",
    )


class LiveHub:
    """One per browser session: starts a LiveSession for each stream and keeps the
    report of the last finished set for the page. The page holds it in session state;
    the stream's worker thread reaches it through the processor factory."""

    def __init__(self, session_factory: Callable[..., LiveSession] | None = None) -> None:
        self.exercise = "squat"  # the page sets it; used at the next START
        self.routine: Routine | None = None  # the page sets it: walk this routine from the next START
        self.calibrate_user: str | None = None  # the page sets it: guide this person's calibration from the next START
        self.person = DEFAULT_USER  # the page sets it: whose sets the next START records (their back references)
        self.finished_person = DEFAULT_USER  # whose the last finished set was (its reference is kept for them)
        self._factory = session_factory or LiveSession
        self._lock = threading.Lock()
        self._session: LiveSession | None = None
        self._finished: dict | None = None
        self._finished_serial = 0
        self.streams = 0  # streams started so far

    def start(self) -> LiveSession:
        routine, user, person = self.routine, self.calibrate_user, self.person
        if user is not None:
            session = self._factory(self.exercise, calibrate_user=user, person=person)
        elif routine is not None:
            session = self._factory(self.exercise, routine=routine, person=person)
        else:
            session = self._factory(self.exercise, person=person)
        with self._lock:
            previous, self._session = self._session, session
            self.streams += 1
        if previous is not None:
            self._keep(previous, previous.close())
        return session

    def end(self, session: LiveSession | None = None) -> dict | None:
        """Close the given (or current) session and keep its report; idempotent."""
        with self._lock:
            session = session or self._session
        if session is None:
            return None
        report = session.close()
        self._keep(session, report)
        return report

    def _keep(self, session: LiveSession, report: dict) -> None:
        with self._lock:
            if self._session is session:
                self._session = None
                self._finished = report
                self.finished_person = session.person
                self._finished_serial += 1

    def skip_step(self) -> None:
        """The page's "Next step": the routine under way moves on at the stream's next frame."""
        with self._lock:
            session = self._session
        if session is not None:
            session.skip_step()

    def snapshot(self) -> LiveSnapshot | None:
        with self._lock:
            session = self._session
        return session.snapshot() if session is not None else None

    @property
    def running(self) -> bool:
        with self._lock:
            return self._session is not None

    def finished(self) -> tuple[int, dict | None]:
        """The last finished set's report and a serial number (to save each set once)."""
        with self._lock:
            return self._finished_serial, self._finished

    def processor(self) -> LiveVideoProcessor:
        """The streamlit-webrtc `video_processor_factory`."""
        return LiveVideoProcessor(self)


class LiveVideoProcessor:
    """streamlit-webrtc video processor (duck-typed: recv, recv_queued, on_ended)."""

    def __init__(self, hub: LiveHub) -> None:
        self._hub = hub
        self._session: LiveSession | None = None
        self._start_lock = threading.Lock()
        self._ended = False
        # Load and warm the model while WebRTC is still connecting.
        threading.Thread(target=self._warm_up, name="formcheck-warm-up", daemon=True).start()

    def _warm_up(self) -> None:
        self._get_session().warm_up()

    def _get_session(self) -> LiveSession:
        with self._start_lock:
            if self._session is None:
                self._session = self._hub.start()
                if self._ended:  # the stream ended while the model was loading
                    self._hub.end(self._session)
            return self._session

    def recv(self, frame):  # av.VideoFrame -> av.VideoFrame
        self._get_session().received()
        return self._process(frame)

    async def recv_queued(self, frames: list) -> list:
        session = self._get_session()
        session.received(len(frames))
        if len(frames) > 1:
            session.dropped(len(frames) - 1)  # stale: only the newest frame is worth analysing
        return [self._process(frames[-1])]

    def _process(self, frame):
        import av

        session = self._get_session()
        rgb = frame.to_ndarray(format="rgb24")
        out = session.process(rgb, frame.time)
        return av.VideoFrame.from_ndarray(out, format="rgb24")  # streamlit-webrtc copies pts and time_base

    def on_ended(self) -> None:
        with self._start_lock:
            self._ended = True
            session = self._session
        if session is not None:
            self._hub.end(session)


ICE_ENV = "FORMCHECK_ICE_SERVERS"
LOOPBACK_ICE_ENV = "FORMCHECK_LOOPBACK_ICE"


def ice_servers(env: dict[str, str]) -> list[dict]:
    """STUN/TURN servers from `FORMCHECK_ICE_SERVERS` (JSON: a list of RTCIceServer
    objects, or {"iceServers": [...]}). None by default: the camera stream then only
    works where browser and app see each other directly (same machine or LAN), and no
    third party learns about the session."""
    text = env.get(ICE_ENV, "").strip()
    if not text:
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{ICE_ENV} is not valid JSON ({exc.msg}); no ICE servers used.") from exc
    if isinstance(value, dict):
        value = value.get("iceServers")
    if not isinstance(value, list) or not all(isinstance(s, dict) and "urls" in s for s in value):
        raise ValueError(f'{ICE_ENV} must be a JSON list like [{{"urls": ["stun:host:3478"]}}]; no ICE servers used.')
    return value


def enable_loopback_ice() -> None:
    """Make aioice offer 127.0.0.1 as a host candidate (it never does by itself).

    Only for tests that run browser and app in a network namespace with nothing but
    loopback; set `FORMCHECK_LOOPBACK_ICE=1`."""
    import aioice.ice

    original = aioice.ice.get_host_addresses
    if getattr(original, "formcheck_loopback", False):
        return

    def with_loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        addresses = original(use_ipv4, use_ipv6)
        return [*addresses, "127.0.0.1"] if use_ipv4 and "127.0.0.1" not in addresses else addresses

    with_loopback.formcheck_loopback = True  # type: ignore[attr-defined]
    aioice.ice.get_host_addresses = with_loopback
