"""A reference set on the real labelled clips (../shared/videos/back; issue 26): the same person deadlifting
a kettlebell side-on, neutral and rounded. Their neutral set kept as the reference, the rounded set reads
rounded against it and the neutral set against itself reads nothing. Skipped when the folder is absent.

One pair only (the side-on one; the oblique pair is measured in docs/metrics.md): each clip goes through
the pose model once per test run (the `pose_cache` fixture).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exercises.framework import registry
from exercises.framework.analyser import Analyser
from exercises.framework.back_rules import REFERENCE
from exercises.measures.reference import SetReference, reference_from_reps

BACK = Path(__file__).resolve().parents[1].parent / "shared" / "videos" / "back"

pytestmark = [
    pytest.mark.real_video,
    pytest.mark.skipif(not (BACK / "manifest.json").exists(), reason=f"labelled back clips not at {BACK}"),
]


def analysed(name: str, cache: Path, reference: SetReference | None = None) -> Analyser:
    from formcheck.bench.posecache import ORIGINAL, cached_track
    from vision.smoothing import PoseSmoother

    analyser, smoother = Analyser(registry.get("deadlift"), reference=reference), PoseSmoother()
    for t, raw in cached_track(BACK / name, ORIGINAL, None, None, cache):
        analyser.update(smoother(raw), t)
    analyser.finish()
    return analyser


def test_the_rounded_set_reads_rounded_against_the_neutral_reference(pose_cache):
    neutral = analysed("deadlift_neutral_side_01.mp4", pose_cache)
    view = neutral.state.views.most_common(1)[0][0]
    reps = [r.metrics for r in neutral.state.reps if r.judged]
    reference = reference_from_reps("deadlift", view, reps, "2026-12-06", "deadlift_neutral_side_01.mp4")
    assert view == "side" and reference.n_reps >= 5

    rounded = analysed("deadlift_rounded_side_01.mp4", pose_cache, reference).state.reps
    against = [r for r in rounded if r.evidence.get("lower_back_rounding") == REFERENCE]
    assert len(rounded) >= 5 and len(against) >= 2 / 3 * len(rounded), rounded

    again = analysed("deadlift_neutral_side_01.mp4", pose_cache, reference).state.reps
    assert all("lumbar_tilt_ref_change_deg" in r.metrics for r in again)
    assert not any("lower_back_rounding" in r.cues for r in again), again
