"""The Streamlit app (issue 3): live-session logic, and the page through streamlit's AppTest.

AppTest cannot upload files or run WebRTC, so the upload tab reads the video named by
FORMCHECK_APP_TEST_VIDEO (the app's documented test hook) and `webrtc_streamer` is
replaced by a stub that reports the stream as playing or stopped. The real camera
path is covered by tests/test_e2e_browser.py.
"""

from __future__ import annotations

import itertools
import json
import math
import sqlite3
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from exercises.framework import registry
from formcheck.app.live import (
    CueHolder,
    FrameClock,
    LiveHub,
    LiveSession,
    LiveVideoProcessor,
    RateMeter,
    enable_loopback_ice,
    ice_servers,
)
from formcheck.pipeline import make_analyser

# Every registered exercise, in the registry's order: what the app's selects must offer.
# Every registered exercise, in the registry's order, and the first three as the README names them:
# the app offers whatever the registry holds, so adding an exercise touches no test here.
EXERCISES = list(registry.names())
assert EXERCISES[:3] == ["squat", "lunge", "bridge"]

ROOT = Path(__file__).resolve().parent.parent
VIDEOS = ROOT.parent / "shared" / "videos"


# --------------------------------------------------------------------------- live-session logic


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeProcessor:
    """FrameProcessor's interface over a real analyser, without the pose model."""

    def __init__(self, exercise: str, model_path: Path | None = None) -> None:
        self.analyser = make_analyser(exercise)
        self.closed = 0
        self.times: list[float] = []

    def process(self, rgb: np.ndarray, t: float):
        self.times.append(t)
        return None, self.analyser.update(None, t)

    def render(self, rgb: np.ndarray, pose, feedback) -> np.ndarray:
        out = rgb.copy()
        out[0, 0] = 255  # marks "overlay drawn"
        return out

    def close(self) -> None:
        self.closed += 1


def frame(value: int = 0) -> np.ndarray:
    return np.full((48, 64, 3), value, np.uint8)


def test_cue_holder_holds_a_cue_for_its_minimum_time_and_never_flickers() -> None:
    holder = CueHolder(min_show_s=2.0, release_s=0.5, cooldown_s=3.0)
    step_back, turn = registry.cue("step_back"), registry.cue("turn_side_on")
    shown = [holder.update(step_back if i % 2 else turn, i * 0.1) for i in range(60)]  # alternates every frame
    changes = sum(1 for a, b in itertools.pairwise(shown) if a is not b)
    assert changes <= 3  # 6 s of alternating input: a change at most every 2 s
    assert holder.serial == changes + 1


def test_cue_holder_releases_after_absence_and_cools_down() -> None:
    holder = CueHolder(min_show_s=1.0, release_s=0.5, cooldown_s=3.0)
    cue = registry.cue("trunk_lean")
    assert holder.update(cue, 0.0) is cue
    assert holder.update(None, 0.6) is cue  # held: minimum display time
    assert holder.update(None, 1.2) is None  # absent > release_s after the minimum: gone
    assert holder.update(cue, 2.0) is None  # cooldown: not back within 3 s of going
    assert holder.update(cue, 4.3) is cue
    assert holder.serial == 2


def test_cue_holder_keeps_a_cue_through_a_missed_frame() -> None:
    holder = CueHolder(min_show_s=0.5, release_s=1.0, cooldown_s=3.0)
    cue = registry.cue("step_back")
    for i in range(50):
        assert holder.update(None if i % 7 == 3 else cue, i / 30) is cue


def test_frame_clock_uses_frame_time_rebased_and_increasing() -> None:
    clock = FrameClock(FakeClock())
    assert clock(1000.0) == 0.0
    assert clock(1000.5) == pytest.approx(0.5)
    assert clock(1000.4) > 0.5  # never goes back
    fallback = FrameClock(FakeClock())
    assert fallback(None, capture_time=5.0) == 0.0
    assert fallback(math.nan, capture_time=5.25) == pytest.approx(0.25)


