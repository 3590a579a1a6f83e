"""Walking a routine live: steps end at their target, rests are timed on frame timestamps, sides and holds
counted as the analyser reports them; and a live session (a scripted body, no model) walks plank -> squats."""

from __future__ import annotations

import numpy as np
import pytest

from exercises.framework.analyser import FrameFeedback, HoldResult, RepResult
from formcheck.app.live import LiveHub, LiveSession
from formcheck.pipeline import make_analyser
from formcheck.routine import Routine, Step
from formcheck.routine_walk import EXERCISE, FINISHED, MET, REST, START, RoutineWalk
from tests.synthetic import squat_set
from tests.test_plank import plank


def fb(t: float, rep_side: str | None = None, hold: tuple[str | None, float] | None = None, holding_s: float = 0.0):
    """One frame's feedback: a rep on `rep_side` ended here, a hold (side, seconds) ended here, or one under way."""
    rep = RepResult(1, t - 1, t - 0.5, t, rep_side, "side", {}, (), 100) if rep_side else None
    ended = HoldResult(1, t - hold[1], t, hold[0], "side", {}, (), 100) if hold else None
    phase = "hold" if holding_s else "rest"
    metrics = {"hold_s": holding_s} if holding_s else {}
    return FrameFeedback(t, True, metrics, 0.0, phase, 0, "side", "right", None, rep=rep, hold=ended)


def routine(*steps: Step) -> Routine:
    return Routine(name="Test", key="test", steps=steps)


def walk_to_end(walk: RoutineWalk, frames: list[FrameFeedback]) -> list[tuple[float, str]]:
    """Feed the frames; end the step's set (an empty report) when asked; the events at their times."""
    events = []
    for frame in frames:
        event = walk.feed(frame)
        if event == MET:
            walk.finish_step({"reps": [], "holds": [], "summary": {}})
        elif event == START:
            walk.started()
        if event:
            events.append((frame.timestamp_s, event))
    return events


@pytest.mark.parametrize(
    ("step", "frames", "met_at_s", "done_text"),
    [
        # three reps: met at the third rep's end, not before
        (Step("squat", reps=3), [fb(1, "right"), fb(2), fb(3, "right"), fb(4, "left")], 4.0, "3 of 3 reps"),
        # per side: two on the left do not make up for the missing right
        (Step("clamshell", reps=1, sides=("left", "right")), [fb(1, "left"), fb(2, "left"), fb(3, "right")], 3.0,
         "left 2 of 1 reps, right 1 of 1 reps"),
        # one hold, not per side: the hold under way completes it at the target, mid-hold
        (Step("plank", hold_s=10), [fb(1, holding_s=4), fb(5, holding_s=9.5), fb(6, holding_s=10.0)], 6.0,
         "10 of 10 s"),
        # two holds add up: 6 s ended, then 4 s under way
        (Step("plank", hold_s=10), [fb(1, hold=(None, 6.0)), fb(3, holding_s=2), fb(5, holding_s=4)], 5.0,
         "10 of 10 s"),
        # per side, a hold counts for its side when it ends (the side is known then); 29.2 s is within 1 s
        (Step("hip_flexor_stretch", hold_s=30, sides=("left", "right")),
         [fb(1, holding_s=29), fb(31, hold=("left", 30.5)), fb(40, holding_s=31), fb(61, hold=("right", 29.2))],
         61.0, "left 30 of 30 s, right 29 of 30 s"),
    ],
)  # fmt: skip
def test_a_step_ends_when_its_target_is_met(step, frames, met_at_s, done_text):
    walk = RoutineWalk(routine(step, Step("squat", reps=1)))
    for frame in frames:
        if walk.feed(frame) == MET:
            assert frame.timestamp_s == met_at_s
            assert walk.view().done == done_text
            return
    pytest.fail(f"the step was never met; done: {walk.view().done}")


def test_rest_is_timed_on_frame_timestamps_then_the_next_step_starts():
    walk = RoutineWalk(routine(Step("squat", reps=1, rest_s=20), Step("plank", hold_s=5)))
    assert walk.feed(fb(3.0, "right")) == MET
    walk.finish_step({"reps": [{"side": "right"}], "holds": [], "summary": {}})
    view = walk.view()
    assert (view.phase, view.step_number, view.title, view.rest_left_s) == (REST, 2, "Plank", 20.0)
    assert view.next_up == "Plank: 5 s hold"
    assert walk.feed(fb(13.0, "right")) is None  # a rep during the rest is nobody's
    assert walk.view().rest_left_s == 10.0
    assert walk.feed(fb(23.0)) == START
    walk.started()
    assert (walk.view().phase, walk.view().done) == (EXERCISE, "0 of 5 s")


