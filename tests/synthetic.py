"""Synthetic landmark sequences with known angles, for unit tests (no video, no model).

Bodies are stick figures built from segment lengths and joint angles; pixel and
world coordinates are consistent (world = pixels / scale, hips at the origin).
"""

from __future__ import annotations

import math
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from vision.landmarks import LEFT, RIGHT, Landmark
from vision.pose import Pose

SCALE = 400.0  # pixels per metre
SHIN, THIGH, TRUNK = 0.45, 0.45, 0.55  # metres
IMAGE = (1280, 720)


def _unit(deg: float) -> np.ndarray:
    """Unit vector at `deg` from image-up, positive toward image-right."""
    r = math.radians(deg)
    return np.array([math.sin(r), -math.cos(r)])


def _pose(points: dict[Landmark, np.ndarray], t: float, depth: dict[Landmark, float] | None = None) -> Pose:
    xy = np.zeros((33, 2))
    for lm in Landmark:
        xy[lm] = points.get(lm, points[Landmark.NOSE])
    hip_mid = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2
    world = np.zeros((33, 3))
    world[:, :2] = (xy - hip_mid) / SCALE
    for lm, z in (depth or {}).items():
        world[lm, 2] = z
    return Pose(timestamp_s=t, xy_px=xy, visibility=np.ones(33), world_m=world, image_size_px=IMAGE)


# Left side 10 cm further from the camera than the right: the right side faces it.
SIDE_ON_DEPTH = {
    lm: (0.1 if lm.name.startswith("LEFT") else -0.1) for lm in Landmark if lm.name[:4] in ("LEFT", "RIGH")
}


def _body_side(side, ankle, knee, hip, shoulder, toe, hand, ear) -> dict[Landmark, np.ndarray]:
    """One side's landmarks; `toe`, `hand` and `ear` are offsets from ankle and shoulder."""
    toe, hand, ear = np.asarray(toe, float), np.asarray(hand, float), np.asarray(ear, float)
    return {
        side.ankle: ankle,
        side.knee: knee,
        side.hip: hip,
        side.shoulder: shoulder,
        side.heel: ankle - toe * 0.3 + np.array([0.0, 10.0]),
        side.toe: ankle + toe,
        side.elbow: shoulder + hand / 2,
        side.wrist: shoulder + hand,
        side.ear: shoulder + ear,
    }