def test_rate_meter_counts_events_per_second() -> None:
    clock = FakeClock()
    meter = RateMeter(clock, window_s=2.0)
    for _ in range(31):
        meter.tick()
        clock.now += 1 / 15
    assert meter.rate() == pytest.approx(15.0, rel=0.1)
    for _ in range(10):  # a burst at one instant
        meter.tick()
    assert meter.rate() == pytest.approx(20.0, rel=0.1)
    clock.now += 5
    assert meter.rate() == 0.0


def make_session(exercise: str = "squat") -> tuple[LiveSession, FakeProcessor]:
    made: list[FakeProcessor] = []

    def factory(ex: str, model_path: Path | None) -> FakeProcessor:
        made.append(FakeProcessor(ex, model_path))
        return made[-1]

    session = LiveSession(exercise, processor_factory=factory, clock=FakeClock())
    return session, made[0]


def test_live_session_analyses_frames_and_publishes_a_snapshot() -> None:
    session, proc = make_session()
    out = session.process(frame(), frame_time=50.0)
    session.process(frame(), frame_time=50.1)
    assert out[0, 0, 0] == 255
    assert proc.times == [0.0, pytest.approx(0.1)]  # the frame's own time, from 0
    snap = session.snapshot()
    assert snap.exercise == "squat" and snap.frames_processed == 2 and snap.active
    assert snap.cue is not None and snap.cue.code == "no_person"  # set-up guidance before the set


def test_live_session_close_releases_the_model_once_and_returns_a_report() -> None:
    session, proc = make_session("bridge")
    for i in range(10):
        session.process(frame(), i / 30)
    report = session.close()
    assert session.close() is report
    assert proc.closed == 1
    assert report["exercise"] == "bridge" and report["rep_count"] == 0 and report["frames"] == 10
    assert not session.snapshot().active
    untouched = frame(7)
    assert session.process(untouched, 1.0) is untouched  # after close: passed through


def test_live_session_close_waits_for_the_frame_in_progress() -> None:
    session, proc = make_session()
    entered, release = threading.Event(), threading.Event()
    original = proc.process

    def slow(rgb, t):
        entered.set()
        release.wait(5)
        return original(rgb, t)

    proc.process = slow
    worker = threading.Thread(target=session.process, args=(frame(), 0.0))
    worker.start()
    entered.wait(5)
    closer = threading.Thread(target=session.close)
    closer.start()
    closer.join(0.2)
    assert closer.is_alive() and proc.closed == 0  # the model is not released under a running frame
    release.set()
    worker.join(5)
    closer.join(5)
    assert proc.closed == 1


def test_a_session_with_no_frame_analysed_says_so_and_is_not_a_set() -> None:
    """The camera stream ended before its first frame (a failed connection): the report says so."""
    session, _ = make_session("bridge")
    report = session.close()
    assert report["no_frames"] is True and report["frames_received"] == 0
    assert report["no_frames_reason"] == "The camera stream ended before any video reached FormCheck."
    assert report["frames"] == 0 and report["rep_count"] == 0


def test_frames_that_arrived_but_were_never_analysed_are_no_frames_too() -> None:
    session, proc = make_session()

    def broken(rgb, t):
        raise RuntimeError("the model failed on this frame")

    proc.process = broken
    session.received(3)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            session.process(frame(), 0.0)
    report = session.close()
    assert report["no_frames"] is True and report["frames_received"] == 3
    assert "after 3 frames arrived, before any could be analysed" in report["no_frames_reason"]


def test_a_session_with_frames_is_a_set_not_a_failed_stream() -> None:
    session, _ = make_session()
    session.received()
    session.process(frame(), 0.0)
    assert "no_frames" not in session.close()


def test_a_stream_that_ends_before_any_frame_leaves_a_no_frames_report_in_the_hub() -> None:
    """The video processor path: made, warmed up, ended by streamlit-webrtc without one frame."""
    hub = LiveHub(lambda exercise, **_: LiveSession(exercise, processor_factory=FakeProcessor, clock=FakeClock()))
    hub.exercise = "bridge"
    processor = hub.processor()
    processor.on_ended()
    for _ in range(500):  # the warm-up thread makes the session; the end may come before it
        serial, report = hub.finished()
        if report is not None:
            break
        threading.Event().wait(0.01)
    assert serial == 1 and report is not None and report["no_frames"] is True
    assert not hub.running


