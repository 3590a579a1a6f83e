"""A hold is a result beside a rep: report.json, the summary, the overlay's counter and the history all carry it.

Synthetic side-on planks (tests/test_plank.py) with known hold times and form.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from exercises.framework import registry
from exercises.framework.analyser import Analyser, FrameFeedback
from formcheck.app.live_tab import final_counter
from formcheck.app.results_tables import hold_rows
from formcheck.history.report import render_report
from formcheck.history.store import open_history, remember_set
from formcheck.overlay import counter_reading, counter_text
from formcheck.report import build_report, human_summary, set_title
from formcheck.results import AnalysisResult, frame_record
from tests.synthetic import sequence
from tests.test_plank import analyse, session
from vision.video import VideoInfo

WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


def plank_report(hold_s: float, drop_px: float = 0.0) -> dict:
    make, duration = session(hold_s, hip_drop_px=drop_px)
    analyser = analyse(make, duration)
    records = [frame_record(i, None, _fb(t)) for i, (t, _) in enumerate(sequence(make, duration))]
    info = VideoInfo("plank.mp4", 1280, 720, 1280, 720, 30.0, duration, len(records), 0, "h264")
    return build_report(AnalysisResult(info=info, exercise_requested="plank", analyser=analyser, records=records))


def _fb(t: float) -> FrameFeedback:
    return FrameFeedback(t, True, {}, 0.0, "rest", 0, "side", "right", None)


@pytest.mark.parametrize(("hold_s", "drop_px", "cues"), [(5.0, 0.0, []), (8.0, 60.0, ["hips_sagging"])])
def test_report_lists_each_hold_with_its_time_and_form(hold_s, drop_px, cues):
    report = plank_report(hold_s, drop_px)
    assert (report["rep_count"], report["hold_count"]) == (0, 1)
    (hold,) = report["holds"]
    assert hold["duration_s"] == pytest.approx(hold_s, abs=0.1)
    assert hold["cues"] == cues and hold["metrics"]["hold_s"] == pytest.approx(hold_s, abs=0.1)
    assert [(c["id"], c.get("hold"), c.get("rep")) for c in report["cues"]] == [(c, 1, None) for c in cues]
    summary = report["summary"]
    assert summary["over"] == "holds" and summary["mean_score"] == hold["score"]
    assert summary["hold_total_s"] == pytest.approx(hold_s, abs=0.1) == summary["longest_hold_s"]
    assert f"hold 1 (1.0-{1.0 + hold_s:.1f} s, {hold_s:.1f} s held" in human_summary(report)


def test_a_rep_exercise_reports_no_holds():
    report = plank_report(0.0)  # never down in the plank: no hold
    assert report["holds"] == [] and report["hold_count"] == 0
    assert report["summary"]["hold_total_s"] == 0 and report["summary"]["longest_hold_s"] is None
    assert set_title(report) == "0 plank reps"


def test_the_app_shows_the_time_held():
    report = plank_report(6.0, drop_px=60.0)
    assert set_title(report) == "1 plank hold, 6 s held"
    assert final_counter(report) == ("Held", "6 s")
    (row,) = hold_rows(report)
    assert row["held (s)"] == pytest.approx(6.0, abs=0.1) and row["cues"] == registry.cue("hips_sagging").message


PLANK = registry.get("plank")
SQUAT = registry.get("squat")


@pytest.mark.parametrize(
    ("spec", "phase", "hold_s", "held_s", "reps", "expected"),
    [
        (PLANK, "hold", 12.4, 12.4, 0, ("Hold", "12 s")),  # the hold under way
        (PLANK, "rest", 0.0, 30.2, 0, ("Held", "30 s")),  # between holds: the time held so far
        (PLANK, "rest", 0.0, 0.0, 0, ("Held", "0 s")),
        (PLANK, "active", 0.0, 0.0, 3, ("Reps", "3")),  # a hold exercise counting reps (a stretch's rocks)
        (SQUAT, "active", 0.0, 0.0, 2, ("Reps", "2")),
    ],
)
def test_counter_shows_reps_or_hold_time(spec, phase, hold_s, held_s, reps, expected):
    fb = replace(_fb(1.0), phase=phase, metrics={"hold_s": hold_s}, held_s=held_s, rep_count=reps)
    assert counter_reading(fb, spec) == expected
    assert counter_text(fb, spec) == f"{expected[0].upper()} {expected[1]}"


def test_analyser_feedback_carries_the_time_held():
    make, duration = session(4.0)
    analyser = Analyser(PLANK)
    held = [analyser.update(pose, t).held_s for t, pose in sequence(make, duration)]
    assert max(held) == pytest.approx(4.0, abs=0.1) and held[-1] == pytest.approx(4.0, abs=0.1)
    assert held == sorted(held)  # never goes back


def test_history_keeps_a_set_of_holds(tmp_path: Path):
    db = tmp_path / "history.sqlite3"
    report = plank_report(7.0, drop_px=60.0)
    set_id = remember_set(report, "upload", db, file_name="plank.mp4", recorded_at=WHEN)
    assert set_id is not None  # a set with no rep but a hold is a set worth keeping
    with open_history(db) as history:
        (stored,) = history.list_sets("plank")
        assert stored.rep_count == 0 and stored.hold_total_s == pytest.approx(7.0, abs=0.1)
        (row,) = history.set_reps(set_id)
        assert row.metrics["hold_s"] == pytest.approx(7.0, abs=0.1) and row.cues == ("hips_sagging",)
        (point,) = history.trends("plank")["plank"]
        assert point.values["hold_s"] == pytest.approx(7.0, abs=0.1)
        (counts,) = history.cue_counts("plank")
        assert counts.counts == {"hips_sagging": 1}
        html = render_report(history)
    assert "7 s held" in html and "<th class=num>Held</th>" in html


def test_a_set_with_neither_reps_nor_holds_is_not_kept(tmp_path: Path):
    assert remember_set(plank_report(0.0), "upload", tmp_path / "h.sqlite3", recorded_at=WHEN) is None
