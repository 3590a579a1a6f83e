"""Test sessions for the session benchmark: real clips joined into whole-workout videos.

    formcheck build-sessions ../shared/videos/manifest.json ../shared/videos/programme/manifest.json \
        --out /tmp/formcheck-sessions [--sessions 3] [--sets 5] [--seed 1]

Each session is `--sets` clips of the clip manifests, drawn with `--seed` (the same seed and manifests
give the same sessions): no clip twice in a session, never the same exercise twice in a row. Between two
clips the person keeps still for a gap of `--gap MIN,MAX` seconds: the clip's last picture held for the
first half, the next clip's first picture for the second. Every picture is scaled whole into one size
(`--size`, black bars where the shapes differ); each clip's frames keep their own times shifted by the
clip's offset in the session (a 10 fps or a 60 fps clip stays so), the gaps' held frames are written at
`--fps`. The videos and their session manifest (sessions.json, docs/sessions.md) go to `--out`, which
must lie outside the repository: real videos and frames are never copied into it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from exercises.framework import registry
from formcheck.bench.sessions import read_json
from vision.video import RepeatWatch, VideoFileSource, thumbnail
from vision.writer import VideoWriter, letterbox

SESSION_MANIFEST = "sessions.json"
KIND = "formcheck-sessions"
VERSION = 1
PROJECT_ROOT = Path(__file__).resolve().parents[2]

Progress = Callable[[int, int], None]

# A clip's own picture held this long (s) at its start or end is a still, not the set: the set's true span
# leaves it out, as it leaves out the gaps' held pictures (a set is timed from its first movement to its
# last). Longer than any clip holds a picture mid-set (0.47 s: a 2.2 fps demo in a 30 fps file); the one clip
# it trims is squat_side_07, its last 2.2 s frozen after the last rep (measured 2026-12-07, is_repeat).
HELD_STILL_S = 1.0


class SessionBuildError(Exception):
    """Sessions that cannot be built from what was given; the message is one plain sentence."""


@dataclass(frozen=True)
class Clip:
    manifest: Path
    entry: dict
    exercise: str  # the registered name the entry's exercise stands for

    @property
    def path(self) -> Path:
        return self.manifest.parent / self.entry["file"]

    @property
    def name(self) -> str:
        return self.entry["file"]


@dataclass(frozen=True)
class PlannedSet:
    clip: Clip
    gap_before_s: float  # the still gap before this clip (0 for the first)


def load_clips(manifests: list[Path]) -> tuple[list[Clip], list[str]]:
    """Every clip of the manifests an analyser exists for, and what was left out (and why).

    A manifest that cannot be read, an entry without file or exercise, or a clip missing from its folder
    is an error.
    """
    clips: list[Clip] = []
    left_out: list[str] = []
    for manifest in manifests:
        data = read_json(manifest, "clip manifest", SessionBuildError)
        videos = data.get("videos") if isinstance(data, dict) else None
        if not isinstance(videos, list):
            raise SessionBuildError(f"The clip manifest {manifest} has no list of videos.")
        for n, entry in enumerate(videos, 1):
            if not isinstance(entry, dict) or "file" not in entry or "exercise" not in entry:
                raise SessionBuildError(f"Video {n} of the clip manifest {manifest} has no file or exercise.")
            name = registry.resolve(entry["exercise"])
            if name is None:
                left_out.append(f"{entry['file']} ({entry['exercise']}: no analyser)")
                continue
            clips.append(Clip(manifest, entry, name))
    missing = [str(c.path) for c in clips if not c.path.is_file()]
    if missing:
        raise SessionBuildError(f"Clip{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}.")
    return clips, left_out


def plan_sessions(
    clips: list[Clip], sessions: int, sets: int, seed: int, gap_s: tuple[float, float] = (3.0, 6.0)
) -> list[list[PlannedSet]]:
    """`sessions` lists of `sets` clips drawn with `seed`; no clip twice in a session, no exercise twice in a row."""
    if sessions < 1:
        raise SessionBuildError(f"Build at least 1 session (asked for {sessions}).")
    if sets < 2:
        raise SessionBuildError(f"A session needs at least 2 sets (asked for {sets}).")
    low, high = gap_s
    if not 0 < low <= high:
        raise SessionBuildError(f"The gap must be MIN,MAX seconds with 0 < MIN <= MAX (got {low:g},{high:g}).")
    rng = random.Random(seed)
    plans = []
    for _ in range(sessions):
        plan: list[PlannedSet] = []
        for k in range(sets):
            used = {id(p.clip) for p in plan}
            previous = plan[-1].clip.exercise if plan else None
            choices = [c for c in clips if id(c) not in used and c.exercise != previous]
            if not choices:
                raise SessionBuildError(
                    f"{len(clips)} clips cannot make a session of {sets} sets (no clip twice, never the same"
                    " exercise twice in a row); give more clips or fewer --sets."
                )
            gap = round(rng.uniform(low, high), 1) if k else 0.0
            plan.append(PlannedSet(rng.choice(choices), gap))
        plans.append(plan)
    return plans


def check_outside_repository(out: Path) -> None:
    if (PROJECT_ROOT / "pyproject.toml").is_file() and out.resolve().is_relative_to(PROJECT_ROOT):
        raise SessionBuildError(
            f"{out} is inside the repository ({PROJECT_ROOT}); real videos never go there: choose a folder outside it."
        )


def _shifted_holds(entry: dict, offset: float, end: float) -> list[dict]:
    """The clip's holds shifted by `offset`, each cut at the set's `end` (a manifest may time a hold to the
    container's length, a frame or two past the last frame decoded)."""
    return [
        {"start_s": round(offset + h["start_s"], 3), "end_s": round(min(end, offset + h["end_s"]), 3)}
        for h in entry.get("holds") or ()
    ]


def write_session(
    path: Path,
    plan: list[PlannedSet],
    size: tuple[int, int],
    fps: float,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Join the planned clips into one video at `path`; its session manifest entry (sets, gaps).

    `progress` is called with the number of frames written since the last call.
    """
    width, height = size
    sets: list[dict] = []
    gaps: list[dict] = []
    t_end = 0.0  # where the session's video has got to (s)
    last_rgb = None
    previous: Clip | None = None
    with VideoWriter(path, width, height, fps) as writer:
        for planned in plan:
            clip = planned.clip
            with VideoFileSource(clip.path) as source:
                frames = iter(source)
                first = next(frames)
                first_rgb = letterbox(first.rgb, writer.width, writer.height)
                offset = t_end
                if last_rgb is not None:
                    n = max(1, round(planned.gap_before_s * fps))
                    for k in range(n):
                        writer.write(last_rgb if k < n / 2 else first_rgb, t_end + k / fps)
                    offset = t_end + n / fps
                    gaps.append(
                        {
                            "start_s": round(t_end, 3),
                            "end_s": round(offset, 3),
                            "still": f"last frame of {previous.name} held, then the first frame of {clip.name}",
                        }
                    )
                    if progress:
                        progress(n)
                t0 = first.timestamp_s
                writer.write(first_rgb, offset)
                last_t, count = 0.0, 1
                changes = _PictureChanges(thumbnail(first_rgb))
                for frame in frames:
                    last_rgb = letterbox(frame.rgb, writer.width, writer.height)
                    last_t = frame.timestamp_s - t0
                    writer.write(last_rgb, offset + last_t)
                    changes.add(thumbnail(last_rgb), last_t)
                    count += 1
                    if progress and count % 30 == 0:
                        progress(30)
                if count == 1:
                    last_rgb = first_rgb
                if progress:
                    progress(count % 30)
                info = source.info
            step = 1.0 / info.fps if info.fps else (last_t / (count - 1) if count > 1 else 1.0 / fps)
            t_end = offset + last_t + step
            moving = changes.moving_span(last_t + step, step)
            sets.append(_set_entry(clip, offset, t_end, count, moving))
            previous = clip
    return {
        "file": path.name,
        "duration_s": round(t_end, 3),
        "width": writer.width,
        "height": writer.height,
        "fps": fps,
        "sets": sets,
        "gaps": gaps,
    }


class _PictureChanges:
    """Where a clip's picture first and last changed (its frames' thumbnails, in order)."""

    def __init__(self, first) -> None:
        self._repeats = RepeatWatch()
        self._repeats.update(first)
        self.first_change_s: float | None = None  # the time of the first frame unlike the one before
        self.last_change_s = 0.0  # the time of the last frame unlike the one before
        self._before_first = 0.0  # the time of the frame before the first change

    def add(self, small, t_s: float) -> None:
        if not self._repeats.update(small):
            if self.first_change_s is None:
                self.first_change_s = t_s
            self.last_change_s = t_s
        else:
            self._before_first = t_s if self.first_change_s is None else self._before_first

    def moving_span(self, end_s: float, step_s: float) -> tuple[float, float]:
        """(start, end) in the clip's time: its whole length, less a picture held `HELD_STILL_S` or more at
        either end (from the last frame of a held opening; to the end of the last changed frame)."""
        if self.first_change_s is None:
            return 0.0, end_s
        start = self._before_first if self._before_first >= HELD_STILL_S else 0.0
        tail = end_s - (self.last_change_s + step_s)
        return start, (self.last_change_s + step_s if tail >= HELD_STILL_S else end_s)


def _set_entry(clip: Clip, offset: float, end: float, frames: int, moving: tuple[float, float]) -> dict:
    entry = clip.entry
    reps = entry.get("reps")
    holds = _shifted_holds(entry, offset, end)
    start_s, end_s = offset + moving[0], offset + moving[1]
    out = {
        "exercise": clip.exercise,
        "start_s": round(start_s, 3),
        "end_s": round(end_s, 3),
        "reps": reps,
        "hold_s": round(sum(h["end_s"] - h["start_s"] for h in holds), 3) if reps is None else None,
        "rep_times_s": [round(offset + t, 3) for t in entry.get("rep_times_s") or ()],
        "holds": holds,
        "view": entry.get("view"),
        "source": {
            "manifest": str(clip.manifest),
            "file": clip.name,
            "offset_s": round(offset, 3),
            "frames": frames,
            # The clip's own picture held at its start or end (s), left out of start_s/end_s.
            "held_still_s": [round(start_s - offset, 3), round(end - end_s, 3)],
        },
    }
    return out


def build_sessions(
    manifests: list[Path],
    out: Path,
    sessions: int = 3,
    sets: int = 5,
    seed: int = 1,
    gap_s: tuple[float, float] = (3.0, 6.0),
    size: tuple[int, int] = (1280, 720),
    fps: float = 30.0,
    progress: Progress | None = None,
) -> dict:
    """Build the session videos and `out`/sessions.json; the session manifest written."""
    check_outside_repository(out)
    clips, left_out = load_clips(manifests)
    plans = plan_sessions(clips, sessions, sets, seed, gap_s)
    out.mkdir(parents=True, exist_ok=True)
    total = sum(int(p.clip.entry.get("frames") or 0) + round(p.gap_before_s * fps) for plan in plans for p in plan)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, max(total, done))

    entries = [write_session(out / f"session_{k:02d}.mp4", plan, size, fps, step) for k, plan in enumerate(plans, 1)]
    manifest = {
        "kind": KIND,
        "version": VERSION,
        "description": "Whole-workout test sessions joined from real clips (formcheck build-sessions); "
        "the true sets come from the clip manifests, shifted by each clip's offset in the session.",
        "conventions": {
            "sets": "in time order; start_s/end_s: the clip's first frame and the end of its last, s from the "
            f"session's first frame, less the clip's own picture held {HELD_STILL_S:g} s or more at either end",
            "reps": "the clip manifest's completed reps; null for a hold set",
            "hold_s": "a hold set's time held (the sum of its holds); null for a rep set",
            "rep_times_s": "the clip manifest's rep times plus the set's offset",
            "holds": "the clip manifest's holds plus the set's offset",
            "gaps": "the still time between two sets: the last frame of one held, then the first of the next",
        },
        "built": {
            "seed": seed,
            "sets_per_session": sets,
            "gap_s": list(gap_s),
            "size": [entries[0]["width"], entries[0]["height"]] if entries else list(size),
            "fps": fps,
            "sources": [str(m) for m in manifests],
            "left_out": left_out,
        },
        "sessions": entries,
    }
    (out / SESSION_MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest
