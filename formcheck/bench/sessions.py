"""Session benchmark: the sets of a whole-workout recording, found or not, against a session manifest.

    formcheck build-sessions ../shared/videos/manifest.json ../shared/videos/programme/manifest.json \
        --out /tmp/formcheck-sessions
    formcheck bench-accuracy /tmp/formcheck-sessions/sessions.json

A session manifest (docs/sessions.md) lists, per joined video, its true sets: exercise, start_s,
end_s, reps (or hold_s for a hold) and the clip each came from. Each session video is analysed as
`formcheck analyse --exercise auto` does; the sets it found are the report's `sets` list when the
report has one, else the whole video as one set with the report's exercise and rep count (all there
is before set splitting exists). Found sets are matched to true sets by time overlap and scored:
sets found, sets invented, exercise named right, count right, boundaries within BOUNDARY_TOLERANCE_S.

The matching and scoring are pure functions of the two lists of sets.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from formcheck.bench.accuracy import HOLD_TOLERANCE_S
from formcheck.report import CANNOT_TELL

# A found set's start and end each within this of the true set's (s): the boundary is right.
BOUNDARY_TOLERANCE_S = 1.5
# A found set with less than this share of its length inside true sets lies mostly in a gap: invented.
MIN_IN_SETS_SHARE = 0.5


class SessionManifestError(Exception):
    """A session manifest that cannot be used; the message is one plain sentence."""


@dataclass(frozen=True)
class SessionSet:
    """One set, true (from a session manifest) or found (from an analysis).

    `reps` is None for a hold set (and `hold_s` its time held); `exercise` None: not named.
    """

    exercise: str | None
    start_s: float
    end_s: float
    reps: int | None = None
    hold_s: float | None = None

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)

    def overlap_s(self, other: SessionSet) -> float:
        return max(0.0, min(self.end_s, other.end_s) - max(self.start_s, other.start_s))


@dataclass(frozen=True)
class SetMatch:
    """A true set and the found set matched to it (None: missed)."""

    true: SessionSet
    found: SessionSet | None

    @property
    def exercise_right(self) -> bool:
        return self.found is not None and self.found.exercise == self.true.exercise

    @property
    def count_right(self) -> bool:
        """Reps exact for a rep set; for a hold set, the time held within HOLD_TOLERANCE_S."""
        if self.found is None:
            return False
        if self.true.reps is not None:
            return self.found.reps == self.true.reps
        if self.true.hold_s is None or self.found.hold_s is None:
            return False
        return abs(self.found.hold_s - self.true.hold_s) <= HOLD_TOLERANCE_S

    @property
    def start_error_s(self) -> float | None:
        return None if self.found is None else self.found.start_s - self.true.start_s

    @property
    def end_error_s(self) -> float | None:
        return None if self.found is None else self.found.end_s - self.true.end_s

    @property
    def boundaries_right(self) -> bool:
        if self.found is None:
            return False
        return (
            abs(self.found.start_s - self.true.start_s) <= BOUNDARY_TOLERANCE_S
            and abs(self.found.end_s - self.true.end_s) <= BOUNDARY_TOLERANCE_S
        )


@dataclass(frozen=True)
class SessionScore:
    file: str
    matches: tuple[SetMatch, ...]  # one per true set, in the manifest's order
    invented: tuple[SessionSet, ...]  # found sets matched to no true set
    found_from: str = "sets"  # "sets": the report's sets list; "whole video": the fallback

    @property
    def found(self) -> int:
        return sum(m.found is not None for m in self.matches)


def in_sets_s(found: SessionSet, true_sets: list[SessionSet]) -> float:
    """Time (s) of `found` that lies inside a true set (true sets do not overlap one another)."""
    return sum(found.overlap_s(t) for t in true_sets)


def match_sets(true_sets: list[SessionSet], found_sets: list[SessionSet]) -> tuple[list[SetMatch], list[SessionSet]]:
    """Found sets matched one to one to true sets by time overlap; (matches per true set, invented sets).

    A found set lying mostly in a gap (less than MIN_IN_SETS_SHARE of it inside true sets) matches
    nothing. The others are paired greedily, the largest overlap first (on a tie, the pair naming the
    same exercise first), each true and each found set at most once; a found set left without a true
    set (a second piece of a set already matched) is invented too.
    """
    eligible = [
        j
        for j, f in enumerate(found_sets)
        if f.duration_s > 0 and in_sets_s(f, true_sets) >= MIN_IN_SETS_SHARE * f.duration_s
    ]
    pairs = sorted(
        (
            (found_sets[j].overlap_s(t), found_sets[j].exercise != t.exercise, i, j)
            for i, t in enumerate(true_sets)
            for j in eligible
            if found_sets[j].overlap_s(t) > 0
        ),
        key=lambda p: (-p[0], p[1], p[2], p[3]),
    )
    true_of: dict[int, int] = {}
    taken: set[int] = set()
    for _, _, i, j in pairs:
        if i in true_of or j in taken:
            continue
        true_of[i] = j
        taken.add(j)
    matches = [SetMatch(t, found_sets[true_of[i]] if i in true_of else None) for i, t in enumerate(true_sets)]
    invented = [f for j, f in enumerate(found_sets) if j not in taken]
    return matches, invented


def score_session(file: str, true_sets: list[SessionSet], found_sets: list[SessionSet], found_from: str = "sets"):
    matches, invented = match_sets(true_sets, found_sets)
    return SessionScore(file, tuple(matches), tuple(invented), found_from)


def score_reports(sessions: list[dict], reports: list[dict]) -> list[SessionScore]:
    """Each session manifest entry scored against the report.json of its video's analysis."""
    scores = []
    for session, report in zip(sessions, reports, strict=True):
        found, found_from = found_sets_of(report)
        scores.append(score_session(session["file"], true_sets_of(session), found, found_from))
    return scores


