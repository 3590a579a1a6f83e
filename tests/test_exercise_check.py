"""A named exercise that the movement clearly is not (issue 10, item 11): report.json and the CLI.

The pose model is replaced by synthetic movements (tests/synthetic.py) over a small generated
video, so the whole `analyse_video` path runs, in a second, without a real clip.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from formcheck import pipeline
from formcheck.cli import main
from formcheck.exercise_check import mismatch_sentence
from formcheck.pipeline import analyse_video
from formcheck.report import build_report
from tests import synthetic
from vision.pose import Pose

Movement = Callable[[float], Pose | None]


def in_between_set(t: float) -> Pose:
    """Lying for the first 4 s, then squatting: the vote leans to bridge (lying > 35 %), but only just."""
    return synthetic.bridge_set(t) if t < 4.0 else synthetic.squat_set(t)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 s of a test pattern at 25 fps: the pictures do not matter, the scripted poses do."""
    return synthetic.pattern_video(tmp_path_factory.mktemp("video") / "set.mp4", 8)


@pytest.fixture
def pose_model(monkeypatch: pytest.MonkeyPatch) -> Callable[[Movement], None]:
    """Makes the pipeline's pose model report the given movement."""

    def use(movement: Movement) -> None:
        monkeypatch.setattr(pipeline, "PoseEstimator", lambda config: synthetic.ScriptedEstimator(movement))

    return use


def report_of(video: Path, exercise: str) -> dict:
    return build_report(analyse_video(video, exercise, max_side_px=None))


def test_lying_set_analysed_as_squat_says_it_is_a_glute_bridge(video: Path, pose_model, tmp_path: Path) -> None:
    pose_model(synthetic.bridge_set)
    out = tmp_path / "out"
    analyse_video(video, "squat", out)
    report = json.loads((out / "report.json").read_text())
    check = report["exercise_check"]
    assert (check["requested"], check["recognised"]) == ("squat", "bridge")
    assert check["reason"] == "lying down in 100% of frames"
    assert check["scores"]["bridge"] == 1.0
    assert mismatch_sentence(check) == "This looks like a glute bridge (lying down in 100% of frames), not a squat."
    assert report["exercise"] == "squat"  # the rest is still the requested exercise's judgement


@pytest.mark.parametrize(
    ("movement", "exercise", "recognised"),
    [
        (synthetic.bridge_set, "lunge", "bridge"),
        (synthetic.squat_set, "bridge", "squat"),
        (synthetic.squat_set, "lunge", "squat"),
        (synthetic.lunge_set, "squat", "lunge"),
        (synthetic.lunge_set, "bridge", "lunge"),
    ],
    ids=["bridge-as-lunge", "squat-as-bridge", "squat-as-lunge", "lunge-as-squat", "lunge-as-bridge"],
)
def test_every_clear_mismatch_is_named(video: Path, pose_model, movement: Movement, exercise: str, recognised: str):
    pose_model(movement)
    check = report_of(video, exercise)["exercise_check"]
    assert (check["requested"], check["recognised"]) == (exercise, recognised)


@pytest.mark.parametrize(
    ("movement", "exercise"),
    [
        (synthetic.bridge_set, "bridge"),
        (synthetic.squat_set, "squat"),
        (synthetic.lunge_set, "lunge"),
        (synthetic.bridge_set, "auto"),
    ],
    ids=["bridge", "squat", "lunge", "auto"],
)
def test_no_complaint_when_the_movement_matches(video: Path, pose_model, movement: Movement, exercise: str) -> None:
    pose_model(movement)
    report = report_of(video, exercise)
    assert "exercise_check" not in report
    assert report["rep_count"] >= 2  # the set was seen and judged


def test_an_in_between_set_gives_no_complaint(video: Path, pose_model) -> None:
    pose_model(in_between_set)
    assert report_of(video, "auto")["exercise"] == "bridge"  # the vote's best guess is not squat...
    assert "exercise_check" not in report_of(video, "squat")  # ...but not clearly enough to complain


def _stored_sets() -> int:
    from formcheck.history.store import resolve_db_path

    db = resolve_db_path(None)  # the tests' own temporary database (tests/conftest.py)
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM sets").fetchone()[0]


def test_cli_says_it_on_stderr_and_keeps_it_out_of_the_history(
    video: Path, pose_model, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    pose_model(synthetic.lunge_set)
    assert main(["analyse", str(video), "--exercise", "squat", "--out", str(tmp_path / "a")]) == 0
    captured = capsys.readouterr()
    assert "This looks like a lunge (standing; feet" in captured.err
    assert "not a squat. Analyse it with --exercise lunge" in captured.err
    assert "This looks like" not in captured.out
    assert json.loads((tmp_path / "a" / "report.json").read_text())["rep_count"] > 0  # would have been stored
    assert _stored_sets() == 0
    assert main(["analyse", str(video), "--exercise", "lunge", "--out", str(tmp_path / "b")]) == 0
    assert "This looks like" not in capsys.readouterr().err
    assert _stored_sets() == 1
