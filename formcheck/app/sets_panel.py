"""The Live tab's auto sessions: the set under way (named and counted) or the rest between sets while the camera
runs, and the session's sets after STOP.

The sets are found on the stream's worker thread (formcheck.live_sets via formcheck.app.live); this module only
draws the snapshot's `SetsView` and the finished session's report.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from formcheck.app.results_tables import show_results_tables
from formcheck.live_sets import SetLine, SetsView, set_line
from formcheck.report import CANNOT_TELL, set_title

FIRST_SET = "Start your first exercise: FormCheck names it and counts it; no need to pick it."
NEXT_SET = "Start the next exercise when you are ready: FormCheck names it and counts it as a new set."
PICK = "Pick it under Exercise and record that set again: it was not saved."


def show_set_status(view: SetsView) -> None:
    """While the camera runs: the set under way and its exercise, or the rest (its cue follows on the page)."""
    if view.in_set:
        st.subheader(f"Set {view.number}: {view.title or 'recognising the exercise...'}")
    elif view.done:
        st.subheader(f"Between sets: resting {view.resting_s:.0f} s")
        st.caption(NEXT_SET)
    else:
        st.subheader("Waiting for the first set")
        st.caption(FIRST_SET)


def show_sets_done(view: SetsView) -> None:
    """While the camera runs, below the set under way and its cue: the sets done so far."""
    if view.done:
        st.markdown(f"**Sets done ({len(view.done)})**")
        sets_table(view.done, "live_sets_so_far")


def sets_table(lines: Sequence[SetLine], key: str) -> None:
    rows = [
        {
            "set": line.number,
            "exercise": line.exercise,
            "done": line.done,
            "from": _clock(line.start_s),
            "to": _clock(line.end_s),
            "cues": line.cues,
        }
        for line in lines
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key=key)


def _clock(seconds: float) -> str:
    """Stream time as minutes:seconds since START."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def show_auto_session(report: dict, key: str = "live") -> None:
    """After STOP: the session's sets (report.json's `sets`: exercise, reps or time held, from/to, cues), then each
    set's reps or holds (its own report)."""
    entries = report["sets"]
    if not entries:
        st.info("No set was found: nothing was counted. Each set is found when you move through an exercise.")
        return
    lines = [set_line(entry) for entry in entries]
    names = {line.exercise for line in lines} - {CANNOT_TELL}
    kinds = f", {len(names)} exercise{'s' if len(names) != 1 else ''}" if names else ""
    st.subheader(f"Session summary: {len(entries)} set{'s' if len(entries) != 1 else ''}{kinds}")
    sets_table(lines, f"{key}_auto_sets")
    for entry, set_report in zip(entries, report["set_reports"], strict=True):
        i = entry["index"]
        if entry["exercise"] == CANNOT_TELL:
            st.warning(f"Set {i}: FormCheck cannot tell which exercise this was ({entry['reason']}). {PICK}")
        with st.expander(f"Set {i}: {set_title(set_report)}"):
            show_results_tables(set_report, f"{key}_set_{i}", "Nothing was counted in this set.")
