"""One pipeline for the CLI and the app: frames -> Pose -> analyser -> feedback -> renderers."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from exercises.analyser import Analyser, FrameFeedback
from exercises.auto import SPECS, AutoAnalyser
from vision.drawing import render_overlay
from vision.estimator import EstimatorConfig, PoseEstimator
from vision.pose import Pose
from vision.smoothing import PoseSmoother
from vision.video import DecodeStop, VideoFileSource, VideoInfo
from vision.writer import VideoWriter

EXERCISE_CHOICES = ("squat", "lunge", "bridge", "auto")
DEFAULT_MAX_SIDE_PX = 1280  # 4K input is analysed and written at this size: pose needs no more


def make_analyser(exercise: str) -> Analyser | AutoAnalyser:
    if exercise == "auto":
        return AutoAnalyser()
    if exercise not in SPECS:
        raise ValueError(f"unknown exercise {exercise!r}; choose one of {', '.join(EXERCISE_CHOICES)}")
    return Analyser(SPECS[exercise])


class FrameProcessor:
    """Per-stream state: estimator, smoother, analyser. One per video or per camera session."""

    def __init__(self, exercise: str, model_path: Path | None = None) -> None:
        config = EstimatorConfig(model_path=Path(model_path)) if model_path else EstimatorConfig()
        self.analyser = make_analyser(exercise)
        self.estimator = PoseEstimator(config)
        self.smoother = PoseSmoother()

    def process(self, rgb: np.ndarray, timestamp_s: float) -> tuple[Pose | None, FrameFeedback]:
        pose = self.smoother(self.estimator.estimate(rgb, timestamp_s))
        return pose, self.analyser.update(pose, timestamp_s)

    def render(self, rgb: np.ndarray, pose: Pose | None, feedback: FrameFeedback) -> np.ndarray:
        return render_overlay(rgb, pose, feedback, self.analyser.name, self.analyser.spec.display_metrics)

    def close(self) -> None:
        self.estimator.close()

    def __enter__(self) -> FrameProcessor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class FrameRecord:
    """What frames.csv keeps of each frame."""

    index: int
    timestamp_s: float
    has_pose: bool
    people: int
    feet_in_view: bool
    phase: str
    rep_count: int
    signal: float
    cue: str | None
    metrics: dict[str, float]


@dataclass
class AnalysisResult:
    info: VideoInfo
    exercise_requested: str
    analyser: Analyser | AutoAnalyser
    records: list[FrameRecord] = field(default_factory=list)
    stopped: DecodeStop | None = None


def _record(index: int, pose: Pose | None, fb: FrameFeedback) -> FrameRecord:
    from exercises.features import in_frame, seen
    from vision.landmarks import Landmark

    feet = pose is not None and any(
        seen(pose, a) and in_frame(pose, a) for a in (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE)
    )
    return FrameRecord(
        index=index,
        timestamp_s=fb.timestamp_s,
        has_pose=fb.has_pose,
        people=pose.people_detected if pose is not None else 0,
        feet_in_view=feet,
        phase=fb.phase,
        rep_count=fb.rep_count,
        signal=fb.signal,
        cue=fb.cue.code if fb.cue else None,
        metrics=dict(fb.metrics),
    )


ProgressFn = Callable[[int, int | None], None]


def analyse_video(
    path: Path,
    exercise: str,
    out_dir: Path | None = None,
    model_path: Path | None = None,
    max_side_px: int | None = DEFAULT_MAX_SIDE_PX,
    progress: ProgressFn | None = None,
) -> AnalysisResult:
    """Analyse one video file; with `out_dir`, write annotated.mp4, report.json and frames.csv there."""
    from formcheck.report import write_outputs

    with VideoFileSource(path, max_side_px=max_side_px) as source, FrameProcessor(exercise, model_path) as proc:
        result = AnalysisResult(info=source.info, exercise_requested=exercise, analyser=proc.analyser)
        writer = None
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            writer = VideoWriter(out_dir / "annotated.mp4", source.info.width, source.info.height, source.info.fps)
        try:
            for frame in source:
                pose, fb = proc.process(frame.rgb, frame.timestamp_s)
                result.records.append(_record(frame.index, pose, fb))
                if writer is not None:
                    writer.write(proc.render(frame.rgb, pose, fb), frame.timestamp_s)
                if progress is not None:
                    progress(frame.index + 1, source.info.frame_count)
        finally:
            if writer is not None:
                writer.close()
        proc.analyser.finish()
        result.stopped = source.stopped
    if out_dir is not None:
        write_outputs(result, out_dir)
    return result


def finite_or_none(value: float) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None
