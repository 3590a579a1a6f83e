"""What the annotated video of a recording split into sets draws on each frame (formcheck.overlay.split_shown):
the whole recording's analysis while the recording so far is one set, then the set under way's own count and cue."""

from __future__ import annotations

import pytest

from exercises.framework.auto import AutoAnalyser
from exercises.framework.sets import SetsAnalyser
from formcheck.overlay import set_banner, split_shown
from tests.test_sets_splitter import Part, recording, repeated_pictures

TWO_SETS: list[Part] = [("lunge", 8.0), ("still:standing", 2.0), ("still:supine_knees_bent", 2.0), ("bridge", 10.0)]


def drawn(parts: list[Part]) -> list[tuple[str, tuple, tuple]]:
    """Per frame: what the frame is in ("first" before any set ended, "set" or "gap" after), the whole
    recording's feedback and spec, and what split_shown picked beside the set under way's feedback and spec."""
    whole, sets = AutoAnalyser(), SetsAnalyser(AutoAnalyser)
    out = []
    for (t, pose), same in zip(recording(parts), repeated_pictures(parts), strict=True):
        fb = whole.update(pose, t)
        sets.update(pose, t, same)
        where = "first" if not sets.sets else ("set" if sets.current is not None else "gap")
        shown, spec = split_shown(sets, fb, whole.spec, pose is not None)
        found = sets.current
        own = (found.feedback, found.analyser.spec) if found is not None else (None, None)
        out.append((where, (fb, whole.spec), (shown, spec, *own)))
    return out


def test_a_one_set_recording_is_drawn_with_the_whole_analysis() -> None:
    frames = drawn([("squat", 10.0)])
    assert all(where == "first" for where, *_ in frames)
    assert all(got[0] is whole[0] and got[1] is whole[1] for _, whole, got in frames)


@pytest.mark.parametrize("where", ["first", "set", "gap"])
def test_after_a_set_has_ended_a_frame_shows_the_set_under_way_not_the_whole_recording(where: str) -> None:
    frames = [f for f in drawn(TWO_SETS) if f[0] == where]
    assert frames, f"no frame {where}"
    for _, (whole_fb, whole_spec), (shown, spec, set_fb, set_spec) in frames:
        if where == "first":  # the lunges: the whole analysis is theirs
            assert shown is whole_fb and spec is whole_spec
            continue
        # Never an angle (measured a second before this frame) nor a tilt to colour the back's edge by; the edge is
        # this frame's. Nothing counted in a gap.
        assert set(shown.metrics) <= {"hold_s"} and shown.timestamp_s == whole_fb.timestamp_s
        assert shown.back_px is whole_fb.back_px
        if where == "gap":
            assert shown.cue is None and shown.rep_count == 0
            continue
        assert spec is set_spec  # the set's exercise's labels, not the whole recording's vote
        if set_fb is not None:
            assert shown.rep_count == set_fb.rep_count and shown.cue in (None, set_fb.cue)
    if where == "set":  # the bridges: named and counted by their own analyser
        last = frames[-1][2]
        assert last[1].name == "bridge" and last[0].rep_count >= 3


def test_the_video_names_a_set_only_once_it_counts_and_then_by_its_own_exercise() -> None:
    """Before its first rep the panel says "set N" alone (the vote's passing guess would misname it); from then on
    the set's exercise, the one it is."""
    sets, banners = SetsAnalyser(AutoAnalyser), []
    for (t, pose), same in zip(recording(TWO_SETS), repeated_pictures(TWO_SETS), strict=True):
        sets.update(pose, t, same)
        banner = set_banner(sets)
        counted = sets.current is not None and bool(sets.current.analyser.state.reps)
        banners.append((banner.title if banner else None, counted))
    assert {title for title, counted in banners if not counted} <= {"between sets", "set 1", "set 2"}
    assert {title for title, counted in banners if counted} == {"set 1: Lunge", "set 2: Glute bridge"}
