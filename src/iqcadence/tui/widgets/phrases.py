"""Wrapping a line of a list so a narrow panel never breaks a phrase that
must be read whole: "renews in 8 d" keeps the number with its unit, a short
parenthesis ("(≤ 30 d)", "(overdue)") stays on one line, and a figure is
never split."""

from __future__ import annotations

import re

# Words that belong to the number before them ("8 d", "23 days", "5 points").
UNITS = frozenset({"d", "days", "day", "h", "points", "pts", "%"})
# Words that belong to the number after them ("MRR $490", "score 18.3").
LABELS = frozenset({"MRR", "ARR", "score", "NPS", "CSAT"})
_NUMBER = re.compile(r"^\(?[-+]?[$€£¥]?\d[\d,.]*[kM%]?$")
# A short parenthesis is one unit; otherwise words.
_TOKEN = re.compile(r"\([^()]{0,14}\)[.,;:]?|\S+")


def _units(text: str) -> list[str]:
    """The text's words, a number joined to its unit ("8 d")."""
    units: list[str] = []
    for word in _TOKEN.findall(text):
        unit = word.rstrip(").,;:")
        last = units[-1].rsplit(" ", 1)[-1] if units else ""
        if (units and unit in UNITS and _NUMBER.match(last)) or (
            last in LABELS and _NUMBER.match(unit)
        ):
            units[-1] = f"{units[-1]} {word}"
        elif units and word == "·":  # a separator ends a line, never starts one
            units[-1] = f"{units[-1]} {word}"
        else:
            units.append(word)
    return units


def wrap_phrases(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken only between units
    (a unit longer than a line is left whole)."""
    width = max(width, 1)
    lines: list[str] = []
    line = ""
    for unit in _units(text):
        if not line:
            line = unit
        elif len(line) + 1 + len(unit) <= width:
            line = f"{line} {unit}"
        else:
            lines.append(line)
            line = unit
    lines.append(line)
    return lines
