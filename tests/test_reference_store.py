"""Reference sets in the history database, and from a report.json (issue 26): kept per user and exercise."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from exercises.measures.reference import SetReference, SetReferenceError
from formcheck.history.store import MIGRATIONS, open_history, schema_version
from formcheck.reference import describe_reference, reference_from_report, stored_reference, stored_references

SQUAT = SetReference("squat", "side", "2026-12-01", "a.mp4", {"lumbar_tilt_deg": 4.7, "depth_ratio": 0.12}, 8)


def test_references_are_kept_per_user_and_exercise_newest_first(tmp_path: Path):
    db = tmp_path / "h.sqlite3"
    newer = SetReference("squat", "side", "2026-12-05", "b.mp4", {"lumbar_tilt_deg": 5.5}, 6)
    hinge = SetReference("deadlift", "oblique", "2026-12-03", "c.mp4", {"lumbar_tilt_deg": 8.5}, 10)
    with open_history(db) as history:
        first = history.save_reference("alice", SQUAT)
        second = history.save_reference("alice", newer)
        third = history.save_reference("bob", hinge)
        assert history.references("alice") == [(second, newer), (first, SQUAT)]
        assert history.references() == [(second, newer), (third, hinge), (first, SQUAT)]
        assert history.latest_reference("alice", "squat") == newer
        assert history.latest_reference("alice", "deadlift") is None
        assert history.latest_reference("bob", "deadlift") == hinge
        assert history.reference_users() == ["alice", "bob"]
    assert stored_reference("alice", "squat", str(db)) == newer
    assert stored_references("alice", str(db)) == {"squat": newer}
    assert stored_references("nobody", str(db)) == {}
    assert stored_reference("alice", "squat", str(tmp_path / "absent.sqlite3")) is None


def test_an_older_database_gains_the_table_and_keeps_its_sets(tmp_path: Path):
    db = tmp_path / "old.sqlite3"
    from tests.test_history import DAY, make_report

    with open_history(db, migrations=MIGRATIONS[:3]) as history:
        set_id = history.save_report(make_report(), DAY)
    with open_history(db) as history:
        assert schema_version(history.conn) == len(MIGRATIONS) == 4
        ref_id = history.save_reference("alice", SQUAT, set_id=set_id)
        assert history.get_set(set_id) is not None
        assert history.delete_set(set_id)
        assert history.references("alice") == [(ref_id, SQUAT)]  # the reference outlives its set
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT set_id FROM back_references").fetchall() in ([(None,)], [(set_id,)])


def report(view: str = "side", reps: int = 4, tilt: float | None = 4.0) -> dict:
    return {
        "exercise": "squat",
        "view": view,
        "reps": [
            {
                "view": view,
                "judged": True,
                "metrics": {"lumbar_tilt_deg": None if tilt is None else tilt + i, "depth_ratio": 0.1 * i},
            }
            for i in range(reps)
        ]
        + [
            {"view": view, "judged": False, "metrics": {"lumbar_tilt_deg": 40.0}},  # not judged: not kept
        ],
    }


def test_a_report_becomes_a_reference_of_its_main_view():
    ref = reference_from_report(report(), "2026-12-06", "set.mp4")
    assert ref == SetReference(
        "squat", "side", "2026-12-06", "set.mp4", {"lumbar_tilt_deg": 5.5, "depth_ratio": pytest.approx(0.15)}, 4
    )
    assert describe_reference("alice", ref) == (
        "alice: squat reference from set.mp4 (side, 4 reps, 2026-12-06): lower back +5.5 deg at the bottom,"
        " depth 0.15"
    )


@pytest.mark.parametrize(("kwargs", "says"), [({"reps": 2}, "only 2 reps"), ({"tilt": None}, "film side-on")])
def test_a_report_that_is_no_reference_says_why(kwargs, says):
    with pytest.raises(SetReferenceError, match=says):
        reference_from_report(report(**kwargs), "2026-12-06", "set.mp4")
