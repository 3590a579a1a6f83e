"""The lower-back measures' reliability on the shared clips: SEM and MDC over repeated reps.

    formcheck bench-reliability ../shared/videos/manifest.json ../shared/videos/programme/manifest.json \\
        ../shared/videos/back/manifest.json --cache /tmp/formcheck-poses

Every clip of the manifests whose exercise measures the lower back from the outline is analysed
as its exercise (the poses replayed from `--cache` when there); each rep's `lumbar_tilt_deg` and
`lumbar_tilt_change_deg`, as report.json has them, go to formcheck/bench/reliability.py.
"""

from __future__ import annotations

import datetime
import json
import sys
from concurrent.futures import as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

from exercises.framework import registry
from formcheck.bench.accuracy import video_pool
from formcheck.bench.back import analysed_entry, exercise_of, main_view
from formcheck.bench.reliability import (
    MIN_REPS,
    REFERENCE_REPS,
    ClipValues,
    format_margins,
    format_rows,
    margin_checks,
    measured,
    reliability_rows,
    within_set_sd_deg,
)

METRICS = ("lumbar_tilt_deg", "lumbar_tilt_change_deg")
REFERENCE_METRIC = "lumbar_tilt_ref_change_deg"  # the reference-set rules' measure: a rep's tilt minus the reference's


def reference_margins() -> dict[tuple[str, str], float]:
    """(exercise, cue) -> the limit of each registered reference-set rule on the lower back's tilt."""
    return {
        (spec.name, rule.cue): rule.limit
        for spec in registry.specs()
        for rule in spec.faults
        if rule.needs and rule.needs[0] == REFERENCE_METRIC
    }


@dataclass(frozen=True)
class ClipReps:
    """One clip's counted reps and their lower-back measures (None: no measure on that rep)."""

    file: str
    exercise: str
    view: str
    values: dict[str, tuple[float | None, ...]]  # metric -> per rep

    def clip_values(self, metric: str) -> ClipValues:
        return ClipValues(self.file, self.exercise, self.view, self.values[metric])


def clip_reps(entry: dict, folder: str, cache: str | None = None) -> ClipReps:
    analyser = analysed_entry(entry, folder, cache)
    reps = analyser.state.reps
    values = {m: tuple(r.metrics.get(m) for r in reps) for m in METRICS}
    return ClipReps(entry["file"], analyser.spec.name, main_view(analyser), values)


def not_measured(entry: dict) -> str | None:
    """Why a manifest entry has no per-rep lower-back measure to take, or None."""
    spec = exercise_of(entry["exercise"])
    if spec is None:
        return "no analyser"
    if spec.back is None:
        return f"{spec.name}: the lower back is not measured"
    if spec.hold is not None:
        return f"{spec.name}: held, no reps"
    return None


def measured_entries(manifests: list[Path]) -> list[tuple[dict, Path]]:
    """(entry, its videos' folder) of every entry of the manifests with lower-back measures, in order;
    the others are named on stderr."""
    out = []
    for manifest in manifests:
        for entry in json.loads(manifest.read_text())["videos"]:
            reason = not_measured(entry)
            if reason is None:
                out.append((entry, manifest.parent))
            else:
                print(f"not measured: {entry['file']} ({reason})", file=sys.stderr)
    return out


def run_clips(entries: list[tuple[dict, Path]], workers: int | None, cache: Path | None, progress=None):
    cache_arg = str(cache) if cache else None
    with video_pool(workers, len(entries)) as pool:
        futures = [pool.submit(clip_reps, entry, str(folder), cache_arg) for entry, folder in entries]
        for done, _ in enumerate(as_completed(futures), 1):
            if progress is not None:
                progress(done, len(entries))
        return [f.result() for f in futures]


def format_clips(clips: list[ClipReps]) -> str:
    """Per clip: reps counted, and per measure the reps measured and their within-set SD."""
    head = "| clip | exercise (view) | reps | " + " | ".join(f"`{m}` measured, SD (deg)" for m in METRICS) + " |"
    lines = [head, "|---" * (3 + len(METRICS)) + "|"]
    for c in clips:
        cells = []
        for m in METRICS:
            kept = measured(c.values[m])
            sd = within_set_sd_deg(kept)
            cells.append(f"{len(kept)}" + (f", {sd:.1f}" if len(kept) >= MIN_REPS else ""))
        group, reps = c.clip_values(METRICS[0]).group, len(c.values[METRICS[0]])
        lines.append(f"| {c.file} | {group} | {reps} | {' | '.join(cells)} |")
    return "\n".join(lines)


def report(clips: list[ClipReps], n: int = REFERENCE_REPS) -> tuple[str, dict]:
    """The markdown (both measures' tables, then the clips) and the JSON of the run."""
    parts, metrics = [], {}
    for m in METRICS:
        rows = reliability_rows([c.clip_values(m) for c in clips], n)
        parts.append(format_rows(m, rows, n))
        metrics[m] = [asdict(r) for r in rows]
    checks = margin_checks([c.clip_values(METRICS[0]) for c in clips], reference_margins(), n)
    parts.append(format_margins(checks, n))
    parts.append(format_clips(clips))
    data = {
        "date": datetime.date.today().isoformat(),
        "min_reps": MIN_REPS,
        "reference_reps": n,
        "formulas": {
            "sem_deg": "sqrt(sum((n_i-1) s_i^2) / sum(n_i-1)) over clips with >= min_reps measured reps",
            "mdc95_deg": "1.96 * sqrt(2) * sem",
            "mdc_rep_vs_reference_deg": "1.96 * sem * sqrt(1 + pi / (2 n)), n = reference_reps",
        },
        "metrics": metrics,
        "reference_margins": [asdict(c) | {"clears": c.clears} for c in checks],
        "clips": [asdict(c) for c in clips],
    }
    return "\n\n".join(parts), data


def run_reliability_benchmark(
    manifests: list[Path], out: Path | None, cache: Path | None, workers: int | None = None
) -> int:
    """The tables on stdout (and OUT/reliability.md, OUT/reliability.json); 1 when a reference rule's margin is not
    above its measured MDC, 2 when no clip can be measured."""
    entries = measured_entries(manifests)
    if not entries:
        print("error: no clip of these manifests has a lower-back measure; nothing was analysed.", file=sys.stderr)
        return 2
    from tqdm import tqdm

    bar = tqdm(total=len(entries), desc="clips")

    def progress(done: int, total: int) -> None:
        bar.n = done
        bar.refresh()

    clips = run_clips(entries, workers, cache, progress)
    bar.close()
    text, data = report(clips)
    print(text)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "reliability.md").write_text(text + "\n")
        (out / "reliability.json").write_text(json.dumps(data, indent=1))
    short = [c for c in data["reference_margins"] if c["clears"] is False]
    for c in short:
        print(
            f"margin too small: {c['exercise']} {c['cue']} {c['margin_deg']:.1f} deg <= MDC {c['mdc_deg']:.1f} deg",
            file=sys.stderr,
        )
    return 1 if short else 0
