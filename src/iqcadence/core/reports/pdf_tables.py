"""Tables in report PDFs: cells wrap instead of being cut, and numbers are
never split.

Column widths start from the builder's proportions, then each column is
widened to its longest word (right-aligned columns, which hold numbers, to
their longest value) and room a column does not need goes to the columns
whose text would otherwise wrap. Headings repeat on every page; a row is
never split across pages; the last rows travel with whatever must follow
the table (`tail`), so a legend is never alone on a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fpdf import FPDF

from iqcadence.core.reports.pdf_style import (
    BAND_COLOURS,
    BAND_TINTS,
    FONT,
    INK,
    RULE,
    STRIPE,
    Brand,
)

# A word longer than this share of the page width may break inside itself
# (a URL, a very long e-mail address); anything shorter stays whole.
LONGEST_WORD_SHARE = 0.34
# How many final rows move to the next page with a table's tail.
ROWS_WITH_TAIL = 3
CELL_PAD = 2.8  # mm above and below a row's lines, together
# A table (with its tail) up to this tall (mm) moves whole to the next page
# rather than split; a longer one flows on, its headings repeated.
KEEP_WHOLE = 100.0


@dataclass
class TableLayout:
    cols: list[float]
    aligns: list[str]
    head: list[list[str]]  # each heading's lines
    cells: list[list[list[str]]]  # row → column → lines
    line: float
    font_size: float

    @property
    def head_height(self) -> float:
        return max(len(lines) for lines in self.head) * self.line + CELL_PAD

    @property
    def heights(self) -> list[float]:
        return [max((len(c) for c in row), default=1) * self.line + CELL_PAD for row in self.cells]


class TablePDF(FPDF):
    """An FPDF with the report brand and `table_rows`."""

    brand: Brand = Brand()
    _widths: dict[tuple[str, float, str], float] | None = None

    def text_width(self, text: str) -> float:
        """`get_string_width` in the current font, remembered: a table
        measures the same band names, managers and flags thousands of times."""
        if self._widths is None:
            self._widths = {}
        key = (self.font_style, self.font_size_pt, text)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = self.get_string_width(text)
        return width

    def line_height(self, font_size: float) -> float:
        """The distance between two lines of wrapped text at `font_size` (mm)."""
        return font_size * 0.3528 * 1.2

    def wrap(self, text: str, room: float) -> list[str]:
        """Lines of `text` no wider than `room` (mm), broken between words; a
        word wider than the room is broken inside itself as a last resort."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current = ""
            for word in paragraph.split(" "):
                candidate = f"{current} {word}" if current else word
                if self.text_width(candidate) <= room:
                    current = candidate
                    continue
                if current:
                    lines.append(current)
                current = word
                while self.text_width(current) > room and len(current) > 1:
                    cut = self._longest_prefix(current, room)
                    lines.append(current[:cut])
                    current = current[cut:]
            lines.append(current)
        return lines

    def _longest_prefix(self, word: str, room: float) -> int:
        low, high = 1, len(word)
        while low < high:
            middle = (low + high + 1) // 2
            if self.text_width(word[:middle]) <= room:
                low = middle
            else:
                high = middle - 1
        return low

    def column_widths(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        fractions: Sequence[float],
        keep_whole: Sequence[bool],
        font_size: float,
        bold_column: int | None = None,
    ) -> list[float]:
        """Widths (mm) that fill the page: see the module docstring. The
        `bold_column` (band names) is measured in bold, as it is drawn."""
        pad = 2 * self.c_margin
        total = sum(fractions)
        widths = [self.epw * f / total for f in fractions]
        count = len(widths)
        longest_word = [0.0] * count
        natural = [0.0] * count
        self.set_font(FONT, "B", font_size)
        for c, heading in enumerate(headings):
            words = str(heading).split() or [""]
            longest_word[c] = max(self.text_width(w) for w in words) + pad
            natural[c] = self.text_width(str(heading)) + pad
        self.set_font(FONT, "", font_size)
        for row in rows:
            for c, text in enumerate(row[:count]):
                if c == bold_column:
                    self.set_font(style="B")
                width = self.text_width(text) + pad
                natural[c] = max(natural[c], width)
                if keep_whole[c]:
                    longest_word[c] = max(longest_word[c], width)
                elif " " in text or "\n" in text:
                    words = text.split()
                    longest_word[c] = max(
                        longest_word[c], max(self.text_width(w) for w in words) + pad
                    )
                else:
                    longest_word[c] = max(longest_word[c], width)
                if c == bold_column:
                    self.set_font(style="")
        floor = [
            lw if keep_whole[c] else min(lw, self.epw * LONGEST_WORD_SHARE)
            for c, lw in enumerate(longest_word)
        ]
        widths = [max(w, f) for w, f in zip(widths, floor, strict=True)]
        widths = _shrink_to(widths, floor, self.epw)
        return _give_spare_room(widths, natural)

    def layout_table(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        widths: Sequence[float] | None = None,
        band_column: int | None = None,
        align: Sequence[str] | None = None,
        font_size: float = 8,
    ) -> TableLayout:
        """Column widths, each cell's lines and each row's height."""
        count = len(headings)
        aligns = [
            ("R" if str(a).upper().startswith("R") else "L") for a in (align or ["L"] * count)
        ]
        texts = [[_text(v) for v in list(row)[:count]] for row in rows]
        keep_whole = [side == "R" for side in aligns]
        cols = self.column_widths(
            [str(h) for h in headings],
            texts,
            list(widths) if widths else [1.0] * count,
            keep_whole,
            font_size,
            band_column,
        )
        line = self.line_height(font_size)
        self.set_font(FONT, "B", font_size)
        head = [
            self.wrap(str(h), w - 2 * self.c_margin) for h, w in zip(headings, cols, strict=True)
        ]
        self.set_font(FONT, "", font_size)
        cells = []
        for row in texts:
            lines = []
            for c, (t, w, keep) in enumerate(zip(row, cols, keep_whole, strict=False)):
                if c == band_column:
                    self.set_font(style="B")
                lines.append([t] if keep else self.wrap(t, w - 2 * self.c_margin))
                if c == band_column:
                    self.set_font(style="")
            cells.append(lines)
        return TableLayout(cols, aligns, head, cells, line, font_size)

    def table_height(
        self, headings: Sequence[str], rows: Sequence[Sequence[Any]], **options: Any
    ) -> float:
        """How tall `table_rows` with these arguments is on one page (mm)."""
        layout = self.layout_table(headings, rows, **options)
        return layout.head_height + sum(layout.heights) + 3

    def table_rows(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        widths: Sequence[float] | None = None,
        bands: Sequence[str | None] | None = None,
        band_column: int | None = None,
        align: Sequence[str] | None = None,
        font_size: float = 8,
        tail: float = 0.0,
    ) -> None:
        """A table whose headings repeat on every page. `bands` gives each
        row's band; the `band_column` cell is tinted in that band's colour.
        `tail` is the height (mm) of what follows and must share the page
        with the last rows. A table that fits on a page is not split."""
        layout = self.layout_table(
            headings, rows, widths=widths, band_column=band_column, align=align, font_size=font_size
        )
        cols, heights, line = layout.cols, layout.heights, layout.line

        def draw_headings() -> None:
            self.set_font(FONT, "B", font_size)
            self.set_fill_color(*self.brand.accent)
            self.set_text_color(*self.brand.on_accent)
            y = self.get_y()
            self.rect(self.l_margin, y, self.epw, layout.head_height, style="F")
            self._draw_lines(layout.head, cols, layout.aligns, y, line)
            self.set_xy(self.l_margin, y + layout.head_height)
            self.set_font(FONT, "", font_size)
            self.set_text_color(*INK)

        whole = layout.head_height + sum(heights) + tail
        room = self.page_break_trigger - self.get_y()
        first = heights[0] if heights else 0.0
        if layout.head_height + first > room or (whole > room and whole <= KEEP_WHOLE):
            self.add_page()
        draw_headings()
        last_group = max(len(rows) - ROWS_WITH_TAIL, 1)
        for index, row_cells in enumerate(layout.cells):
            height = heights[index]
            need = height
            if tail and index == last_group:
                need = sum(heights[index:]) + tail
                if layout.head_height + need > self.body_height:
                    need = height  # the group cannot fit any page: just flow on
            if self.get_y() + need > self.page_break_trigger:
                self.add_page()
                draw_headings()
            y = self.get_y()
            if index % 2:
                self.set_fill_color(*STRIPE)
                self.rect(self.l_margin, y, self.epw, height, style="F")
            band = bands[index] if bands is not None and index < len(bands) else None
            if band is not None and band_column is not None and band in BAND_TINTS:
                x = self.l_margin + sum(cols[:band_column])
                self.set_fill_color(*BAND_TINTS[band])
                self.rect(x, y, cols[band_column], height, style="F")
            self._draw_lines(
                row_cells, cols, layout.aligns, y, line, band=band, band_column=band_column
            )
            self.set_draw_color(*RULE)
            self.line(self.l_margin, y + height, self.l_margin + self.epw, y + height)
            self.set_xy(self.l_margin, y + height)
        self.ln(3)

    @property
    def body_height(self) -> float:
        """The height (mm) a page offers below its header."""
        return self.page_break_trigger - 40

    def _draw_lines(
        self,
        cells: Sequence[Sequence[str]],
        cols: Sequence[float],
        aligns: Sequence[str],
        y: float,
        line: float,
        *,
        band: str | None = None,
        band_column: int | None = None,
    ) -> None:
        x = self.l_margin
        for column, (lines, width, side) in enumerate(zip(cells, cols, aligns, strict=False)):
            tinted = band is not None and column == band_column and band in BAND_COLOURS
            if tinted:
                assert band is not None
                self.set_text_color(*BAND_COLOURS[band])
                self.set_font(style="B")
            for number, text in enumerate(lines):
                if not text:
                    continue
                # `text()` rather than `cell()`: the same glyphs, placed where
                # a cell would put them, at a fraction of the cost per cell.
                baseline = y + CELL_PAD / 2 + number * line + line / 2 + 0.3 * self.font_size
                left = x + self.c_margin
                if side == "R":
                    left = x + width - self.c_margin - self.text_width(text)
                self.text(left, baseline, text)
            if tinted:
                self.set_text_color(*INK)
                self.set_font(style="")
            x += width


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _shrink_to(widths: list[float], floor: list[float], room: float) -> list[float]:
    """Take any excess over `room` from the columns above their floor, in
    proportion to how far above it they are; below the floors, from every
    column in proportion (a caller asked for more than fits)."""
    excess = sum(widths) - room
    if excess <= 0:
        return widths
    slack = [max(0.0, w - f) for w, f in zip(widths, floor, strict=True)]
    spare = sum(slack)
    if spare >= excess:
        return [w - excess * s / spare for w, s in zip(widths, slack, strict=True)]
    widths = [w - s for w, s in zip(widths, slack, strict=True)]
    scale = room / sum(widths)
    return [w * scale for w in widths]


def _give_spare_room(widths: list[float], natural: list[float]) -> list[float]:
    """Room a column has beyond its widest text goes to the columns whose
    text would wrap, in proportion to what each lacks."""
    spare = sum(max(0.0, w - n) for w, n in zip(widths, natural, strict=True))
    lacking = [max(0.0, n - w) for w, n in zip(widths, natural, strict=True)]
    short = sum(lacking)
    if spare <= 0 or short <= 0:
        return widths
    given = min(spare, short)
    out = []
    for w, n, lack in zip(widths, natural, lacking, strict=True):
        if lack > 0:
            out.append(w + given * lack / short)
        else:
            out.append(w - given * (w - n) / spare)
    return out
