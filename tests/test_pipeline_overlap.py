"""The overlapped pipeline (decode thread -> model -> draw/encode thread) gives the same result as the serial one.

Timings are not tested here: they belong in `formcheck bench-speed` (docs/performance.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.pipeline import analyse_video, read_ahead, write_behind
from formcheck.report import build_report
from vision.video import VideoFileSource
from vision.writer import VideoWriter

VIDEOS = Path(__file__).resolve().parent.parent.parent / "shared" / "videos"
REAL_CLIP = "squat_front_03.mp4"
REAL_FRAMES = 75  # enough for the analyser to start a rep, short enough for CI


def _synthetic_clip(path: Path, frames: int = 40, size: tuple[int, int] = (320, 240)) -> Path:
    """A moving bright box on a dark background: no person, but real decoding and encoding."""
    width, height = size
    with VideoWriter(path, width, height, 30.0) as writer:
        for i in range(frames):
            rgb = np.full((height, width, 3), 30, np.uint8)
            x = 10 + 5 * i
            rgb[60:180, x : x + 40] = (230, 200, 180)
            writer.write(rgb, i / 30.0)
    return path


def _short_real_clip(path: Path) -> Path:
    """The first REAL_FRAMES frames of a shared video, re-encoded into a temporary file."""
    source_path = VIDEOS / REAL_CLIP
    if not source_path.exists():
        pytest.skip(f"{source_path} is absent (the shared videos live in ../shared/videos)")
    with VideoFileSource(source_path) as source:
        info = source.info
        with VideoWriter(path, info.width, info.height, info.fps) as writer:
            for frame in source:
                if frame.index >= REAL_FRAMES:
                    break
                writer.write(frame.rgb, frame.timestamp_s)
    return path


def _run_both(video: Path, tmp_path: Path, exercise: str) -> dict[bool, Path]:
    outs = {}
    for overlap in (False, True):
        out = tmp_path / f"overlap_{overlap}"
        analyse_video(video, exercise, out, overlap=overlap)
        outs[overlap] = out
    return outs


def _frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def _assert_same_outputs(outs: dict[bool, Path]) -> dict:
    serial = json.loads((outs[False] / "report.json").read_text())
    overlapped = json.loads((outs[True] / "report.json").read_text())
    assert overlapped == serial
    assert (outs[True] / "frames.csv").read_text() == (outs[False] / "frames.csv").read_text()
    assert _frame_count(outs[True] / "annotated.mp4") == _frame_count(outs[False] / "annotated.mp4") == serial["frames"]
    return serial


def test_synthetic_clip_same_report_with_and_without_overlap(tmp_path: Path) -> None:
    clip = _synthetic_clip(tmp_path / "synthetic.mp4")
    report = _assert_same_outputs(_run_both(clip, tmp_path, "squat"))
    assert report["frames"] == 40


def test_damaged_clip_stops_at_the_same_frame_with_overlap(tmp_path: Path) -> None:
    clip = _synthetic_clip(tmp_path / "whole.mp4", frames=90)
    damaged = tmp_path / "damaged.mp4"
    data = clip.read_bytes()
    damaged.write_bytes(data[: int(len(data) * 0.6)])
    report = _assert_same_outputs(_run_both(damaged, tmp_path, "bridge"))
    assert 0 < report["frames"] < 90


@pytest.mark.real_video
@pytest.mark.parametrize("exercise", ["squat", "auto"])
def test_real_clip_same_report_with_and_without_overlap(tmp_path: Path, exercise: str) -> None:
    clip = _short_real_clip(tmp_path / "short_real.mp4")
    report = _assert_same_outputs(_run_both(clip, tmp_path, exercise))
    assert report["frames"] == REAL_FRAMES
    assert report["frames_with_pose"] > REAL_FRAMES // 2  # the model really ran on a person


@pytest.mark.real_video
def test_real_clip_same_outputs_through_the_pose_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' pose cache (conftest: pose_cache) changes nothing in what an analysis writes: a real clip
    analysed with the model, then through a cold cache (estimated and kept), then a warm one (replayed:
    the model is not asked)."""
    from formcheck import pipeline

    clip = _short_real_clip(tmp_path / "short_real.mp4")
    analyse_video(clip, "auto", tmp_path / "model")
    monkeypatch.setenv(pipeline.POSE_CACHE_ENV, str(tmp_path / "cache"))
    analyse_video(clip, "auto", tmp_path / "cold")
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1

    class NoModel(pipeline.PoseEstimator):
        def estimate(self, rgb: np.ndarray, timestamp_s: float) -> None:
            raise AssertionError("the model ran on a video whose poses are cached")

    monkeypatch.setattr(pipeline, "PoseEstimator", NoModel)
    analyse_video(clip, "auto", tmp_path / "warm")
    model = _assert_same_outputs({False: tmp_path / "model", True: tmp_path / "cold"})
    assert _assert_same_outputs({False: tmp_path / "model", True: tmp_path / "warm"}) == model
    assert model["frames_with_pose"] > REAL_FRAMES // 2  # real poses were compared, not empty frames


