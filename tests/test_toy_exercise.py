"""An exercise is one module: a toy one declared here, registered for these tests only, goes through
the CLI, analysis, overlay, report and history without any other file knowing about it.

The toy is a standing front arm raise (arms from hanging down to overhead), counted on the arm's
elevation; a rep that stops below shoulder-high-and-a-half gets the toy's own cue.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from exercises.framework import registry
from exercises.framework.analyser import BodyContext, ExerciseSpec, FrameFeedback, Metrics, below
from exercises.framework.cues import CATALOG, Cue, Severity
from exercises.framework.display import Measure, OverlayLabel, at_near
from exercises.framework.reps import RepCounterConfig, RepWindow
from formcheck import cli, pipeline
from formcheck.history.report import render_report
from formcheck.history.store import open_history, save_report
from formcheck.overlay import angle_labels, render_overlay
from formcheck.pipeline import analyse_video, exercise_choices
from formcheck.report import build_report, human_summary
from tests import synthetic
from vision.landmarks import RIGHT
from vision.pose import Pose

ARM_PX = 0.6 * synthetic.SCALE
PEAKS_DEG = (170.0, 165.0, 110.0)  # the third raise stops at shoulder height and a bit
REP_S, REST_S = 1.6, 0.6


def arm_elevation_deg(pose: Pose, ctx: BodyContext) -> float:
    """Angle of the near arm (shoulder -> wrist) from hanging straight down, deg: 0 down, 180 overhead."""
    side = ctx.near or RIGHT
    arm = pose.px(side.wrist) - pose.px(side.shoulder)
    if not np.all(np.isfinite(arm)) or not np.any(arm):
        return math.nan
    return math.degrees(math.atan2(abs(float(arm[0])), float(arm[1])))


def summarise(frames: list[tuple[float, Metrics]], window: RepWindow, ctx: BodyContext) -> dict[str, float]:
    return {"arm_elevation_deg": window.peak}


TOY = ExerciseSpec(
    name="arm_raise",
    title="Front arm raise",
    counter=RepCounterConfig(enter=30.0, min_range=60.0, unit="deg", return_fraction=0.3, min_duration_s=0.5),
    signal=arm_elevation_deg,
    frame_metrics=lambda pose, ctx: {"arm_elevation_deg": arm_elevation_deg(pose, ctx)},
    summarise=summarise,
    faults=(below("arms_not_overhead", "arm_height", frozenset({"side"}), "arm_elevation_deg", 150.0),),
    key_metric="arm_elevation_deg",
    preferred_views=frozenset({"side"}),
    overlay=(OverlayLabel("arm_elevation_deg", "arm", at_near("elbow")),),
    measures={"arm_elevation_deg": Measure("Arm elevation at the top", "Arm", "°", 0, "180 = straight overhead")},
    cues=(Cue("arms_not_overhead", Severity.WARN, "Reach all the way up.", "Toy cue, for the registry test."),),
)


def raise_arms(t: float) -> Pose:
    """Standing side-on, both arms raised to each rep's peak in turn and lowered again."""
    rep = int(t // (REP_S + REST_S))
    peak = PEAKS_DEG[rep] if rep < len(PEAKS_DEG) else 0.0
    elevation = peak * synthetic.rep_profile(t, REP_S, REST_S)
    pose = synthetic.squat_side(0.0, 0.0, t)
    xy = pose.xy_px.copy()
    direction = np.array([math.sin(math.radians(elevation)), math.cos(math.radians(elevation))])  # image-right, down
    for side in (synthetic.LEFT, RIGHT):
        xy[side.elbow] = xy[side.shoulder] + direction * ARM_PX / 2
        xy[side.wrist] = xy[side.shoulder] + direction * ARM_PX
    hip_mid = (xy[synthetic.LEFT.hip] + xy[RIGHT.hip]) / 2
    world = pose.world_m.copy()
    world[:, :2] = (xy - hip_mid) / synthetic.SCALE
    return replace(pose, xy_px=xy, world_m=world)


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ExerciseSpec]:
    monkeypatch.setattr(pipeline, "PoseEstimator", lambda config: synthetic.ScriptedEstimator(raise_arms))
    with registry.registered(TOY) as spec:
        yield spec
    assert "arm_raise" not in registry.names() and "arms_not_overhead" not in CATALOG


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """7.5 s of a test pattern at 25 fps: the scripted poses are what is analysed."""
    return synthetic.pattern_video(tmp_path_factory.mktemp("toy") / "raises.mp4", 7.5, "320x240")


