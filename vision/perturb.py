"""Synthetic changes to a real video's frames: the footage classes a counter must survive.

Each perturbation turns a stream of decoded `Frame`s into another stream, frame by
frame, deterministic (seeded), with the frame size unchanged unless it is a
resolution change. The accuracy benchmark runs the same analysis on each variant of
each real video and checks that the count and the cues stay what they were.

Some need to know where the person is (to crop the lower legs away, or to zoom in on
the body): they take a `BodyBox` measured on the original video.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

import cv2
import numpy as np

from vision.landmarks import Landmark
from vision.pose import Pose
from vision.video import Frame

FrameStream = Iterable[Frame]


@dataclass(frozen=True)
class BodyBox:
    """Where the body is during the stretch a perturbation acts on, in pixels of the original frame.

    `top`..`bottom`, `left`..`right`: box around shoulders, hips and knees; `cut`: the
    line (a y for a standing person, an x for one lying down) a third of the way
    from the knees to the ankles; `cut_axis` 1 = cut rows below `cut`, 0 = cut the
    columns on the feet's side of `cut` (`feet_sign` +1 = feet at image-right).
    """

    top: float
    bottom: float
    left: float
    right: float
    cut: float
    cut_axis: int
    feet_sign: float


@dataclass(frozen=True)
class Stretch:
    """The time span a local perturbation acts on (seconds of the original)."""

    start_s: float
    end_s: float


def _affine(rgb: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return cv2.warpAffine(rgb, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def _box_to_frame(rgb: np.ndarray, x0: float, y0: float, box_w: float) -> np.ndarray:
    """Show the box (x0, y0, box_w wide, the frame's aspect) at full frame size: a zoom."""
    w = rgb.shape[1]
    scale = w / box_w
    matrix = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]])
    return _affine(rgb, matrix)


def _ramp(t_s: float, stretch: Stretch, ramp_s: float) -> float:
    """0 outside the stretch, 1 inside it, linear over `ramp_s` at each end (a zoom lens moving)."""
    if t_s <= stretch.start_s or t_s >= stretch.end_s:
        return 0.0
    return min(1.0, (t_s - stretch.start_s) / ramp_s, (stretch.end_s - t_s) / ramp_s)


# (ramp 0..1, frame width, frame height) -> the box shown: (left, top, width), frame's aspect.
ViewBox = Callable[[float, int, int], tuple[float, float, float]]


def _zoom_during(frames: FrameStream, stretch: Stretch, ramp_s: float, view: ViewBox) -> Iterator[Frame]:
    """Show `view`'s box at full frame size during `stretch` (a zoom lens moving over `ramp_s`)."""
    for frame in frames:
        k = _ramp(frame.timestamp_s, stretch, ramp_s)
        if k == 0.0:
            yield frame
            continue
        h, w = frame.rgb.shape[:2]
        yield replace(frame, rgb=_box_to_frame(frame.rgb, *view(k, w, h)))


def legs_cropped(frames: FrameStream, box: BodyBox, stretch: Stretch, ramp_s: float = 0.3) -> Iterator[Frame]:
    """Zoom in during `stretch` so that the lower legs leave the picture while hips, knees and trunk stay."""

    def view(k: float, w: int, h: int) -> tuple[float, float, float]:
        if box.cut_axis == 1:
            # Standing: the box spans the frame's top down to the cut, keeping the aspect.
            target_h = max(box.cut - min(box.top, box.cut) * 0.5, 1.0)
            target_w = target_h * w / h
            x0 = 0.5 * (box.left + box.right) - 0.5 * target_w
            y0 = box.cut - target_h
        else:
            # Lying: the feet's side of the frame is cut at `cut`; the box ends there.
            span = box.cut - box.left if box.feet_sign > 0 else box.right - box.cut
            target_w = max(span + 0.1 * abs(span), 1.0)
            x0 = box.cut - target_w if box.feet_sign > 0 else box.cut
            target_h = target_w * h / w
            y0 = 0.5 * (box.top + box.bottom) - 0.5 * target_h
        # Blend from the whole frame (k=0) to the cropped box (k=1).
        return k * x0, k * y0, w + k * (target_w - w)

    return _zoom_during(frames, stretch, ramp_s, view)


def zoom(frames: FrameStream, box: BodyBox, stretch: Stretch, factor: float = 1.6, ramp_s: float = 1.0):
    """Zoom in on the body's centre by `factor` during `stretch`, smoothly in and back out (a follow-along edit)."""
    cx, cy = 0.5 * (box.left + box.right), 0.5 * (box.top + box.bottom)

    def view(k: float, w: int, h: int) -> tuple[float, float, float]:
        f = 1.0 + k * (factor - 1.0)
        bw, bh = w / f, h / f
        return min(max(cx - bw / 2, 0.0), w - bw), min(max(cy - bh / 2, 0.0), h - bh), bw

    return _zoom_during(frames, stretch, ramp_s, view)


