"""One pipeline for the CLI and the app: frames -> Pose -> analyser -> feedback -> renderers."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import numpy as np

from exercises.framework import registry
from exercises.framework.analyser import Analyser, ExerciseSpec, FrameFeedback, SetAnalyser
from exercises.framework.auto import AutoAnalyser
from exercises.framework.sets import SetsAnalyser
from exercises.measures.calibration import BackCalibration
from exercises.measures.reference import SetReference
from formcheck.bench.posecache import ORIGINAL, TRACK_MAX_SIDE_PX, TrackReplay, cached_track
from formcheck.overlay import render_overlay, set_banner, split_shown
from formcheck.recorder import SetRecorder
from formcheck.report import build_report, write_outputs
from formcheck.results import AnalysisResult, StageWaits
from vision.estimator import EstimatorConfig, PoseEstimator
from vision.pose import Pose
from vision.smoothing import PoseSmoother
from vision.video import Frame, RepeatWatch, VideoFileSource, thumbnail
from vision.writer import VideoWriter

DEFAULT_MAX_SIDE_PX = 1280  # 4K input is analysed and written at this size: pose needs no more
# Frames held between pipeline stages. A 720p RGB frame is 2.7 MB, so this bounds the
# extra memory (~2 x 8 frames) while absorbing the jitter between decoder, model and encoder.
STAGE_QUEUE_FRAMES = 8

# Nice value added to the decode and write threads (Linux), e.g. "10". Off by default: it won ~3 % of
# throughput but let the writer lag and RSS climb ~40 MB over a long video (docs/performance.md).
HELPER_NICE_ENV = "FORMCHECK_HELPER_NICE"

# A folder of the pose model's output per video (formcheck/bench/posecache.py, as `bench-accuracy --cache`):
# when set, an unaltered video analysed at the default size with the shipped model has its poses read from
# there, estimated and kept on its first analysis. For the test suite, which analyses the same shared clips
# in many tests (tests/conftest.py: pose_cache); unset, the model runs on every frame.
POSE_CACHE_ENV = "FORMCHECK_POSE_CACHE"

Item = TypeVar("Item")  # a stage queue's element; `T` is the exercises' thresholds instance


def exercise_choices() -> tuple[str, ...]:
    """What `--exercise` and the app's select accept: every registered exercise, then auto."""
    return (*registry.names(), "auto")


References = Mapping[str, SetReference]  # the person's reference set per exercise (formcheck/reference.py)


def make_analyser(
    exercise: str, calibration: BackCalibration | None = None, references: References | None = None
) -> SetAnalyser:
    """The analyser of `exercise` (or `auto`), with the person's calibration and their reference set of it."""
    if exercise == "auto":
        return AutoAnalyser(calibration, references)
    if registry.resolve(exercise) is None:
        raise ValueError(f"unknown exercise {exercise!r}; choose one of {', '.join(exercise_choices())}")
    spec = registry.get(exercise)
    return Analyser(spec, calibration, (references or {}).get(spec.name))


def make_sets(
    exercise: str, calibration: BackCalibration | None = None, references: References | None = None
) -> SetsAnalyser | None:
    """With `auto`, the splitter that finds the sets of a whole recording, a fresh `auto` analyser per set
    (exercises/framework/sets.py); None for a named exercise (the recording is one set of it)."""
    if exercise != "auto":
        return None
    return SetsAnalyser(lambda: make_analyser("auto", calibration, references))


