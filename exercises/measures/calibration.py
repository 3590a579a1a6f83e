"""A person's own pelvic-tilt range from the back's outline: the reference their reps are judged against.

Lordosis and pelvic tilt differ a lot between healthy people (pelvis shape alone moves the
ASIS-PSIS angle by 0-23 deg), and someone with an anteriorly tilted pelvis may hold the arch
through a whole set, so a reference taken from the set itself can hide it. The calibration:
stand side-on, tall and neutral for a second or two, then tilt the pelvis fully forward
(arch) and fully back (tuck), once or twice. From the lower back's tilt
(`exercises.measures.back_outline.lumbar_tilt_deg`) over the clip: neutral is the median of the first
second measured, the full forward and back tilts are its 95th and 5th percentiles (a
robust maximum and minimum). Their difference, the pelvic-tilt range, is also a mobility
measure worth following over weeks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

NEUTRAL_S = 1.0  # the first second measured is the neutral stance
MIN_MEASURED_S = 3.0  # less than this of measured back profile is not a calibration
# Under 6 deg between full forward and full back tilt the person did not tilt (the edge's
# noise is ~1-2 deg frame to frame); healthy adults tilt the pelvis 15-30 deg on request.
MIN_RANGE_DEG = 6.0


@dataclass(frozen=True)
class BackCalibration:
    neutral_deg: float
    anterior_deg: float  # full forward tilt (arched)
    posterior_deg: float  # full backward tilt (tucked)

    @property
    def range_deg(self) -> float:
        return self.anterior_deg - self.posterior_deg

    def share(self, tilt_deg: float) -> float:
        """Where `tilt_deg` sits in the person's own range: 0 neutral, +1 full forward tilt, -1 full back tilt."""
        if not math.isfinite(tilt_deg):
            return math.nan
        if tilt_deg >= self.neutral_deg:
            return (tilt_deg - self.neutral_deg) / max(self.anterior_deg - self.neutral_deg, 1e-6)
        return (tilt_deg - self.neutral_deg) / max(self.neutral_deg - self.posterior_deg, 1e-6)


class CalibrationError(ValueError):
    """Why a clip is not a calibration; the message is for the user."""


def calibrate(samples: list[tuple[float, float]]) -> BackCalibration:
    """The calibration from (time s, lower-back tilt deg) samples of a side-on clip (NaN where not measured)."""
    measured = [(t, v) for t, v in samples if math.isfinite(v)]
    if len(measured) < 2 or measured[-1][0] - measured[0][0] < MIN_MEASURED_S:
        seen = measured[-1][0] - measured[0][0] if len(measured) >= 2 else 0.0
        raise CalibrationError(
            f"the lower back was measured for only {seen:.1f} s (needs {MIN_MEASURED_S:.0f} s): stand side-on to"
            " the camera, the whole trunk in the picture, in close-fitting clothes"
        )
    start = measured[0][0]
    values = np.array([v for _, v in measured])
    neutral = float(np.median([v for t, v in measured if t - start <= NEUTRAL_S]))
    anterior, posterior = (float(v) for v in np.percentile(values, [95, 5]))
    if anterior - posterior < MIN_RANGE_DEG:
        raise CalibrationError(
            f"the pelvis tilted only {anterior - posterior:.0f} deg (needs {MIN_RANGE_DEG:.0f}): after standing tall,"
            " tilt it fully forward (arch), then fully back (tuck)"
        )
    return BackCalibration(neutral, max(anterior, neutral), min(posterior, neutral))