class FakeAvFrame:
    def __init__(self, value: int, time: float | None) -> None:
        self.value, self.time, self.pts, self.time_base = value, time, None, None

    def to_ndarray(self, format: str) -> np.ndarray:
        return frame(self.value)


def test_video_processor_analyses_only_the_newest_frame_and_ends_the_session() -> None:
    import asyncio

    made: list[LiveSession] = []

    def factory(exercise: str, **_: object) -> LiveSession:
        made.append(LiveSession(exercise, processor_factory=FakeProcessor, clock=FakeClock()))
        return made[-1]

    hub = LiveHub(factory)
    hub.exercise = "lunge"
    processor = hub.processor()
    assert isinstance(processor, LiveVideoProcessor)
    frames = [FakeAvFrame(i, 10.0 + i / 30) for i in range(5)]
    out = asyncio.run(processor.recv_queued(frames))
    assert len(out) == 1
    snap = hub.snapshot()
    assert snap.exercise == "lunge" and snap.frames_processed == 1 and snap.frames_dropped == 4
    processor.on_ended()
    serial, report = hub.finished()
    assert serial == 1 and report["exercise"] == "lunge"
    assert hub.snapshot() is None and not hub.running
    assert hub.end() is None  # the page's own end after the stream's: nothing to do


def test_ice_servers_default_to_none_and_read_json() -> None:
    assert ice_servers({}) == []
    servers = [{"urls": ["stun:stun.example.org:3478"]}]
    assert ice_servers({"FORMCHECK_ICE_SERVERS": json.dumps(servers)}) == servers
    assert ice_servers({"FORMCHECK_ICE_SERVERS": json.dumps({"iceServers": servers})}) == servers
    for bad in ("not json", '{"urls": 1}', "[1]"):
        with pytest.raises(ValueError, match="FORMCHECK_ICE_SERVERS"):
            ice_servers({"FORMCHECK_ICE_SERVERS": bad})


def test_loopback_ice_adds_127_0_0_1(monkeypatch: pytest.MonkeyPatch) -> None:
    import aioice.ice

    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["10.0.0.2"])
    enable_loopback_ice()
    enable_loopback_ice()  # idempotent
    assert aioice.ice.get_host_addresses(True, False) == ["10.0.0.2", "127.0.0.1"]
    assert aioice.ice.get_host_addresses(False, True) == ["10.0.0.2"]


# --------------------------------------------------------------------------- the page (AppTest)


def test_page_has_three_tabs_and_the_live_controls(app) -> None:
    app.run()
    assert not app.exception
    assert [t.label for t in app.tabs] == ["Live", "Upload", "History"]
    assert app.selectbox(key="live_exercise").label == "Exercise"
    assert app.selectbox(key="live_exercise").options == [*EXERCISES, "auto"]
    assert [m.label for m in app.metric] == ["Reps"]
    assert app.toggle(key="live_mute").label == "Mute spoken cues"
    assert any("500 MB" in m.value for m in app.markdown)  # the upload limit is stated


def test_live_panel_shows_reps_cue_and_debug_while_playing(app) -> None:
    session = LiveSession("squat", processor_factory=FakeProcessor, clock=FakeClock())
    hub = LiveHub(lambda exercise, **_: session)
    hub.start()
    session.process(frame(), 0.0)
    app.session_state["live_hub"] = hub
    app.stream_state.playing = True
    app.run()
    assert not app.exception
    assert app.metric[0].label == "Reps" and app.metric[0].value == "0"
    assert app.info[0].value == registry.cue("no_person").message  # set-up guidance from the analyser
    assert app.expander[0].label == "Debug"


