"""What every registered exercise promises the framework, checked on each of them."""

from __future__ import annotations

import pytest

from exercises.framework import registry
from exercises.framework.analyser import VIEWS
from exercises.framework.cues import VIEW_CUES, view_cue

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
