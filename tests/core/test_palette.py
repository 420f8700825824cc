"""The band palette: five colours anyone can tell apart, readable on a dark
terminal, a light one and paper, in truecolor and in the 256-colour fallback."""

from __future__ import annotations

from itertools import combinations

import pytest

from iqcadence.core.base import palette
from iqcadence.core.base.palette import (
    BAND_COLOURS,
    DARK_BACKGROUND,
    LIGHT_BACKGROUND,
    LUMINANCE_RANGE,
    MIN_CONTRAST,
    UNSCORED,
    colour_difference,
    contrast_ratio,
    hex_rgb,
    relative_luminance,
    xterm_rgb,
)
from iqcadence.core.scoring.formula import BANDS

# CIE76: about 2.3 is the smallest difference people notice; 20 is a
# different colour at a glance.
CLEARLY_DIFFERENT = 20.0
BLACK, WHITE = (0, 0, 0), (255, 255, 255)
PAIRS = list(combinations(BANDS, 2))


def test_every_band_has_a_colour() -> None:
    assert list(BAND_COLOURS) == list(BANDS)


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_band_colours_differ_in_hex(first: str, second: str) -> None:
    a, b = BAND_COLOURS[first], BAND_COLOURS[second]
    assert a.hex.upper() != b.hex.upper()
    assert colour_difference(a.rgb, b.rgb) >= CLEARLY_DIFFERENT


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_band_colours_differ_in_the_256_colour_fallback(first: str, second: str) -> None:
    a, b = BAND_COLOURS[first], BAND_COLOURS[second]
    assert a.xterm != b.xterm
    assert colour_difference(a.xterm_rgb, b.xterm_rgb) >= CLEARLY_DIFFERENT


def test_watch_and_at_risk_are_no_longer_the_same_orange() -> None:
    """The old styles: 256-colour 208 and Textual's #FD971F for 'yellow'."""
    watch, at_risk = BAND_COLOURS["watch"], BAND_COLOURS["at_risk"]
    assert {watch.xterm, at_risk.xterm}.isdisjoint({208, 214})
    assert colour_difference(watch.rgb, at_risk.rgb) >= CLEARLY_DIFFERENT


@pytest.mark.parametrize("band", [*BANDS, None])
def test_readable_on_black_white_and_paper(band: str | None) -> None:
    colour = palette.band_colour(band)
    low, high = LUMINANCE_RANGE
    for rgb in (colour.rgb, colour.xterm_rgb):
        assert low <= relative_luminance(rgb) <= high
        assert contrast_ratio(rgb, BLACK) >= MIN_CONTRAST
        assert contrast_ratio(rgb, WHITE) >= MIN_CONTRAST


@pytest.mark.parametrize("band", BANDS)
def test_truecolor_readable_on_the_apps_dark_and_light_themes(band: str) -> None:
    rgb = BAND_COLOURS[band].rgb
    assert contrast_ratio(rgb, hex_rgb(DARK_BACKGROUND)) >= MIN_CONTRAST
    assert contrast_ratio(rgb, hex_rgb(LIGHT_BACKGROUND)) >= MIN_CONTRAST


def test_the_luminance_rule_is_what_it_says() -> None:
    """0.10 ≤ L ≤ 0.30 is exactly 3:1 against black and white."""
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert (LUMINANCE_RANGE[0] + 0.05) / 0.05 == pytest.approx(MIN_CONTRAST)
    assert 1.05 / (LUMINANCE_RANGE[1] + 0.05) == pytest.approx(MIN_CONTRAST, abs=0.01)


def test_unscored_and_unknown_bands_are_grey() -> None:
    assert palette.band_colour(None) == UNSCORED
    assert palette.band_colour("superb") == UNSCORED
    assert UNSCORED not in BAND_COLOURS.values()


def test_xterm_palette_values() -> None:
    assert xterm_rgb(16) == (0, 0, 0)
    assert xterm_rgb(208) == (255, 135, 0)
    assert xterm_rgb(231) == (255, 255, 255)
    assert xterm_rgb(244) == (128, 128, 128)
    with pytest.raises(ValueError):
        xterm_rgb(15)


def test_hex_values_are_well_formed() -> None:
    assert hex_rgb("#D32F2F") == (211, 47, 47)
    with pytest.raises(ValueError):
        hex_rgb("#FFF")


def test_every_severity_has_a_colour_of_its_urgency() -> None:
    from iqcadence.core.alerts.derive import SEVERITIES

    colours = [palette.severity_colour(severity) for severity in SEVERITIES]
    assert len(set(colours)) == len(SEVERITIES) and UNSCORED not in colours
    assert palette.severity_colour("critical") == BAND_COLOURS["critical"]


@pytest.mark.parametrize("band", [*BANDS, None])
def test_fallback_is_what_a_256_colour_terminal_shows_for_the_hex(band: str | None) -> None:
    """The app draws the hex value; on a 256-colour terminal that becomes the
    fallback the CLI names, so both front ends show the same colour."""
    from rich.color import Color, ColorSystem

    colour = palette.band_colour(band)
    assert Color.parse(colour.hex).downgrade(ColorSystem.EIGHT_BIT).number == colour.xterm
