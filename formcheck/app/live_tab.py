"""The app's Live tab: the camera through streamlit-webrtc, analysed frame by frame.

All per-frame work happens in `formcheck.app.live` on streamlit-webrtc's worker thread;
this module only draws what the session's snapshot says (see docs/app.md).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from exercises.framework.cues import Cue, Severity
from exercises.measures.calibration import BackCalibration
from formcheck.app.live import LOOPBACK_ICE_ENV, LiveHub, LiveSnapshot, enable_loopback_ice, ice_servers
from formcheck.app.person import current_person, reference_button
from formcheck.app.results_tables import rep_rows, show_results_tables
from formcheck.app.routine_panel import choose_routine, show_plan, show_progress, show_session
from formcheck.app.sets_panel import show_auto_session, show_set_status, show_sets_done
from formcheck.calibrate import DEFAULT_USER
from formcheck.calibration_guide import DONE, PROMPTS, STEPS, GuideView, explain
from formcheck.exercise_check import mismatch_sentence
from formcheck.history.store import open_history, remember_session, remember_set
from formcheck.live_sets import AUTO_SESSION
from formcheck.pipeline import exercise_choices
from formcheck.reference import keep_reference
from formcheck.report import rep_cue_words, rep_score_text, set_title

LIVE_SOURCE = "live"  # a calibration's or reference set's source in the history: the camera (the CLI: a clip's name)
REFRESH_S = 0.5  # how often the page reads the session's snapshot while the camera runs
VIDEO_CONSTRAINTS = {
    "video": {"width": {"ideal": 640}, "height": {"ideal": 480}, "frameRate": {"ideal": 30}},
    "audio": False,
}
REPS_CSS = "<style>.st-key-live_reps [data-testid='stMetricValue'] {font-size: 5rem; line-height: 1.1}</style>"
NO_FRAMES = (
    "No video reached FormCheck, so nothing was counted and this was not saved as a set. To try again:"
    " allow this page to use the camera (the camera icon in the browser's address bar), close any other"
    " app or browser tab that may be using the camera, then press START again. If the picture still does"
    " not come back, the connection between the browser and FormCheck may have failed: reload the page"
    " and press START."
)
MODES = ("Exercise", "Calibrate my lower back")
EXERCISE_HELP = (
    "Used from the next START. auto: FormCheck finds each set in the stream, names its exercise and counts it,"
    " and lists the session's sets at STOP."
)
CALIBRATE_HOW = (
    "Calibrate once, side-on: FormCheck then judges your lower back against your own pelvic-tilt range."
    " Press START and follow the prompts: "
    + ", then ".join(f'"{PROMPTS[s]}"' for s in STEPS)
    + f' until "{PROMPTS[DONE]}" (about 10 s). Close-fitting clothes help FormCheck see the back\'s outline.'
)
SET_UP = (
    "Before you start: put the camera at hip height, 2-3 m away, side-on to you, with your whole body"
    " (feet included) in the picture. The box below tells you what the camera sees."
)


def rtc_configuration() -> dict:
    try:
        servers = ice_servers(dict(os.environ))
    except ValueError as exc:
        st.warning(str(exc))
        servers = []
    return {"iceServers": servers}


def render_live_tab(db_path: Path) -> None:
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    if os.environ.get(LOOPBACK_ICE_ENV) == "1":
        enable_loopback_ice()
    hub: LiveHub = st.session_state.setdefault("live_hub", LiveHub())  # this browser session's own
    hub.person = current_person()  # used from the next START, like the other choices
    mode = st.radio("Mode", MODES, horizontal=True, key="live_mode", help="Used from the next START.")
    if mode == MODES[1]:
        hub.routine = None
        hub.calibrate_user = hub.person
        st.caption(f"Calibrating for **{hub.person}** (the Person above). {CALIBRATE_HOW}")
    else:
        hub.calibrate_user = None
        hub.routine = choose_routine()
        if hub.routine is None:
            hub.exercise = st.selectbox("Exercise", exercise_choices(), key="live_exercise", help=EXERCISE_HELP)
    muted = st.toggle("Mute spoken cues", key="live_mute")
    st.caption(SET_UP)
    video_col, panel_col = st.columns([3, 2])
    with video_col:
        ctx = webrtc_streamer(
            key="formcheck-live",
            mode=WebRtcMode.SENDRECV,
            rtc_configuration=rtc_configuration(),
            media_stream_constraints=VIDEO_CONSTRAINTS,
            video_processor_factory=hub.processor,
            async_processing=True,
        )
    if ctx.state.playing:
        with panel_col:
            _live_panel(hub, muted, db_path)
        return
    if not ctx.state.signalling:  # not while a new stream is connecting: its session is already made
        hub.end()  # STOP may reach the page before the stream's own end; closing twice is harmless
    serial, report = hub.finished()
    with panel_col:
        _big_number(final_counter(report) if report else ("Reps", "0"))
        if hub.routine is not None and report is None:
            show_plan(hub.routine)
    if report is None:
        return
    if report.get("no_frames"):  # a failed connection, not a set of 0 reps: no summary, nothing saved
        st.warning(NO_FRAMES)
        st.caption(report["no_frames_reason"])
        return
    if "calibration" in report:  # a guided calibration: its outcome, stored once; never a set
        outcome = report["calibration"]
        found = outcome["calibration"]
        calibration = BackCalibration(**found) if found is not None else None
        with panel_col:
            _calibration_outcome(outcome["user"], calibration, outcome["refusal"], f"{id(hub)}-{serial}", db_path)
        return
    if AUTO_SESSION in report:  # an auto session: its sets, stored once as one session
        show_auto_session(report)
        if report["sets"] and st.session_state.get("live_saved") != serial:
            st.session_state["live_saved"] = serial
            remember_session(report[AUTO_SESSION], report["set_reports"], "live", db_path)  # a set not told: not kept
        return
    if "routine_session" in report:
        show_session(report)
        if st.session_state.get("live_saved") != serial:
            st.session_state["live_saved"] = serial
            remember_session(report["routine_session"], report["sets"], "live", db_path)
        return
    _set_summary(report)
    # A set that was clearly another exercise is not kept: its judgement is not valid.
    if st.session_state.get("live_saved") != serial and "exercise_check" not in report:
        st.session_state["live_saved"] = serial
        st.session_state["live_set_id"] = (serial, remember_set(report, "live", db_path))
    saved = st.session_state.get("live_set_id")
    person, set_id = hub.finished_person, saved[1] if saved and saved[0] == serial else None
    reference_button(
        f"live-{id(hub)}-{serial}",
        person,
        lambda: keep_reference(person, report, LIVE_SOURCE, db=str(db_path), set_id=set_id),
    )


@st.fragment(run_every=REFRESH_S)
def _live_panel(hub: LiveHub, muted: bool, db_path: Path) -> None:
    snap = hub.snapshot()
    if snap is not None and snap.calibrate_user is not None:
        _calibration_panel(snap, hub, muted, db_path)
        return
    _big_number(snap.counter if snap else ("Reps", "0"))
    if snap is None:
        st.info("Starting the camera and loading the pose model...")
        return
    if snap.routine is not None:
        show_progress(snap.routine, hub)
    if snap.sets is not None:
        show_set_status(snap.sets)
    if snap.unsure is not None:
        st.warning(f"FormCheck cannot tell which exercise this is ({snap.unsure}): pick it under Exercise.")
    if snap.sets is None or snap.sets.title is not None:  # nothing is judged between sets or before the set's
        _show_cue(snap.cue)  # exercise is named: no "Looking good." then
    if snap.cue is not None and not muted:
        _speak(snap.cue.message, f"{id(hub)}-{hub.streams}-{snap.cue_serial}")
    if snap.last_rep is not None:
        rep = snap.last_rep
        score = rep_score_text(rep.score, rep.judged)
        st.caption(f"Last rep ({rep.index}): {score}: {rep_cue_words(rep.cues, rep.judged)}")
    if snap.sets is not None:  # below the set under way and its cue: they are about now, the table about before
        show_sets_done(snap.sets)
    _debug(snap)


def _calibration_panel(snap: LiveSnapshot, hub: LiveHub, muted: bool, db_path: Path) -> None:
    """The guided calibration while the camera runs: the prompt to follow, the lower back's tilt now and its trace;
    at Done the result, stored for the person (once per stream)."""
    guide = snap.calibration
    tilt = snap.tilt_trace[-1][1] if snap.tilt_trace else float("nan")
    _big_number(("Lower-back tilt", f"{tilt:+.0f} deg" if math.isfinite(tilt) else "--"))
    if guide is None:
        st.info("Starting the camera and loading the pose model...")
        return
    if guide.finished:
        # The stream's own key: `hub.finished()`'s serial after STOP is this stream's one plus one.
        key = f"{id(hub)}-{hub.finished()[0] + 1}"
        _calibration_outcome(snap.calibrate_user or DEFAULT_USER, guide.calibration, guide.refusal, key, db_path)
    else:
        _show_prompt(guide)
    if not muted:
        _speak(guide.prompt, f"{id(hub)}-{hub.streams}-calibration-{guide.step}")
    _tilt_chart(snap.tilt_trace)
    _debug(snap)


def _show_prompt(guide: GuideView) -> None:
    st.markdown(f"### Step {guide.step_index} of {len(STEPS)}: {guide.prompt}")
    st.progress(guide.progress)
    if guide.hint:
        st.warning(guide.hint)


def _tilt_chart(trace: tuple[tuple[float, float], ...]) -> None:
    """The lower back's tilt over the last seconds (+ arched / pelvis forward, - tucked)."""
    if not trace:
        return
    frame = pd.DataFrame(trace, columns=["time (s)", "lower-back tilt (deg)"])
    st.line_chart(frame, x="time (s)", y="lower-back tilt (deg)", height=180)
    st.caption("Lower-back tilt: + arched (pelvis forward), - tucked (pelvis back); gaps where it was not measured.")


