"""Routines: a plain TOML file listing exercises with their targets, and how far a session got.

A routine is a list of steps, each an exercise with a target of reps or of hold time, per side when
`sides` is given (a clamshell's 12 reps on each hip), and a rest after it. The shipped ones live in
formcheck/routines/ (`back_care`: the whole back-care programme; `bridges_lunges_squats`); any other
file with the same fields works (`formcheck analyse --routine my_routine.toml ...`).

`StepProgress` counts what a set did toward its step (the live walk as the set goes, `step_outcome` from a
finished set's report.json, whatever produced it: a video, the live tab); `session_outcome` is the whole
session's adherence: what was done of what was planned; `session_report` the session with its sets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from exercises.framework import registry
from formcheck.report import CANNOT_TELL

SHIPPED_DIR = Path(__file__).parent / "routines"
DEFAULT_ROUTINE = "back_care"
SIDES = ("left", "right")
# A hold this close to its target counts as done: the timer's own error on real clips is within 1 s.
HOLD_TOLERANCE_S = 1.0


class RoutineError(ValueError):
    """A routine file the user can fix: the message says where and what."""


@dataclass(frozen=True)
class Step:
    exercise: str
    reps: int | None = None  # target reps (per side when `sides`)
    hold_s: float | None = None  # target hold time, seconds (per side when `sides`)
    sides: tuple[str, ...] = ()  # () = the exercise is not done per side
    rest_s: float = 0.0  # rest after this step, seconds

    @property
    def target_text(self) -> str:
        target = f"{self.reps} reps" if self.reps is not None else f"{self.hold_s:g} s hold"
        return f"{target} per side" if self.sides else target


@dataclass(frozen=True)
class Routine:
    name: str
    key: str  # the file's stem: what `--routine` and the history call it
    steps: tuple[Step, ...]


def shipped_routines() -> list[str]:
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.toml"))


def load_routine(name_or_path: str | Path) -> Routine:
    """A shipped routine by name (`back_care`) or any routine file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SHIPPED_DIR / f"{path}.toml"
        if not path.exists():
            raise RoutineError(f"no routine called {name_or_path!r}; shipped: {', '.join(shipped_routines())}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RoutineError(f"cannot read the routine file {path} ({getattr(exc, 'strerror', None) or exc})") from exc
    return routine_from_text(text, path.name)


def routine_from_text(text: str, file_name: str) -> Routine:
    """A routine file's contents (an upload in the app, a file on disk), named after the file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RoutineError(f"{file_name} is not valid TOML: {exc}") from exc
    return parse_routine(data, Path(file_name).stem, file_name)


def parse_routine(data: Mapping[str, Any], key: str, where: str = "routine") -> Routine:
    steps = data.get("step")
    if not isinstance(steps, list) or not steps:
        raise RoutineError(f"{where}: no [[step]] listed")
    rest_s = _number(data.get("rest_s", 0), f"{where}: rest_s")
    parsed = tuple(_parse_step(s, rest_s, f"{where}, step {i}") for i, s in enumerate(steps, start=1))
    return Routine(name=str(data.get("name") or key), key=key, steps=parsed)


def _parse_step(raw: Any, rest_s: float, where: str) -> Step:
    if not isinstance(raw, dict):
        raise RoutineError(f"{where}: a step is a table (exercise = ..., reps = ... or hold_s = ...)")
    exercise = registry.resolve(str(raw.get("exercise", "")))
    if exercise is None:
        raise RoutineError(f"{where}: unknown exercise {raw.get('exercise')!r}; known: {', '.join(registry.names())}")
    reps, hold_s = raw.get("reps"), raw.get("hold_s")
    if (reps is None) == (hold_s is None):
        raise RoutineError(f"{where} ({exercise}): give either reps or hold_s")
    if reps is not None and (not isinstance(reps, int) or isinstance(reps, bool) or reps < 1):
        raise RoutineError(f"{where} ({exercise}): reps must be a whole number of at least 1, not {reps!r}")
    if hold_s is not None and _number(hold_s, f"{where} ({exercise}): hold_s") <= 0:
        raise RoutineError(f"{where} ({exercise}): hold_s must be more than 0 seconds")
    sides = raw.get("sides", [])
    if not isinstance(sides, list) or any(s not in SIDES for s in sides) or len(set(sides)) != len(sides):
        raise RoutineError(f"{where} ({exercise}): sides must list 'left' and/or 'right', not {sides!r}")
    return Step(
        exercise=exercise,
        reps=reps,
        hold_s=float(hold_s) if hold_s is not None else None,
        sides=tuple(sides),
        rest_s=_number(raw.get("rest_s", rest_s), f"{where} ({exercise}): rest_s"),
    )


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise RoutineError(f"{what} must be a number of seconds (0 or more), not {value!r}")
    return float(value)


# --------------------------------------------------------------------------- progress


class StepProgress:
    """What is done of one step's target, per side (or under "all" when not per side), counted from the set's
    results: the reps, or the seconds of the holds. The one count of a step's progress: the live walk feeds it
    each rep and hold as the analyser reports them, a finished set's report.json gives them all at once."""

    def __init__(self, step: Step) -> None:
        self.step = step
        self.done = dict.fromkeys(step.sides or ("all",), 0.0)

    @classmethod
    def of_report(cls, step: Step, report: Mapping[str, Any]) -> StepProgress:
        progress = cls(step)
        for rep in report.get("reps", []):
            progress.add_rep(rep.get("side"))
        for hold in report.get("holds", []):
            progress.add_hold(hold.get("side"), float(hold.get("duration_s") or 0.0))
        return progress

    @property
    def unit(self) -> str:
        return "reps" if self.step.reps is not None else "s"

    @property
    def target(self) -> float:
        """Per side when the step is per side."""
        return float(self.step.reps if self.step.reps is not None else self.step.hold_s or 0.0)

    def add_rep(self, side: str | None) -> None:
        if self.step.reps is not None:  # a hold step counts holds only, and the other way round
            self._add(side, 1.0)

    def add_hold(self, side: str | None, duration_s: float) -> None:
        if self.step.hold_s is not None:
            self._add(side, duration_s)

    def _add(self, side: str | None, amount: float) -> None:
        key = side if self.step.sides else "all"
        if key in self.done:  # a result on a side the step does not ask for does not count toward it
            self.done[key] += amount

    def met(self, holding_s: float | None = None) -> bool:
        """Whether the target is reached: every rep counted, or each side's holds within HOLD_TOLERANCE_S of it.

        `holding_s`, the hold under way (the live walk): a step not per side is met as soon as the holds and
        it reach the target, so the set ends right there; per side, a hold is only known to be a side's when
        it ends (the analyser names its side then)."""
        if self.step.reps is not None:
            return all(v >= self.target for v in self.done.values())
        if holding_s is not None and not self.step.sides:
            return self.done["all"] + holding_s >= self.target
        return all(v >= self.target - HOLD_TOLERANCE_S for v in self.done.values())


def step_outcome(step: Step, report: Mapping[str, Any] | None) -> dict[str, Any]:
    """Target against done for one step; `report` None = the step was not done."""
    progress = StepProgress.of_report(step, report) if report is not None else StepProgress(step)
    return {
        "exercise": step.exercise,
        "target": step.target_text,
        "unit": progress.unit,
        "target_per_side": progress.target,
        "done": {side: round(v, 1) for side, v in progress.done.items()},
        "met": report is not None and progress.met(),
        "done_at_all": report is not None and any(v > 0 for v in progress.done.values()),
        "mean_score": (report or {}).get("summary", {}).get("mean_score"),
    }


def session_outcome(routine: Routine, reports: Sequence[Mapping[str, Any] | None]) -> dict[str, Any]:
    """The whole session: each step's outcome and the adherence (steps whose target was met / planned)."""
    padded = list(reports) + [None] * (len(routine.steps) - len(reports))
    steps = [step_outcome(step, report) for step, report in zip(routine.steps, padded, strict=True)]
    met = sum(s["met"] for s in steps)
    return {
        "routine": routine.key,
        "name": routine.name,
        "steps": steps,
        "steps_met": met,
        "steps_planned": len(steps),
        "adherence": round(met / len(steps), 3),
    }


RECORDING = "recording"  # the routine key of a whole-workout recording split into sets by `auto`


def recording_set_report(report: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """One set of a recording (an entry of report.json's `sets`) in report.json's own shape, for the history:
    the recording's source and version, the set's exercise, reps, holds, cues and summary, and when it was."""
    kept = ("schema_version", "formcheck_version", "source", "exercise_requested")
    return {
        **{k: report[k] for k in kept if k in report},
        **{k: v for k, v in entry.items() if k not in ("index", "judged_as", "started_by", "ended_by")},
        "exercise": entry["judged_as"],
        "duration_s": round(entry["end_s"] - entry["start_s"], 3),
        "recording_set": entry["index"],
    }


def recording_set_reports(report: Mapping[str, Any]) -> list[dict[str, Any] | None]:
    """Each set of a recording (report.json's `sets`) as `recording_set_report`, for the history; None for a set
    whose exercise could not be told (its judgement is not valid, so it is not kept)."""
    return [None if e["exercise"] == CANNOT_TELL else recording_set_report(report, e) for e in report["sets"]]


def is_recording_of_sets(report: Mapping[str, Any]) -> bool:
    """A recording that `auto` split into two sets or more (one set is the whole analysis, shown as a set)."""
    return len(report.get("sets") or []) > 1


def recording_outcome(report: Mapping[str, Any]) -> dict[str, Any]:
    """A whole-workout recording's sets in the routine sessions' shape (`session_outcome`): one step per set
    found, done as found (no target was set, so every set found is a step done)."""
    steps = [
        {
            "exercise": entry["exercise"],
            "target": "as done",
            "unit": "reps" if entry["rep_count"] or not entry["hold_count"] else "s",
            "target_per_side": None,
            "done": dict(entry.get("reps_per_side") or {}) or {"any": entry["rep_count"] or entry["hold_s"] or 0},
            "met": True,
            "done_at_all": True,
            "mean_score": (entry.get("summary") or {}).get("mean_score"),
            "start_s": entry["start_s"],
            "end_s": entry["end_s"],
        }
        for entry in report["sets"]
    ]
    return {
        "routine": RECORDING,
        "name": f"Recorded session ({(report.get('source') or {}).get('file', 'video')})",
        "steps": steps,
        "steps_met": len(steps),
        "steps_planned": len(steps),
        "adherence": 1.0 if steps else 0.0,
    }


def session_report(routine: Routine, reports: Sequence[Mapping[str, Any] | None]) -> dict[str, Any]:
    """A routine session in the one shape the CLI, the Upload tab and the Live tab hand on (to the page, the
    history, routine.json): its outcome (`session_outcome`), each step's set (report.json's shape; None: a step
    not done) and the totals over the sets."""
    sets = list(reports)
    done = [r for r in sets if r is not None]
    return {
        "routine_session": session_outcome(routine, sets),
        "sets": sets,
        "rep_count": sum(r["rep_count"] for r in done),
        "hold_count": sum(r.get("hold_count", 0) for r in done),
        "frames": sum(r["frames"] for r in done),
        "frames_with_pose": sum(r["frames_with_pose"] for r in done),
        "partial_reps": [p for r in done for p in r["partial_reps"]],
    }


def outcome_lines(outcome: Mapping[str, Any]) -> list[str]:
    """The session in words: one line per step, target against done."""
    lines = [f"{outcome['name']}: {outcome['steps_met']} of {outcome['steps_planned']} steps done to target"]
    for i, step in enumerate(outcome["steps"], start=1):
        did = f"did {done_words(step)} ({status_word(step)})"
        lines.append(f"  {i}. {step['exercise']}: target {step['target']}; {did}")
    return lines


def done_words(step: Mapping[str, Any]) -> str:
    """A step outcome's done, e.g. "left 6 reps, right 4 reps" or "31.5 s"."""
    unit = step["unit"]
    return ", ".join(f"{'' if side == 'all' else side + ' '}{v:g} {unit}" for side, v in step["done"].items())


def status_word(step: Mapping[str, Any]) -> str:
    return "done" if step["met"] else ("short" if step["done_at_all"] else "not done")
