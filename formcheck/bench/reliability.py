"""Reliability of a per-rep measure over repeated reps, as clinicians report it: SEM and MDC.

Pure arithmetic on numbers (no video, no model): `formcheck bench-reliability` (formcheck/bench/back.py)
collects each clip's per-rep values and hands them here.

- A set is one clip: the same person repeating the same movement. Its reps with a finite value
  count; a set with fewer than `MIN_REPS` of them is left out.
- Within-set SD: the sample standard deviation (n - 1) of one set's values.
- SEM, the standard error of measurement: the pooled within-set SD,
  sqrt(sum((n_i - 1) s_i^2) / sum(n_i - 1)) over the sets.
- MDC95, the minimal detectable change between two single measurements: 1.96 x sqrt(2) x SEM.
- MDC of one rep against the median of a reference set of n reps: 1.96 x SEM x sqrt(1 + pi / (2 n)):
  the difference's variance is the rep's SEM^2 plus the median's, which for normal errors is
  pi / (2 n) x SEM^2 (the mean's would be SEM^2 / n).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MIN_REPS = 3  # reps with the measure a set needs to count
Z95 = 1.96  # two-sided 95 % of the normal distribution
REFERENCE_REPS = 5  # the reference set's size the product judges a rep against
OVERALL = "all"  # the group of the overall row


@dataclass(frozen=True)
class ClipValues:
    """One clip's per-rep values of one measure (None: the rep had no measure)."""

    file: str
    exercise: str
    view: str
    values: tuple[float | None, ...]

    @property
    def group(self) -> str:
        return f"{self.exercise} ({self.view})"


@dataclass(frozen=True)
class ReliabilityRow:
    """A table row: the sets of one group (or all of them) and their SEM and MDCs, in degrees."""

    group: str
    sets: int  # clips with at least MIN_REPS measured reps
    reps: int  # measured reps in those clips
    sem_deg: float
    mdc95_deg: float
    mdc_rep_vs_reference_deg: float  # one rep against the median of REFERENCE_REPS reps
    sds_deg: tuple[float, ...]  # each set's within-set SD


def measured(values: Iterable[float | None]) -> list[float]:
    """The finite values: None and NaN (a rep without the measure) dropped."""
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def within_set_sd_deg(values: Iterable[float | None]) -> float:
    """The sample SD (n - 1) of one set's measured values; NaN with fewer than two."""
    kept = measured(values)
    return statistics.stdev(kept) if len(kept) >= 2 else math.nan


def usable_sets(sets: Iterable[Iterable[float | None]], min_reps: int = MIN_REPS) -> list[list[float]]:
    """Each set's measured values, the sets with fewer than `min_reps` of them left out."""
    kept = (measured(s) for s in sets)
    return [s for s in kept if len(s) >= min_reps]


def sem_deg(sets: Iterable[Iterable[float | None]], min_reps: int = MIN_REPS) -> float:
    """The pooled within-set SD, sqrt(sum((n_i - 1) s_i^2) / sum(n_i - 1)); NaN without a usable set."""
    kept = usable_sets(sets, min_reps)
    dof = sum(len(s) - 1 for s in kept)
    if dof == 0:
        return math.nan
    return math.sqrt(sum((len(s) - 1) * statistics.variance(s) for s in kept) / dof)


def mdc95_deg(sem: float) -> float:
    """The smallest change between two single measurements that is real with 95 % confidence."""
    return Z95 * math.sqrt(2.0) * sem


def mdc_rep_vs_reference_deg(sem: float, n: int = REFERENCE_REPS) -> float:
    """The smallest difference of one rep from the median of `n` reference reps that is real (95 %)."""
    return Z95 * sem * math.sqrt(1.0 + math.pi / (2.0 * n))


