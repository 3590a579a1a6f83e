"""The back profile and the lumbar dip on drawn side-view silhouettes with a known curve."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from exercises.measures.back_outline import LUMBAR_FROM, LUMBAR_TO, back_curve_deg, lumbar_dip_trunk, lumbar_tilt_deg
from vision.outline import BackProfile, NoProfile, TrunkOutline, back_profile, trunk_outline

TRUNK_PX = 300.0
BASE_BACK = 0.18  # the back edge's distance behind the shoulder-hip line, trunk lengths
FRONT = 0.30  # the belly's distance in front of it


def silhouette(
    dip: float, lean_deg: float = 0.0, noise_px: float = 0.0, size=(640, 640), seed: int = 0, tilt_deg: float = 0.0
):
    """A trunk seen side-on, facing image-left, leaning forward by `lean_deg` about the hips.

    The back edge sits BASE_BACK behind the shoulder-hip line and, over the lumbar
    segment, `dip` trunk lengths further in (a hollow: + arched) or out (- rounded), as
    half a sine, and slopes out by `tilt_deg` from the segment's top (the lumbar tilt).
    Returns (mask 0..1, shoulder, hip, a point in front).
    """
    rng = np.random.default_rng(seed)
    t = np.linspace(-0.1, 1.1, 241)
    lumbar = (t >= LUMBAR_FROM) & (t <= LUMBAR_TO)
    back = np.full_like(t, BASE_BACK)
    back[lumbar] -= dip * np.sin(math.pi * (t[lumbar] - LUMBAR_FROM) / (LUMBAR_TO - LUMBAR_FROM))
    below_top = np.clip(t - LUMBAR_FROM, 0.0, None)
    back += below_top * math.tan(math.radians(tilt_deg))
    back += rng.normal(0.0, noise_px / TRUNK_PX, t.size)
    # Trunk frame: u down the trunk (shoulder -> hip), n toward the back (image-right when upright).
    hip = np.array([320.0, 480.0])
    lean = math.radians(lean_deg)
    u = np.array([math.sin(lean), math.cos(lean)])  # leaning forward = shoulders toward image-left
    u = np.array([-u[0], u[1]])
    n = np.array([u[1], -u[0]])
    shoulder = hip - TRUNK_PX * u
    edge_back = shoulder + np.outer(t * TRUNK_PX, u) + np.outer(back * TRUNK_PX, n)
    edge_front = shoulder + np.outer(t * TRUNK_PX, u) - FRONT * TRUNK_PX * n
    polygon = np.vstack([edge_back, edge_front[::-1]])
    canvas = np.zeros(size, dtype=np.uint8)
    cv2.fillPoly(canvas, [np.round(polygon * 16).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=4)
    return canvas.astype(np.float32) / 255.0, shoulder, hip, shoulder + 0.5 * TRUNK_PX * u - 0.6 * TRUNK_PX * n


@pytest.mark.parametrize("dip", [0.06, 0.03, 0.015, -0.03, -0.06])
@pytest.mark.parametrize("lean_deg", [0.0, 45.0])
@pytest.mark.parametrize("noise_px", [0.0, 0.5])
def test_the_lumbar_dip_recovers_the_drawn_curve_sign_and_size(dip, lean_deg, noise_px):
    mask, shoulder, hip, front = silhouette(dip, lean_deg, noise_px, seed=int(100 * abs(dip)))
    profile = back_profile(mask, shoulder, hip, front)
    assert isinstance(profile, BackProfile), profile
    measured = lumbar_dip_trunk(profile)
    assert math.copysign(1.0, measured) == math.copysign(1.0, dip)
    assert measured == pytest.approx(dip, rel=0.10)


def test_a_straight_back_reads_close_to_zero():
    mask, shoulder, hip, front = silhouette(0.0, 30.0)
    profile = back_profile(mask, shoulder, hip, front)
    assert isinstance(profile, BackProfile)
    assert abs(lumbar_dip_trunk(profile)) < 0.003  # under a pixel on a 300 px trunk
    assert np.nanmedian(profile.offsets) == pytest.approx(BASE_BACK, abs=0.005)


def test_clutter_behind_the_person_does_not_move_the_edge():
    mask, shoulder, hip, front = silhouette(0.04)
    cluttered = mask.copy()
    cluttered[:, 420:] = 1.0  # a wall-sized blob a few pixels behind the back (x of the back ~374-380)
    clean = lumbar_dip_trunk(back_profile(mask, shoulder, hip, front))
    assert lumbar_dip_trunk(back_profile(cluttered, shoulder, hip, front)) == pytest.approx(clean, abs=1e-6)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda m, s, h, f: (m, s, s + (h - s) * 0.1, f), "trunk only"),
        (lambda m, s, h, f: (np.zeros_like(m), s, h, f), "no clear back edge"),
        (lambda m, s, h, f: (m[:, :370], s, h, f), "off the edge of the picture"),
        (lambda m, s, h, f: (m, s, np.array([np.nan, np.nan]), f), "not seen"),
    ],
)
def test_the_profile_is_missing_with_a_reason_when_the_mask_cannot_support_it(change, reason):
    result = back_profile(*change(*silhouette(0.04)))
    assert isinstance(result, NoProfile)
    assert reason in result.reason


@pytest.mark.parametrize("tilt_deg", [15.0, 6.0, -6.0, -15.0])
@pytest.mark.parametrize("lean_deg", [0.0, 45.0])
@pytest.mark.parametrize("noise_px", [0.0, 0.5])
def test_the_lumbar_tilt_recovers_the_drawn_slope_sign_and_size(tilt_deg, lean_deg, noise_px):
    # With a hollow drawn over the same segment: the half-sine adds no slope, so the tilt is the drawn one.
    mask, shoulder, hip, front = silhouette(0.02, lean_deg, noise_px, seed=int(abs(tilt_deg)), tilt_deg=tilt_deg)
    profile = back_profile(mask, shoulder, hip, front)
    assert isinstance(profile, BackProfile), profile
    measured = lumbar_tilt_deg(profile)
    assert math.copysign(1.0, measured) == math.copysign(1.0, tilt_deg)
    assert measured == pytest.approx(tilt_deg, rel=0.10)
    # The upper back is drawn straight, so the curve between the two tangents is the tilt too.
    assert back_curve_deg(profile) == pytest.approx(tilt_deg, rel=0.10)


def test_the_outline_has_both_edges_and_picks_the_one_a_direction_points_to():
    mask, shoulder, hip, _ = silhouette(0.04)
    outline = trunk_outline(mask, shoulder, hip)
    assert isinstance(outline, TrunkOutline)
    back = outline.toward(np.array([1.0, 0.0]))  # the person faces image-left: the back is to the right
    belly = outline.toward(np.array([-1.0, 0.0]))
    assert isinstance(back, BackProfile) and isinstance(belly, BackProfile)
    assert np.nanmedian(back.offsets) == pytest.approx(BASE_BACK, abs=0.01)
    assert np.nanmedian(belly.offsets) == pytest.approx(FRONT, abs=0.01)
    # The edge's points lie on the mask's boundary, behind the line (image-right of the shoulder-hip line).
    assert np.all(back.points_px[:, 0] > shoulder[0])
    ys, xs = np.round(back.points_px[10]).astype(int)[::-1]
    assert mask[ys, xs - 2] > 0.5 > mask[ys, xs + 2]
