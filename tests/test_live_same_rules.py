"""Live counting uses the same rules as a recorded video (issue 10): one real clip, perturbed, both ways.

The same perturbed frames go through the app's live path (`LiveSession.process`, the camera's
one-person tracker included) and through `analyse_video`. The live path analyses at most
LIVE_MAX_SIDE_PX, so both are fed frames already that size: the pictures are the same both ways.
Skipped when ../shared/videos is absent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from formcheck.app.live import LIVE_MAX_SIDE_PX, LiveSession
from formcheck.pipeline import analyse_video
from vision import perturb
from vision.video import Frame, VideoFileSource

VIDEOS = Path(__file__).resolve().parents[1].parent / "shared" / "videos"
CLIP = "squat_side_01.mp4"  # 14 s, 3 reps
# 10 frames a second: what a busy machine leaves the live path with (docs/app.md: 3-13 analysed per second).
PERTURBATION = "10fps"

pytestmark = [
    pytest.mark.real_video,
    pytest.mark.skipif(not (VIDEOS / CLIP).exists(), reason=f"real videos not found at {VIDEOS} (../shared/videos)"),
]


def perturbed(frames: Iterable[Frame]) -> Iterable[Frame]:
    return perturb.apply(PERTURBATION, frames)


def test_live_counts_a_perturbed_real_video_as_analyse_video_does() -> None:
    video = VIDEOS / CLIP
    entry = next(v for v in json.loads((VIDEOS / "manifest.json").read_text())["videos"] if v["file"] == CLIP)
    recorded = analyse_video(video, "squat", max_side_px=LIVE_MAX_SIDE_PX, transform=perturbed)
    session = LiveSession("squat")
    try:
        with VideoFileSource(video, max_side_px=LIVE_MAX_SIDE_PX) as source:
            for frame in perturbed(source):
                session.process(frame.rgb, frame.timestamp_s)
    finally:
        live = session.close()
    assert (live["source"]["width"], live["source"]["height"]) == (recorded.info.width, recorded.info.height)
    assert live["frames"] == len(recorded.records) < entry["frames"] / 2  # the perturbation took effect
    live_times = [(r["start_s"], r["end_s"]) for r in live["reps"]]
    recorded_times = [(r.start_s, r.end_s) for r in recorded.analyser.state.reps]
    print(f"{CLIP} at {PERTURBATION}: live reps {live_times}, analyse_video reps {recorded_times}")
    assert live["rep_count"] == len(recorded_times) == entry["reps"]