def test_skipping_moves_on_and_the_outcome_says_what_was_done():
    walk = RoutineWalk(routine(Step("squat", reps=5, rest_s=30), Step("bridge", reps=5, rest_s=0)))
    events = walk_to_end(walk, [fb(1, "right")])
    walk.skip()
    events += walk_to_end(walk, [fb(2)])  # the step ends as it is
    walk.skip()
    events += walk_to_end(walk, [fb(3)])  # the rest is cut short
    assert events == [(2, MET), (3, START)]
    assert walk.view().title == "Glute bridge"
    assert walk.view().next_up is None  # the last step
    walk.skip()
    walk_to_end(walk, [fb(4)])
    assert walk.phase == FINISHED and walk.view().title == "Routine done"
    assert walk.outcome()["steps_planned"] == 2 and len(walk.reports) == 2


@pytest.mark.parametrize(
    ("step", "frames"),
    [
        (Step("clamshell", reps=9, sides=("left", "right")), [fb(1, "left"), fb(2, "left"), fb(3, "right"), fb(4)]),
        (Step("hip_flexor_stretch", hold_s=60, sides=("left",)),
         [fb(1, hold=("left", 20.0)), fb(2, hold=("right", 5))]),
        (Step("squat", reps=9), [fb(1, hold=(None, 3.0)), fb(2, "right"), fb(3, "left")]),  # a rep step counts reps
    ],
)  # fmt: skip
def test_the_walk_counts_a_set_as_its_report_does(step: Step, frames: list[FrameFeedback]) -> None:
    """Routine progress from one source: the walk (feedback as it comes) and the outcome (the set's report)."""
    walk = RoutineWalk(routine(step))
    assert walk_to_end(walk, frames) == []  # the targets are out of reach: the whole set counts
    live = walk.view().done
    report = {
        "reps": [{"side": f.rep.side} for f in frames if f.rep],
        "holds": [{"side": f.hold.side, "duration_s": f.hold.duration_s} for f in frames if f.hold],
    }
    walk.finish_step(report)
    (outcome,) = walk.outcome()["steps"]
    unit = outcome["unit"]
    said = ", ".join(f"{'' if side == 'all' else side + ' '}{v:.0f} of {step.reps or step.hold_s:g} {unit}"
                     for side, v in outcome["done"].items())  # fmt: skip
    assert live == said and any(outcome["done"].values())


# --------------------------------------------------------------------------- a live session walks it


def plank_then_squats(t: float):
    """Down in a plank from 0.5 s to 8 s, away from the camera for 2 s, then squats from 10 s."""
    if 0.5 <= t < 8.0:
        return plank(t)
    return None if t < 10.0 else squat_set(t - 10.0)


class ScriptedProcessor:
    """The FrameProcessor interface over real analysers, the body scripted by time (no pose model)."""

    def __init__(self, exercise: str, model_path=None) -> None:
        self.restart(exercise)
        self.exercises = [exercise]

    def restart(self, exercise: str) -> None:
        self.analyser = make_analyser(exercise)
        getattr(self, "exercises", []).append(exercise)

    def process(self, rgb, t):
        pose = plank_then_squats(t)
        return pose, self.analyser.update(pose, t)

    def render(self, rgb, pose, feedback):
        return rgb

    def close(self) -> None:
        pass


def test_a_live_session_walks_a_two_exercise_routine():
    two = routine(Step("plank", hold_s=4, rest_s=3), Step("squat", reps=3))
    session = LiveSession("bridge", processor_factory=ScriptedProcessor, routine=two)
    picture = np.zeros((48, 64, 3), np.uint8)
    seen = []
    for i in range(30 * 30):
        session.process(picture, i / 30)
        snap = session.snapshot()
        seen.append((round(i / 30, 2), snap.routine.phase, snap.routine.step_number, snap.counter))
    phases = {(phase, step) for _, phase, step, _ in seen}
    assert {(EXERCISE, 1), (REST, 2), (EXERCISE, 2)} <= phases
    rest = [t for t, phase, _, _ in seen if phase == REST]
    assert rest[0] == pytest.approx(4.5, abs=0.2)  # the plank began at 0.5 s: 4 s held
    assert rest[-1] - rest[0] == pytest.approx(3.0, abs=0.1)  # the rest, from the frames' times
    assert ("Rest", "3 s") in [c for _, phase, _, c in seen if phase == REST]
    assert seen[-1][1] == FINISHED and seen[-1][3] == ("Steps done", "2 of 2")
    report = session.close()
    outcome = report["routine_session"]
    assert [s["done"] for s in outcome["steps"]] == [{"all": pytest.approx(4.0, abs=0.5)}, {"all": 3}]
    assert outcome["steps_met"] == 2
    assert [r["exercise"] for r in report["sets"]] == ["plank", "squat"]
    assert report["sets"][1]["rep_count"] == 3  # reps after the target are not the step's: the set ended


