"""Frame sources: video files (PyAV) and cameras, each yielding timestamped RGB frames.

Timestamps come from the container's presentation times, so variable-frame-rate
phone videos keep real time. Rotation metadata (phones store portrait video as
landscape plus a display matrix) is applied, so landmarks are in upright pixels.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

log = logging.getLogger(__name__)


class VideoError(Exception):
    """A file that cannot be used as a video; the message is one plain sentence for the user."""


@dataclass(frozen=True)
class Frame:
    index: int
    timestamp_s: float
    rgb: np.ndarray  # (H, W, 3) uint8, C-contiguous, rotation applied


@dataclass(frozen=True)
class VideoInfo:
    path: str
    width: int  # after rotation and scaling
    height: int
    source_width: int
    source_height: int
    fps: float  # average frame rate the container declares
    duration_s: float | None
    frame_count: int | None  # the container's count; may be missing or approximate
    rotation_deg: int
    codec: str


@dataclass(frozen=True)
class DecodeStop:
    """Where decoding broke off, for a video that is damaged part-way."""

    after_frame: int
    timestamp_s: float
    reason: str


# A repeated picture (a frozen opening, a stuck camera, duplicated frames in an edit)
# differs from the one before only by re-encoding noise: on the shared videos frozen
# frames differed by at most 4 levels and 0.014 on average, moving ones by 0.08+ on average.
REPEAT_MAX_DIFF = 8
REPEAT_MEAN_DIFF = 0.03


def thumbnail(rgb: np.ndarray) -> np.ndarray:
    """Every 4th pixel each way, as int16: enough to compare two frames at ~1/16 of the cost."""
    return rgb[::4, ::4].astype(np.int16)


def is_repeat(previous: np.ndarray | None, current: np.ndarray) -> bool:
    """Whether two `thumbnail`s show the same picture: identical frames carry no motion."""
    if previous is None or previous.shape != current.shape:
        return False
    diff = np.abs(current - previous)
    return bool(diff.max() <= REPEAT_MAX_DIFF and diff.mean() <= REPEAT_MEAN_DIFF)


# A held picture's codec refresh (a key frame re-quantising the whole picture) changes every part of it a
# little: measured on joined sessions' held pictures (2026-12-07), means 0.48-1.8 levels with no pixel over 41.
# Movement changes a few pixels a lot: the frames after a repeated one that moved (duplicated frames in the
# 46 shared clips) changed by 0.27 on average at most while no pixel changed over 60.
REFRESH_MEAN_DIFF = 0.4
REFRESH_MAX_DIFF = 60


class RepeatWatch:
    """Frame by frame, whether each picture repeats the one before (`is_repeat`); a held picture's codec
    refresh (a small change everywhere, right after a repeated picture) still repeats it: a stuck camera or a
    freeze-frame in an edit, re-encoded, stays frozen through its key frames."""

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None
        self._repeating = False

    def update(self, small: np.ndarray) -> bool:
        """The next frame's `thumbnail`; True when it shows the same picture as the frame before."""
        previous, self._previous = self._previous, small
        repeated = is_repeat(previous, small) or (self._repeating and _is_refresh(previous, small))
        self._repeating = repeated
        return repeated


def _is_refresh(previous: np.ndarray | None, current: np.ndarray) -> bool:
    if previous is None or previous.shape != current.shape:
        return False
    diff = np.abs(current - previous)
    return bool(diff.max() <= REFRESH_MAX_DIFF and diff.mean() >= REFRESH_MEAN_DIFF)


