"""A live `auto` session: the sets found in the camera stream, each named and counted, and the session at STOP.

The one set splitter (exercises.framework.sets.SetsAnalyser, the same the offline path runs) is fed the
stream's smoothed poses and the frames' own times; each set it finds gets a fresh `auto` analyser, and every
frame that analyser is fed (a second late: the splitter's lag) is recorded by the set's own `SetRecorder`, so
a finished set has report.json's shape like any other. No Streamlit, no model: the live session
(formcheck.app.live) feeds it on the stream's worker thread and publishes `view()` for the page.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from exercises.framework import registry
from exercises.framework.analyser import FrameFeedback, RepResult, SetAnalyser, SetState
from exercises.framework.auto import T as AUTO
from exercises.framework.sets import FoundSet, SetsAnalyser
from formcheck.overlay import counter_reading, counter_text, render_overlay, set_shown
from formcheck.recorder import SetRecorder
from formcheck.report import CANNOT_TELL, build_report, set_count_words, set_entry
from formcheck.routine import recording_outcome
from vision.drawing import draw_panel, draw_skeleton
from vision.pose import Pose
from vision.video import RepeatWatch, VideoInfo, thumbnail

AUTO_SESSION = "auto_session"  # the session report's key for its outcome (a recording's: routine sessions' shape)
LIVE_FILE = "live camera"  # the session's source, as a set's report names the camera
# The panel names a set's exercise once the vote has named the same one for STEADY_NAME_S (s of the set's frames)
# and that exercise has counted a rep or is holding, or, without either, for GUESS_NAME_S: before its first rep a
# set reads as another exercise now and then (a squat's first descent as a hip hinge, a bridge's set-up as a pelvic
# tilt, in the browser test), and a name that changes under the user's eyes is worse than "recognising" a moment
# longer.
STEADY_NAME_S = 1.0
GUESS_NAME_S = 4.0


@dataclass(frozen=True)
class SetLine:
    """One finished set as the page lists it."""

    number: int
    exercise: str  # the exercise's title, or CANNOT_TELL
    done: str  # "8 reps", "1 hold, 12 s held"
    start_s: float  # stream time
    end_s: float
    cues: str  # the cues raised, most frequent first ("none")


@dataclass(frozen=True)
class SetsView:
    """What the page shows of an auto session; a frozen copy, safe to read from any thread."""

    in_set: bool
    number: int  # the set under way, or the next one
    title: str | None  # the set's exercise once recognised (None: not yet, or between sets)
    unsure: str | None  # why it cannot tell the set's exercise (pick it by name), if so
    counter: tuple[str, str]  # the big number: the set's reps or hold, or the sets done between sets
    done: tuple[SetLine, ...]
    resting_s: float = 0.0  # between sets: since the last one ended (stream time)


class RecordedSet:
    """A found set's analyser: `auto`'s, with every frame it is fed kept in the set's `SetRecorder`."""

    def __init__(
        self, analyser: SetAnalyser, brightness: Callable[[float], np.ndarray | None], info: Callable[[], VideoInfo]
    ) -> None:
        self.inner = analyser
        self.recorder = SetRecorder(analyser, "auto")
        self.feedback: FrameFeedback | None = None  # the last frame fed (a second behind the stream)
        self.report: dict[str, Any] | None = None  # at the set's end
        self._brightness = brightness
        self._info = info
        self._named: tuple[str | None, float] = (None, 0.0)  # the vote's title and since when (set time)
        self._last_t = 0.0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def state(self) -> SetState:  # what the set counted (SetsAnalyser keeps only sets that counted)
        return self.inner.state

    def update(self, pose: Pose | None, t_s: float) -> FrameFeedback:
        self.feedback = self.inner.update(pose, t_s)
        self.recorder.add(pose, self.feedback, self._brightness(t_s))
        title = self._vote_title()
        if title != self._named[0]:
            self._named = (title, t_s)
        self._last_t = t_s
        return self.feedback

    def finish(self) -> RepResult | None:
        """The set ended: its last rep or hold closes (the recorder finishes the analyser) and its report is built."""
        self.report = build_report(self.recorder.finish(self._info()))
        return None

    def recognised(self) -> str | None:
        """The exercise's title once the vote holds it and it counts (STEADY_NAME_S, GUESS_NAME_S); None: not yet, or
        it cannot tell."""
        title, since = self._named
        steady_s = self._last_t - since
        if title is None or steady_s < STEADY_NAME_S:
            return None
        return title if self.inner.state.counting(self.feedback) or steady_s >= GUESS_NAME_S else None

    def _vote_title(self) -> str | None:
        vote = self.inner.recognition
        if vote is None or vote.frames < AUTO.min_frames or vote.unsure() is not None:
            return None
        return self.inner.spec.title

    def unsure(self) -> str | None:
        vote = self.inner.recognition
        return vote.unsure() if vote is not None else None


