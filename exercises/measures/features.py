"""Per-frame measurements on one `Pose`. Pure functions; NaN when not measurable.

Each function's docstring is its definition: landmarks, what 0 means, sign, unit.
2D measures use image pixels (x right, y down); 3D measures use MediaPipe world
landmarks in metres (y down), which are roughly independent of the camera angle
but noisier in depth. Several are proxies; the docstring says for what and why.
"""

from __future__ import annotations

import math

import numpy as np

from exercises.measures.geometry import (
    angle_between_deg,
    distance,
    flexion_deg,
    joint_angle_deg,
    midpoint,
    segment_from_vertical_deg,
    signed_distance_to_line_px,
)
from vision.landmarks import LEFT, RIGHT, Landmark, Side
from vision.pose import Pose

# Below this MediaPipe visibility a landmark is treated as not seen.
MIN_VISIBILITY = 0.3


def seen(pose: Pose, *landmarks: Landmark) -> bool:
    return all(pose.vis(lm) >= MIN_VISIBILITY and np.all(np.isfinite(pose.px(lm))) for lm in landmarks)


def in_frame(pose: Pose, landmark: Landmark, margin: float = 0.0) -> bool:
    """Whether the landmark lies inside the image (MediaPipe also guesses points outside it)."""
    x, y = pose.px(landmark)
    width, height = pose.image_size_px
    return bool(-margin <= x <= width + margin and -margin <= y <= height + margin)


def leg_visibility(pose: Pose) -> float:
    """The better-seen leg's mean visibility of hip, knee and ankle (0..1)."""
    return max(float(np.mean(pose.visibility[[s.hip, s.knee, s.ankle]])) for s in (LEFT, RIGHT))


def foot_in_view(pose: Pose) -> bool:
    """At least one ankle seen and inside the image. In a side view the far ankle is
    hidden behind the near leg, so asking for both would call every side view cut off;
    with neither, the feet are out of the frame and the leg estimates are guesses."""
    return any(seen(pose, a) and in_frame(pose, a) for a in (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE))


def _mid_px(pose: Pose, a: Landmark, b: Landmark) -> np.ndarray:
    return midpoint(pose.px(a), pose.px(b))


def _mid_w(pose: Pose, a: Landmark, b: Landmark) -> np.ndarray:
    return midpoint(pose.world(a), pose.world(b))


# --- body scale ---------------------------------------------------------------


def leg_length_px(pose: Pose) -> float:
    """Mean over both legs of thigh + shin length in pixels (image scale of the body)."""
    lengths = [
        distance(pose.px(s.hip), pose.px(s.knee)) + distance(pose.px(s.knee), pose.px(s.ankle)) for s in (LEFT, RIGHT)
    ]
    return float(np.mean(lengths))


def hip_height_px(pose: Pose) -> float:
    """Vertical pixel distance from the mid-ankle point up to the mid-hip point (positive = hip above)."""
    return float(
        _mid_px(pose, Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE)[1]
        - _mid_px(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)[1]
    )


# --- joints ---------------------------------------------------------------------


def knee_flexion_deg(pose: Pose, side: Side) -> float:
    """2D knee bend, hip-knee-ankle in pixels: 0 = straight leg, 90 = right angle."""
    return flexion_deg(pose.px(side.hip), pose.px(side.knee), pose.px(side.ankle))


def knee_flexion_world_deg(pose: Pose, side: Side) -> float:
    """3D knee bend from world landmarks: 0 = straight. Used where the 2D angle is foreshortened."""
    return flexion_deg(pose.world(side.hip), pose.world(side.knee), pose.world(side.ankle))


# Both knees within this of straight (3D): standing, the legs show their full length.
# World-landmark knee angles of people standing still read 5-15 deg in our clips.
STRAIGHT_KNEE_DEG = 20.0


def legs_straight(pose: Pose) -> bool:
    """Both knees straight (world landmarks, so any view): the person is standing tall."""
    bends = [knee_flexion_world_deg(pose, side) for side in (LEFT, RIGHT)]
    return all(math.isfinite(b) and b < STRAIGHT_KNEE_DEG for b in bends)


