"""Walking through a routine live: the step under way, what of its target is done, the rest between steps.

One explicit state object, fed the analyser's feedback frame by frame. Time is the frames' own
timestamps (the rest timer too), so a recorded stream and a live camera walk the same way. The
caller (the live session, formcheck.app.live) runs one set per step: when `feed` says the step's
target was met it ends that set, hands its report to `finish_step` and, when `feed` says the rest is
over, starts the next step's set. No Streamlit, no model: the page only reads `view()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exercises.framework import registry
from exercises.framework.analyser import FrameFeedback
from formcheck.routine import Routine, Step, StepProgress, session_outcome, session_report

EXERCISE, REST, FINISHED = "exercise", "rest", "finished"
MET, START = "met", "start"  # what `feed` asks of the caller: end the step's set / start the next one


@dataclass(frozen=True)
class WalkView:
    """What the page shows of the routine; a frozen copy, safe to read from any thread."""

    routine: str  # its name
    step_number: int  # 1-based: the step under way, or the one coming after the rest
    steps: int
    phase: str  # EXERCISE | REST | FINISHED
    exercise: str | None  # the step's exercise (during a rest: the next one)
    title: str  # "Plank"
    target: str  # "30 s hold per side"
    done: str  # "left 12 of 30 s, right 0 of 30 s"
    rest_left_s: float = 0.0
    next_up: str | None = None  # "Bird-dog: 6 reps per side", None after the last step
    steps_met: int = 0  # finished steps whose target was met


def step_line(step: Step) -> str:
    return f"{registry.get(step.exercise).title}: {step.target_text}"


class RoutineWalk:
    def __init__(self, routine: Routine) -> None:
        self.routine = routine
        self.index = 0
        self.phase = EXERCISE
        self.reports: list[dict[str, Any]] = []  # one per finished step, in order
        self._rest_until_s = 0.0
        self._now_s = 0.0
        self._skip = False
        self._progress: StepProgress | None = None  # the step under way's
        self._holding_s = 0.0  # the hold under way (not yet in `_progress`)
        self._reset_done()

    @property
    def step(self) -> Step | None:
        return self.routine.steps[self.index] if self.index < len(self.routine.steps) else None

    def skip(self) -> None:
        """The user moves on: the step ends at the next frame as it is (or the rest is cut short)."""
        self._skip = True

    def feed(self, fb: FrameFeedback) -> str | None:
        """One analysed frame. MET: the step's target is reached (or skipped) at this frame, end its set and
        call `finish_step`; START: the rest is over, start the set of `step`; None: carry on."""
        self._now_s = fb.timestamp_s
        skip, self._skip = self._skip, False
        if self.phase == REST:
            return START if skip or fb.timestamp_s >= self._rest_until_s else None
        if self.phase != EXERCISE:
            return None
        self._count(fb)
        return MET if skip or self._met() else None

    def finish_step(self, report: dict[str, Any]) -> None:
        """The ended set's report (report.json's shape) for the step under way; then rest, or the end."""
        step = self.step
        assert step is not None and self.phase == EXERCISE
        self.reports.append(report)
        self.index += 1
        if self.step is None:
            self.phase = FINISHED
        elif step.rest_s > 0:
            self.phase, self._rest_until_s = REST, self._now_s + step.rest_s
        else:
            self.started()
        self._reset_done()

    def started(self) -> None:
        """The caller has started the set of `step`."""
        self.phase = EXERCISE
        self._reset_done()

    def outcome(self) -> dict[str, Any]:
        """The session so far as formcheck.routine.session_outcome: steps not reached count as not done."""
        return session_outcome(self.routine, self.reports)

    def session(self) -> dict[str, Any]:
        """The session so far with its sets, as formcheck.routine.session_report."""
        return session_report(self.routine, self.reports)

    def view(self) -> WalkView:
        step = self.step
        met = self.outcome()["steps_met"]
        following = self.routine.steps[self.index + 1] if self.index + 1 < len(self.routine.steps) else None
        if step is None:
            return WalkView(self.routine.name, len(self.routine.steps), len(self.routine.steps), FINISHED,
                            None, "Routine done", "", "", steps_met=met)  # fmt: skip
        return WalkView(
            routine=self.routine.name,
            step_number=self.index + 1,
            steps=len(self.routine.steps),
            phase=self.phase,
            exercise=step.exercise,
            title=registry.get(step.exercise).title,
            target=step.target_text,
            done=self._done_text(step) if self.phase == EXERCISE else "",
            rest_left_s=max(0.0, self._rest_until_s - self._now_s) if self.phase == REST else 0.0,
            next_up=step_line(step) if self.phase == REST else (step_line(following) if following else None),
            steps_met=met,
        )

    # ------------------------------------------------------------------ counting

    def _reset_done(self) -> None:
        step = self.step
        self._progress = StepProgress(step) if step else None
        self._holding_s = 0.0

    def _count(self, fb: FrameFeedback) -> None:
        progress = self._progress
        assert progress is not None
        if fb.rep is not None:
            progress.add_rep(fb.rep.side)
        if fb.hold is not None:
            progress.add_hold(fb.hold.side, fb.hold.duration_s)
        if progress.step.hold_s is not None:
            self._holding_s = float(fb.metrics.get("hold_s", 0.0)) if fb.phase == "hold" else 0.0

    def _met(self) -> bool:
        assert self._progress is not None
        return self._progress.met(holding_s=self._holding_s)

    def _done_text(self, step: Step) -> str:
        assert self._progress is not None
        progress = self._progress
        parts = [
            f"{'' if side == 'all' else side + ' '}{value:.0f} of {progress.target:g} {progress.unit}"
            for side, value in self._with_hold_under_way(step).items()
        ]
        return ", ".join(parts)

    def _with_hold_under_way(self, step: Step) -> dict[str, float]:
        assert self._progress is not None
        done = self._progress.done
        if step.hold_s is None or step.sides or not self._holding_s:
            return done
        return {"all": done["all"] + self._holding_s}
