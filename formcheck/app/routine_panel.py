"""The Live tab's routines: choose one, see its plan, follow it while the camera runs, and the session after.

The walking itself happens on the stream's worker thread (formcheck.routine_walk via formcheck.app.live);
this module only draws the snapshot's `WalkView` and the finished session's report.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from exercises.framework import registry
from formcheck.app.live import LiveHub
from formcheck.app.results_tables import show_results_tables
from formcheck.report import set_title
from formcheck.routine import Routine, RoutineError, done_words, load_routine, routine_from_text, shipped_routines
from formcheck.routine_walk import EXERCISE, REST, WalkView

NO_ROUTINE = ""  # the select's "one exercise" entry
OWN_FILE = "<file>"  # the select's "my own routine file" entry
FILE_HELP = (
    "A plain TOML file: a `name`, a default `rest_s`, then one `[[step]]` per exercise with `exercise`,"
    " `reps` or `hold_s`, optionally `sides = [\"left\", \"right\"]` and its own `rest_s`"
    " (see formcheck/routines/back_care.toml)."
)


def choose_routine(key: str = "live", help_text: str | None = None, optional: bool = True) -> Routine | None:
    """A shipped routine or the user's own file (widgets keyed `{key}_routine...`); None for a single exercise
    (the first choice when `optional`) or while no valid file is uploaded."""
    shipped = {name: load_routine(name) for name in shipped_routines()}
    labels = {NO_ROUTINE: "None: one exercise"} if optional else {}
    labels |= {**{k: r.name for k, r in shipped.items()}, OWN_FILE: "My routine file"}
    choice = st.selectbox(
        "Routine",
        list(labels),
        format_func=labels.__getitem__,
        key=f"{key}_routine",
        help=help_text
        or "Walk through a routine: each step's set ends at its target, then the rest, then the next step."
        " Used from the next START.",
    )
    if choice == OWN_FILE:
        return _own_routine(key)
    return shipped.get(choice)


def _own_routine(key: str) -> Routine | None:
    upload = st.file_uploader("Routine file (.toml)", type=["toml"], key=f"{key}_routine_file", help=FILE_HELP)
    if upload is None:
        st.caption(FILE_HELP)
        return None
    try:
        return routine_from_text(upload.getvalue().decode("utf-8"), upload.name)
    except UnicodeDecodeError:
        st.error(f"{upload.name} is not a text file: a routine is plain TOML text.")
    except RoutineError as exc:
        st.error(f"{exc}. Nothing was changed; fix the file and upload it again.")
    return None


def show_plan(routine: Routine) -> None:
    st.markdown(f"**{routine.name}**: {len(routine.steps)} steps. Press START and begin with step 1.")
    rows = [
        {"step": i, "exercise": registry.get(s.exercise).title, "target": s.target_text, "rest after (s)": s.rest_s}
        for i, s in enumerate(routine.steps, start=1)
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="live_routine_plan")


def show_progress(view: WalkView, hub: LiveHub) -> None:
    """Where the routine is while the camera runs: the step and its target against done, or the rest."""
    st.markdown(f"**{view.routine}**, step {view.step_number} of {view.steps}")
    if view.phase == EXERCISE:
        st.subheader(view.title)
        st.write(f"Target: **{view.target}**. Done: **{view.done}**.")
        if view.next_up:
            st.caption(f"Next: {view.next_up}")
        st.button("Next step", on_click=hub.skip_step, key="live_next_step", help="End this step as it is.")
    elif view.phase == REST:
        st.subheader("Rest")
        st.write(f"Next: **{view.next_up}**. Get into position; counting starts when the rest is over.")
        st.button("Skip the rest", on_click=hub.skip_step, key="live_skip_rest")
    else:
        st.success(f"Routine done: {view.steps_met} of {view.steps} steps to target. Press STOP to save the session.")


def show_session(report: dict, key: str = "live") -> None:
    """A finished routine session: each step's target against what was done, then each step's set (None: a step
    not done)."""
    outcome = report["routine_session"]
    st.subheader(f"Routine summary: {outcome['steps_met']} of {outcome['steps_planned']} steps done to target")
    rows = [
        {
            "step": i,
            "exercise": registry.get(step["exercise"]).title,
            "target": step["target"],
            "done": done_words(step),
            "target met": "yes" if step["met"] else "no",
            "mean score": step["mean_score"],
        }
        for i, step in enumerate(outcome["steps"], start=1)
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"{key}_routine_outcome")
    for i, set_report in enumerate(report["sets"], start=1):
        if set_report is None:
            continue
        with st.expander(f"Step {i}: {set_title(set_report)}"):
            if "exercise_check" in set_report:
                st.caption("The movement seen looked like another exercise: this set is not kept in the history.")
            show_results_tables(set_report, f"{key}_step_{i}", "Nothing was counted in this step.")
