"""What the overlay shows for an exercise: its angles at their joints, the rep count, the current cue.

The drawing itself is vision.drawing's; the labels and where they go are the exercise spec's
(`ExerciseSpec.overlay`); this module turns an analyser's FrameFeedback into text and positions.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from exercises.framework.analyser import ExerciseSpec, FrameFeedback
from exercises.framework.display import OverlayLabel
from exercises.framework.sets import FoundSet, SetsAnalyser
from formcheck.report import CANNOT_TELL
from vision.drawing import SEVERITY_COLOUR, draw_curve, draw_labels, draw_panel, draw_skeleton
from vision.landmarks import Side
from vision.pose import Pose

Label = tuple[str, tuple[float, float]]


def angle_labels(pose: Pose, feedback: FrameFeedback, labels: tuple[OverlayLabel, ...]) -> list[Label]:
    """Text and pixel position of each of the exercise's overlay labels that has a value now."""
    side = Side(feedback.side) if feedback.side else Side("left")
    placed = []
    for label in labels:
        value = feedback.metrics.get(label.metric)
        if value is None or not np.isfinite(value):
            continue
        x, y = label.anchor(pose, side, feedback.metrics)
        placed.append((f"{label.text} {value:.0f}", (x, y)))
    return placed


NEUTRAL_BACK = (90, 230, 120)


def back_colour(feedback: FrameFeedback, spec: ExerciseSpec) -> tuple[int, int, int]:
    """The back's profile in green, turning to the warning colours as the lower back's tilt nears a limit.

    The tilt's change since the set's start position against the exercise's own limits on
    `lumbar_tilt_change_deg` (or on `lumbar_tilt_deg` itself): past half of it amber, past it red.
    """
    for metric in ("lumbar_tilt_change_deg", "lumbar_tilt_deg"):
        value = feedback.metrics.get(metric)
        limits = [v for v in spec.limits(metric).values() if v]
        if value is None or not np.isfinite(value) or not limits:
            continue
        share = max(value / limit for limit in limits)  # >= 1: at or past a limit, on its side
        if share >= 1.0:
            return SEVERITY_COLOUR["alert"]
        if share >= 0.5:
            return SEVERITY_COLOUR["warn"]
        return NEUTRAL_BACK
    return NEUTRAL_BACK


@dataclass(frozen=True)
class SetBanner:
    """What the panel says in a recording of several sets: the set under way and its count, or the gap."""

    title: str
    counter: str


BETWEEN_SETS = SetBanner("between sets", "REST")


def set_banner(sets: SetsAnalyser | None) -> SetBanner | None:
    """The panel's words for the frame now: "set 2: bridge" and its count (the set's own analyser, which
    sees each frame 1 s late), or "between sets"; None when the recording is not split (a named exercise)."""
    if sets is None:
        return None
    current = sets.current
    if current is None:
        return BETWEEN_SETS
    number, words = len(sets.sets) + 1, set_words_now(current)
    return SetBanner(f"set {number}: {words}" if words else f"set {number}", set_count_text(current))


def set_words_now(found: FoundSet) -> str | None:
    """The set's exercise in words (`set_exercise_words`) once its analyser counts: a rep, a hold, a hold under
    way; None before. At a set's start the vote's passing guess (a plank's set-up read as a hip hinge, a squat's
    first descent as a deadlift) would name it wrongly for a second or two; the live panel says "recognising the
    exercise..." there for the same reason."""
    return set_exercise_words(found) if found.analyser.state.counting(found.feedback) else None


def set_exercise_words(found: FoundSet) -> str:
    """The set's exercise as recognised so far in words (its title: "Single-leg deadlift", not the name
    "single_leg_deadlift" a user never typed), or "cannot tell" while position and movement fit none."""
    vote = found.analyser.recognition
    return CANNOT_TELL if vote is not None and vote.unsure() else found.analyser.spec.title


def set_count_text(found: FoundSet) -> str:
    state = found.analyser.state
    if state.holds and not state.reps:
        return f"HELD {sum(h.duration_s for h in state.holds):.0f} s"
    return f"REPS {len(state.reps)}"