def test_a_cached_track_of_other_frames_is_refused() -> None:
    from formcheck.bench.posecache import TrackReplay

    frame = np.zeros((4, 4, 3), np.uint8)
    replay = TrackReplay([(0.0, None), (0.04, None)])
    assert replay.estimate(frame, 0.0) is None
    with pytest.raises(ValueError, match="out of step"):
        replay.estimate(frame, 0.033)  # another frame rate: not this video's track
    assert replay.estimate(frame, 0.04) is None
    with pytest.raises(ValueError, match="only 2 frames"):
        replay.estimate(frame, 0.08)  # the video goes on past the track


def test_overlap_result_matches_in_memory(tmp_path: Path) -> None:
    clip = _synthetic_clip(tmp_path / "synthetic.mp4", frames=20)
    serial = analyse_video(clip, "lunge", None, overlap=False)
    overlapped = analyse_video(clip, "lunge", None, overlap=True)
    # As text: a frame with no person has NaN values, and each read of the records makes new NaN objects.
    assert repr(list(overlapped.records)) == repr(list(serial.records))
    assert build_report(overlapped) == build_report(serial)


def test_read_ahead_keeps_order_and_bounds_the_queue() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for i in range(50):
            produced.append(i)
            yield i

    with read_ahead(items(), size=3) as it:
        first = next(it)
        threading.Event().wait(0.3)  # let the producer run as far ahead as it may
        assert len(produced) <= 3 + 2  # queue + one being put + the one handed out
        rest = list(it)
    assert [first, *rest] == list(range(50))


def test_read_ahead_reraises_the_producer_error() -> None:
    def items() -> Iterator[int]:
        yield 1
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"), read_ahead(items()) as it:
        list(it)


def test_read_ahead_consumer_can_stop_early_without_hanging() -> None:
    def endless() -> Iterator[int]:
        i = 0
        while True:
            yield i
            i += 1

    with read_ahead(endless(), size=2, name="test-stop-early") as it:
        assert next(it) == 0
    # The producer thread was stopped and joined.
    assert not any(t.name == "test-stop-early" for t in threading.enumerate())


def test_write_behind_consumes_everything_in_order() -> None:
    seen: list[int] = []
    with write_behind(seen.append, size=2) as put:
        for i in range(100):
            put(i)
    assert seen == list(range(100))


def test_write_behind_error_reaches_the_caller() -> None:
    def fail(item: int) -> None:
        if item == 3:
            raise ValueError("encoder broke")

    with pytest.raises(ValueError, match="encoder broke"), write_behind(fail, size=1) as put:
        for i in range(1000):
            put(i)


def test_analyse_several_videos_one_subfolder_each(tmp_path: Path) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    _synthetic_clip(folder / "first.mp4", frames=15)
    _synthetic_clip(folder / "second.mov", frames=25)
    (folder / "broken.mp4").write_bytes(b"not a video at all")
    (folder / "notes.txt").write_text("ignored: not a video suffix")
    out = tmp_path / "out"
    # A fresh interpreter, as from the console script: the worker processes are spawned and re-import
    # the parent's __main__, which other tests in this process (Streamlit's AppTest) replace.
    args = ["analyse", str(folder), "--exercise", "squat", "--out", str(out), "--jobs", "2"]
    done = subprocess.run([sys.executable, "-m", "formcheck.cli", *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr  # one input failed; the others were still analysed
    assert "broken.mp4" in done.stderr
    frames = {name: json.loads((out / name / "report.json").read_text())["frames"] for name in ("first", "second")}
    assert frames == {"first": 15, "second": 25}
    assert sorted(p.name for p in out.iterdir()) == ["batch-summary.json", "first", "second"]
    summary = json.loads((out / "batch-summary.json").read_text())
    assert (summary["engine"], summary["ok"], summary["failed"], summary["skipped"]) == ("local", 2, 1, 0)
    assert [v["status"] for v in summary["videos"]] == ["failed", "ok", "ok"]  # input order: broken, first, second
