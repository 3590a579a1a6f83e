"""The back-care programme's real clips (../shared/videos/programme): the exercises FormCheck analyses so far.

Skipped when the folder is absent. The rep benchmark scores the clips whose exercise has an
analyser and that have reps (holds are not timed yet); their counts must be the manifest's,
all but at most two exact and none off by more than one (issue 13's bar). The others are
listed as not scored, with why: `formcheck bench-accuracy ../shared/videos/programme/manifest.json`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PROGRAMME = Path(__file__).resolve().parents[1].parent / "shared" / "videos" / "programme"
MANIFEST = PROGRAMME / "manifest.json"

pytestmark = [
    pytest.mark.real_video,
    pytest.mark.skipif(not MANIFEST.exists(), reason=f"no programme clips at {PROGRAMME}"),
]


def test_the_analysed_programme_exercises_count_their_reps():
    from formcheck.bench.accuracy import run_originals, scored_entries

    assert scored_entries(MANIFEST), "no programme exercise has an analyser"
    scores = [score for score, _ in run_originals(MANIFEST)]
    errors = [s.counted - s.true_reps for s in scores]
    assert sum(e != 0 for e in errors) <= 2, scores
    assert all(abs(e) <= 1 for e in errors), scores
