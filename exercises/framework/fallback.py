"""A second rep signal for when the first cannot be measured, mapped onto the first one's scale.

Squats and lunges count on the hips' drop toward the feet; when the lower legs leave the
picture (a follow-along video zooms in, the user steps close) that signal is missing and
a rep in progress would be lost. The thighs are still seen, and the hips drop toward the
knees as they drop toward the feet, so the thighs' tilt can stand in. The two do not
read the same numbers (the shins tilt too), so while both are seen their relation is
learnt (a straight-line fit over the last `window_s`), and the stand-in is reported in
the primary signal's units. Pure state, fed in time order; time comes from the caller.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class FallbackConfig:
    # Long enough to hold a few reps of both signals, short enough to follow a moved camera.
    window_s: float = 30.0
    # Below this spread of the stand-in (its unit) the pairs hold no rep's range: only an
    # offset is learnt, with a gain of 1.
    min_spread: float = 5.0
    # The gain is clipped to this range: the two signals measure the same drop, so a
    # steeper or flatter relation is a fit to noise.
    gain_range: tuple[float, float] = (0.6, 1.6)


class SignalFallback:
    """Learns primary ~ offset + gain x stand-in while both are seen; maps the stand-in when only it is."""

    def __init__(self, config: FallbackConfig | None = None) -> None:
        self.config = config or FallbackConfig()
        self._pairs: deque[tuple[float, float, float]] = deque()  # (t_s, primary, stand-in)
        self._fit: tuple[float, float] | None = None  # (offset, gain), recomputed lazily

    def update(self, t_s: float, primary: float, stand_in: float) -> tuple[float, bool]:
        """The value to count on and whether it is the stand-in's."""
        if math.isfinite(primary):
            if math.isfinite(stand_in):
                self._pairs.append((t_s, primary, stand_in))
                self._fit = None
                while self._pairs and self._pairs[0][0] < t_s - self.config.window_s:
                    self._pairs.popleft()
            return primary, False
        if not math.isfinite(stand_in):
            return math.nan, False
        offset, gain = self._relation()
        return offset + gain * stand_in, True

    def _relation(self) -> tuple[float, float]:
        if self._fit is None:
            self._fit = self._fit_pairs()
        return self._fit

    def _fit_pairs(self) -> tuple[float, float]:
        if not self._pairs:
            return 0.0, 1.0  # never seen both: the stand-in as it is
        n = len(self._pairs)
        mean_p = sum(p for _, p, _ in self._pairs) / n
        mean_s = sum(s for _, _, s in self._pairs) / n
        var_s = sum((s - mean_s) ** 2 for _, _, s in self._pairs) / n
        if var_s < self.config.min_spread**2:
            return mean_p - mean_s, 1.0
        cov = sum((p - mean_p) * (s - mean_s) for _, p, s in self._pairs) / n
        low, high = self.config.gain_range
        gain = min(max(cov / var_s, low), high)
        return mean_p - gain * mean_s, gain
