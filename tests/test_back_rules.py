"""The lower-back rule builder on made-up rep metrics: which evidence judges a rep, and when.

Each level (calibration, the outline's tilt, a landmark proxy) must judge a rep when, and only
when, the better levels were not measured on it; the change from rest judges beside them; each
cue names the evidence it came from. Judged as the analyser does: in the rule's views, with
every metric it needs measured, the first rule raising a cue giving its evidence.
"""

from __future__ import annotations

import math

import pytest

from exercises.framework import registry
from exercises.framework.analyser import FaultRule, Metrics, finite_or_none
from exercises.framework.back_rules import (
    ARCHING,
    CALIBRATED,
    CHECK,
    OUTLINE,
    PROXY,
    REFERENCE,
    ROUNDING,
    OnlyWhile,
    Proxy,
    arching,
    lower_back,
    rounding,
)

SIDE = frozenset({"side"})
SIDE_VIEWS = frozenset({"side", "oblique"})
NaN = math.nan


def judged(rules: tuple[FaultRule, ...], metrics: Metrics, view: str = "side") -> dict[str, str]:
    """Cue -> evidence of the rules raised on a rep (exercises.framework.analyser.Analyser's judgement)."""
    evidence: dict[str, str] = {}
    for rule in rules:
        measured = all(finite_or_none(metrics.get(k, NaN)) is not None for k in rule.needs)
        if view in rule.views and measured and rule.test(metrics):
            evidence.setdefault(rule.cue, rule.evidence)
    return evidence


def rep(share: float = NaN, tilt: float = NaN, change: float = NaN, **others: float) -> dict[str, float]:
    return {"lumbar_tilt_share": share, "lumbar_tilt_deg": tilt, "lumbar_tilt_change_deg": change, **others}


# Every level, the proxy a stand-in: limits share 0.75, tilt 28, change 20, proxy 10 (all "above").
EVERY_LEVEL = lower_back(
    arching(share=0.75, tilt_deg=28.0, change_deg=20.0, proxy=Proxy("lean_deg", 10.0, SIDE_VIEWS)),
)
WITHIN, BEYOND = {"share": 0.5, "tilt": 20.0, "change": 5.0}, {"share": 0.9, "tilt": 30.0, "change": 25.0}


@pytest.mark.parametrize(
    ("metrics", "evidence"),
    [
        # The best measured level judges; the levels below it are not asked.
        (rep(BEYOND["share"], BEYOND["tilt"], lean_deg=15.0), CALIBRATED),
        (rep(WITHIN["share"], BEYOND["tilt"], lean_deg=15.0), None),  # calibrated within: the tilt stands down
        (rep(tilt=BEYOND["tilt"], lean_deg=15.0), OUTLINE),  # no calibration: the outline's tilt
        (rep(tilt=WITHIN["tilt"], lean_deg=15.0), None),  # the outline measured: the stand-in stands down
        (rep(lean_deg=15.0), PROXY),  # no outline: the landmark proxy
        (rep(lean_deg=5.0), None),
        (rep(), None),  # nothing measured: nothing judged
        # The change from rest is the person's own reference: judged beside the calibration and the tilt.
        (rep(WITHIN["share"], WITHIN["tilt"], BEYOND["change"]), OUTLINE),
        (rep(tilt=WITHIN["tilt"], change=BEYOND["change"]), OUTLINE),
        (rep(BEYOND["share"], WITHIN["tilt"], BEYOND["change"]), CALIBRATED),  # both raise: the better one named
        # The tilt measured without a change (no rest yet): still the outline's, the proxy stands down.
        (rep(tilt=WITHIN["tilt"], change=NaN, lean_deg=15.0), None),
    ],
    ids=[
        "calibrated",
        "calibrated within, tilt beyond",
        "outline tilt",
        "outline within, proxy beyond",
        "proxy",
        "proxy within",
        "nothing measured",
        "change beside calibration",
        "change beside tilt",
        "calibrated and change",
        "tilt without change",
    ],
)
def test_the_best_measured_evidence_judges_the_rep(metrics, evidence):
    expected = {} if evidence is None else {ARCHING.code: evidence}
    assert judged(EVERY_LEVEL.faults, metrics) == expected


def test_a_proxy_beside_the_outline_judges_every_rep():
    # The squat's lockout lean-back: it watches the end of the rep, the outline the bottom.
    rules = lower_back(arching(tilt_deg=28.0, proxy=Proxy("lean_deg", 10.0, SIDE, beside_outline=True))).faults
    assert judged(rules, rep(tilt=20.0, lean_deg=15.0)) == {ARCHING.code: PROXY}
    assert judged(rules, rep(tilt=30.0, lean_deg=15.0)) == {ARCHING.code: OUTLINE}


def test_a_stand_in_proxy_stands_down_for_any_outline_measure_its_check_reads():
    # A check judged on the change alone: with the tilt seen but no change (no rest yet), the stand-in judges.
    rules = lower_back(arching(change_deg=20.0, proxy=Proxy("lean_deg", 10.0, SIDE))).faults
    assert judged(rules, rep(tilt=20.0, lean_deg=15.0)) == {ARCHING.code: PROXY}
    assert judged(rules, rep(tilt=20.0, change=5.0, lean_deg=15.0)) == {}


