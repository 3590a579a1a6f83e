"""End to end: a real video as Chromium's camera, through WebRTC, counted by the Live tab.

The test converts a clip from ../shared/videos to .y4m (Chromium's fake camera plays
it), holds its first frame for a few seconds (while WebRTC connects) and its last frame
(so the count settles before Chromium loops the file). WebRTC needs a host ICE
candidate and aioice never offers 127.0.0.1, so streamlit and Chromium run inside a
fresh network namespace with only loopback up (`unshare --net`, needs root) and the
app runs with FORMCHECK_LOOPBACK_ICE=1. This file is also the driver run inside the
namespace: `python3 tests/test_e2e_browser.py --drive CONFIG.json`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VIDEOS = ROOT.parent / "shared" / "videos"
CHROMIUM = Path("/usr/bin/chromium")
LEAD_IN_S = 5.0  # first frame held: WebRTC connects meanwhile
TAIL_S = 5.0  # last frame held: the last rep closes and the count settles
CHROMIUM_ARGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--allow-loopback-in-peer-connection",
]
CASES = [("squat_side_01.mp4", "squat"), ("bridge_side_01.mp4", "bridge")]
STARVED_GAP_S = 0.7  # the rep counter's max_gap_s


# --------------------------------------------------------------------------- pytest side


def _skip_reason() -> str | None:
    if not (VIDEOS / "manifest.json").exists():
        return f"{VIDEOS} with manifest.json is absent"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright Python package is not installed"
    if shutil.which("ffmpeg") is None or shutil.which("unshare") is None or shutil.which("ip") is None:
        return "ffmpeg, unshare or ip is missing"
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True)
    if probe.returncode != 0:
        return "cannot create a network namespace (unshare --net needs root)"
    return None


def make_y4m(video: Path, out: Path, fps: int = 30) -> float:
    """The clip as a 640x480 30 fps camera would give it (letterboxed: Chromium would crop
    any other shape to the app's 640x480 request), with held first and last frames;
    returns the clip's own duration in seconds."""
    duration = float(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(video)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    scale = "scale='trunc(min(640/iw,480/ih)*iw/2)*2':'trunc(min(640/iw,480/ih)*ih/2)*2'"
    box = "pad=640:480:(ow-iw)/2:(oh-ih)/2"
    hold = f"tpad=start_mode=clone:start_duration={LEAD_IN_S}:stop_mode=clone:stop_duration={TAIL_S}"
    encode = ["-an", "-vf", f"fps={fps},{scale},{box},{hold}", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe"]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), *encode, str(out)], check=True)
    return duration


@pytest.mark.browser
@pytest.mark.real_video
def test_live_tab_counts_reps_from_a_fake_camera(tmp_path: Path) -> None:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    manifest = {v["file"]: v for v in json.loads((VIDEOS / "manifest.json").read_text())["videos"]}
    cases = []
    for name, exercise in CASES:
        y4m = tmp_path / f"{Path(name).stem}.y4m"
        duration = make_y4m(VIDEOS / name, y4m)
        expected = manifest[name]["reps"]
        cases.append(
            {"name": name, "exercise": exercise, "y4m": str(y4m), "duration_s": duration, "expected_reps": expected}
        )
    history_dates = _three_squat_sets_on_three_dates(tmp_path / "history.sqlite3", tmp_path / "history_sets")
    config = {"cases": cases, "out": str(tmp_path), "upload_video": str(VIDEOS / CASES[0][0])}
    (tmp_path / "config.json").write_text(json.dumps(config))
    # Real time on a shared 2-core box: app and browser (children of the driver) get the
    # CPU before other jobs; the test runs as root anyway, for the network namespace.
    driver = f"{sys.executable} {Path(__file__)} --drive {tmp_path / 'config.json'}"
    script = f"ip link set lo up && exec nice -n -10 {driver}"
    try:
        run = subprocess.run(["unshare", "--net", "bash", "-c", script], capture_output=True, text=True, timeout=600)
    finally:
        for case in cases:  # ~150 MB each; the screenshots stay
            Path(case["y4m"]).unlink(missing_ok=True)
    results_file = tmp_path / "results.json"
    assert results_file.exists(), f"driver failed:\n{run.stdout[-3000:]}\n{run.stderr[-5000:]}"
    results = json.loads(results_file.read_text())
    print(json.dumps(results, indent=1))
    for case in cases:
        got = results[case["name"]]
        assert "error" not in got, got
        assert got["reps"] == manifest[case["name"]]["reps"], got
        assert got["summary_reps"] == got["reps"], got
        assert got["processed_fps"] > 0, got  # the Debug figure is there; its size depends on the machine
        assert Path(got["screenshot_live"]).exists()
    assert any(results[c["name"]].get("spoken") for c in cases), "no cue reached the speech snippet"
    assert results.get("upload", {}).get("reps") == manifest[CASES[0][0]]["reps"], results.get("upload")
    assert Path(results["upload"]["screenshot_history"]).exists()
    # The History tab counts the three sets analysed on injected dates with the squat sets of this run.
    squat_sets = re.search(r"Squat\s+(\d+) sets", results["upload"]["history_text"])
    assert squat_sets and int(squat_sets[1]) >= len(history_dates), results["upload"]["history_text"][:1000]


HISTORY_CLIPS = ("squat_side_01.mp4", "squat_side_02.mp4", "squat_oblique_05.mp4")


def _three_squat_sets_on_three_dates(db: Path, out: Path) -> list[date]:
    """Issue 6's acceptance: three shared squat videos analysed on three injected dates land in the history,
    `formcheck history` lists them and the printable report renders with its plots."""
    from formcheck.cli import main

    days = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    for clip, day in zip(HISTORY_CLIPS, days, strict=True):
        args = ["analyse", str(VIDEOS / clip), "--exercise", "squat", "--out", str(out / clip), "--db", str(db)]
        assert main([*args, "--date", f"{day.isoformat()}T18:00"]) == 0
    listing = subprocess.run(
        [sys.executable, "-m", "formcheck.cli", "history", "--db", str(db), "--exercise", "squat"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert all(day.isoformat() in listing for day in days), listing
    assert "3 set(s)" in listing, listing
    report = out / "report.html"
    period = ["--since", "2026-11-01", "--until", "2026-11-30"]
    assert main(["report", "--db", str(db), *period, "--out", str(report)]) == 0
    html = report.read_text(encoding="utf-8")
    assert html.count("<svg") >= 2 and "3 sets" in html, html[:2000]
    return days


# --------------------------------------------------------------------------- driver (inside the namespace)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_app(port: int, out: Path, upload_video: str) -> subprocess.Popen:
    from formcheck.app.launch import streamlit_command

    env = dict(
        os.environ,
        FORMCHECK_LOOPBACK_ICE="1",
        FORMCHECK_DB=str(out / "history.sqlite3"),
        FORMCHECK_APP_TEST_VIDEO=upload_video,
    )
    # As `formcheck app` starts it: the packaged script and settings, from a folder that is not the checkout.
    cmd = [*streamlit_command(port), "--server.address", "127.0.0.1"]
    cmd += ["--server.fileWatcherType", "none"]  # other edits to the tree must not disturb the run
    log = (out / "streamlit.log").open("w")
    proc = subprocess.Popen(cmd, cwd=out, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("streamlit did not start")


def _wait_idle(page) -> None:
    """Until the first script run has drawn the Live tab and finished."""
    page.locator('[data-testid="stMetric"]', has_text="Reps").first.wait_for(timeout=90000)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60000)


def _reps(page) -> int | None:
    metric = page.locator('[data-testid="stMetric"]', has_text="Reps").first
    if metric.count() == 0:
        return None
    text = metric.locator('[data-testid="stMetricValue"]').inner_text(timeout=2000)
    return int(text.strip()) if text.strip().isdigit() else None


def _select(page, label: str, option: str) -> None:
    box = page.locator('[data-testid="stSelectbox"]', has_text=label).locator("visible=true").first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()


def _debug_numbers(page) -> tuple[float, float]:
    """Frames analysed per second and the longest gap between analysed frames, from `Debug`."""
    text = page.locator('[data-testid="stExpander"]', has_text="Debug").first.text_content(timeout=5000) or ""

    def after(marker: str) -> float:
        return float(text.split(marker)[1].split()[0]) if marker in text else math.nan

    return after("Frames processed per second:"), after("longest gap between analysed frames")


def _drive_case(browser_type, case: dict, url: str, out: Path) -> dict:
    stem = Path(case["name"]).stem
    # Playwright's launch() gives every browser a fresh, temporary user-data dir.
    browser = browser_type.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={case['y4m']}"]
    )
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    try:
        page.goto(url)
        _wait_idle(page)
        _select(page, "Exercise", case["exercise"])
        frame = page.frame_locator('iframe[title*="webrtc_streamer"]').first
        frame.get_by_role("button", name="START").click(timeout=60000)
        started = time.monotonic()
        settle_at = LEAD_IN_S + case["duration_s"] + TAIL_S * 0.6
        series = []
        while time.monotonic() - started < settle_at:
            time.sleep(0.5)
            series.append((round(time.monotonic() - started, 1), _reps(page)))
        reps = _reps(page)
        fps, gap = _debug_numbers(page)
        spoken = page.evaluate("() => window.formcheckSpoken || null")  # set by the speech snippet
        live_png = out / f"{stem}_live.png"
        page.screenshot(path=str(live_png), full_page=True)
        frame.get_by_role("button", name="STOP").click()
        page.get_by_text("Set summary").first.wait_for(timeout=30000)
        summary_png = out / f"{stem}_summary.png"
        page.screenshot(path=str(summary_png), full_page=True)
        return {
            "reps": reps,
            "summary_reps": _reps(page),
            "processed_fps": fps,
            "longest_gap_s": gap,
            "spoken": spoken,
            "series": series,
            "screenshot_live": str(live_png),
            "screenshot_summary": str(summary_png),
        }
    except Exception:
        page.screenshot(path=str(out / f"{stem}_error.png"), full_page=True)
        raise
    finally:
        browser.close()


def _drive_upload(browser_type, url: str, out: Path) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    browser = browser_type.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 2200})
    try:
        page.goto(url)
        _wait_idle(page)
        page.get_by_role("tab", name="Upload").click()
        button = page.get_by_role("button", name="Analyse")
        for _ in range(4):  # a click that lands while the page is re-rendering is lost; try again
            # The tab switch reruns nothing, but a fragment refresh may be in flight: let it settle first.
            page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60000)
            button.click()
            try:
                page.locator('[data-testid="stProgress"]').or_(page.get_by_text("Download report.json")).first.wait_for(
                    timeout=30000
                )
                break
            except PlaywrightTimeout:
                continue
        page.get_by_text("Download report.json").wait_for(timeout=180000)
        page.wait_for_timeout(2000)  # the chart and video finish drawing
        png = out / "upload.png"
        page.screenshot(path=str(png), full_page=True)
        metric = page.locator('[data-testid="stMetric"]', has_text="Reps").locator("visible=true").first
        reps = int(metric.locator('[data-testid="stMetricValue"]').inner_text())
        page.get_by_role("tab", name="History").click()  # the set just analysed is listed there
        page.wait_for_timeout(3000)
        history_png = out / "history.png"
        page.screenshot(path=str(history_png), full_page=True)
        history_text = page.locator('[data-testid="stTabPanel"]').locator("visible=true").first.inner_text()
        return {
            "reps": reps,
            "screenshot": str(png),
            "screenshot_history": str(history_png),
            "history_text": history_text,
        }
    except Exception:
        page.screenshot(path=str(out / "upload_error.png"), full_page=True)
        raise
    finally:
        browser.close()


def _drive_with_retry(browser_type, case: dict, url: str, out: Path) -> dict:
    """One case; run again once if the count was wrong because the machine starved the
    analyser (a gap over the rep counter's 0.7 s between analysed frames: busy CPUs, not
    the app), so a loaded CI box does not fail the test on its own."""
    got: dict = {}
    for attempt in (1, 2):
        try:
            got = _drive_case(browser_type, case, url, out)
        except Exception as exc:  # keep going: the report shows every case
            got = {"error": repr(exc)}
        got["attempt"] = attempt
        starved = got.get("longest_gap_s", 0.0) > STARVED_GAP_S
        if got.get("reps") == case["expected_reps"] or not starved:
            break
    return got


def drive(config_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    config = json.loads(config_path.read_text())
    out = Path(config["out"])
    port = _free_port()
    app = _start_app(port, out, config["upload_video"])
    url = f"http://127.0.0.1:{port}"
    results: dict = {}
    try:
        with sync_playwright() as pw:
            for case in config["cases"]:
                results[case["name"]] = _drive_with_retry(pw.chromium, case, url, out)
            try:
                results["upload"] = _drive_upload(pw.chromium, url, out)
            except Exception as exc:
                results["upload"] = {"error": repr(exc)}
    finally:
        app.terminate()
        app.wait(timeout=20)
        (out / "results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--drive", type=Path, required=True)
    drive(parser.parse_args().drive)