def test_a_connecting_stream_keeps_its_new_session(app) -> None:
    session = LiveSession("squat", processor_factory=FakeProcessor, clock=FakeClock())
    hub = LiveHub(lambda exercise, **_: session)
    hub.start()  # made by the video processor factory when the offer arrived
    app.session_state["live_hub"] = hub
    app.stream_state.signalling = True  # offer sent, not playing yet
    app.run()
    assert not app.exception
    assert hub.running and not session.closed


def test_live_stream_with_no_frames_shows_how_to_retry_not_a_set(app, tmp_path: Path) -> None:
    session = LiveSession("bridge", processor_factory=FakeProcessor, clock=FakeClock())
    hub = LiveHub(lambda exercise, **_: session)
    hub.start()
    hub.end()  # the stream ended before one frame arrived
    app.session_state["live_hub"] = hub
    app.run()
    assert not app.exception
    message = app.warning[0].value
    assert message.startswith("No video reached FormCheck")
    for advice in ("allow this page to use the camera", "press START again", "other", "connection"):
        assert advice in message
    assert not any("Set summary" in h.value for h in app.subheader)
    assert not any("No complete reps" in i.value for i in app.info)
    assert not (tmp_path / "history.sqlite3").exists() or _count_sets(tmp_path) == 0


def test_live_stop_shows_the_set_summary_and_saves_it(app, tmp_path: Path) -> None:
    from formcheck.report import build_report

    hub = LiveHub()
    result_report = build_report(_three_rep_result())
    hub._finished, hub._finished_serial = result_report, 1
    app.session_state["live_hub"] = hub
    app.run()
    assert not app.exception
    assert app.metric[0].value == "3"
    assert any("Set summary" in h.value for h in app.subheader)
    assert len(app.dataframe[0].value) == 3
    app.run()  # a rerun must not save the same set twice
    with sqlite3.connect(tmp_path / "history.sqlite3") as db:
        assert db.execute("SELECT source, rep_count FROM sets").fetchall() == [("live", 3)]


def _three_rep_result():
    """A finished squat set with three counted reps, from FakeProcessor-free parts."""
    from exercises.framework.analyser import RepResult
    from formcheck.app.live import _live_info
    from formcheck.results import AnalysisResult

    analyser = make_analyser("squat")
    for i in range(3):
        metrics = {"knee_flexion_deg": 100.0 + i, "depth_ratio": 0.1, "trunk_lean_deg": 20.0}
        rep = RepResult(i + 1, 2.0 * i, 2.0 * i + 1, 2.0 * i + 2, "right", "side", metrics, (), 100)
        analyser.state.reps.append(rep)
    analyser.state.views["side"] += 1
    return AnalysisResult(info=_live_info(640, 480), exercise_requested="squat", analyser=analyser)


def _synthetic_video(path: Path, seconds: float = 1) -> Path:
    source = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", str(seconds), "-pix_fmt", "yuv420p"]
    subprocess.run(["ffmpeg", "-v", "error", "-y", *source, str(path)], check=True)
    return path


