"""`auto` names every registered exercise from the body's position and movement, and says plainly when it
cannot tell: two exercises fitting what was seen, or a recognised position in which the movement never came.
Stick figures with known positions, in trunk lengths (tests/synthetic.py: POSITIONS, PROGRAMME_SETS)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from exercises.framework import registry
from exercises.framework.auto import AutoAnalyser, ExerciseVote
from exercises.measures import features as F
from formcheck.exercise_check import mismatch_sentence
from tests.synthetic import POSITIONS, PROGRAMME_SETS, held, jittered, sequence, stick_figure


@pytest.mark.parametrize(
    ("position", "knee_rise", "hip_rise", "face_rise", "hand_rise"),
    [
        ("supine_knees_bent", 0.6, 0.0, 0.15, 0.0),
        ("plank", -0.075, 0.15, -0.15, -0.3),
        ("all_fours", -0.8, 0.8, -0.15, -0.8),
        ("dead_bug", 0.25, -0.65, 0.15, 1.1),
        ("hinge", -0.8, 1.5, -0.15, -0.75),
    ],
)
def test_position_measures_in_trunk_lengths(position, knee_rise, hip_rise, face_rise, hand_rise):
    pose = stick_figure(0.0, **POSITIONS[position])
    assert F.knee_rise_trunks(pose) == pytest.approx(knee_rise, abs=0.01)
    assert F.hip_rise_trunks(pose) == pytest.approx(hip_rise, abs=0.01)
    assert F.face_rise_trunks(pose) == pytest.approx(face_rise, abs=0.01)
    assert F.hand_rise_trunks(pose) == pytest.approx(hand_rise, abs=0.01)


def vote_on(make, seconds: float = 6.0) -> ExerciseVote:
    auto = AutoAnalyser()  # its body context judges the stance at depth
    for t, pose in sequence(make, seconds):
        auto.update(pose, t)
    return auto.vote


def test_every_registered_exercise_has_a_synthetic_set():
    assert {s.name for s in registry.candidates()} == set(PROGRAMME_SETS)


@pytest.mark.parametrize("exercise", list(PROGRAMME_SETS))
def test_each_exercise_is_recognised_from_its_position_and_movement(exercise):
    vote = vote_on(PROGRAMME_SETS[exercise])
    assert vote.unsure() is None, vote.reason()
    assert vote.best() == exercise, vote.reason()
    assert vote.reason().endswith(f": {registry.get(exercise).noun}")


@pytest.mark.parametrize(
    ("position", "named"),
    [
        ("supine_knees_bent", "pelvic_tilt"),  # on the back, nothing moving: the pelvic tilt's position
        ("dead_bug", "pelvic_tilt"),  # tabletop held still: no leg reached, so not (yet) a dead bug
        ("all_fours", "cat_cow"),
        ("side_lying", "clamshell"),
        ("plank", "plank"),
        ("kneeling", "hip_flexor_stretch"),
    ],
)
def test_a_still_body_is_named_by_its_position(position, named):
    assert vote_on(held(position)).best() == named


@pytest.mark.parametrize(
    ("exercise", "said"),
    [
        ("pelvic_tilt", "lying on the back in 100% of frames; the hips stayed down (0.00 trunk lengths); the legs"
         " stayed put (0 deg): pelvic tilt, but no pelvic tilt rep was seen"),
        ("cat_cow", "on all fours in 100% of frames; the hips stayed down (0.00 trunk lengths); the legs stayed put"
         " (0 deg): cat-cow, but no cat-cow rep was seen"),
    ],
)  # fmt: skip
def test_a_recognised_position_without_the_movement_is_not_a_set_of_it(exercise, said):
    position = {"pelvic_tilt": "supine_knees_bent", "cat_cow": "all_fours"}[exercise]
    auto = AutoAnalyser()
    for t, pose in sequence(held(position), 6.0):
        auto.update(pose, t)
    auto.finish()
    assert auto.name == exercise and not auto.state.reps
    assert auto.unsure() == said


@pytest.fixture
def twin_plank():
    """A second exercise with the plank's very signature: what was seen fits both."""
    twin = replace(registry.get("plank"), name="twin_plank", title="Twin plank", aliases=(), order=999)
    with registry.registered(twin):
        yield twin


