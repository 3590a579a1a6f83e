"""One-Euro filtering of landmarks (Casiez, Roussel & Vogel, CHI 2012).

A low-pass filter whose cut-off rises with speed: still poses lose their jitter,
fast movement (a quick stand-up, a bounce at the bottom) keeps little lag.

Parameters (pixels are normalised by the image diagonal so one setting serves
360p and 4K alike):
- `min_cutoff_hz` = 1.5: cut-off when still. Lower removes more jitter but lags.
- `beta` = 0.5: how fast the cut-off rises with speed (per normalised unit/s).
- `d_cutoff_hz` = 1.0: smoothing of the speed estimate itself (paper's default).
- `reset_gap_s` = 0.5: after a longer gap (person lost) the filter restarts
  instead of dragging the old position into the new one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from vision.pose import Pose


@dataclass(frozen=True)
class OneEuroParams:
    min_cutoff_hz: float = 1.5
    beta: float = 0.5
    d_cutoff_hz: float = 1.0
    reset_gap_s: float = 0.5


def _alpha(cutoff_hz: np.ndarray | float, dt_s: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    """Vectorised One-Euro filter over an array of values (any shape)."""

    def __init__(self, params: OneEuroParams) -> None:
        self.p = params
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t = math.nan

    def reset(self) -> None:
        self._x = None
        self._dx = None
        self._t = math.nan

    def __call__(self, t_s: float, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        dt = t_s - self._t if math.isfinite(self._t) else math.nan
        if self._x is None or not (dt > 0) or dt > self.p.reset_gap_s or self._x.shape != x.shape:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t_s
            return x.copy()
        # Missing values (NaN) restart their element rather than poisoning it.
        fresh = ~np.isfinite(self._x) & np.isfinite(x)
        dx = (x - self._x) / dt
        a_d = _alpha(self.p.d_cutoff_hz, dt)
        dx_hat = a_d * dx + (1.0 - a_d) * self._dx
        cutoff = self.p.min_cutoff_hz + self.p.beta * np.abs(dx_hat)
        a = _alpha(cutoff, dt)
        out = a * x + (1.0 - a) * self._x
        out = np.where(fresh, x, out)
        dx_hat = np.where(np.isfinite(dx_hat), dx_hat, 0.0)
        self._x, self._dx, self._t = out, dx_hat, t_s
        return out.copy()


class PoseSmoother:
    """Smooths a stream of poses; pixel and world coordinates each in their own scale."""

    def __init__(self, params: OneEuroParams | None = None) -> None:
        self.params = params or OneEuroParams()
        self._px = OneEuroFilter(self.params)
        # World landmarks are in metres: a body is ~1.7 m as the diagonal is ~1.
        self._world = OneEuroFilter(self.params)
        self._last_t = math.nan

    def __call__(self, pose: Pose | None) -> Pose | None:
        if pose is None:
            return None
        if math.isfinite(self._last_t) and pose.timestamp_s - self._last_t > self.params.reset_gap_s:
            self._px.reset()
            self._world.reset()
        self._last_t = pose.timestamp_s
        diag = float(np.hypot(*pose.image_size_px)) or 1.0
        xy = self._px(pose.timestamp_s, pose.xy_px / diag) * diag
        world = self._world(pose.timestamp_s, pose.world_m / 1.7) * 1.7
        return replace(pose, xy_px=xy, world_m=world)
