"""Accuracy benchmark: rep counts, exercise recognition and fault recall against a manifest.

    formcheck bench-accuracy ../shared/videos/manifest.json

One pose pass per video feeds two analysers: the manifest's exercise, and `auto`.
Videos run in parallel, one process per core (one PoseLandmarker each).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from exercises.framework import registry
from exercises.framework.analyser import Analyser, ExerciseSpec
from exercises.framework.auto import AutoAnalyser
from formcheck.bench.posecache import ORIGINAL, Track, cached_track
from vision import perturb
from vision.perturb import BodyBox, Stretch
from vision.smoothing import PoseSmoother

LOCAL = "local"  # the engine: this machine's process pool (else a Ray address, None for a local Ray)

# Manifest fault labels -> the cue that must flag them.
FAULT_CUES = {
    "knee_valgus": "knees_caving",
    "shallow_depth": "shallow_depth",
    "forward_trunk_lean": "trunk_lean",
    "trunk_forward_lean": "trunk_lean",  # the programme's manifest spells it so
}
# A hold timed within this of the manifest's (s) is right: the acceptance bar of the programme issue.
HOLD_TOLERANCE_S = 1.0


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
    # The manifest's holds (s) and what was measured for each (None: not found): a hold exercise's
    # holds, or for a rep exercise the `hold_s` of the rep at that hold.
    true_holds_s: tuple[float, ...] = ()
    measured_holds_s: tuple[float | None, ...] = ()
    auto_unsure: str | None = None  # why auto said it cannot tell the exercise (AutoAnalyser.unsure), if it did

    @property
    def auto_cell(self) -> str:
        return "cannot tell" if self.auto_unsure else self.auto_exercise

    @property
    def holds_right(self) -> int:
        return sum(
            m is not None and abs(m - t) <= HOLD_TOLERANCE_S
            for t, m in zip(self.true_holds_s, self.measured_holds_s, strict=True)
        )


def score_track(entry: dict, track: Track) -> VideoScore:
    """Smoothing and two analysers (the manifest's exercise, and `auto`) over one pose track."""
    spec = registry.get(entry["exercise"])  # manifests may use an alias ("glute_bridge")
    exercise = spec.name
    given = Analyser(spec)
    auto = AutoAnalyser()
    run_analysers(track, given, auto)
    reps = given.state.reps
    cues: dict[str, int] = {}
    for rep in reps:
        for c in rep.cues:
            cues[c] = cues.get(c, 0) + 1
    fault_cues = set(FAULT_CUES.values())
    return VideoScore(
        file=entry["file"],
        exercise=exercise,
        true_reps=int(entry["reps"] or 0),  # a hold exercise's clip: no reps
        counted=len(reps),
        auto_exercise=auto.name,
        auto_unsure=auto.unsure(),
        auto_counted=len(auto.state.reps),
        faults=tuple(f["kind"] for f in entry["faults"]),
        cues=cues,
        reps_with_fault_cue=sum(1 for r in reps if fault_cues & set(r.cues)),
        true_holds_s=tuple(h["end_s"] - h["start_s"] for h in entry.get("holds") or ()),
        measured_holds_s=measured_holds(entry, given),
    )


def run_analysers(track: Track, *analysers) -> None:
    """One pose track smoothed once, fed to every analyser frame by frame, then each finished."""
    smoother = PoseSmoother()
    for t, raw in track:
        pose = smoother(raw)
        for analyser in analysers:
            analyser.update(pose, t)
    for analyser in analysers:
        analyser.finish()


def analysed_clip(spec: ExerciseSpec, video: Path, cache: str | None = None) -> Analyser:
    """One clip as it is (its poses from the cache folder when given) analysed as `spec`, finished."""
    track = cached_track(video, ORIGINAL, None, None, Path(cache) if cache else None)
    analyser = Analyser(spec)
    run_analysers(track, analyser)
    return analyser


def measured_holds(entry: dict, analyser: Analyser) -> tuple[float | None, ...]:
    """For each of the manifest's holds, the measured length (s) of the one it matches, or None.

    A hold clip (no reps) is matched to the analyser's holds by the most overlap; in a rep clip
    a hold is the pause at the top of a rep: matched to the rep whose peak falls in it (else the
    nearest peak within a second of it).
    """
    out: list[float | None] = []
    for true in entry.get("holds") or ():
        start, end = true["start_s"], true["end_s"]
        if entry.get("reps") is None:
            overlaps = [(min(end, h.end_s) - max(start, h.start_s), h.duration_s) for h in analyser.state.holds]
            best = max(overlaps, default=(0.0, None))
            out.append(best[1] if best[0] > 0 else None)
            continue
        near = [(max(start - r.peak_s, r.peak_s - end, 0.0), r.metrics.get("hold_s")) for r in analyser.state.reps]
        best = min(near, default=(math.inf, None), key=lambda x: x[0])
        out.append(best[1] if best[0] <= 1.0 else None)
    return tuple(out)


def mid_set_stretch(entry: dict, length_s: float = 5.0) -> Stretch:
    """`length_s` centred between the first and last hand-timed rep (the clip's middle without them)."""
    duration = float(entry.get("duration_s") or 0.0)
    times = entry.get("rep_times_s") or [duration / 2]
    centre = 0.5 * (times[0] + times[-1])
    length = min(length_s, 0.5 * duration) if duration else length_s
    return Stretch(max(0.0, centre - length / 2), centre + length / 2)


def score_video(entry: dict, folder: str, variant: str = ORIGINAL, box=None, cache: str | None = None):
    """(score, body box mid-set) of one video or one variant of it; the box feeds the local perturbations."""
    video = Path(folder) / entry["file"]
    stretch = mid_set_stretch(entry)
    track = cached_track(video, variant, box, stretch, Path(cache) if cache else None)
    box_out = perturb.body_box([p for _, p in track if p is not None], stretch) if variant == ORIGINAL else None
    return score_track(entry, track), box_out


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
        "auto_correct": sum(s.auto_exercise == s.exercise and not s.auto_unsure for s in scores),
        "auto_unsure": sum(bool(s.auto_unsure) for s in scores),
        "auto_wrong": sum(s.auto_exercise != s.exercise and not s.auto_unsure for s in scores),
        "fault_recall": f"{len(recalled)}/{len(labelled)}",
        "clean_videos_fault_cue_share": round(sum(s.reps_with_fault_cue for s in clean) / clean_reps, 3)
        if clean_reps
        else 0.0,
        "clean_videos_worst_share": max((s.reps_with_fault_cue / s.counted for s in clean if s.counted), default=0.0),
        "holds_right": sum(s.holds_right for s in scores),
        "holds": sum(len(s.true_holds_s) for s in scores),
    }


