"""The back's outline on the real clips with the back labelled (../shared/videos/back): rounded reads rounded.

Skipped when the folder is absent. Each clip is a kettlebell deadlift, neutral or rounded at
the bottom of every hinge; analysed as `deadlift`, every rep of a rounded clip must get
`lower_back_rounding` and no rep of a neutral clip may, each with the measure at its bottom.
The table with the numbers: `formcheck bench-accuracy ../shared/videos/back/manifest.json`.
The clips: the side-on pair (tests/clips.py), all four with FORMCHECK_ALL_CLIPS=1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clips import sweep_manifest

BACK = Path(__file__).resolve().parents[1].parent / "shared" / "videos" / "back"
MANIFEST = BACK / "manifest.json"

pytestmark = [
    pytest.mark.real_video,
    pytest.mark.skipif(not MANIFEST.exists(), reason=f"labelled back clips not at at {BACK} (../shared/videos/back)"),
]


@pytest.fixture(scope="module")
def scores(pose_cache_dir, tmp_path_factory):
    from formcheck.bench.back import run_back

    swept = sweep_manifest(MANIFEST, "back", tmp_path_factory.mktemp("manifest"))
    # The run's pose cache: the reference and reliability tests read the same clips' poses.
    return run_back(swept, BACK, None, pose_cache_dir)


def test_every_clip_is_a_labelled_back_clip():
    from formcheck.bench.back import is_back_manifest

    assert is_back_manifest(MANIFEST)
    assert {e["back"] for e in json.loads(MANIFEST.read_text())["videos"]} == {"neutral", "rounded"}


def test_rounded_reps_read_rounded_and_neutral_ones_do_not(scores):
    assert {s.label for s in scores} == {"neutral", "rounded"}
    for s in scores:
        assert s.reps >= 5, s
        assert s.unmeasured == 0, s
        assert s.rounded == (s.reps if s.label == "rounded" else 0), s
