"""Whether a frame repeats the picture before it (vision.video): known pictures, known answers."""

from __future__ import annotations

import numpy as np
import pytest

from vision.video import RepeatWatch, thumbnail


def _picture(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(40, 200, (90, 160, 3)).astype(np.uint8)


def _moved(rgb: np.ndarray) -> np.ndarray:
    """A limb moved: a block of the picture much brighter, the rest untouched."""
    out = rgb.copy()
    out[30:50, 60:70] = 255
    return out


def _refreshed(rgb: np.ndarray) -> np.ndarray:
    """A codec key frame: every pixel re-quantised by a level or two, none by much."""
    noise = np.random.default_rng(7).integers(-2, 3, rgb.shape)
    return np.clip(rgb.astype(int) + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    ("frames", "want"),
    [
        (["a", "a", "a"], [False, True, True]),  # a held picture
        (["a", "a", "refresh", "refresh"], [False, True, True, True]),  # its key frame keeps it held
        (["a", "refresh"], [False, False]),  # the same small change with no held picture before: not a repeat
        (["a", "a", "moved", "moved"], [False, True, False, True]),  # a body moving after a held picture
        (["a", "b"], [False, False]),  # another picture
    ],
    ids=["held", "held through a key frame", "no held picture before", "movement", "cut"],
)
def test_a_held_picture_repeats_through_its_codec_refresh_but_not_through_movement(frames, want) -> None:
    a = _picture()
    pictures = {"a": a, "b": _picture(1), "refresh": _refreshed(a), "moved": _moved(a)}
    watch = RepeatWatch()
    assert [watch.update(thumbnail(pictures[name])) for name in frames] == want
