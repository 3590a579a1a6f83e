"""The person's reference sets, from an analysed set's report to the history and back.

`formcheck reference VIDEO --exercise NAME [--user NAME]` (or `formcheck analyse ... --as-reference`) keeps an
analysed set as the person's reference for its exercise (exercises/measures/reference.py); every later
`formcheck analyse --user NAME` hands the latest one per exercise to the analyser, which judges the lower
back on the change from it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from exercises.framework import registry
from exercises.measures.reference import TILT, SetReference, reference_from_reps
from formcheck.calibrate import DEFAULT_USER


def reference_from_report(report: Mapping[str, Any], recorded_on: str, source: str) -> SetReference:
    """The reference of an analysed set (a report.json dict): its exercise, its main view (the view later sets
    must be filmed from to be judged against it) and the medians of its judged reps' metrics.
    SetReferenceError (a ValueError, for the user) when it cannot be one."""
    view = str(report.get("view") or "unknown")
    reps = [rep.get("metrics") or {} for rep in report.get("reps") or [] if rep.get("judged", True)]
    return reference_from_reps(str(report["exercise"]), view, reps, recorded_on, source)


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


def app_references() -> dict[str, SetReference]:
    """The app's person (the default user): their reference sets per exercise; history trouble never stops a session."""
    try:
        return stored_references()
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

