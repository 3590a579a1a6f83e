"""`formcheck`: analyse videos, benchmark accuracy, start the app."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from datetime import datetime
from pathlib import Path

from formcheck.history.cli import add_history_commands, iso_datetime
from formcheck.pipeline import DEFAULT_MAX_SIDE_PX, exercise_choices

VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".3gp"}


class UserError(Exception):
    """A problem the user can fix; printed as one plain sentence."""


def _progress_bar(desc: str):
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit="frame", file=sys.stderr, dynamic_ncols=True, leave=False)

    def update(done: int, total: int | None) -> None:
        if total and bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh() if done % 15 == 0 else None

    return bar, update


def cmd_analyse(args: argparse.Namespace) -> int:
    videos, several = _input_videos(args.video)
    out = Path(args.out)
    _check_writable(out)
    if args.as_reference and (args.routine or several or args.engine == "ray" or args.resume):
        raise UserError("--as-reference keeps one set: give one video, without --routine, --engine ray or --resume.")
    if args.as_reference and args.no_history:
        raise UserError("--as-reference keeps the set in the history database: drop --no-history.")
    if args.routine:
        return _analyse_routine(videos, out, args)
    if several or args.engine == "ray" or args.resume:
        return _analyse_several(videos, out, args)
    video = videos[0]
    calibration = _calibration(args)
    report = _analyse_one(video, args.exercise, out, args, calibration, video.name, _references(args))
    print(f"wrote {out / 'annotated.mp4'}, {out / 'report.json'}, {out / 'frames.csv'}")
    _say_exercise_mismatch(report)
    if len(report.get("sets") or []) > 1:  # a whole workout: one history session with its sets
        _remember_recording(report, video.name, args)
        return 0
    set_id = _remember(report, video.name, args)
    if args.as_reference:
        _keep_reference(report, video.name, args, set_id)
    return 0


def _analyse_routine(videos: list[Path], out: Path, args: argparse.Namespace) -> int:
    """One video per step of the routine, in its order, each analysed as its step's exercise; the session's
    target against done on stdout and in OUT/routine.json, and one history entry with its sets."""
    from formcheck.routine import RoutineError, load_routine, outcome_lines, session_outcome

    try:
        routine = load_routine(args.routine)
    except RoutineError as exc:
        raise UserError(str(exc)) from exc
    if len(videos) > len(routine.steps):
        raise UserError(
            f"{len(videos)} videos for the {len(routine.steps)} steps of {routine.name!r}: give one video per step,"
            f" in the routine's order ({', '.join(s.exercise for s in routine.steps)})"
        )
    calibration = _calibration(args)
    references = _references(args)
    reports, set_ids = [], []
    for i, (video, step) in enumerate(zip(videos, routine.steps, strict=False), start=1):
        folder = out / f"{i:02d}_{step.exercise}"
        folder.mkdir(parents=True, exist_ok=True)
        label = f"{i}/{len(videos)} {video.name}"
        report = _analyse_one(video, step.exercise, folder, args, calibration, label, references)
        _say_exercise_mismatch(report)
        reports.append(report)
        set_ids.append(_remember(report, video.name, args))
    outcome = session_outcome(routine, reports)
    (out / "routine.json").write_text(json.dumps(outcome, indent=2))
    print("\n".join(outcome_lines(outcome)))
    print(f"wrote {out}{os.sep} (a folder per step, routine.json)")
    _remember_session(outcome, set_ids, args)
    return 0


def _analyse_one(
    video: Path,
    exercise: str,
    out: Path | None,
    args: argparse.Namespace,
    calibration,
    label: str,
    references: dict | None = None,
) -> dict:
    """Analyse one video into `out` (None: no files written) with a progress bar; print its summary; return
    its report."""
    from formcheck.pipeline import analyse_video
    from formcheck.report import build_report, human_summary

    bar, update = _progress_bar(label)
    try:
        result = analyse_video(
            video,
            exercise,
            out,
            args.model,
            args.max_size,
            progress=update,
            calibration=calibration,
            references=references,
        )
    finally:
        bar.close()
    report = build_report(result)
    print(human_summary(report))
    return report


def _remember_recording(report: dict, file_name: str, args: argparse.Namespace) -> None:
    """The sets found in one recording, each stored as a set (one whose exercise could not be told is not: its
    judgement is not valid), then the recording as one session with them (the routine sessions' shape)."""
    from formcheck.routine import recording_outcome, recording_set_reports

    set_ids = [None if r is None else _remember(r, file_name, args) for r in recording_set_reports(report)]
    _remember_session(recording_outcome(report), set_ids, args)


def _remember_session(outcome: dict, set_ids: list[int | None], args: argparse.Namespace) -> None:
    if args.no_history:
        return
    from formcheck.history.store import open_history, resolve_db_path

    db = resolve_db_path(args.db)
    with open_history(db) as history:
        session_id = history.save_session(outcome, set_ids, args.date)
    print(f"stored the session in the history as session #{session_id} ({db})")


def _calibration(args: argparse.Namespace):
    """The --user's latest pelvic-tilt calibration from the history, or None (the report then says uncalibrated)."""
    from formcheck.calibrate import stored_calibration

    return stored_calibration(args.user, args.db)


def _references(args: argparse.Namespace) -> dict:
    """The --user's latest reference set per exercise from the history (formcheck reference), maybe none."""
    from formcheck.reference import stored_references

    return stored_references(args.user, args.db)


def cmd_reference(args: argparse.Namespace) -> int:
    """Analyse a set of the person's good form and keep it as their reference for its exercise."""
    video = Path(args.video)
    # Not judged against an older reference: the new one's summary says what the set itself shows.
    report = _analyse_one(video, args.exercise, None, args, _calibration(args), video.name)
    _keep_reference(report, video.name, args, None)
    return 0


def _keep_reference(report: dict, file_name: str, args: argparse.Namespace, set_id: int | None) -> None:
    """Store the analysed set as the --user's reference for its exercise; UserError when it cannot be one."""
    from exercises.measures.reference import SetReferenceError
    from formcheck.history.store import resolve_db_path
    from formcheck.reference import describe_reference, keep_reference, later_sets

    recorded_on = (args.date or datetime.now()).date().isoformat()
    db = resolve_db_path(args.db)
    try:
        reference = keep_reference(args.user, report, file_name, recorded_on, str(db), set_id)
    except SetReferenceError as exc:
        raise UserError(f"{file_name} cannot be a reference: {exc}.") from exc
    print(describe_reference(args.user, reference))
    print(
        f"stored as {args.user}'s {reference.exercise} reference ({db}); `formcheck analyse --user {args.user}`"
        f" judges the lower back of {later_sets(reference)} against it"
    )


def cmd_calibrate(args: argparse.Namespace) -> int:
    from exercises.measures.calibration import CalibrationError
    from formcheck.calibrate import calibrate_video, describe
    from formcheck.history.store import open_history, resolve_db_path

    video = Path(args.video)
    bar, update = _progress_bar(video.name)
    try:
        calibration = calibrate_video(video, args.model, update)
    except CalibrationError as exc:
        raise UserError(f"{video.name} is not a calibration: {exc}.") from exc
    finally:
        bar.close()
    db = resolve_db_path(args.db)
    with open_history(db) as history:
        history.save_calibration(args.user, calibration, args.date, video.name)
        count = len(history.calibrations(args.user))
    print(describe(args.user, calibration))
    print(f"stored as {args.user}'s calibration #{count} ({db}); `formcheck analyse --user {args.user}` uses it")
    return 0


def _say_exercise_mismatch(report: dict) -> None:
    """On stderr, as the app says it: the video was clearly another exercise than the one asked for."""
    from formcheck.exercise_check import mismatch_sentence

    check = report.get("exercise_check")
    if check is None:
        return
    if check["recognised"] is None:
        from formcheck.pipeline import exercise_choices

        advice = f"Name it with --exercise ({', '.join(exercise_choices()[:-1])})"
    else:
        advice = f"Analyse it with --exercise {check['recognised']} (or --exercise auto)"
    print(
        f"formcheck: {report['source']['file']}: {mismatch_sentence(check)} {advice};"
        " this set is not stored in the history.",
        file=sys.stderr,
    )


def _remember(report: dict, file_name: str, args: argparse.Namespace) -> int | None:
    """Store the analysed set in the history database, as the app does; a set with no rep is not stored,
    nor one that was clearly another exercise than the one asked for (its judgement is not valid)."""
    if args.no_history or "exercise_check" in report:
        return None
    from formcheck.history.store import remember_set, resolve_db_path

    db = resolve_db_path(args.db)
    set_id = remember_set(report, "cli", db, file_name, args.date)
    if set_id is not None:
        print(f"stored in the history as set #{set_id} ({db}); `formcheck history` lists the sets")
    return set_id


def _input_videos(inputs: list[str]) -> tuple[list[Path], bool]:
    """The video files named or found (not recursively) in named folders; and whether to batch them."""
    videos: list[Path] = []
    for name in inputs:
        path = Path(name)
        if not path.is_dir():
            videos.append(path)  # a missing or unreadable file is reported by the analysis itself
            continue
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file())
        if not found:
            raise UserError(f"The folder {path} holds no videos ({', '.join(sorted(VIDEO_SUFFIXES))}).")
        videos.extend(found)
    several = len(videos) > 1 or any(Path(name).is_dir() for name in inputs)
    return videos, several


def _output_folders(videos: list[Path], out: Path) -> list[Path]:
    """One subfolder per video, named after the file stem (plus the suffix when two stems collide)."""
    stems = [v.stem for v in videos]
    return [out / (v.stem if stems.count(v.stem) == 1 else f"{v.stem}_{v.suffix.lstrip('.')}") for v in videos]


def _analyse_several(videos: list[Path], out: Path, args: argparse.Namespace) -> int:
    """Spread the videos over processes (or Ray tasks); progress over the whole batch; a summary per video
    in input order, and OUT/batch-summary.json with every video's outcome."""
    from formcheck.batch import error_sentence, is_complete, write_summary
    from formcheck.pipeline import BatchItem
    from formcheck.report import human_summary

    calibration, references = _calibration(args), _references(args)
    folders = _output_folders(videos, out)
    items = [BatchItem(v, folder, calibration, references) for v, folder in zip(videos, folders, strict=True)]
    todo = [i for i, item in enumerate(items) if not (args.resume and is_complete(item.out_dir))]
    if len(todo) < len(items):
        print(f"formcheck: --resume: {len(items) - len(todo)} of {len(items)} videos already done, skipped")
    results = _run_engine([items[i] for i in todo], args)
    outcomes: list[dict | BaseException | None] = [None] * len(items)
    for i, outcome in zip(todo, results, strict=True):
        outcomes[i] = outcome
    failed = 0
    for item, outcome in zip(items, outcomes, strict=True):
        if outcome is None:
            continue
        if isinstance(outcome, BaseException):
            failed += 1
            print(f"formcheck: {error_sentence(item, outcome)}", file=sys.stderr)
            continue
        print(human_summary(outcome))
        print(f"  wrote {item.out_dir}{os.sep} (annotated.mp4, report.json, frames.csv)")
        _say_exercise_mismatch(outcome)
        _remember(outcome, item.path.name, args)  # the driver alone writes the history
    summary = write_summary(out, items, outcomes, args.engine)
    skipped = len(items) - len(todo)
    print(f"batch summary: {summary} ({len(todo) - failed} analysed, {failed} failed, {skipped} skipped)")
    return 2 if failed else 0


def _run_engine(items: list, args: argparse.Namespace) -> list:
    if not items:
        return []
    if args.engine == "ray":
        return _run_on_ray(items, args)
    return _run_locally(items, args)


def _run_locally(items: list, args: argparse.Namespace) -> list:
    from tqdm import tqdm

    from formcheck.pipeline import analyse_many

    workers = max(1, min(args.jobs or os.cpu_count() or 1, len(items)))
    done: dict[int, int] = {}
    totals: dict[int, int | None] = {}
    desc = f"{len(items)} videos, {workers} at a time"
    with tqdm(desc=desc, unit="frame", file=sys.stderr, dynamic_ncols=True, leave=False) as bar:

        def update(index: int, frames: int, total: int | None) -> None:
            done[index], totals[index] = frames, total
            # Frame counts of videos not yet opened are unknown: the total grows as workers start.
            bar.total = sum(t or done[i] for i, t in totals.items())
            bar.n = sum(done.values())
            bar.refresh()

        return analyse_many(items, args.exercise, args.model, args.max_size, workers, update)


def _run_on_ray(items: list, args: argparse.Namespace) -> list:
    from tqdm import tqdm

    from formcheck.ray_engine import analyse_many_ray, require_ray

    try:
        require_ray()
    except RuntimeError as exc:
        raise UserError(str(exc)) from exc
    where = args.address or "a local Ray instance"
    with tqdm(total=len(items), desc=f"{len(items)} videos on {where}", unit="video", file=sys.stderr) as bar:
        failures = [0]

        def finished(index: int, outcome: object) -> None:
            failures[0] += isinstance(outcome, BaseException)
            bar.set_postfix(failed=failures[0])
            bar.update(1)

        return analyse_many_ray(
            items, args.exercise, args.model, args.max_size, args.address, finished, ship=args.ship
        )