def hip_angle_deg(pose: Pose, side: Side) -> float:
    """2D trunk-thigh angle, shoulder-hip-knee: 180 = trunk and thigh in one line, smaller = hip flexed."""
    return joint_angle_deg(pose.px(side.shoulder), pose.px(side.hip), pose.px(side.knee))


def hip_angle_world_deg(pose: Pose, side: Side) -> float:
    """3D trunk-thigh angle from world landmarks: 180 = straight. For views where the 2D angle foreshortens."""
    return joint_angle_deg(pose.world(side.shoulder), pose.world(side.hip), pose.world(side.knee))


def hip_line_offset_ratio(pose: Pose, side: Side) -> float:
    """Height of the hip above the shoulder-knee line, as a share of the shoulder-knee length.

    Bridge proxy: 0 = hip on the line (shoulders, hips, knees straight); positive = hip
    pushed above the line (image up), negative = hip sagging below it. 'Above' is
    judged against image-up, which is the ceiling for a person lying on the floor.
    """
    shoulder, hip, knee = pose.px(side.shoulder), pose.px(side.hip), pose.px(side.knee)
    length = distance(shoulder, knee)
    if not length > 1e-6:
        return math.nan
    # Orient the line so that "left of it" is image-up whichever way the person lies.
    a, b = (shoulder, knee) if shoulder[0] <= knee[0] else (knee, shoulder)
    # With a->b pointing image-right, the signed distance is positive above the line.
    return signed_distance_to_line_px(hip, a, b) / length


def hip_extension_deg(pose: Pose, side: Side) -> float:
    """Signed hip extension for a bridge: 0 = shoulder, hip and knee in one line.

    Negative = hip still flexed (hips below the line), positive = beyond the line,
    which in a bridge comes from arching the lower back and tipping the pelvis
    forward rather than from the hip joint (proxy: the spine is not tracked).
    """
    bend = 180.0 - hip_angle_deg(pose, side)
    offset = hip_line_offset_ratio(pose, side)
    if not math.isfinite(offset):
        return math.nan
    return bend if offset > 0 else -bend


def hip_extension_world_deg(pose: Pose, side: Side) -> float:
    """`hip_extension_deg` from world landmarks, for a camera at the feet or the head.

    Seen end-on, the trunk and thighs point at the camera and the image angle means
    little; the world angle does not depend on the view. Signed by the hip's height
    against the shoulder-knee line in world 'up' (-y): positive = hip above the line.
    """
    shoulder, hip, knee = pose.world(side.shoulder), pose.world(side.hip), pose.world(side.knee)
    bend = 180.0 - joint_angle_deg(shoulder, hip, knee)
    line = knee - shoulder
    n2 = float(np.dot(line, line))
    if not (math.isfinite(bend) and n2 > 1e-12):
        return math.nan
    on_line = shoulder + line * float(np.dot(hip - shoulder, line)) / n2
    return bend if hip[1] < on_line[1] else -bend


# --- trunk ------------------------------------------------------------------------


