"""The app judges the page's Person's sets against their own reference (issue 26, the app part).

The Person box drives the calibration and reference sets the Live and Upload tabs judge with; "Use this set as
my reference" keeps an uploaded set, a finished live set or a stored set for that person; the History tab lists
each person's reference sets; the upload's reps table and back chart show the reference beside each rep. The
sets here are built from analyser parts (no pose model); tests/test_e2e_browser.py runs the real clips.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from exercises.framework.analyser import RepResult
from exercises.measures.calibration import BackCalibration
from exercises.measures.reference import SetReference
from formcheck.app.live import LiveHub
from formcheck.app.person import REFERENCE_BUTTON
from formcheck.app.results_tables import rep_rows
from formcheck.app.upload_tab import UploadOutcome, angle_chart
from formcheck.history.store import open_history
from formcheck.pipeline import make_analyser
from formcheck.report import build_report
from formcheck.results import AnalysisResult
from vision.video import VideoInfo

HINGE = SetReference("deadlift", "side", "2026-12-01", "neutral.mp4", {"lumbar_tilt_deg": 5.0}, 10)
INFO = VideoInfo("set.mp4", 640, 480, 640, 480, 30.0, 10.0, 300, 0, "h264")


def deadlift_report(tilts: list[float], exercise: str = "deadlift", unseen: tuple[int, ...] = ()) -> dict:
    """A side-on set with one rep per tilt (deg, at the bottom); the reps in `unseen` counted through a hole."""
    analyser = make_analyser(exercise)
    for i, tilt in enumerate(tilts, start=1):
        judged = i not in unseen
        metrics = {"lumbar_tilt_deg": tilt, "hip_angle_deg": 80.0 + i}
        rep = RepResult(i, 2.0 * i, 2.0 * i + 0.5, 2.0 * i + 1, "left", "side", metrics, (), 90, judged)
        analyser.state.reps.append(rep)
    analyser.state.views["side"] += 1
    return build_report(AnalysisResult(info=INFO, exercise_requested=exercise, analyser=analyser))


def judged_against(report: dict, reference: SetReference, changes: list[float]) -> dict:
    """The report as the analyser gives it when the person's reference judged the set (the change per rep)."""
    for rep, change in zip(report["reps"], changes, strict=True):
        rep["metrics"]["lumbar_tilt_ref_change_deg"] = change
    report["back_reference"] |= {
        "kind": "reference_set",
        "used_for_outline": True,
        "source": reference.source,
        "values": dict(reference.values),
    }
    return report


def outcome(report: dict, person: str = "me", set_id: int | None = None) -> UploadOutcome:
    series = pd.DataFrame({"time_s": [0.0, 1.0], "value": [3.0, -6.0]})
    files = {"report.json": b"{}", "frames.csv": b"", "annotated.mp4": b""}
    return UploadOutcome("set.mp4", report, series, files, series, person=person, set_id=set_id, serial=1)


def references(db: Path, user: str) -> list[SetReference]:
    with open_history(db) as history:
        return [ref for _, ref in history.references(user)]


def click_reference(app, where: str = "") -> None:
    """Press "Use this set as my reference" (the first on the page, or the one whose key starts `reference_{where}`)."""
    next(b for b in app.button if b.label == REFERENCE_BUTTON and b.key.startswith(f"reference_{where}")).click().run()
    assert not app.exception, app.exception


# --------------------------------------------------------------------------- who is exercising


def test_the_page_has_one_person_and_the_upload_is_judged_with_their_references(
    app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import formcheck.app.upload_tab as upload_tab

    db = tmp_path / "history.sqlite3"
    with open_history(db) as history:
        history.save_reference("ann", HINGE)
        history.save_calibration("ann", BackCalibration(4.0, 14.0, -6.0))
    seen: list[dict] = []
    real = upload_tab.analyse_video
    monkeypatch.setattr(upload_tab, "analyse_video", lambda *a, **kw: seen.append(kw) or real(*a, **kw))
    video = tmp_path / "pattern.mp4"
    source = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "1", "-pix_fmt", "yuv420p"]
    subprocess.run(["ffmpeg", "-v", "error", "-y", *source, str(video)], check=True)
    monkeypatch.setenv("FORMCHECK_APP_TEST_VIDEO", str(video))
    app.run()
    assert app.text_input(key="person").label == "Person" and app.text_input(key="person").value == "me"
    app.text_input(key="person").set_value(" ann ").run()
    app.button(key="upload_go").click().run()
    assert not app.exception
    assert seen[0]["references"] == {"deadlift": HINGE}
    assert seen[0]["calibration"] == BackCalibration(4.0, 14.0, -6.0)
    assert app.session_state["live_hub"].person == "ann"  # the next START records ann's set