def _leg_points(ankle: np.ndarray, knee_flex_deg: float, shin_share: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """Knee and hip above an ankle for a person facing image-right; shin forward, thigh back."""
    shin_deg = knee_flex_deg * shin_share
    knee = ankle + SHIN * SCALE * _unit(shin_deg)
    hip = knee + THIGH * SCALE * _unit(shin_deg - knee_flex_deg)
    return knee, hip


def squat_side(knee_flex_deg: float, trunk_lean_deg: float, t: float) -> Pose:
    """Side view (right side to the camera), facing image-right."""
    ankle = np.array([600.0, 650.0])
    knee, hip = _leg_points(ankle, knee_flex_deg)
    shoulder = hip + TRUNK * SCALE * _unit(trunk_lean_deg)
    pts: dict[Landmark, np.ndarray] = {Landmark.NOSE: shoulder + np.array([40.0, -60.0])}
    for side in (LEFT, RIGHT):
        pts.update(_body_side(side, ankle, knee, hip, shoulder, (70, 10), (120, 20), (10, -70)))
    return _pose(pts, t, SIDE_ON_DEPTH)


def squat_front(knee_flex_deg: float, knee_in_px: float, t: float) -> Pose:
    """Front view: both legs seen square-on; `knee_in_px` moves the knees toward the midline."""
    pts: dict[Landmark, np.ndarray] = {}
    centre = 640.0
    drop = (1 - math.cos(math.radians(knee_flex_deg * 0.6))) * (SHIN + THIGH) * SCALE * 0.9
    for side, sign in ((LEFT, 1.0), (RIGHT, -1.0)):  # the person's left is image-right in a front view
        ankle = np.array([centre + sign * 90.0, 650.0])
        hip = np.array([centre + sign * 50.0, 650.0 - (SHIN + THIGH) * SCALE + drop])
        knee = (ankle + hip) / 2 + np.array([sign * (30.0 - knee_in_px), 0.0])
        shoulder = np.array([centre + sign * 80.0, hip[1] - TRUNK * SCALE])
        pts.update(_body_side(side, ankle, knee, hip, shoulder, (sign * 10, 20), (sign * 20, 170), (-sign * 50, -90)))
    pts[Landmark.NOSE] = np.array([centre, pts[Landmark.LEFT_SHOULDER][1] - 90.0])
    # Knees forward of the ankles in depth as they bend (toward the camera: negative z).
    depth = {Landmark.LEFT_KNEE: -0.2 * knee_flex_deg / 90, Landmark.RIGHT_KNEE: -0.2 * knee_flex_deg / 90}
    return _pose(pts, t, depth)


def bridge_side(hip_angle_deg: float, t: float) -> Pose:
    """Lying on the back, head at image-left, knees bent; `hip_angle_deg` = shoulder-hip-knee angle.

    Above 180 the hips are pushed above the shoulder-knee line (arching).
    """
    shoulder = np.array([300.0, 600.0])
    lift = (hip_angle_deg - 130.0) / 50.0  # 0 on the floor, 1 at a straight line
    trunk_up = 5.0 + 20.0 * max(lift, 0.0)
    hip = shoulder + TRUNK * SCALE * np.array([math.cos(math.radians(trunk_up)), -math.sin(math.radians(trunk_up))])
    thigh_up = trunk_up + (180.0 - hip_angle_deg)
    knee = hip + THIGH * SCALE * np.array([math.cos(math.radians(thigh_up)), -math.sin(math.radians(thigh_up))])
    ankle = np.array([knee[0] + 40.0, 640.0])
    pts: dict[Landmark, np.ndarray] = {Landmark.NOSE: shoulder + np.array([-90.0, -10.0])}
    for side in (LEFT, RIGHT):
        pts.update(_body_side(side, ankle, knee, hip, shoulder, (50, 0), (160, 30), (-70, -5)))
    return _pose(pts, t, SIDE_ON_DEPTH)


def lunge_side(front_knee_flex_deg: float, trunk_lean_deg: float, t: float) -> Pose:
    """Split stance, side view, facing image-right, left leg in front."""
    front_ankle = np.array([700.0, 650.0])
    knee, hip = _leg_points(front_ankle, front_knee_flex_deg, shin_share=0.15)
    rear_ankle = np.array([hip[0] - 0.55 * SCALE, 650.0])
    # Rear knee by two-link inverse kinematics from the hip to the rear ankle, bending forward.
    d = rear_ankle - hip
    dist = min(float(np.linalg.norm(d)), (SHIN + THIGH) * SCALE * 0.999)
    along = dist / 2
    off = math.sqrt(max((THIGH * SCALE) ** 2 - along**2, 0.0))
    u = d / np.linalg.norm(d)
    normal = np.array([u[1], -u[0]])
    if normal[0] < 0:
        normal = -normal
    rear_knee = hip + u * along + normal * off
    shoulder = hip + TRUNK * SCALE * _unit(trunk_lean_deg)
    pts: dict[Landmark, np.ndarray] = {Landmark.NOSE: shoulder + np.array([40.0, -60.0])}
    for side, ankle, k in ((LEFT, front_ankle, knee), (RIGHT, rear_ankle, rear_knee)):
        pts.update(_body_side(side, ankle, k, hip, shoulder, (70, 10), (60, 160), (10, -70)))
    return _pose(pts, t, SIDE_ON_DEPTH)


def side_on_pose(xy: np.ndarray, t: float, origin: np.ndarray) -> Pose:
    """A pose from (33, 2) picture points, world = pixels / SCALE about `origin`, the right side facing the camera."""
    world = np.zeros((33, 3))
    world[:, :2] = (xy - origin) / SCALE
    for lm, z in SIDE_ON_DEPTH.items():
        world[lm, 2] = z
    return Pose(timestamp_s=t, xy_px=xy, visibility=np.ones(33), world_m=world, image_size_px=IMAGE)


def run_set(exercise: str, make: Callable[[float, float], Pose | None], duration_s: float):
    """An analyser of `exercise` fed the whole synthetic set `make` and finished."""
    from exercises.framework import registry
    from exercises.framework.analyser import Analyser

    analyser = Analyser(registry.get(exercise))
    for t, pose in sequence(make, duration_s):
        analyser.update(pose, t)
    analyser.finish()
    return analyser


def turned_to_face_camera(pose: Pose) -> Pose:
    """The same body seen from its front (for a lying body: from the feet): yaw by 90 deg."""
    from dataclasses import replace

    world = pose.world_m.copy()
    lateral, forward = world[:, 2].copy(), world[:, 0].copy()
    world[:, 0], world[:, 2] = lateral * 2.0, forward  # hips ~0.2 m apart seen square-on
    xy = np.column_stack([IMAGE[0] / 2 + world[:, 0] * SCALE, pose.xy_px[:, 1]])
    return replace(pose, xy_px=xy, world_m=world)


def rep_profile(t: float, period_s: float, rest_s: float = 0.6) -> float:
    """0 at rest, rising smoothly to 1 mid-rep and back: one rep every period + rest seconds."""
    phase = t % (period_s + rest_s)
    if phase >= period_s:
        return 0.0
    return 0.5 - 0.5 * math.cos(2 * math.pi * phase / period_s)


def sequence(
    make: Callable[[float, float], Pose | None], duration_s: float, fps: float = 30.0
) -> Iterator[tuple[float, Pose | None]]:
    """(t, pose) pairs; `make(t, fps)` may return None for a frame with nobody found."""
    for i in range(int(duration_s * fps)):
        t = i / fps
        yield t, make(t, fps)


def jittered(pose: Pose, rng: np.random.Generator, px: float) -> Pose:
    from dataclasses import replace

    return replace(pose, xy_px=pose.xy_px + rng.normal(0.0, px, pose.xy_px.shape))


# Whole sets, as functions of time: reps of each exercise filmed side-on.
def bridge_set(t: float) -> Pose:
    return bridge_side(130.0 + 55.0 * rep_profile(t, period_s=2.0), t)


def squat_set(t: float) -> Pose:
    depth = rep_profile(t, period_s=1.4)
    return squat_side(110.0 * depth, 25.0 * depth, t)


def lunge_set(t: float) -> Pose:
    return lunge_side(100.0 * rep_profile(t, period_s=1.6), 10.0, t)


class ScriptedEstimator:
    """Stands in for the pose model (vision.estimator.PoseEstimator): the pose of a synthetic
    movement at each frame's time, whatever the picture shows."""

    def __init__(self, movement: Callable[[float], Pose | None]) -> None:
        self._movement = movement

    def estimate(self, rgb: np.ndarray, timestamp_s: float) -> Pose | None:
        return self._movement(timestamp_s)

    def close(self) -> None:
        pass


def pattern_video(path: Path, seconds: float, size: str = "160x120", fps: int = 25) -> Path:
    """An ffmpeg test-pattern clip for a `ScriptedEstimator` to "see": its pictures do not matter."""
    source = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={fps}", "-t", str(seconds), "-pix_fmt", "yuv420p"]
    subprocess.run(["ffmpeg", "-v", "error", "-y", *source, str(path)], check=True)
    return path


# --- Stick figures in the programme's body positions, for `auto` (tests/test_auto_unsure.py) ----------------
# Picture points (x right, y down); the trunk is 200 px long; the floor is y = 600. `far` moves the left
# (far) leg on its own: a reaching or swinging leg.


def stick_figure(t: float, shoulder, hip, knee, ankle, wrist, face: float = 1.0, far=None) -> Pose:
    """A side-on stick figure. `face`: the nose 0.15 trunk lengths above (+1), level with (0) or below (-1)
    the ears; `far`: (knee, ankle) of the left leg when it differs from the right."""
    xy = np.tile(np.asarray(shoulder, float), (33, 1))
    for side in (LEFT, RIGHT):
        k, a = far if far is not None and side is LEFT else (knee, ankle)
        xy[side.shoulder], xy[side.hip], xy[side.knee], xy[side.ankle] = shoulder, hip, k, a
        xy[side.elbow] = (np.asarray(shoulder) + np.asarray(wrist)) / 2
        xy[side.wrist] = wrist
        xy[side.heel], xy[side.toe] = a, np.asarray(a) + np.array([20.0, 0.0])
    head = np.asarray(shoulder, float) + np.array([-60.0, 0.0])
    xy[Landmark.LEFT_EAR] = xy[Landmark.RIGHT_EAR] = head
    xy[Landmark.NOSE] = head + np.array([-10.0, -30.0 * face])
    return side_on_pose(xy, t, np.asarray(hip, float))


POSITIONS = {
    "supine_knees_bent": dict(shoulder=(300, 600), hip=(500, 600), knee=(650, 480), ankle=(760, 600),
                              wrist=(480, 600), face=1.0),
    "plank": dict(shoulder=(300, 540), hip=(500, 560), knee=(660, 575), ankle=(820, 590), wrist=(300, 600),
                  face=-1.0),
    "all_fours": dict(shoulder=(300, 440), hip=(500, 440), knee=(500, 600), ankle=(700, 600), wrist=(300, 600),
                      face=-1.0),
    "side_lying": dict(shoulder=(300, 560), hip=(500, 580), knee=(620, 560), ankle=(740, 590), wrist=(330, 520),
                       face=0.0),
    "dead_bug": dict(shoulder=(300, 600), hip=(500, 600), knee=(560, 420), ankle=(700, 470), wrist=(300, 380),
                     face=1.0),
    "hinge": dict(shoulder=(300, 300), hip=(500, 300), knee=(500, 460), ankle=(500, 600), wrist=(300, 450),
                  face=-1.0),
    "standing": dict(shoulder=(500, 100), hip=(500, 300), knee=(500, 460), ankle=(500, 600), wrist=(500, 280),
                     face=0.0),
    "kneeling": dict(shoulder=(500, 260), hip=(500, 460), knee=(500, 600), ankle=(340, 600), wrist=(500, 420),
                     face=0.0),
}  # fmt: skip


def held(position: str) -> Callable[[float, float], Pose]:
    """A body held still in one of POSITIONS."""
    return lambda t, fps: stick_figure(t, **POSITIONS[position])


def moving(rest: dict, end: dict, period_s: float = 2.0) -> Callable[[float, float], Pose]:
    """Reps from the `rest` figure to the `end` figure and back (every point moved in a straight line)."""

    def make(t: float, fps: float) -> Pose:
        k = rep_profile(t, period_s)
        mix = {}
        for key, a in rest.items():
            b = end.get(key, a)
            if key == "far":
                a = a if a is not None else (rest["knee"], rest["ankle"])
                b = b if b is not None else (end.get("knee", rest["knee"]), end.get("ankle", rest["ankle"]))
                mix[key] = tuple(
                    (1 - k) * np.asarray(p, float) + k * np.asarray(q, float) for p, q in zip(a, b, strict=True)
                )
            else:
                mix[key] = (1 - k) * np.asarray(a, float) + k * np.asarray(b, float)
        return stick_figure(t, **mix)

    return make


def _with(position: str, **changes) -> dict:
    return {**POSITIONS[position], "far": None, **changes}


# One synthetic set per registered exercise: its position, and its movement (or none: a hold, a still one).
PROGRAMME_SETS: dict[str, Callable[[float, float], Pose]] = {
    "squat": lambda t, fps: squat_set(t),
    "lunge": lambda t, fps: lunge_set(t),
    "bridge": lambda t, fps: bridge_set(t),
    # The hips lifting 0.02 trunk lengths (a posterior tilt): nothing else moves.
    "pelvic_tilt": moving(_with("supine_knees_bent"), _with("supine_knees_bent", hip=(500, 596))),
    # From tabletop, the far leg reaching out straight along the floor.
    "dead_bug": moving(_with("dead_bug"), _with("dead_bug", far=((680, 560), (860, 560)))),
    # On all fours, the far leg reaching back to hip height.
    "bird_dog": moving(_with("all_fours"), _with("all_fours", far=((320, 440), (140, 440)))),
    # On all fours, the head dropping and the back rounding up (the hips 10 px up), the limbs still.
    "cat_cow": moving(_with("all_fours"), _with("all_fours", hip=(500, 430), face=-2.0)),
    # On the side, the top knee opening toward the ceiling, the feet together.
    "clamshell": moving(_with("side_lying"), _with("side_lying", far=((600, 470), (740, 590)))),
    "plank": held("plank"),
    "hip_flexor_stretch": held("kneeling"),
    # Standing, hinging to horizontal on both legs, or with the far leg swinging back to hip height.
    "deadlift": moving(_with("standing"), _with("hinge")),
    "single_leg_deadlift": moving(_with("standing"), _with("hinge", far=((660, 300), (820, 300)))),
}