@pytest.mark.parametrize(
    ("metrics", "evidence"),
    [
        (rep(-1.2, 0.0, hip_deg=20.0), CALIBRATED),
        (rep(-0.8, -12.0, hip_deg=20.0), None),
        (rep(tilt=-12.0, hip_deg=20.0), OUTLINE),
        (rep(tilt=-4.0, hip_deg=20.0), None),
        (rep(hip_deg=20.0), PROXY),
        (rep(hip_deg=30.0), None),
    ],
    ids=["calibrated", "calibrated within", "outline", "outline within", "proxy", "proxy within"],
)
def test_rounding_is_raised_below_the_limits(metrics, evidence):
    rules = lower_back(rounding(share=-1.0, tilt_deg=-10.0, proxy=Proxy("hip_deg", 25.0, SIDE))).faults
    assert judged(rules, metrics) == ({} if evidence is None else {ROUNDING.code: evidence})


@pytest.mark.parametrize(
    ("rear_hip", "raised"),
    [(-5.0, True), (5.0, False), (NaN, False)],
    ids=["rear hip flexed", "rear hip extended", "rear hip unseen"],
)
def test_only_while_gates_every_rule_of_the_check(rear_hip, raised):
    # The lunge: the lower back arching while the rear hip is still flexed.
    check = arching(share=0.75, change_deg=12.0, only_while=OnlyWhile("rear_hip_deg", below=0.0))
    rules = lower_back(check).faults
    for metrics, evidence in ((rep(share=0.9), CALIBRATED), (rep(tilt=0.0, change=15.0), OUTLINE)):
        expected = {ARCHING.code: evidence} if raised else {}
        assert judged(rules, metrics | {"rear_hip_deg": rear_hip}) == expected


def test_the_outline_is_judged_in_its_views_and_a_proxy_in_its_own():
    rules = lower_back(arching(tilt_deg=28.0, proxy=Proxy("lean_deg", 10.0, SIDE_VIEWS)), views=SIDE).faults
    assert judged(rules, rep(tilt=30.0), view="oblique") == {}
    assert judged(rules, rep(lean_deg=15.0), view="oblique") == {ARCHING.code: PROXY}
    assert judged(rules, rep(lean_deg=15.0), view="front") == {}
    assert {r.check for r in rules} == {CHECK}


def test_the_builder_declares_each_cue_once_and_every_limit_for_the_charts():
    built = lower_back(
        arching(share=0.75, change_deg=20.0),
        arching(tilt_deg=28.0),
        rounding(tilt_deg=-10.0, proxy=Proxy("hip_deg", 25.0, SIDE)),
    )
    assert built.cues == (ARCHING, ROUNDING)
    limits = [(r.cue, r.needs[0], r.limit) for r in built.faults]
    assert limits == [
        (ARCHING.code, "lumbar_tilt_share", 0.75),
        (ARCHING.code, "lumbar_tilt_change_deg", 20.0),
        (ARCHING.code, "lumbar_tilt_deg", 28.0),
        (ROUNDING.code, "lumbar_tilt_deg", -10.0),
        (ROUNDING.code, "hip_deg", 25.0),
    ]


LOWER_BACK_CUES = {ARCHING.code: ARCHING, ROUNDING.code: ROUNDING}
BACK_EXERCISES = [s.name for s in registry.specs() if any(r.cue in LOWER_BACK_CUES for r in s.faults)]


def test_the_exercises_with_lower_back_rules():
    assert set(BACK_EXERCISES) == {"squat", "lunge", "bridge", "deadlift", "single_leg_deadlift"}


@pytest.mark.parametrize("name", BACK_EXERCISES)
def test_each_exercise_declares_its_lower_back_cues_and_judges_the_outline_where_it_is_measured(name):
    spec = registry.get(name)
    back = [r for r in spec.faults if r.cue in LOWER_BACK_CUES]
    assert {LOWER_BACK_CUES[r.cue] for r in back} <= set(spec.cues)
    assert {r.check for r in back} == {CHECK}
    assert {r.evidence for r in back} <= {REFERENCE, CALIBRATED, OUTLINE, PROXY}
    for r in back:
        if r.evidence != PROXY:  # the outline's rules: where the spec measures the back, no further
            assert r.views == spec.back_views, r


@pytest.mark.parametrize(
    ("name", "metrics"),
    [
        ("squat", rep(0.9, 0.0, 25.0)),
        ("bridge", rep(0.9, 0.0, 30.0, hip_extension_deg=0.0)),
        ("lunge", rep(0.9, 0.0, 15.0, rear_hip_extension_deg=-5.0)),
    ],
)
def test_an_arch_beyond_the_calibration_and_the_change_is_named_from_the_calibration(name, metrics):
    # Before the builder the bridge and the lunge listed the change first and named the outline.
    assert judged(registry.get(name).faults, metrics)[ARCHING.code] == CALIBRATED
