"""`formcheck history | export | report | record`: the training history from the command line.

The main CLI (formcheck/cli.py) calls `add_history_commands(subparsers)`; every command
stores its handler as `func`, which takes the parsed args and returns an exit code.
`python -m formcheck.history.cli ...` runs the same commands on their own.

Exit codes: 0 ok, 1 nothing to work on or a database problem, 2 bad input.
"""

from __future__ import annotations

import argparse
import functools
import json
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from exercises.framework import registry
from formcheck.history.report import write_report
from formcheck.history.store import (
    DB_ENV_VAR,
    SOURCES,
    History,
    HistoryError,
    key_measures,
    open_history,
    resolve_db_path,
)

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2
Command = Callable[[argparse.Namespace], int]


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-01-05, got {text!r}") from None


def iso_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-01-05 or 2026-01-05T18:30, got {text!r}") from None


def _common(filters: bool) -> argparse.ArgumentParser:
    """Options shared by several commands (a parent parser, so each command lists them in --help)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--db", metavar="PATH", help=f"history database (default: ${DB_ENV_VAR}, else the user data directory)"
    )
    if filters:
        parent.add_argument("--exercise", choices=registry.names(), help="only this exercise")
        parent.add_argument("--since", type=_iso_date, metavar="YYYY-MM-DD", help="first day to include")
        parent.add_argument("--until", type=_iso_date, metavar="YYYY-MM-DD", help="last day to include")
    return parent


def add_history_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register `history`, `export`, `report` and `record` on the main CLI's subparsers."""
    with_filters, db_only = _common(filters=True), _common(filters=False)

    p = subparsers.add_parser("history", parents=[with_filters], help="list the recorded sets")
    p.add_argument("--json", action="store_true", help="print the sets as JSON lines instead of a table")
    p.set_defaults(func=cmd_history)

    p = subparsers.add_parser("export", parents=[with_filters], help="export sets and reps as CSV")
    p.add_argument("--out", required=True, metavar="FILE.csv", help="CSV file to write ('-' = stdout)")
    p.add_argument("--level", choices=("reps", "sets"), default="reps", help="one row per rep (default) or per set")
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser("report", parents=[db_only], help="write a printable HTML report for a date range")
    p.add_argument("--since", type=_iso_date, metavar="YYYY-MM-DD", help="first day to include")
    p.add_argument("--until", type=_iso_date, metavar="YYYY-MM-DD", help="last day to include")
    p.add_argument("--out", default="report.html", metavar="report.html", help="HTML file to write")
    p.set_defaults(func=cmd_report)

    p = subparsers.add_parser("record", parents=[db_only], help="store an existing report.json in the history")
    p.add_argument("report", type=Path, metavar="REPORT.json")
    p.add_argument(
        "--date", type=iso_datetime, metavar="YYYY-MM-DD[THH:MM]", help="when the set was done (default: now)"
    )
    p.add_argument("--source", choices=SOURCES, default="cli", help="where the set came from (default: cli)")
    p.set_defaults(func=cmd_record)


# --------------------------------------------------------------------------- commands


def _open_existing(args: argparse.Namespace) -> History | None:
    """Read-only commands must not leave an empty database behind a typo'd --db."""
    path = resolve_db_path(args.db)
    return open_history(path) if path.exists() else None


def _error(message: str) -> None:
    print(f"formcheck: {message}", file=sys.stderr)


def _reports_errors(command: Command) -> Command:
    """Expected failures become a message on stderr and an exit code, whoever dispatches the command."""

    @functools.wraps(command)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except HistoryError as exc:
            _error(str(exc))
            return EXIT_BAD_INPUT
        except sqlite3.Error as exc:
            _error(f"history database error: {exc}")
            return EXIT_FAIL

    return wrapper