def set_shown(feedback: FrameFeedback | None, named: bool, has_pose: bool, t_s: float) -> FrameFeedback:
    """What a frame shows of the set under way, whose analyser sees each frame a second late: its count and cue
    without its angles and back profile (measured on an older frame), or nothing counted between sets
    (`feedback` None). No cue while the exercise is not `named`: a cue of the vote's passing guess (a bridge's
    on a person standing) misleads."""
    if feedback is None:
        return FrameFeedback(t_s, has_pose, {}, math.nan, "rest", 0, "unknown", None, None)
    hold = {"hold_s": feedback.metrics["hold_s"]} if "hold_s" in feedback.metrics else {}
    return dataclasses.replace(
        feedback,
        timestamp_s=t_s,
        has_pose=has_pose,
        metrics=hold,
        cue=feedback.cue if named else None,
        back_px=None,
        rep=None,
        partial=None,
        hold=None,
    )


def split_shown(
    sets: SetsAnalyser, whole: FrameFeedback, whole_spec: ExerciseSpec, has_pose: bool
) -> tuple[FrameFeedback, ExerciseSpec]:
    """The feedback and exercise drawn on a frame of a recording split into sets (`analyse --exercise auto`).

    Until a set that counted has ended the recording so far is one set, and the whole recording's analysis is
    that set's: a one-set video is drawn as before, its angles, back profile and cue on the frame they were
    measured on (a set-up that counted nothing and ended is no set). Once a set has ended, the whole recording's
    analyser has seen another exercise, so its angles and cues would be another exercise's (a lunge's "front
    knee" and trunk cue on the next set's squat): the frame then shows the set's own count and cue a second late
    (`set_shown`), as the live tab does in an auto session, and the back's edge measured on this very frame in
    the neutral colour (its warning colours are the exercise's judgement, which is a second late)."""
    if not sets.sets:
        return whole, whole_spec
    current = sets.current
    if current is None:
        shown, spec = set_shown(None, False, has_pose, whole.timestamp_s), whole_spec
    else:
        named = set_words_now(current) not in (None, CANNOT_TELL)
        shown, spec = set_shown(current.feedback, named, has_pose, whole.timestamp_s), current.analyser.spec
    return dataclasses.replace(shown, back_px=whole.back_px), spec


def render_overlay(
    rgb: np.ndarray, pose: Pose | None, feedback: FrameFeedback, spec: ExerciseSpec, banner: SetBanner | None = None
) -> np.ndarray:
    """A copy of `rgb` with `spec`'s overlay drawn on it; `banner` names the set under way instead of `spec`."""
    frame = rgb.copy()
    if pose is not None and feedback.has_pose:
        draw_skeleton(frame, pose)
        if feedback.back_px is not None:
            draw_curve(frame, feedback.back_px, back_colour(feedback, spec))
        draw_labels(frame, angle_labels(pose, feedback, spec.overlay))
    cue = feedback.cue
    severity = cue.severity if cue else "info"
    title, counter = (banner.title, banner.counter) if banner else (spec.name, counter_text(feedback, spec))
    draw_panel(frame, title, counter, cue.message if cue else None, severity)
    return frame


def counter_text(feedback: FrameFeedback, spec: ExerciseSpec) -> str:
    label, value = counter_reading(feedback, spec)
    return f"{label.upper()} {value}"


def counter_reading(feedback: FrameFeedback, spec: ExerciseSpec) -> tuple[str, str]:
    """The big number on the video and the live page, (label, value): for a hold exercise the hold under
    way ("Hold", "12 s") and between holds the time held so far ("Held", "30 s"); else the reps, which is
    also what a hold exercise shows once it counts reps instead (a stretch's rocks)."""
    if spec.hold is not None and feedback.phase == "hold":
        return "Hold", f"{feedback.metrics.get('hold_s', 0.0):.0f} s"
    if spec.hold is not None and (feedback.held_s > 0 or feedback.rep_count == 0):
        return "Held", f"{feedback.held_s:.0f} s"
    return "Reps", str(feedback.rep_count)


def render_calibration(rgb: np.ndarray, pose: Pose | None, feedback: FrameFeedback, prompt: str) -> np.ndarray:
    """A copy of `rgb` for the guided lower-back calibration: the person, the back's profile, the lower back's
    tilt now and the prompt to follow (formcheck.calibration_guide)."""
    frame = rgb.copy()
    if pose is not None and feedback.has_pose:
        draw_skeleton(frame, pose)
        if feedback.back_px is not None:
            draw_curve(frame, feedback.back_px, SEVERITY_COLOUR["info"])
    tilt = feedback.metrics.get("lumbar_tilt_deg", float("nan")) if feedback.has_pose else float("nan")
    draw_panel(frame, "lower back", f"{tilt:+.0f} deg" if np.isfinite(tilt) else "-- deg", prompt)
    return frame
