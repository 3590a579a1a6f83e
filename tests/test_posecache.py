"""The pose cache keeps every pose field, the trunk's outline included, and refuses files of an older format."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from formcheck.bench.posecache import FORMAT, cache_path, load_track, save_track
from tests.synthetic import squat_side
from tests.test_back_cues import with_back
from vision.outline import BackProfile, NoProfile, TrunkOutline


def test_a_track_with_outlines_comes_back_as_it_was(tmp_path):
    poses = [with_back(squat_side(40.0, 10.0, 0.0), 6.0), with_back(squat_side(60.0, 20.0, 0.1), None)]
    poses.append(replace(squat_side(0.0, 0.0, 0.2), outline=None))
    track = [(0.0, poses[0]), (0.1, poses[1]), (0.2, poses[2]), (0.3, None)]
    path = tmp_path / "track.npz"
    save_track(path, track)
    loaded = load_track(path)
    assert [t for t, _ in loaded] == [t for t, _ in track]
    assert loaded[3][1] is None
    assert loaded[2][1].outline is None
    assert isinstance(loaded[1][1].outline, NoProfile)
    assert loaded[1][1].outline.reason == poses[1].outline.reason
    first, original = loaded[0][1].outline, poses[0].outline
    assert isinstance(first, TrunkOutline)
    np.testing.assert_allclose(first.normal, original.normal)
    for side in ("plus", "minus"):
        got, want = getattr(first, side), getattr(original, side)
        assert type(got) is type(want)
        if isinstance(want, BackProfile):
            np.testing.assert_allclose(got.offsets, want.offsets)
            np.testing.assert_allclose(got.points_px, want.points_px)
            assert got.trunk_px == want.trunk_px
        else:
            assert got.reason == want.reason
    np.testing.assert_allclose(loaded[0][1].xy_px, poses[0].xy_px)


def test_a_loaded_track_reads_each_array_once(tmp_path):
    """Its outlines are rows of one array per field, not each a row of its own copy of the whole track's array
    (that kept ~2 MB a frame of a 720p recording alive: 3.8 GB for 65 s)."""
    track = [(i / 30, with_back(squat_side(40.0, 10.0, i / 30), 6.0)) for i in range(50)]
    save_track(tmp_path / "track.npz", track)
    edges = [pose.outline.plus for _, pose in load_track(tmp_path / "track.npz")]
    assert all(isinstance(edge, BackProfile) for edge in edges)
    assert len({id(edge.offsets.base) for edge in edges}) == 1
    assert len({id(edge.points_px.base) for edge in edges}) == 1


def test_the_cache_name_carries_the_format(tmp_path):
    video, model = tmp_path / "v.mp4", tmp_path / "m.task"
    video.write_bytes(b"x")
    model.write_bytes(b"y")
    assert cache_path(tmp_path, video, "original", model).name.endswith(f"__{FORMAT}.npz")


def test_a_copy_of_a_video_shares_its_poses_and_a_changed_one_does_not(tmp_path):
    """The app's upload writes the video to a temporary file: same bytes, another time stamp, same cache file."""
    import os

    model = tmp_path / "m.task"
    model.write_bytes(b"y")
    video, copy, changed = tmp_path / "v.mp4", tmp_path / "upload" / "v.mp4", tmp_path / "edited" / "v.mp4"
    video.write_bytes(b"frames" * 1000)
    for path, data in ((copy, b"frames" * 1000), (changed, b"framez" * 1000)):
        path.parent.mkdir()
        path.write_bytes(data)
    os.utime(copy, (1_000_000, 1_000_000))
    assert cache_path(tmp_path, copy, "original", model) == cache_path(tmp_path, video, "original", model)
    assert cache_path(tmp_path, changed, "original", model) != cache_path(tmp_path, video, "original", model)


def test_processes_sharing_a_cache_estimate_each_track_once(tmp_path, monkeypatch):
    """Parallel test workers (and the benchmarks' pool) share one cache: the second caller of a track
    being estimated waits for it and reads it, instead of running the model on the same video again.
    Threads stand in for processes: each opens the lock file on its own, as a process does."""
    import threading
    import time

    from formcheck.bench import posecache

    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not decoded: estimate_track is replaced")
    calls: list[float] = []

    def slow_estimate(video, variant, box, stretch):
        calls.append(time.monotonic())
        time.sleep(0.3)  # long enough for the other caller to arrive while this one estimates
        return [(0.0, None), (0.1, squat_side(40.0, 10.0, 0.1))]

    monkeypatch.setattr(posecache, "estimate_track", slow_estimate)
    tracks: list = []
    callers = [
        threading.Thread(target=lambda: tracks.append(posecache.cached_track(video, "original", None, None, tmp_path)))
        for _ in range(2)
    ]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(calls) == 1
    assert [[t for t, _ in track] for track in tracks] == [[0.0, 0.1], [0.0, 0.1]]
