"""The trunk's two long edges from the body's outline (a segmentation mask), between the shoulders and the hips.

MediaPipe has no spine landmarks, but in side and oblique views the outline's edge on
the back side of the trunk is the skin or clothing profile of the spine: what a
clinician's flexicurve reads. `trunk_outline` walks down the shoulder-to-hip line and,
at each station, casts rays square to the trunk to both sides and finds where each
first leaves the body. Which side is the back is the exercise's knowledge (standing:
away from where the person faces; lying on the back: toward the floor), so both are
kept and `TrunkOutline.toward` picks one. Starting inside the body and taking the
first exit keeps background clutter behind the person out of the profile. Offsets are
in trunk lengths (shoulder-hip distance), so the profile is independent of camera
distance.

An edge is missing, with the reason, whenever the mask cannot support it: the trunk
too small in the picture, the landmark line outside the mask, the edge running off the
picture or too many rays without an edge. Nothing here judges the back; the measures
on a profile live in exercises/measures/back_outline.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Stations from the shoulder line (0) to the hip line (1).
STATIONS = 21
# Below this shoulder-hip distance the profile's detail is a few pixels: not measurable.
MIN_TRUNK_PX = 40.0
# A ray that has not left the body after this many trunk lengths is not on the back (a
# second person behind, an arm held against it). Side-on the back lies ~0.2-0.3 from the
# shoulder-hip line; a trunk bent toward the camera looks shorter while its depth does not,
# and at the bottom of a hinge filmed at 45 deg the back was 0.6-0.8 picture trunk lengths
# out (0.6 lost those frames: deadlift_rounded_oblique_02's last rep, docs/metrics.md).
MAX_REACH = 0.8
# More rays than this share without an edge and the profile is not trusted.
MAX_MISSING_SHARE = 0.2
# Mask value taken as the body's edge (MediaPipe's masks are probabilities 0..1).
EDGE_LEVEL = 0.5
STEP_PX = 0.5  # ray sampling step


@dataclass(frozen=True, eq=False)
class BackProfile:
    """One trunk edge: offsets from the shoulder-hip line, outward positive, in trunk lengths."""

    stations: np.ndarray  # 0 at the shoulders .. 1 at the hips
    offsets: np.ndarray  # NaN where a ray found no edge
    trunk_px: float
    points_px: np.ndarray  # (STATIONS, 2) the edge in the picture, NaN where missing


@dataclass(frozen=True)
class NoProfile:
    reason: str


Edge = BackProfile | NoProfile


@dataclass(frozen=True, eq=False)
class TrunkOutline:
    """Both long edges of the trunk; `normal` is the unit picture direction `plus` lies toward."""

    normal: np.ndarray
    plus: Edge
    minus: Edge

    def toward(self, direction: np.ndarray) -> Edge:
        """The edge on the side `direction` (a picture vector) points to."""
        return self.plus if float(np.dot(direction, self.normal)) >= 0 else self.minus


def trunk_outline(mask: np.ndarray, shoulder_px: np.ndarray, hip_px: np.ndarray) -> TrunkOutline | NoProfile:
    """Both edges of `mask` (H, W, 0..1) along shoulder->hip, or why there are none."""
    shoulder, hip = (np.asarray(p, dtype=float) for p in (shoulder_px, hip_px))
    if not all(np.all(np.isfinite(p)) for p in (shoulder, hip)):
        return NoProfile("shoulder or hip landmark not seen")
    axis = hip - shoulder
    trunk_px = float(np.linalg.norm(axis))
    if trunk_px < MIN_TRUNK_PX:
        return NoProfile(f"trunk only {trunk_px:.0f} px long in the picture (needs {MIN_TRUNK_PX:.0f})")
    axis /= trunk_px
    normal = np.array([-axis[1], axis[0]])
    starts = shoulder[None, :] + np.linspace(0.0, 1.0, STATIONS)[:, None] * trunk_px * axis[None, :]
    edges = [_edge(mask, starts, sign * normal, trunk_px) for sign in (1.0, -1.0)]
    return TrunkOutline(normal, *edges)


def back_profile(mask: np.ndarray, shoulder_px: np.ndarray, hip_px: np.ndarray, front_px: np.ndarray) -> Edge:
    """The edge of `mask` away from `front_px` (any point in front of the trunk)."""
    outline = trunk_outline(mask, shoulder_px, hip_px)
    if isinstance(outline, NoProfile):
        return outline
    front = np.asarray(front_px, dtype=float)
    if not np.all(np.isfinite(front)):
        return NoProfile("front landmark not seen")
    middle = 0.5 * (np.asarray(shoulder_px, dtype=float) + np.asarray(hip_px, dtype=float))
    return outline.toward(middle - front)


def _edge(mask: np.ndarray, starts: np.ndarray, normal: np.ndarray, trunk_px: float) -> Edge:
    reach = _first_exit_px(mask, starts, normal, MAX_REACH * trunk_px)
    if np.any(np.isinf(reach)):
        return NoProfile("the back runs off the edge of the picture")
    missing = float(np.mean(np.isnan(reach)))
    if missing > MAX_MISSING_SHARE:
        return NoProfile(f"no clear back edge on {missing:.0%} of the trunk (loose clothing, an arm, a poor mask)")
    stations = np.linspace(0.0, 1.0, STATIONS)
    return BackProfile(stations, reach / trunk_px, trunk_px, starts + reach[:, None] * normal[None, :])


def _first_exit_px(mask: np.ndarray, starts: np.ndarray, direction: np.ndarray, max_px: float) -> np.ndarray:
    """Per ray, the distance where the mask first falls below EDGE_LEVEL, interpolated to a fraction of a pixel.

    NaN: the start is outside the body or the body goes on past `max_px`; infinity: the
    ray leaves the picture while still inside the body.
    """
    steps = np.arange(0.0, max_px + 1.0, STEP_PX)
    points = starts[:, None, :] + steps[None, :, None] * direction[None, None, :]  # (rays, steps, 2)
    height, width = mask.shape[:2]
    x, y = points[..., 0], points[..., 1]
    inside = (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
    values = np.where(inside, _bilinear(mask, points.reshape(-1, 2)).reshape(x.shape), -1.0)
    below = values < EDGE_LEVEL
    out = np.full(len(starts), np.nan)
    has_exit = below.any(axis=1) & ~below[:, 0]
    k = np.argmax(below, axis=1)
    rows = np.flatnonzero(has_exit)
    if rows.size == 0:
        return out
    kk = k[rows]
    a, b = values[rows, kk - 1], values[rows, kk]
    out[rows] = np.where(b < 0, np.inf, steps[kk - 1] + (a - EDGE_LEVEL) / np.where(b < 0, 1.0, a - b) * STEP_PX)
    return out


def _bilinear(mask: np.ndarray, points: np.ndarray) -> np.ndarray:
    height, width = mask.shape[:2]
    x = np.clip(points[:, 0], 0, width - 1.001)
    y = np.clip(points[:, 1], 0, height - 1.001)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    # Indexing the mask as it is: converting the whole frame-size mask would cost more than the rays.
    top = mask[y0, x0] * (1 - fx) + mask[y0, x0 + 1] * fx
    bottom = mask[y0 + 1, x0] * (1 - fx) + mask[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy
