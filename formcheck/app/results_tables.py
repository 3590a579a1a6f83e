"""A set's results as the app's tabs show them: one row per rep (its score, key metric, the lower back beside the
person's reference set, the cues in words) and one per hold."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from exercises.measures.reference import TILT
from formcheck.report import rep_cue_words

REF_CHANGE = "lumbar_tilt_ref_change_deg"  # a rep's lower-back change from the person's reference set
REFERENCE_LABEL = "your reference"


def rep_rows(report: dict) -> list[dict]:
    """One row per rep: times, score, key metric, the person's reference beside it, and the cues in words."""
    key = report["summary"].get("key_metric")
    reference = reference_tilt(report)
    changes = any(r["metrics"].get(REF_CHANGE) is not None for r in report["reps"])
    return [
        {
            "rep": r["index"],
            "start (s)": r["start_s"],
            "end (s)": r["end_s"],
            "score": r["score"] if r.get("judged", True) else None,  # not scored: out of sight in part
            **({key: tenths(r["metrics"].get(key))} if key else {}),  # narrow: the cues stay in view
            **(reference_columns(r["metrics"], reference, key, changes) if reference is not None else {}),
            "cues": rep_cue_words(r["cues"], r.get("judged", True)),
        }
        for r in report["reps"]
    ]


def reference_tilt(report: dict) -> float | None:
    """The lower back's tilt at the bottom of the person's reference set, when that set judged this one."""
    found = report.get("back_reference") or {}
    if not found.get("used_for_outline"):
        return None
    return (found.get("values") or {}).get(TILT)


def reference_columns(metrics: dict, reference: float, key: str | None, changes: bool) -> dict:
    """A rep's lower back beside the reference's: its own tilt (unless it is the key metric, already shown), the
    reference's, and the change the rules judged (when the set's reps have it). Tenths of a degree: narrow
    columns keep the cues in view, and the outline is not finer than that."""
    own = {} if key == TILT else {"lower back (deg)": tenths(metrics.get(TILT))}
    change = {"change (deg)": tenths(metrics.get(REF_CHANGE))} if changes else {}
    return {**own, f"{REFERENCE_LABEL} (deg)": tenths(reference), **change}


def tenths(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def hold_rows(report: dict) -> list[dict]:
    """One row per hold: when, how long, score, the form held (its key measures) and the cues in words."""
    return [
        {
            "hold": h["index"],
            "start (s)": h["start_s"],
            "held (s)": h["duration_s"],
            "side": h["side"] or "",
            "score": h["score"],
            **{k: v for k, v in h["metrics"].items() if k != "hold_s"},
            "cues": rep_cue_words(h["cues"]),
        }
        for h in report.get("holds", [])
    ]


def show_results_tables(report: dict, key: str, empty: str) -> None:
    """The reps' table and the holds' table, whichever the set has; `empty` when it has neither."""
    if report["reps"]:
        st.dataframe(pd.DataFrame(rep_rows(report)), hide_index=True, key=f"{key}_reps")
    if report.get("holds"):
        st.dataframe(pd.DataFrame(hold_rows(report)), hide_index=True, key=f"{key}_holds")
    if not report["reps"] and not report.get("holds"):
        st.info(empty)
