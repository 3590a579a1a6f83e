"""How an exercise's measures are shown to people: labels, units, decimals and how to read them.

Data only; the history, the reports and the app draw them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """How to show one key measure: label, unit, decimals and how to read it."""

    label: str
    short: str  # table header
    unit: str  # appended to numbers as is ("°", " s", "")
    decimals: int
    reading: str  # one phrase that tells a reader which direction is which
    reference: float | None = None  # a meaningful line to draw (e.g. 0 = "in line"), if any

    def format(self, value: float | None) -> str:
        """The value as a reader should see it; an en dash when it could not be measured."""
        if value is None:
            return "–"
        text = f"{value:.{self.decimals}f}"
        if float(text) == 0:
            text = f"{0:.{self.decimals}f}"  # no "-0°"
        return text + self.unit
