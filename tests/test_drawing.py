"""Overlay: skeleton only when there is a person; the panel at any size; the back's profile in its colour."""

from dataclasses import replace

import numpy as np
import pytest

from exercises.framework import registry
from exercises.framework.analyser import FrameFeedback
from formcheck.overlay import NEUTRAL_BACK, back_colour, render_overlay
from tests import synthetic as S
from vision.drawing import SEVERITY_COLOUR
from vision.landmarks import Landmark


def feedback(has_pose: bool, cue: str | None = None) -> FrameFeedback:
    return FrameFeedback(
        timestamp_s=0.0,
        has_pose=has_pose,
        metrics={"knee_flexion_deg": 90.0, "trunk_lean_deg": 20.0},
        signal=0.0,
        phase="rest",
        rep_count=3,
        view="side",
        side="right",
        cue=registry.cue(cue) if cue else None,
    )


def changed_rows(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.any(before != after, axis=(1, 2)))


def test_no_skeleton_while_the_person_is_lost():
    frame = np.full((720, 1280, 3), 128, np.uint8)
    lost = render_overlay(frame, S.squat_side(90, 20, 0.0), feedback(False, "no_person"), registry.get("squat"))
    # Only the rep panel (top) and the cue band (bottom) change; the body region stays untouched.
    rows = changed_rows(frame, lost)
    middle = rows[(rows > 200) & (rows < 600)]
    assert middle.size == 0


def test_skeleton_and_angles_drawn_on_the_body():
    frame = np.full((720, 1280, 3), 128, np.uint8)
    pose = S.squat_side(90, 20, 0.0)
    drawn = render_overlay(frame, pose, feedback(True), registry.get("squat"))
    x, y = pose.px(Landmark.RIGHT_KNEE).astype(int)
    assert np.any(drawn[y - 3 : y + 4, x - 3 : x + 4] != 128)


@pytest.mark.parametrize(("height", "width"), [(360, 640), (640, 352), (2160, 3840)])
def test_panel_scales_with_the_frame(height, width):
    frame = np.full((height, width, 3), 128, np.uint8)
    bridge = registry.get("bridge")  # first: it brings the lower-back cues (exercises/framework/back_rules.py)
    drawn = render_overlay(frame, None, feedback(False, "lower_back_arching"), bridge)
    rows = changed_rows(frame, drawn)
    # The cue band sits at the bottom and takes a similar share of the frame at every size.
    band = rows[rows > height // 2]
    assert band.size > 0 and band.max() == height - 1
    assert 0.05 < band.size / height < 0.35


@pytest.mark.parametrize(
    ("change_deg", "colour"),
    [(2.0, NEUTRAL_BACK), (14.0, SEVERITY_COLOUR["warn"]), (24.0, SEVERITY_COLOUR["alert"])],
)
def test_the_back_profile_is_drawn_along_the_back_in_the_colour_of_its_change(change_deg, colour):
    # The squat's arching limit on the lower back's tilt change is 20 deg: green, amber past half, red past it.
    spec = registry.get("squat")
    assert spec.limits("lumbar_tilt_change_deg") == {"lower_back_arching": 20.0}
    back = np.column_stack([np.full(21, 500.0), np.linspace(200.0, 400.0, 21)])
    fb = replace(feedback(True), metrics={"lumbar_tilt_change_deg": change_deg}, back_px=back)
    rgb = np.zeros((720, 1280, 3), dtype=np.uint8)
    out = render_overlay(rgb, S.squat_side(30.0, 10.0, 0.0), fb, spec)
    assert tuple(out[300, 500]) == colour
    assert back_colour(fb, spec) == colour
