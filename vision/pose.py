"""`Pose`: the one type that crosses from `vision/` into `exercises/`.

Pure numpy on purpose: analysers import this module, never mediapipe or cv2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vision.landmarks import NUM_LANDMARKS, Landmark
from vision.outline import NoProfile, TrunkOutline


def _frozen(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    out = np.array(array, dtype=np.float64, copy=True)
    if out.shape != shape:
        raise ValueError(f"expected shape {shape}, got {out.shape}")
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class Pose:
    """One person's landmarks in one frame.

    - `timestamp_s`: presentation time of the frame, from the container (not the clock).
    - `xy_px`: (33, 2) image coordinates in pixels of the (rotation-corrected) frame;
      x grows to the right, y grows downwards.
    - `visibility`: (33,) MediaPipe's 0..1 likelihood that the landmark is visible.
    - `world_m`: (33, 3) metric coordinates in metres, origin between the hips,
      y pointing down (MediaPipe's convention), z toward the camera negative.
    - `image_size_px`: (width, height) of the frame the pixels refer to.
    - `outline`: the trunk's edges from the body's outline (vision/outline.py), NoProfile
      with the reason when the mask could not give them, None when no mask was asked for.
    """

    timestamp_s: float
    xy_px: np.ndarray
    visibility: np.ndarray
    world_m: np.ndarray
    image_size_px: tuple[int, int]
    people_detected: int = 1
    outline: TrunkOutline | NoProfile | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "xy_px", _frozen(self.xy_px, (NUM_LANDMARKS, 2)))
        object.__setattr__(self, "visibility", _frozen(self.visibility, (NUM_LANDMARKS,)))
        object.__setattr__(self, "world_m", _frozen(self.world_m, (NUM_LANDMARKS, 3)))

    def px(self, landmark: Landmark) -> np.ndarray:
        return self.xy_px[landmark]

    def world(self, landmark: Landmark) -> np.ndarray:
        return self.world_m[landmark]

    def vis(self, landmark: Landmark) -> float:
        return float(self.visibility[landmark])
