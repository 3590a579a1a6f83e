"""Which side a rep or a hold worked (the lunge's front leg, the clamshell's top hip, the kneeling leg).

An exercise declares it as a `SideVote` on its spec: a per-frame metric that votes 1.0 for left and
0.0 for right (NaN when the frame cannot tell). The analyser alone counts the votes, so the rule is
written once: the median vote of the frames that matter, left from 0.5 up.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from exercises.framework.reps import RepWindow

Frames = list[tuple[float, Mapping[str, float]]]


@dataclass(frozen=True)
class SideVote:
    """The side from the per-frame vote `metric` (1.0 left, 0.0 right)."""

    metric: str
    # A rep's side is voted by its frames within this of the peak, s: where the working side is
    # plainest (a lunge's stance is set, a clamshell's knee is open), and a few frames that misread
    # at the start or the end do not decide.
    half_width_s: float = 0.4

    def of_frames(self, frames: Frames) -> str | None:
        """"left" or "right" by the median vote of `frames` (a hold's); None when none voted."""
        votes = [v for _, m in frames if math.isfinite(v := m.get(self.metric, math.nan))]
        if not votes:
            return None
        return "left" if statistics.median(votes) >= 0.5 else "right"

    def of_rep(self, frames: Frames, window: RepWindow) -> str | None:
        """The side of the rep `window` from its frames near the peak."""
        return self.of_frames([(t, m) for t, m in frames if abs(t - window.peak_s) <= self.half_width_s])
