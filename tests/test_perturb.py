"""The benchmark's footage perturbations on made-up frames with known content."""

import numpy as np
import pytest

from tests import synthetic as S
from vision import perturb
from vision.landmarks import Landmark
from vision.video import Frame

H, W, FPS = 120, 160, 30.0


def frames(n: int = 90) -> list[Frame]:
    """A grey picture with a white row at y=100 (the 'feet') and a frame counter in pixel (0, 0)."""
    out = []
    for i in range(n):
        rgb = np.full((H, W, 3), 100, np.uint8)
        rgb[100] = 255
        rgb[0, 0] = i
        out.append(Frame(index=i, timestamp_s=i / FPS, rgb=rgb))
    return out


STANDING = perturb.BodyBox(top=10, bottom=80, left=60, right=100, cut=90, cut_axis=1, feet_sign=1.0)
MID = perturb.Stretch(1.0, 2.0)


def test_legs_cropped_hides_the_feet_only_during_the_stretch():
    out = list(perturb.apply("legs_cropped", frames(), STANDING, MID))
    assert len(out) == 90 and all(f.rgb.shape == (H, W, 3) for f in out)
    inside = [f for f in out if 1.4 <= f.timestamp_s <= 1.6]
    assert all(not (f.rgb == 255).all(axis=2).any() for f in inside)  # the white 'feet' row is gone
    assert all((f.rgb[100] == 255).all() for f in out if f.timestamp_s < 1.0 or f.timestamp_s > 2.0)


def test_zoom_magnifies_and_returns():
    out = list(perturb.apply("zoom", frames(), STANDING, MID))
    assert np.array_equal(out[0].rgb, frames(1)[0].rgb)
    row = [int((f.rgb == 255).all(axis=2).any(axis=1).argmax()) for f in out]
    assert row[45] != 100 and row[0] == 100 and row[-1] == 100


@pytest.mark.parametrize("name", ["far", "mirror", "rotate_+8", "rotate_-8", "dark", "shake"])
def test_every_frame_kept_at_its_size(name):
    out = list(perturb.apply(name, frames()))
    assert [f.timestamp_s for f in out] == [f.timestamp_s for f in frames()]
    assert all(f.rgb.shape == (H, W, 3) and f.rgb.dtype == np.uint8 for f in out)


def test_mirror_flips_and_dark_darkens():
    assert np.array_equal(next(iter(perturb.apply("mirror", frames(1)))).rgb[0, -1], [0, 0, 0])
    assert next(iter(perturb.apply("dark", frames(1)))).rgb.mean() < 0.5 * frames(1)[0].rgb.mean()


def test_lower_frame_rate_and_low_resolution():
    assert len(list(perturb.apply("10fps", frames()))) == 30
    small = perturb.low_resolution(frames(1), short_side_px=60)
    assert next(iter(small)).rgb.shape == (60, 80, 3)
    assert next(iter(perturb.apply("360p", frames(1)))).rgb.shape == (H, W, 3)  # already smaller: unchanged


def test_frozen_start_repeats_the_first_picture_for_a_second():
    out = list(perturb.apply("frozen_start", frames()))
    assert len(out) == 90 + 30
    assert all(np.array_equal(f.rgb, out[0].rgb) for f in out[:31])
    assert out[31].rgb[0, 0, 0] == 1 and out[31].timestamp_s == pytest.approx(1 / FPS + 1.0)
    assert [f.index for f in out] == list(range(len(out)))


def test_body_box_cuts_between_knees_and_ankles():
    poses = [S.squat_side(knee, 10.0, t / FPS) for t, knee in enumerate(np.linspace(0, 120, 60))]
    box = perturb.body_box(poses, perturb.Stretch(0.0, 2.0))
    assert box is not None and box.cut_axis == 1
    knee_y = max(p.px(Landmark.RIGHT_KNEE)[1] for p in poses)
    ankle_y = poses[0].px(Landmark.RIGHT_ANKLE)[1]
    assert knee_y < box.cut < ankle_y
    lying = perturb.body_box([S.bridge_side(a, 0.0) for a in (140.0, 170.0)], perturb.Stretch(0.0, 1.0))
    assert lying is not None and lying.cut_axis == 0


def test_unknown_or_underspecified_perturbations_are_refused():
    with pytest.raises(ValueError, match="unknown perturbation"):
        perturb.apply("sepia", frames(1))
    with pytest.raises(ValueError, match="needs the body"):
        perturb.apply("zoom", frames(1))
