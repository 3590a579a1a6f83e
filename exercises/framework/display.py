"""How an exercise's measures are shown to people: labels, units, decimals and how to read them.

Data only; the history, the reports and the app draw them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from vision.landmarks import Landmark, Side
from vision.pose import Pose


@dataclass(frozen=True)
class Measure:
    """How to show one key measure: label, unit, decimals and how to read it."""

    label: str
    short: str  # table header
    unit: str  # appended to numbers as is ("°", " s", "")
    decimals: int
    reading: str  # one phrase that tells a reader which direction is which
    reference: float | None = None  # a meaningful line to draw (e.g. 0 = "in line"), if any

    def format(self, value: float | None) -> str:
        """The value as a reader should see it; an en dash when it could not be measured."""
        if value is None:
            return "–"
        text = f"{value:.{self.decimals}f}"
        if float(text) == 0:
            text = f"{0:.{self.decimals}f}"  # no "-0°"
        return text + self.unit


# Where an overlay label goes: a function of the pose, the body side facing the camera and the
# frame's metrics (a lunge's front leg changes from rep to rep), returning image pixels (x, y).
Anchor = Callable[[Pose, Side, Mapping[str, float]], np.ndarray]


@dataclass(frozen=True)
class OverlayLabel:
    """One per-frame metric drawn on the annotated video, as "<text> <value>" at `anchor`."""

    metric: str
    text: str
    anchor: Anchor


def at_near(joint: str) -> Anchor:
    """Anchor at a joint ("knee", "hip", ...) of the side facing the camera."""
    return lambda pose, side, metrics: pose.px(getattr(side, joint))


def between_shoulders(pose: Pose, side: Side, metrics: Mapping[str, float]) -> np.ndarray:
    return (pose.px(Landmark.LEFT_SHOULDER) + pose.px(Landmark.RIGHT_SHOULDER)) / 2
