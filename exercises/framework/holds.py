"""Hold timing: how long a position (a plank, a stretch) was held, from frame timestamps.

A hold exercise says, per frame, whether the person is in the position (`HoldSpec.in_position`
on the frame's metrics: True, False, or None when the frame cannot tell, e.g. nobody found).
`HoldTimer` turns that into holds:

- A hold starts at the first frame in position and ends at the last one before the position
  was lost for longer than `gap_s` (a landmark glitch, a cross-fade, the model missing the
  person for a few frames do not end it), or at the end of the set.
- It counts only if it lasted at least `min_s`: passing through the position is not a hold.

Time comes only from the timestamps passed in, so live and recorded runs agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

Metrics = Mapping[str, float]
Frames = list[tuple[float, Metrics]]


@dataclass(frozen=True)
class HoldSpec:
    """How an exercise's hold is recognised and summarised."""

    in_position: Callable[[Metrics], bool | None]
    # Rep-metric style summary of the frames of one hold (the form during it): the medians by default.
    summarise: Callable[[Frames], dict[str, float]] = field(default=lambda frames: median_metrics(frames))
    min_s: float = 1.0
    gap_s: float = 0.6


@dataclass(frozen=True)
class HoldWindow:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


class HoldTimer:
    """Online hold detector: feed it (time, in position?) in time order."""

    def __init__(self, min_s: float, gap_s: float) -> None:
        self.min_s = min_s
        self.gap_s = gap_s
        self._start_s = math.nan  # first frame in position of the hold under way
        self._last_in_s = math.nan  # its latest frame in position

    @property
    def holding(self) -> bool:
        return math.isfinite(self._start_s)

    def elapsed_s(self) -> float:
        """Length of the hold under way so far (0 when none), up to its latest frame in position."""
        return self._last_in_s - self._start_s if self.holding else 0.0

    def update(self, t_s: float, in_position: bool | None) -> HoldWindow | None:
        """The hold that ended (lost for longer than `gap_s`) at this frame, if one did and was long enough."""
        if in_position:
            if not self.holding:
                self._start_s = t_s
            self._last_in_s = t_s
            return None
        if self.holding and t_s - self._last_in_s > self.gap_s:
            return self._close()
        return None

    def finish(self) -> HoldWindow | None:
        """End of the set: the hold under way, if long enough."""
        return self._close() if self.holding else None

    def _close(self) -> HoldWindow | None:
        window = HoldWindow(self._start_s, self._last_in_s)
        self._start_s = self._last_in_s = math.nan
        return window if window.duration_s >= self.min_s else None


def median_metrics(frames: Frames) -> dict[str, float]:
    """Each metric's median over the frames (ignoring missing values): the form held, robust to a glitch.

    One pass over the frames (a live hold's cue asks for it on every frame, over its last seconds)."""
    values: dict[str, list[float]] = {}
    for _, metrics in frames:
        for key, value in metrics.items():
            kept = values.setdefault(key, [])
            if math.isfinite(value):
                kept.append(value)
    return {key: _median(sorted(values[key])) for key in sorted(values)}


def _median(values: list[float]) -> float:
    if not values:
        return math.nan
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else 0.5 * (values[mid - 1] + values[mid])