@_reports_errors
def cmd_history(args: argparse.Namespace) -> int:
    """Print the recorded sets, oldest first."""
    history = _open_existing(args)
    if history is None:
        print(f"No sets recorded yet (no history database at {resolve_db_path(args.db)}).")
        return EXIT_OK
    with history:
        sets = history.list_sets(args.exercise, args.since, args.until)
        values = {
            p.set_id: p.values for pts in history.trends(args.exercise, args.since, args.until).values() for p in pts
        }
    if args.json:
        for s in sets:
            print(json.dumps({
                "id": s.id, "recorded_at": s.recorded_at.isoformat(), "exercise": s.exercise, "view": s.view,
                "source": s.source, "file": s.file_name, "reps": s.rep_count, "held_s": s.hold_total_s,
                "mean_score": s.mean_score,
                "key_measures": values.get(s.id, {}),
            }))  # fmt: skip
        return EXIT_OK
    if not sets:
        print("No sets match.")
        return EXIT_OK
    print(
        f"{'id':>5}  {'date':16}  {'exercise':8}  {'view':7}  {'source':6}  {'reps':>4}  {'held':>6}  {'score':>5}"
        "  key measures"
    )
    for s in sets:
        score = "-" if s.mean_score is None else f"{s.mean_score:.0f}"
        held = f"{s.hold_total_s:.0f} s" if s.hold_total_s else "-"
        shown = key_measures(s.exercise)
        measures = ", ".join(
            f"{shown[k].short} {shown[k].format(v)}"
            for k, v in values.get(s.id, {}).items()
            if v is not None and k in shown
        )
        print(
            f"{s.id:>5}  {s.recorded_at:%Y-%m-%d %H:%M}  {s.exercise:8}  {s.view or '-':7}  {s.source:6}"
            f"  {s.rep_count:>4}  {held:>6}  {score:>5}  {measures}"
        )
    print(f"{len(sets)} set(s)")
    _print_calibrations(args)
    return EXIT_OK


def _print_calibrations(args: argparse.Namespace) -> None:
    """Each person's pelvic-tilt calibrations (formcheck calibrate), oldest first."""
    history = _open_existing(args)
    if history is None:
        return
    with history:
        for user in history.calibrated_users():
            for when, cal in history.calibrations(user):
                print(
                    f"calibration {user} {when:%Y-%m-%d %H:%M}: standing {cal.neutral_deg:+.0f} deg,"
                    f" forward {cal.anterior_deg:+.0f}, back {cal.posterior_deg:+.0f},"
                    f" pelvic-tilt range {cal.range_deg:.0f} deg"
                )


@_reports_errors
def cmd_export(args: argparse.Namespace) -> int:
    """Write the matching sets (and reps) as CSV."""
    history = _open_existing(args)
    if history is None:
        _error(f"no history database at {resolve_db_path(args.db)}; nothing to export")
        return EXIT_FAIL
    with history:
        if args.out == "-":
            rows = history.export_csv(sys.stdout, args.exercise, args.since, args.until, level=args.level)
        else:
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            # newline="" as the csv module asks; utf-8-sig so spreadsheet apps detect UTF-8 file names.
            with out.open("w", newline="", encoding="utf-8-sig") as fh:
                rows = history.export_csv(fh, args.exercise, args.since, args.until, level=args.level)
            print(f"Wrote {rows} row(s) to {out}")
    return EXIT_OK


@_reports_errors
def cmd_report(args: argparse.Namespace) -> int:
    """Write the printable HTML report."""
    history = _open_existing(args)
    if history is None:
        _error(f"no history database at {resolve_db_path(args.db)}; nothing to report")
        return EXIT_FAIL
    if args.since and args.until and args.since > args.until:
        _error("--since is after --until")
        return EXIT_BAD_INPUT
    with history:
        path = write_report(history, args.out, args.since, args.until)
    print(f"Wrote {path} (open it in a browser; print to PDF for A4)")
    return EXIT_OK


@_reports_errors
def cmd_record(args: argparse.Namespace) -> int:
    """Store an existing report.json as one set."""
    try:
        report = json.loads(args.report.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _error(f"cannot read {args.report}: {exc}")
        return EXIT_BAD_INPUT
    with open_history(args.db) as history:
        set_id = history.save_report(report, args.date, args.source)
        stored = history.get_set(set_id)
    assert stored is not None
    print(
        f"Stored set #{set_id}: {stored.exercise}, {stored.rep_count} rep(s), "
        f"{stored.recorded_at:%Y-%m-%d %H:%M} in {resolve_db_path(args.db)}"
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="formcheck", description="FormCheck training history")
    add_history_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
