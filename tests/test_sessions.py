"""The session benchmark's scoring: found sets matched to true sets by time, on hand-made cases."""

from __future__ import annotations

import json

import pytest

from formcheck.bench.sessions import (
    SessionManifestError,
    SessionSet,
    format_sessions,
    found_sets_of,
    is_session_manifest,
    read_session_manifest,
    score_reports,
    score_session,
    summarise_sessions,
)

# Three true sets with gaps between them: squat 0-14 s, a plank held 20-30 s, bridge 36-50 s.
TRUE = [
    SessionSet("squat", 0.0, 14.0, reps=3),
    SessionSet("plank", 20.0, 30.0, hold_s=9.5),
    SessionSet("bridge", 36.0, 50.0, reps=6),
]


def _summary(found: list[SessionSet]) -> dict:
    return summarise_sessions([score_session("s.mp4", TRUE, found)])


KEYS = ("found", "invented", "exercise_right", "count_right", "boundaries_right")
CASES = {
    "perfect": (list(TRUE), (3, 0, 3, 3, 3)),
    "a missed set": ([TRUE[0], TRUE[2]], (2, 0, 2, 2, 2)),
    "an invented set in a gap": ([*TRUE, SessionSet("squat", 14.5, 19.5, reps=1)], (3, 1, 3, 3, 3)),
    "mostly in a gap (1 s of 5 in a set)": ([*TRUE[:2], SessionSet("bridge", 32.0, 37.0, reps=6)], (2, 1, 2, 2, 2)),
    "wrong exercise": ([TRUE[0], SessionSet("dead_bug", 20.0, 30.0, hold_s=9.5), TRUE[2]], (3, 0, 2, 3, 3)),
    "count off by one": ([SessionSet("squat", 0.0, 14.0, reps=4), *TRUE[1:]], (3, 0, 3, 2, 3)),
    "hold 1.0 s off: right": ([TRUE[0], SessionSet("plank", 20.0, 30.0, hold_s=8.5), TRUE[2]], (3, 0, 3, 3, 3)),
    "hold 1.2 s off: wrong": ([TRUE[0], SessionSet("plank", 20.0, 30.0, hold_s=8.3), TRUE[2]], (3, 0, 3, 2, 3)),
    "start 1.4 s late": ([SessionSet("squat", 1.4, 14.0, reps=3), *TRUE[1:]], (3, 0, 3, 3, 3)),
    "start 1.6 s late": ([SessionSet("squat", 1.6, 14.0, reps=3), *TRUE[1:]], (3, 0, 3, 3, 2)),
    "end 1.4 s early": ([*TRUE[:2], SessionSet("bridge", 36.0, 48.6, reps=6)], (3, 0, 3, 3, 3)),
    "end 1.6 s late (into the gap)": ([TRUE[0], SessionSet("plank", 20.0, 31.6, hold_s=9.5), TRUE[2]], (3, 0, 3, 3, 2)),
    "a set split in two: one piece is invented": (
        [SessionSet("squat", 0.0, 5.0, reps=1), SessionSet("squat", 6.0, 14.0, reps=2), *TRUE[1:]],
        (3, 1, 3, 2, 2),
    ),
    "two sets found as one: the other is missed": (
        [SessionSet("squat", 0.0, 30.0, reps=3), TRUE[2]],
        (2, 0, 2, 2, 1),
    ),
    "the whole video as one set (today's baseline)": ([SessionSet("bridge", 0.0, 50.0, reps=9)], (1, 0, 1, 0, 0)),
    "nothing found": ([], (0, 0, 0, 0, 0)),
}


@pytest.mark.parametrize("found, expected", CASES.values(), ids=CASES.keys())
def test_scoring(found, expected):
    summary = _summary(found)
    assert summary["true_sets"] == 3
    assert tuple(summary[k] for k in KEYS) == expected


def test_the_whole_video_matches_the_set_it_overlaps_most_and_a_tie_goes_to_its_exercise():
    # It covers the squat and the bridge for 14 s each and the plank for 10 s.
    score = score_session("s.mp4", TRUE, [SessionSet("bridge", 0.0, 50.0, reps=9)])
    assert [m.found is not None for m in score.matches] == [False, False, True]
    assert score.matches[2].start_error_s == -36.0 and score.matches[2].end_error_s == 0.0
    score = score_session("s.mp4", TRUE, [SessionSet("plank", 0.0, 50.0, hold_s=30.0)])
    assert [m.found is not None for m in score.matches] == [True, False, False]  # 14 s beats the plank's 10 s