def test_two_exercises_fitting_what_was_seen_is_a_cannot_tell(twin_plank):
    vote = vote_on(held("plank"))
    assert vote.unsure() == (
        "face down on straight legs (a plank's position) in 100% of frames; the hips stayed down (0.00 trunk"
        " lengths); the legs stayed put (0 deg): could be a plank or a twin plank"
    )
    assert vote.best() == "plank"  # judged as the first in order meanwhile, but flagged


def test_the_recognisable_sets_are_not_doubted():
    for name in ("squat", "lunge", "bridge", "dead_bug", "clamshell", "plank", "deadlift", "single_leg_deadlift"):
        auto = AutoAnalyser()
        for t, pose in sequence(PROGRAMME_SETS[name], 8.0):
            auto.update(pose, t)
        auto.finish()
        assert (auto.state.reps or auto.state.holds) and auto.unsure() is None, name


def test_too_little_seen_is_not_judged(twin_plank):
    vote = vote_on(held("plank"), seconds=0.2)  # 6 frames
    assert vote.unsure() is None


def test_the_sentence_asks_the_user_to_pick():
    check = {"requested": "auto", "recognised": None, "reason": "face down or on all fours"}
    assert mismatch_sentence(check) == (
        "FormCheck cannot tell which exercise this is (face down or on all fours), so it does not judge it:"
        " pick the exercise by name."
    )


def test_the_cli_says_it_cannot_tell_and_how_to_name_the_exercise(tmp_path, monkeypatch, capsys):
    from formcheck import pipeline
    from formcheck.cli import main
    from tests.synthetic import ScriptedEstimator, pattern_video

    supine = POSITIONS["supine_knees_bent"]
    monkeypatch.setattr(
        pipeline, "PoseEstimator", lambda config: ScriptedEstimator(lambda t: stick_figure(t, **supine))
    )
    video = pattern_video(tmp_path / "still.mp4", 4)
    assert main(["analyse", str(video), "--exercise", "auto", "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert "FormCheck cannot tell which exercise this is (lying on the back in 100% of frames" in captured.err
    assert "but no pelvic tilt rep was seen" in captured.err
    assert "Name it with --exercise (squat, lunge, bridge" in captured.err
    assert captured.out.splitlines()[0].startswith("still.mp4: exercise not recognised, judged as pelvic_tilt")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["exercise_check"]["recognised"] is None
    assert report["exercise_detection"]["unsure"].startswith("lying on the back in 100% of frames")
    assert "this set is not stored in the history" in captured.err


def test_the_live_page_says_it_cannot_tell_while_the_camera_runs(app, twin_plank):
    from formcheck.app.live import LiveHub, LiveSession

    rng = np.random.default_rng(3)

    class PlankProcessor:
        """A plank held (a living body: the pose model's jitter); an auto session's set analyses each pose."""

        def __init__(self, exercise, model_path=None):
            self.analyser = AutoAnalyser()

        def new_analyser(self, exercise):
            return AutoAnalyser()

        def pose(self, rgb, t):
            return jittered(stick_figure(t, **POSITIONS["plank"]), rng, 1.0)

        def render(self, rgb, pose, feedback):
            return rgb

        def close(self):
            pass

    session = LiveSession("auto", processor_factory=PlankProcessor)
    for i in range(90):  # the set starts once the body has settled on the floor for a second
        session.process(np.full((48, 64, 3), i % 2, np.uint8), i / 30)  # a camera: no two pictures alike
    assert session.snapshot().unsure.endswith("could be a plank or a twin plank")
    hub = LiveHub(lambda exercise, **_: session)
    hub.start()
    app.session_state["live_hub"] = hub
    app.stream_state.playing = True
    app.run()
    assert any(w.value.startswith("FormCheck cannot tell which exercise this is (face down") for w in app.warning)
