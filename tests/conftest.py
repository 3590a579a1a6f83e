"""Shared pytest set-up."""

from __future__ import annotations

import os
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Read once at start: tests set FORMCHECK_POSE_CACHE themselves (monkeypatch), which must not move the run's cache.
LASTING_POSE_CACHE = os.environ.get("FORMCHECK_POSE_CACHE")
APP_TIMEOUT_S = 300  # a real video is analysed inside the script run; slow CI machines need room


@pytest.fixture(scope="session")
def pose_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's pose cache (formcheck/bench/posecache.py): each shared clip goes through the pose model
    once per test run, whichever tests analyse it; the benchmarks take it as their `cache`.

    With parallel workers (pytest-xdist, `./dev test -n auto --dist loadfile`) each worker has its own temporary
    folder inside the run's: the cache sits beside them so all workers share it, and the cache's lock
    (posecache.cached_track) lets one worker estimate a clip while another waits for it.

    FORMCHECK_POSE_CACHE set when pytest starts names a lasting cache instead (e.g. the benchmarks'
    /tmp/formcheck-poses): re-running a real-video test while changing an analyser then skips the model."""
    if LASTING_POSE_CACHE:
        return Path(LASTING_POSE_CACHE)
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder = base / "pose_cache"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def pose_cache(pose_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`analyse_video` (so `formcheck analyse`, the app, worker processes started from here) replays the
    run's cached poses of an unaltered video instead of running the model on it again."""
    from formcheck.pipeline import POSE_CACHE_ENV

    monkeypatch.setenv(POSE_CACHE_ENV, str(pose_cache_dir))
    return pose_cache_dir


@pytest.fixture(autouse=True)
def _history_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """`formcheck analyse` and the app store every set: never in the user's own history database."""
    monkeypatch.setenv("FORMCHECK_DB", str(tmp_path_factory.mktemp("history") / "history.sqlite3"))


@pytest.fixture(autouse=True)
def _keep_the_real_main_module():
    """Streamlit's AppTest runs each app script as a new `__main__` module and leaves it in
    sys.modules. Worker processes started with "spawn" re-import the parent's `__main__` from its
    file, a temporary script by then, and die on start (BrokenProcessPool in a later test): put
    pytest's own `__main__` back after every test."""
    import sys

    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The app with a stubbed camera component and a private history database."""
    import streamlit_webrtc
    from streamlit.testing.v1 import AppTest

    state = types.SimpleNamespace(playing=False, signalling=False)
    monkeypatch.setattr(streamlit_webrtc, "webrtc_streamer", lambda **kwargs: types.SimpleNamespace(state=state))
    monkeypatch.setenv("FORMCHECK_DB", str(tmp_path / "history.sqlite3"))
    monkeypatch.delenv("FORMCHECK_APP_TEST_VIDEO", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT_S)
    at.stream_state = state
    return at


HEAVY_MARKERS = ("browser", "real_video", "slow")  # minutes of pose model or real-time video each
# The files handed out first in a parallel run (`./dev test`: pytest-xdist, whole files to a worker, in this order:
# `--no-loadscope-reorder`; xdist's own order, most tests first, left the two clip sweeps with few tests to the end,
# one worker waiting for the other's poses). The sweeps that put the shared clips through the pose model come first,
# each worker starting with one: the back clips (4 long clips) and the programme clips, then the squat/lunge/bridge
# clips. The files that replay those poses come after them: by the time the browser's reference test or the Ray
# engine asks for a clip, its poses are cached, and no worker waits on the other's lock.
FIRST_FILES = (
    "test_back_clips.py",
    "test_programme_clips.py",
    "test_real_videos.py",
    "test_e2e_browser.py",
    "test_ray_engine.py",
    "test_reference_clips.py",
    "test_long_session.py",
    "test_wheel.py",
)


def _run_order(item: pytest.Item) -> tuple[int, int]:
    name = item.path.name
    first = FIRST_FILES.index(name) if name in FIRST_FILES else len(FIRST_FILES)
    return first, not any(item.get_closest_marker(m) for m in HEAVY_MARKERS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The long tests first (stable order otherwise), FIRST_FILES in their order: parallel workers start the pose
    model's minutes and the browser's real-time minutes at once and fill the end with the quick tests, instead
    of one worker starting a long file while the other has finished."""
    items.sort(key=_run_order)
