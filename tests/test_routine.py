"""Routines: the TOML files, target against done per step and side, and the history's sessions and adherence."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from exercises.framework import registry
from formcheck.history.report import render_report
from formcheck.history.store import open_history
from formcheck.routine import (
    RoutineError,
    Step,
    load_routine,
    outcome_lines,
    parse_routine,
    session_outcome,
    session_report,
    shipped_routines,
    step_outcome,
)

SIDES = ("left", "right")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def test_the_shipped_routines_load_and_name_registered_exercises():
    assert shipped_routines() == ["back_care", "bridges_lunges_squats"]
    programme = load_routine("back_care")
    # The whole back-care programme: every exercise of issue 13 plus the bridge.
    assert {s.exercise for s in programme.steps} == {
        "pelvic_tilt", "cat_cow", "hip_flexor_stretch", "bridge", "clamshell", "bird_dog", "dead_bug",
        "single_leg_deadlift", "plank",
    }  # fmt: skip
    assert all(s.exercise in registry.names() for s in programme.steps)
    assert [s.exercise for s in load_routine("bridges_lunges_squats").steps] == ["bridge", "lunge", "squat"]
    plank = programme.steps[-1]
    assert (plank.hold_s, plank.reps, plank.rest_s) == (30.0, None, 0.0)
    assert programme.steps[0].rest_s == 30.0  # the routine's rest_s when the step has none


@pytest.mark.parametrize(
    ("step", "match"),
    [
        ({"exercise": "jumping_jack", "reps": 3}, "unknown exercise 'jumping_jack'"),
        ({"exercise": "squat"}, "either reps or hold_s"),
        ({"exercise": "plank", "reps": 3, "hold_s": 30}, "either reps or hold_s"),
        ({"exercise": "squat", "reps": 0}, "at least 1"),
        ({"exercise": "squat", "reps": 2.5}, "whole number"),
        ({"exercise": "plank", "hold_s": -5}, "hold_s must be a number"),
        ({"exercise": "lunge", "reps": 8, "sides": ["front"]}, "sides must list"),
        ({"exercise": "squat", "reps": 8, "rest_s": "long"}, "rest_s must be a number"),
    ],
)
def test_a_bad_step_is_a_clear_error(step, match):
    with pytest.raises(RoutineError, match=match):
        parse_routine({"step": [step]}, "mine")


def test_bad_files_are_clear_errors(tmp_path: Path):
    with pytest.raises(RoutineError, match="no routine called 'nope'; shipped: back_care"):
        load_routine("nope")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n")
    with pytest.raises(RoutineError, match=r"broken\.toml is not valid TOML"):
        load_routine(broken)
    empty = tmp_path / "empty.toml"
    empty.write_text('name = "nothing"\n')
    with pytest.raises(RoutineError, match="no \\[\\[step\\]\\]"):
        load_routine(empty)


def _report(reps_sides=(), holds=()):
    return {
        "reps": [{"index": i, "side": s} for i, s in enumerate(reps_sides, start=1)],
        "holds": [{"index": i, "side": s, "duration_s": d} for i, (s, d) in enumerate(holds, start=1)],
        "summary": {"mean_score": 90.0},
    }


@pytest.mark.parametrize(
    ("step", "report", "done", "met"),
    [
        (Step("squat", reps=3), _report(["right"] * 3), {"all": 3}, True),
        (Step("squat", reps=5), _report(["right"] * 3), {"all": 3}, False),
        (Step("clamshell", reps=2, sides=SIDES), _report(["left", "left", "right"]), {"left": 2, "right": 1}, False),
        (Step("clamshell", reps=1, sides=SIDES), _report(["left", "right"]), {"left": 1, "right": 1}, True),
        (Step("plank", hold_s=30), _report(holds=[(None, 20.0), (None, 9.5)]), {"all": 29.5}, True),  # within 1 s
        (Step("plank", hold_s=30), _report(holds=[(None, 20.0)]), {"all": 20.0}, False),
        (Step("hip_flexor_stretch", hold_s=10, sides=SIDES), _report(holds=[("left", 10.0)]),
         {"left": 10.0, "right": 0.0}, False),
        (Step("squat", reps=3), None, {"all": 0}, False),  # not done
    ],
)  # fmt: skip
def test_step_outcome_counts_target_against_done_per_side(step, report, done, met):
    outcome = step_outcome(step, report)
    assert outcome["done"] == done and outcome["met"] is met


def test_a_session_has_one_shape_whichever_path_made_it():
    """The Live tab's walk, the Upload tab and the CLI hand on the same session: outcome, sets, totals."""
    routine = parse_routine({"step": [{"exercise": "plank", "hold_s": 10}, {"exercise": "squat", "reps": 3}]}, "two")
    plank_set = _report(holds=[(None, 12.0)]) | {"rep_count": 0, "hold_count": 1, "frames": 300,
                                                 "frames_with_pose": 290, "partial_reps": []}  # fmt: skip
    partial = {"start_s": 1.0, "end_s": 2.0, "reason": "shallow"}
    squat_set = _report(["right"] * 2) | {"rep_count": 2, "frames": 100, "frames_with_pose": 100,
                                          "partial_reps": [partial]}  # fmt: skip
    session = session_report(routine, [plank_set, None])  # the squats' video not given
    assert session["routine_session"] == session_outcome(routine, [plank_set, None])
    assert session["sets"] == [plank_set, None]
    assert (session["rep_count"], session["hold_count"], session["frames"]) == (0, 1, 300)
    both = session_report(routine, [plank_set, squat_set])
    assert (both["rep_count"], both["hold_count"], both["frames"], both["frames_with_pose"]) == (2, 1, 400, 390)
    assert both["partial_reps"] == squat_set["partial_reps"]


