"""The PDF look shared by every report: branded header, footer with page
numbers and generation time, band-coloured tables whose headings repeat on
each page, and vector charts drawn with fpdf2 primitives (no image libraries).

A bundled DejaVu Sans (free licence, see fonts/LICENSE-DejaVu.txt) renders any
customer name, "Zürich Café" and "Łódź" included.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

from iqcadence.core.base.text import printable

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVu"

RGB = tuple[int, int, int]
BAND_COLOURS: dict[str, RGB] = {
    "critical": (200, 40, 40),
    "at_risk": (232, 120, 20),
    "watch": (222, 180, 20),
    "healthy": (46, 150, 70),
    "expansion": (30, 120, 200),
}
BAND_TINTS: dict[str, RGB] = {
    "critical": (250, 222, 222),
    "at_risk": (253, 233, 212),
    "watch": (252, 244, 204),
    "healthy": (221, 241, 225),
    "expansion": (214, 232, 248),
}
INK: RGB = (33, 37, 41)
MUTED: RGB = (110, 117, 125)
RULE: RGB = (210, 214, 218)
ACCENT: RGB = (40, 70, 140)
SERIES: tuple[RGB, ...] = ((40, 70, 140), (232, 120, 20), (46, 150, 70), (200, 40, 40))
PAGE_SIZES = {"a4": "A4", "letter": "Letter"}


class ReportPDF(FPDF):
    """A report document. Draw with `heading`, `paragraph`, `kpis`, `table`,
    `bar_chart`, `line_chart`, `donut`; then `output()`."""

    def __init__(
        self,
        title: str,
        *,
        company: str = "iqcadence",
        subtitle: str = "",
        generated_at: datetime,
        page_size: str = "a4",
    ) -> None:
        size = PAGE_SIZES.get(page_size.lower())
        if size is None:
            raise ValueError(f"page size {page_size!r} is not one of a4, letter")
        super().__init__(orientation="portrait", unit="mm", format=size)
        self.report_title = title
        self.company = company
        self.subtitle = subtitle
        self.generated_at = generated_at
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        self.set_title(printable(f"{company} — {title}"))
        self.set_creator("iqcadence")
        self.set_creation_date(generated_at)
        self.alias_nb_pages()
        self.add_page()

    def normalize_text(self, text: str) -> str:
        """Every string fpdf draws or measures passes here: stored text loses
        the control characters an older version let in (ESC, NUL, U+202E...)."""
        return str(super().normalize_text(printable(text)))

    # --- page furniture ---------------------------------------------------------

    def header(self) -> None:
        self.set_fill_color(*ACCENT)
        self.rect(0, 0, self.w, 4, style="F")
        self.set_y(8)
        self.set_font(FONT, "B", 9)
        self.set_text_color(*ACCENT)
        self.cell(0, 5, self.company.upper(), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "B", 16)
        self.set_text_color(*INK)
        self.cell(0, 8, self.report_title, new_x="LMARGIN", new_y="NEXT")
        if self.subtitle:
            self.set_font(FONT, "", 9)
            self.set_text_color(*MUTED)
            self.cell(0, 5, self.subtitle, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y() + 1.5, self.w - self.r_margin, self.get_y() + 1.5)
        self.ln(5)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        stamp = self.generated_at.strftime("%Y-%m-%d %H:%M UTC")
        self.cell(0, 5, f"Generated {stamp} by iqcadence", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    # --- text -----------------------------------------------------------------------

    def heading(self, text: str, *, size: float = 12, keep: float = 30) -> None:
        """A section heading, kept on one page with the next `keep` mm."""
        if self.get_y() + 10 + keep > self.page_break_trigger:
            self.add_page()
        self.ln(2)
        self.set_font(FONT, "B", size)
        self.set_text_color(*INK)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def paragraph(self, text: str, *, size: float = 9, muted: bool = False) -> None:
        self.set_font(FONT, "", size)
        self.set_text_color(*(MUTED if muted else INK))
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        self.ln(1.5)

    def kpis(self, items: Sequence[tuple[str, str]]) -> None:
        """A strip of labelled figures (label, value)."""
        if not items:
            return
        if self.get_y() > self.h - 40:
            self.add_page()
        gap = 3.0
        width = (self.epw - gap * (len(items) - 1)) / len(items)
        top = self.get_y()
        for index, (label, value) in enumerate(items):
            x = self.l_margin + index * (width + gap)
            self.set_fill_color(244, 246, 249)
            self.rect(x, top, width, 17, style="F")
            self.set_xy(x + 2, top + 2)
            self.set_font(FONT, "", 7.5)
            self.set_text_color(*MUTED)
            self.cell(width - 4, 4, label)
            self.set_xy(x + 2, top + 7.5)
            size = 13.0
            self.set_font(FONT, "B", size)
            while size > 7 and self.get_string_width(value) > width - 4:
                size -= 0.5
                self.set_font(FONT, "B", size)
            self.set_text_color(*INK)
            self.cell(width - 4, 7, value)
        self.set_xy(self.l_margin, top + 20)

    # --- tables -------------------------------------------------------------------

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
    ) -> None:
        """A table whose headings repeat on every page. `bands` gives each
        row's band; the `band_column` cell is tinted in that band's colour.
        Cells hold one line (long text is shortened with an ellipsis): drawn
        with plain cells, so thousands of rows stay fast."""
        fractions = list(widths) if widths else [1.0] * len(headings)
        total = sum(fractions)
        cols = [self.epw * f / total for f in fractions]
        aligns = [("R" if a.upper().startswith("R") else "L") for a in (align or ["L"] * len(cols))]
        height = font_size * 0.5 + 2.2

        def draw_headings() -> None:
            self.set_font(FONT, "B", font_size)
            self.set_fill_color(*ACCENT)
            self.set_text_color(255, 255, 255)
            x = self.l_margin
            for text, width, side in zip(headings, cols, aligns, strict=True):
                self.set_xy(x, self.get_y())
                self.cell(width, height, self._fit(str(text), width), align=side, fill=True)
                x += width
            self.ln(height)
            self.set_font(FONT, "", font_size)
            self.set_text_color(*INK)

        if self.get_y() + 2 * height > self.page_break_trigger:
            self.add_page()
        draw_headings()
        for index, values in enumerate(rows):
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
                draw_headings()
            y = self.get_y()
            if index % 2:
                self.set_fill_color(246, 247, 250)
                self.rect(self.l_margin, y, self.epw, height, style="F")
            band = bands[index] if bands is not None else None
            x = self.l_margin
            for column, (value, width, side) in enumerate(zip(values, cols, aligns, strict=False)):
                text = "" if value is None else str(value)
                tinted = band is not None and column == band_column and band in BAND_TINTS
                if tinted:
                    assert band is not None
                    self.set_fill_color(*BAND_TINTS[band])
                    self.rect(x, y, width, height, style="F")
                    self.set_text_color(*BAND_COLOURS[band])
                    self.set_font(FONT, "B", font_size)
                self.set_xy(x, y)
                self.cell(width, height, self._fit(text, width), align=side)
                if tinted:
                    self.set_text_color(*INK)
                    self.set_font(FONT, "", font_size)
                x += width
            self.set_draw_color(*RULE)
            self.line(self.l_margin, y + height, self.l_margin + self.epw, y + height)
            self.set_xy(self.l_margin, y + height)
        self.ln(3)

    def _fit(self, text: str, width: float) -> str:
        """Shorten text with an ellipsis so it fits a cell of `width`."""
        room = width - 2 * self.c_margin
        if self.get_string_width(text) <= room:
            return text
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if self.get_string_width(text[:middle] + "…") <= room:
                low = middle
            else:
                high = middle - 1
        return text[:low].rstrip() + "…"

    # --- charts ---------------------------------------------------------------------

    def _chart_box(self, height: float) -> tuple[float, float, float, float]:
        if self.get_y() + height + 6 > self.h - self.b_margin:
            self.add_page()
        x, y = self.l_margin, self.get_y()
        return x, y, self.epw, height

    def bar_chart(
        self,
        labels: Sequence[str],
        values: Sequence[float],
        *,
        colours: Sequence[RGB] | None = None,
        height: float = 45,
        value_format: str = "{:,.0f}",
    ) -> None:
        """Vertical bars with their values on top and labels below."""
        x, y, width, _ = self._chart_box(height + 10)
        top = max([*values, 0.0]) or 1.0
        count = max(len(values), 1)
        slot = width / count
        bar = min(slot * 0.6, 22)
        self.set_draw_color(*RULE)
        self.line(x, y + height, x + width, y + height)
        for index, (label, value) in enumerate(zip(labels, values, strict=True)):
            colour = colours[index] if colours else SERIES[0]
            bar_h = (height - 8) * (value / top) if top else 0
            bx = x + index * slot + (slot - bar) / 2
            self.set_fill_color(*colour)
            if bar_h > 0:
                self.rect(bx, y + height - bar_h, bar, bar_h, style="F")
            self.set_font(FONT, "", 7)
            self.set_text_color(*INK)
            self.set_xy(x + index * slot, y + height - bar_h - 5)
            self.cell(slot, 4, value_format.format(value), align="C")
            self.set_text_color(*MUTED)
            self.set_xy(x + index * slot, y + height + 1)
            self.cell(slot, 4, str(label), align="C")
        self.set_text_color(*INK)
        self.set_xy(self.l_margin, y + height + 8)

    def line_chart(
        self,
        x_labels: Sequence[str],
        series: Sequence[tuple[str, Sequence[float | None]]],
        *,
        height: float = 55,
        y_min: float | None = None,
        y_max: float | None = None,
        bands: dict[str, float] | None = None,
    ) -> None:
        """Lines over shared x positions; gaps where a value is None. `bands`
        (threshold name → value) draws faint threshold rules."""
        x, y, width, _ = self._chart_box(height + 14)
        values = [v for _, points in series for v in points if v is not None]
        low = y_min if y_min is not None else (min(values) if values else 0.0)
        high = y_max if y_max is not None else (max(values) if values else 1.0)
        if high <= low:
            high = low + 1
        left = x + 9
        plot_w = width - 11
        count = max(len(x_labels), 2)

        def px(i: int) -> float:
            return left + plot_w * i / (count - 1)

        def py(v: float) -> float:
            return y + height - (height - 4) * (v - low) / (high - low)

        self.set_font(FONT, "", 6.5)
        self.set_text_color(*MUTED)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        for step in range(5):
            value = low + (high - low) * step / 4
            self.line(left, py(value), left + plot_w, py(value))
            self.set_xy(x, py(value) - 2)
            self.cell(8, 4, f"{value:.0f}", align="R")
        for name, value in (bands or {}).items():
            if low <= value <= high:
                self.set_draw_color(*BAND_COLOURS.get(_band_below(name), RULE))
                self.set_dash_pattern(dash=1, gap=1)
                self.line(left, py(value), left + plot_w, py(value))
                self.set_dash_pattern()
        stride = max(1, len(x_labels) // 8)
        for index, label in enumerate(x_labels):
            last = index == len(x_labels) - 1
            if (index % stride == 0 and (last or len(x_labels) - 1 - index >= stride / 2)) or last:
                self.set_xy(px(index) - 8, y + height + 1)
                self.cell(16, 4, label, align="C")
        self.set_line_width(0.6)
        for number, (_name, points) in enumerate(series):
            self.set_draw_color(*SERIES[number % len(SERIES)])
            run: list[tuple[float, float]] = []
            for index, point in enumerate(points):
                if point is None:
                    if len(run) > 1:
                        self.polyline(run)
                    run = []
                    continue
                run.append((px(index), py(point)))
            if len(run) > 1:
                self.polyline(run)
            elif len(run) == 1:
                self.set_fill_color(*SERIES[number % len(SERIES)])
                self.circle(run[0][0], run[0][1], 0.8, style="F")
        self.set_line_width(0.2)
        if len(series) > 1:
            self.set_xy(left, y + height + 6)
            for number, (name, _points) in enumerate(series):
                self.set_fill_color(*SERIES[number % len(SERIES)])
                self.rect(self.get_x(), self.get_y() + 1.2, 3, 1.6, style="F")
                self.set_x(self.get_x() + 4)
                self.cell(self.get_string_width(name) + 6, 4, name)
        self.set_text_color(*INK)
        self.set_xy(self.l_margin, y + height + 12)

    def donut(
        self,
        parts: Sequence[tuple[str, float, RGB]],
        *,
        size: float = 40,
        centre_text: str = "",
    ) -> None:
        """A donut of parts (label, value, colour) with a legend on its right."""
        x, y, _width, _ = self._chart_box(size + 4)
        total = sum(value for _, value, _ in parts)
        cx, cy, radius = x + size / 2, y + size / 2, size / 2
        angle = 0.0
        if total > 0:
            for _label, value, colour in parts:
                if value <= 0:
                    continue
                sweep = 360.0 * value / total
                self.set_fill_color(*colour)
                self.set_draw_color(255, 255, 255)
                if sweep >= 359.999:
                    self.circle(cx, cy, radius, style="F")
                else:
                    self.solid_arc(
                        cx - radius, cy - radius, size, angle - 90, angle + sweep - 90, style="F"
                    )
                angle += sweep
        else:
            self.set_fill_color(*RULE)
            self.circle(cx, cy, radius, style="F")
        self.set_fill_color(255, 255, 255)
        self.circle(cx, cy, radius * 0.58, style="F")
        if centre_text:
            self.set_font(FONT, "B", 10)
            self.set_xy(cx - radius, cy - 3)
            self.cell(size, 6, centre_text, align="C")
        self.set_font(FONT, "", 8)
        legend_x = x + size + 8
        for index, (label, value, colour) in enumerate(parts):
            ly = y + 3 + index * 6
            self.set_fill_color(*colour)
            self.rect(legend_x, ly + 1, 3.5, 3.5, style="F")
            self.set_xy(legend_x + 5, ly)
            share = f"{100 * value / total:.0f}%" if total else "0%"
            self.cell(70, 5.5, f"{label}: {value:,.0f} ({share})")
        self.set_xy(self.l_margin, y + size + 5)


def _band_below(threshold: str) -> str:
    """The band that starts at a threshold (for colouring its rule)."""
    return {"at_risk": "at_risk", "watch": "watch", "healthy": "healthy"}.get(
        threshold, "expansion"
    )
