"""What the overlay shows for an exercise: its angles at their joints, the rep count, the current cue.

The drawing itself is vision.drawing's; this module turns an analyser's FrameFeedback into
plain labels and positions for it.
"""

from __future__ import annotations

import numpy as np

from exercises.analyser import FrameFeedback
from vision.drawing import draw_labels, draw_panel, draw_skeleton
from vision.landmarks import Landmark, Side
from vision.pose import Pose


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


def angle_labels(
    pose: Pose, feedback: FrameFeedback, metrics: tuple[str, ...]
) -> list[tuple[str, tuple[float, float]]]:
    """Text and pixel position of each shown metric that has a value and an anchor."""
    side = Side(feedback.side) if feedback.side else Side("left")
    labels = []
    for key in metrics:
        value = feedback.metrics.get(key)
        if value is None or not np.isfinite(value) or key not in ANCHORS:
            continue
        x, y = ANCHORS[key](pose, side, feedback.metrics)
        labels.append((f"{LABELS.get(key, key)} {value:.0f}", (x, y)))
    return labels


def render_overlay(
    rgb: np.ndarray, pose: Pose | None, feedback: FrameFeedback, exercise: str, metrics: tuple[str, ...]
) -> np.ndarray:
    """A copy of `rgb` with the overlay drawn on it."""
    frame = rgb.copy()
    if pose is not None and feedback.has_pose:
        draw_skeleton(frame, pose)
        draw_labels(frame, angle_labels(pose, feedback, metrics))
    cue = feedback.cue
    draw_panel(frame, exercise, feedback.rep_count, cue.message if cue else None, cue.severity if cue else "info")
    return frame
