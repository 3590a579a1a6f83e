"""Which real clips the clip sweeps run: a representative subset by default, every clip by hand.

The pose model is most of the suite's time (~40 ms a frame on a CI core, 23,088 frames in the three shared
manifests). The sweeps (test_real_videos, test_programme_clips, test_back_clips) take the clips below, with the
same assertions; `FORMCHECK_ALL_CLIPS=1 ./dev test` runs them over every clip of every manifest, and
`formcheck bench-accuracy MANIFEST` gives the full tables (README, "Benchmarks").

How a clip earns its place: every exercise in every view class the manifests hold (side, front, oblique,
back-oblique), every clip with a labelled fault, the clips the benchmarks get wrong or cannot tell (so the bars are
tested where they bite, not on easy clips), the clips other tests read anyway (their poses are cached once per
run), then the shorter of two alike. Left to the full run: further clips of a kind already here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ALL_CLIPS_ENV = "FORMCHECK_ALL_CLIPS"

SUBSETS: dict[str, tuple[str, ...]] = {
    # ../shared/videos: 14 of 23 clips, 5,643 of 10,239 frames.
    "videos": (
        "squat_side_01.mp4",  # perturbations, the app's upload test, the model test
        "squat_side_02.mp4",  # browser and session tests; shallow-depth cues on a clean clip (the worst clip)
        "squat_front_03.mp4",  # front view
        "squat_oblique_05.mp4",  # oblique; knee valgus and shallow depth labelled
        "squat_side_22.mp4",  # 202x360, the smallest picture; Ray test
        "lunge_side_01.mp4",  # forward trunk lean labelled
        "lunge_side_04.mp4",  # Ray and bad-input tests
        "lunge_front_05.mp4",  # front view, walking toward the camera, feet partly out
        "lunge_oblique_02.mp4",  # oblique, alternating legs
        "lunge_back_oblique_20.mp4",  # the only back-oblique view
        "bridge_side_01.mp4",  # 60 fps; the browser test's camera
        "bridge_side_02.mp4",  # portrait; browser tests
        "bridge_side_03.mp4",  # one rep; analyse end to end, perturbations
        "bridge_side_04.mp4",  # hip thrust: counts 7 for 6 (the one count the benchmark gets wrong)
    ),
    # ../shared/videos/programme: 17 of 23 clips, 4,585 of 7,173 frames; every exercise, every hold kind.
    "programme": (
        "pelvic_tilt_side_01.mp4",  # counts 0 for 1, auto cannot tell (the benchmark's miss)
        "pelvic_tilt_side_02.mp4",
        "cat_cow_side_03.mp4",
        "bird_dog_side_02.mp4",  # 10 fps GIF, a held rep
        "bird_dog_side_03.mp4",  # the only bird-dog set of several reps
        "hip_flexor_stretch_side_01.mp4",  # a 10 s hold
        "hip_flexor_stretch_oblique_02.mp4",  # oblique, three short holds, trunk lean labelled
        "clamshell_front_01.mp4",
        "clamshell_front_02.mp4",  # 3.3 fps
        "clamshell_front_03.mp4",
        "single_leg_deadlift_side_02.mp4",  # kickstand variant; lower-back rounding cues
        "single_leg_deadlift_side_03.mp4",  # a held rep, timed 0.9 s for 1.3
        "plank_side_01.mp4",  # timed 5.9 s for 6.6 (the largest hold error)
        "plank_side_05.mp4",  # browser test
        "plank_side_07.mp4",  # session test
        "plank_side_08.mp4",  # walk-back into a high plank: the hold starts late
        "dead_bug_side_03.mp4",
    ),
    # ../shared/videos/back: the side-on pair (both labels; the reference tests and the browser read them).
    # The oblique pair is the same two sets filmed at 45 degrees: 2,838 frames at 60 fps, left to the full run.
    "back": ("deadlift_neutral_side_01.mp4", "deadlift_rounded_side_01.mp4"),
}


def all_clips() -> bool:
    return os.environ.get(ALL_CLIPS_ENV, "") not in ("", "0")


def sweep_manifest(manifest: Path, subset: str, folder: Path) -> Path:
    """`manifest` itself with FORMCHECK_ALL_CLIPS set, else a copy in `folder` with the subset's entries only
    (the videos stay where they are: pass `manifest.parent` as the videos' folder)."""
    if all_clips():
        return manifest
    data = json.loads(manifest.read_text())
    names = SUBSETS[subset]
    data["videos"] = [e for e in data["videos"] if e["file"] in names]
    missing = set(names) - {e["file"] for e in data["videos"]}
    assert not missing, f"{manifest} no longer lists {sorted(missing)}: update tests/clips.py"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{subset}-manifest.json"
    path.write_text(json.dumps(data))
    return path