class FrameProcessor:
    """Per-stream state: estimator, smoother, analyser. One per video or per camera session.

    What a set keeps of its frames, and its end, is the `SetRecorder`'s (formcheck/recorder.py).
    """

    def __init__(
        self,
        exercise: str,
        model_path: Path | None = None,
        config: EstimatorConfig | None = None,
        calibration: BackCalibration | None = None,
        references: References | None = None,
    ) -> None:
        # `config` wins over `model_path`; e.g. num_poses=1 skips the per-frame search for a second person.
        config = config or (EstimatorConfig(model_path=Path(model_path)) if model_path else EstimatorConfig())
        self._calibration = calibration
        self._references = dict(references or {})
        self.restart(exercise)
        self.estimator = PoseEstimator(config)
        self.smoother = PoseSmoother()

    def restart(self, exercise: str) -> None:
        """A new set on the same stream (the next step of a routine): a fresh analyser for `exercise`;
        the model, its tracking of the person and the smoothing carry on."""
        self.analyser = self.new_analyser(exercise)

    def new_analyser(self, exercise: str) -> SetAnalyser:
        """A fresh analyser of `exercise` with this stream's person (calibration, reference sets)."""
        return make_analyser(exercise, self._calibration, self._references)

    def process(self, rgb: np.ndarray, timestamp_s: float) -> tuple[Pose | None, FrameFeedback]:
        return self.follow(self.estimator.estimate(rgb, timestamp_s), timestamp_s)

    def pose(self, rgb: np.ndarray, timestamp_s: float) -> Pose | None:
        """The smoothed pose of one frame, not analysed: a live `auto` session's sets analyse it
        (formcheck.live_sets), each set with its own analyser."""
        return self.smoother(self.estimator.estimate(rgb, timestamp_s))

    def follow(self, raw: Pose | None, timestamp_s: float) -> tuple[Pose | None, FrameFeedback]:
        """Smoothing and analysis of one estimated pose: the part of `process` after the model."""
        pose = self.smoother(raw)
        return pose, self.analyser.update(pose, timestamp_s)

    def overlay_spec(self) -> ExerciseSpec:
        """The exercise the overlay shows, as of now (in auto mode it follows the vote)."""
        return self.analyser.spec

    def render(
        self, rgb: np.ndarray, pose: Pose | None, feedback: FrameFeedback, sets: SetsAnalyser | None = None
    ) -> np.ndarray:
        """The frame with the overlay; with `sets` (a recording split into sets) the set under way's (`split_shown`)."""
        if sets is None:
            return render_overlay(rgb, pose, feedback, self.overlay_spec())
        shown, spec = split_shown(sets, feedback, self.overlay_spec(), pose is not None)
        return render_overlay(rgb, pose, shown, spec, set_banner(sets))

    def close(self) -> None:
        self.estimator.close()

    def __enter__(self) -> FrameProcessor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


ProgressFn = Callable[[int, int | None], None]
FrameTransform = Callable[[Iterable[Frame]], Iterable[Frame]]

_END: Any = object()  # what a closed, drained stage queue hands back


class _Pipe:
    """A bounded queue between two threads that either side can close without leaving the other blocked.

    After `close()`, `put` refuses new items and `get` hands back what is left, then `_END`.
    """

    def __init__(self, size: int) -> None:
        self._queue: queue.Queue = queue.Queue(size)
        self._closed = threading.Event()

    def put(self, item: object) -> bool:
        # Short timeouts: a blocked put must notice when the consumer gives up.
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def get(self) -> Any:
        while True:
            try:
                return self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._closed.is_set():
                    # An item put just before close() may have landed after the timeout.
                    try:
                        return self._queue.get_nowait()
                    except queue.Empty:
                        return _END

    def close(self) -> None:
        self._closed.set()


def _lower_thread_priority() -> None:
    """Optionally let the model's threads win the CPU over decoding and encoding (nice is per thread on Linux).

    Threads the codecs start from here inherit the lower priority too.
    """
    nice = os.environ.get(HELPER_NICE_ENV, "0")
    if not nice.isdigit() or int(nice) == 0 or not hasattr(os, "setpriority"):
        return
    with suppress(OSError):  # not permitted here: stay at the normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), int(nice))


