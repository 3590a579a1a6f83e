"""Rep counting on one scalar "depth into the rep" signal.

The signal rises as the user goes into a rep (knee flexion going down into a squat,
hip extension going up into a bridge) and falls back at rest. The counter is an
online peak/valley detector with hysteresis:

- At rest it tracks the lowest value since the last rep (the valley).
- A rep starts when the signal rises `enter` above the valley.
- It ends when the signal falls back below valley + `return_fraction` x (peak - valley),
  or, when the user's resting position has moved (stepping into a split stance after
  a walk-out, a camera that has been moved), at the trough between two reps: the
  signal fell from the peak by at least `min_range` and by half the rep's range, then
  rose `enter` again. The trough becomes the new valley.
- A rep in progress for longer than `max_duration_s` is given up (too long to be one
  rep) and the signal's current value is taken as the new resting level.
- It counts only if its peak reaches `min_peak` (a movement that must get somewhere, not only
  move: a stretch's rear thigh behind vertical), its range (peak - valley) is at least `min_range`, at least
  `partial_fraction` of the median range of the reps counted before it, and it lasted
  between `min_duration_s` and `max_duration_s`. Anything else is a partial rep,
  reported with the reason and never counted.
- The signal reported missing (NaN: nobody found) for longer than `max_lost_s`
  abandons a rep in progress and forgets the resting level (the person left). A
  shorter hole is bridged: the rep goes on from where it was, since the body cannot
  have moved far (the pose model loses a person for a second or two when a video
  zooms in or the light drops). A rep with a hole longer than `max_gap_s` in it is
  counted but reports how long it went unseen (`unseen_s`), so its form is not
  judged from the part that was seen. Sparse samples with no missing ones in between
  (a live stream dropping frames on a busy machine) are not a hole.

All time comes from the caller (frame timestamps), so a live stream and the same
frames replayed offline give the same reps.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace
from enum import Enum


@dataclass(frozen=True)
class RepCounterConfig:
    enter: float  # rise above the valley that starts a rep, in the signal's unit
    min_range: float  # smallest peak - valley that counts as a rep, same unit
    unit: str = "deg"
    return_fraction: float = 0.35
    min_duration_s: float = 0.5
    max_duration_s: float = 20.0
    partial_fraction: float = 0.5
    # The lowest peak that counts, in the signal's unit (-inf: any; for signals measured from a fixed position).
    min_peak: float = -math.inf
    # Holes up to this are noise (a blink of the model): nothing is said about them.
    max_gap_s: float = 0.7
    # Missing longer than this, the person has left or changed place: the rep in progress is
    # abandoned. 3 s is about one slow rep: a shorter hole can hide part of a rep, not a
    # rep and the return to rest (the counter still sees where it went and came back).
    max_lost_s: float = 3.0


class Phase(str, Enum):
    REST = "rest"
    ACTIVE = "active"


@dataclass(frozen=True)
class RepWindow:
    """One excursion of the signal, counted or not."""

    start_s: float
    peak_s: float
    end_s: float
    valley: float
    peak: float
    counted: bool
    reason: str | None = None  # why a partial rep was not counted
    unseen_s: float = 0.0  # longest hole (> max_gap_s) in the signal during the rep

    @property
    def range(self) -> float:
        return self.peak - self.valley


class RepCounter:
    def __init__(self, config: RepCounterConfig) -> None:
        self.config = config
        self.phase = Phase.REST
        self.count = 0
        self._valley = math.nan
        self._rest_since_s = math.nan  # last time the signal sat near the valley
        self._peak = math.nan
        self._peak_s = math.nan
        self._trough = math.nan  # lowest value since the peak, while active
        self._trough_s = math.nan
        self._last_seen_s = math.nan
        self._missing = False  # a NaN sample arrived since the last finite one
        self._holes: list[tuple[float, float]] = []  # bridged holes > max_gap_s (start_s, end_s)
        self._ranges: list[float] = []

    def update(self, t_s: float, value: float) -> RepWindow | None:
        """Feed one sample (NaN = not measurable now); returns a rep window when one closes."""
        cfg = self.config
        if not math.isfinite(value):
            self._missing = True
            if math.isfinite(self._last_seen_s) and t_s - self._last_seen_s > cfg.max_lost_s:
                return self._lose_track(t_s)
            return None
        gap = t_s - self._last_seen_s if math.isfinite(self._last_seen_s) else 0.0
        closed = self._lose_track(self._last_seen_s) if self._missing and gap > cfg.max_lost_s else None
        if self._missing and cfg.max_gap_s < gap <= cfg.max_lost_s:
            self._note_hole(self._last_seen_s, t_s)
        self._missing = False
        self._last_seen_s = t_s
        if not math.isfinite(self._valley):
            self._valley, self._rest_since_s = value, t_s
            return closed
        if self.phase is Phase.REST:
            self._rest_update(t_s, value)
            return closed
        return self._active_update(t_s, value) or closed

    def _note_hole(self, start_s: float, end_s: float) -> None:
        # Only holes that can still fall inside a rep are kept.
        horizon = end_s - 2.0 * self.config.max_duration_s
        self._holes = [h for h in self._holes if h[1] >= horizon] + [(start_s, end_s)]

    def _unseen_s(self, start_s: float, end_s: float) -> float:
        """Longest bridged hole within start_s..end_s (0 when none overlaps)."""
        return max([0.0] + [min(b, end_s) - max(a, start_s) for a, b in self._holes])

    def _rest_update(self, t_s: float, value: float) -> None:
        cfg = self.config
        if value <= self._valley:
            self._valley = value
        if value <= self._valley + 0.25 * cfg.enter:
            self._rest_since_s = t_s
        if value >= self._valley + cfg.enter:
            self._start(t_s, value)

    def _start(self, t_s: float, value: float) -> None:
        self.phase = Phase.ACTIVE
        self._peak, self._peak_s = value, t_s
        self._trough, self._trough_s = value, t_s

    def _active_update(self, t_s: float, value: float) -> RepWindow | None:
        cfg = self.config
        if value > self._peak:
            self._peak, self._peak_s = value, t_s
            self._trough, self._trough_s = value, t_s
        elif value < self._trough:
            self._trough, self._trough_s = value, t_s
        if value <= self._valley + cfg.return_fraction * (self._peak - self._valley):
            window = self._judge(t_s)
            self.phase = Phase.REST
            self._valley, self._rest_since_s = value, t_s
            return window
        if self._came_back_part_way(value):
            # The rep ended at the trough; the next one has begun from there.
            window = self._judge(self._trough_s, self._trough)
            self._valley, self._rest_since_s = self._trough, self._trough_s
            self._start(t_s, value)
            return window
        if t_s - self._rest_since_s > cfg.max_duration_s:
            window = self._judge(t_s)  # too long: reported, never counted
            self.phase = Phase.REST
            self._valley, self._rest_since_s = value, t_s
            return window
        return None

    def _came_back_part_way(self, value: float) -> bool:
        cfg = self.config
        fell = self._peak - self._trough
        return (
            value >= self._trough + cfg.enter
            and fell >= cfg.min_range
            and fell >= 0.5 * (self._peak - self._valley)
        )

    def _judge(self, end_s: float, end_value: float = -math.inf) -> RepWindow:
        """Judge the rep that ran from the valley to the peak and back to `end_value` (or lower)."""
        cfg = self.config
        start_level = max(self._valley, end_value)  # a rep that ended part-way is measured from there
        rng = self._peak - start_level
        duration = end_s - self._rest_since_s
        reason = None
        if rng < cfg.min_range:
            reason = f"range {rng:.0f} {cfg.unit} is below the {cfg.min_range:.0f} {cfg.unit} minimum"
        elif self._peak < cfg.min_peak:
            reason = f"the peak ({self._peak:.0f} {cfg.unit}) never reached {cfg.min_peak:.0f} {cfg.unit}"
        elif self._ranges and rng < cfg.partial_fraction * statistics.median(self._ranges):
            reason = (
                f"range {rng:.0f} {cfg.unit} is well short of the earlier reps' {statistics.median(self._ranges):.0f}"
            )
        elif duration < cfg.min_duration_s:
            reason = f"too quick ({duration:.2f} s) to be a controlled rep"
        elif duration > cfg.max_duration_s:
            reason = f"too long ({duration:.1f} s) to be one rep"
        counted = reason is None
        if counted:
            self.count += 1
            self._ranges.append(rng)
        unseen = self._unseen_s(self._rest_since_s, end_s)
        return RepWindow(self._rest_since_s, self._peak_s, end_s, start_level, self._peak, counted, reason, unseen)

    def reject(self, window: RepWindow, reason: str) -> RepWindow:
        """Take back the rep just counted (the caller saw it was not this exercise); returns it as partial."""
        if window.counted and self.count > 0:
            self.count -= 1
            self._ranges.pop()
        return replace(window, counted=False, reason=reason)

    def _lose_track(self, t_s: float) -> RepWindow | None:
        """The signal vanished for too long: abandon any rep in progress and start afresh."""
        window = None
        if self.phase is Phase.ACTIVE:
            window = RepWindow(
                self._rest_since_s, self._peak_s, t_s, self._valley, self._peak, False, "person lost mid-rep"
            )
        self.phase = Phase.REST
        self._valley = math.nan
        self._last_seen_s = math.nan
        return window

    def finish(self, t_s: float, last_value: float = math.nan) -> RepWindow | None:
        """End of stream: a rep still in progress is reported as partial, never counted.

        `last_value` is the final raw (unfiltered) sample: a rep whose return the
        caller's smoothing has not yet passed on is judged on it. With no later
        sample to confirm the return, it must come back twice as close to the start
        position as mid-stream (half the return band): a user still rising when the
        clip ends has not finished the rep. (Measured: with the whole band, a lunge
        clip that ends with the person rising, 19 % of the range from the top, counted
        a third rep nobody would count; docs/metrics.md.)
        """
        if self.phase is not Phase.ACTIVE:
            return None
        band = 0.5 * self.config.return_fraction * (self._peak - self._valley)
        if math.isfinite(last_value) and last_value <= self._valley + band:
            self.phase = Phase.REST
            return self._judge(t_s)
        self.phase = Phase.REST
        return RepWindow(self._rest_since_s, self._peak_s, t_s, self._valley, self._peak, False, "clip ended mid-rep")

    @property
    def in_rep_since_s(self) -> float | None:
        return self._rest_since_s if self.phase is Phase.ACTIVE else None


# The counter of an exercise that is held, not repeated (a plank): no rise of the signal starts a rep.
NO_REPS = RepCounterConfig(enter=math.inf, min_range=math.inf, unit="")


def held_near_peak_s(samples: list[tuple[float, float]], window: RepWindow, fraction: float = 0.15) -> float:
    """How long the rep held its peak position, s: the stretch around the peak where the signal stayed
    within `fraction` of the rep's range of the peak (a bird-dog's reach held, a hinge's bottom).

    Missing samples inside that stretch neither end nor lengthen it. 0.0 for a rep that only touched the peak.
    """
    band = window.peak - fraction * window.range
    inside = [(t, v) for t, v in samples if window.start_s <= t <= window.end_s and math.isfinite(v)]
    if not inside or not math.isfinite(band):
        return 0.0
    at = min(range(len(inside)), key=lambda i: abs(inside[i][0] - window.peak_s))
    lo = hi = at
    while lo > 0 and inside[lo - 1][1] >= band:
        lo -= 1
    while hi < len(inside) - 1 and inside[hi + 1][1] >= band:
        hi += 1
    return inside[hi][0] - inside[lo][0]
