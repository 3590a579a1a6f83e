"""History store, CSV export, HTML report and history CLI (issue 6).

Every report here is synthetic, built by `make_report` after docs/report-schema.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import math
import multiprocessing
import os
import re
import signal
import sqlite3
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formcheck.history import cli as history_cli
from formcheck.history.report import cue_texts, line_chart_svg, nice_ticks, render_report
from formcheck.history.store import (
    MIGRATIONS,
    HistoryError,
    ReportFormatError,
    default_db_path,
    key_measures,
    open_history,
    resolve_db_path,
    save_report,
    schema_version,
)

# --------------------------------------------------------------------------- synthetic reports

BASE_METRICS: dict[str, dict[str, float | None]] = {
    "squat": {"knee_flexion_deg": 110.0, "depth_ratio": 0.1, "trunk_lean_deg": 35.0, "hip_below_knee_px_norm": -0.02},
    "lunge": {"front_knee_flexion_deg": 95.0, "rear_hip_extension_deg": 5.0, "trunk_lean_deg": 15.0},
    "bridge": {"hip_extension_deg": -8.0, "hold_s": 1.0},
}


def make_report(
    exercise: str = "squat",
    n_reps: int = 3,
    *,
    file: str = "set.mp4",
    view: str = "side",
    cues_per_rep: list[list[str]] | None = None,
    metric_overrides: list[dict[str, Any]] | None = None,
    step: float = 1.0,
) -> dict[str, Any]:
    """A report.json dict (schema version 1); rep i's metrics are the base values + i * step."""
    reps = []
    for i in range(1, n_reps + 1):
        metrics = {k: (None if v is None else v + i * step) for k, v in BASE_METRICS[exercise].items()}
        if metric_overrides:
            metrics.update(metric_overrides[i - 1])
        cues = cues_per_rep[i - 1] if cues_per_rep else []
        reps.append(
            {
                "index": i,
                "start_s": 2.0 * i,
                "peak_s": 2.0 * i + 0.8,
                "end_s": 2.0 * i + 1.6,
                "side": "right",
                "metrics": metrics,
                "cues": cues,
                "score": 100 - 10 * len(cues),
            }
        )
    cue_events = [
        {"id": c, "message": f"message for {c}", "severity": "warn", "time_s": r["peak_s"], "rep": r["index"]}
        for r in reps
        for c in r["cues"]
    ]
    scores = [r["score"] for r in reps]
    return {
        "schema_version": 1,
        "formcheck_version": "0.1.0",
        "source": {"file": file, "width": 1280, "height": 720, "source_width": 1920, "source_height": 1080,
                   "rotation_deg": 0, "codec": "h264"},
        "exercise": exercise,
        "exercise_requested": exercise,
        "view": view,
        "side": "right",
        "fps": 30.0,
        "duration_s": 2.0 * n_reps + 2,
        "frames": int(30 * (2.0 * n_reps + 2)),
        "frames_with_pose": int(30 * (2.0 * n_reps + 2)),
        "rep_count": n_reps,
        "reps": reps,
        "partial_reps": [],
        "cues": cue_events,
        "checks": {"performed": ["depth"], "skipped": []},
        "summary": {"mean_score": sum(scores) / len(scores) if scores else None, "best_rep": 1, "worst_rep": n_reps,
                    "key_metrics": {}},
        "warnings": [],
        "stopped_early": None,
    }  # fmt: skip


DAY = datetime(2026, 1, 5, 18, 0, tzinfo=timezone(timedelta(hours=1)))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


# --------------------------------------------------------------------------- paths


