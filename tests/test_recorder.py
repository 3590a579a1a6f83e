"""The set recorder both paths use (formcheck/recorder.py): records, the posture check beside a named
exercise, the end of the set. Synthetic sets with known answers; no pose model."""

from __future__ import annotations

import numpy as np

from formcheck.pipeline import make_analyser
from formcheck.recorder import SetRecorder
from formcheck.records import FrameColumns
from formcheck.report import build_report, write_frames_csv
from formcheck.results import frame_record
from tests.synthetic import bridge_set, sequence, squat_set
from vision.video import VideoInfo

INFO = VideoInfo("set.mp4", 1280, 720, 1280, 720, 30.0, None, None, 0, "h264")


def record_set(exercise: str, make, seconds: float) -> SetRecorder:
    recorder = SetRecorder(make_analyser(exercise), exercise)
    picture = np.full((48, 64, 3), 90, np.uint8)
    for t, pose in sequence(lambda t, fps: make(t), seconds):
        recorder.add(pose, recorder.analyser.update(pose, t), picture)
    return recorder


def test_a_named_exercise_is_checked_against_the_posture_seen() -> None:
    result = record_set("squat", bridge_set, 6.0).finish(INFO)
    assert result.exercise_vote is not None  # auto's vote ran beside the named exercise
    report = build_report(result)
    assert report["exercise_check"]["recognised"] == "bridge"  # squats asked for, a bridge seen
    assert report["frames"] == len(result.records) == 180 and isinstance(result.records, FrameColumns)


def test_auto_is_not_checked_twice_and_the_set_ends_with_its_last_rep() -> None:
    recorder = record_set("auto", squat_set, 5.0)
    counted_while_running = len(recorder.analyser.state.reps)
    result = recorder.finish(INFO)
    assert recorder.posture_check is None and result.exercise_vote is None  # auto votes itself
    report = build_report(result)
    assert report["exercise"] == "squat" and "exercise_check" not in report
    assert report["rep_count"] == len(result.analyser.state.reps) >= counted_while_running
    assert [r.index for r in result.records] == list(range(150))  # numbered in order when no index is given


def test_a_video_keeps_its_frame_numbers_and_repeated_pictures() -> None:
    recorder = SetRecorder(make_analyser("squat"), "squat")
    for index, repeated in ((0, False), (3, True), (7, False)):
        t = index / 30
        recorder.add(None, recorder.analyser.update(None, t), index=index, repeated=repeated)
    records = recorder.finish(INFO).records
    assert [(r.index, r.repeated) for r in records] == [(0, False), (3, True), (7, False)]


def test_records_come_back_exactly_as_frames_csv_needs_them(tmp_path) -> None:
    """Every value to the last bit: frames.csv prints 3 decimals, which float32 would move now and then."""
    rng = np.random.default_rng(3)
    analyser = make_analyser("squat")
    kept, columns = [], FrameColumns()
    for i, (t, pose) in enumerate(sequence(lambda t, fps: squat_set(t), 3.0)):
        record = frame_record(i, pose, analyser.update(pose, t), rng.integers(0, 255, (16, 16, 3), np.uint8))
        kept.append(record)
        columns.append(record)
    assert repr(list(columns)) == repr(kept)
    write_frames_csv(kept, tmp_path / "list.csv")
    write_frames_csv(columns, tmp_path / "columns.csv")
    assert (tmp_path / "list.csv").read_bytes() == (tmp_path / "columns.csv").read_bytes()