def row(group: str, clips: Sequence[ClipValues], n: int = REFERENCE_REPS) -> ReliabilityRow:
    kept = usable_sets(c.values for c in clips)
    sem = sem_deg(kept)
    return ReliabilityRow(
        group=group,
        sets=len(kept),
        reps=sum(len(s) for s in kept),
        sem_deg=sem,
        mdc95_deg=mdc95_deg(sem),
        mdc_rep_vs_reference_deg=mdc_rep_vs_reference_deg(sem, n),
        sds_deg=tuple(statistics.stdev(s) for s in kept),
    )


def reliability_rows(clips: Sequence[ClipValues], n: int = REFERENCE_REPS) -> list[ReliabilityRow]:
    """One row per exercise and view with a usable set (in the clips' order), then the overall row."""
    groups: dict[str, list[ClipValues]] = {}
    for clip in clips:
        groups.setdefault(clip.group, []).append(clip)
    rows = [row(g, members, n) for g, members in groups.items()]
    return [r for r in rows if r.sets] + [row(OVERALL, clips, n)]


def format_rows(metric: str, rows: Sequence[ReliabilityRow], n: int = REFERENCE_REPS) -> str:
    """A markdown table of the rows for one measure."""
    lines = [
        f"| `{metric}`: exercise (view) | sets | reps | within-set SD per set (deg) | SEM (deg) | MDC95 (deg) "
        f"| MDC rep vs median of {n} (deg) |",
        "|---" * 7 + "|",
    ]
    for r in rows:
        if r.group == OVERALL and r.sds_deg:
            sds = f"{min(r.sds_deg):.1f} to {max(r.sds_deg):.1f}"
        else:
            sds = " ".join(f"{sd:.1f}" for sd in r.sds_deg) or "-"
        lines.append(
            f"| {r.group} | {r.sets} | {r.reps} | {sds} | {_deg(r.sem_deg)} | {_deg(r.mdc95_deg)} "
            f"| {_deg(r.mdc_rep_vs_reference_deg)} |"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class MarginCheck:
    """One reference-set rule's margin against the MDC of one rep against a reference median (`lumbar_tilt_deg`)."""

    exercise: str
    cue: str
    margin_deg: float  # the rule's limit on the change from the reference, as a magnitude
    mdc_deg: float  # the largest of the exercise's per-view MDCs; NaN when no set of it was measurable

    @property
    def clears(self) -> bool | None:
        """Margin > MDC: a flagged rep differs from the reference by more than the measure's noise (None: unknown)."""
        return self.margin_deg > self.mdc_deg if math.isfinite(self.mdc_deg) else None


def margin_checks(
    clips: Sequence[ClipValues], margins: Mapping[tuple[str, str], float], n: int = REFERENCE_REPS
) -> list[MarginCheck]:
    """Each (exercise, cue) rule's margin against its exercise's MDC of one rep vs the median of `n`: per view
    (a reference judges only sets filmed from its own view), the largest, so the margin clears every view."""
    checks = []
    for (exercise, cue), margin in margins.items():
        views = reliability_rows([c for c in clips if c.exercise == exercise], n)[:-1]  # the last: overall
        mdcs = [r.mdc_rep_vs_reference_deg for r in views if math.isfinite(r.mdc_rep_vs_reference_deg)]
        checks.append(MarginCheck(exercise, cue, abs(margin), max(mdcs, default=math.nan)))
    return checks


def format_margins(checks: Sequence[MarginCheck], n: int = REFERENCE_REPS) -> str:
    """A markdown table: each reference rule's margin, the MDC it must exceed and whether it does."""
    lines = [
        f"| reference rule: exercise | cue | margin (deg) | MDC rep vs median of {n}, largest view (deg) "
        "| margin > MDC |",
        "|---" * 5 + "|",
    ]
    words = {True: "yes", False: "**no**", None: "not measured"}
    for c in checks:
        lines.append(f"| {c.exercise} | {c.cue} | {c.margin_deg:.1f} | {_deg(c.mdc_deg)} | {words[c.clears]} |")
    return "\n".join(lines)


def _deg(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "-"