def summarise_sessions(scores: list[SessionScore]) -> dict:
    matches = [m for s in scores for m in s.matches]
    return {
        "sessions": len(scores),
        "true_sets": len(matches),
        "found": sum(m.found is not None for m in matches),
        "invented": sum(len(s.invented) for s in scores),
        "exercise_right": sum(m.exercise_right for m in matches),
        "count_right": sum(m.count_right for m in matches),
        "boundaries_right": sum(m.boundaries_right for m in matches),
        "found_from_whole_video": sum(s.found_from == "whole video" for s in scores),
    }


# -- reading the sets ---------------------------------------------------------------------------------


def true_sets_of(session: dict) -> list[SessionSet]:
    """A session manifest entry's sets."""
    return [
        SessionSet(
            s["exercise"],
            float(s["start_s"]),
            float(s["end_s"]),
            _int_or_none(s.get("reps")),
            _float_or_none(s.get("hold_s")),
        )
        for s in session["sets"]
    ]


def found_sets_of(report: dict) -> tuple[list[SessionSet], str]:
    """The sets an analysis found: the report's `sets` when it has them, else the whole video as one set.

    A set of the report is read for: exercise, start_s, end_s, and its count as `rep_count` (else `reps`,
    a number or the list of reps) and its time held as `hold_s` (else the sum of its `holds`' duration_s).
    """
    if report.get("sets") is not None:
        return [_found_set(s) for s in report["sets"]], "sets"
    whole = dict(report, start_s=0.0, end_s=float(report.get("duration_s") or 0.0))
    if (report.get("exercise_detection") or {}).get("unsure"):
        whole["exercise"] = None
    return [_found_set(whole)], "whole video"


def _found_set(s: dict) -> SessionSet:
    reps = s.get("rep_count")
    if reps is None:
        reps = s.get("reps")
    if isinstance(reps, list):
        reps = len(reps)
    hold = s.get("hold_s")
    if hold is None and s.get("holds"):
        hold = sum(float(h.get("duration_s") or 0.0) for h in s["holds"])
    if hold is None and isinstance(s.get("summary"), dict):
        hold = s["summary"].get("hold_total_s")
    return SessionSet(
        s.get("exercise"), float(s["start_s"]), float(s["end_s"]), _int_or_none(reps), _float_or_none(hold)
    )


def _int_or_none(value) -> int | None:
    return None if value is None else int(value)


def _float_or_none(value) -> float | None:
    return None if value is None else float(value)


# -- the manifest ---------------------------------------------------------------------------------------


def is_session_manifest(manifest: Path) -> bool:
    """A session manifest holds `sessions` (a clip manifest holds `videos`)."""
    try:
        data = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "sessions" in data


def read_json(path: Path, what: str, error: type[Exception]) -> object:
    """The JSON in `path`, or `error` naming `what` it is when it cannot be read or parsed."""
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise error(f"Cannot read the {what} {path} ({exc.strerror}).") from exc
    except ValueError as exc:
        raise error(f"The {what} {path} is not valid JSON ({exc}).") from exc


def read_session_manifest(manifest: Path) -> dict:
    """The manifest, checked: every session has a file and sets with exercise, start_s and end_s."""
    data = read_json(manifest, "session manifest", SessionManifestError)
    sessions = data.get("sessions") if isinstance(data, dict) else None
    if not isinstance(sessions, list) or not sessions:
        raise SessionManifestError(f"The session manifest {manifest} lists no sessions.")
    for k, session in enumerate(sessions, 1):
        where = f"session {k} of {manifest}"
        if not isinstance(session, dict) or "file" not in session or not isinstance(session.get("sets"), list):
            raise SessionManifestError(f"The {where} needs a file and a list of sets.")
        for n, s in enumerate(session["sets"], 1):
            missing = [key for key in ("exercise", "start_s", "end_s") if key not in s]
            if missing:
                raise SessionManifestError(f"Set {n} of the {where} has no {', '.join(missing)}.")
            if float(s["end_s"]) <= float(s["start_s"]):
                raise SessionManifestError(f"Set {n} of the {where} ends before it starts.")
    return data