def format_table(scores: list[VideoScore], summary: dict) -> str:
    rows = [
        "| video | exercise | true | counted | holds s (true / measured) | auto | auto count | labelled faults "
        "| cues (reps) |",
        "|---" * 9 + "|",
    ]
    for s in scores:
        cues = ", ".join(f"{c} ({n})" for c, n in sorted(s.cues.items())) or "-"
        rows.append(
            f"| {s.file} | {s.exercise} | {s.true_reps} | {s.counted} | {_holds_cell(s)} | {s.auto_cell} | "
            f"{s.auto_counted} | {', '.join(s.faults) or '-'} | {cues} |"
        )
    rows.append("")
    rows.append(
        f"exact {summary['exact']}/{summary['videos']}, within one {summary['within_one']}/{summary['videos']}, "
        f"MAE {summary['mae']} reps, auto exercise {summary['auto_correct']}/{summary['videos']}"
        f" (cannot tell {summary['auto_unsure']}, wrong {summary['auto_wrong']}), "
        f"fault recall {summary['fault_recall']}, fault cues on clean videos "
        f"{summary['clean_videos_fault_cue_share']:.0%} of reps (worst video {summary['clean_videos_worst_share']:.0%})"
        + (
            f", holds within {HOLD_TOLERANCE_S:g} s {summary['holds_right']}/{summary['holds']}"
            if summary["holds"]
            else ""
        )
    )
    return "\n".join(rows)


def _holds_cell(s: VideoScore) -> str:
    measured = s.measured_holds_s
    pairs = [f"{t:.1f} / {'-' if m is None else f'{m:.1f}'}" for t, m in zip(s.true_holds_s, measured, strict=True)]
    return ", ".join(pairs) or "-"


