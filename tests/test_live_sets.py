"""A live `auto` session's sets (formcheck.live_sets through LiveSession) on synthetic poses: each set found,
named and counted as the stream goes, the gap between them shown, and the session at STOP."""

from __future__ import annotations

import json

import numpy as np

from exercises.framework.auto import AutoAnalyser
from exercises.framework.sets import SetsAnalyser
from formcheck.app.live import LiveHub, LiveSession
from formcheck.live_sets import AUTO_SESSION
from formcheck.pipeline import make_analyser
from formcheck.report import CANNOT_TELL
from formcheck.routine import RECORDING
from tests.test_sets_splitter import recording
from vision.pose import Pose

# Squats, standing still then lying still on the back (a gap), then bridges, then lying still (the last set ends).
PARTS = [("squat", 8.0), ("still:standing", 2.0), ("still:supine_knees_bent", 2.0), ("bridge", 10.0),
         ("jitter:supine_knees_bent", 8.0)]  # fmt: skip
FRAMES = recording(PARTS)


def camera_picture(t: float) -> np.ndarray:
    """A live camera's picture at `t`: a grey scene under sensor noise, never twice the same picture."""
    rng = np.random.default_rng(round(t * 1000))
    return (90 + rng.integers(-3, 4, (48, 64, 3))).astype(np.uint8)


class ScriptedPoses:
    """The FrameProcessor interface without the pose model: the recording's pose at each frame's time."""

    def __init__(self, exercise: str, model_path=None, frames=FRAMES) -> None:
        self.analyser = make_analyser(exercise)
        self._poses = {round(t, 4): pose for t, pose in frames}

    def new_analyser(self, exercise: str):
        return make_analyser(exercise)

    def pose(self, rgb, t: float) -> Pose | None:
        return self._poses[round(t, 4)]

    def process(self, rgb, t: float):  # never called in an auto session: each set's analyser sees the pose
        raise AssertionError("an auto session analyses poses through its sets")

    def render(self, rgb, pose, feedback):
        return rgb

    def close(self) -> None:
        pass


def live_run(seconds: float | None = None) -> tuple[LiveSession, list]:
    """The session fed the recording (up to `seconds`); each frame's snapshot."""
    session = LiveSession("auto", processor_factory=ScriptedPoses)
    snaps = []
    for t, _ in FRAMES:
        if seconds is not None and t > seconds:
            break
        session.process(camera_picture(t), t)
        snaps.append((t, session.snapshot()))
    return session, snaps


def test_two_exercises_with_a_still_gap_give_two_sets_in_order_with_their_counts() -> None:
    session, _ = live_run()
    report = session.close()
    json.dumps(report, allow_nan=False)
    # The same splitter offline on the same poses: the live session finds the same sets, with the same counts.
    offline = SetsAnalyser(AutoAnalyser)
    for t, pose in FRAMES:
        offline.update(pose, t)
    found = offline.finish(FRAMES[-1][0])
    sets = report["sets"]
    assert [s["exercise"] for s in sets] == ["squat", "bridge"] == [f.analyser.name for f in found]
    assert [s["rep_count"] for s in sets] == [len(f.analyser.state.reps) for f in found]
    assert all(s["rep_count"] >= 3 for s in sets), [s["rep_count"] for s in sets]
    assert [(s["start_s"], s["end_s"]) for s in sets] == [(round(f.start_s, 3), round(f.end_s, 3)) for f in found]
    assert abs(sets[0]["start_s"] - 0.0) <= 1.5 and abs(sets[1]["start_s"] - 12.0) <= 1.5
    # Each set's own report (report.json's shape) has its own frames: from its start to its end, never past it.
    own = report["set_reports"]
    assert [r["rep_count"] for r in own] == [s["rep_count"] for s in sets]
    assert own[0]["frames"] == sum(1 for t, _ in FRAMES if sets[0]["start_s"] - 0.01 <= t <= sets[0]["end_s"] + 0.01)
    outcome = report[AUTO_SESSION]  # a recording's outcome, as the CLI stores a recording split into sets
    assert outcome["routine"] == RECORDING and [s["exercise"] for s in outcome["steps"]] == ["squat", "bridge"]
    assert outcome["steps_met"] == outcome["steps_planned"] == 2
    assert report["rep_count"] == sum(s["rep_count"] for s in sets)


def test_a_camera_that_freezes_ends_the_set_where_the_picture_froze() -> None:
    """The stream keeps delivering the same picture (a stuck camera) while the model's landmarks on it jitter as
    on a person holding still: the set ends where the picture froze, as in a video file, not at STOP."""
    frames = recording([("squat", 8.0), ("jitter:standing", 4.0)])
    session = LiveSession("auto", processor_factory=lambda e, m=None: ScriptedPoses(e, m, frames))
    stuck = camera_picture(8.0)
    for t, _ in frames:
        session.process(camera_picture(t) if t < 8.0 else stuck, t)
    (squat,) = session.close()["sets"]
    assert squat["exercise"] == "squat" and squat["ended_by"] == "the picture froze"
    assert abs(squat["end_s"] - 8.0) <= 0.1, squat["end_s"]


