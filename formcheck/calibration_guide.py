"""The lower-back calibration guided step by step on the camera: a pure state machine on frame times.

The live camera shows one prompt at a time: stand side-on and tall until the lower back has been
measured for `stand_s`, then tilt the pelvis fully forward (arch) for `forward_s`, then fully back (tuck)
for `back_s`, then done. Each frame gives (frame time s, lower-back tilt deg or NaN, view); only side-on
frames with the back measured are kept. At the end the kept samples go through the same rule as
`formcheck calibrate` (exercises.measures.calibration.calibrate): neutral from the first second, the
full forward and back tilts as robust extremes. It refuses, with what to do, when the person is not
side-on, the lower back was not measured long enough, or the pelvis hardly moved (CalibrationError).

Nothing here draws or speaks: the prompts are data (`GuideView`); the app renders them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from exercises.measures.calibration import BackCalibration, CalibrationError, calibrate

STAND, FORWARD, BACK, DONE, REFUSED = "stand", "forward", "back", "done", "refused"
PROMPTS = {
    STAND: "Stand side-on and tall",
    FORWARD: "Tilt your pelvis fully forward (arch)",
    BACK: "Now fully back (tuck)",
    DONE: "Done",
    REFUSED: "Not calibrated",
}
STEPS = (STAND, FORWARD, BACK)  # the steps with a prompt to follow, in order

# Seconds of frame time. Standing: 2 s of measured lower back gives the neutral (its first second, as
# `formcheck calibrate`). Each tilt is held a few seconds so its extreme is reached and kept a while.
STAND_S = 2.0
FORWARD_S = 4.0
BACK_S = 4.0
# A gap longer than this between two frames adds nothing to the standing time (the person was not seen).
MAX_GAP_S = 0.7
# Without 2 s of side-on, measured standing by then the person is told why and the guide stops.
GIVE_UP_S = 20.0
# Over the tilting steps, at least this share of the frames with a person must be side-on.
MIN_SIDE_SHARE = 0.5
# What "on request" healthy adults tilt the pelvis, for the explanation (docs/metrics.md).
TYPICAL_RANGE_DEG = (15.0, 30.0)

NOT_SIDE_ON = (
    "the camera did not see you side-on (it saw a {view} view): turn so that your side faces the camera,"
    " whole trunk in the picture, and press START again"
)
TURN = "Turn your side to the camera."
NOT_SEEN = "FormCheck cannot see your lower back yet: the whole trunk in the picture, close-fitting clothes."
STOPPED = "the calibration was stopped before the end: press START and follow the prompts until Done"


@dataclass(frozen=True)
class GuideView:
    """What the page shows at one frame: the step, its prompt, how far through it, and the outcome."""

    step: str
    prompt: str
    step_index: int  # 1-3 while guiding (STEPS), 3 when finished
    progress: float  # 0-1 through the step under way
    hint: str | None = None  # why the step is not moving on (not side-on, back not measured)
    calibration: BackCalibration | None = None  # when DONE
    refusal: str | None = None  # when REFUSED: why, and what to do

    @property
    def finished(self) -> bool:
        return self.step in (DONE, REFUSED)


@dataclass
class CalibrationGuide:
    stand_s: float = STAND_S
    forward_s: float = FORWARD_S
    back_s: float = BACK_S
    give_up_s: float = GIVE_UP_S
    step: str = STAND
    samples: list[tuple[float, float]] = field(default_factory=list)  # kept: side-on and measured
    _start_t: float | None = None
    _step_t: float = 0.0  # when the step under way began
    _stood_s: float = 0.0  # measured side-on standing time so far
    _last_ok_t: float | None = None
    _views: dict[str, int] = field(default_factory=dict)  # views of the frames with a person, this step on
    _hint: str | None = None
    _result: BackCalibration | None = None
    _refusal: str | None = None

    def feed(self, t_s: float, tilt_deg: float | None, view: str) -> GuideView:
        """One frame: its time, the lower back's tilt (None/NaN when not measured) and the view."""
        if self.step in (DONE, REFUSED):
            return self.view(t_s)
        if self._start_t is None:
            self._start_t = self._step_t = t_s
        tilt = tilt_deg if tilt_deg is not None and math.isfinite(tilt_deg) else math.nan
        side = view == "side"
        if view != "unknown":
            self._views[view] = self._views.get(view, 0) + 1
        measured = side and math.isfinite(tilt)
        if self.step == STAND:
            self._stand(t_s, tilt, view, measured)
        else:
            if measured:
                self.samples.append((t_s, tilt))
            self._hint = None if side or view == "unknown" else TURN
            if self.step == FORWARD and t_s - self._step_t >= self.forward_s:
                self.step, self._step_t = BACK, t_s
            elif self.step == BACK and t_s - self._step_t >= self.back_s:
                self._finish()
        return self.view(t_s)

    def _stand(self, t_s: float, tilt: float, view: str, measured: bool) -> None:
        if not measured:
            self._last_ok_t = None
            self._hint = TURN if view not in ("side", "unknown") else NOT_SEEN
        else:
            self._hint = None
            if self._last_ok_t is not None and t_s - self._last_ok_t <= MAX_GAP_S:
                self._stood_s += t_s - self._last_ok_t
            self._last_ok_t = t_s
            self.samples.append((t_s, tilt))
        if self._stood_s >= self.stand_s:
            self.step, self._step_t, self._views, self._hint = FORWARD, t_s, {}, None
        elif self._start_t is not None and t_s - self._start_t >= self.give_up_s:
            self._refuse(self._why_not_measured())

    def _why_not_measured(self) -> str:
        view = self._main_view()
        if view is not None and view != "side":
            return NOT_SIDE_ON.format(view=view)
        return (
            f"the lower back was measured for only {self._stood_s:.1f} s standing (needs {self.stand_s:.0f} s):"
            " stand side-on to the camera, the whole trunk in the picture, in close-fitting clothes,"
            " and press START again"
        )

    def _main_view(self) -> str | None:
        return max(self._views, key=self._views.__getitem__) if self._views else None

    def _finish(self) -> None:
        seen = sum(self._views.values())
        if seen and self._views.get("side", 0) / seen < MIN_SIDE_SHARE:
            self._refuse(NOT_SIDE_ON.format(view=self._main_view()))
            return
        try:
            self._result = calibrate(self.samples)
        except CalibrationError as exc:
            self._refuse(f"{exc}, and press START again")
            return
        self.step = DONE

    def _refuse(self, why: str) -> None:
        self.step, self._refusal, self._hint = REFUSED, why, None

    def stop(self) -> GuideView:
        """The stream ended: a guide not finished is refused (nothing is stored)."""
        if not self.finished:
            self._refuse(STOPPED)
        return self.view(self._step_t)

    @property
    def finished(self) -> bool:
        return self.step in (DONE, REFUSED)

    def view(self, t_s: float) -> GuideView:
        if self.step == STAND:
            progress = self._stood_s / self.stand_s
        elif self.step in (FORWARD, BACK):
            progress = (t_s - self._step_t) / (self.forward_s if self.step == FORWARD else self.back_s)
        else:
            progress = 1.0
        index = STEPS.index(self.step) + 1 if self.step in STEPS else len(STEPS)
        return GuideView(
            step=self.step,
            prompt=PROMPTS[self.step],
            step_index=index,
            progress=min(max(progress, 0.0), 1.0),
            hint=self._hint,
            calibration=self._result,
            refusal=self._refusal,
        )


def explain(calibration: BackCalibration) -> str:
    """The result in plain words: the range, what is usual, and the neutral."""
    low, high = TYPICAL_RANGE_DEG
    rng = calibration.range_deg
    if rng < low:
        usual = f"healthy adults tilt {low:.0f}-{high:.0f} deg on request, so yours is on the small side (it can grow)"
    elif rng > high:
        usual = f"healthy adults tilt {low:.0f}-{high:.0f} deg on request, so yours is a large range"
    else:
        usual = f"healthy adults tilt {low:.0f}-{high:.0f} deg on request"
    return (
        f"Your pelvis tilts {rng:.0f} deg between fully forward and fully back; {usual}."
        f" Neutral is {calibration.neutral_deg:+.0f} deg (fully forward {calibration.anterior_deg:+.0f},"
        f" fully back {calibration.posterior_deg:+.0f}). Your lower back is now judged against this range."
    )