def trunk_lean_deg(pose: Pose) -> float:
    """2D angle of the mid-hip -> mid-shoulder line from image-vertical: 0 = upright, 90 = horizontal."""
    return segment_from_vertical_deg(
        _mid_px(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
        _mid_px(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    )


def trunk_lean_world_deg(pose: Pose) -> float:
    """3D trunk angle from vertical (world landmarks): 0 = upright, any direction of lean.

    Uses world 'up' (-y), which is gravity only if the camera is level; a tilted
    phone adds its tilt. Preferred in oblique/front views where 2D foreshortens lean.
    """
    trunk = _mid_w(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER) - _mid_w(
        pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP
    )
    return angle_between_deg(trunk, np.array([0.0, -1.0, 0.0]))


def trunk_backward_deg(pose: Pose, facing_sign: float) -> float:
    """Side view: how far the shoulders sit behind the hips, in degrees from vertical.

    `facing_sign` is +1 when the person faces image-right, -1 when image-left.
    Positive = leaning back (shoulders behind hips). Proxy for arching the lower
    back at lockout: standing tall with the trunk tipped back is done through the
    lumbar spine, the hips are already straight.
    """
    sh = _mid_px(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    hp = _mid_px(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    lean = segment_from_vertical_deg(sh, hp)
    behind = (sh[0] - hp[0]) * facing_sign < 0
    return lean if behind else -lean


# --- knees in the frontal plane -----------------------------------------------------


def _lateral_axis_w(pose: Pose) -> np.ndarray:
    axis = pose.world(Landmark.RIGHT_HIP) - pose.world(Landmark.LEFT_HIP)
    axis = axis.copy()
    axis[1] = 0.0  # horizontal
    n = np.linalg.norm(axis)
    return axis / n if n > 1e-6 else np.full(3, np.nan)


def knee_valgus_deg(pose: Pose, side: Side, use_world: bool) -> float:
    """Frontal-plane projection angle of the knee (FPPA): positive = knee caving inward.

    Angle between thigh and shin projected on the frontal plane (lateral x vertical),
    signed positive when the knee sits medial to the hip-ankle line. In a front view
    the image is that plane (2D pixels); in oblique views world landmarks are
    projected onto the body's own frontal plane. Standard screen for dynamic knee
    valgus (Munro et al. 2012); most meaningful at 45-90 deg knee flexion.
    """
    if use_world:
        lateral = _lateral_axis_w(pose)
        up = np.array([0.0, -1.0, 0.0])

        def project(lm: Landmark) -> np.ndarray:
            p = pose.world(lm)
            return np.array([float(np.dot(p, lateral)), float(np.dot(p, up))])

        hip, knee, ankle = project(side.hip), project(side.knee), project(side.ankle)
        outward = -1.0 if side is LEFT else 1.0  # lateral axis points left-hip -> right-hip
        # In the projected plane, y is up, so flip to image convention (y down) for the line test.
        hip, knee, ankle = (np.array([p[0], -p[1]]) for p in (hip, knee, ankle))
    else:
        hip, knee, ankle = pose.px(side.hip), pose.px(side.knee), pose.px(side.ankle)
        other_hip = pose.px(side.other.hip)
        outward = 1.0 if hip[0] > other_hip[0] else -1.0  # away from the other hip
    bend = flexion_deg(hip, knee, ankle)
    expected_x = hip[0] + (ankle[0] - hip[0]) * _fraction_along(hip, knee, ankle)
    medial = (knee[0] - expected_x) * outward < 0
    return bend if medial else -bend


def _fraction_along(a: np.ndarray, p: np.ndarray, b: np.ndarray) -> float:
    d = b - a
    n2 = float(np.dot(d, d))
    return float(np.dot(p - a, d) / n2) if n2 > 1e-12 else 0.5


def knee_ankle_width_ratio(pose: Pose) -> float:
    """Knee-to-knee / ankle-to-ankle distance across the body (world landmarks, lateral axis).

    1 = knees exactly above the feet; > 1 knees wider (pushed out, as coached);
    < 1 knees closer together than the feet: they cave in. The knee-to-ankle
    separation ratio (KASR) used in landing and squat screening (Barber-Westin et
    al. 2005); lateral distances from world landmarks so an oblique camera works too.
    """
    lateral = _lateral_axis_w(pose)
    knees = abs(float(np.dot(pose.world(Landmark.LEFT_KNEE) - pose.world(Landmark.RIGHT_KNEE), lateral)))
    ankles = abs(float(np.dot(pose.world(Landmark.LEFT_ANKLE) - pose.world(Landmark.RIGHT_ANKLE), lateral)))
    return knees / ankles if ankles > 1e-3 else math.nan


# Thigh length as a share of thigh + shin (femur 0.245 vs tibia 0.246 of stature,
# Winter, Biomechanics and Motor Control of Human Movement).
THIGH_SHARE_OF_LEG = 0.5


def hip_above_knee_ratio(pose: Pose, leg_scale_px: float) -> float:
    """Squat depth: height of the hips above the knees / thigh length, in pixels.

    0 = hip joints level with the knee joints (thighs horizontal); about 1 =
    standing; negative = hips below the knees. A vertical distance over the thigh's
    standing length (half the body's leg scale), so the camera's angle around the
    person does not foreshorten it, as it would a thigh measured at the bottom. The
    hip crease sits a few cm below the hip joint centre, so a "parallel" squat
    (crease level with the top of the knee) reads about +0.1 to +0.2.
    """
    if not leg_scale_px > 0:
        return math.nan
    hips = _mid_px(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    knees = _mid_px(pose, Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE)
    return float(knees[1] - hips[1]) / (THIGH_SHARE_OF_LEG * leg_scale_px)


def hip_above_knee_world_ratio(pose: Pose) -> float:
    """Squat depth from world landmarks: the thighs' mean rise from knee to hip / thigh length.

    1 = thighs vertical (standing), 0 = level, negative = hips below the knees. The same
    scale as `hip_above_knee_ratio`, from the model's 3D estimate instead of the picture:
    it does not foreshorten in an oblique view nor tilt with a camera low on the floor,
    where the picture alone can make a deep squat look shallow.
    """
    ratios = []
    for side in (LEFT, RIGHT):
        d = pose.world(side.knee) - pose.world(side.hip)
        length = float(np.linalg.norm(d))
        if length > 1e-6 and np.all(np.isfinite(d)):
            ratios.append(float(d[1]) / length)
    return float(np.mean(ratios)) if ratios else math.nan


# --- feet -------------------------------------------------------------------------


def heel_rise_deg(pose: Pose, side: Side) -> float:
    """Side view: angle of the heel->toe line from image-horizontal, signed +heel up.

    0 = foot flat (on a level floor, camera level); positive = heel higher than toes.
    Compared against the same foot's standing value, so camera tilt cancels out.
    """
    heel, toe = pose.px(side.heel), pose.px(side.toe)
    d = toe - heel
    if not np.all(np.isfinite(d)) or np.hypot(*d) < 1e-6:
        return math.nan
    return math.degrees(math.atan2(float(d[1]), abs(float(d[0]))))


def heel_rise_world_deg(pose: Pose, side: Side) -> float:
    """`heel_rise_deg` from world landmarks: the heel->toe line's angle from horizontal, +heel up.

    The model's 3D foot does not depend on how the camera looks at the floor, where the
    picture's foot line tilts with a low or oblique camera and wobbles with the points.
    """
    d = pose.world(side.toe) - pose.world(side.heel)
    horizontal = float(np.hypot(d[0], d[2]))
    if not np.all(np.isfinite(d)) or horizontal < 1e-6:
        return math.nan
    return math.degrees(math.atan2(float(d[1]), horizontal))


def sagittal_stance_ratio(pose: Pose) -> float:
    """Front-back distance between the ankles / mean leg length, from world landmarks.

    About 0-0.3 in a squat stance (feet side by side), 0.6+ in a split stance (lunge).
    The front-back axis is horizontal and perpendicular to the hip line.
    """
    lateral = _lateral_axis_w(pose)
    forward = np.cross(lateral, np.array([0.0, 1.0, 0.0]))
    gap = pose.world(Landmark.LEFT_ANKLE) - pose.world(Landmark.RIGHT_ANKLE)
    legs = [
        distance(pose.world(s.hip), pose.world(s.knee)) + distance(pose.world(s.knee), pose.world(s.ankle))
        for s in (LEFT, RIGHT)
    ]
    leg = float(np.mean(legs))
    if not leg > 1e-6:
        return math.nan
    return abs(float(np.dot(gap, forward))) / leg


def facing_yaw_deg(pose: Pose) -> float:
    """How far the body is turned from facing the camera: 0 = front (or back) view, 90 = side view.

    From world landmarks: the angle between the hip and shoulder lines and the image plane.
    """
    yaws = []
    for a, b in ((Landmark.LEFT_HIP, Landmark.RIGHT_HIP), (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)):
        d = pose.world(b) - pose.world(a)
        yaws.append(math.degrees(math.atan2(abs(float(d[2])), abs(float(d[0])) + 1e-9)))
    return float(np.mean(yaws))


# Shoulder width / trunk length of an adult seen square-on (~0.38 m / ~0.5 m).
FRONTAL_SHOULDER_TO_TRUNK = 0.75


def facing_yaw_2d_deg(pose: Pose) -> float:
    """Body turn from the image alone: 0 = square-on, 90 = side-on.

    The shoulder line's extent across the trunk axis shrinks as the body turns:
    arccos(width across trunk / trunk length / 0.75). Uses the trunk axis rather
    than image-horizontal, so it works for a person lying down too.
    """
    sh = _mid_px(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    hp = _mid_px(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    axis = sh - hp
    length = float(np.hypot(*axis))
    if not length > 1e-6:
        return math.nan
    u = axis / length
    d = pose.px(Landmark.LEFT_SHOULDER) - pose.px(Landmark.RIGHT_SHOULDER)
    across = abs(float(d[0] * u[1] - d[1] * u[0]))
    return math.degrees(math.acos(min(1.0, across / length / FRONTAL_SHOULDER_TO_TRUNK)))


def near_side(pose: Pose) -> Side:
    """The body side nearer the camera (smaller world z), for side-on measures."""
    left = [Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP, Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE]
    right = [Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE]
    z_left = float(np.mean(pose.world_m[left, 2]))
    z_right = float(np.mean(pose.world_m[right, 2]))
    vis_left = float(np.mean(pose.visibility[left]))
    vis_right = float(np.mean(pose.visibility[right]))
    score = (z_right - z_left) + 0.5 * (vis_left - vis_right)  # >0: left is nearer
    return LEFT if score > 0 else RIGHT


def facing_sign(pose: Pose) -> float:
    """+1 when the person faces image-right (nose right of the shoulders' midpoint), else -1.

    For a lying person this is the direction of the feet seen from the hips, negated:
    kept as 'nose direction' so its meaning does not change with posture.
    """
    nose = pose.px(Landmark.NOSE)[0]
    toes = midpoint(pose.px(Landmark.LEFT_FOOT_INDEX), pose.px(Landmark.RIGHT_FOOT_INDEX))[0]
    heels = midpoint(pose.px(Landmark.LEFT_HEEL), pose.px(Landmark.RIGHT_HEEL))[0]
    if math.isfinite(toes - heels) and abs(toes - heels) > 1.0:
        return 1.0 if toes > heels else -1.0
    sh = _mid_px(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)[0]
    return 1.0 if nose > sh else -1.0


# --------------------------------------------------------------------------- body positions (for `auto`)


def trunk_px(pose: Pose) -> float:
    """The trunk's length in the picture (shoulders' to hips' midpoint), pixels: the body's own scale."""
    shoulders = _mid_px(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    hips = _mid_px(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    return float(np.linalg.norm(shoulders - hips))


def knee_rise_trunks(pose: Pose) -> float:
    """How far the knees sit above both the hips and the ankles in the picture, in trunk lengths.

    Lying on the back with the knees bent (a bridge, a pelvic tilt, a dead bug) puts the knees
    ~0.3-0.6 trunk lengths above both; on all fours, in a plank or lying on the side they are
    level with or below the hips (negative)."""
    trunk = trunk_px(pose)
    if trunk <= 0:
        return math.nan
    knees = _mid_px(pose, Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE)
    hips = _mid_px(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    ankles = _mid_px(pose, Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE)
    return float(min(hips[1], ankles[1]) - knees[1]) / trunk  # image y grows downward


def hip_rise_trunks(pose: Pose) -> float:
    """Height of the hips above the ankles in the picture, in trunk lengths: ~1.2-1.6 standing on
    straight legs, ~0-0.7 lying, kneeling or on all fours."""
    trunk = trunk_px(pose)
    if trunk <= 0:
        return math.nan
    hips = _mid_px(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    ankles = _mid_px(pose, Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE)
    return float(ankles[1] - hips[1]) / trunk


def face_rise_trunks(pose: Pose) -> float:
    """The nose's height above the ears' midpoint in the picture, in trunk lengths: + face up (lying on
    the back), - face down (a plank, all fours, a hinge), ~0 upright or facing the camera."""
    trunk = trunk_px(pose)
    if trunk <= 0:
        return math.nan
    ears = _mid_px(pose, Landmark.LEFT_EAR, Landmark.RIGHT_EAR)
    return float(ears[1] - pose.px(Landmark.NOSE)[1]) / trunk


def hand_rise_trunks(pose: Pose) -> float:
    """The higher wrist's height above the shoulders' midpoint in the picture, in trunk lengths (lying on
    the back: + an arm raised toward the ceiling; a bridge's arms lie on the floor, ~-0.1)."""
    trunk = trunk_px(pose)
    if trunk <= 0:
        return math.nan
    shoulders = _mid_px(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    return float(shoulders[1] - min(pose.px(Landmark.LEFT_WRIST)[1], pose.px(Landmark.RIGHT_WRIST)[1])) / trunk


def hip_lift_trunks(pose: Pose) -> float:
    """The hips' height above the shoulders' midpoint, in trunk lengths, from world landmarks (lying on
    the back: ~0 flat, rising as a bridge lifts the hips). In 3D so that a body filmed from the feet,
    whose trunk the picture shows end-on, reads the same as side-on."""
    shoulders = _mid_w(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    hips = _mid_w(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    trunk = float(np.linalg.norm(shoulders - hips))
    if not trunk > 0:
        return math.nan
    return float(shoulders[1] - hips[1]) / trunk  # world y points down


def thigh_from_vertical_deg(pose: Pose, side: Side) -> float:
    """The thigh's angle from image-vertical, deg (picture): ~0 hanging under the hip (on all fours,
    kneeling), ~90 out along the floor (a plank, lying)."""
    return segment_from_vertical_deg(pose.px(side.hip), pose.px(side.knee))


def leg_opening_deg(pose: Pose, side: Side) -> float:
    """How far a leg has opened out, deg: the mean of its hip's trunk-thigh angle and its knee's extension.

    180 with the leg straight in line with the trunk; ~90 on all fours or in tabletop (hip and
    knee at right angles). A heel slide opens mostly the knee, a bird-dog or dead-bug reach both.
    """
    return 0.5 * (hip_angle_deg(pose, side) + 180.0 - knee_flexion_deg(pose, side))


LEG = (
    Landmark.LEFT_HIP,
    Landmark.RIGHT_HIP,
    Landmark.LEFT_KNEE,
    Landmark.RIGHT_KNEE,
    Landmark.LEFT_ANKLE,
    Landmark.RIGHT_ANKLE,
)


def hip_drop_pct(pose: Pose, leg_scale_px: float) -> float:
    """Rep signal for squats and lunges: how far the hips have dropped, in % of leg length.

    100 x (1 - hip height above the ankles / leg length), leg length being
    `leg_scale_px` (the analyser's decaying maximum of thigh + shin in pixels). About 0-10 standing, 40-70 at the
    bottom of a squat or lunge. Works in side, oblique and front views alike,
    since hips move down in every view; joint angles foreshorten in some.
    """
    # No visibility gate: at the bottom of a squat the far leg is hidden, yet its
    # estimate stays usable for a height; a hard gate loses the very frames that matter.
    if not np.all(np.isfinite(pose.xy_px[list(LEG)])) or not leg_scale_px > 0:
        return math.nan
    # But a foot must really be in view (not when walking up to the camera).
    if not foot_in_view(pose):
        return math.nan
    return 100.0 * (1.0 - hip_height_px(pose) / leg_scale_px)