def _check_writable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"The output folder {out} is an existing file; choose another --out folder.")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".formcheck-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UserError(
            f"Cannot write to the output folder {out} ({exc.strerror}); choose another --out folder."
        ) from exc


def cmd_bench_accuracy(args: argparse.Namespace) -> int:
    from formcheck.bench.accuracy import run_benchmark
    from vision.perturb import PERTURBATIONS

    chosen: tuple[str, ...] = ()
    if args.perturb is not None:
        chosen = tuple(args.perturb.split(",")) if args.perturb else tuple(PERTURBATIONS)
        unknown = [name for name in chosen if name not in PERTURBATIONS]
        if unknown:
            raise UserError(f"Unknown perturbation {', '.join(unknown)}; choose from {', '.join(PERTURBATIONS)}.")
    videos = Path(args.videos) if args.videos else None
    from formcheck.bench.sessions import SessionManifestError, is_session_manifest, run_session_benchmark

    if Path(args.manifest).is_file() and is_session_manifest(Path(args.manifest)):
        if chosen or args.engine == "ray":
            raise UserError("A session manifest is scored on this machine, without --perturb or --engine ray.")
        try:
            return run_session_benchmark(Path(args.manifest), videos, args.out, args.cache, args.workers)
        except SessionManifestError as exc:
            raise UserError(str(exc)) from exc
    from formcheck.bench.back import is_back_manifest, run_back_benchmark

    if Path(args.manifest).is_file() and is_back_manifest(Path(args.manifest)):
        if chosen or args.engine == "ray":
            raise UserError("A back-labelled manifest is scored on this machine, without --perturb or --engine ray.")
        return run_back_benchmark(Path(args.manifest), videos, args.out, args.cache, args.workers)
    from formcheck.bench.accuracy import LOCAL

    engine = args.address if args.engine == "ray" else LOCAL
    return run_benchmark(Path(args.manifest), videos, args.out, chosen, args.cache, args.workers, engine)


