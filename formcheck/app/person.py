"""Who is exercising: the page's one `Person`, and keeping one of their sets as their reference.

The Live and Upload tabs judge the lower back against this person's calibration and latest reference set per
exercise (formcheck/calibrate.py, formcheck/reference.py), the Live tab's guided calibration is stored for
them, and "Use this set as my reference" (under an uploaded set, a finished live set, a set in the History tab)
keeps the set as their reference for its exercise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from exercises.measures.reference import SetReference, SetReferenceError
from formcheck.calibrate import DEFAULT_USER
from formcheck.reference import describe_reference, later_sets

PERSON_KEY = "person"
KEPT_KEY = "references_kept"  # button key -> (kept?, the sentence shown): the outcome stays on later runs
REFERENCE_BUTTON = "Use this set as my reference"
REFERENCE_HELP = (
    "Keep this set as the person's good form for its exercise: their later sets of it, filmed from the same"
    " view, are judged on the lower back's change from it."
)


def choose_person() -> str:
    """The `Person` box at the top of the page; the name its sets, calibrations and references are kept under."""
    st.session_state.setdefault(PERSON_KEY, DEFAULT_USER)
    st.text_input(
        "Person",
        key=PERSON_KEY,
        help="Who is exercising: their calibration and reference sets judge the lower back, and the history keeps"
        " their calibrations and references under this name.",
    )
    return current_person()


def current_person() -> str:
    """The page's person (an empty box means the default user)."""
    return str(st.session_state.get(PERSON_KEY) or "").strip() or DEFAULT_USER


def reference_button(key: str, person: str, keep: Callable[[], SetReference]) -> None:
    """The "Use this set as my reference" button under a set; `keep()` stores it (SetReferenceError: why not).
    The outcome, in plain words, stays under the set (`key`: one per set) instead of the button."""
    kept: dict[str, tuple[bool, str]] = st.session_state.setdefault(KEPT_KEY, {})
    if key not in kept:
        # A callback: it runs before the next run draws the page, so the outcome replaces the button at once.
        st.button(
            REFERENCE_BUTTON, key=f"reference_{key}", help=REFERENCE_HELP, on_click=_press, args=(key, person, keep)
        )
    if key in kept:
        ok, sentence = kept[key]
        (st.success if ok else st.error)(sentence)


def keep_outcome(person: str, keep: Callable[[], SetReference]) -> tuple[bool, str]:
    """(kept?, the sentence for the page) of one press of the button."""
    try:
        reference = keep()
    except SetReferenceError as exc:
        return False, f"Not kept as a reference: {exc}."
    except Exception as exc:  # a locked or broken database: say so, the set's result stays on the page
        logging.getLogger(__name__).exception("could not store %s's reference set", person)
        return False, f"The reference could not be stored in the history ({exc}); try again later."
    return True, (
        f"Kept as a reference. {describe_reference(person, reference)}."
        f" From now on {later_sets(reference)} are judged against it; the History tab lists it."
    )


def _press(key: str, person: str, keep: Callable[[], SetReference]) -> None:
    st.session_state[KEPT_KEY][key] = keep_outcome(person, keep)
