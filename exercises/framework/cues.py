"""Cues are data: an id, a severity and a plain-language message.

How a cue looks or sounds is the UI's business; this module only says what it means.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    INFO = "info"  # set-up guidance, not a fault
    WARN = "warn"  # a form fault worth fixing
    ALERT = "alert"  # a fault that loads the lower back; fix before adding load


@dataclass(frozen=True)
class Cue:
    code: str
    severity: Severity
    message: str
    why: str  # one sentence on why it matters for the lower back, for reports


# The shared cues: set-up guidance. An exercise's
# own cues are declared in its module (`ExerciseSpec.cues`) and join this catalogue when it registers
# (exercises.framework.registry), so look cues up through the registry.
CATALOG: dict[str, Cue] = {
    c.code: c
    for c in (
        # Set-up guidance: what the camera sees, before and between reps.
        Cue(
            "no_person",
            Severity.INFO,
            "Step into view: I can't see you.",
            "Nothing can be judged without a person in view.",
        ),
        Cue(
            "step_back",
            Severity.INFO,
            "Step back so your whole body, feet included, is in view.",
            "Depth, knees and heels are judged from the legs and feet.",
        ),
        Cue(
            "turn_side_on",
            Severity.INFO,
            "Turn side-on to the camera for this exercise.",
            "Hip extension, depth and back position are only visible from the side.",
        ),
        Cue(
            "turn_front_on",
            Severity.INFO,
            "Face the camera for this exercise.",
            "This exercise's movement is across the picture only when you face the camera.",
        ),
        Cue(
            "turn_oblique",
            Severity.INFO,
            "Turn halfway toward the camera, about 45 degrees, for this exercise.",
            "This exercise is judged from a three-quarter view.",
        ),
        Cue(
            "one_person",
            Severity.INFO,
            "Only one person in view, please: I'm following the one in the middle.",
            "Two people in view can be confused for one another.",
        ),
    )
}


def cue(code: str) -> Cue:
    return CATALOG[code]


# The set-up cue asking for each view, in the order an exercise's preferred views are tried: side-on
# first (most exercises are judged side-on, and "turn side-on" was the only view cue before).
VIEW_CUES = {"side": "turn_side_on", "front": "turn_front_on", "oblique": "turn_oblique"}


def view_cue(preferred_views: Collection[str]) -> Cue:
    """The cue for someone filmed from a view the exercise is not judged from: it asks for one that it is."""
    code = next((c for view, c in VIEW_CUES.items() if view in preferred_views), None)
    if code is None:
        raise ValueError(f"no view cue asks for any of {sorted(preferred_views)}")
    return CATALOG[code]