def test_db_path_precedence(tmp_path: Path) -> None:
    home = Path.home()
    assert default_db_path({}) == home / ".local/share/formcheck/history.sqlite3"
    assert default_db_path({"XDG_DATA_HOME": "/xdg"}) == Path("/xdg/formcheck/history.sqlite3")
    assert default_db_path({"XDG_DATA_HOME": "relative/dir"}) == home / ".local/share/formcheck/history.sqlite3"
    env = {"XDG_DATA_HOME": "/xdg", "FORMCHECK_DB": str(tmp_path / "env.db")}
    assert default_db_path(env) == tmp_path / "env.db"
    assert resolve_db_path(tmp_path / "flag.db", env) == tmp_path / "flag.db"  # --db beats the environment
    assert resolve_db_path(None, env) == tmp_path / "env.db"


# --------------------------------------------------------------------------- migrations


def test_fresh_database_is_migrated_with_wal(db: Path) -> None:
    with open_history(db) as history:
        assert schema_version(history.conn) == len(MIGRATIONS)
        assert history.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert history.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    with open_history(db) as history:  # reopening applies nothing twice
        assert history.conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)


def _add_note_column(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE sets ADD COLUMN note TEXT")


def _create_extra_table(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE extra (x INTEGER)")


def _broken_migration(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE half_done (x INTEGER)")
    raise RuntimeError("migration bug")


def test_pending_migrations_run_in_order_and_keep_data(db: Path) -> None:
    with open_history(db) as history:
        set_id = history.save_report(make_report(), DAY)
    with open_history(db, migrations=(*MIGRATIONS, _add_note_column, _create_extra_table)) as history:
        assert schema_version(history.conn) == len(MIGRATIONS) + 2
        assert history.conn.execute("SELECT note FROM sets WHERE id = ?", (set_id,)).fetchone() == (None,)
        assert history.conn.execute("SELECT COUNT(*) FROM extra").fetchone()[0] == 0
        assert len(history.set_reps(set_id)) == 3


def test_failed_migration_rolls_back_all_pending_steps(db: Path) -> None:
    with open_history(db):
        pass
    with pytest.raises(RuntimeError, match="migration bug"):
        open_history(db, migrations=(*MIGRATIONS, _create_extra_table, _broken_migration))
    with sqlite3.connect(db) as conn:
        assert schema_version(conn) == len(MIGRATIONS)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "extra" not in tables and "half_done" not in tables
    with open_history(db) as history:  # still usable
        history.save_report(make_report(), DAY)


def test_failed_first_migration_leaves_an_empty_file(db: Path) -> None:
    with pytest.raises(RuntimeError):
        open_history(db, migrations=(*MIGRATIONS, _broken_migration))
    with sqlite3.connect(db) as conn:
        assert schema_version(conn) == 0
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0
    with open_history(db) as history:
        assert schema_version(history.conn) == len(MIGRATIONS)


def test_database_from_a_newer_formcheck_is_refused(db: Path) -> None:
    with open_history(db, migrations=(*MIGRATIONS, _add_note_column)):
        pass
    with pytest.raises(HistoryError, match="newer"):
        open_history(db)


# --------------------------------------------------------------------------- round trip


def test_report_round_trip(db: Path) -> None:
    report = make_report(
        "squat",
        3,
        file="/home/someone/videos/Monday squat.mp4",
        cues_per_rep=[["trunk_lean"], [], ["trunk_lean", "shallow_depth"]],
        metric_overrides=[{}, {"trunk_lean_deg": math.nan}, {"depth_ratio": None}],
    )
    with open_history(db) as history:
        set_id = history.save_report(report, DAY, "upload")
        [stored] = history.list_sets()
        reps = history.set_reps(set_id)
    assert stored.id == set_id
    assert stored.recorded_at == DAY and stored.recorded_at.utcoffset() == timedelta(hours=1)
    assert (stored.exercise, stored.view, stored.side, stored.source) == ("squat", "side", "right", "upload")
    assert stored.file_name == "Monday squat.mp4"  # never the path
    assert stored.rep_count == 3
    assert stored.mean_score == pytest.approx(report["summary"]["mean_score"])
    assert stored.summary == report["summary"]
    assert [r.index for r in reps] == [1, 2, 3]
    assert reps[0].metrics == report["reps"][0]["metrics"]
    assert reps[1].metrics["trunk_lean_deg"] is None  # NaN is stored as null, as the schema promises
    assert reps[2].metrics["depth_ratio"] is None
    assert [r.cues for r in reps] == [("trunk_lean",), (), ("trunk_lean", "shallow_depth")]
    assert (reps[0].start_s, reps[0].peak_s, reps[0].end_s, reps[0].score) == (2.0, 2.8, 3.6, 90)
    raw = db.read_bytes()
    assert b"/home/someone" not in raw


def test_module_level_save_report_uses_the_env_database(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMCHECK_DB", str(db))
    set_id = save_report(make_report("bridge"), DAY, "live", file_name="webcam")
    with open_history(db) as history:
        assert [(s.id, s.source, s.file_name) for s in history.list_sets()] == [(set_id, "live", "webcam")]


def test_default_date_is_now_local(db: Path) -> None:
    before = datetime.now().astimezone()
    with open_history(db) as history:
        history.save_report(make_report())
        [stored] = history.list_sets()
    assert before - timedelta(seconds=2) <= stored.recorded_at <= datetime.now().astimezone() + timedelta(seconds=2)
    assert stored.recorded_at.tzinfo is not None


@pytest.mark.parametrize(
    ("report", "source", "match"),
    [
        (make_report(), "phone", "source"),
        ({"reps": []}, "cli", "exercise"),
        ({**make_report(), "reps": [{"index": 1}, {"index": 1}]}, "cli", "duplicate"),
        ({**make_report(), "reps": "three"}, "cli", "list"),
        ({**make_report(), "reps": [{"index": 1, "metrics": [1, 2]}]}, "cli", "metrics"),
    ],
)
def test_invalid_reports_are_rejected_and_store_nothing(db: Path, report: dict, source: str, match: str) -> None:
    with open_history(db) as history:
        with pytest.raises(ReportFormatError, match=match):
            history.save_report(report, DAY, source)
        assert history.list_sets() == []
    assert count(db, "reps") == 0


def test_error_inside_the_transaction_rolls_back_the_whole_set(db: Path) -> None:
    def fail_on_second_rep(position: int) -> None:
        if position == 2:
            raise RuntimeError("disk on fire")

    with open_history(db) as history:
        history.save_report(make_report(file="kept.mp4"), DAY)
        with pytest.raises(RuntimeError):
            history.save_report(make_report(file="lost.mp4"), DAY, on_rep_written=fail_on_second_rep)
        assert [s.file_name for s in history.list_sets()] == ["kept.mp4"]
    assert (count(db, "reps"), count(db, "cue_events")) == (3, 0)


def test_delete_set_removes_its_reps_and_cues(db: Path) -> None:
    with open_history(db) as history:
        set_id = history.save_report(make_report(cues_per_rep=[["trunk_lean"]] * 3), DAY)
        assert history.delete_set(set_id)
        assert not history.delete_set(set_id)
    assert (count(db, "sets"), count(db, "reps"), count(db, "cue_events")) == (0, 0, 0)


# --------------------------------------------------------------------------- queries


def _fill(history: Any) -> dict[str, int]:
    """Five sets over three weeks, three exercises."""
    return {
        "squat1": history.save_report(make_report("squat", file="s1.mp4"), datetime(2026, 1, 5, 9, 0)),
        "bridge1": history.save_report(make_report("bridge", file="b1.mp4"), datetime(2026, 1, 6, 9, 0)),
        "squat2": history.save_report(make_report("squat", file="s2.mp4", step=2.0), datetime(2026, 1, 12, 9, 0)),
        "lunge1": history.save_report(make_report("lunge", file="l1.mp4"), datetime(2026, 1, 13, 9, 0)),
        "squat3": history.save_report(make_report("squat", file="s3.mp4", step=3.0), datetime(2026, 1, 19, 23, 59)),
    }


def test_list_sets_filters(db: Path) -> None:
    with open_history(db) as history:
        ids = _fill(history)

        def names(**kw: Any) -> list[str]:
            return [s.file_name for s in history.list_sets(**kw)]

        assert names() == ["s1.mp4", "b1.mp4", "s2.mp4", "l1.mp4", "s3.mp4"]
        assert names(exercise="squat") == ["s1.mp4", "s2.mp4", "s3.mp4"]
        assert names(since=date(2026, 1, 6), until=date(2026, 1, 12)) == ["b1.mp4", "s2.mp4"]  # inclusive days
        assert names(since=date(2026, 1, 19)) == ["s3.mp4"]  # 23:59 still counts for its day
        assert names(until=date(2026, 1, 5)) == ["s1.mp4"]
        assert names(exercise="squat", since=datetime(2026, 1, 12, 12, 0)) == ["s2.mp4", "s3.mp4"]  # datetime = its day
        assert names(exercise="bridge", since=date(2026, 1, 7)) == []
        assert history.exercises() == ["squat", "lunge", "bridge"]
        assert history.date_span() == (date(2026, 1, 5), date(2026, 1, 19))
        assert history.get_set(ids["lunge1"]).exercise == "lunge"
        assert history.get_set(9999) is None
        assert history.set_reps(9999) == []


def test_sets_are_ordered_by_real_time_across_utc_offsets(db: Path) -> None:
    london = datetime(2026, 1, 5, 23, 30, tzinfo=timezone.utc)
    new_york = datetime(2026, 1, 5, 19, 0, tzinfo=timezone(timedelta(hours=-5)))  # 00:00 UTC on the 6th
    with open_history(db) as history:
        history.save_report(make_report(file="ny.mp4"), new_york)  # saved first, happened later
        history.save_report(make_report(file="london.mp4"), london)
        assert [s.file_name for s in history.list_sets()] == ["london.mp4", "ny.mp4"]
        # Filters use the local day where the set was done: both were on the 5th.
        assert [s.file_name for s in history.list_sets(since=date(2026, 1, 5), until=date(2026, 1, 5))] == [
            "london.mp4",
            "ny.mp4",
        ]
        assert history.list_sets(since=date(2026, 1, 6)) == []


def test_trends_average_key_measures_per_set(db: Path) -> None:
    with open_history(db) as history:
        ids = _fill(history)
        overrides = [{"trunk_lean_deg": None}, {"trunk_lean_deg": 40.0}, {"trunk_lean_deg": 50.0}]
        partial = history.save_report(make_report("squat", metric_overrides=overrides), datetime(2026, 1, 20, 9, 0))
        no_lean = [{"trunk_lean_deg": None}] * 3
        blind = history.save_report(make_report("squat", metric_overrides=no_lean, view="front"), datetime(2026, 1, 21))
        trends = history.trends()
        squat_only = history.trends("squat", since=date(2026, 1, 12), until=date(2026, 1, 20))
    assert set(trends) == {"squat", "lunge", "bridge"}
    for exercise, points in trends.items():
        assert all(set(p.values) == set(key_measures(exercise)) for p in points)
    squat = {p.set_id: p for p in trends["squat"]}
    # make_report: rep i = base + i * step, so the mean over reps 1..3 is base + 2 * step.
    assert squat[ids["squat1"]].values["knee_flexion_deg"] == pytest.approx(112.0)
    assert squat[ids["squat2"]].values["depth_ratio"] == pytest.approx(0.1 + 4.0)
    assert squat[ids["squat3"]].values["trunk_lean_deg"] == pytest.approx(41.0)
    assert squat[partial].values["trunk_lean_deg"] == pytest.approx(45.0)  # null rep left out
    assert squat[partial].counts["trunk_lean_deg"] == 2
    assert squat[blind].values["trunk_lean_deg"] is None
    bridge = trends["bridge"][0]
    assert bridge.values == pytest.approx({"hip_extension_deg": -6.0, "hold_s": 3.0})
    assert [p.set_id for p in squat_only["squat"]] == [ids["squat2"], ids["squat3"], partial]
    assert list(squat_only) == ["squat"]


def test_cue_counts_per_set(db: Path) -> None:
    with open_history(db) as history:
        a = history.save_report(
            make_report("squat", cues_per_rep=[["trunk_lean"], ["trunk_lean", "shallow_depth"], []]), DAY
        )
        clean = history.save_report(make_report("squat"), DAY + timedelta(days=1))
        # A hand-made report with cue ids only on the reps still gets its cues counted.
        bare = make_report("bridge", cues_per_rep=[["hips_not_extended"], ["hips_not_extended"], ["short_hold"]])
        del bare["cues"]
        b = history.save_report(bare, DAY + timedelta(days=2))
        counts = {c.set_id: c.counts for c in history.cue_counts()}
        squat_counts = history.cue_counts("squat")
    assert counts == {a: {"trunk_lean": 2, "shallow_depth": 1}, clean: {}, b: {"hips_not_extended": 2, "short_hold": 1}}
    assert [c.set_id for c in squat_counts] == [a, clean]


# --------------------------------------------------------------------------- CSV


def test_csv_export_one_row_per_rep(db: Path) -> None:
    with open_history(db) as history:
        _fill(history)
        history.save_report(make_report("bridge", 0, file='=HYPERLINK("x").mp4'), datetime(2026, 1, 22))
        out = io.StringIO()
        n = history.export_csv(out, exercise=None, since=date(2026, 1, 5))
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert n == len(rows) == 5 * 3 + 1  # the set without reps still gets a row
    first = rows[0]
    assert (first["exercise"], first["file_name"], first["rep"], first["knee_flexion_deg"]) == (
        "squat", "s1.mp4", "1", "111.0",
    )  # fmt: skip
    assert first["recorded_at"].startswith("2026-01-05T09:00:00")
    assert first["hold_s"] == ""  # a bridge measure, blank for a squat rep
    assert rows[-1]["file_name"].startswith("'=")  # a spreadsheet must not run it as a formula
    assert rows[-1]["rep"] == ""
    header = out.getvalue().splitlines()[0].split(",")
    assert header.index("depth_ratio") < header.index("hip_below_knee_px_norm")  # key measures first


def test_csv_export_sets_level_with_filters(db: Path) -> None:
    with open_history(db) as history:
        ids = _fill(history)
        history.save_report(make_report("squat", cues_per_rep=[["trunk_lean"]] * 3), datetime(2026, 1, 20))
        out = io.StringIO()
        n = history.export_csv(out, "squat", date(2026, 1, 12), date(2026, 1, 31), level="sets")
        with pytest.raises(ValueError):
            history.export_csv(io.StringIO(), level="frames")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert n == len(rows) == 3
    assert rows[0]["set_id"] == str(ids["squat2"])
    assert float(rows[0]["knee_flexion_deg"]) == pytest.approx(114.0)
    assert rows[0]["hip_extension_deg"] == ""
    assert rows[2]["cue_counts"] == "trunk_lean=3"


# --------------------------------------------------------------------------- HTML report


def test_html_report_has_svg_trends_and_cue_explanations(db: Path) -> None:
    with open_history(db) as history:
        for week in range(4):
            cues = [["trunk_lean", "shallow_depth"], ["trunk_lean"], []] if week < 2 else [[], [], ["trunk_lean"]]
            history.save_report(
                make_report("squat", cues_per_rep=cues, file=f"squat<{week}>&co.mp4", step=week),
                datetime(2026, 1, 5, 18) + timedelta(weeks=week),
            )
            bridge = make_report("bridge", cues_per_rep=[["hips_not_extended"]] * 3)
            history.save_report(bridge, datetime(2026, 1, 7) + timedelta(weeks=week))
        html = render_report(history, date(2026, 1, 1), date(2026, 1, 31), generated_at=datetime(2026, 2, 1, 10, 0))
    assert html.startswith("<!DOCTYPE html>")
    assert "@media print" in html and "size: A4" in html
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched from elsewhere
    # One chart per key measure of each exercise, each with a line through the weekly points and dated ticks.
    assert html.count("<svg") == len(key_measures("squat")) + len(key_measures("bridge"))
    assert html.count('class="series"') == len(key_measures("squat")) + len(key_measures("bridge"))
    assert "5 Jan" in html and "date (2026)" in html
    for key in (*key_measures("squat"), *key_measures("bridge")):
        assert (key_measures("squat") | key_measures("bridge"))[key].label in html
    texts = cue_texts()
    for cue in ("trunk_lean", "shallow_depth", "hips_not_extended"):
        assert texts[cue].why in html
    assert "Glute bridge" in html and "Squat" in html and "Lunge" not in html
    assert "squat&lt;0&gt;&amp;co.mp4" in html and "squat<0>" not in html  # file names are escaped
    assert "1 Jan 2026 – 31 Jan 2026" in html
    # Cue ranking: trunk lean was raised most often in the squat sets.
    squat_section = html[html.index("<h2>Squat</h2>") : html.index("<h2>Glute bridge</h2>")]
    assert squat_section.index(texts["trunk_lean"].why) < squat_section.index(texts["shallow_depth"].why)


def test_cue_explanations_come_from_the_exercises_catalog() -> None:
    registry = pytest.importorskip("exercises.framework.registry")
    texts = cue_texts()
    assert {"no_person", "shallow_depth", "hips_sagging"} <= set(texts)  # shared, and exercises' own
    for code, cue in registry.cues().items():
        assert texts[code].why == cue.why
        assert texts[code].message == cue.message


def test_html_report_for_an_empty_range(db: Path) -> None:
    with open_history(db) as history:
        _fill(history)
        html = render_report(history, date(2025, 1, 1), date(2025, 1, 31))
    assert "No sets were recorded in this period." in html
    assert "<svg" not in html


def test_line_chart_handles_single_points_gaps_and_no_data() -> None:
    measure = key_measures("squat")["trunk_lean_deg"]
    one = line_chart_svg([(datetime(2026, 1, 5, 18), 30.0)], measure)
    assert "<circle" in one and "5 Jan" in one and "<polyline" not in one
    t0 = datetime(2026, 1, 5)
    gappy = line_chart_svg([(t0 + timedelta(days=i), v) for i, v in enumerate([30.0, 31.0, None, 29.0, 28.0])], measure)
    assert gappy.count("<polyline") == 2 and gappy.count("<circle") == 4
    empty = line_chart_svg([(t0, None)], key_measures("bridge")["hold_s"])
    assert "not measured" in empty and "<circle" not in empty
    long_range = line_chart_svg([(t0, 1.0), (t0 + timedelta(days=300), 2.0)], key_measures("bridge")["hold_s"])
    assert "Jan 2026" in long_range or "Feb 2026" in long_range
    # All points lie inside the plot frame.
    frame = re.search(r'class="frame" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"', gappy)
    assert frame
    x, y, w, h = map(float, frame.groups())
    for cx, cy in re.findall(r'cx="([\d.]+)" cy="([\d.]+)"', gappy):
        assert x <= float(cx) <= x + w and y <= float(cy) <= y + h


@given(
    st.floats(min_value=-1e4, max_value=1e4, allow_nan=False),
    st.floats(min_value=1e-3, max_value=1e4, allow_nan=False),
)
def test_nice_ticks_cover_the_range_evenly(lo: float, span: float) -> None:
    hi = lo + span
    ticks = nice_ticks(lo, hi)
    slack = 1e-6 * span  # a point a millionth of the range outside the axis is invisible; rounding may allow it
    assert ticks[0] <= lo + slack and ticks[-1] >= hi - slack
    steps = [b - a for a, b in itertools.pairwise(ticks)]
    assert all(math.isclose(s, steps[0], rel_tol=1e-6) for s in steps)
    assert 2 <= len(ticks) <= 7


# --------------------------------------------------------------------------- CLI


def _cli(*argv: str) -> int:
    return history_cli.main(list(argv))


def test_cli_record_history_export_report(
    tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report_file = tmp_path / "report.json"
    report_file.write_text(json.dumps(make_report("lunge", cues_per_rep=[["rear_hip_not_extended"]] * 3)))
    assert _cli("history", "--db", str(db)) == 0
    assert "No sets recorded yet" in capsys.readouterr().out
    assert not db.exists()  # reading does not create a database

    assert _cli("record", str(report_file), "--date", "2026-01-05", "--db", str(db)) == 0
    assert _cli("record", str(report_file), "--date", "2026-01-12T18:30", "--source", "live", "--db", str(db)) == 0
    monkeypatch.setenv("FORMCHECK_DB", str(db))  # the environment variable works as --db
    assert _cli("record", str(report_file), "--date", "2026-01-19") == 0
    assert "Stored set #3" in capsys.readouterr().out

    assert _cli("history", "--since", "2026-01-06", "--exercise", "lunge") == 0
    out = capsys.readouterr().out
    assert "2026-01-12 18:30" in out and "2026-01-19" in out and "2026-01-05" not in out and "2 set(s)" in out
    assert _cli("history", "--json") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["source"] for x in lines] == ["cli", "live", "cli"]
    assert lines[0]["key_measures"]["rear_hip_extension_deg"] == pytest.approx(7.0)

    csv_path = tmp_path / "out" / "history.csv"
    assert _cli("export", "--out", str(csv_path), "--until", "2026-01-12") == 0
    rows = list(csv.DictReader(csv_path.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 6 and {r["exercise"] for r in rows} == {"lunge"}

    html_path = tmp_path / "report.html"
    assert _cli("report", "--since", "2026-01-01", "--until", "2026-01-31", "--out", str(html_path)) == 0
    html = html_path.read_text(encoding="utf-8")
    assert "<svg" in html and cue_texts()["rear_hip_not_extended"].why in html


def test_cli_errors(tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli("record", str(tmp_path / "missing.json"), "--db", str(db)) == 2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"reps": []}))
    assert _cli("record", str(bad), "--db", str(db)) == 2
    assert "exercise" in capsys.readouterr().err
    assert _cli("export", "--out", str(tmp_path / "x.csv"), "--db", str(tmp_path / "none.db")) == 1
    assert _cli("report", "--db", str(tmp_path / "none.db")) == 1
    with pytest.raises(SystemExit):
        _cli("history", "--since", "2026-13-01", "--db", str(db))


def test_add_history_commands_plugs_into_a_main_parser(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser(prog="formcheck")
    subparsers = parser.add_subparsers(dest="command")
    subparsers.add_parser("analyse")  # the main CLI's own commands stay untouched
    history_cli.add_history_commands(subparsers)
    for command in ("history", "export --out x.csv", "report", "record r.json --date 2026-01-05"):
        args = parser.parse_args([*command.split(), "--db", str(tmp_path / "h.db")])
        assert callable(args.func)
    args = parser.parse_args(["record", "r.json", "--date", "2026-01-05"])
    assert args.date == datetime(2026, 1, 5) and args.source == "cli" and args.db is None


# --------------------------------------------------------------------------- concurrency and crashes


def _writer(db: str, worker: int, n_sets: int, start: Any) -> None:
    """A separate process saving many sets, as a second app session would.

    Worker 1 keeps one connection open (the app); worker 2 opens the database for
    every set (the CLI), so fresh opens and their migration check race the writes too.
    """
    start.wait()  # a barrier: both processes are imported and ready before either writes
    # Between saves a real session analyses the next set; a short pause stands in for that work.
    # (Without it one writer re-takes the lock at once and the other just waits its turn: no set
    # is lost either way, but the interleaving check below would have nothing to check.)

    def report(i: int) -> dict[str, Any]:
        return make_report("squat", 3, file=f"w{worker}-{i}.mp4", cues_per_rep=[["trunk_lean"], [], []])

    when = datetime(2026, 1, 5)
    if worker == 1:
        with open_history(db) as history:
            for i in range(n_sets):
                history.save_report(report(i), when + timedelta(minutes=i), "live")
                time.sleep(0.002)
    else:
        for i in range(n_sets):
            save_report(report(i), when + timedelta(minutes=i), "upload", db=db)
            time.sleep(0.002)


def test_two_writer_processes_lose_nothing(db: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    n_sets = 150
    # Both processes open the fresh database together, so the first migration races too.
    workers = [ctx.Process(target=_writer, args=(str(db), w, n_sets, start)) for w in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    with open_history(db) as history:
        sets = history.list_sets()
        names = sorted(s.file_name for s in sets)
        assert names == sorted(f"w{w}-{i}.mp4" for w in (1, 2) for i in range(n_sets))
        assert all(len(history.set_reps(s.id)) == 3 for s in sets)
        assert history.integrity_ok()
        assert history.conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
        # Set ids follow commit order: the writers really took turns rather than running one after the other.
        by_commit = [s.file_name.split("-")[0] for s in sorted(sets, key=lambda s: s.id)]
        switches = sum(a != b for a, b in itertools.pairwise(by_commit))
    assert switches > 1
    assert (count(db, "reps"), count(db, "cue_events")) == (2 * n_sets * 3, 2 * n_sets)


def _save_and_hang(db: str, ready: Any) -> None:
    """Start saving a 5-rep set and stop dead after the third rep, inside the transaction."""

    def hang(position: int) -> None:
        if position == 3:
            ready.set()
            time.sleep(120)

    save_report(make_report("squat", 5, file="complete.mp4"), datetime(2026, 1, 6), "live", db=db)
    with open_history(db) as history:
        history.save_report(make_report("squat", 5, file="half.mp4"), datetime(2026, 1, 6, 1), on_rep_written=hang)


def test_writer_killed_mid_set_leaves_no_half_written_set(db: Path) -> None:
    with open_history(db) as history:
        history.save_report(make_report("bridge", file="before.mp4"), datetime(2026, 1, 5))
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    child = ctx.Process(target=_save_and_hang, args=(str(db), ready))
    child.start()
    assert ready.wait(timeout=60), "child never reached the middle of its write"
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=30)
    assert child.exitcode == -signal.SIGKILL
    with open_history(db) as history:
        assert history.integrity_ok()
        files = [s.file_name for s in history.list_sets()]
        assert files == ["before.mp4", "complete.mp4"]  # the child's earlier, committed set survives
        assert [len(history.set_reps(s.id)) for s in history.list_sets()] == [3, 5]
        # The store takes new writes straight away (the dead writer's lock is gone).
        history.save_report(make_report("bridge", file="after.mp4"), datetime(2026, 1, 7))
        assert len(history.list_sets()) == 3
    assert count(db, "reps") == 3 + 5 + 3


# --------------------------------------------------------------------------- Streamlit tab


def _history_tab_script(db_path: str) -> None:
    from pathlib import Path

    from formcheck.app.history_tab import render_history_tab

    render_history_tab(Path(db_path))


def test_streamlit_history_tab_renders(db: Path) -> None:
    testing = pytest.importorskip("streamlit.testing.v1")
    with open_history(db) as history:
        _fill(history)
        history.save_report(make_report("squat", cues_per_rep=[["trunk_lean"]] * 3), datetime(2026, 1, 20))
    at = testing.AppTest.from_function(_history_tab_script, args=(str(db),), default_timeout=60).run()
    assert not at.exception
    assert [h.value for h in at.subheader] == ["Squat", "Lunge", "Glute bridge"]
    assert len(at.get("date_input")) == 1
    labels = [b.proto.label for b in at.get("download_button")]
    assert any("report" in label.lower() for label in labels)
    empty = testing.AppTest.from_function(_history_tab_script, args=(str(db.parent / "none.sqlite3"),)).run()
    assert not empty.exception and "No sets recorded yet" in empty.info[0].value
