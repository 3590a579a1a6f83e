"""MediaPipe PoseLandmarker (Tasks API, VIDEO mode) -> `Pose`.

The only module that imports mediapipe. A model file is a PoseLandmarker `.task`
bundle; the default is the one shipped in `vision/models/` (see PROVENANCE.md there).
"""

from __future__ import annotations

import contextlib
import math
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import vision as mp_vision
from mediapipe.tasks.python.core.base_options import BaseOptions

from vision.landmarks import NUM_LANDMARKS, Landmark
from vision.outline import trunk_outline
from vision.pose import Pose
from vision.selection import select_main_person

DEFAULT_MODEL = Path(__file__).parent / "models" / "pose_landmarker_full.task"
_BLANK = np.zeros((64, 64, 3), dtype=np.uint8)


class ModelError(Exception):
    """The pose model file is missing or not a PoseLandmarker bundle; message is for the user."""


@dataclass(frozen=True)
class EstimatorConfig:
    model_path: Path = DEFAULT_MODEL
    # Two candidates let us notice a second person and keep following the main one
    # instead of letting the detector jump between them.
    num_poses: int = 2
    # Live camera: follow the person with a second, one-person landmarker, which tracks from the
    # previous frame and skips the person detector (at 640x480 ~25 instead of ~38 ms a frame on a
    # 2-core laptop, docs/performance.md), and search for more people with the `num_poses` one
    # only every this many seconds of frame time, and on every frame while several are in view.
    # None: every frame is searched (recorded videos: a second person is never missed).
    recount_people_every_s: float | None = None
    # MediaPipe's defaults (0.5) are tuned for their bundles; kept, since lower values
    # admitted spurious skeletons on empty frames in our trials.
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    # MediaPipe's native code prints start-up chatter (TFLite delegate, feedback
    # tensors) straight to file descriptor 2, over the progress bar; hide it unless debugging.
    quiet_startup: bool = True
    # The body's outline (segmentation mask) for the back's profile (vision/outline.py). It
    # costs ~2 ms a frame at 640x360 on this 2-core machine (docs/performance.md); False skips it.
    outline: bool = True


@contextlib.contextmanager
def _native_stderr_silenced(enabled: bool) -> Iterator[None]:
    """Point fd 2 at /dev/null for a moment: the only way to quiet C++ logging (GLOG env vars are ignored)."""
    if not enabled:
        yield
        return
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _check_model(path: Path) -> None:
    if not path.exists():
        raise ModelError(f"Pose model {path} does not exist; give the path of a PoseLandmarker .task file.")
    if not zipfile.is_zipfile(path):
        raise ModelError(f"{path} is not a PoseLandmarker .task bundle (a .task file is a zip of two .tflite models).")
    with zipfile.ZipFile(path) as bundle:
        names = set(bundle.namelist())
    needed = {"pose_detector.tflite", "pose_landmarks_detector.tflite"}
    if not needed <= names:
        raise ModelError(f"{path} lacks {', '.join(sorted(needed - names))}; it is not a PoseLandmarker bundle.")


