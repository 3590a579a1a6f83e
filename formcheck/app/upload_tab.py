"""The app's Upload tab: analyse a recorded video with the same pipeline as `formcheck analyse`.

The upload is written to a temporary folder made for this one analysis; the outputs are
read back into memory for the page and the folder is deleted before the page shows
them. Nothing leaves the machine.

Test hook: AppTest cannot upload files, so when the environment variable
`FORMCHECK_APP_TEST_VIDEO` names a local video the tab uses it in place of an upload.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from exercises.framework import registry
from exercises.measures.reference import TILT
from formcheck.app.person import current_person, reference_button
from formcheck.app.results_tables import REFERENCE_LABEL, reference_tilt, show_results_tables
from formcheck.app.sets_panel import show_auto_session
from formcheck.calibrate import DEFAULT_USER, app_calibration
from formcheck.exercise_check import mismatch_sentence
from formcheck.history.store import remember_session, remember_set
from formcheck.pipeline import analyse_video, exercise_choices
from formcheck.reference import app_references, keep_reference
from formcheck.report import set_title
from formcheck.results import AnalysisResult
from formcheck.routine import is_recording_of_sets, recording_outcome, recording_set_report, recording_set_reports
from vision.estimator import ModelError
from vision.video import VideoError

log = logging.getLogger(__name__)

TEST_VIDEO_ENV = "FORMCHECK_APP_TEST_VIDEO"
OUTPUT_FILES = (("report.json", "application/json"), ("frames.csv", "text/csv"), ("annotated.mp4", "video/mp4"))
PROGRESS_STEPS = 100  # page updates per analysis: enough to look smooth, few enough to be cheap
VIDEO_TYPES = ("mp4", "mov", "m4v", "avi", "mkv", "webm", "3gp")
REANALYSE_KEY = "upload_reanalyse"  # set by the "analyse it as ..." button: analyse again on the next run


BACK_METRIC = TILT  # the back's chart: the lower back's tilt from the outline


def key_thresholds(exercise: str, metric: str | None = None) -> dict[str, float]:
    """The chart's reference lines: the thresholds of the analyser's rules on `metric` (default: its key metric)."""
    spec = registry.get(exercise)
    return spec.limits(metric or spec.key_metric)


@dataclass(frozen=True)
class UploadOutcome:
    """Everything the page shows after an analysis, held in memory."""

    file_name: str
    report: dict
    series: pd.DataFrame  # time_s, value of the key metric
    files: dict[str, bytes]  # output name -> contents
    back_series: pd.DataFrame = field(default_factory=pd.DataFrame)  # time_s, value of BACK_METRIC
    person: str = DEFAULT_USER  # whose calibration and references judged it; the reference button keeps it for them
    set_id: int | None = None  # its row in the history, once stored
    serial: int = 0  # which analysis of this browser session it is (one reference button per analysis)


def safe_name(name: str) -> str:
    """A file name that cannot escape the temporary folder."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "upload"
    return stem[:100]


def metric_series(result: AnalysisResult, metric: str | None = None) -> pd.DataFrame:
    """One metric (default: the exercise's key metric) per frame, frames without it left out."""
    key = metric or result.analyser.spec.key_metric
    rows = [(r.timestamp_s, r.metrics.get(key)) for r in result.records]
    return pd.DataFrame(rows, columns=["time_s", "value"]).dropna()