def far(frames: FrameStream, scale: float = 0.55) -> Iterator[Frame]:
    """The whole picture shrunk to `scale` in the middle of a black frame: a camera further away."""
    for frame in frames:
        h, w = frame.rgb.shape[:2]
        matrix = np.array([[scale, 0.0, (1 - scale) * w / 2], [0.0, scale, (1 - scale) * h / 2]])
        yield replace(frame, rgb=_affine(frame.rgb, matrix))


def mirror(frames: FrameStream) -> Iterator[Frame]:
    for frame in frames:
        yield replace(frame, rgb=np.ascontiguousarray(frame.rgb[:, ::-1]))


def rotate(frames: FrameStream, degrees: float) -> Iterator[Frame]:
    """The phone not level: the picture turned by `degrees` (counter-clockwise positive), corners black."""
    for frame in frames:
        h, w = frame.rgb.shape[:2]
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
        yield replace(frame, rgb=_affine(frame.rgb, matrix))


def low_resolution(frames: FrameStream, short_side_px: int = 360) -> Iterator[Frame]:
    """Downscaled so the shorter side is `short_side_px` (videos already that small pass unchanged)."""
    for frame in frames:
        h, w = frame.rgb.shape[:2]
        scale = short_side_px / min(h, w)
        if scale >= 1.0:
            yield frame
            continue
        size = (max(2, round(w * scale)), max(2, round(h * scale)))
        yield replace(frame, rgb=cv2.resize(frame.rgb, size, interpolation=cv2.INTER_AREA))


def lower_frame_rate(frames: FrameStream, fps: float = 10.0) -> Iterator[Frame]:
    """Only the frames that a `fps` camera would have taken (timestamps kept)."""
    next_s = -math.inf
    for frame in frames:
        if frame.timestamp_s + 1e-6 >= next_s:
            next_s = max(next_s, frame.timestamp_s) + 1.0 / fps
            yield frame


def frozen_start(frames: FrameStream, seconds: float = 1.0) -> Iterator[Frame]:
    """The first picture repeated for `seconds`, then the video as it was (shifted later): a stuck opening."""
    step_s = None
    shift_s = 0.0
    first = None
    index = 0
    for frame in frames:
        if first is None:
            first = frame
            continue
        if step_s is None:
            step_s = max(frame.timestamp_s - first.timestamp_s, 1e-3)
            copies = max(1, round(seconds / step_s))
            for i in range(copies):
                yield replace(first, index=index, timestamp_s=first.timestamp_s + i * step_s)
                index += 1
            shift_s = copies * step_s
            yield replace(first, index=index, timestamp_s=first.timestamp_s + shift_s)
            index += 1
        yield replace(frame, index=index, timestamp_s=frame.timestamp_s + shift_s)
        index += 1
    if first is not None and step_s is None:
        yield first


def dark(frames: FrameStream, gain: float = 0.4, contrast: float = 0.6) -> Iterator[Frame]:
    """A dim room: brightness x `gain`, contrast x `contrast` around the picture's mean, a little sensor noise."""
    rng = np.random.default_rng(7)
    for frame in frames:
        rgb = frame.rgb.astype(np.float32)
        mean = float(rgb.mean())
        out = (mean + contrast * (rgb - mean)) * gain + rng.normal(0.0, 2.0, size=rgb.shape).astype(np.float32)
        yield replace(frame, rgb=np.clip(out, 0, 255).astype(np.uint8))


def shake(frames: FrameStream, amplitude: float = 0.03, degrees: float = 2.0, hz: float = 1.5) -> Iterator[Frame]:
    """Hand-held camera: a smooth random drift of up to `amplitude` of the frame and `degrees` of roll.

    The sum of a few sines at random phases around `hz`: the slow sway of holding a phone,
    not sensor vibration. Zoomed in by the amplitude so no black border shows.
    """
    rng = np.random.default_rng(11)
    freqs = hz * rng.uniform(0.5, 1.5, size=(3, 3))
    phases = rng.uniform(0, 2 * math.pi, size=(3, 3))

    def wave(i: int, t: float) -> float:
        return float(np.mean(np.sin(2 * math.pi * freqs[i] * t + phases[i]))) * math.sqrt(3)

    for frame in frames:
        h, w = frame.rgb.shape[:2]
        t = frame.timestamp_s
        dx, dy, angle = amplitude * w * wave(0, t), amplitude * h * wave(1, t), degrees * wave(2, t)
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0 + 2.5 * amplitude)
        matrix[:, 2] += (dx, dy)
        yield replace(frame, rgb=_affine(frame.rgb, matrix))


