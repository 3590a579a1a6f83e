"""Probe: the lumbar dip (exercises/back.py) on the labelled deadlift clips in ../shared/videos/back.

Runs the shipped pose model with segmentation masks on every 2nd frame, takes the back
profile (vision/outline.py) and prints the dip at the deepest 15 % of trunk lean (the
bottom of the hinges) and when upright. A measurement aid for issue 11, not yet a check:

    .venv/bin/python scripts/probe_back_profile.py deadlift_neutral_side_01.mp4 deadlift_rounded_side_01.mp4
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from pathlib import Path

import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import vision as mp_vision
from mediapipe.tasks.python.core.base_options import BaseOptions

from exercises.back import lumbar_dip_trunk
from vision.estimator import DEFAULT_MODEL
from vision.landmarks import Landmark
from vision.outline import BackProfile, back_profile
from vision.video import VideoFileSource

BACK_CLIPS = Path(__file__).resolve().parents[2] / "shared" / "videos" / "back"


def midpoint(points: np.ndarray, a: Landmark, b: Landmark) -> np.ndarray:
    return 0.5 * (points[a] + points[b])


def probe(file: str) -> None:
    options = mp_vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(DEFAULT_MODEL)),
        running_mode=mp_vision.RunningMode.VIDEO,
        output_segmentation_masks=True,
        num_poses=1,
    )
    rows, missing = [], Counter()
    with VideoFileSource(BACK_CLIPS / file) as source, mp_vision.PoseLandmarker.create_from_options(options) as model:
        for i, frame in enumerate(source):
            if i % 2:
                continue
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame.rgb))
            result = model.detect_for_video(image, int(frame.timestamp_s * 1000))
            if not result.pose_landmarks:
                continue
            height, width = frame.rgb.shape[:2]
            points = np.array([[p.x * width, p.y * height] for p in result.pose_landmarks[0]])
            shoulder = midpoint(points, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
            hip = midpoint(points, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
            knee = midpoint(points, Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE)
            mask = result.segmentation_masks[0].numpy_view()
            profile = back_profile(mask[..., 0] if mask.ndim == 3 else mask, shoulder, hip, knee)
            lean_deg = math.degrees(math.atan2(abs(shoulder[0] - hip[0]), hip[1] - shoulder[1]))
            if isinstance(profile, BackProfile):
                rows.append((lean_deg, lumbar_dip_trunk(profile)))
            else:
                missing[re.sub(r"\d+", "N", profile.reason.split(" (")[0])] += 1
    table = np.array(rows)
    deep = table[table[:, 0] > np.nanpercentile(table[:, 0], 85), 1]
    upright = table[table[:, 0] < 15, 1]
    p50, p10, p90 = np.nanpercentile(deep, [50, 10, 90])
    print(
        f"{file}: {len(table)} profiles; dip at the bottom (deepest 15 % of lean) median {p50:+.3f}"
        f" (p10 {p10:+.3f}, p90 {p90:+.3f}); upright median {np.nanmedian(upright):+.3f}; missing {dict(missing)}"
    )


if __name__ == "__main__":
    for name in sys.argv[1:]:
        probe(name)
