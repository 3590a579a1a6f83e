"""The person's reference sets, from an analysed set's report to the history and back.

`formcheck reference VIDEO --exercise NAME [--user NAME]` (or `formcheck analyse ... --as-reference`) keeps an
analysed set as the person's reference for its exercise (exercises/measures/reference.py); every later
`formcheck analyse --user NAME` hands the latest one per exercise to the analyser, which judges the lower
back on the change from it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from exercises.framework import registry
from exercises.framework.analyser import view_words
from exercises.measures.reference import TILT, SetReference, SetReferenceError, reference_from_reps
from formcheck.calibrate import DEFAULT_USER
from formcheck.exercise_check import mismatch_sentence


def reference_from_report(report: Mapping[str, Any], recorded_on: str, source: str) -> SetReference:
    """The reference of an analysed set (a report.json dict): its exercise, its main view (the view later sets
    must be filmed from to be judged against it) and the medians of its judged reps' metrics.
    SetReferenceError (a ValueError, for the user) when it cannot be one."""
    view = str(report.get("view") or "unknown")
    reps = [rep.get("metrics") or {} for rep in report.get("reps") or [] if rep.get("judged", True)]
    return reference_from_reps(str(report["exercise"]), view, reps, recorded_on, source)


def reference_of_set(report: Mapping[str, Any], recorded_on: str, source: str) -> SetReference:
    """`reference_from_report` for a set a person asks to keep: SetReferenceError (its message for the user) also when
    the set was clearly another exercise (its judgement is not valid) or its exercise does not measure the back."""
    check = report.get("exercise_check")
    if check is not None:
        raise SetReferenceError(mismatch_sentence(check).rstrip("."))
    spec = registry.get(str(report["exercise"]))
    if spec.back is None:
        raise SetReferenceError(f"the {spec.noun} does not measure the lower back")
    return reference_from_report(report, recorded_on, source)


def keep_reference(
    user: str,
    report: Mapping[str, Any],
    source: str,
    recorded_on: str | None = None,
    db: str | None = None,
    set_id: int | None = None,
) -> SetReference:
    """Store an analysed set (a report.json dict; `set_id`: its row in the history, if stored) as `user`'s reference
    for its exercise, done on `recorded_on` (default today); SetReferenceError when it cannot be one."""
    from formcheck.history.store import open_history, resolve_db_path

    reference = reference_of_set(report, recorded_on or date.today().isoformat(), source)
    with open_history(resolve_db_path(db)) as history:
        history.save_reference(user, reference, set_id)
    return reference


def keep_stored_set(user: str, set_id: int, db: str | None = None) -> SetReference:
    """Store a set already in the history as `user`'s reference: the history keeps each rep's metrics and the set's
    view, exercise and warnings, which is all a reference is built from (`History.stored_report`)."""
    from formcheck.history.store import open_history, resolve_db_path

    with open_history(resolve_db_path(db)) as history:
        found = history.stored_report(set_id)
    if found is None:
        raise SetReferenceError(f"set #{set_id} is no longer in the history")
    report, recorded_on, file_name = found
    return keep_reference(user, report, file_name, recorded_on, db, set_id)


def later_sets(reference: SetReference) -> str:
    """Which later sets a reference judges: "their later deadlift sets filmed side-on"."""
    noun = registry.get(reference.exercise).noun if registry.resolve(reference.exercise) else reference.exercise
    return f"their later {noun} sets filmed {view_words(reference.view)}"


def stored_reference(user: str, exercise: str, db: str | None = None) -> SetReference | None:
    """`user`'s latest reference set of `exercise` in the history database (`db`, else the default one)."""
    from formcheck.history.store import open_history, resolve_db_path

    path = resolve_db_path(db)
    if not path.exists():
        return None
    with open_history(path) as history:
        return history.latest_reference(user, exercise)


def stored_references(user: str = DEFAULT_USER, db: str | None = None) -> dict[str, SetReference]:
    """`user`'s latest reference set of each exercise: what `formcheck analyse --user` judges against."""
    from formcheck.history.store import open_history, resolve_db_path

    path = resolve_db_path(db)
    if not path.exists():
        return {}
    latest: dict[str, SetReference] = {}
    with open_history(path) as history:
        for _, ref in history.references(user):  # newest first: the first of each exercise is its latest
            latest.setdefault(ref.exercise, ref)
    return latest


def app_references(user: str = DEFAULT_USER) -> dict[str, SetReference]:
    """The app's person (the page's Person): their reference sets per exercise; history trouble never stops a
    session."""
    try:
        return stored_references(user)
    except Exception:  # a locked or broken database: judged without references, and the report says so
        logging.getLogger(__name__).exception("could not read the reference sets from the history database")
        return {}


def describe_reference(user: str, reference: SetReference) -> str:
    """"alice: squat reference from set.mp4 (side, 8 reps): lower back +4.7 deg at the bottom, depth ..."."""
    measures = registry.get(reference.exercise).measures if registry.resolve(reference.exercise) else {}
    parts = []
    tilt = reference.tilt_deg
    if tilt is not None:
        parts.append(f"lower back {tilt:+.1f} deg at the {'top' if reference.exercise == 'bridge' else 'bottom'}")
    for name, measure in measures.items():
        value = reference.values.get(name)
        if name == TILT or value is None:
            continue
        parts.append(f"{measure.short.lower()} {measure.format(value)}")
    reps = f"{reference.n_reps} rep{'s' if reference.n_reps != 1 else ''}"
    return (
        f"{user}: {reference.exercise} reference from {reference.source} ({reference.view}, {reps},"
        f" {reference.recorded_on}): {', '.join(parts)}"
    )

