"""The band colours every surface draws with: the app, the CLI and the PDFs.

Each band has one colour, given as a hex value (truecolor terminals, PDFs)
and as an index into the xterm 256-colour palette for terminals without
truecolor. Named colours (`yellow`, `dark_orange`) are not used: a terminal
theme redraws them as it likes, which made Watch and At Risk the same orange.

The rule that keeps them readable: every colour, hex and fallback alike, has
a relative luminance (WCAG 2) between 0.10 and 0.30, which is at least 3:1
contrast — WCAG's minimum for graphics and large text — against both black
and white (a dark terminal, a light one, paper). The hex values also keep
3:1 against the app's own dark (#121212) and light (#E0E0E0) backgrounds.
The five are far apart from each other (CIE76 colour difference ≥ 20; about
2 is the smallest difference people notice), hue running red, orange, gold,
green, blue from Critical to Expansion.

Each fallback is the entry a 256-colour terminal gets when the hex value is
drawn there (rich's nearest match), so a front end may give either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

RGB = tuple[int, int, int]

# The rule above, as numbers (tests hold every colour to them).
LUMINANCE_RANGE: tuple[float, float] = (0.10, 0.30)
MIN_CONTRAST = 3.0
DARK_BACKGROUND = "#121212"  # the app's dark theme
LIGHT_BACKGROUND = "#E0E0E0"  # the app's light theme


@dataclass(frozen=True)
class Colour:
    """One colour: `hex` for truecolor and print, `xterm` (16–255) otherwise."""

    hex: str
    xterm: int

    @property
    def rgb(self) -> RGB:
        return hex_rgb(self.hex)

    @property
    def xterm_rgb(self) -> RGB:
        return xterm_rgb(self.xterm)


BAND_COLOURS: Mapping[str, Colour] = MappingProxyType(
    {
        "critical": Colour("#D32F2F", 160),  # red
        "at_risk": Colour("#D35400", 166),  # orange
        "watch": Colour("#9C7A00", 136),  # gold
        "healthy": Colour("#2E7D32", 29),  # green
        "expansion": Colour("#1976D2", 32),  # blue
    }
)
UNSCORED = Colour("#808080", 244)  # grey: no score, no band
# Alert severities borrow the band colour of the same urgency, so red means
# the same thing on every screen.
SEVERITY_COLOURS: Mapping[str, Colour] = MappingProxyType(
    {
        "critical": BAND_COLOURS["critical"],
        "warning": BAND_COLOURS["at_risk"],
        "attention": BAND_COLOURS["watch"],
        "opportunity": BAND_COLOURS["expansion"],
    }
)


def band_colour(band: str | None) -> Colour:
    """The colour of `band`; grey for an unscored customer (or an unknown band)."""
    return BAND_COLOURS.get(band or "", UNSCORED)


def severity_colour(severity: str | None) -> Colour:
    """The colour of an alert severity (grey for an unknown one)."""
    return SEVERITY_COLOURS.get(severity or "", UNSCORED)


def hex_rgb(value: str) -> RGB:
    digits = value.removeprefix("#")
    if len(digits) != 6:
        raise ValueError(f"colour: expected #RRGGBB, got {value!r}.")
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


_CUBE = (0, 95, 135, 175, 215, 255)


def xterm_rgb(index: int) -> RGB:
    """The colour xterm shows for palette entry `index` (16–255: the 6×6×6
    cube, then 24 greys); the first 16 follow the terminal's theme."""
    if not 16 <= index <= 255:
        raise ValueError(f"xterm colour: expected 16–255, got {index}.")
    if index >= 232:
        grey = 8 + 10 * (index - 232)
        return (grey, grey, grey)
    cube = index - 16
    return (_CUBE[cube // 36], _CUBE[cube // 6 % 6], _CUBE[cube % 6])


def relative_luminance(colour: RGB) -> float:
    """WCAG 2 relative luminance: 0 for black, 1 for white."""

    r, g, b = (_linear(channel) for channel in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: RGB, second: RGB) -> float:
    """WCAG 2 contrast ratio, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def colour_difference(first: RGB, second: RGB) -> float:
    """CIE76 ΔE: the distance between two colours in CIELAB (D65 white)."""
    return float(sum((a - b) ** 2 for a, b in zip(_lab(first), _lab(second), strict=True)) ** 0.5)


def _lab(colour: RGB) -> tuple[float, float, float]:
    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    r, g, b = (_linear(channel) for channel in colour)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


def _linear(channel: int) -> float:
    """An sRGB channel (0–255) as linear light (0–1)."""
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