def test_the_snapshot_names_and_counts_the_set_under_way_and_lists_the_sets_between() -> None:
    _, snaps = live_run()
    at = dict(snaps)

    def view(t: float):
        return at[min(at, key=lambda s: abs(s - t))].sets

    squats = view(7.0)
    assert squats.in_set and squats.number == 1 and squats.title == "Squat" and squats.counter[0] == "Reps"
    assert int(squats.counter[1]) >= 2 and squats.done == ()
    gap = view(11.5)
    assert not gap.in_set and gap.counter == ("Sets done", "1") and gap.resting_s > 1.0
    assert [(line.number, line.exercise) for line in gap.done] == [(1, "Squat")]
    assert gap.done[0].done.endswith(" reps")  # no "(right 4)": a squat is not done one side at a time
    bridges = view(21.0)
    assert bridges.in_set and bridges.number == 2 and bridges.title == "Glute bridge"
    assert int(bridges.counter[1]) >= 2
    assert snaps[-1][1].sets.counter == ("Sets done", "2")
    # The big number is the set's count during a set; the exercise named once recognised.
    assert at[min(at, key=lambda s: abs(s - 21.0))].exercise == "bridge"
    # Before its exercise is named a set shows no cue (it would be the cue of a passing guess) and no last rep.
    naming = [snap for _, snap in snaps if snap.sets.in_set and snap.sets.title is None]
    assert naming and all(snap.cue is None and snap.last_rep is None for snap in naming)


def test_a_hub_in_auto_mode_starts_an_auto_session_and_keeps_its_report() -> None:
    hub = LiveHub(lambda exercise, **_: LiveSession(exercise, processor_factory=ScriptedPoses))
    hub.exercise = "auto"
    session = hub.start()
    for t, _ in FRAMES[: 30 * 10]:
        session.process(camera_picture(t), t)
    report = hub.end()
    assert report is not None and AUTO_SESSION in report
    assert [s["exercise"] for s in report["sets"]] == ["squat"]  # closed at STOP, where the stream ended
    assert hub.finished()[1] is report


def test_a_set_it_cannot_name_says_so_in_its_line() -> None:
    from formcheck.live_sets import set_line

    entry = {"index": 1, "exercise": CANNOT_TELL, "rep_count": 3, "reps_per_side": {}, "hold_count": 0, "cues": [],
             "start_s": 1.0, "end_s": 9.0}  # fmt: skip
    line = set_line(entry)
    assert line.exercise == CANNOT_TELL and line.done == "3 reps" and line.cues == "none"


# --------------------------------------------------------------------------- the Live tab (AppTest)


def auto_hub(seconds: float | None = None) -> LiveHub:
    """A hub whose stream is the recording, up to `seconds` (all of it: then STOP pressed)."""
    session, _ = live_run(seconds)
    hub = LiveHub(lambda exercise, **_: session)
    hub.exercise = "auto"
    hub.start()
    if seconds is None:
        hub.end()
    return hub


def table_with(app, column: str):
    return next(d.value for d in app.dataframe if column in d.value.columns)


def test_the_live_panel_names_the_set_under_way_above_its_cue_and_lists_the_sets_done(app) -> None:
    app.session_state["live_hub"] = auto_hub(21.0)  # the bridges under way, the squats done
    app.stream_state.playing = True
    app.run()
    assert not app.exception, app.exception
    assert "Set 2: Glute bridge" in [h.value for h in app.subheader]
    done = table_with(app, "cues")
    assert list(done["exercise"]) == ["Squat"] and " reps" in done["done"][0]
    assert app.metric[0].label == "Reps"


def test_stop_shows_the_sessions_sets_and_stores_them_as_one_session(app, tmp_path) -> None:
    from formcheck.history.store import open_history

    app.session_state["live_hub"] = auto_hub()
    app.run()
    assert not app.exception, app.exception
    assert any(h.value.startswith("Session summary: 2 sets, 2 exercises") for h in app.subheader)
    assert list(table_with(app, "cues")["exercise"]) == ["Squat", "Glute bridge"]
    assert (app.metric[0].label, app.metric[0].value) == ("Sets", "2")
    app.run()  # a rerun does not store it again
    with open_history(tmp_path / "history.sqlite3") as history:
        (session,) = history.sessions()
        kept = [history.get_set(i) for i in session.set_ids]
    assert session.routine == RECORDING and [k.exercise for k in kept] == ["squat", "bridge"]


def test_a_stream_with_no_set_says_so_and_stores_nothing(app, tmp_path) -> None:
    from formcheck.history.store import open_history

    session = LiveSession("auto", processor_factory=ScriptedPoses)
    for t, _ in FRAMES[:30]:  # one second of squats: no rep counted, so no set kept
        session.process(camera_picture(t), t)
    hub = LiveHub(lambda exercise, **_: session)
    hub.start()
    report = hub.end()
    assert report is not None and report["sets"] == [] and report[AUTO_SESSION]["steps_planned"] == 0
    app.session_state["live_hub"] = hub
    app.run()
    assert not app.exception, app.exception
    assert any(i.value.startswith("No set was found") for i in app.info)
    with open_history(tmp_path / "history.sqlite3") as history:
        assert history.sessions() == []


def test_before_the_sets_exercise_is_named_the_panel_judges_nothing(app) -> None:
    app.session_state["live_hub"] = auto_hub(14.5)  # the bridges' set started, not yet named
    app.stream_state.playing = True
    app.run()
    assert not app.exception, app.exception
    assert "Set 2: recognising the exercise..." in [h.value for h in app.subheader]
    assert not any(s.value == "Looking good." for s in app.success)
