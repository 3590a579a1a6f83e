"""Measures of the lower back on a back profile (vision/outline.py): pure geometry, trunk lengths.

The lumbar dip is the lower back's deviation from the chord between a mid-back point and
the sacral point (the profile's ends of the lumbar segment), taken where it is largest,
in trunk lengths (shoulder-hip distance). Signed: + the edge dips in toward the belly
(lumbar lordosis, the arched back of an anteriorly tilted pelvis), - it bulges out
(a flexed, rounded lower back). Absolute values differ between people (body shape,
clothing: issue 11's probe read 0.00-0.14 on ordinary squats), so judging belongs to the
change against the person's own neutral, not to this number alone.
"""

from __future__ import annotations

import math

import numpy as np

from vision.outline import BackProfile

# The lumbar segment along the shoulder (0) -> hip (1) line: from about the lowest ribs
# (the thoracolumbar junction sits ~55 % down the trunk in adults) to just above the
# hip joint line, where the sacrum meets the buttocks' curve.
LUMBAR_FROM, LUMBAR_TO = 0.55, 0.95


def lumbar_dip_trunk(profile: BackProfile) -> float:
    """Signed largest deviation of the lumbar edge from its chord, in trunk lengths (+ arched, - rounded)."""
    t, offsets = profile.stations, profile.offsets
    lumbar = (t >= LUMBAR_FROM - 1e-9) & (t <= LUMBAR_TO + 1e-9)
    ts, os_ = t[lumbar], offsets[lumbar]
    if ts.size < 3 or not (math.isfinite(os_[0]) and math.isfinite(os_[-1])):
        return math.nan
    chord = os_[0] + (os_[-1] - os_[0]) * (ts - ts[0]) / (ts[-1] - ts[0])
    inward = chord - os_  # > 0: the edge lies inside the chord (a hollow)
    finite = inward[np.isfinite(inward)]
    if finite.size < 3:
        return math.nan
    high, low = float(np.max(finite)), float(np.min(finite))
    return high if abs(high) >= abs(low) else low
