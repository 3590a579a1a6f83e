"""Probe: the back's measures per rep (lumbar tilt at the extreme, its change from rest) on any videos.

A measurement aid for thresholds (docs/metrics.md, "The lower back from the outline"): runs the
analyser of each video's exercise (from the manifest beside it, else --exercise) over its
pose track, through the bench's pose cache, and prints one line per video:

    .venv/bin/python scripts/probe_back_profile.py ../shared/videos/squat_side_*.mp4 --cache /tmp/formcheck-poses
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from exercises.framework import registry
from exercises.framework.analyser import Analyser
from formcheck.bench.posecache import ORIGINAL, cached_track
from vision.smoothing import PoseSmoother

MEASURES = ("lumbar_tilt_deg", "lumbar_tilt_change_deg")


def exercise_for(video: Path, default: str) -> str:
    manifest = video.parent / "manifest.json"
    if manifest.exists():
        for entry in json.loads(manifest.read_text())["videos"]:
            if entry["file"] == video.name and registry.resolve(entry["exercise"]) is not None:
                return entry["exercise"]
    return default


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="+", type=Path)
    parser.add_argument("--exercise", default="squat", help="for videos the manifest does not name")
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    for video in args.videos:
        spec = registry.get(exercise_for(video, args.exercise))
        analyser, smoother = Analyser(spec), PoseSmoother()
        for t, raw in cached_track(video, ORIGINAL, None, None, args.cache):
            analyser.update(smoother(raw), t)
        analyser.finish()
        cells = [
            "/".join("-" if r.metrics.get(m) is None else f"{r.metrics[m]:+.1f}" for m in MEASURES)
            for r in analyser.state.reps
        ]
        view = analyser.state.views.most_common(1)[0][0] if analyser.state.views else "unknown"
        print(f"{video.name} {spec.name} {view}: {'  '.join(cells)}  (tilt/change, deg)")


if __name__ == "__main__":
    main()
