"""Accuracy benchmark: rep counts, exercise recognition and fault recall against a manifest.

    formcheck bench-accuracy ../shared/videos/manifest.json

One pose pass per video feeds two analysers: the manifest's exercise, and `auto`.
Videos run in parallel, one process per core (one PoseLandmarker each).
"""

from __future__ import annotations

import json
import os
import statistics
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from exercises.analyser import Analyser
from exercises.auto import SPECS, AutoAnalyser
from vision.video import VideoFileSource

# Manifest fault labels -> the cue that must flag them.
FAULT_CUES = {"knee_valgus": "knees_caving", "shallow_depth": "shallow_depth", "forward_trunk_lean": "trunk_lean"}
# Manifest exercise names -> ours.
EXERCISE_NAMES = {"glute_bridge": "bridge", "squat": "squat", "lunge": "lunge"}


@dataclass(frozen=True)
class VideoScore:
    file: str
    exercise: str
    true_reps: int
    counted: int
    auto_exercise: str
    auto_counted: int
    faults: tuple[str, ...]
    cues: dict[str, int]  # cue id -> reps it fired on
    reps_with_fault_cue: int  # reps where any of the three labelled-fault cues fired


def score_video(entry: dict, folder: str) -> VideoScore:
    from formcheck.pipeline import FrameProcessor

    exercise = EXERCISE_NAMES[entry["exercise"]]
    given = Analyser(SPECS[exercise])
    auto = AutoAnalyser()
    with VideoFileSource(Path(folder) / entry["file"], max_side_px=1280) as source, FrameProcessor("auto") as proc:
        for frame in source:
            pose = proc.smoother(proc.estimator.estimate(frame.rgb, frame.timestamp_s))
            given.update(pose, frame.timestamp_s)
            auto.update(pose, frame.timestamp_s)
    given.finish()
    auto.finish()
    reps = given.state.reps
    cues: dict[str, int] = {}
    for rep in reps:
        for c in rep.cues:
            cues[c] = cues.get(c, 0) + 1
    fault_cues = set(FAULT_CUES.values())
    return VideoScore(
        file=entry["file"],
        exercise=exercise,
        true_reps=int(entry["reps"]),
        counted=len(reps),
        auto_exercise=auto.name,
        auto_counted=len(auto.state.reps),
        faults=tuple(f["kind"] for f in entry["faults"]),
        cues=cues,
        reps_with_fault_cue=sum(1 for r in reps if fault_cues & set(r.cues)),
    )


def summarise(scores: list[VideoScore]) -> dict:
    errors = [s.counted - s.true_reps for s in scores]
    labelled = [(s, f) for s in scores for f in s.faults if f in FAULT_CUES]
    recalled = [1 for s, f in labelled if FAULT_CUES[f] in s.cues]
    clean = [s for s in scores if not s.faults]
    clean_reps = sum(s.counted for s in clean)
    return {
        "videos": len(scores),
        "exact": sum(e == 0 for e in errors),
        "within_one": sum(abs(e) <= 1 for e in errors),
        "mae": round(statistics.mean(abs(e) for e in errors), 3) if errors else None,
        "auto_correct": sum(s.auto_exercise == s.exercise for s in scores),
        "fault_recall": f"{len(recalled)}/{len(labelled)}",
        "clean_videos_fault_cue_share": round(sum(s.reps_with_fault_cue for s in clean) / clean_reps, 3)
        if clean_reps
        else 0.0,
        "clean_videos_worst_share": max((s.reps_with_fault_cue / s.counted for s in clean if s.counted), default=0.0),
    }


def format_table(scores: list[VideoScore], summary: dict) -> str:
    rows = [
        "| video | exercise | true | counted | auto | auto count | labelled faults | cues (reps) |",
        "|---" * 8 + "|",
    ]
    for s in scores:
        cues = ", ".join(f"{c} ({n})" for c, n in sorted(s.cues.items())) or "-"
        rows.append(
            f"| {s.file} | {s.exercise} | {s.true_reps} | {s.counted} | {s.auto_exercise} | {s.auto_counted} | "
            f"{', '.join(s.faults) or '-'} | {cues} |"
        )
    rows.append("")
    rows.append(
        f"exact {summary['exact']}/{summary['videos']}, within one {summary['within_one']}/{summary['videos']}, "
        f"MAE {summary['mae']} reps, auto exercise {summary['auto_correct']}/{summary['videos']}, "
        f"fault recall {summary['fault_recall']}, fault cues on clean videos "
        f"{summary['clean_videos_fault_cue_share']:.0%} of reps (worst video {summary['clean_videos_worst_share']:.0%})"
    )
    return "\n".join(rows)


def run_all(manifest: Path, folder: Path | None = None, workers: int | None = None) -> list[VideoScore]:
    entries = json.loads(manifest.read_text())["videos"]
    folder = folder or manifest.parent
    workers = workers or min(len(entries), os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(score_video, entries, [str(folder)] * len(entries)))


def run_benchmark(manifest: Path, folder: Path | None, out: Path | None) -> int:
    scores = run_all(manifest, folder)
    summary = summarise(scores)
    print(format_table(scores, summary))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench-accuracy.json").write_text(
            json.dumps({"summary": summary, "videos": [s.__dict__ for s in scores]}, indent=2)
        )
    return 0