def _analyse(app, video: Path, exercise: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMCHECK_APP_TEST_VIDEO", str(video))
    app.run()
    app.selectbox(key="upload_exercise").set_value(exercise)
    app.button(key="upload_go").click().run()
    assert not app.exception, app.exception


def test_upload_exercise_starts_on_auto(app) -> None:
    app.run()
    assert not app.exception
    select = app.selectbox(key="upload_exercise")
    assert select.value == "auto" and select.options == [*EXERCISES, "auto"]


def test_upload_of_another_exercise_says_so_and_offers_the_recognised_one(
    app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A glute bridge uploaded as a squat (the pose model replaced by a synthetic bridge set)."""
    from formcheck import pipeline
    from tests import synthetic

    monkeypatch.setattr(pipeline, "PoseEstimator", lambda config: synthetic.ScriptedEstimator(synthetic.bridge_set))
    _analyse(app, _synthetic_video(tmp_path / "bridge.mp4", seconds=8), "squat", monkeypatch)
    assert app.warning[0].value == "This looks like a glute bridge (lying down in 100% of frames), not a squat."
    assert app.expander[0].label == "Judged as a squat anyway (not valid for this movement)"
    assert not (tmp_path / "history.sqlite3").exists() or _count_sets(tmp_path) == 0  # not kept
    app.button(key="upload_as_recognised").click().run()
    assert not app.exception
    assert app.selectbox(key="upload_exercise").value == "bridge"
    assert not any(w.value.startswith("This looks like") for w in app.warning)
    assert any(h.value == "bridge.mp4: 3 bridge reps" for h in app.subheader)
    assert _count_sets(tmp_path) == 1


def test_upload_of_a_whole_workout_lists_its_sets_and_stores_one_session(
    app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Squats, then straight down into bridges, in one video on `auto` (the pose model replaced by a synthetic
    recording): the page lists the two sets, not the whole recording as one set of one exercise, and the history
    keeps one session of those two sets."""
    from formcheck import pipeline
    from tests import synthetic
    from tests.test_sets_splitter import FPS, recording

    frames = [pose for _, pose in recording([("squat", 8.0), ("bridge", 10.0)])]
    scripted = synthetic.ScriptedEstimator(lambda t: frames[min(round(t * FPS), len(frames) - 1)])
    monkeypatch.setattr(pipeline, "PoseEstimator", lambda config: scripted)
    video = synthetic.pattern_video(tmp_path / "workout.mp4", 18.0, fps=round(FPS))
    _analyse(app, video, "auto", monkeypatch)
    assert not app.error
    assert any(h.value == "workout.mp4: a recording of 2 sets" for h in app.subheader)
    listed = app.dataframe[0].value
    assert list(listed["exercise"]) == ["Squat", "Glute bridge"] and all(d.endswith("reps") for d in listed["done"])
    # The whole recording is not counted as one set (the Live tab's idle panel shows Reps 0).
    assert not [m for m in app.metric if m.label == "Reps" and m.value != "0"]
    assert len(app.get("video")) == 1
    with sqlite3.connect(tmp_path / "history.sqlite3") as db:
        assert sorted(e for (e,) in db.execute("SELECT exercise FROM sets")) == ["bridge", "squat"]
        (routine, kept), *others = db.execute(
            "SELECT s.routine, COUNT(r.set_id) FROM routine_sessions s JOIN routine_sets r ON r.session_id = s.id"
        ).fetchall()
        assert (routine, kept, others) == ("recording", 2, [])


def test_upload_flow_gives_video_table_and_downloads(
    app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pose_cache: Path
) -> None:
    if not (VIDEOS / "squat_side_01.mp4").exists():
        pytest.skip(f"{VIDEOS}/squat_side_01.mp4 is absent")
    _analyse(app, VIDEOS / "squat_side_01.mp4", "squat", monkeypatch)
    assert not app.error
    reps = next(m for m in app.metric if m.label == "Reps" and m.value != "0")
    assert reps.value == "3"  # manifest.json: 3 reps
    table = app.dataframe[0].value
    assert list(table["rep"]) == [1, 2, 3] and "cues" in table and "score" in table
    downloads = {b.label for b in app.get("download_button")}
    assert {"Download report.json", "Download frames.csv", "Download annotated.mp4"} <= downloads
    assert len(app.get("video")) == 1
    assert len(app.get("arrow_vega_lite_chart")) + len(app.get("vega_lite_chart")) >= 1
    with sqlite3.connect(tmp_path / "history.sqlite3") as db:
        assert db.execute("SELECT source, file_name, rep_count FROM sets").fetchall() == [
            ("upload", "squat_side_01.mp4", 3)
        ]


def test_upload_without_a_person_reports_no_reps(app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _analyse(app, _synthetic_video(tmp_path / "pattern.mp4"), "bridge", monkeypatch)
    assert not app.error
    assert any("No complete reps" in i.value for i in app.info)
    assert any("No person was found" in w.value for w in app.warning)
    assert not (tmp_path / "history.sqlite3").exists() or _count_sets(tmp_path) == 0  # nothing to track


def _count_sets(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "history.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM sets").fetchone()[0]


def test_a_bad_file_gives_a_plain_error_not_a_traceback(app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "holiday.mp4"
    bad.write_bytes(b"this is not a video at all" * 100)
    _analyse(app, bad, "squat", monkeypatch)
    assert len(app.error) == 1
    message = app.error[0].value
    assert "Traceback" not in message and len(message.splitlines()) == 1
    assert not [b for b in app.get("download_button") if b.label == "Download report.json"]


def test_an_unexpected_failure_is_one_sentence_too(app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import formcheck.app.upload_tab

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail the user should not see")

    monkeypatch.setattr(formcheck.app.upload_tab, "analyse_video", broken)
    _analyse(app, _synthetic_video(tmp_path / "pattern.mp4"), "squat", monkeypatch)
    assert [e.value for e in app.error] == [
        "Something went wrong while analysing this video; the details are in the app's log."
    ]


def test_live_frames_keep_the_first_frame_size_when_webrtc_rescales() -> None:
    session, proc = make_session()
    seen = []
    original = proc.process

    def record(rgb, t):
        seen.append(rgb.shape)
        return original(rgb, t)

    proc.process = record
    session.process(np.zeros((480, 640, 3), np.uint8), 0.0)
    session.process(np.zeros((240, 320, 3), np.uint8), 0.1)  # bandwidth dropped
    session.process(np.zeros((960, 1280, 3), np.uint8), 0.2)  # a bigger camera mode
    assert seen == [(480, 640, 3)] * 3


def test_formcheck_app_serves_the_packaged_script_with_the_packaged_settings() -> None:
    from formcheck.app.launch import SCRIPT, config_flags, streamlit_command

    # Streamlit would read .streamlit/config.toml from the working directory only: the flags carry it.
    assert "--server.maxUploadSize=500" in config_flags()
    assert "--server.headless=true" in config_flags()
    cmd = streamlit_command(8599)
    assert cmd[cmd.index("run") + 1] == str(SCRIPT) and SCRIPT.is_file()
    assert cmd[-1] == "--server.port=8599"
    # The checkout's `streamlit run app.py` reads the same file.
    assert (ROOT / ".streamlit" / "config.toml").resolve() == (SCRIPT.parent / "config.toml").resolve()


@pytest.mark.parametrize(
    ("cues", "judged", "expected"),
    [
        (("shallow_depth",), True, registry.cue("shallow_depth").message),
        ((), True, "no faults seen"),
        ((), False, "form not judged (you were out of sight for part of this rep)"),
    ],
)
def test_a_rep_out_of_sight_in_part_says_not_judged_rather_than_no_faults(cues, judged, expected) -> None:
    from formcheck.report import rep_cue_words

    assert rep_cue_words(cues, judged) == expected


def _rep(index: int, score: int, judged: bool, depth: float) -> dict:
    return {"index": index, "score": score, "judged": judged, "metrics": {"depth_ratio": depth}}


@pytest.mark.parametrize(
    ("reps", "mean", "best", "worst", "depth"),
    [
        ([_rep(1, 85, True, 0.4), _rep(2, 100, True, 0.2)], 92.5, 2, 1, 0.3),
        # An unjudged rep (out of sight in part) neither scores 100 nor lends its half-seen depth.
        ([_rep(1, 85, True, 0.4), _rep(2, 100, False, 0.9)], 85.0, 1, 1, 0.4),
        ([_rep(1, 100, False, 0.9)], None, None, None, None),
        ([], None, None, None, None),
    ],
)
def test_the_set_summary_is_taken_over_the_judged_reps_only(reps, mean, best, worst, depth) -> None:
    from formcheck.report import set_summary

    summary = set_summary(reps, "depth_ratio")
    assert (summary["mean_score"], summary["best_rep"], summary["worst_rep"]) == (mean, best, worst)
    assert summary["key_metric_mean"] == (pytest.approx(depth) if depth is not None else None)


def test_the_upload_tab_charts_the_lower_back_with_its_limits() -> None:
    import pandas as pd

    from formcheck.app.upload_tab import BACK_METRIC, angle_chart

    report = {"exercise": "squat", "summary": {"key_metric": "depth_ratio"}, "reps": [{"start_s": 1.0, "end_s": 2.0}]}
    series = pd.DataFrame({"time_s": [0.0, 1.0, 2.0], "value": [5.0, -3.0, 4.0]})
    spec = angle_chart(series, report, BACK_METRIC).to_dict()
    limits = {row["y"]: row["limit"] for data in spec["datasets"].values() for row in data if "limit" in row}
    # The squat's rules on the lower back's tilt: rounded under -10 deg, arched over +28 deg (uncalibrated).
    assert limits == {-10.0: "lower_back_rounding", 28.0: "lower_back_arching"}
    titles = json.dumps(spec)
    assert "lumbar tilt deg" in titles


# --------------------------------------------------------------------------- the guided lower-back calibration


class TiltProcessor(FakeProcessor):
    """A side-on person whose lower back's tilt follows `tilt(t)` (no pose model)."""

    def __init__(self, exercise: str, model_path: Path | None = None, tilt=lambda t: 4.0, view: str = "side") -> None:
        super().__init__(exercise, model_path)
        self.tilt, self.view = tilt, view

    def process(self, rgb: np.ndarray, t: float):
        import dataclasses

        _, fb = super().process(rgb, t)
        return None, dataclasses.replace(fb, has_pose=True, view=self.view, metrics={"lumbar_tilt_deg": self.tilt(t)})


def guided_tilt(t: float) -> float:
    """Stand at +4, then arch to +14 (from 2 s), then tuck to -6 (from 6 s): range 20, neutral +4."""
    return 4.0 if t < 2.0 else 14.0 if t < 6.0 else -6.0


def calibration_session(tilt=guided_tilt, view: str = "side", user: str = "ann") -> LiveSession:
    def factory(exercise: str, model_path: Path | None) -> FakeProcessor:
        assert exercise == "squat"  # the standing analyser reads the view and the back's edge
        return TiltProcessor(exercise, model_path, tilt, view)

    return LiveSession("lunge", processor_factory=factory, clock=FakeClock(), calibrate_user=user)


def test_a_calibration_stream_walks_the_prompts_on_frame_time_and_reports_the_range() -> None:
    session = calibration_session()
    prompts = []
    for i in range(330):  # 11 s at 30 fps
        session.process(frame(), i / 30)
        snap = session.snapshot()
        if not prompts or prompts[-1] != snap.calibration.prompt:
            prompts.append(snap.calibration.prompt)
    assert prompts == [
        "Stand side-on and tall",
        "Tilt your pelvis fully forward (arch)",
        "Now fully back (tuck)",
        "Done",
    ]
    assert snap.calibrate_user == "ann" and snap.rep_count == 0 and snap.cue is None
    assert snap.tilt_trace[-1] == (pytest.approx(11.0 - 1 / 30), -6.0) and snap.tilt_trace[0][0] >= 11.0 - 15.0 - 0.1
    outcome = session.close()["calibration"]
    assert outcome["user"] == "ann" and outcome["step"] == "done" and outcome["refusal"] is None
    assert outcome["range_deg"] == pytest.approx(20.0)
    assert outcome["explanation"].startswith("Your pelvis tilts 20 deg between fully forward and fully back")


def test_a_calibration_stream_seen_from_the_front_is_refused() -> None:
    session = calibration_session(view="front")
    for i in range(21 * 30):
        session.process(frame(), i / 30)
    outcome = session.close()["calibration"]
    assert outcome["step"] == "refused" and outcome["calibration"] is None
    assert "front view" in outcome["refusal"]


def test_the_hub_starts_a_calibration_for_the_chosen_user() -> None:
    made = []
    hub = LiveHub(lambda exercise, **kw: made.append(kw) or calibration_session(user=kw["calibrate_user"]))
    hub.calibrate_user = hub.person = "bo"
    assert hub.start().calibrate_user == "bo" and made == [{"calibrate_user": "bo", "person": "bo"}]


def test_the_live_tab_guides_the_calibration_then_stores_it_for_the_user(app, tmp_path: Path) -> None:
    from formcheck.history.store import open_history

    session = calibration_session(user="ann")
    hub = LiveHub(lambda exercise, **kw: session)
    hub.calibrate_user = "ann"
    hub.start()
    for i in range(90):
        session.process(frame(), i / 30)
    app.session_state["live_hub"] = hub
    app.stream_state.playing = True
    app.run()
    app.radio(key="live_mode").set_value("Calibrate my lower back").run()
    assert app.text_input(key="person").value == "me"  # the app's default user
    app.text_input(key="person").set_value("ann").run()  # the page's one Person: the calibration is theirs
    assert not app.exception and hub.calibrate_user == "ann"
    assert any("Calibrating for **ann**" in c.value for c in app.caption)
    assert any("Step 2 of 3: Tilt your pelvis fully forward (arch)" in m.value for m in app.markdown)
    assert app.metric[0].label == "Lower-back tilt" and app.metric[0].value == "+14 deg"
    for i in range(90, 330):
        session.process(frame(), i / 30)
    app.run()  # Done while the camera still runs: shown and stored
    assert app.success[0].value.startswith("Done. Your pelvis tilts 20 deg")
    app.stream_state.playing = False
    app.run()  # STOP: the outcome again, not stored twice, and no set
    assert not app.exception
    assert (app.metric[0].label, app.metric[0].value) == ("Pelvic-tilt range", "20 deg")
    assert app.success[0].value.startswith("Done. Your pelvis tilts 20 deg")
    with open_history(tmp_path / "history.sqlite3") as history:
        assert [round(c.range_deg) for _, c in history.calibrations("ann")] == [20]
        assert history.date_span() is None


def test_a_refused_calibration_says_what_to_do_and_stores_nothing(app, tmp_path: Path) -> None:
    session = calibration_session(tilt=lambda t: 4.0)
    hub = LiveHub(lambda exercise, **kw: session)
    hub.calibrate_user = "ann"
    hub.start()
    for i in range(330):
        session.process(frame(), i / 30)
    hub.end()
    app.session_state["live_hub"] = hub
    app.run()
    assert not app.exception
    assert app.metric[0].label == "Not calibrated"
    assert app.error[0].value.startswith("Not calibrated: the pelvis tilted only 0 deg")
    assert "fully forward (arch)" in app.error[0].value
    assert not (tmp_path / "history.sqlite3").exists() or not _calibrated(tmp_path)


def _calibrated(tmp_path: Path) -> list:
    with sqlite3.connect(tmp_path / "history.sqlite3") as db:
        return db.execute("SELECT user FROM calibrations").fetchall()


def test_the_history_tab_follows_the_pelvic_tilt_range_over_weeks(app, tmp_path: Path) -> None:
    from datetime import datetime

    from exercises.measures.calibration import BackCalibration
    from formcheck.history.store import open_history

    with open_history(tmp_path / "history.sqlite3") as history:
        history.save_calibration("me", BackCalibration(4.0, 12.0, -2.0), datetime(2026, 11, 2, 18))
        history.save_calibration("me", BackCalibration(3.0, 14.0, -6.0), datetime(2026, 11, 16, 18), "live")
        history.save_calibration("ann", BackCalibration(0.0, 8.0, -8.0), datetime(2026, 11, 3, 18))
    app.run()
    assert not app.exception
    assert app.selectbox(key="history_cal_user").options == ["ann", "me"]
    assert app.selectbox(key="history_cal_user").value == "me"  # the app's own person first
    table = app.table[0].value
    assert list(table.index) == ["2026-11-16 18:00", "2026-11-02 18:00"]
    assert list(table.columns) == ["neutral (deg)", "forward (deg)", "back (deg)", "range (deg)"]
    assert list(table["range (deg)"]) == [20.0, 14.0]  # newest first
    assert list(table["neutral (deg)"]) == [3.0, 4.0]
    latest = next(m.value for m in app.markdown if m.value.startswith("Latest"))
    assert "range **20.0 deg** (neutral +3.0" in latest and "+6.0 deg since the first" in latest
    app.selectbox(key="history_cal_user").set_value("ann").run()
    assert list(app.table[0].value["range (deg)"]) == [16.0]
