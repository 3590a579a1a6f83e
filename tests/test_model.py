"""The shipped pose model: it loads, finds a person in a real frame, and bad model files get plain errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vision.estimator import DEFAULT_MODEL, ModelError, PoseEstimator
from vision.landmarks import Landmark

VIDEOS = Path(__file__).resolve().parents[1].parent / "shared" / "videos"


def test_bundle_is_shipped_with_provenance_and_licence():
    folder = DEFAULT_MODEL.parent
    assert DEFAULT_MODEL.stat().st_size > 5_000_000
    provenance = (folder / "PROVENANCE.md").read_text()
    assert "mediapipe==0.10.21" in provenance and "Apache" in provenance
    assert any(p.name.startswith("LICENSE") for p in folder.iterdir())


def test_blank_frame_has_nobody():
    with PoseEstimator() as estimator:
        assert estimator.estimate(np.zeros((480, 640, 3), np.uint8), 0.0) is None


def test_live_estimator_searches_for_people_once_a_second(monkeypatch):
    """Between searches (every frame while several people are in view) the one-person tracker runs."""
    from vision import estimator as est

    calls: list[tuple[float, bool]] = []
    detect = est._VideoLandmarker.detect

    def spy(self, image, timestamp_s):
        calls.append((round(timestamp_s, 3), self is estimator._landmarker))
        return detect(self, image, timestamp_s)

    monkeypatch.setattr(est._VideoLandmarker, "detect", spy)
    with PoseEstimator(est.EstimatorConfig(recount_people_every_s=1.0)) as estimator:
        for i in range(75):  # 2.5 s at 30 fps
            estimator.estimate(np.zeros((48, 64, 3), np.uint8), i / 30)
    assert [t for t, searched in calls if searched] == [0.0, 1.0, 2.0]
    assert len(calls) == 75


@pytest.mark.skipif(not (VIDEOS / "squat_side_01.mp4").exists(), reason=f"real videos not found at {VIDEOS}")
def test_shipped_bundle_finds_a_person_in_a_real_frame():
    from vision.video import VideoFileSource

    with VideoFileSource(VIDEOS / "squat_side_01.mp4") as source, PoseEstimator() as estimator:
        frame = next(iter(source))
        pose = estimator.estimate(frame.rgb, frame.timestamp_s)
    assert pose is not None
    width, height = pose.image_size_px
    hip = pose.px(Landmark.LEFT_HIP)
    # The subject stands in the middle of this clip: the hip lands inside the frame, below the nose.
    assert 0 < hip[0] < width and 0 < hip[1] < height
    assert pose.px(Landmark.NOSE)[1] < hip[1] < pose.px(Landmark.LEFT_ANKLE)[1]
    assert abs(pose.world(Landmark.LEFT_HIP)[0]) < 0.3  # world origin between the hips, metres


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "does not exist"), (b"not a zip", "not a PoseLandmarker .task bundle"), ("zip-without-models", "lacks")],
)
def test_bad_model_files_get_plain_errors(tmp_path, content, message):
    import zipfile

    from vision.estimator import EstimatorConfig

    path = tmp_path / "model.task"
    if content == "zip-without-models":
        with zipfile.ZipFile(path, "w") as bundle:
            bundle.writestr("readme.txt", "hello")
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=message):
        PoseEstimator(EstimatorConfig(model_path=path))


def test_cli_reports_a_missing_model_in_one_sentence(tmp_path, capsys):
    from formcheck.cli import main

    video = tmp_path / "clip.mp4"
    from vision.writer import VideoWriter

    with VideoWriter(video, 64, 64, 10) as writer:
        writer.write(np.zeros((64, 64, 3), np.uint8), 0.0)
    code = main(["analyse", str(video), "--model", str(tmp_path / "missing.task"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code != 0
    assert "does not exist" in err and "Traceback" not in err


def test_camera_source_reads_a_stream(tmp_path):
    """OpenCV capture accepts a file path as well as a device: the same code path as a webcam."""
    from vision.camera import CameraSource
    from vision.writer import VideoWriter

    clip = tmp_path / "cam.mp4"
    with VideoWriter(clip, 64, 48, 10) as writer:
        for i in range(5):
            writer.write(np.full((48, 64, 3), i * 40, np.uint8), i / 10)
    with CameraSource(str(clip)) as camera:
        frames = list(camera)
    assert len(frames) == 5
    assert frames[0].rgb.shape == (48, 64, 3) and frames[0].rgb.flags["C_CONTIGUOUS"]
    assert [f.timestamp_s for f in frames] == sorted(f.timestamp_s for f in frames)
