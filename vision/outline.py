"""The back's profile from the body's outline (a segmentation mask), between the shoulders and the hips.

MediaPipe has no spine landmarks, but in side and oblique views the outline's edge on
the back side of the trunk is the skin or clothing profile of the spine: what a
clinician's flexicurve reads. `back_profile` walks down the shoulder-to-hip line and,
at each station, casts a ray square to the trunk toward the back (away from a point
known to be in front: the knees or the nose) and finds where the ray first leaves the
body. Starting inside the body and taking the first exit keeps background clutter
behind the person out of the profile. Offsets are in trunk lengths (shoulder-hip
distance), so the profile is independent of camera distance.

The profile is missing, with the reason, whenever the mask cannot support it: the
trunk too small in the picture, the landmark line outside the mask, the edge running
off the picture or too many rays without an edge. Nothing here judges the back; the
measures on a profile live in exercises/back.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Stations from the shoulder line (0) to the hip line (1).
STATIONS = 21
# Below this shoulder-hip distance the profile's detail is a few pixels: not measurable.
MIN_TRUNK_PX = 40.0
# A ray that has not left the body after this many trunk lengths is not on the back (an
# arm lying along it, a second person behind).
MAX_REACH = 0.6
# More rays than this share without an edge and the profile is not trusted.
MAX_MISSING_SHARE = 0.2
# Mask value taken as the body's edge (MediaPipe's masks are probabilities 0..1).
EDGE_LEVEL = 0.5


@dataclass(frozen=True)
class BackProfile:
    """Back edge offsets from the shoulder-hip line, outward (toward the back) positive, in trunk lengths."""

    stations: np.ndarray  # 0 at the shoulders .. 1 at the hips
    offsets: np.ndarray  # NaN where a ray found no edge
    trunk_px: float


@dataclass(frozen=True)
class NoProfile:
    reason: str


def back_profile(
    mask: np.ndarray, shoulder_px: np.ndarray, hip_px: np.ndarray, front_px: np.ndarray
) -> BackProfile | NoProfile:
    """The back edge of `mask` (H, W, 0..1) along shoulder->hip; `front_px`: any point in front of the trunk."""
    shoulder, hip, front = (np.asarray(p, dtype=float) for p in (shoulder_px, hip_px, front_px))
    if not all(np.all(np.isfinite(p)) for p in (shoulder, hip, front)):
        return NoProfile("shoulder, hip or front landmark not seen")
    axis = hip - shoulder
    trunk_px = float(np.linalg.norm(axis))
    if trunk_px < MIN_TRUNK_PX:
        return NoProfile(f"trunk only {trunk_px:.0f} px long in the picture (needs {MIN_TRUNK_PX:.0f})")
    axis /= trunk_px
    normal = np.array([-axis[1], axis[0]])
    if np.dot(front - 0.5 * (shoulder + hip), normal) > 0:
        normal = -normal  # point away from the front: toward the back
    stations = np.linspace(0.0, 1.0, STATIONS)
    offsets = np.full(STATIONS, np.nan)
    for i, t in enumerate(stations):
        reach = _first_exit_px(mask, shoulder + t * trunk_px * axis, normal, MAX_REACH * trunk_px)
        if reach == math.inf:
            return NoProfile("the back runs off the edge of the picture")
        if reach is not None:
            offsets[i] = reach / trunk_px
    missing = float(np.mean(~np.isfinite(offsets)))
    if missing > MAX_MISSING_SHARE:
        return NoProfile(f"no clear back edge on {missing:.0%} of the trunk (loose clothing, an arm, a poor mask)")
    return BackProfile(stations, offsets, trunk_px)


def _first_exit_px(mask: np.ndarray, start: np.ndarray, direction: np.ndarray, max_px: float) -> float | None:
    """Distance along the ray where the mask first falls below EDGE_LEVEL, interpolated to a fraction of a pixel.

    None: the start is outside the body or the body goes on past `max_px`; infinity: the
    ray leaves the picture while still inside the body.
    """
    steps = np.arange(0.0, max_px + 1.0, 0.5)
    points = start[None, :] + steps[:, None] * direction[None, :]
    height, width = mask.shape[:2]
    inside = (points[:, 0] >= 0) & (points[:, 0] <= width - 1) & (points[:, 1] >= 0) & (points[:, 1] <= height - 1)
    values = np.where(inside, _bilinear(mask, points), -1.0)
    if values[0] < EDGE_LEVEL:
        return None
    below = np.flatnonzero(values < EDGE_LEVEL)
    if below.size == 0:
        return None
    k = int(below[0])
    if values[k] < 0:  # left the picture before leaving the body
        return math.inf
    a, b = values[k - 1], values[k]
    return float(steps[k - 1] + (a - EDGE_LEVEL) / (a - b) * (steps[k] - steps[k - 1]))


def _bilinear(mask: np.ndarray, points: np.ndarray) -> np.ndarray:
    height, width = mask.shape[:2]
    x = np.clip(points[:, 0], 0, width - 1.001)
    y = np.clip(points[:, 1], 0, height - 1.001)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    m = mask.astype(float, copy=False)
    top = m[y0, x0] * (1 - fx) + m[y0, x0 + 1] * fx
    bottom = m[y0 + 1, x0] * (1 - fx) + m[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy

