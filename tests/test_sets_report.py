"""A recording's sets in the report, the text summary and the history (a report built here, no video)."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.history.store import open_history
from formcheck.report import CANNOT_TELL, human_summary, set_title
from formcheck.routine import RECORDING, recording_outcome, recording_set_report


def _set(index: int, exercise: str, start: float, end: float, reps: int = 0, hold_s: float | None = None) -> dict:
    holds = [] if hold_s is None else [{"index": 1, "start_s": start, "end_s": end, "duration_s": hold_s,
                                        "side": None, "view": "side", "metrics": {}, "cues": [], "evidence": {},
                                        "score": 90}]  # fmt: skip
    rep_list = [{"index": i, "start_s": start, "peak_s": start, "end_s": end, "side": "left", "view": "side",
                 "metrics": {}, "cues": [], "evidence": {}, "score": 80, "judged": True}
                for i in range(1, reps + 1)]  # fmt: skip
    return {
        "index": index, "start_s": start, "end_s": end, "exercise": exercise,
        "judged_as": "squat" if exercise == CANNOT_TELL else exercise, "reason": "seen", "view": "side",
        "side": "left" if reps else None, "rep_count": reps, "reps_per_side": {"left": reps} if reps else {},
        "hold_count": len(holds), "hold_s": hold_s, "cues": [], "reps": rep_list, "holds": holds,
        "summary": {"mean_score": 80 if reps else None, "hold_total_s": hold_s or 0.0}, "started_by": "moving",
        "ended_by": "the picture froze",
    }  # fmt: skip


REPORT = {
    "schema_version": 1,
    "formcheck_version": "test",
    "source": {"file": "workout.mp4"},
    "exercise": "squat",
    "exercise_requested": "auto",
    "warnings": [],
    "sets": [
        _set(1, "squat", 0.0, 10.0, reps=4),
        _set(2, "plank", 14.0, 44.0, hold_s=30.0),
        _set(3, CANNOT_TELL, 50.0, 55.0, reps=1),
    ],
}


def test_the_summary_lists_the_sets() -> None:
    text = human_summary(REPORT)
    assert text.splitlines()[0] == "workout.mp4: 3 sets found"
    assert "set 1 (0.0-10.0 s): squat, 4 reps (left 4)" in text
    assert "set 2 (14.0-44.0 s): plank, 1 hold, 30 s held" in text
    assert "set 3 (50.0-55.0 s): cannot tell, 1 rep (left 1)" in text and "not recognised: seen" in text


def test_the_history_keeps_the_recording_as_one_session_with_its_sets(tmp_path: Path) -> None:
    outcome = recording_outcome(REPORT)
    assert outcome["routine"] == RECORDING and outcome["steps_planned"] == 3
    assert [s["exercise"] for s in outcome["steps"]] == ["squat", "plank", CANNOT_TELL]
    with open_history(tmp_path / "h.sqlite3") as history:
        ids = [history.save_report(recording_set_report(REPORT, s)) for s in REPORT["sets"][:2]]
        history.save_session(outcome, [*ids, None])
        (session,) = history.sessions()
        assert session.routine == RECORDING and session.set_ids == (*ids, None)
        stored = [history.get_set(i) for i in ids]
        assert [s.exercise for s in stored if s is not None] == ["squat", "plank"]
        assert [len(history.set_reps(i)) for i in ids] == [4, 1]  # the plank's hold is its row


def test_the_video_names_a_set_by_the_exercise_title_not_its_identifier() -> None:
    from exercises.framework.sets import FoundSet
    from formcheck.overlay import set_exercise_words
    from formcheck.pipeline import make_analyser

    found = FoundSet(start_s=0.0, analyser=make_analyser("single_leg_deadlift"))
    assert set_exercise_words(found) == "Single-leg deadlift"


@pytest.mark.parametrize(
    ("exercise", "reps", "title"),
    [
        ("dead_bug", 7, "7 dead bug reps"),
        ("single_leg_deadlift", 1, "1 single leg deadlift rep"),
        ("squat", 4, "4 squat reps"),
    ],
)
def test_a_sets_title_names_the_exercise_in_words_not_its_identifier(exercise: str, reps: int, title: str) -> None:
    assert set_title({"exercise": exercise, "rep_count": reps, "hold_count": 0}) == title
