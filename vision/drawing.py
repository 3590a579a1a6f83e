"""Overlay renderer: skeleton, the exercise's angles at their joints, rep count, current cue.

Sizes scale with the frame (one unit = 1/360 of the shorter side), so text is
legible on a 360p phone clip and on 4K alike. Nothing is drawn on the body while
the person is lost: a stale skeleton in the wrong place is worse than none.
"""

from __future__ import annotations

import textwrap

import cv2
import numpy as np

from exercises.analyser import FrameFeedback
from exercises.cues import Severity
from vision.landmarks import SKELETON_EDGES, Landmark, Side
from vision.pose import Pose

# RGB colours (frames are RGB throughout).
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
BONE = (80, 220, 255)
JOINT = (255, 255, 255)
SEVERITY_COLOUR = {Severity.INFO: (120, 200, 255), Severity.WARN: (255, 190, 40), Severity.ALERT: (255, 70, 70)}

def _front(metrics: dict[str, float]) -> Side:
    return Side("left") if metrics.get("front_is_left", 0.0) >= 0.5 else Side("right")


# Where each metric's label goes: a function of the pose, the side facing the camera
# and the frame's metrics (a lunge's front leg changes from rep to rep).
ANCHORS = {
    "knee_flexion_deg": lambda p, s, m: p.px(s.knee),
    "front_knee_flexion_deg": lambda p, s, m: p.px(_front(m).knee),
    "hip_angle_deg": lambda p, s, m: p.px(s.hip),
    "hip_extension_deg": lambda p, s, m: p.px(s.hip),
    # On the rear thigh, where the angle lives (the hip point is shared with the front leg).
    "rear_hip_extension_deg": lambda p, s, m: (p.px(_front(m).other.hip) + p.px(_front(m).other.knee)) / 2,
    "trunk_lean_deg": lambda p, s, m: (p.px(Landmark.LEFT_SHOULDER) + p.px(Landmark.RIGHT_SHOULDER)) / 2,
}
LABELS = {
    "knee_flexion_deg": "knee",
    "front_knee_flexion_deg": "front knee",
    "hip_angle_deg": "hip",
    "hip_extension_deg": "hip ext",
    "rear_hip_extension_deg": "rear hip",
    "trunk_lean_deg": "trunk",
}


def _unit(frame: np.ndarray) -> float:
    return min(frame.shape[:2]) / 360.0


def _text(frame: np.ndarray, text: str, org: tuple[int, int], scale: float, colour, thickness: int) -> None:
    # A dark outline keeps light text readable on any background. It is drawn as
    # shifted copies at the same thickness: OpenCV widens a glyph's advance with its
    # thickness, so one thicker black pass would run past the coloured text.
    r = max(1, thickness)
    x, y = org
    for dx, dy in ((-r, 0), (r, 0), (0, -r), (0, r), (-r, -r), (r, r), (-r, r), (r, -r)):
        cv2.putText(frame, text, (x + dx, y + dy), cv2.FONT_HERSHEY_SIMPLEX, scale, BLACK, thickness, cv2.LINE_AA)
    cv2.putText(frame, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)


def draw_skeleton(frame: np.ndarray, pose: Pose) -> None:
    u = _unit(frame)
    pts = pose.xy_px
    for a, b in SKELETON_EDGES:
        pa, pb = pts[a], pts[b]
        if np.all(np.isfinite(pa)) and np.all(np.isfinite(pb)):
            cv2.line(frame, tuple(int(v) for v in pa), tuple(int(v) for v in pb), BONE, max(1, int(2 * u)), cv2.LINE_AA)
    for a, _ in SKELETON_EDGES:
        p = pts[a]
        if np.all(np.isfinite(p)):
            cv2.circle(frame, tuple(int(v) for v in p), max(2, int(3 * u)), JOINT, -1, cv2.LINE_AA)


def draw_angles(frame: np.ndarray, pose: Pose, feedback: FrameFeedback, metrics: tuple[str, ...]) -> None:
    u = _unit(frame)
    side = Side(feedback.side) if feedback.side else Side("left")
    for key in metrics:
        value = feedback.metrics.get(key)
        if value is None or not np.isfinite(value) or key not in ANCHORS:
            continue
        x, y = ANCHORS[key](pose, side, feedback.metrics)
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        _text(
            frame,
            f"{LABELS.get(key, key)} {value:.0f}",
            (int(x + 8 * u), int(y - 4 * u)),
            0.45 * u,
            WHITE,
            max(1, int(u)),
        )


def draw_panel(frame: np.ndarray, exercise: str, feedback: FrameFeedback) -> None:
    """Top-left: exercise and rep count; bottom: the current cue, wrapped to fit."""
    u = _unit(frame)
    height, width = frame.shape[:2]
    box_w, box_h = int(150 * u), int(58 * u)
    overlay = frame[:box_h, :box_w]
    overlay[:] = (overlay * 0.45).astype(frame.dtype)
    _text(frame, exercise.upper(), (int(8 * u), int(18 * u)), 0.45 * u, WHITE, max(1, int(u)))
    _text(frame, f"REPS {feedback.rep_count}", (int(8 * u), int(48 * u)), 0.9 * u, WHITE, max(2, int(2 * u)))
    if feedback.cue is None:
        return
    colour = SEVERITY_COLOUR[feedback.cue.severity]
    chars = max(16, int(width / (9.5 * u)))
    lines = textwrap.wrap(feedback.cue.message, chars)[:3]
    line_h = int(20 * u)
    top = height - line_h * len(lines) - int(10 * u)
    band = frame[max(top - int(8 * u), 0) :, :]
    band[:] = (band * 0.45).astype(frame.dtype)
    for i, line in enumerate(lines):
        _text(frame, line, (int(10 * u), top + int(14 * u) + i * line_h), 0.55 * u, colour, max(1, int(1.5 * u)))


def render_overlay(
    rgb: np.ndarray, pose: Pose | None, feedback: FrameFeedback, exercise: str, metrics: tuple[str, ...]
) -> np.ndarray:
    """A copy of `rgb` with the overlay drawn on it."""
    frame = rgb.copy()
    if pose is not None and feedback.has_pose:
        draw_skeleton(frame, pose)
        draw_angles(frame, pose, feedback, metrics)
    draw_panel(frame, exercise, feedback)
    return frame
