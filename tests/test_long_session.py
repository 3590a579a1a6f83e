"""Long sessions: 20,000 frames keep memory bounded and the time per frame steady.

The live path (camera -> LiveSession -> FrameProcessor.process -> render) may run for a
long time in the app. The default run drives the app's LiveSession (smoother,
AutoAnalyser, cue holder, overlay) with synthetic poses in place of the pose model for
20,000 frames (11 minutes at 30 fps, ~300 reps), and the full FrameProcessor (pose model
and overlay) for a shorter stretch of small frames. The full FrameProcessor over 20,000 frames is a
benchmark run by hand: `formcheck bench-speed VIDEO --live-soak-frames 20000` (docs/performance.md).
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from exercises.framework.auto import AutoAnalyser
from formcheck.app.live import LiveSession, _live_info
from formcheck.bench.speed import live_soak
from formcheck.pipeline import FrameProcessor, make_analyser
from formcheck.records import FrameColumns
from formcheck.report import build_report
from formcheck.results import AnalysisResult, FrameRecord, frame_record
from tests import synthetic
from vision.pose import Pose
from vision.smoothing import PoseSmoother

FRAMES = 20_000
FPS = 30.0
MAX_GROWTH_MB = 30.0


def rss_mb() -> float:
    """Resident memory of this process now (Linux); the test skips elsewhere."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


needs_proc = pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads memory from /proc")


def session_pose(i: int, rng: np.random.Generator) -> Pose | None:
    """A squat set filmed side-on: reps, jitter, and the person stepping out now and then."""
    t = i / FPS
    if i % 1500 < 20:  # ~0.7 s out of view every 50 s
        return None
    depth = 110.0 * synthetic.rep_profile(t, period_s=1.4)
    return synthetic.jittered(synthetic.squat_side(depth, depth / 4, t), rng, 2.0)


def run_session(step: Callable[[int], None], frames: int, warmup: int) -> tuple[list[float], float, float]:
    """Per-frame seconds after warm-up, and memory (MB) at the end of warm-up and at the end."""
    for i in range(warmup):
        step(i)
    gc.collect()
    start_mb = rss_mb()
    times = []
    for i in range(warmup, frames):
        t0 = time.perf_counter()
        step(i)
        times.append(time.perf_counter() - t0)
    gc.collect()
    return times, start_mb, rss_mb()


def assert_steady(times: list[float], start_mb: float, end_mb: float, label: str, slack_s: float = 2e-4) -> None:
    tenth = len(times) // 10
    # The lower quartile of each tenth: other processes on a shared CI machine slow down
    # stretches of frames; a leak or a growing buffer slows every frame.
    first, last = (statistics.quantiles(part, n=4)[0] for part in (times[:tenth], times[-tenth:]))
    print(
        f"{label}: {len(times)} frames, {first * 1e3:.2f} ms/frame (lower quartile) in the first tenth,"
        f" {last * 1e3:.2f} ms in the last; RSS {start_mb:.1f} -> {end_mb:.1f} MB"
    )
    assert end_mb - start_mb < MAX_GROWTH_MB, f"memory grew {end_mb - start_mb:.1f} MB over the session"
    # Steady: the last tenth no slower than twice the first (plus noise from other processes).
    assert last < 2.0 * first + slack_s, (first, last)


class SyntheticEstimator:
    """Stands in for the pose model: the synthetic squat set, frame after frame."""

    def __init__(self) -> None:
        self._rng = np.random.default_rng(0)
        self._i = 0

    def estimate(self, rgb: np.ndarray, timestamp_s: float) -> Pose | None:
        pose = session_pose(self._i, self._rng)
        self._i += 1
        return pose

    def close(self) -> None:
        pass


class SyntheticProcessor(FrameProcessor):
    """FrameProcessor with the model swapped out; smoother, analyser and overlay are the real ones."""

    def __init__(self, exercise: str, model_path: Path | None = None) -> None:
        self._calibration, self._references = None, None  # nobody's: as FrameProcessor without a person
        self.analyser = make_analyser(exercise)
        self.estimator = SyntheticEstimator()
        self.smoother = PoseSmoother()


@needs_proc
def test_live_session_20000_frames_bounded() -> None:
    """The app's live path in auto mode (LiveSession: smoother, the set splitter and its AutoAnalyser, cue holder,
    overlay) for 20,000 frames: one long set (the walk-outs are shorter than the 2 s that end a set)."""
    session = LiveSession("auto", processor_factory=SyntheticProcessor)
    # Two pictures in turn: a camera's pictures always differ a little (the same picture again is a frozen camera,
    # which ends the set).
    frames = [np.full((72, 96, 3), level, np.uint8) for level in (80, 81)]

    def step(i: int) -> None:
        session.process(frames[i % 2], i / FPS)

    times, start_mb, end_mb = run_session(step, FRAMES, warmup=2_000)
    # The set's per-frame records (for the end-of-set report) are the one thing that grows: ~0.2 KB a
    # frame in compact columns (test_live_records_stay_under_20_mb_an_hour).
    assert_steady(times, start_mb, end_mb, "live session, synthetic poses")
    auto = session._sets.current.inner
    assert all(len(a._recent) < 30 * FPS for a in auto.analysers.values())
    report = session.close()
    json.dumps(report, allow_nan=False)
    [found] = report["set_reports"]  # the one set's own report (report.json's shape)
    assert found["exercise"] == "squat" and found["frames"] >= FRAMES - 2 * FPS  # from the first movement on
    # ~0.6 s rest + 1.4 s rep: one rep every 2 s, minus the ones cut by the walk-outs.
    assert report["rep_count"] > 0.8 * FRAMES / FPS / 2.0, report["rep_count"]
    assert any(w["code"] == "person_lost" for w in found["warnings"])


