"""`formcheck bench-speed VIDEO [VIDEO ...]`: where the time goes, measured in one run on one machine.

On the first video (the same frames for 1-3):
1. model only: PoseEstimator.estimate (PoseLandmarker VIDEO mode plus the conversion to `Pose`) on
   pre-decoded RGB frames; the ceiling for any pipeline using this model;
2. naive loop, as typical open-source form checkers do it, one frame after another on one thread:
   cv2 decode -> detect -> one knee angle -> draw -> cv2 (mp4v) write;
3. `formcheck analyse` end to end (analyse_video: decode, pose, smoothing, analysis, overlay, H.264,
   reports), overlapped (the default) and serial (overlap=False) for comparison;
4. live: the app's camera callback (formcheck.app.live.LiveVideoProcessor.recv_queued) fed 640x480
   frames at 30 fps from a camera thread; like streamlit-webrtc's async mode, frames that queued
   up while a callback ran are handed over together and only the newest is analysed (the rest
   count as dropped);
5. memory: peak RSS and RSS growth of `analyse_video` on the clip looped to N frames, in a fresh process;
   and the live path (FrameProcessor.process + render) over N small frames: steady per-frame time, RSS growth;
6. start-up: imports and model load, in a fresh process;
7. with two or more videos: all of them one at a time, then spread over the cores (analyse_many).

Throughputs are best-of `--repeat` rounds (the rounds interleave the measurements, so a busy
spell on a shared machine hits them alike). CPU time is the whole process's, all threads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from formcheck.pipeline import DEFAULT_MAX_SIDE_PX, exercise_choices
from formcheck.records import FrameColumns
from formcheck.results import FrameRecord
from vision.estimator import EstimatorConfig

LIVE_SIZE = (640, 480)
LIVE_FPS = 30.0
LIVE_CLIP_FRAMES = 300  # distinct frames fed to the live path, looped
RSS_SAMPLE_EVERY = 500  # frames
RSS_WARM_FRAMES = 1000  # growth is measured from here: the model, queues and encoder have settled by then

# The targets; printed next to the measurements.
TARGET_ANALYSE_VS_MODEL = 0.9
TARGET_LIVE_P95_MS = 40.0
TARGET_RSS_GROWTH_MB = 30.0
TARGET_STARTUP_S = 2.0
TARGET_BATCH_SPEEDUP = 1.5


@dataclass(frozen=True)
class Throughput:
    name: str
    frames: int
    wall_s: float
    cpu_s: float
    # analyse only: seconds the model's thread waited for decoded frames / for the drawing+encoding stage
    waited_for_frames_s: float = math.nan
    waited_for_writer_s: float = math.nan

    @property
    def fps(self) -> float:
        return self.frames / self.wall_s if self.wall_s > 0 else math.nan

    @property
    def cpu_ms_per_frame(self) -> float:
        return 1000 * self.cpu_s / self.frames if self.frames else math.nan


@dataclass(frozen=True)
class LiveStats:
    fed: int
    processed: int
    dropped: int
    seconds: float
    first_frame_ms: float  # includes loading the model, as the app's first frame does
    callback_ms: list[float] = field(repr=False)
    capture_to_output_ms: list[float] = field(repr=False)
    max_backlog: int = 0  # frames waiting when the callback picked them up

    @property
    def processed_fps(self) -> float:
        return self.processed / self.seconds

    @property
    def drop_share(self) -> float:
        return self.dropped / self.fed if self.fed else math.nan


@dataclass(frozen=True)
class MemoryStats:
    frames: int
    seconds: float
    peak_rss_mb: float
    samples: list[tuple[int, float]]  # (frames done, RSS MB)
    records_mb: float  # the per-frame records frames.csv is written from, kept by design

    @property
    def growth_mb(self) -> float:
        """RSS growth from the warm sample to the end, along a least-squares line through the warm samples.

        Single samples swing by +-15 MB with how full the frame queues happen to be; the trend does not.
        """
        warm = np.array([(done, rss) for done, rss in self.samples if done >= RSS_WARM_FRAMES], dtype=float)
        if len(warm) < 3:
            return math.nan
        slope = np.polyfit(warm[:, 0], warm[:, 1], 1)[0]
        return float(slope * (warm[-1, 0] - warm[0, 0]))


def _timed(name: str, run: Callable[[], int]) -> Throughput:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    frames = run()
    return Throughput(name, frames, time.perf_counter() - wall0, time.process_time() - cpu0)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- 1-3: throughput ---------------------------------------------------------------------------


def decode_all(path: Path) -> list[tuple[np.ndarray, float]]:
    from vision.video import VideoFileSource

    with VideoFileSource(path, max_side_px=DEFAULT_MAX_SIDE_PX) as source:
        return [(frame.rgb, frame.timestamp_s) for frame in source]


def model_only(frames: list[tuple[np.ndarray, float]], config: EstimatorConfig | None = None) -> Throughput:
    """The pose model alone on decoded frames; by default as `analyse` runs it (with the body's outline)."""
    from vision.estimator import PoseEstimator

    with PoseEstimator(config) as estimator:  # loaded before the clock starts: this is the model's own speed

        def run() -> int:
            for rgb, t in frames:
                estimator.estimate(rgb, t)
            return len(frames)

        return _timed("model only", run)


def naive_loop(path: Path, out_dir: Path) -> Throughput:
    """decode -> detect -> angle -> draw -> write, all on one thread, as a typical form checker does."""
    import cv2

    from exercises.measures.features import knee_flexion_deg
    from vision.drawing import draw_skeleton
    from vision.estimator import PoseEstimator
    from vision.landmarks import Side

    left = Side("left")
    with PoseEstimator() as estimator:

        def run() -> int:
            capture = cv2.VideoCapture(str(path))
            fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
            writer, n = None, 0
            while True:
                ok, bgr = capture.read()
                if not ok:
                    break
                pose = estimator.estimate(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), n / fps)
                if pose is not None:
                    draw_skeleton(bgr, pose)
                    knee = knee_flexion_deg(pose, left)
                    cv2.putText(bgr, f"knee {knee:.0f}", (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
                if writer is None:
                    size = (bgr.shape[1], bgr.shape[0])
                    writer = cv2.VideoWriter(str(out_dir / "naive.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
                writer.write(bgr)
                n += 1
            capture.release()
            if writer is not None:
                writer.release()
            return n

        return _timed("naive loop", run)


def analyse(path: Path, exercise: str, out_dir: Path, overlap: bool) -> Throughput:
    from formcheck.pipeline import analyse_video

    waits = []

    def run() -> int:
        result = analyse_video(path, exercise, out_dir, overlap=overlap)
        waits.append(result.waits)
        return len(result.records)

    timed = _timed("analyse" if overlap else "analyse, serial", run)
    return replace(timed, waited_for_frames_s=waits[0].for_frames_s, waited_for_writer_s=waits[0].for_writer_s)


# --- 4: live -----------------------------------------------------------------------------------


def live_frames(frames: list[tuple[np.ndarray, float]]) -> list[np.ndarray]:
    """Centre-cropped to 4:3 and scaled to 640x480, like a webcam frame."""
    import cv2

    out = []
    for rgb, _ in frames[:LIVE_CLIP_FRAMES]:
        h, w = rgb.shape[:2]
        crop_w = min(w, h * 4 // 3)
        x0 = (w - crop_w) // 2
        out.append(cv2.resize(rgb[:, x0 : x0 + crop_w], LIVE_SIZE, interpolation=cv2.INTER_AREA))
    return out


class _Camera:
    """Feeds av.VideoFrames at a fixed rate into a list the callback thread takes from (all at once)."""

    def __init__(self, images: list[np.ndarray], fps: float, count: int) -> None:
        self.images, self.fps, self.count = images, fps, count
        self.pending: list[tuple[object, float]] = []  # (frame, capture time)
        self.done = False
        self.cond = threading.Condition()

    def run(self) -> None:
        import av

        start = time.perf_counter()
        for i in range(self.count):
            delay = start + i / self.fps - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            frame = av.VideoFrame.from_ndarray(self.images[i % len(self.images)], format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, round(self.fps))
            with self.cond:
                self.pending.append((frame, time.perf_counter()))
                self.cond.notify()
        with self.cond:
            self.done = True
            self.cond.notify()

    def take(self) -> list[tuple[object, float]]:
        """Everything queued since the last call; empty when the camera has stopped."""
        with self.cond:
            while not self.pending and not self.done:
                self.cond.wait()
            batch, self.pending = self.pending, []
            return batch


def live_latency(
    images: list[np.ndarray], exercise: str, seconds: float, config: EstimatorConfig | None = None
) -> LiveStats:
    """The app's callback as streamlit-webrtc drives it; `config` replaces the app's estimator settings."""
    from formcheck.app.live import LiveHub, LiveSession
    from formcheck.pipeline import FrameProcessor

    factory = None
    if config is not None:

        def make_processor(exercise: str, model_path: Path | None = None) -> FrameProcessor:
            return FrameProcessor(exercise, model_path, config)

        def factory(exercise: str) -> LiveSession:
            return LiveSession(exercise, processor_factory=make_processor)

    hub = LiveHub(factory)
    hub.exercise = exercise
    processor = hub.processor()
    loop = asyncio.new_event_loop()

    def callback(frames: list) -> None:
        loop.run_until_complete(processor.recv_queued(frames))

    import av

    warm = av.VideoFrame.from_ndarray(images[0], format="rgb24")
    warm.pts, warm.time_base = 0, Fraction(1, round(LIVE_FPS))
    t0 = time.perf_counter()
    callback([warm])  # the first frame loads the model, in the app too; timed apart
    first_ms = 1000 * (time.perf_counter() - t0)

    camera = _Camera(images, LIVE_FPS, round(seconds * LIVE_FPS))
    feeder = threading.Thread(target=camera.run, name="bench-camera", daemon=True)
    callback_ms, latency_ms, backlog, processed, dropped = [], [], 0, 0, 0
    start = time.perf_counter()
    feeder.start()
    while batch := camera.take():
        backlog = max(backlog, len(batch))
        t_call = time.perf_counter()
        callback([frame for frame, _ in batch])
        t_done = time.perf_counter()
        callback_ms.append(1000 * (t_done - t_call))
        latency_ms.append(1000 * (t_done - batch[-1][1]))
        processed += 1
        dropped += len(batch) - 1
    elapsed = time.perf_counter() - start
    feeder.join()
    processor.on_ended()
    loop.close()
    return LiveStats(camera.count, processed, dropped, elapsed, first_ms, callback_ms, latency_ms, backlog)


# --- 5: memory ---------------------------------------------------------------------------------


def looped_copy(source: Path, target: Path, frames: int) -> int:
    """Remux `source` end to end until `frames` video packets are written (no re-encoding)."""
    import av

    written, offset = 0, 0
    with av.open(str(target), "w") as out:
        stream = None
        while written < frames:
            with av.open(str(source)) as inp:
                video = inp.streams.video[0]
                stream = stream or out.add_stream_from_template(video)
                last_end = offset
                for packet in inp.demux(video):
                    if packet.dts is None or written >= frames:
                        continue  # the demuxer's final flush packet, or enough frames
                    step = packet.duration or 1
                    packet.pts = packet.pts + offset if packet.pts is not None else None
                    packet.dts += offset
                    last_end = max(last_end, (packet.pts or packet.dts) + step)
                    packet.stream = stream
                    out.mux(packet)
                    written += 1
                offset = last_end
    return written


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    # VmHWM, not getrusage: ru_maxrss survives exec, so a spawned child would report its parent's peak.
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024


def soak(video: Path, exercise: str, out_dir: Path) -> MemoryStats:
    """Runs in a fresh process: analyse_video on the looped clip, sampling RSS as it goes."""
    from formcheck.pipeline import analyse_video

    samples = [(0, _rss_mb())]

    def sample(done: int, total: int | None) -> None:
        # Sampled while running (the last frame too): after the call, queues and encoder are already freed.
        if done % RSS_SAMPLE_EVERY == 0 or done == total:
            samples.append((done, _rss_mb()))

    start = time.perf_counter()
    result = analyse_video(video, exercise, out_dir, progress=sample)
    elapsed = time.perf_counter() - start
    return MemoryStats(len(result.records), elapsed, _peak_rss_mb(), samples, _records_mb(result.records))


def _records_mb(records: Sequence[FrameRecord]) -> float:
    """Size of the set's records: the bytes of their columns (formcheck.records.FrameColumns)."""
    assert isinstance(records, FrameColumns)  # what formcheck.recorder keeps, for every video
    return records.nbytes() / 2**20


def memory(video: Path, exercise: str, frames: int, work: Path) -> MemoryStats:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    looped = work / "looped.mp4"
    looped_copy(video, looped, frames)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(soak, looped, exercise, work / "soak").result()


# --- 5b: the live path over a long session ---------------------------------------------------

LIVE_SOAK_SHAPE = (96, 128, 3)  # small camera-like frames: the model's and the analysers' cost, not the picture's
LIVE_SOAK_SLACK_MS = 10.0  # other processes on a shared machine slow stretches of frames by this much


@dataclass(frozen=True)
class LiveSoak:
    """FrameProcessor.process + render frame after frame (the live callback's work, pose model included)."""

    frames: int  # measured, after the warm-up
    first_ms: float  # per-frame time in the first tenth (lower quartile: a busy spell slows a stretch,
    last_ms: float  # a leak or a growing buffer slows every frame) and in the last tenth
    start_mb: float  # RSS after the warm-up and at the end
    end_mb: float

    @property
    def growth_mb(self) -> float:
        return self.end_mb - self.start_mb

    @property
    def steady(self) -> bool:
        """The last tenth no slower than twice the first (plus the shared machine's noise)."""
        return self.last_ms < 2.0 * self.first_ms + LIVE_SOAK_SLACK_MS


def live_soak(frames: int, warmup: int = 1_000, exercise: str = "auto") -> LiveSoak:
    """`frames` live frames after `warmup` ones, timed one by one, with RSS before and after."""
    import gc

    from formcheck.pipeline import FrameProcessor

    frame = np.full(LIVE_SOAK_SHAPE, 80, np.uint8)
    times = []
    with FrameProcessor(exercise) as proc:
        for i in range(warmup + frames):
            frame[0, 0, 0] = i % 255  # a little change per frame, so nothing is cached on identical input
            t0 = time.perf_counter()
            pose, feedback = proc.process(frame, i / LIVE_FPS)
            proc.render(frame, pose, feedback)
            if i >= warmup:
                times.append(time.perf_counter() - t0)
            if i + 1 == warmup:
                gc.collect()
                start_mb = _rss_mb()
        gc.collect()
        end_mb = _rss_mb()
    tenth = max(len(times) // 10, 4)
    first, last = (1e3 * statistics.quantiles(part, n=4)[0] for part in (times[:tenth], times[-tenth:]))
    return LiveSoak(len(times), first, last, start_mb, end_mb)


def _print_live_soak(soak: LiveSoak) -> None:
    bounded = soak.growth_mb < TARGET_RSS_GROWTH_MB
    print(
        f"live path over {soak.frames} frames: {soak.first_ms:.2f} ms/frame (lower quartile) in the first tenth,"
        f" {soak.last_ms:.2f} in the last (steady: {_verdict(soak.steady)}); RSS {soak.start_mb:.0f} ->"
        f" {soak.end_mb:.0f} MB (growth < {TARGET_RSS_GROWTH_MB:.0f}: {_verdict(bounded)})"
    )


# --- 6: start-up -------------------------------------------------------------------------------

_STARTUP_CODE = """
import json, time
t0 = time.perf_counter()
from formcheck.pipeline import FrameProcessor
t1 = time.perf_counter()
proc = FrameProcessor("auto")
t2 = time.perf_counter()
proc.close()
print(json.dumps({"imports_s": t1 - t0, "model_load_s": t2 - t1}))
"""


def startup() -> dict[str, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _STARTUP_CODE], capture_output=True, text=True, check=True, env=_quiet_env()
    )
    times = json.loads(done.stdout.strip().splitlines()[-1])
    times["process_s"] = time.perf_counter() - start  # interpreter start and exit included
    return times


def _quiet_env() -> dict[str, str]:
    return {**os.environ, "GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2"}


# --- 7: batch ----------------------------------------------------------------------------------


def batch(videos: list[Path], exercise: str, jobs: int, work: Path) -> tuple[Throughput, Throughput]:
    from formcheck.pipeline import BatchItem, analyse_many, analyse_video

    def one_at_a_time() -> int:
        return sum(len(analyse_video(v, exercise, work / "seq" / v.stem).records) for v in videos)

    def spread() -> int:
        items = [BatchItem(v, work / "par" / v.stem) for v in videos]
        reports = analyse_many(items, exercise, workers=jobs)
        for outcome in reports:
            if isinstance(outcome, Exception):
                raise outcome
        return sum(r["frames"] for r in reports)  # type: ignore[index]

    return _timed("one at a time", one_at_a_time), _timed(f"{jobs} processes", spread)


# --- the run and its report ---------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else math.nan


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _print_throughputs(best: dict[str, Throughput], rounds: dict[str, list[float]]) -> None:
    print(f"{'measurement':<18}{'frames':>8}{'fps':>8}{'cpu ms/frame':>14}{'waits s':>14}   all rounds (fps)")
    for name, t in best.items():
        runs = ", ".join(f"{fps:.1f}" for fps in rounds[name])
        waits = f"{t.waited_for_frames_s:.1f} / {t.waited_for_writer_s:.1f}" if name.startswith("analyse") else ""
        print(f"{name:<18}{t.frames:>8}{t.fps:>8.1f}{t.cpu_ms_per_frame:>14.1f}{waits:>14}   {runs}")
    print(
        "(waits: seconds the model's thread waited for decoded frames / for drawing+encoding, of the run's wall time)"
    )
    outline_ms = best["model only"].cpu_ms_per_frame - best["model, no outline"].cpu_ms_per_frame
    print(
        f"the body's outline (mask + trunk edges): {outline_ms:+.1f} cpu ms/frame,"
        f" model fps {best['model, no outline'].fps:.1f} -> {best['model only'].fps:.1f}"
    )
    for label, other, target in (
        ("model only", "model only", TARGET_ANALYSE_VS_MODEL),
        ("model without the outline", "model, no outline", None),
        ("naive loop", "naive loop", 1.0),
        ("analyse, serial", "analyse, serial", None),
    ):
        best_ratio = best["analyse"].fps / best[other].fps
        # Per-round ratios compare runs minutes apart at most: on a shared machine they are the fairer figure.
        median_ratio = statistics.median(a / b for a, b in zip(rounds["analyse"], rounds[other], strict=True))
        verdict = f" (target >= {target}: {_verdict(median_ratio >= target)})" if target is not None else ""
        print(f"analyse / {label}: {median_ratio:.2f} median of rounds, {best_ratio:.2f} best vs best{verdict}")


def _print_live(live: LiveStats, label: str) -> None:
    cb, lat = live.callback_ms, live.capture_to_output_ms
    p95 = _pct(cb, 95)
    print(
        f"live ({label}) 640x480 fed at {LIVE_FPS:.0f} fps for {live.seconds:.1f} s:"
        f" {live.processed_fps:.1f} fps analysed,"
        f" {live.drop_share:.1%} of {live.fed} frames dropped, largest backlog {live.max_backlog} frame(s)"
    )
    print(f"  callback ms: p50 {_pct(cb, 50):.1f}, p95 {p95:.1f}, max {max(cb, default=math.nan):.1f}")
    print(f"  capture -> overlaid frame ms: p50 {_pct(lat, 50):.1f}, p95 {_pct(lat, 95):.1f}, max {max(lat):.1f}")
    print(f"  first frame (loads the model): {live.first_frame_ms:.0f} ms")
    print(f"  p95 <= {TARGET_LIVE_P95_MS:.0f} ms: {_verdict(p95 <= TARGET_LIVE_P95_MS)};", end=" ")
    print(f"every frame analysed at 30 fps: {_verdict(live.dropped == 0)}")


def _print_memory(mem: MemoryStats) -> None:
    if math.isnan(mem.growth_mb):
        print(f"memory over {mem.frames} frames: peak RSS {mem.peak_rss_mb:.0f} MB (too few frames for a growth trend)")
        return
    trace = ", ".join(f"{done}:{rss:.0f}" for done, rss in mem.samples[:: max(1, len(mem.samples) // 8)])
    print(
        f"memory over {mem.frames} frames ({mem.frames / mem.seconds:.1f} fps): peak RSS {mem.peak_rss_mb:.0f} MB,"
        f" growth after frame {RSS_WARM_FRAMES} {mem.growth_mb:+.1f} MB (trend)"
        f" (target < {TARGET_RSS_GROWTH_MB:.0f}: {_verdict(mem.growth_mb < TARGET_RSS_GROWTH_MB)});"
        f" of which per-frame records ~{mem.records_mb * (1 - RSS_WARM_FRAMES / mem.frames):.1f} MB"
    )
    print(f"  RSS MB by frame: {trace}")


def _print_startup(times: dict[str, float]) -> None:
    total = times["imports_s"] + times["model_load_s"]
    print(
        f"start-up: imports {times['imports_s']:.2f} s + model load {times['model_load_s']:.2f} s = {total:.2f} s"
        f" (target < {TARGET_STARTUP_S:.0f}: {_verdict(total < TARGET_STARTUP_S)});"
        f" whole process {times['process_s']:.2f} s"
    )


def _print_batch(seq: Throughput, par: Throughput) -> None:
    speedup = par.fps / seq.fps
    print(
        f"batch of {seq.frames} frames: one at a time {seq.fps:.1f} fps, {par.name} {par.fps:.1f} fps,"
        f" x{speedup:.2f} (target >= {TARGET_BATCH_SPEEDUP}: {_verdict(speedup >= TARGET_BATCH_SPEEDUP)})"
    )


def _throughput_rounds(
    video: Path, frames: list[tuple[np.ndarray, float]], exercise: str, repeat: int, work: Path
) -> tuple[dict[str, Throughput], dict[str, list[float]]]:
    steps: dict[str, Callable[[], Throughput]] = {
        "model only": lambda: model_only(frames),
        # What the segmentation mask and the trunk's outline cost (vision/outline.py).
        "model, no outline": lambda: model_only(frames, EstimatorConfig(outline=False)),
        "naive loop": lambda: naive_loop(video, work),
        "analyse": lambda: analyse(video, exercise, work / "analyse", overlap=True),
        "analyse, serial": lambda: analyse(video, exercise, work / "serial", overlap=False),
    }
    best: dict[str, Throughput] = {}
    rounds: dict[str, list[float]] = {name: [] for name in steps}
    for r in range(repeat):
        for name, step in steps.items():
            _say(f"round {r + 1}/{repeat}: {name} ...")
            t = step()
            rounds[name].append(t.fps)
            if name not in best or t.fps > best[name].fps:
                best[name] = t
    return best, rounds


def run(args: argparse.Namespace) -> int:
    videos = [Path(v) for v in args.videos]
    video = videos[0]
    results: dict[str, object] = {"video": str(video), "machine": _machine(), "command": " ".join(sys.argv)}
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-") as tmp:
        work = Path(tmp)
        _say(f"decoding {video.name} ...")
        frames = decode_all(video)
        height, width = frames[0][0].shape[:2]
        print(f"{video.name}: {len(frames)} frames, {width}x{height}; machine: {results['machine']}")
        if args.repeat > 0:
            best, rounds = _throughput_rounds(video, frames, args.exercise, args.repeat, work)
            _print_throughputs(best, rounds)
            results["throughput"] = {n: {**asdict(t), "fps": t.fps, "rounds_fps": rounds[n]} for n, t in best.items()}
        if args.live_seconds > 0:
            images = live_frames(frames)
            del frames
            # As the app runs it (one-person tracker, a search for others each second), then searching
            # every frame as for video files (two candidate people), then with no search at all.
            variants = (
                ("live", "app as is", None),
                ("live_search_every_frame", "num_poses=2 every frame", EstimatorConfig(num_poses=2)),
                ("live_one_person", "num_poses=1", EstimatorConfig(num_poses=1)),
            )
            for key, label, config in variants:
                _say(f"live path, {label} ...")
                live = live_latency(images, args.exercise, args.live_seconds, config)
                _print_live(live, label)
                results[key] = {
                    **asdict(live),
                    "callback_p50_ms": _pct(live.callback_ms, 50),
                    "callback_p95_ms": _pct(live.callback_ms, 95),
                    "processed_fps": live.processed_fps,
                    "drop_share": live.drop_share,
                }
            del images
        else:
            del frames
        _say("start-up ...")
        times = startup()
        _print_startup(times)
        results["startup"] = times
        if len(videos) > 1:
            _say(f"batch of {len(videos)} videos ...")
            seq, par = batch(videos, args.exercise, args.jobs or os.cpu_count() or 1, work)
            _print_batch(seq, par)
            results["batch"] = {
                "one_at_a_time": {**asdict(seq), "fps": seq.fps},
                "spread": {**asdict(par), "fps": par.fps},
            }
        if args.soak_frames > 0:
            _say(f"memory: {args.soak_frames} frames of {video.name} looped (about {args.soak_frames / 15:.0f} s) ...")
            mem = memory(video, args.exercise, args.soak_frames, work)
            _print_memory(mem)
            results["memory"] = {**asdict(mem), "growth_mb": mem.growth_mb}
        if args.live_soak_frames > 0:
            _say(f"live path: {args.live_soak_frames} frames (about {args.live_soak_frames / 60:.0f} s) ...")
            live_run = live_soak(args.live_soak_frames)
            _print_live_soak(live_run)
            results["live_soak"] = {**asdict(live_run), "growth_mb": live_run.growth_mb, "steady": live_run.steady}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=float))
    return 0


def _machine() -> str:
    import platform

    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), model)
    except OSError:
        pass
    load = os.getloadavg()[0]
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, load avg {load:.1f} at start"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("videos", nargs="+", help="720p clips; the first is measured, all of them for the batch")
    parser.add_argument("--exercise", choices=exercise_choices(), default="auto")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of the throughput measurements, best kept (0 skips them)"
    )
    parser.add_argument("--live-seconds", type=float, default=20.0, help="length of the live feed (0 skips it)")
    parser.add_argument(
        "--soak-frames", type=int, default=20_000, help="frames of the looped memory run (0 skips it; ~15 fps)"
    )
    parser.add_argument(
        "--live-soak-frames",
        type=int,
        default=20_000,
        help="frames of the live path's long run, pose model included (0 skips it; ~60 fps on small frames)",
    )
    parser.add_argument("--jobs", type=int, default=None, help="processes for the batch (default: one per core)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="formcheck bench-speed", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
