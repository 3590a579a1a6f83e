"""The lower back's fault rules and cues, built from one statement of the evidence order.

MediaPipe tracks no spine or pelvis, so what a rep did to the lower back is read from the best
evidence measured on that rep, and each rule says which it was (the report's `evidence`):

1. the person's reference set (`lumbar_tilt_ref_change_deg`: the rep's tilt minus the median tilt at the
   bottom of the reps of a set of the same exercise, filmed from the same view, that they keep as their
   reference; exercises/measures/reference.py), when they have one;
2. else their calibration (`lumbar_tilt_share`: the lower back's tilt as a share of their own
   pelvic-tilt range, exercises/measures/calibration.py), when they have one;
3. else the back's outline (`lumbar_tilt_deg`, exercises/measures/back_outline.py) against an
   absolute limit;
4. else a landmark proxy: a joint angle that the hips alone cannot reach, so the lumbar spine moved.

A level judges a rep only when none of the better levels the check declares was measured on it:
the `fallback` of the squat and the hinge, stated once. Beside levels 1 to 3 the tilt's change
from rest (`lumbar_tilt_change_deg`, against the person's position between reps) judges every rep
it was measured on: it is the person's own reference already, so neither a reference set nor a
calibration replaces it.
A proxy that sees what the outline does not (`Proxy.beside_outline`, with the reason at its
exercise) is judged on every rep too.

Arching is raised above the limits, rounding below them: the outline's measures are signed
+ arched (extended) / - rounded (flexed), and each exercise's proxy is chosen to read the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from exercises.framework.analyser import FaultRule, Metrics, finite_or_none
from exercises.framework.cues import Cue, Severity

ARCHING = Cue(
    "lower_back_arching",
    Severity.ALERT,
    "Ribs down: finish with your glutes, don't arch your lower back.",
    "Arching the lower back fakes range and loads the lumbar joints while the pelvis tips forward.",
)
ROUNDING = Cue(
    "lower_back_rounding",
    Severity.WARN,
    "Keep your back flat at the bottom; stop where you can keep it neutral.",
    "Rounding under load bends the lumbar spine where it should stay neutral.",
)
CHECK = "lower_back"  # the check's name in report.json's checks performed / skipped

# Evidence names, for the report: what a lower-back cue was judged from.
REFERENCE = "the back's outline, against your reference set"
CALIBRATED = "the back's outline, against your calibration"
OUTLINE = "the back's outline"
PROXY = "landmarks (proxy: the spine is not seen)"

# The rep metrics the outline's rules read: the change from the reference set and the calibrated share
# (both added by the analyser), the absolute tilt and its change from rest (exercises.helpers.back_summary).
REF_CHANGE = "lumbar_tilt_ref_change_deg"
SHARE = "lumbar_tilt_share"
TILT = "lumbar_tilt_deg"
CHANGE = "lumbar_tilt_change_deg"


@dataclass(frozen=True)
class Proxy:
    """A landmark measure that implies the lower back moved: its rep metric, limit and the views it is judged in."""

    metric: str
    limit: float
    views: frozenset[str]
    # False: a stand-in, judged only on reps the outline measured nothing of this check on.
    # True: judged on every rep, because it sees what the outline's measures do not (say why).
    beside_outline: bool = False


@dataclass(frozen=True)
class OnlyWhile:
    """A second condition each rule of a check needs: the rep's `metric` under `below`."""

    metric: str
    below: float


@dataclass(frozen=True)
class BackCheck:
    """One lower-back cue's limits at each level of evidence; None: that evidence is not used for it."""

    cue: Cue
    above: bool  # raised when a measure exceeds its limit (arching), else when under it (rounding)
    ref_change_deg: float | None = None  # on `lumbar_tilt_ref_change_deg`, against the reference set
    share: float | None = None  # on `lumbar_tilt_share`, with a calibration
    tilt_deg: float | None = None  # on `lumbar_tilt_deg`, the outline's absolute tilt
    change_deg: float | None = None  # on `lumbar_tilt_change_deg`, the change from rest
    proxy: Proxy | None = None
    only_while: OnlyWhile | None = None


@dataclass(frozen=True)
class BackRules:
    """What an exercise puts in its spec: the rules in `faults`, the cues they raise in `cues`."""

    faults: tuple[FaultRule, ...]
    cues: tuple[Cue, ...]


# The two checks, each by its limits (keywords of BackCheck): arching above them, rounding under them.
arching = partial(BackCheck, ARCHING, True)
rounding = partial(BackCheck, ROUNDING, False)


def lower_back(*checks: BackCheck, views: frozenset[str] = frozenset({"side"})) -> BackRules:
    """The rules of `checks` in the evidence order, the outline's judged in `views` (the spec's `back_views`)."""
    faults = tuple(rule for check in checks for rule in check_rules(check, views))
    cues = tuple(dict.fromkeys(check.cue for check in checks))
    return BackRules(faults, cues)


def check_rules(check: BackCheck, views: frozenset[str]) -> tuple[FaultRule, ...]:
    """One check's rules, best evidence first (the report names the first rule that raised the cue)."""
    rules: list[FaultRule] = []
    better: tuple[str, ...] = ()  # the levels above: measured on a rep, they judge it instead
    for metric, limit, evidence in (
        (REF_CHANGE, check.ref_change_deg, REFERENCE),
        (SHARE, check.share, CALIBRATED),
        (TILT, check.tilt_deg, OUTLINE),
    ):
        if limit is not None:
            rules.append(rule(check, metric, limit, evidence, views, unless=better))
            better += (metric,)
    if check.change_deg is not None:
        rules.append(rule(check, CHANGE, check.change_deg, OUTLINE, views, unless=()))
        better += (CHANGE,)
    proxy = check.proxy
    if proxy is not None:
        unless = () if proxy.beside_outline else better
        rules.append(rule(check, proxy.metric, proxy.limit, PROXY, proxy.views, unless=unless))
    return tuple(rules)


def measured(metrics: Metrics, metric: str) -> bool:
    return finite_or_none(metrics.get(metric, math.nan)) is not None


def rule(
    check: BackCheck, metric: str, limit: float, evidence: str, views: frozenset[str], unless: tuple[str, ...]
) -> FaultRule:
    """`check`'s cue from `metric` against `limit`, on reps where none of `unless` was measured."""
    gate = check.only_while
    beyond: Callable[[float], bool] = (lambda v: v > limit) if check.above else (lambda v: v < limit)

    def test(m: Metrics) -> bool:
        if any(measured(m, better) for better in unless):
            return False
        return beyond(m[metric]) and (gate is None or m[gate.metric] < gate.below)

    needs = (metric,) if gate is None else (metric, gate.metric)
    return FaultRule(check.cue.code, CHECK, views, test, needs, limit, evidence)