@needs_proc
def test_live_path_steady() -> None:
    """FrameProcessor.process + render on small camera-like frames (the pose model included): a short run of
    the live path's long soak, `formcheck bench-speed --live-soak-frames 20000` (docs/performance.md)."""
    soak = live_soak(1_200, warmup=200)
    print(soak)
    assert soak.frames == 1_200
    assert soak.growth_mb < MAX_GROWTH_MB, f"memory grew {soak.growth_mb:.1f} MB over the session"
    assert soak.steady, soak


# --------------------------------------------------------------------------- compact per-frame records

MAX_RECORDS_MB_PER_HOUR = 20.0


def live_records(frames: int) -> tuple[list[FrameRecord], AutoAnalyser]:
    """The records a live `auto` session keeps, from the real analysers on the synthetic squat set (no model)."""
    rng = np.random.default_rng(0)
    analyser = AutoAnalyser()
    smoother = PoseSmoother()
    records = []
    for i in range(frames):
        t = i / FPS
        pose = smoother(session_pose(i, rng))
        # A frame a little darker each time, so brightness is not one repeated value.
        rgb = np.full((48, 64, 3), 60 + i % 50, np.uint8)
        records.append(frame_record(i, pose, analyser.update(pose, t), rgb))
    analyser.finish()
    return records, analyser


def records_bytes_per_frame(store: list | FrameColumns, pattern: list[FrameRecord], frames: int) -> float:
    """Memory (tracemalloc) held by `store` after appending `frames` records, per frame.

    The records cycle through `pattern` (real ones, with every metric set the analysers produce),
    renumbered and re-timed so that each is a new object, as in a live session.
    """
    period_s = pattern[-1].timestamp_s + 1 / FPS
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(frames):
            lap, j = divmod(i, len(pattern))
            r = pattern[j]
            # New float objects, as every live frame makes its own (`+ 0.0` gives a new one).
            values = {"signal": r.signal + 0.0, "brightness": r.brightness + 0.0}
            metrics = {k: v + 0.0 for k, v in r.metrics.items()}
            t = r.timestamp_s + lap * period_s
            store.append(dataclasses.replace(r, index=i, timestamp_s=t, metrics=metrics, **values))
        gc.collect()
        return (tracemalloc.get_traced_memory()[0] - before) / frames
    finally:
        tracemalloc.stop()


def test_live_records_stay_under_20_mb_an_hour() -> None:
    """What a live session keeps per frame for its end-of-set report, measured over 20,000 frames.

    `FrameColumns` (what LiveSession keeps) against the plain list of FrameRecords it replaced: the
    same measurement must see the list's ~0.7 KB a frame, or it measures nothing.
    """
    pattern, _ = live_records(1_500)
    columns = records_bytes_per_frame(FrameColumns(), pattern, FRAMES)
    as_list = records_bytes_per_frame([], pattern, FRAMES)
    per_hour = {name: b * FPS * 3600 / 1e6 for name, b in (("columns", columns), ("list", as_list))}
    print(
        f"per-frame records over {FRAMES} frames: columns {columns:.0f} B/frame = {per_hour['columns']:.1f} MB/hour"
        f" at {FPS:.0f} fps; list of FrameRecord {as_list:.0f} B/frame = {per_hour['list']:.1f} MB/hour"
    )
    assert per_hour["columns"] < MAX_RECORDS_MB_PER_HOUR, per_hour
    assert per_hour["list"] > 2 * MAX_RECORDS_MB_PER_HOUR, per_hour  # the measurement sees the old cost


def _same(a: FrameRecord, b: FrameRecord) -> bool:
    """Equal to the last bit, NaN for NaN (the text of a float is exact): frames.csv is written from the columns."""
    return repr(a) == repr(b)


def test_frame_columns_give_back_the_records_and_the_same_report() -> None:
    """More than one chunk of real records, with people out of view: every field back, the report identical."""
    records, analyser = live_records(5_000)
    columns = FrameColumns()
    for r in records:
        columns.append(r)
    assert len(columns) == len(records) and columns.last_timestamp_s == records[-1].timestamp_s
    assert all(_same(a, b) for a, b in zip(records, columns, strict=True))
    for i in (0, 4095, 4096, -1, -len(records)):
        assert _same(columns[i], records[i])
    assert [r.index for r in columns[4_990:5_005]] == list(range(4_990, 5_000))
    with pytest.raises(IndexError):
        columns[len(records)]

    def report(kept: Sequence[FrameRecord]) -> dict:
        return build_report(AnalysisResult(_live_info(64, 48), "auto", analyser, kept))

    from_list, from_columns = report(records), report(columns)
    assert from_list["rep_count"] > 50 and from_list["frames"] == len(records)
    assert any(w["code"] == "person_lost" for w in from_list["warnings"])  # the records matter to it
    assert from_columns == from_list