def _scaled_size(width: int, height: int, max_side_px: int | None) -> tuple[int, int]:
    if not max_side_px or max(width, height) <= max_side_px:
        return width, height
    scale = max_side_px / max(width, height)
    # Even sizes keep H.264 (yuv420p) happy downstream.
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def _rotate(rgb: np.ndarray, rotation_deg: int) -> np.ndarray:
    # PyAV reports the display matrix rotation counter-clockwise; undo it to show upright.
    quarter_turns = (rotation_deg // 90) % 4
    if quarter_turns == 0:
        return rgb
    return np.rot90(rgb, k=quarter_turns)


class VideoFileSource:
    """Iterates every decoded frame of a file, in order, none skipped.

    Use as a context manager. After iteration `stopped` tells whether decoding
    broke off early (damaged file) and where.
    """

    def __init__(self, path: str | Path, max_side_px: int | None = None) -> None:
        self.path = Path(path)
        self.stopped: DecodeStop | None = None
        self._container = _open_container(self.path)
        if _is_still_image(self._container):
            self._container.close()
            raise VideoError(f"{self.path.name} is a still image, not a video; choose a video file of the set.")
        try:
            self._stream = self._container.streams.video[0]
        except IndexError:
            self._container.close()
            raise VideoError(
                f"{self.path.name} has no video track (is it an audio file?); choose a video file of the set."
            ) from None
        self._stream.thread_type = "AUTO"
        self.info = self._read_info(max_side_px)

    def _read_info(self, max_side_px: int | None) -> VideoInfo:
        stream = self._stream
        ctx = stream.codec_context
        rotation = _stream_rotation(self.path)
        src_w, src_h = ctx.width, ctx.height
        if src_w <= 0 or src_h <= 0:
            raise VideoError(f"{self.path.name} has a video track with no picture size; the file looks damaged.")
        upright_w, upright_h = (src_h, src_w) if rotation % 180 else (src_w, src_h)
        width, height = _scaled_size(upright_w, upright_h, max_side_px)
        rate = stream.average_rate or stream.guessed_rate or Fraction(0)
        duration_s = None
        if stream.duration is not None and stream.time_base is not None:
            duration_s = float(stream.duration * stream.time_base)
        elif self._container.duration:
            duration_s = self._container.duration / av.time_base
        return VideoInfo(
            path=str(self.path),
            width=width,
            height=height,
            source_width=upright_w,
            source_height=upright_h,
            fps=float(rate),
            duration_s=duration_s,
            frame_count=stream.frames or None,
            rotation_deg=rotation,
            codec=ctx.name,
        )

    def __enter__(self) -> VideoFileSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._container.close()

    def __iter__(self) -> Iterator[Frame]:
        info = self.info
        start = self._stream.start_time or 0
        time_base = self._stream.time_base
        # Scale before rotating: the pre-rotation size is the rotated size transposed.
        out_w, out_h = (info.height, info.width) if info.rotation_deg % 180 else (info.width, info.height)
        index = 0
        last_t = -1.0
        last_pts = None
        try:
            for frame in self._container.decode(self._stream):
                pts = frame.pts if frame.pts is not None else frame.dts
                if pts is None:
                    # No timestamp at all: fall back to the declared rate, say so once.
                    t = index / info.fps if info.fps else float(index)
                else:
                    t = float((pts - start) * time_base)
                if last_pts is not None and pts is not None and pts <= last_pts:
                    log.warning("frame %d has a non-increasing timestamp; kept with a nudged time", index)
                    t = last_t + 1e-3
                last_pts = pts
                last_t = t
                if (frame.width, frame.height) != (out_w, out_h):
                    frame = frame.reformat(width=out_w, height=out_h)
                rgb = frame.to_ndarray(format="rgb24")
                # PyAV may hand back padded rows; MediaPipe reads the buffer as packed.
                rgb = np.ascontiguousarray(_rotate(rgb, info.rotation_deg))
                yield Frame(index=index, timestamp_s=t, rgb=rgb)
                index += 1
        except (av.error.FFmpegError, ValueError) as exc:
            self.stopped = DecodeStop(after_frame=index, timestamp_s=max(last_t, 0.0), reason=str(exc))
            log.warning("decoding stopped after frame %d (%.2f s): %s", index, last_t, exc)
        else:
            # A file cut off mid-way (interrupted copy or upload) decodes without an error
            # but ends before the length its header declares.
            self.stopped = _ended_early(info, index, last_t)
        if index == 0:
            raise VideoError(f"{self.path.name} contains no picture that could be decoded; the file looks damaged.")


def _stream_rotation(path: Path) -> int:
    """Rotation in degrees counter-clockwise from the display matrix (0, 90, 180, 270).

    PyAV exposes it per decoded frame, so one frame is decoded from a second handle
    (seeking the main one back is not reliable on every container).
    """
    try:
        with av.open(str(path)) as probe:
            for frame in probe.decode(video=0):
                return round(frame.rotation or 0) % 360
    except (av.error.FFmpegError, IndexError, ValueError):
        pass
    return 0


def _open_container(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise VideoError(f"{path} does not exist; check the path.")
    if path.is_dir():
        raise VideoError(f"{path} is a folder; give a video file.")
    if path.stat().st_size == 0:
        raise VideoError(f"{path.name} is empty (0 bytes); copy the video again.")
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise VideoError(
            f"{path.name} is not a video FormCheck can read (not a video, or damaged or incomplete);"
            " export or copy it again as an MP4 file."
        ) from exc


def _is_still_image(container: av.container.InputContainer) -> bool:
    # FFmpeg opens PNG/JPEG/WebP... as one-frame "videos" through its image demuxers.
    name = container.format.name
    return name == "image2" or name.endswith("_pipe")


def _ended_early(info: VideoInfo, frames: int, last_t: float) -> DecodeStop | None:
    """A DecodeStop when fewer frames came out than the container declares."""
    if info.frame_count and frames < info.frame_count - max(2, 0.02 * info.frame_count):
        reason = f"the file ends after {frames} of {info.frame_count} frames (cut off or incompletely copied)"
    elif not info.frame_count and info.duration_s and frames:
        # No frame count (some WebM/MKV): compare times, allowing a couple of frame intervals.
        slack = max(1.0, 2.0 / info.fps if info.fps else 1.0, 0.05 * info.duration_s)
        if last_t >= info.duration_s - slack:
            return None
        reason = f"the file ends at {last_t:.1f} s of {info.duration_s:.1f} s (cut off or incompletely copied)"
    else:
        return None
    log.warning("decoding ended early: %s", reason)
    return DecodeStop(after_frame=frames, timestamp_s=max(last_t, 0.0), reason=reason)
