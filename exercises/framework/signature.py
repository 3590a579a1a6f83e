"""What `--exercise auto` looks for to name an exercise: its body position and its movement.

An exercise declares a `Signature` in its `ExerciseSpec`: the position it is done in (one of
`POSITIONS`) and the movements (`MOVEMENTS`) that must be seen (`moves`) or must not be seen
(`still`) over the set. The recogniser (exercises/framework/auto.py) measures the position of every
frame and the movements within the set's position, and names the one exercise whose signature
fits; none or several fitting is a plain "cannot tell". How each word is measured, and its
threshold, is the recogniser's (`AutoThresholds`); an exercise only states which words are its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Body positions over the set, in words for the reason.
POSITIONS = {
    "standing": "standing",
    "kneeling": "kneeling or sitting upright",
    "on_back": "lying on the back",
    "on_side": "lying on the side",
    "all_fours": "on all fours",
    "prone": "face down on straight legs (a plank's position)",
}

# Movements measured within the set's position.
MOVEMENTS = {
    "hinge": "the trunk tipped forward to horizontal on straight legs (a hip hinge)",
    "one_leg": "one leg swung back at the hinge",
    "split_stance": "the feet split front-to-back at depth",
    "hips_lift": "the hips lifted toward the ceiling",
    "leg_reach": "a leg reached out (or slid out) and came back",
}


@dataclass(frozen=True)
class Signature:
    """How `auto` recognises an exercise: where the body is, and what must (not) move."""

    position: str  # one of POSITIONS
    moves: frozenset[str] = field(default_factory=frozenset)  # MOVEMENTS that must be seen
    still: frozenset[str] = field(default_factory=frozenset)  # MOVEMENTS that must not be seen

    def __post_init__(self) -> None:
        if self.position not in POSITIONS:
            raise ValueError(f"position must be one of {', '.join(POSITIONS)}, not {self.position!r}")
        unknown = (self.moves | self.still) - set(MOVEMENTS)
        if unknown:
            raise ValueError(f"movements must be among {', '.join(MOVEMENTS)}, not {', '.join(sorted(unknown))}")
        both = self.moves & self.still
        if both:
            raise ValueError(f"a movement cannot be both seen and not seen: {', '.join(sorted(both))}")

    def fits(self, seen: dict[str, bool | None]) -> bool:
        """Whether the movements `seen` (True seen, False not, None unmeasured) fit: every one of `moves`
        seen, none of `still` seen (unmeasured counts as not seen)."""
        return all(seen.get(m) is True for m in self.moves) and not any(seen.get(m) is True for m in self.still)


def signature(position: str, moves: tuple[str, ...] = (), still: tuple[str, ...] = ()) -> Signature:
    """A `Signature` from plain tuples (what an exercise module writes)."""
    return Signature(position, frozenset(moves), frozenset(still))
