"""Does the movement seen match the exercise the user asked for?

With a named exercise the pipeline still runs the posture vote of `auto`
(`exercises.framework.auto.ExerciseVote`). When the vote clearly names another exercise, judging
the set as the requested one would give nonsense (a bridge judged for squat depth), so the
report says so and the app and the CLI offer the recognised exercise instead.

Only posture evidence that is clear counts: lying versus standing, or feet split
front-to-back versus side by side at depth. A clip that is in between (a hip thrust is
horizontal only around the top; a narrow split stance) gets no complaint.
"""

from __future__ import annotations

from dataclasses import dataclass

from exercises.framework import registry
from exercises.framework.auto import ExerciseVote


@dataclass(frozen=True)
class MismatchThresholds:
    # Frames whose trunk angle was measured: below ~1 s of video the vote has not seen a set.
    min_posture_frames: int = 20
    # Lying in at least this share of frames is clearly a bridge. The vote already calls a set a
    # bridge above 35 % (hip thrusts lie only around the top, about half the set); 60 % leaves
    # those in-between sets alone.
    clear_lying_share: float = 0.6
    # Lying in at most this share is clearly standing: squats and lunges tip the trunk that far
    # only for moments at depth.
    clear_standing_share: float = 0.1
    # Frames deep enough to judge the stance (see ExerciseVote): a few reps' bottoms.
    min_stance_frames: int = 10
    # Split-stance score (lunge share of the standing score): the vote's soft step is at 0.5 at a
    # stance of 0.5 leg lengths; 0.9 / 0.1 are ~0.68 / ~0.32 leg lengths, outside the narrow
    # split stances and wide squat stances that sit near the line.
    clear_split: float = 0.9
    clear_side_by_side: float = 0.1


T = MismatchThresholds()


def _standing_clear(vote: ExerciseVote, requested: str, recognised: str) -> bool:
    if requested == "lying":
        return True  # not lying is the whole point; which standing exercise is the vote's best guess
    scores = vote.posture_scores()
    standing = scores["feet_side_by_side"] + scores["split_stance"]
    if len(vote.stance) < T.min_stance_frames or standing <= 0:
        return False
    split = scores["split_stance"] / standing
    return split >= T.clear_split if recognised == "split_stance" else split <= T.clear_side_by_side


def _clear(vote: ExerciseVote, requested: str, recognised: str) -> bool:
    """Whether the posture evidence for the `recognised` posture over the `requested` one leaves no doubt."""
    if len(vote.lying) < T.min_posture_frames:
        return False
    lying = vote.posture_scores()["lying"]
    if recognised == "lying":
        return lying >= T.clear_lying_share
    return lying <= T.clear_standing_share and _standing_clear(vote, requested, recognised)


def exercise_check(requested: str, vote: ExerciseVote | None) -> dict | None:
    """report.json's `exercise_check` when the set was clearly another exercise than `requested`, else None."""
    wanted = registry.resolve(requested)
    posture = registry.get(wanted).posture if wanted else None
    if vote is None or posture is None:
        return None  # auto, or an exercise whose posture the vote cannot judge
    if vote.unsure() is not None:
        return None  # no one exercise fits what was seen: nothing to offer instead
    recognised = vote.best()
    # The posture the body was in (lying, feet side by side, split), whichever exercise the vote names in it.
    seen = vote.best_posture()
    if seen == posture or not _clear(vote, posture, seen):
        return None
    return {
        "requested": requested,
        "recognised": recognised,
        "reason": vote.posture_reason(),
        "scores": {name: round(score, 3) for name, score in vote.scores().items()},
    }


def mismatch_sentence(check: dict) -> str:
    """The sentence for the user, e.g. 'This looks like a glute bridge (lying down in 92% of frames), not a squat.',
    or for `auto` unsure of the exercise (no `recognised`): 'FormCheck cannot tell which exercise this is ...'."""
    if check["recognised"] is None:
        return (
            f"FormCheck cannot tell which exercise this is ({check['reason']}), so it does not judge it:"
            " pick the exercise by name."
        )
    recognised, requested = (registry.get(check[k]).noun for k in ("recognised", "requested"))
    return f"This looks like a {recognised} ({check['reason']}), not a {requested}."
