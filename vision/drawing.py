"""Overlay drawing primitives: skeleton, a curve along the body, text labels at points, the rep panel and the cue band.

They take plain data (label texts and positions, a severity by name), so vision/ knows nothing of
the exercises; formcheck/overlay.py decides what to show for an exercise.

Sizes scale with the frame (one unit = 1/360 of the shorter side), so text is
legible on a 360p phone clip and on 4K alike. Nothing is drawn on the body while
the person is lost: a stale skeleton in the wrong place is worse than none.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

import cv2
import numpy as np

from vision.landmarks import SKELETON_EDGES
from vision.pose import Pose

# RGB colours (frames are RGB throughout).
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
BONE = (80, 220, 255)
JOINT = (255, 255, 255)
# By severity name (exercises.framework.cues.Severity values are these strings).
SEVERITY_COLOUR = {"info": (120, 200, 255), "warn": (255, 190, 40), "alert": (255, 70, 70)}


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


def draw_curve(frame: np.ndarray, points_px: np.ndarray, colour: tuple[int, int, int]) -> None:
    """A thick line through the finite rows of `points_px` (n, 2), outlined dark so it shows on skin and clothing."""
    finite = points_px[np.all(np.isfinite(points_px), axis=1)]
    if len(finite) < 2:
        return
    u = _unit(frame)
    line = np.round(finite).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(frame, [line], False, BLACK, max(2, int(5 * u)), cv2.LINE_AA)
    cv2.polylines(frame, [line], False, colour, max(1, int(3 * u)), cv2.LINE_AA)


def draw_labels(frame: np.ndarray, labels: Iterable[tuple[str, tuple[float, float]]]) -> None:
    """Each text just right of and above its point (x, y in pixels); points not finite are skipped."""
    u = _unit(frame)
    for text, (x, y) in labels:
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        _text(frame, text, (int(x + 8 * u), int(y - 4 * u)), 0.45 * u, WHITE, max(1, int(u)))


def draw_panel(
    frame: np.ndarray, title: str, counter: str, message: str | None = None, severity: str = "info"
) -> None:
    """Top-left: the title (exercise) and `counter` ("REPS 3", "HOLD 12 s"); bottom: `message` (the current
    cue), wrapped to fit."""
    u = _unit(frame)
    height, width = frame.shape[:2]
    box_w, box_h = int(150 * u), int(58 * u)
    overlay = frame[:box_h, :box_w]
    overlay[:] = (overlay * 0.45).astype(frame.dtype)
    _text(frame, title.upper(), (int(8 * u), int(18 * u)), 0.45 * u, WHITE, max(1, int(u)))
    _text(frame, counter, (int(8 * u), int(48 * u)), 0.9 * u, WHITE, max(2, int(2 * u)))
    if message is None:
        return
    colour = SEVERITY_COLOUR[severity]
    chars = max(16, int(width / (9.5 * u)))
    lines = textwrap.wrap(message, chars)[:3]
    line_h = int(20 * u)
    top = height - line_h * len(lines) - int(10 * u)
    band = frame[max(top - int(8 * u), 0) :, :]
    band[:] = (band * 0.45).astype(frame.dtype)
    for i, line in enumerate(lines):
        _text(frame, line, (int(10 * u), top + int(14 * u) + i * line_h), 0.55 * u, colour, max(1, int(1.5 * u)))
