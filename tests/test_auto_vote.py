"""`auto`'s posture vote as part of the SetAnalyser protocol (`recognition`), worked out once per frame.

The analyser's name, spec and state each ask the vote which exercise speaks; the vote's answer is a median
and a share over up to 3,000 frames, so it is kept from the first read after a frame to the next frame.
"""

from __future__ import annotations

import statistics
import sys

import pytest

from exercises.framework import auto as auto_module
from exercises.framework import registry
from exercises.framework.analyser import Analyser
from exercises.framework.auto import AutoAnalyser, ExerciseVote
from tests.synthetic import bridge_set, bridge_side, sequence, squat_set, squat_side, turned_to_face_camera

READS_PER_FRAME = 5  # what the live path does: the overlay, the snapshot's name and counter, the recorder...


def test_the_vote_is_worked_out_once_per_frame_however_often_it_is_read(monkeypatch) -> None:
    calls = []
    median = statistics.median

    def counted(values):
        caller = sys._getframe(1).f_code
        if caller.co_filename == auto_module.__file__:  # the vote's median, not the analysers' own
            calls.append(caller.co_name)
        return median(values)

    monkeypatch.setattr(statistics, "median", counted)
    auto = AutoAnalyser()
    frames = list(sequence(lambda t, fps: squat_set(t), 6.0))
    for t, pose in frames:
        auto.update(pose, t)
        for _ in range(READS_PER_FRAME):
            assert auto.name == auto.spec.name == auto.recognition.best()
            auto.state  # noqa: B018 (a read, as the report and the page do)
    assert auto.state.reps and auto.name == "squat"
    assert calls  # the squats reached the depth at which the stance is judged: the median ran
    assert len(calls) <= len(frames)  # once per frame at most, not once per read


def test_the_kept_vote_is_the_vote_of_the_frames_so_far() -> None:
    """A vote read every frame says what a vote read only now says: each new frame starts it afresh."""
    read_often, read_rarely = ExerciseVote(), ExerciseVote()
    squats_then_bridges = [*sequence(lambda t, fps: squat_set(t), 4.0), *sequence(lambda t, fps: bridge_set(t), 6.0)]
    auto = AutoAnalyser()  # only for the body context the stance needs
    seen = []
    for i, (t, pose) in enumerate(squats_then_bridges):
        auto.update(pose, t)
        for vote in (read_often, read_rarely):
            vote.add(pose, auto.body_context)
        read_often.best()
        if i % 10 == 0:
            assert read_often.best() == read_rarely.best()
            assert read_often.posture_scores() == read_rarely.posture_scores()
            seen.append(read_rarely.best())
    assert seen[0] == "squat" and seen[-1] == "bridge"  # the answer moved with the frames


def test_recognition_is_part_of_the_protocol() -> None:
    auto = AutoAnalyser()
    assert auto.recognition is auto.vote
    assert Analyser(registry.get("squat")).recognition is None  # a named exercise: nothing recognised


def test_only_the_analysers_of_positions_taken_see_the_frames() -> None:
    """The live path's cost: a standing set feeds the standing and kneeling exercises' analysers, not all twelve."""
    auto = AutoAnalyser()
    for t, pose in sequence(lambda t, fps: squat_set(t), 4.0):
        auto.update(pose, t)
    upright = {s.name for s in registry.candidates() if s.signature.position in ("standing", "kneeling")}
    assert set(auto.active) == upright
    assert auto.name == "squat" and auto.state.reps
    for t, pose in sequence(lambda t, fps: bridge_set(t), 8.0):  # then down on the back: those join
        auto.update(pose, 4.0 + t)
    on_back = {s.name for s in registry.candidates() if s.signature.position == "on_back"}
    assert set(auto.active) == upright | on_back
    assert auto.name == "bridge" and auto.state.reps


def _world_trunk_tilted(pose, toward_camera_deg: float):
    """The same picture, its world trunk misread as tilted toward the camera (the pose model's guess on a head
    hidden behind a barbell plate): shoulders, ears and nose moved in depth about the hips."""
    import dataclasses
    import math

    import numpy as np

    from tests.synthetic import TRUNK
    from vision.landmarks import Landmark

    world = pose.world_m.copy()
    r = math.radians(toward_camera_deg)
    upper = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.NOSE, Landmark.LEFT_EAR, Landmark.RIGHT_EAR]
    for lm in upper:
        world[lm, 1], world[lm, 2] = -TRUNK * math.cos(r), -TRUNK * math.sin(r)
    return dataclasses.replace(pose, world_m=np.asarray(world))


@pytest.mark.parametrize(
    ("make", "want"),
    [
        # Standing, the trunk upright in the picture, its world angle misread as 70 deg: upright, not lying.
        (lambda: _world_trunk_tilted(squat_side(5.0, 10.0, 0.0), 70.0), "upright"),
        # A bridge at its top on the floor: on the back, as before.
        (lambda: bridge_side(185.0, 0.0), "on_back"),
        # Filmed from the feet the trunk is short in the picture (the hips 1.4-3.1 of its lengths above the
        # ankles), but not upright over the knees: on the back, as before.
        (lambda: turned_to_face_camera(bridge_side(130.0, 0.0)), "on_back"),
    ],
    ids=["misread standing", "bridge", "bridge from the feet"],
)
def test_hips_far_above_the_ankles_are_never_lying_on_the_back(make, want) -> None:
    from exercises.framework.auto import frame_position
    from exercises.measures import features as F

    pose = make()
    assert frame_position(pose, F.trunk_lean_world_deg(pose)) == want
