"""A batch of videos, whatever runs it (the local process pool, or Ray: formcheck/ray_engine.py).

What both engines share: which output folders are already complete (`--resume`), and the summary
file that lists every video's outcome, so that a failed video is one line there and the batch goes on.
"""

from __future__ import annotations

import json
from pathlib import Path

from formcheck.pipeline import BatchItem

OUTPUT_FILES = ("annotated.mp4", "frames.csv", "report.json")  # report.json is written last (report.py)
SUMMARY_FILE = "batch-summary.json"


def is_complete(out_dir: Path) -> bool:
    """Whether a previous run left all of this video's outputs (a killed run leaves no report.json)."""
    if not all((out_dir / name).is_file() for name in OUTPUT_FILES):
        return False
    try:
        json.loads((out_dir / "report.json").read_text())
    except (OSError, ValueError):
        return False
    return True


def error_sentence(item: BatchItem, error: BaseException) -> str:
    """One sentence naming the video, for the terminal and the summary file."""
    text = str(error) or type(error).__name__
    return text if item.path.name in text else f"{item.path.name}: {text}"


def write_summary(
    out: Path, items: list[BatchItem], outcomes: list[dict | BaseException | None], engine: str
) -> Path:
    """OUT/batch-summary.json: per video, `ok` (with its rep count), `failed` (with the error) or
    `skipped` (complete from an earlier run, with --resume); in input order."""
    videos = []
    for item, outcome in zip(items, outcomes, strict=True):
        entry: dict = {"video": str(item.path), "out_dir": str(item.out_dir)}
        if outcome is None:
            entry["status"] = "skipped"
        elif isinstance(outcome, BaseException):
            entry |= {"status": "failed", "error": error_sentence(item, outcome)}
        else:
            entry |= {"status": "ok", "exercise": outcome.get("exercise"), "rep_count": outcome.get("rep_count")}
        videos.append(entry)
    counts = {status: sum(v["status"] == status for v in videos) for status in ("ok", "failed", "skipped")}
    path = out / SUMMARY_FILE
    path.write_text(json.dumps({"engine": engine, **counts, "videos": videos}, indent=2))
    return path