# --------------------------------------------------------------------------- the Live tab (AppTest)


def test_choosing_a_routine_shows_its_plan_instead_of_the_exercise(app) -> None:
    app.run()
    app.selectbox(key="live_routine").set_value("bridges_lunges_squats").run()
    assert not app.exception
    assert not any(s.key == "live_exercise" for s in app.selectbox)  # the routine names each step's exercise
    plan = table_with(app, "rest after (s)")
    assert list(plan["exercise"]) == ["Glute bridge", "Lunge", "Squat"]
    assert list(plan["target"]) == ["12 reps", "8 reps per side", "10 reps"]


def table_with(app, column: str):
    """The page's table that has `column` (AppTest does not expose the tables' keys)."""
    return next(d.value for d in app.dataframe if column in d.value.columns)


def live_routine_hub(seconds: float) -> LiveHub:
    two = routine(Step("plank", hold_s=4, rest_s=3), Step("squat", reps=3))
    session = LiveSession("squat", processor_factory=ScriptedProcessor, routine=two)
    hub = LiveHub(lambda exercise, routine=None, **_: session)
    hub.routine = two
    hub.start()
    for i in range(int(seconds * 30)):
        session.process(np.zeros((48, 64, 3), np.uint8), i / 30)
    return hub


def test_the_live_panel_shows_the_step_its_target_and_the_rest(app) -> None:
    hub = live_routine_hub(3.0)  # 2.5 s into the plank
    app.session_state["live_hub"] = hub
    app.stream_state.playing = True
    app.run()
    assert not app.exception
    assert app.metric[0].label == "Hold" and app.metric[0].value == "2 s"
    assert "Plank" in [h.value for h in app.subheader]
    assert any("Target: **4 s hold**. Done: **2 of 4 s**." in m.value for m in app.markdown)
    assert any("Next: Squat: 3 reps" in c.value for c in app.caption)
    app.button(key="live_next_step").click().run()  # skip the plank
    hub._session.process(np.zeros((48, 64, 3), np.uint8), 3.1)
    app.run()
    assert app.metric[0].label == "Rest" and app.metric[0].value == "3 s"


def test_stop_shows_the_routine_summary_and_stores_one_session(app, tmp_path) -> None:
    from formcheck.history.store import open_history

    hub = live_routine_hub(30.0)
    hub.end()
    app.session_state["live_hub"] = hub
    app.run()
    assert not app.exception
    assert (app.metric[0].label, app.metric[0].value) == ("Steps done", "2 of 2")
    assert any("Routine summary: 2 of 2 steps done to target" in h.value for h in app.subheader)
    outcome = table_with(app, "target met")
    assert list(outcome["target met"]) == ["yes", "yes"]
    assert list(outcome["done"])[1] == "3 reps"
    app.run()  # a rerun does not store it twice
    with open_history(tmp_path / "history.sqlite3") as history:
        sessions = history.sessions()
        assert [(s.routine, s.steps_met, s.steps_planned) for s in sessions] == [("test", 2, 2)]
        assert all(set_id is not None for set_id in sessions[0].set_ids)


# --------------------------------------------------------------------------- the Upload tab's routine mode (AppTest)


def test_upload_a_video_per_step_shows_the_session_and_stores_it(app, tmp_path, monkeypatch) -> None:
    from formcheck import pipeline
    from formcheck.history.store import open_history
    from tests.synthetic import ScriptedEstimator, bridge_set, pattern_video

    monkeypatch.setattr(pipeline, "PoseEstimator", lambda config: ScriptedEstimator(bridge_set))
    monkeypatch.setenv("FORMCHECK_APP_TEST_VIDEO", str(pattern_video(tmp_path / "bridges.mp4", 8)))  # every step
    app.run()
    app.radio(key="upload_mode").set_value("A routine: one video per step").run()
    app.selectbox(key="upload_routine").set_value("bridges_lunges_squats").run()
    assert any("3 of 3 steps have a video" in c.value for c in app.caption)
    app.button(key="upload_routine_go").click().run()
    assert not app.exception, app.exception
    outcome = table_with(app, "target met")
    assert list(outcome["exercise"]) == ["Glute bridge", "Lunge", "Squat"]
    bridges = int(outcome["done"][0].split()[0])
    assert bridges >= 2 and list(outcome["target met"]) == ["no", "no", "no"]  # 12 bridges were the target
    assert any("Routine summary: 0 of 3 steps done to target" in h.value for h in app.subheader)
    with open_history(tmp_path / "history.sqlite3") as history:
        (session,) = history.sessions()
    assert (session.routine, session.steps_planned) == ("bridges_lunges_squats", 3)
    assert session.set_ids[0] is not None  # the bridges are kept; the steps with nothing counted are not sets