def test_a_session_reports_its_adherence_and_the_steps_left():
    routine = parse_routine({"step": [{"exercise": "plank", "hold_s": 10}, {"exercise": "squat", "reps": 3}]}, "two")
    outcome = session_outcome(routine, [_report(holds=[(None, 12.0)])])  # the squats never came
    assert (outcome["steps_met"], outcome["steps_planned"], outcome["adherence"]) == (1, 2, 0.5)
    assert outcome_lines(outcome) == [
        "two: 1 of 2 steps done to target",
        "  1. plank: target 10 s hold; did 12 s (done)",
        "  2. squat: target 3 reps; did 0 reps (not done)",
    ]


def test_the_history_keeps_sessions_and_the_report_shows_adherence_by_week(tmp_path: Path):
    routine = load_routine("bridges_lunges_squats")
    with open_history(tmp_path / "h.sqlite3") as history:
        sets = [_report(["right"] * 12), _report(["left"] * 8 + ["right"] * 8), _report(["right"] * 10)]
        done = session_outcome(routine, sets)
        half = session_outcome(routine, [_report(["right"] * 12)])
        first = history.save_session(done, [None, None, None], MONDAY)
        history.save_session(half, [None], MONDAY + timedelta(days=2))
        history.save_session(done, [None, None, None], MONDAY + timedelta(days=7))
        sessions = history.sessions()
        assert sessions[0].id == first
        assert [(s.steps_met, s.steps_planned) for s in sessions] == [(3, 3), (1, 3), (3, 3)]
        assert sessions[1].adherence == pytest.approx(1 / 3)
        assert history.sessions(since=(MONDAY + timedelta(days=7)).date())[0].steps_met == 3
        html = render_report(history)
    # Week 45 of 2026: 2 sessions, 4 of 6 steps; week 46: 1 session, 3 of 3.
    assert "<td>2026-W45</td><td>Bridges, lunges, squats</td><td class=num>2</td><td class=num>4 / 6</td>" in html
    assert "<td class=num>67 %</td>" in html and "<td>2026-W46</td>" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--routine", "nope", "a.mp4"], "no routine called 'nope'"),
        (["--routine", "bridges_lunges_squats", "a.mp4", "b.mp4", "c.mp4", "d.mp4"], "4 videos for the 3 steps"),
    ],
)
def test_analyse_with_a_bad_routine_says_why(args, message, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from formcheck.cli import main

    assert main(["analyse", *args, "--out", str(tmp_path / "out"), "--no-history"]) == 2
    assert message in capsys.readouterr().err
