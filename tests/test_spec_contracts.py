"""What every registered exercise promises the framework, checked on each of them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from exercises.framework import registry
from exercises.framework.analyser import (
    RESERVED_FRAME_METRICS,
    RESERVED_REP_METRICS,
    VIEWS,
    Analyser,
    BodyContext,
    ReservedMetric,
)
from exercises.framework.cues import VIEW_CUES, view_cue
from exercises.framework.reps import RepWindow
from tests.synthetic import bridge_set, sequence, squat_set
from vision.landmarks import LEFT

SPECS = registry.specs()


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_the_view_cue_asks_for_a_view_the_exercise_is_judged_from(spec):
    """Filmed from a view outside `preferred_views`, the person is asked for one inside them."""
    assert spec.preferred_views and spec.preferred_views <= set(VIEWS)
    asks_for = {code: view for view, code in VIEW_CUES.items()}
    cue = view_cue(spec.preferred_views)
    assert asks_for[cue.code] in spec.preferred_views, f"{spec.name}: {cue.message!r}"


def test_side_on_exercises_keep_the_turn_side_on_cue():
    assert view_cue(frozenset({"side", "oblique"})).message == "Turn side-on to the camera for this exercise."


# The shared catalogue keeps set-up guidance and the lower back's cues; every other fault cue is
# declared by the exercises that raise it.
SET_UP = {"no_person", "step_back", "one_person", *VIEW_CUES.values()}


def shared_cues() -> set[str]:
    from exercises.framework import cues

    return {code for code in cues.CATALOG if code in SET_UP or code.startswith("lower_back_")}


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_each_exercise_declares_the_cues_it_raises(spec):
    own = {c.code for c in spec.cues}
    undeclared = {r.cue for r in spec.faults} - own - shared_cues()
    assert not undeclared, f"{spec.name} raises cues it does not declare: {sorted(undeclared)}"


def test_a_cue_two_exercises_declare_stays_while_one_is_registered():
    toy = replace(registry.get("squat"), name="toy_squat", aliases=(), posture=None)
    with registry.registered(toy):
        pass
    assert registry.cue("knees_caving") == next(c for c in toy.cues if c.code == "knees_caving")


def test_a_summary_returning_a_name_the_analyser_owns_is_refused():
    """A rep summary returning `hold_s` (the analyser's) is an error naming the exercise and the key."""
    toy = replace(registry.get("bridge"), name="toy_bridge", summarise=lambda frames, window, ctx: {"hold_s": 1.0})
    analyser = Analyser(toy)
    with pytest.raises(ReservedMetric, match=r"toy_bridge: its summarise returned hold_s"):
        for t, pose in sequence(lambda t, fps: bridge_set(t), 6.0):
            analyser.update(pose, t)


def test_frame_metrics_returning_a_back_measure_are_refused():
    toy = replace(registry.get("squat"), name="toy_squat", frame_metrics=lambda pose, ctx: {"lumbar_tilt_deg": 1.0})
    with pytest.raises(ReservedMetric, match=r"toy_squat: its frame_metrics returned lumbar_tilt_deg"):
        Analyser(toy).update(squat_set(0.0), 0.0)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_no_exercise_returns_a_name_the_analyser_owns(spec):
    """Every registered exercise's frame metrics and rep summary, on standing and lying synthetic sets."""
    for make in (squat_set, bridge_set):
        ctx = BodyContext(view="side", near=LEFT, facing=1.0, leg_scale_px=400.0, feet_seen=True)
        frames = [(t, spec.frame_metrics(make(t), ctx)) for t, _ in sequence(lambda t, fps: None, 3.0)]
        for _, metrics in frames:
            assert not RESERVED_FRAME_METRICS & set(metrics), spec.name
        window = RepWindow(0.5, 1.5, 2.5, 0.0, 30.0, True)
        assert not RESERVED_REP_METRICS & set(spec.summarise(frames, window, ctx)), spec.name
