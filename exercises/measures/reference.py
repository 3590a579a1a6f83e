"""A person's reference set: one analysed set of an exercise that later sets of it are judged against.

The outline's lower-back tilt (`lumbar_tilt_deg`) differs a lot between healthy people (body shape,
clothing, pelvis shape), and an arch held through a whole set hides from the change against the set's
own rest. A set the person (or their physiotherapist) accepts as their good form holds their own
value at the bottom of each rep: a later set's reps are judged on the change from it
(`lumbar_tilt_ref_change_deg`, exercises/framework/analyser.py). What it keeps: per rep metric, the
median over the set's judged reps, and the view it was filmed from (the outline reads differently
side-on and at 45 deg, so a reference judges only sets filmed from the same view).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

TILT = "lumbar_tilt_deg"
# Fewer reps than this are no reference: one odd rep would be half of it.
MIN_REPS = 3
# Rep metrics that are judgements against another reference, not the set's own measures: never kept.
DERIVED = frozenset({"lumbar_tilt_share", "lumbar_tilt_ref_change_deg"})


@dataclass(frozen=True)
class SetReference:
    """An analysed set kept as the person's reference for its exercise."""

    exercise: str
    view: str  # the set's dominant view: side | oblique | front
    recorded_on: str  # ISO date the reference set was done
    source: str  # the video's file name, or "live"
    values: Mapping[str, float] = field(default_factory=dict)  # rep metric -> median over the judged reps
    n_reps: int = 0

    @property
    def tilt_deg(self) -> float | None:
        """The lower back's tilt at the bottom of the reference reps, None when it was not measured."""
        value = self.values.get(TILT)
        return float(value) if value is not None and math.isfinite(value) else None


class SetReferenceError(ValueError):
    """Why a set cannot be a reference; the message is for the user."""


def reference_from_reps(
    exercise: str, view: str, reps: Sequence[Mapping[str, float | None]], recorded_on: str, source: str
) -> SetReference:
    """The reference of a set from its judged reps' metrics (missing or non-finite values are not measured)."""
    if len(reps) < MIN_REPS:
        raise SetReferenceError(
            f"only {len(reps)} rep{'s' if len(reps) != 1 else ''} counted (a reference needs {MIN_REPS}):"
            " film a whole set of your best form"
        )
    measured: dict[str, list[float]] = {}
    for metrics in reps:
        for name, value in metrics.items():
            if name in DERIVED or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if math.isfinite(value):
                measured.setdefault(name, []).append(float(value))
    if TILT not in measured:
        raise SetReferenceError(
            "the lower back's outline was not measured on any rep: film side-on, the whole trunk in the picture,"
            " in close-fitting clothes"
        )
    values = {name: float(statistics.median(found)) for name, found in sorted(measured.items())}
    return SetReference(exercise, view, recorded_on, source, values, len(reps))


@dataclass(frozen=True)
class UsualTilt:
    """The lower back's tilt at the bottom (`lumbar_tilt_deg`) that ordinary sets of an exercise read.

    Information, never a cue: body shape and clothing move the absolute value, so a set outside it
    is told where it sits and how to have it judged (a calibration or a reference set).
    """

    low_deg: float
    high_deg: float
    views: frozenset[str]  # the views it was measured in
    sets: str  # what was measured, for the sentence: "side-on squats"
    source: str  # where the figures come from

    def words(self, tilt_deg: float) -> str:
        """Where `tilt_deg` sits: "+17 deg at the bottom: within the usual range (side-on squats: -7.5 to +21 deg)"."""
        if tilt_deg > self.high_deg:
            where = "more arched than most people"
        elif tilt_deg < self.low_deg:
            where = "more rounded than most people"
        else:
            where = "within the usual range"
        return f"{tilt_deg:+.0f} deg at the bottom: {where} ({self.sets}: {self.low_deg:+g} to {self.high_deg:+g} deg)"
