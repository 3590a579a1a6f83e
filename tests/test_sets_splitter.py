"""The online set splitter (exercises/framework/sets.py) on synthetic recordings with known sets and gaps."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from exercises.framework import registry
from exercises.framework.analyser import Analyser
from exercises.framework.auto import AutoAnalyser
from exercises.framework.sets import S, SetEvent, SetsAnalyser, SetSplitter
from tests.synthetic import PROGRAMME_SETS, held, jittered
from vision.pose import Pose

FPS = 30.0
SLIDE_FRAMES = 14  # frames per picture of a `slides:` part: plank_side_08 holds each picture 12-14 frames
Part = tuple[str, float]  # (what: an exercise of PROGRAMME_SETS, or "still:<position>" / "jitter:<position>"), seconds


def _maker(what: str, rng: np.random.Generator) -> Callable[[float, float], Pose]:
    """A frozen picture (`still:`) is the same pose repeated; a living body held still (`jitter:`, and every
    exercise) shows the pose model's jitter, ~1 px on a 200 px trunk. `frozen:` is a repeated picture on which
    the model's landmarks jitter as on a living body (seen on joined sessions' gaps: 0.2 trunk lengths/s)."""
    kind, _, position = what.partition(":")
    if position == "flicker":  # the model finds the person on one picture in four only
        standing = held("standing")
        return lambda t, fps: None if round(t * fps) % 4 else jittered(standing(t, fps), rng, 1.0)
    if kind == "still":
        return held(position)
    if kind == "slides":  # a clip of few pictures a second in a 30 fps file: each picture repeated
        moving = PROGRAMME_SETS[position]
        return lambda t, fps: jittered(moving(round(t * fps) // SLIDE_FRAMES * SLIDE_FRAMES / fps, fps), rng, 1.0)
    base = held(position) if kind in ("jitter", "frozen") else PROGRAMME_SETS[what]
    return lambda t, fps: jittered(base(t, fps), rng, 1.0)


def repeated_pictures(parts: list[Part]) -> list[bool]:
    """Per frame of `recording(parts)`: the same picture as the frame before (a `frozen:` part after its first
    frame; the pipeline compares the pictures themselves)."""
    flags: list[bool] = []
    for what, seconds in parts:
        n = round(seconds * FPS)
        if what.startswith("slides:"):
            flags += [i % SLIDE_FRAMES != 0 for i in range(n)]
        else:
            flags += [what.startswith("frozen:") and i > 0 for i in range(n)]
    return flags


def recording(parts: list[Part]) -> list[tuple[float, Pose | None]]:
    """The parts one after another, each part's own clock starting at 0 (as a joined session's clips)."""
    rng = np.random.default_rng(7)
    frames, offset = [], 0.0
    for what, seconds in parts:
        make = _maker(what, rng)
        for i in range(round(seconds * FPS)):
            frames.append((offset + i / FPS, make(i / FPS, FPS)))
        offset += seconds
    return frames


def true_sets(parts: list[Part]) -> list[tuple[str, float, float]]:
    found, offset = [], 0.0
    for what, seconds in parts:
        if ":" not in what:
            found.append((what, offset, offset + seconds))
        offset += seconds
    return found


def split(parts: list[Part], make=AutoAnalyser, pictures: bool = True) -> SetsAnalyser:
    """`pictures`: the caller compares the pictures (a video file); False: the landmarks alone tell."""
    analyser = SetsAnalyser(make)
    frames = recording(parts)
    repeated = repeated_pictures(parts) if pictures else [False] * len(frames)
    for (t, pose), same in zip(frames, repeated, strict=True):
        analyser.update(pose, t, same)
    analyser.finish(frames[-1][0])
    return analyser


def splitter_events(parts: list[Part]) -> list[SetEvent]:
    """The splitter's starts and ends over the recording, the pictures compared (`repeated_pictures`)."""
    splitter = SetSplitter()
    events: list[SetEvent] = []
    for (t, pose), same in zip(recording(parts), repeated_pictures(parts), strict=True):
        events += splitter.update(pose, t, same)
    return events


