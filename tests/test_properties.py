"""Property tests: analysers and the smoother never raise on odd landmark data.

Hypothesis feeds sequences of poses that are realistic, missing, NaN, infinite,
huge, out of frame, collapsed to one point or jumping across the image, with odd
time steps. Outputs must stay finite or explicitly missing (NaN per frame, None in
reports), and report.json must be strict JSON.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exercises.framework import registry
from exercises.framework.analyser import Analyser, FrameFeedback
from exercises.framework.auto import AutoAnalyser
from formcheck.report import build_report, human_summary
from formcheck.results import AnalysisResult, frame_record
from tests import synthetic
from vision.pose import Pose
from vision.smoothing import PoseSmoother
from vision.video import VideoInfo

BASES = {
    "squat_side": lambda a, t: synthetic.squat_side(a, a / 4, t),
    "squat_front": lambda a, t: synthetic.squat_front(a, a / 3, t),
    "lunge_side": lambda a, t: synthetic.lunge_side(a, a / 5, t),
    "bridge_side": lambda a, t: synthetic.bridge_side(a - 60, t),
}
CORRUPTIONS = ("none", "missing", "nan", "inf", "huge", "out_of_frame", "collapsed", "jump", "random", "low_vis")
# Time steps: duplicated, tiny, ordinary, slow, a long gap, and going backwards.
STEPS = (0.0, 1e-4, 1 / 60, 1 / 30, 0.2, 3.0, -0.05)

# A sequence is drawn as a few parameters and expanded with a seeded generator:
# Hypothesis keeps long sequences (several reps) cheap to draw and easy to shrink.
sequence_strategy = st.tuples(
    st.sampled_from(tuple(BASES)),
    st.booleans(),  # reps: depth follows real reps (so counting, summaries and cues run), else random depth
    st.integers(1, 240),  # frames
    st.lists(st.sampled_from(CORRUPTIONS), min_size=1, max_size=4, unique=True),
    st.floats(0.0, 1.0),  # share of damaged frames
    st.lists(st.sampled_from(STEPS), min_size=1, max_size=3),  # time steps used
    st.integers(0, 2**32 - 1),
)


def corrupt(pose: Pose, kind: str, seed: int) -> Pose | None:
    """The same body with one kind of damage applied to a random subset of landmarks."""
    rng = np.random.default_rng(seed)
    xy, vis, world = pose.xy_px.copy(), pose.visibility.copy(), pose.world_m.copy()
    some = rng.random(33) < rng.uniform(0.1, 1.0)
    width, height = pose.image_size_px
    if kind == "missing":
        return None
    if kind == "nan":
        xy[some], world[some], vis[rng.random(33) < 0.2] = np.nan, np.nan, np.nan
    elif kind == "inf":
        xy[some] = rng.choice([np.inf, -np.inf], size=(int(some.sum()), 2))
        world[some] = np.inf
    elif kind == "huge":
        xy[some] *= 1e12
        world[some] *= -1e12
    elif kind == "out_of_frame":
        xy[some] += rng.choice([-3.0, 3.0]) * np.array([width, height])
    elif kind == "collapsed":
        xy[:], world[:] = xy[0], 0.0  # every landmark on one point: zero-length limbs
    elif kind == "jump":
        xy += rng.uniform(-1, 1, 2) * np.array([width, height])
    elif kind == "random":
        xy = rng.uniform(-0.5, 1.5, (33, 2)) * np.array([width, height])
        world = rng.normal(0, 1, (33, 3))
        vis = rng.uniform(-0.5, 1.5, 33)
    elif kind == "low_vis":
        vis[some] = 0.0
    return replace(pose, xy_px=xy, visibility=vis, world_m=world, people_detected=int(rng.integers(1, 3)))


def poses(
    base: str, reps: bool, frames: int, kinds: list[str], rate: float, steps: list[float], seed: int
) -> list[tuple[float, Pose | None]]:
    rng = np.random.default_rng(seed)
    out, t = [], 0.0
    for _ in range(frames):
        step = float(rng.choice(steps))
        t += step if not reps else (step if step > 0 else 1 / 30)
        angle = 120.0 * synthetic.rep_profile(t, 1.5) if reps else rng.uniform(0.0, 140.0)
        kind = str(rng.choice(kinds)) if rng.random() < rate else "none"
        out.append((t, corrupt(BASES[base](angle, t), kind, int(rng.integers(2**32)))))
    return out


def finite_or_nan(value: object) -> bool:
    return isinstance(value, (int, float)) and not math.isinf(value)


def check_feedback(fb: FrameFeedback, previous_count: int | None) -> None:
    """`previous_count` None: the count may change arbitrarily (auto may switch exercise mid-set)."""
    assert all(finite_or_nan(v) for v in fb.metrics.values()), fb.metrics
    assert finite_or_nan(fb.signal)
    assert isinstance(fb.rep_count, int) and fb.rep_count >= (previous_count or 0)
    assert fb.phase in ("rest", "active", "hold", "no_person")


def check_report(analyser: Analyser | AutoAnalyser, records: list, requested: str) -> None:
    info = VideoInfo("odd.mp4", 1280, 720, 1280, 720, 30.0, None, None, 0, "h264")
    result = AnalysisResult(info=info, exercise_requested=requested, analyser=analyser, records=records)
    report = build_report(result)
    json.dumps(report, allow_nan=False)  # strict JSON: no NaN or Infinity anywhere
    human_summary(report)
    times = [r.timestamp_s for r in records]
    in_order = all(a <= b for a, b in pairwise(times))
    for rep in report["reps"]:
        assert 0 <= rep["score"] <= 100
        # Frame sources guarantee increasing time; fed time going backwards, the analyser
        # must not raise, but the order of a rep's times is then not defined.
        assert rep["start_s"] <= rep["peak_s"] <= rep["end_s"] or not in_order


def run(analyser: Analyser | AutoAnalyser, sequence: list[tuple[float, Pose | None]], smooth: bool) -> list:
    smoother = PoseSmoother()
    records, count = [], 0
    for index, (t, raw) in enumerate(sequence):
        pose = smoother(raw) if smooth else raw
        fb = analyser.update(pose, t)
        check_feedback(fb, None if isinstance(analyser, AutoAnalyser) else count)
        count = fb.rep_count
        records.append(frame_record(index, pose, fb))
    analyser.finish()
    return records


# NaN arithmetic on damaged landmarks warns by design; the results are what is checked.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
PROPERTY_SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("exercise", registry.names())
@PROPERTY_SETTINGS
@given(data=sequence_strategy, smooth=st.booleans())
def test_analyser_never_raises(exercise: str, data: tuple, smooth: bool) -> None:
    analyser = Analyser(registry.get(exercise))
    records = run(analyser, poses(*data), smooth)
    check_report(analyser, records, exercise)


@PROPERTY_SETTINGS
@given(data=sequence_strategy, smooth=st.booleans())
def test_auto_analyser_never_raises(data: tuple, smooth: bool) -> None:
    analyser = AutoAnalyser()
    records = run(analyser, poses(*data), smooth)
    check_report(analyser, records, "auto")
    assert analyser.name in registry.names()
    json.dumps(analyser.vote.scores(), allow_nan=False)


@PROPERTY_SETTINGS
@given(data=sequence_strategy)
def test_smoother_keeps_shape_and_missing_stays_local(data: tuple) -> None:
    smoother = PoseSmoother()
    for _, raw in poses(*data):
        out = smoother(raw)
        if raw is None:
            assert out is None
            continue
        assert out.xy_px.shape == (33, 2) and out.world_m.shape == (33, 3)
        assert out.image_size_px == raw.image_size_px and out.timestamp_s == raw.timestamp_s
        # A landmark measured now, in a sane range, comes out finite whatever came before.
        sane = np.all(np.isfinite(raw.xy_px) & (np.abs(raw.xy_px) < 1e6), axis=1)
        assert np.all(np.isfinite(out.xy_px[sane])), (raw.xy_px[sane], out.xy_px[sane])


@settings(max_examples=60, deadline=None)
@given(
    xy=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=66, max_size=66),
    vis=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=33, max_size=33),
    size=st.tuples(st.integers(1, 5000), st.integers(1, 5000)),
)
def test_any_single_pose_in_every_analyser(xy: list[float], vis: list[float], size: tuple[int, int]) -> None:
    """Fully arbitrary numbers (not a body at all), repeated for a second, in every analyser."""
    pose = Pose(0.0, np.array(xy).reshape(33, 2), np.array(vis), np.zeros((33, 3)), size)
    for analyser in [*(Analyser(spec) for spec in registry.specs()), AutoAnalyser()]:
        records, count = [], 0
        for i in range(31):
            fb = analyser.update(replace(pose, timestamp_s=i / 30), i / 30)
            check_feedback(fb, None if isinstance(analyser, AutoAnalyser) else count)
            count = fb.rep_count
            records.append(frame_record(i, pose, fb))
        analyser.finish()
        check_report(analyser, records, "auto" if isinstance(analyser, AutoAnalyser) else analyser.name)
