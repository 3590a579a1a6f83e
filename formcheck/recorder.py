"""One set as it is recorded, frame by frame, for a video file and a live camera alike.

Both paths (formcheck.pipeline.analyse_video and formcheck.app.live.LiveSession) hand each analysed
frame's pose and feedback to a `SetRecorder`; it keeps the frame's record, runs the posture check beside
a named exercise, and at the end of the set closes the analyser's last rep or hold and gives the
`AnalysisResult` that the report, frames.csv and the history are built from. With `auto` it also feeds the
set splitter (exercises/framework/sets.py), which finds the sets of a whole-workout recording as it goes.
"""

from __future__ import annotations

import numpy as np

from exercises.framework.analyser import FrameFeedback, SetAnalyser
from exercises.framework.auto import ExerciseVote
from exercises.framework.sets import SetsAnalyser
from formcheck.records import FrameColumns
from formcheck.results import AnalysisResult, StageWaits, frame_record
from vision.pose import Pose
from vision.video import DecodeStop, VideoInfo


class SetRecorder:
    """The records of one set and its end; the analyser is the set's (the stream's model and smoothing are not)."""

    def __init__(self, analyser: SetAnalyser, exercise_requested: str, sets: SetsAnalyser | None = None) -> None:
        """`sets`: the splitter and per-set analysers of a recording of several sets (`auto`), or None."""
        self.analyser = analyser
        self.sets = sets
        self.exercise_requested = exercise_requested  # what the user asked for: a name, or "auto"
        self.records = FrameColumns()
        # With a named exercise the posture vote of `auto` still runs alongside (it is cheap), so the end of
        # the set can say when the movement seen was clearly another exercise (formcheck.exercise_check).
        self.posture_check = ExerciseVote() if analyser.recognition is None else None

    def add(
        self,
        pose: Pose | None,
        fb: FrameFeedback,
        rgb: np.ndarray | None = None,
        index: int | None = None,
        repeated: bool = False,
    ) -> None:
        """One analysed frame (the analyser has just seen `pose`); `index` defaults to the frames recorded so far
        (a video passes its frame numbers, which a perturbed source may skip); `repeated`: the same picture as the
        frame before (checked on video files only)."""
        if self.posture_check is not None and pose is not None:
            self.posture_check.add(pose, self.analyser.body_context)
        if self.sets is not None:
            self.sets.update(pose, fb.timestamp_s, repeated)
        number = len(self.records) if index is None else index
        self.records.append(frame_record(number, pose, fb, rgb, repeated))

    def finish(
        self, info: VideoInfo, stopped: DecodeStop | None = None, waits: StageWaits | None = None
    ) -> AnalysisResult:
        """End the set: the analyser's last rep or hold closes; the result the report and the history take."""
        self.analyser.finish()
        found = None
        if self.sets is not None:
            found = self.sets.finish(self.records[-1].timestamp_s) if len(self.records) else []
        return AnalysisResult(
            info=info,
            exercise_requested=self.exercise_requested,
            analyser=self.analyser,
            records=self.records,
            stopped=stopped,
            waits=waits or StageWaits(),
            exercise_vote=self.posture_check,
            sets=found,
        )