def test_a_report_without_sets_is_one_whole_video_set():
    report = {"exercise": "squat", "duration_s": 50.0, "rep_count": 7, "summary": {"hold_total_s": 0}}
    found, source = found_sets_of(report)
    assert source == "whole video"
    assert found == [SessionSet("squat", 0.0, 50.0, reps=7, hold_s=0.0)]


def test_auto_unsure_names_no_exercise():
    report = {"exercise": "squat", "duration_s": 9.0, "rep_count": 0, "exercise_detection": {"unsure": "no rep"}}
    assert found_sets_of(report)[0][0].exercise is None


def test_a_reports_sets_are_read_with_their_counts_and_holds():
    report = {
        "exercise": "squat",
        "duration_s": 50.0,
        "rep_count": 3,
        "sets": [
            {"exercise": "squat", "start_s": 0.2, "end_s": 13.9, "reason": "standing, hips dropping", "rep_count": 3},
            {"exercise": "plank", "start_s": 20.1, "end_s": 29.8, "reps": [], "holds": [{"duration_s": 9.4}]},
            {"exercise": "bridge", "start_s": 36.0, "end_s": 50.0, "reps": [{}, {}, {}, {}, {}, {}]},
        ],
    }
    found, source = found_sets_of(report)
    assert source == "sets"
    read = [(f.exercise, f.reps, f.hold_s) for f in found]
    assert read == [("squat", 3, None), ("plank", 0, 9.4), ("bridge", 6, None)]
    assert _summary(found)["count_right"] == 3


def test_a_session_manifest_is_told_apart_from_a_clip_manifest(tmp_path):
    sessions, clips = tmp_path / "sessions.json", tmp_path / "manifest.json"
    sessions.write_text(json.dumps({"sessions": [{"file": "a.mp4", "sets": []}]}))
    clips.write_text(json.dumps({"videos": []}))
    assert is_session_manifest(sessions) and not is_session_manifest(clips)


@pytest.mark.parametrize(
    "text, words",
    [
        ("{not json", "not valid JSON"),
        ('{"sessions": []}', "lists no sessions"),
        ('{"sessions": [{"file": "a.mp4", "sets": [{"exercise": "squat", "start_s": 1}]}]}', "has no end_s"),
        ('{"sessions": [{"file": "a.mp4", "sets": [{"exercise": "squat", "start_s": 5, "end_s": 2}]}]}', "ends before"),
    ],
)
def test_a_bad_session_manifest_says_what_is_wrong(tmp_path, text, words):
    path = tmp_path / "sessions.json"
    path.write_text(text)
    with pytest.raises(SessionManifestError, match=words):
        read_session_manifest(path)


def test_the_table_of_todays_baseline_one_whole_video_set_per_session():
    sessions = [
        {
            "file": "session_01.mp4",
            "sets": [
                {"exercise": "squat", "start_s": 0.0, "end_s": 14.0, "reps": 3},
                {"exercise": "plank", "start_s": 20.0, "end_s": 30.0, "reps": None, "hold_s": 9.5},
            ],
        },
        {
            "file": "session_02.mp4",
            "sets": [
                {"exercise": "lunge", "start_s": 0.0, "end_s": 20.0, "reps": 5},
                {"exercise": "bridge", "start_s": 24.0, "end_s": 30.0, "reps": 2},
            ],
        },
    ]
    reports = [
        {"exercise": "plank", "duration_s": 30.0, "rep_count": 0, "summary": {"hold_total_s": 9.0}},
        {"exercise": "lunge", "duration_s": 30.0, "rep_count": 5, "summary": {"hold_total_s": 0}},
    ]
    scores = score_reports(sessions, reports)
    summary = summarise_sessions(scores)
    assert tuple(summary[k] for k in KEYS) == (2, 0, 1, 1, 0)
    table = format_sessions(scores, summary)
    assert (
        "| session_01.mp4 | 1 | squat 0.0-14.0 s, 3 reps | plank 0.0-30.0 s, 9.0 s held | no | no | +0.0 / +16.0 | no |"
        in table
    )
    assert "| session_01.mp4 | 2 | plank 20.0-30.0 s, 9.5 s held | - | no | no | - | no |" in table
    assert "sets found 2/4, invented 0, exercise right 1/4, count right 1/4" in table
    assert "2/2 reports had no sets list" in table