class LiveSets:
    """The sets of one camera stream in `auto` mode, fed frame by frame on the stream's worker thread."""

    def __init__(self, new_analyser: Callable[[], SetAnalyser], info: Callable[[], VideoInfo]) -> None:
        self._new_analyser = new_analyser
        self._info = info
        self.sets = SetsAnalyser(self._new_set)
        # Each recent frame's brightness by time: a set's analyser sees its frames a second late (a set's start
        # replayed from up to buffer_s back), when the picture is gone, and its records keep the brightness.
        self._brightness: deque[tuple[float, np.ndarray]] = deque()
        self.reports: list[dict[str, Any]] = []  # the finished sets' reports, in order
        self.entries: list[dict[str, Any]] = []  # the same sets as report.json's `sets` entries
        self.lines: list[SetLine] = []
        self._ended_at: float | None = None
        self._now = 0.0
        # The pictures compared frame to frame: a camera that stops delivering new pictures (a frozen stream)
        # ends the set as a frozen video does. A live camera's sensor noise keeps a still person's pictures apart.
        self._repeats = RepeatWatch()

    def _new_set(self) -> RecordedSet:
        return RecordedSet(self._new_analyser(), self._picture, self._info)

    def _picture(self, t_s: float) -> np.ndarray | None:
        """A one-pixel picture of the frame at `t_s` as bright as it was (what frame_record reads of a picture)."""
        return next((p for t, p in self._brightness if t == t_s), None)

    @property
    def current(self) -> RecordedSet | None:
        found = self.sets.current
        return found.analyser if found is not None else None  # type: ignore[return-value]

    def feed(self, pose: Pose | None, t_s: float, rgb: np.ndarray | None = None) -> None:
        self._now = t_s
        repeated = False
        if rgb is not None and rgb.size:
            small = thumbnail(rgb)  # every 4th pixel: its every 2nd is the brightness's every 8th
            self._brightness.append((t_s, np.full((1, 1, 1), small[::2, ::2].mean())))
            repeated = self._repeats.update(small)
        while self._brightness and self._brightness[0][0] < t_s - self.sets.thresholds.buffer_s - 1.0:
            self._brightness.popleft()
        kept, before = len(self.sets.sets), self.sets.current
        self.sets.update(pose, t_s, repeated)
        for found in self.sets.sets[kept:]:
            self._finished(found)
        if before is not None and self.sets.current is not before:
            self._ended_at = before.end_s

    def _finished(self, found: FoundSet) -> None:
        recorded: RecordedSet = found.analyser  # type: ignore[assignment]
        report = recorded.report
        assert report is not None and found.end_s is not None
        report.update(
            start_s=round(found.start_s, 2), end_s=round(found.end_s, 2),
            started_by=found.started_by, ended_by=found.ended_by,
        )  # fmt: skip
        self.reports.append(report)
        entry = set_entry(
            len(self.entries) + 1, found.start_s, found.end_s, recorded.inner, found.started_by, found.ended_by
        )
        self.entries.append(entry)
        self.lines.append(set_line(entry))

    def view(self) -> SetsView:
        current = self.current
        done = tuple(self.lines)
        if current is None or current.feedback is None:
            resting = self._now - self._ended_at if self._ended_at is not None else 0.0
            return SetsView(False, len(done) + 1, None, None, ("Sets done", str(len(done))), done, resting)
        title = current.recognised()
        return SetsView(
            True, len(done) + 1, title, current.unsure(), counter_reading(current.feedback, current.inner.spec), done
        )

    def shown(self, pose: Pose | None, t_s: float) -> FrameFeedback:
        """The feedback to show with this frame (`set_shown`): the set's count and cue, a second late, its cue once
        its exercise is named; nothing counted between sets."""
        current = self.current
        fb = current.feedback if current is not None else None
        return set_shown(fb, current is not None and current.recognised() is not None, pose is not None, t_s)

    def render(self, rgb: np.ndarray, pose: Pose | None, shown: FrameFeedback) -> np.ndarray:
        """The frame with the set's overlay (titled as the panel: the exercise once named, else the set's number),
        or between sets the person and the sets done."""
        current = self.current
        if current is not None and current.feedback is not None:
            if current.recognised() is not None:
                return render_overlay(rgb, pose, shown, current.inner.spec)
            title, counter = f"set {len(self.lines) + 1}", counter_text(shown, current.inner.spec)
        else:
            title, counter = "between sets", f"SETS {len(self.lines)}"
        frame = rgb.copy()
        if pose is not None:
            draw_skeleton(frame, pose)
        draw_panel(frame, title, counter, shown.cue.message if shown.cue else None)
        return frame

    def finish(self, last_t_s: float) -> dict[str, Any]:
        """STOP: the set under way closes at the last frame; the session in a routine session's shape."""
        kept = len(self.sets.sets)
        self.sets.finish(last_t_s)
        for found in self.sets.sets[kept:]:
            self._finished(found)
        return live_session_report(self.entries, self.reports)


def set_line(entry: dict[str, Any]) -> SetLine:
    """One set of the session (an entry of report.json's `sets`, formcheck.report.set_entry) as the page lists it."""
    counts = Counter(c["message"] for c in entry.get("cues", []))
    cues = ", ".join(f"{m} ({n})" if n > 1 else m for m, n in counts.most_common(3)) or "none"
    named = entry["exercise"]
    judged = registry.resolve(entry.get("judged_as") or named)
    # Sides only for an exercise worked one side at a time: a squat's "side" is the one nearer the camera.
    per_side = judged is not None and registry.get(judged).side is not None
    return SetLine(
        number=entry["index"],
        exercise=named if named == CANNOT_TELL else registry.get(named).title,
        done=set_count_words(entry if per_side else {**entry, "reps_per_side": {}}),
        start_s=entry["start_s"],
        end_s=entry["end_s"],
        cues=cues,
    )


def live_session_report(entries: list[dict[str, Any]], reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The stream as a recording split into sets: report.json's `sets` (formcheck.report.set_entry), the session's
    outcome as a recording's (formcheck.routine.recording_outcome: what the history stores) and each set's own
    report (report.json's shape: the page's tables and the history's sets), with the totals over the sets."""
    report: dict[str, Any] = {"source": {"file": LIVE_FILE}, "exercise_requested": "auto", "sets": entries}
    report[AUTO_SESSION] = recording_outcome(report)
    report["set_reports"] = reports
    for total in ("rep_count", "hold_count", "frames", "frames_with_pose"):
        report[total] = sum(r.get(total, 0) for r in reports)
    report["partial_reps"] = [p for r in reports for p in r["partial_reps"]]
    return report
