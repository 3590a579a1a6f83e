"""Measures of the lower back on the trunk's outline (vision/outline.py): pure geometry.

Two measures of one back profile (the edge of the outline on the back side of the trunk,
offsets in trunk lengths from the shoulder-hip line), both signed + arched (extended,
lordotic: the lower back dips in toward the belly), - rounded (flexed: it bulges out):

- `back_curve_deg`: the angle between the upper back's tangent (10-50 % down the trunk,
  the thoracic back) and the lower back's (55-95 %, the lumbar-sacral back). A neutral
  spine's S-curve reads a few degrees to ~15 deg; a back that has lost its lumbar curve
  reads about 0 or below. This is the tangent-angle method of the flexicurve and photo
  methods, on the clothing profile.
- `lumbar_dip_trunk`: the lower back's largest deviation from the chord between its
  ends (55-95 % down the trunk), in trunk lengths.

Absolute values differ between people (body shape, clothing: issue 11's probe read the
dip 0.00-0.14 on ordinary squats), so the analysers judge changes against the same
person's own neutral where they have one, and absolute values only with wide margins.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from exercises.measures.geometry import distance_to_segment_px
from vision.landmarks import LEFT, RIGHT
from vision.outline import BackProfile, TrunkOutline
from vision.pose import Pose

# The lumbar segment along the shoulder (0) -> hip (1) line: from about the lowest ribs
# (the thoracolumbar junction sits ~55 % down the trunk in adults) to just above the
# hip joint line, where the sacrum meets the buttocks' curve.
LUMBAR_FROM, LUMBAR_TO = 0.55, 0.95
# The thoracic segment: below the shoulder joint line (the first 10 % is the shoulder's
# own curve) to mid-trunk.
THORACIC_FROM, THORACIC_TO = 0.10, 0.50
# Image direction of the floor: a person lying on the back has the back toward it.
FLOOR = np.array([0.0, 1.0])
BACK_METRICS = ("lumbar_tilt_deg", "back_curve_deg", "lumbar_dip_trunk")
# An edge point this close to an arm's landmark line (upper arm or forearm), in trunk lengths,
# is the arm's outline, not the back's: an upper arm is ~0.15-0.2 trunk lengths thick, so its
# outer edge lies ~0.1 from its centre line. Seen side-on with the arms hanging, the hand and
# forearm often sit just behind the lower back.
ARM_CLEARANCE = 0.12


def back_edge(pose: Pose, toward: np.ndarray) -> BackProfile | None:
    """The outline's trunk edge on the side `toward` points to, or None when not measured."""
    outline = pose.outline
    if not isinstance(outline, TrunkOutline):
        return None
    edge = outline.toward(toward)
    return without_arms(edge, pose) if isinstance(edge, BackProfile) else None


def without_arms(edge: BackProfile, pose: Pose) -> BackProfile:
    """`edge` with the stations where an arm lies along it set missing (NaN)."""
    near_arm = np.zeros(len(edge.offsets), dtype=bool)
    for side in (LEFT, RIGHT):
        for a, b in ((side.shoulder, side.elbow), (side.elbow, side.wrist)):
            pa, pb = pose.px(a), pose.px(b)
            if np.all(np.isfinite(pa)) and np.all(np.isfinite(pb)):
                near_arm |= distance_to_segment_px(edge.points_px, pa, pb) < ARM_CLEARANCE * edge.trunk_px
    if not near_arm.any():
        return edge
    return replace(edge, offsets=np.where(near_arm, np.nan, edge.offsets))


def back_missing_reason(pose: Pose, toward: np.ndarray) -> str:
    """Why `back_edge` found no edge: the outline's own reason."""
    outline = pose.outline
    if outline is None:
        return "no body outline from the pose model"
    edge = outline.toward(toward) if isinstance(outline, TrunkOutline) else outline
    return getattr(edge, "reason", "")


def back_measures(edge: BackProfile | None) -> dict[str, float]:
    """The per-frame back measures of one edge; NaN without one."""
    if edge is None:
        return dict.fromkeys(BACK_METRICS, math.nan)
    return {
        "lumbar_tilt_deg": lumbar_tilt_deg(edge),
        "back_curve_deg": back_curve_deg(edge),
        "lumbar_dip_trunk": lumbar_dip_trunk(edge),
    }


def _segment(profile: BackProfile, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    t = profile.stations
    inside = (t >= start - 1e-9) & (t <= end + 1e-9)
    return t[inside], profile.offsets[inside]


def _tangent_deg(profile: BackProfile, start: float, end: float) -> float:
    """Slope of the edge's least-squares line over a segment, deg (offsets and stations share the unit)."""
    ts, os_ = _segment(profile, start, end)
    finite = np.isfinite(os_)
    if finite.sum() < 3:
        return math.nan
    return math.degrees(math.atan(np.polyfit(ts[finite], os_[finite], 1)[0]))


def lumbar_tilt_deg(profile: BackProfile) -> float:
    """Angle of the lower back's edge from the shoulder-hip line, deg: + it slopes out toward the buttocks, - in."""
    return _tangent_deg(profile, LUMBAR_FROM, LUMBAR_TO)


def back_curve_deg(profile: BackProfile) -> float:
    """Angle between the thoracic and the lumbar tangent of the back edge, deg: + arched, - rounded."""
    return _tangent_deg(profile, LUMBAR_FROM, LUMBAR_TO) - _tangent_deg(profile, THORACIC_FROM, THORACIC_TO)


def lumbar_dip_trunk(profile: BackProfile) -> float:
    """Signed largest deviation of the lumbar edge from its chord, in trunk lengths (+ arched, - rounded)."""
    ts, os_ = _segment(profile, LUMBAR_FROM, LUMBAR_TO)
    if ts.size < 3 or not (math.isfinite(os_[0]) and math.isfinite(os_[-1])):
        return math.nan
    chord = os_[0] + (os_[-1] - os_[0]) * (ts - ts[0]) / (ts[-1] - ts[0])
    inward = chord - os_  # > 0: the edge lies inside the chord (a hollow)
    finite = inward[np.isfinite(inward)]
    if finite.size < 3:
        return math.nan
    high, low = float(np.max(finite)), float(np.min(finite))
    return high if abs(high) >= abs(low) else low
