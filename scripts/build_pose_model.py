"""Rebuild vision/models/pose_landmarker_full.task from mediapipe 0.10.21's wheel.

Current mediapipe releases ship no pose model and download `.task` bundles at run
time, which FormCheck's machines cannot do. mediapipe==0.10.21 (Apache-2.0) still
ships the two TFLite models the PoseLandmarker task needs; this script adds the
input-normalisation metadata the Tasks API reads and zips them into a bundle.

Run it in a throwaway venv (0.10.21 pins an old numpy and conflicts with the
current mediapipe):

    python3 -m venv /tmp/mp021 && /tmp/mp021/bin/pip install mediapipe==0.10.21
    /tmp/mp021/bin/python scripts/build_pose_model.py vision/models/pose_landmarker_full.task
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import mediapipe
from mediapipe.tasks.python.metadata.metadata_writers import (
    metadata_writer,
    model_asset_bundle_utils,
)

# (file in the wheel, name inside the bundle, mean, std, description).
# Normalisation: detector expects [-1, 1] (mean 127.5, std 127.5); with [0, 1]
# detection silently drops. The landmark model expects [0, 1] (mean 0, std 255).
MODELS = (
    ("modules/pose_detection/pose_detection.tflite", "pose_detector.tflite", 127.5, 127.5, "BlazePose person detector"),
    (
        "modules/pose_landmark/pose_landmark_full.tflite",
        "pose_landmarks_detector.tflite",
        0.0,
        255.0,
        "BlazePose GHUM 3D landmark model (full)",
    ),
)


def with_metadata(model: bytes, name: str, mean: float, std: float, description: str) -> bytes:
    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, description)
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    content, _ = writer.populate()
    return bytes(content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    root = Path(mediapipe.__file__).parent
    if mediapipe.__version__ != "0.10.21":
        raise SystemExit(f"needs mediapipe==0.10.21, found {mediapipe.__version__}")
    bundle = {}
    for src, inner, mean, std, desc in MODELS:
        raw = (root / src).read_bytes()
        print(f"{src}: sha256 {hashlib.sha256(raw).hexdigest()}")
        bundle[inner] = with_metadata(raw, inner, mean, std, desc)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model_asset_bundle_utils.create_model_asset_bundle(bundle, str(args.out))
    print(f"{args.out}: sha256 {hashlib.sha256(args.out.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