def throttled(update: Callable[[float, str], None]) -> Callable[[int, int | None], None]:
    """analyse_video's per-frame progress -> at most PROGRESS_STEPS page updates."""
    last = [-1]

    def progress(done: int, total: int | None) -> None:
        if not total:
            return
        step = min(PROGRESS_STEPS, done * PROGRESS_STEPS // total)
        if step != last[0]:
            last[0] = step
            update(step / PROGRESS_STEPS, f"Analysing frame {done} of {total}")

    return progress


def analyse_upload(
    name: str,
    data: bytes,
    exercise: str,
    progress: Callable[[int, int | None], None] | None = None,
    person: str = DEFAULT_USER,
) -> UploadOutcome:
    """Run the shared pipeline on an uploaded video in a throw-away folder, the lower back judged against
    `person`'s calibration and latest reference sets."""
    with tempfile.TemporaryDirectory(prefix="formcheck-upload-") as tmp:
        video = Path(tmp) / safe_name(name)
        video.write_bytes(data)
        out = Path(tmp) / "out"
        result = analyse_video(
            video,
            exercise,
            out,
            progress=progress,
            calibration=app_calibration(person),
            references=app_references(person),
        )
        files = {n: (out / n).read_bytes() for n, _ in OUTPUT_FILES}
    report = json.loads(files["report.json"])
    return UploadOutcome(
        file_name=name,
        report=report,
        series=metric_series(result),
        files=files,
        back_series=metric_series(result, BACK_METRIC),
        person=person,
    )


def angle_chart(series: pd.DataFrame, report: dict, metric: str | None = None) -> alt.Chart:
    """A metric (default: the key metric) over time, shaded rep spans, its fault threshold lines and, for the
    lower back judged against the person's reference set, that set's value labelled "your reference"."""
    key = metric or report["summary"]["key_metric"]
    line = (
        alt.Chart(series)
        .mark_line()
        .encode(x=alt.X("time_s:Q", title="time (s)"), y=alt.Y("value:Q", title=key.replace("_", " ")))
    )
    layers: list[alt.Chart] = []
    spans = report["reps"] + report.get("holds", [])
    reps = pd.DataFrame([{"start": r["start_s"], "end": r["end_s"]} for r in spans])
    if not reps.empty:
        layers.append(alt.Chart(reps).mark_rect(opacity=0.15, color="green").encode(x="start:Q", x2="end:Q"))
    limits = pd.DataFrame([{"y": v, "limit": k} for k, v in key_thresholds(report["exercise"], key).items()])
    if not limits.empty:
        layers.append(
            alt.Chart(limits).mark_rule(strokeDash=[6, 4], color="red").encode(y="y:Q", tooltip=["limit", "y"])
        )
    reference = reference_tilt(report) if key == TILT else None
    if reference is not None and not series.empty:
        layers.extend(reference_line(reference, float(series["time_s"].max())))
    return alt.layer(*layers, line).properties(height=300)


def reference_line(value: float, end_s: float) -> list[alt.Chart]:
    """A solid line at the reference set's value, labelled above its right end (where the set's trace ends)."""
    frame = pd.DataFrame([{"y": value, "time_s": end_s, "label": REFERENCE_LABEL}])
    rule = alt.Chart(frame).mark_rule(color="#2a6f3f", strokeWidth=2).encode(y="y:Q", tooltip=["label", "y"])
    text = (
        alt.Chart(frame)
        .mark_text(align="right", baseline="bottom", dy=-3, color="#2a6f3f", fontWeight="bold", fontSize=12)
        .encode(x="time_s:Q", y="y:Q", text="label:N")
    )
    return [rule, text]


def _chosen_video(max_mb: int) -> tuple[str, bytes] | None:
    test_path = os.environ.get(TEST_VIDEO_ENV)
    if test_path:
        st.caption(f"Test hook {TEST_VIDEO_ENV}: using `{test_path}` as the upload.")
        path = Path(test_path)
        return path.name, path.read_bytes()
    upload = st.file_uploader(
        f"Video of one set or a whole workout (mp4, mov, avi, mkv, webm; up to {max_mb} MB)",
        type=list(VIDEO_TYPES),
        key="upload_file",
    )
    return (upload.name, upload.getvalue()) if upload is not None else None


def render_upload_tab(db_path: Path) -> None:
    max_mb = int(st.get_option("server.maxUploadSize"))
    st.write(
        f"Upload a video of one set, or of a whole workout with Exercise on `auto`: FormCheck then finds each"
        f" set, names it and counts it (up to {max_mb} MB). It is analysed on this machine and deleted"
        " straight after; nothing is sent anywhere."
    )
    # `auto` first: it names the exercise and says why. Set through session state (not `index=`) so
    # that the "analyse it as ..." button can change it before the next run.
    st.session_state.setdefault("upload_exercise", "auto")
    exercise = st.selectbox("Exercise", exercise_choices(), key="upload_exercise")
    chosen = _chosen_video(max_mb)
    again = st.session_state.pop(REANALYSE_KEY, False)
    if chosen is not None and (st.button("Analyse", type="primary", key="upload_go") or again):
        name, data = chosen
        bar = st.progress(0.0, text="Starting")
        progress = throttled(lambda f, text: bar.progress(f, text=text))
        try:
            outcome = analyse_upload(name, data, exercise, progress, current_person())
        except (VideoError, ModelError) as exc:
            _failed(bar, str(exc))
            return
        except Exception:  # a bug, not the file: still one sentence on the page, the details in the log
            log.exception("analysing the upload %s failed", name)
            _failed(bar, "Something went wrong while analysing this video; the details are in the app's log.")
            return
        bar.empty()
        stored = _remember(outcome, db_path)
        serial = st.session_state.get("upload_serial", 0) + 1
        st.session_state["upload_serial"] = serial
        st.session_state["upload_outcome"] = dataclasses.replace(outcome, set_id=stored, serial=serial)
    outcome = st.session_state.get("upload_outcome")
    if outcome is not None:
        _show_outcome(outcome, db_path)


def _remember(outcome: UploadOutcome, db_path: Path) -> int | None:
    """The upload in the history: a recording of several sets as one session with its sets (as `formcheck analyse`
    stores it; no set id: no single set to keep as a reference), else its one set. A set that was clearly another
    exercise, or whose exercise could not be told, is not kept: its judgement is not valid."""
    report = outcome.report
    if is_recording_of_sets(report):
        remember_session(recording_outcome(report), recording_set_reports(report), "upload", db_path)
        return None
    return remember_set(report, "upload", db_path, outcome.file_name) if "exercise_check" not in report else None


def _failed(bar, message: str) -> None:
    bar.empty()
    st.session_state.pop("upload_outcome", None)
    st.error(message)


def _analyse_as(exercise: str) -> None:
    """The button's callback: runs before the next script run, so the select can still be changed."""
    st.session_state["upload_exercise"] = exercise
    st.session_state[REANALYSE_KEY] = True


def _show_outcome(outcome: UploadOutcome, db_path: Path) -> None:
    if is_recording_of_sets(outcome.report):
        _show_recording(outcome)
        return
    check = outcome.report.get("exercise_check")
    if check is None:
        _show_analysis(outcome)
        _reference_button(outcome, db_path)
        return
    st.subheader(outcome.file_name)
    st.warning(mismatch_sentence(check))
    recognised = check["recognised"]
    if recognised is None:  # auto could not tell: the user names it
        st.info("Choose the exercise under Exercise and press Analyse again.")
    else:
        st.button(
            f"Analyse it as a {registry.get(recognised).noun}",
            type="primary",
            key="upload_as_recognised",
            on_click=_analyse_as,
            args=(recognised,),
        )
    judged = registry.get(outcome.report["exercise"]).noun
    with st.expander(f"Judged as a {judged} anyway (not valid for this movement)"):
        _show_analysis(outcome)


def _show_analysis(outcome: UploadOutcome) -> None:
    report = outcome.report
    st.subheader(f"{outcome.file_name}: {set_title(report)}")
    cols = st.columns(3)
    if report.get("hold_count") and not report["rep_count"]:
        cols[0].metric("Held", f"{report['summary']['hold_total_s']:.0f} s")
    else:
        cols[0].metric("Reps", report["rep_count"])
    mean = report["summary"]["mean_score"]
    cols[1].metric("Mean score", mean if mean is not None else "-")
    cols[2].metric("View", report["view"])
    video_col, detail_col = st.columns([2, 3])
    video_col.video(outcome.files["annotated.mp4"], format="video/mp4")
    with detail_col:
        show_results_tables(report, "upload", "No complete reps or holds were counted in this video.")
        for warning in report["warnings"]:
            st.warning(warning["message"])
        # A hinge's key metric is the lower back's tilt: its chart is the back's, drawn once below.
        if not outcome.series.empty and report["summary"]["key_metric"] != BACK_METRIC:
            st.altair_chart(angle_chart(outcome.series, report), width="stretch")
        reference = report.get("back_reference") or {}
        if reference.get("why"):  # the person has a reference set of this exercise, but it could not judge this one
            st.info(f"Your reference set was not used: {reference['why']}.")
        if not outcome.back_series.empty:
            st.caption(
                f"Lower back from the body's outline ({BACK_METRIC}: + arched, - rounded); {reference.get('note', '')}"
            )
            st.altair_chart(angle_chart(outcome.back_series, report, BACK_METRIC), width="stretch")
    _downloads(outcome)


def _show_recording(outcome: UploadOutcome) -> None:
    """A whole workout in one video: its sets (exercise, reps or time held, from/to, cues; each set's reps or
    holds), beside the annotated video that names each set; the whole recording's own figures would mix them."""
    report = outcome.report
    st.subheader(f"{outcome.file_name}: a recording of {len(report['sets'])} sets")
    video_col, detail_col = st.columns([2, 3])
    video_col.video(outcome.files["annotated.mp4"], format="video/mp4")
    with detail_col:
        reports = [recording_set_report(report, entry) for entry in report["sets"]]
        show_auto_session({"sets": report["sets"], "set_reports": reports}, key="upload")
        for warning in report["warnings"]:
            st.warning(warning["message"])
    _downloads(outcome)


def _downloads(outcome: UploadOutcome) -> None:
    cols = st.columns(len(OUTPUT_FILES))
    stem = Path(outcome.file_name).stem
    for col, (name, mime) in zip(cols, OUTPUT_FILES, strict=True):
        col.download_button(
            f"Download {name}", outcome.files[name], file_name=f"{stem}_{name}", mime=mime, key=f"dl_{name}"
        )


def _reference_button(outcome: UploadOutcome, db_path: Path) -> None:
    """ "Use this set as my reference" for the person it was judged for (not offered for another exercise's set)."""
    st.caption(f"Judged for **{outcome.person}**.")
    reference_button(
        f"upload-{outcome.serial}",
        outcome.person,
        lambda: keep_reference(
            outcome.person, outcome.report, outcome.file_name, db=str(db_path), set_id=outcome.set_id
        ),
    )
