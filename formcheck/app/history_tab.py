"""The Streamlit "History" tab: progress over weeks from the history database.

Only this module uses pandas/altair (they come with streamlit); the store and the HTML
report stay dependency-free so the CLI works without the app's stack.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from exercises.framework.display import Measure
from exercises.measures.calibration import BackCalibration
from exercises.measures.reference import SetReference
from formcheck.app.person import current_person, reference_button
from formcheck.calibrate import DEFAULT_USER
from formcheck.calibration_guide import TYPICAL_RANGE_DEG
from formcheck.history.report import cue_texts, exercise_title, render_report, tick_decimals, y_ticks
from formcheck.history.store import History, SetRecord, TrendPoint, key_measures, open_history
from formcheck.reference import keep_stored_set

KEY_PREFIX = "history_"  # widget keys, so this tab never collides with the others


def render_history_tab(db_path: Path) -> None:
    """Draw the tab: date range, per-exercise trend charts, cue counts, sets, downloads."""
    db_path = Path(db_path)
    if not db_path.exists():
        st.info("No sets recorded yet. Analyse a video or a live set and it will appear here.")
        return
    with open_history(db_path) as history:
        span = history.date_span()
        if span is None:
            st.info("No sets recorded yet. Analyse a video or a live set and it will appear here.")
            _calibrations(history)
            return
        since, until = _date_range(span)
        exercises = history.exercises(since, until)
        _downloads(history, since, until, bool(exercises))
        if not exercises:
            st.info("No sets in this date range.")
            _calibrations(history)
            return
        for exercise in exercises:
            _exercise_panel(history, exercise, since, until)
        _calibrations(history)
    st.caption(f"History database: `{db_path}`. Videos are never stored, only the measurements.")


def _date_range(span: tuple[date, date]) -> tuple[date, date]:
    """A from/to picker over the recorded days; while the user is mid-pick use what we have."""
    first, last = span
    picked = st.date_input(
        "Date range",
        value=(first, last),
        min_value=first,
        max_value=max(last, date.today()),
        key=f"{KEY_PREFIX}range",
    )
    if isinstance(picked, (tuple, list)):
        since = picked[0] if len(picked) > 0 else first
        until = picked[1] if len(picked) > 1 else last
    else:  # a single date
        since, until = picked, last
    return since, until


def _downloads(history: History, since: date, until: date, enabled: bool) -> None:
    left, right = st.columns(2)
    with left:
        st.download_button(
            "Download report for a physiotherapist (HTML, prints to A4)",
            data=render_report(history, since, until).encode("utf-8") if enabled else b"",
            file_name=f"formcheck-report-{since}-to-{until}.html",
            mime="text/html",
            disabled=not enabled,
            key=f"{KEY_PREFIX}report",
        )
    with right:
        st.download_button(
            "Download reps as CSV",
            data=_csv(history, since, until) if enabled else b"",
            file_name=f"formcheck-reps-{since}-to-{until}.csv",
            mime="text/csv",
            disabled=not enabled,
            key=f"{KEY_PREFIX}csv",
        )


def _csv(history: History, since: date, until: date) -> bytes:
    buffer = io.StringIO()
    history.export_csv(buffer, since=since, until=until)
    return buffer.getvalue().encode("utf-8-sig")


def _exercise_panel(history: History, exercise: str, since: date, until: date) -> None:
    sets = history.list_sets(exercise, since, until)
    points = history.trends(exercise, since, until).get(exercise, [])
    st.subheader(exercise_title(exercise))
    held_s = sum(s.hold_total_s for s in sets)
    held = f", {held_s:.0f} s held" if held_s else ""
    st.caption(
        f"{len(sets)} sets, {sum(s.rep_count for s in sets)} reps{held}."
        " Each point is one set (mean of its reps, or of its holds)."
    )
    keys = key_measures(exercise)
    if keys:
        for column, (key, measure) in zip(st.columns(len(keys)), keys.items(), strict=True):
            with column:
                _measure_chart(points, key, measure)
    _cue_chart(history, exercise, since, until)
    with st.expander(f"{exercise_title(exercise)} sets and reps"):
        st.dataframe(_sets_frame(sets, points, keys), hide_index=True)
        _reps_of_one_set(history, sets)


def _measure_chart(points: list[TrendPoint], key: str, measure: Measure) -> None:
    frame = pd.DataFrame(
        [
            {"date": p.recorded_at.replace(tzinfo=None), "value": p.values.get(key), "reps": p.counts.get(key, 0)}
            for p in points
            if p.values.get(key) is not None
        ]
    )
    st.markdown(f"**{measure.label}**  \n{measure.reading}")
    if frame.empty:
        st.caption("Not measured in these sets (camera view).")
        return
    y_title = f"{measure.short} ({measure.unit.strip()})" if measure.unit.strip() else measure.short
    # The printable report's ticks: a flat series spans a few display units, not a magnified 0.005.
    ticks = y_ticks(list(frame["value"]), measure)
    y_axis = alt.Axis(values=ticks, format=f".{tick_decimals(ticks)}f")
    base = alt.Chart(frame).encode(
        x=_date_axis(frame["date"]),
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(domain=[ticks[0], ticks[-1]]), axis=y_axis),
        tooltip=[
            alt.Tooltip("date:T", format="%d %b %Y %H:%M"),
            alt.Tooltip("value:Q", format=f".{measure.decimals}f"),
            "reps:Q",
        ],
    )
    chart = base.mark_line() + base.mark_point(filled=True, size=40)
    if measure.reference is not None:
        chart += (
            alt.Chart(pd.DataFrame({"ref": [measure.reference]}))
            .mark_rule(strokeDash=[4, 3], color="#b0483a")
            .encode(y="ref:Q")
        )
    st.altair_chart(chart.properties(height=220), width="stretch")


def _date_axis(dates: pd.Series) -> alt.X:
    """Day-month labels (Vega's default mixes weekdays, months and years on one axis); with the
    hour too when all the sets fall within two days, so the same day does not repeat on every tick."""
    short = len(dates) > 0 and dates.max() - dates.min() < pd.Timedelta(days=2)
    label = "%d %b %H:%M" if short else "%d %b"
    return alt.X("date:T", title="date", axis=alt.Axis(format=label, labelAngle=0, tickCount=6))


def _cue_chart(history: History, exercise: str, since: date, until: date) -> None:
    """Cue counts per set over time; zero where a set did not raise the cue, so the line shows it fading."""
    counts = history.cue_counts(exercise, since, until)
    cues = sorted({cue for c in counts for cue in c.counts})
    if not cues:
        st.caption("No form cues were raised in these sets.")
        return
    names = {code: text.message for code, text in cue_texts().items()}
    frame = pd.DataFrame(
        [
            {"date": c.recorded_at.replace(tzinfo=None), "cue": cue.replace("_", " "), "count": c.counts.get(cue, 0),
             "message": names.get(cue, cue)}
            for c in counts
            for cue in cues
        ]
    )  # fmt: skip
    st.markdown("**Cues per set**")
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=_date_axis(frame["date"]),
            y=alt.Y("count:Q", title="times raised in the set"),
            color=alt.Color("cue:N", title="cue"),
            tooltip=[alt.Tooltip("date:T", format="%d %b %Y %H:%M"), "cue:N", "count:Q", "message:N"],
        )
        .properties(height=220)
    )
    st.altair_chart(chart, width="stretch")


def _sets_frame(sets: list[SetRecord], points: list[TrendPoint], keys: dict[str, Measure]) -> pd.DataFrame:
    values = {p.set_id: p.values for p in points}
    return pd.DataFrame(
        [
            {
                "date": s.recorded_at.replace(tzinfo=None),
                "view": s.view,
                "source": s.source,
                "file": s.file_name,
                "reps": s.rep_count,
                **({"held (s)": round(s.hold_total_s, 1)} if any(x.hold_total_s for x in sets) else {}),
                "score": s.mean_score,
                **{m.short: values.get(s.id, {}).get(k) for k, m in keys.items()},
            }
            for s in reversed(sets)  # newest first: that is what one looks for in a table
        ]
    )


def _reps_of_one_set(history: History, sets: list[SetRecord]) -> None:
    if not sets:
        return
    options = {f"{s.recorded_at:%Y-%m-%d %H:%M} · {s.file_name or 'set'} (#{s.id})": s.id for s in reversed(sets)}
    label = st.selectbox("Reps of set", list(options), key=f"{KEY_PREFIX}reps_{sets[0].exercise}")
    set_id = options[label]
    reps = history.set_reps(set_id)
    st.dataframe(
        pd.DataFrame([{"rep": r.index, "score": r.score, "cues": ", ".join(r.cues), **r.metrics} for r in reps]),
        hide_index=True,
    )
    # The history keeps each rep's metrics and the set's view and warnings: enough to build a reference from.
    person, db = current_person(), str(history.path)
    reference_button(f"history-{person}-{set_id}", person, lambda: keep_stored_set(person, set_id, db))


def _calibrations(history: History) -> None:
    """Each person's lower-back calibrations and reference sets, whatever the date range above."""
    users = sorted({*history.calibrated_users(), *history.reference_users()})
    if not users:
        return
    st.subheader("Lower back: calibrations and reference sets")
    person, key, seen = current_person(), f"{KEY_PREFIX}cal_user", f"{KEY_PREFIX}person"
    # The page's Person first, again whenever it changes; in between the choice here stays.
    if st.session_state.get(seen) != person or st.session_state.get(key) not in users:
        st.session_state[seen] = person
        st.session_state[key] = person if person in users else DEFAULT_USER if DEFAULT_USER in users else users[0]
    user = st.selectbox("Person shown", users, key=key)
    calibrations, references = st.columns(2)
    with calibrations:
        found = history.calibrations(user)
        if found:
            _calibration_panel(user, found)
        else:
            st.caption(f"{user} has no calibration yet (the Live tab's Calibrate my lower back).")
    with references:
        _references(user, history.references(user))


def _references(user: str, found: list[tuple[int, SetReference]]) -> None:
    """A person's reference sets, newest first; the latest of each exercise judges their sets of it."""
    if not found:
        st.caption(f"{user} has no reference set yet (Use this set as my reference, under a set).")
        return
    st.markdown(f"**Reference sets of {user}** (the newest of each exercise judges their sets of it)")
    st.table(reference_frame([ref for _, ref in found]).set_index("exercise"))


def reference_frame(found: list[SetReference]) -> pd.DataFrame:
    """One row per reference set, as given (newest first): exercise, date, view, source, reps, tilt at the bottom."""
    return pd.DataFrame(
        [
            {
                "exercise": exercise_title(r.exercise),
                "date": r.recorded_on,
                "view": r.view,
                "source": r.source,
                "reps": r.n_reps,
                "lower back at the bottom": f"{r.tilt_deg:+.1f} deg" if r.tilt_deg is not None else "not measured",
            }
            for r in found
        ],
        columns=["exercise", "date", "view", "source", "reps", "lower back at the bottom"],
    )


def _calibration_panel(user: str, found: list[tuple[datetime, BackCalibration]]) -> None:
    """A person's calibrations over weeks (Live tab's "Calibrate my lower back", `formcheck calibrate`): the
    pelvic-tilt range is a mobility measure."""
    low, high = TYPICAL_RANGE_DEG
    st.caption(
        f"{len(found)} calibration{'s' if len(found) != 1 else ''} of {user}. The range is how far the pelvis tilts"
        f" between fully forward (arched) and fully back (tucked); healthy adults tilt {low:.0f}-{high:.0f} deg on"
        " request. Neutral is the lower back's tilt standing tall; the latest calibration judges the reps."
    )
    when, latest = found[-1]
    st.markdown(
        f"Latest, {when:%d %b %Y %H:%M}: range **{latest.range_deg:.1f} deg** (neutral {latest.neutral_deg:+.1f},"
        f" fully forward {latest.anterior_deg:+.1f}, fully back {latest.posterior_deg:+.1f})"
        + (f"; {latest.range_deg - found[0][1].range_deg:+.1f} deg since the first." if len(found) > 1 else ".")
    )
    frame = calibration_frame(found)
    if len(found) > 1:
        chart = frame.rename(columns={"range (deg)": "range"})
        base = alt.Chart(chart).encode(
            x=_date_axis(chart["date"]),
            y=alt.Y("range:Q", title="pelvic-tilt range (deg)", scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("date:T", format="%d %b %Y %H:%M"), alt.Tooltip("range:Q", format=".0f")],
        )
        usual = alt.Chart(pd.DataFrame({"ref": [low, high]})).mark_rule(strokeDash=[4, 3], color="#888")
        chart = base.mark_line() + base.mark_point(filled=True, size=40) + usual.encode(y="ref:Q")
        st.altair_chart(chart.properties(height=200), width="stretch")
    # A plain table (a few rows, one per calibration), newest first: it is drawn whole even while its tab is hidden.
    shown = frame.iloc[::-1].assign(date=lambda f: f["date"].dt.strftime("%Y-%m-%d %H:%M"))
    tilts = ["neutral (deg)", "forward (deg)", "back (deg)"]
    st.table(shown.set_index("date").style.format("{:+.1f}", subset=tilts).format("{:.1f}", subset=["range (deg)"]))


def calibration_frame(found: list[tuple[datetime, BackCalibration]]) -> pd.DataFrame:
    """One row per calibration, oldest first: date, neutral, full forward and back tilts and the range (deg)."""
    return pd.DataFrame(
        [
            {
                "date": when.replace(tzinfo=None),
                "neutral (deg)": round(c.neutral_deg, 1),
                "forward (deg)": round(c.anterior_deg, 1),
                "back (deg)": round(c.posterior_deg, 1),
                "range (deg)": round(c.range_deg, 1),
            }
            for when, c in found
        ],
        columns=["date", "neutral (deg)", "forward (deg)", "back (deg)", "range (deg)"],
    )
