"""What an analysed video or live session is made of: per-frame records and the result handed to reports.

Its own module so that the pipeline (which produces results) and the report (which reads them)
both build on it without importing each other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from exercises.framework.analyser import Analyser, FrameFeedback
from exercises.framework.auto import AutoAnalyser, ExerciseVote
from exercises.framework.sets import FoundSet
from exercises.measures.features import foot_in_view
from vision.pose import Pose
from vision.video import DecodeStop, VideoInfo


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
    brightness: float = math.nan  # mean pixel value 0-255; NaN when not measured (live camera)
    repeated: bool = False  # the same picture as the frame before (not checked on a live camera)


@dataclass
class StageWaits:
    """Seconds the model's thread spent waiting for decoded frames and for the stage after it
    (smoothing, analysis, drawing, encoding).

    Near zero with overlap means the model set the pace; without overlap they are those stages' own times.
    """

    for_frames_s: float = 0.0
    for_writer_s: float = 0.0


@dataclass
class AnalysisResult:
    info: VideoInfo
    exercise_requested: str
    analyser: Analyser | AutoAnalyser
    # What the set recorded (formcheck.recorder keeps them in formcheck.records.FrameColumns, for a video and
    # a live session alike); read as FrameRecords, so tests may hand in a plain list.
    records: Sequence[FrameRecord] = field(default_factory=list)
    stopped: DecodeStop | None = None
    waits: StageWaits = field(default_factory=StageWaits)
    # The posture vote run beside a named exercise (None for `auto`, whose analyser votes itself).
    exercise_vote: ExerciseVote | None = None
    # `auto` on a whole recording: the sets found in it (exercises/framework/sets.py), each with its own
    # analyser; None when the exercise was named (the recording is then one set).
    sets: list[FoundSet] | None = None


def frame_record(
    index: int, pose: Pose | None, fb: FrameFeedback, rgb: np.ndarray | None = None, repeated: bool = False
) -> FrameRecord:
    feet = pose is not None and foot_in_view(pose)
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
        # Every 8th pixel each way: enough to tell a dark room, ~1/64 of the cost.
        brightness=float(rgb[::8, ::8].mean()) if rgb is not None and rgb.size else math.nan,
        repeated=repeated,
    )