def video_pool(workers: int | None, jobs: int, address: str | None = LOCAL):
    """A process pool on this machine, or with an `address` other than LOCAL a Ray pool (None: local Ray)."""
    import multiprocessing

    if address != LOCAL:
        from formcheck.ray_engine import RayPool

        return RayPool(address)

    # spawn: a forked child would inherit the parent's MediaPipe threads' locks.
    n = max(1, min(jobs, workers or os.cpu_count() or 1))
    return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))


def unsupported_exercises(manifest: Path) -> list[str]:
    """The manifest's exercises this benchmark has no analyser for (checked before any video is read)."""
    named = {e["exercise"] for e in json.loads(manifest.read_text())["videos"]}
    return sorted(name for name in named if registry.resolve(name) is None)


def not_scored(entry: dict) -> str | None:
    """Why a manifest entry is left out of the benchmark (an exercise without an analyser), or None."""
    if registry.resolve(entry["exercise"]) is None:
        return f"{entry['exercise']}: no analyser yet"
    return None


def scored_entries(manifest: Path) -> list[dict]:
    """The entries the rep benchmark scores, in manifest order."""
    return [e for e in json.loads(manifest.read_text())["videos"] if not_scored(e) is None]


def run_originals(
    manifest: Path,
    folder: Path | None = None,
    workers: int | None = None,
    cache: Path | None = None,
    progress=None,
    engine: str | None = LOCAL,
) -> list[tuple[VideoScore, BodyBox | None]]:
    """Every video of the manifest as it is: its score and the body's box mid-set (for the perturbations)."""
    entries = scored_entries(manifest)
    folder = folder or manifest.parent
    # Longest first, so no worker is left alone with a long video at the end.
    order = sorted(range(len(entries)), key=lambda i: -float(entries[i].get("frames") or 0))
    with video_pool(workers, len(entries), engine) as pool:
        futures = {i: pool.submit(score_video, entries[i], str(folder), ORIGINAL, None, _str(cache)) for i in order}
        for done, _ in enumerate(as_completed(futures.values()), 1):
            if progress is not None:
                progress(done, len(entries))
        return [futures[i].result() for i in range(len(entries))]


def _str(path: Path | None) -> str | None:
    return str(path) if path is not None else None


@dataclass(frozen=True)
class PerturbedScore:
    file: str
    perturbation: str
    original: VideoScore
    perturbed: VideoScore

    @property
    def count_unchanged(self) -> bool:
        return self.perturbed.counted == self.original.counted

    def cue_changes(self) -> tuple[int, int]:
        """(reps a cue was added to, reps a cue was lost from), summed over the cues."""
        names = set(self.original.cues) | set(self.perturbed.cues)
        diffs = [self.perturbed.cues.get(c, 0) - self.original.cues.get(c, 0) for c in names]
        return sum(d for d in diffs if d > 0), sum(-d for d in diffs if d < 0)


def run_perturbed(
    manifest: Path,
    folder: Path | None = None,
    workers: int | None = None,
    cache: Path | None = None,
    names: tuple[str, ...] = tuple(perturb.PERTURBATIONS),
    progress=None,
    engine: str | None = LOCAL,
) -> tuple[list[VideoScore], list[PerturbedScore]]:
    """Every video as it is, then every (video, perturbation) pair; the scores of both."""
    entries = scored_entries(manifest)
    folder = folder or manifest.parent
    originals = run_originals(manifest, folder, workers, cache, engine=engine)
    jobs = [(i, name) for i in range(len(entries)) for name in names]
    jobs.sort(key=lambda job: -float(entries[job[0]].get("frames") or 0))
    results: list[PerturbedScore] = []
    with video_pool(workers, len(jobs), engine) as pool:
        futures = {
            pool.submit(score_video, entries[i], str(folder), name, originals[i][1], _str(cache)): (i, name)
            for i, name in jobs
        }
        for done, future in enumerate(as_completed(futures), 1):
            i, name = futures[future]
            results.append(PerturbedScore(entries[i]["file"], name, originals[i][0], future.result()[0]))
            if progress is not None:
                progress(done, len(jobs))
    order = {name: k for k, name in enumerate(names)}
    results.sort(key=lambda r: (order[r.perturbation], r.file))
    return [score for score, _ in originals], results


