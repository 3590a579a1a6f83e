"""A camera as a frame source (OpenCV capture), for desktop use of the CLI.

The browser app gets its camera through WebRTC instead (app.py); both feed the same
`FrameProcessor`. Timestamps are the capture times (monotonic clock at grab,
relative to the first frame): the frame's own time, handed to the analysers, which
never read a clock themselves.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import cv2
import numpy as np

from vision.video import Frame, VideoError


class CameraSource:
    """Yields RGB frames from a camera index (0 = default webcam) or a device/stream URL."""

    def __init__(self, device: int | str = 0, width: int = 640, height: int = 480) -> None:
        self._capture = cv2.VideoCapture(device)
        if not self._capture.isOpened():
            raise VideoError(f"Camera {device!r} could not be opened; check that it is connected and not in use.")
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self.fps = float(self._capture.get(cv2.CAP_PROP_FPS)) or 30.0
        self.stopped = False

    def __iter__(self) -> Iterator[Frame]:
        start = None
        index = 0
        while not self.stopped:
            ok, bgr = self._capture.read()
            if not ok:
                return
            now = time.monotonic()
            start = now if start is None else start
            rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            yield Frame(index=index, timestamp_s=now - start, rgb=rgb)
            index += 1

    def close(self) -> None:
        self.stopped = True
        self._capture.release()

    def __enter__(self) -> CameraSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
