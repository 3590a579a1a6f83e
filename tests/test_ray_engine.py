"""`formcheck analyse --engine ray` on a Ray instance started here (127.0.0.1, 2 CPUs): the same
reports as the local engine, a worker killed mid-video retried, --resume, a corrupt file in the batch."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from formcheck import cli
from formcheck.batch import SUMMARY_FILE
from formcheck.pipeline import BatchItem, analyse_many

ray = pytest.importorskip("ray", reason="the Ray extra is not installed (pip install 'formcheck[ray]')")
psutil = pytest.importorskip("psutil", reason="psutil comes with Ray")

VIDEOS = Path(__file__).resolve().parents[1].parent / "shared" / "videos"
# The four shortest shared clips (6-16 s): a lunge, a squat and two bridges.
CLIPS = ("lunge_side_04.mp4", "bridge_side_01.mp4", "squat_side_22.mp4", "bridge_side_04.mp4")

pytestmark = [
    pytest.mark.real_video,
    pytest.mark.skipif(not (VIDEOS / CLIPS[0]).exists(), reason=f"real videos not found at {VIDEOS} (../shared)"),
]


@pytest.fixture(scope="module")
def cluster(pose_cache_dir: Path):
    """One local Ray instance for the module; the engine joins it rather than starting its own. Its
    workers replay the run's cached poses (conftest: pose_cache): the first analysis of a clip estimates them."""
    from formcheck.pipeline import POSE_CACHE_ENV

    env = {"env_vars": {POSE_CACHE_ENV: str(pose_cache_dir)}}
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1", runtime_env=env)
    yield
    ray.shutdown()


def analyse(videos: list[Path], out: Path, *extra: str) -> tuple[int, dict]:
    code = cli.main(["analyse", *map(str, videos), "--out", str(out), "--no-history", "--engine", "ray", *extra])
    return code, json.loads((out / SUMMARY_FILE).read_text())


def reports(out: Path) -> dict[str, tuple[dict, str]]:
    return {
        d.name: (json.loads((d / "report.json").read_text()), (d / "frames.csv").read_text())
        for d in sorted(out.iterdir())
        if d.is_dir()
    }


@pytest.fixture(scope="module")
def ray_out(cluster, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ray") / "out"
    code, summary = analyse([VIDEOS / c for c in CLIPS], out)
    assert code == 0 and summary["ok"] == len(CLIPS)
    return out


def test_same_reports_and_frames_as_the_local_engine(ray_out: Path, tmp_path: Path, pose_cache: Path) -> None:
    items = [BatchItem(VIDEOS / c, tmp_path / Path(c).stem) for c in CLIPS]
    local = analyse_many(items, "auto", workers=2)
    assert not [o for o in local if isinstance(o, Exception)]
    assert reports(ray_out) == reports(tmp_path)


def test_resume_analyses_only_what_is_missing(ray_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(ray_out, out)
    (out / "lunge_side_04" / "report.json").unlink()  # as a batch killed while that video was in flight
    before = (out / "bridge_side_01" / "report.json").stat().st_mtime_ns
    code, summary = analyse([VIDEOS / c for c in CLIPS], out, "--resume")
    assert code == 0
    assert (summary["ok"], summary["skipped"]) == (1, 3)
    assert [v["status"] for v in summary["videos"]] == ["ok", "skipped", "skipped", "skipped"]
    assert (out / "bridge_side_01" / "report.json").stat().st_mtime_ns == before
    assert reports(out) == reports(ray_out)


def test_corrupt_file_gets_its_error_and_the_rest_completes(cluster, tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all" * 100)
    code, summary = analyse([broken, VIDEOS / CLIPS[0]], tmp_path / "out")
    assert code == 2
    failed, ok = summary["videos"]
    assert failed["status"] == "failed" and "broken.mp4" in failed["error"] and "\n" not in failed["error"]
    assert ok["status"] == "ok" and ok["rep_count"] >= 1


def _kill_first_task_worker(stop: threading.Event, killed: list[int]) -> None:
    """SIGKILL the first Ray worker seen running a video (Ray titles it after the task), once."""
    while not stop.is_set() and not killed:
        for proc in psutil.process_iter(["pid", "cmdline"]):
            if "ray::analyse_video_task" in " ".join(proc.info["cmdline"] or ()):
                time.sleep(1.0)  # well into the video
                os.kill(proc.info["pid"], signal.SIGKILL)
                killed.append(proc.info["pid"])
                return
        time.sleep(0.1)


def test_worker_killed_mid_video_is_retried(ray_out: Path, tmp_path: Path) -> None:
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_first_task_worker, args=(stop, killed), daemon=True)
    killer.start()
    try:
        code, summary = analyse([VIDEOS / c for c in CLIPS[:2]], tmp_path / "out")
    finally:
        stop.set()
        killer.join()
    assert killed, "no Ray worker was seen running a video"
    assert code == 0 and summary["ok"] == 2
    got = reports(tmp_path / "out")
    assert got == {k: v for k, v in reports(ray_out).items() if k in got}


def test_bench_accuracy_scores_the_same_on_ray(cluster, tmp_path: Path, pose_cache_dir: Path) -> None:
    from formcheck.bench.accuracy import LOCAL, run_originals

    manifest = json.loads((VIDEOS / "manifest.json").read_text())
    manifest["videos"] = [e for e in manifest["videos"] if e["file"] == CLIPS[0]]
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    on_ray = run_originals(path, VIDEOS, cache=pose_cache_dir, engine=None)  # None: this process's Ray instance
    assert on_ray == run_originals(path, VIDEOS, cache=pose_cache_dir, engine=LOCAL)
    assert on_ray[0][0].counted == manifest["videos"][0]["reps"]