class PoseEstimator:
    """Wraps one PoseLandmarker in VIDEO mode. Not thread-safe: one per stream.

    Call `close()` (or use `with`): the landmarker holds native threads and memory.
    """

    def __init__(self, config: EstimatorConfig | None = None) -> None:
        self.config = config or EstimatorConfig()
        path = Path(self.config.model_path)
        _check_model(path)
        self._landmarker: _VideoLandmarker | None = None
        self._tracker: _VideoLandmarker | None = None
        try:
            with _native_stderr_silenced(self.config.quiet_startup):
                self._landmarker = _VideoLandmarker(path, self.config, self.config.num_poses)
                every_s = self.config.recount_people_every_s
                self._tracker = _VideoLandmarker(path, self.config, 1) if every_s is not None else None
        except (RuntimeError, ValueError) as exc:
            self.close()
            raise ModelError(f"{path} could not be loaded as a pose model: {exc}") from exc
        self._searched_s = -math.inf  # frame time of the last search for people
        self._several = False  # that search found more than one person
        self._previous: Pose | None = None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for landmarker in (self._landmarker, self._tracker):
            if landmarker is not None:
                landmarker.close()
        self._landmarker = self._tracker = None

    def estimate(self, rgb: np.ndarray, timestamp_s: float) -> Pose | None:
        """Landmarks of the main person in `rgb` (H, W, 3 uint8), or None if nobody is found."""
        search = self._search_now(timestamp_s)
        landmarker = self._landmarker if search else self._tracker
        if landmarker is None:
            raise RuntimeError("PoseEstimator used after close()")
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        result = landmarker.detect(image, timestamp_s)
        if search:
            self._searched_s, self._several = timestamp_s, len(result.pose_landmarks) > 1
        height, width = rgb.shape[:2]
        candidates = [
            _to_pose(norm, world, timestamp_s, width, height, len(result.pose_landmarks))
            for norm, world in zip(result.pose_landmarks, result.pose_world_landmarks, strict=True)
        ]
        pose = select_main_person(candidates, self._previous)
        if pose is not None and result.segmentation_masks:
            pose = _with_outline(pose, result.segmentation_masks[_index_of(pose, candidates)])
        self._previous = pose
        return pose

    def _search_now(self, timestamp_s: float) -> bool:
        """Whether this frame goes to the several-people landmarker rather than the one-person tracker."""
        every_s = self.config.recount_people_every_s
        if self._tracker is None or every_s is None or self._several:
            return True
        return timestamp_s - self._searched_s >= every_s


class _VideoLandmarker:
    """One MediaPipe PoseLandmarker in VIDEO mode, warmed up, with the timestamps it demands."""

    def __init__(self, path: Path, config: EstimatorConfig, num_poses: int) -> None:
        options = mp_vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=mp_vision.RunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=config.min_detection_confidence,
            min_pose_presence_confidence=config.min_presence_confidence,
            min_tracking_confidence=config.min_tracking_confidence,
            output_segmentation_masks=config.outline,
        )
        self._landmarker = mp_vision.PoseLandmarker.create_from_options(options)
        # A warm-up call builds the inference graph now, not on the user's first frame.
        self._landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=_BLANK), 0)
        self._last_ms = 0  # the warm-up used timestamp 0

    def detect(self, image: mp.Image, timestamp_s: float):  # -> PoseLandmarkerResult
        # VIDEO mode demands strictly increasing integer milliseconds.
        ms = max(round(timestamp_s * 1000), self._last_ms + 1)
        self._last_ms = ms
        return self._landmarker.detect_for_video(image, ms)

    def close(self) -> None:
        self._landmarker.close()


def _index_of(pose: Pose, candidates: list[Pose]) -> int:
    return next(i for i, c in enumerate(candidates) if c is pose)


def _with_outline(pose: Pose, mask: mp.Image) -> Pose:
    """`pose` with its trunk's outline from `mask` (the mask MediaPipe returns with that pose)."""
    values = mask.numpy_view()
    if values.ndim == 3:
        values = values[..., 0]
    shoulder = 0.5 * (pose.px(Landmark.LEFT_SHOULDER) + pose.px(Landmark.RIGHT_SHOULDER))
    hip = 0.5 * (pose.px(Landmark.LEFT_HIP) + pose.px(Landmark.RIGHT_HIP))
    return replace(pose, outline=trunk_outline(values, shoulder, hip))


def _to_pose(norm, world, timestamp_s: float, width: int, height: int, people: int) -> Pose:
    xy = np.array([[lm.x * width, lm.y * height] for lm in norm], dtype=np.float64)
    vis = np.array([lm.visibility if lm.visibility is not None else 0.0 for lm in norm], dtype=np.float64)
    wm = np.array([[lm.x, lm.y, lm.z] for lm in world], dtype=np.float64)
    if xy.shape[0] != NUM_LANDMARKS:
        raise ModelError(f"the pose model returned {xy.shape[0]} landmarks, FormCheck needs {NUM_LANDMARKS}")
    return Pose(
        timestamp_s=timestamp_s,
        xy_px=xy,
        visibility=vis,
        world_m=wm,
        image_size_px=(width, height),
        people_detected=people,
    )
