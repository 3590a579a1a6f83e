"""`auto` says plainly when it cannot tell the exercise: body positions none of the recognisable exercises
take (face down, all fours, side-lying, a hinge, kneeling, limbs raised on the back), and a recognised
position in which the movement never came. Stick figures with known positions, in trunk lengths."""

from __future__ import annotations

import json

import numpy as np
import pytest

from exercises.framework.auto import AutoAnalyser, ExerciseVote
from exercises.measures import features as F
from formcheck.exercise_check import mismatch_sentence
from tests.synthetic import bridge_set, lunge_set, sequence, side_on_pose, squat_set
from vision.landmarks import LEFT, RIGHT, Landmark
from vision.pose import Pose

TRUNK_PX = 200.0


def figure(t: float, shoulder, hip, knee, ankle, wrist, face_down: bool) -> Pose:
    """A side-on stick figure from picture points (x right, y down), the face 0.15 trunk lengths up or down."""
    xy = np.tile(np.asarray(shoulder, float), (33, 1))
    for side in (LEFT, RIGHT):
        xy[side.shoulder], xy[side.hip], xy[side.knee], xy[side.ankle] = shoulder, hip, knee, ankle
        xy[side.elbow] = (np.asarray(shoulder) + np.asarray(wrist)) / 2
        xy[side.wrist] = wrist
        xy[side.heel], xy[side.toe] = ankle, np.asarray(ankle) + np.array([20.0, 0.0])
    head = np.asarray(shoulder, float) + np.array([-60.0, 0.0])
    xy[Landmark.LEFT_EAR] = xy[Landmark.RIGHT_EAR] = head
    xy[Landmark.NOSE] = head + np.array([-10.0, 30.0 if face_down else -30.0])
    return side_on_pose(xy, t, np.asarray(hip, float))


# Positions, shoulder first; the trunk is 200 px long in each. The floor is y = 600.
POSITIONS = {
    "supine_knees_bent": dict(shoulder=(300, 600), hip=(500, 600), knee=(650, 480), ankle=(760, 600),
                              wrist=(480, 600), face_down=False),
    "plank": dict(shoulder=(300, 540), hip=(500, 560), knee=(660, 575), ankle=(820, 590), wrist=(300, 600),
                  face_down=True),
    "all_fours": dict(shoulder=(300, 440), hip=(500, 440), knee=(500, 600), ankle=(700, 600), wrist=(300, 600),
                      face_down=True),
    "side_lying": dict(shoulder=(300, 560), hip=(500, 580), knee=(620, 560), ankle=(740, 590), wrist=(330, 520),
                       face_down=False),
    "dead_bug": dict(shoulder=(300, 600), hip=(500, 600), knee=(560, 420), ankle=(700, 470), wrist=(300, 380),
                     face_down=False),
    "hinge": dict(shoulder=(300, 300), hip=(500, 300), knee=(500, 460), ankle=(500, 600), wrist=(300, 450),
                  face_down=True),
    "kneeling": dict(shoulder=(500, 260), hip=(500, 460), knee=(500, 600), ankle=(340, 600), wrist=(500, 420),
                     face_down=False),
}  # fmt: skip


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
    pose = figure(0.0, **POSITIONS[position])
    assert F.knee_rise_trunks(pose) == pytest.approx(knee_rise, abs=0.01)
    assert F.hip_rise_trunks(pose) == pytest.approx(hip_rise, abs=0.01)
    assert F.face_rise_trunks(pose) == pytest.approx(face_rise, abs=0.01)
    assert F.hand_rise_trunks(pose) == pytest.approx(hand_rise, abs=0.01)


def vote_on(make, seconds: float = 3.0) -> ExerciseVote:
    vote = ExerciseVote()
    for _t, pose in sequence(make, seconds):
        vote.add(pose, None)
    return vote


def held(position: str):
    return lambda t, fps: figure(t, **POSITIONS[position])


@pytest.mark.parametrize(
    ("position", "said"),
    [
        ("supine_knees_bent", None),  # a bridge's position: auto may name it
        ("plank", "face down or on all fours, not on the back as in a glute bridge"),
        ("all_fours", "face down or on all fours, not on the back as in a glute bridge"),
        ("side_lying", "lying on the side, not on the back as in a glute bridge"),
        ("dead_bug", "on the back with the arms or legs raised, not on the back as in a glute bridge"),
        ("hinge", "bending forward to horizontal on straight legs (a hip hinge), not on the back as in a glute bridge"),
        ("kneeling", "kneeling or sitting: the hips never rose to standing height"),
    ],
)
def test_positions_auto_does_not_recognise_are_said_plainly(position, said):
    assert vote_on(held(position)).unsure() == said


@pytest.mark.parametrize("make", [squat_set, lunge_set, bridge_set])
def test_the_recognisable_sets_are_not_doubted(make):
    auto = AutoAnalyser()
    for t, pose in sequence(lambda t, fps: make(t), 6.0):
        auto.update(pose, t)
    auto.finish()
    assert auto.state.reps and auto.unsure() is None


def test_a_recognised_position_without_the_movement_is_not_a_set_of_it():
    auto = AutoAnalyser()
    for t, pose in sequence(held("supine_knees_bent"), 6.0):
        auto.update(pose, t)
    auto.finish()
    assert auto.name == "bridge" and not auto.state.reps
    assert auto.unsure() == "lying down in 100% of frames, but no glute bridge rep was seen"


def test_too_little_seen_is_not_judged():
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

    plank = POSITIONS["plank"]
    monkeypatch.setattr(pipeline, "PoseEstimator", lambda config: ScriptedEstimator(lambda t: figure(t, **plank)))
    video = pattern_video(tmp_path / "plank.mp4", 4)
    assert main(["analyse", str(video), "--exercise", "auto", "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert "FormCheck cannot tell which exercise this is (face down or on all fours" in captured.err
    assert "Name it with --exercise (squat, lunge, bridge" in captured.err
    assert captured.out.splitlines()[0].startswith("plank.mp4: exercise not recognised, judged as bridge")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["exercise_check"]["recognised"] is None
    assert report["exercise_detection"]["unsure"].startswith("face down or on all fours")
    assert "this set is not stored in the history" in captured.err


def test_the_live_page_says_it_cannot_tell_while_the_camera_runs(app):
    from formcheck.app.live import LiveHub, LiveSession

    class PlankProcessor:
        def __init__(self, exercise, model_path=None):
            self.analyser = AutoAnalyser()

        def process(self, rgb, t):
            pose = figure(t, **POSITIONS["plank"])
            return pose, self.analyser.update(pose, t)

        def render(self, rgb, pose, feedback):
            return rgb

        def close(self):
            pass

    session = LiveSession("auto", processor_factory=PlankProcessor)
    for i in range(60):
        session.process(np.zeros((48, 64, 3), np.uint8), i / 30)
    assert session.snapshot().unsure.startswith("face down or on all fours")
    hub = LiveHub(lambda exercise, **_: session)
    hub.start()
    app.session_state["live_hub"] = hub
    app.stream_state.playing = True
    app.run()
    assert any(w.value.startswith("FormCheck cannot tell which exercise this is (face down") for w in app.warning)