def test_a_live_stream_is_judged_with_its_persons_calibration_and_references(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import formcheck.app.live as live

    monkeypatch.setenv("FORMCHECK_DB", str(tmp_path / "history.sqlite3"))
    with open_history(tmp_path / "history.sqlite3") as history:
        history.save_reference("ann", HINGE)
    made: list[dict] = []

    class Recorded:
        def __init__(self, exercise: str, **kwargs) -> None:
            made.append(kwargs)
            self.analyser = make_analyser(exercise)

        def close(self) -> None: ...

    monkeypatch.setattr(live, "FrameProcessor", Recorded)
    hub = LiveHub()
    hub.exercise, hub.person = "deadlift", "ann"
    session = hub.start()  # what the stream's worker thread does at START
    assert session.person == "ann"
    assert made[0]["references"] == {"deadlift": HINGE} and made[0]["calibration"] is None
    hub.end()
    assert hub.finished_person == "ann"


# --------------------------------------------------------------------------- "Use this set as my reference"


def test_an_uploaded_set_becomes_the_persons_reference(app, tmp_path: Path) -> None:
    report = deadlift_report([4.0, 6.0, 5.0, 7.0])
    with open_history(tmp_path / "history.sqlite3") as history:
        set_id = history.save_report(report, source="upload")
    app.session_state["upload_outcome"] = outcome(report, "ann", set_id)
    app.run()
    assert any("Judged for **ann**" in c.value for c in app.caption)
    click_reference(app)
    kept = app.success[0].value
    assert kept.startswith("Kept as a reference. ann: deadlift reference from set.mp4 (side, 4 reps,")
    assert "lower back +5.5 deg at the bottom" in kept
    assert "From now on their later hip hinge (deadlift) sets filmed side-on are judged against it" in kept
    assert "reference_upload-1" not in [b.key for b in app.button]  # kept once: the outcome replaces the button
    [ref] = references(tmp_path / "history.sqlite3", "ann")
    assert (ref.exercise, ref.view, ref.source, ref.n_reps, ref.tilt_deg) == ("deadlift", "side", "set.mp4", 4, 5.5)
    with open_history(tmp_path / "history.sqlite3") as history:
        assert history.conn.execute("SELECT set_id FROM back_references").fetchone() == (set_id,)
    app.run()  # the outcome stays under the set
    assert app.success[0].value == kept


@pytest.mark.parametrize(
    ("report", "why"),
    [
        (deadlift_report([4.0, 6.0]), "Not kept as a reference: only 2 reps counted (a reference needs 3)"),
        (deadlift_report([math.nan] * 3), "Not kept as a reference: the lower back's outline was not measured"),
        (deadlift_report([4.0] * 3, "clamshell"), "Not kept as a reference: the clamshell does not measure the lower"),
    ],
    ids=["too few reps", "back not measured", "no back measure"],
)
def test_a_set_that_cannot_be_a_reference_says_why_in_plain_words(app, tmp_path: Path, report: dict, why: str) -> None:
    app.session_state["upload_outcome"] = outcome(report)
    app.run()
    click_reference(app)
    assert app.error[0].value.startswith(why), app.error[0].value
    assert not (tmp_path / "history.sqlite3").exists() or references(tmp_path / "history.sqlite3", "me") == []


def test_a_finished_live_set_becomes_the_reference_of_whoever_did_it(app, tmp_path: Path) -> None:
    hub = LiveHub()
    hub._finished, hub._finished_serial, hub.finished_person = deadlift_report([4.0, 6.0, 5.0]), 1, "bo"
    app.session_state["live_hub"] = hub
    app.run()
    app.text_input(key="person").set_value("ann").run()  # typed after STOP: the set is still bo's
    click_reference(app)
    assert app.success[0].value.startswith("Kept as a reference. bo: deadlift reference from live (side, 3 reps,")
    [ref] = references(tmp_path / "history.sqlite3", "bo")
    assert ref.source == "live" and ref.tilt_deg == 5.0
    with open_history(tmp_path / "history.sqlite3") as history:
        [(set_id,)] = history.conn.execute("SELECT set_id FROM back_references").fetchall()
        assert history.get_set(set_id).source == "live"  # linked to the set the page stored


def test_a_stored_set_becomes_the_reference_from_the_history_tab(app, tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    report = deadlift_report([4.0, 6.0, 30.0, 5.0], unseen=(3,))  # rep 3 out of sight in part: not judged
    with open_history(db) as history:
        set_id = history.save_report(report, source="upload", file_name="monday.mp4")
        stored, day, name = history.stored_report(set_id)
    assert [r["judged"] for r in stored["reps"]] == [True, True, False, True] and name == "monday.mp4"
    app.run()
    app.text_input(key="person").set_value("ann").run()
    click_reference(app)
    assert app.success[0].value.startswith("Kept as a reference. ann: deadlift reference from monday.mp4 (side, 3")
    [ref] = references(db, "ann")
    assert ref.tilt_deg == 5.0 and ref.recorded_on == day  # the unjudged rep left out; the day the set was done
    listed = app.table[-1].value
    assert list(listed.index) == ["Hip hinge (deadlift)"]
    assert listed.loc["Hip hinge (deadlift)"].to_dict() == {
        "date": day, "view": "side", "source": "monday.mp4", "reps": 3, "lower back at the bottom": "+5.0 deg"
    }


def test_the_history_tab_lists_each_persons_reference_sets_beside_their_calibrations(app, tmp_path: Path) -> None:
    squat = SetReference("squat", "oblique", "2026-12-03", "live", {"depth_ratio": 0.1}, 5)
    with open_history(tmp_path / "history.sqlite3") as history:
        history.save_reference("ann", HINGE)
        history.save_reference("ann", squat)
        history.save_calibration("me", BackCalibration(4.0, 12.0, -2.0))
    app.run()
    assert not app.exception
    assert app.selectbox(key="history_cal_user").options == ["ann", "me"]
    assert app.selectbox(key="history_cal_user").value == "me"
    assert any("me has no reference set yet" in c.value for c in app.caption)
    app.text_input(key="person").set_value("ann").run()  # the page's person is shown first
    assert app.selectbox(key="history_cal_user").value == "ann"
    assert any("ann has no calibration yet" in c.value for c in app.caption)
    listed = app.table[0].value
    assert list(listed.index) == ["Squat", "Hip hinge (deadlift)"]  # newest first
    assert list(listed["lower back at the bottom"]) == ["not measured", "+5.0 deg"]
    assert list(listed["view"]) == ["oblique", "side"] and list(listed["source"]) == ["live", "neutral.mp4"]


# --------------------------------------------------------------------------- the reference beside each rep


def test_the_reps_table_and_the_back_chart_show_the_reference(app) -> None:
    report = judged_against(deadlift_report([-6.0, -9.0, 4.0]), HINGE, [-11.0, -14.0, -1.0])
    rows = rep_rows(report)
    assert [r["your reference (deg)"] for r in rows] == [5.0, 5.0, 5.0]
    assert [r["change (deg)"] for r in rows] == [-11.0, -14.0, -1.0]
    assert "lower back (deg)" not in rows[0]  # the deadlift's key metric is the lower back's tilt already
    series = pd.DataFrame({"time_s": [0.0, 1.0], "value": [3.0, -6.0]})
    spec = angle_chart(series, report, "lumbar_tilt_deg").to_dict()
    lines = [row for data in spec["datasets"].values() for row in data if row.get("label") == "your reference"]
    assert lines == [{"y": 5.0, "time_s": 1.0, "label": "your reference"}]
    app.session_state["upload_outcome"] = outcome(report)
    app.run()
    assert not app.exception
    table = app.dataframe[0].value
    assert list(table["your reference (deg)"]) == [5.0, 5.0, 5.0]
    assert list(table["change (deg)"]) == [-11.0, -14.0, -1.0]


def test_a_squat_shows_its_own_tilt_beside_the_reference_and_no_column_without_one() -> None:
    squat = SetReference("squat", "side", "2026-12-01", "a.mp4", {"lumbar_tilt_deg": 4.0}, 5)
    report = judged_against(deadlift_report([2.0, 3.0, 1.0], "squat"), squat, [-2.0, -1.0, -3.0])
    row = rep_rows(report)[0]
    assert (row["lower back (deg)"], row["your reference (deg)"], row["change (deg)"]) == (
        2.0, 4.0, -2.0
    )
    plain = rep_rows(deadlift_report([2.0, 3.0, 1.0], "squat"))[0]
    assert not [k for k in plain if "reference" in k]
    key = deadlift_report([2.0], "squat")["summary"]["key_metric"]
    exact = deadlift_report([2.0], "squat")
    exact["reps"][0]["metrics"][key] = 87.6543
    assert rep_rows(exact)[0][key] == 87.7  # tenths, as the reference columns: narrow columns keep the cues in view
    chart = angle_chart(pd.DataFrame({"time_s": [0.0], "value": [1.0]}), deadlift_report([2.0] * 3), "lumbar_tilt_deg")
    assert "your reference" not in str(chart.to_dict())


def test_a_reference_from_another_view_says_why_it_was_not_used(app) -> None:
    report = deadlift_report([4.0, 6.0, 5.0])
    why = "it was filmed at about 45 deg (oblique) and this set side-on"
    report["back_reference"] |= {"why": why}
    app.session_state["upload_outcome"] = outcome(report)
    app.run()
    assert not app.exception
    assert f"Your reference set was not used: {why}." in [i.value for i in app.info]
    assert not [c for c in app.dataframe[0].value.columns if "reference" in c]

