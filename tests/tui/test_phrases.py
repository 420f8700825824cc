"""Wrapping list lines between phrases: a number keeps its unit and label."""

from __future__ import annotations

import pytest

from iqcadence.tui.widgets.phrases import wrap_phrases


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        (
            "renews in 8 d (≤ 30 d) · MRR $14,700",
            20,
            ["renews in 8 d", "(≤ 30 d) ·", "MRR $14,700"],
        ),
        ("renews in 8 d", 11, ["renews in", "8 d"]),
        ("score 80.8 (-11.8 in 7 d)", 12, ["score 80.8", "(-11.8 in 7 d)"]),
        ("76 d without contact (Overdue)", 20, ["76 d without contact", "(Overdue)"]),
        ("short", 40, ["short"]),
    ],
)
def test_wrap_phrases(text: str, width: int, lines: list[str]) -> None:
    assert wrap_phrases(text, width) == lines


def test_no_line_is_longer_than_the_width_unless_one_unit_is() -> None:
    text = "Critical: renews in 27 days on 2027-01-04 with a score of 18.3."
    for width in range(14, 60):
        assert all(len(line) <= width for line in wrap_phrases(text, width))
        assert " ".join(wrap_phrases(text, width)) == text