Perturbation = Callable[[FrameStream, BodyBox, Stretch], Iterator[Frame]]

# name -> (what it simulates, the transform). Every one keeps the person's movement as it was.
PERTURBATIONS: dict[str, tuple[str, Perturbation]] = {
    "legs_cropped": ("lower legs out of the frame for a few seconds mid-set", legs_cropped),
    "zoom": ("zoom in 1.6x on the body and back out mid-set", zoom),
    "far": ("person at 55 % size (camera further away)", lambda f, b, s: far(f)),
    "mirror": ("mirrored left-right", lambda f, b, s: mirror(f)),
    "rotate_+8": ("phone tilted 8 deg counter-clockwise", lambda f, b, s: rotate(f, 8.0)),
    "rotate_-8": ("phone tilted 8 deg clockwise", lambda f, b, s: rotate(f, -8.0)),
    "360p": ("shorter side 360 px", lambda f, b, s: low_resolution(f, 360)),
    "10fps": ("10 frames a second", lambda f, b, s: lower_frame_rate(f, 10.0)),
    "frozen_start": ("first picture frozen for 1 s", lambda f, b, s: frozen_start(f, 1.0)),
    "dark": ("dim, low-contrast, noisy", lambda f, b, s: dark(f)),
    "shake": ("hand-held camera sway (3 % of the frame, 2 deg)", lambda f, b, s: shake(f)),
}
NEEDS_BODY = frozenset({"legs_cropped", "zoom"})


def apply(name: str, frames: FrameStream, box: BodyBox | None = None, stretch: Stretch | None = None):
    """The frames of perturbation `name`; `box` and `stretch` are needed by those in NEEDS_BODY."""
    if name not in PERTURBATIONS:
        raise ValueError(f"unknown perturbation {name!r}; choose from {', '.join(PERTURBATIONS)}")
    if name in NEEDS_BODY and (box is None or stretch is None):
        raise ValueError(f"perturbation {name!r} needs the body's box and a time stretch")
    return PERTURBATIONS[name][1](frames, box, stretch)  # type: ignore[arg-type]


def _median_px(poses: list[Pose], landmarks: tuple[Landmark, ...]) -> np.ndarray:
    """Per-frame mean over `landmarks`, (n, 2) pixels."""
    return np.array([np.mean([p.px(lm) for lm in landmarks], axis=0) for p in poses])


def body_box(poses: list[Pose], stretch: Stretch) -> BodyBox | None:
    """The body's box over `stretch` of the original video, or None when nobody was seen then."""
    inside = [p for p in poses if stretch.start_s <= p.timestamp_s <= stretch.end_s] or poses
    if not inside:
        return None
    upper = (
        Landmark.LEFT_SHOULDER,
        Landmark.RIGHT_SHOULDER,
        Landmark.LEFT_HIP,
        Landmark.RIGHT_HIP,
        Landmark.LEFT_KNEE,
        Landmark.RIGHT_KNEE,
    )
    pts = np.concatenate([np.array([p.px(lm) for lm in upper]) for p in inside])
    shoulders = _median_px(inside, (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER))
    hips = _median_px(inside, (Landmark.LEFT_HIP, Landmark.RIGHT_HIP))
    knees = _median_px(inside, (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE))
    ankles = _median_px(inside, (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE))
    trunk = np.median(shoulders - hips, axis=0)
    shin = float(np.median(np.linalg.norm(ankles - knees, axis=1)))
    lying = abs(trunk[0]) > abs(trunk[1])
    # Percentiles, not extremes: one frame's stray landmark must not move the cut.
    if lying:
        # Shins stand up in a bridge: cut the feet's side just inside the ankles.
        feet_sign = 1.0 if np.median(ankles[:, 0] - hips[:, 0]) > 0 else -1.0
        cut, axis = float(np.median(ankles[:, 0]) - feet_sign * 0.15 * shin), 0
    else:
        feet_sign = 1.0
        knee_low = float(np.percentile(knees[:, 1], 90))
        cut = min(knee_low + 0.5 * shin, float(np.percentile(ankles[:, 1], 10)) - 0.15 * shin)
        axis = 1
    return BodyBox(
        top=float(np.percentile(pts[:, 1], 2)),
        bottom=float(np.percentile(pts[:, 1], 98)),
        left=float(np.percentile(pts[:, 0], 2)),
        right=float(np.percentile(pts[:, 0], 98)),
        cut=cut,
        cut_axis=axis,
        feet_sign=feet_sign,
    )
