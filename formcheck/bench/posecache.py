"""The pose model's raw output for a whole video, kept on disk so benchmarks can replay the analysers.

The model is ~90 % of an analysis' time and does not change when an analyser does, so
`formcheck bench-accuracy --cache DIR` stores each video's (and each perturbed
variant's) raw poses once and re-runs only smoothing and analysis afterwards. A cache
file is named after the video's name, size and content, the variant and the model
bundle's size: a changed video or model is estimated afresh. `FORMAT` goes into the
name too: files from before the trunk's outline was estimated are not read.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no lock, two processes may then estimate the same track (still correct)
    fcntl = None

import numpy as np

from vision import perturb
from vision.estimator import DEFAULT_MODEL
from vision.landmarks import NUM_LANDMARKS
from vision.outline import STATIONS, BackProfile, Edge, NoProfile, TrunkOutline
from vision.perturb import BodyBox, Stretch
from vision.pose import Pose
from vision.video import VideoFileSource

Track = list[tuple[float, Pose | None]]  # (frame time, raw pose or None) per frame
ORIGINAL = "original"  # the variant of a video left as it is
TRACK_MAX_SIDE_PX = 1280  # frames are estimated at this size, as the pipeline's default (pixels in the poses)
FORMAT = "o2"  # o1: poses carry the trunk's outline; o2: rays reach 0.8 trunk lengths


def cache_path(folder: Path, video: Path, variant: str, model: Path) -> Path:
    key = f"{video.stem}__{variant}__{video.stat().st_size}-{_content_digest(video)}__m{model.stat().st_size}__{FORMAT}"
    return folder / f"{key}.npz"


def _content_digest(video: Path) -> str:
    """The file's bytes in 16 hex digits, not its modification time: a copy of a video (the app's upload
    writes one to a temporary file) shares its poses; a changed video is estimated afresh."""
    digest = hashlib.blake2b(digest_size=8)
    with video.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def estimate_track(
    video: Path, variant: str = ORIGINAL, box: BodyBox | None = None, stretch: Stretch | None = None
) -> Track:
    """Raw poses of every frame of `video` as changed by `variant` (ORIGINAL: unchanged)."""
    from vision.estimator import EstimatorConfig, PoseEstimator

    track: Track = []
    with VideoFileSource(video, max_side_px=TRACK_MAX_SIDE_PX) as source, PoseEstimator(EstimatorConfig()) as estimator:
        frames = iter(source) if variant == ORIGINAL else perturb.apply(variant, source, box, stretch)
        for frame in frames:
            track.append((frame.timestamp_s, estimator.estimate(frame.rgb, frame.timestamp_s)))
    return track


def cached_track(video: Path, variant: str, box, stretch, cache: Path | None) -> Track:
    """`estimate_track`, through the pose cache when a cache folder is given."""
    if cache is None:
        return estimate_track(video, variant, box, stretch)
    path = cache_path(cache, video, variant, DEFAULT_MODEL)
    if path.exists():
        return load_track(path)
    with _track_lock(path):
        if path.exists():  # another process estimated it while this one waited
            return load_track(path)
        track = estimate_track(video, variant, box, stretch)
        save_track(path, track)
    return track


@contextmanager
def _track_lock(path: Path) -> Iterator[None]:
    """One process at a time estimates a track: processes sharing a cache (parallel test workers, the
    benchmarks' pool) wait for the first one's poses instead of running the model on the same video."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)


class TrackReplay:
    """Stands in for the pose model on a video whose track is known: its poses, frame after frame.

    Each frame must come at the time the track has for it: a cached track of another video, or
    of the same video decoded differently, fails loudly instead of mixing poses and frames.
    """

    def __init__(self, track: Track) -> None:
        self._track = track
        self._next = 0

    def estimate(self, rgb: np.ndarray, timestamp_s: float) -> Pose | None:
        if self._next >= len(self._track):
            raise ValueError(f"the cached pose track has only {len(self._track)} frames; the video has more")
        t, pose = self._track[self._next]
        if t != timestamp_s:
            raise ValueError(f"cached pose track out of step: frame {self._next} at {timestamp_s} s, cached at {t} s")
        self._next += 1
        return pose

    def close(self) -> None:
        pass


def save_track(path: Path, track: Track) -> None:
    n = len(track)
    xy = np.full((n, NUM_LANDMARKS, 2), np.nan)
    vis = np.zeros((n, NUM_LANDMARKS))
    world = np.full((n, NUM_LANDMARKS, 3), np.nan)
    size = np.zeros((n, 2), dtype=np.int32)
    people = np.zeros(n, dtype=np.int16)
    times = np.array([t for t, _ in track], dtype=float)
    for i, (_, pose) in enumerate(track):
        if pose is None:
            continue
        xy[i], vis[i], world[i] = pose.xy_px, pose.visibility, pose.world_m
        size[i] = pose.image_size_px
        people[i] = pose.people_detected
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")  # worker processes may write the same track at once
    outlines = _pack_outlines([pose.outline if pose is not None else None for _, pose in track])
    np.savez_compressed(tmp, t=times, xy=xy, vis=vis, world=world, size=size, people=people, **outlines)
    tmp.replace(path)  # never leave half a file under the real name


def load_track(path: Path) -> Track:
    # Each array read once: an NpzFile decompresses a whole array on every `npz[key]`, so reading them frame by
    # frame took time growing with the square of the frames, and each pose kept a row of its own full copy
    # alive (3.8 GB for a 65 s 720p recording).
    with np.load(path) as npz:
        data = {key: npz[key] for key in npz.files}
    track: Track = []
    for i, t in enumerate(data["t"]):
        if data["people"][i] == 0:
            track.append((float(t), None))
            continue
        pose = Pose(
            timestamp_s=float(t),
            xy_px=data["xy"][i],
            visibility=data["vis"][i],
            world_m=data["world"][i],
            image_size_px=(int(data["size"][i][0]), int(data["size"][i][1])),
            people_detected=int(data["people"][i]),
            outline=_unpack_outline(data, i),
        )
        track.append((float(t), pose))
    return track


def duration_s(track: Track) -> float:
    return track[-1][0] - track[0][0] if track else math.nan


def _pack_outlines(outlines: list[TrunkOutline | NoProfile | None]) -> dict[str, np.ndarray]:
    """Arrays for the outlines of a track: `o_reason` is "" for an outline, "-" when none was asked for."""
    n = len(outlines)
    packed = {"o_normal": np.full((n, 2), np.nan), "o_reason": np.full(n, "-", dtype=object)}
    for name in ("plus", "minus"):
        packed[f"o_{name}_offsets"] = np.full((n, STATIONS), np.nan)
        packed[f"o_{name}_points"] = np.full((n, STATIONS, 2), np.nan)
        packed[f"o_{name}_trunk"] = np.full(n, np.nan)
        packed[f"o_{name}_reason"] = np.full(n, "", dtype=object)
    for i, outline in enumerate(outlines):
        if isinstance(outline, NoProfile):
            packed["o_reason"][i] = outline.reason
        elif isinstance(outline, TrunkOutline):
            packed["o_reason"][i] = ""
            packed["o_normal"][i] = outline.normal
            for name in ("plus", "minus"):
                edge = getattr(outline, name)
                if isinstance(edge, NoProfile):
                    packed[f"o_{name}_reason"][i] = edge.reason
                    continue
                packed[f"o_{name}_offsets"][i] = edge.offsets
                packed[f"o_{name}_points"][i] = edge.points_px
                packed[f"o_{name}_trunk"][i] = edge.trunk_px
    # Fixed-width text arrays load without pickle.
    return {k: (v.astype(str) if v.dtype == object else v) for k, v in packed.items()}


def _unpack_outline(data, i: int) -> TrunkOutline | NoProfile | None:
    reason = str(data["o_reason"][i])
    if reason == "-":
        return None
    if reason:
        return NoProfile(reason)
    return TrunkOutline(data["o_normal"][i], _unpack_edge(data, "plus", i), _unpack_edge(data, "minus", i))


def _unpack_edge(data, name: str, i: int) -> Edge:
    reason = str(data[f"o_{name}_reason"][i])
    if reason:
        return NoProfile(reason)
    stations = np.linspace(0.0, 1.0, STATIONS)
    return BackProfile(
        stations, data[f"o_{name}_offsets"][i], float(data[f"o_{name}_trunk"][i]), data[f"o_{name}_points"][i]
    )
