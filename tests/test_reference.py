"""The person's reference set (issue 26): what it keeps, and their later sets judged against it.

Synthetic: the sets are poses whose drawn back edge tilts by known angles (tests/test_back_cues.py),
so the reference's values and the cues against it are known exactly. The issue's case: a squat set
with a hollow lower back held all set (+16..+17.5 deg at the bottom, no change from its own rest)
scored 100 beside the same person's neutral squats (+3.8..+5.6).
"""

from __future__ import annotations

import math

import pytest

from exercises.framework import registry
from exercises.framework.analyser import RESERVED_REP_METRICS, Analyser
from exercises.framework.auto import AutoAnalyser
from exercises.framework.back_rules import ARCHING, OUTLINE, REFERENCE, ROUNDING, arching, lower_back, rounding
from exercises.measures.calibration import BackCalibration
from exercises.measures.reference import SetReference, SetReferenceError, UsualTilt, reference_from_reps
from tests.synthetic import rep_profile, sequence, squat_side
from tests.test_back_cues import hinge_set, with_back

NaN = math.nan


def test_the_reference_holds_the_median_of_each_rep_metric():
    reps = [
        {"lumbar_tilt_deg": 4.0, "depth_ratio": 0.1, "trunk_lean_deg": 30.0},
        {"lumbar_tilt_deg": 6.0, "depth_ratio": None, "trunk_lean_deg": 34.0},
        {"lumbar_tilt_deg": 5.0, "depth_ratio": 0.3, "trunk_lean_deg": NaN},
        {"lumbar_tilt_deg": NaN, "depth_ratio": 0.2, "trunk_lean_deg": 32.0, "lumbar_tilt_share": 0.4},
    ]
    ref = reference_from_reps("squat", "side", reps, "2026-12-06", "set.mp4")
    assert ref == SetReference(
        "squat",
        "side",
        "2026-12-06",
        "set.mp4",
        {"depth_ratio": pytest.approx(0.2), "lumbar_tilt_deg": 5.0, "trunk_lean_deg": 32.0},
        4,
    )
    assert ref.tilt_deg == 5.0
    assert "lumbar_tilt_share" not in ref.values  # a judgement against another reference, not a measure


@pytest.mark.parametrize(
    ("reps", "says"),
    [
        ([{"lumbar_tilt_deg": 4.0}] * 2, "only 2 reps counted"),
        ([], "only 0 reps counted"),
        ([{"lumbar_tilt_deg": NaN, "depth_ratio": 0.2}] * 5, "film side-on, the whole trunk in the picture"),
    ],
)
def test_a_set_that_cannot_be_a_reference_says_why(reps, says):
    with pytest.raises(SetReferenceError, match=says):
        reference_from_reps("squat", "side", reps, "2026-12-06", "set.mp4")
    assert issubclass(SetReferenceError, ValueError)


def test_the_usual_range_is_information_in_words():
    usual = UsualTilt(-7.5, 21.0, frozenset({"side"}), "side-on squats", "docs")
    assert usual.words(17.2) == "+17 deg at the bottom: within the usual range (side-on squats: -7.5 to +21 deg)"
    assert usual.words(25.0).startswith("+25 deg at the bottom: more arched than most people")
    assert usual.words(-9.0).startswith("-9 deg at the bottom: more rounded than most people")


# --- the rules: the reference is the best evidence; the change from rest stays beside it


def judged(rules, metrics, view="side"):
    evidence = {}
    for rule in rules:
        seen = all(math.isfinite(metrics.get(k, NaN)) for k in rule.needs)
        if view in rule.views and seen and rule.test(metrics):
            evidence.setdefault(rule.cue, rule.evidence)
    return evidence