def _calibration_outcome(
    user: str, calibration: BackCalibration | None, refusal: str | None, key: str, db_path: Path
) -> None:
    """The guided calibration's result in plain words, stored for `user` once per `key`; or why not, and what to do."""
    if calibration is None:
        st.error(f"Not calibrated: {refusal}." if refusal else "Not calibrated.")
        return
    st.success(f"Done. {explain(calibration)}")
    if st.session_state.get("live_calibration_saved") == key:
        st.caption(f"Stored for {user}: see the History tab.")
        return
    try:
        with open_history(db_path) as history:
            history.save_calibration(user, calibration, file_name=LIVE_SOURCE)
    except Exception as exc:  # a locked or broken database: say so, the result is still on the page
        st.error(f"The calibration could not be stored in the history ({exc}); try again later.")
        return
    st.session_state["live_calibration_saved"] = key
    st.caption(f"Stored for {user}: see the History tab.")


def _big_number(counter: tuple[str, str]) -> None:
    """The rep counter (or a hold's time), big enough to read from a few metres away."""
    label, value = counter
    st.html(REPS_CSS)
    with st.container(key="live_reps"):
        st.metric(label, value)


def final_counter(report: dict) -> tuple[str, str]:
    """A finished set's big number: the time held when the set was holds, else its reps; for a routine the steps
    done to target; for a guided calibration the pelvic-tilt range."""
    if "calibration" in report:
        found = report["calibration"]["range_deg"]
        return ("Pelvic-tilt range", f"{found:.0f} deg") if found is not None else ("Not calibrated", "--")
    if AUTO_SESSION in report:
        return "Sets", str(len(report["sets"]))
    if "routine_session" in report:
        outcome = report["routine_session"]
        return "Steps done", f"{outcome['steps_met']} of {outcome['steps_planned']}"
    if report.get("hold_count") and not report["rep_count"]:
        return "Held", f"{report['summary']['hold_total_s']:.0f} s"
    return "Reps", str(report["rep_count"])