# -- the table ------------------------------------------------------------------------------------------


def _set_cell(s: SessionSet | None) -> str:
    if s is None:
        return "-"
    if s.hold_s is not None and not s.reps:  # a found hold set has 0 reps and its time held
        count = f"{s.hold_s:.1f} s held"
    elif s.reps is not None:
        count = f"{s.reps} rep{'' if s.reps == 1 else 's'}"
    else:
        count = "-"
    return f"{s.exercise or CANNOT_TELL} {s.start_s:.1f}-{s.end_s:.1f} s, {count}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def format_sessions(scores: list[SessionScore], summary: dict) -> str:
    rows = [
        "| session | set | true | found | exercise | count | start / end off (s) | boundaries |",
        "|---" * 8 + "|",
    ]
    for s in scores:
        for n, m in enumerate(s.matches, 1):
            off = "-" if m.found is None else f"{m.start_error_s:+.1f} / {m.end_error_s:+.1f}"
            rows.append(
                f"| {s.file} | {n} | {_set_cell(m.true)} | {_set_cell(m.found)} | {_yes(m.exercise_right)} | "
                f"{_yes(m.count_right)} | {off} | {_yes(m.boundaries_right)} |"
            )
        for f in s.invented:
            rows.append(f"| {s.file} | invented | - | {_set_cell(f)} | - | - | - | - |")
    n = summary["true_sets"]
    rows.append("")
    rows.append(
        f"sets found {summary['found']}/{n}, invented {summary['invented']}, exercise right "
        f"{summary['exercise_right']}/{n}, count right {summary['count_right']}/{n} (reps exact; holds within "
        f"{HOLD_TOLERANCE_S:g} s), boundaries within {BOUNDARY_TOLERANCE_S:g} s {summary['boundaries_right']}/{n}"
        + (
            f"; {summary['found_from_whole_video']}/{summary['sessions']} reports had no sets list"
            " (each whole video scored as one set)"
            if summary["found_from_whole_video"]
            else ""
        )
    )
    return "\n".join(rows)


# -- the run --------------------------------------------------------------------------------------------


def session_report(video: str, cache: str | None) -> dict:
    """report.json of one session video analysed as `formcheck analyse --exercise auto` (poses cached)."""
    import os

    from formcheck.pipeline import POSE_CACHE_ENV, analyse_video
    from formcheck.report import build_report

    if cache:
        os.environ[POSE_CACHE_ENV] = cache
    return build_report(analyse_video(Path(video), "auto"))


def run_session_benchmark(
    manifest: Path, folder: Path | None, out: Path | None, cache: Path | None, workers: int | None
) -> int:
    """The sessions' table on stdout (and bench-sessions.json in `out`)."""
    from concurrent.futures import as_completed

    from tqdm import tqdm

    from formcheck.bench.accuracy import video_pool

    data = read_session_manifest(manifest)
    folder = folder or manifest.parent
    sessions = data["sessions"]
    missing = [s["file"] for s in sessions if not (folder / s["file"]).is_file()]
    if missing:
        raise SessionManifestError(f"No session video {', '.join(missing)} in {folder}; build them again.")
    bar = tqdm(total=len(sessions), desc="sessions", file=sys.stderr)
    reports: dict[int, dict] = {}
    with video_pool(workers, len(sessions)) as pool:
        futures = {
            pool.submit(session_report, str(folder / s["file"]), str(cache) if cache else None): i
            for i, s in enumerate(sessions)
        }
        for future in as_completed(futures):
            reports[futures[future]] = future.result()
            bar.update(1)
    bar.close()
    scores = score_reports(sessions, [reports[i] for i in range(len(sessions))])
    summary = summarise_sessions(scores)
    print(format_sessions(scores, summary))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        result = {
            "summary": summary,
            "sessions": [
                {
                    "file": s.file,
                    "found_from": s.found_from,
                    "sets": [
                        {
                            "true": m.true.__dict__,
                            "found": None if m.found is None else m.found.__dict__,
                            "exercise_right": m.exercise_right,
                            "count_right": m.count_right,
                            "boundaries_right": m.boundaries_right,
                        }
                        for m in s.matches
                    ],
                    "invented": [f.__dict__ for f in s.invented],
                }
                for s in scores
            ],
        }
        (out / "bench-sessions.json").write_text(json.dumps(result, indent=2))
    return 0
