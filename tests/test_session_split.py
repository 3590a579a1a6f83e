"""A whole-workout recording split into sets: a small session joined here from three real clips of
../shared/videos (never copied into the repository), analysed as `formcheck analyse --exercise auto`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.bench.build_sessions import PlannedSet, load_clips, write_session
from formcheck.bench.sessions import found_sets_of, score_session, true_sets_of
from formcheck.pipeline import analyse_video
from formcheck.report import build_report, human_summary

VIDEOS = Path(__file__).resolve().parents[1].parent / "shared" / "videos"
MANIFESTS = [VIDEOS / "manifest.json", VIDEOS / "programme" / "manifest.json"]
# Short clips of three positions: standing reps, a hold face down, reps on the back.
CLIPS = ("squat_side_02.mp4", "plank_side_07.mp4", "bridge_side_03.mp4")

pytestmark = [
    pytest.mark.real_video,
    pytest.mark.skipif(
        not all(m.exists() for m in MANIFESTS), reason=f"real clips not found at {VIDEOS} (../shared/videos)"
    ),
]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    clips = {c.name: c for c in load_clips(MANIFESTS)[0]}
    plan = [PlannedSet(clips[name], 0.0 if i == 0 else 4.0) for i, name in enumerate(CLIPS)]
    path = tmp_path_factory.mktemp("session") / "session.mp4"
    return path, write_session(path, plan, (640, 360), 30.0)


def test_each_set_found_named_and_counted_none_in_the_gaps(session, pose_cache, tmp_path) -> None:
    path, truth = session
    analyse_video(path, "auto", tmp_path)
    report = json.loads((tmp_path / "report.json").read_text())
    assert (tmp_path / "annotated.mp4").stat().st_size > 0
    assert [s["exercise"] for s in report["sets"]] == ["squat", "plank", "bridge"]
    found, _ = found_sets_of(report)
    score = score_session(path.name, true_sets_of(truth), found)
    assert not score.invented
    assert all(m.exercise_right and m.count_right and m.boundaries_right for m in score.matches), score.matches
    summary = human_summary(report)
    assert "3 sets found" in summary and "set 2" in summary


def test_a_single_clip_is_one_set_with_the_whole_analysis(pose_cache) -> None:
    report = build_report(analyse_video(VIDEOS / "squat_side_02.mp4", "auto"))
    (only,) = report["sets"]
    assert only["exercise"] == report["exercise"] == "squat"
    assert only["rep_count"] == report["rep_count"] and only["reps"] == report["reps"]
