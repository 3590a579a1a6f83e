"""`formcheck calibrate VIDEO [--user NAME]`: a person's pelvic-tilt range from a side-on clip, kept in the history.

The clip: stand side-on to the camera, tall and neutral for a second or two, then tilt the
pelvis fully forward (arch) and fully back (tuck), once or twice (exercises/measures/calibration.py).
Every later `formcheck analyse --user NAME` judges the lower back against it.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

from exercises.measures.calibration import BackCalibration, calibrate
from formcheck.pipeline import DEFAULT_MAX_SIDE_PX, FrameProcessor, ProgressFn
from vision.video import VideoFileSource

DEFAULT_USER = "me"
# A standing exercise's analyser reads the view, the facing side and the back's edge.
STANDING = "squat"


def tilt_samples(video: Path, model_path: Path | None = None, progress: ProgressFn | None = None):
    """(frame time s, lower-back tilt deg or NaN) for every frame of `video`."""
    samples: list[tuple[float, float]] = []
    with VideoFileSource(video, max_side_px=DEFAULT_MAX_SIDE_PX) as source, FrameProcessor(STANDING, model_path) as p:
        total = source.info.frame_count
        for i, frame in enumerate(source, 1):
            _, feedback = p.process(frame.rgb, frame.timestamp_s)
            samples.append((frame.timestamp_s, feedback.metrics.get("lumbar_tilt_deg", math.nan)))
            if progress is not None:
                progress(i, total)
    return samples


def calibrate_video(video: Path, model_path: Path | None = None, progress: ProgressFn | None = None) -> BackCalibration:
    """The calibration of one clip; CalibrationError (for the user) when the clip cannot give one."""
    return calibrate(tilt_samples(video, model_path, progress))


def stored_calibration(user: str = DEFAULT_USER, db: str | None = None) -> BackCalibration | None:
    """`user`'s latest calibration in the history database (`db`, else the default one), None without one."""
    from formcheck.history.store import open_history, resolve_db_path

    path = resolve_db_path(db)
    if not path.exists():
        return None
    with open_history(path) as history:
        return history.latest_calibration(user)


def app_calibration(user: str = DEFAULT_USER) -> BackCalibration | None:
    """The app's person (the page's Person): their calibration, or None; history trouble never stops a session."""
    try:
        return stored_calibration(user)
    except Exception:  # a locked or broken database: judged uncalibrated, and the report says so
        logging.getLogger(__name__).exception("could not read the calibration from the history database")
        return None


def describe(user: str, calibration: BackCalibration) -> str:
    return (
        f"{user}: lower back {calibration.neutral_deg:+.0f} deg standing tall, {calibration.anterior_deg:+.0f} tilted"
        f" fully forward, {calibration.posterior_deg:+.0f} fully back: a pelvic-tilt range of"
        f" {calibration.range_deg:.0f} deg"
    )
