"""`formcheck analyse --engine ray`: the same batch as the local process pool, one Ray task per video.

Each task runs `pipeline.analyse_video` in a Ray worker process and writes the video's outputs
exactly as the local engine does; the driver gets the report back and alone writes the history.
A worker process that dies is retried by Ray (`MAX_RETRIES`); an error of the video itself
(unreadable file, ...) is not retried: it is that video's outcome and the batch goes on.

Where the workers cannot see the driver's disk (`ship=True`), the video goes to the task through
Ray's object store and its outputs come back the same way; the driver writes them.
Ray is an optional extra (`pip install formcheck[ray]`); nothing else imports this module.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path

from exercises.measures.calibration import BackCalibration
from formcheck.pipeline import BatchItem, analyse_video, longest_first
from formcheck.report import build_report

MAX_RETRIES = 3  # attempts after a worker process died mid-video (Ray's task retries)
Outcome = dict | BaseException
DoneFn = Callable[[int, Outcome], None]  # (input index, report or error), as each video finishes


def require_ray():
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError(
            "--engine ray needs Ray: pip install 'formcheck[ray]' (or the local engine, the default)"
        ) from exc
    return ray


def analyse_video_task(
    path: str,
    out_dir: str,
    exercise: str,
    model_path: str | None,
    max_side_px: int | None,
    video: bytes | None,
    calibration: BackCalibration | None = None,
    references: dict | None = None,
) -> tuple[dict, dict[str, bytes] | None]:
    """One video in a Ray worker: its report, and with `video` given (shipped), its output files' bytes."""
    model = Path(model_path) if model_path else None
    if video is None:
        result = analyse_video(
            Path(path), exercise, Path(out_dir), model, max_side_px, calibration=calibration, references=references
        )
        return build_report(result), None
    with tempfile.TemporaryDirectory(prefix="formcheck-ray-") as tmp:
        local = Path(tmp) / Path(path).name  # the same file name: the report names it
        local.write_bytes(video)
        out = Path(tmp) / "out"
        report = build_report(
            analyse_video(local, exercise, out, model, max_side_px, calibration=calibration, references=references)
        )
        return report, {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def analyse_many_ray(
    items: list[BatchItem],
    exercise: str,
    model_path: Path | None = None,
    max_side_px: int | None = None,
    address: str | None = None,
    done: DoneFn | None = None,
    ship: bool = False,
) -> list[Outcome]:
    """Analyse `items` on Ray: a local instance limited to this machine's cores without `address`,
    else the cluster at `address` ("auto", "ray://host:port"). The report or the error of each, in order."""
    with ray_session(address) as ray:
        task = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(analyse_video_task)
        order = longest_first(items)  # no worker is left alone with a long video at the end
        pending = {
            task.remote(
                str(items[i].path),
                str(items[i].out_dir),
                exercise,
                str(model_path) if model_path else None,
                max_side_px,
                _shipped(items[i].path) if ship else None,
                items[i].calibration,
                dict(items[i].references or {}),
            ): i
            for i in order
        }
        outcomes: list[Outcome | None] = [None] * len(items)
        while pending:
            finished, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
            for ref in finished:
                i = pending.pop(ref)
                outcomes[i] = _collect(ray, ref, items[i])
                if done is not None:
                    done(i, outcomes[i])
        return [o if o is not None else RuntimeError("no result") for o in outcomes]


@contextmanager
def ray_session(address: str | None) -> Iterator:
    """Ray, connected: to a local instance limited to this machine's cores without `address`, else to the
    cluster at `address`; one already initialised in this process (a test's, a notebook's) is used as is."""
    ray = require_ray()
    started = not ray.is_initialized()
    if started:
        options = {"num_cpus": os.cpu_count()} if address is None else {"address": address}
        ray.init(**options, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


class RayPool:
    """`submit(fn, *args) -> Future` over Ray tasks, for code written for a process pool (bench-accuracy)."""

    def __init__(self, address: str | None = None) -> None:
        self._session = ray_session(address)
        self._ray = None

    def __enter__(self) -> RayPool:
        self._ray = self._session.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._session.__exit__(None, None, None)

    def submit(self, fn: Callable, *args: object) -> Future:
        assert self._ray is not None, "use RayPool in a with block"
        return self._ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(fn).remote(*args).future()


def _shipped(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return b""  # the task then reports the file as unreadable, like the local engine


def _collect(ray, ref, item: BatchItem) -> Outcome:
    """The report of a finished task (writing shipped outputs), or its error as the user should read it."""
    try:
        report, files = ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        return exc.cause if isinstance(exc.cause, BaseException) else RuntimeError(str(exc))
    except ray.exceptions.RayError as exc:  # the worker died on every retry, the node was lost, ...
        return RuntimeError(f"{item.path.name}: the Ray worker was lost ({type(exc).__name__})")
    if files is not None:
        item.out_dir.mkdir(parents=True, exist_ok=True)
        for name in sorted(files, key=lambda n: n == "report.json"):  # report.json last, as locally
            (item.out_dir / name).write_bytes(files[name])
    return report