def test_registered_exercise_is_a_choice_everywhere_and_gone_after(toy: ExerciseSpec) -> None:
    assert exercise_choices() == (*registry.names()[:-1], "arm_raise", "auto")  # the toy's order (100) is last
    assert registry.get("arm_raise") is toy and CATALOG["arms_not_overhead"].message == "Reach all the way up."
    # Not a posture `auto` knows, so it is never recognised, nor does it contradict a vote.
    assert toy not in registry.candidates()
    with pytest.raises(ValueError, match="already registered"):
        registry.register(toy)


def test_spec_with_an_undefined_cue_is_refused() -> None:
    broken = replace(TOY, name="broken_raise", cues=())
    with pytest.raises(ValueError, match="arms_not_overhead"):
        registry.register(broken)
    assert "broken_raise" not in registry.names()


def test_cli_analyses_it_and_the_history_keeps_it(toy: ExerciseSpec, video: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert cli.main(["analyse", str(video), "--exercise", "arm_raise", "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["exercise"] == "arm_raise"
    assert report["rep_count"] == 3
    assert [r["cues"] for r in report["reps"]] == [[], [], ["arms_not_overhead"]]
    # The pose smoother rounds the peaks off by a few degrees (measured: 5-8 deg at this pace).
    assert [r["metrics"]["arm_elevation_deg"] for r in report["reps"]] == pytest.approx(PEAKS_DEG, abs=10)
    assert report["checks"]["performed"] == ["arm_height"]
    assert report["summary"]["key_metric"] == "arm_elevation_deg"
    assert "Reach all the way up." in capsys.readouterr().out
    assert (out / "annotated.mp4").stat().st_size > 0
    with (out / "frames.csv").open() as f:
        assert "arm_elevation_deg" in next(csv.reader(f))

    # `formcheck analyse` stored the set; the history shows it under the toy's title and measure.
    with open_history() as history:
        assert history.exercises() == ["arm_raise"]
        (point,) = history.trends("arm_raise")["arm_raise"]
        assert point.values["arm_elevation_deg"] == pytest.approx(np.mean(PEAKS_DEG), abs=10)
        html = render_report(history)
        buffer = io.StringIO()
        history.export_csv(buffer, level="sets")
    assert "Front arm raise" in html and "Arm elevation at the top" in html and "Reach all the way up." in html
    assert "arm_elevation_deg" in buffer.getvalue().splitlines()[0]


def test_overlay_draws_its_label_at_its_anchor(toy: ExerciseSpec) -> None:
    pose = raise_arms(REP_S / 4)  # half way up the first raise: the arm points forward, in the picture
    feedback = FrameFeedback(0.4, True, {"arm_elevation_deg": 85.0}, 85.0, "active", 0, "side", "right", None)
    ((text, (x, y)),) = angle_labels(pose, feedback, toy.overlay)
    assert text == "arm 85"
    assert (x, y) == pytest.approx(tuple(pose.px(RIGHT.elbow)))
    frame = np.full((720, 1280, 3), 128, np.uint8)
    unlabelled = render_overlay(frame, pose, feedback, replace(toy, overlay=()))
    labelled = render_overlay(frame, pose, feedback, toy)
    assert np.any(labelled != unlabelled)


def test_report_words_name_its_cue(toy: ExerciseSpec, video: Path) -> None:
    report = build_report(analyse_video(video, "arm_raise", max_side_px=None))
    assert "arm_raise (side view), 3 reps" in human_summary(report)
    assert "Reach all the way up." in human_summary(report)
    assert save_report(report) > 0