def _show_cue(cue: Cue | None) -> None:
    if cue is None:
        st.success("Looking good.")
    elif cue.severity is Severity.INFO:
        st.info(cue.message)
    elif cue.severity is Severity.WARN:
        st.warning(cue.message)
    else:
        st.error(cue.message)


def _speak(message: str, key: str) -> None:
    """Say a newly shown cue once with the browser's speech synthesis.

    The snippet runs in an iframe that may be re-created on every refresh, so it
    remembers the last spoken key in the parent page; it speaks through the parent,
    which has the user's click (browsers only speak after one)."""
    script = f"""<script>
    const w = window.parent || window;
    const key = {json.dumps(key)};
    if (w.speechSynthesis && w.formcheckSpoken !== key) {{
      w.formcheckSpoken = key;
      w.speechSynthesis.cancel();
      w.speechSynthesis.speak(new w.SpeechSynthesisUtterance({json.dumps(message)}));
    }}
    </script>"""
    st.iframe(script, height=1)


def _debug(snap: LiveSnapshot) -> None:
    with st.expander("Debug"):
        st.write(
            f"Frames processed per second: **{snap.processed_fps:.1f}** "
            f"(camera delivers {snap.received_fps:.1f}); processed {snap.frames_processed}, "
            f"dropped as stale {snap.frames_dropped}; longest gap between analysed frames"
            f" {snap.longest_gap_s:.2f} s; phase {snap.phase}, view {snap.view}."
        )


def _set_summary(report: dict) -> None:
    check = report.get("exercise_check")
    if check is not None:
        st.warning(
            f"{mismatch_sentence(check)} Choose it under Exercise and press START again;"
            " this set was not saved."
        )
        with st.expander(f"Judged as a {report['exercise']} anyway (not valid for this movement)"):
            _set_details(report)
        return
    _set_details(report)


def _set_details(report: dict) -> None:
    st.subheader(f"Set summary: {set_title(report)}")
    summary = report["summary"]
    if not report["reps"] or summary.get("over") == "holds":
        if report.get("holds") and summary["mean_score"] is not None:
            st.write(f"Mean score **{summary['mean_score']}** over the holds.")
        show_results_tables(report, "live", "No complete reps or holds were counted in this set.")
        return
    if summary["best_rep"] is None:
        st.write("No rep could be scored: you were out of sight for part of each one.")
        st.dataframe(pd.DataFrame(rep_rows(report)), hide_index=True, key="live_reps")
        return
    by_index = {r["index"]: r for r in report["reps"]}
    best, worst = by_index[summary["best_rep"]], by_index[summary["worst_rep"]]
    if best["score"] == worst["score"]:
        ranking = f"every rep scored {best['score']}."
    else:
        ranking = (
            f"best rep: **{best['index']}** (score {best['score']}); "
            f"worst rep: **{worst['index']}** (score {worst['score']})."
        )
    st.write(f"Mean score **{summary['mean_score']}**; {ranking}")
    show_results_tables(report, "live", "")