RECORDINGS = {
    "squats, a still gap, bridges on the back": [
        ("squat", 8.0), ("still:standing", 2.0), ("still:supine_knees_bent", 2.0), ("bridge", 10.0),
    ],
    "a plank hold between standing gaps": [
        ("still:standing", 3.0), ("plank", 8.0), ("still:standing", 3.0),
    ],
    "a single set gives one set": [("squat", 10.0)],
    "bridges, a short still gap, lunges": [
        ("bridge", 10.0), ("still:supine_knees_bent", 1.5), ("still:standing", 1.5), ("lunge", 8.0),
    ],
    "standing and lying still between sets are gaps": [
        ("jitter:standing", 3.0), ("lunge", 9.0), ("still:standing", 2.0), ("jitter:supine_knees_bent", 1.0),
        ("still:supine_knees_bent", 2.0), ("dead_bug", 10.0), ("jitter:supine_knees_bent", 8.0),
    ],
}  # fmt: skip


def test_a_change_of_position_without_rest_starts_the_next_set_where_the_position_changed() -> None:
    """Squats, then straight down into bridges, the camera live (no picture repeats): the squats end where the
    body went down, and the bridges' set starts there, so none of its reps is lost."""
    parts = [("squat", 8.0), ("bridge", 10.0)]
    found = split(parts, pictures=False).sets
    assert [(f.analyser.name, f.ended_by) for f in found] == [
        ("squat", "the position changed"),
        ("bridge", "the recording ended"),
    ]
    assert found[1].started_by == "the position changed" and abs(found[1].start_s - found[0].end_s) < 1e-9
    assert abs(found[1].start_s - 8.0) <= 1.5
    alone = split([("bridge", 10.0)], pictures=False).sets
    assert found[1].analyser.state.reps and len(found[1].analyser.state.reps) == len(alone[0].analyser.state.reps)


@pytest.mark.parametrize("name", RECORDINGS)
def test_every_set_found_named_and_bounded(name: str) -> None:
    parts = RECORDINGS[name]
    found = split(parts).sets
    expected = true_sets(parts)
    assert [f.analyser.name for f in found] == [e[0] for e in expected]
    for f, (_, start, end) in zip(found, expected, strict=True):
        assert abs(f.start_s - start) <= 1.5 and abs(f.end_s - end) <= 1.5, (f.start_s, f.end_s, start, end)


def test_a_frozen_picture_ends_the_set_even_when_its_landmarks_jitter() -> None:
    """A joined session's gap: the last picture of one clip held, then the first of the next. The pose model's
    landmarks jitter on a repeated picture as on a person holding still, so only the pictures tell that nobody
    moves: the sets end where the picture froze and start where it moves again, and the cut between the two
    frozen pictures is no movement."""
    parts = [("squat", 8.0), ("frozen:standing", 2.0), ("frozen:supine_knees_bent", 2.0), ("bridge", 10.0)]
    found = split(parts).sets
    assert [f.analyser.name for f in found] == ["squat", "bridge"]
    (squat, bridge) = found
    assert abs(squat.end_s - 8.0) <= 0.1 and squat.ended_by == "the picture froze"
    assert abs(bridge.start_s - 12.0) <= 0.5, bridge.start_s
    # The landmarks alone cannot tell this picture from a body holding still: the squat set runs into the gap.
    landmarks_only = split(parts, pictures=False).sets
    assert landmarks_only[0].end_s - 8.0 > 1.0, landmarks_only[0].end_s


def test_a_frozen_picture_ends_the_set_when_the_model_loses_the_person_on_it() -> None:
    """A clip's last picture held, on which the model finds the person on some frames only (seen: a squat clip's
    last picture): the set ends where the picture froze, not when the next picture moves."""
    parts = [("squat", 8.0), ("frozen:flicker", 3.0), ("frozen:supine_knees_bent", 2.0), ("bridge", 10.0)]
    found = split(parts).sets
    assert [f.analyser.name for f in found] == ["squat", "bridge"]
    assert abs(found[0].end_s - 8.0) <= 0.1 and found[0].ended_by == "the picture froze", found[0].end_s