def cmd_build_sessions(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from formcheck.bench.build_sessions import SESSION_MANIFEST, SessionBuildError, build_sessions

    bar = tqdm(desc="sessions", unit="frame", file=sys.stderr, dynamic_ncols=True)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        manifest = build_sessions(
            [Path(m) for m in args.manifests],
            args.out,
            sessions=args.sessions,
            sets=args.sets,
            seed=args.seed,
            gap_s=args.gap,
            size=args.size,
            fps=args.fps,
            progress=progress,
        )
    except SessionBuildError as exc:
        raise UserError(str(exc)) from exc
    finally:
        bar.close()
    for session in manifest["sessions"]:
        names = ", ".join(f"{s['exercise']} {s['start_s']:.1f}-{s['end_s']:.1f} s" for s in session["sets"])
        print(f"{args.out / session['file']} ({session['duration_s']:.1f} s): {names}")
    print(f"session manifest: {args.out / SESSION_MANIFEST}")
    return 0


def _gap_seconds(text: str) -> tuple[float, float]:
    try:
        parts = [float(x) for x in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or not 0 < parts[0] <= parts[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: give MIN,MAX seconds with 0 < MIN <= MAX (or one number)")
    return parts[0], parts[1]


def _frame_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give WIDTHxHEIGHT in pixels, e.g. 1280x720") from None
    if min(width, height) < 64:
        raise argparse.ArgumentTypeError(f"{text!r} is too small; give at least 64 pixels each way")
    return width, height


def cmd_bench_reliability(args: argparse.Namespace) -> int:
    from formcheck.bench.back_reliability import run_reliability_benchmark

    manifests = [Path(m) for m in args.manifests]
    missing = [str(m) for m in manifests if not m.is_file()]
    if missing:
        raise UserError(f"No manifest at {', '.join(missing)}.")
    return run_reliability_benchmark(manifests, args.out, args.cache, args.workers)


def cmd_bench_speed(args: argparse.Namespace) -> int:
    from formcheck.bench.speed import run

    return run(args)


def cmd_app(args: argparse.Namespace) -> int:
    import subprocess

    from formcheck.app.launch import streamlit_command

    # The user's working directory stays theirs: the script and its settings come from the package.
    return subprocess.call(streamlit_command(args.port))


def _frame_size_px(text: str) -> int:
    value = int(text)
    if value < 64:
        raise argparse.ArgumentTypeError(f"{value} is too small; give at least 64 pixels")
    return value


def _add_engine_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local: processes on this machine (default); ray: one Ray task per video (pip install 'formcheck[ray]')",
    )
    p.add_argument(
        "--address",
        default=None,
        help="with --engine ray: the cluster to join ('auto', 'ray://host:port'); default: a local Ray instance",
    )


def _add_user_argument(p: argparse.ArgumentParser, what: str) -> None:
    from formcheck.calibrate import DEFAULT_USER

    p.add_argument("--user", default=DEFAULT_USER, help=f"the person {what} (default: {DEFAULT_USER})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formcheck", description="Form checks and rep counts for squats, lunges and glute bridges."
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("analyse", aliases=["analyze"], help="analyse a recorded video")
    p.add_argument("video", nargs="+", help="video files (mp4, mov, ...) or folders of them")
    p.add_argument("--exercise", choices=exercise_choices(), default="auto")
    p.add_argument("--out", default="out", help="output folder (default: ./out); one subfolder per video if several")
    p.add_argument("--jobs", type=int, default=None, help="videos analysed at once (default: one per core)")
    p.add_argument("--model", type=Path, default=None, help="another PoseLandmarker .task file")
    p.add_argument(
        "--max-size",
        type=_frame_size_px,
        default=DEFAULT_MAX_SIDE_PX,
        help="longest side in pixels for analysis and output",
    )
    p.add_argument(
        "--db", metavar="PATH", help="history database (default: $FORMCHECK_DB, else the user data directory)"
    )
    p.add_argument(
        "--date", type=iso_datetime, metavar="YYYY-MM-DD[THH:MM]", help="when the set was done (default: now)"
    )
    p.add_argument("--no-history", action="store_true", help="do not store the set in the history database")
    _add_engine_arguments(p)
    p.add_argument(
        "--ship",
        action="store_true",
        help="with --engine ray: send videos and outputs through Ray's object store (workers cannot see this disk)",
    )
    p.add_argument("--resume", action="store_true", help="skip videos whose output folder is already complete")
    p.add_argument(
        "--routine",
        metavar="NAME|FILE.toml",
        help="a routine (shipped: back_care, bridges_lunges_squats; or a TOML file): one video per step, in its"
        " order, each analysed as its step's exercise; prints target against done and stores one session",
    )
    _add_user_argument(p, "whose pelvic-tilt calibration and reference sets judge the lower back")
    p.add_argument(
        "--as-reference",
        action="store_true",
        help="also keep this set as the --user's reference for its exercise: their later sets' lower back is"
        " judged on the change from it",
    )
    p.set_defaults(func=cmd_analyse)

    p = sub.add_parser(
        "reference",
        help="keep a set of your good form as your reference for its exercise (the lower back judged against it)",
    )
    p.add_argument("video", help="the set: at least 3 reps, filmed as you will film later sets (side-on)")
    p.add_argument("--exercise", choices=exercise_choices(), default="auto")
    p.add_argument("--model", type=Path, default=None, help="another PoseLandmarker .task file")
    p.add_argument(
        "--max-size", type=_frame_size_px, default=DEFAULT_MAX_SIDE_PX, help="longest side in pixels for analysis"
    )
    p.add_argument(
        "--db", metavar="PATH", help="history database (default: $FORMCHECK_DB, else the user data directory)"
    )
    p.add_argument("--date", type=iso_datetime, metavar="YYYY-MM-DD", help="when the set was done (default: today)")
    _add_user_argument(p, "whose reference it is")
    p.set_defaults(func=cmd_reference)

    p = sub.add_parser(
        "calibrate",
        help="your own pelvic-tilt range from a side-on clip: stand tall, tilt fully forward, fully back",
    )
    p.add_argument("video", help="the calibration clip")
    p.add_argument("--model", type=Path, default=None, help="another PoseLandmarker .task file")
    p.add_argument(
        "--db", metavar="PATH", help="history database (default: $FORMCHECK_DB, else the user data directory)"
    )
    p.add_argument("--date", type=iso_datetime, metavar="YYYY-MM-DD[THH:MM]", help="when it was filmed (default: now)")
    _add_user_argument(p, "whose calibration it is")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("bench-accuracy", help="rep counts and cues against a manifest of labelled videos")
    p.add_argument("manifest", help="manifest.json (see ../shared/videos)")
    p.add_argument("videos", nargs="?", help="folder of the videos (default: the manifest's folder)")
    p.add_argument("--out", type=Path, default=None, help="also write per-video reports here")
    p.add_argument(
        "--perturb",
        nargs="?",
        const="",
        default=None,
        metavar="NAME[,NAME...]",
        help="also run variants of every video (cropped legs, zoom, far, mirror, tilt, 360p, 10 fps, frozen start,"
        " dark, shake; all without a list) and compare their counts and cues with the original's",
    )
    p.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="keep the pose model's output per video and variant here; re-runs replay only the analysers",
    )
    p.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    _add_engine_arguments(p)
    p.set_defaults(func=cmd_bench_accuracy)

    p = sub.add_parser(
        "build-sessions",
        help="whole-workout test videos joined from labelled clips, and their session manifest (docs/sessions.md)",
    )
    p.add_argument("manifests", nargs="+", metavar="MANIFEST", help="clip manifest.json (see ../shared/videos)")
    p.add_argument("--out", type=Path, required=True, help="folder for the videos and sessions.json (outside the repo)")
    p.add_argument("--sessions", type=int, default=3, help="how many session videos (default 3)")
    p.add_argument("--sets", type=int, default=5, help="sets (clips) per session (default 5)")
    p.add_argument("--seed", type=int, default=1, help="the draw of clips and gaps (default 1)")
    p.add_argument(
        "--gap", type=_gap_seconds, default=(3.0, 6.0), metavar="MIN,MAX", help="still seconds between sets (3,6)"
    )
    p.add_argument(
        "--size", type=_frame_size, default=(1280, 720), metavar="WxH", help="picture size, clips fitted whole"
    )
    p.add_argument("--fps", type=float, default=30.0, help="frame rate of the still gaps (default 30)")
    p.set_defaults(func=cmd_build_sessions)

    p = sub.add_parser(
        "bench-reliability",
        help="the lower-back measures' SEM and MDC over repeated reps of the manifests' clips (docs/metrics.md)",
    )
    p.add_argument("manifests", nargs="+", metavar="MANIFEST", help="manifest.json (see ../shared/videos)")
    p.add_argument("--out", type=Path, default=None, help="also write reliability.json and reliability.md here")
    p.add_argument(
        "--cache", type=Path, default=None, help="keep the pose model's output per video here; re-runs replay it"
    )
    p.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    p.set_defaults(func=cmd_bench_reliability)

    p = sub.add_parser("bench-speed", help="throughput, live latency, memory and start-up (docs/performance.md)")
    from formcheck.bench.speed import add_arguments as add_speed_arguments

    add_speed_arguments(p)
    p.set_defaults(func=cmd_bench_speed)

    p = sub.add_parser("app", help="start the Streamlit app")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=cmd_app)

    add_history_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.ERROR, format="%(levelname)s %(name)s: %(message)s"
    )
    from vision.estimator import ModelError
    from vision.video import VideoError

    try:
        return int(args.func(args) or 0)
    except (UserError, VideoError, ModelError) as exc:
        return _fail(args.debug, str(exc), 2)
    except KeyboardInterrupt:
        print("formcheck: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        # Typically the disk filling up or the output folder vanishing while writing.
        name = f" {exc.filename}" if exc.filename else ""
        message = f"Could not read or write{name} ({exc.strerror or exc}); check the disk space and the folder."
        return _fail(args.debug, message, 2)
    except Exception as exc:
        # A bug, not the user's fault: one sentence by default, the traceback with --debug.
        return _fail(
            args.debug, f"Unexpected error ({exc.__class__.__name__}: {exc}); rerun with --debug and report it.", 1
        )


def _fail(debug: bool, message: str, code: int) -> int:
    if debug:
        traceback.print_exc()
    print(f"formcheck: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