RULES = lower_back(
    arching(ref_change_deg=8.0, share=0.75, tilt_deg=28.0, change_deg=20.0),
    rounding(ref_change_deg=-8.0, share=-1.0, tilt_deg=-10.0),
).faults


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        ({"lumbar_tilt_ref_change_deg": 12.0, "lumbar_tilt_deg": 17.0}, {ARCHING.code: REFERENCE}),
        ({"lumbar_tilt_ref_change_deg": -12.0, "lumbar_tilt_deg": -7.0}, {ROUNDING.code: REFERENCE}),
        # Within the reference: the calibration and the absolute tilt stand down.
        ({"lumbar_tilt_ref_change_deg": 2.0, "lumbar_tilt_share": 0.9, "lumbar_tilt_deg": 30.0}, {}),
        # Beyond both: the better one is named.
        ({"lumbar_tilt_ref_change_deg": 12.0, "lumbar_tilt_share": 0.9}, {ARCHING.code: REFERENCE}),
        # The change from rest judges beside the reference.
        ({"lumbar_tilt_ref_change_deg": 2.0, "lumbar_tilt_change_deg": 25.0}, {ARCHING.code: OUTLINE}),
    ],
    ids=["arched", "rounded", "within the reference", "reference and calibration", "change beside"],
)
def test_the_reference_set_is_the_best_evidence(metrics, expected):
    assert judged(RULES, metrics) == expected


def test_every_lower_back_exercise_judges_against_a_reference():
    for name, cue, limit in [
        ("squat", ARCHING.code, 8.0),
        ("squat", ROUNDING.code, -8.0),
        ("lunge", ARCHING.code, 8.0),
        ("bridge", ARCHING.code, 13.0),  # lying down: its MDC (docs/metrics.md, Reliability) is larger
        ("deadlift", ROUNDING.code, -8.0),
        ("single_leg_deadlift", ROUNDING.code, -8.0),
    ]:
        found = [
            r for r in registry.get(name).faults if r.cue == cue and r.needs[0] == "lumbar_tilt_ref_change_deg"
        ]
        assert [(r.limit, r.evidence) for r in found] == [(limit, REFERENCE)], name
    assert "lumbar_tilt_ref_change_deg" in RESERVED_REP_METRICS


# --- the analyser: the same synthetic body with and without a held lumbar arch


def held_squats(tilt_deg: float):
    """Squats with the lower back held at one tilt all set: no change from standing to the bottom."""

    def make(t: float, fps: float):
        depth = rep_profile(t, period_s=1.6)
        return with_back(squat_side(110.0 * depth, 30.0 * depth, t), tilt_deg)

    return make


def analysed(exercise: str, make, reference: SetReference | None = None, calibration=None, seconds=7.0):
    analyser = Analyser(registry.get(exercise), calibration=calibration, reference=reference)
    for t, pose in sequence(make, seconds):
        analyser.update(pose, t)
    analyser.finish()
    return analyser


def reference_of(analyser: Analyser, view: str = "side") -> SetReference:
    reps = [r.metrics for r in analyser.state.reps if r.judged]
    return reference_from_reps(analyser.spec.name, view, reps, "2026-12-06", "neutral.mp4")


NEUTRAL_TILT, ARCHED_TILT = 4.7, 17.0


def back_cues(rep) -> set[str]:
    return {c for c in rep.cues if c.startswith("lower_back_")}


@pytest.fixture(scope="module")
def neutral_squats() -> Analyser:
    return analysed("squat", held_squats(NEUTRAL_TILT))


def test_a_neutral_squat_set_is_a_reference(neutral_squats):
    ref = reference_of(neutral_squats)
    assert ref.n_reps == len(neutral_squats.state.reps) >= 3
    assert ref.tilt_deg == pytest.approx(NEUTRAL_TILT, abs=0.1)
    assert {"depth_ratio", "trunk_lean_deg", "hold_s"} <= set(ref.values)


def test_an_arch_held_all_set_is_seen_against_the_reference(neutral_squats):
    # Without a reference the case: no cue, the change from its own rest is ~0 and +17 is inside
    # the population's limits.
    alone = analysed("squat", held_squats(ARCHED_TILT))
    assert len(alone.state.reps) >= 3
    assert not any("lower_back_arching" in r.cues for r in alone.state.reps)
    judged_set = analysed("squat", held_squats(ARCHED_TILT), reference=reference_of(neutral_squats))
    assert len(judged_set.state.reps) >= 3
    for rep in judged_set.state.reps:
        assert rep.metrics["lumbar_tilt_ref_change_deg"] == pytest.approx(ARCHED_TILT - NEUTRAL_TILT, abs=0.2)
        assert back_cues(rep) == {"lower_back_arching"}, rep
        assert rep.evidence["lower_back_arching"] == REFERENCE
    assert judged_set.reference_use() == (True, None)


