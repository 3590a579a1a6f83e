"""Training history: every analysed set, kept in an embedded SQLite database.

What is stored: the date, exercise, view, source ("upload" / "live" / "cli"), the
video's file *name*, each rep with its metrics (JSON) and cues, the cue events and
the set summary. Never the video, never a path to it.

Why SQLite and how it stays safe:

- One file under the user's data directory, no server; the stdlib `sqlite3` module.
- WAL journal + a busy timeout, so two app sessions (or the app and the CLI) can
  write at the same time: the second writer waits for the first instead of failing,
  and readers never block writers.
- Every set is written inside one `BEGIN IMMEDIATE ... COMMIT` transaction, so a
  process killed mid-write leaves either the whole set or nothing.
- The schema is versioned from day one: `schema_version` records which of the
  ordered `MIGRATIONS` ran; pending ones run in a single transaction on open.

WAL needs shared memory, so the database must live on a local disk (not NFS/SMB).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path, PurePath, PureWindowsPath
from typing import Any, TextIO

from exercises.framework import registry
from exercises.framework.analyser import finite_or_none
from exercises.framework.display import Measure
from exercises.measures.calibration import BackCalibration
from exercises.measures.reference import SetReference
from formcheck.report import UNSEEN_REP

SOURCES = ("upload", "live", "cli")
DB_ENV_VAR = "FORMCHECK_DB"
DB_FILE_NAME = "history.sqlite3"
BUSY_TIMEOUT_S = 30.0  # long enough to outwait another session's write, short enough to surface a stuck lock

def key_measures(exercise: str) -> dict[str, Measure]:
    """The measures a physiotherapist follows over weeks for `exercise`, in order (keys of the rep
    `metrics`, see docs/report-schema.md; declared by the exercise's spec). Trends average each over
    the reps of a set. None for an exercise no longer registered: its sets are still listed."""
    name = registry.resolve(exercise)
    return dict(registry.get(name).measures) if name else {}


def key_measure_names() -> list[str]:
    """Every registered exercise's key measures, in the exercises' order, each once (CSV columns)."""
    return list(dict.fromkeys(k for spec in registry.specs() for k in spec.measures))


class HistoryError(Exception):
    """A problem the user can act on (bad report, database from a newer FormCheck, ...)."""


class ReportFormatError(HistoryError, ValueError):
    """The report dict does not follow docs/report-schema.md closely enough to store."""


# --------------------------------------------------------------------------- paths


def default_db_path(env: dict[str, str] | None = None) -> Path:
    """`$FORMCHECK_DB`, else `$XDG_DATA_HOME/formcheck/`, else `~/.local/share/formcheck/`."""
    env = dict(os.environ) if env is None else env
    if env.get(DB_ENV_VAR):
        return Path(env[DB_ENV_VAR]).expanduser()
    data_home = env.get("XDG_DATA_HOME")
    # The XDG spec says relative values are invalid and must be ignored.
    base = Path(data_home) if data_home and Path(data_home).is_absolute() else Path.home() / ".local" / "share"
    return base / "formcheck" / DB_FILE_NAME


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> Path:
    """An explicit `--db` wins over the environment and the default."""
    return Path(cli_value).expanduser() if cli_value else default_db_path(env)


# --------------------------------------------------------------------------- migrations

Migration = Callable[[sqlite3.Connection], None]


def _migration_1_initial(conn: sqlite3.Connection) -> None:
    """Sets, their reps (a set of holds: its holds) and their cue events.

    Dates are kept three ways because each answers a different question: `recorded_at`
    is the local wall-clock time with its UTC offset (what the user saw), `recorded_utc`
    sorts chronologically across offsets, `day` is the local date the filters use.
    """
    conn.execute(
        """
        CREATE TABLE sets (
            id INTEGER PRIMARY KEY,
            recorded_at TEXT NOT NULL,
            recorded_utc TEXT NOT NULL,
            day TEXT NOT NULL,
            exercise TEXT NOT NULL,
            view TEXT,
            side TEXT,
            source TEXT NOT NULL CHECK (source IN ('upload', 'live', 'cli')),
            file_name TEXT,
            rep_count INTEGER NOT NULL,
            mean_score REAL,
            duration_s REAL,
            summary_json TEXT NOT NULL,
            meta_json TEXT NOT NULL
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE reps (
            set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
            rep_index INTEGER NOT NULL,
            start_s REAL,
            peak_s REAL,
            end_s REAL,
            side TEXT,
            score REAL,
            metrics_json TEXT NOT NULL,
            cues_json TEXT NOT NULL,
            PRIMARY KEY (set_id, rep_index)
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE cue_events (
            id INTEGER PRIMARY KEY,
            set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
            rep_index INTEGER,
            cue_id TEXT NOT NULL,
            severity TEXT,
            message TEXT,
            time_s REAL
        )
        """
    )
    conn.execute("CREATE INDEX sets_by_day ON sets (day, exercise)")
    conn.execute("CREATE INDEX sets_by_exercise ON sets (exercise, recorded_utc)")
    conn.execute("CREATE INDEX cue_events_by_set ON cue_events (set_id, cue_id)")


def _migration_2_calibrations(conn: sqlite3.Connection) -> None:
    """Each person's pelvic-tilt calibrations (formcheck calibrate); the latest one judges their reps."""
    conn.execute(
        """
        CREATE TABLE calibrations (
            id INTEGER PRIMARY KEY,
            user TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_utc TEXT NOT NULL,
            neutral_deg REAL NOT NULL,
            anterior_deg REAL NOT NULL,
            posterior_deg REAL NOT NULL,
            file_name TEXT
        )
        """
    )
    conn.execute("CREATE INDEX calibrations_by_user ON calibrations (user, recorded_utc)")


def _migration_3_routine_sessions(conn: sqlite3.Connection) -> None:
    """A routine session (formcheck analyse --routine): one entry with its sets and its adherence."""
    conn.execute(
        """
        CREATE TABLE routine_sessions (
            id INTEGER PRIMARY KEY,
            recorded_at TEXT NOT NULL,
            recorded_utc TEXT NOT NULL,
            day TEXT NOT NULL,
            routine TEXT NOT NULL,
            steps_met INTEGER NOT NULL,
            steps_planned INTEGER NOT NULL,
            outcome_json TEXT NOT NULL
        )
        """
    )
    conn.execute(
        "CREATE TABLE routine_sets (session_id INTEGER NOT NULL REFERENCES routine_sessions(id) ON DELETE CASCADE,"
        " step INTEGER NOT NULL, set_id INTEGER REFERENCES sets(id) ON DELETE SET NULL, PRIMARY KEY (session_id, step))"
    )


def _migration_4_back_references(conn: sqlite3.Connection) -> None:
    """Each person's reference sets (formcheck reference, analyse --as-reference): the latest one per exercise
    judges their later sets' lower back (exercises/measures/reference.py). `set_id` links the stored set it
    came from, when it was stored."""
    conn.execute(
        """
        CREATE TABLE back_references (
            id INTEGER PRIMARY KEY,
            user TEXT NOT NULL,
            exercise TEXT NOT NULL,
            view TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            file_name TEXT,
            n_reps INTEGER NOT NULL,
            values_json TEXT NOT NULL,
            set_id INTEGER REFERENCES sets(id) ON DELETE SET NULL
        )
        """
    )
    conn.execute("CREATE INDEX back_references_by_user ON back_references (user, exercise, recorded_at)")


# Append only: never edit or reorder a released migration, add a new one instead.
# Migrations run inside the caller's transaction, so they must not commit
# (no `executescript`, which commits implicitly).
MIGRATIONS: tuple[Migration, ...] = (
    _migration_1_initial,
    _migration_2_calibrations,
    _migration_3_routine_sessions,
    _migration_4_back_references,
)


def schema_version(conn: sqlite3.Connection) -> int:
    """The highest applied migration, 0 for a fresh database."""
    has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
    if not has_table:
        return 0
    return int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply pending migrations in one transaction; return the resulting version.

    Two processes opening a fresh database at once both get here: `BEGIN IMMEDIATE`
    serialises them and the version is re-read under the lock, so each migration runs once.
    """
    if schema_version(conn) == len(migrations):
        return len(migrations)  # the common case: no write lock taken
    with _write_transaction(conn):
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        current = schema_version(conn)
        if current > len(migrations):
            raise HistoryError(
                f"history database is at schema version {current}, newer than this FormCheck "
                f"understands ({len(migrations)}); update FormCheck"
            )
        for version, migration in enumerate(migrations[current:], start=current + 1):
            migration(conn)
            conn.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                (version, datetime.now(timezone.utc).isoformat(timespec="seconds")),
            )
    return schema_version(conn)


@contextmanager
def _write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`BEGIN IMMEDIATE` ... `COMMIT`, or `ROLLBACK` on any exception (also KeyboardInterrupt).

    IMMEDIATE takes the write lock up front, so a concurrent writer waits on the busy
    timeout here instead of failing later when its read lock cannot be upgraded.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class SetRecord:
    """One stored set, as listed by `History.list_sets`."""

    id: int
    recorded_at: datetime  # local wall-clock time, timezone-aware
    exercise: str
    view: str | None
    side: str | None
    source: str
    file_name: str | None
    rep_count: int
    mean_score: float | None
    duration_s: float | None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def day(self) -> date:
        return self.recorded_at.date()

    @property
    def hold_total_s(self) -> float:
        """Seconds held over the set's holds (0 for rep exercises and for sets stored before holds existed)."""
        return _number(self.summary.get("hold_total_s")) or 0.0


@dataclass(frozen=True)
class SessionRecord:
    """One stored routine session: its routine, how many steps met their target, and its sets."""

    id: int
    recorded_at: datetime
    routine: str
    steps_met: int
    steps_planned: int
    outcome: dict[str, Any]
    set_ids: tuple[int | None, ...]

    @property
    def adherence(self) -> float:
        return self.steps_met / self.steps_planned if self.steps_planned else 0.0


@dataclass(frozen=True)
class RepRecord:
    """One rep of a stored set."""

    set_id: int
    index: int
    start_s: float | None
    peak_s: float | None
    end_s: float | None
    side: str | None
    score: float | None
    metrics: dict[str, Any]
    cues: tuple[str, ...]


@dataclass(frozen=True)
class TrendPoint:
    """The key measures of one set, each averaged over the reps that have it."""

    set_id: int
    recorded_at: datetime
    values: dict[str, float | None]
    counts: dict[str, int]  # reps that contributed to each average


@dataclass(frozen=True)
class SetCueCounts:
    """How often each cue was raised in one set (sets without cues have an empty dict)."""

    set_id: int
    recorded_at: datetime
    exercise: str
    counts: dict[str, int]


# --------------------------------------------------------------------------- report -> rows


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return finite_or_none(value)


def _clean_json(value: Any) -> Any:
    """Replace non-finite floats anywhere in a JSON-like value by None."""
    if isinstance(value, dict):
        return {str(k): _clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_json(v) for v in value]
    # JSON has no NaN/inf and the schema promises `null` for missing numbers; other values stay.
    return finite_or_none(value) if isinstance(value, float) else value


def _dumps(value: Any) -> str:
    return json.dumps(_clean_json(value), allow_nan=False, sort_keys=True, ensure_ascii=False)


def _file_name(report: dict[str, Any], override: str | None) -> str | None:
    """Only the base name: a full path can reveal more than a shared report should."""
    name = override if override is not None else (report.get("source") or {}).get("file")
    if not name:
        return None
    return PurePath(PureWindowsPath(str(name)).as_posix()).name or None


def _as_local(recorded_at: datetime | None) -> datetime:
    """Aware local time; naive datetimes are taken to be local wall-clock time."""
    if recorded_at is None:
        return datetime.now().astimezone()
    return recorded_at.astimezone() if recorded_at.tzinfo is None else recorded_at


def _validated_reps(report: dict[str, Any], key: str = "reps") -> list[dict[str, Any]]:
    reps = report.get(key, [])
    if not isinstance(reps, list) or not all(isinstance(r, dict) for r in reps):
        raise ReportFormatError(f"report '{key}' must be a list of objects")
    indices = [r.get("index", pos) for pos, r in enumerate(reps, start=1)]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in indices):
        raise ReportFormatError(f"every {key[:-1]} 'index' must be an integer")
    if len(set(indices)) != len(indices):
        raise ReportFormatError(f"duplicate {key[:-1]} indices in report: {indices}")
    return reps


def _result_rows(report: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The rows of the `reps` table: the set's reps, or for a set of holds (a plank) its holds, so that
    trends and the per-set table follow hold time and the form held like a rep's measures; True = holds."""
    reps, holds = _validated_reps(report), _validated_reps(report, "holds")
    return (reps, False) if reps or not holds else (holds, True)


def _cue_events(report: dict[str, Any], reps: list[dict[str, Any]], holds: bool = False) -> list[tuple[Any, ...]]:
    """(row, cue id, severity, message, time) per cue raised; row = the rep (or, for a set of holds, the
    hold) that raised it.

    The report's `cues` list is the record of what was said; older or hand-made
    reports may only list cue ids per rep, so fall back to those.
    """
    cues = report.get("cues")
    row = "hold" if holds else "rep"
    if isinstance(cues, list) and cues:
        return [
            (c.get(row), str(c["id"]), c.get("severity"), c.get("message"), _number(c.get("time_s")))
            for c in cues
            if isinstance(c, dict) and c.get("id")
        ]
    return [
        (r.get("index", pos), str(cue_id), None, None, _number(r.get("peak_s")))
        for pos, r in enumerate(reps, start=1)
        for cue_id in r.get("cues") or []
    ]


def _set_row(report: dict[str, Any], when: datetime, source: str, file_name: str | None, n_reps: int) -> tuple:
    summary = report.get("summary") or {}
    if not isinstance(summary, dict):
        raise ReportFormatError("report 'summary' must be an object")
    meta = {k: v for k, v in report.items() if k not in ("reps", "cues", "summary")}
    meta["source"] = {**(report.get("source") or {}), "file": file_name}  # never keep a path
    return (
        when.isoformat(timespec="seconds"),
        when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        when.date().isoformat(),
        report["exercise"],
        report.get("view"),
        report.get("side"),
        source,
        file_name,
        n_reps,
        _number(summary.get("mean_score")),
        _number(report.get("duration_s")),
        _dumps(summary),
        _dumps(meta),
    )


def _rep_row(set_id: int, pos: int, rep: dict[str, Any]) -> tuple:
    metrics = rep.get("metrics") or {}
    cues = rep.get("cues") or []
    if not isinstance(metrics, dict) or not isinstance(cues, list):
        raise ReportFormatError(f"rep {pos}: 'metrics' must be an object and 'cues' a list")
    return (
        set_id,
        rep.get("index", pos),
        _number(rep.get("start_s")),
        _number(rep.get("peak_s")),
        _number(rep.get("end_s")),
        rep.get("side"),
        _number(rep.get("score")),
        _dumps(metrics),
        _dumps([str(c) for c in cues]),
    )


# --------------------------------------------------------------------------- the store


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _day(value: date | None) -> str | None:
    """Filters are whole local days; a datetime filter means its day."""
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _where(exercise: str | None, since: date | None, until: date | None, alias: str = "s") -> tuple[str, list]:
    clauses: list[str] = []
    params: list[Any] = []
    if exercise:
        clauses.append(f"{alias}.exercise = ?")
        params.append(exercise)
    if since is not None:
        clauses.append(f"{alias}.day >= ?")
        params.append(_day(since))
    if until is not None:
        clauses.append(f"{alias}.day <= ?")
        params.append(_day(until))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


_SET_SELECT = (
    "SELECT id, recorded_at, exercise, view, side, source, file_name, rep_count, mean_score,"
    " duration_s, summary_json FROM sets s"
)


def _set_record(row: Sequence[Any]) -> SetRecord:
    return SetRecord(row[0], _parse_time(row[1]), *row[2:10], summary=json.loads(row[10]))


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open (creating if needed) with WAL, a busy timeout and foreign keys; not migrated."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so the sqlite3 module never
    # opens or commits a transaction behind our back.
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        _enable_wal(conn)
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _enable_wal(conn: sqlite3.Connection, timeout_s: float = BUSY_TIMEOUT_S) -> None:
    """Switch to WAL (persistent, so usually a no-op), retrying while another process holds a lock.

    SQLite answers `PRAGMA journal_mode` with SQLITE_BUSY straight away, without the busy
    handler, when another connection is creating or recovering the WAL at that moment; a
    second app session opening the database during a save hits exactly that.
    """
    deadline = time.monotonic() + timeout_s
    delay = 0.001
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


class History:
    """The history store. Open with `open_history()`; use as a context manager to close."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path

    # -- lifecycle

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing

    def save_report(
        self,
        report: dict[str, Any],
        recorded_at: datetime | None = None,
        source: str = "cli",
        *,
        file_name: str | None = None,
        on_rep_written: Callable[[int], None] | None = None,
    ) -> int:
        """Store one analysed set (a report.json dict) atomically; return its set id.

        `recorded_at` defaults to now (local time); `file_name` overrides the report's
        `source.file`. `on_rep_written(rep_position)` is a test hook called inside the
        transaction after each rep row, used to kill a writer mid-set.
        """
        if source not in SOURCES:
            raise ReportFormatError(f"source must be one of {SOURCES}, not {source!r}")
        if not isinstance(report, dict) or not isinstance(report.get("exercise"), str) or not report["exercise"]:
            raise ReportFormatError("report must be an object with an 'exercise' name")
        rows, holds = _result_rows(report)
        when = _as_local(recorded_at)
        name = _file_name(report, file_name)
        events = _cue_events(report, rows, holds)
        with _write_transaction(self.conn) as conn:
            set_id = conn.execute(
                "INSERT INTO sets (recorded_at, recorded_utc, day, exercise, view, side, source, file_name,"
                " rep_count, mean_score, duration_s, summary_json, meta_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _set_row(report, when, source, name, 0 if holds else len(rows)),
            ).lastrowid
            assert set_id is not None
            for pos, rep in enumerate(rows, start=1):
                conn.execute("INSERT INTO reps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", _rep_row(set_id, pos, rep))
                if on_rep_written is not None:
                    on_rep_written(pos)
            conn.executemany(
                "INSERT INTO cue_events (set_id, rep_index, cue_id, severity, message, time_s)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(set_id, *event) for event in events],
            )
        return int(set_id)

    def save_calibration(
        self, user: str, calibration: BackCalibration, recorded_at: datetime | None = None, file_name: str | None = None
    ) -> None:
        when = _as_local(recorded_at)
        with _write_transaction(self.conn) as conn:
            conn.execute(
                "INSERT INTO calibrations (user, recorded_at, recorded_utc, neutral_deg, anterior_deg, posterior_deg,"
                " file_name) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    user,
                    when.isoformat(timespec="seconds"),
                    when.astimezone(timezone.utc).isoformat(timespec="seconds"),
                    calibration.neutral_deg,
                    calibration.anterior_deg,
                    calibration.posterior_deg,
                    file_name,
                ),
            )

    def calibrations(self, user: str) -> list[tuple[datetime, BackCalibration]]:
        """A person's calibrations, oldest first: the pelvic-tilt range over weeks is a mobility measure."""
        rows = self.conn.execute(
            "SELECT recorded_at, neutral_deg, anterior_deg, posterior_deg FROM calibrations WHERE user = ?"
            " ORDER BY recorded_utc, id",
            (user,),
        ).fetchall()
        return [(datetime.fromisoformat(r[0]), BackCalibration(*r[1:])) for r in rows]

    def calibrated_users(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT user FROM calibrations ORDER BY user")]

    def latest_calibration(self, user: str) -> BackCalibration | None:
        found = self.calibrations(user)
        return found[-1][1] if found else None

    def save_reference(self, user: str, reference: SetReference, set_id: int | None = None) -> int:
        """Keep `reference` as `user`'s reference set for its exercise (each one is kept); return its id."""
        with _write_transaction(self.conn) as conn:
            ref_id = conn.execute(
                "INSERT INTO back_references (user, exercise, view, recorded_at, file_name, n_reps, values_json,"
                " set_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    user,
                    reference.exercise,
                    reference.view,
                    reference.recorded_on,
                    reference.source,
                    int(reference.n_reps),
                    _dumps(dict(reference.values)),
                    set_id,
                ),
            ).lastrowid
        assert ref_id is not None
        return int(ref_id)

    def references(self, user: str | None = None) -> list[tuple[int, SetReference]]:
        """Reference sets, newest first (by the date they were done, then as stored); of one user, or everyone's."""
        query = "SELECT id, exercise, view, recorded_at, file_name, n_reps, values_json FROM back_references"
        params: tuple = ()
        if user is not None:
            query += " WHERE user = ?"
            params = (user,)
        rows = self.conn.execute(query + " ORDER BY recorded_at DESC, id DESC", params).fetchall()
        return [(r[0], SetReference(r[1], r[2], r[3], r[4] or "", json.loads(r[6]), r[5])) for r in rows]

    def latest_reference(self, user: str, exercise: str) -> SetReference | None:
        """`user`'s newest reference set of `exercise`, the one that judges their sets of it; None without one."""
        return next((ref for _, ref in self.references(user) if ref.exercise == exercise), None)

    def reference_users(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT user FROM back_references ORDER BY user")]

    def save_session(
        self, outcome: dict[str, Any], set_ids: Sequence[int | None], recorded_at: datetime | None = None
    ) -> int:
        """Store a routine session (formcheck.routine.session_outcome) with the set of each step it did."""
        when = _as_local(recorded_at)
        with _write_transaction(self.conn) as conn:
            session_id = conn.execute(
                "INSERT INTO routine_sessions (recorded_at, recorded_utc, day, routine, steps_met, steps_planned,"
                " outcome_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    when.isoformat(timespec="seconds"),
                    when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    when.date().isoformat(),
                    outcome["routine"],
                    int(outcome["steps_met"]),
                    int(outcome["steps_planned"]),
                    _dumps(outcome),
                ),
            ).lastrowid
            assert session_id is not None
            conn.executemany(
                "INSERT INTO routine_sets VALUES (?, ?, ?)",
                [(session_id, step, set_id) for step, set_id in enumerate(set_ids, start=1)],
            )
        return int(session_id)

    def sessions(self, since: date | None = None, until: date | None = None) -> list[SessionRecord]:
        """Routine sessions, oldest first, with the set ids of their steps (None: a step not stored)."""
        where, params = _where(None, since, until, alias="routine_sessions")
        rows = self.conn.execute(
            "SELECT id, recorded_at, routine, steps_met, steps_planned, outcome_json FROM routine_sessions"
            f"{where} ORDER BY recorded_utc, id",
            params,
        ).fetchall()
        found = []
        for row in rows:
            links = self.conn.execute(
                "SELECT set_id FROM routine_sets WHERE session_id = ? ORDER BY step", (row[0],)
            ).fetchall()
            found.append(
                SessionRecord(row[0], _parse_time(row[1]), row[2], row[3], row[4], json.loads(row[5]),
                              tuple(r[0] for r in links))
            )  # fmt: skip
        return found

    def delete_set(self, set_id: int) -> bool:
        """Remove a set with its reps and cues (e.g. a mistaken recording)."""
        with _write_transaction(self.conn) as conn:
            return conn.execute("DELETE FROM sets WHERE id = ?", (set_id,)).rowcount > 0

    # -- reading

    def list_sets(
        self, exercise: str | None = None, since: date | None = None, until: date | None = None
    ) -> list[SetRecord]:
        """Sets in chronological order; `since`/`until` are inclusive local days."""
        where, params = _where(exercise, since, until)
        rows = self.conn.execute(f"{_SET_SELECT}{where} ORDER BY recorded_utc, id", params).fetchall()
        return [_set_record(r) for r in rows]

    def get_set(self, set_id: int) -> SetRecord | None:
        row = self.conn.execute(f"{_SET_SELECT} WHERE id = ?", (set_id,)).fetchone()
        return _set_record(row) if row else None

    def set_reps(self, set_id: int) -> list[RepRecord]:
        """The reps of one set in rep order (empty for an unknown set)."""
        rows = self.conn.execute(
            "SELECT set_id, rep_index, start_s, peak_s, end_s, side, score, metrics_json, cues_json"
            " FROM reps WHERE set_id = ? ORDER BY rep_index",
            (set_id,),
        ).fetchall()
        return [RepRecord(*r[:7], metrics=json.loads(r[7]), cues=tuple(json.loads(r[8]))) for r in rows]

    def stored_report(self, set_id: int) -> tuple[dict[str, Any], str, str] | None:
        """A stored set as a report.json dict again (everything but its summary and cue list), the day it was done
        (ISO) and its file name (else its source); None for an unknown set. A rep's `judged` is not a column: a rep
        counted through a hole is named by the set's `rep_partly_unseen` warning, at the rep's own times."""
        row = self.conn.execute("SELECT meta_json, day, file_name, source FROM sets WHERE id = ?", (set_id,)).fetchone()
        if row is None:
            return None
        report = json.loads(row[0])
        unseen = {
            (w.get("start_s"), w.get("end_s")) for w in report.get("warnings") or [] if w.get("code") == UNSEEN_REP
        }
        report["reps"] = [
            {
                "index": r.index,
                "start_s": r.start_s,
                "peak_s": r.peak_s,
                "end_s": r.end_s,
                "side": r.side,
                "metrics": r.metrics,
                "cues": list(r.cues),
                "score": r.score,
                "judged": (r.start_s, r.end_s) not in unseen,
            }
            for r in self.set_reps(set_id)
        ]
        return report, row[1], row[2] or row[3]

    def trends(
        self, exercise: str | None = None, since: date | None = None, until: date | None = None
    ) -> dict[str, list[TrendPoint]]:
        """Per exercise, one point per set: each key measure averaged over the set's reps.

        Reps where a measure is null (the view did not allow it) are left out of its
        average; a set where no rep has it gets None. Exercises without key measures
        are not listed.
        """
        result: dict[str, list[TrendPoint]] = {}
        exercises = [exercise] if exercise else self.exercises(since=since, until=until)
        for ex in exercises:
            keys = tuple(key_measures(ex))
            if keys:
                result[ex] = self._trend_points(ex, keys, since, until)
        return result

    def _trend_points(
        self, exercise: str, keys: Sequence[str], since: date | None, until: date | None
    ) -> list[TrendPoint]:
        # json_type guards the average against non-numeric values a future report might carry.
        columns = ", ".join(
            "AVG(CASE WHEN json_type(r.metrics_json, ?) IN ('integer', 'real')"
            " THEN json_extract(r.metrics_json, ?) END),"
            " COUNT(CASE WHEN json_type(r.metrics_json, ?) IN ('integer', 'real') THEN 1 END)"
            for _ in keys
        )
        paths = [p for key in keys for p in (f'$."{key}"',) * 3]
        where, params = _where(exercise, since, until)
        rows = self.conn.execute(
            f"SELECT s.id, s.recorded_at, {columns} FROM sets s LEFT JOIN reps r ON r.set_id = s.id"
            f"{where} GROUP BY s.id ORDER BY s.recorded_utc, s.id",
            [*paths, *params],
        ).fetchall()
        return [
            TrendPoint(
                set_id=row[0],
                recorded_at=_parse_time(row[1]),
                values={key: row[2 + 2 * i] for i, key in enumerate(keys)},
                counts={key: row[3 + 2 * i] for i, key in enumerate(keys)},
            )
            for row in rows
        ]

    def cue_counts(
        self, exercise: str | None = None, since: date | None = None, until: date | None = None
    ) -> list[SetCueCounts]:
        """For every matching set (chronological), how many times each cue was raised."""
        where, params = _where(exercise, since, until)
        rows = self.conn.execute(
            "SELECT s.id, s.recorded_at, s.exercise, c.cue_id, COUNT(c.id) FROM sets s"
            f" LEFT JOIN cue_events c ON c.set_id = s.id{where}"
            " GROUP BY s.id, c.cue_id ORDER BY s.recorded_utc, s.id, c.cue_id",
            params,
        ).fetchall()
        per_set: dict[int, SetCueCounts] = {}
        for set_id, recorded_at, ex, cue_id, count in rows:
            entry = per_set.setdefault(set_id, SetCueCounts(set_id, _parse_time(recorded_at), ex, {}))
            if cue_id is not None:
                entry.counts[cue_id] = count
        return list(per_set.values())

    def cue_messages(self, exercise: str | None = None) -> dict[str, tuple[str | None, str | None]]:
        """Latest stored (severity, message) per cue id: the fallback when a cue is not in the catalog."""
        where, params = _where(exercise, None, None)
        rows = self.conn.execute(
            "SELECT c.cue_id, c.severity, c.message FROM cue_events c JOIN sets s ON s.id = c.set_id"
            f"{where} ORDER BY c.id",
            params,
        ).fetchall()
        return {cue_id: (severity, message) for cue_id, severity, message in rows}

    def exercises(self, since: date | None = None, until: date | None = None) -> list[str]:
        """Exercises with at least one set in the range, in the usual order."""
        where, params = _where(None, since, until)
        found = {r[0] for r in self.conn.execute(f"SELECT DISTINCT exercise FROM sets s{where}", params)}
        return sort_exercises(found)

    def date_span(self) -> tuple[date, date] | None:
        """First and last local day with a set, or None for an empty history."""
        first, last = self.conn.execute("SELECT MIN(day), MAX(day) FROM sets").fetchone()
        return (date.fromisoformat(first), date.fromisoformat(last)) if first else None

    def integrity_ok(self) -> bool:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # -- export

    def export_csv(
        self,
        out: TextIO,
        exercise: str | None = None,
        since: date | None = None,
        until: date | None = None,
        *,
        level: str = "reps",
    ) -> int:
        """Write CSV to `out`; return the number of data rows.

        level="reps": one row per rep, with its set's columns repeated (a set without
        reps still gets one row) and one column per metric. level="sets": one row per
        set with the key measures averaged and the cue counts.
        """
        if level not in ("reps", "sets"):
            raise ValueError(f"level must be 'reps' or 'sets', not {level!r}")
        sets = self.list_sets(exercise, since, until)
        writer = csv.writer(out, lineterminator="\n")
        if level == "sets":
            trends = self.trends(exercise, since, until)
            return _write_sets_csv(writer, sets, trends, self.cue_counts(exercise, since, until))
        return _write_reps_csv(writer, sets, {s.id: self.set_reps(s.id) for s in sets})


def open_history(path: str | os.PathLike[str] | None = None, migrations: Sequence[Migration] = MIGRATIONS) -> History:
    """Open the history database (default: `default_db_path()`), migrating it if needed."""
    db_path = resolve_db_path(path)
    conn = connect(db_path)
    try:
        migrate(conn, migrations)
    except BaseException:
        conn.close()
        raise
    return History(conn, db_path)


def save_report(
    report: dict[str, Any],
    recorded_at: datetime | None = None,
    source: str = "cli",
    *,
    db: str | os.PathLike[str] | None = None,
    file_name: str | None = None,
) -> int:
    """One-call save for the app and the CLI: open the database, store the set, close; return the set id."""
    with open_history(db) as history:
        return history.save_report(report, recorded_at, source, file_name=file_name)


def remember_set(
    report: dict[str, Any],
    source: str,
    db: str | os.PathLike[str] | None = None,
    file_name: str | None = None,
    recorded_at: datetime | None = None,
) -> int | None:
    """`save_report` for an analysis that has just finished (app tabs, `formcheck analyse`): a set with
    no rep and no hold is not stored, and history trouble never spoils the analysis (logged, None returned)."""
    if not report.get("rep_count") and not report.get("hold_count"):
        return None
    try:
        return save_report(report, recorded_at, source, db=db, file_name=file_name)
    except Exception:  # a locked or broken database must not hide the result from the user
        logging.getLogger(__name__).exception("could not save the set to the history database %s", db)
        return None


def remember_session(
    outcome: dict[str, Any],
    reports: Sequence[dict[str, Any] | None],
    source: str,
    db: str | os.PathLike[str] | None = None,
) -> int | None:
    """A routine session that has just finished (the app's tabs): each step's set as `remember_set` keeps it (None:
    a step not done; a set that was clearly another exercise is not kept: its judgement is not valid), then the
    session with its sets."""
    set_ids = [None if r is None or "exercise_check" in r else remember_set(r, source, db) for r in reports]
    try:
        with open_history(db) as history:
            return history.save_session(outcome, set_ids)
    except Exception:  # as remember_set: history trouble never hides the result
        logging.getLogger(__name__).exception("could not save the routine session to the history database %s", db)
        return None


def sort_exercises(names: Iterable[str]) -> list[str]:
    """Known exercises in their usual order, anything newer after them alphabetically."""
    rank = {name: i for i, name in enumerate(registry.names())}
    return sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n))


# --------------------------------------------------------------------------- CSV

SET_COLUMNS = ("set_id", "recorded_at", "exercise", "view", "side", "source", "file_name")


def _csv_text(value: Any) -> Any:
    """Neutralise spreadsheet formulas in free text (a file name like '=HYPERLINK(...)')."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _set_cells(s: SetRecord) -> list[Any]:
    return [
        s.id, s.recorded_at.isoformat(timespec="seconds"),
        *(_csv_text(v) for v in (s.exercise, s.view, s.side, s.source, s.file_name)),
    ]  # fmt: skip


def _metric_columns(reps: Iterable[RepRecord]) -> list[str]:
    """Key measures first (in their usual order), then any other metric alphabetically."""
    seen = {key for rep in reps for key in rep.metrics}
    first = [k for k in key_measure_names() if k in seen]
    return first + sorted(seen - set(first))


def _write_reps_csv(writer: Any, sets: list[SetRecord], reps: dict[int, list[RepRecord]]) -> int:
    metric_cols = _metric_columns(r for rs in reps.values() for r in rs)
    rep_cols = ("rep", "start_s", "peak_s", "end_s", "rep_side", "score", "cues")
    writer.writerow([*SET_COLUMNS, *rep_cols, *metric_cols])
    rows = 0
    for s in sets:
        for rep in reps[s.id] or [None]:
            rep_cells: list[Any] = [""] * (len(rep_cols) + len(metric_cols))
            if rep is not None:
                rep_cells = [
                    rep.index, rep.start_s, rep.peak_s, rep.end_s, _csv_text(rep.side), rep.score,
                    _csv_text(";".join(rep.cues)),
                    *(_csv_scalar(rep.metrics.get(key)) for key in metric_cols),
                ]  # fmt: skip
            writer.writerow([*_set_cells(s), *[("" if c is None else c) for c in rep_cells]])
            rows += 1
    return rows


def _csv_scalar(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return _csv_text(value)


def _write_sets_csv(
    writer: Any, sets: list[SetRecord], trends: dict[str, list[TrendPoint]], cues: list[SetCueCounts]
) -> int:
    measure_cols = key_measure_names()
    values = {p.set_id: p.values for points in trends.values() for p in points}
    counts = {c.set_id: c.counts for c in cues}
    writer.writerow([*SET_COLUMNS, "rep_count", "mean_score", "duration_s", *measure_cols, "cue_counts"])
    for s in sets:
        set_values = values.get(s.id, {})
        cue_text = ";".join(f"{cue}={n}" for cue, n in sorted(counts.get(s.id, {}).items()))
        writer.writerow([
            *_set_cells(s), s.rep_count, _csv_scalar(s.mean_score), _csv_scalar(s.duration_s),
            *(_csv_scalar(set_values.get(k)) for k in measure_cols), _csv_text(cue_text),
        ])  # fmt: skip
    return len(sets)