def summarise_perturbed(results: list[PerturbedScore]) -> dict[str, dict]:
    """Per perturbation: pairs with the count unchanged, and reps that gained or lost a cue."""
    out: dict[str, dict] = {}
    for r in results:
        row = out.setdefault(r.perturbation, {"pairs": 0, "unchanged": 0, "reps": 0, "added": 0, "lost": 0})
        added, lost = r.cue_changes()
        row["pairs"] += 1
        row["unchanged"] += r.count_unchanged
        row["reps"] += r.original.counted
        row["added"] += added
        row["lost"] += lost
    return out


def format_perturbed(results: list[PerturbedScore]) -> str:
    summary = summarise_perturbed(results)
    rows = [
        "| perturbation | what it simulates | count unchanged | cues added (share of reps) | cues lost | changed |",
        "|---" * 6 + "|",
    ]
    for name, row in summary.items():
        changed = ", ".join(
            f"{r.file} {r.original.counted}->{r.perturbed.counted}"
            for r in results
            if r.perturbation == name and not r.count_unchanged
        )
        share = row["added"] / row["reps"] if row["reps"] else 0.0
        rows.append(
            f"| {name} | {perturb.PERTURBATIONS[name][0]} | {row['unchanged']}/{row['pairs']} | "
            f"{row['added']} ({share:.0%}) | {row['lost']} | {changed or '-'} |"
        )
    pairs = sum(r["pairs"] for r in summary.values())
    unchanged = sum(r["unchanged"] for r in summary.values())
    worst = max((r["added"] / r["reps"] for r in summary.values() if r["reps"]), default=0.0)
    rows.append("")
    rows.append(
        f"count unchanged on {unchanged}/{pairs} pairs ({unchanged / pairs:.0%}); "
        f"worst perturbation adds a cue to {worst:.0%} of reps"
    )
    return "\n".join(rows)


def run_benchmark(
    manifest: Path,
    folder: Path | None,
    out: Path | None,
    perturbations: tuple[str, ...] = (),
    cache: Path | None = None,
    workers: int | None = None,
    engine: str | None = LOCAL,
) -> int:
    """The benchmark's tables on stdout; `engine`: LOCAL (this machine's processes) or a Ray address (None:
    a local Ray instance)."""
    if not scored_entries(manifest):
        reasons = sorted({not_scored(e) or "" for e in json.loads(manifest.read_text())["videos"]})
        print(
            f"error: {manifest} holds nothing this benchmark can score ({'; '.join(reasons)}; it knows"
            f" {', '.join(registry.names())}); nothing was analysed.",
            file=sys.stderr,
        )
        return 2
    from tqdm import tqdm

    n_videos = len(scored_entries(manifest))
    for entry in json.loads(manifest.read_text())["videos"]:
        reason = not_scored(entry)
        if reason is not None:
            print(f"not scored: {entry['file']} ({reason})", file=sys.stderr)
    bar = tqdm(total=n_videos * (len(perturbations) or 1), desc="variants" if perturbations else "videos")

    def progress(done: int, total: int) -> None:
        bar.n = done
        bar.refresh()

    if perturbations:
        scores, perturbed = run_perturbed(manifest, folder, workers, cache, perturbations, progress, engine)
    else:
        scored = run_originals(manifest, folder, workers, cache, progress, engine)
        scores, perturbed = [score for score, _ in scored], []
    bar.close()
    summary = summarise(scores)
    print(format_table(scores, summary))
    if perturbed:
        print()
        print(format_perturbed(perturbed))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        report = {"summary": summary, "videos": [s.__dict__ for s in scores]}
        if perturbed:
            report["perturbations"] = summarise_perturbed(perturbed)
            report["pairs"] = [
                {"file": r.file, "perturbation": r.perturbation, "original": r.original.__dict__,
                 "perturbed": r.perturbed.__dict__}
                for r in perturbed
            ]
        (out / "bench-accuracy.json").write_text(json.dumps(report, indent=2))
    return 0
