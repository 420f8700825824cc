"""Vector charts for report PDFs, drawn with fpdf2 primitives (no image
libraries): bars, lines over time, a donut, and band-mix bars that show how
each group splits across the health bands."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from iqcadence.core.reports.pdf_style import BAND_COLOURS, FONT, INK, MUTED, RGB, RULE
from iqcadence.core.reports.pdf_tables import TablePDF

# Threshold rules are labelled with the band that starts there.
THRESHOLD_BANDS = {
    "at_risk": "At Risk",
    "watch": "Watch",
    "healthy": "Healthy",
    "expansion": "Expansion",
}


def nice_range(
    values: Sequence[float], *, floor: float = 0, ceiling: float | None = None
) -> tuple[float, float, float]:
    """An axis (low, high, step) that holds `values` with a little room, on
    round steps, kept within floor..ceiling: a line that moves two points
    shows it moving instead of lying flat on a 0–100 axis."""
    if not values:
        return floor, floor + 100, 25
    low, high = min(values), max(values)
    spread = max(high - low, 2.0)
    raw_step = spread * 1.3 / 4
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    axis_low = max(floor, math.floor((low - spread * 0.15) / step) * step)
    axis_high = math.ceil((high + spread * 0.15) / step) * step
    if ceiling is not None:
        axis_high = min(ceiling, axis_high)
    if axis_high <= axis_low:
        axis_high = axis_low + step
    return axis_low, axis_high, step


NEAR_THRESHOLD = 8.0  # points


class ChartPDF(TablePDF):
    """A TablePDF that also draws charts."""

    def _chart_box(self, height: float) -> tuple[float, float, float, float]:
        if self.get_y() + height + 6 > self.h - self.b_margin:
            self.add_page()
        return self.l_margin, self.get_y(), self.epw, height

    def bar_chart(
        self,
        labels: Sequence[str],
        values: Sequence[float],
        *,
        colours: Sequence[RGB] | None = None,
        height: float = 45,
        value_format: str = "{:,.0f}",
        highlight: Sequence[float] | None = None,
        highlight_colour: RGB | None = None,
        legend: tuple[str, str] | None = None,
    ) -> None:
        """Vertical bars with their values on top and labels below; the
        `highlight` part of each bar is drawn from its base in its own colour."""
        x, y, width, _ = self._chart_box(height + (16 if legend else 10))
        top = max([*values, 0.0]) or 1.0
        count = max(len(values), 1)
        slot = width / count
        bar = min(slot * 0.6, 22)
        self.set_draw_color(*RULE)
        self.line(x, y + height, x + width, y + height)
        for index, (label, value) in enumerate(zip(labels, values, strict=True)):
            colour = colours[index] if colours else self.brand.accent
            bar_h = (height - 8) * (value / top) if top else 0
            bx = x + index * slot + (slot - bar) / 2
            self.set_fill_color(*colour)
            if bar_h > 0:
                self.rect(bx, y + height - bar_h, bar, bar_h, style="F")
            if highlight is not None and highlight_colour is not None and highlight[index] > 0:
                part_h = (height - 8) * (highlight[index] / top)
                self.set_fill_color(*highlight_colour)
                self.rect(bx, y + height - part_h, bar, part_h, style="F")
            self.set_font(FONT, "", 7)
            self.set_text_color(*INK)
            self.set_xy(x + index * slot, y + height - bar_h - 5)
            self.cell(slot, 4, value_format.format(value), align="C")
            self.set_text_color(*MUTED)
            self.set_font(FONT, "", 7 if self.get_string_width(str(label)) < slot - 1 else 5.5)
            self.set_xy(x + index * slot, y + height + 1)
            self.cell(slot, 4, str(label), align="C")
        if legend is not None:
            self.set_xy(x, y + height + 7)
            part = highlight_colour or self.brand.accent
            for text, colour in zip(legend, (self.brand.accent, part), strict=True):
                self.set_fill_color(*colour)
                self.rect(self.get_x(), self.get_y() + 1.2, 3, 2.4, style="F")
                self.set_x(self.get_x() + 4)
                self.set_font(FONT, "", 7)
                self.cell(self.get_string_width(text) + 6, 5, text)
        self.set_text_color(*INK)
        self.set_xy(self.l_margin, y + height + (14 if legend else 8))

    def line_chart(
        self,
        x_labels: Sequence[str],
        series: Sequence[tuple[str, Sequence[float | None]]],
        *,
        height: float = 55,
        y_min: float | None = None,
        y_max: float | None = None,
        bands: Mapping[str, float] | None = None,
        unit: str = "",
        colours: Sequence[RGB] | None = None,
    ) -> None:
        """Lines over shared x positions; gaps where a value is None. Without
        `y_min`/`y_max` the axis fits the data. `bands` (threshold name →
        value) draws a labelled dashed rule for each threshold in range."""
        x, y, width, _ = self._chart_box(height + 14)
        values = [v for _, points in series for v in points if v is not None]
        # A threshold just outside the data is worth showing for context.
        near = [
            v
            for v in (bands or {}).values()
            if values and min(values) - NEAR_THRESHOLD <= v <= max(values) + NEAR_THRESHOLD
        ]
        # Scores and percentages never go past 100, so neither does their axis.
        ceiling = 100 if max(values, default=0) <= 100 else None
        low, high, step = nice_range([*values, *near], ceiling=ceiling)
        if y_min is not None and y_max is not None:
            low, high, step = y_min, y_max, (y_max - y_min) / 4
        left = x + 9
        plot_w = width - 11 - (16 if bands else 0)
        count = max(len(x_labels), 2)

        def px(i: int) -> float:
            return left + plot_w * i / (count - 1)

        def py(v: float) -> float:
            return y + height - (height - 4) * (v - low) / (high - low)

        self.set_font(FONT, "", 6.5)
        self.set_text_color(*MUTED)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        tick = low
        while tick <= high + step / 1000:
            self.line(left, py(tick), left + plot_w, py(tick))
            self.set_xy(x, py(tick) - 2)
            self.cell(8, 4, f"{tick:g}{unit}", align="R")
            tick += step
        for name, value in (bands or {}).items():
            if low <= value <= high:
                colour = BAND_COLOURS.get(name, RULE)
                self.set_draw_color(*colour)
                self.set_dash_pattern(dash=1, gap=1)
                self.line(left, py(value), left + plot_w, py(value))
                self.set_dash_pattern()
                self.set_text_color(*colour)
                self.set_xy(left + plot_w + 1, py(value) - 2)
                self.cell(16, 4, f"{THRESHOLD_BANDS.get(name, name)} {value:g}")
        self.set_text_color(*MUTED)
        stride = max(1, len(x_labels) // 8)
        for index, label in enumerate(x_labels):
            last = index == len(x_labels) - 1
            if (index % stride == 0 and (last or len(x_labels) - 1 - index >= stride / 2)) or last:
                self.set_xy(px(index) - 8, y + height + 1)
                self.cell(16, 4, label, align="C")
        palette = tuple(colours) if colours else self.brand.series
        self.set_line_width(0.6)
        for number, (_name, points) in enumerate(series):
            colour = palette[number % len(palette)]
            self.set_draw_color(*colour)
            run: list[tuple[float, float]] = []
            for index, point in enumerate([*points, None]):
                if point is not None:
                    run.append((px(index), py(point)))
                    continue
                if len(run) > 1:
                    self.polyline(run)
                elif len(run) == 1:
                    self.set_fill_color(*colour)
                    self.circle(run[0][0], run[0][1], 0.8, style="F")
                run = []
        self.set_line_width(0.2)
        if len(series) > 1:
            self.set_xy(left, y + height + 6)
            for number, (name, _points) in enumerate(series):
                self.set_fill_color(*palette[number % len(palette)])
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

    def band_mix(
        self,
        rows: Sequence[tuple[str, Mapping[str, int]]],
        band_labels: Mapping[str, str],
    ) -> None:
        """One 100 % bar per group (label → accounts per band), in band
        colours, with the group's count on the right and a legend below."""
        bar_h, gap = 4.2, 1.8
        height = len(rows) * (bar_h + gap) + 8
        x, y, width, _ = self._chart_box(height)
        self.set_font(FONT, "", 7)
        label_w = min(max((self.get_string_width(r[0]) for r in rows), default=10) + 3, width * 0.3)
        plot_x, plot_w = x + label_w, width - label_w - 12
        for index, (label, counts) in enumerate(rows):
            top = y + index * (bar_h + gap)
            total = sum(counts.values())
            self.set_text_color(*INK)
            self.set_xy(x, top)
            self.cell(label_w - 1, bar_h, label, align="R")
            left = plot_x
            for band, colour in BAND_COLOURS.items():
                share = counts.get(band, 0) / total if total else 0.0
                if share > 0:
                    self.set_fill_color(*colour)
                    self.rect(left, top, plot_w * share, bar_h, style="F")
                    if plot_w * share > 7:
                        self.set_text_color(255, 255, 255)
                        self.set_xy(left, top)
                        self.cell(plot_w * share, bar_h, str(counts[band]), align="C")
                left += plot_w * share
            if not total:
                self.set_fill_color(*RULE)
                self.rect(plot_x, top, plot_w, bar_h, style="F")
            self.set_text_color(*MUTED)
            self.set_xy(plot_x + plot_w + 1, top)
            self.cell(11, bar_h, f"{total:,}")
        legend_y = y + len(rows) * (bar_h + gap) + 1
        self.set_xy(plot_x, legend_y)
        for band, colour in BAND_COLOURS.items():
            self.set_fill_color(*colour)
            self.rect(self.get_x(), legend_y + 1.2, 3, 2.4, style="F")
            self.set_x(self.get_x() + 4)
            self.set_text_color(*MUTED)
            text = band_labels.get(band, band)
            self.cell(self.get_string_width(text) + 5, 5, text)
        self.set_text_color(*INK)
        self.set_xy(self.l_margin, y + height + 2)
