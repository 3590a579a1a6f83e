"""FormCheck app: `formcheck app` runs this script with Streamlit (see docs/app.md).

A thin shell: the tabs live in formcheck/app/live_tab.py, formcheck/app/upload_tab.py (one set;
routine_upload.py: a video per step of a routine) and formcheck/app/history_tab.py, over the same
pipeline as `formcheck analyse`. The repository's
root app.py calls `main()` too, so `streamlit run app.py` in a checkout shows the same app.
"""

from __future__ import annotations

import streamlit as st

from formcheck.app.common import configure_logging
from formcheck.app.history_tab import render_history_tab
from formcheck.app.live_tab import render_live_tab
from formcheck.app.person import choose_person
from formcheck.app.routine_upload import render_routine_upload
from formcheck.app.upload_tab import render_upload_tab
from formcheck.history.store import resolve_db_path

UPLOAD_MODES = ("One set", "A routine: one video per step")


def main() -> None:
    """One run of the page (Streamlit runs the script again on every interaction)."""
    configure_logging()  # the live frame rate goes to the server log

    st.set_page_config(page_title="FormCheck", layout="wide")
    st.title("FormCheck")
    st.caption(
        "Rep counts, hold times and plain-language form cues for a back-care programme (squats, lunges, bridges,"
        " pelvic tilts, cat-cow, bird-dog, stretches, planks...), one exercise or a whole routine."
        " Everything runs here."
    )

    db_path = resolve_db_path(None)  # $FORMCHECK_DB, else the user data directory
    with st.columns([1, 3])[0]:  # above the tabs: the Live and Upload tabs both judge this person's sets
        choose_person()
    live, upload, history = st.tabs(["Live", "Upload", "History"])
    with live:
        render_live_tab(db_path)
    with upload:
        one_set = st.radio("Analyse", UPLOAD_MODES, horizontal=True, key="upload_mode") == UPLOAD_MODES[0]
        if one_set:
            render_upload_tab(db_path)
        else:
            render_routine_upload(db_path, int(st.get_option("server.maxUploadSize")))
    with history:
        render_history_tab(db_path)


if __name__ == "__main__":  # `streamlit run` runs the file as __main__
    main()
