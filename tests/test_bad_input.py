"""Bad, odd and damaged inputs: a clear sentence and a non-zero exit, or a report that says what it could not judge.

Every odd file is made here, in a temporary folder: synthetic frames written with the
project's VideoWriter, or a copy of a shared video cut or altered. The table of inputs
and behaviours is docs/bad-input.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.app.live import LIVE_PEOPLE_SEARCH_EVERY_S
from formcheck.cli import main
from formcheck.pipeline import FrameProcessor, analyse_video
from vision.estimator import EstimatorConfig
from vision.landmarks import Landmark
from vision.pose import Pose
from vision.selection import select_main_person
from vision.video import VideoFileSource
from vision.writer import VideoWriter

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "videos"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared videos not found at {SHARED}")
TimedFrames = Iterable[tuple[float, np.ndarray]]


# --- making odd files ----------------------------------------------------------------


def pattern_frame(width: int, height: int, i: int = 0) -> np.ndarray:
    """An asymmetric picture (coloured quadrants, a moving bar) so rotations and cuts show."""
    rgb = np.zeros((height, width, 3), np.uint8)
    rgb[: height // 2, : width // 2] = (220, 30, 30)
    rgb[: height // 2, width // 2 :] = (30, 200, 30)
    rgb[height // 2 :, : width // 2] = (30, 30, 220)
    rgb[height // 2 :, width // 2 :] = (230, 230, 230)
    x = (i * 7) % max(width - 4, 1)
    rgb[:, x : x + 4] = 0
    return rgb


def synthetic(width: int, height: int, times: Iterable[float]) -> Iterator[tuple[float, np.ndarray]]:
    for i, t in enumerate(times):
        yield t, pattern_frame(width, height, i)


def write_video(path: Path, frames: TimedFrames, fps: float = 30.0) -> Path:
    writer = None
    try:
        for t, rgb in frames:
            if writer is None:
                writer = VideoWriter(path, rgb.shape[1], rgb.shape[0], fps)
            writer.write(rgb, t)
    finally:
        if writer is not None:
            writer.close()
    return path


def shared_clip(name: str, start_s: float, end_s: float, max_side_px: int = 320) -> list[tuple[float, np.ndarray]]:
    """Frames of a shared video between two times, re-based to start at 0."""
    with VideoFileSource(SHARED / name, max_side_px=max_side_px) as source:
        return [(f.timestamp_s - start_s, f.rgb) for f in source if start_s <= f.timestamp_s < end_s]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


# --- running the CLI -----------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(["analyse", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def error_line(err: str) -> str:
    """The last line the user sees (the progress bar redraws itself with carriage returns)."""
    lines = [line.strip() for line in re.split(r"[\r\n]", err) if line.strip()]
    return lines[-1] if lines else ""


def assert_plain_error(code: int, err: str, *words: str, advice: bool = True) -> str:
    assert code != 0
    assert "Traceback" not in err
    line = error_line(err)
    assert line.startswith("formcheck: ") and line.endswith("."), line
    # One sentence: what is wrong; what to do after the semicolon.
    assert ";" in line or not advice, line
    for word in words:
        assert word.lower() in line.lower(), line
    return line


def analyse_report(capsys: pytest.CaptureFixture, video: Path, out: Path, *extra: str) -> dict:
    code, _, err = run_cli(capsys, str(video), "--out", str(out), *extra)
    assert code == 0, err
    report_text = (out / "report.json").read_text()
    report = json.loads(report_text)
    # report.json is strict JSON: no NaN or Infinity anywhere.
    json.dumps(report, allow_nan=False)
    return report


def codes(report: dict) -> set[str]:
    return {w["code"] for w in report["warnings"]}


def frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


# --- unusable input: exit code != 0 and one plain sentence -----------------------------


@pytest.fixture
def odd_files(tmp_path: Path) -> dict[str, Path]:
    files = {}
    files["missing"] = tmp_path / "missing.mp4"
    files["folder"] = tmp_path / "a folder"
    files["folder"].mkdir()
    files["empty"] = tmp_path / "empty.mp4"
    files["empty"].write_bytes(b"")
    files["text"] = tmp_path / "notes.mp4"
    files["text"].write_text("this is not a video\n" * 50)
    files["random"] = tmp_path / "noise.mp4"
    files["random"].write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    files["audio"] = tmp_path / "voice.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", files["audio"].as_posix())
    files["audio_mp4"] = tmp_path / "audio only.mp4"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", files["audio_mp4"].as_posix())
    files["png"] = tmp_path / "photo.png"
    files["jpg"] = tmp_path / "photo.jpg"
    for key in ("png", "jpg"):
        frame = av.VideoFrame.from_ndarray(pattern_frame(64, 48), format="rgb24")
        frame.to_image().save(files[key])
    return files


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("missing", ["does not exist", "check the path"]),
        ("folder", ["folder"]),
        ("empty", ["empty", "0 bytes"]),
        ("text", ["not a video"]),
        ("random", []),
        ("audio", ["no video track"]),
        ("audio_mp4", ["no video track"]),
        ("png", ["still image"]),
        ("jpg", ["still image"]),
    ],
)
def test_unusable_input_is_one_plain_sentence(
    odd_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture, key: str, words: list[str]
) -> None:
    code, _, err = run_cli(capsys, str(odd_files[key]), "--out", str(tmp_path / "out"))
    # An empty folder is a batch of no videos (formcheck analyse FOLDER analyses every video in it).
    assert_plain_error(code, err, *words, advice=key != "folder")


def test_debug_shows_the_traceback(odd_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["--debug", "analyse", str(odd_files["text"]), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code != 0
    assert "Traceback" in err and "VideoError" in err
    assert error_line(err).startswith("formcheck: ")


def test_console_script_exit_code(tmp_path: Path) -> None:
    """The installed entry point, as a user runs it: no traceback, exit code 2."""
    cmd = [sys.executable, "-m", "formcheck.cli", "analyse", str(tmp_path / "nope.mp4"), "--out", str(tmp_path / "o")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert error_line(proc.stderr) == f"formcheck: {tmp_path / 'nope.mp4'} does not exist; check the path."


def test_truncated_file_without_index_is_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """An MP4 whose index (moov) sits at the end cannot be opened once the end is cut off."""
    whole = write_video(tmp_path / "whole.mp4", synthetic(160, 120, [i / 30 for i in range(60)]))
    moov_last = tmp_path / "moov_last.mp4"
    ffmpeg("-i", whole.as_posix(), "-c", "copy", "-movflags", "-faststart", moov_last.as_posix())
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(moov_last.read_bytes()[: moov_last.stat().st_size // 2])
    code, _, err = run_cli(capsys, str(cut), "--out", str(tmp_path / "out"))
    assert_plain_error(code, err, "damaged or incomplete")


def test_output_folder_is_a_file(odd_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    video = write_video(tmp_path / "ok.mp4", synthetic(64, 48, [i / 10 for i in range(5)]))
    blocker = tmp_path / "report"
    blocker.write_text("")
    code, _, err = run_cli(capsys, str(video), "--out", str(blocker))
    assert_plain_error(code, err, "output folder", "--out")
    code, _, err = run_cli(capsys, str(video), "--out", str(blocker / "inside"))
    assert_plain_error(code, err, "cannot write", "--out")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write to read-only folders")
def test_output_folder_read_only(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    video = write_video(tmp_path / "ok.mp4", synthetic(64, 48, [i / 10 for i in range(5)]))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, _, err = run_cli(capsys, str(video), "--out", str(locked / "out"))
    finally:
        locked.chmod(0o755)
    assert_plain_error(code, err, "cannot write", "--out")


# --- odd but usable files: a report -----------------------------------------------------


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_cut_in_the_middle_keeps_everything_before(tmp_path: Path, capsys: pytest.CaptureFixture, suffix: str) -> None:
    """A file cut off mid-way: MP4 with its index at the front (as phones and our writer store it),
    and Matroska, which declares a duration but no frame count."""
    whole = write_video(tmp_path / "whole.mp4", synthetic(160, 120, [i / 30 for i in range(90)]))
    if suffix != ".mp4":
        remuxed = tmp_path / f"whole{suffix}"
        ffmpeg("-i", whole.as_posix(), "-c", "copy", remuxed.as_posix())
        whole = remuxed
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.5)])
    report = analyse_report(capsys, cut, tmp_path / "out")
    assert 0 < report["frames"] < 90
    stop = report["stopped_early"]
    assert stop is not None and 0.0 < stop["time_s"] < 3.0
    assert "cut off" in stop["reason"]
    warning = next(w for w in report["warnings"] if w["code"] == "stopped_early")
    assert warning["start_s"] == pytest.approx(stop["time_s"])
    # The annotated video holds every frame up to the break.
    assert frame_count(tmp_path / "out" / "annotated.mp4") == report["frames"]
    assert len((tmp_path / "out" / "frames.csv").read_text().splitlines()) == report["frames"] + 1


class _BreaksAfter:
    """A container whose decoder fails after `n` frames, as a damaged file does."""

    def __init__(self, container: av.container.InputContainer, n: int) -> None:
        self._container, self._n = container, n

    def decode(self, *args: object, **kwargs: object) -> Iterator[av.VideoFrame]:
        for i, frame in enumerate(self._container.decode(*args, **kwargs)):
            if i == self._n:
                raise av.error.InvalidDataError(1094995529, "Invalid data found when processing input")
            yield frame

    def close(self) -> None:
        self._container.close()


def test_decode_error_part_way_keeps_frames(tmp_path: Path) -> None:
    """When the decoder raises part-way, the frames before are kept and `stopped` says where."""
    video = write_video(tmp_path / "v.mp4", synthetic(64, 48, [i / 10 for i in range(20)]))
    source = VideoFileSource(video)
    source._container = _BreaksAfter(source._container, 12)
    with source:
        frames = list(source)
    assert len(frames) == 12
    assert source.stopped is not None and source.stopped.after_frame == 12
    assert source.stopped.timestamp_s == pytest.approx(1.1, abs=1e-3)


def test_one_frame_video(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    video = write_video(tmp_path / "one.mp4", synthetic(64, 48, [0.0]))
    report = analyse_report(capsys, video, tmp_path / "out")
    assert report["frames"] == 1 and report["rep_count"] == 0
    assert report["stopped_early"] is None
    assert codes(report) & {"too_short", "no_person"}


def test_short_video_says_too_short(tmp_path: Path) -> None:
    from formcheck.report import build_report

    video = write_video(tmp_path / "short.mp4", synthetic(64, 48, [i / 30 for i in range(10)]))
    result = analyse_video(video, "squat", None)
    # As if a person were in view: the only problem left is the length.
    result.records = [replace(r, has_pose=True, feet_in_view=True) for r in result.records]
    report = build_report(result)
    assert "too_short" in codes(report)


def test_low_frame_rate_1fps(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    video = write_video(tmp_path / "slow.mp4", synthetic(64, 48, [float(i) for i in range(8)]), fps=1)
    report = analyse_report(capsys, video, tmp_path / "out")
    assert report["frames"] == 8
    assert report["duration_s"] == pytest.approx(7.0, abs=0.01)
    assert report["fps"] == pytest.approx(8 / 7, abs=0.01)
    assert report["stopped_early"] is None


def test_low_frame_rate_warning() -> None:
    from formcheck.report import _add_timing_warnings, scan_records
    from formcheck.results import FrameRecord

    def records(times: list[float]) -> list[FrameRecord]:
        return [FrameRecord(i, t, True, 1, True, "rest", 0, float("nan"), None, {}) for i, t in enumerate(times)]

    found: list[str] = []
    _add_timing_warnings(scan_records(records([float(i) for i in range(8)])), lambda code, msg, r: found.append(code))
    assert found == ["low_frame_rate"]
    found.clear()
    _add_timing_warnings(scan_records(records([i / 30 for i in range(90)])), lambda code, msg, r: found.append(code))
    assert found == []


def test_frames_cut_out_leave_a_reported_gap(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """An edited recording with 2.0-3.5 s cut out (timestamps jump): the gap is named."""
    times = [i / 30 for i in range(150) if not 2.0 < i / 30 < 3.5]
    report = analyse_report(capsys, write_video(tmp_path / "edited.mp4", synthetic(64, 48, times)), tmp_path / "out")
    gap = next(w for w in report["warnings"] if w["code"] == "frame_gap")
    assert gap["start_s"] == pytest.approx(2.0, abs=0.04) and gap["end_s"] == pytest.approx(3.5, abs=0.04)


def test_120fps(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    video = write_video(tmp_path / "fast.mp4", synthetic(96, 64, [i / 120 for i in range(120)]), fps=120)
    report = analyse_report(capsys, video, tmp_path / "out")
    assert report["frames"] == 120
    assert report["fps"] == pytest.approx(120, rel=0.02)
    assert "low_frame_rate" not in codes(report)


def test_variable_frame_rate_keeps_real_time(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    times = np.cumsum(rng.choice([1 / 60, 1 / 30, 1 / 15, 0.2], size=60))
    times = np.round(times - times[0], 3)
    video = write_video(tmp_path / "vfr.mp4", synthetic(64, 48, times), fps=30)
    with VideoFileSource(video) as source:
        decoded = [f.timestamp_s for f in source]
    assert source.stopped is None
    assert np.allclose(decoded, times, atol=1.5e-3)


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_rotated_phone_video_is_upright(tmp_path: Path, rotate: int) -> None:
    """Portrait phone videos: landscape pixels plus a display matrix; frames must match ffmpeg's autorotation."""
    plain = write_video(tmp_path / "plain.mp4", synthetic(160, 96, [i / 30 for i in range(3)]))
    rotated = tmp_path / f"rotated {rotate}.mp4"
    ffmpeg("-i", plain.as_posix(), "-c", "copy", "-metadata:s:v:0", f"rotate={rotate}", rotated.as_posix())
    with VideoFileSource(rotated) as source:
        ours = next(iter(source)).rgb
        info = source.info
    # ffmpeg applies the display matrix itself by default: the reference for "upright".
    decode = ["ffmpeg", "-loglevel", "error", "-i", str(rotated), "-frames:v", "1"]
    raw = subprocess.run([*decode, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    upright_shape = (160, 96, 3) if rotate % 180 else (96, 160, 3)
    assert ours.shape == upright_shape
    assert (info.width, info.height) == (upright_shape[1], upright_shape[0])
    reference = np.frombuffer(raw, np.uint8).reshape(upright_shape)
    assert np.abs(reference.astype(int) - ours.astype(int)).mean() < 2.0
    # Scaled and rotated together: still upright, longest side capped.
    with VideoFileSource(rotated, max_side_px=80) as source:
        small = next(iter(source)).rgb
    assert max(small.shape[:2]) == 80 and (small.shape[0] > small.shape[1]) == (ours.shape[0] > ours.shape[1])


def test_4k_is_downscaled(tmp_path: Path) -> None:
    video = write_video(tmp_path / "uhd.mp4", synthetic(3840, 2160, [i / 30 for i in range(3)]))
    with VideoFileSource(video, max_side_px=1280) as source:
        frames = list(source)
        assert (source.info.width, source.info.height) == (1280, 720)
        assert (source.info.source_width, source.info.source_height) == (3840, 2160)
    assert all(f.rgb.shape == (720, 1280, 3) for f in frames)


def _peak_rss_mb(cmd: list[str]) -> float:
    """Peak resident memory of one child process, read from its own /proc status at exit."""
    wrapper = (
        "import runpy, sys\n"
        "sys.argv = sys.argv[1:]\n"
        "try:\n"
        "    runpy.run_module('formcheck.cli', run_name='__main__')\n"
        "except SystemExit as e:\n"
        "    code = e.code\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print('PEAK_KB', peak, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper, "formcheck", *cmd], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(re.search(r"PEAK_KB (\d+)", proc.stderr).group(1)) / 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read peak memory")
def test_4k_memory_and_output_size(tmp_path: Path) -> None:
    """A 4K file is analysed at --max-size: peak memory stays close to that of a small file."""
    uhd = write_video(tmp_path / "uhd.mp4", synthetic(3840, 2160, [i / 30 for i in range(15)]))
    small = write_video(tmp_path / "small.mp4", synthetic(640, 360, [i / 30 for i in range(15)]))
    peak_small = _peak_rss_mb(["analyse", str(small), "--out", str(tmp_path / "o1")])
    peak_uhd = _peak_rss_mb(["analyse", str(uhd), "--out", str(tmp_path / "o2")])
    report = json.loads((tmp_path / "o2" / "report.json").read_text())
    assert (report["source"]["width"], report["source"]["height"]) == (1280, 720)
    assert report["frames"] == 15
    with av.open(str(tmp_path / "o2" / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (1280, 720)
    print(f"peak RSS: 640x360 {peak_small:.0f} MB, 3840x2160 {peak_uhd:.0f} MB")
    # Decoding 4K frames costs ~25 MB each; a few in flight is fine, the whole file is not.
    assert peak_uhd < peak_small + 400, (peak_small, peak_uhd)


def test_half_hour_video_frame_source(tmp_path: Path) -> None:
    """30 minutes (tiny frames at 2 fps): every frame comes out, in order, with real timestamps."""
    frames = ((i / 2, np.full((32, 48, 3), i % 200, np.uint8)) for i in range(3600))
    video = write_video(tmp_path / "long.mp4", frames, fps=2)
    with VideoFileSource(video) as source:
        count, last = 0, -1.0
        for frame in source:
            assert frame.timestamp_s > last
            count, last = count + 1, frame.timestamp_s
    assert count == 3600 and last == pytest.approx(1799.5)
    assert source.stopped is None


class NobodyEstimator:
    """Stands in for the pose model on pictures where it finds nobody (checked on a sample where it is used)."""

    def __init__(self, config: EstimatorConfig | None = None) -> None:
        pass

    def estimate(self, rgb: np.ndarray, timestamp_s: float) -> None:
        return None

    def close(self) -> None:
        pass


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("FORMCHECK_SLOW"), reason="slow (~1 min): set FORMCHECK_SLOW=1")
def test_half_hour_video_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch) -> None:
    """30 minutes through the whole `formcheck analyse` (decoding, analysis, drawing, encoding, reports).

    What is tested is the length: the model finds nobody in these pictures (checked on every 180th),
    so a stand-in that finds nobody replaces its 3,600 calls (~1 of the ~2 minutes) with the same answers."""
    from formcheck import pipeline
    from vision.estimator import PoseEstimator

    with PoseEstimator() as model:
        assert all(model.estimate(pattern_frame(64, 48, i), i / 2) is None for i in range(0, 3600, 180))
    monkeypatch.setattr(pipeline, "PoseEstimator", NobodyEstimator)
    frames = ((i / 2, pattern_frame(64, 48, i)) for i in range(3600))
    video = write_video(tmp_path / "long.mp4", frames, fps=2)
    report = analyse_report(capsys, video, tmp_path / "out")
    assert report["frames"] == 3600 and report["duration_s"] == pytest.approx(1799.5)
    assert report["stopped_early"] is None


@pytest.mark.parametrize("name", ["my set 01.mp4", "séance été ü ñ 日本 😀.mp4"])
def test_names_with_spaces_and_non_ascii(tmp_path: Path, capsys: pytest.CaptureFixture, name: str) -> None:
    folder = tmp_path / "vidéos de Zoë"
    folder.mkdir()
    video = write_video(folder / name, synthetic(64, 48, [i / 10 for i in range(12)]))
    report = analyse_report(capsys, video, tmp_path / "sortie é ü" / "out put")
    assert report["source"]["file"] == name
    code, _, err = run_cli(capsys, str(folder / ("missing " + name)), "--out", str(tmp_path / "o"))
    assert_plain_error(code, err, "does not exist")


# --- content the pose model finds hard ----------------------------------------------------


def test_no_person(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rng = np.random.default_rng(2)
    frames = ((i / 15, rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)) for i in range(30))
    video = write_video(tmp_path / "empty room.mp4", frames, fps=15)
    report = analyse_report(capsys, video, tmp_path / "out")
    assert report["frames_with_pose"] == 0 and report["rep_count"] == 0
    assert codes(report) == {"no_person"}


def _ranges_cover(report: dict, code: str, start: float, end: float, slack: float = 0.5) -> bool:
    return any(
        w["code"] == code and w["start_s"] <= start + slack and w["end_s"] >= end - slack for w in report["warnings"]
    )


@needs_shared
@pytest.mark.real_video
def test_person_walks_out_and_back(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Frames 2.0-3.5 s replaced by an empty, lit room in a copy of a squat set: that range is reported."""
    clip = shared_clip("squat_side_01.mp4", 0.0, 6.0)
    empty_room = np.random.default_rng(3).integers(90, 140, clip[0][1].shape, dtype=np.uint8)
    frames = [(t, empty_room if 2.0 <= t < 3.5 else rgb) for t, rgb in clip]
    video = write_video(tmp_path / "out and in.mp4", frames, fps=25)
    report = analyse_report(capsys, video, tmp_path / "out")
    assert _ranges_cover(report, "person_lost", 2.0, 3.5), report["warnings"]
    assert report["frames_with_pose"] >= len(clip) - 45
    # Nothing outside the dark gap is reported lost.
    lost = [w for w in report["warnings"] if w["code"] == "person_lost"]
    assert all(w["start_s"] >= 1.5 and w["end_s"] <= 4.0 for w in lost), lost
    # A rep that spans the gap (seen going down before it, coming up after) is counted but
    # not judged, and says so.
    spanning = [r for r in report["reps"] if r["start_s"] < 2.0 and r["end_s"] > 3.5]
    assert all(not r["judged"] and not r["cues"] for r in spanning)
    assert bool(spanning) == ("rep_partly_unseen" in codes(report))


@needs_shared
@pytest.mark.real_video
def test_very_dark_frames(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Lights almost off for 1.5 s: the report names the range that could not be judged."""
    clip = shared_clip("squat_side_01.mp4", 0.0, 5.0)
    frames = [(t, (rgb * 0.03).astype(np.uint8) if 2.0 <= t < 3.5 else rgb) for t, rgb in clip]
    video = write_video(tmp_path / "dark.mp4", frames, fps=25)
    report = analyse_report(capsys, video, tmp_path / "out")
    assert _ranges_cover(report, "too_dark", 2.0, 3.5), report["warnings"]
    assert "person_lost" not in codes(report)
    message = next(w["message"] for w in report["warnings"] if w["code"] == "too_dark")
    assert re.search(r"at 2\.\d-3\.\d s", message), message


def test_dark_video_with_nobody(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    frames = ((i / 15, np.full((48, 64, 3), 4, np.uint8)) for i in range(30))
    report = analyse_report(capsys, write_video(tmp_path / "night.mp4", frames, fps=15), tmp_path / "out")
    assert codes(report) == {"no_person"}
    assert "too dark" in report["warnings"][0]["message"]


@needs_shared
@pytest.mark.real_video
def test_feet_cut_off(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    clip = shared_clip("squat_side_01.mp4", 0.0, 4.0)
    height = clip[0][1].shape[0]
    frames = [(t, np.ascontiguousarray(rgb[: int(height * 0.62)])) for t, rgb in clip]
    video = write_video(tmp_path / "close.mp4", frames, fps=25)
    report = analyse_report(capsys, video, tmp_path / "out")
    assert report["frames_with_pose"] > 0
    assert _ranges_cover(report, "feet_out_of_view", 0.5, 3.5), report["warnings"]


@needs_shared
@pytest.mark.real_video
def test_frozen_opening_is_said(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The first picture held for 1.5 s, then the set: a frozen_picture warning for that second and a half."""
    clip = shared_clip("squat_side_01.mp4", 0.0, 3.0)
    first = clip[0][1]
    frozen = [(i / 25, first) for i in range(38)] + [(1.52 + t, rgb) for t, rgb in clip[1:]]
    video = write_video(tmp_path / "frozen.mp4", frozen, fps=25)
    report = analyse_report(capsys, video, tmp_path / "out")
    assert _ranges_cover(report, "frozen_picture", 0.0, 1.4), report["warnings"]
    assert not [w for w in report["warnings"] if w["code"] == "frozen_picture" and w["start_s"] > 1.6]


def _two_people(main: TimedFrames, other: list[tuple[float, np.ndarray]]) -> Iterator[tuple[float, np.ndarray]]:
    """The main person tall and nearer the centre; a second, smaller one at the bottom right."""
    for (t, a), (_, b) in zip(main, other, strict=False):
        canvas = np.zeros((360, 732, 3), np.uint8)
        canvas[:, 150 : 150 + a.shape[1]] = a
        canvas[360 - b.shape[0] :, 732 - b.shape[1] :] = b
        yield t, canvas


MAIN_X = (150.0, 352.0)  # where the main person's clip sits in the composite


@needs_shared
@pytest.mark.real_video
@pytest.mark.parametrize(
    "search_every_s",
    [None, LIVE_PEOPLE_SEARCH_EVERY_S],
    ids=["video-search-every-frame", "live-tracker-search-each-second"],
)
def test_two_people_follows_the_main_one(
    tmp_path: Path, capsys: pytest.CaptureFixture, search_every_s: float | None
) -> None:
    main_clip = shared_clip("squat_side_01.mp4", 0.0, 3.0, max_side_px=360)
    other_clip = shared_clip("lunge_side_04.mp4", 0.0, 3.0, max_side_px=360)
    frames = list(_two_people(main_clip, other_clip))
    video = write_video(tmp_path / "two people.mp4", frames, fps=25)
    torso_x, people = [], []
    config = EstimatorConfig(recount_people_every_s=search_every_s)
    with FrameProcessor("squat", config=config) as proc, VideoFileSource(video) as source:
        for frame in source:
            pose, _ = proc.process(frame.rgb, frame.timestamp_s)
            if pose is not None:
                hips = pose.xy_px[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP, Landmark.LEFT_SHOULDER]]
                torso_x.append(float(hips[:, 0].mean()))
                people.append(pose.people_detected)
    assert len(torso_x) > 0.9 * len(frames)
    # Never the other person, never a mix of the two.
    assert all(MAIN_X[0] <= x <= MAIN_X[1] for x in torso_x), (min(torso_x), max(torso_x))
    report = analyse_report(capsys, video, tmp_path / "out")
    assert sum(p > 1 for p in people) > 12, "the composite should show the detector two people"
    assert "largest" in next(w["message"] for w in report["warnings"] if w["code"] == "several_people")


# --- selection of the main person (synthetic candidates) ----------------------------------


# A standing body's landmarks in units of its height, centred on the torso (fixed, so
# candidates differ only in where they stand and how large they look).
_BODY = np.column_stack([np.random.default_rng(0).uniform(-0.15, 0.15, 33), np.linspace(-0.5, 0.5, 33)])
_BODY[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]] = [
    [-0.05, -0.1],
    [0.05, -0.1],
    [-0.05, 0.1],
    [0.05, 0.1],
]


def _candidate(cx: float, cy: float, size: float, t: float = 0.0, image: tuple[int, int] = (640, 480)) -> Pose:
    xy = np.array([cx, cy]) + _BODY * size
    return Pose(t, xy, np.ones(33), np.zeros((33, 3)), image, people_detected=2)


def test_selection_picks_the_largest_central_then_stays() -> None:
    big_centre = _candidate(320, 240, 300)
    small_edge = _candidate(580, 300, 120)
    assert select_main_person([small_edge, big_centre], None) is big_centre
    previous = big_centre
    # The followed person drifts toward the edge while the other grows: keep following.
    for step in range(1, 30):
        followed = _candidate(320 + step * 4, 240, 300 - step * 3, t=step / 30)
        other = _candidate(100, 240, 200 + step * 5, t=step / 30)
        chosen = select_main_person([other, followed], previous)
        assert chosen is followed
        previous = chosen


def test_selection_never_mixes_candidates() -> None:
    a, b = _candidate(200, 240, 250), _candidate(450, 240, 250)
    chosen = select_main_person([a, b], None)
    assert chosen is a or chosen is b


def test_selection_survives_odd_candidates() -> None:
    nan_pose = Pose(0.0, np.full((33, 2), np.nan), np.zeros(33), np.zeros((33, 3)), (640, 480), 2)
    inf_pose = Pose(0.0, np.full((33, 2), np.inf), np.zeros(33), np.zeros((33, 3)), (640, 480), 2)
    good = _candidate(320, 240, 300)
    for previous in (None, nan_pose, good):
        assert select_main_person([nan_pose, good], previous) is good
        assert select_main_person([good, inf_pose], previous) is good
    assert select_main_person([nan_pose, inf_pose], None) in (nan_pose, inf_pose)


def test_rotated_video_pipeline_reports_rotation(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    plain = write_video(tmp_path / "plain.mp4", synthetic(160, 96, [i / 30 for i in range(4)]))
    rotated = tmp_path / "portrait.mp4"
    ffmpeg("-i", plain.as_posix(), "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated.as_posix())
    report = analyse_report(capsys, rotated, tmp_path / "out")
    assert report["source"]["rotation_deg"] in (90, 270)
    assert (report["source"]["width"], report["source"]["height"]) == (96, 160)


@pytest.fixture(autouse=True)
def _no_leftover_write_probe(tmp_path: Path) -> Iterator[None]:
    yield
    leftovers = list(tmp_path.rglob(".formcheck-write-test"))
    assert not leftovers


def test_bench_accuracy_refuses_a_manifest_of_exercises_it_cannot_analyse(tmp_path: Path, capsys) -> None:
    """A manifest of nothing it can score (exercises without an analyser) gets one clear line at once."""
    from formcheck.bench.accuracy import not_scored, run_benchmark

    manifest = tmp_path / "manifest.json"
    videos = [{"file": "a.mp4", "exercise": "jumping_jack", "reps": None}, {"file": "b.mp4", "exercise": "burpee"}]
    manifest.write_text(json.dumps({"videos": videos}))
    assert run_benchmark(manifest, None, None) == 2
    err = capsys.readouterr().err
    assert "jumping_jack: no analyser yet" in err and "burpee: no analyser yet" in err and "nothing was analysed" in err
    # A hold (no reps) of an exercise with an analyser is scored on its hold time.
    assert not_scored({"file": "p.mp4", "exercise": "plank", "reps": None}) is None
    # In a mixed manifest the scorable entries are scored and the others listed as not scored.
    assert not_scored({"file": "c.mp4", "exercise": "squat", "reps": 3}) is None
