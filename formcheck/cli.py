"""`formcheck`: analyse videos, benchmark accuracy, start the app."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from pathlib import Path

from formcheck.pipeline import DEFAULT_MAX_SIDE_PX, EXERCISE_CHOICES

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
    from formcheck.pipeline import analyse_video
    from formcheck.report import build_report, human_summary

    video = Path(args.video)
    out = Path(args.out)
    _check_writable(out)
    bar, update = _progress_bar(video.name)
    try:
        result = analyse_video(video, args.exercise, out, args.model, args.max_size, progress=update)
    finally:
        bar.close()
    report = build_report(result)
    print(human_summary(report))
    print(f"wrote {out / 'annotated.mp4'}, {out / 'report.json'}, {out / 'frames.csv'}")
    return 0


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
    from formcheck.bench_accuracy import run_benchmark

    return run_benchmark(Path(args.manifest), Path(args.videos) if args.videos else None, args.out)


def cmd_app(args: argparse.Namespace) -> int:
    import subprocess

    app = Path(__file__).resolve().parent.parent / "app.py"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless",
        "true",
        "--server.port",
        str(args.port),
        "--browser.gatherUsageStats",
        "false",
    ]
    return subprocess.call(cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formcheck", description="Form checks and rep counts for squats, lunges and glute bridges."
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("analyse", aliases=["analyze"], help="analyse a recorded video")
    p.add_argument("video", help="video file (mp4, mov, ...)")
    p.add_argument("--exercise", choices=EXERCISE_CHOICES, default="auto")
    p.add_argument("--out", default="out", help="output folder (default: ./out)")
    p.add_argument("--model", type=Path, default=None, help="another PoseLandmarker .task file")
    p.add_argument(
        "--max-size", type=int, default=DEFAULT_MAX_SIDE_PX, help="longest side in pixels for analysis and output"
    )
    p.set_defaults(func=cmd_analyse)

    p = sub.add_parser("bench-accuracy", help="rep counts and cues against a manifest of labelled videos")
    p.add_argument("manifest", help="manifest.json (see ../shared/videos)")
    p.add_argument("videos", nargs="?", help="folder of the videos (default: the manifest's folder)")
    p.add_argument("--out", type=Path, default=None, help="also write per-video reports here")
    p.set_defaults(func=cmd_bench_accuracy)

    p = sub.add_parser("app", help="start the Streamlit app")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=cmd_app)

    try:
        from formcheck.history_cli import add_history_commands
    except ImportError:
        pass
    else:
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
