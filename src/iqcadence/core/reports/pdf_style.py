"""The look every report PDF shares: the font, the palette, and the brand (a
colour and a logo) that a client sets with `reports brand set`.

Band colours come from `base.palette`, as on every other surface. The
brand colour replaces the default accent in the header rule, the company
line, table headings and the first chart series; text drawn on it is white or
near-black, whichever reads better on that colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from iqcadence.core.base.palette import BAND_COLOURS as PALETTE
from iqcadence.core.base.palette import relative_luminance

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVu"

RGB = tuple[int, int, int]
# The band colours every surface draws with (`base.palette`); a tinted cell
# is the same colour mixed with 85 % white, so its bold text stays readable.
BAND_COLOURS: dict[str, RGB] = {band: colour.rgb for band, colour in PALETTE.items()}


def _tint(colour: RGB) -> RGB:
    r, g, b = (round(c + (255 - c) * 0.85) for c in colour)
    return (r, g, b)


BAND_TINTS: dict[str, RGB] = {band: _tint(rgb) for band, rgb in BAND_COLOURS.items()}
INK: RGB = (33, 37, 41)
MUTED: RGB = (110, 117, 125)
RULE: RGB = (210, 214, 218)
STRIPE: RGB = (246, 247, 250)
PANEL: RGB = (244, 246, 249)
ACCENT: RGB = (40, 70, 140)
SERIES: tuple[RGB, ...] = (
    ACCENT,
    BAND_COLOURS["at_risk"],
    BAND_COLOURS["healthy"],
    BAND_COLOURS["critical"],
)
PAGE_SIZES = {"a4": "A4", "letter": "Letter"}


@dataclass(frozen=True)
class Brand:
    """What a client's reports look like: an accent colour and an optional
    logo (PNG or SVG bytes, already checked when it was set)."""

    accent: RGB = ACCENT
    logo: bytes | None = None

    @property
    def on_accent(self) -> RGB:
        """Text colour drawn on the accent: white unless the accent is light."""
        return INK if relative_luminance(self.accent) > 0.45 else (255, 255, 255)

    @property
    def series(self) -> tuple[RGB, ...]:
        return (self.accent, *SERIES[1:])


def hex_colour(colour: RGB) -> str:
    return "#{:02X}{:02X}{:02X}".format(*colour)
