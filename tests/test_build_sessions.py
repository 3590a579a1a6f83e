"""Joined test sessions, on tiny synthetic clips made here: offsets, gaps, shifted rep times, the pictures."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.bench.build_sessions import (
    PROJECT_ROOT,
    SessionBuildError,
    build_sessions,
    load_clips,
    plan_sessions,
)
from formcheck.cli import main
from vision.video import VideoFileSource
from vision.writer import VideoWriter

# file, exercise (as a manifest may spell it), size, fps, frames, colour, reps, rep times, holds
CLIPS = [
    ("a_squat.mp4", "squat", (64, 48), 10.0, 20, (200, 40, 40), 2, [0.5, 1.5], []),
    ("b_plank.mp4", "plank", (48, 64), 25.0, 25, (40, 200, 40), None, [], [{"start_s": 0.0, "end_s": 1.04}]),
    ("c_bridge.mp4", "glute_bridge", (64, 64), 20.0, 30, (40, 40, 200), 1, [0.7], []),
]


def _write_clip(
    path: Path, size: tuple[int, int], fps: float, frames: int, colour, held: tuple[int, int] | None = None
):
    """A clip of one colour with a bar moving along its bottom edge (every picture another) and its first frame
    marked in a corner; or, with `held`, unmarked and the same picture held over its first and last frames."""
    width, height = size
    with VideoWriter(path, width, height, fps) as writer:
        for k in range(frames):
            rgb = np.zeros((height, width, 3), np.uint8)
            rgb[:] = colour
            rgb[:8, :8] = 255 if k == 0 and held is None else 0
            start, end = held or (0, 0)
            moved = min(max(k, start), frames - 1 - end)  # the bar stands still in the held frames
            rgb[-8:, (4 * moved) % (width - 8) : (4 * moved) % (width - 8) + 8] = 255
            writer.write(rgb, k / fps)


@pytest.fixture
def clip_manifest(tmp_path) -> Path:
    folder = tmp_path / "clips"
    folder.mkdir()
    videos = []
    for file, exercise, size, fps, frames, colour, reps, times, holds in CLIPS:
        _write_clip(folder / file, size, fps, frames, colour)
        videos.append(
            {
                "file": file,
                "exercise": exercise,
                "fps": fps,
                "frames": frames,
                "duration_s": frames / fps,
                "reps": reps,
                "rep_times_s": times,
                "holds": holds,
                "view": "side-right",
            }
        )
    videos.append({"file": "d_other.mp4", "exercise": "hula_hoop", "reps": 3})  # no analyser: left out
    path = folder / "manifest.json"
    path.write_text(json.dumps({"videos": videos}))
    return path


def test_clips_are_joined_with_still_gaps_and_shifted_times(clip_manifest, tmp_path):
    out = tmp_path / "sessions"
    manifest = build_sessions(
        [clip_manifest], out, sessions=1, sets=3, seed=3, gap_s=(1.0, 1.0), size=(64, 48), fps=10.0
    )
    assert json.loads((out / "sessions.json").read_text()) == manifest
    assert manifest["built"]["left_out"] == ["d_other.mp4 (hula_hoop: no analyser)"]
    session = manifest["sessions"][0]
    sets = session["sets"]
    assert sorted(s["exercise"] for s in sets) == ["bridge", "plank", "squat"]  # the alias is resolved
    durations = {"squat": 2.0, "plank": 1.0, "bridge": 1.5}
    t = 0.0
    for k, s in enumerate(sets):
        assert s["start_s"] == pytest.approx(t + (1.0 if k else 0.0))
        assert s["end_s"] - s["start_s"] == pytest.approx(durations[s["exercise"]])
        assert s["source"]["offset_s"] == s["start_s"] and s["source"]["held_still_s"] == [0.0, 0.0]
        t = s["end_s"]
    assert session["duration_s"] == pytest.approx(2.0 + 1.0 + 1.5 + 2 * 1.0)
    assert [(g["start_s"], g["end_s"]) for g in session["gaps"]] == [
        (sets[0]["end_s"], sets[1]["start_s"]),
        (sets[1]["end_s"], sets[2]["start_s"]),
    ]
    by_name = {s["exercise"]: s for s in sets}
    squat, plank, bridge = by_name["squat"], by_name["plank"], by_name["bridge"]
    assert squat["rep_times_s"] == pytest.approx([squat["start_s"] + 0.5, squat["start_s"] + 1.5])
    assert bridge["rep_times_s"] == pytest.approx([bridge["start_s"] + 0.7])
    assert (squat["reps"], squat["hold_s"]) == (2, None)
    assert (plank["reps"], plank["hold_s"]) == (None, 1.0)  # the hold timed past the clip's end is cut there
    assert plank["holds"] == [{"start_s": plank["start_s"], "end_s": pytest.approx(plank["start_s"] + 1.0)}]

    # The video: every clip frame and the gaps' held frames, at the manifest's times, in one size.
    colours = {c[1] if c[1] != "glute_bridge" else "bridge": np.array(c[5]) for c in CLIPS}
    with VideoFileSource(out / session["file"]) as source:
        frames = list(source)
    assert (source.info.width, source.info.height) == (64, 48)
    assert len(frames) == 20 + 25 + 30 + 2 * 10
    step = {"squat": 0.1, "plank": 0.04, "bridge": 0.05}[sets[-1]["exercise"]]  # the last clip's frame interval
    assert frames[-1].timestamp_s == pytest.approx(session["duration_s"] - step, abs=0.002)

    def at(time_s: float):
        return min(frames, key=lambda f: abs(f.timestamp_s - time_s))

    for s in sets:
        first = at(s["start_s"])
        assert abs(first.timestamp_s - s["start_s"]) < 0.002
        assert np.abs(first.rgb[24, 32].astype(int) - colours[s["exercise"]]).max() < 25
    gap = session["gaps"][0]
    before, after = at(gap["start_s"] + 0.2), at(gap["end_s"] - 0.2)
    assert np.abs(before.rgb[24, 32].astype(int) - colours[sets[0]["exercise"]]).max() < 25  # the last frame held
    assert np.abs(after.rgb[24, 32].astype(int) - colours[sets[1]["exercise"]]).max() < 25  # the next one's first


def test_the_plan_is_the_seeds_and_never_repeats_an_exercise_in_a_row(clip_manifest):
    clips, _ = load_clips([clip_manifest])
    first = plan_sessions(clips, 4, 3, seed=7)
    again = plan_sessions(clips, 4, 3, seed=7)
    assert [[(p.clip.name, p.gap_before_s) for p in plan] for plan in first] == [
        [(p.clip.name, p.gap_before_s) for p in plan] for plan in again
    ]
    for plan in first:
        assert plan[0].gap_before_s == 0.0 and all(3.0 <= p.gap_before_s <= 6.0 for p in plan[1:])
        names = [p.clip.exercise for p in plan]
        assert all(a != b for a, b in itertools.pairwise(names))
        assert len({p.clip.name for p in plan}) == 3
    with pytest.raises(SessionBuildError, match="cannot make a session of 4 sets"):
        plan_sessions(clips, 1, 4, seed=7)


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda m: m.write_text("{broken"), "not valid JSON"),
        (lambda m: m.write_text('{"clips": []}'), "no list of videos"),
        (lambda m: (m.parent / "b_plank.mp4").unlink(), "Clip missing: .*b_plank.mp4"),
        (lambda m: m.unlink(), "Cannot read the clip manifest"),
    ],
    ids=["bad json", "no videos", "missing clip", "no manifest"],
)
def test_bad_input_is_one_clear_sentence(clip_manifest, tmp_path, change, words):
    change(clip_manifest)
    with pytest.raises(SessionBuildError, match=words):
        build_sessions([clip_manifest], tmp_path / "out", sessions=1, sets=2)


def test_the_command_refuses_a_folder_in_the_repository_and_reports_bad_input(clip_manifest, tmp_path, capsys):
    assert main(["build-sessions", str(clip_manifest), "--out", str(PROJECT_ROOT / "samples" / "s")]) == 2
    assert "inside the repository" in capsys.readouterr().err
    assert not (PROJECT_ROOT / "samples" / "s").exists()
    assert main(["build-sessions", str(tmp_path / "nothing.json"), "--out", str(tmp_path / "o")]) == 2
    assert "Cannot read the clip manifest" in capsys.readouterr().err


def test_the_command_builds_and_bench_accuracy_knows_the_session_manifest(clip_manifest, tmp_path, capsys):
    out = tmp_path / "o"
    args = [
        "build-sessions",
        str(clip_manifest),
        "--out",
        str(out),
        "--sessions",
        "1",
        "--sets",
        "2",
        "--gap",
        "1",
        "--size",
        "64x64",
        "--fps",
        "10",
    ]
    assert main(args) == 0
    assert "session manifest:" in capsys.readouterr().out
    from formcheck.bench.sessions import is_session_manifest, read_session_manifest, true_sets_of

    assert is_session_manifest(out / "sessions.json")
    session = read_session_manifest(out / "sessions.json")["sessions"][0]
    assert len(true_sets_of(session)) == 2
    (out / session["file"]).unlink()
    assert main(["bench-accuracy", str(out / "sessions.json")]) == 2
    assert "No session video" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("held", "span"),
    [
        ((0, 0), (0.0, 3.0)),  # moving throughout: the whole clip
        ((0, 15), (0.0, 1.5)),  # frames 14-29 one picture: the set ends with frame 14 (the last change)
        ((12, 0), (1.2, 3.0)),  # frames 0-12 one picture: the set starts with frame 12 (the last still one)
        ((5, 5), (0.0, 3.0)),  # half a second still at either end: a slow clip's pace, part of the set
    ],
    ids=["moving", "held end", "held start", "short stills"],
)
def test_a_clips_own_held_picture_at_either_end_is_left_out_of_its_set(tmp_path, held, span):
    """A picture held a second or more at a clip's start or end is a still like the gaps' held frames: the true
    set is the clip's moving part (the splitter ends a set where the picture froze)."""
    folder = tmp_path / "clips"
    folder.mkdir()
    videos = []
    for file, exercise, hold in (("a_squat.mp4", "squat", held), ("b_bridge.mp4", "glute_bridge", None)):
        _write_clip(folder / file, (64, 48), 10.0, 30, (200, 40, 40), hold)
        videos.append({"file": file, "exercise": exercise, "frames": 30, "reps": 1, "rep_times_s": [1.0]})
    (folder / "manifest.json").write_text(json.dumps({"videos": videos}))
    manifest = build_sessions(
        [folder / "manifest.json"], tmp_path / "s", sessions=1, sets=2, seed=1, gap_s=(1.0, 1.0), size=(64, 48), fps=10
    )
    squat = next(s for s in manifest["sessions"][0]["sets"] if s["exercise"] == "squat")
    offset = squat["source"]["offset_s"]
    assert (squat["start_s"] - offset, squat["end_s"] - offset) == pytest.approx(span, abs=0.001)
    assert squat["source"]["held_still_s"] == pytest.approx([span[0], 3.0 - span[1]], abs=0.001)
    assert squat["rep_times_s"] == pytest.approx([offset + 1.0])  # the clip's own times, unchanged
