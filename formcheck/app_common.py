"""Small pieces the app's tabs share: the history hook-up."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)


def history_db_path() -> Path | None:
    """Where the History tab and saved sets live; None when the history module is absent."""
    try:
        from formcheck.history import resolve_db_path
    except ImportError:
        return None
    return resolve_db_path(None)


def save_to_history(
    db_path: Path | None,
    report: dict,
    source: str,
    file_name: str | None = None,
    recorded_at: datetime | None = None,
) -> int | None:
    """Store an analysed set with at least one rep; history trouble never spoils an analysis.

    Used by the app's tabs and by `formcheck analyse`."""
    if db_path is None or not report.get("rep_count"):
        return None
    try:
        from formcheck.history import open_history
    except ImportError:
        return None
    try:
        with open_history(db_path) as history:
            return history.save_report(report, recorded_at, source, file_name=file_name)
    except Exception:  # a locked or broken database must not hide the result on the page
        log.exception("could not save the set to the history database %s", db_path)
        return None


def configure_logging() -> None:
    """Send formcheck's INFO lines (the live frame rate) to the server's stderr, once."""
    logger = logging.getLogger("formcheck")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
