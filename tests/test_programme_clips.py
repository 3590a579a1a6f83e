"""The back-care programme's real clips (../shared/videos/programme): reps counted, holds timed, auto naming them.

Skipped when the folder is absent. The accuracy benchmark scores every clip whose exercise has
an analyser: rep counts must be the manifest's, all but at most two exact and none off by more
than one, and every hold timed within 1 s of the manifest's (issue 13's bar); `auto` names the exercise
right on all but at most two clips and wrong on at most one (issue 27). The same figures:
`formcheck bench-accuracy ../shared/videos/programme/manifest.json`. The clips: tests/clips.py's
representative subset (every exercise), every clip with FORMCHECK_ALL_CLIPS=1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clips import sweep_manifest

PROGRAMME = Path(__file__).resolve().parents[1].parent / "shared" / "videos" / "programme"
MANIFEST = PROGRAMME / "manifest.json"

pytestmark = [
    pytest.mark.real_video,
    pytest.mark.skipif(not MANIFEST.exists(), reason=f"no programme clips at {PROGRAMME}"),
]


def test_the_programme_exercises_count_their_reps_and_time_their_holds(pose_cache_dir, tmp_path):
    from formcheck.bench.accuracy import HOLD_TOLERANCE_S, run_originals, scored_entries

    swept = sweep_manifest(MANIFEST, "programme", tmp_path)
    assert scored_entries(swept), "no programme exercise has an analyser"
    # Through the run's pose cache (conftest): the model runs once per clip whichever tests read it.
    scores = [score for score, _ in run_originals(swept, PROGRAMME, cache=pose_cache_dir)]
    assert {s.exercise for s in scores} >= {e["exercise"] for e in scored_entries(MANIFEST)}, "an exercise left out"
    errors = [s.counted - s.true_reps for s in scores]
    assert sum(e != 0 for e in errors) <= 2, scores
    assert all(abs(e) <= 1 for e in errors), scores
    holds = [(s.file, t, m) for s in scores for t, m in zip(s.true_holds_s, s.measured_holds_s, strict=True)]
    assert holds, "no clip with a hold was scored"
    assert all(m is not None and abs(m - t) <= HOLD_TOLERANCE_S for _, t, m in holds), holds
    # `auto` recognises every exercise from the body's position and movement (issue 27): right on all but at
    # most two clips (a "cannot tell" is allowed there: a short demo may never complete a rep), wrong on at
    # most one. One pass over the clips feeds both the named analyser and `auto`.
    right = [s.file for s in scores if s.auto_exercise == s.exercise and not s.auto_unsure]
    others = {s.file: (s.auto_cell, s.auto_unsure) for s in scores if s.file not in right}
    assert len(right) >= len(scores) - 2, others
    wrong = [(s.file, s.auto_exercise) for s in scores if s.auto_exercise != s.exercise and not s.auto_unsure]
    assert len(wrong) <= 1, wrong
