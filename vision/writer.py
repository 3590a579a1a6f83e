"""H.264 MP4 writer (PyAV/libx264, yuv420p, faststart) that plays in browsers."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


class VideoWriter:
    """Writes RGB frames with their own timestamps, so variable frame rates survive.

    Use as a context manager; `close()` flushes the encoder.
    """

    def __init__(
        self, path: str | Path, width: int, height: int, fps: float, crf: int = 23, threads: int = 1
    ) -> None:
        self.path = Path(path)
        # yuv420p needs even sizes; the source is cropped by at most one pixel.
        self.width, self.height = width // 2 * 2, height // 2 * 2
        self._container = av.open(str(self.path), mode="w", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001) if fps and fps > 0 else Fraction(30)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = self.width, self.height
        self._stream.pix_fmt = "yuv420p"
        # Millisecond time base keeps the frames' real timestamps (VFR-safe).
        self._stream.codec_context.time_base = Fraction(1, 1000)
        self._stream.options = {"crf": str(crf), "preset": "veryfast"}
        # One encoder thread by default: x264's own thread pool (1.5 threads per core) competed with
        # the pose model for the CPU and cost more than it gave; the pipeline already encodes on a
        # thread of its own beside the model (docs/performance.md). 0 lets x264 choose.
        self._stream.codec_context.thread_count = threads
        self._last_pts = -1
        self.frames = 0

    def write(self, rgb: np.ndarray, timestamp_s: float) -> None:
        # OpenCV's RGB -> YUV 4:2:0 (BT.601, as libswscale's default) costs ~0.5 ms a 720p frame,
        # libswscale's from rgb24 several ms: this writer runs beside the pose model on 2 cores.
        yuv = cv2.cvtColor(np.ascontiguousarray(rgb[: self.height, : self.width]), cv2.COLOR_RGB2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        pts = max(round(timestamp_s * 1000), self._last_pts + 1)
        frame.pts, frame.time_base = pts, Fraction(1, 1000)
        self._last_pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1

    def close(self) -> None:
        if self._container is None:
            return
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        self._container = None

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def letterbox(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """The picture scaled to fit `width` x `height` whole, its shape kept, the rest black (centred)."""
    h, w = rgb.shape[:2]
    if (w, h) == (width, height):
        return rgb
    scale = min(width / w, height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    out = np.zeros((height, width, 3), dtype=np.uint8)
    x, y = (width - new_w) // 2, (height - new_h) // 2
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    out[y : y + new_h, x : x + new_w] = cv2.resize(rgb, (new_w, new_h), interpolation=interpolation)
    return out