def test_the_reference_set_judged_against_itself_raises_nothing(neutral_squats):
    again = analysed("squat", held_squats(NEUTRAL_TILT), reference=reference_of(neutral_squats))
    for rep in again.state.reps:
        assert abs(rep.metrics["lumbar_tilt_ref_change_deg"]) < 0.2
        assert not back_cues(rep), rep


def test_the_reference_judges_before_the_calibration(neutral_squats):
    # The calibration calls +17 arched (0.8 of this person's forward tilt); the reference set says the same,
    # and is the evidence named. Against a reference of the arched set itself, the calibration stands down.
    person = BackCalibration(neutral_deg=4.0, anterior_deg=20.0, posterior_deg=-10.0)
    both = analysed("squat", held_squats(ARCHED_TILT), reference=reference_of(neutral_squats), calibration=person)
    assert {r.evidence.get("lower_back_arching") for r in both.state.reps} == {REFERENCE}
    arched_ref = reference_of(analysed("squat", held_squats(ARCHED_TILT)))
    own = analysed("squat", held_squats(ARCHED_TILT), reference=arched_ref, calibration=person)
    assert not any(back_cues(r) for r in own.state.reps)


def test_a_reference_from_another_view_is_not_used_and_says_why(neutral_squats):
    oblique = reference_of(neutral_squats, view="oblique")
    judged_set = analysed("squat", held_squats(ARCHED_TILT), reference=oblique)
    for rep in judged_set.state.reps:
        assert "lumbar_tilt_ref_change_deg" not in rep.metrics
        assert not back_cues(rep)
    used, why = judged_set.reference_use()
    assert not used
    assert why == (
        "your reference was filmed at about 45 deg (oblique); this set is side-on, so the outline is judged"
        " against the set itself"
    )


def test_a_reference_of_another_exercise_is_ignored(neutral_squats):
    squat_ref = reference_of(neutral_squats)
    hinge = analysed("deadlift", hinge_set(-12.0), reference=squat_ref, seconds=8.0)
    assert hinge.reference is None and hinge.reference_use() == (False, None)
    assert all(r.evidence.get("lower_back_rounding") == OUTLINE for r in hinge.state.reps)


def test_a_rounded_hinge_against_the_neutral_one():
    neutral = analysed("deadlift", hinge_set(5.0), seconds=8.0)
    ref = reference_of(neutral)
    assert ref.tilt_deg == pytest.approx(5.0, abs=0.3)
    # +2 deg: still keeps its curve for the absolute limit (-1), but 3 deg under the reference: not rounded.
    for bottom, rounded in ((2.0, False), (-4.0, True)):
        hinge = analysed("deadlift", hinge_set(bottom), reference=ref, seconds=8.0)
        assert len(hinge.state.reps) >= 3
        for rep in hinge.state.reps:
            assert ("lower_back_rounding" in rep.cues) is rounded, rep
            if rounded:
                assert rep.evidence["lower_back_rounding"] == REFERENCE


def test_auto_hands_the_recognised_exercise_its_reference(neutral_squats):
    squat_ref = reference_of(neutral_squats)
    other = SetReference("bridge", "side", "2026-12-06", "b.mp4", {"lumbar_tilt_deg": 0.0}, 3)
    auto = AutoAnalyser(references={"squat": squat_ref, "bridge": other})
    for t, pose in sequence(held_squats(ARCHED_TILT), 7.0):
        auto.update(pose, t)
    auto.finish()
    assert auto.name == "squat" and auto.reference == squat_ref
    assert auto.analysers["bridge"].reference == other
    assert auto.state.reps and all(r.evidence.get("lower_back_arching") == REFERENCE for r in auto.state.reps)
