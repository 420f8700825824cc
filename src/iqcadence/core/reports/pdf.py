"""The PDF document every report is drawn on: branded header (company, logo,
title, scope), footer with page numbers and generation time, text blocks
that are never split across pages, and figure strips. Tables and charts
come from `pdf_tables` and `pdf_charts`; the palette and brand from
`pdf_style`.

A bundled DejaVu Sans (free licence, see fonts/LICENSE-DejaVu.txt) renders any
customer name, "Zürich Café" and "Łódź" included.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from iqcadence.core.base.text import printable
from iqcadence.core.reports.pdf_charts import ChartPDF
from iqcadence.core.reports.pdf_style import (
    BAND_COLOURS,
    BAND_TINTS,
    FONT,
    FONT_DIR,
    INK,
    MUTED,
    PAGE_SIZES,
    PANEL,
    RGB,
    RULE,
    Brand,
)

__all__ = ["BAND_COLOURS", "BAND_TINTS", "RGB", "Brand", "ReportPDF"]

LOGO_HEIGHT = 10.0
LOGO_MAX_WIDTH = 42.0


class ReportPDF(ChartPDF):
    """A report document. Draw with `heading`, `paragraph`, `kpis`,
    `table_rows`, `bar_chart`, `line_chart`, `donut`, `band_mix`; then
    `output()`."""

    def __init__(
        self,
        title: str,
        *,
        company: str = "iqcadence",
        subtitle: str = "",
        generated_at: datetime,
        page_size: str = "a4",
        brand: Brand | None = None,
    ) -> None:
        size = PAGE_SIZES.get(page_size.lower())
        if size is None:
            raise ValueError(f"page size {page_size!r} is not one of a4, letter")
        super().__init__(orientation="portrait", unit="mm", format=size)
        self.report_title = title
        self.company = company
        self.subtitle = subtitle
        self.generated_at = generated_at
        self.brand = brand or Brand()
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
        self.set_fill_color(*self.brand.accent)
        self.rect(0, 0, self.w, 4, style="F")
        room = self.epw - self._logo()
        self.set_y(8)
        self.set_font(FONT, "B", 9)
        self.set_text_color(*self.brand.accent)
        self.cell(room, 5, self.company.upper(), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "B", 16)
        self.set_text_color(*INK)
        self.cell(room, 8, self.report_title, new_x="LMARGIN", new_y="NEXT")
        if self.subtitle:
            self.set_font(FONT, "", 9)
            self.set_text_color(*MUTED)
            self.cell(room, 5, self.subtitle, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y() + 1.5, self.w - self.r_margin, self.get_y() + 1.5)
        self.ln(5)
        self.set_text_color(*INK)

    def _logo(self) -> float:
        """Draw the brand's logo at the top right; the width it takes (mm)."""
        if self.brand.logo is None:
            return 0.0
        info = self.image(
            io.BytesIO(self.brand.logo),
            x=self.w - self.r_margin - LOGO_MAX_WIDTH,
            y=7,
            w=LOGO_MAX_WIDTH,
            h=LOGO_HEIGHT,
            keep_aspect_ratio=True,
        )
        del info
        return LOGO_MAX_WIDTH + 3

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

    def paragraph_height(self, text: str, *, size: float = 9) -> float:
        """How tall `paragraph(text)` will be (mm)."""
        self.set_font(FONT, "", size)
        lines = self.wrap(text, self.epw - 2 * self.c_margin)
        return len(lines) * size * 0.5 + 1.5

    def paragraph(self, text: str, *, size: float = 9, muted: bool = False) -> None:
        """Text that stays on one page: a paragraph that would straddle a
        page break starts on the next page instead (unless it is longer
        than a page)."""
        height = self.paragraph_height(text, size=size)
        if self.get_y() + height > self.page_break_trigger and height < self.body_height:
            self.add_page()
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
            self.set_fill_color(*PANEL)
            self.rect(x, top, width, 17, style="F")
            self.set_xy(x + 2, top + 2)
            size = 7.5
            self.set_font(FONT, "", size)
            while size > 6 and self.get_string_width(label) > width - 4:
                size -= 0.5
                self.set_font(FONT, "", size)
            self.set_text_color(*MUTED)
            self.cell(width - 4, 4, label)
            self.set_xy(x + 2, top + 7.5)
            size = 13.0
            self.set_font(FONT, "B", size)
            while size > 6 and self.get_string_width(value) > width - 4:
                size -= 0.5
                self.set_font(FONT, "B", size)
            self.set_text_color(*INK)
            self.cell(width - 4, 7, value)
        self.set_xy(self.l_margin, top + 20)