def test_a_hold_after_a_frozen_cut_starts_where_its_pictures_move() -> None:
    """A joined session's gap: the squats' last picture held, then the stretch's first: the standing frames
    before the freeze are another clip, so the kneeling hold is on the floor from its first moving picture."""
    parts = [("squat", 8.0), ("frozen:standing", 1.5), ("frozen:kneeling", 1.5), ("hip_flexor_stretch", 8.0)]
    starts = [e.start_s for e in splitter_events(parts) if e.kind == "start"]
    assert len(starts) == 2 and abs(starts[1] - 11.0) <= 0.3, starts


def test_a_clip_of_few_pictures_a_second_is_a_set_not_a_frozen_picture() -> None:
    """Each picture repeated for 0.47 s (a demo at ~2 pictures a second in a 30 fps file): the body moves from
    picture to picture, so the set runs until the picture really freezes."""
    parts = [("still:standing", 2.0), ("slides:squat", 10.0), ("frozen:standing", 3.0)]
    events = splitter_events(parts)
    assert [e.kind for e in events] == ["start", "end"], events
    start, end = events
    assert abs(start.start_s - 2.0) <= 1.0 and abs(end.end_s - 12.0) <= 0.1 and end.why == "the picture froze"


def test_counts_per_set_from_its_own_frames() -> None:
    """Each set's analyser sees its own frames only, from its true start: the first rep is not lost."""
    parts = [("squat", 8.0), ("still:standing", 3.0), ("squat", 8.0)]
    found = split(parts, lambda: Analyser(registry.get("squat"))).sets
    alone = split([("squat", 8.0)], lambda: Analyser(registry.get("squat"))).sets
    assert len(found) == 2 and len(alone) == 1
    reps = len(alone[0].analyser.state.reps)
    assert reps >= 3
    assert [len(f.analyser.state.reps) for f in found] == [reps, reps]


def test_a_hold_is_timed_to_its_end_not_through_the_frozen_gap() -> None:
    found = split([("plank", 6.0), ("still:plank", 3.0), ("still:standing", 2.0)]).sets
    assert len(found) == 1
    held_s = sum(h.duration_s for h in found[0].analyser.state.holds)
    assert abs(held_s - 6.0) <= 1.0


@pytest.mark.parametrize(
    "parts",
    [
        [("still:standing", 6.0)],
        [("jitter:standing", 8.0)],
        [("still:supine_knees_bent", 6.0)],
        [("jitter:supine_knees_bent", 8.0)],
        [("still:plank", 5.0), ("still:standing", 5.0)],
    ],
    ids=["frozen standing", "standing still", "frozen on the back", "lying still on the back", "frozen plank"],
)
def test_gaps_never_make_a_set(parts: list[Part]) -> None:
    assert split(parts).sets == []


def test_the_splitter_reports_starts_and_ends_as_they_are_decided() -> None:
    splitter = SetSplitter()
    events = []
    for t, pose in recording([("still:standing", 2.0), ("squat", 6.0), ("still:standing", 3.0)]):
        events += splitter.update(pose, t)
    assert [e.kind for e in events] == ["start", "end"]
    start, end = events
    assert start.at_s >= start.start_s and end.at_s >= end.end_s  # decided after the fact, dated back
    assert abs(start.start_s - 2.0) <= 1.5 and abs(end.end_s - 8.0) <= 1.5
    assert end.at_s - end.end_s <= S.lag_s  # no frame after the end reached the set's analyser


def test_memory_stays_bounded() -> None:
    analyser = SetsAnalyser(AutoAnalyser)
    for t, pose in recording([("squat", 30.0)]):
        analyser.update(pose, t)
    assert analyser.splitter.motion.frames() <= S.move_window_s * FPS + 2
    assert analyser.buffered_s() <= S.buffer_s
