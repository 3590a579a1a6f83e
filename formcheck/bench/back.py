"""Back benchmark: the lower back's shape from the outline, per rep, against clips with the back labelled.

    formcheck bench-accuracy ../shared/videos/back/manifest.json

A manifest whose videos carry a `back` label (neutral | rounded, at the bottom of every
rep) is scored here instead of on rep counts: each clip is analysed as its exercise
(a hinge: `deadlift`) and every counted rep must read as rounded beyond the exercise's
threshold (`lower_back_rounding`) on the rounded clips, and on none of the neutral ones.
Reps whose bottom had no measurable back edge are counted apart: not judged, not passed.
"""

from __future__ import annotations

import json
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path

from exercises.framework import registry
from exercises.framework.analyser import Analyser, ExerciseSpec
from formcheck.bench.accuracy import analysed_clip, video_pool

ROUNDING = "lower_back_rounding"


@dataclass(frozen=True)
class BackScore:
    file: str
    exercise: str
    label: str  # the manifest's `back`: neutral | rounded
    view: str
    reps: int
    rounded: int  # reps read as rounded (the cue fired)
    unmeasured: int  # reps without a back measure at the bottom
    tilts_deg: tuple[float | None, ...]  # lumbar_tilt_deg per rep

    @property
    def correct(self) -> int:
        """Reps read as labelled: rounded on a rounded clip, not rounded (and measured) on a neutral one."""
        if self.label == "rounded":
            return self.rounded
        return self.reps - self.rounded - self.unmeasured


def is_back_manifest(manifest: Path) -> bool:
    return all("back" in e for e in json.loads(manifest.read_text())["videos"])


def exercise_of(text: str) -> ExerciseSpec | None:
    """The registered exercise a manifest's free-text `exercise` names ("kettlebell deadlift (hip hinge)")."""
    name = registry.resolve(text)
    if name is not None:
        return registry.get(name)
    words = text.lower().replace("-", " ")
    for candidate in registry.specs():
        names = (candidate.name, *candidate.aliases)
        if any(name.replace("_", " ") in words for name in names):
            return candidate
    return None


def main_view(analyser: Analyser) -> str:
    """The view the clip was seen from most."""
    return analyser.state.views.most_common(1)[0][0] if analyser.state.views else "unknown"


def analysed_entry(entry: dict, folder: str, cache: str | None = None) -> Analyser:
    """A manifest entry's clip analysed as the exercise the manifest names (an error when none has an analyser)."""
    spec = exercise_of(entry["exercise"])
    if spec is None:
        raise ValueError(f"{entry['file']}: no analyser for {entry['exercise']!r}")
    return analysed_clip(spec, Path(folder) / entry["file"], cache)


def score_back_video(entry: dict, folder: str, cache: str | None = None) -> BackScore:
    analyser = analysed_entry(entry, folder, cache)
    reps = analyser.state.reps
    tilts = tuple(r.metrics.get("lumbar_tilt_deg") for r in reps)
    return BackScore(
        file=entry["file"],
        exercise=analyser.spec.name,
        label=entry["back"],
        view=main_view(analyser),
        reps=len(reps),
        rounded=sum(ROUNDING in r.cues for r in reps),
        unmeasured=sum(t is None for t in tilts),
        tilts_deg=tilts,
    )


def run_back(manifest: Path, folder: Path | None, workers: int | None, cache: Path | None, progress=None):
    entries = json.loads(manifest.read_text())["videos"]
    folder = folder or manifest.parent
    with video_pool(workers, len(entries)) as pool:
        cache_arg = str(cache) if cache else None
        futures = [pool.submit(score_back_video, e, str(folder), cache_arg) for e in entries]
        for done, _ in enumerate(as_completed(futures), 1):
            if progress is not None:
                progress(done, len(entries))
        return [f.result() for f in futures]


def format_back_table(scores: list[BackScore]) -> str:
    rows = [
        "| clip | back | view | reps | read rounded | no measure | lower-back tilt at the bottom (deg) |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in scores:
        tilts = " ".join(f"{t:+.0f}" if t is not None else "-" for t in s.tilts_deg)
        rows.append(f"| {s.file} | {s.label} | {s.view} | {s.reps} | {s.rounded} | {s.unmeasured} | {tilts} |")
    rounded = [s for s in scores if s.label == "rounded"]
    neutral = [s for s in scores if s.label != "rounded"]
    rows.append("")
    rows.append(
        f"rounded clips: {sum(s.rounded for s in rounded)}/{sum(s.reps for s in rounded)} reps read rounded"
        f" ({sum(s.unmeasured for s in rounded)} without a measure); neutral clips:"
        f" {sum(s.rounded for s in neutral)}/{sum(s.reps for s in neutral)} reps read rounded"
    )
    return "\n".join(rows)


def run_back_benchmark(
    manifest: Path, folder: Path | None, out: Path | None, cache: Path | None, workers: int | None
) -> int:
    """The back table on stdout (and OUT/bench-back.json); 0 when every rep reads as labelled, else 1."""
    from tqdm import tqdm

    bar = tqdm(total=len(json.loads(manifest.read_text())["videos"]), desc="clips")

    def progress(done: int, total: int) -> None:
        bar.n = done
        bar.refresh()

    scores = run_back(manifest, folder, workers, cache, progress)
    bar.close()
    print(format_back_table(scores))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        rows = [s.__dict__ | {"correct": s.correct} for s in scores]
        (out / "bench-back.json").write_text(json.dumps(rows, indent=1))
    return 0 if all(s.correct == s.reps for s in scores) else 1
