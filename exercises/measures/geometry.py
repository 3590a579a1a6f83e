"""Small pure geometry functions. Units are in the names; inputs are numpy points.

2D functions take pixel coordinates (x right, y down) so the aspect ratio is right;
3D functions take MediaPipe world coordinates in metres (y down). Every function
returns NaN rather than raising when a point is missing (NaN) or degenerate.
"""

from __future__ import annotations

import math

import numpy as np


def _norm(v: np.ndarray) -> float:
    return float(np.linalg.norm(v))


def angle_between_deg(u: np.ndarray, v: np.ndarray) -> float:
    """Unsigned angle between two vectors (any dimension), 0..180 degrees."""
    nu, nv = _norm(u), _norm(v)
    if not (nu > 1e-9 and nv > 1e-9) or not (math.isfinite(nu) and math.isfinite(nv)):
        return math.nan
    cos = float(np.dot(u, v)) / (nu * nv)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def joint_angle_deg(a: np.ndarray, joint: np.ndarray, c: np.ndarray) -> float:
    """Interior angle a-joint-c in degrees: 180 = straight, smaller = more bent."""
    return angle_between_deg(np.asarray(a) - joint, np.asarray(c) - joint)


def flexion_deg(a: np.ndarray, joint: np.ndarray, c: np.ndarray) -> float:
    """How far a joint is bent from straight: 0 = straight line, 90 = right angle."""
    return 180.0 - joint_angle_deg(a, joint, c)


def segment_from_vertical_deg(top_px: np.ndarray, bottom_px: np.ndarray) -> float:
    """Angle of the segment bottom->top from image-vertical (up), 0..180 degrees.

    0 = top straight above bottom (upright trunk), 90 = horizontal.
    """
    return angle_between_deg(np.asarray(top_px) - bottom_px, np.array([0.0, -1.0]))


def segment_from_horizontal_deg(a_px: np.ndarray, b_px: np.ndarray) -> float:
    """Acute angle of segment a-b from image-horizontal, 0..90 degrees."""
    d = np.asarray(b_px) - a_px
    if not np.all(np.isfinite(d)) or _norm(d) < 1e-9:
        return math.nan
    return math.degrees(math.atan2(abs(float(d[1])), abs(float(d[0]))))


def distance_to_segment_px(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of each of `points` (n, 2) from the segment a-b, in the units of the inputs (NaN rows stay NaN)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = b - a
    length2 = float(np.dot(d, d))
    if not length2 > 1e-12:
        return np.linalg.norm(points - a, axis=1)
    t = np.clip(((points - a) @ d) / length2, 0.0, 1.0)
    return np.linalg.norm(points - (a + t[:, None] * d), axis=1)


def signed_distance_to_line_px(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Signed perpendicular distance of p from the line a->b, in the units of the inputs.

    Positive when p lies to the left of a->b in image coordinates (y down), i.e.
    the cross product (b-a) x (p-a) is negative in the maths convention.
    """
    d = np.asarray(b, dtype=float) - a
    n = _norm(d)
    if not n > 1e-9:
        return math.nan
    w = np.asarray(p, dtype=float) - a
    return float(-(d[0] * w[1] - d[1] * w[0]) / n)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return _norm(np.asarray(a, dtype=float) - b)


def midpoint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (np.asarray(a, dtype=float) + b) / 2.0


def finite(*values: float) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)
