"""Pipeline on the real videos in ../shared/videos against the manifest's hand counts.

Skipped when the folder is absent (a fresh clone elsewhere). Acceptance: counts
exact on all but at most one video and never off by more than one; `auto` names
the exercise on all but at most one; every labelled fault is flagged; on videos
with no labelled fault the three fault cues fire on at most 10 % of the reps.
A few perturbed variants (the full set is `formcheck bench-accuracy --perturb`, by
hand: README) must count what the original counts. The clips: tests/clips.py's representative
subset, every clip with FORMCHECK_ALL_CLIPS=1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clips import sweep_manifest

VIDEOS = Path(__file__).resolve().parents[1].parent / "shared" / "videos"
MANIFEST = VIDEOS / "manifest.json"

pytestmark = [
    pytest.mark.real_video,
    pytest.mark.skipif(not MANIFEST.exists(), reason=f"real videos not found at {VIDEOS} (../shared/videos)"),
]


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    """The manifest the sweep runs: the representative clips of tests/clips.py, or all with FORMCHECK_ALL_CLIPS=1."""
    return sweep_manifest(MANIFEST, "videos", tmp_path_factory.mktemp("manifest"))


@pytest.fixture(scope="module")
def originals(pose_cache_dir, swept):
    from formcheck.bench.accuracy import run_originals

    # Through the run's pose cache: other tests analyse some of these clips too (conftest: pose_cache).
    return {score.file: (score, box) for score, box in run_originals(swept, VIDEOS, cache=pose_cache_dir)}


@pytest.fixture(scope="module")
def scores(originals):
    return {file: score for file, (score, _) in originals.items()}


@pytest.fixture(scope="module")
def summary(scores):
    from formcheck.bench.accuracy import summarise

    return summarise(list(scores.values()))


def test_rep_counts(scores, summary, swept):
    n = summary["videos"]
    assert n == len(json.loads(swept.read_text())["videos"])
    off = {f: (s.true_reps, s.counted) for f, s in scores.items() if s.counted != s.true_reps}
    assert summary["exact"] >= n - 1, off
    assert summary["within_one"] == n, off


def test_auto_names_the_exercise(scores, summary):
    wrong = {f: (s.exercise, s.auto_exercise) for f, s in scores.items() if s.auto_exercise != s.exercise}
    assert summary["auto_correct"] >= summary["videos"] - 1, wrong


def test_every_labelled_fault_is_flagged(scores):
    from formcheck.bench.accuracy import FAULT_CUES

    missed = [(f, fault) for f, s in scores.items() for fault in s.faults if FAULT_CUES[fault] not in s.cues]
    assert not missed


def test_few_false_fault_cues_on_clean_videos(summary):
    assert summary["clean_videos_fault_cue_share"] <= 0.10


def test_the_lower_back_cues_fire_on_few_reps_of_videos_without_a_labelled_fault(scores):
    # No shared video has a back fault labelled: the back's outline must not invent them (issue 11: <= 10 %).
    clean = [s for s in scores.values() if not s.faults]
    back = sum(s.cues.get(c, 0) for s in clean for c in ("lower_back_arching", "lower_back_rounding"))
    assert back <= 0.10 * sum(s.counted for s in clean), [(s.file, s.cues) for s in clean]


def test_analyse_writes_playable_outputs(tmp_path, pose_cache, originals):
    """`formcheck analyse` end to end on one short clip: H.264 video, report, frames.csv (the clip's poses
    from the run's pose cache, estimated for `originals`)."""
    from formcheck.cli import main
    from vision.video import VideoFileSource

    out = tmp_path / "out"
    assert main(["analyse", str(VIDEOS / "bridge_side_03.mp4"), "--exercise", "bridge", "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    for key in (
        "exercise",
        "view",
        "fps",
        "duration_s",
        "frames",
        "frames_with_pose",
        "rep_count",
        "reps",
        "cues",
        "warnings",
    ):
        assert key in report
    assert report["rep_count"] == 1
    assert report["reps"][0]["score"] <= 100
    with VideoFileSource(out / "annotated.mp4") as video:
        assert video.info.codec == "h264"
        assert sum(1 for _ in video) == report["frames"]
    assert len((out / "frames.csv").read_text().splitlines()) == report["frames"] + 1


# Two short videos, one standing and one lying, under the perturbations that broke counts on
# real footage: lower legs cropped away mid-set, a zoom in and out, a frozen first second. The lying one
# is the shortest bridge (194 frames; each variant goes through the pose model).
PERTURBED_SUBSET = ("squat_side_01.mp4", "bridge_side_03.mp4")
PERTURBATIONS = ("legs_cropped", "zoom", "frozen_start")


@pytest.mark.parametrize("file", PERTURBED_SUBSET)
def test_perturbed_variants_count_the_same(file, originals):
    from formcheck.bench.accuracy import score_video

    entry = next(e for e in json.loads(MANIFEST.read_text())["videos"] if e["file"] == file)
    original, box = originals[file]
    counted = {name: score_video(entry, str(VIDEOS), name, box)[0].counted for name in PERTURBATIONS}
    assert counted == dict.fromkeys(PERTURBATIONS, original.counted)
