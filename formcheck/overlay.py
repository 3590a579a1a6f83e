"""What the overlay shows for an exercise: its angles at their joints, the rep count, the current cue.

The drawing itself is vision.drawing's; the labels and where they go are the exercise spec's
(`ExerciseSpec.overlay`); this module turns an analyser's FrameFeedback into text and positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from exercises.framework.analyser import ExerciseSpec, FrameFeedback
from exercises.framework.display import OverlayLabel
from exercises.framework.sets import FoundSet, SetsAnalyser
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
    return SetBanner(f"set {len(sets.sets) + 1}: {set_exercise_words(current)}", set_count_text(current))


def set_exercise_words(found: FoundSet) -> str:
    """The set's exercise as recognised so far in words (its title: "Single-leg deadlift", not the name
    "single_leg_deadlift" a user never typed), or "cannot tell" while position and movement fit none."""
    vote = found.analyser.recognition
    return "cannot tell" if vote is not None and vote.unsure() else found.analyser.spec.title


def set_count_text(found: FoundSet) -> str:
    state = found.analyser.state
    if state.holds and not state.reps:
        return f"HELD {sum(h.duration_s for h in state.holds):.0f} s"
    return f"REPS {len(state.reps)}"


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