class _StageThread(threading.Thread):
    """Runs one pipeline stage; closes its pipe when done and keeps any error for the caller to re-raise."""

    def __init__(self, work: Callable[[], None], pipe: _Pipe, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._work, self._pipe = work, pipe
        self.error: BaseException | None = None

    def run(self) -> None:
        _lower_thread_priority()
        try:
            self._work()
        except BaseException as exc:  # handed to the caller's thread, which re-raises it
            self.error = exc
        finally:
            self._pipe.close()

    def finish(self) -> None:
        self.join()
        if self.error is not None:
            raise self.error


@contextmanager
def read_ahead(
    items: Iterable[Item], size: int = STAGE_QUEUE_FRAMES, name: str = "read-ahead"
) -> Iterator[Iterator[Item]]:
    """Iterate `items` on a background thread, up to `size` ahead of the consumer (here: decoding)."""
    pipe = _Pipe(size)

    def produce() -> None:
        for item in items:
            if not pipe.put(item):
                return  # the consumer stopped early

    thread = _StageThread(produce, pipe, name)
    thread.start()

    def drain() -> Iterator[Item]:
        yield from iter(pipe.get, _END)
        thread.finish()  # re-raise a decoding error in the consumer's thread

    try:
        yield drain()
    finally:
        pipe.close()
        thread.join()  # never leave the thread using a source its owner is about to close


@contextmanager
def write_behind(
    consume: Callable[[Item], None], size: int = STAGE_QUEUE_FRAMES, name: str = "write-behind"
) -> Iterator[Callable[[Item], None]]:
    """A `put(item)` that hands items to `consume` on a background thread (here: drawing and encoding).

    On a normal exit every item put is consumed before the block ends.
    """
    pipe = _Pipe(size)

    def run() -> None:
        for item in iter(pipe.get, _END):
            consume(item)

    thread = _StageThread(run, pipe, name)
    thread.start()

    def put(item: Item) -> None:
        if not pipe.put(item):
            thread.finish()  # the consumer failed: raise its error here
            raise RuntimeError(f"{name} stopped")

    try:
        yield put
    finally:
        pipe.close()
        thread.join()
    thread.finish()


class _Estimated(NamedTuple):
    """One decoded frame with the model's raw pose, on its way to the analysis stage."""

    frame: Frame
    raw: Pose | None


def _follow_stage(
    proc: FrameProcessor, recorder: SetRecorder, writer: VideoWriter | None
) -> Callable[[_Estimated], None]:
    """Everything after the model for one frame, in frame order: smoothing, analysis, record, overlay, encoding.

    It runs on its own thread beside the model (see `analyse_video`), so that the model's thread does
    nothing but feed the model; the analyser state is only ever touched from here, one frame at a time.
    """

    repeats = RepeatWatch()

    def follow(item: _Estimated) -> None:
        frame = item.frame
        pose, fb = proc.follow(item.raw, frame.timestamp_s)
        recorder.add(pose, fb, frame.rgb, frame.index, repeated=repeats.update(thumbnail(frame.rgb)))
        if writer is not None:
            writer.write(proc.render(frame.rgb, pose, fb, recorder.sets), frame.timestamp_s)

    return follow


def analyse_video(
    path: Path,
    exercise: str,
    out_dir: Path | None = None,
    model_path: Path | None = None,
    max_side_px: int | None = DEFAULT_MAX_SIDE_PX,
    progress: ProgressFn | None = None,
    overlap: bool = True,
    transform: FrameTransform | None = None,
    calibration: BackCalibration | None = None,
    references: References | None = None,
) -> AnalysisResult:
    """Analyse one video file; with `out_dir`, write annotated.mp4, report.json and frames.csv there.

    `transform` changes the decoded frames before the model sees them (tests compare paths on the
    same altered footage, e.g. `vision.perturb`); the output size must stay the video's.

    With `overlap`, three threads form a pipeline: decoding, the pose model, and everything after
    the model (smoothing, analysis, drawing, encoding). The model is then rarely kept waiting and its
    thread does no Python work beyond the model call (MediaPipe, PyAV and OpenCV release the GIL).
    Frames still go through the model and the analyser one by one in order: the report is the same either way.
    """
    with ExitStack() as stack:
        source = stack.enter_context(VideoFileSource(path, max_side_px=max_side_px))
        proc = stack.enter_context(FrameProcessor(exercise, model_path, calibration=calibration, references=references))
        recorder = SetRecorder(proc.analyser, exercise, make_sets(exercise, calibration, references))
        waits = StageWaits()
        writer = None
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            info = source.info
            writer = stack.enter_context(VideoWriter(out_dir / "annotated.mp4", info.width, info.height, info.fps))
        follow = _follow_stage(proc, recorder, writer)
        estimator = _cached_poses(path, model_path, max_side_px, transform) or proc.estimator
        with ExitStack() as stages:
            decoded: Iterable[Frame] = transform(source) if transform is not None else source
            frames = stages.enter_context(read_ahead(decoded, name="formcheck-decode")) if overlap else iter(decoded)
            if overlap:
                follow = stages.enter_context(write_behind(follow, name="formcheck-follow"))
            _feed_model(frames, estimator, follow, waits, progress, source.info.frame_count)
        # The follow stage has drained: the analyser has seen every frame.
        result = recorder.finish(source.info, source.stopped, waits)
    if out_dir is not None:
        write_outputs(result, out_dir)
    return result


def _cached_poses(
    path: Path, model_path: Path | None, max_side_px: int | None, transform: FrameTransform | None
) -> TrackReplay | None:
    """The video's poses from the pose cache (POSE_CACHE_ENV), or None to run the model.

    The cache holds the shipped model's poses of a video's own frames at the default size: any
    other model, size or altered frames are estimated afresh.
    """
    folder = os.environ.get(POSE_CACHE_ENV)
    if not folder or model_path is not None or max_side_px != TRACK_MAX_SIDE_PX or transform is not None:
        return None
    return TrackReplay(cached_track(path, ORIGINAL, None, None, Path(folder)))


def _feed_model(
    frames: Iterable[Frame],
    estimator: PoseEstimator | TrackReplay,
    follow: Callable[[_Estimated], None],
    waits: StageWaits,
    progress: ProgressFn | None,
    total: int | None,
) -> None:
    """The model's thread: each decoded frame through the pose model, then on to the follow stage."""
    clock = time.perf_counter
    asked = clock()
    for frame in frames:
        waits.for_frames_s += clock() - asked
        raw = estimator.estimate(frame.rgb, frame.timestamp_s)
        handed = clock()
        follow(_Estimated(frame, raw))
        waits.for_writer_s += clock() - handed
        if progress is not None:
            progress(frame.index + 1, total)
        asked = clock()


BatchProgress = Callable[[int, int, int | None], None]  # (input index, frames done, frame count or None)
_PROGRESS_EVERY = 10  # frames between progress messages from a worker process


@dataclass(frozen=True)
class BatchItem:
    path: Path
    out_dir: Path
    calibration: BackCalibration | None = None  # the person's, when known (formcheck calibrate)
    references: References | None = None  # the person's reference set per exercise (formcheck reference)


def analyse_many(
    items: list[BatchItem],
    exercise: str,
    model_path: Path | None = None,
    max_side_px: int | None = DEFAULT_MAX_SIDE_PX,
    workers: int = 2,
    progress: BatchProgress | None = None,
) -> list[dict | Exception]:
    """Analyse several videos in `workers` processes (one PoseLandmarker each); the report or the error of each.

    Processes, not threads: the analysers are pure Python, and two in one process would share one GIL.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # spawn, not fork: a forked child would inherit locks held by the parent's threads.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        events = manager.Queue()
        # Longest first, so no worker is left alone with a long video at the end.
        order = longest_first(items)
        job = (exercise, model_path, max_side_px, events)
        submitted = {i: pool.submit(_analyse_item, i, items[i], *job) for i in order}
        futures = [submitted[i] for i in range(len(items))]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _relay_progress(events, progress)
        _relay_progress(events, progress)
        return [f.exception() or f.result() for f in futures]  # type: ignore[misc]


def longest_first(items: list[BatchItem]) -> list[int]:
    """Indices of `items`, longest video first (file size stands in for length), for any engine."""
    return sorted(range(len(items)), key=lambda i: -_file_size(items[i].path))


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reported when its turn comes


def _relay_progress(events: Any, progress: BatchProgress | None) -> None:
    while not events.empty():
        index, done, total = events.get()
        if progress is not None:
            progress(index, done, total)


def _analyse_item(
    index: int, item: BatchItem, exercise: str, model_path: Path | None, max_side_px: int | None, events: Any
) -> dict:
    """One video in a worker process; returns the report (AnalysisResult holds callables that do not pickle)."""
    def report_progress(done: int, total: int | None) -> None:
        if done % _PROGRESS_EVERY == 0:
            events.put((index, done, total))

    result = analyse_video(
        item.path,
        exercise,
        item.out_dir,
        model_path,
        max_side_px,
        report_progress,
        calibration=item.calibration,
        references=item.references,
    )
    events.put((index, len(result.records), len(result.records)))
    return build_report(result)
