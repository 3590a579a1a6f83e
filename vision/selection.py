"""Choose the main person when the detector returns several.

The main person is the largest and most central body; once chosen, the one nearest
to the previous choice is kept so the skeleton never hops between two people.
"""

from __future__ import annotations

import math

import numpy as np

from vision.landmarks import Landmark
from vision.pose import Pose

_TORSO = (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)


def body_box_px(pose: Pose) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) around the landmarks."""
    xy = pose.xy_px
    return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())


def torso_centre_px(pose: Pose) -> np.ndarray:
    return pose.xy_px[list(_TORSO)].mean(axis=0)


def prominence(pose: Pose) -> float:
    """Box area as a share of the image, discounted by distance from the image centre."""
    width, height = pose.image_size_px
    x0, y0, x1, y1 = body_box_px(pose)
    area = max(x1 - x0, 0.0) * max(y1 - y0, 0.0) / float(width * height)
    centre = torso_centre_px(pose) / np.array([width, height])
    off_centre = float(np.linalg.norm(centre - 0.5))  # 0 at the centre, ~0.7 in a corner
    score = area * (1.0 - off_centre)
    # Missing coordinates (NaN/inf) must never make a candidate win.
    return score if math.isfinite(score) else -1.0


def select_main_person(candidates: list[Pose], previous: Pose | None) -> Pose | None:
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    if previous is not None:
        width, height = previous.image_size_px
        scale = float(np.hypot(width, height))
        prev_centre = torso_centre_px(previous)
        distances = [_distance(c, prev_centre, scale) for c in candidates]
        best = int(np.argmin(distances))
        # Keep following the same body unless it jumped implausibly far (lost track).
        if distances[best] < 0.15:
            return candidates[best]
    return max(candidates, key=prominence)


def _distance(candidate: Pose, centre: np.ndarray, scale: float) -> float:
    """Torso distance as a share of the image diagonal; infinite when coordinates are missing."""
    value = float(np.linalg.norm(torso_centre_px(candidate) - centre)) / scale
    return value if math.isfinite(value) else math.inf
