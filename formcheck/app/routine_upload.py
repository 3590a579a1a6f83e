"""The Upload tab's routine mode: one recorded video per step, each analysed as its step's exercise.

The same as `formcheck analyse --routine`: steps without a video count as not done, the session's target
against done is shown with each step's set, and the session goes to the history with its sets.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from exercises.framework import registry
from formcheck.app.person import current_person
from formcheck.app.routine_panel import choose_routine, show_session
from formcheck.app.upload_tab import TEST_VIDEO_ENV, VIDEO_TYPES, analyse_upload, throttled
from formcheck.history.store import remember_session
from formcheck.routine import Routine, session_report
from vision.estimator import ModelError
from vision.video import VideoError

log = logging.getLogger(__name__)

RESULT_KEY = "upload_routine_result"


def render_routine_upload(db_path: Path, max_mb: int) -> None:
    routine = choose_routine(
        "upload", help_text="Upload one video per step below; each is analysed as its step's exercise.", optional=False
    )
    if routine is None:
        return
    videos = [_step_video(i, step_text, max_mb) for i, step_text in enumerate(_step_texts(routine), start=1)]
    given = sum(v is not None for v in videos)
    st.caption(f"{given} of {len(videos)} steps have a video; a step without one counts as not done.")
    if given and st.button("Analyse the routine", type="primary", key="upload_routine_go"):
        result = _analyse(routine, videos)
        if result is not None:
            st.session_state[RESULT_KEY] = result
            remember_session(result["routine_session"], result["sets"], "upload", db_path)
    result = st.session_state.get(RESULT_KEY)
    if result is not None and result["routine_session"]["routine"] == routine.key:
        show_session(result, key="upload")


def _step_texts(routine: Routine) -> list[str]:
    return [f"{registry.get(s.exercise).title}, {s.target_text}" for s in routine.steps]


def _step_video(number: int, step_text: str, max_mb: int) -> tuple[str, bytes] | None:
    test_path = os.environ.get(TEST_VIDEO_ENV)
    if test_path:  # AppTest cannot upload: every step gets the test video
        st.caption(f"Step {number} ({step_text}): test hook {TEST_VIDEO_ENV}, `{test_path}`.")
        return Path(test_path).name, Path(test_path).read_bytes()
    upload = st.file_uploader(
        f"Step {number}: {step_text} (up to {max_mb} MB)", type=list(VIDEO_TYPES), key=f"upload_step_{number}"
    )
    return (upload.name, upload.getvalue()) if upload is not None else None


def _analyse(routine: Routine, videos: list[tuple[str, bytes] | None]) -> dict | None:
    """Each given video as its step's exercise, with a progress bar; None (and an error shown) if one fails."""
    bar = st.progress(0.0, text="Starting")
    reports: list[dict | None] = []
    for i, (step, video) in enumerate(zip(routine.steps, videos, strict=True)):
        if video is None:
            reports.append(None)
            continue
        name, data = video

        def update(fraction: float, text: str, i: int = i, name: str = name) -> None:
            bar.progress((i + fraction) / len(videos), text=f"Step {i + 1} of {len(videos)} ({name}): {text}")

        try:
            reports.append(analyse_upload(name, data, step.exercise, throttled(update), current_person()).report)
        except (VideoError, ModelError) as exc:
            bar.empty()
            st.error(f"Step {i + 1} ({name}): {exc}")
            return None
        except Exception:  # a bug, not the file: one sentence, the details in the log
            log.exception("analysing step %d (%s) of the routine failed", i + 1, name)
            bar.empty()
            st.error(f"Something went wrong while analysing step {i + 1} ({name}); the details are in the app's log.")
            return None
    bar.empty()
    return session_report(routine, reports)
